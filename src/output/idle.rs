//! Prints `owl idle` events: one readable line each, led by the local
//! time, or one JSON object per line (NDJSON), flushed at once so a pipe
//! sees it immediately. On a terminal, lines also say what is watched and
//! how, and when the server is away; a pipe gets events only.

use super::{Format, Output, safe, when};
use crate::cmd::idle::{Event, EventSink, Phase, WatchState};
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

    fn state(&self, state: &WatchState) -> Result<()> {
        if self.out.format == Format::Table && self.out.terminal {
            self.out.text(&state_line(state))?;
        }
        Ok(())
    }
}

/// `14:02:11  watching INBOX, Lists (NOTIFY); Ctrl-C stops` or
/// `14:05:40  INBOX: server away (...); trying again in 4 s`.
pub fn state_line(s: &WatchState) -> String {
    let time = when::clock(s.at);
    let names = s.mailboxes.iter().map(|m| safe::line(m)).collect::<Vec<_>>();
    let shown = match names.len() {
        0..=5 => names.join(", "),
        n => format!("{} and {} more", names[..4].join(", "), n - 4),
    };
    match &s.phase {
        Phase::Watching { how } => format!("{time}  watching {shown} ({how}); Ctrl-C stops\n"),
        Phase::Away { reason, retry_in } => {
            let secs = retry_in.as_secs_f64().ceil();
            format!("{time}  {shown}: server away ({}); trying again in {secs} s\n", safe::line(reason))
        }
    }
}

/// `14:02:11  new      INBOX  42  Ann <ann@example.org>  Subject`
pub fn line(e: &Event) -> String {
    let mut text = format!("{}  {:<8} {}  {}", when::clock(e.at), e.event, safe::line(&e.mailbox), e.uid);
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
