//! For mailboxes fed by POP3, which has no UIDs: which server message
//! (its UIDL, or a stand-in) became which local UID, and when.
//!
//! Exactly once, whatever dies when: ids are reserved (`pending`, written
//! durably) before their messages are downloaded, and confirmed after the
//! mailbox committed them. At open, a pending id whose UID the mailbox
//! holds is confirmed, and one it does not hold is dropped (the message
//! is fetched again). Lives beside the mailbox's sync state.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::fsutil::write_atomic;
use super::mailbox::MailboxStore;
use super::outbox::now;
use crate::error::{Error, ErrorKind, Result};

/// File name beside the mailbox's state.
const INDEX_FILE: &str = ".remote.json";

/// One server message known to the mailbox.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Entry {
    /// Its local UID.
    pub uid: u32,
    /// When it was stored (unix seconds).
    pub stored_at: u64,
    /// Reserved but not yet confirmed stored.
    pub pending: bool,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Index {
    next_uid: u32,
    entries: BTreeMap<String, Entry>,
}

/// The server-id index of one mailbox.
pub struct RemoteIndex {
    path: PathBuf,
    index: Index,
}

impl RemoteIndex {
    /// Opens the index of `mailbox` (held under the store lock) and
    /// settles what an interrupted run left pending.
    pub fn open(mailbox: &MailboxStore) -> Result<RemoteIndex> {
        let path = mailbox.side_file(INDEX_FILE);
        let mut index: Index = match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map_err(|e| Error::new(ErrorKind::Io, format!("{} is damaged: {e}", path.display())))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Index::default(),
            Err(e) => return Err(Error::local_io(format!("cannot read {}", path.display()), e)),
        };
        let before = index.entries.len();
        let mut changed = false;
        index.entries.retain(|_, e| !e.pending || mailbox.is_stored(e.uid));
        for entry in index.entries.values_mut().filter(|e| e.pending) {
            entry.pending = false;
            changed = true;
        }
        let remote = RemoteIndex { path, index };
        if changed || remote.index.entries.len() != before {
            remote.save()?;
        }
        Ok(remote)
    }

    fn save(&self) -> Result<()> {
        let json = serde_json::to_vec(&self.index).map_err(|e| Error::internal(format!("index: {e}")))?;
        write_atomic(&self.path, &json)
    }

    /// Whether the message with server id `id` is stored.
    pub fn is_stored(&self, id: &str) -> bool {
        self.index.entries.get(id).is_some_and(|e| !e.pending)
    }

    /// The stored entry for `id`.
    pub fn get(&self, id: &str) -> Option<&Entry> {
        self.index.entries.get(id).filter(|e| !e.pending)
    }

    /// How many messages are stored.
    pub fn len(&self) -> usize {
        self.index.entries.values().filter(|e| !e.pending).count()
    }

    /// Whether nothing is stored.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Reserves a local UID for each id (durably, before downloading).
    pub fn reserve(&mut self, ids: &[String]) -> Result<Vec<u32>> {
        let mut uids = Vec::with_capacity(ids.len());
        for id in ids {
            self.index.next_uid = self.index.next_uid.max(1);
            let uid = self.index.next_uid;
            self.index.next_uid += 1;
            self.index.entries.insert(id.clone(), Entry { uid, stored_at: 0, pending: true });
            uids.push(uid);
        }
        self.save()?;
        Ok(uids)
    }

    /// Marks ids as stored, after the mailbox committed them.
    pub fn confirm(&mut self, ids: &[String]) -> Result<()> {
        let at = now();
        for id in ids {
            if let Some(entry) = self.index.entries.get_mut(id) {
                entry.pending = false;
                entry.stored_at = at;
            }
        }
        self.save()
    }

    /// Forgets reserved ids whose download failed.
    pub fn release(&mut self, ids: &[String]) -> Result<()> {
        for id in ids {
            if self.index.entries.get(id).is_some_and(|e| e.pending) {
                self.index.entries.remove(id);
            }
        }
        self.save()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Body, Store, StoreKind, StoreSpec};

    #[test]
    fn pending_ids_are_settled_against_the_mailbox_at_open() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&StoreSpec { kind: StoreKind::Maildir, path: dir.path().to_path_buf() }).unwrap();
        let lock = store.lock(false).unwrap();
        let mut mailbox = store.mailbox(&lock, "INBOX", None).unwrap();
        mailbox.reset_uidvalidity(1).unwrap();
        let mut index = RemoteIndex::open(&mailbox).unwrap();
        let ids: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        let uids = index.reserve(&ids).unwrap();
        assert_eq!(uids, [1, 2, 3]);
        // Only "a" and "b" make it into the mailbox before a crash.
        mailbox.add(1, &[], None, Body::Memory(b"A\r\n".to_vec())).unwrap();
        mailbox.add(2, &[], None, Body::Memory(b"B\r\n".to_vec())).unwrap();
        mailbox.commit().unwrap();
        drop(index);
        let index = RemoteIndex::open(&mailbox).unwrap();
        assert!(index.is_stored("a") && index.is_stored("b"));
        assert!(!index.is_stored("c"), "c was never stored: fetch it again");
        assert_eq!(index.len(), 2);
    }
}
