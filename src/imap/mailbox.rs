//! Mailbox commands: LIST, STATUS (pipelined), SELECT/EXAMINE, UID FETCH
//! (pipelined, literals streamed), UID SEARCH, APPEND, CREATE, DELETE.
//! RFC 3501 §6.3 and §6.4, RFC 6154 (SPECIAL-USE), RFC 7162 (CONDSTORE).

use std::collections::HashMap;

use super::codec::LiteralSink;
use super::command::{Arg, Command};
use super::response::{Code, Data, Fetch, ListEntry, MailboxStatus};
use super::session::{Selected, Session};
use crate::error::{Error, Result, ResultExt};

impl Session {
    /// Every mailbox (`LIST "" "*"`), with special-use attributes.
    pub fn list(&mut self) -> Result<Vec<ListEntry>> {
        let mut command = Command::new("LIST").string("").string("*");
        if self.caps.has("SPECIAL-USE") && self.caps.has("LIST-EXTENDED") {
            command = command.atom("RETURN (SPECIAL-USE)");
        }
        let mut entries = Vec::new();
        self.run(&command, &mut |data| {
            if let Data::List(entry) = data {
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
        for (mailbox, tag) in mailboxes.iter().zip(&tags) {
            let done = self.wait(tag, None, &mut |data| {
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
        let mut first_error = None;
        for tag in &tags {
            let done =
                self.wait(tag, sink.as_mut().map(|s| &mut **s as &mut dyn LiteralSink), &mut |data| match data {
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
        self.run(&command, &mut |data| match data {
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
        self.run(&command, on_data).map(drop)
    }

    /// `FETCH` by sequence numbers (for the newest messages of a mailbox).
    pub fn fetch_seq(&mut self, set: &str, items: &str, on_fetch: &mut dyn FnMut(Fetch) -> Result<()>) -> Result<()> {
        let command = Command::new("FETCH").atom(set).atom(format!("({items})"));
        self.run(&command, &mut |data| match data {
            Data::Fetch(fetch) => on_fetch(fetch),
            _ => Ok(()),
        })
        .map(drop)
    }

    /// `UID SEARCH` with `criteria`; `utf8` adds `CHARSET UTF-8`.
    pub fn uid_search(&mut self, criteria: Vec<Arg>, utf8: bool) -> Result<Vec<u32>> {
        let mut command = Command::new("UID SEARCH");
        if utf8 {
            command = command.atom("CHARSET UTF-8");
        }
        for arg in criteria {
            command = command.arg(arg);
        }
        let mut uids = Vec::new();
        self.run(&command, &mut |data| {
            if let Data::Search(found) = data {
                uids.extend(found);
            }
            Ok(())
        })?;
        uids.sort_unstable();
        uids.dedup();
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
