//! AUTH (RFC 4954): PLAIN with the initial response on the AUTH line
//! (RFC 4616), else LOGIN, with a password; XOAUTH2 (else OAUTHBEARER,
//! RFC 7628) with a token. The encodings come from [`crate::sasl`].
//!
//! A secret only crosses an encrypted channel, or a plain one the config
//! explicitly asked for (`tls = "none"`), checked before a byte is sent. A
//! probe connection (`danger_probe_only`) never authenticates. Traces show
//! `<redacted>` for every client line after `AUTH MECHANISM`, and errors
//! quote only the server. It must not choose credentials or retry.

use super::explain::{self, Stage};
use super::session::{Connection, Session};
use crate::error::{Error, Result};
use crate::net::Security;
use crate::sasl::{self, Credentials, Secret};

/// Longest command line, CRLF included (RFC 5321 §4.5.3.1.4). An AUTH line
/// with its initial response must fit, else the response waits for the
/// server's `334` (RFC 4954 §4).
const MAX_LINE: usize = 512;

impl<S: Connection> Session<S> {
    /// Authenticates with `creds`; does nothing when already done.
    /// Refused credentials (535, 534, 538, 530) are
    /// [`crate::error::ErrorKind::Auth`]; 4xx is temporary; no mechanism
    /// in common is `Unavailable` and names what the server offers.
    /// The login must finish within the timeout, however slowly the
    /// server answers.
    pub fn authenticate(&mut self, creds: &Credentials) -> Result<()> {
        if self.authenticated {
            return Ok(());
        }
        let deadline = std::time::Instant::now() + self.endpoint.timeout;
        self.io.stream_mut().set_deadline(Some(deadline))?;
        let result = self.authenticate_in_time(creds);
        let cleared = self.io.stream_mut().set_deadline(None);
        result.and(cleared)
    }

    fn authenticate_in_time(&mut self, creds: &Credentials) -> Result<()> {
        if self.endpoint.tls.danger_probe_only {
            return Err(Error::tls(
                "this connection accepted any certificate to learn its fingerprint; it must not authenticate",
            ));
        }
        if !self.is_tls() && self.endpoint.security != Security::DangerPlaintext {
            return Err(Error::tls("refusing to send credentials over a connection without TLS"));
        }
        let user = creds.user.as_str();
        let mechanism = match &creds.secret {
            Secret::Password(password) if self.ext.has_auth("PLAIN") => {
                self.sasl("PLAIN", &[sasl::plain(user, password)], true)?;
                "PLAIN"
            }
            Secret::Password(password) if self.ext.has_auth("LOGIN") => {
                self.sasl("LOGIN", &[sasl::b64(user), sasl::b64(password)], false)?;
                "LOGIN"
            }
            Secret::Token(token) if self.ext.has_auth("XOAUTH2") => {
                self.sasl("XOAUTH2", &[sasl::xoauth2(user, token)], true)?;
                "XOAUTH2"
            }
            Secret::Token(token) if self.ext.has_auth("OAUTHBEARER") => {
                let response = sasl::oauthbearer(user, &self.endpoint.host, self.endpoint.port, token);
                self.sasl("OAUTHBEARER", &[response], true)?;
                "OAUTHBEARER"
            }
            secret => {
                let wanted = match secret {
                    Secret::Password(_) => "PLAIN, LOGIN",
                    Secret::Token(_) => "XOAUTH2, OAUTHBEARER",
                };
                let offered = if self.ext.auth.is_empty() { "none".to_string() } else { self.ext.auth.join(" ") };
                return Err(Error::unavailable(format!(
                    "server offers no AUTH mechanism owl can use here ({wanted}); offered: {offered}"
                )));
            }
        };
        self.authenticated = true;
        self.info.auth_mechanism = Some(mechanism.to_string());
        Ok(())
    }

    /// One SASL exchange: `responses` answer the server's `334`s in order,
    /// the first on the AUTH line itself when `inline` and it fits. A
    /// `334` after the last response is how XOAUTH2 and OAUTHBEARER report
    /// a failure (RFC 7628 §3.2.3): an empty line answers it, and the
    /// server then sends its final reply.
    fn sasl(&mut self, mechanism: &str, responses: &[String], inline: bool) -> Result<()> {
        let what = format!("AUTH {mechanism}");
        let mut rest = responses.iter();
        let line = responses.first().map(|first| format!("{what} {first}"));
        match line {
            Some(line) if inline && line.len() + 2 <= MAX_LINE => {
                rest.next();
                self.queue_redacted(&line, &format!("{what} <redacted>"))?;
            }
            _ => self.queue(&what)?,
        }
        self.flush()?;
        let mut extra = 0;
        loop {
            let reply = self.read().map_err(|e| e.context(what.clone()))?;
            if reply.code == 334 {
                match rest.next() {
                    Some(response) => self.queue_redacted(response, "<redacted>")?,
                    None if extra == 0 => {
                        extra += 1;
                        self.queue("")?;
                    }
                    None => {
                        // Answering for ever would let a server keep us here.
                        self.queue("*")?;
                        self.flush()?;
                        self.read()?;
                        return Err(Error::protocol(format!("{what}: the server kept asking for more")));
                    }
                }
                self.flush()?;
                continue;
            }
            if reply.is_positive() {
                return Ok(());
            }
            return Err(explain::error(Stage::Auth, &what, &reply));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::session::tests::{EHLO, options};
    use super::*;
    use crate::error::ErrorKind;
    use crate::net::script::{Script, ScriptBuilder, ScriptHandle, script};

    fn password(secret: &str) -> Credentials {
        Credentials { user: "me@example.org".into(), secret: Secret::Password(secret.into()) }
    }

    fn opened(auth: &str) -> ScriptBuilder {
        script().implicit_tls().send("220 x\r\n").expect(EHLO).send(format!("250-x\r\n250 AUTH {auth}\r\n"))
    }

    fn session(s: ScriptBuilder) -> (Session<Script>, ScriptHandle) {
        let (stream, handle) = s.build();
        (Session::start(stream, &options(Security::Implicit)).unwrap(), handle)
    }

    #[test]
    fn plain_goes_inline_and_the_trace_hides_it() {
        let encoded = sasl::plain("me@example.org", "hunter2");
        let s = opened("LOGIN PLAIN").expect(format!("AUTH PLAIN {encoded}\r\n")).send("235 2.7.0 ok\r\n");
        let (mut session, handle) = session(s);
        session.authenticate(&password("hunter2")).unwrap();
        let trace = session.traces.join("\n");
        handle.assert_done();
        assert_eq!(session.info().auth_mechanism.as_deref(), Some("PLAIN"));
        assert!(trace.contains("smtp#test C: AUTH PLAIN <redacted>"), "{trace}");
        assert!(trace.contains("smtp#test S: 235 2.7.0 ok"), "{trace}");
        assert!(!trace.contains("hunter2") && !trace.contains(&encoded), "{trace}");
    }

    #[test]
    fn login_answers_both_prompts_and_a_535_is_an_auth_failure() {
        let s = opened("LOGIN")
            .expect("AUTH LOGIN\r\n")
            .send("334 VXNlcm5hbWU6\r\n")
            .expect(format!("{}\r\n", sasl::b64("me@example.org")))
            .send("334 UGFzc3dvcmQ6\r\n")
            .expect(format!("{}\r\n", sasl::b64("hunter2")))
            .send("535 5.7.8 Error: authentication failed\r\n");
        let (mut session, handle) = session(s);
        let err = session.authenticate(&password("hunter2")).unwrap_err();
        let trace = session.traces.join("\n");
        handle.assert_done();
        assert_eq!((err.kind(), err.exit_code()), (ErrorKind::Auth, 77));
        assert!(err.to_string().contains("535") && err.to_string().contains("user name or password"), "{err}");
        assert!(!err.to_string().contains("hunter2"));
        assert!(!trace.contains(&sasl::b64("hunter2")) && !trace.contains("hunter2"), "{trace}");
        assert!(trace.contains("C: <redacted>"), "{trace}");
        assert!(!session.is_broken(), "a refusal keeps the session in step");
    }

    #[test]
    fn xoauth2_answers_the_error_challenge_with_an_empty_line() {
        let token = "ya29.secret-token";
        let encoded = sasl::xoauth2("me@example.org", token);
        let s = opened("XOAUTH2 PLAIN")
            .expect(format!("AUTH XOAUTH2 {encoded}\r\n"))
            .send("334 eyJzdGF0dXMiOiI0MDEifQ==\r\n")
            .expect("\r\n")
            .send("535 5.7.8 Username and Password not accepted\r\n");
        let (mut session, handle) = session(s);
        let creds = Credentials { user: "me@example.org".into(), secret: Secret::Token(token.into()) };
        let err = session.authenticate(&creds).unwrap_err();
        let trace = session.traces.join("\n");
        handle.assert_done();
        assert_eq!(err.kind(), ErrorKind::Auth);
        assert!(!trace.contains(token) && !trace.contains(&encoded), "{trace}");
        assert!(!err.to_string().contains(token));
    }

    #[test]
    fn a_long_token_waits_for_the_334() {
        let token = "t".repeat(600);
        let encoded = sasl::xoauth2("me@example.org", &token);
        let s = opened("XOAUTH2")
            .expect("AUTH XOAUTH2\r\n")
            .send("334 \r\n")
            .expect(format!("{encoded}\r\n"))
            .send("235 ok\r\n");
        let (mut session, handle) = session(s);
        let creds = Credentials { user: "me@example.org".into(), secret: Secret::Token(token) };
        session.authenticate(&creds).unwrap();
        handle.assert_done();
        assert_eq!(session.info().auth_mechanism.as_deref(), Some("XOAUTH2"));
    }

    #[test]
    fn temporary_and_other_refusals_have_their_kinds() {
        for (answer, kind) in [
            ("454 4.7.0 Temporary authentication failure\r\n", ErrorKind::TempFail),
            ("534 5.7.9 Please log in with your web browser\r\n", ErrorKind::Auth),
            ("530 5.7.0 Must issue a STARTTLS command first\r\n", ErrorKind::Auth),
            ("504 5.5.4 Unrecognized authentication type\r\n", ErrorKind::Rejected),
        ] {
            let encoded = sasl::plain("me@example.org", "pw");
            let s = opened("PLAIN").expect(format!("AUTH PLAIN {encoded}\r\n")).send(answer);
            let (mut session, handle) = session(s);
            let err = session.authenticate(&password("pw")).unwrap_err();
            assert_eq!(err.kind(), kind, "{answer}: {err}");
            handle.assert_done();
        }
    }

    #[test]
    fn no_mechanism_in_common_names_what_is_offered() {
        let (mut session, handle) = session(opened("CRAM-MD5 GSSAPI"));
        let err = session.authenticate(&password("pw")).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unavailable);
        assert!(err.to_string().contains("offered: CRAM-MD5 GSSAPI"), "{err}");
        handle.assert_done();
    }

    #[test]
    fn a_probe_connection_never_authenticates() {
        let (stream, handle) = opened("PLAIN").build();
        let mut opts = options(Security::Implicit);
        opts.endpoint.tls.danger_probe_only = true;
        let mut session = Session::start(stream, &opts).unwrap();
        assert_eq!(session.authenticate(&password("pw")).unwrap_err().kind(), ErrorKind::Tls);
        handle.assert_done();
        assert!(!handle.written().contains("AUTH"));
    }

    #[test]
    fn no_credentials_cross_plaintext_unless_the_config_says_so() {
        let plain = || script().send("220 x\r\n").expect(EHLO).send("250-x\r\n250 AUTH PLAIN\r\n");
        let (stream, handle) = plain().build();
        // Implicit TLS that (impossibly) is not on: fail closed anyway.
        let mut session = Session::start(stream, &options(Security::Implicit)).unwrap();
        assert_eq!(session.authenticate(&password("pw")).unwrap_err().kind(), ErrorKind::Tls);
        handle.assert_done();

        let encoded = sasl::plain("me@example.org", "pw");
        let (stream, handle) = plain().expect(format!("AUTH PLAIN {encoded}\r\n")).send("235 ok\r\n").build();
        let mut session = Session::start(stream, &options(Security::DangerPlaintext)).unwrap();
        session.authenticate(&password("pw")).unwrap();
        handle.assert_done();
    }
}
