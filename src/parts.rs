//! Which MIME parts are attachments: the one rule, for every place that
//! asks. The IMAP layer asks over a server's BODYSTRUCTURE, the message
//! model over parsed MIME, the offline search over stored messages; they
//! sit in different layers, so the rule sits below them all and knows none
//! of them (like `error` and `uidset`).
//!
//! A leaf part is the message's text when it is `text/plain` or
//! `text/html`, not marked as an attachment and not named like a file;
//! every other leaf (a file, an image, an attached message, a calendar
//! invitation) is an attachment: what `owl read` lists is what
//! `has:attachment` finds. Multipart containers are neither.

/// What the rule needs to know of a leaf part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Part<'a> {
    /// `type/subtype`, any case.
    pub mime_type: &'a str,
    /// The Content-Disposition type (`inline`, `attachment`), any case.
    pub disposition: Option<&'a str>,
    /// Whether the part has a file name: a `filename` disposition
    /// parameter or a `name` type parameter (RFC 2231 forms included).
    pub named: bool,
}

/// Whether a leaf part is the message's text.
pub fn is_body_text(part: &Part) -> bool {
    let text = part.mime_type.eq_ignore_ascii_case("text/plain") || part.mime_type.eq_ignore_ascii_case("text/html");
    text && !part.disposition.is_some_and(|d| d.eq_ignore_ascii_case("attachment")) && !part.named
}

/// Whether a leaf part is an attachment.
pub fn is_attachment(part: &Part) -> bool {
    !is_body_text(part)
}

/// Whether a parameter `key` names a file: `filename`/`name` exactly, or
/// their RFC 2231 forms (`filename*`, `filename*0*`, ...). `wanted` is
/// `filename` for disposition parameters, `name` for type parameters.
pub fn names_a_file(key: &str, wanted: &str) -> bool {
    let key = key.to_ascii_lowercase();
    key == wanted || key.strip_prefix(wanted).is_some_and(|rest| rest.starts_with('*'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(mime_type: &str, disposition: Option<&str>, named: bool) -> bool {
        is_attachment(&Part { mime_type, disposition, named })
    }

    #[test]
    fn text_is_the_body_unless_marked_or_named() {
        assert!(!part("text/plain", None, false));
        assert!(!part("TEXT/HTML", Some("inline"), false));
        assert!(part("text/plain", Some("attachment"), false));
        assert!(part("text/plain", Some("Attachment"), false));
        assert!(part("text/html", None, true));
    }

    #[test]
    fn every_other_leaf_is_an_attachment() {
        assert!(part("image/png", Some("inline"), false));
        assert!(part("application/pdf", None, false));
        assert!(part("message/rfc822", None, false));
        assert!(part("text/calendar", None, false));
    }

    #[test]
    fn file_names_in_every_form() {
        assert!(names_a_file("filename", "filename") && names_a_file("FileName*", "filename"));
        assert!(names_a_file("filename*0*", "filename") && names_a_file("name", "name"));
        assert!(!names_a_file("filenames", "filename") && !names_a_file("name", "filename"));
    }
}
