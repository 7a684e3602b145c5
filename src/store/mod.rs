//! Local mail stores for `owl fetch` (Maildir or mboxrd): a crash at any
//! moment loses nothing and duplicates nothing. Mailbox `A/B` is the
//! Maildir `ROOT/A/B/{cur,new,tmp}` or the file `ROOT/A/B.mbox`. owl's files
//! are in `ROOT/.owl/tmp/` (`lock`, `format`, `spool/`,
//! `mailboxes/A/B/.state.json`); empty `.owl/cur` and `.owl/new` make
//! notmuch see `.owl` as a Maildir and skip its `tmp/`. Never prints.

mod fsutil;
mod incoming;
mod lock;
mod mailbox;
mod maildir;
pub(crate) mod maildir_name;
mod mbox;
pub(crate) mod mboxrd;
mod names;
pub mod outbox;
pub mod read;
pub mod remote;
mod spec;
mod spool;
mod state;

#[cfg(test)]
mod crash_tests;
#[cfg(test)]
mod external_tests;

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

pub use crate::uidset::{ParseUidSetError, UidSet};
pub use incoming::{Body, Recovery, Spooler};
pub use lock::StoreLock;
pub use mailbox::MailboxStore;
pub use spec::{StoreKind, StoreSpec};
pub use spool::Spool;
pub use state::SyncState;

use crate::error::{Error, Result};
use names::MailboxPath;

/// The file in a mailbox's metadata folder that holds its sync state; its
/// leading dot keeps it apart from escaped mailbox names, which never start
/// with one.
const STATE_FILE: &str = ".state.json";

/// An opened (not yet locked) store.
#[derive(Debug, Clone)]
pub struct Store {
    spec: StoreSpec,
}

impl Store {
    /// Opens the store, creating its root and metadata folders if needed.
    pub fn open(spec: &StoreSpec) -> Result<Store> {
        let store = Store { spec: spec.clone() };
        let private = store.private_dir();
        for dir in [
            store.meta_dir().join("cur"),
            store.meta_dir().join("new"),
            private.join("spool"),
            private.join("mailboxes"),
        ] {
            fsutil::create_dir_durable(&dir)?;
        }
        Ok(store)
    }

    /// The specification the store was opened with.
    pub fn spec(&self) -> &StoreSpec {
        &self.spec
    }

    /// The store's root directory.
    pub fn root(&self) -> &Path {
        &self.spec.path
    }

    /// Takes the store's lock: with `wait` false, a store in use is a
    /// `TempFail` error naming the holder's pid. Also checks the store's
    /// format and removes spool files of dead runs.
    pub fn lock(&self, wait: bool) -> Result<StoreLock> {
        let lock = StoreLock::acquire(self.root(), &self.private_dir().join("lock"), wait)?;
        self.check_format()?;
        if lock.previous_run_clean() {
            return Ok(lock);
        }
        spool::remove_spools(&self.private_dir().join("spool"))?;
        Ok(lock)
    }

    /// The sync state of mailbox `name` without opening it: one small file
    /// read, which is all a mailbox that did not change costs a run.
    /// `None` when it has none yet. Needs this store's lock.
    pub fn peek_state(&self, lock: &StoreLock, name: &str, delimiter: Option<char>) -> Result<Option<SyncState>> {
        self.check_lock(lock)?;
        let path = MailboxPath::from_name(name, delimiter)?;
        state::load(&self.private_dir().join("mailboxes").join(path.to_dir()).join(STATE_FILE))
    }

    fn check_lock(&self, lock: &StoreLock) -> Result<()> {
        if lock.root() != self.root() {
            return Err(Error::internal(format!(
                "lock of {} used for {}",
                lock.root().display(),
                self.root().display()
            )));
        }
        Ok(())
    }

    /// Opens (creating if needed) the mailbox `name`, whose hierarchy
    /// delimiter is `delimiter`, and repairs what a dead run left behind
    /// (see [`MailboxStore::recovery`]). Needs this store's lock.
    pub fn mailbox(&self, lock: &StoreLock, name: &str, delimiter: Option<char>) -> Result<MailboxStore> {
        self.check_lock(lock)?;
        let path = MailboxPath::from_name(name, delimiter)?;
        let claim = lock.claim(&path.to_dir())?;
        let meta = self.private_dir().join("mailboxes").join(path.to_dir());
        fsutil::create_dir_durable(&meta)?;
        let state_path = meta.join(STATE_FILE);
        let root = self.root().to_path_buf();
        let spool = self.private_dir().join("spool");
        let kind = self.spec.kind;
        let state_file = state_path.clone();
        MailboxStore::open(
            name,
            state_path,
            move |loaded| match kind {
                StoreKind::Maildir => {
                    let (m, s, r) = maildir::Maildir::open(&root.join(path.to_dir()), loaded)?;
                    Ok((mailbox::Backend::Maildir(m), s, r))
                }
                StoreKind::Mbox => {
                    let file = root.join(path.to_mbox_file());
                    let (m, s, r) = mbox::Mbox::open(&file, &spool, &state_file, loaded)?;
                    Ok((mailbox::Backend::Mbox(m), s, r))
                }
            },
            claim,
        )
    }

    fn meta_dir(&self) -> PathBuf {
        self.root().join(".owl")
    }

    fn private_dir(&self) -> PathBuf {
        self.meta_dir().join("tmp")
    }

    /// Refuses to mix formats in one root (records the format on first use).
    fn check_format(&self) -> Result<()> {
        let path = self.private_dir().join("format");
        let want = self.spec.kind.as_str();
        match fs::read_to_string(&path) {
            Ok(text) if text.trim() == want => Ok(()),
            Ok(text) => {
                Err(Error::config(format!("store {} holds {} mail, not {want}", self.root().display(), text.trim())))
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                fsutil::write_atomic(&path, format!("{want}\n").as_bytes())
            }
            Err(e) => Err(Error::local_io(format!("cannot read {}", path.display()), e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    pub(super) fn spec(kind: StoreKind, dir: &Path) -> StoreSpec {
        StoreSpec { kind, path: dir.join("store") }
    }

    #[test]
    fn open_creates_the_layout_and_lock_cleans_dead_spools() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&spec(StoreKind::Mbox, dir.path())).unwrap();
        for sub in [".owl/cur", ".owl/new", ".owl/tmp/spool", ".owl/tmp/mailboxes"] {
            assert!(store.root().join(sub).is_dir(), "{sub}");
        }
        let dead = store.root().join(".owl/tmp/spool/1.M1P1Q1.h.owl-spool");
        fs::write(&dead, b"partial").unwrap();
        // A run (pid 123) that never let go: it died.
        fs::write(store.root().join(".owl/tmp/lock"), b"123\n").unwrap();
        let lock = store.lock(false).unwrap();
        assert!(!dead.exists());
        drop(lock);
        fs::write(&dead, b"not from a dead run").unwrap();
        let _lock = store.lock(false).unwrap();
        assert!(dead.exists(), "after a clean run the spool folder is not read");
        assert_eq!(fs::read_to_string(store.root().join(".owl/tmp/format")).unwrap(), "mbox\n");
    }

    #[test]
    fn a_root_cannot_change_format() {
        let dir = tempfile::tempdir().unwrap();
        drop(Store::open(&spec(StoreKind::Mbox, dir.path())).unwrap().lock(false).unwrap());
        let other = Store::open(&spec(StoreKind::Maildir, dir.path())).unwrap();
        assert_eq!(other.lock(false).unwrap_err().kind(), ErrorKind::Config);
    }

    #[test]
    fn a_second_store_on_the_same_root_cannot_lock_it() {
        let dir = tempfile::tempdir().unwrap();
        let a = Store::open(&spec(StoreKind::Maildir, dir.path())).unwrap();
        let b = Store::open(&spec(StoreKind::Maildir, dir.path())).unwrap();
        let held = a.lock(false).unwrap();
        let err = b.lock(false).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::TempFail);
        assert!(err.to_string().contains("in use by another owl run"), "{err}");
        drop(held);
        b.lock(false).unwrap();
    }

    #[test]
    fn mailboxes_need_the_stores_own_lock_and_open_once() {
        let dir = tempfile::tempdir().unwrap();
        let a = Store::open(&spec(StoreKind::Maildir, dir.path())).unwrap();
        let other_dir = tempfile::tempdir().unwrap();
        let b = Store::open(&spec(StoreKind::Maildir, other_dir.path())).unwrap();
        let lock_b = b.lock(false).unwrap();
        let err = a.mailbox(&lock_b, "INBOX", None).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Internal);
        let lock_a = a.lock(false).unwrap();
        let inbox = a.mailbox(&lock_a, "INBOX", Some('/')).unwrap();
        assert!(a.mailbox(&lock_a, "INBOX", None).is_err());
        drop(inbox);
        a.mailbox(&lock_a, "INBOX", None).unwrap();
    }

    #[test]
    fn hierarchy_maps_to_nested_maildirs_and_mbox_files() {
        let dir = tempfile::tempdir().unwrap();
        let md = Store::open(&spec(StoreKind::Maildir, dir.path())).unwrap();
        let lock = md.lock(false).unwrap();
        md.mailbox(&lock, "Archive/2024", Some('/')).unwrap();
        md.mailbox(&lock, "../../etc", Some('/')).unwrap();
        for sub in ["cur", "new", "tmp"] {
            assert!(md.root().join("Archive/2024").join(sub).is_dir());
        }
        assert!(md.root().join("%2E./%2E./etc/cur").is_dir());
        assert!(!dir.path().join("etc").exists());

        let other = tempfile::tempdir().unwrap();
        let mb = Store::open(&spec(StoreKind::Mbox, other.path())).unwrap();
        let lock = mb.lock(false).unwrap();
        let mut m = mb.mailbox(&lock, "Archive/2024", Some('/')).unwrap();
        m.reset_uidvalidity(1).unwrap();
        m.add(1, &[], Some(0), Body::Memory(b"x\n".to_vec())).unwrap();
        m.commit().unwrap();
        assert!(mb.root().join("Archive/2024.mbox").is_file());
        assert!(mb.root().join(".owl/tmp/mailboxes/Archive/2024/.state.json").is_file());
    }
}
