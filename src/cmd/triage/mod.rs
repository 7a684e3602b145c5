//! Triage: `owl flag`, `owl move`, `owl copy`, `owl delete` over UIDs of
//! one mailbox, named or piped in as JSON rows ([`target`]).
//!
//! The promise is that exactly the messages named change: the target is
//! resolved to UIDs that exist before anything is done; rows listed under
//! another UIDVALIDITY are refused before anything is done; and removing
//! messages from a mailbox is a MOVE, or a UID EXPUNGE (UIDPLUS) of those
//! UIDs, never a plain EXPUNGE, which would also remove whatever else
//! another client marked `\Deleted`. A server with neither keeps the copy
//! and the `\Deleted` flag (the classic IMAP delete) and the report says
//! the messages were not expunged.
//!
//! UIDs that did not exist are reported after the rest was done, and make
//! the run exit 66 ([`Report::failure`]). A UID named alone, a range none
//! of whose UIDs exists, and a row whose UID is gone count as missing; a
//! range that holds some messages means those (UIDs have gaps).

pub mod target;

use serde::Serialize;

use super::context::Context;
use super::special::{self, Missing, Special};
use crate::error::{Error, ErrorKind, Result, ResultExt};
use crate::imap::{self, Capability, CopyUid, Flag, FlagChange, Items, MailboxName, MessageSet};
use crate::uidset::UidSet;
use target::{Resolved, Target};

/// What a triage command did (the `--json` schema of `owl flag`, `move`,
/// `copy` and `delete`).
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// `flag`, `move`, `copy`, `delete` (moved to Trash) or `expunge`.
    pub action: &'static str,
    /// The mailbox worked on.
    pub mailbox: String,
    /// Its UIDVALIDITY, under which `uids` hold.
    pub uidvalidity: Option<u32>,
    /// The UIDs acted on, ascending.
    pub uids: Vec<u32>,
    /// What was named and did not exist (`7`, `30:40`, `90:*`).
    pub missing: Vec<String>,
    /// Where the messages went (move, copy, delete to Trash).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destination: Option<String>,
    /// The destination's UIDVALIDITY, when the server said (COPYUID).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destination_uidvalidity: Option<u32>,
    /// Each message's UID in the destination, when the server said.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub new_uids: Vec<NewUid>,
    /// Whether the messages are gone from `mailbox` (move, delete): false
    /// where the server cannot expunge only them (no MOVE, no UIDPLUS),
    /// and they stay, marked `\Deleted`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expunged: Option<bool>,
    /// Flags added (flag).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub added: Vec<String>,
    /// Flags removed (flag).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub removed: Vec<String>,
    /// Each message's flags afterwards (flag).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub flags: Vec<MessageFlags>,
}

/// Where one message went.
#[derive(Debug, Clone, Serialize)]
pub struct NewUid {
    /// Its UID in `mailbox`.
    pub uid: u32,
    /// Its UID in `destination`.
    pub new_uid: u32,
}

/// One message's flags.
#[derive(Debug, Clone, Serialize)]
pub struct MessageFlags {
    /// Its UID.
    pub uid: u32,
    /// Its flags now.
    pub flags: Vec<String>,
}

impl Report {
    fn new(action: &'static str, mailbox: &MailboxName, resolved: &Resolved) -> Report {
        Report {
            action,
            mailbox: mailbox.to_string(),
            uidvalidity: resolved.uidvalidity,
            uids: resolved.found.iter().collect(),
            missing: resolved.missing.clone(),
            destination: None,
            destination_uidvalidity: None,
            new_uids: Vec::new(),
            expunged: None,
            added: Vec::new(),
            removed: Vec::new(),
            flags: Vec::new(),
        }
    }

    fn copied(&mut self, to: &MailboxName, copy: Option<CopyUid>) {
        self.destination = Some(to.to_string());
        if let Some(copy) = copy {
            self.destination_uidvalidity = Some(copy.uidvalidity);
            self.new_uids = copy.pairs.into_iter().map(|(uid, new_uid)| NewUid { uid, new_uid }).collect();
        }
    }

    /// Why the run must not exit 0: UIDs that did not exist (66).
    pub fn failure(&self) -> Option<(ErrorKind, String)> {
        if self.missing.is_empty() {
            return None;
        }
        let some = if self.uids.is_empty() { "nothing done" } else { "the rest done" };
        Some((
            ErrorKind::NoInput,
            format!("no message with UID {} in mailbox \"{}\" ({some})", self.missing.join(", "), self.mailbox),
        ))
    }
}

/// A flag change as the user wrote it: `+seen`, `-flagged`, `+$Label`.
pub fn parse_change(text: &str) -> Result<(FlagChange, Flag)> {
    // After the first change every word is a change (they may start with
    // a dash), so an option written there arrives here.
    if text.starts_with("--") || text.starts_with("+-") || text.starts_with("++") {
        return Err(Error::usage(format!(
            "\"{text}\" is not a flag change: options go before the changes (owl flag --json INBOX 7 +seen)"
        )));
    }
    let (change, name) = if let Some(name) = text.strip_prefix('+') {
        (FlagChange::Add, name)
    } else if let Some(name) = text.strip_prefix('-') {
        (FlagChange::Remove, name)
    } else {
        return Err(Error::usage(format!("\"{text}\": write +FLAG to add it or -FLAG to remove it (e.g. +seen)")));
    };
    Ok((change, Flag::from_name(name)?))
}

/// Opens `mailbox` to change it and resolves the target in it.
fn open(session: &mut imap::Session, mailbox: &MailboxName, target: &Target, write: bool) -> Result<Resolved> {
    if write {
        session.select(mailbox)?;
    } else {
        session.examine(mailbox, false)?;
    }
    target::resolve(session, target)
}

/// `owl flag MAILBOX UIDS +FLAG -FLAG...`
pub fn flag(ctx: &Context, mailbox: &str, target: &Target, changes: &[(FlagChange, Flag)]) -> Result<Report> {
    let add: Vec<Flag> = changes.iter().filter(|(c, _)| *c == FlagChange::Add).map(|(_, f)| f.clone()).collect();
    let remove: Vec<Flag> = changes.iter().filter(|(c, _)| *c == FlagChange::Remove).map(|(_, f)| f.clone()).collect();
    if let Some(both) = add.iter().find(|f| remove.contains(f)) {
        return Err(Error::usage(format!("flag {both} is both added and removed")));
    }
    let name = MailboxName::new(mailbox);
    let pool = ctx.imap()?;
    let mut session = pool.get()?;
    let work = |session: &mut imap::Session| -> Result<Report> {
        let resolved = open(session, &name, target, true)?;
        let mut report = Report::new("flag", &name, &resolved);
        report.added = add.iter().map(ToString::to_string).collect();
        report.removed = remove.iter().map(ToString::to_string).collect();
        if resolved.found.is_empty() {
            return Ok(report);
        }
        let set = MessageSet::of_set(&resolved.found);
        for (change, flags) in [(FlagChange::Add, &add), (FlagChange::Remove, &remove)] {
            if !flags.is_empty() {
                session.uid_store(&set, change, flags, &mut |_| Ok(()))?;
            }
        }
        // Read back rather than trust the STORE's answers: servers may
        // leave out messages whose flags did not change.
        let mut now = Vec::new();
        session.uid_fetch(&[set], Items::flags(), None, &mut |fetch| {
            if let (Some(uid), Some(flags)) = (fetch.uid, fetch.flags)
                && resolved.found.contains(uid)
            {
                now.push(MessageFlags { uid, flags });
            }
            Ok(())
        })?;
        now.sort_by_key(|m| m.uid);
        now.dedup_by_key(|m| m.uid);
        report.flags = now;
        Ok(report)
    };
    work(&mut session).with_context(|| format!("mailbox \"{name}\""))
}

/// How messages leave for another mailbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transfer {
    /// A copy stays behind.
    Copy,
    /// Gone from the source.
    Move,
}

/// `owl move` and `owl copy MAILBOX UIDS DEST`.
pub fn transfer(ctx: &Context, mailbox: &str, target: &Target, dest: &str, how: Transfer) -> Result<Report> {
    let (name, dest) = (MailboxName::new(mailbox), MailboxName::new(dest));
    if name.same(&dest) {
        return Err(Error::usage(format!("\"{name}\" is both the mailbox and the destination")));
    }
    let pool = ctx.imap()?;
    let mut session = pool.get()?;
    let work = |session: &mut imap::Session| -> Result<Report> {
        let resolved = open(session, &name, target, how == Transfer::Move)?;
        let action = if how == Transfer::Move { "move" } else { "copy" };
        let mut report = Report::new(action, &name, &resolved);
        report.destination = Some(dest.to_string());
        if resolved.found.is_empty() {
            return Ok(report);
        }
        match how {
            Transfer::Copy => {
                let copied =
                    session.uid_copy(&MessageSet::of_set(&resolved.found), &dest).with_context(|| to(&dest))?;
                report.copied(&dest, copied);
            }
            Transfer::Move => {
                let (moved, expunged) = move_out(session, &resolved.found, &dest)?;
                report.copied(&dest, moved);
                report.expunged = Some(expunged);
            }
        }
        Ok(report)
    };
    work(&mut session).with_context(|| format!("mailbox \"{name}\""))
}

fn to(dest: &MailboxName) -> String {
    format!("destination \"{dest}\"")
}

/// Moves `uids` of the selected mailbox to `dest`: MOVE where offered,
/// else COPY, `\Deleted` and a UID EXPUNGE of just them. Returns where
/// they went and whether they are gone from the source.
fn move_out(session: &mut imap::Session, uids: &UidSet, dest: &MailboxName) -> Result<(Option<CopyUid>, bool)> {
    let set = MessageSet::of_set(uids);
    if session.capabilities().supports(Capability::Move) {
        let moved = session.uid_move(&set, dest).with_context(|| to(dest))?;
        return Ok((moved, true));
    }
    let copied = session.uid_copy(&set, dest).with_context(|| to(dest))?;
    let expunged = remove(session, &set)?;
    Ok((copied, expunged))
}

/// Marks `set` `\Deleted` and expunges exactly it where the server can
/// (UIDPLUS); where it cannot, leaves the mark and says so: a plain
/// EXPUNGE would take other messages marked `\Deleted` with them.
fn remove(session: &mut imap::Session, set: &MessageSet) -> Result<bool> {
    session.uid_store(set, FlagChange::Add, &[Flag::Deleted], &mut |_| Ok(()))?;
    if !session.capabilities().supports(Capability::UidPlus) {
        log::warn!(
            "the server has no UIDPLUS, so owl cannot expunge only these messages: they are marked \\Deleted and \
             stay until a client expunges the mailbox"
        );
        return Ok(false);
    }
    session.uid_expunge(set)?;
    Ok(true)
}

/// `owl delete MAILBOX UIDS [--expunge]`: to Trash, or (with `expunge`,
/// or in Trash itself) removed for good.
pub fn delete(ctx: &Context, mailbox: &str, target: &Target, expunge: bool) -> Result<Report> {
    let name = MailboxName::new(mailbox);
    let pool = ctx.imap()?;
    let mut session = pool.get()?;
    let work = |session: &mut imap::Session| -> Result<Report> {
        let trash =
            if expunge { None } else { Some(special::find(session, &ctx.account, Special::Trash, Missing::Create)?) };
        let trash = trash.filter(|t| !t.same(&name));
        let resolved = open(session, &name, target, true)?;
        let mut report = Report::new(if trash.is_some() { "delete" } else { "expunge" }, &name, &resolved);
        if let Some(trash) = &trash {
            report.destination = Some(trash.to_string());
        }
        if resolved.found.is_empty() {
            return Ok(report);
        }
        match &trash {
            Some(trash) => {
                let (moved, expunged) = move_out(session, &resolved.found, trash)?;
                report.copied(trash, moved);
                report.expunged = Some(expunged);
            }
            None => report.expunged = Some(remove(session, &MessageSet::of_set(&resolved.found))?),
        }
        Ok(report)
    };
    work(&mut session).with_context(|| format!("mailbox \"{name}\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_need_a_sign() {
        assert_eq!(parse_change("+seen").unwrap(), (FlagChange::Add, Flag::Seen));
        assert_eq!(parse_change("-$Label").unwrap(), (FlagChange::Remove, Flag::Keyword("$Label".into())));
        assert_eq!(parse_change("seen").unwrap_err().kind(), ErrorKind::Usage);
        assert_eq!(parse_change("+").unwrap_err().kind(), ErrorKind::Usage);
        let err = parse_change("--json").unwrap_err();
        assert!(err.to_string().contains("options go before the changes"), "{err}");
    }
}
