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
pub mod compression;
pub mod connection;
pub mod counters;
pub mod deflate;
pub mod local;
pub mod opening;
pub mod pool;
pub mod probe;
#[cfg(test)]
pub mod script;
pub mod stream;
pub mod tls;
#[cfg(test)]
pub mod trickle;
pub mod wire;

pub use compression::{Choice, Compression};
pub use connection::Connection;
pub use counters::{ByteCounts, Counters};
pub use stream::Stream;
pub use tls::{Fingerprint, TlsInfo, TlsPolicy, Verification};

use std::path::PathBuf;
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
    /// Where these settings are written, if they came from a file.
    pub origin: Option<Origin>,
}

/// Where an endpoint's settings are written, so that advice about them can
/// name the line to change rather than leave the user to find it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// The table, e.g. `accounts.work.imap`.
    pub table: String,
    /// The file holding it.
    pub file: PathBuf,
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

    /// Advice to set `key` to the string `value`: in its table and file
    /// when they are known (`set tls = "implicit" in [accounts.work.imap]
    /// of ~/.config/owl/config.toml`), else for this endpoint.
    pub fn advice_to_set(&self, key: &str, value: &str) -> String {
        match &self.origin {
            Some(origin) => format!("set {key} = \"{value}\" in [{}] of {}", origin.table, origin.file_for_people()),
            None => format!("set {key} = \"{value}\" for it"),
        }
    }

    /// The hint for a greeting that never came on a plaintext or STARTTLS
    /// endpoint: such a port usually speaks TLS from the first byte and
    /// waits for a handshake that was never started.
    pub fn no_greeting_hint(&self) -> Option<String> {
        (self.security != Security::Implicit).then(|| {
            format!("port {} may expect implicit TLS: if so, {}", self.port, self.advice_to_set("tls", "implicit"))
        })
    }

    /// The hint once a probe has shown that this port speaks implicit TLS.
    pub fn implicit_tls_hint(&self) -> String {
        format!("this port speaks implicit TLS: {}", self.advice_to_set("tls", "implicit"))
    }
}

impl Origin {
    /// The file as a person would type it: `~/...` under the home
    /// directory.
    pub fn file_for_people(&self) -> String {
        let home = std::env::var_os("HOME").map(PathBuf::from).filter(|h| h.is_absolute());
        match home.as_deref().and_then(|h| self.file.strip_prefix(h).ok()) {
            Some(rest) if !rest.as_os_str().is_empty() => format!("~/{}", rest.display()),
            _ => self.file.display().to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoint(security: Security, origin: Option<Origin>) -> Endpoint {
        Endpoint {
            host: "mail.example".into(),
            port: 993,
            security,
            tls: TlsPolicy::default(),
            timeout: Duration::from_secs(1),
            origin,
        }
    }

    #[test]
    fn the_no_greeting_hint_names_the_config_table_and_file_when_known() {
        let origin = Origin { table: "accounts.work.imap".into(), file: PathBuf::from("/nonexistent-home/owl.toml") };
        assert_eq!(
            endpoint(Security::StartTls, Some(origin)).no_greeting_hint().unwrap(),
            "port 993 may expect implicit TLS: if so, set tls = \"implicit\" in [accounts.work.imap] of /nonexistent-home/owl.toml"
        );
        assert_eq!(
            endpoint(Security::DangerPlaintext, None).no_greeting_hint().unwrap(),
            "port 993 may expect implicit TLS: if so, set tls = \"implicit\" for it"
        );
        assert_eq!(endpoint(Security::Implicit, None).no_greeting_hint(), None);
    }
}
