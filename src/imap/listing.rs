//! The account's mailboxes: LIST (at most [`MAX_MAILBOXES`], with
//! special-use attributes) and STATUS, pipelined. STATUS of many names
//! gives each its own result, its error naming the mailbox; STATUS of
//! INBOX can share a flight with the LIST ([`Session::status_then_list`]).
//! RFC 3501 §6.3.8 and §6.3.10, RFC 6154 (SPECIAL-USE).

use std::collections::HashMap;

use super::capabilities::Capability;
use super::command::Command;
use super::items::StatusItem;
use super::mailbox::mailbox;
use super::mailbox_name::MailboxName;
use super::response::{Data, ListEntry, MailboxStatus};
use super::session::Session;
use crate::error::{Error, Result, ResultExt};
use crate::net::Connection;

/// Most mailboxes one account may list: far above real accounts (a few
/// thousand at most), low enough that an endless LIST stops in bounded
/// memory.
pub const MAX_MAILBOXES: usize = 100_000;

impl<S: Connection> Session<S> {
    /// Every mailbox (`LIST "" "*"`), with special-use attributes.
    pub fn list(&mut self) -> Result<Vec<ListEntry>> {
        let tag = self.send(&self.list_command())?;
        self.flush()?;
        self.finish_list(&tag)
    }

    /// STATUS `items` of `first`, then every mailbox (as [`Session::list`]),
    /// in one flight: a backup asks INBOX before the LIST (Dovecot answers
    /// STATUS from its mailbox list index until a LIST has refreshed it)
    /// without waiting a round trip between the two. The STATUS has its
    /// own result: a refusal does not stop the LIST.
    pub fn status_then_list(
        &mut self,
        first: &MailboxName,
        items: &[StatusItem],
    ) -> Result<(Result<MailboxStatus>, Vec<ListEntry>)> {
        let status_tag = self.send(&self.status_command(first, items))?;
        let list_tag = self.send(&self.list_command())?;
        self.flush()?;
        let status = self.finish_status(first, &status_tag, 1, &mut HashMap::new())?;
        Ok((status, self.finish_list(&list_tag)?))
    }

    fn list_command(&self) -> Command {
        let command = Command::new("LIST").string("").string("*");
        if self.caps.supports(Capability::SpecialUse) && self.caps.has("LIST-EXTENDED") {
            command.atom("RETURN (SPECIAL-USE)")
        } else {
            command
        }
    }

    fn finish_list(&mut self, tag: &str) -> Result<Vec<ListEntry>> {
        let mut entries = Vec::new();
        let done = self.wait_allowing(tag, MAX_MAILBOXES as u64, None, &mut |data| {
            if let Data::List(entry) = data {
                if entries.len() == MAX_MAILBOXES {
                    return Err(Error::protocol(format!(
                        "LIST: the server listed more than {MAX_MAILBOXES} mailboxes"
                    )));
                }
                entries.push(entry);
            }
            Ok(())
        })?;
        self.check(done, "LIST")?;
        Ok(entries)
    }

    /// STATUS `items` of each mailbox, all commands in flight at once. Items
    /// the server does not offer (SIZE without STATUS=SIZE, HIGHESTMODSEQ
    /// without CONDSTORE) are left out. Each mailbox gets its own result:
    /// one that fails does not stop the rest.
    pub fn status(&mut self, mailboxes: &[MailboxName], items: &[StatusItem]) -> Result<Vec<Result<MailboxStatus>>> {
        let mut tags = Vec::with_capacity(mailboxes.len());
        for name in mailboxes {
            tags.push(self.send(&self.status_command(name, items))?);
        }
        self.flush()?;
        let mut found: HashMap<String, MailboxStatus> = HashMap::new();
        let mut results = Vec::with_capacity(mailboxes.len());
        let expected = mailboxes.len() as u64;
        for (name, tag) in mailboxes.iter().zip(&tags) {
            results.push(self.finish_status(name, tag, expected, &mut found)?);
        }
        Ok(results)
    }

    fn status_command(&self, name: &MailboxName, items: &[StatusItem]) -> Command {
        let offered = |item: &&StatusItem| match item {
            StatusItem::Size => self.caps.supports(Capability::StatusSize),
            StatusItem::HighestModSeq => self.caps.supports(Capability::CondStore),
            _ => true,
        };
        let words: Vec<&str> = items.iter().filter(offered).map(|i| i.atom()).collect();
        Command::new("STATUS").arg(mailbox(name)).atom(format!("({})", words.join(" ")))
    }

    /// Waits for the STATUS of `name` sent as `tag`; `found` keeps the
    /// STATUS data that came before its own command's completion.
    fn finish_status(
        &mut self,
        name: &MailboxName,
        tag: &str,
        expected: u64,
        found: &mut HashMap<String, MailboxStatus>,
    ) -> Result<Result<MailboxStatus>> {
        let done = self.wait_allowing(tag, expected, None, &mut |data| {
            if let Data::Status(status) = data {
                found.insert(status.mailbox.wire().to_string(), status);
            }
            Ok(())
        })?;
        Ok(self
            .check(done, "STATUS")
            .and_then(|_| take_status(found, name).ok_or_else(|| Error::protocol("STATUS: server sent no STATUS data")))
            .with_context(|| format!("mailbox \"{name}\"")))
    }
}

/// The STATUS data for `name`: servers echo the name as they like (INBOX in
/// any case), so fall back to a case-insensitive INBOX match.
fn take_status(found: &mut HashMap<String, MailboxStatus>, name: &MailboxName) -> Option<MailboxStatus> {
    if let Some(status) = found.remove(name.wire()) {
        return Some(status);
    }
    if name.is_inbox() {
        let key = found.keys().find(|k| k.eq_ignore_ascii_case("INBOX"))?.clone();
        return found.remove(&key);
    }
    None
}
