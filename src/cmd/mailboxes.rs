//! Mailbox work above one IMAP session, shared by every command: which
//! mailboxes a command works on, the account's mailbox list, STATUS of
//! many mailboxes over the pool, and the row that lists a message (`owl
//! list MAILBOX`, `owl search`, `owl idle` events).

use std::collections::HashMap;

use serde::Serialize;

use super::context::Context;
use super::parallel::in_shares;
use crate::error::Result;
use crate::imap::{self, Fetch, ListEntry, MailboxName, MailboxStatus, StatusItem};
use crate::model::date::{format_rfc3339, parse_internaldate, rfc5322_zone_offset};
use crate::model::header::summarize_header_bytes;

/// One message (the JSON schema of `owl list MAILBOX --json` and `owl
/// search --json`).
#[derive(Debug, Clone, Serialize)]
pub struct MessageRow {
    /// The mailbox it is in.
    pub mailbox: String,
    /// Its UID.
    pub uid: u32,
    /// The mailbox's UIDVALIDITY when it was listed: `owl flag/move/copy/
    /// delete MAILBOX -` refuse a row whose UID may name another message
    /// now. Null for a local store.
    pub uidvalidity: Option<u32>,
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
    /// When it was sent (unix seconds, from `date`), for sorting by date.
    #[serde(skip)]
    pub sent: Option<i64>,
}

/// The mailboxes a command works on: every selectable one with `all`, else
/// those `named`, else INBOX.
pub fn chosen(ctx: &Context, all: bool, named: &[String]) -> Result<Vec<MailboxName>> {
    if all {
        let (entries, _) = list(ctx)?;
        return Ok(entries.into_iter().filter(ListEntry::is_selectable).map(|e| e.name).collect());
    }
    Ok(if named.is_empty() { vec![MailboxName::inbox()] } else { named.iter().map(|n| MailboxName::new(n)).collect() })
}

/// Every mailbox of the account, as LIST returns them, and what the server
/// offers.
pub fn list(ctx: &Context) -> Result<(Vec<ListEntry>, imap::Capabilities)> {
    let pool = ctx.imap()?;
    let mut session = pool.get()?;
    let entries = session.list()?;
    Ok((entries, session.capabilities().clone()))
}

/// STATUS `items` of INBOX and the LIST in one flight, on one connection:
/// for a backup, which asks INBOX first (see [`Session::status_then_list`]).
/// A refused STATUS is a warning and `None`, as in [`status_over_pool`].
///
/// [`Session::status_then_list`]: crate::imap::Session::status_then_list
pub fn inbox_status_and_list(ctx: &Context, items: &[StatusItem]) -> Result<(Option<MailboxStatus>, Vec<ListEntry>)> {
    let pool = ctx.imap()?;
    let mut session = pool.get()?;
    let (status, entries) = session.status_then_list(&MailboxName::inbox(), items)?;
    let status = status.map_err(|err| log::warn!("{err}")).ok();
    Ok((status, entries))
}

/// How many mailboxes one connection handles before another is worth
/// opening: below this, one pipelined connection beats a new handshake.
const MAILBOXES_PER_CONNECTION: usize = 4;

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

/// STATUS `items` of every mailbox, each connection pipelining its share.
/// A mailbox whose STATUS fails is reported as a warning and left out.
pub fn status_over_pool(
    ctx: &Context,
    names: &[MailboxName],
    items: &[StatusItem],
    spread: Spread,
) -> Result<HashMap<MailboxName, MailboxStatus>> {
    let pool = ctx.imap()?;
    let connections = match spread {
        Spread::OverPool => names.len().div_ceil(MAILBOXES_PER_CONNECTION).clamp(1, pool.max()),
        Spread::OpenOnly => pool.idle().max(1),
    };
    let results = in_shares(pool, names, connections, |session, share| {
        let share: Vec<MailboxName> = share.iter().map(|n| (*n).clone()).collect();
        session.status(&share, items)
    })?;
    let mut found = HashMap::new();
    for (name, status) in names.iter().zip(results) {
        match status {
            Ok(status) => {
                found.insert(name.clone(), status);
            }
            Err(err) => log::warn!("{err}"),
        }
    }
    Ok(found)
}

/// A listing row from a FETCH of [`imap::Items::summary`] in `mailbox`
/// (its `uidvalidity` is the caller's to fill, from the EXAMINE).
pub fn message_row(mailbox: &MailboxName, fetch: Fetch) -> Option<MessageRow> {
    let uid = fetch.uid?;
    let summary = summarize_header_bytes(fetch.header.as_deref().unwrap_or_default());
    let header_date = fetch.header.as_deref().and_then(date_header_value);
    let received = fetch.internal_date.as_deref().and_then(parse_internaldate);
    let sent = summary.date.or(received);
    let date = match (summary.date, header_date) {
        (Some(ts), Some(raw)) => Some(format_rfc3339(ts, rfc5322_zone_offset(&raw).unwrap_or(0))),
        (Some(ts), None) => Some(format_rfc3339(ts, 0)),
        _ => received.map(|ts| format_rfc3339(ts, 0)),
    };
    let first = summary.from.first();
    let flags = fetch.flags.unwrap_or_default();
    Some(MessageRow {
        mailbox: mailbox.to_string(),
        uid,
        uidvalidity: None,
        date,
        from: first.map(ToString::to_string).unwrap_or_default(),
        from_name: first.and_then(|m| m.name.clone()),
        from_address: first.map(|m| m.addr.clone()),
        subject: summary.subject,
        seen: flags.iter().any(|f| f.eq_ignore_ascii_case("\\Seen")),
        flags,
        size: fetch.size.unwrap_or(0),
        file: None,
        received,
        sent,
    })
}

/// The raw value of the Date header, for its zone offset.
fn date_header_value(header: &[u8]) -> Option<String> {
    let (headers, _) = mailparse::parse_headers(header).ok()?;
    headers.iter().find(|h| h.get_key_ref().eq_ignore_ascii_case("Date")).map(|h| h.get_value())
}
