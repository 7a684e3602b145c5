//! Renders one message for reading: headers, text, attachments; through
//! `$PAGER` (else `less -FRX`) when stdout is a terminal.

use std::io::{IsTerminal, Write};
use std::process::{Command, Stdio};

use super::{Format, Output, safe, when};
use crate::cmd::read::ReadMessage;
use crate::error::Result;
use crate::model::header::format_mailboxes;
use crate::model::size::format_size;

/// Prints a message as text (paged on a terminal) or JSON.
pub fn print(out: &Output, message: &ReadMessage, page: bool) -> Result<()> {
    match out.format {
        Format::Json => out.json(message),
        Format::Table => {
            let text = text(message);
            if page && std::io::stdout().is_terminal() && pager(&text) {
                return Ok(());
            }
            out.text(&text)
        }
    }
}

/// The message as a person reads it.
pub fn text(m: &ReadMessage) -> String {
    let v = &m.view;
    let h = &v.header;
    let mut out = String::new();
    let mut field = |name: &str, value: String| {
        if !value.is_empty() {
            out.push_str(&format!("{name:<8} {}\n", safe::line(&value)));
        }
    };
    field("From:", format_mailboxes(&h.from));
    field("To:", format_mailboxes(&h.to));
    field("Cc:", format_mailboxes(&h.cc));
    field("Date:", h.date.map(when::local_with_zone).unwrap_or_default());
    field("Subject:", h.subject.clone());
    let mut notes = Vec::new();
    for verdict in &v.auth_results {
        if ["spf", "dkim", "dmarc"].contains(&verdict.method.as_str()) {
            notes.push(format!("{}={}", verdict.method, verdict.result));
        }
    }
    if let Some(smime) = v.smime {
        notes.push(format!(
            "S/MIME {}",
            if matches!(smime, crate::model::message::Smime::Signed) { "signed" } else { "encrypted" }
        ));
    }
    field("Auth:", notes.join(" "));
    out.push('\n');
    out.push_str(&safe::text(v.text.trim_end()));
    out.push('\n');
    if !v.attachments.is_empty() {
        out.push_str("\nAttachments:\n");
        for a in &v.attachments {
            out.push_str(&format!(
                "  {:>2}  {}  {}  {}\n",
                a.index,
                safe::line(a.filename.as_deref().unwrap_or("(no name)")),
                safe::line(&a.content_type),
                format_size(a.size)
            ));
        }
    }
    for saved in &m.saved {
        out.push_str(&format!("saved {} ({})\n", saved.path.display(), format_size(saved.size)));
    }
    out
}

/// Shows `text` through the pager; false if no pager could run.
fn pager(text: &str) -> bool {
    let pager = std::env::var("PAGER").ok().filter(|p| !p.trim().is_empty()).unwrap_or_else(|| "less -FRX".to_string());
    let Ok(mut child) = Command::new("sh").arg("-c").arg(&pager).stdin(Stdio::piped()).spawn() else {
        return false;
    };
    if let Some(mut stdin) = child.stdin.take() {
        // The user may quit the pager early: a broken pipe is fine.
        let _ = stdin.write_all(text.as_bytes());
    }
    child.wait().is_ok()
}
