//! The outbox seen from the command line: `owl send --queue` lists every
//! entry and who may send it, `--drop ID` sets one aside in `dropped/`,
//! `--retarget ID` hands one to the current account (after moving to
//! another provider, say).

use serde::Serialize;

use super::identity::{open_outbox, target};
use crate::cmd::context::Context;
use crate::error::Result;
use crate::model::date::format_rfc3339;
use crate::store::outbox::{Entry, Original, Target};

/// One queued message, for `owl send --queue`.
#[derive(Debug, Clone, Serialize)]
pub struct QueueEntry {
    /// Its outbox id.
    pub id: String,
    /// `pending` (sent by the next `owl send`), `possibly_delivered` (the
    /// server may have it; retried anyway), `waiting` (queued for another
    /// account, host or user: only that one sends it), or `rejected`
    /// (refused for good; kept, never retried).
    pub state: &'static str,
    /// Envelope sender.
    pub from: String,
    /// Envelope recipients.
    pub recipients: Vec<String>,
    /// Message-ID.
    pub message_id: Option<String>,
    /// When it was queued, RFC 3339 in UTC.
    pub queued_at: String,
    /// Attempts so far.
    pub attempts: u32,
    /// The last failure.
    pub last_error: Option<String>,
    /// Who it was queued for (null for entries from before owl recorded
    /// it: the account of the outbox's name sends those).
    pub target: Option<Target>,
    /// For a reply: the message flagged `\Answered` once it is accepted
    /// (`mailbox`, `uidvalidity`, `uid`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answers: Option<Original>,
}

fn row(entry: Entry, state: &'static str) -> QueueEntry {
    let e = entry.envelope;
    QueueEntry {
        id: entry.id,
        state,
        from: e.from,
        recipients: e.recipients,
        message_id: e.message_id,
        queued_at: format_rfc3339(i64::try_from(e.queued_at).unwrap_or(i64::MAX), 0),
        attempts: e.attempts,
        last_error: e.last_error,
        target: e.target,
        answers: e.answers,
    }
}

/// Lists the outbox.
pub fn list(ctx: &Context) -> Result<Vec<QueueEntry>> {
    let outbox = open_outbox(ctx)?;
    let me = target(ctx)?;
    let mut out = Vec::new();
    for entry in outbox.pending()? {
        let state = match &entry.envelope {
            e if !e.is_for(&me) => "waiting",
            e if e.possibly_delivered => "possibly_delivered",
            _ => "pending",
        };
        out.push(row(entry, state));
    }
    out.extend(outbox.rejected()?.into_iter().map(|e| row(e, "rejected")));
    Ok(out)
}

/// What `--drop` or `--retarget` did.
#[derive(Debug, Clone, Serialize)]
pub struct Changed {
    /// The entry.
    pub id: String,
    /// `dropped` or `retargeted`.
    pub action: &'static str,
    /// Where a dropped entry now lies.
    pub path: Option<String>,
    /// Who sends a retargeted entry now.
    pub target: Option<Target>,
}

/// Sets entry `id` aside in `dropped/` (kept, never sent).
pub fn drop_entry(ctx: &Context, id: &str) -> Result<Changed> {
    let outbox = open_outbox(ctx)?;
    let entry = outbox.get(id)?;
    let path = outbox.drop_entry(&entry)?;
    Ok(Changed { id: id.to_string(), action: "dropped", path: Some(path.display().to_string()), target: None })
}

/// Hands entry `id` to the current account, SMTP host and user.
pub fn retarget(ctx: &Context, id: &str) -> Result<Changed> {
    let outbox = open_outbox(ctx)?;
    let mut entry = outbox.get(id)?;
    let me = target(ctx)?;
    outbox.retarget(&mut entry, &me)?;
    Ok(Changed { id: id.to_string(), action: "retargeted", path: None, target: Some(me) })
}
