//! Logging in and switching compression on.
//!
//! Order of preference: a token goes by XOAUTH2 or OAUTHBEARER; a password
//! by AUTHENTICATE PLAIN (with SASL-IR when offered, RFC 4959), else LOGIN,
//! never when the server says LOGINDISABLED. Capabilities are read again
//! after login, then COMPRESS=DEFLATE (RFC 4978) is switched on if offered
//! and wanted: only after login, so credentials never enter the compressed
//! stream.

use super::MailboxName;
use super::command::{Arg, Command};
use super::response::{Code, Done, Status};
use super::session::Session;
use crate::error::{Error, ErrorKind, Result};
use std::time::{Duration, Instant};

use crate::net::compression::WIDE_AREA_RTT;

/// NOOPs `compress = auto` times at most: a real wide-area link pays
/// this many round trips once per connection, a busy machine's loopback
/// gets as many chances to show it is near.
const NOOPS_AT_MOST: usize = 3;
use crate::net::{Choice, Compression, Connection};
use crate::sasl::{self, Credentials};

impl<S: Connection> Session<S> {
    /// Authenticates with `creds`. Does nothing after a PREAUTH greeting.
    /// The login must finish within the timeout, however slowly the
    /// server answers (some delay failed logins on purpose).
    pub fn authenticate(&mut self, creds: &Credentials) -> Result<()> {
        self.authenticate_opening(creds, None)
    }

    /// [`Session::authenticate`], and with `first`, EXAMINE (read-only) or
    /// SELECT of that mailbox sent right behind a one-line login, saving a
    /// round trip for a command that starts there. The mailbox is opened
    /// without CONDSTORE (the capabilities that say whether it is offered
    /// come with the login's reply); if opening it fails, the session is
    /// left with nothing selected and the command's own EXAMINE reports
    /// why.
    pub fn authenticate_opening(&mut self, creds: &Credentials, first: Option<(&MailboxName, bool)>) -> Result<()> {
        if self.authenticated {
            return Ok(());
        }
        self.set_deadline(Some(self.deadline_from_now()))?;
        let result = self.authenticate_in_time(creds, first);
        let cleared = self.set_deadline(None);
        result.and(cleared)
    }

    fn authenticate_in_time(&mut self, creds: &Credentials, first: Option<(&MailboxName, bool)>) -> Result<()> {
        let updates_before = self.caps_updates;
        match self.login_plan(creds)? {
            Plan::Login(command) => self.one_line_login(&command, "LOGIN", first, updates_before),
            Plan::Sasl { mechanism, initial, one_line: true } if first.is_some() => {
                // RFC 4959: the initial response is bare base64, not a string.
                let command = Command::new("AUTHENTICATE").atom(mechanism).arg(Arg::SecretAtom(initial));
                self.one_line_login(&command, mechanism, first, updates_before)
            }
            Plan::Sasl { mechanism, initial, .. } => {
                self.sasl(mechanism, &initial)?;
                self.logged_in(mechanism, updates_before)
            }
        }
    }

    /// A login that is one line (LOGIN, or PLAIN with SASL-IR), with the
    /// opening of `first` pipelined behind it.
    fn one_line_login(
        &mut self,
        command: &Command,
        mechanism: &str,
        first: Option<(&MailboxName, bool)>,
        updates_before: u64,
    ) -> Result<()> {
        let tag = self.send(command)?;
        let opening = match first {
            Some((name, read_only)) => Some((self.send_open(name, read_only, false)?, read_only)),
            None => None,
        };
        self.flush()?;
        let done = self.wait(&tag, None, &mut |_| Ok(()))?;
        if done.status != Status::Ok {
            // What follows answers a command sent unauthenticated.
            self.broken |= opening.is_some();
            let what = if mechanism == "LOGIN" { "LOGIN".to_string() } else { format!("AUTHENTICATE {mechanism}") };
            return Err(login_failed(done, &what));
        }
        self.logged_in(mechanism, updates_before)?;
        if let Some((tag, read_only)) = opening
            && let Err(err) = self.finish_open(&tag, read_only)
            && self.broken
        {
            return Err(err);
        }
        Ok(())
    }

    /// How to log in with `creds` here. Order of preference: a token by
    /// XOAUTH2 or OAUTHBEARER; a password by AUTHENTICATE PLAIN (in one
    /// line with SASL-IR), else LOGIN, never under LOGINDISABLED.
    fn login_plan(&self, creds: &Credentials) -> Result<Plan> {
        if let Some(token) = creds.token() {
            // Never pipelined: a failed XOAUTH2 answers with a `+` that
            // wants an empty line before its NO.
            if self.caps.has_auth("XOAUTH2") {
                let initial = sasl::xoauth2(&creds.user, token);
                return Ok(Plan::Sasl { mechanism: "XOAUTH2", initial, one_line: false });
            }
            if self.caps.has_auth("OAUTHBEARER") {
                let initial = sasl::oauthbearer(&creds.user, &self.host, self.port, token);
                return Ok(Plan::Sasl { mechanism: "OAUTHBEARER", initial, one_line: false });
            }
            return Err(Error::unavailable(
                "server offers neither AUTH=XOAUTH2 nor AUTH=OAUTHBEARER for the OAuth token",
            ));
        }
        let password = creds.password().unwrap_or_default();
        if self.caps.has_auth("PLAIN") {
            let initial = sasl::plain(&creds.user, password);
            return Ok(Plan::Sasl { mechanism: "PLAIN", initial, one_line: self.caps.has("SASL-IR") });
        }
        if !self.caps.has("LOGINDISABLED") {
            return Ok(Plan::Login(Command::new("LOGIN").string(creds.user.clone()).secret(password)));
        }
        Err(Error::unavailable("server refuses LOGIN (LOGINDISABLED) and offers no AUTH=PLAIN on this connection"))
    }

    /// After a successful login: the capabilities are those its reply
    /// carried ([CAPABILITY ...]); if none, asked again, because RFC 3501
    /// lets them change at login.
    fn logged_in(&mut self, mechanism: &str, updates_before: u64) -> Result<()> {
        self.authenticated = true;
        self.info.auth_mechanism = Some(mechanism.to_string());
        if self.caps_updates == updates_before {
            self.refresh_capabilities()?;
        }
        Ok(())
    }

    /// AUTHENTICATE with an initial response: inline with SASL-IR, else
    /// after the first `+`. A `+` after the response (XOAUTH2's error
    /// details) is answered with an empty line, as the mechanism requires.
    fn sasl(&mut self, mechanism: &str, initial: &str) -> Result<()> {
        let sasl_ir = self.caps.has("SASL-IR");
        let mut command = Command::new("AUTHENTICATE").atom(mechanism);
        if sasl_ir {
            // RFC 4959: the initial response is bare base64, not a string.
            command = command.arg(Arg::SecretAtom(initial.to_string()));
        }
        let tag = self.send(&command)?;
        self.flush()?;
        let mut sent_initial = sasl_ir;
        let done = self.wait_with_continuations(&tag, &mut |session, _text| {
            if sent_initial {
                session.send_continuation_line("")
            } else {
                sent_initial = true;
                session.send_continuation_line(initial)
            }
        })?;
        if done.status != Status::Ok {
            return Err(login_failed(done, &format!("AUTHENTICATE {mechanism}")));
        }
        Ok(())
    }

    /// Applies the `compress` setting right after login: `true` compresses
    /// now, `false` never; `auto` stays plain until a probe says the link
    /// is slow (see [`crate::net::compression`]). Returns whether
    /// compression is on.
    pub fn compress_as_configured(&mut self) -> Result<bool> {
        match Choice::fixed(self.compression) {
            Some(choice) => {
                let on = choice.compress && self.enable_compression()?;
                self.info.compression_choice = Some(choice);
                Ok(on)
            }
            None => {
                if !self.caps.has("COMPRESS=DEFLATE") {
                    self.info.compression_choice = Some(Choice::not_offered());
                }
                Ok(false)
            }
        }
    }

    /// For work about to move much (a backup), applies `compress = auto`:
    /// times a NOOP (up to [`NOOPS_AT_MOST`] while they are slow, keeping
    /// the fastest, so late replies on a busy machine do not decide: on a
    /// loaded 2-core machine one loopback NOOP in a few took 16 ms) and
    /// compresses from now on over a wide-area link. Returns the choice when one was made now;
    /// `None` when the setting or an earlier call already decided.
    pub fn choose_compression(&mut self) -> Result<Option<Choice>> {
        if self.compression != Compression::Auto || self.info.compression_choice.is_some() || self.is_compressed() {
            return Ok(None);
        }
        if !self.caps.has("COMPRESS=DEFLATE") {
            self.info.compression_choice = Some(Choice::not_offered());
            return Ok(None);
        }
        let mut rtt = self.time_round_trip()?;
        for _ in 1..NOOPS_AT_MOST {
            if rtt < WIDE_AREA_RTT {
                break;
            }
            rtt = rtt.min(self.time_round_trip()?);
        }
        let choice = Choice::by_round_trip(rtt);
        log::info!("{}: {}{}", self.label, choice.why, if choice.compress { "; compressing" } else { "" });
        if choice.compress {
            self.enable_compression()?;
        }
        self.info.compression_choice = Some(choice.clone());
        Ok(Some(choice))
    }

    /// `compress = auto` as the run measured it over the same link (on
    /// another connection, or on several before they logged in):
    /// compresses (one round trip) or not, without probing again. `None`
    /// when the setting or an earlier call decided.
    pub fn follow_compression(&mut self, measured: &Choice) -> Result<Option<Choice>> {
        if self.compression != Compression::Auto || self.info.compression_choice.is_some() || self.is_compressed() {
            return Ok(None);
        }
        log::info!(
            "{}: {} (measured by this run){}",
            self.label,
            measured.why,
            if measured.compress { "; compressing" } else { "" }
        );
        if measured.compress {
            self.enable_compression()?;
        }
        self.info.compression_choice = Some(measured.clone());
        Ok(Some(measured.clone()))
    }

    /// Times one NOOP: the link's round trip plus the server's (small)
    /// reply time. Valid before login too.
    pub fn time_round_trip(&mut self) -> Result<Duration> {
        let started = Instant::now();
        self.noop()?;
        Ok(started.elapsed())
    }

    /// Switches COMPRESS=DEFLATE on if the server offers it. Returns whether
    /// compression is on.
    pub fn enable_compression(&mut self) -> Result<bool> {
        if self.is_compressed() {
            return Ok(true);
        }
        if !self.caps.has("COMPRESS=DEFLATE") {
            return Ok(false);
        }
        let tag = self.send(&Command::new("COMPRESS").atom("DEFLATE"))?;
        self.flush()?;
        let done = self.wait(&tag, None, &mut |_| Ok(()))?;
        match done.status {
            Status::Ok => {}
            // TLS already compresses: never compress twice.
            Status::No if done.code == Some(Code::CompressionActive) => return Ok(false),
            _ => {
                self.check(done, "COMPRESS")?;
                return Ok(false);
            }
        }
        let pending = self.codec.buffered().to_vec();
        self.codec.clear_buffer();
        self.codec.stream_mut().start_deflate_with(&pending)?;
        self.info.compression = true;
        Ok(true)
    }
}

/// How a login goes.
enum Plan {
    /// LOGIN user password.
    Login(Command),
    /// AUTHENTICATE; `one_line` when the initial response goes inline
    /// (SASL-IR) and no `+` can follow it.
    Sasl { mechanism: &'static str, initial: String, one_line: bool },
}

/// A refused login is an authentication failure (exit 77) unless the
/// server said it is temporary (`[UNAVAILABLE]`) or asked for TLS.
fn login_failed(done: Done, what: &str) -> Error {
    let err = super::session::refusal(&done, what);
    match (&done.code, err.kind()) {
        (Some(Code::PrivacyRequired), _) => err.with_kind(ErrorKind::Tls),
        (_, ErrorKind::Rejected) => err.with_kind(ErrorKind::Auth),
        _ => err,
    }
}
