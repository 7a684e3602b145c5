//! Where config values come from: the file's text, so an error can name
//! its line, and paths written with `~`.

use std::ops::Range;
use std::path::{Path, PathBuf};

use crate::error::Error;

/// The config file's text, for locating errors.
pub(crate) struct Source<'a> {
    pub path: &'a Path,
    pub text: &'a str,
}

impl Source<'_> {
    pub(super) fn line_of(&self, offset: usize) -> usize {
        let end = offset.min(self.text.len());
        self.text.as_bytes()[..end].iter().filter(|&&b| b == b'\n').count() + 1
    }

    /// A config error at `span` about `key`.
    pub(crate) fn error_at(&self, span: Range<usize>, key: &str, message: &str) -> Error {
        let line = self.line_of(span.start);
        Error::config(format!("{}:{line}: {key}: {message}", self.path.display()))
    }
}

/// `~/x` -> `$HOME/x`.
pub fn expand_tilde(path: &str) -> PathBuf {
    match path.strip_prefix("~/") {
        Some(rest) => match directories::BaseDirs::new() {
            Some(base) => base.home_dir().join(rest),
            None => PathBuf::from(path),
        },
        None => PathBuf::from(path),
    }
}
