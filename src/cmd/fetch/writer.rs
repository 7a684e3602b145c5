//! The one thread that writes to the store while connections download.
//!
//! Workers hand over messages through a bounded channel, so disk work
//! overlaps the network and memory stays bounded. Messages become durable
//! in batches (`commit`: files made durable, moved into place, the moves
//! made durable, then the state recorded): every `BATCH` messages or
//! `BATCH_AGE`, and at the end. A kill at any moment loses at most the
//! uncommitted batch, which the next run fetches again.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use super::observer::Observer;
use super::side_by_side::side_by_side;
use crate::error::Error;
use crate::store::{Body, MailboxStore};

/// Messages per commit.
const BATCH: usize = 256;
/// Longest a downloaded message waits to be committed.
const BATCH_AGE: Duration = Duration::from_millis(1000);

/// A downloaded message on its way to the store.
pub struct Incoming {
    /// Index of its mailbox.
    pub mailbox: usize,
    /// Its UID.
    pub uid: u32,
    /// Its flags.
    pub flags: Vec<String>,
    /// INTERNALDATE as unix seconds.
    pub internal_date: Option<i64>,
    /// Its bytes.
    pub body: Body,
    /// Its size, for progress.
    pub size: u64,
}

/// What the writer did for one mailbox.
#[derive(Debug, Default)]
pub struct Written {
    /// Messages committed.
    pub stored: u64,
    /// Their bytes.
    pub bytes: u64,
    /// The first error, after which nothing more was written for it.
    pub error: Option<Error>,
}

/// Writes everything `incoming` brings into `stores` until every sender
/// is gone. `failed[i]` is raised when mailbox `i` can take no more, so
/// workers stop downloading for it.
pub fn run(
    incoming: Receiver<Incoming>,
    stores: &mut [MailboxStore],
    failed: &[AtomicBool],
    observer: &dyn Observer,
) -> Vec<Written> {
    let mut written: Vec<Written> = stores.iter().map(|_| Written::default()).collect();
    let mut pending: Vec<(usize, u64)> = vec![(0, 0); stores.len()];
    let mut oldest: Option<Instant> = None;
    loop {
        let wait = oldest.map_or(BATCH_AGE, |t| BATCH_AGE.saturating_sub(t.elapsed()));
        let message = match incoming.recv_timeout(wait) {
            Ok(message) => Some(message),
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => None,
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
        };
        if let Some(m) = message {
            let i = m.mailbox;
            if written[i].error.is_some() {
                continue; // dropping a spooled body deletes its file
            }
            match stores[i].add(m.uid, &m.flags, m.internal_date, m.body) {
                Ok(()) => {
                    pending[i].0 += 1;
                    pending[i].1 += m.size;
                    oldest.get_or_insert_with(Instant::now);
                    observer.downloaded(i, m.size);
                }
                Err(err) => fail(&mut written[i], &failed[i], err),
            }
            if pending[i].0 >= BATCH {
                commit(i, stores, &mut pending, &mut written, failed);
            }
        }
        if oldest.is_some_and(|t| t.elapsed() >= BATCH_AGE) {
            commit_all(stores, &mut pending, &mut written, failed);
            oldest = None;
        }
    }
    commit_all(stores, &mut pending, &mut written, failed);
    written
}

/// Commits every mailbox with messages waiting, side by side: each commit
/// waits on several fsyncs, which the journal takes together when they
/// come at once (one after another, the end of an 11-mailbox backup
/// waited about 100 ms for them).
fn commit_all(
    stores: &mut [MailboxStore],
    pending: &mut [(usize, u64)],
    written: &mut [Written],
    failed: &[AtomicBool],
) {
    let waiting: Vec<_> = stores
        .iter_mut()
        .zip(pending.iter_mut())
        .zip(written.iter_mut())
        .zip(failed)
        .filter(|(((_, pending), _), _)| pending.0 > 0)
        .collect();
    side_by_side(waiting, |(((store, pending), written), failed)| commit_one(store, pending, written, failed));
}

fn commit(
    i: usize,
    stores: &mut [MailboxStore],
    pending: &mut [(usize, u64)],
    written: &mut [Written],
    failed: &[AtomicBool],
) {
    commit_one(&mut stores[i], &mut pending[i], &mut written[i], &failed[i]);
}

fn commit_one(store: &mut MailboxStore, pending: &mut (usize, u64), written: &mut Written, failed: &AtomicBool) {
    let (count, bytes) = std::mem::take(pending);
    match store.commit() {
        Ok(_) => {
            written.stored += count as u64;
            written.bytes += bytes;
        }
        Err(err) => fail(written, failed, err),
    }
}

fn fail(written: &mut Written, failed: &AtomicBool, err: Error) {
    failed.store(true, Ordering::Relaxed);
    written.error.get_or_insert(err);
}
