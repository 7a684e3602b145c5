//! Parses a store specification, `maildir:PATH` or `mbox:PATH`, as written in
//! the configuration or on the command line.
//!
//! Only syntax is checked here (and `~` expanded); whether the path is usable
//! is found out when the store is opened.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use crate::error::{Error, Result};

/// The on-disk format of a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StoreKind {
    /// One Maildir (cur/new/tmp) per mailbox.
    Maildir,
    /// One mboxrd file per mailbox.
    Mbox,
}

impl StoreKind {
    /// The prefix used in a specification, also written to the store's format file.
    pub fn as_str(self) -> &'static str {
        match self {
            StoreKind::Maildir => "maildir",
            StoreKind::Mbox => "mbox",
        }
    }
}

/// Where and how mail is backed up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreSpec {
    /// The format of the store.
    pub kind: StoreKind,
    /// The store's root directory, `~` already expanded.
    pub path: PathBuf,
}

impl StoreSpec {
    /// Parses `maildir:PATH` or `mbox:PATH`; a leading `~` or `~/` in PATH
    /// stands for $HOME.
    pub fn parse(text: &str) -> Result<StoreSpec> {
        let home = std::env::var_os("HOME").map(PathBuf::from);
        StoreSpec::parse_with_home(text, home.as_deref())
    }

    fn parse_with_home(text: &str, home: Option<&Path>) -> Result<StoreSpec> {
        let bad = |why: &str| Error::usage(format!("invalid store \"{text}\": {why}"));
        let (kind, path) = match text.split_once(':') {
            Some(("maildir", path)) => (StoreKind::Maildir, path),
            Some(("mbox", path)) => (StoreKind::Mbox, path),
            _ => return Err(bad("expected maildir:PATH or mbox:PATH")),
        };
        if path.is_empty() {
            return Err(bad("the path is empty"));
        }
        let path = match path.strip_prefix('~') {
            Some(rest) if rest.is_empty() || rest.starts_with('/') => {
                let home = home.ok_or_else(|| bad("~ used but $HOME is not set"))?;
                home.join(rest.trim_start_matches('/'))
            }
            Some(_) => return Err(bad("~user is not supported; write the full path")),
            None => PathBuf::from(path),
        };
        Ok(StoreSpec { kind, path })
    }
}

impl FromStr for StoreSpec {
    type Err = Error;
    fn from_str(s: &str) -> Result<StoreSpec> {
        StoreSpec::parse(s)
    }
}

impl fmt::Display for StoreSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.kind.as_str(), self.path.display())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    fn parse(text: &str) -> Result<StoreSpec> {
        StoreSpec::parse_with_home(text, Some(Path::new("/home/u")))
    }

    #[test]
    fn parses_both_kinds() {
        let m = parse("maildir:/var/mail/x").unwrap();
        assert_eq!(m.kind, StoreKind::Maildir);
        assert_eq!(m.path, PathBuf::from("/var/mail/x"));
        let b = parse("mbox:rel/dir").unwrap();
        assert_eq!(b.kind, StoreKind::Mbox);
        assert_eq!(b.path, PathBuf::from("rel/dir"));
        assert_eq!(b.to_string(), "mbox:rel/dir");
    }

    #[test]
    fn a_colon_inside_the_path_is_kept() {
        assert_eq!(parse("maildir:/a:b").unwrap().path, PathBuf::from("/a:b"));
    }

    #[test]
    fn tilde_expands_only_at_the_start() {
        assert_eq!(parse("maildir:~").unwrap().path, PathBuf::from("/home/u"));
        assert_eq!(parse("maildir:~/Mail").unwrap().path, PathBuf::from("/home/u/Mail"));
        assert_eq!(parse("mbox:a/~").unwrap().path, PathBuf::from("a/~"));
    }

    #[test]
    fn bad_syntax_is_a_usage_error_naming_the_text() {
        for text in ["", "maildir", "maildir:", "mh:/x", "Maildir:/x", "maildir:~bob/x"] {
            let err = parse(text).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Usage, "{text}");
            assert!(err.to_string().contains(&format!("\"{text}\"")), "{err}");
        }
        let no_home = StoreSpec::parse_with_home("mbox:~/x", None).unwrap_err();
        assert_eq!(no_home.kind(), ErrorKind::Usage);
    }
}
