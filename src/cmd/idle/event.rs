//! What the watchers report: one change in one mailbox, as the output
//! prints it and hooks receive it.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Serialize;

use crate::cmd::mailboxes::MessageRow;
use crate::model::date::format_rfc3339;

/// What a watcher tells the dispatcher.
#[derive(Debug, Clone)]
pub enum Note {
    /// A change in a mailbox.
    Event(Event),
    /// How watching goes.
    State(WatchState),
}

/// Whether mailboxes are being watched, and how: for a person at a
/// terminal, who otherwise sees nothing until the first event.
#[derive(Debug, Clone)]
pub struct WatchState {
    /// The mailboxes this is about.
    pub mailboxes: Vec<String>,
    /// Watching, or waiting to reconnect.
    pub phase: Phase,
    /// When it was seen (unix seconds).
    pub at: i64,
}

/// The life of a watcher's connection.
#[derive(Debug, Clone)]
pub enum Phase {
    /// The server agreed; changes are reported as they happen, `how`
    /// (`NOTIFY`, `IDLE` or `polling`).
    Watching { how: &'static str },
    /// The connection failed; a new one is tried after `retry_in`.
    Away { reason: String, retry_in: Duration },
}

impl WatchState {
    pub(super) fn new(mailboxes: Vec<String>, phase: Phase) -> WatchState {
        WatchState { mailboxes, phase, at: now() }
    }
}

fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Something that happened in a mailbox (one JSON line of `owl idle
/// --json`).
#[derive(Debug, Clone, Serialize)]
pub struct Event {
    /// `new`, `expunge` or `flags`.
    pub event: &'static str,
    /// When owl saw it, RFC 3339 in UTC.
    pub time: String,
    /// The same, in unix seconds (for the table's local time).
    #[serde(skip)]
    pub at: i64,
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
        let at = now();
        Event {
            event: kind,
            time: format_rfc3339(at, 0),
            at,
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
        let at = now();
        Event {
            event: "new",
            time: format_rfc3339(at, 0),
            at,
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
