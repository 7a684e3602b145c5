//! One SMTP submission connection: greeting, EHLO (HELO as a fallback),
//! STARTTLS, RSET, QUIT, and the command/reply primitives that
//! [`super::auth`] and [`super::transaction`] build on.
//!
//! STARTTLS fails closed (RFC 3207 §4, RFC 2487 §7): on a STARTTLS
//! endpoint a server that does not offer it, refuses it, or sends bytes
//! between its `220` and the handshake (CVE-2021-22947) is refused before
//! any AUTH, and everything learned in plaintext is forgotten (§4.2). Every
//! line is traced at `-vv` as `LABEL C:`/`LABEL S:`, with secrets already
//! replaced by the caller. An error that leaves the reply stream out of
//! step marks the session broken. It must not print, read config, or
//! decide what to do with a message that was not delivered.

use std::sync::Arc;

use super::explain::{self, Stage};
use super::extensions::Extensions;
use super::hello;
use super::reply::{self, Reply};
use crate::error::{Error, ErrorKind, Result};
use crate::net::buffered::Buffered;
use crate::net::{Counters, Endpoint, Security, Stream, TlsInfo};

pub use crate::net::Connection;

/// How to open a session.
#[derive(Debug, Clone)]
pub struct Options {
    /// Where to connect and how to secure it.
    pub endpoint: Endpoint,
    /// Names this connection in traces, e.g. `smtp`.
    pub label: String,
    /// The domain sent with EHLO; anything that is not a valid domain is
    /// replaced by `localhost`.
    pub hello: String,
}

impl Options {
    /// Options for `endpoint`, traced as `label`, saying EHLO with this
    /// machine's name.
    pub fn new(endpoint: Endpoint, label: impl Into<String>) -> Options {
        Options { endpoint, label: label.into(), hello: hello::local_domain() }
    }
}

/// What connecting and logging in found out, for `owl check`.
#[derive(Debug, Clone, Default)]
pub struct SmtpInfo {
    /// The greeting, quoted.
    pub greeting: String,
    /// TLS details, when TLS is on.
    pub tls: Option<TlsInfo>,
    /// What the plaintext EHLO offered before STARTTLS (void since).
    pub extensions_before_tls: Vec<String>,
    /// What the server offers now (after STARTTLS), see
    /// [`Extensions::to_vec`]; empty after a HELO fallback.
    pub extensions: Vec<String>,
    /// Whether the server answered EHLO (false: HELO, no extensions).
    pub esmtp: bool,
    /// The AUTH mechanism used.
    pub auth_mechanism: Option<String>,
    /// The server's fixed SIZE limit, if it has one.
    pub size_limit: Option<u64>,
}

/// A connection to a submission server (RFC 6409).
pub struct Session<S = Stream> {
    pub(super) io: Buffered<S>,
    pub(super) endpoint: Endpoint,
    pub(super) label: String,
    hello: String,
    pub(super) ext: Extensions,
    pub(super) info: SmtpInfo,
    pub(super) authenticated: bool,
    broken: bool,
    /// Every trace line, kept for the tests (the logger is global, and
    /// other tests own it).
    #[cfg(test)]
    pub(super) traces: Vec<String>,
}

impl Session<Stream> {
    /// Connects (implicit TLS is done by [`Stream::connect`]), reads the
    /// greeting, says EHLO and, for a STARTTLS endpoint, upgrades and says
    /// EHLO again. Not yet authenticated.
    pub fn connect(options: &Options, counters: Arc<Counters>) -> Result<Session> {
        let stream = Stream::connect(&options.endpoint, counters)?;
        Session::start(stream, options)
    }
}

impl<S: Connection> Session<S> {
    /// Runs the opening of [`Session::connect`] over a connection that is
    /// already open.
    pub fn start(stream: S, options: &Options) -> Result<Session<S>> {
        let endpoint = &options.endpoint;
        let hello = if hello::is_domain(&options.hello) { options.hello.clone() } else { hello::FALLBACK.into() };
        let mut io = Buffered::new(stream, endpoint.address());
        io.set_progress_window(Some(endpoint.timeout));
        let mut session = Session {
            io,
            endpoint: endpoint.clone(),
            label: options.label.clone(),
            hello,
            ext: Extensions::default(),
            info: SmtpInfo::default(),
            authenticated: false,
            broken: false,
            #[cfg(test)]
            traces: Vec::new(),
        };
        session.info.tls = session.io.stream().tls_info();
        // Set up within the deadline Stream::connect armed; from then on
        // the progress rule applies.
        let opened = session.open().and_then(|()| session.io.stream_mut().set_deadline(None));
        if opened.is_err() {
            session.io.stream().shutdown();
        }
        opened.map(|()| session)
    }

    fn open(&mut self) -> Result<()> {
        self.read_greeting()?;
        self.say_hello()?;
        if self.endpoint.security == Security::StartTls {
            self.start_tls()?;
        }
        Ok(())
    }

    fn read_greeting(&mut self) -> Result<()> {
        // A TLS port spoken to in plaintext stays silent: say what we waited for.
        let reply = self.read().map_err(|e| {
            let e = e.context("waiting for the SMTP greeting");
            match self.endpoint.no_greeting_hint() {
                Some(hint) if e.kind() == ErrorKind::TempFail => e.with_hint(hint),
                _ => e,
            }
        })?;
        self.info.greeting = reply.quoted();
        match reply.code {
            220 => Ok(()),
            400..=599 => {
                self.broken = true;
                Err(explain::error(Stage::Greeting, "greeting", &reply))
            }
            _ => {
                self.broken = true;
                Err(Error::protocol(format!("greeting: expected 220, server said \"{}\"", reply.quoted())))
            }
        }
    }

    /// EHLO; HELO only when the server does not know EHLO (500, 502), and
    /// then it offers no extensions at all (RFC 5321 §4.1.4).
    fn say_hello(&mut self) -> Result<()> {
        let reply = self.command(&format!("EHLO {}", self.hello))?;
        if reply.is_positive() {
            self.ext = Extensions::parse(&reply);
            self.info.esmtp = true;
        } else if matches!(reply.code, 500 | 502) {
            let reply = self.command(&format!("HELO {}", self.hello))?;
            if !reply.is_positive() {
                return Err(explain::error(Stage::Hello, "HELO", &reply));
            }
            self.ext = Extensions::default();
            self.info.esmtp = false;
        } else {
            return Err(explain::error(Stage::Hello, "EHLO", &reply));
        }
        self.info.extensions = self.ext.to_vec();
        self.info.size_limit = self.ext.size_limit();
        Ok(())
    }

    fn start_tls(&mut self) -> Result<()> {
        if !self.ext.starttls {
            return Err(Error::tls(
                "server does not offer STARTTLS; refusing to continue without TLS (set tls = \"none\" only if you \
                 accept sending your password in clear)",
            ));
        }
        let reply = self.command("STARTTLS")?;
        if reply.code != 220 {
            // Never on in plaintext, whatever the reason.
            self.broken = true;
            let err = explain::error(Stage::StartTls, "STARTTLS", &reply);
            // 454 is "TLS not available due to temporary reason" (RFC 3207
            // §4); 421 is the server closing, which any command may meet.
            return Err(if matches!(reply.code, 454 | 421) {
                err.with_kind(ErrorKind::TempFail)
            } else {
                err.with_kind(ErrorKind::Tls)
            });
        }
        if !self.io.buffered().is_empty() || self.io.stream().has_pending_input() {
            self.broken = true;
            return Err(Error::tls(
                "server sent data after accepting STARTTLS and before the TLS handshake; refusing (possible command \
                 injection, CVE-2021-22947)",
            ));
        }
        if let Err(err) = self.io.stream_mut().start_tls(&self.endpoint.host, &self.endpoint.tls) {
            self.broken = true;
            return Err(err);
        }
        self.info.tls = self.io.stream().tls_info();
        // Everything learned in plaintext is void (RFC 3207 §4.2).
        self.info.extensions_before_tls = std::mem::take(&mut self.info.extensions);
        self.ext = Extensions::default();
        self.say_hello()
    }

    /// What connecting and logging in found out.
    pub fn info(&self) -> &SmtpInfo {
        &self.info
    }

    /// The extensions the server offers now.
    pub fn extensions(&self) -> &Extensions {
        &self.ext
    }

    /// `host:port`, for messages.
    pub fn address(&self) -> &str {
        self.io.address()
    }

    /// Whether the connection can no longer be used: it broke, or it is
    /// out of step with the server. Open a new one.
    pub fn is_broken(&self) -> bool {
        self.broken
    }

    /// Whether the channel is encrypted.
    pub fn is_tls(&self) -> bool {
        self.info.tls.is_some()
    }

    /// RSET: abandons the transaction in progress (RFC 5321 §4.1.1.5). A
    /// server that refuses it is out of step, and the session is broken.
    pub fn rset(&mut self) -> Result<()> {
        let reply = self.command("RSET")?;
        if reply.is_positive() {
            return Ok(());
        }
        self.break_off();
        Err(explain::error(Stage::Other, "RSET", &reply))
    }

    /// QUIT, then close. A server that hangs up first, or a session
    /// already broken, is simply closed.
    pub fn quit(mut self) {
        if !self.broken && self.queue("QUIT").and_then(|()| self.flush()).is_ok() {
            let _ = self.read();
        }
        self.io.stream().shutdown();
    }

    /// Marks the session unusable and closes the connection: whatever the
    /// server would say next can no longer be matched to a command.
    pub(super) fn break_off(&mut self) {
        self.broken = true;
        self.io.stream().shutdown();
    }

    /// Queues a command whose every word may be traced.
    pub(super) fn queue(&mut self, line: &str) -> Result<()> {
        self.queue_redacted(line, line)
    }

    /// Queues `line` (CRLF added), tracing `trace` instead.
    pub(super) fn queue_redacted(&mut self, line: &str, trace: &str) -> Result<()> {
        if self.broken {
            return Err(Error::temp(format!("{}: the SMTP connection is no longer usable", self.address())));
        }
        // Callers check what they put in a command; a line break here
        // would start a command chosen by whoever wrote the argument.
        if line.bytes().any(|b| matches!(b, b'\r' | b'\n' | 0)) {
            return Err(Error::internal(format!(
                "refusing to send a line break or NUL inside an SMTP command ({trace})"
            )));
        }
        self.trace("C", trace);
        self.io.queue(line.as_bytes());
        self.io.queue(b"\r\n");
        Ok(())
    }

    /// Sends everything queued, in one write.
    pub(super) fn flush(&mut self) -> Result<()> {
        let result = self.io.flush();
        if result.is_err() {
            self.break_off();
        }
        result
    }

    /// Reads one reply, traced. Any error leaves the stream out of step.
    pub(super) fn read(&mut self) -> Result<Reply> {
        match reply::read_reply(&mut self.io) {
            Ok(reply) => {
                if log::log_enabled!(log::Level::Trace) || cfg!(test) {
                    for line in reply.wire_lines() {
                        self.trace("S", &line);
                    }
                }
                Ok(reply)
            }
            Err(err) => {
                self.break_off();
                Err(err)
            }
        }
    }

    /// Traces one line at `-vv`: `LABEL C: ...` or `LABEL S: ...`.
    pub(super) fn trace(&mut self, direction: &str, line: &str) {
        log::trace!("{} {direction}: {line}", self.label);
        #[cfg(test)]
        self.traces.push(format!("{} {direction}: {line}", self.label));
    }

    /// Sends `line` and reads its reply, whatever the code.
    pub(super) fn command(&mut self, line: &str) -> Result<Reply> {
        self.queue(line)?;
        self.flush()?;
        let verb = line.split(' ').next().unwrap_or(line);
        self.read().map_err(|e| e.context(verb.to_string()))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::net::TlsPolicy;
    use crate::net::script::{Script, ScriptBuilder, ScriptHandle, Step, script};
    use std::time::Duration;

    pub(crate) const EHLO: &str = "EHLO client.example\r\n";

    pub(crate) fn options(security: Security) -> Options {
        let endpoint = Endpoint {
            host: "smtp.example".into(),
            port: 587,
            security,
            tls: TlsPolicy::default(),
            timeout: Duration::from_secs(5),
            origin: None,
        };
        Options { endpoint, label: "smtp#test".into(), hello: "client.example".into() }
    }

    pub(crate) fn start(builder: ScriptBuilder, security: Security) -> (Result<Session<Script>>, ScriptHandle) {
        let (stream, handle) = builder.build();
        (Session::start(stream, &options(security)), handle)
    }

    #[test]
    fn a_bare_250_and_a_multi_line_ehlo_are_understood() {
        let s = script()
            .implicit_tls()
            .send("220 mail.example ESMTP\r\n")
            .expect(EHLO)
            .send_in_pieces(
                "250-mail.example\r\n250-PIPELINING\r\n250-SIZE 1000\r\n250-AUTH PLAIN LOGIN\r\n250 SMTPUTF8\r\n",
                7,
            )
            .expect("RSET\r\n")
            .send("250\r\n")
            .expect("QUIT\r\n")
            .send("221 bye\r\n");
        let (session, handle) = start(s, Security::Implicit);
        let mut session = session.unwrap();
        assert!(session.extensions().pipelining && session.extensions().smtp_utf8);
        assert_eq!(session.info().size_limit, Some(1000));
        assert_eq!(session.info().extensions, ["PIPELINING", "SMTPUTF8", "SIZE 1000", "AUTH=PLAIN", "AUTH=LOGIN"]);
        assert_eq!(session.info().tls.as_ref().and_then(|t| t.version.as_deref()), Some("TLSv1.3"));
        session.rset().unwrap();
        assert!(!session.is_broken());
        session.quit();
        handle.assert_done();
    }

    #[test]
    fn refused_greetings_say_why() {
        for (greeting, kind) in [
            ("554 5.7.1 go away\r\n", ErrorKind::Unavailable),
            ("421 4.3.2 busy\r\n", ErrorKind::TempFail),
            ("250 hello?\r\n", ErrorKind::Protocol),
            ("* OK IMAP4rev1\r\n", ErrorKind::Protocol),
        ] {
            let (session, handle) = start(script().send(greeting), Security::DangerPlaintext);
            let err = session.err().unwrap();
            assert_eq!(err.kind(), kind, "{greeting}: {err}");
            handle.assert_done();
            assert!(handle.is_closed());
        }
    }

    #[test]
    fn helo_only_when_ehlo_is_unknown_and_then_no_starttls() {
        let s = script()
            .send("220 old\r\n")
            .expect(EHLO)
            .send("502 what\r\n")
            .expect("HELO client.example\r\n")
            .send("250 ok\r\n");
        let (session, handle) = start(s, Security::DangerPlaintext);
        let session = session.unwrap();
        assert!(!session.info().esmtp && session.info().extensions.is_empty());
        handle.assert_done();

        let s = script()
            .send("220 old\r\n")
            .expect(EHLO)
            .send("500 what\r\n")
            .expect("HELO client.example\r\n")
            .send("250 ok\r\n");
        let (session, handle) = start(s, Security::StartTls);
        assert_eq!(session.err().unwrap().kind(), ErrorKind::Tls);
        handle.assert_done();

        let s = script().send("220 x\r\n").expect(EHLO).send("554 not you\r\n");
        let (session, handle) = start(s, Security::DangerPlaintext);
        assert_eq!(session.err().unwrap().kind(), ErrorKind::Unavailable);
        handle.assert_done();
    }

    fn plaintext_ehlo(extra: &str) -> ScriptBuilder {
        script()
            .send("220 mail.example ESMTP\r\n")
            .expect(EHLO)
            .send(format!("250-mail.example\r\n{extra}250 8BITMIME\r\n"))
    }

    #[test]
    fn starttls_upgrades_and_forgets_what_plaintext_said() {
        let s = plaintext_ehlo("250-STARTTLS\r\n250-AUTH=LOGIN\r\n")
            .expect("STARTTLS\r\n")
            .send("220 2.0.0 go ahead\r\n")
            .tls()
            .expect(EHLO)
            .send("250-mail.example\r\n250 AUTH PLAIN\r\n");
        let (session, handle) = start(s, Security::StartTls);
        let session = session.unwrap();
        assert!(session.is_tls());
        assert_eq!(session.extensions().auth, ["PLAIN"], "the plaintext AUTH=LOGIN is forgotten");
        assert!(!session.extensions().eight_bit_mime);
        assert_eq!(session.info().extensions_before_tls, ["8BITMIME", "STARTTLS", "AUTH=LOGIN"]);
        handle.assert_done();
    }

    #[test]
    fn a_missing_starttls_is_a_tls_error_before_anything_else() {
        let (session, handle) = start(plaintext_ehlo("250-AUTH PLAIN\r\n"), Security::StartTls);
        let err = session.err().unwrap();
        assert_eq!(err.kind(), ErrorKind::Tls);
        assert_eq!(err.exit_code(), 69);
        assert!(err.to_string().contains("does not offer STARTTLS"), "{err}");
        handle.assert_done();
        assert!(!handle.written().contains("AUTH"));
    }

    #[test]
    fn a_454_to_starttls_is_temporary_and_other_refusals_are_tls_errors() {
        for (answer, kind) in [("454 4.7.0 TLS not available\r\n", ErrorKind::TempFail), ("502 no\r\n", ErrorKind::Tls)]
        {
            let s = plaintext_ehlo("250-STARTTLS\r\n").expect("STARTTLS\r\n").send(answer);
            let (session, handle) = start(s, Security::StartTls);
            let err = session.err().unwrap();
            assert_eq!(err.kind(), kind, "{err}");
            handle.assert_done();
            assert!(handle.is_closed(), "never on in plaintext");
        }
    }

    #[test]
    fn data_injected_after_the_220_to_starttls_is_refused() {
        // In the same read as the 220, and arriving just after it.
        let injected = [
            plaintext_ehlo("250-STARTTLS\r\n").expect("STARTTLS\r\n").send("220 go\r\n250-fake\r\n250 AUTH PLAIN\r\n"),
            plaintext_ehlo("250-STARTTLS\r\n").expect("STARTTLS\r\n").send("220 go\r\n").send("250 injected\r\n"),
        ];
        for s in injected {
            let (stream, handle) = s.build();
            let err = Session::start(stream, &options(Security::StartTls)).err().unwrap();
            assert_eq!(err.kind(), ErrorKind::Tls, "{err}");
            assert!(err.to_string().contains("CVE-2021-22947"), "{err}");
            assert!(handle.is_closed());
        }
    }

    #[test]
    fn a_failed_handshake_stays_a_tls_error() {
        let s = plaintext_ehlo("250-STARTTLS\r\n").expect("STARTTLS\r\n").send("220 go\r\n").step(Step::TlsFails);
        let (session, handle) = start(s, Security::StartTls);
        assert_eq!(session.err().unwrap().kind(), ErrorKind::Tls);
        handle.assert_done();
    }

    #[test]
    fn quit_ignores_a_server_that_hangs_up_first() {
        let s = script().implicit_tls().send("220 x\r\n").expect(EHLO).send("250 x\r\n").eof();
        let (session, handle) = start(s, Security::Implicit);
        session.unwrap().quit();
        handle.assert_done();
        assert!(handle.is_closed());
    }

    #[test]
    fn a_refused_rset_breaks_the_session() {
        let s = script()
            .implicit_tls()
            .send("220 x\r\n")
            .expect(EHLO)
            .send("250 x\r\n")
            .expect("RSET\r\n")
            .send("500 eh\r\n");
        let (session, handle) = start(s, Security::Implicit);
        let mut session = session.unwrap();
        assert!(session.rset().is_err());
        assert!(session.is_broken());
        session.quit();
        handle.assert_done();
    }

    #[test]
    fn a_host_name_that_is_not_a_domain_is_never_sent() {
        let (stream, handle) = script().send("220 x\r\n").expect("EHLO localhost\r\n").send("250 x\r\n").build();
        let mut opts = options(Security::DangerPlaintext);
        opts.hello = "evil\r\nMAIL FROM:<x@y>".into();
        Session::start(stream, &opts).unwrap();
        handle.assert_done();
    }
}
