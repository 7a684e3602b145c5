//! `owl search`: one query language, run on the server (UID SEARCH per
//! mailbox, mailboxes in parallel over the pool) or offline over a store
//! written by `owl fetch`, with the same meaning (see `search`).
//!
//! `has:attachment` has no SEARCH key: the server answers two searches and
//! BODYSTRUCTURE decides only the messages they disagree on. Results are
//! `owl list` rows plus the mailbox, newest first.

use std::collections::HashMap;

use serde::Serialize;

use super::context::Context;
use super::local;
use super::mailboxes::{MessageRow, message_row};
use super::parallel::over_pool;
use crate::error::{Error, Result, ResultExt};
use crate::imap::{self, Items, MailboxName, MessageSet, Session};
use crate::search::{self, ImapPlan, Query, SplitOutcome};
use crate::store::read::{self, Location};

/// Where and how to search.
#[derive(Debug, Clone)]
pub struct SearchArgs {
    /// The parsed query (`None`: only `--imap` criteria).
    pub query: Option<Query>,
    /// Raw IMAP criteria, ANDed with the query.
    pub raw_imap: Option<String>,
    /// Mailboxes to search (server default: INBOX; local default: all).
    pub mailboxes: Vec<String>,
    /// Every selectable mailbox on the server.
    pub all: bool,
    /// At most this many rows (0: no limit).
    pub limit: usize,
    /// Only count.
    pub count: bool,
    /// Search this local store (`maildir:PATH`, `mbox:PATH` or a path).
    pub local: Option<String>,
}

/// Hits per mailbox (`--count`).
#[derive(Debug, Clone, Serialize)]
pub struct Count {
    /// The mailbox.
    pub mailbox: String,
    /// How many messages match.
    pub count: u64,
}

/// The result of `owl search`.
#[derive(Debug, Clone)]
pub enum Found {
    /// Matching messages, newest first, and how many more matched than
    /// the limit let through.
    Rows(Vec<MessageRow>, u64),
    /// Counts per mailbox.
    Counts(Vec<Count>),
}

/// Runs `owl search`.
pub fn run(ctx: Option<&Context>, args: &SearchArgs) -> Result<Found> {
    match (&args.local, ctx) {
        (Some(local), _) => local_search(local, args),
        (None, Some(ctx)) => server_search(ctx, args),
        (None, None) => Err(Error::internal("a server search needs an account")),
    }
}

/// The UIDs the plan's searches find in the selected mailbox.
fn matching_uids(session: &mut Session, plan: &ImapPlan) -> Result<Vec<u32>> {
    match plan {
        ImapPlan::Exact(search) => Ok(session.uid_search(search)?.iter().collect()),
        ImapPlan::SplitOnAttachment { with_attachment, without_attachment } => {
            let mut found = |search: &Option<imap::Search>| -> Result<Vec<u32>> {
                match search {
                    Some(s) => Ok(session.uid_search(s)?.iter().collect()),
                    None => Ok(Vec::new()),
                }
            };
            let (with, without) = (found(with_attachment)?, found(without_attachment)?);
            let outcome = SplitOutcome::new(&with, &without);
            let undecided: Vec<u32> = outcome.undecided().collect();
            let mut has: HashMap<u32, bool> = HashMap::new();
            let mut unreadable = Vec::new();
            for slice in undecided.chunks(2000) {
                session.uid_fetch(&[MessageSet::of(slice)], Items::structure(), None, &mut |f| {
                    match (f.uid, f.has_attachment) {
                        (Some(uid), Some(attachment)) => {
                            has.insert(uid, attachment);
                        }
                        (Some(uid), None) if f.structure_unreadable => unreadable.push(uid),
                        _ => {}
                    }
                    Ok(())
                })?;
            }
            for uid in unreadable {
                has.insert(uid, attachment_from_bytes(session, uid)?);
            }
            Ok(outcome.resolve(|uid| has.get(&uid).copied().unwrap_or(false)))
        }
    }
}

/// Most bytes of a message fetched to judge its attachments by hand.
const MAX_JUDGED: u64 = 64 * 1024 * 1024;

/// Whether message `uid` has an attachment, from its bytes: for a message
/// whose BODYSTRUCTURE the server described badly. One message the server
/// describes badly must not fail the search of the whole mailbox.
fn attachment_from_bytes(session: &mut Session, uid: u32) -> Result<bool> {
    let mut sink = imap::MemorySink::new(MAX_JUDGED);
    let mut body = None;
    session.uid_fetch(&[MessageSet::one(uid)], Items::body(), Some(&mut sink), &mut |f| {
        if let (Some(found), Some(imap::Body::Streamed(id))) = (f.uid, &f.body)
            && found == uid
        {
            body = Some(*id);
        }
        Ok(())
    })?;
    let verdict = match body.and_then(|id| sink.take(id)) {
        Some(bytes) => search::has_attachment(&bytes),
        // Too big to read for this: a message that large has one.
        None => true,
    };
    log::info!("UID {uid}: the server's BODYSTRUCTURE was unreadable; judged from the message itself ({verdict})");
    Ok(verdict)
}

fn server_search(ctx: &Context, args: &SearchArgs) -> Result<Found> {
    let pool = ctx.imap()?;
    let raw = args.raw_imap.as_deref();
    let plan = match &args.query {
        Some(query) => search::to_imap(query),
        None if raw.is_some() => ImapPlan::Exact(imap::Search::new(Vec::new())),
        None => return Err(Error::usage("nothing to search for: give a query or --imap CRITERIA")),
    }
    .with_raw(raw);
    let mailboxes = super::mailboxes::chosen(ctx, args.all, &args.mailboxes)?;
    let results = over_pool(pool, &mailboxes, pool.max(), |session, mailbox| {
        search_mailbox(session, mailbox, &plan, args).with_context(|| format!("mailbox \"{mailbox}\""))
    })?;
    let results: Vec<(u64, Vec<MessageRow>)> = results.into_iter().collect::<Result<_>>()?;
    if args.count {
        return Ok(Found::Counts(
            mailboxes
                .into_iter()
                .zip(&results)
                .map(|(mailbox, (count, _))| Count { mailbox: mailbox.to_string(), count: *count })
                .collect(),
        ));
    }
    let total: u64 = results.iter().map(|(count, _)| count).sum();
    let mut rows: Vec<MessageRow> = results.into_iter().flat_map(|(_, rows)| rows).collect();
    newest_first(&mut rows, args.limit);
    let more = total.saturating_sub(rows.len() as u64);
    Ok(Found::Rows(rows, more))
}

/// Searches one mailbox: the count, and (unless counting) the rows of
/// the newest `limit` hits.
fn search_mailbox(
    session: &mut Session,
    mailbox: &MailboxName,
    plan: &ImapPlan,
    args: &SearchArgs,
) -> Result<(u64, Vec<MessageRow>)> {
    let uidvalidity = session.examine(mailbox, false)?.uidvalidity;
    let uids = matching_uids(session, plan)?;
    let count = uids.len() as u64;
    if args.count || uids.is_empty() {
        return Ok((count, Vec::new()));
    }
    let newest = newest_uids(session, uids, args.limit)?;
    let mut rows = Vec::with_capacity(newest.len());
    for slice in newest.chunks(1000) {
        session.uid_fetch(&[MessageSet::of(slice)], Items::summary(), None, &mut |fetch: imap::Fetch| {
            if let Some(row) = message_row(mailbox, fetch) {
                rows.push(MessageRow { uidvalidity, ..row });
            }
            Ok(())
        })?;
    }
    Ok((count, rows))
}

/// The `limit` hits that arrived last. UIDs follow the order messages were
/// added, which is not always arrival order (an APPEND can carry an old
/// date), so with more hits than wanted their INTERNALDATE decides.
fn newest_uids(session: &mut Session, mut uids: Vec<u32>, limit: usize) -> Result<Vec<u32>> {
    if limit == 0 || uids.len() <= limit {
        return Ok(uids);
    }
    let mut dated: Vec<(i64, u32)> = Vec::with_capacity(uids.len());
    for slice in uids.chunks(5000) {
        session.uid_fetch(&[MessageSet::of(slice)], Items::arrival(), None, &mut |f| {
            if let Some(uid) = f.uid {
                dated.push((
                    f.internal_date.as_deref().and_then(crate::model::date::parse_internaldate).unwrap_or(0),
                    uid,
                ));
            }
            Ok(())
        })?;
    }
    dated.sort_unstable_by(|a, b| b.cmp(a));
    uids = dated.into_iter().take(limit).map(|(_, uid)| uid).collect();
    uids.sort_unstable();
    Ok(uids)
}

fn newest_first(rows: &mut Vec<MessageRow>, limit: usize) {
    rows.sort_by(|a, b| b.received.cmp(&a.received).then(b.uid.cmp(&a.uid)));
    if limit > 0 {
        rows.truncate(limit);
    }
}

fn local_search(spec: &str, args: &SearchArgs) -> Result<Found> {
    if args.raw_imap.is_some() {
        return Err(Error::usage("--imap criteria need the server; they cannot run with --local"));
    }
    let Some(query) = &args.query else {
        return Err(Error::usage("nothing to search for: give a query"));
    };
    let root = local::root(spec);
    if !root.is_dir() {
        return Err(Error::new(crate::error::ErrorKind::NoInput, format!("no store at {}", root.display())));
    }
    let wanted = |mailbox: &str| {
        args.mailboxes.is_empty()
            || args
                .mailboxes
                .iter()
                .any(|m| m == mailbox || (m.eq_ignore_ascii_case("INBOX") && mailbox.eq_ignore_ascii_case("INBOX")))
    };
    let mut rows = Vec::new();
    let mut counts: Vec<Count> = Vec::new();
    for stored in read::messages(&root) {
        let stored = stored?;
        if !wanted(&stored.mailbox) {
            continue;
        }
        if matches!(stored.location, Location::Mbox { .. }) && query.expr.mentions_flags_or_uids() {
            return Err(Error::usage(format!(
                "{} is an mbox backup, which keeps each message's bytes but not its flags or UID: is: and uid: \
                 terms need a Maildir backup (or the server)",
                stored.mailbox
            )));
        }
        let bytes = stored.bytes()?;
        let message = local::message(&stored, &bytes);
        if !search::matches(query, &message) {
            continue;
        }
        match counts.iter_mut().find(|c| c.mailbox == stored.mailbox) {
            Some(c) => c.count += 1,
            None => counts.push(Count { mailbox: stored.mailbox.clone(), count: 1 }),
        }
        if !args.count {
            rows.push(local::row(&stored, &bytes, &message));
        }
    }
    if args.count {
        return Ok(Found::Counts(counts));
    }
    let total = rows.len() as u64;
    newest_first(&mut rows, args.limit);
    let more = total.saturating_sub(rows.len() as u64);
    Ok(Found::Rows(rows, more))
}
