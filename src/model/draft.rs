//! The draft a person edits in `$EDITOR`: a few headers (From, To, Cc,
//! Bcc, Subject), a blank line, then the body, as plain UTF-8 text (the
//! shape git commit and mutt use). Rendering and reading it back are pure;
//! addresses are checked later, when the message is built, so a draft
//! with a bad address can be kept and fixed rather than lost.

use crate::error::{Error, Result};

/// The editable part of a message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DraftText {
    /// `From`, as the person wrote it (`Name <addr>`).
    pub from: String,
    /// `To`, a comma-separated list.
    pub to: String,
    /// `Cc`.
    pub cc: String,
    /// `Bcc`.
    pub bcc: String,
    /// `Subject`.
    pub subject: String,
    /// The body.
    pub body: String,
}

/// The headers a draft may have, in the order they are written.
const FIELDS: [&str; 5] = ["From", "To", "Cc", "Bcc", "Subject"];

impl DraftText {
    /// The draft as the editor shows it.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for (name, value) in FIELDS.iter().zip([&self.from, &self.to, &self.cc, &self.bcc, &self.subject]) {
            // A line break in a value would start a header of its own.
            let value = value.replace(['\r', '\n'], " ");
            out.push_str(&format!("{name}: {value}\n"));
        }
        out.push('\n');
        out.push_str(&self.body);
        out
    }

    /// Reads a saved draft back. Header lines run to the first empty line;
    /// a line starting with a space or tab continues the one above. An
    /// unknown header is an error (a typo like `Sbject:` would otherwise
    /// vanish silently).
    pub fn parse(text: &str) -> Result<DraftText> {
        let text = text.replace("\r\n", "\n");
        let (head, body) = match text.find("\n\n") {
            Some(at) => (&text[..at], &text[at + 2..]),
            None if text.lines().all(|l| is_header_line(l) || l.trim().is_empty()) => (text.as_str(), ""),
            None => return Err(Error::usage("the draft has no blank line between its headers and its body")),
        };
        let mut draft = DraftText { body: body.to_string(), ..DraftText::default() };
        let mut current: Option<&mut String> = None;
        for line in head.lines() {
            if line.starts_with([' ', '\t']) {
                match current.as_deref_mut() {
                    Some(value) => {
                        value.push(' ');
                        value.push_str(line.trim());
                    }
                    None => return Err(Error::usage("the draft starts with a continuation line")),
                }
                continue;
            }
            let Some((name, value)) = line.split_once(':') else {
                return Err(Error::usage(format!(
                    "draft header line \"{}\" is not \"Name: value\"",
                    line.escape_debug()
                )));
            };
            let slot = match name.trim().to_ascii_lowercase().as_str() {
                "from" => &mut draft.from,
                "to" => &mut draft.to,
                "cc" => &mut draft.cc,
                "bcc" => &mut draft.bcc,
                "subject" => &mut draft.subject,
                _ => {
                    return Err(Error::usage(format!(
                        "the draft has a header \"{}\" owl does not know (From, To, Cc, Bcc, Subject)",
                        name.trim().escape_debug()
                    )));
                }
            };
            if !slot.is_empty() {
                slot.push_str(", ");
            }
            slot.push_str(value.trim());
            current = Some(slot);
        }
        Ok(draft)
    }

    /// Whether nothing worth sending was written: no body text at all.
    pub fn is_empty(&self) -> bool {
        self.body.trim().is_empty()
    }
}

fn is_header_line(line: &str) -> bool {
    line.starts_with([' ', '\t'])
        || line.split_once(':').is_some_and(|(name, _)| FIELDS.iter().any(|f| f.eq_ignore_ascii_case(name.trim())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> DraftText {
        DraftText {
            from: "Jürgen <jm@example.de>".into(),
            to: "\"Doe, Dave\" <dave@example.net>, ann@example.org".into(),
            cc: String::new(),
            bcc: "x@example.org".into(),
            subject: "Re: Grüße".into(),
            body: "Hallo\n\nOn Fri, Ann wrote:\n> hi\n".into(),
        }
    }

    #[test]
    fn a_draft_reads_back_as_written() {
        let d = sample();
        let text = d.render();
        assert!(text.starts_with("From: Jürgen <jm@example.de>\nTo: "), "{text}");
        assert!(text.contains("\nCc: \nBcc: x@example.org\nSubject: Re: Grüße\n\nHallo\n"), "{text}");
        assert_eq!(DraftText::parse(&text).unwrap(), d);
        assert_eq!(DraftText::parse(&text.replace('\n', "\r\n")).unwrap().to, d.to, "CRLF from some editors");
    }

    #[test]
    fn continuation_lines_repeated_headers_and_a_bodyless_draft() {
        let d = DraftText::parse("To: a@x,\n  b@x\nTo: c@x\nsubject: s\n").unwrap();
        assert_eq!(d.to, "a@x, b@x, c@x");
        assert_eq!(d.subject, "s");
        assert!(d.is_empty());
        assert!(DraftText::parse("").unwrap().is_empty());
    }

    #[test]
    fn typos_in_headers_are_errors_not_lost_text() {
        let err = DraftText::parse("To: a@x\nSbject: hi\n\nbody").unwrap_err();
        assert!(err.to_string().contains("Sbject"), "{err}");
        assert!(DraftText::parse("To: a@x\njust text\n\nbody").is_err());
        assert!(DraftText::parse("To: a@x\nno blank line here\nmore").is_err());
    }

    #[test]
    fn line_breaks_in_values_stay_inside_their_header() {
        let d = DraftText { subject: "a\nBcc: evil@x".into(), body: "b".into(), ..DraftText::default() };
        let back = DraftText::parse(&d.render()).unwrap();
        assert_eq!(back.bcc, "");
        assert_eq!(back.subject, "a Bcc: evil@x");
    }
}
