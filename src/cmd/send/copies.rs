//! The Sent copy: after a message was accepted, it is appended over IMAP to
//! the Sent mailbox (found, or created, as [`crate::cmd::special`] says),
//! flagged `\Seen`. A failed save is a warning on the message,
//! never a reason to send it again.

use super::report::{MessageResult, SendReport};
use crate::cmd::context::Context;
use crate::cmd::special::{self, Missing, Special};
use crate::error::{Result, ResultExt};
use crate::imap::Flag;

/// A copy to save: which result it belongs to, and its bytes.
pub struct Copy {
    /// Index into the report's `flushed` (if `flushed`) or `messages`.
    pub index: usize,
    /// Whether it came from the outbox flush.
    pub flushed: bool,
    /// The bytes to append.
    pub bytes: Vec<u8>,
}

/// Appends each copy; records where it went, or why not, on its result.
pub fn save(ctx: &Context, report: &mut SendReport, copies: Vec<Copy>) {
    if ctx.account.imap.is_none() || copies.is_empty() {
        return;
    }
    let outcome = (|| -> Result<(String, Vec<Result<()>>)> {
        let pool = ctx.imap()?;
        let mut session = pool.get()?;
        let sent = special::find(&mut session, &ctx.account, Special::Sent, Missing::Create)?;
        let results = copies
            .iter()
            .map(|copy| {
                session
                    .append(&sent, &[Flag::Seen], None, copy.bytes.clone())
                    .map(drop)
                    .with_context(|| format!("mailbox \"{sent}\""))
            })
            .collect();
        Ok((sent.to_string(), results))
    })();
    for (i, copy) in copies.iter().enumerate() {
        let result: &mut MessageResult =
            if copy.flushed { &mut report.flushed[copy.index] } else { &mut report.messages[copy.index] };
        match &outcome {
            Ok((mailbox, results)) => match &results[i] {
                Ok(()) => result.saved_to = Some(mailbox.clone()),
                Err(err) => result.save_error = Some(err.to_string()),
            },
            Err(err) => result.save_error = Some(err.to_string()),
        }
        if let Some(err) = &result.save_error {
            log::warn!("{}: sent, but the copy was not saved to Sent: {err}", result.source);
        }
    }
}
