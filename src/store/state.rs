//! The per-mailbox sync state and its JSON file, replaced atomically.
//!
//! Its size and the work it asks of a run follow what changed, not what is
//! stored: `uidnext` is a watermark (every message below it is settled:
//! stored, or recorded in `failed`), so only UIDs stored above it are
//! listed, and a clean run leaves nothing to check. What a run was doing
//! when it died is written down before it does it (`dirty`, `in_flight`),
//! so recovery looks at exactly that and nothing else.
//!
//! A state file that exists but cannot be read is an `Io` error, never an
//! empty state: an empty state would fetch, and so duplicate, everything.
//! Version 1 files (the whole stored set, recovery by scanning the
//! mailbox at every open) are read and converted.

use std::collections::BTreeMap;
use std::io;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::fsutil;
use crate::error::{Error, ErrorKind, Result};
use crate::uidset::UidSet;

const VERSION: u32 = 2;

/// First wait before a message that failed is tried again; doubled at each
/// failure up to [`MAX_RETRY_WAIT`]. Runs every few minutes from cron must
/// not ask the server for a message it cannot give every time.
pub const FIRST_RETRY_WAIT: u64 = 15 * 60;
/// Longest wait between two tries of a message that keeps failing.
pub const MAX_RETRY_WAIT: u64 = 24 * 60 * 60;

/// What owl knows about one mailbox of one store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncState {
    /// The UIDVALIDITY the UIDs belong to; `None` before the first sync.
    pub uidvalidity: Option<u32>,
    /// The server's UIDNEXT at the last run that settled every message
    /// below it (stored, or recorded in `failed`); 0 if none did.
    pub uidnext: u32,
    /// The server's HIGHESTMODSEQ up to which flags are in step.
    pub highestmodseq: Option<u64>,
    /// UIDs stored at or above `uidnext` (by runs that were filtered or
    /// interrupted before they settled everything).
    pub stored: UidSet,
    /// Messages left out on purpose by the filters named in `skipped_by`
    /// (`--since`, `--max-size`); settled, but a run with other filters
    /// looks at them again.
    #[serde(default, skip_serializing_if = "UidSet::is_empty")]
    pub skipped: UidSet,
    /// The filters that left `skipped` out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skipped_by: Option<String>,
    /// Messages that could not be backed up, with when to try again.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty", with = "failed_list")]
    pub failed: BTreeMap<u32, Failure>,
    /// mbox only: the file length covered by what is stored; bytes past it
    /// were never recorded.
    pub mbox_length: Option<u64>,
    /// A run started writing and did not finish cleanly: spool files may be
    /// left, and `in_flight` may have reached the mailbox.
    #[serde(default)]
    pub dirty: bool,
    /// The files a commit was moving into place (Maildir, `cur/NAME`), for
    /// the next open to adopt if they arrived; `None` when nobody knows
    /// (state from version 1, or rebuilt): then the whole mailbox is read.
    #[serde(default = "nothing_in_flight")]
    pub in_flight: Option<Vec<String>>,
}

fn nothing_in_flight() -> Option<Vec<String>> {
    Some(Vec::new())
}

impl Default for SyncState {
    /// Nothing known, nothing to recover.
    fn default() -> SyncState {
        SyncState {
            uidvalidity: None,
            uidnext: 0,
            highestmodseq: None,
            stored: UidSet::new(),
            skipped: UidSet::new(),
            skipped_by: None,
            failed: BTreeMap::new(),
            mbox_length: None,
            dirty: false,
            in_flight: nothing_in_flight(),
        }
    }
}

/// `failed` as a list of `{"uid": N, ...}`: JSON object keys are strings,
/// which a flattened map cannot read back as numbers.
mod failed_list {
    use std::collections::BTreeMap;

    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::Failure;

    #[derive(Serialize, Deserialize)]
    struct Entry {
        uid: u32,
        #[serde(flatten)]
        failure: Failure,
    }

    pub fn serialize<S: Serializer>(map: &BTreeMap<u32, Failure>, s: S) -> Result<S::Ok, S::Error> {
        let list: Vec<Entry> = map.iter().map(|(uid, f)| Entry { uid: *uid, failure: f.clone() }).collect();
        list.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<u32, Failure>, D::Error> {
        let list = Vec::<Entry>::deserialize(d)?;
        Ok(list.into_iter().map(|e| (e.uid, e.failure)).collect())
    }
}

/// A message that could not be backed up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    /// Why, in one line, at the last try.
    pub error: String,
    /// How many runs tried it.
    pub attempts: u32,
    /// Unix seconds before which no run asks for it again.
    pub retry_after: u64,
}

impl Failure {
    /// The record after one more failed try at `now` (unix seconds).
    pub fn again(previous: Option<&Failure>, error: String, now: u64) -> Failure {
        let attempts = previous.map_or(0, |f| f.attempts).saturating_add(1);
        let wait = FIRST_RETRY_WAIT.saturating_mul(1 << (attempts - 1).min(16)).min(MAX_RETRY_WAIT);
        Failure { error, attempts, retry_after: now.saturating_add(wait) }
    }
}

impl SyncState {
    /// A state with nothing known, nothing to recover.
    pub fn empty() -> SyncState {
        SyncState::default()
    }

    /// Whether the message with `uid` (under `uidvalidity`) is stored.
    pub fn is_stored(&self, uid: u32) -> bool {
        (uid < self.uidnext && !self.failed.contains_key(&uid) && !self.skipped.contains(uid))
            || self.stored.contains(uid)
    }

    /// Whether anything is stored at all.
    pub fn has_messages(&self) -> bool {
        self.uidnext > 1 || !self.stored.is_empty()
    }

    /// Failed messages due for another try at `now`.
    pub fn retry_due(&self, now: u64) -> Vec<u32> {
        self.failed.iter().filter(|(_, f)| f.retry_after <= now).map(|(uid, _)| *uid).collect()
    }

    /// Records `uids` as stored.
    pub fn mark_stored(&mut self, uids: &UidSet) {
        self.stored.union_with(uids);
        self.skipped.subtract(uids);
        if !self.failed.is_empty() {
            self.failed.retain(|uid, _| !uids.contains(*uid));
        }
    }

    /// Every message below `uidnext` is settled: the watermark moves, and
    /// the UIDs listed below it are no longer needed.
    pub fn settle_below(&mut self, uidnext: u32) {
        self.uidnext = uidnext;
        self.stored.remove_below(uidnext);
    }

    /// Whether the last run left anything to look at.
    pub fn needs_recovery(&self) -> bool {
        self.dirty || self.in_flight.is_none()
    }
}

#[derive(Serialize, Deserialize)]
struct OnDisk {
    version: u32,
    #[serde(flatten)]
    state: SyncState,
}

/// Version 1: the whole stored set; recovery scanned every open.
#[derive(Deserialize)]
struct Version1 {
    uidvalidity: Option<u32>,
    uidnext: u32,
    highestmodseq: Option<u64>,
    stored: UidSet,
    mbox_length: Option<u64>,
}

/// Reads the state at `path`; `Ok(None)` if there is no such file.
pub fn load(path: &Path) -> Result<Option<SyncState>> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(Error::local_io(format!("cannot read sync state {}", path.display()), e));
        }
    };
    let corrupt =
        |why: String| Error::new(ErrorKind::Io, format!("sync state {} is unreadable: {why}", path.display()));
    #[derive(Deserialize)]
    struct Version {
        version: u32,
    }
    let version: Version = serde_json::from_slice(&bytes).map_err(|e| corrupt(e.to_string()))?;
    match version.version {
        1 => {
            let old: Version1 = serde_json::from_slice(&bytes).map_err(|e| corrupt(e.to_string()))?;
            // Version 1 recorded UIDNEXT only after a complete run, so the
            // same watermark holds; the files were its recovery, so they
            // are read once more.
            let mut state = SyncState {
                uidvalidity: old.uidvalidity,
                uidnext: 0,
                highestmodseq: old.highestmodseq,
                stored: old.stored,
                skipped: UidSet::new(),
                skipped_by: None,
                failed: BTreeMap::new(),
                mbox_length: old.mbox_length,
                dirty: true,
                in_flight: None,
            };
            state.settle_below(old.uidnext);
            Ok(Some(state))
        }
        VERSION => {
            let disk: OnDisk = serde_json::from_slice(&bytes).map_err(|e| corrupt(e.to_string()))?;
            Ok(Some(disk.state))
        }
        other => Err(corrupt(format!("unknown version {other}"))),
    }
}

/// Replaces the state at `path` atomically and durably.
pub fn save(path: &Path, state: &SyncState) -> Result<()> {
    let disk = OnDisk { version: VERSION, state: state.clone() };
    let mut json = serde_json::to_vec(&disk).map_err(|e| Error::internal(format!("cannot encode sync state: {e}")))?;
    json.push(b'\n');
    fsutil::write_atomic(path, &json)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> SyncState {
        let mut state = SyncState {
            uidvalidity: Some(1732),
            uidnext: 1001,
            highestmodseq: Some(77),
            stored: "1005:1010".parse().unwrap(),
            mbox_length: Some(4096),
            ..SyncState::empty()
        };
        state.failed.insert(500, Failure { error: "NO [SERVERBUG] oops".into(), attempts: 1, retry_after: 99 });
        state
    }

    #[test]
    fn round_trips_through_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("s.json");
        assert_eq!(load(&p).unwrap(), None);
        save(&p, &sample()).unwrap();
        assert_eq!(load(&p).unwrap(), Some(sample()));
        let text = std::fs::read_to_string(&p).unwrap();
        assert!(text.contains("\"1005:1010\""), "{text}");
    }

    #[test]
    fn below_the_watermark_everything_but_the_failed_is_stored() {
        let state = sample();
        assert!(state.is_stored(1) && state.is_stored(1000));
        assert!(!state.is_stored(500), "failed");
        assert!(!state.is_stored(1001) && state.is_stored(1007) && !state.is_stored(1011));
        assert_eq!(state.retry_due(98), Vec::<u32>::new());
        assert_eq!(state.retry_due(99), vec![500]);
    }

    #[test]
    fn storing_a_failed_message_forgets_the_failure_and_settling_forgets_the_list() {
        let mut state = sample();
        state.mark_stored(&"500,1011".parse().unwrap());
        assert!(state.failed.is_empty());
        assert!(state.is_stored(500));
        state.settle_below(1011);
        assert_eq!(state.stored.to_string(), "1011");
        state.settle_below(1012);
        assert!(state.is_stored(1011));
    }

    #[test]
    fn retries_back_off_to_a_day() {
        let first = Failure::again(None, "x".into(), 1000);
        assert_eq!((first.attempts, first.retry_after), (1, 1000 + FIRST_RETRY_WAIT));
        let second = Failure::again(Some(&first), "x".into(), 2000);
        assert_eq!(second.retry_after, 2000 + 2 * FIRST_RETRY_WAIT);
        let mut f = second;
        for _ in 0..40 {
            f = Failure::again(Some(&f), "x".into(), 0);
        }
        assert_eq!(f.retry_after, MAX_RETRY_WAIT);
    }

    #[test]
    fn version_1_is_converted_and_recovers_once_by_reading_the_files() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("s.json");
        std::fs::write(
            &p,
            br#"{"version":1,"uidvalidity":7,"uidnext":301,"highestmodseq":null,"stored":"1:250,252:320","mbox_length":null}"#,
        )
        .unwrap();
        let state = load(&p).unwrap().unwrap();
        assert_eq!((state.uidvalidity, state.uidnext), (Some(7), 301));
        assert_eq!(state.stored.to_string(), "301:320");
        assert!(state.needs_recovery() && state.in_flight.is_none());
        // UID 251 was expunged before version 1 saw it: nothing to fetch.
        assert!(state.is_stored(251));
    }

    #[test]
    fn truncated_or_garbled_files_are_io_errors_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("s.json");
        save(&p, &sample()).unwrap();
        let full = std::fs::read(&p).unwrap();
        let bad_set = String::from_utf8(full.clone()).unwrap().replace("1005:1010", "1:x");
        for bad in [&full[..full.len() / 2], b"", bad_set.as_bytes()] {
            std::fs::write(&p, bad).unwrap();
            let err = load(&p).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Io);
            assert!(err.to_string().contains(&p.display().to_string()), "{err}");
        }
    }

    #[test]
    fn an_unknown_version_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("s.json");
        std::fs::write(
            &p,
            br#"{"version":3,"uidvalidity":1,"uidnext":0,"highestmodseq":null,"stored":"","mbox_length":null}"#,
        )
        .unwrap();
        assert!(load(&p).unwrap_err().to_string().contains("version 3"));
    }
}
