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

/// Shows text already rendered (by [`text`] or [`html_source`]): paged
/// on a terminal when `page`.
pub fn show(out: &Output, rendered: &str, page: bool) -> Result<()> {
    pager::show(out, rendered, page)
}

/// An HTML part's source, made harmless for a terminal.
pub fn html_source(source: &str) -> String {
    let mut text = safe::text(source.trim_end()).into_owned();
    text.push('\n');
    text
}

/// Tells a person at a terminal that `owl fetch MAILBOX UID` has a
/// successor (stderr; scripts, which have no terminal there, see nothing).
pub fn fetch_one_note() {
    eprintln!("owl: note: owl read MAILBOX UID is the verb for people (it marks the message seen; --peek does not)");
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
