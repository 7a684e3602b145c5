//! Mailbox commands: LIST, STATUS (pipelined), SELECT/EXAMINE, UID FETCH
//! (pipelined, literals streamed), UID SEARCH, APPEND, CREATE, DELETE.
//! Each tells the session how many untagged responses may answer it, so a
//! flood beyond that is stopped; LIST keeps at most [`MAX_MAILBOXES`].
//! RFC 3501 §6.3 and §6.4, RFC 6154 (SPECIAL-USE), RFC 7162 (CONDSTORE).

use std::collections::HashMap;

use super::codec::LiteralSink;
use super::command::{Arg, Command};
use super::response::{Code, Data, Fetch, ListEntry, MailboxStatus};
use super::session::{Selected, Session};
use crate::error::{Error, Result, ResultExt};
use crate::uidset::UidSet;

/// Most mailboxes one account may list: far above real accounts (a few
/// thousand at most), low enough that an endless LIST stops in bounded
/// memory.
pub const MAX_MAILBOXES: usize = 100_000;

/// How many messages `set` (`1:5,7,9:*`) may name when the mailbox holds
/// `exists`: responses to expect from a FETCH over it.
fn set_size(set: &str, exists: u32) -> u64 {
    let number = |s: &str| if s == "*" { Some(exists) } else { s.parse::<u32>().ok() };
    set.split(',')
        .map(|item| match item.split_once(':') {
            Some((a, b)) => match (number(a), number(b)) {
                (Some(a), Some(b)) => u64::from(a.abs_diff(b)) + 1,
                _ => u64::from(exists),
            },
            None => 1,
        })
        .sum::<u64>()
        .min(u64::from(exists).max(1) * 2)
}

impl Session {
    /// Messages in the selected mailbox, as far as the session knows.
    fn exists(&self) -> u32 {
        self.selected.as_ref().map_or(0, |s| s.exists)
    }

    /// Every mailbox (`LIST "" "*"`), with special-use attributes.
    pub fn list(&mut self) -> Result<Vec<ListEntry>> {
        let mut command = Command::new("LIST").string("").string("*");
        if self.caps.has("SPECIAL-USE") && self.caps.has("LIST-EXTENDED") {
            command = command.atom("RETURN (SPECIAL-USE)");
        }
        let mut entries = Vec::new();
        self.run_allowing(&command, MAX_MAILBOXES as u64, &mut |data| {
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
        Ok(entries)
    }

    /// STATUS for each mailbox, all commands in flight at once. Each
    /// mailbox gets its own result: one that fails does not stop the rest.
    pub fn status_many(&mut self, mailboxes: &[String], items: &str) -> Result<Vec<Result<MailboxStatus>>> {
        let mut tags = Vec::with_capacity(mailboxes.len());
        for mailbox in mailboxes {
            let command = Command::new("STATUS").string(mailbox.clone()).atom(format!("({items})"));
            tags.push(self.send(&command)?);
        }
        self.flush()?;
        let mut found: HashMap<String, MailboxStatus> = HashMap::new();
        let mut results = Vec::with_capacity(mailboxes.len());
        let expected = mailboxes.len() as u64;
        for (mailbox, tag) in mailboxes.iter().zip(&tags) {
            let done = self.wait_allowing(tag, expected, None, &mut |data| {
                if let Data::Status(status) = data {
                    found.insert(status.mailbox.clone(), status);
                }
                Ok(())
            })?;
            let result = self
                .check(done, "STATUS")
                .and_then(|_| {
                    take_status(&mut found, mailbox)
                        .ok_or_else(|| Error::protocol("STATUS: server sent no STATUS data"))
                })
                .with_context(|| format!("mailbox \"{mailbox}\""));
            results.push(result);
        }
        Ok(results)
    }

    /// EXAMINE (read-only) or SELECT `mailbox`; with `condstore`, asks for
    /// MODSEQ data (RFC 7162 §3.1.8).
    pub fn open(&mut self, mailbox: &str, read_only: bool, condstore: bool) -> Result<&Selected> {
        let verb = if read_only { "EXAMINE" } else { "SELECT" };
        let mut command = Command::new(verb).string(mailbox);
        if condstore && self.caps.has("CONDSTORE") {
            command = command.atom("(CONDSTORE)");
        }
        // Fresh state: responses to this command describe the new mailbox.
        self.selected = Some(Selected { mailbox: mailbox.to_string(), read_only, ..Selected::default() });
        let done = self.run(&command, &mut |_| Ok(())).with_context(|| format!("mailbox \"{mailbox}\""));
        let done = match done {
            Ok(done) => done,
            Err(err) => {
                self.selected = None;
                return Err(err);
            }
        };
        let selected = self.selected.get_or_insert_with(Selected::default);
        match done.code {
            Some(Code::ReadOnly) => selected.read_only = true,
            Some(Code::ReadWrite) => selected.read_only = false,
            _ => {}
        }
        Ok(selected)
    }

    /// `UID FETCH` over several UID sets, all in flight at once. Each FETCH
    /// response goes to `on_fetch`; whole-message literals go to `sink`
    /// when it wants them.
    pub fn uid_fetch(
        &mut self,
        sets: &[String],
        items: &str,
        mut sink: Option<&mut dyn LiteralSink>,
        on_fetch: &mut dyn FnMut(Fetch) -> Result<()>,
    ) -> Result<()> {
        let mut tags = Vec::with_capacity(sets.len());
        for set in sets {
            tags.push(self.send(&Command::new("UID FETCH").atom(set.clone()).atom(format!("({items})")))?);
        }
        self.flush()?;
        let exists = self.exists();
        let expected: u64 = sets.iter().map(|set| 2 * set_size(set, exists)).sum();
        let mut first_error = None;
        for tag in &tags {
            let sink = sink.as_mut().map(|s| &mut **s as &mut dyn LiteralSink);
            let done = self.wait_allowing(tag, expected, sink, &mut |data| match data {
                Data::Fetch(fetch) => on_fetch(fetch),
                _ => Ok(()),
            })?;
            if let Err(err) = self.check(done, "UID FETCH") {
                first_error.get_or_insert(err);
            }
        }
        first_error.map_or(Ok(()), Err)
    }

    /// `UID FETCH set (items) (CHANGEDSINCE modseq)` (RFC 7162): only the
    /// messages whose metadata changed after `modseq`.
    pub fn uid_fetch_changed_since(
        &mut self,
        set: &str,
        items: &str,
        modseq: u64,
        on_fetch: &mut dyn FnMut(Fetch) -> Result<()>,
    ) -> Result<()> {
        let command =
            Command::new("UID FETCH").atom(set).atom(format!("({items})")).atom(format!("(CHANGEDSINCE {modseq})"));
        let expected = 2 * set_size(set, self.exists());
        self.run_allowing(&command, expected, &mut |data| match data {
            Data::Fetch(fetch) => on_fetch(fetch),
            _ => Ok(()),
        })
        .map(drop)
    }

    /// NOTIFY SET STATUS (RFC 5465) for `mailboxes`: new messages,
    /// expunges and flag changes in them arrive as STATUS responses,
    /// starting with one for each mailbox now.
    pub fn notify_mailboxes(
        &mut self,
        mailboxes: &[String],
        on_data: &mut dyn FnMut(Data) -> Result<()>,
    ) -> Result<()> {
        let names = Arg::List(mailboxes.iter().map(|m| Arg::Str(m.clone())).collect());
        let events = Arg::List(vec![
            Arg::Atom("MessageNew".into()),
            Arg::Atom("MessageExpunge".into()),
            Arg::Atom("FlagChange".into()),
        ]);
        let command = Command::new("NOTIFY").atom("SET STATUS").arg(Arg::List(vec![
            Arg::Atom("MAILBOXES".into()),
            names,
            events,
        ]));
        self.run_allowing(&command, mailboxes.len() as u64, on_data).map(drop)
    }

    /// `FETCH` by sequence numbers (for the newest messages of a mailbox).
    pub fn fetch_seq(&mut self, set: &str, items: &str, on_fetch: &mut dyn FnMut(Fetch) -> Result<()>) -> Result<()> {
        let command = Command::new("FETCH").atom(set).atom(format!("({items})"));
        let expected = 2 * set_size(set, self.exists());
        self.run_allowing(&command, expected, &mut |data| match data {
            Data::Fetch(fetch) => on_fetch(fetch),
            _ => Ok(()),
        })
        .map(drop)
    }

    /// `UID SEARCH` with `criteria`; `utf8` adds `CHARSET UTF-8`. The answer
    /// streams into a set, however many messages match.
    pub fn uid_search(&mut self, criteria: Vec<Arg>, utf8: bool) -> Result<UidSet> {
        let mut command = Command::new("UID SEARCH");
        if utf8 {
            command = command.atom("CHARSET UTF-8");
        }
        for arg in criteria {
            command = command.arg(arg);
        }
        let mut uids = UidSet::new();
        self.run(&command, &mut |data| {
            if let Data::Search(found) = data {
                uids.union_with(&found);
            }
            Ok(())
        })?;
        Ok(uids)
    }

    /// APPEND a message; returns its UID when the server says (UIDPLUS).
    pub fn append(
        &mut self,
        mailbox: &str,
        flags: &[&str],
        internal_date: Option<&str>,
        message: Vec<u8>,
    ) -> Result<Option<u32>> {
        let mut command = Command::new("APPEND").string(mailbox);
        if !flags.is_empty() {
            command = command.atom(format!("({})", flags.join(" ")));
        }
        if let Some(date) = internal_date {
            command = command.string(date);
        }
        let command = command.literal(message);
        let done = self.run(&command, &mut |_| Ok(())).with_context(|| format!("mailbox \"{mailbox}\""))?;
        Ok(match done.code {
            Some(Code::AppendUid(_, uid)) => Some(uid),
            _ => None,
        })
    }

    /// CREATE a mailbox.
    pub fn create(&mut self, mailbox: &str) -> Result<()> {
        self.run(&Command::new("CREATE").string(mailbox), &mut |_| Ok(()))
            .with_context(|| format!("mailbox \"{mailbox}\""))
            .map(drop)
    }

    /// DELETE a mailbox.
    pub fn delete(&mut self, mailbox: &str) -> Result<()> {
        if self.selected.as_ref().is_some_and(|s| s.mailbox == mailbox) {
            self.selected = None;
        }
        self.run(&Command::new("DELETE").string(mailbox), &mut |_| Ok(()))
            .with_context(|| format!("mailbox \"{mailbox}\""))
            .map(drop)
    }

    /// ENABLE extensions (RFC 5161), e.g. `CONDSTORE`.
    pub fn enable(&mut self, extensions: &str) -> Result<()> {
        if !self.caps.has("ENABLE") {
            return Ok(());
        }
        self.run(&Command::new("ENABLE").atom(extensions), &mut |_| Ok(())).map(drop)
    }
}

/// The STATUS data for `mailbox`: servers echo the name as they like
/// (INBOX in any case), so fall back to a case-insensitive INBOX match.
fn take_status(found: &mut HashMap<String, MailboxStatus>, mailbox: &str) -> Option<MailboxStatus> {
    if let Some(status) = found.remove(mailbox) {
        return Some(status);
    }
    if mailbox.eq_ignore_ascii_case("INBOX") {
        let key = found.keys().find(|k| k.eq_ignore_ascii_case("INBOX"))?.clone();
        return found.remove(&key);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_sizes_bound_the_responses_to_expect() {
        assert_eq!(set_size("5", 100), 1);
        assert_eq!(set_size("1:5,7,9:12", 100), 10);
        assert_eq!(set_size("1:*", 100), 100);
        assert_eq!(set_size("90:*", 100), 11);
        // Never more than twice what the mailbox holds.
        assert_eq!(set_size("1:4000000000", 10), 20);
        assert_eq!(set_size("1:*", 0), 2);
    }
}
