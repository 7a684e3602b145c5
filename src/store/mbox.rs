//! The mbox side of a mailbox: checking the file against the committed
//! length at open (cutting off a tail that was appended but never
//! recorded), appending mboxrd entries, and fsyncing them at commit.
//!
//! It never shortens a file below the recorded length, never rewrites
//! committed bytes, and never writes the sync state except to create it.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use super::fsutil;
use super::incoming::{Body, Recovery};
use super::mboxrd::{HEADER_PEEK, from_line, write_message};
use super::spool::{Spool, remove_spools};
use super::state::{self, SyncState};
use crate::error::{Error, ErrorKind, Result};

/// One mboxrd file.
#[derive(Debug)]
pub(crate) struct Mbox {
    path: PathBuf,
    spool_dir: PathBuf,
    /// Opened at the first add.
    file: Option<File>,
    /// The length recorded in the sync state.
    committed: u64,
    /// The end of what has been written, committed or not.
    len: u64,
    pending: usize,
    /// The file did not exist before this run: its directory entry needs an fsync.
    created: bool,
}

impl Mbox {
    /// Opens the mbox at `path` against its sync state (creating that state
    /// first for a new mailbox, so that a crash during the first append is
    /// recoverable), cutting off any unrecorded tail.
    pub(crate) fn open(
        path: &Path,
        spool_dir: &Path,
        state_path: &Path,
        loaded: Result<Option<SyncState>>,
    ) -> Result<(Mbox, SyncState, Recovery)> {
        if let Some(parent) = path.parent() {
            fsutil::create_dir_durable(parent)?;
        }
        let on_disk = file_len(path)?;
        let corrupt = |why: String| Error::new(ErrorKind::Io, format!("mbox {}: {why}", path.display()));
        let state = match loaded? {
            Some(state) => state,
            None if on_disk.unwrap_or(0) > 0 => {
                return Err(corrupt(format!(
                    "the file exists but owl has no sync state for it ({}); not touching it",
                    state_path.display()
                )));
            }
            None => {
                let fresh = SyncState { mbox_length: Some(0), ..SyncState::default() };
                state::save(state_path, &fresh)?;
                fresh
            }
        };
        let committed = state.mbox_length.ok_or_else(|| {
            Error::new(ErrorKind::Io, format!("sync state {} has no mbox length", state_path.display()))
        })?;
        let mut recovery = Recovery::default();
        if state.needs_recovery() {
            // Mailboxes open before anything downloads, so every spool
            // here is a dead run's (the store lock's marker may have been
            // lost with the power).
            recovery.removed_spools = remove_spools(spool_dir)?;
        }
        match on_disk {
            None if committed == 0 => {}
            Some(len) if len == committed => {}
            Some(len) if len > committed => {
                // Appended but never recorded: those UIDs are fetched again.
                let f = OpenOptions::new().write(true).open(path);
                f.and_then(|f| {
                    f.set_len(committed)?;
                    f.sync_all()
                })
                .map_err(|e| Error::local_io(format!("cannot truncate {}", path.display()), e))?;
                recovery.truncated = len - committed;
            }
            other => {
                return Err(corrupt(format!(
                    "the file is shorter ({} bytes) than owl recorded ({committed} bytes); \
                     it was changed outside owl, so it is left alone",
                    other.unwrap_or(0)
                )));
            }
        }
        let mbox = Mbox {
            path: path.to_path_buf(),
            spool_dir: spool_dir.to_path_buf(),
            file: None,
            committed,
            len: committed,
            pending: 0,
            created: false,
        };
        Ok((mbox, state, recovery))
    }

    /// A spool file in the store's spool folder.
    pub(crate) fn spool(&self) -> Result<Spool> {
        Spool::create(&self.spool_dir)
    }

    /// Where spool files go.
    pub(crate) fn spool_dir(&self) -> std::path::PathBuf {
        self.spool_dir.clone()
    }

    /// Appends one entry (not yet durable). On error the file may hold a
    /// partial entry past the committed length; the caller must stop.
    pub(crate) fn add(&mut self, internal_date: Option<i64>, body: Body) -> Result<()> {
        let date = internal_date.unwrap_or_else(now);
        let io = |path: &Path| {
            let what = format!("cannot append to {}", path.display());
            move |e| Error::local_io(what, e)
        };
        match body {
            Body::Memory(bytes) => {
                let line = from_line(&bytes[..bytes.len().min(HEADER_PEEK)], date);
                self.append(&line, &mut bytes.as_slice())?;
            }
            Body::Spooled(spool) => {
                if spool.path().parent() != Some(self.spool_dir.as_path()) {
                    return Err(Error::internal(format!("spool {} belongs to another store", spool.path().display())));
                }
                let spool_path = spool.path().to_path_buf();
                let mut f = spool.finish()?;
                let mut head = Vec::new();
                let peeked = f
                    .seek(SeekFrom::Start(0))
                    .and_then(|_| (&mut f).take(HEADER_PEEK as u64).read_to_end(&mut head))
                    .and_then(|_| f.seek(SeekFrom::Start(0)));
                peeked.map_err(io(&spool_path))?;
                let appended = self.append(&from_line(&head, date), &mut f);
                // Once appended (or failed) the spool is of no further use;
                // a file left behind is removed at the next lock.
                let _ = fs::remove_file(&spool_path);
                appended?;
            }
        }
        self.pending += 1;
        Ok(())
    }

    fn append(&mut self, from_line: &str, body: &mut dyn Read) -> Result<()> {
        let path = self.path.clone();
        let failed = |e| Error::local_io(format!("cannot append to {}", path.display()), e);
        if self.file.is_none() {
            self.created = !self.path.exists();
            let f = OpenOptions::new().write(true).create(true).truncate(false).open(&self.path).map_err(failed)?;
            self.file = Some(f);
        }
        let Some(file) = self.file.as_ref() else {
            return Err(Error::internal("mbox file not open"));
        };
        let written = (|| -> io::Result<u64> {
            let mut handle = file;
            handle.seek(SeekFrom::Start(self.len))?;
            let mut out = BufWriter::with_capacity(64 * 1024, handle);
            write_message(&mut out, from_line, body)?;
            out.flush()?;
            handle.stream_position()
        })();
        self.len = written.map_err(failed)?;
        Ok(())
    }

    /// Makes the appended entries durable; returns how many and the new
    /// length, which the caller records and then confirms with `committed`.
    pub(crate) fn write_pending(&mut self) -> Result<(usize, u64)> {
        if let Some(file) = &self.file {
            file.sync_all().map_err(|e| Error::local_io(format!("cannot sync {}", self.path.display()), e))?;
        }
        if self.created {
            if let Some(parent) = self.path.parent() {
                fsutil::sync_dir(parent)?;
            }
            self.created = false;
        }
        Ok((std::mem::take(&mut self.pending), self.len))
    }

    /// The state now records `len` bytes.
    pub(crate) fn committed(&mut self, len: u64) {
        self.committed = len;
    }
}

impl Drop for Mbox {
    fn drop(&mut self) {
        if let (Some(file), true) = (&self.file, self.len > self.committed) {
            // Unrecorded entries would be fetched again anyway; cutting them
            // now keeps readers of the file tidy. The next open does the
            // same if this fails.
            let _ = file.set_len(self.committed);
        }
    }
}

fn now() -> i64 {
    let secs = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    i64::try_from(secs).unwrap_or(i64::MAX)
}

fn file_len(path: &Path) -> Result<Option<u64>> {
    match fs::metadata(path) {
        Ok(m) => Ok(Some(m.len())),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::local_io(format!("cannot stat {}", path.display()), e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fixture {
        _dir: tempfile::TempDir,
        mbox: PathBuf,
        spool: PathBuf,
        state: PathBuf,
    }

    fn fixture() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let spool = dir.path().join("spool");
        fs::create_dir(&spool).unwrap();
        Fixture { mbox: dir.path().join("a/INBOX.mbox"), state: dir.path().join("state.json"), spool, _dir: dir }
    }

    fn open(f: &Fixture) -> Result<(Mbox, SyncState, Recovery)> {
        Mbox::open(&f.mbox, &f.spool, &f.state, state::load(&f.state))
    }

    #[test]
    fn a_new_mailbox_records_an_empty_state_before_any_append() {
        let f = fixture();
        let (mut m, st, _) = open(&f).unwrap();
        assert_eq!(st.mbox_length, Some(0));
        assert_eq!(state::load(&f.state).unwrap().unwrap().mbox_length, Some(0));
        m.add(Some(0), Body::Memory(b"Subject: a\n\nFrom here\n".to_vec())).unwrap();
        let (n, len) = m.write_pending().unwrap();
        assert_eq!(n, 1);
        let text = fs::read(&f.mbox).unwrap();
        assert_eq!(len, text.len() as u64);
        assert_eq!(text, b"From MAILER-DAEMON Thu Jan  1 00:00:00 1970\nSubject: a\n\n>From here\n\n");
    }

    #[test]
    fn open_cuts_an_unrecorded_tail_but_refuses_a_short_file() {
        let f = fixture();
        drop(open(&f).unwrap());
        fs::write(&f.mbox, b"From x Thu Jan  1 00:00:00 1970\nhalf a mess").unwrap();
        let (_, _, rec) = open(&f).unwrap();
        assert_eq!(rec.truncated, 43);
        assert_eq!(fs::metadata(&f.mbox).unwrap().len(), 0);

        let recorded = SyncState { mbox_length: Some(10), ..SyncState::default() };
        state::save(&f.state, &recorded).unwrap();
        fs::write(&f.mbox, b"12345").unwrap();
        let err = open(&f).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Io);
        assert!(err.to_string().contains("shorter"), "{err}");
        assert_eq!(fs::read(&f.mbox).unwrap(), b"12345");
    }

    #[test]
    fn an_existing_file_without_state_is_left_alone() {
        let f = fixture();
        fs::create_dir_all(f.mbox.parent().unwrap()).unwrap();
        fs::write(&f.mbox, b"From someone else\n\n").unwrap();
        let err = open(&f).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Io);
        assert_eq!(fs::read(&f.mbox).unwrap(), b"From someone else\n\n");
    }

    #[test]
    fn spooled_bodies_are_streamed_and_their_spool_removed() {
        let f = fixture();
        let (mut m, _, _) = open(&f).unwrap();
        let mut spool = m.spool().unwrap();
        spool.write_all(b"Return-Path: <a@b.c>\r\n\r\nbody\r\nFrom x").unwrap();
        let spool_path = spool.path().to_path_buf();
        m.add(Some(0), Body::Spooled(spool)).unwrap();
        assert!(!spool_path.exists());
        let (_, len) = m.write_pending().unwrap();
        m.committed(len);
        let text = fs::read(&f.mbox).unwrap();
        assert_eq!(text, b"From a@b.c Thu Jan  1 00:00:00 1970\nReturn-Path: <a@b.c>\r\n\r\nbody\r\n>From x\n\n");
    }

    #[test]
    fn dropping_uncommitted_entries_cuts_them_off() {
        let f = fixture();
        let (mut m, _, _) = open(&f).unwrap();
        m.add(None, Body::Memory(b"x\n".to_vec())).unwrap();
        assert!(fs::metadata(&f.mbox).unwrap().len() > 0);
        drop(m);
        assert_eq!(fs::metadata(&f.mbox).unwrap().len(), 0);
    }
}
