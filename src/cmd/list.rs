//! `owl list`: the account's mailboxes with their counts, or one mailbox's
//! newest messages.
//!
//! Mailbox counts come from STATUS, pipelined on each connection and spread
//! over the pool. Message rows come from one FETCH of the header fields a
//! listing needs (BODY.PEEK, so nothing is marked seen). Returns data only;
//! `output` renders it.

use std::collections::HashMap;

use serde::Serialize;

use super::context::Context;
use crate::error::{Error, Result, ResultExt};
use crate::imap::{self, Arg, Fetch, ListEntry, MailboxStatus, uid_set};
use crate::model::date::{format_rfc3339, parse_internaldate, rfc5322_zone_offset};
use crate::model::header::summarize_header_bytes;
use crate::model::utf7;

/// What to list.
#[derive(Debug, Clone)]
pub struct ListArgs {
    /// A mailbox whose messages to list; `None` lists mailboxes.
    pub mailbox: Option<String>,
    /// Rows per page (0: every message).
    pub limit: usize,
    /// Page number, 1 = newest.
    pub page: usize,
    /// Only unseen messages.
    pub unseen: bool,
}

/// One mailbox (the JSON schema of `owl list --json`).
#[derive(Debug, Clone, Serialize)]
pub struct MailboxRow {
    /// Name, decoded from modified UTF-7.
    pub name: String,
    /// Hierarchy delimiter, if any.
    pub delimiter: Option<String>,
    /// RFC 6154 special use without the backslash, lower case (`sent`).
    pub special_use: Option<String>,
    /// LIST attributes as sent (`\HasNoChildren`, ...).
    pub attributes: Vec<String>,
    /// Messages in it (`null` if STATUS failed or it cannot be selected).
    pub total: Option<u32>,
    /// Messages without `\Seen`.
    pub unseen: Option<u32>,
    /// Total size in bytes, where the server offers STATUS=SIZE.
    pub size: Option<u64>,
}

/// One message (the JSON schema of `owl list MAILBOX --json`).
#[derive(Debug, Clone, Serialize)]
pub struct MessageRow {
    /// The mailbox it is in.
    pub mailbox: String,
    /// Its UID.
    pub uid: u32,
    /// The Date header as RFC 3339, else the server's INTERNALDATE.
    pub date: Option<String>,
    /// The first From address, `Name <addr>`, decoded.
    pub from: String,
    /// The From display name, decoded, if any.
    pub from_name: Option<String>,
    /// The From address.
    pub from_address: Option<String>,
    /// The Subject, decoded from RFC 2047.
    pub subject: String,
    /// IMAP flags (`\Seen`, `\Flagged`, keywords).
    pub flags: Vec<String>,
    /// Whether `\Seen` is set.
    pub seen: bool,
    /// RFC822.SIZE in bytes.
    pub size: u32,
    /// Where the message is in a local store (`owl search --local` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// When it arrived (unix seconds), for sorting newest first.
    #[serde(skip)]
    pub received: Option<i64>,
}

/// The result of `owl list`.
#[derive(Debug, Clone)]
pub enum Listing {
    /// The account's mailboxes.
    Mailboxes(Vec<MailboxRow>),
    /// Messages of one mailbox, newest first, and how many older ones
    /// the page left out.
    Messages(Vec<MessageRow>, u64),
    /// A POP3 maildrop, newest first.
    Pop3(Vec<super::pop3_list::Pop3Row>),
}

/// The header fields a listing row needs.
pub const ROW_ITEMS: &str = "UID FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[HEADER.FIELDS (FROM SUBJECT DATE)]";

/// Runs `owl list`.
pub fn run(ctx: &Context, args: &ListArgs) -> Result<Listing> {
    match &args.mailbox {
        None => mailboxes(ctx).map(Listing::Mailboxes),
        Some(mailbox) => messages(ctx, mailbox, args).map(|(rows, more)| Listing::Messages(rows, more)),
    }
}

/// The mailboxes a command works on (decoded names): every selectable one
/// with `all`, else those `named`, else INBOX.
pub fn chosen_mailboxes(ctx: &Context, all: bool, named: &[String]) -> Result<Vec<String>> {
    if all {
        let (entries, _) = list_mailboxes(ctx)?;
        return Ok(entries.iter().filter(|e| e.is_selectable()).map(|e| utf7::decode_mailbox(&e.name)).collect());
    }
    Ok(if named.is_empty() { vec!["INBOX".to_string()] } else { named.to_vec() })
}

/// Every mailbox of the account, as LIST returns them.
pub fn list_mailboxes(ctx: &Context) -> Result<(Vec<ListEntry>, imap::Capabilities)> {
    let pool = ctx.imap()?;
    let mut session = pool.get()?;
    let entries = session.list().context("LIST")?;
    Ok((entries, session.capabilities().clone()))
}

/// How many mailboxes one connection handles before another is worth
/// opening: below this, one pipelined connection beats a new handshake.
const MAILBOXES_PER_CONNECTION: usize = 4;

fn mailboxes(ctx: &Context) -> Result<Vec<MailboxRow>> {
    let (entries, caps) = list_mailboxes(ctx)?;
    let mut items = "MESSAGES UNSEEN".to_string();
    if caps.has("STATUS=SIZE") {
        items.push_str(" SIZE");
    }
    let names: Vec<String> = entries.iter().filter(|e| e.is_selectable()).map(|e| e.name.clone()).collect();
    let statuses = status_over_pool(ctx, &names, &items, Spread::OverPool)?;
    let mut entries = entries;
    // INBOX first, the rest in the server's order.
    entries.sort_by_key(|e| !e.name.eq_ignore_ascii_case("INBOX"));
    Ok(entries
        .into_iter()
        .map(|entry| {
            let status = statuses.get(&entry.name);
            MailboxRow {
                name: utf7::decode_mailbox(&entry.name),
                special_use: entry.special_use().map(|u| u.trim_start_matches('\\').to_ascii_lowercase()),
                delimiter: entry.delimiter.clone(),
                total: status.and_then(|s| s.messages),
                unseen: status.and_then(|s| s.unseen),
                size: status.and_then(|s| s.size),
                attributes: entry.attributes,
            }
        })
        .collect())
}

/// How widely STATUS work is spread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Spread {
    /// Over as many pooled connections as the mailbox count justifies
    /// (one per [`MAILBOXES_PER_CONNECTION`]): pays when a server is slow
    /// per STATUS, as big remote mailboxes often are.
    OverPool,
    /// Only over connections already open: for a quick check whose usual
    /// answer is "nothing changed", where a new login costs more than the
    /// STATUS commands it would share.
    OpenOnly,
}

/// STATUS for every mailbox, each connection pipelining its share. A
/// mailbox whose STATUS fails is reported as a warning and left out.
pub fn status_over_pool(
    ctx: &Context,
    names: &[String],
    items: &str,
    spread: Spread,
) -> Result<HashMap<String, MailboxStatus>> {
    let pool = ctx.imap()?;
    let wanted = match spread {
        Spread::OverPool => names.len().div_ceil(MAILBOXES_PER_CONNECTION).clamp(1, pool.max()),
        Spread::OpenOnly => pool.idle().max(1),
    };
    let sessions = pool.get_many(wanted)?;
    let workers = sessions.len();
    let shares: Vec<Vec<String>> =
        (0..workers).map(|w| names.iter().skip(w).step_by(workers).cloned().collect()).collect();
    let results: Vec<Result<Vec<Result<MailboxStatus>>>> = std::thread::scope(|scope| {
        let handles: Vec<_> = sessions
            .into_iter()
            .zip(&shares)
            .map(|(mut session, share)| {
                scope.spawn(move || -> Result<Vec<Result<MailboxStatus>>> {
                    if share.is_empty() {
                        return Ok(Vec::new());
                    }
                    session.status_many(share, items)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| Err(Error::internal("STATUS worker panicked"))))
            .collect()
    });
    let mut found = HashMap::new();
    for (share, result) in shares.iter().zip(results) {
        for (name, status) in share.iter().zip(result?) {
            match status {
                Ok(status) => {
                    found.insert(name.clone(), status);
                }
                Err(err) => log::warn!("{err}"),
            }
        }
    }
    Ok(found)
}

fn messages(ctx: &Context, mailbox: &str, args: &ListArgs) -> Result<(Vec<MessageRow>, u64)> {
    if args.page == 0 {
        return Err(Error::usage("--page must be at least 1"));
    }
    // No limit: every message, on one page.
    let args = &ListArgs { limit: if args.limit == 0 { usize::MAX } else { args.limit }, ..args.clone() };
    let pool = ctx.imap()?;
    let mut session = pool.get()?;
    let wire_name = utf7::encode_mailbox(mailbox);
    let exists = session.open(&wire_name, true, false)?.exists;
    let skip = args.limit.saturating_mul(args.page - 1);
    let mut fetched: Vec<Fetch> = Vec::new();
    let mut total = u64::from(exists);
    if args.unseen {
        let mut uids: Vec<u32> = session.uid_search(vec![Arg::Atom("UNSEEN".into())], false)?.iter().collect();
        total = uids.len() as u64;
        uids.reverse();
        let page: Vec<u32> = uids.into_iter().skip(skip).take(args.limit).collect();
        if !page.is_empty() {
            let mut sorted = page.clone();
            sorted.sort_unstable();
            session.uid_fetch(&[uid_set(&sorted)], ROW_ITEMS, None, &mut |f| {
                fetched.push(f);
                Ok(())
            })?;
        }
    } else if (skip as u64) < u64::from(exists) {
        let high = exists as usize - skip;
        let low = high.saturating_sub(args.limit) + 1;
        session.fetch_seq(&format!("{low}:{high}"), ROW_ITEMS, &mut |f| {
            fetched.push(f);
            Ok(())
        })?;
    }
    fetched.sort_by_key(|f| std::cmp::Reverse(f.seq));
    let rows: Vec<MessageRow> = fetched.into_iter().filter_map(|f| message_row(mailbox, f)).collect();
    let more = total.saturating_sub(skip as u64).saturating_sub(rows.len() as u64);
    Ok((rows, more))
}

/// A listing row from a FETCH of [`ROW_ITEMS`] (plus a mailbox name).
pub fn message_row(mailbox: &str, fetch: Fetch) -> Option<MessageRow> {
    let uid = fetch.uid?;
    let summary = summarize_header_bytes(fetch.header.as_deref().unwrap_or_default());
    let header_date = fetch.header.as_deref().and_then(date_header_value);
    let date = match (summary.date, header_date) {
        (Some(ts), Some(raw)) => Some(format_rfc3339(ts, rfc5322_zone_offset(&raw).unwrap_or(0))),
        (Some(ts), None) => Some(format_rfc3339(ts, 0)),
        _ => fetch.internal_date.as_deref().and_then(parse_internaldate).map(|ts| format_rfc3339(ts, 0)),
    };
    let first = summary.from.first();
    let flags = fetch.flags.unwrap_or_default();
    Some(MessageRow {
        mailbox: mailbox.to_string(),
        uid,
        date,
        from: first.map(ToString::to_string).unwrap_or_default(),
        from_name: first.and_then(|m| m.name.clone()),
        from_address: first.map(|m| m.addr.clone()),
        subject: summary.subject,
        seen: flags.iter().any(|f| f.eq_ignore_ascii_case("\\Seen")),
        flags,
        size: fetch.size.unwrap_or(0),
        file: None,
        received: fetch.internal_date.as_deref().and_then(parse_internaldate),
    })
}

/// The raw value of the Date header, for its zone offset.
fn date_header_value(header: &[u8]) -> Option<String> {
    let (headers, _) = mailparse::parse_headers(header).ok()?;
    headers.iter().find(|h| h.get_key_ref().eq_ignore_ascii_case("Date")).map(|h| h.get_value())
}
