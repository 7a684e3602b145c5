//! Opening an IMAP session: connect, read the greeting, and on a STARTTLS
//! endpoint upgrade, failing closed: no STARTTLS offered or refused, a
//! PREAUTH greeting before TLS (CVE-2021-39272), or bytes between the OK
//! and the handshake (CVE-2021-22947) end the connection before any
//! login. Everything learned in plaintext is forgotten (RFC 3501 §6.2.1).

use std::sync::Arc;

use super::capabilities::Capabilities;
use super::command::Command;
use super::response::{Code, Data, Response, Status};
use super::session::{Options, Session};
use crate::error::{Error, ErrorKind, Result};
use crate::net::{Connection, Counters, Endpoint, Security, Stream};

impl Session<Stream> {
    /// Connects, reads the greeting and, for STARTTLS, upgrades the
    /// connection, failing closed. Not yet authenticated.
    pub fn connect(options: &Options, counters: Arc<Counters>) -> Result<Session> {
        let stream = Stream::connect(&options.endpoint, counters)?;
        Session::start(stream, options)
    }
}

impl<S: Connection> Session<S> {
    /// What [`Session::connect`] does after connecting, over a connection
    /// already open.
    pub fn start(stream: S, options: &Options) -> Result<Session<S>> {
        let endpoint = &options.endpoint;
        let mut session = Session::new(stream, options);
        session.info.tls = session.codec.stream().tls_info();
        let preauth = session.read_greeting().map_err(|e| greeting_failed(e, endpoint))?;
        match endpoint.security {
            Security::StartTls => {
                if preauth {
                    return Err(Error::tls(
                        "server greeted with PREAUTH before STARTTLS; refusing, because a man in the middle \
                         can use that to skip TLS (CVE-2021-39272)",
                    ));
                }
                session.start_tls(endpoint)?;
            }
            Security::Implicit | Security::DangerPlaintext => {
                if session.caps.is_empty() {
                    session.refresh_capabilities()?;
                }
            }
        }
        session.info.capabilities_before_login = session.caps.to_vec();
        if preauth {
            session.authenticated = true;
            session.info.auth_mechanism = Some("PREAUTH".into());
        }
        // Set up in time; from here on the progress rule applies.
        session.set_deadline(None)?;
        Ok(session)
    }

    /// Reads the greeting: `OK`, `PREAUTH`, or `BYE`.
    fn read_greeting(&mut self) -> Result<bool> {
        match self.read(None)? {
            Response::Data(Data::Condition { status, code, line }) => {
                if let Some(Code::Capability(caps)) = code {
                    self.caps = Capabilities::new(caps);
                }
                match status {
                    Status::Ok => Ok(false),
                    Status::PreAuth => Ok(true),
                    Status::Bye => Err(Error::unavailable(format!("server refused the connection: \"{line}\""))),
                    _ => Err(Error::protocol(format!("unexpected greeting: \"{line}\""))),
                }
            }
            _ => Err(Error::protocol("the server did not send an IMAP greeting")),
        }
    }

    fn start_tls(&mut self, endpoint: &Endpoint) -> Result<()> {
        if self.caps.is_empty() {
            self.refresh_capabilities()?;
        }
        if !self.caps.has("STARTTLS") {
            return Err(Error::tls(
                "server does not offer STARTTLS; refusing to continue without TLS (set tls = \"none\" only if \
                 you accept sending your password in clear)",
            ));
        }
        let tag = self.send(&Command::new("STARTTLS"))?;
        self.flush()?;
        let done = self.wait(&tag, None, &mut |_| Ok(()))?;
        if done.status != Status::Ok {
            return Err(Error::tls(format!("server refused STARTTLS: \"{}\"", done.line)));
        }
        if !self.codec.buffered().is_empty() || self.codec.stream().has_pending_input() {
            self.broken = true;
            return Err(Error::tls(
                "server sent data after accepting STARTTLS and before the TLS handshake; refusing \
                 (possible command injection, CVE-2021-22947)",
            ));
        }
        self.codec.stream_mut().start_tls(&endpoint.host, &endpoint.tls)?;
        self.info.tls = self.codec.stream().tls_info();
        // Everything learned in plaintext is void (RFC 3501 §6.2.1).
        self.caps = Capabilities::default();
        self.refresh_capabilities()
    }
}

/// A greeting that never came: on a plaintext or STARTTLS port this is
/// usually a port that speaks TLS from the first byte (993), which waits
/// for a handshake owl never starts; say so, and what to change.
fn greeting_failed(err: Error, endpoint: &Endpoint) -> Error {
    let err = err.context("waiting for the IMAP greeting");
    match endpoint.no_greeting_hint() {
        Some(hint) if err.kind() == ErrorKind::TempFail => err.with_hint(hint),
        _ => err,
    }
}
