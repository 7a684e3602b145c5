//! `MessageView`: one message as a reader shows it and `--json` prints it.
//!
//! Built from raw RFC 5322 bytes in one call that never fails: broken MIME
//! yields whatever could be read. Field names are the JSON contract
//! (snake_case, stable); add fields rather than rename them.

use mailparse::ParsedMail;
use serde::Serialize;

use super::attachment::{Attachment, describe_attachments};
use super::auth_results::{AuthVerdict, parse_auth_results};
use super::decode::part_text;
use super::header::{HeaderSummary, find_headers};
use super::html::html_to_text;
use super::mime::{is_body_text, with_parsed};
use super::rfc2047::header_value;
use super::text::{clean_line, clean_text};

/// A parsed message.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct MessageView {
    /// from, to, cc, subject, date, message_id, in_reply_to.
    #[serde(flatten)]
    pub header: HeaderSummary,
    /// The readable body: text/plain where a multipart/alternative offers
    /// it, else text/html made plain; the body parts of a multipart/mixed
    /// follow each other, separated by a blank line.
    pub text: String,
    /// Every body part as decoded (HTML as source), in document order.
    pub text_parts: Vec<TextPart>,
    pub attachments: Vec<Attachment>,
    /// From every `Authentication-Results` header, top to bottom.
    pub auth_results: Vec<AuthVerdict>,
    /// What the top-level Content-Type declares (kept as it always was).
    pub smime: Option<Smime>,
    /// What checking the S/MIME layers found: decryption, signature
    /// verdict, signers. `None` for a message that is not S/MIME, or one
    /// that was only parsed (the caller runs the check, which needs keys
    /// and trust).
    pub smime_check: Option<super::smime::Report>,
}

/// One text/plain or text/html body part.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TextPart {
    pub content_type: String,
    /// The declared charset, lowercase; the text is already decoded.
    pub charset: Option<String>,
    pub text: String,
}

/// What S/MIME protection the message claims (nothing is verified).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Smime {
    Signed,
    Encrypted,
}

/// Which part of a multipart/alternative becomes `text`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Prefer {
    /// text/plain where offered: what the sender wrote for text readers.
    #[default]
    Plain,
    /// text/html made plain, for mail whose plain part is a stub ("view
    /// this in a browser") or lags behind the HTML.
    Html,
}

impl MessageView {
    /// Parses a whole message. Never fails; see the module doc.
    pub fn parse(bytes: &[u8]) -> MessageView {
        MessageView::parse_preferring(bytes, Prefer::Plain)
    }

    /// Like [`MessageView::parse`], choosing alternatives as `prefer` says;
    /// a message without HTML reads the same either way.
    pub fn parse_preferring(bytes: &[u8], prefer: Prefer) -> MessageView {
        with_parsed(bytes, |mail| build(mail, prefer)).unwrap_or_default()
    }

    /// A message whose S/MIME layers were opened: the outer message's
    /// header fields and verdicts, with the text and attachments of
    /// `content`, the entity the layers protected.
    pub fn opened(outer: &[u8], content: &[u8], prefer: Prefer, report: super::smime::Report) -> MessageView {
        let outside = MessageView::parse_preferring(outer, prefer);
        let inside = MessageView::parse_preferring(content, prefer);
        MessageView {
            header: outside.header,
            auth_results: outside.auth_results,
            smime: outside.smime,
            smime_check: Some(report),
            ..inside
        }
    }

    /// The decoded source of the HTML body parts (charset and transfer
    /// encoding undone, markup kept), several joined by a blank line;
    /// `None` when the message has no HTML body.
    pub fn html_source(&self) -> Option<String> {
        let parts: Vec<&str> =
            self.text_parts.iter().filter(|p| p.content_type == "text/html").map(|p| p.text.as_str()).collect();
        (!parts.is_empty()).then(|| parts.join("\n\n"))
    }
}

fn build(mail: &ParsedMail<'_>, prefer: Prefer) -> MessageView {
    let auth_results = find_headers(&mail.headers, "Authentication-Results")
        .into_iter()
        .flat_map(|h| parse_auth_results(&header_value(h)))
        .collect();
    MessageView {
        header: HeaderSummary::from_headers(&mail.headers),
        text: readable(mail, prefer).map(|r| r.text).unwrap_or_default(),
        text_parts: mail.parts().filter(|p| p.subparts.is_empty() && is_body_text(p)).map(text_part).collect(),
        attachments: describe_attachments(mail).into_iter().map(|(att, _)| att).collect(),
        auth_results,
        smime: smime(mail),
        smime_check: None,
    }
}

fn text_part(part: &ParsedMail<'_>) -> TextPart {
    TextPart {
        content_type: clean_line(&part.ctype.mimetype),
        charset: part.ctype.params.get("charset").map(|c| clean_line(c).to_ascii_lowercase()),
        text: clean_text(&part_text(part)),
    }
}

/// Readable text of a part and whether it came from text/plain.
struct Readable {
    text: String,
    plain: bool,
}

fn readable(part: &ParsedMail<'_>, prefer: Prefer) -> Option<Readable> {
    if part.subparts.is_empty() {
        if !is_body_text(part) {
            return None;
        }
        let plain = part.ctype.mimetype != "text/html";
        let raw = part_text(part);
        let text = clean_text(&if plain { raw } else { html_to_text(&raw) });
        return (!text.is_empty()).then_some(Readable { text, plain });
    }
    let mut kids = part.subparts.iter().filter_map(|kid| readable(kid, prefer));
    if part.ctype.mimetype == "multipart/alternative" {
        let kids: Vec<Readable> = kids.collect();
        let want_plain = prefer == Prefer::Plain;
        let chosen = kids.iter().position(|r| r.plain == want_plain).unwrap_or(0);
        return kids.into_iter().nth(chosen);
    }
    // mixed, related, signed, ...: every body part in order. Attachments and
    // signatures are not body text, so they drop out here.
    let first = kids.next()?;
    let mut text = first.text;
    for next in kids {
        text.push_str("\n\n");
        text.push_str(&next.text);
    }
    Some(Readable { text, plain: first.plain })
}

/// S/MIME as declared by the top-level Content-Type (RFC 8551).
fn smime(mail: &ParsedMail<'_>) -> Option<Smime> {
    let param = |name: &str| mail.ctype.params.get(name).map(|v| v.trim().to_ascii_lowercase());
    match mail.ctype.mimetype.as_str() {
        "multipart/signed" => match param("protocol").as_deref() {
            Some("application/pkcs7-signature" | "application/x-pkcs7-signature") => Some(Smime::Signed),
            _ => None,
        },
        "application/pkcs7-mime" | "application/x-pkcs7-mime" => {
            match param("smime-type").as_deref() {
                Some("signed-data") => Some(Smime::Signed),
                Some("enveloped-data" | "authenveloped-data") => Some(Smime::Encrypted),
                // Older clients leave smime-type out of encrypted mail.
                None => Some(Smime::Encrypted),
                Some(_) => None,
            }
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::header::Mailbox;
    use crate::model::samples;

    fn mb(name: Option<&str>, addr: &str) -> Mailbox {
        Mailbox { name: name.map(String::from), addr: addr.into() }
    }

    #[test]
    fn alternative_prefers_plain_and_decodes_headers() {
        let v = MessageView::parse(samples::ALTERNATIVE);
        assert_eq!(v.header.from, [mb(Some("Anna Müller"), "anna@example.de")]);
        assert_eq!(v.header.to, [mb(Some("Bob"), "bob@example.com"), mb(None, "carol@example.org")]);
        assert_eq!(v.header.cc, [mb(Some("Doe, Dave"), "dave@example.net")]);
        assert_eq!(v.header.subject, "Grüße aus Köln");
        assert_eq!(v.header.date, Some(1_794_298_500));
        assert_eq!(v.header.message_id.as_deref(), Some("20261110091500.123@example.de"));
        assert_eq!(v.header.in_reply_to.as_deref(), Some("parent@example.com"));
        assert_eq!(v.text, "Hallo Bob,\n\nviele Grüße!");
        assert_eq!(v.text_parts.len(), 2);
        assert_eq!(v.text_parts[0].content_type, "text/html");
        assert!(v.text_parts[0].text.contains("<p>viele Grüße!</p></body></html>"));
        assert_eq!(v.text_parts[1].charset.as_deref(), Some("iso-8859-1"));
        assert!(v.attachments.is_empty());
        assert_eq!(v.smime, None);
    }

    #[test]
    fn authentication_results_from_every_header() {
        let v = MessageView::parse(samples::ALTERNATIVE);
        let got: Vec<(&str, &str, &str)> =
            v.auth_results.iter().map(|a| (a.authserv_id.as_str(), a.method.as_str(), a.result.as_str())).collect();
        assert_eq!(
            got,
            [
                ("mx.owl.test", "spf", "pass"),
                ("mx.owl.test", "dkim", "pass"),
                ("mx.owl.test", "dmarc", "pass"),
                ("relay.example.net", "dkim", "fail"),
            ]
        );
        assert_eq!(v.auth_results[0].detail.as_deref(), Some("smtp.mailfrom=example.de"));
        assert_eq!(v.auth_results[2].detail.as_deref(), Some("header.from=example.de"));
    }

    #[test]
    fn html_only_becomes_readable_text() {
        let v = MessageView::parse(samples::HTML_ONLY);
        assert_eq!(v.header.subject, "Grüße from the shop");
        assert_eq!(
            v.text,
            "Café news – November\n\nRead our offers <https://shop.example/n?id=1&x=2> \
             or visit https://shop.example.\n\n- Tea & cake\n- €5 – today"
        );
        assert_eq!(v.text_parts[0].content_type, "text/html");
        assert_eq!(v.text_parts[0].charset.as_deref(), Some("windows-1252"));
    }

    #[test]
    fn attachments_are_listed_with_decoded_sizes_and_names() {
        let v = MessageView::parse(samples::MIXED);
        assert_eq!(v.text, "Here are the files.");
        let got: Vec<String> = v
            .attachments
            .iter()
            .map(|a| {
                let (name, disp) = (a.filename.as_deref(), a.disposition.as_deref());
                format!("{} {name:?} {} {} {disp:?}", a.index, a.content_type, a.size)
            })
            .collect();
        assert_eq!(
            got,
            [
                r#"1 Some("Grüße €.pdf") application/pdf 18 Some("attachment")"#,
                r#"2 Some("bytes.bin") application/octet-stream 512 Some("attachment")"#,
                r#"3 Some("../../.bashrc") text/plain 8 Some("attachment")"#,
                r#"4 Some("Grüße.txt") text/plain 16 Some("inline")"#,
            ]
        );
    }

    #[test]
    fn smime_is_recognised() {
        let signed = MessageView::parse(samples::SMIME_SIGNED);
        assert_eq!(signed.smime, Some(Smime::Signed));
        assert_eq!(signed.text, "Signed text.");
        assert_eq!(signed.attachments[0].filename.as_deref(), Some("smime.p7s"));
        let enc = MessageView::parse(samples::SMIME_ENCRYPTED);
        assert_eq!(enc.smime, Some(Smime::Encrypted));
        assert_eq!(enc.text, "");
        assert_eq!(enc.attachments[0].content_type, "application/pkcs7-mime");
        let opaque = b"Content-Type: application/x-pkcs7-mime; smime-type=signed-data; name=smime.p7m\r\n\r\nMIA=\r\n";
        assert_eq!(MessageView::parse(opaque).smime, Some(Smime::Signed));
        let pgp =
            b"Content-Type: multipart/signed; protocol=\"application/pgp-signature\"; boundary=x\r\n\r\n--x--\r\n";
        assert_eq!(MessageView::parse(pgp).smime, None);
    }

    #[test]
    fn eight_bit_headers_and_body_decode_lossily() {
        let v = MessageView::parse(samples::EIGHT_BIT);
        assert_eq!(v.header.subject, "Grüße aus Köln");
        assert_eq!(v.header.from, [mb(Some("Jürgen Müller"), "jm@example.de")]);
        assert_eq!(v.text, "Schöne Grüße");
    }

    #[test]
    fn broken_mime_yields_what_can_be_had() {
        let v = MessageView::parse(samples::BROKEN);
        assert_eq!(v.header.subject, "broken");
        assert_eq!(v.text, "Hello world\n\nno headers here\n\norphan text");
        assert_eq!(v.attachments.len(), 1);
        assert_eq!(v.attachments[0].filename.as_deref(), Some("cut.png"));
        assert_eq!(v.attachments[0].size, 8);
        let empty = MessageView::parse(b"");
        assert_eq!(empty.header, HeaderSummary::default());
        assert_eq!(empty.text, "");
        assert_eq!(MessageView::parse(b"just a line").text, "");
    }

    #[test]
    fn html_can_be_preferred_over_plain_and_its_source_shown() {
        let v = MessageView::parse_preferring(samples::ALTERNATIVE, Prefer::Html);
        assert_eq!(v.text, "Hallo Bob,\n\nviele Grüße!");
        assert_eq!(v.text, MessageView::parse(samples::ALTERNATIVE).text, "same words, here from the HTML");
        let source = v.html_source().unwrap();
        assert!(source.contains("<p>viele Grüße!</p></body></html>"), "{source}");
        // An HTML-only message reads the same either way; plain has no source.
        let html_only = MessageView::parse_preferring(samples::HTML_ONLY, Prefer::Html);
        assert_eq!(html_only.text, MessageView::parse(samples::HTML_ONLY).text);
        assert!(html_only.html_source().unwrap().contains("<a href="));
        assert_eq!(MessageView::parse(samples::EIGHT_BIT).html_source(), None);
        let eight = MessageView::parse_preferring(samples::EIGHT_BIT, Prefer::Html);
        assert_eq!(eight.text, "Schöne Grüße", "no HTML: the plain text");
    }

    #[test]
    fn html_preference_picks_the_html_alternative() {
        let mail = b"Content-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\n\
            Content-Type: text/plain\r\n\r\nView this mail in a browser.\r\n--b\r\n\
            Content-Type: text/html\r\n\r\n<p>The <b>real</b> news</p>\r\n--b--\r\n";
        assert_eq!(MessageView::parse(mail).text, "View this mail in a browser.");
        assert_eq!(MessageView::parse_preferring(mail, Prefer::Html).text, "The real news");
    }

    #[test]
    fn json_shape_is_stable() {
        let v = MessageView::parse(samples::SMIME_SIGNED);
        let json: serde_json::Value = serde_json::to_value(&v).unwrap();
        let keys: Vec<&str> = json.as_object().unwrap().keys().map(String::as_str).collect();
        let mut want = [
            "from",
            "to",
            "cc",
            "subject",
            "date",
            "message_id",
            "in_reply_to",
            "text",
            "text_parts",
            "attachments",
            "auth_results",
            "smime",
            "smime_check",
        ];
        want.sort_unstable();
        let mut keys = keys;
        keys.sort_unstable();
        assert_eq!(keys, want);
        assert_eq!(json["smime"], "signed");
        assert_eq!(json["smime_check"], serde_json::Value::Null, "parsing alone checks nothing");
        assert_eq!(json["from"][0], serde_json::json!({"name": null, "addr": "dave@example.net"}));
        assert_eq!(
            json["attachments"][0],
            serde_json::json!({
                "index": 1, "filename": "smime.p7s", "content_type": "application/pkcs7-signature",
                "size": 52, "disposition": "attachment"
            })
        );
    }
}
