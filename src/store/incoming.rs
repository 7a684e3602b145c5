//! What the backends and the mailbox share about mail coming in: a
//! message's bytes (in memory or spooled), where spool files are made, and
//! what opening a mailbox had to repair. Its own file so the mailbox and
//! its backends (Maildir, mbox) both build on it without importing each
//! other.

use std::path::PathBuf;

use super::spool::Spool;
use crate::error::Result;

/// A message's bytes, exactly as the server sent them.
#[derive(Debug)]
pub enum Body {
    /// A small message held in memory.
    Memory(Vec<u8>),
    /// A message streamed into a spool file from `MailboxStore::spool`.
    Spooled(Spool),
}

/// Creates spool files for one mailbox (see `MailboxStore::spooler`).
#[derive(Debug, Clone)]
pub struct Spooler {
    pub(super) dir: PathBuf,
}

impl Spooler {
    /// A new, empty spool file.
    pub fn create(&self) -> Result<Spool> {
        Spool::create(&self.dir)
    }
}

/// What opening a mailbox had to repair after an earlier run died or a file
/// went bad; all zero/`None` after a clean run. The caller may report it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Recovery {
    /// Maildir only: the sync state was missing or unreadable and was
    /// rebuilt from the message file names; says why.
    pub rebuilt: Option<String>,
    /// Maildir only: UIDs found in file names but not in the state (a run
    /// died between moving them into place and recording them).
    pub adopted: u64,
    /// Unfinished downloads of a dead run that were removed.
    pub removed_spools: usize,
    /// mbox only: bytes cut off the end (entries appended but never
    /// recorded; they will be fetched again).
    pub truncated: u64,
}
