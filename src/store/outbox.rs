//! The outbox: messages that could not be sent yet, kept until a server
//! accepts them.
//!
//! Each entry is a directory `ID/` holding `message.eml` (the bytes to
//! send), `copy.eml` (the Sent copy, when it differs: it keeps Bcc) and
//! `envelope.json`; it appears atomically (written under a dot name, then
//! renamed) and leaves the same way, so a crash never leaves half an entry
//! that could be sent twice or not at all. Messages a server refused for
//! good move to `rejected/`, kept for the user but never retried. A lock
//! file keeps two runs from sending the same entry.

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use super::fsutil::{create_dir_durable, sync_dir, write_atomic};
use crate::error::{Error, ErrorKind, Result};

/// Who a queued message goes to, and what happened so far.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Envelope {
    /// The envelope sender (MAIL FROM).
    pub from: String,
    /// The envelope recipients (RCPT TO).
    pub recipients: Vec<String>,
    /// The Message-ID, for messages and reports.
    pub message_id: Option<String>,
    /// When it was queued (unix seconds).
    pub queued_at: u64,
    /// How many times sending it was tried since.
    pub attempts: u32,
    /// The last failure, in one line.
    pub last_error: Option<String>,
    /// Whether a copy goes to the Sent mailbox once it is sent.
    pub save_copy: bool,
}

/// A queued message.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Its id (sortable by queueing time).
    pub id: String,
    /// Its envelope.
    pub envelope: Envelope,
    /// Its directory.
    pub dir: PathBuf,
}

impl Entry {
    /// The bytes to send.
    pub fn message(&self) -> Result<Vec<u8>> {
        read(&self.dir.join("message.eml"))
    }

    /// The Sent copy (the message itself unless a copy was kept).
    pub fn copy(&self) -> Result<Vec<u8>> {
        let copy = self.dir.join("copy.eml");
        if copy.exists() { read(&copy) } else { self.message() }
    }
}

fn read(path: &Path) -> Result<Vec<u8>> {
    fs::read(path).map_err(|e| Error::local_io(format!("cannot read {}", path.display()), e))
}

/// An account's outbox, locked while open.
pub struct Outbox {
    dir: PathBuf,
    _lock: File,
}

impl Outbox {
    /// Opens (creating) the outbox in `dir` and takes its lock, waiting if
    /// another run holds it: sends are short, and two runs must never send
    /// the same entry.
    pub fn open(dir: &Path) -> Result<Outbox> {
        create_dir_durable(&dir.join("rejected"))?;
        let lock_path = dir.join(".lock");
        let lock = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| Error::local_io(format!("cannot open {}", lock_path.display()), e))?;
        lock.lock().map_err(|e| Error::local_io(format!("cannot lock {}", lock_path.display()), e))?;
        Ok(Outbox { dir: dir.to_path_buf(), _lock: lock })
    }

    /// Where it lives.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Queues a message; returns its id.
    pub fn add(&self, message: &[u8], copy: Option<&[u8]>, envelope: &Envelope) -> Result<String> {
        let id = new_id();
        let staging = self.dir.join(format!(".new-{id}"));
        create_dir_durable(&staging)?;
        let json = serde_json::to_vec_pretty(envelope).map_err(|e| Error::internal(format!("envelope: {e}")))?;
        write_atomic(&staging.join("message.eml"), message)?;
        if let Some(copy) = copy.filter(|c| *c != message) {
            write_atomic(&staging.join("copy.eml"), copy)?;
        }
        write_atomic(&staging.join("envelope.json"), &json)?;
        let target = self.dir.join(&id);
        fs::rename(&staging, &target)
            .map_err(|e| Error::local_io(format!("cannot move {} into the outbox", staging.display()), e))?;
        sync_dir(&self.dir)?;
        Ok(id)
    }

    /// Messages waiting to be sent, oldest first.
    pub fn pending(&self) -> Result<Vec<Entry>> {
        entries(&self.dir)
    }

    /// Messages a server refused for good.
    pub fn rejected(&self) -> Result<Vec<Entry>> {
        entries(&self.dir.join("rejected"))
    }

    /// Records a failed attempt on a pending entry.
    pub fn record_failure(&self, entry: &mut Entry, error: &str) -> Result<()> {
        entry.envelope.attempts += 1;
        entry.envelope.last_error = Some(error.to_string());
        let json = serde_json::to_vec_pretty(&entry.envelope).map_err(|e| Error::internal(format!("envelope: {e}")))?;
        write_atomic(&entry.dir.join("envelope.json"), &json)
    }

    /// Takes a sent entry out, atomically (renamed away, then deleted).
    pub fn remove(&self, entry: &Entry) -> Result<()> {
        let gone = self.dir.join(format!(".sent-{}", entry.id));
        fs::rename(&entry.dir, &gone)
            .map_err(|e| Error::local_io(format!("cannot remove {} from the outbox", entry.dir.display()), e))?;
        sync_dir(&self.dir)?;
        let _ = fs::remove_dir_all(&gone);
        Ok(())
    }

    /// Moves a refused entry to `rejected/`, where it stays for the user.
    pub fn reject(&self, entry: &mut Entry, error: &str) -> Result<()> {
        self.record_failure(entry, error)?;
        let target = self.dir.join("rejected").join(&entry.id);
        fs::rename(&entry.dir, &target)
            .map_err(|e| Error::local_io(format!("cannot move {} to rejected/", entry.dir.display()), e))?;
        sync_dir(&self.dir)?;
        entry.dir = target;
        Ok(())
    }

    /// Files a message a server refused for good straight into `rejected/`.
    pub fn add_rejected(&self, message: &[u8], copy: Option<&[u8]>, envelope: &Envelope) -> Result<String> {
        let id = self.add(message, copy, envelope)?;
        let mut entry = Entry { id: id.clone(), envelope: envelope.clone(), dir: self.dir.join(&id) };
        let error = envelope.last_error.clone().unwrap_or_default();
        entry.envelope.attempts = 0;
        self.reject(&mut entry, &error)?;
        Ok(id)
    }
}

fn entries(dir: &Path) -> Result<Vec<Entry>> {
    let listing = match fs::read_dir(dir) {
        Ok(listing) => listing,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::local_io(format!("cannot read {}", dir.display()), e)),
    };
    let mut out = Vec::new();
    for item in listing.flatten() {
        let name = item.file_name().to_string_lossy().into_owned();
        let path = item.path();
        if name.starts_with('.') || name == "rejected" || !path.is_dir() {
            continue;
        }
        let json = read(&path.join("envelope.json"))?;
        let envelope: Envelope = serde_json::from_slice(&json).map_err(|e| {
            Error::new(ErrorKind::Io, format!("{} is damaged: {e}", path.join("envelope.json").display()))
        })?;
        out.push(Entry { id: name, envelope, dir: path });
    }
    out.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(out)
}

/// Ids sort by time: nanoseconds since the epoch, then pid and a counter.
fn new_id() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    format!("{nanos:020}-{}-{}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed))
}

/// Unix seconds now, for `queued_at`.
pub fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn envelope(to: &str) -> Envelope {
        Envelope {
            from: "me@x".into(),
            recipients: vec![to.into()],
            queued_at: now(),
            save_copy: true,
            ..Envelope::default()
        }
    }

    #[test]
    fn messages_queue_in_order_and_leave_atomically() {
        let dir = tempfile::tempdir().unwrap();
        let outbox = Outbox::open(dir.path()).unwrap();
        let a = outbox.add(b"A", Some(b"A with Bcc"), &envelope("a@x")).unwrap();
        let b = outbox.add(b"B", Some(b"B"), &envelope("b@x")).unwrap();
        let pending = outbox.pending().unwrap();
        assert_eq!(pending.iter().map(|e| e.id.clone()).collect::<Vec<_>>(), [a, b]);
        assert_eq!(pending[0].message().unwrap(), b"A");
        assert_eq!(pending[0].copy().unwrap(), b"A with Bcc");
        assert_eq!(pending[1].copy().unwrap(), b"B", "no separate copy when identical");
        outbox.remove(&pending[0]).unwrap();
        let left = outbox.pending().unwrap();
        assert_eq!(left.len(), 1);
        assert_eq!(left[0].envelope.recipients, ["b@x"]);
    }

    #[test]
    fn failures_are_recorded_and_rejected_messages_kept_apart() {
        let dir = tempfile::tempdir().unwrap();
        let outbox = Outbox::open(dir.path()).unwrap();
        outbox.add(b"A", None, &envelope("a@x")).unwrap();
        let mut entry = outbox.pending().unwrap().remove(0);
        outbox.record_failure(&mut entry, "451 try later").unwrap();
        let again = outbox.pending().unwrap().remove(0);
        assert_eq!((again.envelope.attempts, again.envelope.last_error.as_deref()), (1, Some("451 try later")));
        let mut entry = again;
        outbox.reject(&mut entry, "550 no such user").unwrap();
        assert!(outbox.pending().unwrap().is_empty());
        let rejected = outbox.rejected().unwrap();
        assert_eq!(rejected.len(), 1);
        assert_eq!(rejected[0].message().unwrap(), b"A");
    }

    #[test]
    fn half_written_entries_are_invisible() {
        let dir = tempfile::tempdir().unwrap();
        let outbox = Outbox::open(dir.path()).unwrap();
        fs::create_dir(dir.path().join(".new-123")).unwrap();
        fs::create_dir(dir.path().join(".sent-456")).unwrap();
        assert!(outbox.pending().unwrap().is_empty());
    }
}
