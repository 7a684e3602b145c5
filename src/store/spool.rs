//! A spool file: where a message body is streamed while it downloads, so
//! memory does not grow with message size.
//!
//! A spool that is dropped without being added to a mailbox deletes its
//! file; one that survives a crash is removed by the next run.

use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use super::maildir_name::{SPOOL_SUFFIX, unique};
use crate::error::{Error, Result};

/// An open spool file; write the message bytes into it, then hand it to
/// `MailboxStore::add` as `Body::Spooled`.
#[derive(Debug)]
pub struct Spool {
    path: PathBuf,
    unique: String,
    /// `None` once handed over by `finish`.
    out: Option<BufWriter<File>>,
    len: u64,
}

impl Spool {
    /// Creates a new, empty spool file in `dir`.
    pub(crate) fn create(dir: &Path) -> Result<Spool> {
        // create_new: a name clash (a reused pid within the same
        // microsecond) fails instead of sharing a file, so retry.
        for _ in 0..8 {
            let unique = unique();
            let path = dir.join(format!("{unique}{SPOOL_SUFFIX}"));
            match OpenOptions::new().read(true).write(true).create_new(true).open(&path) {
                Ok(file) => {
                    return Ok(Spool { path, unique, out: Some(BufWriter::with_capacity(64 * 1024, file)), len: 0 });
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => {
                    return Err(Error::local_io(format!("cannot create spool file {}", path.display()), e));
                }
            }
        }
        Err(Error::internal(format!("cannot find a free spool file name in {}", dir.display())))
    }

    /// How many bytes have been written.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether nothing has been written.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The spool file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The Maildir unique part of the file name.
    pub(crate) fn unique(&self) -> &str {
        &self.unique
    }

    /// Flushes the bytes and hands over the file; from here on the caller
    /// owns (and must clean up) the file at `path()`.
    pub(crate) fn finish(mut self) -> Result<File> {
        let out = self.out.take().ok_or_else(|| Error::internal("spool finished twice"))?;
        out.into_inner().map_err(|e| Error::local_io(format!("cannot write {}", self.path.display()), e.into_error()))
    }
}

impl Write for Spool {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let out = self.out.as_mut().ok_or_else(|| io::Error::other("spool already finished"))?;
        let n = out.write(buf)?;
        self.len += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        match self.out.as_mut() {
            Some(out) => out.flush(),
            None => Ok(()),
        }
    }
}

impl Drop for Spool {
    fn drop(&mut self) {
        if self.out.is_some() {
            // Never added: the bytes are of no use. A failure only leaves a
            // file that the next run removes.
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Removes owl's spool files in `dir` (left by a run that died); returns
/// how many. The caller holds the store lock, so no live run is writing
/// them.
pub(crate) fn remove_spools(dir: &Path) -> Result<usize> {
    let what = |e| Error::local_io(format!("cannot read directory {}", dir.display()), e);
    let mut removed = 0;
    for entry in std::fs::read_dir(dir).map_err(what)? {
        let entry = entry.map_err(what)?;
        if entry.file_name().to_string_lossy().ends_with(SPOOL_SUFFIX) {
            std::fs::remove_file(entry.path())
                .map_err(|e| Error::local_io(format!("cannot remove {}", entry.path().display()), e))?;
            removed += 1;
        }
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_bytes_into_a_file_and_counts_them() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Spool::create(dir.path()).unwrap();
        assert!(s.is_empty());
        s.write_all(b"Subject: x\r\n\r\n").unwrap();
        s.write_all(&[0xff; 100_000]).unwrap();
        assert_eq!(s.len(), 100_014);
        let path = s.path().to_path_buf();
        assert!(path.to_str().unwrap().ends_with(SPOOL_SUFFIX));
        drop(s.finish().unwrap());
        assert_eq!(std::fs::read(&path).unwrap().len(), 100_014);
    }

    #[test]
    fn an_unused_spool_removes_its_file() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Spool::create(dir.path()).unwrap();
        s.write_all(b"partial").unwrap();
        let path = s.path().to_path_buf();
        assert!(path.exists());
        drop(s);
        assert!(!path.exists());
    }
}
