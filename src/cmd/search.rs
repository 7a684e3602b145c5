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
use super::list::{MessageRow, ROW_ITEMS, message_row};
use super::parallel::over_pool;
use crate::error::{Error, Result, ResultExt};
use crate::imap::{self, Arg, Session, uid_set};
use crate::model::date::format_rfc3339;
use crate::model::header::summarize_header_bytes;
use crate::model::utf7;
use crate::search::{self, Flags, ImapArg, ImapPlan, ImapSearch, LocalMessage, Query, SplitOutcome};
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
    /// Matching messages, newest first.
    Rows(Vec<MessageRow>),
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

fn to_arg(arg: &ImapArg) -> Arg {
    match arg {
        ImapArg::Atom(a) => Arg::Atom(a.clone()),
        ImapArg::Quoted(s) => Arg::Str(s.clone()),
        ImapArg::Literal(b) => Arg::Literal(b.clone()),
        ImapArg::Group(inner) => Arg::List(inner.iter().map(to_arg).collect()),
    }
}

/// Runs one compiled search (with the raw criteria, if any, ANDed in).
fn uid_search(session: &mut Session, search: &ImapSearch, raw: Option<&str>) -> Result<Vec<u32>> {
    let mut criteria: Vec<Arg> = search.criteria.iter().map(to_arg).collect();
    if let Some(raw) = raw {
        criteria.push(Arg::Atom(raw.to_string()));
    }
    session.uid_search(criteria, search.charset_utf8)
}

/// The UIDs of `mailbox` that match.
fn matching_uids(session: &mut Session, plan: &ImapPlan, raw: Option<&str>) -> Result<Vec<u32>> {
    match plan {
        ImapPlan::Exact(search) => uid_search(session, search, raw),
        ImapPlan::SplitOnAttachment { with_attachment, without_attachment } => {
            let with = match with_attachment {
                Some(s) => uid_search(session, s, raw)?,
                None => Vec::new(),
            };
            let without = match without_attachment {
                Some(s) => uid_search(session, s, raw)?,
                None => Vec::new(),
            };
            let outcome = SplitOutcome::new(&with, &without);
            let undecided: Vec<u32> = outcome.undecided().collect();
            let mut has: HashMap<u32, bool> = HashMap::new();
            for slice in undecided.chunks(2000) {
                session.uid_fetch(&[uid_set(slice)], "UID BODYSTRUCTURE", None, &mut |f| {
                    if let (Some(uid), Some(attachment)) = (f.uid, f.has_attachment) {
                        has.insert(uid, attachment);
                    }
                    Ok(())
                })?;
            }
            Ok(outcome.resolve(|uid| has.get(&uid).copied().unwrap_or(false)))
        }
    }
}

fn server_search(ctx: &Context, args: &SearchArgs) -> Result<Found> {
    let pool = ctx.imap()?;
    let plan = match &args.query {
        Some(query) => search::to_imap(query),
        None => ImapPlan::Exact(ImapSearch::new(Vec::new())),
    };
    let raw = args.raw_imap.as_deref();
    if args.query.is_none() && raw.is_none() {
        return Err(Error::usage("nothing to search for: give a query or --imap CRITERIA"));
    }
    // Both empty would be `UID SEARCH` with no key.
    let plan = match plan {
        ImapPlan::Exact(s) if s.criteria.is_empty() && raw.is_none() => {
            ImapPlan::Exact(ImapSearch::new(vec![ImapArg::Atom("ALL".into())]))
        }
        other => other,
    };
    let mailboxes = super::list::chosen_mailboxes(ctx, args.all, &args.mailboxes)?;
    let results = over_pool(pool, &mailboxes, pool.max(), |session, mailbox| {
        search_mailbox(session, mailbox, &plan, raw, args).with_context(|| format!("mailbox \"{mailbox}\""))
    })?;
    let results: Vec<(u64, Vec<MessageRow>)> = results.into_iter().collect::<Result<_>>()?;
    if args.count {
        return Ok(Found::Counts(
            mailboxes.into_iter().zip(&results).map(|(mailbox, (count, _))| Count { mailbox, count: *count }).collect(),
        ));
    }
    let mut rows: Vec<MessageRow> = results.into_iter().flat_map(|(_, rows)| rows).collect();
    newest_first(&mut rows, args.limit);
    Ok(Found::Rows(rows))
}

/// Searches one mailbox: the count, and (unless counting) the rows of
/// the newest `limit` hits.
fn search_mailbox(
    session: &mut Session,
    mailbox: &str,
    plan: &ImapPlan,
    raw: Option<&str>,
    args: &SearchArgs,
) -> Result<(u64, Vec<MessageRow>)> {
    session.open(&utf7::encode_mailbox(mailbox), true, false)?;
    let uids = matching_uids(session, plan, raw)?;
    let count = uids.len() as u64;
    if args.count || uids.is_empty() {
        return Ok((count, Vec::new()));
    }
    let newest = newest_uids(session, uids, args.limit)?;
    let mut rows = Vec::with_capacity(newest.len());
    for slice in newest.chunks(1000) {
        session.uid_fetch(&[uid_set(slice)], ROW_ITEMS, None, &mut |fetch: imap::Fetch| {
            if let Some(row) = message_row(mailbox, fetch) {
                rows.push(row);
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
        session.uid_fetch(&[uid_set(slice)], "UID INTERNALDATE", None, &mut |f| {
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

/// The store's root from `maildir:PATH`, `mbox:PATH` or a plain path.
fn local_root(spec: &str) -> std::path::PathBuf {
    let path = spec.strip_prefix("maildir:").or_else(|| spec.strip_prefix("mbox:")).unwrap_or(spec);
    crate::config::expand_tilde(path)
}

fn local_search(spec: &str, args: &SearchArgs) -> Result<Found> {
    if args.raw_imap.is_some() {
        return Err(Error::usage("--imap criteria need the server; they cannot run with --local"));
    }
    let Some(query) = &args.query else {
        return Err(Error::usage("nothing to search for: give a query"));
    };
    let root = local_root(spec);
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
        let (flags, uid) = match &stored.location {
            Location::Maildir(path) => {
                let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                (Some(Flags::from_maildir_name(&name)), maildir_uid(&name))
            }
            Location::Mbox { .. } => (None, None),
        };
        let received = stored.received().unwrap_or(0);
        let message = LocalMessage::from_bytes(&bytes, flags, uid, received);
        if !search::matches(query, &message) {
            continue;
        }
        match counts.iter_mut().find(|c| c.mailbox == stored.mailbox) {
            Some(c) => c.count += 1,
            None => counts.push(Count { mailbox: stored.mailbox.clone(), count: 1 }),
        }
        if !args.count {
            rows.push(local_row(&stored.mailbox, &stored.id(), &bytes, &message));
        }
    }
    if args.count {
        return Ok(Found::Counts(counts));
    }
    newest_first(&mut rows, args.limit);
    Ok(Found::Rows(rows))
}

/// The UID in an owl Maildir file name (`...,U=45:2,S`).
fn maildir_uid(name: &str) -> Option<u32> {
    let at = name.find(",U=")?;
    let digits: String = name[at + 3..].chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

fn local_row(mailbox: &str, file: &str, bytes: &[u8], message: &LocalMessage) -> MessageRow {
    let header_end = bytes.windows(4).position(|w| w == b"\r\n\r\n").map_or(bytes.len(), |p| p + 4);
    let summary = summarize_header_bytes(&bytes[..header_end]);
    let first = summary.from.first();
    let flags: Vec<String> = [
        (message.flags.seen, "\\Seen"),
        (message.flags.answered, "\\Answered"),
        (message.flags.flagged, "\\Flagged"),
        (message.flags.deleted, "\\Deleted"),
        (message.flags.draft, "\\Draft"),
    ]
    .iter()
    .filter(|(on, _)| *on)
    .map(|(_, name)| name.to_string())
    .collect();
    MessageRow {
        mailbox: mailbox.to_string(),
        uid: message.uid.unwrap_or(0),
        date: summary.date.or(Some(message.internal_date)).map(|ts| format_rfc3339(ts, 0)),
        from: first.map(ToString::to_string).unwrap_or_default(),
        from_name: first.and_then(|m| m.name.clone()),
        from_address: first.map(|m| m.addr.clone()),
        subject: summary.subject,
        seen: message.flags.seen,
        flags,
        size: u32::try_from(message.size).unwrap_or(u32::MAX),
        file: Some(file.to_string()),
        received: Some(message.internal_date),
    }
}
