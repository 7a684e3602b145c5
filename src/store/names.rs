//! Maps an IMAP mailbox name (decoded, possibly hostile) to a relative path
//! in the store, one directory per hierarchy level, and back. Injective and
//! stable: each level is percent-escaped (`%XX`) where it could leave the
//! root, hide, or clash with `cur`/`new`/`tmp` or the `.mbox` suffix. Case
//! is kept, so on a case-insensitive file system `A` and `a` would collide.
//! No file-system access.

use std::path::PathBuf;

use crate::error::{Error, Result};

/// The suffix of an mbox store's mailbox files.
pub const MBOX_SUFFIX: &str = ".mbox";

/// Longest escaped component, leaving room for [`MBOX_SUFFIX`] under the
/// usual 255-byte file-name limit.
const MAX_COMPONENT: usize = 250;

/// The escaped path components of a mailbox; none is empty, starts with a
/// dot, contains `/`, `\` or a control character, equals `cur`/`new`/`tmp`
/// in any case, or ends in `.mbox` in any case.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MailboxPath {
    components: Vec<String>,
}

impl MailboxPath {
    /// Splits `name` at `delimiter` (no delimiter: a flat name) and escapes
    /// each component.
    pub fn from_name(name: &str, delimiter: Option<char>) -> Result<MailboxPath> {
        let parts: Vec<&str> = match delimiter {
            Some(d) => name.split(d).collect(),
            None => vec![name],
        };
        let mut components = Vec::with_capacity(parts.len());
        for part in parts {
            let escaped = escape(part);
            if escaped.len() > MAX_COMPONENT {
                return Err(Error::new(
                    crate::error::ErrorKind::CantCreate,
                    format!("mailbox name \"{name}\" has a level too long to store as a file name"),
                ));
            }
            components.push(escaped);
        }
        Ok(MailboxPath { components })
    }

    /// The relative directory path (Maildir folder, or metadata folder).
    pub fn to_dir(&self) -> PathBuf {
        self.components.iter().collect()
    }

    /// The relative path of the mailbox's mbox file.
    pub fn to_mbox_file(&self) -> PathBuf {
        let mut path = self.to_dir();
        let mut leaf = path.file_name().unwrap_or_default().to_os_string();
        leaf.push(MBOX_SUFFIX);
        path.set_file_name(leaf);
        path
    }
}

/// Escapes one hierarchy level of a mailbox name into a safe file name.
fn escape(part: &str) -> String {
    if part.is_empty() {
        // A lone `%` is never produced for a non-empty part, since every
        // other `%` is followed by two hex digits.
        return "%".to_string();
    }
    let lower = part.to_ascii_lowercase();
    let reserved = matches!(lower.as_str(), "cur" | "new" | "tmp");
    let mbox_dot = lower.ends_with(MBOX_SUFFIX).then(|| part.len() - MBOX_SUFFIX.len());
    let mut out = String::with_capacity(part.len() + 6);
    for (i, c) in part.char_indices() {
        let unsafe_char = c == '%' || c == '/' || c == '\\' || c.is_ascii_control();
        let must = unsafe_char || (i == 0 && (c == '.' || reserved)) || Some(i) == mbox_dot;
        if must {
            // Every character that needs escaping is ASCII, so one byte.
            out.push_str(&format!("%{:02X}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// Undoes [`escape`]; `None` if `name` is not something `escape` produces
/// (a folder made by someone else).
pub fn unescape(name: &str) -> Option<String> {
    if name == "%" {
        return Some(String::new());
    }
    let bytes = name.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = name.get(i + 1..i + 3)?;
            if hex.bytes().any(|b| b.is_ascii_lowercase()) {
                return None;
            }
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The mailbox name for a relative path of escaped components, levels
/// joined with `/` (the original delimiter is not recorded in the path).
pub fn name_of(components: &[&str]) -> String {
    let decoded: Vec<String> = components.iter().map(|c| unescape(c).unwrap_or_else(|| (*c).to_string())).collect();
    decoded.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::path::Path;

    fn dir(name: &str, d: Option<char>) -> PathBuf {
        MailboxPath::from_name(name, d).unwrap().to_dir()
    }

    #[test]
    fn plain_hierarchy_maps_to_nested_directories() {
        assert_eq!(dir("Archive/2024", Some('/')), Path::new("Archive/2024"));
        assert_eq!(dir("INBOX.Sent", Some('.')), Path::new("INBOX/Sent"));
        assert_eq!(dir("Entwürfe", Some('/')), Path::new("Entwürfe"));
        let m = MailboxPath::from_name("Archive/2024", Some('/')).unwrap();
        assert_eq!(m.to_mbox_file(), Path::new("Archive/2024.mbox"));
    }

    #[test]
    fn hostile_names_stay_inside_the_root() {
        assert_eq!(dir("../../etc", Some('/')), Path::new("%2E./%2E./etc"));
        assert_eq!(dir("a/b", Some('.')), Path::new("a%2Fb"));
        assert_eq!(dir("a\\b\0c", None), Path::new("a%5Cb%00c"));
        assert_eq!(dir(".owl", Some('/')), Path::new("%2Eowl"));
        assert_eq!(dir("x//y/", Some('/')), Path::new("x/%/y/%"));
        assert_eq!(dir("", None), Path::new("%"));
        for name in ["../../etc", "/", "..", ".", "a/../../b", "/etc/passwd"] {
            for d in [Some('/'), Some('.'), None] {
                let p = dir(name, d);
                assert!(p.is_relative(), "{name:?}");
                for c in p.components() {
                    let c = c.as_os_str().to_str().unwrap();
                    assert!(!c.starts_with('.') && !c.is_empty(), "{name:?} -> {p:?}");
                }
            }
        }
    }

    #[test]
    fn maildir_and_mbox_reserved_names_are_escaped() {
        assert_eq!(dir("cur", None), Path::new("%63ur"));
        assert_eq!(dir("A/NEW/Tmp", Some('/')), Path::new("A/%4EEW/%54mp"));
        assert_eq!(dir("x.mbox", None), Path::new("x%2Embox"));
        assert_eq!(dir("X.MBOX/y", Some('/')), Path::new("X%2EMBOX/y"));
        assert_eq!(dir("current", None), Path::new("current"));
    }

    #[test]
    fn mapping_is_injective_over_tricky_names() {
        let names = [
            "INBOX",
            "Inbox",
            "inbox",
            "a/b",
            "a.b",
            "a%2Fb",
            "a%2fb",
            "%",
            "",
            "%25",
            "cur",
            "%63ur",
            "Cur",
            "../../etc",
            "%2E./%2E./etc",
            ".",
            "..",
            "x.mbox",
            "x%2Embox",
            "a/",
            "a",
            "a//",
            "\0",
            "%00",
            "a\\b",
            "tmp/new",
        ];
        let mut seen: HashMap<PathBuf, (&str, Option<char>)> = HashMap::new();
        for d in [Some('/'), Some('.'), None] {
            for name in names {
                let p = dir(name, d);
                // The same name under different delimiters may legitimately
                // coincide; distinct (name, delimiter) pairs must not, unless
                // they describe the same hierarchy.
                let levels: Vec<String> = match d {
                    Some(c) => name.split(c).map(str::to_string).collect(),
                    None => vec![name.to_string()],
                };
                if let Some((other, od)) = seen.insert(p.clone(), (name, d)) {
                    let other_levels: Vec<String> = match od {
                        Some(c) => other.split(c).map(str::to_string).collect(),
                        None => vec![other.to_string()],
                    };
                    assert_eq!(levels, other_levels, "{name:?} and {other:?} share {p:?}");
                }
            }
        }
    }

    #[test]
    fn unescape_inverts_escape_and_rejects_foreign_names() {
        for part in ["", "%", "cur", "Tmp", ".x", "a/b", "x.mbox", "é%\u{7f}", "..", "plain"] {
            assert_eq!(unescape(&escape(part)).as_deref(), Some(part));
        }
        assert_eq!(unescape("%zz"), None);
        assert_eq!(unescape("%2e"), None);
        assert_eq!(unescape("%4"), None);
        assert_eq!(name_of(&["Archive", "%63ur", "%zz"]), "Archive/cur/%zz");
    }

    #[test]
    fn over_long_levels_are_refused() {
        let long = "x".repeat(251);
        assert!(MailboxPath::from_name(&long, None).is_err());
        assert!(MailboxPath::from_name(&"x".repeat(250), None).is_ok());
        // Escaping triples the length of each control byte.
        assert!(MailboxPath::from_name(&"\u{1}".repeat(84), None).is_err());
    }
}
