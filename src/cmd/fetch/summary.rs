//! The summary of an `owl fetch` run (its `--json` schema), and the exit
//! code it ends in: what each mailbox got, what failed, what the wire
//! carried.

use std::time::Instant;

use serde::Serialize;

use crate::cmd::context::Context;
use crate::error::{Error, ErrorKind};
use crate::store::{MailboxStore, StoreSpec};

/// One mailbox in the summary (part of the `--json` schema).
#[derive(Debug, Clone, Default, Serialize)]
pub struct MailboxSummary {
    /// Decoded mailbox name.
    pub name: String,
    /// Messages stored this run (with `--dry-run`: that would be).
    pub new: u64,
    /// Their bytes.
    pub bytes: u64,
    /// Messages left out by `--since`, `--max-size` or `--limit`.
    pub skipped: u64,
    /// Stored messages whose flags changed on the server and were updated
    /// (Maildir, with CONDSTORE).
    pub flags_updated: u64,
    /// Whether the server's UIDVALIDITY changed, so the mailbox was
    /// fetched again (old copies kept).
    pub uidvalidity_reset: bool,
    /// What opening the local mailbox repaired after an interrupted run.
    pub recovered: Option<String>,
    /// Why this mailbox failed, if it did.
    pub error: Option<String>,
    /// Messages the server would not give this run (the rest of the
    /// mailbox was backed up); they are tried again after a back-off (15
    /// minutes, doubling up to a day).
    pub failed_messages: Vec<FailedMessage>,
    /// Messages that failed in an earlier run and wait for their next try;
    /// not failures of this run.
    pub deferred: u64,
    #[serde(skip)]
    pub error_kind: Option<ErrorKind>,
}

/// A message that could not be backed up.
#[derive(Debug, Clone, Serialize)]
pub struct FailedMessage {
    /// Its UID.
    pub uid: u32,
    /// Why, in one line.
    pub error: String,
    #[serde(skip)]
    pub kind: ErrorKind,
}

/// Totals over every mailbox.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Totals {
    /// Messages stored.
    pub new: u64,
    /// Their bytes.
    pub bytes: u64,
    /// Messages skipped by filters.
    pub skipped: u64,
    /// Stored messages whose flags were updated.
    pub flags_updated: u64,
    /// Mailboxes whose UIDVALIDITY changed.
    pub uidvalidity_resets: u64,
    /// Mailboxes that failed.
    pub failed: u64,
    /// Messages that could not be backed up, in mailboxes that did not
    /// fail as a whole.
    pub failed_messages: u64,
    /// Messages that failed earlier and wait for their next try.
    pub deferred: u64,
}

/// Bytes on the wire for the whole run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Wire {
    /// Bytes received from the network (compressed, encrypted).
    pub received: u64,
    /// Bytes sent.
    pub sent: u64,
    /// IMAP bytes received, after decryption and decompression.
    pub protocol_received: u64,
    /// Received wire bytes per protocol byte: 0.55 means compression
    /// saved 45%; slightly above 1 means TLS overhead only.
    pub ratio: f64,
    /// Whether COMPRESS=DEFLATE was on.
    pub compressed: bool,
    /// Why: the setting, and for `auto` what was measured.
    pub compression: Option<String>,
}

/// The result of `owl fetch` (its `--json` schema).
#[derive(Debug, Clone, Default, Serialize)]
pub struct FetchSummary {
    /// The account.
    pub account: String,
    /// The store, as `maildir:PATH` or `mbox:PATH`.
    pub store: String,
    /// Whether this was a dry run.
    pub dry_run: bool,
    /// Per mailbox, in the order fetched.
    pub mailboxes: Vec<MailboxSummary>,
    /// Totals.
    pub total: Totals,
    /// Network use.
    pub wire: Wire,
    /// Wall time in seconds.
    pub duration_secs: f64,
}

impl FetchSummary {
    /// The first failed mailbox's error kind, for the exit code; else the
    /// first message that could not be backed up: nothing is skipped
    /// silently.
    pub fn failure(&self) -> Option<(ErrorKind, String)> {
        let whole = self
            .mailboxes
            .iter()
            .find_map(|m| Some((m.error_kind?, format!("mailbox \"{}\": {}", m.name, m.error.clone()?))));
        whole.or_else(|| {
            self.mailboxes.iter().find_map(|m| {
                let first = m.failed_messages.first()?;
                let uids: Vec<String> = m.failed_messages.iter().take(10).map(|f| f.uid.to_string()).collect();
                Some((
                    first.kind,
                    format!(
                        "mailbox \"{}\": {} message(s) could not be backed up (UID {}{}): {}",
                        m.name,
                        m.failed_messages.len(),
                        uids.join(", "),
                        if m.failed_messages.len() > 10 { ", ..." } else { "" },
                        first.error
                    ),
                ))
            })
        })
    }
}

pub fn record_error(summary: &mut MailboxSummary, err: Error) {
    if summary.error.is_none() {
        summary.error_kind = Some(err.kind());
        summary.error = Some(err.to_string());
    }
}

pub fn describe_recovery(mailbox: &MailboxStore) -> Option<String> {
    let r = mailbox.recovery();
    let mut parts = Vec::new();
    if let Some(why) = &r.rebuilt {
        parts.push(format!("state rebuilt from file names ({why})"));
    }
    if r.adopted > 0 {
        parts.push(format!("{} message(s) stored by an interrupted run adopted", r.adopted));
    }
    if r.removed_spools > 0 {
        parts.push(format!("{} unfinished download(s) removed", r.removed_spools));
    }
    if r.truncated > 0 {
        parts.push(format!("{} unrecorded byte(s) cut from the mbox end", r.truncated));
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}

pub fn finish(
    ctx: &Context,
    spec: &StoreSpec,
    dry_run: bool,
    mailboxes: Vec<MailboxSummary>,
    started: Instant,
) -> FetchSummary {
    let bytes = ctx.bytes();
    let mut total = Totals::default();
    for m in &mailboxes {
        total.new += m.new;
        total.bytes += m.bytes;
        total.skipped += m.skipped;
        total.flags_updated += m.flags_updated;
        total.uidvalidity_resets += u64::from(m.uidvalidity_reset);
        total.failed += u64::from(m.error.is_some());
        total.failed_messages += m.failed_messages.len() as u64;
        total.deferred += m.deferred;
    }
    let ratio = if bytes.protocol_in == 0 { 1.0 } else { bytes.wire_in as f64 / bytes.protocol_in as f64 };
    FetchSummary {
        account: ctx.account.name.clone(),
        store: spec.to_string(),
        dry_run,
        mailboxes,
        total,
        wire: Wire {
            received: bytes.wire_in,
            sent: bytes.wire_out,
            protocol_received: bytes.protocol_in,
            ratio: (ratio * 1000.0).round() / 1000.0,
            compressed: ctx.compressed(),
            compression: ctx.compression_why(),
        },
        duration_secs: (started.elapsed().as_secs_f64() * 1000.0).round() / 1000.0,
    }
}
