//! `owl send`: submission over SMTP, with an outbox so no message is ever
//! lost.
//!
//! Order of a run: messages already in the outbox go first, then the new
//! ones, all over one SMTP connection. A message leaves the outbox only
//! after the server accepted it. A 4xx, a network failure, or a login that
//! fails keeps the message in the outbox (exit 75, or 77 for a bad
//! password) for the next `owl send` or `owl send --flush`. A message the
//! server refuses for good (5xx) is kept in `outbox/rejected/` and never
//! retried. After sending, a copy goes to the Sent mailbox over IMAP,
//! flagged \Seen; a failed save is a warning, never a resend.

use std::io::Read;
use std::path::PathBuf;
use std::sync::Arc;

use serde::Serialize;

use super::context::{Context, CredentialCache};
use crate::config::Smtp;
use crate::error::{Error, ErrorKind, Result};
use crate::model::compose::{self, Draft, Outgoing};
use crate::model::raw::{self, RawOptions};
use crate::model::utf7;
use crate::net::Counters;
use crate::smtp::{self, Refusal};
use crate::store::outbox::{self, Envelope, Outbox};

/// Where a raw message comes from.
#[derive(Debug, Clone)]
pub enum RawSource {
    /// A file.
    File(PathBuf),
    /// Standard input.
    Stdin,
}

/// What to send.
#[derive(Debug, Clone)]
pub enum Input {
    /// A message composed from flags.
    Compose(Draft),
    /// Whole messages, prepared with `options`.
    Raw {
        /// Files or stdin, one message each.
        sources: Vec<RawSource>,
        /// How to prepare them.
        options: RawOptions,
    },
}

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
    /// Whether it waits in the outbox (its id in `queue_id`).
    pub queued: bool,
    /// Its outbox id, when queued or rejected.
    pub queue_id: Option<String>,
    /// Whether the server refused it for good (kept in outbox/rejected/).
    pub rejected: bool,
    /// The mailbox the copy was saved to.
    pub saved_to: Option<String>,
    /// Why the copy could not be saved.
    pub save_error: Option<String>,
    /// What went wrong, in one line.
    pub error: Option<String>,
    #[serde(skip)]
    pub error_kind: Option<ErrorKind>,
}

/// The result of `owl send` (its `--json` schema).
#[derive(Debug, Clone, Default, Serialize)]
pub struct SendReport {
    /// Messages from the outbox, tried first.
    pub flushed: Vec<MessageResult>,
    /// The messages of this run.
    pub messages: Vec<MessageResult>,
    /// Messages still waiting in the outbox afterwards.
    pub pending: usize,
    /// The outbox directory.
    pub outbox: String,
}

impl SendReport {
    /// The first failure of this run's messages (else of the flush), for
    /// the exit code.
    pub fn failure(&self) -> Option<(ErrorKind, String)> {
        self.messages
            .iter()
            .chain(self.flushed.iter())
            .find_map(|m| Some((m.error_kind?, format!("{}: {}", m.source, m.error.clone()?))))
    }
}

/// A message of this run, ready to go.
struct Ready {
    source: String,
    outgoing: Outgoing,
}

/// The outbox directory of `account`.
pub fn outbox_dir(account: &str) -> Result<PathBuf> {
    let dirs = directories::ProjectDirs::from("", "", "owl")
        .ok_or_else(|| Error::config("cannot find the home directory for the outbox"))?;
    Ok(dirs.data_dir().join("outbox").join(account))
}

/// Prepares the messages of `input` without sending them (also `--dry-run`).
pub fn prepare(input: &Input) -> Result<Vec<(String, Outgoing)>> {
    match input {
        Input::Compose(draft) => Ok(vec![("composed".to_string(), compose::compose(draft)?)]),
        Input::Raw { sources, options } => {
            let mut out = Vec::new();
            for source in sources {
                let (name, bytes) = match source {
                    RawSource::File(path) => (
                        path.display().to_string(),
                        std::fs::read(path)
                            .map_err(|e| Error::local_io(format!("cannot read {}", path.display()), e))?,
                    ),
                    RawSource::Stdin => {
                        let mut bytes = Vec::new();
                        std::io::stdin()
                            .read_to_end(&mut bytes)
                            .map_err(|e| Error::local_io("cannot read the message from stdin", e))?;
                        ("stdin".to_string(), bytes)
                    }
                };
                let outgoing = raw::prepare(&bytes, options).map_err(|e| e.context(name.clone()))?;
                out.push((name, outgoing));
            }
            Ok(out)
        }
    }
}

/// Sends the outbox, then `input` (if any).
pub fn run(ctx: &Context, input: Option<&Input>, save_copy: bool) -> Result<SendReport> {
    let settings =
        ctx.account.smtp.clone().ok_or_else(|| {
            Error::config(format!("{} has no [accounts.{}.smtp] section", ctx.label(), ctx.account.name))
        })?;
    let ready: Vec<Ready> = match input {
        Some(input) => prepare(input)?.into_iter().map(|(source, outgoing)| Ready { source, outgoing }).collect(),
        None => Vec::new(),
    };
    let dir = outbox_dir(&ctx.account.name)?;
    let outbox = Outbox::open(&dir)?;
    let mut sender = Sender::new(settings, ctx.counters());
    let mut report = SendReport { outbox: dir.display().to_string(), ..SendReport::default() };
    let mut copies: Vec<(usize, bool, Vec<u8>)> = Vec::new();

    for mut entry in outbox.pending()? {
        let mut result = MessageResult {
            source: format!("outbox {}", entry.id),
            message_id: entry.envelope.message_id.clone(),
            queue_id: Some(entry.id.clone()),
            ..MessageResult::default()
        };
        let message = entry.message()?;
        match sender.send(&entry.envelope.from, &entry.envelope.recipients, &message) {
            Ok(delivery) => {
                // Read the copy while the entry still exists.
                let copy = if entry.envelope.save_copy { Some(entry.copy()?) } else { None };
                outbox.remove(&entry)?;
                requeue_temporary(&outbox, &mut result, &delivery.refused, &message, &entry.envelope)?;
                result.accepted = delivery.accepted;
                result.refused = delivery.refused;
                if let Some(copy) = copy {
                    copies.push((report.flushed.len(), true, copy));
                }
            }
            Err(err) if err.kind() == ErrorKind::Rejected => {
                outbox.reject(&mut entry, &err.to_string())?;
                result.rejected = true;
                fail(&mut result, err);
            }
            Err(err) => {
                outbox.record_failure(&mut entry, &err.to_string())?;
                result.queued = true;
                fail(&mut result, err);
            }
        }
        report.flushed.push(result);
    }

    for item in ready {
        let out = item.outgoing;
        let mut result =
            MessageResult { source: item.source, message_id: out.message_id.clone(), ..MessageResult::default() };
        let envelope = Envelope {
            from: out.from.clone(),
            recipients: out.recipients.clone(),
            message_id: out.message_id.clone(),
            queued_at: outbox::now(),
            attempts: 0,
            last_error: None,
            save_copy,
        };
        match sender.send(&out.from, &out.recipients, &out.bytes) {
            Ok(delivery) => {
                requeue_temporary(&outbox, &mut result, &delivery.refused, &out.bytes, &envelope)?;
                result.accepted = delivery.accepted;
                result.refused = delivery.refused;
                if save_copy {
                    copies.push((report.messages.len(), false, out.copy.clone()));
                }
            }
            Err(err) if err.kind() == ErrorKind::Rejected => {
                let rejected = Envelope { last_error: Some(err.to_string()), ..envelope };
                result.queue_id = Some(outbox.add_rejected(&out.bytes, Some(&out.copy), &rejected)?);
                result.rejected = true;
                fail(&mut result, err);
            }
            Err(err) => {
                let queued = Envelope { last_error: Some(err.to_string()), ..envelope };
                result.queue_id = Some(outbox.add(&out.bytes, Some(&out.copy), &queued)?);
                result.queued = true;
                let err = Error::new(
                    err.kind(),
                    format!(
                        "{err}; the message is kept in the outbox and sent by the next owl send (or owl send --flush)"
                    ),
                );
                fail(&mut result, err);
            }
        }
        report.messages.push(result);
    }
    sender.close();
    report.pending = outbox.pending()?.len();
    drop(outbox);

    if !copies.is_empty() {
        save_copies(ctx, &mut report, copies);
    }
    Ok(report)
}

/// Recipients refused for now (4xx) get the message later: a new outbox
/// entry for just them.
fn requeue_temporary(
    outbox: &Outbox,
    result: &mut MessageResult,
    refused: &[Refusal],
    message: &[u8],
    envelope: &Envelope,
) -> Result<()> {
    let later: Vec<String> = refused.iter().filter(|r| r.temporary).map(|r| r.recipient.clone()).collect();
    if later.is_empty() {
        return Ok(());
    }
    let entry = Envelope { recipients: later, save_copy: false, queued_at: outbox::now(), ..envelope.clone() };
    result.queue_id = Some(outbox.add(message, None, &entry)?);
    result.queued = true;
    Ok(())
}

fn fail(result: &mut MessageResult, err: Error) {
    result.error_kind = Some(err.kind());
    result.error = Some(err.to_string());
}

/// Sends over one connection, opened on first use and again once if it
/// breaks. Once connecting fails, every later message fails the same way
/// without another attempt (the server is down: queue them all).
struct Sender {
    settings: Smtp,
    credentials: CredentialCache,
    counters: Arc<Counters>,
    session: Option<smtp::Session>,
    broken: Option<Error>,
}

impl Sender {
    fn new(settings: Smtp, counters: Arc<Counters>) -> Sender {
        let credentials = CredentialCache::new(settings.server.clone());
        Sender { settings, credentials, counters, session: None, broken: None }
    }

    fn connect(&mut self) -> Result<&mut smtp::Session> {
        if let Some(err) = &self.broken {
            return Err(Error::new(err.kind(), err.to_string()));
        }
        if self.session.as_ref().is_some_and(smtp::Session::is_broken) {
            self.session = None;
        }
        if self.session.is_none() {
            let endpoint = &self.settings.server.endpoint;
            let options = smtp::Options::new(endpoint.clone(), "smtp");
            let opened = smtp::Session::connect(&options, self.counters.clone()).and_then(|mut session| {
                session.authenticate(&self.credentials.get()?)?;
                Ok(session)
            });
            match opened {
                Ok(session) => self.session = Some(session),
                Err(err) => {
                    let err = err.context(format!("smtp {}", endpoint.address()));
                    self.broken = Some(Error::new(err.kind(), err.to_string()));
                    return Err(err);
                }
            }
        }
        self.session.as_mut().ok_or_else(|| Error::internal("no SMTP session"))
    }

    fn send(&mut self, from: &str, recipients: &[String], message: &[u8]) -> Result<smtp::Delivery> {
        let address = self.settings.server.endpoint.address();
        let envelope = smtp::Envelope::for_message(from, recipients, message);
        let outcome = match self.connect()?.send(&envelope, &mut &message[..]) {
            // Nothing was delivered (the connection may have died between
            // messages): once more on a fresh one before queueing. Never
            // after an Unknown outcome: that could deliver it twice.
            smtp::Outcome::NotSent(_) if self.broken.is_none() => {
                self.session = None;
                self.connect()?.send(&envelope, &mut &message[..])
            }
            other => other,
        };
        outcome.into_result().map_err(|e| e.context(format!("smtp {address}")))
    }

    fn close(self) {
        if let Some(session) = self.session {
            session.quit();
        }
    }
}

/// Appends each copy to the Sent mailbox, flagged \Seen. Failures are
/// recorded as warnings on the message; nothing is sent again.
fn save_copies(ctx: &Context, report: &mut SendReport, copies: Vec<(usize, bool, Vec<u8>)>) {
    if ctx.account.imap.is_none() {
        return;
    }
    let outcome = (|| -> Result<(String, Vec<Result<()>>)> {
        let pool = ctx.imap()?;
        let mut session = pool.get()?;
        let entries = session.list()?;
        let sent = entries
            .iter()
            .find(|e| e.special_use().is_some_and(|u| u.eq_ignore_ascii_case("\\Sent")))
            .map(|e| e.name.clone())
            .or_else(|| ctx.account.sent_mailbox.as_deref().map(utf7::encode_mailbox))
            .unwrap_or_else(|| "Sent".to_string());
        if !entries.iter().any(|e| e.name == sent) {
            session.create(&sent)?;
        }
        let results = copies
            .iter()
            .map(|(_, _, copy)| session.append(&sent, &["\\Seen"], None, copy.clone()).map(drop))
            .collect();
        Ok((utf7::decode_mailbox(&sent), results))
    })();
    for (i, (index, flushed, _)) in copies.iter().enumerate() {
        let result = if *flushed { &mut report.flushed[*index] } else { &mut report.messages[*index] };
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

/// One queued message, for `owl send --queue`.
#[derive(Debug, Clone, Serialize)]
pub struct QueueEntry {
    /// Its outbox id.
    pub id: String,
    /// `pending` (will be retried) or `rejected` (kept, not retried).
    pub state: &'static str,
    /// Envelope sender.
    pub from: String,
    /// Envelope recipients.
    pub recipients: Vec<String>,
    /// Message-ID.
    pub message_id: Option<String>,
    /// When it was queued (unix seconds).
    pub queued_at: u64,
    /// Attempts so far.
    pub attempts: u32,
    /// The last failure.
    pub last_error: Option<String>,
}

/// Lists the outbox.
pub fn queue(ctx: &Context) -> Result<Vec<QueueEntry>> {
    let outbox = Outbox::open(&outbox_dir(&ctx.account.name)?)?;
    let mut out = Vec::new();
    for (state, entries) in [("pending", outbox.pending()?), ("rejected", outbox.rejected()?)] {
        for e in entries {
            out.push(QueueEntry {
                id: e.id,
                state,
                from: e.envelope.from,
                recipients: e.envelope.recipients,
                message_id: e.envelope.message_id,
                queued_at: e.envelope.queued_at,
                attempts: e.envelope.attempts,
                last_error: e.envelope.last_error,
            });
        }
    }
    Ok(out)
}
