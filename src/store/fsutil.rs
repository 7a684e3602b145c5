//! Durable file-system primitives: fsync of directories, directory creation
//! that survives power loss, and atomic replacement of small files.
//!
//! Everything here either completes durably or returns an error; nothing here
//! decides what to store or where.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::Path;

use crate::error::{Error, Result};

/// Flushes a directory's entries (creations, renames, unlinks) to disk.
pub fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| Error::local_io(format!("cannot sync directory {}", dir.display()), e))
}

/// Creates `dir` and any missing parents, fsyncing each parent whose entries
/// changed, so the new directories are still there after a power loss.
pub fn create_dir_durable(dir: &Path) -> Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        create_dir_durable(parent)?;
    }
    match fs::create_dir(dir) {
        Ok(()) => {}
        // Another process (or a symlink target) may have created it meanwhile.
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists && dir.is_dir() => return Ok(()),
        Err(e) => {
            return Err(Error::local_io(format!("cannot create directory {}", dir.display()), e)
                .with_kind(crate::error::ErrorKind::CantCreate));
        }
    }
    match dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        Some(parent) => sync_dir(parent),
        None => Ok(()),
    }
}

/// Replaces `path` with `bytes` atomically: a reader (or the next run after a
/// crash) sees either the old content or the new, never a mix or nothing.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().ok_or_else(|| Error::internal(format!("{} has no parent", path.display())))?;
    let mut tmp_name = path.file_name().unwrap_or_default().to_os_string();
    tmp_name.push(".new");
    let tmp = dir.join(tmp_name);
    let written = (|| {
        let mut f = OpenOptions::new().write(true).create(true).truncate(true).open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()
    })();
    written.map_err(|e| Error::local_io(format!("cannot write {}", tmp.display()), e))?;
    fs::rename(&tmp, path)
        .map_err(|e| Error::local_io(format!("cannot rename {} to {}", tmp.display(), path.display()), e))?;
    sync_dir(dir)
}

/// One call that makes everything written on a file system durable
/// (syncfs), where the kernel and the file system are known to honour it:
/// a batch of a few hundred files then costs one journal commit instead of
/// one fsync each.
#[derive(Debug)]
pub struct WholeFsSync {
    /// Opened before the files it will cover are written: syncfs reports the
    /// writeback errors seen on the file system since this open.
    handle: File,
}

impl WholeFsSync {
    /// None where files must be fsynced one by one: other systems than
    /// Linux, and file systems (network, FUSE) whose syncfs may not reach
    /// stable storage.
    pub fn for_dir(dir: &Path) -> Option<WholeFsSync> {
        let handle = File::open(dir).ok()?;
        trusted_syncfs(&handle).then_some(WholeFsSync { handle })
    }

    /// Everything written on the file system so far is now durable.
    pub fn sync(&self) -> io::Result<()> {
        #[cfg(target_os = "linux")]
        return rustix::fs::syncfs(&self.handle).map_err(io::Error::from);
        #[cfg(not(target_os = "linux"))]
        self.handle.sync_all()
    }
}

#[cfg(target_os = "linux")]
fn trusted_syncfs(handle: &File) -> bool {
    // ext2/3/4, XFS, btrfs, F2FS, tmpfs: their sync_fs commits everything.
    const TRUSTED: [i64; 5] = [0xEF53, 0x5846_5342, 0x9123_683E, 0xF2F5_2010, 0x0102_1994];
    // f_type's integer type differs between architectures.
    #[allow(clippy::useless_conversion)]
    let is_trusted = |f_type| TRUSTED.contains(&i64::from(f_type));
    rustix::fs::fstatfs(handle).is_ok_and(|s| is_trusted(s.f_type))
}

#[cfg(not(target_os = "linux"))]
fn trusted_syncfs(_: &File) -> bool {
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_content_and_leaves_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("state.json");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"two");
        let names: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1);
    }

    #[test]
    fn durable_create_makes_nested_directories_and_tolerates_existing_ones() {
        let dir = tempfile::tempdir().unwrap();
        let deep = dir.path().join("a/b/c");
        create_dir_durable(&deep).unwrap();
        create_dir_durable(&deep).unwrap();
        assert!(deep.is_dir());
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn whole_fs_sync_is_used_on_the_local_file_systems_tests_run_on() {
        let dir = tempfile::tempdir().unwrap();
        let sync = WholeFsSync::for_dir(dir.path()).expect("tmp is ext4, XFS, btrfs or tmpfs");
        fs::write(dir.path().join("f"), b"x").unwrap();
        sync.sync().unwrap();
    }

    #[test]
    fn durable_create_fails_over_a_regular_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f");
        fs::write(&file, b"x").unwrap();
        assert!(create_dir_durable(&file.join("sub")).is_err());
    }
}
