//! `owl list`: the account's mailboxes with their counts, or one mailbox's
//! newest messages, over IMAP ([`imap`]) or from a POP3 maildrop
//! ([`pop3`]). Returns data only; `output` renders it.

pub mod imap;
pub mod local;
pub mod pop3;

use serde::Serialize;

pub use super::mailboxes::MessageRow;
pub use pop3::Pop3Row;

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
    /// The order of a mailbox's messages.
    pub sort: SortBy,
    /// The other way round.
    pub reverse: bool,
}

/// The order of `owl list MAILBOX`: by date and arrival newest first, by
/// sender, subject and size ascending (`reverse` turns any round).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SortBy {
    /// The Date header (when it was sent).
    #[default]
    Date,
    /// When it reached the mailbox.
    Arrival,
    /// The sender's address.
    From,
    /// The subject, without `Re:` and the like.
    Subject,
    /// The size.
    Size,
}

impl SortBy {
    /// Whether the natural order is largest (newest) first.
    pub fn descending(self) -> bool {
        matches!(self, SortBy::Date | SortBy::Arrival)
    }
}

/// `rows` in the order asked for, cut to the page that skips `skip` rows
/// and shows `limit`; and how many rows come after it. For orders a
/// server cannot give (no SORT) and for stores, which have no server.
pub(crate) fn sorted_page(
    mut rows: Vec<MessageRow>,
    sort: SortBy,
    reverse: bool,
    skip: usize,
    limit: usize,
) -> (Vec<MessageRow>, u64) {
    let total = rows.len() as u64;
    rows.sort_by(|a, b| {
        let natural = match sort {
            SortBy::Date => a.sent.cmp(&b.sent).reverse(),
            SortBy::Arrival => a.received.cmp(&b.received).reverse(),
            SortBy::From => sort_text(a.from_address.as_deref()).cmp(&sort_text(b.from_address.as_deref())),
            SortBy::Subject => base_subject(&a.subject).cmp(&base_subject(&b.subject)),
            SortBy::Size => a.size.cmp(&b.size),
        };
        let ordered = if reverse { natural.reverse() } else { natural };
        ordered.then(a.uid.cmp(&b.uid)).then_with(|| a.file.cmp(&b.file))
    });
    let page: Vec<MessageRow> = rows.into_iter().skip(skip).take(limit).collect();
    let more = total.saturating_sub(skip as u64).saturating_sub(page.len() as u64);
    (page, more)
}

/// Where a page starts and how long it is (`limit` 0: every row).
pub(crate) fn page_bounds(args: &ListArgs) -> (usize, usize) {
    match args.limit {
        0 => (0, usize::MAX),
        n => (n.saturating_mul(args.page.max(1) - 1), n),
    }
}

fn sort_text(text: Option<&str>) -> String {
    text.unwrap_or_default().to_lowercase()
}

/// The subject without the `Re:`/`Fwd:` prefixes replies add (RFC 5256
/// §2.1, simplified), lower case.
fn base_subject(subject: &str) -> String {
    let mut s = subject.trim();
    loop {
        let lower = s.to_ascii_lowercase();
        let cut = ["re:", "fw:", "fwd:"].iter().find(|p| lower.starts_with(*p)).map(|p| p.len());
        match cut {
            Some(n) => s = s[n..].trim_start(),
            None => break,
        }
    }
    s.to_lowercase()
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

/// The result of `owl list`.
#[derive(Debug, Clone)]
pub enum Listing {
    /// The account's mailboxes.
    Mailboxes(Vec<MailboxRow>),
    /// Messages of one mailbox, newest first, and how many older ones
    /// the page left out.
    Messages(Vec<MessageRow>, u64),
    /// A POP3 maildrop, newest first.
    Pop3(Vec<Pop3Row>),
}
