//! One mailbox of a store as the fetch code sees it: its sync state, adding
//! messages, and committing them (data durable first, state written last),
//! whatever the store's format.
//!
//! Before anything is written the state says so (`dirty`), and before a
//! commit moves files into place it names them (`in_flight`): the next
//! open then looks at exactly what a killed run could have left, and after
//! a run that [`MailboxStore::close`]d cleanly, at nothing. After a failed
//! write the mailbox refuses further writes: the next run reconciles from
//! disk instead. It never deletes stored mail.

use std::collections::HashMap;
use std::path::PathBuf;

use super::incoming::{Body, Recovery, Spooler};
use super::lock::MailboxClaim;
use super::maildir::Maildir;
use super::mbox::Mbox;
use super::spool::Spool;
use super::state::{self, SyncState};
use crate::error::{Error, Result};
use crate::uidset::UidSet;

#[derive(Debug)]
pub(crate) enum Backend {
    Maildir(Maildir),
    Mbox(Mbox),
}

/// An open mailbox of a locked store.
#[derive(Debug)]
pub struct MailboxStore {
    name: String,
    state_path: PathBuf,
    state: SyncState,
    recovery: Recovery,
    /// Added since the last commit.
    pending: UidSet,
    /// The state differs from the file (marks, rebuilt or adopted UIDs).
    dirty: bool,
    /// A write failed; see the module doc.
    failed: bool,
    backend: Backend,
    _claim: MailboxClaim,
}

impl MailboxStore {
    /// Opens the mailbox named `name` whose state lives at `state_path`.
    pub(crate) fn open(
        name: &str,
        state_path: PathBuf,
        open_backend: impl FnOnce(Result<Option<SyncState>>) -> Result<(Backend, SyncState, Recovery)>,
        claim: MailboxClaim,
    ) -> Result<MailboxStore> {
        let (backend, state, recovery) = open_backend(state::load(&state_path))?;
        let dirty = recovery.rebuilt.is_some() || recovery.adopted > 0;
        Ok(MailboxStore {
            name: name.to_string(),
            state_path,
            state,
            recovery,
            pending: UidSet::new(),
            dirty,
            failed: false,
            backend,
            _claim: claim,
        })
    }

    /// The mailbox name as given when opening.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The sync state as of the last commit (plus marks and resets since).
    pub fn state(&self) -> &SyncState {
        &self.state
    }

    /// What was repaired at open.
    pub fn recovery(&self) -> &Recovery {
        &self.recovery
    }

    /// The UIDs added but not yet committed.
    pub fn pending(&self) -> &UidSet {
        &self.pending
    }

    /// A new spool file to stream a large message into while it downloads.
    pub fn spool(&mut self) -> Result<Spool> {
        self.begin_writing()?;
        match &self.backend {
            Backend::Maildir(m) => m.spool(),
            Backend::Mbox(m) => m.spool(),
        }
    }

    /// A file of owl's beside this mailbox's state (for other per-mailbox
    /// records, such as the POP3 index).
    pub fn side_file(&self, name: &str) -> PathBuf {
        self.state_path.with_file_name(name)
    }

    /// A handle that creates spool files for this mailbox from any thread,
    /// so downloads can stream while another thread owns the mailbox.
    pub fn spooler(&mut self) -> Result<Spooler> {
        self.begin_writing()?;
        let dir = match &self.backend {
            Backend::Maildir(m) => m.spool_dir(),
            Backend::Mbox(m) => m.spool_dir(),
        };
        Ok(Spooler { dir })
    }

    /// Records, durably, that this run may leave files behind, before it
    /// creates any.
    fn begin_writing(&mut self) -> Result<()> {
        self.check_usable()?;
        if !self.state.dirty {
            self.state.dirty = true;
            self.save_state()?;
        }
        Ok(())
    }

    /// Whether the message with `uid` is stored (under the current
    /// UIDVALIDITY, committed).
    pub fn is_stored(&self, uid: u32) -> bool {
        self.state.is_stored(uid)
    }

    /// Stores the message with `uid` under the current UIDVALIDITY, bytes
    /// unchanged; it becomes durable and recorded at the next `commit`.
    /// Flags are kept as Maildir info letters; mbox keeps bytes only.
    pub fn add(&mut self, uid: u32, flags: &[String], internal_date: Option<i64>, body: Body) -> Result<()> {
        self.check_usable()?;
        let Some(validity) = self.state.uidvalidity else {
            return Err(Error::internal(format!("mailbox \"{}\": add before a UIDVALIDITY was set", self.name)));
        };
        if self.state.is_stored(uid) || self.pending.contains(uid) {
            return Err(Error::internal(format!("mailbox \"{}\": UID {uid} is already stored", self.name)));
        }
        self.begin_writing()?;
        let added = match &mut self.backend {
            Backend::Maildir(m) => m.add(validity, uid, flags, internal_date, body),
            Backend::Mbox(m) => {
                let r = m.add(internal_date, body);
                // A partial entry may now follow the committed bytes.
                self.failed = r.is_err();
                r
            }
        };
        added?;
        self.pending.insert(uid);
        Ok(())
    }

    /// Makes every added message durable, then records them (and any new
    /// marks) in the state. Returns how many messages were committed.
    pub fn commit(&mut self) -> Result<usize> {
        self.check_usable()?;
        if self.pending.is_empty() && !self.dirty {
            return Ok(0);
        }
        let result = self.commit_inner();
        self.failed = result.is_err();
        result
    }

    fn commit_inner(&mut self) -> Result<usize> {
        let mut next = self.state.clone();
        let count = match &mut self.backend {
            Backend::Maildir(m) => {
                let names = m.prepare()?;
                if !names.is_empty() {
                    next.in_flight = Some(names);
                    state::save(&self.state_path, &next)?;
                }
                let count = m.publish()?;
                next.in_flight = Some(Vec::new());
                count
            }
            Backend::Mbox(m) => {
                let (count, len) = m.write_pending()?;
                next.mbox_length = Some(len);
                count
            }
        };
        next.mark_stored(&self.pending);
        state::save(&self.state_path, &next)?;
        if let (Backend::Mbox(m), Some(len)) = (&mut self.backend, next.mbox_length) {
            m.committed(len);
        }
        self.state = next;
        self.pending = UidSet::new();
        self.dirty = false;
        Ok(count)
    }

    /// The server's UIDVALIDITY is `new` (changed, or first seen): old
    /// copies stay where they are, and the stored set starts afresh (for
    /// Maildir, from files already named with `new`). Saved at once.
    pub fn reset_uidvalidity(&mut self, new: u32) -> Result<()> {
        self.check_usable()?;
        if !self.pending.is_empty() {
            return Err(Error::internal(format!(
                "mailbox \"{}\": UIDVALIDITY reset with uncommitted messages",
                self.name
            )));
        }
        self.state.uidvalidity = Some(new);
        self.state.stored = match &mut self.backend {
            Backend::Maildir(m) => m.on_disk(new)?,
            Backend::Mbox(_) => UidSet::new(),
        };
        self.state.uidnext = 0;
        self.state.highestmodseq = None;
        self.state.failed.clear();
        self.save_state()
    }

    /// Every message below the server's `uidnext` is settled (stored, or
    /// recorded as failed or skipped), and flags are in step up to
    /// `highestmodseq`; saved at the next `commit`, `save_state` or `close`.
    pub fn set_server_marks(&mut self, uidnext: u32, highestmodseq: Option<u64>) {
        self.settle_below(uidnext);
        self.set_highestmodseq(highestmodseq);
    }

    /// Every message below `uidnext` is settled: the watermark moves up
    /// (never down).
    pub fn settle_below(&mut self, uidnext: u32) {
        if uidnext > self.state.uidnext {
            self.state.settle_below(uidnext);
            self.dirty = true;
        }
    }

    /// Messages left out on purpose by the filters `by`: added to those
    /// skipped before, or, when the earlier ones were looked at again
    /// (`replace`), instead of them.
    pub fn record_skipped(&mut self, skipped: &UidSet, by: Option<String>, replace: bool) {
        if replace {
            self.dirty |= !self.state.skipped.is_empty();
            self.state.skipped = UidSet::new();
        }
        if !skipped.is_empty() {
            self.state.skipped.union_with(skipped);
            self.dirty = true;
        }
        let by = if self.state.skipped.is_empty() { None } else { by };
        if self.state.skipped_by != by {
            self.state.skipped_by = by;
            self.dirty = true;
        }
    }

    /// Messages that could not be backed up this run: recorded with their
    /// error, to be tried again after a back-off. `now` is unix seconds.
    pub fn record_failures(&mut self, failures: &[(u32, String)], now: u64) {
        for (uid, error) in failures {
            let again = state::Failure::again(self.state.failed.get(uid), error.clone(), now);
            self.state.failed.insert(*uid, again);
            self.dirty = true;
        }
    }

    /// Forgets failed messages the server no longer has.
    pub fn forget_failures(&mut self, gone: &[u32]) {
        for uid in gone {
            self.dirty |= self.state.failed.remove(uid).is_some();
        }
    }

    /// Ends this run's use of the mailbox: saves what changed and records
    /// that nothing is left to recover, so the next open reads nothing but
    /// the state. A mailbox whose write failed stays marked for recovery.
    pub fn close(mut self) -> Result<()> {
        self.check_usable()?;
        if !self.pending.is_empty() {
            return Err(Error::internal(format!("mailbox \"{}\": closed with uncommitted messages", self.name)));
        }
        if self.dirty || self.state.dirty {
            self.state.dirty = false;
            self.save_state()?;
        }
        Ok(())
    }

    /// Whether stored messages carry flags that `set_flags` can change
    /// (Maildir); mbox keeps the bytes only.
    pub fn keeps_flags(&self) -> bool {
        matches!(self.backend, Backend::Maildir(_))
    }

    /// Gives stored messages (by UID, under the current UIDVALIDITY) the
    /// server's flags; returns how many changed. Unknown UIDs are ignored.
    pub fn set_flags(&mut self, changes: &HashMap<u32, Vec<String>>) -> Result<usize> {
        self.check_usable()?;
        // New mail moves HIGHESTMODSEQ too: its changes name messages not
        // stored yet (they come with their flags), and looking for them
        // would read the whole directory for nothing.
        let stored: HashMap<u32, Vec<String>> =
            changes.iter().filter(|(uid, _)| self.state.is_stored(**uid)).map(|(u, f)| (*u, f.clone())).collect();
        if stored.is_empty() {
            return Ok(0);
        }
        match (&mut self.backend, self.state.uidvalidity) {
            (Backend::Maildir(m), Some(validity)) => m.set_flags(validity, &stored),
            _ => Ok(0),
        }
    }

    /// Remembers the HIGHESTMODSEQ up to which flags are in step; saved
    /// at the next `commit` or `save_state`.
    pub fn set_highestmodseq(&mut self, highestmodseq: Option<u64>) {
        if self.state.highestmodseq != highestmodseq {
            self.state.highestmodseq = highestmodseq;
            self.dirty = true;
        }
    }

    /// Writes the state now (committed messages only), e.g. when there was
    /// no new mail but the marks changed.
    pub fn save_state(&mut self) -> Result<()> {
        self.check_usable()?;
        let result = state::save(&self.state_path, &self.state);
        self.dirty = result.is_err();
        result
    }

    fn check_usable(&self) -> Result<()> {
        if self.failed {
            return Err(Error::internal(format!("mailbox \"{}\": used again after a failed write", self.name)));
        }
        Ok(())
    }
}

#[cfg(test)]
impl MailboxStore {
    /// A commit killed after its files were moved into place and before
    /// the state recorded them.
    pub(crate) fn commit_dies_after_moving(&mut self) {
        let Backend::Maildir(m) = &mut self.backend else { panic!("Maildir only") };
        let mut next = self.state.clone();
        next.in_flight = Some(m.prepare().unwrap());
        state::save(&self.state_path, &next).unwrap();
        m.publish().unwrap();
        self.failed = true;
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::super::{Body, Store, StoreKind, StoreSpec};

    #[test]
    fn flag_changes_of_messages_not_stored_yet_read_no_directory() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&StoreSpec { kind: StoreKind::Maildir, path: dir.path().join("mail") }).unwrap();
        let lock = store.lock(false).unwrap();
        let mut mb = store.mailbox(&lock, "INBOX", None).unwrap();
        mb.reset_uidvalidity(5).unwrap();
        mb.add(1, &[], None, Body::Memory(b"Subject: a\r\n\r\nx\r\n".to_vec())).unwrap();
        mb.commit().unwrap();
        let cur = dir.path().join("mail/INBOX/cur");
        // A listing of cur/ would now fail: only a message owl has may
        // make it look.
        let moved = dir.path().join("cur-away");
        std::fs::rename(&cur, &moved).unwrap();
        let new_mail: HashMap<u32, Vec<String>> = [(2, vec!["\\Seen".to_string()])].into();
        assert_eq!(mb.set_flags(&new_mail).unwrap(), 0);
        std::fs::rename(&moved, &cur).unwrap();
        let stored: HashMap<u32, Vec<String>> = [(1, vec!["\\Flagged".to_string()])].into();
        assert_eq!(mb.set_flags(&stored).unwrap(), 1);
    }
}
