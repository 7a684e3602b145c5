//! Composing a message from command-line parts with lettre's builder:
//! RFC 2047 for non-ASCII names and subjects, UTF-8 bodies, an HTML
//! alternative, base64 attachments, extra headers, Date and Message-ID.
//!
//! Gives two renderings of the same message: the one to send (no Bcc
//! header) and the copy for the Sent mailbox (which keeps Bcc, so the
//! sender can see who got a blind copy).

use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};

use lettre::message::header::{self, ContentTransferEncoding, ContentType, HeaderName, HeaderValue};
use lettre::message::{Attachment, Body, Mailbox, Mailboxes, MultiPart, SinglePart};

use super::mime_type;
use crate::error::{Error, Result};

/// A file to attach.
#[derive(Debug, Clone)]
pub struct AttachmentFile {
    /// The name recipients see.
    pub name: String,
    /// Its bytes.
    pub data: Vec<u8>,
    /// Its MIME type; `None`: guessed from the name. A `message/rfc822`
    /// attachment (a forwarded message) keeps its bytes exactly.
    pub content_type: Option<String>,
}

/// What the user asked to send.
#[derive(Debug, Clone, Default)]
pub struct Draft {
    /// The author: display name and address.
    pub from: (Option<String>, String),
    /// `To`, each entry one address or a comma-separated list.
    pub to: Vec<String>,
    /// `Cc`.
    pub cc: Vec<String>,
    /// Blind copies: in the envelope, never in the sent header.
    pub bcc: Vec<String>,
    /// `Reply-To`.
    pub reply_to: Vec<String>,
    /// The Message-ID this answers.
    pub in_reply_to: Option<String>,
    /// The thread's ids for References, oldest first; empty: just
    /// `in_reply_to`.
    pub references: Vec<String>,
    /// The subject.
    pub subject: Option<String>,
    /// The plain-text body.
    pub text: String,
    /// An HTML alternative.
    pub html: Option<String>,
    /// Attachments.
    pub attachments: Vec<AttachmentFile>,
    /// Extra `Name: value` headers.
    pub headers: Vec<String>,
}

/// A message ready to go out.
#[derive(Debug, Clone)]
pub struct Outgoing {
    /// The bytes to send.
    pub bytes: Vec<u8>,
    /// The Sent copy.
    pub copy: Vec<u8>,
    /// The envelope sender.
    pub from: String,
    /// The envelope recipients.
    pub recipients: Vec<String>,
    /// Its Message-ID.
    pub message_id: Option<String>,
}

/// Headers the flags set; `--header` may not add a second one.
const RESERVED: [&str; 12] = [
    "from",
    "to",
    "cc",
    "bcc",
    "subject",
    "date",
    "message-id",
    "reply-to",
    "in-reply-to",
    "mime-version",
    "content-type",
    "content-transfer-encoding",
];

fn mailboxes(list: &[String], what: &str) -> Result<Vec<Mailbox>> {
    let mut out = Vec::new();
    for item in list.iter().filter(|i| !i.trim().is_empty()) {
        let parsed = Mailboxes::from_str(item.trim())
            .map_err(|e| Error::usage(format!("{what}: \"{item}\" is not an address list ({e})")))?;
        out.extend(parsed);
    }
    Ok(out)
}

/// A new Message-ID in the domain of `sender` (RFC 5322 §3.6.4: unique,
/// and the right side names the sender's domain, not this machine, whose
/// name says nothing to the recipient and may leak).
pub fn new_message_id(sender: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    let domain = sender.rsplit_once('@').map(|(_, d)| d.trim_end_matches('>')).filter(|d| !d.is_empty());
    format!(
        "<{:x}.{:x}.{:x}.{n}@{}>",
        now.as_secs(),
        now.subsec_nanos(),
        std::process::id(),
        domain.unwrap_or("localhost")
    )
}

/// Whether `name` can be a header field name: printable US-ASCII but the
/// colon (RFC 5322 §3.6.8). Anything else, a line break above all, would
/// let a `--header` argument start a header of its own.
fn is_field_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| (33..=126).contains(&b) && b != b':')
}

fn message_id(id: &str) -> String {
    let id = id.trim();
    if id.starts_with('<') { id.to_string() } else { format!("<{id}>") }
}

/// An attachment's body, encoded so it arrives byte for byte.
///
/// Always base64, but for a forwarded message: text attachments sent as
/// 7bit or quoted-printable get their line ends rewritten in transit.
/// message/rfc822 may only be 7bit or 8bit (RFC 2046 §5.2.1), which keeps
/// its bytes when they already have CRLF line ends and short lines (lettre
/// checks that); one that does not is sent base64, which readers decode.
fn attachment_body(mime: &str, data: &[u8]) -> Result<Body> {
    let crlf_only = data.iter().enumerate().all(|(i, &b)| match b {
        b'\n' => i > 0 && data[i - 1] == b'\r',
        b'\r' => data.get(i + 1) == Some(&b'\n'),
        0 => false,
        _ => true,
    });
    if mime.eq_ignore_ascii_case("message/rfc822") && crlf_only {
        let encoding =
            if data.is_ascii() { ContentTransferEncoding::SevenBit } else { ContentTransferEncoding::EightBit };
        if let Ok(body) = Body::new_with_encoding(data.to_vec(), encoding) {
            return Ok(body);
        }
    }
    Body::new_with_encoding(data.to_vec(), ContentTransferEncoding::Base64)
        .map_err(|_| Error::internal("base64 refused an attachment"))
}

/// Builds the message described by `draft`.
pub fn compose(draft: &Draft) -> Result<Outgoing> {
    let (name, address) = &draft.from;
    let from = Mailbox::new(
        name.clone(),
        address
            .parse()
            .map_err(|e| Error::config(format!("the account's email \"{address}\" is not an address ({e})")))?,
    );
    let to = mailboxes(&draft.to, "--to")?;
    let cc = mailboxes(&draft.cc, "--cc")?;
    let bcc = mailboxes(&draft.bcc, "--bcc")?;
    if to.is_empty() && cc.is_empty() && bcc.is_empty() {
        return Err(Error::usage("no recipients: give --to, --cc or --bcc"));
    }
    let mut builder =
        lettre::Message::builder().from(from.clone()).date_now().message_id(Some(new_message_id(address))).keep_bcc();
    for m in to {
        builder = builder.to(m);
    }
    for m in cc {
        builder = builder.cc(m);
    }
    for m in bcc {
        builder = builder.bcc(m);
    }
    for m in mailboxes(&draft.reply_to, "--reply-to")? {
        builder = builder.reply_to(m);
    }
    if let Some(id) = &draft.in_reply_to {
        builder = builder.in_reply_to(message_id(id));
        if draft.references.is_empty() {
            builder = builder.references(message_id(id));
        }
    }
    if !draft.references.is_empty() {
        let ids: Vec<String> = draft.references.iter().map(|id| message_id(id)).collect();
        builder = builder.references(ids.join(" "));
    }
    if let Some(subject) = &draft.subject {
        builder = builder.subject(subject.clone());
    }
    builder = builder.user_agent(format!("owl/{}", env!("CARGO_PKG_VERSION")));
    for raw in &draft.headers {
        let (name, value) =
            raw.split_once(':').ok_or_else(|| Error::usage(format!("--header \"{raw}\": expected \"Name: value\"")))?;
        let name = name.trim_matches([' ', '\t']);
        if !is_field_name(name) {
            return Err(Error::usage(format!(
                "--header \"{}\": \"{}\" is not a header name (printable ASCII without spaces or colons)",
                raw.escape_debug(),
                name.escape_debug()
            )));
        }
        if RESERVED.contains(&name.to_ascii_lowercase().as_str()) {
            return Err(Error::usage(format!("--header {name}: use the option for it instead")));
        }
        if value.contains(['\r', '\n']) {
            return Err(Error::usage(format!("--header {name}: the value may not contain a line break")));
        }
        let header_name = HeaderName::new_from_ascii(name.to_string())
            .map_err(|_| Error::usage(format!("--header: \"{}\" is not a valid header name", name.escape_debug())))?;
        builder = builder.raw_header(HeaderValue::new(header_name, value.trim().to_string()));
    }

    let text = || SinglePart::plain(draft.text.clone());
    let alternative =
        |html: &String| MultiPart::alternative().singlepart(text()).singlepart(SinglePart::html(html.clone()));
    let message = match (&draft.html, draft.attachments.is_empty()) {
        (None, true) => builder.singlepart(text()),
        (Some(html), true) => builder.multipart(alternative(html)),
        (html, false) => {
            let mut mixed = match html {
                Some(html) => MultiPart::mixed().multipart(alternative(html)),
                None => MultiPart::mixed().singlepart(text()),
            };
            for file in &draft.attachments {
                let mime = file.content_type.as_deref().unwrap_or_else(|| mime_type::from_filename(&file.name));
                let content_type = ContentType::parse(mime)
                    .or_else(|_| ContentType::parse("application/octet-stream"))
                    .map_err(|e| Error::internal(format!("content type: {e}")))?;
                let body = attachment_body(mime, &file.data)?;
                mixed = mixed.singlepart(Attachment::new(file.name.clone()).body(body, content_type));
            }
            builder.multipart(mixed)
        }
    };
    let mut message = message.map_err(|e| Error::usage(format!("cannot build the message: {e}")))?;
    let envelope = message.envelope().clone();
    let copy = message.formatted();
    message.headers_mut().remove::<header::Bcc>();
    let bytes = message.formatted();
    let message_id = message.headers().get_raw("Message-ID").map(|v| v.trim().to_string());
    Ok(Outgoing {
        bytes,
        copy,
        from: envelope.from().map(ToString::to_string).unwrap_or_else(|| address.clone()),
        recipients: envelope.to().iter().map(ToString::to_string).collect(),
        message_id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::message::MessageView;

    fn draft() -> Draft {
        Draft {
            from: (Some("Jürgen Müller".into()), "jm@example.de".into()),
            to: vec!["Ann <ann@example.org>, bob@example.org".into()],
            bcc: vec!["secret@example.org".into()],
            subject: Some("Grüße aus Köln — ☕".into()),
            text: "Hallo, schöne Grüße!\n".into(),
            ..Draft::default()
        }
    }

    #[test]
    fn non_ascii_names_and_subjects_round_trip_and_bcc_stays_out() {
        let out = compose(&draft()).unwrap();
        assert!(
            out.bytes.is_ascii() || !String::from_utf8_lossy(&out.bytes).contains("Grüße aus"),
            "subject is encoded"
        );
        let view = MessageView::parse(&out.bytes);
        assert_eq!(view.header.subject, "Grüße aus Köln — ☕");
        assert_eq!(view.header.from[0].name.as_deref(), Some("Jürgen Müller"));
        assert!(view.text.contains("schöne Grüße"));
        assert_eq!(out.recipients, ["ann@example.org", "bob@example.org", "secret@example.org"]);
        assert!(!String::from_utf8_lossy(&out.bytes).contains("secret@"), "no Bcc in what is sent");
        assert!(String::from_utf8_lossy(&out.copy).contains("secret@"), "Bcc kept in the Sent copy");
        assert!(out.message_id.as_deref().unwrap().starts_with('<'));
        let text = String::from_utf8_lossy(&out.bytes);
        assert!(text.contains("Date: ") && text.contains("Message-ID: "));
        let id = out.message_id.unwrap();
        assert!(id.starts_with('<') && id.ends_with("@example.de>"), "the sender's domain: {id}");
    }

    #[test]
    fn attachments_html_and_headers() {
        let mut d = draft();
        d.html = Some("<p>Hallo</p>".into());
        d.headers = vec!["X-Ticket: 42".into()];
        d.in_reply_to = Some("abc@host".into());
        d.attachments = vec![
            AttachmentFile {
                name: "report.pdf".into(),
                data: b"%PDF-1.4 binary \x00\xff".to_vec(),
                content_type: None,
            },
            AttachmentFile { name: "notes.txt".into(), data: b"plain\nlines\n".to_vec(), content_type: None },
        ];
        let out = compose(&d).unwrap();
        let view = MessageView::parse(&out.bytes);
        let names: Vec<_> = view.attachments.iter().filter_map(|a| a.filename.clone()).collect();
        assert_eq!(names, ["report.pdf", "notes.txt"]);
        assert_eq!(view.attachments[0].content_type, "application/pdf");
        let saved = crate::model::attachment::attachments_with_data(&out.bytes);
        assert_eq!(saved[1].1, b"plain\nlines\n", "text attachments keep their exact bytes");
        let text = String::from_utf8_lossy(&out.bytes);
        assert!(text.contains("X-Ticket: 42") && text.contains("In-Reply-To: <abc@host>"), "{text}");
    }

    #[test]
    fn a_long_references_chain_is_folded_and_reads_back() {
        let mut d = draft();
        d.in_reply_to = Some("<p19@example.org>".into());
        d.references = (0..20).map(|i| format!("<p{i}.{}@example.org>", "x".repeat(30))).collect();
        let out = compose(&d).unwrap();
        let text = String::from_utf8_lossy(&out.bytes);
        assert!(text.lines().all(|l| l.len() <= 998), "{text}");
        let (headers, _) = mailparse::parse_headers(&out.bytes).unwrap();
        let refs = crate::model::header::find_header(&headers, "References").unwrap().get_value();
        assert_eq!(crate::model::reply::msg_ids(&refs), d.references);
        let irt = crate::model::header::find_header(&headers, "In-Reply-To").unwrap().get_value();
        assert_eq!(irt.trim(), "<p19@example.org>");
    }

    #[test]
    fn a_forwarded_message_keeps_its_exact_bytes() {
        let original = b"From: a@x\r\nSubject: caf\xc3\xa9\r\n\r\nline one\r\n\r\nline three\r\n".to_vec();
        let bare_lf = b"From: a@x\nSubject: s\n\nbody\n".to_vec();
        for data in [original, bare_lf] {
            let mut d = draft();
            d.attachments = vec![AttachmentFile {
                name: "fwd.eml".into(),
                data: data.clone(),
                content_type: Some("message/rfc822".into()),
            }];
            let out = compose(&d).unwrap();
            let mail = mailparse::parse_mail(&out.bytes).unwrap();
            let part = mail.subparts.iter().find(|p| p.ctype.mimetype == "message/rfc822").expect("rfc822 part");
            assert_eq!(part.get_body_raw().unwrap(), data);
        }
    }

    #[test]
    fn bad_input_is_a_usage_error() {
        let mut d = draft();
        d.headers = vec!["Subject: again".into()];
        assert!(compose(&d).is_err());
        let mut d = draft();
        d.headers = vec!["X-Evil: a\r\nBcc: x@y".into()];
        assert!(compose(&d).is_err());
        for name in ["Bcc\r\nX", "Bcc\nX", "X Y", "", "Bcc\u{7f}"] {
            let mut d = draft();
            d.headers = vec![format!("{name}: v")];
            let err = compose(&d).unwrap_err();
            assert_eq!(err.kind(), crate::error::ErrorKind::Usage, "{name:?}: {err}");
            assert!(!err.to_string().contains('\n'), "one line: {err}");
        }
        let mut d = draft();
        d.to = vec!["not an address".into()];
        d.bcc.clear();
        assert!(compose(&d).is_err());
        let mut d = draft();
        d.to.clear();
        d.bcc.clear();
        assert!(compose(&d).unwrap_err().to_string().contains("no recipients"));
    }
}
