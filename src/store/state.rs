//! The per-mailbox sync state (UIDVALIDITY, server marks, the UIDs stored,
//! the committed mbox length) and its JSON file, replaced atomically.
//!
//! A state file that exists but cannot be read is an `Io` error, never an
//! empty state: an empty state would fetch, and so duplicate, everything.

use std::io;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::fsutil;
use crate::error::{Error, ErrorKind, Result};
use crate::uidset::UidSet;

const VERSION: u32 = 1;

/// What owl knows about one mailbox of one store.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncState {
    /// The UIDVALIDITY the stored UIDs belong to; `None` before the first sync.
    pub uidvalidity: Option<u32>,
    /// The server's UIDNEXT last seen; 0 if never seen.
    pub uidnext: u32,
    /// The server's HIGHESTMODSEQ last seen, if it has CONDSTORE.
    pub highestmodseq: Option<u64>,
    /// The UIDs (under `uidvalidity`) whose messages are durably stored.
    pub stored: UidSet,
    /// mbox only: the file length covered by `stored`; bytes past it were
    /// never recorded.
    pub mbox_length: Option<u64>,
}

#[derive(Serialize, Deserialize)]
struct OnDisk {
    version: u32,
    #[serde(flatten)]
    state: SyncState,
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
    let disk: OnDisk = serde_json::from_slice(&bytes).map_err(|e| corrupt(e.to_string()))?;
    if disk.version != VERSION {
        return Err(corrupt(format!("unknown version {}", disk.version)));
    }
    Ok(Some(disk.state))
}

/// Replaces the state at `path` atomically and durably.
pub fn save(path: &Path, state: &SyncState) -> Result<()> {
    let disk = OnDisk { version: VERSION, state: state.clone() };
    let mut json =
        serde_json::to_vec_pretty(&disk).map_err(|e| Error::internal(format!("cannot encode sync state: {e}")))?;
    json.push(b'\n');
    fsutil::write_atomic(path, &json)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> SyncState {
        SyncState {
            uidvalidity: Some(1732),
            uidnext: 1001,
            highestmodseq: Some(77),
            stored: "1:500,502:1000".parse().unwrap(),
            mbox_length: Some(4096),
        }
    }

    #[test]
    fn round_trips_through_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("s.json");
        assert_eq!(load(&p).unwrap(), None);
        save(&p, &sample()).unwrap();
        assert_eq!(load(&p).unwrap(), Some(sample()));
        let text = std::fs::read_to_string(&p).unwrap();
        assert!(text.contains("\"1:500,502:1000\""), "{text}");
    }

    #[test]
    fn truncated_or_garbled_files_are_io_errors_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("s.json");
        save(&p, &sample()).unwrap();
        let full = std::fs::read(&p).unwrap();
        let bad_set = String::from_utf8(full.clone()).unwrap().replace("1:500", "1:x");
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
            br#"{"version":2,"uidvalidity":1,"uidnext":0,"highestmodseq":null,"stored":"","mbox_length":null}"#,
        )
        .unwrap();
        assert!(load(&p).unwrap_err().to_string().contains("version 2"));
    }
}
