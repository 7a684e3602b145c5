//! Logging in: USER/PASS (RFC 1939 §7), APOP (RFC 1939 §7), AUTH PLAIN
//! and the OAuth mechanisms (RFC 5034, with the initial response on the
//! AUTH line).
//!
//! A password or token only ever crosses an encrypted channel, or a plain
//! one the config explicitly asked for (`tls = "none"`); the check runs
//! before a byte is sent. A probe connection (`danger_probe_only`) never
//! logs in. Traces show `<redacted>` for PASS, AUTH responses and the APOP
//! digest. The capabilities are read again after login (RFC 2449 §5).

use super::apop;
use super::reply::{self, Stage};
use super::session::Session;
use crate::error::{Error, Result};
use crate::net::Security;
use crate::sasl::{self, Credentials};

/// Longest AUTH line with an initial response, CRLF included (RFC 5034
/// §4); a longer response waits for the server's `+`.
const MAX_AUTH_LINE: usize = 255;

/// How to log in with a password (a token always uses SASL).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Method {
    /// AUTH PLAIN if CAPA lists `SASL PLAIN`, else USER/PASS if CAPA lists
    /// `USER` or the server has no CAPA, else APOP if the greeting offers it.
    #[default]
    Auto,
    /// APOP: the password never crosses the wire.
    Apop,
    /// USER and PASS.
    User,
    /// AUTH PLAIN.
    Plain,
}

impl Session {
    /// Logs in with `creds`. Does nothing when already logged in.
    /// The login must finish within the timeout, however slowly the
    /// server answers.
    pub fn authenticate(&mut self, creds: &Credentials, method: Method) -> Result<()> {
        if self.authenticated {
            return Ok(());
        }
        self.set_deadline(Some(std::time::Instant::now() + self.endpoint.timeout))?;
        let result = self.authenticate_in_time(creds, method);
        let cleared = self.set_deadline(None);
        result.and(cleared)
    }

    fn authenticate_in_time(&mut self, creds: &Credentials, method: Method) -> Result<()> {
        if self.endpoint.tls.danger_probe_only {
            return Err(Error::tls(
                "this connection accepted any certificate to learn its fingerprint; it must not log in",
            ));
        }
        if creds.user.is_empty() {
            return Err(Error::config("the POP3 user name is empty"));
        }
        let mechanism = match (&creds.secret, method) {
            (sasl::Secret::Token(token), Method::Auto) => self.oauth(&creds.user, token)?,
            (sasl::Secret::Token(_), _) => {
                return Err(Error::config(
                    "an OAuth token logs in with SASL (XOAUTH2); set the POP3 auth method to \"auto\"",
                ));
            }
            (sasl::Secret::Password(password), method) => {
                let method = match method {
                    Method::Auto => self.choose(),
                    chosen => chosen,
                };
                match method {
                    Method::Apop => self.apop(&creds.user, password)?,
                    Method::Plain => {
                        self.sasl("PLAIN", &sasl::plain(&creds.user, password))?;
                        "PLAIN"
                    }
                    Method::User | Method::Auto => self.user_pass(&creds.user, password)?,
                }
            }
        };
        self.authenticated = true;
        self.info.auth_mechanism = Some(mechanism.to_string());
        self.refresh_capabilities()
    }

    /// The method `Auto` stands for, from CAPA and the greeting. With
    /// nothing advertised at all, USER/PASS is the one every server has.
    fn choose(&self) -> Method {
        if self.caps.has_sasl("PLAIN") {
            Method::Plain
        } else if self.caps.has("USER") || self.caps.is_empty() || self.timestamp.is_none() {
            Method::User
        } else {
            Method::Apop
        }
    }

    /// Refuses to send `what` (a secret) over an unencrypted channel the
    /// config did not explicitly allow.
    fn require_secure_channel(&self, what: &str) -> Result<()> {
        if self.codec.stream().is_tls() || self.endpoint.security == Security::DangerPlaintext {
            return Ok(());
        }
        Err(Error::tls(format!("refusing to send {what} over a connection without TLS")))
    }

    fn user_pass(&mut self, user: &str, password: &str) -> Result<&'static str> {
        self.require_secure_channel("USER/PASS")?;
        no_line_breaks(user, "user name")?;
        no_line_breaks(password, "password")?;
        self.command(&format!("USER {user}"), "USER", Stage::Login)?;
        self.queue_redacted(&format!("PASS {password}"), "PASS <redacted>")?;
        self.flush()?;
        self.read_reply("PASS")?.check("PASS", Stage::Login)?;
        Ok("USER")
    }

    fn apop(&mut self, user: &str, password: &str) -> Result<&'static str> {
        let Some(timestamp) = self.timestamp.clone() else {
            return Err(Error::unavailable(
                "the server's greeting carries no APOP timestamp, so it does not offer APOP",
            ));
        };
        no_line_breaks(user, "user name")?;
        let digest = apop::digest(&timestamp, password);
        self.queue_redacted(&format!("APOP {user} {digest}"), &format!("APOP {user} <redacted>"))?;
        self.flush()?;
        self.read_reply("APOP")?.check("APOP", Stage::Login)?;
        Ok("APOP")
    }

    /// XOAUTH2 when offered or when CAPA says nothing, else OAUTHBEARER.
    fn oauth(&mut self, user: &str, token: &str) -> Result<&'static str> {
        if self.caps.has_sasl("XOAUTH2") || self.caps.args("SASL").is_none() {
            self.sasl("XOAUTH2", &sasl::xoauth2(user, token))?;
            Ok("XOAUTH2")
        } else if self.caps.has_sasl("OAUTHBEARER") {
            let response = sasl::oauthbearer(user, &self.endpoint.host, self.endpoint.port, token);
            self.sasl("OAUTHBEARER", &response)?;
            Ok("OAUTHBEARER")
        } else {
            Err(Error::unavailable("server offers neither SASL XOAUTH2 nor OAUTHBEARER for the OAuth token"))
        }
    }

    /// AUTH with an initial response: on the AUTH line when it fits,
    /// else after the server's first `+`. A `+` after the response (an
    /// XOAUTH2 error report) is answered with an empty line, which makes
    /// the server send its final `-ERR`.
    fn sasl(&mut self, mechanism: &str, initial: &str) -> Result<()> {
        self.require_secure_channel(&format!("AUTH {mechanism}"))?;
        let what = format!("AUTH {mechanism}");
        let inline = format!("AUTH {mechanism} {initial}");
        let mut initial_sent = inline.len() + 2 <= MAX_AUTH_LINE;
        if initial_sent {
            self.queue_redacted(&inline, &format!("AUTH {mechanism} <redacted>"))?;
        } else {
            self.queue(&what)?;
        }
        self.flush()?;
        let mut challenges = 0;
        loop {
            let line = self.read_status_line()?;
            if !reply::is_continuation(&line) {
                let reply = reply::parse(&line).map_err(|e| e.context(what.clone()))?;
                reply.check(&what, Stage::Login)?;
                return Ok(());
            }
            challenges += 1;
            if challenges > 2 {
                // Answering for ever would let a server keep us here.
                self.queue("*")?;
                self.flush()?;
                let _ = self.read_status_line();
                return Err(Error::protocol(format!("{what}: server kept asking for more")));
            }
            let answer = if initial_sent { "" } else { initial };
            initial_sent = true;
            self.queue_redacted(answer, "<redacted>")?;
            self.flush()?;
        }
    }
}

fn no_line_breaks(value: &str, what: &str) -> Result<()> {
    if value.bytes().any(|b| matches!(b, b'\r' | b'\n' | 0)) {
        return Err(Error::config(format!("the POP3 {what} contains a line break or NUL")));
    }
    Ok(())
}
