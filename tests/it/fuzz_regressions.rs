//! Replays every input that ever crashed a fuzzer (`fuzz/regressions/NAME/`)
//! and every seed (`fuzz/corpus/NAME/`) through `owl::fuzzing::NAME` on a
//! plain `cargo test`, so a fixed crash cannot come back unnoticed where
//! cargo-fuzz and nightly are not installed. There is no place for a crash
//! that is known and not fixed: a crash is fixed, then kept here.

use std::path::{Path, PathBuf};

type Target = fn(&[u8]);

/// Every fuzz target, as in fuzz/Cargo.toml.
const TARGETS: &[(&str, Target)] = &[
    ("imap_response", owl::fuzzing::imap_response),
    ("imap_deflate", owl::fuzzing::imap_deflate),
    ("pop3_reply", owl::fuzzing::pop3_reply),
    ("smtp_reply", owl::fuzzing::smtp_reply),
    ("mboxrd", owl::fuzzing::mboxrd),
    ("maildir_name", owl::fuzzing::maildir_name),
    ("message", owl::fuzzing::message),
    ("search_query", owl::fuzzing::search_query),
    ("config", owl::fuzzing::config),
];

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz")
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_file())
        .collect();
    out.sort();
    out
}

/// Runs every file in `fuzz/KIND/NAME/` through its target; returns how
/// many ran and the paths of those that panicked.
fn replay(kind: &str) -> (usize, Vec<String>) {
    let (mut ran, mut failed) = (0, Vec::new());
    for (name, target) in TARGETS {
        for path in files(&fuzz_dir().join(kind).join(name)) {
            let data = std::fs::read(&path).unwrap();
            if std::panic::catch_unwind(|| target(&data)).is_err() {
                failed.push(path.display().to_string());
            }
            ran += 1;
        }
    }
    (ran, failed)
}

#[test]
fn every_target_has_its_folders_and_no_folder_is_a_stray() {
    let manifest = std::fs::read_to_string(fuzz_dir().join("Cargo.toml")).unwrap();
    for (name, _) in TARGETS {
        assert!(manifest.contains(&format!("path = \"fuzz_targets/{name}.rs\"")), "{name} is not a fuzz target");
        for kind in ["corpus", "regressions"] {
            assert!(fuzz_dir().join(kind).join(name).is_dir(), "fuzz/{kind}/{name}/ is missing");
        }
        assert!(!files(&fuzz_dir().join("corpus").join(name)).is_empty(), "fuzz/corpus/{name}/ has no seed");
    }
    for kind in ["corpus", "regressions"] {
        let Ok(entries) = std::fs::read_dir(fuzz_dir().join(kind)) else { continue };
        for entry in entries {
            let path = entry.unwrap().path();
            let known = TARGETS.iter().any(|(name, _)| path.file_name().is_some_and(|f| f == *name));
            assert!(known || path.is_file(), "{} belongs to no fuzz target", path.display());
        }
    }
}

#[test]
fn past_crashes_stay_fixed() {
    let (_, failed) = replay("regressions");
    assert!(failed.is_empty(), "fuzz regressions panic again:\n{}", failed.join("\n"));
}

#[test]
fn seeds_run_clean() {
    let (ran, failed) = replay("corpus");
    assert!(ran >= TARGETS.len(), "only {ran} seeds");
    assert!(failed.is_empty(), "fuzz seeds panic:\n{}", failed.join("\n"));
}
