//! SMTP replies off the byte stream: `Reply-code [ SP textstring ] CRLF`,
//! with `code-` continuation lines (RFC 5321 §4.2, §4.2.1).
//!
//! [`read_reply`] is a pure function of the bytes it is given, so a fuzz
//! target can drive it, and it never panics. Everything is bounded: a line
//! holds at most [`MAX_TEXT`] bytes of text and this is found without
//! reading the rest of the line into memory, a reply holds at most
//! [`MAX_LINES`] lines, continuation lines must repeat the first line's
//! code, and garbage is quoted shortened. A bare `250` is a whole reply, and
//! a bare LF ends a line as CRLF does. It must not know which command a
//! reply answers: the session says that ([`super::explain::Stage`]).

use std::io::{Read, Write};

use crate::error::{Error, Result};
use crate::net::buffered::Buffered;

/// Most bytes of text on one reply line. RFC 5321 §4.5.3.1.5 allows 512
/// octets in all; real servers stay far below, and anything this long is a
/// server that is broken or hostile.
pub const MAX_TEXT: usize = 4096;
/// Most lines in one multi-line reply (a long EHLO has about twenty).
pub const MAX_LINES: usize = 1000;
/// The longest piece of server text put into a message or a trace.
const QUOTE_MAX: usize = 200;
/// Code, separator and CR LF around the text of a line.
const LINE_OVERHEAD: usize = 3 + 1 + 2;

/// One complete reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The three-digit code, 200 to 599.
    pub code: u16,
    /// The text of each line (without the code and separator), decoded
    /// leniently; an empty string for a bare code.
    pub lines: Vec<String>,
}

impl Reply {
    /// 2xx: done.
    pub fn is_positive(&self) -> bool {
        (200..300).contains(&self.code)
    }

    /// 3xx: go on (334 in AUTH, 354 after DATA).
    pub fn is_intermediate(&self) -> bool {
        (300..400).contains(&self.code)
    }

    /// 4xx: try again later.
    pub fn is_transient(&self) -> bool {
        (400..500).contains(&self.code)
    }

    /// 5xx: refused for good.
    pub fn is_permanent(&self) -> bool {
        self.code >= 500
    }

    /// The first line's text (EHLO's domain, AUTH's challenge).
    pub fn first(&self) -> &str {
        self.lines.first().map_or("", String::as_str)
    }

    /// The text of every line, joined by spaces.
    pub fn text(&self) -> String {
        self.lines.iter().map(|l| l.trim()).filter(|l| !l.is_empty()).collect::<Vec<_>>().join(" ")
    }

    /// `code text`, printable and shortened, for messages and refusals.
    pub fn quoted(&self) -> String {
        let text = self.text();
        let line = if text.is_empty() { self.code.to_string() } else { format!("{} {text}", self.code) };
        quote(line.as_bytes())
    }

    /// The reply as it came, one string per line (`250-text`), for traces.
    pub fn wire_lines(&self) -> impl Iterator<Item = String> + '_ {
        let last = self.lines.len().saturating_sub(1);
        self.lines.iter().enumerate().map(move |(i, text)| {
            let sep = if i == last { ' ' } else { '-' };
            if text.is_empty() && i == last {
                self.code.to_string()
            } else {
                format!("{}{sep}{}", self.code, quote(text.as_bytes()))
            }
        })
    }
}

/// Reads one whole reply from `io`. A server that hangs up or times out
/// mid-reply gives the network error (temporary); malformed or overlong
/// input is [`crate::error::ErrorKind::Protocol`], after which the stream
/// is out of step.
pub fn read_reply<S: Read + Write>(io: &mut Buffered<S>) -> Result<Reply> {
    let mut lines = Vec::new();
    let mut code = None;
    let mut raw = Vec::new();
    loop {
        raw.clear();
        if !io.read_line_into(&mut raw, MAX_TEXT + LINE_OVERHEAD)? {
            return Err(overlong(&raw));
        }
        let line = strip_line_end(&raw);
        if line.len() > MAX_TEXT + 4 {
            return Err(overlong(line));
        }
        let (this, more, text) = parse_line(line)?;
        match code {
            None => code = Some(this),
            Some(first) if first != this => {
                return Err(Error::protocol(format!(
                    "the server's reply changed its code from {first} to {this} in mid-reply: \"{}\"",
                    quote(line)
                )));
            }
            Some(_) => {}
        }
        if lines.len() == MAX_LINES {
            return Err(Error::protocol(format!("the server sent a reply of more than {MAX_LINES} lines")));
        }
        lines.push(String::from_utf8_lossy(text).into_owned());
        if !more {
            // `code` was set by the first line, which this loop has read.
            return Ok(Reply { code: code.unwrap_or(this), lines });
        }
    }
}

/// A line without its CRLF, or without a bare LF from a sloppy server.
fn strip_line_end(raw: &[u8]) -> &[u8] {
    let line = raw.strip_suffix(b"\n").unwrap_or(raw);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// Splits one line into code, whether more lines follow, and text.
pub fn parse_line(line: &[u8]) -> Result<(u16, bool, &[u8])> {
    let garbage =
        || Error::protocol(format!("the server sent something that is not an SMTP reply: \"{}\"", quote(line)));
    let digits = line.get(..3).ok_or_else(garbage)?;
    if !digits.iter().all(u8::is_ascii_digit) || !(b'2'..=b'5').contains(&digits[0]) {
        return Err(garbage());
    }
    let code = digits.iter().fold(0u16, |n, d| n * 10 + u16::from(d - b'0'));
    match line.get(3) {
        None => Ok((code, false, &[])),
        Some(b' ') => Ok((code, false, &line[4..])),
        Some(b'-') => Ok((code, true, &line[4..])),
        Some(_) => Err(garbage()),
    }
}

fn overlong(start: &[u8]) -> Error {
    Error::protocol(format!(
        "the server sent a reply line longer than {MAX_TEXT} bytes, starting \"{}\"",
        quote(&start[..start.len().min(QUOTE_MAX)])
    ))
}

/// Server text made printable (control bytes escaped) and shortened to
/// about [`QUOTE_MAX`] characters, for messages and traces.
pub fn quote(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(QUOTE_MAX * 4)]);
    let mut out = String::new();
    let mut shown = 0;
    for c in text.chars() {
        if shown >= QUOTE_MAX {
            out.push_str("...");
            break;
        }
        if c.is_control() {
            let escaped: String = c.escape_default().collect();
            shown += escaped.len();
            out.push_str(&escaped);
        } else {
            shown += 1;
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use crate::net::trickle::Trickle;

    fn io(input: &[u8], step: usize) -> Buffered<Trickle> {
        Buffered::new(Trickle::new(input, step), "smtp.example:587".into())
    }

    fn read_all_steps(input: &[u8]) -> Reply {
        let whole = read_reply(&mut io(input, usize::MAX)).unwrap();
        for step in 1..input.len() {
            assert_eq!(read_reply(&mut io(input, step)).unwrap(), whole, "read {step} bytes at a time");
        }
        whole
    }

    #[test]
    fn a_bare_code_is_a_whole_reply() {
        let reply = read_all_steps(b"250\r\n");
        assert_eq!((reply.code, reply.lines.as_slice()), (250, &[String::new()][..]));
        assert_eq!(reply.quoted(), "250");
        assert!(reply.is_positive());
    }

    #[test]
    fn multi_line_replies_keep_every_line_and_what_follows_stays() {
        let wire = b"250-mail.example Hello\r\n250-PIPELINING\r\n250-SIZE 1000\r\n250 8BITMIME\r\n354 go\n";
        let mut b = io(wire, 5);
        let reply = read_reply(&mut b).unwrap();
        assert_eq!(reply.code, 250);
        assert_eq!(reply.lines, ["mail.example Hello", "PIPELINING", "SIZE 1000", "8BITMIME"]);
        assert_eq!(reply.first(), "mail.example Hello");
        let wire: Vec<String> = reply.wire_lines().collect();
        assert_eq!(wire, ["250-mail.example Hello", "250-PIPELINING", "250-SIZE 1000", "250 8BITMIME"]);
        let next = read_reply(&mut b).unwrap();
        assert_eq!((next.code, next.text()), (354, "go".to_string()));
        assert!(next.is_intermediate());
    }

    #[test]
    fn an_empty_continuation_and_bare_lf_are_accepted() {
        let reply = read_all_steps(b"451-\n451 4.3.0 later\n");
        assert_eq!(reply.lines, ["", "4.3.0 later"]);
        assert_eq!(reply.quoted(), "451 4.3.0 later");
        assert!(reply.is_transient());
    }

    #[test]
    fn an_overlong_line_is_refused_without_reading_it_all() {
        // 300 MB would never be read: the reader stops once the limit is
        // passed, a buffer or so later.
        let mut long = b"250 ".to_vec();
        long.extend(std::iter::repeat_n(b'x', 200_000));
        let mut b = io(&long, 1000);
        let err = read_reply(&mut b).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Protocol, "{err}");
        assert!(err.to_string().contains("longer than 4096"), "{err}");
        assert!(err.to_string().len() < 400, "quoted shortened: {err}");
        assert!(b.stream().written.is_empty());
        // Exactly at the limit is still fine.
        let mut edge = b"250 ".to_vec();
        edge.extend(std::iter::repeat_n(b'y', MAX_TEXT));
        edge.extend_from_slice(b"\r\n");
        assert_eq!(read_reply(&mut io(&edge, 7)).unwrap().lines[0].len(), MAX_TEXT);
        edge.insert(5, b'y');
        assert_eq!(read_reply(&mut io(&edge, 7)).unwrap_err().kind(), ErrorKind::Protocol);
    }

    #[test]
    fn a_line_arriving_whole_but_too_long_is_refused_too() {
        let mut long = b"250 ".to_vec();
        long.extend(std::iter::repeat_n(b'x', 10_000));
        long.extend_from_slice(b"\r\n");
        assert_eq!(read_reply(&mut io(&long, usize::MAX)).unwrap_err().kind(), ErrorKind::Protocol);
    }

    #[test]
    fn more_than_a_thousand_lines_is_refused() {
        let mut wire = "250-x\r\n".repeat(MAX_LINES - 1);
        wire.push_str("250 last\r\n");
        assert_eq!(read_reply(&mut io(wire.as_bytes(), 4096)).unwrap().lines.len(), MAX_LINES);
        let wire = "250-x\r\n".repeat(MAX_LINES) + "250 last\r\n";
        let err = read_reply(&mut io(wire.as_bytes(), 4096)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Protocol);
        assert!(err.to_string().contains("more than 1000 lines"), "{err}");
    }

    #[test]
    fn a_code_that_changes_mid_reply_is_refused() {
        let err = read_reply(&mut io(b"250-one\r\n550 two\r\n", 100)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Protocol);
        assert!(err.to_string().contains("from 250 to 550"), "{err}");
    }

    #[test]
    fn garbage_is_a_protocol_error_quoting_a_little_of_it() {
        for bad in [&b"HTTP/1.1 400 Bad Request\r\n"[..], b"\r\n", b"25\r\n", b"250x\r\n", b"199 no\r\n", b"650 no\r\n"]
        {
            let err = read_reply(&mut io(bad, 100)).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Protocol, "{}", show(bad));
        }
        let mut junk = vec![0x1bu8; 3000];
        junk.push(b'\n');
        let err = read_reply(&mut io(&junk, 100)).unwrap_err();
        assert!(err.to_string().chars().count() < 320, "{err}");
        assert!(err.to_string().contains("\\u{1b}"), "control bytes escaped: {err}");
    }

    #[test]
    fn a_hang_up_mid_reply_is_temporary() {
        let err = read_reply(&mut io(b"250-one\r\n250-tw", 3)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::TempFail, "{err}");
        let err = read_reply(&mut io(b"", 3)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::TempFail, "{err}");
    }

    #[test]
    fn a_read_timeout_is_temporary() {
        let mut b = Buffered::new(Trickle::new(b"250-one\r\n", 4).then_timeout(), "x".into());
        let err = read_reply(&mut b).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::TempFail);
        assert!(err.to_string().contains("timed out"), "{err}");
    }

    #[test]
    fn arbitrary_bytes_never_panic() {
        // A small deterministic fuzz: every kind of byte, near-valid
        // prefixes, every read size.
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let pieces: [&[u8]; 8] = [b"250", b"-", b" ", b"\r\n", b"\n", b"55", b"\xff\x00", b"x"];
        for _ in 0..3000 {
            let mut input = Vec::new();
            for _ in 0..(next() % 24) {
                if next() % 3 == 0 {
                    input.push(next() as u8);
                } else {
                    input.extend_from_slice(pieces[(next() % pieces.len() as u64) as usize]);
                }
            }
            let step = 1 + (next() % 9) as usize;
            let mut b = io(&input, step);
            for _ in 0..4 {
                if read_reply(&mut b).is_err() {
                    break;
                }
            }
        }
    }

    fn show(bytes: &[u8]) -> String {
        bytes.escape_ascii().to_string()
    }

    #[test]
    fn quote_shortens_and_escapes() {
        assert_eq!(quote(b"550 no\r"), "550 no\\r");
        let long = quote("é".repeat(500).as_bytes());
        assert_eq!(long.chars().count(), QUOTE_MAX + 3);
    }
}
