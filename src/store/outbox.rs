//! The outbox: every message on its way out, from before its SMTP
//! transaction starts until a server accepted it.
//!
//! Each entry is a directory `ID/` holding `message.eml` (the bytes to
//! send), `copy.eml` (the Sent copy, when it differs: it keeps Bcc) and
//! `envelope.json`; it appears atomically and durably (written under a dot
//! name, made durable, then renamed) and leaves the same way, so a crash at
//! any instant leaves each message either accepted by a server or here,
//! never half an entry. Entries record the account, SMTP host and user they
//! were queued for, and only that identity sends them. Messages a server
//! refused for good move to `rejected/` (kept, never retried); entries the
//! user drops move to `dropped/`. A lock file (holding the owner's pid)
//! keeps two runs from sending the same entry; a second run waits for it
//! a bounded time.

use std::fs::{self, File};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use super::fsutil::{WholeFsSync, create_dir_durable, sync_dir, write_atomic};
use crate::error::{Error, ErrorKind, Result};

/// Who sends an entry: the account it was queued under and the SMTP
/// server and login it was meant for.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Target {
    /// The account's name in the config.
    pub account: String,
    /// The SMTP host.
    pub host: String,
    /// The SMTP login name.
    pub user: String,
}

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
    /// Who may send it; `None` in entries queued before owl recorded it,
    /// which the account of the outbox's name adopts.
    #[serde(default)]
    pub target: Option<Target>,
    /// The final dot was sent but no reply came (RFC 5321 §6.1): the
    /// server may have it. It is retried anyway; a duplicate is the cost.
    #[serde(default)]
    pub possibly_delivered: bool,
    /// The message this one answers: flagged `\Answered` once this one is
    /// accepted, whichever run sends it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answers: Option<Original>,
}

/// A message on the IMAP server, named so that a later run can find it
/// again, or know that it is gone: UIDs hold only while the mailbox's
/// UIDVALIDITY stays the same.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Original {
    /// Its mailbox.
    pub mailbox: String,
    /// The mailbox's UIDVALIDITY when the answer was written.
    pub uidvalidity: u32,
    /// Its UID.
    pub uid: u32,
}

impl Envelope {
    /// Whether `target` may send this entry.
    pub fn is_for(&self, target: &Target) -> bool {
        self.target.as_ref().is_none_or(|t| t == target)
    }
}

/// A message to queue.
#[derive(Debug, Clone)]
pub struct NewEntry<'a> {
    /// The bytes to send.
    pub message: &'a [u8],
    /// The Sent copy, when it differs.
    pub copy: Option<&'a [u8]>,
    /// Its envelope.
    pub envelope: Envelope,
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

/// How often a waiting run looks whether the outbox lock is free.
const LOCK_POLL: Duration = Duration::from_millis(50);

impl Outbox {
    /// Opens (creating) the outbox in `dir` and takes its lock, waiting at
    /// most `wait` for another run to let go (two runs must never send the
    /// same entry); then a temporary error names the holder.
    pub fn open(dir: &Path, wait: Duration) -> Result<Outbox> {
        create_dir_durable(&dir.join("rejected"))?;
        let lock_path = dir.join(".lock");
        let mut lock = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(&lock_path)
            .map_err(|e| Error::local_io(format!("cannot open {}", lock_path.display()), e))?;
        let deadline = Instant::now() + wait;
        loop {
            match lock.try_lock() {
                Ok(()) => break,
                Err(fs::TryLockError::WouldBlock) if Instant::now() < deadline => std::thread::sleep(LOCK_POLL),
                Err(fs::TryLockError::WouldBlock) => {
                    let holder = fs::read_to_string(&lock_path).unwrap_or_default();
                    let holder = holder.trim();
                    return Err(Error::temp(format!(
                        "the outbox {} is in use by another owl run{} after waiting {} s; try again later",
                        dir.display(),
                        if holder.is_empty() { String::new() } else { format!(" (pid {holder})") },
                        wait.as_secs()
                    )));
                }
                Err(fs::TryLockError::Error(e)) => {
                    return Err(Error::local_io(format!("cannot lock {}", lock_path.display()), e));
                }
            }
        }
        // Tell a waiting run who holds it; not needed for correctness.
        let _ = lock.set_len(0).and_then(|()| writeln!(lock, "{}", std::process::id()));
        Ok(Outbox { dir: dir.to_path_buf(), _lock: lock })
    }

    /// Where it lives.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Queues a message; returns its id.
    pub fn add(&self, message: &[u8], copy: Option<&[u8]>, envelope: &Envelope) -> Result<String> {
        let ids = self.add_all(&[NewEntry { message, copy, envelope: envelope.clone() }])?;
        ids.into_iter().next().ok_or_else(|| Error::internal("outbox: no id for a queued message"))
    }

    /// Queues every message of a run at once, durably, and returns their
    /// ids: written under dot names, made durable together (one syncfs
    /// where the file system honours it, else an fsync per file), then
    /// moved into place and the move made durable. One batch costs about
    /// what one message did.
    pub fn add_all(&self, entries: &[NewEntry]) -> Result<Vec<String>> {
        let whole_fs = WholeFsSync::for_dir(&self.dir);
        let mut staged = Vec::with_capacity(entries.len());
        for entry in entries {
            let id = new_id();
            let staging = self.dir.join(format!(".new-{id}"));
            fs::create_dir(&staging).map_err(|e| Error::local_io(format!("cannot create {}", staging.display()), e))?;
            let json =
                serde_json::to_vec_pretty(&entry.envelope).map_err(|e| Error::internal(format!("envelope: {e}")))?;
            let mut files = vec![("message.eml", entry.message), ("envelope.json", &json[..])];
            if let Some(copy) = entry.copy.filter(|c| *c != entry.message) {
                files.push(("copy.eml", copy));
            }
            for (name, bytes) in files {
                let path = staging.join(name);
                let written = File::create(&path).and_then(|mut f| {
                    f.write_all(bytes)?;
                    if whole_fs.is_none() { f.sync_all() } else { Ok(()) }
                });
                written.map_err(|e| Error::local_io(format!("cannot write {}", path.display()), e))?;
            }
            if whole_fs.is_none() {
                sync_dir(&staging)?;
            }
            staged.push((id, staging));
        }
        if let Some(fs) = &whole_fs {
            fs.sync().map_err(|e| Error::local_io(format!("cannot sync the outbox {}", self.dir.display()), e))?;
        }
        let mut ids = Vec::with_capacity(staged.len());
        for (id, staging) in staged {
            let target = self.dir.join(&id);
            fs::rename(&staging, &target)
                .map_err(|e| Error::local_io(format!("cannot move {} into the outbox", staging.display()), e))?;
            ids.push(id);
        }
        sync_dir(&self.dir)?;
        Ok(ids)
    }

    /// The pending entry `id`.
    pub fn get(&self, id: &str) -> Result<Entry> {
        self.pending()?
            .into_iter()
            .find(|e| e.id == id)
            .ok_or_else(|| Error::new(ErrorKind::NoInput, format!("no message {id} waits in {}", self.dir.display())))
    }

    /// Moves a pending entry to `dropped/`: the user gave up on it. Kept,
    /// not deleted, in case that was a mistake.
    pub fn drop_entry(&self, entry: &Entry) -> Result<PathBuf> {
        let dropped = self.dir.join("dropped");
        create_dir_durable(&dropped)?;
        let target = dropped.join(&entry.id);
        fs::rename(&entry.dir, &target)
            .map_err(|e| Error::local_io(format!("cannot move {} to dropped/", entry.dir.display()), e))?;
        sync_dir(&self.dir)?;
        sync_dir(&dropped)?;
        Ok(target)
    }

    /// Hands a pending entry to `target` (after moving to a new provider).
    pub fn retarget(&self, entry: &mut Entry, target: &Target) -> Result<()> {
        entry.envelope.target = Some(target.clone());
        self.save(entry)
    }

    fn save(&self, entry: &Entry) -> Result<()> {
        let json = serde_json::to_vec_pretty(&entry.envelope).map_err(|e| Error::internal(format!("envelope: {e}")))?;
        write_atomic(&entry.dir.join("envelope.json"), &json)
    }

    /// Messages waiting to be sent, oldest first.
    pub fn pending(&self) -> Result<Vec<Entry>> {
        entries(&self.dir)
    }

    /// Messages a server refused for good.
    pub fn rejected(&self) -> Result<Vec<Entry>> {
        entries(&self.dir.join("rejected"))
    }

    /// Records a failed attempt on a pending entry; `possibly_delivered`
    /// when the final dot went out unanswered.
    pub fn record_failure(&self, entry: &mut Entry, error: &str, possibly_delivered: bool) -> Result<()> {
        entry.envelope.attempts += 1;
        entry.envelope.last_error = Some(error.to_string());
        entry.envelope.possibly_delivered |= possibly_delivered;
        self.save(entry)
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
        self.record_failure(entry, error, false)?;
        let target = self.dir.join("rejected").join(&entry.id);
        fs::rename(&entry.dir, &target)
            .map_err(|e| Error::local_io(format!("cannot move {} to rejected/", entry.dir.display()), e))?;
        sync_dir(&self.dir)?;
        entry.dir = target;
        Ok(())
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
        if name.starts_with('.') || name == "rejected" || name == "dropped" || !path.is_dir() {
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
        let outbox = Outbox::open(dir.path(), Duration::ZERO).unwrap();
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
        let outbox = Outbox::open(dir.path(), Duration::ZERO).unwrap();
        outbox.add(b"A", None, &envelope("a@x")).unwrap();
        let mut entry = outbox.pending().unwrap().remove(0);
        outbox.record_failure(&mut entry, "451 try later", false).unwrap();
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
    fn a_second_run_waits_a_bounded_time_then_names_the_holder() {
        let dir = tempfile::tempdir().unwrap();
        let held = Outbox::open(dir.path(), Duration::ZERO).unwrap();
        let started = Instant::now();
        let err = Outbox::open(dir.path(), Duration::from_millis(200)).err().unwrap();
        assert!(started.elapsed() >= Duration::from_millis(200));
        assert_eq!(err.kind(), ErrorKind::TempFail);
        assert!(err.to_string().contains(&format!("pid {}", std::process::id())), "{err}");
        drop(held);
        Outbox::open(dir.path(), Duration::ZERO).unwrap();
    }

    #[test]
    fn entries_go_only_to_their_target_and_can_be_dropped_or_retargeted() {
        let dir = tempfile::tempdir().unwrap();
        let outbox = Outbox::open(dir.path(), Duration::ZERO).unwrap();
        let work = Target { account: "work".into(), host: "smtp.a".into(), user: "me".into() };
        let moved = Target { host: "smtp.b".into(), ..work.clone() };
        let batch = [
            NewEntry {
                message: b"A",
                copy: None,
                envelope: Envelope { target: Some(work.clone()), ..envelope("a@x") },
            },
            NewEntry {
                message: b"B",
                copy: None,
                envelope: Envelope { target: Some(work.clone()), ..envelope("b@x") },
            },
        ];
        let ids = outbox.add_all(&batch).unwrap();
        assert_eq!(ids.len(), 2);
        let mut first = outbox.get(&ids[0]).unwrap();
        assert!(first.envelope.is_for(&work) && !first.envelope.is_for(&moved));
        outbox.retarget(&mut first, &moved).unwrap();
        assert!(outbox.get(&ids[0]).unwrap().envelope.is_for(&moved));
        let second = outbox.get(&ids[1]).unwrap();
        let kept = outbox.drop_entry(&second).unwrap();
        assert!(kept.join("message.eml").is_file());
        assert_eq!(outbox.pending().unwrap().len(), 1);
        assert_eq!(outbox.get("nope").unwrap_err().kind(), ErrorKind::NoInput);
    }

    #[test]
    fn entries_from_before_targets_are_adopted_and_read() {
        let dir = tempfile::tempdir().unwrap();
        let outbox = Outbox::open(dir.path(), Duration::ZERO).unwrap();
        let old = dir.path().join("00000000000000000001-1-0");
        fs::create_dir(&old).unwrap();
        fs::write(old.join("message.eml"), b"M").unwrap();
        let json = r#"{"from":"me@x","recipients":["a@x"],"message_id":null,"queued_at":1,"attempts":0,"last_error":null,"save_copy":true}"#;
        fs::write(old.join("envelope.json"), json).unwrap();
        let entry = outbox.pending().unwrap().remove(0);
        assert!(entry.envelope.target.is_none() && !entry.envelope.possibly_delivered);
        assert!(entry.envelope.is_for(&Target::default()));
    }

    #[test]
    fn half_written_entries_are_invisible() {
        let dir = tempfile::tempdir().unwrap();
        let outbox = Outbox::open(dir.path(), Duration::ZERO).unwrap();
        fs::create_dir(dir.path().join(".new-123")).unwrap();
        fs::create_dir(dir.path().join(".sent-456")).unwrap();
        assert!(outbox.pending().unwrap().is_empty());
    }
}
