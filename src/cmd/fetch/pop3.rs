//! `owl fetch` over POP3: the maildrop goes into the store's INBOX with the
//! same durability, lock, progress and summary as IMAP.
//!
//! Messages are known by UIDL (or, on servers without it, by Message-ID
//! and size, with a warning) through the store's remote index. Order of a
//! run: reserve ids, RETR (pipelined where offered) into spool files, add,
//! commit, confirm; only then DELE what the policy says, and QUIT commits
//! the deletions. A kill before QUIT deletes nothing on the server, and
//! nothing is ever deleted that is not durable locally.

use std::collections::HashMap;
use std::time::Instant;

use super::observer::{Observer, Planned};
use super::summary::{describe_recovery, finish, record_error};
use super::{FetchArgs, FetchSummary, MailboxSummary, store_spec};
use crate::cmd::context::Context;
use crate::config::Pop3Policy;
use crate::error::{Error, Result};
use crate::pop3::{MessageSink, Session};
use crate::store::remote::RemoteIndex;
use crate::store::{Body, MailboxStore, Spool, Store};

/// Messages per commit.
const BATCH: usize = 256;

/// A message on the server: number, size, stable id.
struct OnServer {
    number: u32,
    size: u64,
    id: String,
}

/// Runs `owl fetch` against the account's POP3 server.
pub fn run(ctx: &Context, args: &FetchArgs, observer: &dyn Observer) -> Result<FetchSummary> {
    let started = Instant::now();
    if args.mailboxes.iter().any(|m| !m.eq_ignore_ascii_case("INBOX")) {
        return Err(Error::usage("POP3 has one mailbox, INBOX"));
    }
    if args.filters.since.is_some() {
        return Err(Error::usage("--since needs IMAP (POP3 does not say when a message arrived)"));
    }
    let policy = ctx.account.pop3.as_ref().map_or(Pop3Policy::Keep, |p| p.policy);
    let spec = store_spec(ctx, args.into.as_deref())?;
    let store = Store::open(&spec)?;
    let lock = store.lock(args.wait)?;
    let mut mailbox = store.mailbox(&lock, "INBOX", None)?;
    let mut summary = MailboxSummary { name: "INBOX".into(), ..MailboxSummary::default() };
    summary.recovered = describe_recovery(&mailbox);
    match mailbox.state().uidvalidity {
        None => mailbox.reset_uidvalidity(1)?,
        Some(1) => {}
        Some(_) => {
            return Err(Error::usage(format!(
                "{spec}: its INBOX holds an IMAP backup; give POP3 a store of its own (--into)"
            )));
        }
    }
    let mut index = RemoteIndex::open(&mailbox)?;
    let mut session = ctx.pop3()?;

    let result = fetch(&mut session, &mut mailbox, &mut index, args, policy, observer, &mut summary);
    if let Err(err) = result {
        // No QUIT: the server deletes nothing it was asked to.
        session.abort();
        record_error(&mut summary, err);
        observer.finished();
        return Ok(finish(ctx, &spec, args.dry_run, vec![summary], started));
    }
    if let Err(err) = session.quit() {
        record_error(&mut summary, err.context("QUIT (deletions may not have happened)"));
    }
    if let Err(err) = mailbox.close() {
        record_error(&mut summary, err);
    }
    observer.finished();
    Ok(finish(ctx, &spec, args.dry_run, vec![summary], started))
}

fn fetch(
    session: &mut Session,
    mailbox: &mut MailboxStore,
    index: &mut RemoteIndex,
    args: &FetchArgs,
    policy: Pop3Policy,
    observer: &dyn Observer,
    summary: &mut MailboxSummary,
) -> Result<()> {
    let on_server = list(session)?;
    let mut new: Vec<&OnServer> = on_server.iter().filter(|m| !index.is_stored(&m.id)).collect();
    if let Some(max) = args.filters.max_size {
        let before = new.len();
        new.retain(|m| m.size <= max);
        summary.skipped += (before - new.len()) as u64;
    }
    if let Some(limit) = args.filters.limit.filter(|&l| new.len() > l) {
        summary.skipped += (new.len() - limit) as u64;
        new.truncate(limit);
    }
    if args.dry_run {
        summary.new = new.len() as u64;
        summary.bytes = new.iter().map(|m| m.size).sum();
        return Ok(());
    }
    observer.planned(&[Planned {
        name: "INBOX".into(),
        messages: new.len() as u64,
        bytes: new.iter().map(|m| m.size).sum(),
    }]);
    for batch in new.chunks(BATCH) {
        let ids: Vec<String> = batch.iter().map(|m| m.id.clone()).collect();
        let uids = index.reserve(&ids)?;
        let numbers: Vec<u32> = batch.iter().map(|m| m.number).collect();
        let mut sink = StoreSink {
            mailbox: &mut *mailbox,
            uids: numbers.iter().copied().zip(uids).collect(),
            current: None,
            observer,
            stored: 0,
            bytes: 0,
        };
        let fetched = session.retr_many(&numbers, &mut sink);
        let (stored, bytes) = (sink.stored, sink.bytes);
        if let Err(err) = fetched {
            // What was added is still committed below only if the batch
            // completed; otherwise drop the reservation and keep nothing
            // half-done: the next run fetches these again.
            index.release(&ids)?;
            return Err(err);
        }
        mailbox.commit()?;
        index.confirm(&ids)?;
        summary.new += stored;
        summary.bytes += bytes;
    }
    let doomed: Vec<u32> = match policy {
        Pop3Policy::Keep => Vec::new(),
        Pop3Policy::Delete => on_server.iter().filter(|m| index.is_stored(&m.id)).map(|m| m.number).collect(),
        Pop3Policy::DeleteAfterDays(days) => {
            let cutoff = crate::store::outbox::now().saturating_sub(u64::from(days) * 86_400);
            on_server
                .iter()
                .filter(|m| index.get(&m.id).is_some_and(|e| e.stored_at <= cutoff))
                .map(|m| m.number)
                .collect()
        }
    };
    if !doomed.is_empty() {
        session.dele_many(&doomed)?;
        log::info!("pop3: {} stored message(s) marked for deletion; QUIT commits it", doomed.len());
    }
    Ok(())
}

/// Every message with a stable id: UIDL, else (a server without UIDL, or
/// one whose UIDL leaves some messages out) Message-ID and size, with a
/// warning: a message must never be skipped without a word.
fn list(session: &mut Session) -> Result<Vec<OnServer>> {
    let sizes = session.list()?;
    let uidl = session.uidl()?;
    if uidl.is_none() {
        log::warn!(
            "the server has no UIDL: messages are told apart by Message-ID and size, which a resent message can fool"
        );
    }
    let mut out = Vec::with_capacity(sizes.len());
    let mut without_uidl = Vec::new();
    for (number, size) in sizes {
        let id = match uidl.as_ref().and_then(|u| u.get(number)) {
            Some(id) => format!("uidl:{id}"),
            None => {
                if uidl.is_some() {
                    without_uidl.push(number);
                }
                header_key(session, number, size)?
            }
        };
        out.push(OnServer { number, size, id });
    }
    if !without_uidl.is_empty() {
        log::warn!(
            "the server's UIDL left out {} message(s) (number {}); they are told apart by Message-ID and size",
            without_uidl.len(),
            without_uidl.iter().take(10).map(u32::to_string).collect::<Vec<_>>().join(", ")
                + if without_uidl.len() > 10 { ", ..." } else { "" }
        );
    }
    Ok(out)
}

/// The stand-in id of message `n` from its header: Message-ID and size.
fn header_key(session: &mut Session, n: u32, size: u64) -> Result<String> {
    let head = session.top(n, 0)?;
    let summary = crate::model::header::summarize_header_bytes(&head);
    Ok(match summary.message_id {
        Some(mid) => format!("msgid:{mid}:{size}"),
        None => format!("head:{:x}:{size}", fnv(&head)),
    })
}

/// A small stable hash of a header block, for messages without Message-ID.
fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3))
}

/// Streams each RETR into a spool file and adds it to the mailbox.
struct StoreSink<'a> {
    mailbox: &'a mut MailboxStore,
    uids: HashMap<u32, u32>,
    current: Option<Spool>,
    observer: &'a dyn Observer,
    stored: u64,
    bytes: u64,
}

impl MessageSink for StoreSink<'_> {
    fn begin(&mut self, _n: u32) -> Result<()> {
        self.current = Some(self.mailbox.spool()?);
        Ok(())
    }

    fn write(&mut self, data: &[u8]) -> std::io::Result<()> {
        match self.current.as_mut() {
            Some(spool) => std::io::Write::write_all(spool, data),
            None => Err(std::io::Error::other("message data before its start")),
        }
    }

    fn end(&mut self, n: u32, size: u64) -> Result<()> {
        let spool = self.current.take().ok_or_else(|| Error::internal("message end before its start"))?;
        let uid = *self.uids.get(&n).ok_or_else(|| Error::internal(format!("no UID reserved for message {n}")))?;
        self.mailbox.add(uid, &[], None, Body::Spooled(spool))?;
        self.stored += 1;
        self.bytes += size;
        self.observer.downloaded(0, size);
        Ok(())
    }
}
