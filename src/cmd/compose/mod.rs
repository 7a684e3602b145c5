//! Writing a message in `$EDITOR`, and the two ways of starting one from a
//! message on the server: `owl reply` ([`reply`]) and `owl forward`
//! ([`forward`]). All three end in [`finish`], which hands the message to
//! `owl send`'s outbox ([`crate::cmd::send::run_prepared`]).
//!
//! The rules of the editor, as git commit has them: the draft is a file of
//! headers, a blank line and the body ([`crate::model::draft`]); a draft
//! saved unchanged, or with nothing in it, aborts (exit 64, nothing sent,
//! nothing queued). A draft that cannot be sent, because it does not parse
//! or a server refused it, is never lost: it stays in the drafts directory
//! and the error names its path. A draft that reached the outbox or the
//! server is deleted: the outbox keeps the message from then on.

pub mod editor;
pub mod forward;
pub mod original;
pub mod reply;

use std::path::PathBuf;
use std::str::FromStr;

use self::editor::{DraftFile, drafts_dir};
use super::context::Context;
use super::send::{self, SendReport};
use crate::error::{Error, Result};
use crate::model::compose::{Draft, Outgoing};
use crate::model::draft::DraftText;
use crate::model::header::Mailbox;
use crate::model::reply::address_item;
use crate::store::outbox::Original;

/// How a message is finished.
pub struct How<'a> {
    /// Open the editor on the draft first.
    pub edit: bool,
    /// Save a copy to Sent.
    pub save_copy: bool,
    /// Build it, send nothing.
    pub dry_run: bool,
    /// S/MIME signing and encryption.
    pub protection: send::Protection,
    /// Asks the person for a subject (on a terminal); `None` off one,
    /// where a missing subject is only a warning.
    pub ask_subject: Option<&'a dyn Fn() -> Option<String>>,
}

/// What became of a message.
pub enum Finished {
    /// It went to the outbox, and was sent or is queued.
    Sent {
        /// What `owl send` reports.
        report: SendReport,
        /// The draft, kept because the message was not delivered.
        kept_draft: Option<PathBuf>,
    },
    /// `--dry-run`: the message that would be sent.
    DryRun(Vec<(String, Outgoing)>),
}

/// Edits `draft` when asked, then sends it (see the module doc).
pub fn finish(ctx: &Context, mut draft: Draft, answers: Option<Original>, how: &How<'_>) -> Result<Finished> {
    let file = if how.edit { Some(edit(ctx, &mut draft)?) } else { None };
    let keep = |err: Error, file: &Option<DraftFile>| match file {
        Some(f) => err.with_hint(format!("nothing was sent; the draft is kept at {}", f.path.display())),
        None => err,
    };
    if draft.subject.as_deref().is_none_or(|s| s.trim().is_empty()) {
        match how.ask_subject.and_then(|ask| ask()) {
            Some(subject) if !subject.trim().is_empty() => draft.subject = Some(subject.trim().to_string()),
            _ => log::warn!("the message has no subject"),
        }
    }
    let prepared = match crate::model::compose::compose(&draft) {
        Ok(out) => vec![(source(&file), out)],
        Err(err) => return Err(keep(err, &file)),
    };
    if how.dry_run {
        if let Some(f) = file {
            f.remove();
        }
        return Ok(Finished::DryRun(send::protect::apply(&ctx.account, prepared, how.protection)?));
    }
    let report =
        send::run_prepared(ctx, prepared, how.save_copy, answers, how.protection).map_err(|e| keep(e, &file))?;
    let delivered = report.messages.iter().all(|m| m.error.is_none());
    let kept_draft = match file {
        Some(f) if !delivered => Some(f.path),
        Some(f) => {
            f.remove();
            None
        }
        None => None,
    };
    Ok(Finished::Sent { report, kept_draft })
}

fn source(file: &Option<DraftFile>) -> String {
    match file {
        Some(f) => f.path.display().to_string(),
        None => "composed".to_string(),
    }
}

/// Puts `draft` in front of the person and reads back what they saved.
fn edit(ctx: &Context, draft: &mut Draft) -> Result<DraftFile> {
    let (name, address) = &draft.from;
    let text = DraftText {
        from: address_item(&Mailbox { name: name.clone(), addr: address.clone() }),
        to: draft.to.join(", "),
        cc: draft.cc.join(", "),
        bcc: draft.bcc.join(", "),
        subject: draft.subject.clone().unwrap_or_default(),
        body: draft.text.clone(),
    };
    let initial = text.render();
    let file = DraftFile::create(&drafts_dir(&ctx.account.name)?, &initial)?;
    let saved = file.edit()?;
    let kept = |err: Error, file: &DraftFile| {
        err.with_hint(format!("nothing was sent; the draft is kept at {}", file.path.display()))
    };
    if saved == initial {
        file.remove();
        return Err(Error::usage("aborted: the draft was not changed; nothing was sent"));
    }
    let edited = match DraftText::parse(&saved) {
        Ok(edited) => edited,
        Err(err) => return Err(kept(err, &file)),
    };
    if saved.trim().is_empty() || (edited.is_empty() && draft.attachments.is_empty()) {
        file.remove();
        return Err(Error::usage("aborted: the draft is empty; nothing was sent"));
    }
    if edited.from.trim() != text.from.trim() {
        let from = lettre::message::Mailbox::from_str(edited.from.trim())
            .map_err(|e| kept(Error::usage(format!("From: \"{}\" is not an address ({e})", edited.from)), &file))?;
        draft.from = (from.name, from.email.to_string());
    }
    let list = |value: &str| if value.trim().is_empty() { Vec::new() } else { vec![value.trim().to_string()] };
    draft.to = list(&edited.to);
    draft.cc = list(&edited.cc);
    draft.bcc = list(&edited.bcc);
    draft.subject = Some(edited.subject.trim().to_string()).filter(|s| !s.is_empty());
    draft.text = edited.body;
    Ok(file)
}
