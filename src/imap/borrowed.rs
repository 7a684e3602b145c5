//! A session lent by owl's session holder: the holder has connected,
//! secured, logged in and compressed; the borrower speaks IMAP in the
//! authenticated state over a local socket, which the holder relays.
//!
//! The holder opens the loan with a preface that is a `* PREAUTH` greeting
//! carrying the upstream connection's capabilities (less the ones that only
//! matter before login or to the holder's own link: STARTTLS, AUTH=,
//! COMPRESS=), so the borrower's session starts exactly as after a login.
//! Secrets never cross the socket. Ending the loan is closing the socket:
//! a LOGOUT the borrower sends is answered by the holder, never forwarded.

use super::capabilities::Capabilities;
use super::response::{Code, Data, Response, Status};
use super::session::{Options, Session};
use crate::error::{Error, Result};
use crate::net::Stream;

/// The greeting text's mark that the upstream link is compressed.
const COMPRESSED: &str = "compressed";

/// Capabilities a borrower must not act on: they belong to the holder's
/// set-up of its own link.
fn is_lendable(capability: &str) -> bool {
    let upper = capability.to_ascii_uppercase();
    !(upper == "STARTTLS"
        || upper == "LOGINDISABLED"
        || upper == "SASL-IR"
        || upper.starts_with("AUTH=")
        || upper.starts_with("COMPRESS="))
}

impl<S: crate::net::Connection> Session<S> {
    /// The preface that opens a loan of this (authenticated) session.
    pub fn loan_preface(&self) -> Vec<u8> {
        let caps: Vec<String> = self.caps.to_vec().into_iter().filter(|c| is_lendable(c)).collect();
        let mut text = format!("* PREAUTH [CAPABILITY {}] owl session holder, {}", caps.join(" "), self.label);
        if self.is_compressed() {
            text.push_str(", ");
            text.push_str(COMPRESSED);
        }
        text.push_str("\r\n");
        text.into_bytes()
    }
}

impl<S: crate::net::Connection> Session<S> {
    /// Whether the server sent something nobody has read (on an idle
    /// connection: a BYE, an alert): the holder looks before lending.
    pub fn has_unread_input(&self) -> bool {
        !self.codec.buffered().is_empty() || self.codec.stream().has_pending_input()
    }
}

impl Session<Stream> {
    /// A session over a connection the holder lends: reads the preface
    /// (within the deadline the caller set on `stream`) and starts in the
    /// authenticated state. A holder that says anything else
    /// (it is busy, or the wrong one) gives an error, and the caller
    /// connects directly.
    pub fn borrowed(stream: Stream, options: &Options) -> Result<Session> {
        let mut session = Session::new(stream, options);
        match session.read(None)? {
            Response::Data(Data::Condition { status: Status::PreAuth, code: Some(Code::Capability(caps)), line }) => {
                session.caps = Capabilities::new(caps);
                session.authenticated = true;
                session.info.auth_mechanism = Some("session holder".into());
                session.info.compression = line.ends_with(COMPRESSED);
                // The holder answered in time; from here on the usual
                // timeouts apply, as on any connection.
                session.set_deadline(None)?;
                Ok(session)
            }
            Response::Data(Data::Condition { line, .. }) => {
                Err(Error::unavailable(format!("the session holder did not lend a connection: \"{line}\"")))
            }
            _ => Err(Error::protocol("the session holder sent no preface")),
        }
    }

    /// Whether this session is a loan from the holder.
    pub fn is_borrowed(&self) -> bool {
        self.info.auth_mechanism.as_deref() == Some("session holder")
    }
}
