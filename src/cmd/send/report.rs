//! What `owl send` reports (its `--json` schema) and which failure of a run
//! decides the exit code.

use serde::Serialize;

use crate::error::ErrorKind;
use crate::smtp::Refusal;

/// One message's fate (part of the `--json` schema).
#[derive(Debug, Clone, Default, Serialize)]
pub struct MessageResult {
    /// `composed`, a file name, `stdin`, or `outbox ID`.
    pub source: String,
    /// Its Message-ID.
    pub message_id: Option<String>,
    /// Recipients the server accepted.
    pub accepted: Vec<String>,
    /// Recipients it refused.
    pub refused: Vec<Refusal>,
    /// Whether it (or a part: recipients refused for now) waits in the
    /// outbox, under `queue_id`.
    pub queued: bool,
    /// Its outbox id, when queued or rejected.
    pub queue_id: Option<String>,
    /// Whether the server refused it for good (kept in outbox/rejected/).
    pub rejected: bool,
    /// Whether its final dot went out unanswered: the server may have it,
    /// and it is sent again by the next run.
    pub possibly_delivered: bool,
    /// The mailbox the copy was saved to.
    pub saved_to: Option<String>,
    /// Why the copy could not be saved.
    pub save_error: Option<String>,
    /// For an answer: whether the message it answers is now flagged
    /// `\Answered` (absent for messages that answer nothing).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answered: Option<bool>,
    /// Why that flag could not be set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answered_error: Option<String>,
    /// What went wrong, in one line.
    pub error: Option<String>,
    /// The exit code this message alone would give (0: every recipient
    /// accepted it).
    pub exit_code: i32,
    #[serde(skip)]
    pub error_kind: Option<ErrorKind>,
}

/// The result of `owl send` (its `--json` schema).
#[derive(Debug, Clone, Default, Serialize)]
pub struct SendReport {
    /// Entries queued by earlier runs, tried first.
    pub flushed: Vec<MessageResult>,
    /// The messages of this run.
    pub messages: Vec<MessageResult>,
    /// Messages still waiting in the outbox afterwards (this run's and
    /// older ones).
    pub pending: usize,
    /// Of those, entries queued for another account, host or user, which
    /// this account does not send.
    pub waiting: usize,
    /// The outbox directory.
    pub outbox: String,
}

/// Which failure needs a person first: a bad password, then TLS or an
/// unusable server, then a refusal, then a temporary failure.
fn urgency(kind: ErrorKind) -> u8 {
    match kind {
        ErrorKind::Auth => 0,
        ErrorKind::Tls | ErrorKind::Unavailable => 1,
        ErrorKind::Rejected | ErrorKind::Protocol => 2,
        ErrorKind::TempFail => 3,
        _ => 4,
    }
}

impl SendReport {
    /// The exit code's error for this run: the most urgent failure among
    /// the messages given to this run (with `--flush`, the outbox entries
    /// it tried). Older entries that still fail do not count: a new
    /// message that was delivered exits 0.
    pub fn failure(&self) -> Option<(ErrorKind, String)> {
        let own = if self.messages.is_empty() { &self.flushed } else { &self.messages };
        own.iter()
            .filter_map(|m| Some((m.error_kind?, m)))
            .min_by_key(|(kind, _)| urgency(*kind))
            .map(|(kind, m)| (kind, format!("{}: {}", m.source, m.error.clone().unwrap_or_default())))
    }
}
