//! `owl send`: submission over SMTP, through an outbox, so no message is
//! ever lost.
//!
//! Order of a run: every new message is written to the outbox, durably,
//! before any SMTP transaction starts; then entries queued earlier for this
//! account, SMTP host and user go out, then this run's, all over one
//! connection ([`sender`]). An entry leaves the outbox only after the
//! server's 250 to its final dot. A message whose transaction failed before
//! the dot is retried once at once; one whose dot went out unanswered stays
//! queued, marked possibly delivered, for the next run (RFC 5321 §6.1). A
//! server's permanent refusal moves it to `outbox/rejected/`. The exit code
//! describes this run's messages only ([`SendReport::failure`]); older
//! entries still waiting are reported, not counted. After sending, copies
//! go to the Sent mailbox ([`copies`]), and the messages that accepted
//! answers answer are flagged `\Answered` ([`answered`]).

pub mod answered;
pub mod copies;
pub mod identity;
pub mod input;
pub mod protect;
pub mod queue;
pub mod report;
pub mod sender;

pub use self::identity::outbox_dir;
use self::identity::{open_outbox, smtp_settings, target};
pub use self::input::{Input, RawSource, Request, prepare};
pub use self::protect::Protection;
pub use self::queue::{Changed, QueueEntry};
pub use self::report::{MessageResult, SendReport};
use self::sender::Sender;
use super::context::Context;
use crate::error::{Error, ErrorKind, Result};
use crate::model::compose::Outgoing;
use crate::smtp::{Outcome, Refusal};
use crate::store::outbox::{self, Entry, Envelope, NewEntry, Original, Outbox, Target};

/// Lists the outbox (`owl send --queue`).
pub fn list_queue(ctx: &Context) -> Result<Vec<QueueEntry>> {
    queue::list(ctx)
}

/// Queues `input`'s messages, then sends what waits for this account
/// (older entries first, then this run's).
pub fn run(ctx: &Context, input: Option<&Input>, save_copy: bool, protection: Protection) -> Result<SendReport> {
    let ready: Vec<(String, Outgoing)> = match input {
        Some(input) => prepare(input)?,
        None => Vec::new(),
    };
    run_prepared(ctx, ready, save_copy, None, protection)
}

/// Queues messages already built, then sends as [`run`] does; `answers`
/// names the message they answer, flagged `\Answered` once one is
/// accepted (now, or by a later run that flushes the outbox). S/MIME
/// protection is applied first ([`protect`]): a refusal there leaves the
/// outbox untouched and sends nothing.
pub fn run_prepared(
    ctx: &Context,
    ready: Vec<(String, Outgoing)>,
    save_copy: bool,
    answers: Option<Original>,
    protection: Protection,
) -> Result<SendReport> {
    let settings = smtp_settings(ctx)?.clone();
    let ready = protect::apply(&ctx.account, ready, protection)?;
    let outbox = open_outbox(ctx)?;
    let me = target(ctx)?;
    let new_entries: Vec<NewEntry> = ready
        .iter()
        .map(|(_, out)| NewEntry {
            message: &out.bytes,
            // An empty copy: a Bcc recipient's own encrypted copy, which
            // gets no Sent copy (the To/Cc copy has it).
            copy: (!out.copy.is_empty()).then_some(&out.copy[..]),
            envelope: Envelope {
                from: out.from.clone(),
                recipients: out.recipients.clone(),
                message_id: out.message_id.clone(),
                queued_at: outbox::now(),
                save_copy: save_copy && !out.copy.is_empty(),
                target: Some(me.clone()),
                answers: answers.clone(),
                ..Envelope::default()
            },
        })
        .collect();
    // Durable before the first transaction starts: a kill at any instant
    // leaves each message delivered or here.
    let new_ids = outbox.add_all(&new_entries)?;

    let mut report = SendReport { outbox: outbox.dir().display().to_string(), ..SendReport::default() };
    let mut sender = Sender::new(settings, ctx.counters());
    let mut copies = Vec::new();
    let mut marks = Vec::new();
    let (older, waiting): (Vec<Entry>, Vec<Entry>) =
        outbox.pending()?.into_iter().filter(|e| !new_ids.contains(&e.id)).partition(|e| e.envelope.is_for(&me));
    for entry in older {
        let source = format!("outbox {}", entry.id);
        let answers = entry.envelope.answers.clone();
        let (result, copy) = deliver(&outbox, &mut sender, &me, entry, source)?;
        if let Some(bytes) = copy {
            copies.push(copies::Copy { index: report.flushed.len(), flushed: true, bytes });
        }
        if let Some(original) = answers.filter(|_| !result.accepted.is_empty()) {
            marks.push(answered::Mark { index: report.flushed.len(), flushed: true, original });
        }
        report.flushed.push(result);
    }
    for ((source, _), id) in ready.into_iter().zip(&new_ids) {
        let entry = outbox.get(id)?;
        let (result, copy) = deliver(&outbox, &mut sender, &me, entry, source)?;
        if let Some(bytes) = copy {
            copies.push(copies::Copy { index: report.messages.len(), flushed: false, bytes });
        }
        if let Some(original) = answers.clone().filter(|_| !result.accepted.is_empty()) {
            marks.push(answered::Mark { index: report.messages.len(), flushed: false, original });
        }
        report.messages.push(result);
    }
    sender.close();
    let left = outbox.pending()?;
    report.pending = left.len();
    report.waiting = left.iter().filter(|e| !e.envelope.is_for(&me)).count();
    drop(outbox);
    if !waiting.is_empty() {
        log::warn!(
            "{} message(s) in the outbox were queued for another account, host or user and wait for it \
             (owl send --queue lists them; --retarget ID hands one to this account)",
            waiting.len()
        );
    }
    let older_left = report.flushed.iter().filter(|r| r.queued).count();
    if older_left > 0 && !report.messages.is_empty() {
        log::warn!("{older_left} older message(s) still wait in the outbox {}", report.outbox);
    }
    copies::save(ctx, &mut report, copies);
    answered::mark(ctx, &mut report, marks);
    Ok(report)
}

/// Sends one outbox entry and settles its fate in the outbox: removed once
/// accepted, moved to `rejected/` when refused for good, kept (with the
/// failure recorded) otherwise. Returns the result and, when the message
/// was accepted and wants one, its Sent copy.
fn deliver(
    outbox: &Outbox,
    sender: &mut Sender,
    me: &Target,
    mut entry: Entry,
    source: String,
) -> Result<(MessageResult, Option<Vec<u8>>)> {
    let mut result =
        MessageResult { source, message_id: entry.envelope.message_id.clone(), ..MessageResult::default() };
    let message = entry.message()?;
    let envelope = entry.envelope.clone();
    let mut copy = None;
    match sender.send(&envelope.from, &envelope.recipients, &message) {
        Outcome::Delivered(delivery) => {
            // Read the copy while the entry still exists.
            if envelope.save_copy {
                copy = Some(entry.copy()?);
            }
            outbox.remove(&entry)?;
            let later: Vec<String> =
                delivery.refused.iter().filter(|r| r.temporary).map(|r| r.recipient.clone()).collect();
            if !later.is_empty() {
                // Recipients refused for now get the message later.
                let again = Envelope {
                    recipients: later,
                    save_copy: false,
                    queued_at: outbox::now(),
                    attempts: 0,
                    possibly_delivered: false,
                    target: Some(me.clone()),
                    // The answer was delivered: the flag is set now.
                    answers: None,
                    ..envelope
                };
                result.queue_id = Some(outbox.add(&message, None, &again)?);
                result.queued = true;
            }
            if let Some(kind) = refusal_kind(&delivery.refused) {
                let mut words: Vec<String> = delivery
                    .refused
                    .iter()
                    .map(|r| format!("{} refused ({}: {})", r.recipient, r.reply, r.explanation))
                    .collect();
                if result.queued {
                    words.push("the message waits in the outbox for the recipients refused for now".into());
                }
                fail(&mut result, Error::new(kind, words.join("; ")));
            }
            result.accepted = delivery.accepted;
            result.refused = delivery.refused;
        }
        Outcome::Refused { error, refused } => {
            result.refused = refused;
            if error.kind() == ErrorKind::TempFail {
                outbox.record_failure(&mut entry, &error.to_string(), false)?;
                result.queued = true;
                result.queue_id = Some(entry.id.clone());
                fail(&mut result, kept(error));
            } else {
                outbox.reject(&mut entry, &error.to_string())?;
                result.rejected = true;
                result.queue_id = Some(entry.id.clone());
                fail(&mut result, error.with_hint("kept in outbox/rejected; it is not sent again"));
            }
        }
        Outcome::NotSent(error) => {
            outbox.record_failure(&mut entry, &error.to_string(), false)?;
            result.queued = true;
            result.queue_id = Some(entry.id.clone());
            fail(&mut result, kept(error));
        }
        Outcome::Unknown(error) => {
            outbox.record_failure(&mut entry, &error.to_string(), true)?;
            result.queued = true;
            result.possibly_delivered = true;
            result.queue_id = Some(entry.id.clone());
            fail(&mut result, kept(error));
        }
    }
    Ok((result, copy))
}

/// The kind a delivery with refused recipients ends in: a permanent refusal
/// needs a person (65); recipients refused only for now are retried (75).
fn refusal_kind(refused: &[Refusal]) -> Option<ErrorKind> {
    if refused.iter().any(|r| !r.temporary) {
        Some(ErrorKind::Rejected)
    } else if refused.is_empty() {
        None
    } else {
        Some(ErrorKind::TempFail)
    }
}

fn kept(error: Error) -> Error {
    error.with_hint("the message is kept in the outbox and sent by the next owl send, or owl send --flush")
}

fn fail(result: &mut MessageResult, err: Error) {
    result.exit_code = err.exit_code();
    result.error_kind = Some(err.kind());
    result.error = Some(err.to_string());
}

/// Sets outbox entry `id` aside (`owl send --drop ID`).
pub fn drop_entry(ctx: &Context, id: &str) -> Result<Changed> {
    queue::drop_entry(ctx, id)
}

/// Hands outbox entry `id` to this account (`owl send --retarget ID`).
pub fn retarget(ctx: &Context, id: &str) -> Result<Changed> {
    queue::retarget(ctx, id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(source: &str, kind: Option<ErrorKind>) -> MessageResult {
        MessageResult {
            source: source.into(),
            error_kind: kind,
            error: kind.map(|k| format!("{k:?}")),
            ..MessageResult::default()
        }
    }

    #[test]
    fn the_exit_code_is_the_most_urgent_of_this_runs_messages() {
        let report = SendReport {
            flushed: vec![result("outbox old", Some(ErrorKind::Auth))],
            messages: vec![
                result("a", Some(ErrorKind::TempFail)),
                result("b", Some(ErrorKind::Rejected)),
                result("c", None),
                result("d", Some(ErrorKind::Tls)),
            ],
            ..SendReport::default()
        };
        assert_eq!(report.failure().map(|(k, _)| k), Some(ErrorKind::Tls));
        let delivered = SendReport {
            flushed: vec![result("outbox old", Some(ErrorKind::TempFail))],
            messages: vec![result("new", None)],
            ..SendReport::default()
        };
        assert_eq!(delivered.failure(), None, "older entries still waiting do not count");
        let flush =
            SendReport { flushed: vec![result("outbox old", Some(ErrorKind::TempFail))], ..SendReport::default() };
        assert_eq!(flush.failure().map(|(k, _)| k), Some(ErrorKind::TempFail));
    }

    #[test]
    fn refused_recipients_decide_between_65_and_75() {
        let refusal =
            |temporary| Refusal { recipient: "x@y".into(), reply: "550".into(), explanation: String::new(), temporary };
        assert_eq!(refusal_kind(&[]), None);
        assert_eq!(refusal_kind(&[refusal(true)]), Some(ErrorKind::TempFail));
        assert_eq!(refusal_kind(&[refusal(true), refusal(false)]), Some(ErrorKind::Rejected));
    }
}
