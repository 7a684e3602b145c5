//! Downloading: a queue of UID chunks shared by workers, one pooled
//! connection each. A large mailbox is split into chunks that several
//! connections fetch at once; a worker stays in its mailbox while it has
//! chunks and pipelines two chunks at a time. Bodies above a size stream
//! straight into spool files, so memory does not grow with message size.
//! A chunk interrupted by a dropped connection is put back once and
//! fetched again over a fresh connection. A chunk the server refuses (a
//! tagged NO: some messages it cannot read) is split: its messages not yet
//! received are fetched one by one, and those the server still refuses are
//! recorded as failed messages, named in the summary, while the rest of
//! the mailbox is backed up.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet, VecDeque};
use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::SyncSender;
use std::sync::{Mutex, MutexGuard};

use super::writer::Incoming;
use crate::error::{Error, ErrorKind, Result};
use crate::imap::{self, Items, LiteralSink, MailboxName, MessageSet, Session};
use crate::model::date::parse_internaldate;
use crate::net::pool::{Pool, Pooled};
use crate::store::{Body, Spool, Spooler};

/// Messages larger than this stream to a spool file instead of memory.
pub const SPOOL_THRESHOLD: u64 = 256 * 1024;
/// A chunk holds at most this many messages...
const CHUNK_MESSAGES: usize = 500;
/// ...and about this many bytes...
const CHUNK_BYTES: u64 = 8 * 1024 * 1024;
/// ...but a download is cut into at least this many chunks per worker
/// (while they stay above [`MIN_CHUNK_BYTES`]): with 8 MB chunks two in
/// flight held a quarter of a 64 MB download on one connection, which
/// then fetched alone for the last seconds, at one server process's
/// compression speed, while the others sat idle.
const CHUNKS_PER_WORKER: u64 = 8;
/// The smallest byte size a chunk is cut to for balance.
const MIN_CHUNK_BYTES: u64 = 1024 * 1024;
/// Chunks a worker keeps in flight on its connection.
const PIPELINE: usize = 2;

/// One mailbox as the workers see it.
pub struct Source {
    /// Its name.
    pub name: MailboxName,
    /// UIDVALIDITY the plan was made under.
    pub uidvalidity: u32,
    /// Where its spool files go.
    pub spooler: Spooler,
}

/// Some UIDs of one mailbox.
#[derive(Debug, Clone)]
pub struct Chunk {
    mailbox: usize,
    uids: Vec<u32>,
    retried: bool,
}

impl Chunk {
    fn single(mailbox: usize, uid: u32) -> Chunk {
        Chunk { mailbox, uids: vec![uid], retried: false }
    }
}

/// Splits each mailbox's missing (uid, size) list into chunks, sized so
/// that `workers` connections share the whole download evenly.
pub fn chunks(missing: &[Vec<(u32, u32)>], workers: usize) -> Vec<VecDeque<Chunk>> {
    let total: u64 = missing.iter().flatten().map(|&(_, size)| u64::from(size)).sum();
    let shares = CHUNKS_PER_WORKER * workers.max(1) as u64;
    chunks_of(missing, (total / shares).clamp(MIN_CHUNK_BYTES, CHUNK_BYTES))
}

/// Splits each mailbox's list into chunks of at most [`CHUNK_MESSAGES`]
/// messages and about `chunk_bytes`.
fn chunks_of(missing: &[Vec<(u32, u32)>], chunk_bytes: u64) -> Vec<VecDeque<Chunk>> {
    missing
        .iter()
        .enumerate()
        .map(|(mailbox, list)| {
            let mut out = VecDeque::new();
            let mut current = Vec::new();
            let mut bytes = 0u64;
            for &(uid, size) in list {
                if !current.is_empty() && (current.len() >= CHUNK_MESSAGES || bytes + u64::from(size) > chunk_bytes) {
                    out.push_back(Chunk { mailbox, uids: std::mem::take(&mut current), retried: false });
                    bytes = 0;
                }
                current.push(uid);
                bytes += u64::from(size);
            }
            if !current.is_empty() {
                out.push_back(Chunk { mailbox, uids: current, retried: false });
            }
            out
        })
        .collect()
}

/// Chunks waiting, per mailbox.
pub struct Queue {
    mailboxes: Mutex<Vec<VecDeque<Chunk>>>,
}

impl Queue {
    /// A queue over `chunks` (one deque per mailbox).
    pub fn new(chunks: Vec<VecDeque<Chunk>>) -> Queue {
        Queue { mailboxes: Mutex::new(chunks) }
    }

    fn lock(&self) -> MutexGuard<'_, Vec<VecDeque<Chunk>>> {
        self.mailboxes.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Up to `PIPELINE` chunks of one mailbox: `current` if it has any,
    /// else the mailbox with the most chunks left (so big mailboxes get
    /// several connections).
    fn take(&self, current: Option<usize>, failed: &[AtomicBool]) -> Vec<Chunk> {
        let mut boxes = self.lock();
        for (i, deque) in boxes.iter_mut().enumerate() {
            if failed[i].load(Ordering::Relaxed) {
                deque.clear();
            }
        }
        let pick = current
            .filter(|&i| !boxes[i].is_empty())
            .or_else(|| (0..boxes.len()).filter(|&i| !boxes[i].is_empty()).max_by_key(|&i| boxes[i].len()));
        let Some(i) = pick else { return Vec::new() };
        let n = PIPELINE.min(boxes[i].len());
        boxes[i].drain(..n).collect()
    }

    fn put_back(&self, chunk: Chunk) {
        let mailbox = chunk.mailbox;
        self.lock()[mailbox].push_front(chunk);
    }
}

/// Errors that stopped a mailbox, by index, for the summary.
pub type MailboxErrors = Mutex<HashMap<usize, Error>>;

/// Messages the server refused to give, by mailbox index: UID and why.
pub type FailedMessages = Mutex<HashMap<usize, Vec<(u32, Error)>>>;

/// What every worker of a download shares.
pub struct Shared<'a> {
    /// The mailboxes, by index.
    pub sources: &'a [Source],
    /// The chunks left.
    pub queue: &'a Queue,
    /// Raised for a mailbox that can take no more.
    pub failed: &'a [AtomicBool],
    /// Why a mailbox stopped.
    pub errors: &'a MailboxErrors,
    /// Messages the server would not give.
    pub refused: &'a FailedMessages,
    /// Where a connection's compression choice is noted for the summary.
    pub context: &'a crate::cmd::context::Context,
}

/// Runs one worker until the queue is empty. Its connection is replaced
/// once if it breaks; other failures end the worker.
pub fn work<'p>(
    pool: &'p Pool<Session>,
    mut session: Pooled<'p, Session>,
    shared: &Shared,
    to_writer: &SyncSender<Incoming>,
) -> Result<()> {
    let Shared { sources, queue, failed, errors, refused, context } = *shared;
    let mut current: Option<usize> = None;
    // A connection starts with the mailbox it has open from the survey or
    // the flag check, so that mailbox is not examined again on another
    // (fetch_batch still checks its UIDVALIDITY, without a round trip).
    let mut open = opened(&session, sources);
    loop {
        let batch = queue.take(current.or(open.take()), failed);
        let Some(first) = batch.first() else { return Ok(()) };
        // A fresh connection (the first, or one replacing a broken one)
        // learns whether compressing pays before the bulk of the work.
        settle_compression(context, &mut session);
        let mailbox = first.mailbox;
        let source = &sources[mailbox];
        // What has not arrived yet: fetch_batch takes off each message as
        // it hands it to the writer, so a retry asks only for the rest.
        let mut expected: HashSet<u32> = batch.iter().flat_map(|c| c.uids.iter().copied()).collect();
        // No mailbox in the errors: the summary names it once.
        let result = fetch_batch(&mut session, source, current == Some(mailbox), &batch, &mut expected, to_writer);
        current = Some(mailbox);
        let left = match result {
            // The server refused some of the batch but stayed in step:
            // find out which messages, one by one.
            Ok(Fetched { left, refused: Some(err) }) => {
                match (batch.len(), batch[0].uids.len()) {
                    (1, 1) => {
                        let uid = batch[0].uids[0];
                        if left.contains(&uid) {
                            log::warn!("mailbox \"{}\": UID {uid} could not be fetched: {err}", source.name);
                            lock(refused).entry(mailbox).or_default().push((uid, err));
                        }
                    }
                    _ => {
                        let mut uids: Vec<u32> = left.into_iter().collect();
                        uids.sort_unstable();
                        for uid in uids.into_iter().rev() {
                            queue.put_back(Chunk::single(mailbox, uid));
                        }
                    }
                }
                continue;
            }
            Ok(Fetched { left, refused: None }) => left,
            Err(err) => {
                // Not received: put back once for a fresh connection. The
                // messages that did arrive are with the writer already;
                // asking for them again would store them twice.
                let mut retry_failed = false;
                for chunk in &batch {
                    let uids: Vec<u32> = chunk.uids.iter().copied().filter(|u| expected.contains(u)).collect();
                    if uids.is_empty() {
                        continue;
                    }
                    if chunk.retried || !session.is_broken() {
                        retry_failed = true;
                    } else {
                        queue.put_back(Chunk { mailbox: chunk.mailbox, uids, retried: true });
                    }
                }
                if retry_failed || err.kind() != ErrorKind::TempFail {
                    failed[mailbox].store(true, Ordering::Relaxed);
                    lock(errors).entry(mailbox).or_insert(err);
                } else {
                    log::info!("{err}; retrying over a new connection");
                }
                if session.is_broken() {
                    drop(session);
                    session = pool.get()?;
                    current = None;
                }
                continue;
            }
        };
        if !left.is_empty() {
            log::info!("mailbox \"{}\": {} message(s) vanished during the fetch (expunged)", source.name, left.len());
        }
    }
}

/// Applies `compress = auto` to `session` before a big transfer: another
/// connection's measure of the link when the run has one, else its own,
/// which is then noted for the others and the summary.
pub fn settle_compression(context: &crate::cmd::context::Context, session: &mut Session) {
    let choice = match context.compression_choice() {
        Some(measured) => session.follow_compression(&measured),
        None => session.choose_compression(),
    };
    match choice {
        Ok(Some(choice)) => context.note_compression(&choice),
        Ok(None) => {}
        // Plain still works; a broken connection shows in the fetch.
        Err(err) => log::warn!("{err}; going on without compression"),
    }
}

/// The source a connection has open, if any.
pub fn opened(session: &Session, sources: &[Source]) -> Option<usize> {
    let selected = session.selected()?;
    sources.iter().position(|source| selected.mailbox.same(&source.name))
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// What one pipelined round brought.
struct Fetched {
    /// The UIDs asked for that did not arrive.
    left: HashSet<u32>,
    /// The server's refusal of (part of) the round, when it answered NO
    /// and the connection stayed in step.
    refused: Option<Error>,
}

/// Fetches the chunks of `batch` (one mailbox) in one pipelined round.
/// The UIDs the server did not send were expunged meanwhile, unless it
/// also refused part of the round.
fn fetch_batch(
    session: &mut Session,
    source: &Source,
    already_open: bool,
    batch: &[Chunk],
    expected: &mut HashSet<u32>,
    to_writer: &SyncSender<Incoming>,
) -> Result<Fetched> {
    if !already_open {
        let selected = session.examined(&source.name, false)?;
        if selected.uidvalidity != Some(source.uidvalidity) {
            return Err(Error::temp("UIDVALIDITY changed during the fetch; run owl fetch again"));
        }
    }
    let mailbox = batch[0].mailbox;
    let sets: Vec<MessageSet> = batch.iter().map(|c| MessageSet::of(&c.uids)).collect();
    let spooled = RefCell::new(HashMap::new());
    let mut sink = SpoolSink { spooler: source.spooler.clone(), current: None, done: &spooled, next: 0 };
    // Each message goes to the writer as soon as it is complete, so disk
    // work overlaps the rest of the download; what arrived before a
    // dropped connection is kept.
    let fetched = session.uid_fetch(&sets, Items::message(), Some(&mut sink), &mut |fetch| {
        let Some(uid) = fetch.uid else { return Ok(()) };
        let body = match fetch.body {
            Some(imap::Body::Memory(bytes)) => Body::Memory(bytes),
            Some(imap::Body::Streamed(id)) => Body::Spooled(
                spooled.borrow_mut().remove(&id).ok_or_else(|| Error::internal(format!("no spooled body {id}")))?,
            ),
            // A flag update for a message, not what we asked for.
            None => return Ok(()),
        };
        if !expected.remove(&uid) {
            // Sent twice, or never asked for: storing it could duplicate.
            return Ok(());
        }
        let size = match &body {
            Body::Memory(b) => b.len() as u64,
            Body::Spooled(s) => s.len(),
        };
        let incoming = Incoming {
            mailbox,
            uid,
            flags: fetch.flags.unwrap_or_default(),
            internal_date: fetch.internal_date.as_deref().and_then(parse_internaldate),
            body,
            size,
        };
        to_writer.send(incoming).map_err(|_| Error::internal("the store writer stopped"))
    });
    match fetched {
        Ok(()) => Ok(Fetched { left: std::mem::take(expected), refused: None }),
        // A tagged NO leaves the connection in step; anything else does not.
        Err(err) if !session.is_broken() && matches!(err.kind(), ErrorKind::Rejected | ErrorKind::TempFail) => {
            Ok(Fetched { left: std::mem::take(expected), refused: Some(err) })
        }
        Err(err) => Err(err),
    }
}

/// Streams body literals into spool files of one mailbox; finished spools
/// wait in `done` for the FETCH response they belong to.
struct SpoolSink<'a> {
    spooler: Spooler,
    current: Option<Spool>,
    done: &'a RefCell<HashMap<u64, Spool>>,
    next: u64,
}

impl LiteralSink for SpoolSink<'_> {
    fn wants(&mut self, size: u64) -> bool {
        size >= SPOOL_THRESHOLD
    }

    fn begin(&mut self, _size: u64) -> io::Result<()> {
        let spool = self.spooler.create().map_err(|e| io::Error::other(e.to_string()))?;
        self.current = Some(spool);
        Ok(())
    }

    fn write(&mut self, data: &[u8]) -> io::Result<()> {
        match self.current.as_mut() {
            Some(spool) => spool.write_all(data),
            None => Err(io::Error::other("literal data before begin")),
        }
    }

    fn end(&mut self) -> io::Result<u64> {
        let spool = self.current.take().ok_or_else(|| io::Error::other("literal end before begin"))?;
        let id = self.next;
        self.next += 1;
        self.done.borrow_mut().insert(id, spool);
        Ok(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_respect_counts_and_bytes() {
        let many: Vec<(u32, u32)> = (1..=1200).map(|u| (u, 100)).collect();
        let big: Vec<(u32, u32)> = vec![(1, 5_000_000), (2, 5_000_000), (3, 10), (4, 20_000_000)];
        let c = chunks_of(&[many, big, Vec::new()], CHUNK_BYTES);
        let sizes: Vec<usize> = c[0].iter().map(|ch| ch.uids.len()).collect();
        assert_eq!(sizes, [500, 500, 200]);
        let big_uids: Vec<Vec<u32>> = c[1].iter().map(|ch| ch.uids.clone()).collect();
        assert_eq!(big_uids, [vec![1], vec![2, 3], vec![4]]);
        assert!(c[2].is_empty());
    }

    #[test]
    fn a_download_is_cut_so_every_worker_gets_several_chunks() {
        // 64 MB in 200 messages of 320 KB in one mailbox, 4 workers: 8 MB
        // chunks would give each worker at most two.
        let one: Vec<(u32, u32)> = (1..=200).map(|u| (u, 320_000)).collect();
        let c = chunks(std::slice::from_ref(&one), 4);
        assert!(c[0].len() >= 32, "{} chunks", c[0].len());
        assert!(c[0].iter().all(|ch| ch.uids.len() * 320_000 <= 2_000_000 + 320_000));
        // A small download is not cut below a megabyte a chunk.
        let small: Vec<(u32, u32)> = (1..=100).map(|u| (u, 10_000)).collect();
        assert_eq!(chunks(&[small], 4)[0].len(), 1);
        // One worker: chunks of 8 MB, the most a chunk holds.
        assert_eq!(chunks(&[one], 1)[0].len(), 8);
    }

    #[test]
    fn the_queue_keeps_a_worker_in_its_mailbox_and_feeds_the_biggest_first() {
        let lists = [(1..=1500).map(|u| (u, 10)).collect::<Vec<_>>(), vec![(1, 10)]];
        let queue = Queue::new(chunks(&lists, 4));
        let failed = [AtomicBool::new(false), AtomicBool::new(false)];
        let first = queue.take(None, &failed);
        assert_eq!((first.len(), first[0].mailbox), (2, 0));
        let second = queue.take(Some(1), &failed);
        assert_eq!((second.len(), second[0].mailbox), (1, 1));
        failed[0].store(true, Ordering::Relaxed);
        assert!(queue.take(Some(0), &failed).is_empty());
    }
}
