//! `owl list` over IMAP: mailboxes with their counts (STATUS, pipelined
//! and spread over the pool), or one mailbox's newest messages (one FETCH
//! of the fields a row needs; nothing is marked seen).

use super::{ListArgs, Listing, MailboxRow, MessageRow};
use crate::cmd::context::Context;
use crate::cmd::mailboxes::{self, Spread, message_row};
use crate::error::{Error, Result, ResultExt};
use crate::imap::{FlagKey, Items, ListEntry, MailboxName, MessageSet, Search, SearchKey, StatusItem};

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
    // No limit: every message, on one page.
    let limit = if args.limit == 0 { usize::MAX } else { args.limit };
    let pool = ctx.imap()?;
    let mut session = pool.get()?;
    let exists = session.examine(mailbox, false)?.exists;
    let skip = limit.saturating_mul(args.page - 1);
    let mut fetched = Vec::new();
    let mut total = u64::from(exists);
    if args.unseen {
        let unseen = Search::new(vec![SearchKey::Flag(FlagKey::Seen, false)]);
        let mut uids: Vec<u32> = session.uid_search(&unseen)?.iter().collect();
        total = uids.len() as u64;
        uids.reverse();
        let mut page: Vec<u32> = uids.into_iter().skip(skip).take(limit).collect();
        if !page.is_empty() {
            page.sort_unstable();
            session.uid_fetch(&[MessageSet::of(&page)], Items::summary(), None, &mut |f| {
                fetched.push(f);
                Ok(())
            })?;
        }
    } else if (skip as u64) < u64::from(exists) {
        let high = exists as usize - skip;
        let low = high.saturating_sub(limit) + 1;
        session.fetch_seq(&MessageSet::range(low as u32, high as u32), Items::summary(), &mut |f| {
            fetched.push(f);
            Ok(())
        })?;
    }
    fetched.sort_by_key(|f| std::cmp::Reverse(f.seq));
    let rows: Vec<MessageRow> = fetched.into_iter().filter_map(|f| message_row(mailbox, f)).collect();
    let more = total.saturating_sub(skip as u64).saturating_sub(rows.len() as u64);
    Ok((rows, more))
}
