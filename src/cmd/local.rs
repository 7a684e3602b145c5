//! Reading a backup store written by `owl fetch`, for the commands that
//! work offline (`owl search --local`, `owl list --local`, `owl read
//! --local`): where the store is, and a stored message as a list row.

use crate::cmd::mailboxes::MessageRow;
use crate::model::date::format_rfc3339;
use crate::model::header::summarize_header_bytes;
use crate::search::{Flags, LocalMessage};
use crate::store::read::{Location, StoredMessage};

/// The store's root from `maildir:PATH`, `mbox:PATH` or a plain path.
pub fn root(spec: &str) -> std::path::PathBuf {
    let path = spec.strip_prefix("maildir:").or_else(|| spec.strip_prefix("mbox:")).unwrap_or(spec);
    crate::config::expand_tilde(path)
}

/// A stored message as the search language sees it: its flags and UID
/// come from a Maildir file name (an mbox keeps neither).
pub fn message(stored: &StoredMessage, bytes: &[u8]) -> LocalMessage {
    let uid = file_name(stored).and_then(|name| maildir_uid(&name));
    LocalMessage::from_bytes(bytes, flags(stored), uid, stored.received().unwrap_or(0))
}

/// The flags in a Maildir file's name; `None` for an mbox, which keeps
/// them (if at all) in Status headers.
pub fn flags(stored: &StoredMessage) -> Option<Flags> {
    file_name(stored).map(|name| Flags::from_maildir_name(&name))
}

fn file_name(stored: &StoredMessage) -> Option<String> {
    match &stored.location {
        Location::Maildir(path) => Some(path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()),
        Location::Mbox { .. } => None,
    }
}

/// The UID in an owl Maildir file name (`...,U=45:2,S`).
pub fn maildir_uid(name: &str) -> Option<u32> {
    let at = name.find(",U=")?;
    let digits: String = name[at + 3..].chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// The message as a row of `owl list MAILBOX` (with its `file`).
pub fn row(stored: &StoredMessage, bytes: &[u8], message: &LocalMessage) -> MessageRow {
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
        mailbox: stored.mailbox.clone(),
        uid: message.uid.unwrap_or(0),
        uidvalidity: None,
        date: summary.date.or(Some(message.internal_date)).map(|ts| format_rfc3339(ts, 0)),
        from: first.map(ToString::to_string).unwrap_or_default(),
        from_name: first.and_then(|m| m.name.clone()),
        from_address: first.map(|m| m.addr.clone()),
        subject: summary.subject,
        seen: message.flags.seen,
        flags,
        size: u32::try_from(message.size).unwrap_or(u32::MAX),
        file: Some(stored.id()),
        received: Some(message.internal_date),
        sent: summary.date.or(Some(message.internal_date)),
    }
}
