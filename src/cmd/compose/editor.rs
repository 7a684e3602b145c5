//! Running the user's editor on a draft file, as git does: `$VISUAL`, then
//! `$EDITOR`, then `vi`, through `sh -c` so that `EDITOR="code -w"` works.
//!
//! The draft lives in the account's drafts directory (mode 0700, the file
//! 0600: a draft is private mail) rather than in /tmp, so a draft that
//! cannot be sent survives reboots and tmp cleaners, and its path can be
//! given to the user.

use std::fs;
use std::io::Write as _;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::error::{Error, ErrorKind, Result};

/// Where `account`'s drafts are kept.
pub fn drafts_dir(account: &str) -> Result<PathBuf> {
    let dirs = directories::ProjectDirs::from("", "", "owl")
        .ok_or_else(|| Error::config("cannot find the home directory for the drafts"))?;
    Ok(dirs.data_dir().join("drafts").join(account))
}

/// The editor command line: `$VISUAL`, `$EDITOR`, else `vi`.
pub fn editor() -> String {
    ["VISUAL", "EDITOR"]
        .iter()
        .filter_map(|name| std::env::var(name).ok())
        .find(|value| !value.trim().is_empty())
        .unwrap_or_else(|| "vi".to_string())
}

/// A draft written to disk, to edit.
#[derive(Debug)]
pub struct DraftFile {
    /// Where it is.
    pub path: PathBuf,
}

impl DraftFile {
    /// Writes `text` to a new draft file in `dir`.
    pub fn create(dir: &Path, text: &str) -> Result<DraftFile> {
        fs::DirBuilder::new().recursive(true).mode(0o700).create(dir).map_err(|e| {
            Error::local_io(format!("cannot create {}", dir.display()), e).with_kind(ErrorKind::CantCreate)
        })?;
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        let path = dir.join(format!("draft-{}-{}.eml", now.as_millis(), std::process::id()));
        let mut file = fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&path).map_err(|e| {
            Error::local_io(format!("cannot create {}", path.display()), e).with_kind(ErrorKind::CantCreate)
        })?;
        file.write_all(text.as_bytes())
            .and_then(|()| file.sync_all())
            .map_err(|e| Error::local_io(format!("cannot write {}", path.display()), e))?;
        Ok(DraftFile { path })
    }

    /// Opens the editor on the draft and waits for it; returns what it
    /// saved.
    pub fn edit(&self) -> Result<String> {
        let editor = editor();
        let status = Command::new("sh")
            .arg("-c")
            .arg(format!("{editor} \"$1\""))
            .arg("owl-editor")
            .arg(&self.path)
            .status()
            .map_err(|e| Error::local_io(format!("cannot start the editor ({editor})"), e))?;
        if !status.success() {
            let how = status.code().map_or_else(|| "was killed".to_string(), |c| format!("exited with {c}"));
            return Err(Error::unavailable(format!("the editor ({editor}) {how}; nothing was sent"))
                .with_hint(format!("the draft is kept at {}", self.path.display())));
        }
        self.read()
    }

    /// What the draft holds now.
    pub fn read(&self) -> Result<String> {
        let bytes =
            fs::read(&self.path).map_err(|e| Error::local_io(format!("cannot read {}", self.path.display()), e))?;
        String::from_utf8(bytes).map_err(|_| {
            Error::usage(format!("the draft {} is not UTF-8 text; nothing was sent", self.path.display()))
                .with_hint(format!("the draft is kept at {}", self.path.display()))
        })
    }

    /// Deletes the draft: it was sent (or is safe in the outbox), or the
    /// user gave up on it.
    pub fn remove(self) {
        let _ = fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn drafts_are_private_files() {
        let dir = tempfile::tempdir().unwrap();
        let drafts = dir.path().join("drafts/acct");
        let draft = DraftFile::create(&drafts, "To: x\n\nhi\n").unwrap();
        assert_eq!(fs::metadata(&draft.path).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(fs::metadata(&drafts).unwrap().permissions().mode() & 0o777, 0o700);
        assert_eq!(draft.read().unwrap(), "To: x\n\nhi\n");
        let path = draft.path.clone();
        draft.remove();
        assert!(!path.exists());
    }
}
