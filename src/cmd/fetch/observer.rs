//! How a running fetch tells the outside what it is doing, without
//! printing: the output layer implements [`Observer`] with progress bars;
//! scripts and `-q` get [`Silent`]. Called from several threads.

/// What a mailbox is about to download.
#[derive(Debug, Clone)]
pub struct Planned {
    /// The mailbox name.
    pub name: String,
    /// Messages to download.
    pub messages: u64,
    /// Their total size in bytes.
    pub bytes: u64,
}

/// Receives progress; every method has a do-nothing default.
pub trait Observer: Sync {
    /// Downloads are about to start; `mailboxes[i]` is mailbox `i`.
    fn planned(&self, _mailboxes: &[Planned]) {}
    /// A message of mailbox `index` arrived (`bytes` long).
    fn downloaded(&self, _index: usize, _bytes: u64) {}
    /// Mailbox `index` is finished.
    fn mailbox_done(&self, _index: usize) {}
    /// Everything is finished.
    fn finished(&self) {}
}

/// Reports nothing.
pub struct Silent;

impl Observer for Silent {}
