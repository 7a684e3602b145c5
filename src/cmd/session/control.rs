//! `owl session start|stop|status`: starting a holder for an account,
//! asking every running holder of this user how it is, and stopping them.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::time::{Duration, Instant};

use super::client::{ask, spawn, wait_listening};
use super::{ANSWER_WITHIN, HolderStatus, Request, all_sockets, fingerprint, socket_path};
use crate::cmd::context::CredentialCache;
use crate::config::Account;
use crate::error::{Error, Result};

/// What `owl session start` did.
pub struct Started {
    /// The holder, as it describes itself.
    pub holder: HolderStatus,
    /// Whether it was running already (then nothing was started).
    pub already: bool,
}

/// Starts a holder for `account` (unless one serves its configuration
/// already) and waits until it is warm.
pub fn start(account: &Account, persist: Duration) -> Result<Started> {
    let imap = account
        .imap
        .as_ref()
        .ok_or_else(|| Error::config(format!("account \"{}\" has no IMAP section to keep warm", account.name)))?;
    let fingerprint = fingerprint(account, imap);
    let path = socket_path(&fingerprint)?;
    if let Ok(holder) = status_of(&path, &fingerprint) {
        return Ok(Started { holder, already: true });
    }
    let config = imap
        .server
        .endpoint
        .origin
        .as_ref()
        .map(|o| o.file.clone())
        .ok_or_else(|| Error::config("the account's config file is unknown"))?;
    let creds = CredentialCache::new(imap.server.clone()).get()?;
    let child = spawn(&config, &account.name, persist, &creds)?;
    wait_listening(child, &path, imap.server.endpoint.timeout * 2).map_err(|e| {
        e.context(format!("session holder for account \"{}\"", account.name))
            .with_hint("run `owl check` to see whether the account connects and logs in")
    })?;
    Ok(Started { holder: status_of(&path, &fingerprint)?, already: false })
}

/// Every running holder of this user, stale sockets removed on the way.
pub fn status() -> Result<Vec<HolderStatus>> {
    let mut found = Vec::new();
    for path in all_sockets()? {
        let Some(fingerprint) = fingerprint_of(&path) else { continue };
        match status_of(&path, &fingerprint) {
            Ok(holder) => found.push(holder),
            Err(e) => log::info!("{}: {e}", path.display()),
        }
    }
    Ok(found)
}

/// Stops the holders (only `account`'s when given) and waits until they
/// are gone; what they were.
pub fn stop(account: Option<&Account>) -> Result<Vec<HolderStatus>> {
    let only = account.and_then(|a| a.imap.as_ref().map(|imap| fingerprint(a, imap)));
    let mut stopped = Vec::new();
    for path in all_sockets()? {
        let Some(fingerprint) = fingerprint_of(&path) else { continue };
        if only.as_ref().is_some_and(|f| *f != fingerprint) {
            continue;
        }
        let Ok(holder) = status_of(&path, &fingerprint) else { continue };
        let mut socket = ask(&path, &fingerprint, Request::Stop)?;
        let mut reply = String::new();
        let _ = socket.read_to_string(&mut reply);
        // Gone once its socket is: it logs out first.
        let deadline = Instant::now() + Duration::from_secs(10);
        while path.exists() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        stopped.push(holder);
    }
    Ok(stopped)
}

/// The fingerprint a socket's name carries (`imap-FINGERPRINT.sock`).
fn fingerprint_of(path: &Path) -> Option<String> {
    let name = path.file_stem()?.to_str()?;
    name.strip_prefix("imap-").map(str::to_string)
}

fn status_of(path: &Path, fingerprint: &str) -> Result<HolderStatus> {
    let socket = ask(path, fingerprint, Request::Status)?;
    let mut line = String::new();
    BufReader::new(socket.take(1024 * 1024))
        .read_line(&mut line)
        .map_err(|e| Error::network(format!("{} (no answer within {ANSWER_WITHIN:?})", path.display()), e))?;
    serde_json::from_str(&line).map_err(|e| Error::protocol(format!("{}: not a holder's status: {e}", path.display())))
}
