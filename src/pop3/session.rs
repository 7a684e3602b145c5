//! A POP3 connection: greeting, CAPA, STLS, QUIT, and the command/reply
//! primitives the other modules build on.
//!
//! STLS fails closed (RFC 2595 §4): on a STARTTLS endpoint a server that
//! does not list STLS is refused before anything else is sent, bytes that
//! arrive between the `+OK` and the handshake are refused, and the
//! capabilities learned in plaintext are forgotten. Every command is traced
//! with its secrets already replaced by the caller. Any error that leaves
//! the reply stream out of step marks the session broken; a broken session
//! never sends QUIT, so the server commits no deletion (RFC 1939 §6).
//! RFC 1939 §3–§4, RFC 2449 §5.

use std::sync::Arc;

use super::apop;
use super::capabilities::Capabilities;
use super::codec::Codec;
use super::reply::{self, Reply, Stage};
use crate::error::{Error, ErrorKind, Result};
use crate::net::{Counters, Endpoint, Security, Stream, TlsInfo};

/// Most CAPA lines kept; a real server sends about a dozen.
const MAX_CAPA_LINES: usize = 1000;
/// Longest line inside a listing (CAPA, LIST, UIDL); real ones are short.
const MAX_LISTING_LINE: usize = 64 * 1024;

/// How to open a session.
#[derive(Debug, Clone)]
pub struct Options {
    /// Where to connect and how to secure it.
    pub endpoint: Endpoint,
    /// Names this connection in traces, e.g. `pop3#1`.
    pub label: String,
}

/// What a session learned while connecting, for `owl check`.
#[derive(Debug, Clone, Default)]
pub struct ConnectInfo {
    /// TLS details, when TLS is on.
    pub tls: Option<TlsInfo>,
    /// CAPA lines before login (after STLS if any); empty when the server
    /// has no CAPA.
    pub capabilities_before_login: Vec<String>,
    /// How the login went: `USER`, `APOP`, or the SASL mechanism.
    pub auth_mechanism: Option<String>,
    /// Whether the greeting carried an APOP timestamp (POP3 has no CAPA
    /// keyword for APOP).
    pub apop_offered: bool,
}

/// A connection to a POP3 server.
pub struct Session {
    pub(super) codec: Codec,
    pub(super) caps: Capabilities,
    pub(super) endpoint: Endpoint,
    pub(super) label: String,
    /// The greeting's APOP timestamp, brackets included.
    pub(super) timestamp: Option<String>,
    pub(super) info: ConnectInfo,
    pub(super) authenticated: bool,
    broken: bool,
}

impl Session {
    /// Connects, reads the greeting and CAPA, and for STARTTLS upgrades
    /// with STLS, failing closed. Not yet authenticated.
    pub fn connect(options: &Options, counters: Arc<Counters>) -> Result<Session> {
        let endpoint = &options.endpoint;
        let stream = Stream::connect(endpoint, counters)?;
        let mut codec = Codec::new(stream, endpoint.address());
        codec.set_progress_window(Some(endpoint.timeout));
        let mut session = Session {
            codec,
            caps: Capabilities::default(),
            endpoint: endpoint.clone(),
            label: options.label.clone(),
            timestamp: None,
            info: ConnectInfo::default(),
            authenticated: false,
            broken: false,
        };
        session.info.tls = session.codec.stream().tls_info().cloned();
        session.read_greeting()?;
        session.refresh_capabilities()?;
        if endpoint.security == Security::StartTls {
            session.start_tls()?;
        }
        session.info.capabilities_before_login = session.caps.to_vec();
        // Set up in time; from here on the progress rule applies.
        session.set_deadline(None)?;
        Ok(session)
    }

    /// No read or write of this connection waits past `deadline`.
    pub(super) fn set_deadline(&mut self, deadline: Option<std::time::Instant>) -> Result<()> {
        self.codec.stream_mut().set_deadline(deadline)
    }

    fn read_greeting(&mut self) -> Result<()> {
        // A TLS port spoken to in plaintext stays silent: say what we waited for.
        let line = self.read_status_line().map_err(|e| {
            let e = e.context("waiting for the POP3 greeting");
            match self.endpoint.no_greeting_hint() {
                Some(hint) if e.kind() == ErrorKind::TempFail => e.with_hint(hint),
                _ => e,
            }
        })?;
        let reply = reply::parse(&line).map_err(|e| e.context("greeting"))?;
        reply.check("greeting", Stage::Greeting)?;
        // The timestamp is hashed byte for byte, so take it from the raw line.
        self.timestamp = apop::timestamp(&line);
        self.info.apop_offered = self.timestamp.is_some();
        Ok(())
    }

    fn start_tls(&mut self) -> Result<()> {
        if !self.caps.has("STLS") {
            return Err(Error::tls(
                "server does not offer STLS; refusing to continue without TLS (set tls = \"none\" only if you \
                 accept sending your password in clear)",
            ));
        }
        self.queue("STLS")?;
        self.flush()?;
        let reply = self.read_reply("STLS")?;
        if !reply.ok {
            self.broken = true;
            return Err(Error::tls(format!("server refused STLS: \"{}\"", reply.quoted)));
        }
        if !self.codec.buffered().is_empty() || self.codec.stream().has_pending_input() {
            self.broken = true;
            return Err(Error::tls(
                "server sent data after accepting STLS and before the TLS handshake; refusing (possible command \
                 injection, CVE-2021-22947)",
            ));
        }
        if let Err(err) = self.codec.stream_mut().start_tls(&self.endpoint.host, &self.endpoint.tls) {
            self.broken = true;
            return Err(err);
        }
        self.info.tls = self.codec.stream().tls_info().cloned();
        // Everything learned in plaintext is void (RFC 2595 §4).
        self.refresh_capabilities()
    }

    /// Asks CAPA again and replaces what was known. A server without CAPA
    /// answers `-ERR` (RFC 2449 §5); then nothing is known.
    pub fn refresh_capabilities(&mut self) -> Result<()> {
        self.caps = Capabilities::default();
        self.queue("CAPA")?;
        self.flush()?;
        let reply = self.read_reply("CAPA")?;
        if !reply.ok {
            return Ok(());
        }
        let mut lines = Vec::new();
        self.read_lines("CAPA", &mut |line| {
            if lines.len() == MAX_CAPA_LINES {
                return Err(Error::protocol("CAPA: server listed more than 1000 capabilities"));
            }
            lines.push(String::from_utf8_lossy(line).into_owned());
            Ok(())
        })?;
        self.caps = Capabilities::new(lines);
        Ok(())
    }

    /// The capabilities as currently known.
    pub fn capabilities(&self) -> &Capabilities {
        &self.caps
    }

    /// What connecting and logging in found out.
    pub fn info(&self) -> &ConnectInfo {
        &self.info
    }

    /// The label used in traces.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// Whether the connection can no longer be trusted to be in step.
    pub fn is_broken(&self) -> bool {
        self.broken
    }

    /// Marks the session out of step with the server.
    pub(super) fn mark_broken(&mut self) {
        self.broken = true;
    }

    /// Sets the socket's read timeout (the endpoint's timeout applies
    /// from the start).
    pub fn set_read_timeout(&mut self, timeout: Option<std::time::Duration>) -> Result<()> {
        self.codec.stream_mut().set_read_timeout(timeout).map_err(|e| Error::network("set timeout", e))
    }

    /// Queues a command whose every word may be traced.
    pub(super) fn queue(&mut self, line: &str) -> Result<()> {
        self.queue_redacted(line, line)
    }

    /// Queues `line`, tracing `trace` instead (secrets replaced).
    pub(super) fn queue_redacted(&mut self, line: &str, trace: &str) -> Result<()> {
        if self.broken {
            return Err(Error::temp("the POP3 connection is no longer usable"));
        }
        // A line break would end the command early and start another one
        // chosen by whoever wrote the argument.
        if line.bytes().any(|b| matches!(b, b'\r' | b'\n' | 0)) {
            return Err(Error::config(format!("refusing to send a line break or NUL inside a POP3 command ({trace})")));
        }
        log::trace!("{} C: {trace}", self.label);
        self.codec.queue_line(line);
        Ok(())
    }

    /// Sends everything queued.
    pub(super) fn flush(&mut self) -> Result<()> {
        let result = self.codec.flush();
        if result.is_err() {
            self.broken = true;
        }
        result
    }

    /// Reads one status line (or SASL continuation), traced.
    pub(super) fn read_status_line(&mut self) -> Result<Vec<u8>> {
        match self.codec.read_line() {
            Ok(line) => {
                if log::log_enabled!(log::Level::Trace) {
                    log::trace!("{} S: {}", self.label, reply::quote(&line));
                }
                Ok(line)
            }
            Err(err) => {
                self.broken = true;
                Err(err)
            }
        }
    }

    /// Reads the status line that answers `what`. A `-ERR` is returned as
    /// a reply (the session is still in step); a line that is neither is a
    /// protocol error and breaks the session.
    pub(super) fn read_reply(&mut self, what: &str) -> Result<Reply> {
        let line = self.read_status_line()?;
        reply::parse(&line).map_err(|e| {
            self.broken = true;
            e.context(what.to_string())
        })
    }

    /// Sends `line` and requires `+OK`; `what` names it in errors.
    pub(super) fn command(&mut self, line: &str, what: &str, stage: Stage) -> Result<Reply> {
        self.queue(line)?;
        self.flush()?;
        self.read_reply(what)?.check(what, stage)
    }

    /// Refuses maildrop commands before login: the server would only say
    /// `-ERR`, and the caller has a bug.
    pub(super) fn require_login(&self, what: &str) -> Result<()> {
        if self.authenticated { Ok(()) } else { Err(Error::internal(format!("{what} sent before logging in"))) }
    }

    /// Reads a multi-line body after its `+OK`, giving the content to
    /// `out`. Any error breaks the session: the rest of the body is unread.
    pub(super) fn read_body(&mut self, what: &str, out: &mut dyn FnMut(&[u8]) -> Result<()>) -> Result<u64> {
        match self.codec.read_body(what, out) {
            Ok(size) => {
                log::trace!("{} S: ({size} bytes, then \".\")", self.label);
                Ok(size)
            }
            Err(err) => {
                self.broken = true;
                Err(err)
            }
        }
    }

    /// Reads a multi-line listing after its `+OK`, one line at a time
    /// (without its line ending).
    pub(super) fn read_lines(&mut self, what: &str, on_line: &mut dyn FnMut(&[u8]) -> Result<()>) -> Result<()> {
        let mut partial = Vec::new();
        self.read_body(what, &mut |data| {
            let mut rest = data;
            while let Some(at) = rest.iter().position(|&b| b == b'\n') {
                partial.extend_from_slice(&rest[..at]);
                if partial.last() == Some(&b'\r') {
                    partial.pop();
                }
                on_line(&partial)?;
                partial.clear();
                rest = &rest[at + 1..];
            }
            partial.extend_from_slice(rest);
            if partial.len() > MAX_LISTING_LINE {
                return Err(Error::protocol(format!("{what}: server sent a line longer than 64 KiB")));
            }
            Ok(())
        })
        // Nothing is left in `partial`: the terminator only counts at the
        // start of a line, so the content always ends with a line end.
        .map(drop)
    }

    /// QUIT: the server enters the UPDATE state and removes the messages
    /// marked with DELE. Deletions are committed only when this returns
    /// `Ok`. A broken session sends no QUIT, so nothing is deleted.
    pub fn quit(mut self) -> Result<()> {
        if self.broken {
            self.codec.stream().shutdown();
            return Err(Error::temp(
                "QUIT not sent because the connection broke earlier; the server deletes nothing from this session",
            ));
        }
        let sent = self.queue("QUIT").and_then(|()| self.flush());
        let result = sent.and_then(|()| {
            self.read_reply("QUIT").map_err(|e| match e.kind() {
                ErrorKind::TempFail => e.context(
                    "QUIT: no reply, so whether the server removed the messages marked for deletion is unknown",
                ),
                _ => e,
            })
        });
        self.codec.stream().shutdown();
        result?.check("QUIT", Stage::Command).map(drop)
    }

    /// Closes the connection without QUIT: the server must not enter the
    /// UPDATE state, so no message marked with DELE is removed.
    pub fn abort(self) {
        self.codec.stream().shutdown();
    }
}
