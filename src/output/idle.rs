//! Prints `owl idle` events: one readable line each, or one JSON object
//! per line (NDJSON), flushed at once so a pipe sees it immediately.

use super::{Format, Output, safe};
use crate::cmd::idle::{Event, EventSink};
use crate::error::Result;

/// Prints events to stdout.
pub struct Printer {
    out: Output,
}

impl Printer {
    /// A printer for `out`.
    pub fn new(out: Output) -> Printer {
        Printer { out }
    }
}

impl EventSink for Printer {
    fn event(&self, event: &Event) -> Result<()> {
        match self.out.format {
            Format::Json => self.out.json_line(event),
            Format::Table => self.out.text(&line(event)),
        }
    }
}

/// `new      INBOX  42  Ann <ann@example.org>  Subject`
pub fn line(e: &Event) -> String {
    let mut text = format!("{:<8} {}  {}", e.event, safe::line(&e.mailbox), e.uid);
    match e.event {
        "new" => {
            let (from, subject) = (e.from.as_deref().unwrap_or(""), e.subject.as_deref().unwrap_or(""));
            text.push_str(&format!("  {}  {}", safe::line(from), safe::line(subject)));
        }
        "flags" => text.push_str(&format!("  {}", safe::line(&e.flags.as_deref().unwrap_or_default().join(" ")))),
        _ => {}
    }
    text.push('\n');
    text
}
