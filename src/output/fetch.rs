//! Renders the `owl fetch` summary.

use super::table::{self, Align, Column};
use super::{Format, Output};
use crate::cmd::fetch::FetchSummary;
use crate::error::Result;
use crate::model::size::format_size;

/// Prints the summary: JSON always with `--json`; as text only when asked
/// for (a terminal, or `-v`), so cron stays silent on success.
pub fn print(out: &Output, summary: &FetchSummary, show_text: bool) -> Result<()> {
    match out.format {
        Format::Json => out.json(summary),
        Format::Table if show_text => out.text(&text(summary, out.width, out.color)),
        Format::Table => Ok(()),
    }
}

/// The summary as a table and a closing line.
pub fn text(s: &FetchSummary, width: Option<usize>, color: bool) -> String {
    let columns = [
        Column { header: "MAILBOX", align: Align::Left, flex: true },
        Column { header: if s.dry_run { "TO FETCH" } else { "NEW" }, align: Align::Right, flex: false },
        Column { header: "SIZE", align: Align::Right, flex: false },
        Column { header: "NOTE", align: Align::Left, flex: true },
    ];
    let rows: Vec<Vec<String>> = s
        .mailboxes
        .iter()
        .map(|m| {
            let mut notes = Vec::new();
            if let Some(err) = &m.error {
                notes.push(format!("FAILED: {err}"));
            }
            if let Some(first) = m.failed_messages.first() {
                notes.push(format!(
                    "{} message(s) FAILED, e.g. UID {}: {}",
                    m.failed_messages.len(),
                    first.uid,
                    first.error
                ));
            }
            if m.deferred > 0 {
                notes.push(format!("{} message(s) that failed before wait for a retry", m.deferred));
            }
            if m.uidvalidity_reset {
                notes.push("UIDVALIDITY changed: old copies kept, fetched again".to_string());
            }
            if m.skipped > 0 {
                notes.push(format!("{} skipped by filters", m.skipped));
            }
            if m.flags_updated > 0 {
                notes.push(format!("flags of {} updated", m.flags_updated));
            }
            if let Some(r) = &m.recovered {
                notes.push(format!("recovered: {r}"));
            }
            vec![m.name.clone(), m.new.to_string(), format_size(m.bytes), notes.join("; ")]
        })
        .collect();
    let bold: Vec<bool> = s.mailboxes.iter().map(|m| m.error.is_some() || !m.failed_messages.is_empty()).collect();
    let mut out = table::render(&columns, &rows, width, color, &bold);
    let verb = if s.dry_run { "would fetch" } else { "fetched" };
    let wire = &s.wire;
    let compression =
        if wire.compressed { format!("compressed, ratio {:.2}", wire.ratio) } else { "uncompressed".to_string() };
    out.push_str(&format!(
        "{verb} {} message(s), {} into {} in {:.1} s; {} received on the wire ({compression})",
        s.total.new,
        format_size(s.total.bytes),
        s.store,
        s.duration_secs,
        format_size(wire.received),
    ));
    if s.total.failed > 0 {
        out.push_str(&format!("; {} mailbox(es) FAILED", s.total.failed));
    }
    if s.total.failed_messages > 0 {
        out.push_str(&format!("; {} message(s) could not be backed up", s.total.failed_messages));
    }
    if s.total.deferred > 0 {
        out.push_str(&format!("; {} that failed before wait for a retry", s.total.deferred));
    }
    out.push('\n');
    out
}
