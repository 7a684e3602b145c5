//! Messages given whole (`owl send --raw`, sendmail mode): only what
//! submission needs is touched. Line ends become CRLF (SMTP's, whatever
//! the file used), Date and Message-ID are added only when missing, a From
//! is added only when there is none, and with `-t` the recipients come from
//! To, Cc and Bcc, and the Bcc header is removed from what is sent (the
//! Sent copy keeps it).

use mailparse::{MailHeaderMap, addrparse_header};

use super::compose::Outgoing;
use super::date::format_rfc5322;
use crate::error::{Error, Result};

/// How to prepare a raw message.
#[derive(Debug, Clone, Default)]
pub struct RawOptions {
    /// Envelope sender; also the From address when the message has none.
    pub sender: String,
    /// Display name for an added From header (sendmail's -F).
    pub sender_name: Option<String>,
    /// Recipients given on the command line.
    pub recipients: Vec<String>,
    /// Also take recipients from To, Cc and Bcc (sendmail's -t).
    pub from_headers: bool,
    /// Unix seconds for a generated Date.
    pub now: i64,
}

/// Converts lone LF (and lone CR) line ends to CRLF.
pub fn to_crlf(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() + bytes.len() / 40);
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\r' if bytes.get(i + 1) == Some(&b'\n') => {
                out.extend_from_slice(b"\r\n");
                i += 2;
                continue;
            }
            b'\r' | b'\n' => out.extend_from_slice(b"\r\n"),
            b => out.push(b),
        }
        i += 1;
    }
    out
}

/// Where the header ends: the index just past the empty line (or the end).
fn header_end(bytes: &[u8]) -> usize {
    bytes.windows(4).position(|w| w == b"\r\n\r\n").map_or(bytes.len(), |p| p + 4)
}

/// The header of a CRLF message, with its empty line.
pub fn header(bytes: &[u8]) -> &[u8] {
    &bytes[..header_end(bytes)]
}

/// The lines of every field called `name` (with its folded lines), as
/// written: what [`remove_field`] takes out.
pub fn field_lines(bytes: &[u8], name: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let mut keeping = false;
    for line in header(bytes).split_inclusive(|&b| b == b'\n') {
        let continuation = line.first().is_some_and(|b| *b == b' ' || *b == b'\t');
        if !continuation {
            let field = line.split(|&b| b == b':').next().unwrap_or_default();
            keeping = line.contains(&b':') && String::from_utf8_lossy(field).trim().eq_ignore_ascii_case(name);
        }
        if keeping {
            out.extend_from_slice(line);
        }
    }
    out
}

/// Removes every field called `name` (with its folded lines).
pub fn remove_field(bytes: &[u8], name: &str) -> Vec<u8> {
    let end = header_end(bytes);
    let (head, body) = bytes.split_at(end);
    let mut out = Vec::with_capacity(bytes.len());
    let mut dropping = false;
    for line in head.split_inclusive(|&b| b == b'\n') {
        let continuation = line.first().is_some_and(|b| *b == b' ' || *b == b'\t');
        if !continuation {
            let field = line.split(|&b| b == b':').next().unwrap_or_default();
            dropping = line.contains(&b':') && String::from_utf8_lossy(field).trim().eq_ignore_ascii_case(name);
        }
        if !dropping {
            out.extend_from_slice(line);
        }
    }
    out.extend_from_slice(body);
    out
}

/// Prepares `raw` for submission.
pub fn prepare(raw: &[u8], options: &RawOptions) -> Result<Outgoing> {
    let crlf = to_crlf(raw);
    let (headers, _) = mailparse::parse_headers(&crlf).map_err(|e| {
        Error::new(crate::error::ErrorKind::Protocol, format!("the message's header is unreadable: {e}"))
    })?;
    let mut recipients: Vec<String> = options.recipients.iter().map(|r| r.trim().to_string()).collect();
    if options.from_headers {
        for name in ["To", "Cc", "Bcc"] {
            for header in headers.get_all_headers(name) {
                if let Ok(list) = addrparse_header(header) {
                    for addr in list.iter() {
                        match addr {
                            mailparse::MailAddr::Single(s) => recipients.push(s.addr.clone()),
                            mailparse::MailAddr::Group(g) => recipients.extend(g.addrs.iter().map(|s| s.addr.clone())),
                        }
                    }
                }
            }
        }
    }
    let mut seen = std::collections::HashSet::new();
    recipients.retain(|r| !r.is_empty() && seen.insert(r.to_ascii_lowercase()));
    if recipients.is_empty() {
        return Err(Error::usage("no recipients: name them as arguments, or use -t to read To, Cc and Bcc"));
    }
    let mut added = String::new();
    if headers.get_first_header("From").is_none() {
        match &options.sender_name {
            Some(name) => added.push_str(&format!("From: \"{}\" <{}>\r\n", name.replace('"', ""), options.sender)),
            None => added.push_str(&format!("From: {}\r\n", options.sender)),
        }
    }
    if headers.get_first_header("Date").is_none() {
        added.push_str(&format!("Date: {}\r\n", format_rfc5322(options.now)));
    }
    let message_id = match headers.get_first_value("Message-ID") {
        Some(id) => Some(id.trim().to_string()),
        None => {
            let id = super::compose::new_message_id(&options.sender);
            added.push_str(&format!("Message-ID: {id}\r\n"));
            Some(id)
        }
    };
    let mut copy = added.into_bytes();
    copy.extend_from_slice(&crlf);
    let bytes = if options.from_headers { remove_field(&copy, "Bcc") } else { copy.clone() };
    Ok(Outgoing { bytes, copy, from: options.sender.clone(), recipients, message_id })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(from_headers: bool) -> RawOptions {
        RawOptions {
            sender: "me@example.org".into(),
            sender_name: None,
            recipients: Vec::new(),
            from_headers,
            now: 1_795_374_637,
        }
    }

    #[test]
    fn line_ends_become_crlf() {
        assert_eq!(to_crlf(b"a\nb\r\nc\rd"), b"a\r\nb\r\nc\r\nd");
    }

    #[test]
    fn field_lines_are_what_remove_field_takes_out() {
        let m = b"From: a@x\r\nBcc: b@x,\r\n c@x\r\nTo: d@x\r\n\r\nBcc: body\r\n";
        assert_eq!(field_lines(m, "bcc"), b"Bcc: b@x,\r\n c@x\r\n");
        assert_eq!(remove_field(m, "Bcc"), b"From: a@x\r\nTo: d@x\r\n\r\nBcc: body\r\n");
        assert_eq!(header(m), b"From: a@x\r\nBcc: b@x,\r\n c@x\r\nTo: d@x\r\n\r\n");
    }

    #[test]
    fn t_reads_recipients_and_drops_bcc_from_what_is_sent() {
        let raw = b"From: Me <me@example.org>\nTo: Ann <ann@x.org>, bob@x.org\nCc: carol@x.org\nBcc: dave@x.org,\n  eve@x.org\nSubject: hi\n\nbody\nBcc: not a header\n";
        let out = prepare(raw, &options(true)).unwrap();
        assert_eq!(out.recipients, ["ann@x.org", "bob@x.org", "carol@x.org", "dave@x.org", "eve@x.org"]);
        let sent = String::from_utf8(out.bytes.clone()).unwrap();
        assert!(!sent.contains("dave@") && !sent.contains("eve@"), "{sent}");
        assert!(sent.contains("Bcc: not a header"), "the body is untouched");
        assert!(String::from_utf8_lossy(&out.copy).contains("dave@x.org"));
        assert!(sent.contains("Date: Sun, 22 Nov 2026") && sent.contains("Message-ID: <"), "{sent}");
        assert!(!sent.contains("\n\n") || sent.contains("\r\n\r\n"));
    }

    #[test]
    fn existing_date_and_message_id_are_kept_and_args_are_recipients() {
        let raw = b"Date: Mon, 1 Jan 2024 00:00:00 +0000\r\nMessage-ID: <keep@me>\r\nSubject: x\r\n\r\nbody\r\n";
        let mut o = options(false);
        o.recipients = vec!["a@x.org".into(), "A@x.org".into()];
        o.sender_name = Some("Cron Daemon".into());
        let out = prepare(raw, &o).unwrap();
        assert_eq!(out.recipients, ["a@x.org"]);
        assert_eq!(out.message_id.as_deref(), Some("<keep@me>"));
        let sent = String::from_utf8(out.bytes).unwrap();
        assert_eq!(sent.matches("Date:").count(), 1);
        assert!(sent.starts_with("From: \"Cron Daemon\" <me@example.org>\r\n"), "{sent}");
    }

    #[test]
    fn no_recipients_is_a_usage_error() {
        assert!(prepare(b"Subject: x\r\n\r\n", &options(false)).is_err());
    }
}
