//! `owl list` over IMAP: mailboxes with their counts (STATUS, pipelined
//! and spread over the pool), or one mailbox's messages in the order asked
//! (newest first by date by default): SORT (RFC 5256) where the server has
//! it, keeping only a page of its answer; with ESORT and SEARCHRES the
//! page's FETCH goes out with the SORT (and a warm connection's EXAMINE
//! with both), one round trip for all; without SORT, arrival order for
//! dates, or every message's fields sorted here for the other orders (said
//! with -v). One FETCH of the fields the page's rows need; nothing is
//! marked seen.

use super::{ListArgs, Listing, MailboxRow, MessageRow, SortBy};
use crate::cmd::context::Context;
use crate::cmd::mailboxes::{self, Spread, message_row};
use crate::error::{Error, Result, ResultExt};
use crate::imap::sort::MAX_PAGE;
use crate::imap::{
    Capability, Fetch, FlagKey, Items, ListEntry, MailboxName, MessageSet, Search, SearchKey, Session, Sort, SortKey,
    StatusItem,
};

/// Runs `owl list`.
pub fn run(ctx: &Context, args: &ListArgs) -> Result<Listing> {
    match &args.mailbox {
        None => mailbox_rows(ctx).map(Listing::Mailboxes),
        Some(mailbox) => {
            let name = MailboxName::new(mailbox);
            let (rows, more) = messages(ctx, &name, args).with_context(|| format!("mailbox \"{name}\""))?;
            Ok(Listing::Messages(rows, more))
        }
    }
}

fn mailbox_rows(ctx: &Context) -> Result<Vec<MailboxRow>> {
    let (mut entries, _) = mailboxes::list(ctx)?;
    let names: Vec<MailboxName> = entries.iter().filter(|e| e.is_selectable()).map(|e| e.name.clone()).collect();
    let items = [StatusItem::Messages, StatusItem::Unseen, StatusItem::Size];
    let statuses = mailboxes::status_over_pool(ctx, &names, &items, Spread::OverPool)?;
    // INBOX first, the rest in the server's order.
    entries.sort_by_key(|e| !e.name.is_inbox());
    Ok(entries
        .into_iter()
        .map(|entry: ListEntry| {
            let status = statuses.get(&entry.name);
            MailboxRow {
                name: entry.name.to_string(),
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

fn messages(ctx: &Context, mailbox: &MailboxName, args: &ListArgs) -> Result<(Vec<MessageRow>, u64)> {
    if args.page == 0 {
        return Err(Error::usage("--page must be at least 1"));
    }
    ctx.imap_in(mailbox, true)?;
    // Nothing here changes the mailbox: a broken loan can start over.
    ctx.imap_read_only(|session, _| messages_on(session, mailbox, args)).map(|(_, listed)| listed)
}

fn messages_on(session: &mut Session, mailbox: &MailboxName, args: &ListArgs) -> Result<(Vec<MessageRow>, u64)> {
    let (skip, limit) = super::page_bounds(args);
    let criteria =
        if args.unseen { Search::new(vec![SearchKey::Flag(FlagKey::Seen, false)]) } else { Search::new(Vec::new()) };
    let order = Sort { key: sort_key(args.sort), reverse: args.sort.descending() != args.reverse };
    // Where the server can, the page comes with its sort (and, on a
    // warm connection, with the EXAMINE): one round trip for all three.
    let sorted = if session.capabilities().sorts_pages() && (1..=MAX_PAGE).contains(&limit) {
        session.in_mailbox(mailbox, true, |s| s.uid_sort_page(order, &criteria, skip, limit, Items::summary()))?
    } else {
        None
    };
    let examined = session.examined(mailbox, false)?;
    let (exists, uidvalidity) = (examined.exists, examined.uidvalidity);
    let stamp = |(rows, more): (Vec<MessageRow>, u64)| {
        (rows.into_iter().map(|row| MessageRow { uidvalidity, ..row }).collect::<Vec<_>>(), more)
    };
    if let Some(sorted) = sorted {
        let rows = in_order(mailbox, &sorted.uids, sorted.fetched);
        let more = sorted.total.saturating_sub(skip as u64).saturating_sub(rows.len() as u64);
        return Ok(stamp((rows, more)));
    }
    let (page, total) = if session.capabilities().supports(Capability::Sort) {
        let (uids, total) = session.uid_sort(order, &criteria, skip.saturating_add(limit))?;
        (uids.into_iter().skip(skip).collect::<Vec<u32>>(), total)
    } else if matches!(args.sort, SortBy::Date | SortBy::Arrival) {
        log::info!("the server has no SORT: messages in the order they arrived");
        arrival_page(session, &criteria, exists, args, skip, limit)?
    } else {
        log::info!("the server has no SORT: fetching every message's fields to sort them here");
        return sort_here(session, mailbox, &criteria, exists, args, skip, limit).map(stamp);
    };
    let rows = rows_in_order(session, mailbox, &page)?;
    let more = total.saturating_sub(skip as u64).saturating_sub(rows.len() as u64);
    Ok(stamp((rows, more)))
}

fn sort_key(by: SortBy) -> SortKey {
    match by {
        SortBy::Date => SortKey::Date,
        SortBy::Arrival => SortKey::Arrival,
        SortBy::From => SortKey::From,
        SortBy::Subject => SortKey::Subject,
        SortBy::Size => SortKey::Size,
    }
}

/// The page's UIDs in arrival order (sequence numbers), newest first unless
/// reversed, and how many match: what a server without SORT offers cheaply.
fn arrival_page(
    session: &mut Session,
    criteria: &Search,
    exists: u32,
    args: &ListArgs,
    skip: usize,
    limit: usize,
) -> Result<(Vec<u32>, u64)> {
    let newest_first = !args.reverse;
    if args.unseen {
        let mut uids: Vec<u32> = session.uid_search(criteria)?.iter().collect();
        if newest_first {
            uids.reverse();
        }
        let total = uids.len() as u64;
        return Ok((uids.into_iter().skip(skip).take(limit).collect(), total));
    }
    if skip as u64 >= u64::from(exists) {
        return Ok((Vec::new(), u64::from(exists)));
    }
    let count = (exists as usize - skip).min(limit) as u32;
    let (low, high) = if newest_first {
        let high = exists - skip as u32;
        (high - count + 1, high)
    } else {
        (skip as u32 + 1, skip as u32 + count)
    };
    let mut seqs: Vec<(u32, u32)> = Vec::new();
    session.fetch_seq(&MessageSet::range(low, high), Items::none(), &mut |f| {
        if let Some(uid) = f.uid {
            seqs.push((f.seq, uid));
        }
        Ok(())
    })?;
    seqs.sort_unstable();
    if newest_first {
        seqs.reverse();
    }
    Ok((seqs.into_iter().map(|(_, uid)| uid).collect(), u64::from(exists)))
}

/// Every matching message's row, sorted here: for orders a server without
/// SORT cannot give.
fn sort_here(
    session: &mut Session,
    mailbox: &MailboxName,
    criteria: &Search,
    exists: u32,
    args: &ListArgs,
    skip: usize,
    limit: usize,
) -> Result<(Vec<MessageRow>, u64)> {
    let mut fetched = Vec::new();
    if args.unseen {
        let uids = session.uid_search(criteria)?;
        if !uids.is_empty() {
            session.uid_fetch(&[MessageSet::of_set(&uids)], Items::summary(), None, &mut |f| {
                fetched.push(f);
                Ok(())
            })?;
        }
    } else if exists > 0 {
        session.fetch_seq(&MessageSet::all(), Items::summary(), &mut |f| {
            fetched.push(f);
            Ok(())
        })?;
    }
    let rows: Vec<MessageRow> = fetched.into_iter().filter_map(|f| message_row(mailbox, f)).collect();
    Ok(super::sorted_page(rows, args.sort, args.reverse, skip, limit))
}

/// The rows of `uids`, in that order.
fn rows_in_order(session: &mut Session, mailbox: &MailboxName, uids: &[u32]) -> Result<Vec<MessageRow>> {
    if uids.is_empty() {
        return Ok(Vec::new());
    }
    let mut sorted = uids.to_vec();
    sorted.sort_unstable();
    let mut fetched = Vec::with_capacity(uids.len());
    session.uid_fetch(&[MessageSet::of(&sorted)], Items::summary(), None, &mut |f| {
        fetched.push(f);
        Ok(())
    })?;
    Ok(in_order(mailbox, uids, fetched))
}

/// The rows of `fetched` in the order of `uids` (a UID FETCH answers in
/// mailbox order; anything else the server sent along is left out).
fn in_order(mailbox: &MailboxName, uids: &[u32], fetched: Vec<Fetch>) -> Vec<MessageRow> {
    let mut by_uid: std::collections::HashMap<u32, MessageRow> =
        fetched.into_iter().filter_map(|f| message_row(mailbox, f)).map(|row| (row.uid, row)).collect();
    uids.iter().filter_map(|uid| by_uid.remove(uid)).collect()
}
