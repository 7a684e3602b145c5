//! `owl read --local STORE ...`: one message of a backup written by `owl
//! fetch`, with no config and no network. The backup is never changed
//! (nothing is marked seen: the server's flags are the server's).
//!
//! A message is named the ways the other offline commands show it:
//! - MAILBOX UID, in a Maildir backup, where owl's file names carry the
//!   UID (`...,U=45:2,S`). An mbox keeps no UIDs, so there this is a usage
//!   error that says what to use instead.
//! - FILE: a Maildir message file, or `PATH:OFFSET` inside an mbox, as
//!   `owl search --local --json` prints in `file`.
//! - `<MESSAGE-ID>`: the first message with that Message-ID.
//!
//! The message is found by walking the store with `store::read`, so the
//! same files count as messages as for `owl search --local` (no links, no
//! devices, an mbox only up to its recorded length). The walk holds one
//! message's header at a time; the message itself is read whole only if it
//! is at most [`MAX_MESSAGE`] bytes, and refused otherwise.

use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};

use super::{Decode, ReadMessage, decode};
use crate::cmd::local::{maildir_uid, root};
use crate::error::{Error, ErrorKind, Result};
use crate::imap::Flag;
use crate::model::header::summarize_header_bytes;
use crate::search::Flags;
use crate::store::read::{Location, MAX_MESSAGE, StoredMessage, messages};

/// Most header bytes read from each message while looking for a
/// Message-ID.
const MAX_HEADER: u64 = 1024 * 1024;

/// Which message of the backup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// By mailbox and UID (Maildir backups only).
    Uid {
        /// The mailbox, as `owl list --local` names it.
        mailbox: String,
        /// The UID from the file name.
        uid: u32,
    },
    /// A Maildir file, or `PATH:OFFSET` in an mbox.
    File(String),
    /// A Message-ID, without the angle brackets.
    MessageId(String),
}

impl Target {
    /// The target one argument names: `<id>` is a Message-ID, anything
    /// else a file.
    pub fn from_arg(arg: &str) -> Target {
        match arg.strip_prefix('<').and_then(|rest| rest.strip_suffix('>')) {
            Some(id) => Target::MessageId(id.trim().to_string()),
            None => Target::File(arg.to_string()),
        }
    }
}

/// Finds and decodes the message.
pub fn read(spec: &str, target: &Target, how: &Decode<'_>) -> Result<ReadMessage> {
    let stored = find(spec, target)?;
    let bytes = stored.bytes()?;
    let mut message = decode(&bytes, how)?;
    message.mailbox = stored.mailbox.clone();
    if let Location::Maildir(path) = &stored.location {
        let name = file_name(path);
        message.uid = maildir_uid(&name).unwrap_or(0);
        message.flags = flag_names(&Flags::from_maildir_name(&name));
    }
    message.file = Some(stored.id());
    Ok(message)
}

/// Copies the message's bytes (as received: mbox quoting undone) to `out`.
pub fn raw(spec: &str, target: &Target, out: &mut dyn Write) -> Result<u64> {
    let stored = find(spec, target)?;
    let mut from = stored.open()?.take(MAX_MESSAGE);
    let written = std::io::copy(&mut from, out).map_err(|e| Error::local_io("cannot write the message", e))?;
    out.flush().map_err(|e| Error::local_io("cannot write the message", e))?;
    Ok(written)
}

/// How owl names an mbox file in a backup (`store::names`).
const MBOX_SUFFIX: &str = ".mbox";

/// The stored message `target` names, checked to be small enough to read.
pub fn find(spec: &str, target: &Target) -> Result<StoredMessage> {
    let root = root(spec);
    if !root.is_dir() {
        return Err(Error::new(ErrorKind::NoInput, format!("no store at {}", root.display())));
    }
    let stored = match target {
        Target::Uid { mailbox, uid } => {
            if spec.starts_with("mbox:") {
                return Err(no_uids(mailbox));
            }
            by_uid(&root, mailbox, *uid)?
        }
        Target::File(file) => by_file(&root, file)?,
        Target::MessageId(id) => by_message_id(&root, id)?,
    };
    check_size(&stored)?;
    Ok(stored)
}

fn by_uid(root: &Path, mailbox: &str, uid: u32) -> Result<StoredMessage> {
    let same = |m: &str| m == mailbox || (m.eq_ignore_ascii_case("INBOX") && mailbox.eq_ignore_ascii_case("INBOX"));
    for stored in messages(root) {
        let stored = stored?;
        if !same(&stored.mailbox) {
            continue;
        }
        match &stored.location {
            Location::Mbox { .. } => return Err(no_uids(mailbox)),
            Location::Maildir(path) if maildir_uid(&file_name(path)) == Some(uid) => return Ok(stored),
            Location::Maildir(_) => {}
        }
    }
    Err(Error::new(
        ErrorKind::NoInput,
        format!("no message with UID {uid} in mailbox \"{mailbox}\" of the backup {}", root.display()),
    ))
}

fn no_uids(mailbox: &str) -> Error {
    Error::usage(format!(
        "mailbox \"{mailbox}\" is an mbox backup, which keeps no UIDs: name the message by its file \
         (PATH:OFFSET, as owl search --local --json prints it) or by its <Message-ID>"
    ))
}

/// A file argument: a Maildir file, or `PATH:OFFSET` inside an mbox,
/// relative to the working directory or to the store.
fn by_file(root: &Path, file: &str) -> Result<StoredMessage> {
    let (path, offset) = split_file(root, file)
        .ok_or_else(|| Error::new(ErrorKind::NoInput, format!("no message file {file} in the backup")))?;
    let canonical =
        |p: &Path| fs::canonicalize(p).map_err(|e| Error::local_io(format!("cannot open {}", p.display()), e));
    let wanted = canonical(&path)?;
    if !wanted.starts_with(canonical(root)?) {
        return Err(Error::usage(format!("{file} is not in the backup {}", root.display())));
    }
    let is_mbox = file_name(&path).ends_with(MBOX_SUFFIX);
    match offset {
        None if is_mbox => {
            return Err(Error::usage(format!(
                "{file} is a whole mbox: name one message in it as PATH:OFFSET (owl search --local --json \
                 prints it) or by its <Message-ID>"
            )));
        }
        // The walk below skips giant files: refuse one here, by name.
        None => check_file_size(&path)?,
        Some(_) => {}
    }
    let name = file_name(&wanted);
    for stored in messages(root) {
        let stored = stored?;
        let matches = match (&stored.location, offset) {
            (Location::Maildir(p), None) => file_name(p) == name && fs::canonicalize(p).is_ok_and(|p| p == wanted),
            (Location::Mbox { path: p, offset: at, .. }, Some(want)) => {
                *at == want && file_name(p) == name && fs::canonicalize(p).is_ok_and(|p| p == wanted)
            }
            _ => false,
        };
        if matches {
            return Ok(stored);
        }
    }
    Err(Error::new(ErrorKind::NoInput, format!("no message at {file} in the backup {}", root.display())))
}

/// The path and mbox offset `file` names: the whole argument if such a
/// file exists, else `PATH:OFFSET` (a Maildir name holds colons too, so
/// the whole name is tried first); each as given, then inside the store.
fn split_file(root: &Path, file: &str) -> Option<(PathBuf, Option<u64>)> {
    let exists = |p: &str| [PathBuf::from(p), root.join(p)].into_iter().find(|p| p.symlink_metadata().is_ok());
    if let Some(path) = exists(file) {
        return Some((path, None));
    }
    let (path, offset) = file.rsplit_once(':')?;
    let offset = offset.parse().ok()?;
    Some((exists(path)?, Some(offset)))
}

fn by_message_id(root: &Path, id: &str) -> Result<StoredMessage> {
    for stored in messages(root) {
        let stored = stored?;
        let header = header_block(&stored)?;
        if summarize_header_bytes(&header).message_id.as_deref() == Some(id) {
            return Ok(stored);
        }
    }
    Err(Error::new(ErrorKind::NoInput, format!("no message with Message-ID <{id}> in the backup {}", root.display())))
}

/// The header of a stored message, up to its blank line (at most
/// [`MAX_HEADER`] bytes).
fn header_block(stored: &StoredMessage) -> Result<Vec<u8>> {
    let mut reader = BufReader::new(stored.open()?.take(MAX_HEADER));
    let mut header = Vec::new();
    loop {
        let n = reader
            .read_until(b'\n', &mut header)
            .map_err(|e| Error::local_io(format!("cannot read {}", stored.id()), e))?;
        let line = &header[header.len() - n..];
        if n == 0 || line == b"\n" || line == b"\r\n" {
            return Ok(header);
        }
    }
}

/// Refuses a message larger than owl reads back from a store.
fn check_size(stored: &StoredMessage) -> Result<()> {
    match &stored.location {
        Location::Maildir(path) => check_file_size(path),
        Location::Mbox { len, .. } if *len > MAX_MESSAGE => Err(too_big(&stored.id(), *len)),
        Location::Mbox { .. } => Ok(()),
    }
}

fn check_file_size(path: &Path) -> Result<()> {
    let meta = path.symlink_metadata().map_err(|e| Error::local_io(format!("cannot open {}", path.display()), e))?;
    if !meta.is_file() {
        return Err(Error::usage(format!("{} is not a regular file (a link, FIFO or device)", path.display())));
    }
    if meta.len() > MAX_MESSAGE {
        return Err(too_big(&path.display().to_string(), meta.len()));
    }
    Ok(())
}

fn too_big(what: &str, size: u64) -> Error {
    Error::usage(format!(
        "{what} is {size} bytes, larger than any message owl reads from a backup ({} MiB)",
        MAX_MESSAGE >> 20
    ))
}

fn file_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

/// Flags as IMAP names them, from a Maildir file name's info.
fn flag_names(flags: &Flags) -> Vec<String> {
    [
        (flags.seen, Flag::Seen),
        (flags.answered, Flag::Answered),
        (flags.flagged, Flag::Flagged),
        (flags.deleted, Flag::Deleted),
        (flags.draft, Flag::Draft),
    ]
    .into_iter()
    .filter(|(on, _)| *on)
    .map(|(_, flag)| flag.to_string())
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const MESSAGE: &[u8] = b"Message-ID: <one@test>\r\nSubject: first\r\n\r\nbody one\r\n";

    /// A Maildir INBOX with one message (UID 7, seen) and an mbox Archive
    /// with two; the store's root.
    fn store() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let cur = dir.path().join("INBOX/cur");
        fs::create_dir_all(&cur).unwrap();
        fs::create_dir_all(dir.path().join("INBOX/new")).unwrap();
        fs::write(cur.join("1700000000.M1P1.host,U=7:2,S"), MESSAGE).unwrap();
        fs::write(
            dir.path().join("Archive.mbox"),
            b"From a Thu Jan  1 00:00:00 1970\nMessage-ID: <a@test>\nSubject: a\n\nA\n\n\
              From b Thu Jan  1 00:00:00 1970\nMessage-ID: <b@test>\nSubject: b\n\n>From here\n\n",
        )
        .unwrap();
        dir
    }

    fn spec(dir: &tempfile::TempDir) -> String {
        dir.path().display().to_string()
    }

    #[test]
    fn maildir_by_uid_and_by_file_with_flags_from_the_name() {
        let dir = store();
        let by_uid = read(&spec(&dir), &Target::Uid { mailbox: "inbox".into(), uid: 7 }, &Decode::default()).unwrap();
        assert_eq!((by_uid.mailbox.as_str(), by_uid.uid, by_uid.view.header.subject.as_str()), ("INBOX", 7, "first"));
        assert_eq!(by_uid.flags, ["\\Seen"]);
        let file = by_uid.file.clone().unwrap();
        let by_file = read(&spec(&dir), &Target::from_arg(&file), &Decode::default()).unwrap();
        assert_eq!(by_file.view, by_uid.view);
        // Relative to the store works too.
        let relative = Target::File("INBOX/cur/1700000000.M1P1.host,U=7:2,S".into());
        assert_eq!(find(&spec(&dir), &relative).unwrap().id(), file);
        let missing = find(&spec(&dir), &Target::Uid { mailbox: "INBOX".into(), uid: 8 }).unwrap_err();
        assert_eq!(missing.kind(), ErrorKind::NoInput);
        assert!(missing.to_string().contains("UID 8"), "{missing}");
    }

    #[test]
    fn mbox_by_offset_and_by_message_id_but_not_by_uid() {
        let dir = store();
        let b = read(&spec(&dir), &Target::from_arg("<b@test>"), &Decode::default()).unwrap();
        assert_eq!(b.view.header.subject, "b");
        assert_eq!(b.view.text, "From here", "mbox quoting undone");
        assert_eq!(b.uid, 0);
        let id = b.file.unwrap();
        assert!(id.ends_with("Archive.mbox:100"), "{id}");
        let mut raw_bytes = Vec::new();
        raw(&spec(&dir), &Target::from_arg(&id), &mut raw_bytes).unwrap();
        assert_eq!(raw_bytes, b"Message-ID: <b@test>\nSubject: b\n\nFrom here\n");
        let no_uid = find(&spec(&dir), &Target::Uid { mailbox: "Archive".into(), uid: 1 }).unwrap_err();
        assert_eq!(no_uid.kind(), ErrorKind::Usage);
        assert!(no_uid.to_string().contains("keeps no UIDs"), "{no_uid}");
        let whole = find(&spec(&dir), &Target::from_arg(&id[..id.rfind(':').unwrap()])).unwrap_err();
        assert_eq!(whole.kind(), ErrorKind::Usage, "{whole}");
        let off = find(&spec(&dir), &Target::from_arg(&format!("{}:3", &id[..id.rfind(':').unwrap()]))).unwrap_err();
        assert_eq!(off.kind(), ErrorKind::NoInput, "not a message start: {off}");
        let unknown = find(&spec(&dir), &Target::from_arg("<nobody@test>")).unwrap_err();
        assert_eq!(unknown.kind(), ErrorKind::NoInput);
    }

    #[test]
    fn giant_files_and_files_outside_the_store_are_refused() {
        let dir = store();
        let giant = dir.path().join("INBOX/cur/1700000001.M1P1.host,U=9:2,");
        fs::File::create(&giant).unwrap().set_len(MAX_MESSAGE + 1).unwrap();
        // By UID the walk skips it, with a warning that says why.
        let by_uid = find(&spec(&dir), &Target::Uid { mailbox: "INBOX".into(), uid: 9 }).unwrap_err();
        assert_eq!(by_uid.kind(), ErrorKind::NoInput);
        let by_file = find(&spec(&dir), &Target::File(giant.display().to_string())).unwrap_err();
        assert_eq!(by_file.kind(), ErrorKind::Usage);
        assert!(by_file.to_string().contains("larger than any message"), "{by_file}");
        let outside = tempfile::NamedTempFile::new().unwrap();
        let err = find(&spec(&dir), &Target::File(outside.path().display().to_string())).unwrap_err();
        assert!(err.to_string().contains("is not in the backup"), "{err}");
        let missing = find("/nonexistent/owl-store", &Target::from_arg("x")).unwrap_err();
        assert_eq!(missing.kind(), ErrorKind::NoInput);
    }
}
