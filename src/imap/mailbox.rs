//! Commands on mailboxes and their messages as typed operations:
//! SELECT/EXAMINE, UNSELECT, UID FETCH (pipelined, literals streamed),
//! UID SEARCH, APPEND, UID STORE, UID COPY/MOVE, UID EXPUNGE, CREATE,
//! RENAME, DELETE, NOTIFY (LIST and STATUS are [`super::listing`]'s).
//! Callers name mailboxes ([`MailboxName`]), items ([`Items`]), criteria
//! ([`Search`]) and flags ([`Flag`]); the words on the wire are written here. Each operation tells the session
//! how many untagged responses may answer it, so a flood beyond that is
//! stopped. Errors name the command; the caller, which knows why it works
//! on a mailbox, names the mailbox.
//! RFC 3501 §6.3 and §6.4, RFC 7162 (CONDSTORE),
//! RFC 4315 (UIDPLUS), RFC 6851 (MOVE), RFC 3691 (UNSELECT).

use std::fmt;

use super::capabilities::Capability;
use super::codec::LiteralSink;
use super::command::{Arg, Command};
use super::items::Items;
use super::mailbox_name::MailboxName;
use super::message_set::MessageSet;
use super::response::{Code, CopyUid, Data, Fetch};
use super::search_key::Search;
use super::session::{Selected, Session};
use crate::error::{Error, Result};
use crate::net::Connection;
use crate::uidset::UidSet;

/// A message flag: a system flag or a keyword.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Flag {
    /// `\Seen`
    Seen,
    /// `\Answered`
    Answered,
    /// `\Flagged`
    Flagged,
    /// `\Deleted`
    Deleted,
    /// `\Draft`
    Draft,
    /// A keyword such as `$Label1` or `Work`.
    Keyword(String),
}

impl Flag {
    /// A flag as a server writes it (`\Seen`, `$Forwarded`).
    pub fn from_wire(text: &str) -> Flag {
        match text.to_ascii_lowercase().as_str() {
            "\\seen" => Flag::Seen,
            "\\answered" => Flag::Answered,
            "\\flagged" => Flag::Flagged,
            "\\deleted" => Flag::Deleted,
            "\\draft" => Flag::Draft,
            _ => Flag::Keyword(text.to_string()),
        }
    }
}

impl Flag {
    /// A flag as a user names it: a system flag by its name (`seen`,
    /// `answered`, `flagged`, `deleted`, `draft`, any case, with or without
    /// the backslash), else a keyword, which must be an IMAP atom
    /// (RFC 3501 §9 `flag-keyword`): printable ASCII without
    /// `(){ %*"\]`.
    pub fn from_name(name: &str) -> Result<Flag> {
        let bare = name.strip_prefix('\\').unwrap_or(name);
        let system = match bare.to_ascii_lowercase().as_str() {
            "seen" => Some(Flag::Seen),
            "answered" => Some(Flag::Answered),
            "flagged" => Some(Flag::Flagged),
            "deleted" => Some(Flag::Deleted),
            "draft" => Some(Flag::Draft),
            _ => None,
        };
        if let Some(flag) = system {
            return Ok(flag);
        }
        if name.starts_with('\\') {
            return Err(Error::usage(format!(
                "flag \"{name}\": not a system flag (seen, answered, flagged, deleted, draft)"
            )));
        }
        let atom_char = |c: char| c.is_ascii_graphic() && !"(){%*\"\\]".contains(c);
        if name.is_empty() || !name.chars().all(atom_char) {
            return Err(Error::usage(format!(
                "flag \"{name}\": a keyword must be printable ASCII without spaces or any of (){{%*\"\\]"
            )));
        }
        Ok(Flag::Keyword(name.to_string()))
    }
}

impl fmt::Display for Flag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Flag::Seen => "\\Seen",
            Flag::Answered => "\\Answered",
            Flag::Flagged => "\\Flagged",
            Flag::Deleted => "\\Deleted",
            Flag::Draft => "\\Draft",
            Flag::Keyword(k) => k,
        })
    }
}

/// How UID STORE changes flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlagChange {
    /// Adds the flags (`+FLAGS`).
    Add,
    /// Removes them (`-FLAGS`).
    Remove,
}

fn flag_list(flags: &[Flag]) -> Arg {
    Arg::List(flags.iter().map(|f| Arg::Atom(f.to_string())).collect())
}

pub(super) fn mailbox(name: &MailboxName) -> Arg {
    Arg::Str(name.wire().to_string())
}

impl<S: Connection> Session<S> {
    /// Messages in the selected mailbox, as far as the session knows.
    fn exists(&self) -> u32 {
        self.selected.as_ref().map_or(0, |s| s.exists)
    }

    /// EXAMINE (read-only) `name`; with `condstore`, asks for MODSEQ data
    /// (RFC 7162 §3.1.8) where the server has CONDSTORE.
    pub fn examine(&mut self, name: &MailboxName, condstore: bool) -> Result<&Selected> {
        self.open(name, true, condstore)
    }

    /// `name` open for reading: the selection this connection already has
    /// when it is that mailbox, else EXAMINE. Saves the round trip and the
    /// server's work (Dovecot reads a large Maildir whole at every
    /// EXAMINE: about 1 s at 200,000 messages) where a run opens the same
    /// mailbox for several jobs. The kept counts may be behind what
    /// arrived since; UIDVALIDITY cannot change while a mailbox is open.
    pub fn examined(&mut self, name: &MailboxName, condstore: bool) -> Result<&Selected> {
        if self.is_open(name, true) {
            return Ok(self.selected.as_ref().expect("checked above"));
        }
        self.examine(name, condstore)
    }

    /// Whether `name` is the selected mailbox (opened read-write, unless
    /// `read_only` will do).
    fn is_open(&self, name: &MailboxName, read_only: bool) -> bool {
        self.selected
            .as_ref()
            .is_some_and(|s| s.mailbox.same(name) && (read_only || !s.read_only) && s.uidvalidity.is_some())
    }

    /// Runs `work` in `name` (EXAMINE when `read_only`, else SELECT). When
    /// the mailbox is not open yet, its EXAMINE or SELECT goes out in the
    /// same flight as the commands `work` sends first: a short command on
    /// a warm connection costs one round trip, not two. If the server
    /// refuses to open it, that refusal is the error, not the "no mailbox
    /// selected" the commands behind it get (RFC 3501 §6.3.1: a failed
    /// SELECT leaves nothing selected, so nothing they ask can touch
    /// another mailbox). Afterwards [`Session::selected`] describes it.
    pub fn in_mailbox<T>(
        &mut self,
        name: &MailboxName,
        read_only: bool,
        work: impl FnOnce(&mut Self) -> Result<T>,
    ) -> Result<T> {
        if self.is_open(name, read_only) {
            return work(self);
        }
        self.open_with(name, read_only, false, work)
    }

    /// [`Session::in_mailbox`] that always opens `name` afresh (a survey
    /// wants the server's counts of now), with CONDSTORE when `condstore`
    /// and the server has it: the EXAMINE or SELECT and the commands
    /// `work` sends first share one flight.
    pub fn open_with<T>(
        &mut self,
        name: &MailboxName,
        read_only: bool,
        condstore: bool,
        work: impl FnOnce(&mut Self) -> Result<T>,
    ) -> Result<T> {
        let tag = self.send_open(name, read_only, condstore)?;
        let result = work(self);
        // `work` may have failed before sending (and flushing) anything.
        let opened = self.flush().and_then(|()| self.finish_open(&tag, read_only).map(drop));
        match opened {
            Err(refused) if !self.is_broken() => Err(refused),
            _ => result,
        }
    }

    /// SELECT (read-write) `name`, to change messages in it.
    pub fn select(&mut self, name: &MailboxName) -> Result<&Selected> {
        self.open(name, false, false)
    }

    /// `name` open for changing messages: the selection this connection
    /// already has when it is that mailbox opened read-write, else SELECT.
    pub fn selected_for_writing(&mut self, name: &MailboxName) -> Result<&Selected> {
        if self.is_open(name, false) {
            return Ok(self.selected.as_ref().expect("checked above"));
        }
        self.select(name)
    }

    fn open(&mut self, name: &MailboxName, read_only: bool, condstore: bool) -> Result<&Selected> {
        let tag = self.send_open(name, read_only, condstore)?;
        self.flush()?;
        self.finish_open(&tag, read_only)
    }

    /// Sends EXAMINE or SELECT of `name` and starts a fresh picture of it:
    /// the responses to this command describe the new mailbox.
    pub(super) fn send_open(&mut self, name: &MailboxName, read_only: bool, condstore: bool) -> Result<String> {
        let verb = if read_only { "EXAMINE" } else { "SELECT" };
        let mut command = Command::new(verb).arg(mailbox(name));
        if condstore && self.caps.supports(Capability::CondStore) {
            command = command.atom("(CONDSTORE)");
        }
        self.selected = Some(Selected { mailbox: name.clone(), read_only, ..Selected::default() });
        self.send(&command)
    }

    /// Waits for the EXAMINE or SELECT sent as `tag`.
    pub(super) fn finish_open(&mut self, tag: &str, read_only: bool) -> Result<&Selected> {
        let verb = if read_only { "EXAMINE" } else { "SELECT" };
        let done = match self.wait(tag, None, &mut |_| Ok(())).and_then(|done| self.check(done, verb)) {
            Ok(done) => done,
            Err(err) => {
                self.selected = None;
                // A plain NO to SELECT means the mailbox is not there or
                // not for us (RFC 3501 §6.3.1; Dovecot 2.3 sends no code):
                // no such input, like [NONEXISTENT].
                let err = match err.kind() {
                    crate::error::ErrorKind::Rejected => err.with_kind(crate::error::ErrorKind::NoInput),
                    _ => err,
                };
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

    /// Leaves the selected mailbox without expunging anything (UNSELECT,
    /// RFC 3691; never CLOSE, which expunges). An error where the server
    /// lacks UNSELECT: the caller then drops the connection.
    pub fn unselect(&mut self) -> Result<()> {
        if !self.caps.supports(Capability::Unselect) {
            return Err(Error::unavailable("the server has no UNSELECT"));
        }
        self.run(&Command::new("UNSELECT"), &mut |_| Ok(()))?;
        self.selected = None;
        Ok(())
    }

    /// `UID FETCH` of `items` over several UID sets, all in flight at once.
    /// Each FETCH response goes to `on_fetch`; whole-message literals go to
    /// `sink` when it wants them.
    pub fn uid_fetch(
        &mut self,
        sets: &[MessageSet],
        items: Items,
        mut sink: Option<&mut dyn LiteralSink>,
        on_fetch: &mut dyn FnMut(Fetch) -> Result<()>,
    ) -> Result<()> {
        let list = items.to_wire();
        let mut tags = Vec::with_capacity(sets.len());
        for set in sets {
            tags.push(self.send(&Command::new("UID FETCH").atom(set.wire()).atom(list.clone()))?);
        }
        self.flush()?;
        let exists = self.exists();
        let expected: u64 = sets.iter().map(|set| 2 * set.size(exists)).sum();
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
        set: &MessageSet,
        items: Items,
        modseq: u64,
        on_fetch: &mut dyn FnMut(Fetch) -> Result<()>,
    ) -> Result<()> {
        let command =
            Command::new("UID FETCH").atom(set.wire()).atom(items.to_wire()).atom(format!("(CHANGEDSINCE {modseq})"));
        let expected = 2 * set.size(self.exists());
        self.run_allowing(&command, expected, &mut |data| match data {
            Data::Fetch(fetch) => on_fetch(fetch),
            _ => Ok(()),
        })
        .map(drop)
    }

    /// `FETCH` by sequence numbers (for the newest messages of a mailbox).
    pub fn fetch_seq(
        &mut self,
        set: &MessageSet,
        items: Items,
        on_fetch: &mut dyn FnMut(Fetch) -> Result<()>,
    ) -> Result<()> {
        let command = Command::new("FETCH").atom(set.wire()).atom(items.to_wire());
        let expected = 2 * set.size(self.exists());
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
        mailboxes: &[MailboxName],
        on_data: &mut dyn FnMut(Data) -> Result<()>,
    ) -> Result<()> {
        let names = Arg::List(mailboxes.iter().map(mailbox).collect());
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

    /// `UID SEARCH` with `search`. The answer streams into a set, however
    /// many messages match.
    pub fn uid_search(&mut self, search: &Search) -> Result<UidSet> {
        let mut command = Command::new("UID SEARCH");
        for arg in search.to_args() {
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
        name: &MailboxName,
        flags: &[Flag],
        internal_date: Option<&str>,
        message: Vec<u8>,
    ) -> Result<Option<u32>> {
        let mut command = Command::new("APPEND").arg(mailbox(name));
        if !flags.is_empty() {
            command = command.arg(flag_list(flags));
        }
        if let Some(date) = internal_date {
            command = command.string(date);
        }
        let command = command.literal(message);
        let done = self.run(&command, &mut |_| Ok(()))?;
        Ok(match done.code {
            Some(Code::AppendUid(_, uid)) => Some(uid),
            _ => None,
        })
    }

    /// UID STORE: adds or removes `flags` on the messages of `set` in the
    /// selected mailbox; the new flags of each come to `on_fetch`.
    pub fn uid_store(
        &mut self,
        set: &MessageSet,
        change: FlagChange,
        flags: &[Flag],
        on_fetch: &mut dyn FnMut(Fetch) -> Result<()>,
    ) -> Result<()> {
        let how = match change {
            FlagChange::Add => "+FLAGS",
            FlagChange::Remove => "-FLAGS",
        };
        let command = Command::new("UID STORE").atom(set.wire()).atom(how).arg(flag_list(flags));
        let expected = 2 * set.size(self.exists());
        self.run_allowing(&command, expected, &mut |data| match data {
            Data::Fetch(fetch) => on_fetch(fetch),
            _ => Ok(()),
        })
        .map(drop)
    }

    /// UID COPY of `set` into `to`; where each copy went when the server
    /// says (COPYUID, RFC 4315).
    pub fn uid_copy(&mut self, set: &MessageSet, to: &MailboxName) -> Result<Option<CopyUid>> {
        let done = self.run(&Command::new("UID COPY").atom(set.wire()).arg(mailbox(to)), &mut |_| Ok(()))?;
        Ok(match done.code {
            Some(Code::CopyUid(copied)) => Some(copied),
            _ => None,
        })
    }

    /// UID MOVE of `set` into `to` (RFC 6851); an error where the server
    /// lacks MOVE. Where each message went comes as COPYUID in an untagged
    /// OK before the expunges (RFC 6851 §4.3), or in the tagged OK.
    pub fn uid_move(&mut self, set: &MessageSet, to: &MailboxName) -> Result<Option<CopyUid>> {
        if !self.caps.supports(Capability::Move) {
            return Err(Error::unavailable("the server has no MOVE"));
        }
        let expected = 2 * set.size(self.exists());
        let mut moved = None;
        let done =
            self.run_allowing(&Command::new("UID MOVE").atom(set.wire()).arg(mailbox(to)), expected, &mut |data| {
                if let Data::Condition { code: Some(Code::CopyUid(copied)), .. } = data {
                    moved = Some(copied);
                }
                Ok(())
            })?;
        Ok(match done.code {
            Some(Code::CopyUid(copied)) => Some(copied),
            _ => moved,
        })
    }

    /// UID EXPUNGE of exactly `set` (RFC 4315): never anything else marked
    /// `\Deleted`. An error where the server lacks UIDPLUS.
    pub fn uid_expunge(&mut self, set: &MessageSet) -> Result<()> {
        if !self.caps.supports(Capability::UidPlus) {
            return Err(Error::unavailable("the server has no UIDPLUS, so it cannot expunge only chosen messages"));
        }
        let expected = 2 * set.size(self.exists());
        self.run_allowing(&Command::new("UID EXPUNGE").atom(set.wire()), expected, &mut |_| Ok(())).map(drop)
    }

    /// CREATE a mailbox.
    pub fn create(&mut self, name: &MailboxName) -> Result<()> {
        self.run(&Command::new("CREATE").arg(mailbox(name)), &mut |_| Ok(())).map(drop)
    }

    /// RENAME a mailbox.
    pub fn rename(&mut self, from: &MailboxName, to: &MailboxName) -> Result<()> {
        self.run(&Command::new("RENAME").arg(mailbox(from)).arg(mailbox(to)), &mut |_| Ok(())).map(drop)
    }

    /// DELETE a mailbox.
    pub fn delete(&mut self, name: &MailboxName) -> Result<()> {
        if self.selected.as_ref().is_some_and(|s| s.mailbox.same(name)) {
            self.selected = None;
        }
        self.run(&Command::new("DELETE").arg(mailbox(name)), &mut |_| Ok(())).map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_round_trip_between_names_and_the_wire() {
        for flag in [Flag::Seen, Flag::Answered, Flag::Flagged, Flag::Deleted, Flag::Draft] {
            assert_eq!(Flag::from_wire(&flag.to_string()), flag);
        }
        assert_eq!(Flag::from_wire("\\SEEN"), Flag::Seen);
        assert_eq!(Flag::from_wire("$Label1"), Flag::Keyword("$Label1".into()));
        assert_eq!(Flag::Keyword("$Label1".into()).to_string(), "$Label1");
    }

    #[test]
    fn users_name_system_flags_and_keywords_must_be_atoms() {
        assert_eq!(Flag::from_name("seen").unwrap(), Flag::Seen);
        assert_eq!(Flag::from_name("Flagged").unwrap(), Flag::Flagged);
        assert_eq!(Flag::from_name("\\Draft").unwrap(), Flag::Draft);
        assert_eq!(Flag::from_name("$Label1").unwrap(), Flag::Keyword("$Label1".into()));
        for bad in ["", "two words", "a(b", "x]", "q\"", "star*", "\\Recent", "gr\u{fc}n", "cr\r\n"] {
            let err = Flag::from_name(bad).unwrap_err();
            assert_eq!(err.kind(), crate::error::ErrorKind::Usage, "{bad:?}");
        }
    }
}
