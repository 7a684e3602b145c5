//! `owl read MAILBOX UID`: a message for a person, marked `\Seen` once it
//! was shown (unless `--peek`).
//!
//! Why BODY.PEEK and then a UID STORE, not `BODY[]`: fetching `BODY[]`
//! sets `\Seen` on the server the moment the bytes leave it, so a message
//! owl then fails to decode, to save attachments of, or to write would
//! still count as read. Here the fetch changes nothing; the caller renders
//! the message and only then calls [`Reading::mark_seen`], whose STORE
//! reply carries the flags as the server now has them, so the flags shown
//! (and `--json`'s) are the result, not a guess. The STORE is not
//! `.SILENT` for that reason. The cost is one more round trip.
//!
//! The mark is set before the text goes to the pager, not after: a person
//! may keep the pager open for longer than the server keeps an idle
//! connection, and marking then would fail on a dead connection. A mark
//! that fails still lets the message be shown (with its flags unchanged);
//! the command then fails with the mark's error.
//!
//! With `--peek` the mailbox is opened read-only (EXAMINE), so nothing can
//! change, not even `\Recent`; otherwise it is selected read-write, which
//! STORE needs. A mailbox the server opens read-only is read and left as
//! it is, with a warning.

use std::io::Write;

use super::{Decode, ReadMessage, fetch_decoded, in_mailbox, stream_raw};
use crate::cmd::context::Context;
use crate::error::Result;
use crate::imap::{self, Flag, FlagChange, MessageSet};
use crate::net::pool::Pooled;

/// What `owl read` was asked for.
#[derive(Clone, Copy)]
pub struct Request<'a> {
    /// The mailbox.
    pub mailbox: &'a str,
    /// The message's UID.
    pub uid: u32,
    /// Leave the message as it is on the server.
    pub peek: bool,
    /// How to decode it.
    pub decode: Decode<'a>,
}

/// A fetched and decoded message, with the connection that can mark it.
pub struct Reading<'a> {
    session: Pooled<'a, imap::Session>,
    message: ReadMessage,
    peek: bool,
}

/// Fetches and decodes the message; nothing is changed yet.
pub fn open<'a>(ctx: &'a Context, request: &Request<'_>) -> Result<Reading<'a>> {
    let (session, uidvalidity, mut message) = in_mailbox(ctx, request.mailbox, request.peek, |s| {
        fetch_decoded(s, request.mailbox, request.uid, &request.decode)
    })?;
    message.uidvalidity = uidvalidity;
    Ok(Reading { session, message, peek: request.peek })
}

impl Reading<'_> {
    /// The message, with its flags as the server has them now.
    pub fn message(&self) -> &ReadMessage {
        &self.message
    }

    /// Sets `\Seen` (unless peeking or already set) and takes the flags
    /// from the server's answer.
    pub fn mark_seen(&mut self) -> Result<()> {
        if self.peek || is_seen(&self.message.flags) {
            return Ok(());
        }
        let message = &mut self.message;
        if self.session.selected().is_some_and(|s| s.read_only) {
            log::warn!("mailbox \"{}\" is read-only here: message {} stays unseen", message.mailbox, message.uid);
            return Ok(());
        }
        let flags = store_seen(&mut self.session, &message.mailbox, message.uid)?;
        message.flags = flags.unwrap_or_else(|| with_seen(&message.flags));
        Ok(())
    }
}

/// `owl read --raw`: the exact bytes to `out`, then `\Seen` unless
/// `peek`, once every byte was written.
pub fn raw(ctx: &Context, mailbox: &str, uid: u32, peek: bool, out: &mut dyn Write) -> Result<u64> {
    let mut streamed = 0;
    let (mut session, _, written) =
        in_mailbox(ctx, mailbox, peek, |s| stream_raw(s, mailbox, uid, &mut *out, &mut streamed))?;
    let read_only = session.selected().is_some_and(|s| s.read_only);
    if !peek && !read_only {
        store_seen(&mut session, mailbox, uid)?;
    }
    Ok(written)
}

/// UID STORE +FLAGS (\Seen); the flags the server reports afterwards.
fn store_seen(session: &mut imap::Session, mailbox: &str, uid: u32) -> Result<Option<Vec<String>>> {
    let mut flags = None;
    session
        .uid_store(&MessageSet::one(uid), FlagChange::Add, &[Flag::Seen], &mut |fetch| {
            // A server may report other messages' changes here too.
            if fetch.uid == Some(uid) && fetch.flags.is_some() {
                flags = fetch.flags;
            }
            Ok(())
        })
        .map_err(|e| e.context(format!("marking message {uid} of mailbox \"{mailbox}\" seen")))?;
    Ok(flags)
}

fn is_seen(flags: &[String]) -> bool {
    flags.iter().any(|f| Flag::from_wire(f) == Flag::Seen)
}

/// `flags` plus `\Seen`, for a server whose STORE reply omits them.
fn with_seen(flags: &[String]) -> Vec<String> {
    let mut flags = flags.to_vec();
    if !is_seen(&flags) {
        flags.push(Flag::Seen.to_string());
    }
    flags
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seen_is_added_once_whatever_its_case() {
        assert!(is_seen(&["\\SEEN".to_string()]));
        assert!(!is_seen(&["$Seen".to_string(), "\\Flagged".to_string()]));
        assert_eq!(with_seen(&["\\Flagged".to_string()]), ["\\Flagged", "\\Seen"]);
        assert_eq!(with_seen(&["\\seen".to_string()]), ["\\seen"]);
    }
}
