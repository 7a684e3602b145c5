//! Making an entity 7-bit before it is signed (RFC 8551 §3.1.2): relays may
//! re-encode 8-bit and binary parts, and any byte they change breaks the
//! signature. Text parts get quoted-printable (RFC 2045 §6.7), everything
//! else base64 (RFC 2045 §6.8); multiparts are rebuilt around their
//! converted parts with the same boundaries, and message/rfc822 parts are
//! converted inside (their own 8-bit header lines, if any, stay as they are:
//! RFC 2046 §5.2.1 forbids encoding a message/rfc822 part as a whole).
//!
//! Works on CRLF or LF input; the output uses CRLF for every line it
//! writes. Parts already 7-bit, quoted-printable or base64 are left alone.

use super::entity::{Field, content_type, fields, split_header, split_multipart, transfer_encoding};
use crate::error::{Error, Result};

/// Deeper MIME nesting than this is refused rather than recursed into.
const MAX_DEPTH: usize = 32;
/// RFC 5322 §2.1.1: no line may be longer than 998 octets plus CRLF.
const MAX_LINE: usize = 998;

/// The entity (content header fields, empty line, body) in a 7-bit form.
pub(super) fn to_seven_bit(entity: &[u8]) -> Result<Vec<u8>> {
    convert(entity, 0)
}

fn convert(entity: &[u8], depth: usize) -> Result<Vec<u8>> {
    if depth > MAX_DEPTH {
        return Err(Error::protocol(format!("MIME nested more than {MAX_DEPTH} deep: refusing to sign it")));
    }
    let (head, body) = split_header(entity);
    let fs = fields(head);
    let ctype = content_type(&fs);
    let cte = transfer_encoding(&fs);
    let mime = ctype.mimetype.as_str();
    if mime.starts_with("multipart/") {
        let boundary = ctype.params.get("boundary").map(String::as_str).unwrap_or_default();
        let Some(mp) = split_multipart(body, boundary) else {
            return Err(Error::protocol(format!("{mime} without its boundary: cannot sign it")));
        };
        let mut out = rebuild_head(&fs, (cte != "7bit").then_some("7bit"), None);
        if !mp.preamble.is_empty() && is_seven_bit(mp.preamble) {
            out.extend_from_slice(mp.preamble);
            out.extend_from_slice(b"\r\n");
        }
        for part in mp.parts {
            out.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
            out.extend_from_slice(&convert(part, depth + 1)?);
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        // An 8-bit epilogue is dropped: readers never show it.
        if let Some(epilogue) = mp.epilogue.filter(|e| is_seven_bit(e)) {
            out.extend_from_slice(epilogue);
        }
        return Ok(out);
    }
    if mime == "message/rfc822" || mime == "message/global" {
        let mut out = rebuild_head(&fs, (cte != "7bit").then_some("7bit"), None);
        out.extend_from_slice(&convert(body, depth + 1)?);
        return Ok(out);
    }
    let needs = match cte.as_str() {
        "8bit" | "binary" => true,
        "7bit" => !is_seven_bit(body),
        // quoted-printable and base64 are 7-bit by construction; unknown
        // encodings (x-uuencode) cannot be touched without breaking them.
        _ => false,
    };
    if !needs {
        let mut out = head.to_vec();
        if !head.is_empty() && !head.ends_with(b"\n") {
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(body);
        return Ok(out);
    }
    // RFC 2045 says an undeclared type is us-ascii text, which 8-bit text is
    // not; say what it most likely is (decode.rs reads it the same way).
    let added_type = (!fs.iter().any(|f| f.is("Content-Type"))).then(|| default_content_type(body));
    let (encoding, encoded) = if mime.starts_with("text/") {
        ("quoted-printable", quoted_printable(body))
    } else if cte == "binary" {
        ("base64", base64_lines(body))
    } else {
        // 8-bit data is lines (RFC 2045 §2.8), whose canonical ends are CRLF.
        ("base64", base64_lines(&super::entity::canonical(body)))
    };
    let mut out = rebuild_head(&fs, Some(encoding), added_type.as_deref());
    out.extend_from_slice(&encoded);
    Ok(out)
}

/// A Content-Type field for a body that has none: RFC 2045's default,
/// `text/plain; charset=us-ascii`, unless the body is 8-bit; then UTF-8 if
/// it is valid UTF-8, else Windows-1252 (how decode.rs reads such text).
pub(super) fn default_content_type(body: &[u8]) -> String {
    let charset = if body.is_ascii() {
        "us-ascii"
    } else if std::str::from_utf8(body).is_ok() {
        "utf-8"
    } else {
        "windows-1252"
    };
    format!("Content-Type: text/plain; charset={charset}\r\n")
}

/// The header fields with Content-Transfer-Encoding replaced by `encoding`
/// (or kept when `None`), `extra` added, and the empty line after them.
fn rebuild_head(fs: &[Field<'_>], encoding: Option<&str>, extra: Option<&str>) -> Vec<u8> {
    let mut out = Vec::new();
    for f in fs {
        if encoding.is_some() && f.is("Content-Transfer-Encoding") {
            continue;
        }
        out.extend_from_slice(f.raw);
        if !f.raw.ends_with(b"\n") {
            out.extend_from_slice(b"\r\n");
        }
    }
    if let Some(extra) = extra {
        out.extend_from_slice(extra.as_bytes());
    }
    if let Some(encoding) = encoding {
        out.extend_from_slice(format!("Content-Transfer-Encoding: {encoding}\r\n").as_bytes());
    }
    out.extend_from_slice(b"\r\n");
    out
}

/// True when `bytes` is valid 7bit data (RFC 2045 §2.7): no 8-bit byte, no
/// NUL, no line over 998 octets.
pub(super) fn is_seven_bit(bytes: &[u8]) -> bool {
    bytes.iter().all(|&b| b != 0 && b < 0x80)
        && bytes.split(|&b| b == b'\n').all(|line| line.strip_suffix(b"\r").unwrap_or(line).len() <= MAX_LINE)
}

/// Quoted-printable for text: each input line end (CRLF or LF) becomes a
/// hard CRLF; lines are soft-broken before 76 columns; trailing white space,
/// `=`, control and 8-bit bytes are escaped. `From ` at a line start and a
/// lone `.` are escaped too, so mbox writers and careless SMTP code cannot
/// change the signed text.
pub(super) fn quoted_printable(text: &[u8]) -> Vec<u8> {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = Vec::with_capacity(text.len() + text.len() / 8);
    let mut lines = text.split(|&b| b == b'\n').peekable();
    while let Some(line) = lines.next() {
        let last = lines.peek().is_none();
        if last && line.is_empty() {
            break;
        }
        let line = if last { line } else { line.strip_suffix(b"\r").unwrap_or(line) };
        let mut col = 0;
        for (i, &b) in line.iter().enumerate() {
            let at_end = i + 1 == line.len();
            let escape = match b {
                b'=' => true,
                b' ' | b'\t' => at_end,
                b'F' => i == 0 && line.starts_with(b"From "),
                b'.' => line.len() == 1,
                33..=126 => false,
                _ => true,
            };
            let width = if escape { 3 } else { 1 };
            // A soft break ("=") must fit in 76 columns; so must the last
            // character of a line, which needs no room for one.
            let room = if at_end { 76 } else { 75 };
            if col + width > room {
                out.extend_from_slice(b"=\r\n");
                col = 0;
            }
            if escape {
                out.extend_from_slice(&[b'=', HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]]);
            } else {
                out.push(b);
            }
            col += width;
        }
        if !last {
            out.extend_from_slice(b"\r\n");
        }
    }
    out
}

/// Base64 in 76-column CRLF lines (RFC 2045 §6.8), ending with CRLF.
pub(super) fn base64_lines(data: &[u8]) -> Vec<u8> {
    use base64::Engine as _;
    let encoded = base64::engine::general_purpose::STANDARD.encode(data);
    let mut out = Vec::with_capacity(encoded.len() + encoded.len() / 38 + 2);
    for chunk in encoded.as_bytes().chunks(76) {
        out.extend_from_slice(chunk);
        out.extend_from_slice(b"\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn qp_decode(qp: &[u8]) -> Vec<u8> {
        let whole = [&b"Content-Transfer-Encoding: quoted-printable\r\n\r\n"[..], qp].concat();
        let m = mailparse::parse_mail(&whole).unwrap();
        m.get_body_raw().unwrap()
    }

    #[test]
    fn quoted_printable_round_trips_and_stays_short() {
        let text = "Grüße, Jürgen = 100 %\t\nFrom here\n.\nend \n".as_bytes();
        let qp = quoted_printable(text);
        assert_eq!(
            String::from_utf8(qp.clone()).unwrap(),
            "Gr=C3=BC=C3=9Fe, J=C3=BCrgen =3D 100 %=09\r\n=46rom here\r\n=2E\r\nend=20\r\n"
        );
        assert_eq!(qp_decode(&qp), b"Gr\xc3\xbc\xc3\x9fe, J\xc3\xbcrgen = 100 %\t\r\nFrom here\r\n.\r\nend \r\n");
        let long = "ä".repeat(100) + &"x".repeat(200);
        let qp = quoted_printable(long.as_bytes());
        assert!(qp.split(|&b| b == b'\n').all(|l| l.len() <= 77), "{}", String::from_utf8_lossy(&qp));
        assert_eq!(qp_decode(&qp), long.as_bytes());
        assert_eq!(quoted_printable(b"no newline"), b"no newline");
        assert_eq!(quoted_printable(b"a\r\n\r\n"), b"a\r\n\r\n");
        assert_eq!(quoted_printable(b"nul\0cr\r"), b"nul=00cr=0D");
    }

    #[test]
    fn eight_bit_parts_get_a_seven_bit_encoding() {
        let entity = "Content-Type: multipart/mixed; boundary=\"b\"\n\npre\n--b\n\
            Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\nSchöne Grüße\n--b\n\
            Content-Type: application/octet-stream\nContent-Transfer-Encoding: binary\n\n\u{ff}\r\u{0}\n--b\n\
            Content-Type: text/plain\n\nalready ascii\n--b\n\
            Content-Type: message/rfc822\nContent-Transfer-Encoding: 8bit\n\nSubject: inner\nContent-Type: text/plain; charset=utf-8\n\nÄ\n--b--\nepilogue\n";
        let out = to_seven_bit(entity.as_bytes()).unwrap();
        let text = String::from_utf8(out.clone()).unwrap();
        assert!(is_seven_bit(&out), "{text}");
        assert!(
            text.contains("Content-Transfer-Encoding: quoted-printable\r\n\r\nSch=C3=B6ne Gr=C3=BC=C3=9Fe\r\n--b\r\n"),
            "{text}"
        );
        assert!(text.contains("Content-Transfer-Encoding: base64\r\n\r\nw78NAA==\r\n"), "{text}");
        assert!(text.contains("Content-Type: text/plain\n\r\nalready ascii\r\n"), "{text}");
        assert!(
            text.contains("Content-Type: message/rfc822\nContent-Transfer-Encoding: 7bit\r\n\r\nSubject: inner\n"),
            "{text}"
        );
        assert!(text.contains("=C3=84\r\n--b--\r\nepilogue\n"), "{text}");
        let canonical = super::super::entity::canonical(&out);
        let parsed = mailparse::parse_mail(&canonical).unwrap();
        assert_eq!(parsed.subparts[0].get_body().unwrap(), "Schöne Grüße");
        assert_eq!(parsed.subparts[1].get_body_raw().unwrap(), b"\xc3\xbf\r\x00");
    }

    #[test]
    fn undeclared_eight_bit_text_gets_a_charset() {
        let out = to_seven_bit("Content-Disposition: inline\r\n\r\nGrüße\r\n".as_bytes()).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "Content-Disposition: inline\r\nContent-Type: text/plain; charset=utf-8\r\n\
             Content-Transfer-Encoding: quoted-printable\r\n\r\nGr=C3=BC=C3=9Fe\r\n"
        );
        let latin1 = to_seven_bit(b"\r\nGr\xfc\xdfe").unwrap();
        assert!(String::from_utf8(latin1).unwrap().contains("charset=windows-1252"));
    }

    #[test]
    fn hostile_structures_are_refused() {
        let mut deep = Vec::new();
        for i in 0..40 {
            deep.extend_from_slice(
                format!("Content-Type: multipart/mixed; boundary=b{i}\r\n\r\n--b{i}\r\n").as_bytes(),
            );
        }
        assert!(to_seven_bit(&deep).is_err());
        assert!(to_seven_bit(b"Content-Type: multipart/mixed; boundary=zz\r\n\r\nno parts").is_err());
        let long_line = [b"Content-Type: text/plain\r\n\r\n".to_vec(), vec![b'a'; 1200]].concat();
        let out = to_seven_bit(&long_line).unwrap();
        assert!(String::from_utf8_lossy(&out).contains("quoted-printable"));
    }
}
