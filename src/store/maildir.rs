//! The Maildir side of a mailbox: reconciling state with the files at open,
//! writing messages into `tmp/`, and committing them (make the files
//! durable, rename into `cur/` or `new/`, make the renames durable). Bytes
//! are stored exactly as given.
//!
//! It never deletes a message file, and never writes the sync state itself.

use std::collections::HashMap;
use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::fsutil;
use super::incoming::{Body, Recovery};
use super::maildir_name::{final_name, parse_vu, with_flags};
use super::spool::{Spool, remove_spools};
use super::state::SyncState;
use crate::error::{Error, Result};
use crate::uidset::UidSet;

/// How many threads fsync a batch file by file; enough for ext4 to merge
/// journal commits.
const SYNC_THREADS: usize = 8;

/// One Maildir folder (`cur`, `new`, `tmp`).
#[derive(Debug)]
pub(crate) struct Maildir {
    dir: PathBuf,
    /// Commits a batch in one call where the file system allows; otherwise
    /// every file and directory is fsynced.
    whole_fs: Option<fsutil::WholeFsSync>,
    pending: Vec<Pending>,
    /// UIDs named by the files of `cur/` and `new/`, by UIDVALIDITY, once
    /// they had to be read.
    on_disk: Option<HashMap<u32, UidSet>>,
}

#[derive(Debug)]
struct Pending {
    tmp: PathBuf,
    dest: PathBuf,
}

impl Maildir {
    /// Opens (creating if needed) the Maildir at `dir` against its `loaded`
    /// state. After a clean run that is all: no directory is read. After a
    /// run that died it removes that run's spool files and adopts the files
    /// its last commit had named in `in_flight`; only a state that is
    /// missing, unreadable or from version 1 makes it read every file name
    /// (and an unreadable one is rebuilt from them, as the recovery says).
    pub(crate) fn open(dir: &Path, loaded: Result<Option<SyncState>>) -> Result<(Maildir, SyncState, Recovery)> {
        for sub in ["cur", "new", "tmp"] {
            fsutil::create_dir_durable(&dir.join(sub))?;
        }
        let mut recovery = Recovery::default();
        let mut maildir = Maildir {
            dir: dir.to_path_buf(),
            whole_fs: fsutil::WholeFsSync::for_dir(dir),
            pending: Vec::new(),
            on_disk: None,
        };
        let mut state = match loaded {
            Ok(Some(state)) => state,
            Ok(None) => SyncState { dirty: true, in_flight: None, ..SyncState::empty() },
            Err(e) => {
                recovery.rebuilt = Some(format!("{e}; rebuilt from message file names"));
                SyncState { dirty: true, in_flight: None, ..SyncState::empty() }
            }
        };
        if !state.needs_recovery() {
            return Ok((maildir, state, recovery));
        }
        recovery.removed_spools = remove_spools(&dir.join("tmp"))?;
        let adopt: Vec<(u32, u32)> = match state.in_flight.take() {
            Some(names) => names
                .iter()
                .filter(|name| dir.join(name).exists())
                .filter_map(|name| parse_vu(name.rsplit('/').next().unwrap_or(name)))
                .collect(),
            None => {
                let (on_disk, newest) = scan(dir)?;
                if recovery.rebuilt.is_none() && loaded_nothing(&state) && !on_disk.is_empty() {
                    recovery.rebuilt = Some("no sync state; rebuilt from message file names".into());
                }
                if recovery.rebuilt.is_some() {
                    state.uidvalidity = newest;
                }
                let found = state.uidvalidity.and_then(|v| on_disk.get(&v)).cloned().unwrap_or_default();
                let validity = state.uidvalidity.unwrap_or(0);
                maildir.on_disk = Some(on_disk);
                found.iter().map(|uid| (validity, uid)).collect()
            }
        };
        state.in_flight = Some(Vec::new());
        let mut adopted = UidSet::new();
        for (v, uid) in adopt {
            if Some(v) == state.uidvalidity && !state.is_stored(uid) {
                adopted.insert(uid);
            }
        }
        recovery.adopted = adopted.len();
        state.mark_stored(&adopted);
        Ok((maildir, state, recovery))
    }

    /// A spool file in this Maildir's `tmp/`, so committing is a rename.
    pub(crate) fn spool(&self) -> Result<Spool> {
        Spool::create(&self.spool_dir())
    }

    /// Where spool files go: `tmp/`, so committing one is a rename.
    pub(crate) fn spool_dir(&self) -> std::path::PathBuf {
        self.dir.join("tmp")
    }

    /// The UIDs whose files carry `uidvalidity` (read once, when first
    /// asked: only a UIDVALIDITY change needs them).
    pub(crate) fn on_disk(&mut self, uidvalidity: u32) -> Result<UidSet> {
        if self.on_disk.is_none() {
            self.on_disk = Some(scan(&self.dir)?.0);
        }
        Ok(self.on_disk.as_ref().and_then(|d| d.get(&uidvalidity)).cloned().unwrap_or_default())
    }

    /// Writes the message into `tmp/` (not yet durable, not yet visible).
    pub(crate) fn add(
        &mut self,
        uidvalidity: u32,
        uid: u32,
        flags: &[String],
        internal_date: Option<i64>,
        body: Body,
    ) -> Result<()> {
        let spool = match body {
            Body::Spooled(spool) => {
                if spool.path().parent() != Some(self.dir.join("tmp").as_path()) {
                    return Err(Error::internal(format!(
                        "spool {} belongs to another mailbox",
                        spool.path().display()
                    )));
                }
                spool
            }
            Body::Memory(bytes) => {
                let mut spool = self.spool()?;
                std::io::Write::write_all(&mut spool, &bytes)
                    .map_err(|e| Error::local_io(format!("cannot write {}", spool.path().display()), e))?;
                spool
            }
        };
        let tmp = spool.path().to_path_buf();
        let (name, to_cur) = final_name(spool.unique(), uidvalidity, uid, flags);
        let dest = self.dir.join(if to_cur { "cur" } else { "new" }).join(name);
        let file = spool.finish()?;
        // From here on the tmp file is ours to clean up (see Drop).
        self.pending.push(Pending { tmp, dest });
        if let Some(secs) = internal_date {
            // Some readers sort by mtime; the file's content is what matters.
            let _ = file.set_modified(to_system_time(secs));
        }
        Ok(())
    }

    /// Makes every added message durable where it is, in `tmp/`, and
    /// returns where [`Maildir::publish`] will move each (`cur/NAME`), for
    /// the state to record first: a run killed while moving them leaves a
    /// list the next open checks, instead of the whole mailbox.
    pub(crate) fn prepare(&mut self) -> Result<Vec<String>> {
        if self.pending.is_empty() {
            return Ok(Vec::new());
        }
        self.sync_spools()?;
        Ok(self
            .pending
            .iter()
            .filter_map(|p| p.dest.strip_prefix(&self.dir).ok())
            .map(|rel| rel.to_string_lossy().into_owned())
            .collect())
    }

    /// Moves the prepared messages into place and makes the moves durable;
    /// returns how many.
    pub(crate) fn publish(&mut self) -> Result<usize> {
        if self.pending.is_empty() {
            return Ok(0);
        }
        let (mut to_cur, mut to_new) = (false, false);
        for p in &self.pending {
            fs::rename(&p.tmp, &p.dest)
                .map_err(|e| Error::local_io(format!("cannot move {} into place", p.tmp.display()), e))?;
            if p.dest.parent() == Some(self.dir.join("cur").as_path()) {
                to_cur = true;
            } else {
                to_new = true;
            }
        }
        self.sync_renames(to_cur, to_new)?;
        Ok(std::mem::take(&mut self.pending).len())
    }

    /// Gives the stored messages of `uidvalidity` named in `changes` their
    /// new flags by renaming their files (into `cur/` once they have info
    /// letters); returns how many files were renamed. Only names change, so
    /// an interruption loses nothing: the next run renames the rest.
    pub(crate) fn set_flags(&mut self, uidvalidity: u32, changes: &HashMap<u32, Vec<String>>) -> Result<usize> {
        let mut renamed = 0;
        let (mut touched_cur, mut touched_new) = (false, false);
        for sub in ["cur", "new"] {
            // The directory is streamed and only the renames are kept: a
            // mailbox of 200,000 files must not cost 200,000 entries of
            // memory. Renaming waits until the listing is done, so no
            // file is seen twice.
            let dir = self.dir.join(sub);
            let mut renames = Vec::new();
            let what = || format!("cannot list {}", dir.display());
            for entry in fs::read_dir(&dir).map_err(|e| Error::local_io(what(), e))? {
                let entry = entry.map_err(|e| Error::local_io(what(), e))?;
                let name = entry.file_name();
                let Some(name) = name.to_str().filter(|n| !n.starts_with('.')) else { continue };
                let Some(flags) = parse_vu(name).filter(|(v, _)| *v == uidvalidity).and_then(|(_, u)| changes.get(&u))
                else {
                    continue;
                };
                let target = with_flags(name, flags);
                let to_cur = sub == "cur" || target.contains(':');
                if target == name && to_cur == (sub == "cur") {
                    continue;
                }
                renames.push((entry.path(), self.dir.join(if to_cur { "cur" } else { "new" }).join(&target), to_cur));
            }
            for (from, dest, to_cur) in renames {
                fs::rename(&from, &dest).map_err(|e| {
                    Error::local_io(format!("cannot rename {} to {}", from.display(), dest.display()), e)
                })?;
                renamed += 1;
                touched_cur |= sub == "cur" || to_cur;
                touched_new |= sub == "new" || !to_cur;
            }
        }
        if renamed > 0 {
            self.sync_renames(touched_cur, touched_new)?;
        }
        Ok(renamed)
    }

    /// Where it can, one syncfs for the whole batch: an fsync per file
    /// costs a journal commit each and stalls the download while the batch
    /// is written (measured: a 10,000-message backup 17% slower).
    fn sync_spools(&self) -> Result<()> {
        match &self.whole_fs {
            Some(fs) => self.sync_whole(fs),
            None => sync_files(&self.pending.iter().map(|p| p.tmp.as_path()).collect::<Vec<_>>()),
        }
    }

    fn sync_renames(&self, to_cur: bool, to_new: bool) -> Result<()> {
        if let Some(fs) = &self.whole_fs {
            return self.sync_whole(fs);
        }
        if to_cur {
            fsutil::sync_dir(&self.dir.join("cur"))?;
        }
        if to_new {
            fsutil::sync_dir(&self.dir.join("new"))?;
        }
        Ok(())
    }

    fn sync_whole(&self, fs: &fsutil::WholeFsSync) -> Result<()> {
        fs.sync().map_err(|e| Error::local_io(format!("cannot sync the file system of {}", self.dir.display()), e))
    }
}

impl Drop for Maildir {
    fn drop(&mut self) {
        for p in &self.pending {
            // Uncommitted: never recorded, so fetched again next run. A file
            // left behind is removed by the next open.
            let _ = fs::remove_file(&p.tmp);
        }
    }
}

fn to_system_time(secs: i64) -> SystemTime {
    if secs >= 0 {
        UNIX_EPOCH + Duration::from_secs(secs.unsigned_abs())
    } else {
        UNIX_EPOCH - Duration::from_secs(secs.unsigned_abs())
    }
}

/// Whether `state` is what open makes of no state file at all.
fn loaded_nothing(state: &SyncState) -> bool {
    state.uidvalidity.is_none() && state.uidnext == 0 && state.stored.is_empty()
}

/// The UIDs named by files in `cur/` and `new/`, by UIDVALIDITY, and the
/// UIDVALIDITY of the most recently delivered one.
fn scan(dir: &Path) -> Result<(HashMap<u32, UidSet>, Option<u32>)> {
    let mut found: HashMap<u32, UidSet> = HashMap::new();
    let mut newest: Option<(u64, u32)> = None;
    for sub in ["cur", "new"] {
        for entry in read_dir(&dir.join(sub))? {
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            let Some((v, u)) = parse_vu(name).filter(|_| !name.starts_with('.')) else {
                continue;
            };
            found.entry(v).or_default().insert(u);
            let digits: String = name.chars().take_while(char::is_ascii_digit).collect();
            let time = digits.parse().unwrap_or(0);
            if newest.is_none_or(|n| (time, v) > n) {
                newest = Some((time, v));
            }
        }
    }
    Ok((found, newest.map(|(_, v)| v)))
}

fn read_dir(dir: &Path) -> Result<Vec<fs::DirEntry>> {
    let what = || format!("cannot read directory {}", dir.display());
    fs::read_dir(dir).and_then(|it| it.collect::<std::io::Result<Vec<_>>>()).map_err(|e| Error::local_io(what(), e))
}

/// fsyncs every file, from several threads at once: ext4 then commits them
/// in a few journal transactions instead of one each.
fn sync_files(paths: &[&Path]) -> Result<()> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let next = AtomicUsize::new(0);
    let worker = || -> Result<()> {
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(path) = paths.get(i) else {
                return Ok(());
            };
            File::open(path)
                .and_then(|f| f.sync_all())
                .map_err(|e| Error::local_io(format!("cannot sync {}", path.display()), e))?;
        }
    };
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..SYNC_THREADS.min(paths.len())).map(|_| s.spawn(worker)).collect();
        let mut result = Ok(());
        for h in handles {
            let r = h.join().unwrap_or_else(|_| Err(Error::internal("fsync thread panicked")));
            if result.is_ok() {
                result = r;
            }
        }
        result
    })
}

#[cfg(test)]
impl Maildir {
    /// Both steps of a commit, for tests that do not need the state between.
    pub(crate) fn write_pending(&mut self) -> Result<usize> {
        self.prepare()?;
        self.publish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(text: &str) -> Body {
        Body::Memory(text.as_bytes().to_vec())
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> =
            fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
        v.sort();
        v
    }

    #[test]
    fn added_messages_appear_only_after_writing_and_keep_their_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let (mut md, state, rec) = Maildir::open(dir.path(), Ok(None)).unwrap();
        assert_eq!(rec, Recovery::default());
        assert_eq!((state.uidvalidity, state.stored.is_empty(), state.in_flight), (None, true, Some(vec![])));
        md.add(7, 1, &["\\Seen".into()], Some(1_700_000_000), body("A\r\n")).unwrap();
        md.add(7, 2, &[], None, body("B")).unwrap();
        assert_eq!(md.pending.len(), 2);
        assert_eq!(names(&dir.path().join("tmp")).len(), 2);
        assert!(names(&dir.path().join("cur")).is_empty());
        assert_eq!(md.write_pending().unwrap(), 2);
        let cur = names(&dir.path().join("cur"));
        let new = names(&dir.path().join("new"));
        assert!(cur[0].ends_with(",V=7,U=1:2,S"), "{cur:?}");
        assert!(new[0].ends_with(",V=7,U=2"), "{new:?}");
        assert_eq!(fs::read(dir.path().join("cur").join(&cur[0])).unwrap(), b"A\r\n");
        let mtime = fs::metadata(dir.path().join("cur").join(&cur[0])).unwrap().modified().unwrap();
        assert_eq!(mtime, to_system_time(1_700_000_000));
        assert!(names(&dir.path().join("tmp")).is_empty());
    }

    #[test]
    fn without_syncfs_files_and_directories_are_fsynced_one_by_one() {
        let dir = tempfile::tempdir().unwrap();
        let (mut md, _, _) = Maildir::open(dir.path(), Ok(None)).unwrap();
        md.whole_fs = None;
        md.add(7, 1, &["\\Seen".into()], None, body("A")).unwrap();
        md.add(7, 2, &[], None, body("B")).unwrap();
        assert_eq!(md.write_pending().unwrap(), 2);
        assert_eq!(names(&dir.path().join("cur")).len(), 1);
        assert_eq!(names(&dir.path().join("new")).len(), 1);
        assert!(names(&dir.path().join("tmp")).is_empty());
    }

    #[test]
    fn flag_changes_rename_files_and_move_them_into_cur() {
        let dir = tempfile::tempdir().unwrap();
        let (mut md, _, _) = Maildir::open(dir.path(), Ok(None)).unwrap();
        md.add(7, 1, &[], None, body("one")).unwrap();
        md.add(7, 2, &["\\Seen".into()], None, body("two")).unwrap();
        md.add(7, 3, &[], None, body("three")).unwrap();
        md.write_pending().unwrap();
        // A mail reader marked 2 as passed; the server has since flagged 1
        // and unseen 2; 3 did not change; 9 is not stored.
        let old = names(&dir.path().join("cur")).into_iter().next().unwrap();
        fs::rename(dir.path().join("cur").join(&old), dir.path().join("cur").join(format!("{old}P"))).unwrap();
        let changes: HashMap<u32, Vec<String>> =
            [(1, vec!["\\Flagged".into()]), (2, vec![]), (3, vec![]), (9, vec!["\\Seen".into()])].into();
        assert_eq!(md.set_flags(7, &changes).unwrap(), 2);
        let cur = names(&dir.path().join("cur"));
        assert!(cur.iter().any(|n| n.ends_with(",U=1:2,F")), "{cur:?}");
        assert!(cur.iter().any(|n| n.ends_with(",U=2:2,P")), "{cur:?}");
        assert_eq!(names(&dir.path().join("new")).len(), 1);
        assert_eq!(md.set_flags(7, &changes).unwrap(), 0, "a second pass has nothing to do");
        assert_eq!(md.set_flags(8, &changes).unwrap(), 0, "another UIDVALIDITY's files are left alone");
    }

    #[test]
    fn open_adopts_renamed_but_unrecorded_files_and_removes_dead_spools() {
        let dir = tempfile::tempdir().unwrap();
        let (mut md, _, _) = Maildir::open(dir.path(), Ok(None)).unwrap();
        md.add(7, 5, &[], None, body("x")).unwrap();
        let in_flight = md.prepare().unwrap();
        md.publish().unwrap();
        md.add(7, 6, &[], None, body("y")).unwrap();
        std::mem::forget(md); // a crash: no cleanup runs.
        fs::write(dir.path().join("tmp/1.M1P1Q1.h.owl-spool"), b"dead").unwrap();
        fs::write(dir.path().join("tmp/foreign"), b"not ours").unwrap();

        let recorded = SyncState {
            uidvalidity: Some(7),
            stored: "1:4".parse().unwrap(),
            dirty: true,
            in_flight: Some(in_flight),
            ..SyncState::default()
        };
        let (_, state, rec) = Maildir::open(dir.path(), Ok(Some(recorded))).unwrap();
        assert_eq!(state.stored.to_string(), "1:5");
        assert_eq!(rec.adopted, 1);
        assert_eq!(rec.removed_spools, 2);
        assert_eq!(rec.rebuilt, None);
        assert_eq!(names(&dir.path().join("tmp")), vec!["foreign"]);
    }

    #[test]
    fn an_unreadable_state_is_rebuilt_from_the_newest_validity() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("cur")).unwrap();
        fs::create_dir_all(dir.path().join("new")).unwrap();
        for name in ["100.M1P1Q1.h,V=3,U=9:2,S", "200.M1P1Q2.h,V=4,U=1", "200.M1P1Q3.h,V=4,U=2:2,"] {
            let sub = if name.contains(":2,") { "cur" } else { "new" };
            fs::write(dir.path().join(sub).join(name), b"m").unwrap();
        }
        let err = Error::new(crate::error::ErrorKind::Io, "sync state X is unreadable");
        let (mut md, state, rec) = Maildir::open(dir.path(), Err(err)).unwrap();
        assert_eq!(state.uidvalidity, Some(4));
        assert_eq!(state.stored.to_string(), "1:2");
        assert!(rec.rebuilt.unwrap().contains("X is unreadable"));
        assert_eq!(md.on_disk(3).unwrap().to_string(), "9");
    }

    #[test]
    fn dropping_uncommitted_messages_removes_their_temporary_files() {
        let dir = tempfile::tempdir().unwrap();
        let (mut md, _, _) = Maildir::open(dir.path(), Ok(None)).unwrap();
        md.add(1, 1, &[], None, body("x")).unwrap();
        drop(md);
        assert!(names(&dir.path().join("tmp")).is_empty());
        assert!(names(&dir.path().join("new")).is_empty());
    }

    #[test]
    fn a_spool_from_another_folder_is_refused() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        let (mut ma, _, _) = Maildir::open(a.path(), Ok(None)).unwrap();
        let (mb, _, _) = Maildir::open(b.path(), Ok(None)).unwrap();
        let spool = mb.spool().unwrap();
        let err = ma.add(1, 1, &[], None, Body::Spooled(spool)).unwrap_err();
        assert_eq!(err.kind(), crate::error::ErrorKind::Internal);
    }
}
