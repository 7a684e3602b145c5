//! Transport: moves bytes, knows no mail syntax.
//!
//! Layers, bottom up: [`wire`] (TCP with byte counters and timeouts), [`tls`]
//! (OpenSSL with a CA file or a SHA-256 pin, implicit or STARTTLS),
//! [`deflate`] (RFC 4978 raw DEFLATE, switched on by the IMAP session), all
//! joined in [`Stream`]. The protocol sessions above decide *when* to start TLS
//! or compression; this layer decides *how*, and fails closed.
//!
//! | security mode       | what happens                                         |
//! |---------------------|------------------------------------------------------|
//! | `Implicit`          | TLS handshake right after TCP connect (993/995/465)  |
//! | `StartTls`          | plaintext greeting, then the session must upgrade    |
//! | `DangerPlaintext`   | never TLS; only when the config says `tls = "none"`  |
#![deny(missing_docs)]

pub mod buffered;
pub mod connection;
pub mod counters;
pub mod deflate;
pub mod pool;
#[cfg(test)]
pub mod script;
pub mod stream;
pub mod tls;
#[cfg(test)]
pub mod trickle;
pub mod wire;

pub use connection::Connection;
pub use counters::{ByteCounts, Counters};
pub use stream::Stream;
pub use tls::{Fingerprint, TlsInfo, TlsPolicy, Verification};

use std::time::Duration;

/// How a connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// TLS from the first byte.
    Implicit,
    /// Plaintext greeting, then STARTTLS/STLS is required before anything
    /// else; a server that does not offer it is refused.
    StartTls,
    /// No TLS at all. Passwords cross the network in clear.
    DangerPlaintext,
}

impl Security {
    /// The name used in config files and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Security::Implicit => "implicit",
            Security::StartTls => "starttls",
            Security::DangerPlaintext => "none",
        }
    }
}

/// Where and how to connect.
#[derive(Debug, Clone)]
pub struct Endpoint {
    /// Host name or IP address, also used for certificate verification.
    pub host: String,
    /// TCP port.
    pub port: u16,
    /// How the connection is secured.
    pub security: Security,
    /// Which certificates are trusted.
    pub tls: TlsPolicy,
    /// Connect timeout and read/write timeout.
    pub timeout: Duration,
}

impl Endpoint {
    /// `host:port`, for messages.
    pub fn address(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}
