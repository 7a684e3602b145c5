//! MIME entities as exact bytes: where the header ends, the header fields
//! with their folded lines, and the parts of a multipart between its
//! boundaries (RFC 2046 §5.1.1), without decoding anything.
//!
//! A signature covers bytes, not a parse: `mailparse` is fine for reading a
//! value, but what is verified or signed must be cut from the input exactly,
//! which is what this file does. It accepts CRLF and bare-LF line ends alike
//! (Maildir files are usually LF), and never panics on any input.

use mailparse::ParsedContentType;

/// Boundaries and parts beyond this are refused: no real multipart has them,
/// and each part costs a scan.
const MAX_PARTS: usize = 10_000;

/// Splits an entity at the empty line ending its header: `(header, body)`.
/// The header keeps its last line end; the empty line belongs to neither.
/// Without an empty line the whole input is header.
pub(super) fn split_header(entity: &[u8]) -> (&[u8], &[u8]) {
    let mut start = 0;
    while start < entity.len() {
        let end = entity[start..].iter().position(|&b| b == b'\n').map_or(entity.len(), |p| start + p + 1);
        let line = &entity[start..end];
        if line == b"\n" || line == b"\r\n" {
            return (&entity[..start], &entity[end..]);
        }
        start = end;
    }
    (entity, &[])
}

/// One header field: its name and its whole raw text, folded lines and line
/// end included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Field<'a> {
    pub name: String,
    pub raw: &'a [u8],
}

impl Field<'_> {
    /// The unfolded value, lossily decoded, trimmed.
    pub fn value(&self) -> String {
        let text = String::from_utf8_lossy(self.raw);
        let value = text.split_once(':').map_or("", |(_, v)| v);
        value.replace(['\r', '\n'], "").trim().to_string()
    }

    /// True for the header fields that describe the content (RFC 2045 §9:
    /// their names all start with `Content-`), which go inside a signed or
    /// encrypted entity.
    pub fn is_content(&self) -> bool {
        self.name.len() > 8 && self.name[..8].eq_ignore_ascii_case("content-")
    }

    pub fn is(&self, name: &str) -> bool {
        self.name.eq_ignore_ascii_case(name)
    }
}

/// The fields of a header block, in order. A continuation line before any
/// field, or a line without a colon, is kept as a field with an empty name,
/// so that joining every `raw` gives the input back.
pub(super) fn fields(header: &[u8]) -> Vec<Field<'_>> {
    let mut out: Vec<Field<'_>> = Vec::new();
    let mut start = 0;
    let mut field_start = 0;
    while start < header.len() {
        let end = header[start..].iter().position(|&b| b == b'\n').map_or(header.len(), |p| start + p + 1);
        let folded = matches!(header[start], b' ' | b'\t');
        if !folded && start > field_start {
            out.push(field(&header[field_start..start]));
            field_start = start;
        }
        start = end;
    }
    if header.len() > field_start {
        out.push(field(&header[field_start..]));
    }
    out
}

fn field(raw: &[u8]) -> Field<'_> {
    let name = match raw.iter().position(|&b| b == b':') {
        Some(colon) if !matches!(raw.first(), Some(b' ' | b'\t')) => {
            String::from_utf8_lossy(&raw[..colon]).trim().to_string()
        }
        _ => String::new(),
    };
    Field { name, raw }
}

/// The parsed Content-Type of a header block; RFC 2045's default
/// (`text/plain; charset=us-ascii`) when there is none.
pub(super) fn content_type(fields: &[Field<'_>]) -> ParsedContentType {
    match fields.iter().find(|f| f.is("Content-Type")) {
        Some(f) => mailparse::parse_content_type(&f.value()),
        None => ParsedContentType::default(),
    }
}

/// The Content-Transfer-Encoding, lowercase; `7bit` when absent (RFC 2045 §6.1).
pub(super) fn transfer_encoding(fields: &[Field<'_>]) -> String {
    fields
        .iter()
        .find(|f| f.is("Content-Transfer-Encoding"))
        .map_or_else(|| "7bit".to_string(), |f| f.value().to_ascii_lowercase())
}

/// A multipart body cut at its boundaries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Multipart<'a> {
    /// Text before the first boundary (line end before it excluded).
    pub preamble: &'a [u8],
    /// Each part exactly as between its delimiters: the line end before a
    /// delimiter belongs to the delimiter (RFC 2046 §5.1.1).
    pub parts: Vec<&'a [u8]>,
    /// Everything from the close delimiter line's end on, when present.
    pub epilogue: Option<&'a [u8]>,
}

/// Splits `body` at `--boundary` lines. `None` when the boundary is empty,
/// or appears never or more than `MAX_PARTS` times.
pub(super) fn split_multipart<'a>(body: &'a [u8], boundary: &str) -> Option<Multipart<'a>> {
    if boundary.is_empty() || boundary.len() > 200 {
        return None;
    }
    let delimiter = format!("--{boundary}");
    let delimiter = delimiter.as_bytes();
    let mut preamble = None;
    let mut parts = Vec::new();
    // Where the current part's content starts (just past its delimiter line).
    let mut content_start = None;
    let mut line_start = 0;
    while line_start <= body.len() {
        let line_end = body[line_start..].iter().position(|&b| b == b'\n').map_or(body.len(), |p| line_start + p + 1);
        let line = &body[line_start..line_end];
        if let Some(close) = delimiter_line(line, delimiter) {
            // The line end before the delimiter is part of the delimiter.
            let before = strip_line_end(&body[..line_start]);
            match content_start {
                None => preamble = Some(before),
                Some(start) => parts.push(before.get(start..).unwrap_or_default()),
            }
            if parts.len() > MAX_PARTS {
                return None;
            }
            if close {
                return Some(Multipart {
                    preamble: preamble.unwrap_or_default(),
                    parts,
                    epilogue: Some(&body[line_end..]),
                });
            }
            content_start = Some(line_end);
        }
        if line_end == body.len() {
            break;
        }
        line_start = line_end;
    }
    // No close delimiter: the last part runs to the end, as readers treat it.
    let start = content_start?;
    parts.push(&body[start.min(body.len())..]);
    Some(Multipart { preamble: preamble.unwrap_or_default(), parts, epilogue: None })
}

/// `Some(is_close)` when `line` is a delimiter line: the delimiter, `--` for
/// the close one, then only transport padding (spaces, tabs) before the line end.
fn delimiter_line(line: &[u8], delimiter: &[u8]) -> Option<bool> {
    let rest = line.strip_prefix(delimiter)?;
    let (close, rest) = match rest.strip_prefix(b"--") {
        Some(r) => (true, r),
        None => (false, rest),
    };
    rest.iter().all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n')).then_some(close)
}

/// `bytes` without one final CRLF or LF.
fn strip_line_end(bytes: &[u8]) -> &[u8] {
    bytes.strip_suffix(b"\r\n").or_else(|| bytes.strip_suffix(b"\n")).unwrap_or(bytes)
}

/// MIME canonical form (RFC 8551 §3.1.1): every line end CRLF. Bare LF and
/// bare CR become CRLF; nothing else changes, 8-bit bytes included.
pub(super) fn canonical(bytes: &[u8]) -> Vec<u8> {
    crate::model::raw::to_crlf(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_split_on_crlf_and_lf() {
        assert_eq!(split_header(b"A: 1\r\nB: 2\r\n\r\nbody\r\n"), (&b"A: 1\r\nB: 2\r\n"[..], &b"body\r\n"[..]));
        assert_eq!(split_header(b"A: 1\n\nbody"), (&b"A: 1\n"[..], &b"body"[..]));
        assert_eq!(split_header(b"\r\nbody"), (&b""[..], &b"body"[..]));
        assert_eq!(split_header(b"A: 1"), (&b"A: 1"[..], &b""[..]));
    }

    #[test]
    fn fields_keep_folding_and_round_trip() {
        let head = b"Subject: a\r\n b\r\nContent-Type: text/plain;\r\n\tcharset=utf-8\r\n broken line\r\nX:y\r\n";
        let f = fields(head);
        let names: Vec<&str> = f.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["Subject", "Content-Type", "X"]);
        assert_eq!(f[0].value(), "a b");
        assert_eq!(f[1].value(), "text/plain;\tcharset=utf-8 broken line");
        assert!(f[1].is_content() && !f[0].is_content());
        assert_eq!(f.iter().flat_map(|f| f.raw.iter().copied()).collect::<Vec<u8>>(), head);
        let odd = fields(b" lead\r\nno colon\r\n");
        assert_eq!(odd.iter().map(|f| f.name.as_str()).collect::<Vec<_>>(), ["", ""]);
    }

    #[test]
    fn multipart_parts_exclude_the_line_end_before_a_delimiter() {
        let body = b"pre\r\n--b\r\nA\r\n\r\none\r\n--b \r\ntwo\n--b--\r\nepi";
        let m = split_multipart(body, "b").unwrap();
        assert_eq!(m.preamble, b"pre");
        assert_eq!(m.parts, [&b"A\r\n\r\none"[..], &b"two"[..]]);
        assert_eq!(m.epilogue, Some(&b"epi"[..]));
        let open = split_multipart(b"--b\nx\n--b\ny\n", "b").unwrap();
        assert_eq!(open.parts, [&b"x"[..], &b"y\n"[..]]);
        assert_eq!(open.epilogue, None);
        assert!(split_multipart(b"no boundary here", "b").is_none());
        assert!(split_multipart(b"--b\r\n", "").is_none());
        // A line that only starts like the delimiter is content.
        let m = split_multipart(b"--b\r\n--bx\r\n--b--", "b").unwrap();
        assert_eq!(m.parts, [&b"--bx"[..]]);
        let empty = split_multipart(b"--b\r\n--b--\r\n", "b").unwrap();
        assert_eq!(empty.parts, [&b""[..]]);
    }

    #[test]
    fn canonical_form_is_crlf_only() {
        assert_eq!(canonical(b"a\nb\r\nc\rd\xc3\xa4\n"), b"a\r\nb\r\nc\r\nd\xc3\xa4\r\n");
    }
}
