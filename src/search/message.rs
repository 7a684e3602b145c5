//! What local matching needs to know about a stored message, worked out
//! once from its bytes: decoded headers, the decoded text of its text
//! parts, size, flags, UID, internal date and whether it has attachments.

use mailparse::{MailHeaderMap, ParsedMail, parse_mail};

use super::flags::Flags;
use crate::model::html::html_to_text;

/// Attached messages inside attached messages are searched to this depth;
/// deeper ones only as their raw text.
const MAX_NESTING: usize = 8;

/// One header, decoded (RFC 2047) and unfolded.
#[derive(Debug, Clone)]
struct Header {
    name: String,
    value: String,
    /// `name: value` in lower case, for TEXT.
    line_lower: String,
    /// `value` in lower case.
    value_lower: String,
}

/// A message from a local store, prepared for [`super::matches()`].
#[derive(Debug, Clone)]
pub struct LocalMessage {
    headers: Vec<Header>,
    /// The decoded text of the text parts (HTML stripped of its tags) and of
    /// attached messages, lower-cased.
    body_lower: Vec<String>,
    /// The internal date, in seconds since the epoch: the server's arrival
    /// time, or for a file the Date header or its mtime, as the caller sees
    /// fit.
    pub internal_date: i64,
    /// Offset east of UTC, in seconds, at which `internal_date` is turned
    /// into a day for `since:`, `before:` and `on:`. Zero (UTC) unless set;
    /// Dovecot uses its own local time zone.
    pub utc_offset: i32,
    /// The size as IMAP's RFC822.SIZE counts it: with CRLF line endings.
    pub size: u64,
    pub flags: Flags,
    pub uid: Option<u32>,
    /// Some MIME part has `Content-Disposition: attachment` or a file name
    /// (a `filename` disposition or `name` type parameter). Attached
    /// messages are not looked into.
    pub has_attachment: bool,
}

/// Whether the message in `bytes` has an attachment, by the same rule as
/// [`LocalMessage::has_attachment`]: for messages whose BODYSTRUCTURE the
/// server could not describe.
pub fn has_attachment(bytes: &[u8]) -> bool {
    crate::model::mime::with_parsed(bytes, |parsed| !crate::model::mime::attachment_parts(parsed).is_empty())
        .unwrap_or(false)
}

impl LocalMessage {
    /// Parses `bytes`. `flags` of `None` reads them from mbox `Status:` and
    /// `X-Status:` headers. A message mailparse cannot parse is still
    /// searchable: it has no headers and its bytes are its body text.
    pub fn from_bytes(bytes: &[u8], flags: Option<Flags>, uid: Option<u32>, internal_date: i64) -> LocalMessage {
        let mut msg = LocalMessage {
            headers: Vec::new(),
            body_lower: Vec::new(),
            internal_date,
            utc_offset: 0,
            size: crlf_size(bytes),
            flags: flags.unwrap_or_default(),
            uid,
            has_attachment: false,
        };
        match parse_mail(bytes) {
            Ok(parsed) => {
                msg.headers = decode_headers(&parsed);
                collect_text(&parsed, 0, &mut msg.body_lower);
                msg.has_attachment = !crate::model::mime::attachment_parts(&parsed).is_empty();
                if flags.is_none() {
                    msg.flags = Flags::from_mbox_status(
                        parsed.headers.get_first_value("Status").as_deref(),
                        parsed.headers.get_first_value("X-Status").as_deref(),
                    );
                }
            }
            Err(_) => msg.body_lower.push(String::from_utf8_lossy(bytes).to_lowercase()),
        }
        msg
    }

    /// The decoded values of every header called `name` (any case).
    pub fn header<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers.iter().filter(move |h| h.name.eq_ignore_ascii_case(name)).map(|h| h.value.as_str())
    }

    /// All headers as (name, decoded value), in order.
    pub fn headers(&self) -> impl Iterator<Item = (&str, &str)> {
        self.headers.iter().map(|h| (h.name.as_str(), h.value.as_str()))
    }

    /// The Date header as seconds since the epoch, if it parses; a fallback
    /// internal date for files.
    pub fn sent_date(&self) -> Option<i64> {
        self.header("Date").next().and_then(|d| mailparse::dateparse(d).ok())
    }

    /// True if a header called `name` has a value containing `needle`,
    /// which must already be lower-case; an empty needle asks only that the
    /// header exist.
    pub(crate) fn header_contains(&self, name: &str, needle: &str) -> bool {
        self.headers.iter().any(|h| h.name.eq_ignore_ascii_case(name) && h.value_lower.contains(needle))
    }

    /// True if some header line (`name: value`) contains the lower-case
    /// `needle`.
    pub(crate) fn any_header_contains(&self, needle: &str) -> bool {
        self.headers.iter().any(|h| h.line_lower.contains(needle))
    }

    /// True if the body text contains the lower-case `needle`.
    pub(crate) fn body_contains(&self, needle: &str) -> bool {
        self.body_lower.iter().any(|text| text.contains(needle))
    }
}

fn decode_headers(parsed: &ParsedMail<'_>) -> Vec<Header> {
    parsed
        .headers
        .iter()
        .map(|h| {
            let name = h.get_key();
            let value = h.get_value();
            Header {
                line_lower: format!("{name}: {value}").to_lowercase(),
                value_lower: value.to_lowercase(),
                name,
                value,
            }
        })
        .collect()
}

/// Appends the searchable text of `part` and everything below it.
fn collect_text(part: &ParsedMail<'_>, depth: usize, out: &mut Vec<String>) {
    let mime = part.ctype.mimetype.as_str();
    if mime.starts_with("multipart/") {
        for sub in &part.subparts {
            collect_text(sub, depth, out);
        }
    } else if mime == "text/html" {
        if let Ok(html) = part.get_body() {
            out.push(html_to_text(&html).to_lowercase());
        }
    } else if mime.starts_with("text/") {
        if let Ok(text) = part.get_body() {
            out.push(text.to_lowercase());
        }
    } else if mime == "message/rfc822" || mime == "message/global" {
        let Ok(raw) = part.get_body_raw() else {
            return;
        };
        match parse_mail(&raw) {
            Ok(inner) if depth < MAX_NESTING => {
                out.extend(decode_headers(&inner).into_iter().map(|h| h.line_lower));
                collect_text(&inner, depth + 1, out);
            }
            _ => out.push(String::from_utf8_lossy(&raw).to_lowercase()),
        }
    }
}

/// The length with every bare LF counted as CRLF, as the server counts it.
fn crlf_size(bytes: &[u8]) -> u64 {
    let mut size = bytes.len() as u64;
    let mut previous = 0u8;
    for &b in bytes {
        if b == b'\n' && previous != b'\r' {
            size += 1;
        }
        previous = b;
    }
    size
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIXED: &str = concat!(
        "From: =?ISO-8859-1?Q?M=FCller?= <mueller@example.de>\n",
        "Subject: =?UTF-8?B?R3LDvMOfZSBhdXMgS8O2bG4=?=\n",
        "X-Status: F\n",
        "Content-Type: multipart/mixed; boundary=XX\n",
        "\n",
        "--XX\n",
        "Content-Type: text/html; charset=iso-8859-1\n",
        "Content-Transfer-Encoding: quoted-printable\n",
        "\n",
        "<p>Sch=F6ne <b>Gr</b>=FC=DFe</p>\n",
        "--XX\n",
        "Content-Type: application/pdf; name=\"a.pdf\"\n",
        "Content-Transfer-Encoding: base64\n",
        "\n",
        "SGVsbG8=\n",
        "--XX\n",
        "Content-Type: message/rfc822\n",
        "\n",
        "Subject: inner\n",
        "\n",
        "forwarded words\n",
        "--XX--\n",
    );

    #[test]
    fn an_unnamed_inline_image_counts_as_in_the_reader() {
        let message = "Content-Type: multipart/related; boundary=x\r\n\r\n--x\r\nContent-Type: text/html\r\n\r\n<p>hi\r\n--x\r\nContent-Type: image/png\r\nContent-Disposition: inline\r\n\r\niVBO\r\n--x--\r\n";
        assert!(LocalMessage::from_bytes(message.as_bytes(), None, None, 0).has_attachment);
        let view = crate::model::message::MessageView::parse(message.as_bytes());
        assert_eq!(view.attachments.len(), 1, "what owl read lists is what has:attachment finds");
    }

    #[test]
    fn headers_are_decoded_and_text_collected() {
        let msg = LocalMessage::from_bytes(MIXED.as_bytes(), None, Some(7), 0);
        assert_eq!(msg.header("from").collect::<Vec<_>>(), ["Müller <mueller@example.de>"]);
        assert_eq!(msg.header("SUBJECT").next(), Some("Grüße aus Köln"));
        assert!(msg.header_contains("subject", "grüße"));
        assert!(msg.any_header_contains("subject: grüße"));
        assert!(msg.body_contains("schöne grüße"));
        assert!(!msg.body_contains("<b>"));
        assert!(msg.body_contains("subject: inner"));
        assert!(msg.body_contains("forwarded words"));
        // Binary parts are not text.
        assert!(!msg.body_contains("hello"));
        assert!(msg.has_attachment);
        assert!(msg.flags.flagged && !msg.flags.seen);
        assert_eq!(msg.uid, Some(7));
    }

    #[test]
    fn given_flags_win_over_status_headers() {
        let given = Flags { seen: true, ..Flags::default() };
        let msg = LocalMessage::from_bytes(MIXED.as_bytes(), Some(given), None, 0);
        assert_eq!(msg.flags, given);
    }

    #[test]
    fn attachments_are_dispositions_or_file_names() {
        let has = |s: &str| LocalMessage::from_bytes(s.as_bytes(), None, None, 0).has_attachment;
        assert!(!has("Subject: x\n\nplain\n"));
        assert!(has("Content-Disposition: attachment\n\nx\n"));
        assert!(has("Content-Disposition: inline; filename=a.png\n\nx\n"));
        assert!(has("Content-Disposition: inline; filename*=UTF-8''%C3%BC.png\n\nx\n"));
        assert!(!has("Content-Disposition: inline\nContent-Type: text/plain; charset=utf-8\n\nx\n"));
    }

    #[test]
    fn size_counts_crlf_and_dates_come_from_the_header() {
        let raw = b"Date: Thu, 01 Jan 2026 10:00:00 +0000\n\r\nbody\n";
        let msg = LocalMessage::from_bytes(raw, None, None, 0);
        // Two bare LFs grow by one byte each; the CRLF stays as it is.
        assert_eq!(msg.size, raw.len() as u64 + 2);
        assert_eq!(msg.sent_date(), Some(1_767_261_600));
    }
}
