//! Reads every message of a store tree back (for the offline search):
//! Maildir `cur/` and `new/` files and `*.mbox` files (quoting undone),
//! skipping `.owl` and other dot entries, in bounded memory (one folder
//! listed at a time, messages opened as streams). Read-only and lock-free:
//! an mbox is read only up to its recorded length, so an append in
//! progress is not seen. Mailbox levels come back joined by `/`.
//!
//! A store is a directory anyone may have put things in: only regular
//! files are read (a symlink to `/dev/zero`, a FIFO or a device is skipped
//! with a warning, never opened), and a file larger than any plausible
//! message ([`MAX_MESSAGE`]) is skipped the same way.

use std::collections::VecDeque;
use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom, Take};
use std::path::{Path, PathBuf};

use super::mboxrd::Unquote;
use super::names::{MBOX_SUFFIX, name_of};
use super::state;
use crate::error::{Error, Result};

/// Largest message file read back; bigger ones are skipped with a warning.
pub const MAX_MESSAGE: u64 = 256 * 1024 * 1024;

/// Where one stored message is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A Maildir message file.
    Maildir(PathBuf),
    /// A stretch of an mbox file: `offset` is where the message's own bytes
    /// start (after the From line), `len` how many raw (quoted) bytes follow.
    Mbox {
        /// The mbox file.
        path: PathBuf,
        /// First byte of the message after its From line.
        offset: u64,
        /// Raw length, without the From line and the blank separator line.
        len: u64,
        /// The date of its From line (owl writes the arrival time there).
        received: Option<i64>,
    },
}

/// One message found in a store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredMessage {
    /// The mailbox it belongs to, levels joined by `/`.
    pub mailbox: String,
    /// Where its bytes are.
    pub location: Location,
}

impl StoredMessage {
    /// A stable identifier: the file path, plus `:OFFSET` inside an mbox.
    pub fn id(&self) -> String {
        match &self.location {
            Location::Maildir(path) => path.display().to_string(),
            Location::Mbox { path, offset, .. } => format!("{}:{offset}", path.display()),
        }
    }

    /// A stream of the message's bytes as they were received (for mbox:
    /// quoting undone; a message stored without a final newline has one).
    pub fn open(&self) -> Result<Box<dyn Read + Send>> {
        match &self.location {
            Location::Maildir(path) => {
                let f = File::open(path).map_err(|e| Error::local_io(format!("cannot open {}", path.display()), e))?;
                Ok(Box::new(f))
            }
            Location::Mbox { path, offset, len, .. } => {
                let mut f =
                    File::open(path).map_err(|e| Error::local_io(format!("cannot open {}", path.display()), e))?;
                f.seek(SeekFrom::Start(*offset))
                    .map_err(|e| Error::local_io(format!("cannot read {}", path.display()), e))?;
                Ok(Box::new(Unquote::new(BufReader::new(f.take(*len)))))
            }
        }
    }

    /// When the message arrived, as far as the store knows: a Maildir
    /// file's modification time (owl sets it to the server's INTERNALDATE)
    /// or the date of an mbox From line.
    pub fn received(&self) -> Option<i64> {
        match &self.location {
            Location::Maildir(path) => {
                let modified = fs::metadata(path).and_then(|m| m.modified()).ok()?;
                match modified.duration_since(std::time::UNIX_EPOCH) {
                    Ok(d) => i64::try_from(d.as_secs()).ok(),
                    Err(before) => i64::try_from(before.duration().as_secs()).ok().map(|s| -s),
                }
            }
            Location::Mbox { received, .. } => *received,
        }
    }

    /// The whole message in memory (at most [`MAX_MESSAGE`] bytes: a file
    /// that grew since it was listed is cut there); prefer `open` for
    /// large ones.
    pub fn bytes(&self) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        self.open()?
            .take(MAX_MESSAGE)
            .read_to_end(&mut out)
            .map_err(|e| Error::local_io(format!("cannot read {}", self.id()), e))?;
        Ok(out)
    }
}

/// Every message under `root`, Maildir folders and mbox files alike, in a
/// stable order (names sorted, a folder's own messages before its children).
pub fn messages(root: &Path) -> Messages {
    Messages { root: root.to_path_buf(), dirs: vec![Vec::new()], queue: VecDeque::new(), scan: None }
}

/// The iterator returned by [`messages`].
#[derive(Debug)]
pub struct Messages {
    root: PathBuf,
    /// Folders still to visit, as escaped components; the last is next.
    dirs: Vec<Vec<String>>,
    queue: VecDeque<Job>,
    scan: Option<MboxScan>,
}

#[derive(Debug)]
enum Job {
    Message(StoredMessage),
    Mbox { path: PathBuf, mailbox: String, limit: Option<u64> },
}

impl Iterator for Messages {
    type Item = Result<StoredMessage>;

    fn next(&mut self) -> Option<Result<StoredMessage>> {
        loop {
            if let Some(scan) = &mut self.scan {
                match scan.next_message() {
                    Ok(Some(msg)) => return Some(Ok(msg)),
                    Ok(None) => self.scan = None,
                    Err(e) => {
                        let err = Error::local_io(format!("cannot read {}", scan.path.display()), e);
                        self.scan = None;
                        return Some(Err(err));
                    }
                }
            }
            match self.queue.pop_front() {
                Some(Job::Message(msg)) => return Some(Ok(msg)),
                Some(Job::Mbox { path, mailbox, limit }) => match MboxScan::open(path, mailbox, limit) {
                    Ok(scan) => self.scan = Some(scan),
                    Err(e) => return Some(Err(e)),
                },
                None => {
                    let comps = self.dirs.pop()?;
                    if let Err(e) = self.visit(comps) {
                        return Some(Err(e));
                    }
                }
            }
        }
    }
}

impl Messages {
    /// Queues the messages of one folder and schedules its subfolders.
    fn visit(&mut self, comps: Vec<String>) -> Result<()> {
        let dir = comps.iter().fold(self.root.clone(), |p, c| p.join(c));
        let is_maildir = dir.join("cur").is_dir();
        let refs: Vec<&str> = comps.iter().map(String::as_str).collect();
        if is_maildir {
            for sub in ["cur", "new"] {
                for (name, kind) in sorted_entries(&dir.join(sub))? {
                    let path = dir.join(sub).join(&name);
                    if name.starts_with('.') || kind == Kind::Dir || !readable(&path, kind) {
                        continue;
                    }
                    self.queue.push_back(Job::Message(StoredMessage {
                        mailbox: name_of(&refs),
                        location: Location::Maildir(path),
                    }));
                }
            }
        }
        let mut children = Vec::new();
        for (name, kind) in sorted_entries(&dir)? {
            if name.starts_with('.') {
                continue;
            }
            if kind == Kind::Dir {
                if !(is_maildir && matches!(name.as_str(), "cur" | "new" | "tmp")) {
                    let mut child = comps.clone();
                    child.push(name);
                    children.push(child);
                }
            } else if let Some(stem) = name.strip_suffix(MBOX_SUFFIX)
                && (matches!(kind, Kind::File(_)) || readable(&dir.join(&name), kind))
            {
                let mut levels = refs.clone();
                levels.push(stem);
                let state_file =
                    levels.iter().fold(self.root.join(".owl/tmp/mailboxes"), |p, c| p.join(c)).join(super::STATE_FILE);
                // Without a readable state the whole file is read: it may
                // be someone else's mbox, and reading cannot harm it.
                let limit = state::load(&state_file).ok().flatten().and_then(|s| s.mbox_length);
                self.queue.push_back(Job::Mbox { path: dir.join(&name), mailbox: name_of(&levels), limit });
            }
        }
        self.dirs.extend(children.into_iter().rev());
        Ok(())
    }
}

/// The names of the mailboxes under `root` (Maildir folders and mbox
/// files, levels joined by `/`), sorted, found from the directory tree
/// alone: no message is listed or opened, so it costs a few directory
/// reads however large the store (for shell completion). A folder that
/// cannot be read is left out.
pub fn mailbox_names(root: &Path) -> Vec<String> {
    let mut names = Vec::new();
    let mut dirs: Vec<Vec<String>> = vec![Vec::new()];
    while let Some(comps) = dirs.pop() {
        let dir = comps.iter().fold(root.to_path_buf(), |p, c| p.join(c));
        let is_maildir = dir.join("cur").is_dir();
        let refs: Vec<&str> = comps.iter().map(String::as_str).collect();
        if is_maildir && !refs.is_empty() {
            names.push(name_of(&refs));
        }
        let Ok(entries) = sorted_entries(&dir) else { continue };
        for (name, kind) in entries {
            if name.starts_with('.') {
                continue;
            }
            if kind == Kind::Dir && !(is_maildir && matches!(name.as_str(), "cur" | "new" | "tmp")) {
                let mut child = comps.clone();
                child.push(name);
                dirs.push(child);
            } else if let (Kind::File(_), Some(stem)) = (kind, name.strip_suffix(MBOX_SUFFIX)) {
                let mut levels = refs.clone();
                levels.push(stem);
                names.push(name_of(&levels));
            }
        }
    }
    names.sort();
    names.dedup();
    names
}

/// The date of a From line's rest (`SENDER Thu Jan  1 00:00:00 1970`): its
/// last five words in asctime layout.
fn from_line_date(rest: &[u8]) -> Option<i64> {
    let text = std::str::from_utf8(rest).ok()?;
    let words: Vec<&str> = text.split_whitespace().collect();
    let tail = words.get(words.len().checked_sub(5)?..)?;
    crate::model::date::parse_asctime(&tail.join(" "))
}

/// What a directory entry is, without following symbolic links.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Dir,
    /// A regular file of this many bytes.
    File(u64),
    /// A symbolic link, FIFO, socket or device: never read.
    Other,
}

/// Whether an entry of `kind` at `path` may be read as a message; says why
/// not when it may not.
fn readable(path: &Path, kind: Kind) -> bool {
    match kind {
        Kind::File(size) if size > MAX_MESSAGE => {
            log::warn!(
                "{}: skipped: {size} bytes is larger than any plausible message ({} MiB)",
                path.display(),
                MAX_MESSAGE >> 20
            );
            false
        }
        Kind::File(_) => true,
        Kind::Other => {
            log::warn!("{}: skipped: not a regular file (a link, FIFO or device)", path.display());
            false
        }
        Kind::Dir => false,
    }
}

/// (name, kind) of each entry with a UTF-8 name, sorted by name. Symbolic
/// links are not followed, so a loop cannot trap the walk and a link to
/// a device cannot be read.
fn sorted_entries(dir: &Path) -> Result<Vec<(String, Kind)>> {
    let read = || -> io::Result<Vec<(String, Kind)>> {
        let mut out = Vec::new();
        for entry in fs::read_dir(dir)? {
            let entry = entry?;
            if let Ok(name) = entry.file_name().into_string() {
                let kind = entry.file_type()?;
                let kind = if kind.is_dir() {
                    Kind::Dir
                } else if kind.is_file() {
                    Kind::File(entry.metadata()?.len())
                } else {
                    Kind::Other
                };
                out.push((name, kind));
            }
        }
        out.sort();
        Ok(out)
    };
    read().map_err(|e| Error::local_io(format!("cannot read directory {}", dir.display()), e))
}

/// Finds message boundaries in an mbox, one line-start check at a time.
#[derive(Debug)]
struct MboxScan {
    path: PathBuf,
    mailbox: String,
    r: BufReader<Take<File>>,
    pos: u64,
    /// The last two bytes consumed.
    last: [u8; 2],
    started: bool,
    done: bool,
}

impl MboxScan {
    fn open(path: PathBuf, mailbox: String, limit: Option<u64>) -> Result<MboxScan> {
        let f = File::open(&path).map_err(|e| Error::local_io(format!("cannot open {}", path.display()), e))?;
        Ok(MboxScan {
            r: BufReader::with_capacity(64 * 1024, f.take(limit.unwrap_or(u64::MAX))),
            path,
            mailbox,
            pos: 0,
            last: [0, 0],
            started: false,
            done: false,
        })
    }

    fn next_message(&mut self) -> io::Result<Option<StoredMessage>> {
        if self.done {
            return Ok(None);
        }
        if !self.started {
            self.started = true;
            if self.find_from()?.is_none() {
                self.done = true;
                return Ok(None);
            }
        }
        let received = self.read_line_capped(1024)?.and_then(|line| from_line_date(&line));
        let offset = self.pos;
        let (next, before) = match self.find_from()? {
            Some(found) => found,
            None => {
                self.done = true;
                (self.pos, self.last)
            }
        };
        // The blank line that ends every entry is not part of the message.
        let end = if before == *b"\n\n" && next > offset { next - 1 } else { next };
        Ok(Some(StoredMessage {
            mailbox: self.mailbox.clone(),
            location: Location::Mbox { path: self.path.clone(), offset, len: end - offset, received },
        }))
    }

    /// From a line start, finds the next line starting with `From ` and
    /// consumes those five bytes; returns where the line starts and the two
    /// bytes before it.
    fn find_from(&mut self) -> io::Result<Option<(u64, [u8; 2])>> {
        const FROM: &[u8] = b"From ";
        loop {
            let (start, before) = (self.pos, self.last);
            let mut matched = 0;
            while matched < FROM.len() {
                let buf = self.r.fill_buf()?;
                match buf.first() {
                    None => return Ok(None),
                    Some(&b) if b == FROM[matched] => {
                        self.consume(1);
                        matched += 1;
                    }
                    Some(_) => break,
                }
            }
            if matched == FROM.len() {
                return Ok(Some((start, before)));
            }
            if !self.skip_line()? {
                return Ok(None);
            }
        }
    }

    /// Consumes through the next newline, keeping at most `cap` bytes of the
    /// line; `None` if the input ended first.
    fn read_line_capped(&mut self, cap: usize) -> io::Result<Option<Vec<u8>>> {
        let mut line = Vec::new();
        loop {
            let buf = self.r.fill_buf()?;
            if buf.is_empty() {
                return Ok(None);
            }
            let (n, done) = match buf.iter().position(|&b| b == b'\n') {
                Some(p) => (p + 1, true),
                None => (buf.len(), false),
            };
            let room = cap.saturating_sub(line.len());
            line.extend_from_slice(&buf[..n.min(room)]);
            self.consume(n);
            if done {
                return Ok(Some(line));
            }
        }
    }

    /// Consumes through the next newline; false if the input ended first.
    fn skip_line(&mut self) -> io::Result<bool> {
        loop {
            let buf = self.r.fill_buf()?;
            if buf.is_empty() {
                return Ok(false);
            }
            match buf.iter().position(|&b| b == b'\n') {
                Some(p) => {
                    self.consume(p + 1);
                    return Ok(true);
                }
                None => {
                    let n = buf.len();
                    self.consume(n);
                }
            }
        }
    }

    fn consume(&mut self, n: usize) {
        let buf = self.r.buffer();
        self.last = match n {
            0 => self.last,
            1 => [self.last[1], buf[0]],
            _ => [buf[n - 2], buf[n - 1]],
        };
        self.r.consume(n);
        self.pos += n as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(root: &Path) -> Vec<(String, Vec<u8>)> {
        messages(root)
            .map(|m| {
                let m = m.unwrap();
                (m.mailbox.clone(), m.bytes().unwrap())
            })
            .collect()
    }

    #[test]
    fn splits_an_mbox_and_undoes_quoting() {
        let dir = tempfile::tempdir().unwrap();
        let text: &[u8] = b"From a Thu Jan  1 00:00:00 1970\nA\r\n>From x\r\n\nFrom b Thu Jan  1 00:00:00 1970\n\n\nFrom c x\nno blank line\nFrom d x\nlast";
        fs::write(dir.path().join("INBOX.mbox"), text).unwrap();
        let got = collect(dir.path());
        let bodies: Vec<&[u8]> = got.iter().map(|(_, b)| b.as_slice()).collect();
        assert_eq!(bodies, vec![&b"A\r\nFrom x\r\n"[..], b"\n", b"no blank line\n", b"last"]);
        assert!(got.iter().all(|(m, _)| m == "INBOX"));
    }

    #[test]
    fn walks_maildirs_and_skips_metadata_and_dot_entries() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for (path, body) in [
            ("INBOX/cur/1:2,S", "one"),
            ("INBOX/new/2", "two"),
            ("INBOX/tmp/3", "partial"),
            ("INBOX/new/.hidden", "x"),
            ("INBOX/%63ur/cur/4", "four"),
            ("INBOX/%63ur/new/.keep", "x"),
            (".owl/tmp/mailboxes/INBOX/.state.json", "{}"),
            (".notmuch/xapian/x", "db"),
            ("notes.txt", "not mail"),
        ] {
            let p = root.join(path);
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            fs::write(p, body).unwrap();
        }
        let got = collect(root);
        let want: Vec<(String, Vec<u8>)> = [("INBOX", "one"), ("INBOX", "two"), ("INBOX/cur", "four")]
            .iter()
            .map(|(m, b)| (m.to_string(), b.as_bytes().to_vec()))
            .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn mailbox_names_come_from_the_tree_without_reading_messages() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for path in [
            "INBOX/cur/1:2,S",
            "INBOX/new/.keep",
            "INBOX/%63ur/cur/4",
            "Empty/cur/.keep",
            "Work/2026/cur/5",
            "Lists.mbox",
            "Old/Arch.mbox",
            ".owl/tmp/mailboxes/INBOX/.state.json",
            ".notmuch/xapian/x",
            "notes.txt",
        ] {
            let p = root.join(path);
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            fs::write(p, "x").unwrap();
        }
        let got = mailbox_names(root);
        assert_eq!(got, ["Empty", "INBOX", "INBOX/cur", "Lists", "Old/Arch", "Work/2026"]);
        assert!(mailbox_names(&root.join("missing")).is_empty());
    }

    #[test]
    fn links_fifos_devices_and_giant_files_are_skipped_not_read() {
        let dir = tempfile::tempdir().unwrap();
        let cur = dir.path().join("INBOX/cur");
        fs::create_dir_all(&cur).unwrap();
        fs::create_dir_all(dir.path().join("INBOX/new")).unwrap();
        fs::write(cur.join("1:2,S"), b"Subject: kept\r\n\r\nbody\r\n").unwrap();
        std::os::unix::fs::symlink("/dev/zero", cur.join("2:2,S")).unwrap();
        let fifo = std::ffi::CString::new(cur.join("3:2,S").to_str().unwrap()).unwrap();
        assert_eq!(unsafe_mkfifo(&fifo), 0);
        let giant = File::create(cur.join("4:2,S")).unwrap();
        giant.set_len(MAX_MESSAGE + 1).unwrap();
        std::os::unix::fs::symlink("/dev/zero", dir.path().join("zero.mbox")).unwrap();
        let found = collect(dir.path());
        assert_eq!(found.len(), 1, "{:?}", found.iter().map(|(m, _)| m).collect::<Vec<_>>());
        assert!(String::from_utf8_lossy(&found[0].1).contains("kept"));
    }

    /// mkfifo(3) through the C library the test binary links anyway.
    fn unsafe_mkfifo(path: &std::ffi::CStr) -> i32 {
        unsafe extern "C" {
            fn mkfifo(path: *const std::ffi::c_char, mode: u32) -> i32;
        }
        // SAFETY: a valid NUL-terminated path; mkfifo only reads it.
        unsafe { mkfifo(path.as_ptr(), 0o600) }
    }

    #[test]
    fn an_mbox_is_read_only_up_to_its_recorded_length() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let committed = b"From a x\none\n\n";
        let mut text = committed.to_vec();
        text.extend_from_slice(b"From b x\nunrecorded\n\n");
        fs::create_dir_all(root.join("Arch")).unwrap();
        fs::write(root.join("Arch/%2Ex.mbox"), &text).unwrap();
        let meta = root.join(".owl/tmp/mailboxes/Arch/%2Ex");
        fs::create_dir_all(&meta).unwrap();
        let st = state::SyncState { mbox_length: Some(committed.len() as u64), ..Default::default() };
        state::save(&meta.join(super::super::STATE_FILE), &st).unwrap();
        let got = collect(root);
        assert_eq!(got, vec![("Arch/.x".to_string(), b"one\n".to_vec())]);
        let first = messages(root).next().unwrap().unwrap();
        assert!(first.id().ends_with("%2Ex.mbox:9"), "{}", first.id());
    }
}
