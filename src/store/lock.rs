//! The store lock: one owl run per store at a time, held as an OS file lock
//! (so it dies with the process, kill -9 included) on a file that also names
//! the holder's pid for the error message, and says ` done` after it once
//! the run let go normally: the next run then knows no spool files of a
//! dead run can be left behind.
//!
//! It also keeps the run from opening one mailbox twice. It never deletes or
//! waits on anything but the lock file.

use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use crate::error::{Error, Result};

/// Exclusive use of a store; released when dropped or when the process dies.
#[derive(Debug)]
pub struct StoreLock {
    root: PathBuf,
    /// Holds the OS lock for as long as it is open.
    file: File,
    open: Arc<Mutex<HashSet<PathBuf>>>,
    /// The run before let go normally (or there was none).
    previous_clean: bool,
    /// Cleared by tests that play a dead run.
    #[cfg(test)]
    pub(crate) say_done: bool,
}

/// Proof that a mailbox is open once; releases it on drop.
#[derive(Debug)]
pub(crate) struct MailboxClaim {
    key: PathBuf,
    open: Arc<Mutex<HashSet<PathBuf>>>,
}

impl Drop for MailboxClaim {
    fn drop(&mut self) {
        // A poisoned set is still a valid set: nothing is half-updated.
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        open.remove(&self.key);
    }
}

impl StoreLock {
    /// Takes the lock file at `lock_path` for the store at `root`.
    pub(crate) fn acquire(root: &Path, lock_path: &Path, wait: bool) -> Result<StoreLock> {
        let io_err = |what: &str, e| Error::local_io(format!("{what} lock file {}", lock_path.display()), e);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(lock_path)
            .map_err(|e| io_err("cannot open", e))?;
        if wait {
            file.lock().map_err(|e| io_err("cannot lock", e))?;
        } else {
            match file.try_lock() {
                Ok(()) => {}
                Err(std::fs::TryLockError::WouldBlock) => {
                    let holder = read_pid(&mut file).map_or_else(|| "pid unknown".to_string(), |p| format!("pid {p}"));
                    return Err(Error::temp(format!(
                        "store {} is in use by another owl run ({holder})",
                        root.display()
                    )));
                }
                Err(std::fs::TryLockError::Error(e)) => return Err(io_err("cannot lock", e)),
            }
        }
        let mut before = String::new();
        let _ = (&mut file).take(64).read_to_string(&mut before);
        let previous_clean = before.is_empty() || before.trim_end().ends_with(" done");
        // The pid is only a hint for the message above, so it is not fsynced.
        let written = (|| {
            file.set_len(0)?;
            file.seek(SeekFrom::Start(0))?;
            file.write_all(format!("{}\n", std::process::id()).as_bytes())
        })();
        written.map_err(|e| io_err("cannot write", e))?;
        Ok(StoreLock {
            root: root.to_path_buf(),
            file,
            open: Arc::default(),
            previous_clean,
            #[cfg(test)]
            say_done: true,
        })
    }

    /// Whether the run before this one let go of the store normally (or
    /// there was none): if not, it may have left spool files.
    pub fn previous_run_clean(&self) -> bool {
        self.previous_clean
    }

    /// The root of the locked store.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Records that the mailbox at `key` is open; an error if it already is.
    pub(crate) fn claim(&self, key: &Path) -> Result<MailboxClaim> {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        if !open.insert(key.to_path_buf()) {
            return Err(Error::internal(format!("mailbox {} is already open in this run", key.display())));
        }
        Ok(MailboxClaim { key: key.to_path_buf(), open: Arc::clone(&self.open) })
    }
}

impl Drop for StoreLock {
    fn drop(&mut self) {
        #[cfg(test)]
        if !self.say_done {
            return;
        }
        // Not fsynced: after a power loss the next run merely cleans up.
        let done = format!("{} done\n", std::process::id());
        let _ = self
            .file
            .set_len(0)
            .and_then(|()| self.file.seek(SeekFrom::Start(0)))
            .and_then(|_| self.file.write_all(done.as_bytes()));
    }
}

fn read_pid(file: &mut File) -> Option<u32> {
    let mut text = String::new();
    file.seek(SeekFrom::Start(0)).ok()?;
    file.take(64).read_to_string(&mut text).ok()?;
    text.split_whitespace().next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};

    const HELPER_ENV: &str = "OWL_STORE_LOCK_HELPER";

    #[test]
    fn a_second_lock_in_the_same_process_is_refused_with_our_pid() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lock");
        let held = StoreLock::acquire(dir.path(), &path, false).unwrap();
        let err = StoreLock::acquire(dir.path(), &path, false).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::TempFail);
        let expected =
            format!("store {} is in use by another owl run (pid {})", dir.path().display(), std::process::id());
        assert_eq!(err.to_string(), expected);
        drop(held);
        StoreLock::acquire(dir.path(), &path, false).unwrap();
    }

    #[test]
    fn a_mailbox_can_be_claimed_once_at_a_time() {
        let dir = tempfile::tempdir().unwrap();
        let lock = StoreLock::acquire(dir.path(), &dir.path().join("lock"), true).unwrap();
        let claim = lock.claim(Path::new("INBOX")).unwrap();
        assert_eq!(lock.claim(Path::new("INBOX")).unwrap_err().kind(), ErrorKind::Internal);
        lock.claim(Path::new("Sent")).unwrap();
        drop(claim);
        lock.claim(Path::new("INBOX")).unwrap();
    }

    /// Run as a child process by the test below: takes the lock, says so,
    /// and holds it until killed or its stdin closes.
    #[test]
    fn lock_helper_process() {
        let Some(path) = std::env::var_os(HELPER_ENV) else {
            return;
        };
        let path = PathBuf::from(path);
        let _lock = StoreLock::acquire(path.parent().unwrap(), &path, false).unwrap();
        let mut out = std::io::stdout();
        out.write_all(b"\nLOCKED\n").unwrap();
        out.flush().unwrap();
        let mut sink = Vec::new();
        std::io::stdin().read_to_end(&mut sink).unwrap();
    }

    #[test]
    fn a_lock_held_by_another_process_is_refused_then_freed_by_kill_9() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lock");
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "store::lock::tests::lock_helper_process"])
            .args(["--nocapture", "--test-threads=1"])
            .env(HELPER_ENV, &path)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        assert!(lines.any(|l| l.unwrap() == "LOCKED"), "helper never locked");

        let err = StoreLock::acquire(dir.path(), &path, false).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::TempFail);
        assert!(err.to_string().contains(&format!("(pid {})", child.id())), "{err}");

        child.kill().unwrap(); // SIGKILL: no destructor runs in the child.
        child.wait().unwrap();
        let lock = StoreLock::acquire(dir.path(), &path, false).unwrap();
        assert_eq!(lock.root(), dir.path());
        let pid = std::fs::read_to_string(&path).unwrap();
        assert_eq!(pid.trim(), std::process::id().to_string());
    }
}
