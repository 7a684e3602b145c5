//! The MIME tree: parsing a whole message without ever failing, and telling
//! body text from attachments.
//!
//! Shared by `message` (what to show) and `attachment` (what to save), so
//! both agree on which part is attachment number 3. No decoding of bodies
//! happens here beyond what deciding needs.

use mailparse::{DispositionType, MailHeader, ParsedMail};

use super::header::{find_header, repair_header_bytes};
use super::rfc2047::header_value;
use super::text::clean_line;

/// Runs `f` on the parsed message. When mailparse refuses the bytes (a
/// line starting with a lone CR, leading whitespace), they are repaired and
/// parsed again; when that fails too (MIME nested over 100 deep), the header
/// block alone is parsed, so the summary survives. `None` only if even that
/// fails, which mailparse does not do for a header-only block.
pub fn with_parsed<R>(bytes: &[u8], f: impl FnOnce(&ParsedMail<'_>) -> R) -> Option<R> {
    if let Ok(mail) = mailparse::parse_mail(bytes) {
        return Some(f(&mail));
    }
    let repaired = repair_header_bytes(bytes);
    if let Ok(mail) = mailparse::parse_mail(&repaired) {
        return Some(f(&mail));
    }
    let head_len = mailparse::parse_headers(&repaired).map_or(0, |(_, n)| n);
    let head = &repaired[..head_len.min(repaired.len())];
    mailparse::parse_mail(head).ok().map(|mail| f(&mail))
}

/// True for a part shown as the message text: text/plain or text/html that
/// is neither marked as an attachment nor named like a file. A multipart
/// whose boundary never appears counts too: its raw body is all there is.
pub fn is_body_text(part: &ParsedMail<'_>) -> bool {
    let mime = part.ctype.mimetype.as_str();
    if mime.starts_with("multipart/") {
        return part.subparts.is_empty();
    }
    let disposition = disposition_type(part);
    crate::parts::is_body_text(&crate::parts::Part {
        mime_type: mime,
        disposition: disposition.as_ref().map(|d| match d {
            DispositionType::Attachment => "attachment",
            _ => "inline",
        }),
        named: filename(part).is_some(),
    })
}

/// The leaves that are attachments, in document order: this order is what
/// attachment indexes count.
pub fn attachment_parts<'a>(mail: &'a ParsedMail<'a>) -> Vec<&'a ParsedMail<'a>> {
    mail.parts().filter(|p| p.subparts.is_empty() && !is_body_text(p)).collect()
}

/// The file name a part suggests: Content-Disposition `filename`, else
/// Content-Type `name`; RFC 2231 (`filename*=utf-8''...`, continuations)
/// and RFC 2047 (`=?utf-8?B?...?=`) decoded, cleaned for display, not yet
/// made safe for a path (see `attachment::safe_filename`).
pub fn filename(part: &ParsedMail<'_>) -> Option<String> {
    let from = |header: &str, param: &str| {
        let h = find_header(&part.headers, header)?;
        let value = header_value(h);
        let params = if header == "Content-Type" {
            mailparse::parse_content_type(&value).params
        } else {
            mailparse::parse_content_disposition(&value).params
        };
        params
            .get(param)
            .cloned()
            .or_else(|| params.get(&format!("{param}*")).map(|v| rfc2231_fallback(v)))
            .map(|v| clean_line(&v))
            .filter(|v| !v.is_empty())
    };
    from("Content-Disposition", "filename").or_else(|| from("Content-Type", "name"))
}

/// mailparse leaves `name*` undecoded when it does not know the charset;
/// the octets are then read as UTF-8, which is what they nearly always are.
fn rfc2231_fallback(value: &str) -> String {
    let encoded = value.splitn(3, '\'').nth(2).unwrap_or(value);
    let mut bytes = Vec::with_capacity(encoded.len());
    let mut rest = encoded.as_bytes();
    while let Some((&b, tail)) = rest.split_first() {
        let hex = tail.get(..2).and_then(|h| std::str::from_utf8(h).ok());
        match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
            Some(v) if b == b'%' => {
                bytes.push(v);
                rest = &tail[2..];
            }
            _ => {
                bytes.push(b);
                rest = tail;
            }
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// The declared disposition, lowercase (`attachment`, `inline`, ...), or
/// `None` without a Content-Disposition header.
pub fn disposition(part: &ParsedMail<'_>) -> Option<String> {
    disposition_type(part).map(|d| match d {
        DispositionType::Inline => "inline".to_string(),
        DispositionType::Attachment => "attachment".to_string(),
        DispositionType::FormData => "form-data".to_string(),
        DispositionType::Extension(e) => clean_line(&e),
    })
}

fn disposition_type(part: &ParsedMail<'_>) -> Option<DispositionType> {
    let h: &MailHeader<'_> = find_header(&part.headers, "Content-Disposition")?;
    Some(mailparse::parse_content_disposition(&header_value(h)).disposition)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(raw: &[u8]) -> Option<String> {
        with_parsed(raw, filename).unwrap()
    }

    #[test]
    fn filenames_from_every_spelling() {
        assert_eq!(
            names(b"Content-Disposition: attachment; filename=\"report.pdf\"\r\n\r\n").as_deref(),
            Some("report.pdf")
        );
        assert_eq!(
            names(b"Content-Type: application/pdf; name=\"=?UTF-8?B?R3LDvMOfZS5wZGY=?=\"\r\n\r\n").as_deref(),
            Some("Grüße.pdf")
        );
        assert_eq!(
            names(b"Content-Disposition: attachment;\r\n filename*=utf-8''Gr%C3%BC%C3%9Fe%20%E2%82%AC.txt\r\n\r\n")
                .as_deref(),
            Some("Grüße €.txt")
        );
        assert_eq!(
            names(b"Content-Disposition: attachment;\r\n filename*0*=UTF-8''Gr%C3%BC;\r\n filename*1*=%C3%9Fe;\r\n filename*2=\".txt\"\r\n\r\n")
                .as_deref(),
            Some("Grüße.txt")
        );
        assert_eq!(
            names(b"Content-Disposition: attachment; filename*=x-unknown''caf%C3%A9.txt\r\n\r\n").as_deref(),
            Some("café.txt")
        );
        assert_eq!(
            names(b"Content-Disposition: attachment; filename=\"\"\r\nContent-Type: a/b; name=n.bin\r\n\r\n")
                .as_deref(),
            Some("n.bin")
        );
        assert_eq!(names(b"Content-Type: text/plain\r\n\r\n"), None);
    }

    #[test]
    fn body_text_versus_attachments() {
        let raw = b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\
            Content-Type: text/plain\r\n\r\nbody\r\n--b\r\n\
            Content-Type: text/plain\r\nContent-Disposition: attachment\r\n\r\nfile\r\n--b\r\n\
            Content-Type: text/html; name=page.html\r\n\r\n<p>x\r\n--b\r\n\
            Content-Type: image/png\r\n\r\nPNG\r\n--b--\r\n";
        let kinds = with_parsed(raw, |m| {
            let atts: Vec<String> = attachment_parts(m).iter().map(|p| p.ctype.mimetype.clone()).collect();
            (is_body_text(&m.subparts[0]), atts, disposition(&m.subparts[1]), disposition(&m.subparts[0]))
        })
        .unwrap();
        assert_eq!(
            kinds,
            (true, vec!["text/plain".into(), "text/html".into(), "image/png".into()], Some("attachment".into()), None)
        );
    }

    #[test]
    fn refused_messages_are_repaired_or_reduced_to_headers() {
        let lone_cr = b"Subject: ok\r\n\rX: y\r\n\r\nbody";
        assert!(mailparse::parse_mail(lone_cr).is_err());
        assert_eq!(with_parsed(lone_cr, |m| m.headers.len()), Some(2));
        let mut deep = b"Subject: deep\r\n".to_vec();
        for i in 0..150 {
            deep.extend_from_slice(
                format!("Content-Type: multipart/mixed; boundary=b{i}x\r\n\r\n--b{i}x\r\n").as_bytes(),
            );
        }
        deep.extend_from_slice(b"\r\ntext\r\n");
        assert!(mailparse::parse_mail(&deep).is_err());
        let subject = with_parsed(&deep, |m| header_value(find_header(&m.headers, "Subject").unwrap()));
        assert_eq!(subject.as_deref(), Some("deep"));
    }
}
