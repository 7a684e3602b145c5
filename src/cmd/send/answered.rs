//! `\Answered` on the message a reply answers, set once the server took the
//! reply: at once, or by the later run that flushes it from the outbox (the
//! outbox entry remembers mailbox, UIDVALIDITY and UID). The UID is used
//! only while the mailbox's UIDVALIDITY is the one recorded; otherwise it
//! may name another message, and the flag is left alone. A failure is a
//! warning on the message, never a reason to send it again.

use super::report::{MessageResult, SendReport};
use crate::cmd::context::Context;
use crate::error::{Error, Result, ResultExt};
use crate::imap::{Flag, FlagChange, MailboxName, MessageSet};
use crate::store::outbox::Original;

/// A message to flag: which result it belongs to and what it answers.
pub struct Mark {
    /// Index into the report's `flushed` (if `flushed`) or `messages`.
    pub index: usize,
    /// Whether it came from the outbox flush.
    pub flushed: bool,
    /// The message answered.
    pub original: Original,
}

/// Flags each original; records on its result whether that worked.
pub fn mark(ctx: &Context, report: &mut SendReport, marks: Vec<Mark>) {
    if marks.is_empty() {
        return;
    }
    let session = ctx.imap().and_then(|pool| pool.get());
    let mut session = match session {
        Ok(session) => Some(session),
        Err(err) => {
            for m in &marks {
                record(report, m, Err(err.clone_for_repeat()));
            }
            None
        }
    };
    if let Some(session) = session.as_mut() {
        for m in &marks {
            let o = &m.original;
            let name = MailboxName::new(&o.mailbox);
            let outcome = (|| -> Result<()> {
                let selected = session.select(&name).with_context(|| format!("mailbox \"{name}\""))?;
                if selected.uidvalidity != Some(o.uidvalidity) {
                    return Err(Error::new(
                        crate::error::ErrorKind::NoInput,
                        format!(
                            "mailbox \"{name}\" was recreated since (its UIDVALIDITY changed), so UID {} may be \
                             another message",
                            o.uid
                        ),
                    ));
                }
                session
                    .uid_store(&MessageSet::one(o.uid), FlagChange::Add, &[Flag::Answered], &mut |_| Ok(()))
                    .with_context(|| format!("mailbox \"{name}\""))
            })();
            record(report, m, outcome);
        }
    }
}

fn record(report: &mut SendReport, m: &Mark, outcome: Result<()>) {
    let result: &mut MessageResult =
        if m.flushed { &mut report.flushed[m.index] } else { &mut report.messages[m.index] };
    match outcome {
        Ok(()) => result.answered = Some(true),
        Err(err) => {
            log::warn!(
                "{}: sent, but message {} in \"{}\" was not flagged as answered: {err}",
                result.source,
                m.original.uid,
                m.original.mailbox
            );
            result.answered = Some(false);
            result.answered_error = Some(err.to_string());
        }
    }
}
