//! Header values for display: RFC 2047 words, address lists, and the summary
//! a listing shows (from, to, cc, subject, date, message id).
//!
//! Decoding never fails: 8-bit values that are not UTF-8 are read as Latin-1
//! (mailparse's choice), and address lists that do not parse come back as
//! their decoded text. Every string handed out is cleaned for the terminal.

use std::fmt;

use mailparse::{MailAddr, MailHeader};
use serde::Serialize;

use super::date::parse_rfc5322_date;
use super::rfc2047::{header_value, repair_encoded_words, with_repaired};
use super::text::clean_line;

/// One address: `Name <addr>` or a bare `addr`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mailbox {
    pub name: Option<String>,
    pub addr: String,
}

impl fmt::Display for Mailbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.name {
            Some(name) => write!(f, "{name} <{}>", self.addr),
            None => f.write_str(&self.addr),
        }
    }
}

impl Mailbox {
    /// The display name if there is one, else the address: what a one-line
    /// listing shows in its From column.
    pub fn short(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.addr)
    }
}

/// A list of mailboxes joined with `, ` for display.
pub fn format_mailboxes(list: &[Mailbox]) -> String {
    let parts: Vec<String> = list.iter().map(Mailbox::to_string).collect();
    parts.join(", ")
}

/// The headers a listing or a reader shows first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct HeaderSummary {
    pub from: Vec<Mailbox>,
    pub to: Vec<Mailbox>,
    pub cc: Vec<Mailbox>,
    pub subject: String,
    /// Unix seconds of the `Date:` header, if it parses.
    #[serde(skip)]
    pub date: Option<i64>,
    /// The same date as RFC 3339, in the sender's own offset (what JSON
    /// shows as `date`).
    #[serde(rename = "date")]
    pub date_rfc3339: Option<String>,
    /// The first id in `Message-ID`, without angle brackets.
    pub message_id: Option<String>,
    /// The first id in `In-Reply-To`, without angle brackets.
    pub in_reply_to: Option<String>,
}

impl HeaderSummary {
    /// Summary of already parsed headers; missing headers stay empty.
    pub fn from_headers(headers: &[MailHeader<'_>]) -> HeaderSummary {
        let value = |name| find_header(headers, name).map(header_value);
        HeaderSummary {
            from: addresses_of(headers, "From"),
            to: addresses_of(headers, "To"),
            cc: addresses_of(headers, "Cc"),
            subject: value("Subject").map(|s| clean_line(&s)).unwrap_or_default(),
            date: value("Date").and_then(|d| parse_rfc5322_date(&d)),
            date_rfc3339: value("Date").and_then(|d| {
                let ts = parse_rfc5322_date(&d)?;
                Some(crate::model::date::format_rfc3339(ts, crate::model::date::rfc5322_zone_offset(&d).unwrap_or(0)))
            }),
            message_id: value("Message-ID").and_then(|v| first_msg_id(&v)),
            in_reply_to: value("In-Reply-To").and_then(|v| first_msg_id(&v)),
        }
    }
}

/// Summary of a raw header block, such as the answer to IMAP
/// `BODY.PEEK[HEADER.FIELDS (FROM SUBJECT DATE)]`. A block mailparse refuses
/// is repaired once (see `repair_header_bytes`); if that fails too, the
/// summary is empty.
pub fn summarize_header_bytes(raw: &[u8]) -> HeaderSummary {
    if let Ok((headers, _)) = mailparse::parse_headers(raw) {
        return HeaderSummary::from_headers(&headers);
    }
    let repaired = repair_header_bytes(raw);
    match mailparse::parse_headers(&repaired) {
        Ok((headers, _)) => HeaderSummary::from_headers(&headers),
        Err(_) => HeaderSummary::default(),
    }
}

/// Removes what makes mailparse refuse a header block: leading whitespace
/// before the first header, and a CR not followed by LF (at the start of a
/// line it ends the parse with an error). Such a CR is dropped at the start
/// of a line and becomes a space elsewhere.
pub fn repair_header_bytes(raw: &[u8]) -> Vec<u8> {
    let start = raw.iter().position(|&b| b != b' ' && b != b'\t').unwrap_or(raw.len());
    let raw = &raw[start..];
    let mut out = Vec::with_capacity(raw.len());
    for (i, &b) in raw.iter().enumerate() {
        if b == b'\r' && raw.get(i + 1) != Some(&b'\n') {
            if !matches!(out.last(), None | Some(b'\n')) {
                out.push(b' ');
            }
        } else {
            out.push(b);
        }
    }
    out
}

/// The first header named `name` (case-insensitive, tolerating the
/// `Subject :` spelling that mailparse's own lookup misses).
pub fn find_header<'a, 'h>(headers: &'h [MailHeader<'a>], name: &str) -> Option<&'h MailHeader<'a>> {
    headers.iter().find(|h| h.get_key_ref().trim().eq_ignore_ascii_case(name))
}

/// Every header named `name`, in order.
pub fn find_headers<'a, 'h>(headers: &'h [MailHeader<'a>], name: &str) -> Vec<&'h MailHeader<'a>> {
    headers.iter().filter(|h| h.get_key_ref().trim().eq_ignore_ascii_case(name)).collect()
}

/// The mailboxes of the first header named `name`; empty if there is none.
fn addresses_of(headers: &[MailHeader<'_>], name: &str) -> Vec<Mailbox> {
    find_header(headers, name).map(parse_addresses).unwrap_or_default()
}

/// Decodes an address header into mailboxes; group members are listed in
/// place of their group. If the list does not parse, the whole decoded value
/// becomes one mailbox with that text as its address, so nothing is hidden.
pub fn parse_addresses(header: &MailHeader<'_>) -> Vec<Mailbox> {
    let Ok(list) = with_repaired(header, mailparse::addrparse_header) else {
        let text = clean_line(&header_value(header));
        return if text.is_empty() { Vec::new() } else { vec![Mailbox { name: None, addr: text }] };
    };
    let mut out = Vec::new();
    for addr in list.iter() {
        match addr {
            MailAddr::Single(s) => out.push(mailbox(s)),
            MailAddr::Group(g) => out.extend(g.addrs.iter().map(mailbox)),
        }
    }
    out
}

fn mailbox(info: &mailparse::SingleInfo) -> Mailbox {
    let name = info.display_name.as_deref().map(clean_line).filter(|n| !n.is_empty());
    // After a group, mailparse keeps the separating comma in the next
    // address ("g: a@x;, b@y" gives ", b@y"), so it is trimmed off here.
    let addr = clean_line(&info.addr);
    let addr = addr.trim_matches(|c: char| c == ',' || c.is_whitespace());
    Mailbox { name, addr: addr.to_string() }
}

/// Decodes one raw header value (folded or not, RFC 2047 words or raw
/// 8-bit) into one clean display line.
pub fn decode_header_value(raw: &[u8]) -> String {
    let repaired = repair_encoded_words(raw);
    let raw = repaired.as_deref().unwrap_or(raw);
    let mut line = b"X: ".to_vec();
    // A bare newline would end the header early; unfold it instead.
    for (i, &b) in raw.iter().enumerate() {
        let next = raw.get(i + 1).copied();
        let ends_line = b == b'\n' && !matches!(next, Some(b' ' | b'\t'));
        line.push(if ends_line || (b == b'\r' && next != Some(b'\n')) { b' ' } else { b });
    }
    match mailparse::parse_header(&line) {
        Ok((h, _)) => clean_line(&h.get_value()),
        Err(_) => clean_line(&String::from_utf8_lossy(raw)),
    }
}

/// The first `<id>` in a Message-ID or In-Reply-To value, without brackets;
/// a value with no brackets at all counts as one bare id if it has no spaces.
pub fn first_msg_id(value: &str) -> Option<String> {
    let value = clean_line(value);
    if let Some(open) = value.find('<') {
        let rest = &value[open + 1..];
        let id = &rest[..rest.find('>')?];
        let id = id.trim();
        return (!id.is_empty() && !id.contains(char::is_whitespace)).then(|| id.to_string());
    }
    (!value.is_empty() && !value.contains(char::is_whitespace)).then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(raw: &[u8]) -> MailHeader<'_> {
        mailparse::parse_header(raw).unwrap().0
    }

    fn addrs(raw: &[u8]) -> Vec<String> {
        parse_addresses(&header(raw)).iter().map(Mailbox::to_string).collect()
    }

    #[test]
    fn encoded_words() {
        assert_eq!(decode_header_value(b"=?UTF-8?B?R3LDvMOfZQ==?="), "Grüße");
        assert_eq!(decode_header_value(b"=?ISO-8859-1?Q?Gr=FC=DFe?="), "Grüße");
        assert_eq!(decode_header_value(b"=?iso-8859-1?q?Gr=FC=DFe_aus_K=F6ln?="), "Grüße aus Köln");
        // Whitespace between adjacent encoded words is dropped (RFC 2047 §6.2),
        // also across a fold; between a word and plain text it is kept.
        assert_eq!(decode_header_value(b"=?UTF-8?Q?Gr=C3=BC?= =?UTF-8?Q?=C3=9Fe?=\r\n =?UTF-8?Q?_!?= x"), "Grüße ! x");
        assert_eq!(decode_header_value(b"Re: =?utf-8?q?caf=C3=A9?= ok"), "Re: café ok");
        // Unknown charsets and bad encodings are left as they were.
        assert_eq!(decode_header_value(b"=?x-nope?Q?a?="), "=?x-nope?Q?a?=");
        assert_eq!(decode_header_value(b"=?utf-8?Z?a?="), "=?utf-8?Z?a?=");
        assert_eq!(decode_header_value(b"=?utf-8?B?***?="), "=?utf-8?B?***?=");
    }

    #[test]
    fn eight_bit_headers_decode_lossily() {
        // Valid UTF-8 is taken as such (RFC 6532)...
        assert_eq!(decode_header_value("Grüße".as_bytes()), "Grüße");
        // ...anything else as Latin-1, never an error.
        assert_eq!(decode_header_value(b"Gr\xfc\xdfe \xff\x80"), "Grüße ÿ");
        assert_eq!(decode_header_value(b"a\x1b[2Jb\r\n\tc\rd\ne"), "a[2Jb c d e");
    }

    #[test]
    fn address_lists() {
        assert_eq!(addrs(b"From: =?ISO-8859-1?Q?M=FCller?= <mueller@example.de>"), ["Müller <mueller@example.de>"]);
        assert_eq!(
            addrs(b"From: \"=?UTF-8?B?SsO8cmdlbg==?= Smith\" <js@example.com>"),
            ["Jürgen Smith <js@example.com>"]
        );
        assert_eq!(
            addrs(b"To: a@example.com, \"Doe, John\" <jd@example.com>,\r\n (c) bob@example.org"),
            ["a@example.com", "Doe, John <jd@example.com>", "bob@example.org"]
        );
        assert_eq!(
            addrs(b"To: team: x@example.com, y@example.com;, z@example.com"),
            ["x@example.com", "y@example.com", "z@example.com"]
        );
        assert_eq!(addrs(b"To: undisclosed-recipients:;"), Vec::<String>::new());
        // Unparsable lists come back as their decoded text.
        assert_eq!(addrs(b"From: Just A Name"), ["Just A Name"]);
        assert_eq!(addrs(b"From: =?utf-8?Q?J=C3=BCrgen?="), ["Jürgen"]);
        assert_eq!(addrs(b"From: \"Mallory\x1b[0m\" <m@example.com>"), ["Mallory[0m <m@example.com>"]);
        assert_eq!(addrs(b"From: \"\" <e@example.com>"), ["e@example.com"]);
    }

    #[test]
    fn summary_from_header_fields() {
        let raw = b"From: =?ISO-8859-1?Q?J=FCrgen_M=FCller?= <jm@example.de>\r\n\
            Subject: =?UTF-8?B?R3LDvMOfZQ==?= aus\r\n =?ISO-8859-1?Q?K=F6ln?=\r\n\
            Date: Sun, 02 Oct 2016 07:06:22 -0700 (PDT)\r\n\
            Message-ID: <abc.123@mail.example.de>\r\n\
            In-Reply-To: <parent@example.com> (Bob's message)\r\n\r\n";
        let s = summarize_header_bytes(raw);
        assert_eq!(s.from, [Mailbox { name: Some("Jürgen Müller".into()), addr: "jm@example.de".into() }]);
        assert_eq!(s.subject, "Grüße aus Köln");
        assert_eq!(s.date, Some(1_475_417_182));
        assert_eq!(s.message_id.as_deref(), Some("abc.123@mail.example.de"));
        assert_eq!(s.in_reply_to.as_deref(), Some("parent@example.com"));
        assert!(s.to.is_empty() && s.cc.is_empty());
    }

    #[test]
    fn summary_survives_what_mailparse_refuses() {
        assert!(mailparse::parse_headers(b" Subject: x\r\n").is_err());
        assert_eq!(summarize_header_bytes(b" Subject: x\r\n").subject, "x");
        assert!(mailparse::parse_headers(b"Subject: a\rb\r\nFrom: c@d.e\r\n\r").is_err());
        let s = summarize_header_bytes(b"Subject: a\rb\r\nFrom: c@d.e\r\n\r");
        assert_eq!(s.subject, "a b");
        assert_eq!(s.from[0].addr, "c@d.e");
        assert_eq!(summarize_header_bytes(b""), HeaderSummary::default());
        let s = summarize_header_bytes(b"Subject : spaced\r\nDate: yesterday\r\n");
        assert_eq!(s.subject, "spaced");
        assert_eq!(s.date, None);
    }

    #[test]
    fn message_ids() {
        assert_eq!(first_msg_id(" <a@b> <c@d>").as_deref(), Some("a@b"));
        assert_eq!(first_msg_id("bare@id").as_deref(), Some("bare@id"));
        assert_eq!(first_msg_id("<>"), None);
        assert_eq!(first_msg_id("<a@b"), None);
        assert_eq!(first_msg_id("two words"), None);
        assert_eq!(first_msg_id(""), None);
    }
}
