//! Decoding one MIME part's body: transfer encoding, then charset.
//!
//! Never fails: broken base64 is decoded as far as it goes, unknown or wrong
//! charsets degrade to replacement characters. No sanitising happens here;
//! callers pass text on to `text::clean_text`.

use mailparse::body::Body;
use mailparse::{ParsedContentType, ParsedMail};

/// The part's body with its Content-Transfer-Encoding undone.
pub fn part_bytes(part: &ParsedMail<'_>) -> Vec<u8> {
    if part.ctype.mimetype.starts_with("multipart/") && part.subparts.is_empty() {
        // mailparse gives a multipart whose boundary never appears an empty
        // body; the text after its headers is all there is to show.
        let head = part.get_headers().get_raw_bytes().len();
        return part.raw_bytes.get(head..).unwrap_or_default().to_vec();
    }
    match part.get_body_encoded() {
        Body::Base64(b) => b.get_decoded().unwrap_or_else(|_| lenient_base64(b.get_raw())),
        Body::QuotedPrintable(b) => b.get_decoded().unwrap_or_else(|_| b.get_raw().to_vec()),
        Body::SevenBit(b) | Body::EightBit(b) => b.get_raw().to_vec(),
        Body::Binary(b) => b.get_raw().to_vec(),
    }
}

/// The part's body as text in its declared charset.
pub fn part_text(part: &ParsedMail<'_>) -> String {
    let charset = part.ctype.params.get("charset").map(String::as_str);
    decode_charset(&part_bytes(part), charset)
}

/// Decodes `bytes` in `charset`. Undeclared, ASCII and UTF-8 labels are
/// treated as UTF-8 when the bytes are valid UTF-8 (8-bit mail without a
/// charset is nearly always UTF-8 today), and as Windows-1252 otherwise.
pub fn decode_charset(bytes: &[u8], charset: Option<&str>) -> String {
    let label = charset.unwrap_or("").trim().to_ascii_lowercase();
    let utf8ish = matches!(label.as_str(), "" | "us-ascii" | "ascii" | "utf-8" | "utf8" | "unknown-8bit" | "x-unknown");
    if utf8ish {
        return match std::str::from_utf8(bytes) {
            Ok(s) => s.to_string(),
            Err(_) if label.starts_with("utf") => String::from_utf8_lossy(bytes).into_owned(),
            Err(_) => with_label(bytes, "windows-1252"),
        };
    }
    with_label(bytes, &label)
}

/// Charset decoding through mailparse, which is the only way to reach its
/// charset tables from here: a text body wrapped in a content type with
/// that label. Unknown labels come out as ASCII with replacement characters.
fn with_label(bytes: &[u8], label: &str) -> String {
    let ctype = ParsedContentType {
        mimetype: "text/plain".to_string(),
        charset: label.to_string(),
        params: Default::default(),
    };
    let body = Body::new(bytes, &ctype, &None);
    match body {
        Body::SevenBit(b) | Body::EightBit(b) => {
            b.get_as_string().unwrap_or_else(|_| String::from_utf8_lossy(bytes).into_owned())
        }
        // Body::new without a transfer encoding always answers SevenBit.
        _ => String::from_utf8_lossy(bytes).into_owned(),
    }
}

/// Base64 that skips anything outside the alphabet and stops at padding,
/// for bodies mailparse's stricter decoder refuses (a stray character, a
/// truncated last quantum).
pub fn lenient_base64(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &b in raw {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => break,
            _ => continue,
        };
        acc = ((acc << 6) | u32::from(v)) & 0xff_ffff;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charsets() {
        assert_eq!(decode_charset(b"Gr\xc3\xbc\xc3\x9fe", None), "Grüße");
        assert_eq!(decode_charset(b"Gr\xc3\xbc\xc3\x9fe", Some("US-ASCII")), "Grüße");
        assert_eq!(decode_charset(b"Gr\xfc\xdfe", None), "Grüße");
        assert_eq!(decode_charset(b"Gr\xfc\xdfe", Some("ISO-8859-1")), "Grüße");
        assert_eq!(decode_charset(b"Gr\xfc\xdfe", Some("utf-8")), "Gr\u{fffd}\u{fffd}e");
        assert_eq!(decode_charset(b"\x80", Some("windows-1252")), "€");
        assert_eq!(decode_charset(b"\xa4", Some("iso-8859-15")), "€");
        assert_eq!(decode_charset(b"\xc4\xd6", Some("koi8-r")), "дж");
        assert_eq!(decode_charset(b"\x1b$B$3$s\x1b(B", Some("iso-2022-jp")), "こん");
        assert_eq!(decode_charset(b"ok \xff", Some("no-such-charset")), "ok \u{fffd}");
    }

    #[test]
    fn broken_base64_decodes_as_far_as_it_goes() {
        assert_eq!(lenient_base64(b"aGVs\r\nbG8g!d29y\nbGQ="), b"hello world");
        assert_eq!(lenient_base64(b"aGVsbG8gd29ybGQ"), b"hello world");
        assert_eq!(lenient_base64(b"aGVsbG8=garbage"), b"hello");
        assert_eq!(lenient_base64(b""), b"");
    }

    #[test]
    fn part_bytes_undo_transfer_encodings() {
        let m = mailparse::parse_mail(
            b"Content-Type: text/plain; charset=iso-8859-1\r\n\
              Content-Transfer-Encoding: quoted-printable\r\n\r\nGr=FC=DFe=\r\n!",
        )
        .unwrap();
        assert_eq!(part_text(&m), "Grüße!");
        let m = mailparse::parse_mail(b"Content-Transfer-Encoding: base64\r\n\r\n AAEC/w==\r\n*junk*").unwrap();
        assert_eq!(part_bytes(&m), vec![0, 1, 2, 255]);
    }
}
