//! `owl list --local STORE [MAILBOX]`: a backup written by `owl fetch`,
//! read back without a server or a config: its mailboxes with counts, or
//! one mailbox's messages in the same order and pages as on the server.
//!
//! Only each message's header is read (up to [`HEADER_LIMIT`]), so a list
//! costs a directory walk and a small read per message, never the bodies.
//! Flags and UIDs come from Maildir file names; an mbox keeps neither, so
//! its unseen count is unknown and its rows carry UID 0 and their `file`
//! (`PATH:OFFSET`), which `owl read --local` takes.

use std::io::Read;

use super::{ListArgs, Listing, MailboxRow, MessageRow};
use crate::cmd::local;
use crate::error::{Error, ErrorKind, Result};
use crate::store::read::{self, Location, StoredMessage};

/// The most of a message read to find its header.
const HEADER_LIMIT: u64 = 256 * 1024;

/// Lists the store at `spec` (`maildir:PATH`, `mbox:PATH` or a path).
pub fn run(spec: &str, args: &ListArgs) -> Result<Listing> {
    let root = local::root(spec);
    if !root.is_dir() {
        return Err(Error::new(ErrorKind::NoInput, format!("no store at {}", root.display())));
    }
    match &args.mailbox {
        None => mailboxes(&root).map(Listing::Mailboxes),
        Some(name) => {
            let (rows, more) = messages(&root, name, args)?;
            Ok(Listing::Messages(rows, more))
        }
    }
}

/// Every mailbox that holds a message, INBOX first, with its counts.
fn mailboxes(root: &std::path::Path) -> Result<Vec<MailboxRow>> {
    let mut rows: Vec<MailboxRow> = Vec::new();
    for stored in read::messages(root) {
        let stored = stored?;
        // The walk yields a folder's messages together.
        if rows.last().is_none_or(|r| r.name != stored.mailbox) {
            let is_maildir = matches!(stored.location, Location::Maildir(_));
            rows.push(MailboxRow {
                name: stored.mailbox.clone(),
                delimiter: Some("/".to_string()),
                special_use: None,
                attributes: Vec::new(),
                total: Some(0),
                unseen: is_maildir.then_some(0),
                size: Some(0),
            });
        }
        let row = rows.last_mut().expect("pushed above");
        row.total = row.total.map(|n| n.saturating_add(1));
        row.size = row.size.map(|n| n.saturating_add(stored_size(&stored)));
        if !local::flags(&stored).is_some_and(|f| f.seen) {
            row.unseen = row.unseen.map(|n| n.saturating_add(1));
        }
    }
    rows.sort_by(|a, b| {
        (!a.name.eq_ignore_ascii_case("INBOX"), &a.name).cmp(&(!b.name.eq_ignore_ascii_case("INBOX"), &b.name))
    });
    Ok(rows)
}

/// One mailbox's rows, sorted and cut to the page asked for.
fn messages(root: &std::path::Path, mailbox: &str, args: &ListArgs) -> Result<(Vec<MessageRow>, u64)> {
    let wanted = |m: &str| m == mailbox || (m.eq_ignore_ascii_case("INBOX") && mailbox.eq_ignore_ascii_case("INBOX"));
    let mut rows = Vec::new();
    let mut found = false;
    for stored in read::messages(root) {
        let stored = stored?;
        if !wanted(&stored.mailbox) {
            continue;
        }
        found = true;
        let header = header_of(&stored)?;
        let mut message = local::message(&stored, &header);
        message.size = stored_size(&stored);
        if args.unseen && message.flags.seen {
            continue;
        }
        rows.push(local::row(&stored, &header, &message));
    }
    if !found && !root.join(mailbox).is_dir() {
        return Err(Error::new(
            ErrorKind::NoInput,
            format!("no mailbox \"{mailbox}\" in the store at {}", root.display()),
        ));
    }
    let (skip, limit) = super::page_bounds(args);
    Ok(super::sorted_page(rows, args.sort, args.reverse, skip, limit))
}

/// The message's header (and the blank line after it), read no further.
fn header_of(stored: &StoredMessage) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    stored
        .open()?
        .take(HEADER_LIMIT)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::local_io(format!("cannot read {}", stored.id()), e))?;
    let end = find(&bytes, b"\r\n\r\n").map(|p| p + 4).or_else(|| find(&bytes, b"\n\n").map(|p| p + 2));
    bytes.truncate(end.unwrap_or(bytes.len()));
    Ok(bytes)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// What the message takes in the store: the file, or its stretch of mbox.
fn stored_size(stored: &StoredMessage) -> u64 {
    match &stored.location {
        Location::Maildir(path) => std::fs::metadata(path).map_or(0, |m| m.len()),
        Location::Mbox { len, .. } => *len,
    }
}
