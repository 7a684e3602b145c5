//! Attachments: listing them, naming them safely, and saving them.
//!
//! A name from a message is hostile: it may hold `../`, a leading dot,
//! control characters or 10 KB of text. `safe_filename` turns any of it into
//! one plain file name, and saving never follows or overwrites an existing
//! file. This is the only part of the model that writes to disk.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use mailparse::ParsedMail;
use serde::Serialize;

use super::decode::part_bytes;
use super::mime::{attachment_parts, disposition, filename, with_parsed};
use super::text::clean_line;
use crate::error::{Error, ErrorKind, Result};

/// Longest file name produced, in bytes; leaves room for ` (9999)` within
/// the usual 255-byte limit.
const MAX_NAME: usize = 200;
/// Longest suffix kept as an extension when a name is shortened.
const MAX_EXT: usize = 16;

/// One attachment as a listing shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attachment {
    /// Position among the message's attachments, from 1.
    pub index: usize,
    /// The name the message gives, decoded and cleaned for display; not
    /// safe as a path (see `safe_filename`).
    pub filename: Option<String>,
    /// Lowercase MIME type, such as `application/pdf`.
    pub content_type: String,
    /// Size in bytes once the transfer encoding is undone.
    pub size: u64,
    /// The Content-Disposition type (`attachment`, `inline`), if declared.
    pub disposition: Option<String>,
}

/// Every attachment of a message with its decoded content.
pub fn attachments_with_data(bytes: &[u8]) -> Vec<(Attachment, Vec<u8>)> {
    with_parsed(bytes, describe_attachments).unwrap_or_default()
}

/// The attachments of a parsed message with their decoded content.
pub(crate) fn describe_attachments(mail: &ParsedMail<'_>) -> Vec<(Attachment, Vec<u8>)> {
    attachment_parts(mail)
        .into_iter()
        .enumerate()
        .map(|(i, part)| {
            let data = part_bytes(part);
            let att = Attachment {
                index: i + 1,
                filename: filename(part),
                content_type: clean_line(&part.ctype.mimetype),
                size: data.len() as u64,
                disposition: disposition(part),
            };
            (att, data)
        })
        .collect()
}

/// Writes every attachment of the message into `dir` (created if missing)
/// under a safe, new name; returns each path with the bytes written.
pub fn save_attachments(bytes: &[u8], dir: &Path) -> Result<Vec<(PathBuf, u64)>> {
    fs::create_dir_all(dir)
        .map_err(|e| Error::new(ErrorKind::CantCreate, format!("cannot create {}", dir.display())).with_source(e))?;
    let mut saved = Vec::new();
    for (att, data) in attachments_with_data(bytes) {
        let name = safe_filename_typed(att.filename.as_deref(), att.index, &att.content_type);
        let path = write_new_file(dir, &name, &data)?;
        saved.push((path, data.len() as u64));
    }
    Ok(saved)
}

/// Creates `dir/name` and writes `data` to it. If the name is taken, tries
/// `stem (1).ext`, `stem (2).ext`, ...: existing files (and symlinks) are
/// never opened, since every attempt uses `create_new`. `name` must already
/// be a plain file name (see `safe_filename`).
pub fn write_new_file(dir: &Path, name: &str, data: &[u8]) -> Result<PathBuf> {
    let (stem, ext) = split_extension(name);
    for n in 0..10_000 {
        let candidate = if n == 0 { name.to_string() } else { format!("{stem} ({n}){ext}") };
        let path = dir.join(candidate);
        let mut file = match OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => {
                return Err(
                    Error::new(ErrorKind::CantCreate, format!("cannot create {}", path.display())).with_source(e)
                );
            }
        };
        if let Err(e) = file.write_all(data).and_then(|()| file.sync_all()) {
            // A half-written attachment looks complete later; better none.
            let _ = fs::remove_file(&path);
            return Err(Error::local_io(format!("cannot write {}", path.display()), e));
        }
        return Ok(path);
    }
    Err(Error::new(
        ErrorKind::CantCreate,
        format!("cannot create {name:?} in {}: too many files of that name", dir.display()),
    ))
}

/// A plain file name for an attachment; see `safe_filename_typed`.
pub fn safe_filename(name: Option<&str>, index: usize) -> String {
    safe_filename_typed(name, index, "")
}

/// A name that cannot escape the directory it is joined to: directories
/// (`/` and `\`) and control characters removed, leading dots and dashes
/// made `_`, at most 200 bytes keeping the extension. Names with nothing
/// left (`..`, empty) become `attachment-{index}` with an extension guessed
/// from `content_type`.
pub fn safe_filename_typed(name: Option<&str>, index: usize, content_type: &str) -> String {
    let base = name.and_then(|n| n.rsplit(['/', '\\']).next()).map(clean_line).unwrap_or_default();
    if base.chars().all(|c| c == '.' || c.is_whitespace()) {
        let ext = extension_for(content_type).map_or(String::new(), |e| format!(".{e}"));
        return format!("attachment-{index}{ext}");
    }
    let lead = base.len() - base.trim_start_matches(['.', '-']).len();
    let mut safe = "_".repeat(lead) + &base[lead..];
    if safe.len() > MAX_NAME {
        let (stem, ext) = match split_extension(&safe) {
            (stem, ext) if ext.len() <= MAX_EXT => (stem, ext),
            _ => (safe.as_str(), ""),
        };
        let stem = &stem[..floor_boundary(stem, MAX_NAME - ext.len())];
        safe = format!("{stem}{ext}");
    }
    safe
}

/// A file extension for common attachment types.
pub fn extension_for(content_type: &str) -> Option<&'static str> {
    let mime = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    Some(match mime.as_str() {
        "text/plain" => "txt",
        "text/html" => "html",
        "text/calendar" => "ics",
        "text/csv" => "csv",
        "application/pdf" => "pdf",
        "application/zip" => "zip",
        "application/json" => "json",
        "application/pkcs7-signature" | "application/x-pkcs7-signature" => "p7s",
        "application/pkcs7-mime" | "application/x-pkcs7-mime" => "p7m",
        "application/pgp-signature" => "asc",
        "message/rfc822" => "eml",
        "image/png" => "png",
        "image/jpeg" => "jpg",
        "image/gif" => "gif",
        "image/webp" => "webp",
        "image/svg+xml" => "svg",
        "application/octet-stream" => "bin",
        _ => return None,
    })
}

/// `("archive.tar", ".gz")`; a leading dot alone is no extension.
fn split_extension(name: &str) -> (&str, &str) {
    match name.rfind('.') {
        Some(dot) if dot > 0 => name.split_at(dot),
        _ => (name, ""),
    }
}

/// The largest char boundary of `s` at or below `max`.
fn floor_boundary(s: &str, max: usize) -> usize {
    let mut end = max.min(s.len());
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    end
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_names_become_plain_names() {
        let cases = [
            ("../../.bashrc", "_bashrc"),
            ("..\\..\\windows\\system32\\evil.dll", "evil.dll"),
            ("/etc/passwd", "passwd"),
            ("C:\\Users\\x\\report.pdf", "report.pdf"),
            ("-rf", "_rf"),
            ("..hidden", "__hidden"),
            ("a\u{0}b\x1b[31m.txt", "ab[31m.txt"),
            ("new\nline.txt", "new line.txt"),
            ("  spaced.txt  ", "spaced.txt"),
            ("gnp.\u{202e}exe", "gnp.exe"),
            ("Grüße.pdf", "Grüße.pdf"),
        ];
        for (raw, want) in cases {
            assert_eq!(safe_filename(Some(raw), 1), want, "{raw:?}");
        }
        for raw in [".", "..", "...", "", "dir/", "a/..", " \t "] {
            assert_eq!(safe_filename(Some(raw), 3), "attachment-3", "{raw:?}");
        }
        assert_eq!(safe_filename(None, 2), "attachment-2");
        assert_eq!(safe_filename_typed(None, 4, "application/PDF; x=y"), "attachment-4.pdf");
        assert_eq!(safe_filename_typed(Some(".."), 5, "message/rfc822"), "attachment-5.eml");
    }

    #[test]
    fn long_names_keep_their_extension_on_a_char_boundary() {
        let long = "ü".repeat(150) + ".pdf";
        let safe = safe_filename(Some(&long), 1);
        assert!(safe.len() <= MAX_NAME, "{}", safe.len());
        assert!(safe.ends_with("ü.pdf"), "{safe}");
        let no_ext = "x".repeat(300);
        assert_eq!(safe_filename(Some(&no_ext), 1), "x".repeat(200));
        let long_ext = format!("a.{}", "e".repeat(300));
        assert_eq!(safe_filename(Some(&long_ext), 1).len(), MAX_NAME);
    }

    #[test]
    fn saving_a_hostile_message_stays_inside_the_directory() {
        let root = std::env::temp_dir().join(format!("owl-model-save-{}", std::process::id()));
        let _ = fs::remove_dir_all(&root);
        let dir = root.join("a").join("b");
        let saved = save_attachments(crate::model::samples::MIXED, &dir).unwrap();
        let names: Vec<String> =
            saved.iter().map(|(p, _)| p.file_name().unwrap().to_string_lossy().into_owned()).collect();
        assert_eq!(names, ["Grüße €.pdf", "bytes.bin", "_bashrc", "Grüße.txt"]);
        for (path, size) in &saved {
            assert_eq!(path.parent(), Some(dir.as_path()));
            assert_eq!(fs::metadata(path).unwrap().len(), *size);
        }
        let want: Vec<u8> = (0..=255u8).cycle().take(512).collect();
        assert_eq!(fs::read(dir.join("bytes.bin")).unwrap(), want);
        assert!(!root.join(".bashrc").exists() && !root.join("a").join(".bashrc").exists());
        assert_eq!(fs::read_dir(&root).unwrap().count(), 1);
        // A second save adds copies and leaves the first ones alone.
        let again = save_attachments(crate::model::samples::MIXED, &dir).unwrap();
        assert_eq!(again[2].0, dir.join("_bashrc (1)"));
        assert_eq!(fs::read(dir.join("_bashrc")).unwrap(), b"rm -rf ~");
        assert_eq!(fs::read_dir(&dir).unwrap().count(), 8);
        fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn writing_never_overwrites() {
        let dir = std::env::temp_dir().join(format!("owl-model-att-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        let first = write_new_file(&dir, "a.txt", b"one").unwrap();
        let second = write_new_file(&dir, "a.txt", b"two").unwrap();
        let third = write_new_file(&dir, "a.txt", b"three").unwrap();
        assert_eq!(first, dir.join("a.txt"));
        assert_eq!(second, dir.join("a (1).txt"));
        assert_eq!(third, dir.join("a (2).txt"));
        assert_eq!(fs::read(&first).unwrap(), b"one");
        assert_eq!(write_new_file(&dir, "_bashrc", b"x").unwrap(), dir.join("_bashrc"));
        assert_eq!(write_new_file(&dir, "_bashrc", b"x").unwrap(), dir.join("_bashrc (1)"));
        let err = write_new_file(&dir.join("missing"), "a.txt", b"").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::CantCreate);
        fs::remove_dir_all(&dir).unwrap();
    }
}
