//! Renders `owl send` results, the outbox listing and dry runs.

use super::table::{self, Align, Column};
use super::{Format, Output};
use crate::cmd::send::{Changed, MessageResult, QueueEntry, SendReport};
use crate::error::Result;
use crate::model::compose::Outgoing;

/// Prints the report: JSON always with `--json`; text only when asked
/// for (a terminal, or `-v`), so scripts and cron stay quiet on success.
pub fn print(out: &Output, report: &SendReport, show_text: bool) -> Result<()> {
    match out.format {
        Format::Json => out.json(report),
        Format::Table if show_text => out.text(&text(report)),
        Format::Table => Ok(()),
    }
}

fn line(r: &MessageResult) -> String {
    let id = r.message_id.as_deref().unwrap_or("(no Message-ID)");
    let mut parts = Vec::new();
    if !r.accepted.is_empty() {
        parts.push(format!("sent to {}", r.accepted.join(", ")));
    }
    for refusal in &r.refused {
        parts.push(format!("{} refused: {} ({})", refusal.recipient, refusal.reply, refusal.explanation));
    }
    if r.queued {
        parts.push(format!("queued in the outbox as {}", r.queue_id.as_deref().unwrap_or("?")));
    }
    if r.rejected {
        parts.push("refused for good; kept in outbox/rejected".to_string());
    }
    if r.possibly_delivered {
        parts.push("the server may have it already (no reply after the message); sent again next time".to_string());
    }
    if let Some(err) = &r.error {
        parts.push(format!("error: {err}"));
    }
    if let Some(saved) = &r.saved_to {
        parts.push(format!("copy saved to {saved}"));
    }
    if let Some(err) = &r.save_error {
        parts.push(format!("copy NOT saved: {err}"));
    }
    super::safe::line(&format!("{} {id}: {}", r.source, parts.join("; "))).into_owned() + "\n"
}

/// The report as lines of text.
pub fn text(report: &SendReport) -> String {
    let mut out = String::new();
    for r in report.flushed.iter().chain(&report.messages) {
        out.push_str(&line(r));
    }
    if report.pending > 0 {
        out.push_str(&format!("{} message(s) wait in {}", report.pending, report.outbox));
        if report.waiting > 0 {
            out.push_str(&format!(" ({} of them for another account, host or user)", report.waiting));
        }
        out.push('\n');
    }
    out
}

/// Prints `owl send --queue`.
pub fn print_queue(out: &Output, entries: &[QueueEntry]) -> Result<()> {
    if out.format == Format::Json {
        return out.json(&entries);
    }
    if entries.is_empty() {
        return out.text("the outbox is empty\n");
    }
    let columns = [
        Column { header: "ID", align: Align::Left, flex: false },
        Column { header: "STATE", align: Align::Left, flex: false },
        Column { header: "FOR", align: Align::Left, flex: true },
        Column { header: "TO", align: Align::Left, flex: true },
        Column { header: "TRIES", align: Align::Right, flex: false },
        Column { header: "LAST ERROR", align: Align::Left, flex: true },
    ];
    let rows: Vec<Vec<String>> = entries
        .iter()
        .map(|e| {
            vec![
                e.id.clone(),
                e.state.to_string(),
                e.target
                    .as_ref()
                    .map_or_else(|| "(this account)".to_string(), |t| format!("{} {}@{}", t.account, t.user, t.host)),
                e.recipients.join(", "),
                e.attempts.to_string(),
                e.last_error.clone().unwrap_or_default(),
            ]
        })
        .collect();
    out.text(&table::render(&columns, &rows, out.width, out.color, &[]))
}

/// Prints the messages a dry run would send.
pub fn print_dry_run(out: &Output, prepared: &[(String, Outgoing)]) -> Result<()> {
    if out.format == Format::Json {
        let items: Vec<serde_json::Value> = prepared
            .iter()
            .map(|(source, o)| {
                serde_json::json!({
                    "source": source,
                    "from": o.from,
                    "recipients": o.recipients,
                    "message_id": o.message_id,
                    "message": String::from_utf8_lossy(&o.bytes),
                })
            })
            .collect();
        return out.json(&items);
    }
    let mut text = String::new();
    for (source, o) in prepared {
        text.push_str(&format!("# {source}: from {} to {}\n", o.from, o.recipients.join(", ")));
        text.push_str(&String::from_utf8_lossy(&o.bytes));
        if !text.ends_with('\n') {
            text.push('\n');
        }
    }
    out.text(&text)
}

/// Prints what `--drop` or `--retarget` did.
pub fn print_changed(out: &Output, changed: &Changed) -> Result<()> {
    if out.format == Format::Json {
        return out.json(changed);
    }
    let text = match (&changed.path, &changed.target) {
        (Some(path), _) => format!("{} dropped: kept in {path}, never sent", changed.id),
        (_, Some(t)) => format!("{} is now sent by account {} ({}@{})", changed.id, t.account, t.user, t.host),
        _ => format!("{} {}", changed.id, changed.action),
    };
    out.text(&(super::safe::line(&text).into_owned() + "\n"))
}
