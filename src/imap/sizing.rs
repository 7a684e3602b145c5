//! Sizing several mailboxes in one flight: EXAMINE each and ask the sizes
//! of its messages from a UID on, every command sent before any answer is
//! read. A connection that plans a backup of its share of mailboxes pays
//! one round trip for all of them, not one each.
//!
//! The server answers in order, and an EXAMINE starts a fresh picture of
//! the mailbox it opens, so the session reads each mailbox's answers into
//! that mailbox's picture as they come. A refused EXAMINE leaves nothing
//! selected (RFC 3501 §6.3.1): the size request behind it touches no other
//! mailbox, and its answer is dropped.

use super::command::Command;
use super::items::Items;
use super::mailbox_name::MailboxName;
use super::message_set::MessageSet;
use super::response::Data;
use super::session::{Selected, Session};
use crate::error::{Error, Result};
use crate::net::Connection;

/// What one mailbox's EXAMINE and size request brought.
#[derive(Debug)]
pub struct Sized {
    /// The mailbox as the EXAMINE described it.
    pub selected: Selected,
    /// `(uid, size)` of the messages answered for, or the refusal of the
    /// size request.
    pub sizes: Result<Vec<(u32, u32)>>,
}

impl<S: Connection> Session<S> {
    /// EXAMINE each `(mailbox, from)` (with CONDSTORE where the server has
    /// it) and `UID FETCH from:* (UID RFC822.SIZE)` there, all in one
    /// flight. Each mailbox gets its own result: the refusal of its
    /// EXAMINE, or what it holds; once the connection breaks, the rest get
    /// that error. Afterwards the last mailbox is selected, if it opened.
    pub fn examine_and_size_each(&mut self, mailboxes: &[(&MailboxName, u32)]) -> Vec<Result<Sized>> {
        let mut tags = Vec::with_capacity(mailboxes.len());
        let sent = mailboxes.iter().try_for_each(|&(name, from)| {
            let open = self.send_open(name, true, true)?;
            let sizes = Command::new("UID FETCH").atom(MessageSet::from(from).wire()).atom(Items::size().to_wire());
            tags.push((open, self.send(&sizes)?));
            Ok::<(), Error>(())
        });
        if let Err(err) = sent.and_then(|()| self.flush()) {
            return mailboxes.iter().map(|_| Err(err.clone_for_repeat())).collect();
        }
        let mut results = Vec::with_capacity(mailboxes.len());
        for (&(name, from), (open, sizes)) in mailboxes.iter().zip(&tags) {
            match self.finish_sizing(name, from, open, sizes) {
                Ok(sized) => results.push(sized),
                Err(broken) => {
                    while results.len() < mailboxes.len() {
                        results.push(Err(broken.clone_for_repeat()));
                    }
                    break;
                }
            }
        }
        results
    }

    /// Reads one mailbox's answers. The outer error is a broken
    /// connection; the inner one this mailbox's refusal.
    fn finish_sizing(&mut self, name: &MailboxName, from: u32, open: &str, sizes: &str) -> Result<Result<Sized>> {
        // The answers read from here on describe `name`.
        self.selected = Some(Selected { mailbox: name.clone(), read_only: true, ..Selected::default() });
        let opened = self.finish_open(open, true).cloned();
        if self.is_broken() {
            return Err(opened.err().unwrap_or_else(|| Error::protocol("the connection broke")));
        }
        let exists = self.selected().map_or(0, |s| s.exists);
        let mut found = Vec::new();
        let done = self.wait_allowing(sizes, 2 * MessageSet::from(from).size(exists), None, &mut |data| {
            if let Data::Fetch(fetch) = data
                && let (Some(uid), Some(size)) = (fetch.uid, fetch.size)
            {
                found.push((uid, size));
            }
            Ok(())
        })?;
        let sizes = self.check(done, "UID FETCH").map(|_| found);
        Ok(opened.map(|selected| Sized { selected, sizes }))
    }
}

#[cfg(test)]
#[path = "sizing_tests.rs"]
mod tests;
