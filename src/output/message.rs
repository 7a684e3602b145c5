//! Renders one message for reading: headers, text, attachments; through
//! the pager when stdout is a terminal.

use super::{Format, Output, pager, safe, when};
use crate::cmd::read::ReadMessage;
use crate::error::Result;
use crate::model::header::format_mailboxes;
use crate::model::size::format_size;

/// Prints a message as text (paged on a terminal) or JSON.
pub fn print(out: &Output, message: &ReadMessage, page: bool) -> Result<()> {
    match out.format {
        Format::Json => out.json(message),
        Format::Table => pager::show(out, &text(message), page),
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
