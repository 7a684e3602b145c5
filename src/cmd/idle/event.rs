//! What the watchers report: one change in one mailbox, as the output
//! prints it and hooks receive it.

use serde::Serialize;

use crate::cmd::mailboxes::MessageRow;

/// Something that happened in a mailbox (one JSON line of `owl idle
/// --json`).
#[derive(Debug, Clone, Serialize)]
pub struct Event {
    /// `new`, `expunge` or `flags`.
    pub event: &'static str,
    /// The account.
    pub account: String,
    /// The mailbox.
    pub mailbox: String,
    /// The message's UID.
    pub uid: u32,
    /// `new`: the first From, `Name <addr>`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// `new`: the decoded subject.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// `new`: the Date header as RFC 3339.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// `new`: RFC822.SIZE.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<u32>,
    /// `new` and `flags`: the message's flags.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flags: Option<Vec<String>>,
}

impl Event {
    pub(super) fn simple(kind: &'static str, account: &str, mailbox: &str, uid: u32) -> Event {
        Event {
            event: kind,
            account: account.to_string(),
            mailbox: mailbox.to_string(),
            uid,
            from: None,
            subject: None,
            date: None,
            size: None,
            flags: None,
        }
    }

    pub(super) fn new_message(account: &str, row: MessageRow) -> Event {
        Event {
            event: "new",
            account: account.to_string(),
            mailbox: row.mailbox,
            uid: row.uid,
            from: Some(row.from),
            subject: Some(row.subject),
            date: row.date,
            size: Some(row.size),
            flags: Some(row.flags),
        }
    }
}
