//! Warm sessions: a holder process per account keeps authenticated IMAP
//! connections open and lends them to owl invocations over a local socket,
//! as ssh's ControlMaster does, so a command costs one round trip instead
//! of DNS, TCP, TLS, greeting, login and COMPRESS.
//!
//! The design, in short:
//! - one holder per account *configuration*: its socket is named by a
//!   [`fingerprint`] of everything that decides how the connection is made
//!   (host, port, TLS mode, CA file or pin, user, where the secret comes
//!   from, compression, owl's version), so a changed config or a new owl
//!   never gets another one's connection: it finds no socket and starts
//!   afresh;
//! - the socket lives in a private directory (`net::local`), and the holder
//!   admits only peers of its own uid;
//! - a loan is a relay (`imap::relay`): the borrower speaks IMAP in the
//!   authenticated state, the holder passes bytes to its upstream
//!   connection and afterwards brings it back clean (UNSELECT) or drops it;
//! - secrets never cross the socket: the holder is given the secret once,
//!   through a pipe, by the invocation that starts it;
//! - every failure on the borrower's side (no holder, a stale socket, a
//!   wedged or busy holder) means a direct connection, silently ([`client`]).
//!
//! [`holder`] is the process, [`control`] the `owl session` subcommands.

pub mod client;
pub mod control;
pub mod holder;

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::config::{Account, Imap};
use crate::error::Result;

/// The first word of every request line on a holder's socket; a new
/// request format gets a new word.
pub const PROTOCOL: &str = "OWL-HOLDER-1";

/// How long a borrower waits for the holder's answer: a holder that takes
/// longer is wedged, and a direct connection is quicker.
pub const ANSWER_WITHIN: std::time::Duration = std::time::Duration::from_millis(1500);

/// What a client asks a holder for (the second word of the request line).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Request {
    /// Lend a connection.
    Borrow,
    /// Describe yourself (one JSON line of [`HolderStatus`]).
    Status,
    /// Log out and exit.
    Stop,
}

impl Request {
    /// Its word on the socket.
    pub fn as_str(self) -> &'static str {
        match self {
            Request::Borrow => "borrow",
            Request::Status => "describe",
            Request::Stop => "stop",
        }
    }

    /// The request a word names.
    pub fn parse(word: &str) -> Option<Request> {
        [Request::Borrow, Request::Status, Request::Stop].into_iter().find(|r| r.as_str() == word)
    }
}

/// A hash of everything that decides how the account's IMAP connections
/// are made, and of owl's version: two configs share connections only if
/// they would have made the same ones. Secrets given in the config take
/// part only through their hash.
pub fn fingerprint(account: &Account, imap: &Imap) -> String {
    let server = &imap.server;
    let endpoint = &server.endpoint;
    let mut h = Sha256::new();
    let mut field = |name: &str, value: &[u8]| {
        h.update(name.as_bytes());
        h.update((value.len() as u64).to_be_bytes());
        h.update(value);
    };
    field("version", env!("CARGO_PKG_VERSION").as_bytes());
    field("account", account.name.as_bytes());
    field("host", endpoint.host.as_bytes());
    field("port", &endpoint.port.to_be_bytes());
    field("security", endpoint.security.as_str().as_bytes());
    // Absolute: the holder runs from / and may see a relative path differently.
    let ca = endpoint.tls.ca_file.as_ref().map(|p| std::path::absolute(p).unwrap_or(p.clone()).display().to_string());
    let ca = ca.unwrap_or_default();
    field("ca_file", ca.as_bytes());
    let pin = endpoint.tls.fingerprint.as_ref().map(|f| format!("{f:?}")).unwrap_or_default();
    field("pin", pin.as_bytes());
    field("user", server.user.as_bytes());
    field("secret", server.secret.identity().as_bytes());
    field("compress", &[imap.compress as u8]);
    field("connections", &(imap.connections as u64).to_be_bytes());
    field("timeout", &endpoint.timeout.as_millis().to_be_bytes());
    h.finalize().iter().take(12).map(|b| format!("{b:02x}")).collect()
}

/// Where the holder for `fingerprint` listens.
pub fn socket_path(fingerprint: &str) -> Result<PathBuf> {
    Ok(crate::net::local::socket_dir()?.join(format!("imap-{fingerprint}.sock")))
}

/// The sockets of every holder of this user, running or stale.
pub fn all_sockets() -> Result<Vec<PathBuf>> {
    let dir = crate::net::local::socket_dir()?;
    let mut found: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map_err(|e| crate::error::Error::local_io(format!("read {}", dir.display()), e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "sock"))
        .collect();
    found.sort();
    Ok(found)
}

/// What `owl session status` shows of one holder.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HolderStatus {
    /// The account it serves.
    pub account: String,
    /// Its process id.
    pub pid: u32,
    /// Its socket.
    pub socket: String,
    /// The owl version it runs.
    pub version: String,
    /// Seconds since it started.
    pub age_seconds: u64,
    /// How long it stays without clients.
    pub persist_seconds: u64,
    /// Seconds since a client last came or went.
    pub idle_seconds: u64,
    /// Loans so far.
    pub loans: u64,
    /// Its IMAP connections.
    pub connections: Vec<ConnectionStatus>,
}

/// One of a holder's connections.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ConnectionStatus {
    /// Its number, as in traces (`imap#N`).
    pub number: usize,
    /// `idle`, `lent`, `returning` (being cleaned up), `checking` or
    /// `opening`.
    pub state: String,
    /// Seconds since it was opened.
    pub age_seconds: u64,
    /// Whether it is compressed.
    pub compressed: bool,
    /// Times it was lent.
    pub loans: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "[accounts.a]\nemail = \"me@example.org\"\npassword_command = \"pass mail\"\n\
                        [accounts.a.imap]\nhost = \"imap.example.org\"\n";

    fn print(text: &str) -> String {
        let config = crate::config::parse(std::path::Path::new("/nonexistent/owl.toml"), text).unwrap();
        let account = &config.accounts[0];
        fingerprint(account, account.imap.as_ref().unwrap())
    }

    #[test]
    fn every_setting_that_shapes_the_connection_changes_the_fingerprint() {
        let base = print(BASE);
        assert_eq!(base, print(BASE), "stable");
        assert_eq!(base.len(), 24);
        for changed in [
            BASE.replace("imap.example.org", "imap2.example.org"),
            BASE.replace("[accounts.a.imap]\n", "[accounts.a.imap]\nport = 1993\n"),
            BASE.replace("[accounts.a.imap]\n", "[accounts.a.imap]\ntls = \"starttls\"\n"),
            BASE.replace("email = \"me@example.org\"\n", "email = \"me@example.org\"\nuser = \"other\"\n"),
            BASE.replace("pass mail", "pass mail2"),
            BASE.replace("password_command = \"pass mail\"", "password = \"x\""),
            BASE.replace("[accounts.a.imap]\n", "[accounts.a.imap]\ncompress = false\n"),
            BASE.replace("[accounts.a.imap]\n", "[accounts.a.imap]\nconnections = 2\n"),
        ] {
            assert_ne!(print(&changed), base, "{changed}");
        }
        // A password written in the config counts only through its hash.
        let with_password = BASE.replace("password_command = \"pass mail\"", "password = \"hunter2\"");
        assert_ne!(print(&with_password), print(&with_password.replace("hunter2", "hunter3")));
    }

    #[test]
    fn persist_is_parsed_per_account_and_at_the_top() {
        let parse = |text: &str| crate::config::parse(std::path::Path::new("/x/owl.toml"), text).unwrap();
        assert_eq!(parse(BASE).accounts[0].persist, None);
        let top = format!("persist = \"10m\"\n{BASE}");
        assert_eq!(parse(&top).accounts[0].persist, Some(std::time::Duration::from_secs(600)));
        let own = top.replace("[accounts.a]\n", "[accounts.a]\npersist = \"off\"\n");
        assert_eq!(parse(&own).accounts[0].persist, None);
        let seconds = BASE.replace("[accounts.a]\n", "[accounts.a]\npersist = 90\n");
        assert_eq!(parse(&seconds).accounts[0].persist, Some(std::time::Duration::from_secs(90)));
    }
}
