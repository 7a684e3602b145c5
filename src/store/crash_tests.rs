//! Store-level tests of the crash-safety promise: whatever a dead run left
//! behind, the next run (lock, then open) ends up with exactly the server's
//! messages, none lost and none twice. Simulated crashes skip destructors.
//!
//! Tests only; they use the public API plus direct file manipulation.

use std::fs;
use std::io::Write;
use std::path::Path;

use super::read::messages;
use super::{Body, Store, StoreKind, StoreSpec};
use crate::error::ErrorKind;

fn store(kind: StoreKind, dir: &Path) -> Store {
    Store::open(&StoreSpec { kind, path: dir.join("store") }).unwrap()
}

fn msg(uid: u32) -> Body {
    Body::Memory(format!("Message-ID: <{uid}@test>\r\nSubject: {uid}\r\n\r\nbody {uid}\r\n").into_bytes())
}

fn files_in(dir: &Path) -> usize {
    fs::read_dir(dir).map_or(0, |d| d.count())
}

/// Stored messages as (mailbox, bytes), via the reader.
fn stored(store: &Store) -> Vec<Vec<u8>> {
    messages(store.root()).map(|m| m.unwrap().bytes().unwrap()).collect()
}

#[test]
fn maildir_adopts_renamed_files_and_never_fetches_them_again() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(StoreKind::Maildir, dir.path());
    let lock = s.lock(false).unwrap();
    let mut inbox = s.mailbox(&lock, "INBOX", Some('/')).unwrap();
    inbox.reset_uidvalidity(7).unwrap();
    for uid in 1..=3 {
        inbox.add(uid, &["\\Seen".into()], None, msg(uid)).unwrap();
    }
    assert_eq!(inbox.commit().unwrap(), 3);
    // The run dies after renaming UID 4 into place but before recording it,
    // with UID 5 still downloading. A file no run of owl named (another
    // program's) is not owl's to adopt.
    inbox.add(4, &["\\Seen".into()], None, msg(4)).unwrap();
    let mut spool = inbox.spool().unwrap();
    spool.write_all(b"half of five").unwrap();
    std::mem::forget(spool);
    inbox.commit_dies_after_moving();
    fs::write(s.root().join("INBOX/cur/9.M1P1Q1.h,V=7,U=6:2,S"), b"six").unwrap();
    std::mem::forget(inbox);
    let mut lock = lock;
    lock.say_done = false; // the process dies holding it
    drop(lock);

    let lock = s.lock(false).unwrap();
    let inbox = s.mailbox(&lock, "INBOX", Some('/')).unwrap();
    assert_eq!(inbox.state().stored.to_string(), "1:4");
    assert_eq!(inbox.recovery().adopted, 1);
    assert_eq!(inbox.recovery().removed_spools, 1);
    assert!((1..=4).all(|uid| inbox.is_stored(uid)) && !inbox.is_stored(5) && !inbox.is_stored(6));
    assert_eq!(files_in(&s.root().join("INBOX/tmp")), 0);
}

#[test]
fn after_a_clean_close_the_next_open_reads_nothing_of_the_mailbox() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(StoreKind::Maildir, dir.path());
    let lock = s.lock(false).unwrap();
    let mut inbox = s.mailbox(&lock, "INBOX", None).unwrap();
    inbox.reset_uidvalidity(7).unwrap();
    inbox.add(1, &[], None, msg(1)).unwrap();
    inbox.commit().unwrap();
    inbox.set_server_marks(2, None);
    inbox.close().unwrap();
    drop(lock);
    // Anything that appears now was not written by owl: an open that read
    // the directories would adopt or remove these.
    fs::write(s.root().join("INBOX/cur/9.M1P1Q1.h,V=7,U=2:2,S"), b"two").unwrap();
    fs::write(s.root().join("INBOX/tmp/1.M1P1Q1.h.owl-spool"), b"x").unwrap();
    fs::write(s.root().join(".owl/tmp/spool/1.M1P1Q2.h.owl-spool"), b"x").unwrap();

    let lock = s.lock(false).unwrap();
    let inbox = s.mailbox(&lock, "INBOX", None).unwrap();
    assert_eq!(inbox.recovery(), &super::Recovery::default());
    assert!(!inbox.state().needs_recovery());
    assert!(!inbox.is_stored(2));
    assert_eq!(files_in(&s.root().join("INBOX/tmp")), 1);
    assert_eq!(files_in(&s.root().join(".owl/tmp/spool")), 1);
}

#[test]
fn maildir_crash_before_rename_refetches_without_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(StoreKind::Maildir, dir.path());
    let lock = s.lock(false).unwrap();
    let mut inbox = s.mailbox(&lock, "INBOX", None).unwrap();
    inbox.reset_uidvalidity(1).unwrap();
    inbox.add(1, &[], None, msg(1)).unwrap();
    inbox.commit().unwrap();
    inbox.add(2, &[], None, msg(2)).unwrap();
    std::mem::forget(inbox); // killed before commit
    drop(lock);

    let lock = s.lock(false).unwrap();
    let mut inbox = s.mailbox(&lock, "INBOX", None).unwrap();
    assert_eq!(inbox.state().stored.missing([1, 2]), vec![2]);
    inbox.add(2, &[], None, msg(2)).unwrap();
    inbox.commit().unwrap();
    assert_eq!(stored(&s).len(), 2);
}

#[test]
fn mbox_cuts_an_unrecorded_tail_then_refetches_it_once() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(StoreKind::Mbox, dir.path());
    let lock = s.lock(false).unwrap();
    let mut inbox = s.mailbox(&lock, "INBOX", None).unwrap();
    inbox.reset_uidvalidity(3).unwrap();
    inbox.add(1, &[], Some(0), msg(1)).unwrap();
    inbox.add(2, &[], Some(0), msg(2)).unwrap();
    inbox.commit().unwrap();
    let committed = fs::read(s.root().join("INBOX.mbox")).unwrap();
    inbox.add(3, &[], Some(0), msg(3)).unwrap();
    std::mem::forget(inbox); // appended, never recorded
    drop(lock);
    assert!(fs::metadata(s.root().join("INBOX.mbox")).unwrap().len() > committed.len() as u64);
    assert_eq!(stored(&s).len(), 2, "readers stop at the recorded length");

    let lock = s.lock(false).unwrap();
    let mut inbox = s.mailbox(&lock, "INBOX", None).unwrap();
    assert!(inbox.recovery().truncated > 0);
    assert_eq!(fs::read(s.root().join("INBOX.mbox")).unwrap(), committed);
    assert_eq!(inbox.state().stored.missing(1..=3), vec![3]);
    inbox.add(3, &[], Some(0), msg(3)).unwrap();
    inbox.commit().unwrap();
    let got = stored(&s);
    assert_eq!(got.len(), 3);
    assert_eq!(got[2], {
        let Body::Memory(b) = msg(3) else { unreachable!() };
        b
    });
}

#[test]
fn a_corrupt_mbox_state_is_an_error_and_a_corrupt_maildir_state_is_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    for kind in [StoreKind::Mbox, StoreKind::Maildir] {
        let s = store(kind, &dir.path().join(kind.as_str()));
        let lock = s.lock(false).unwrap();
        let mut inbox = s.mailbox(&lock, "INBOX", None).unwrap();
        inbox.reset_uidvalidity(9).unwrap();
        inbox.add(1, &[], None, msg(1)).unwrap();
        inbox.add(2, &[], None, msg(2)).unwrap();
        inbox.commit().unwrap();
        drop(inbox);
        let state_file = s.root().join(".owl/tmp/mailboxes/INBOX/.state.json");
        let text = fs::read(&state_file).unwrap();
        fs::write(&state_file, &text[..text.len() / 2]).unwrap();
        match kind {
            StoreKind::Mbox => {
                let err = s.mailbox(&lock, "INBOX", None).unwrap_err();
                assert_eq!(err.kind(), ErrorKind::Io);
                assert!(err.to_string().contains(&state_file.display().to_string()));
            }
            StoreKind::Maildir => {
                let mut inbox = s.mailbox(&lock, "INBOX", None).unwrap();
                assert!(inbox.recovery().rebuilt.is_some());
                assert_eq!(inbox.state().uidvalidity, Some(9));
                assert_eq!(inbox.state().stored.to_string(), "1:2");
                assert_eq!(inbox.commit().unwrap(), 0);
                drop(inbox);
                let again = s.mailbox(&lock, "INBOX", None).unwrap();
                assert_eq!(again.recovery().rebuilt, None, "the rebuilt state was saved");
            }
        }
    }
}

#[test]
fn a_uidvalidity_change_keeps_every_old_copy() {
    let dir = tempfile::tempdir().unwrap();
    for kind in [StoreKind::Maildir, StoreKind::Mbox] {
        let s = store(kind, &dir.path().join(kind.as_str()));
        let lock = s.lock(false).unwrap();
        let mut inbox = s.mailbox(&lock, "INBOX", None).unwrap();
        inbox.reset_uidvalidity(1).unwrap();
        for uid in 1..=2 {
            inbox.add(uid, &[], None, msg(uid)).unwrap();
        }
        inbox.commit().unwrap();
        inbox.set_server_marks(3, Some(10));
        inbox.reset_uidvalidity(2).unwrap();
        assert!(inbox.state().stored.is_empty());
        assert_eq!((inbox.state().uidnext, inbox.state().highestmodseq), (0, None));
        inbox.add(1, &[], None, msg(1)).unwrap();
        inbox.commit().unwrap();
        drop(inbox);
        let inbox = s.mailbox(&lock, "INBOX", None).unwrap();
        assert_eq!(inbox.state().uidvalidity, Some(2));
        assert_eq!(inbox.state().stored.to_string(), "1");
        assert_eq!(stored(&s).len(), 3, "{kind:?}");
    }
}

#[test]
fn a_reset_to_a_validity_already_on_disk_reuses_those_files() {
    // A run reset to V=2, renamed files, and died before its state said so.
    let dir = tempfile::tempdir().unwrap();
    let s = store(StoreKind::Maildir, dir.path());
    let lock = s.lock(false).unwrap();
    let mut inbox = s.mailbox(&lock, "INBOX", None).unwrap();
    inbox.reset_uidvalidity(1).unwrap();
    drop(inbox);
    fs::write(s.root().join("INBOX/new/5.M1P1Q1.h,V=2,U=8"), b"eight").unwrap();
    let mut inbox = s.mailbox(&lock, "INBOX", None).unwrap();
    assert!(inbox.state().stored.is_empty());
    inbox.reset_uidvalidity(2).unwrap();
    assert_eq!(inbox.state().stored.to_string(), "8");
}

#[test]
fn marks_are_saved_without_new_mail_and_misuse_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(StoreKind::Maildir, dir.path());
    let lock = s.lock(false).unwrap();
    let mut inbox = s.mailbox(&lock, "INBOX", None).unwrap();
    assert_eq!(inbox.add(1, &[], None, msg(1)).unwrap_err().kind(), ErrorKind::Internal);
    inbox.reset_uidvalidity(4).unwrap();
    inbox.add(1, &[], None, msg(1)).unwrap();
    assert_eq!(inbox.add(1, &[], None, msg(1)).unwrap_err().kind(), ErrorKind::Internal);
    assert_eq!(inbox.reset_uidvalidity(5).unwrap_err().kind(), ErrorKind::Internal);
    inbox.commit().unwrap();
    inbox.set_server_marks(42, Some(99));
    assert_eq!(inbox.commit().unwrap(), 0);
    drop(inbox);
    let inbox = s.mailbox(&lock, "INBOX", None).unwrap();
    assert_eq!((inbox.state().uidnext, inbox.state().highestmodseq), (42, Some(99)));
}

#[test]
fn large_batches_and_spooled_bodies_are_stored_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(StoreKind::Maildir, dir.path());
    let lock = s.lock(false).unwrap();
    let mut inbox = s.mailbox(&lock, "INBOX", None).unwrap();
    inbox.reset_uidvalidity(1).unwrap();
    for uid in 1..=300 {
        inbox.add(uid, &[], None, msg(uid)).unwrap();
    }
    let mut spool = inbox.spool().unwrap();
    let big: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
    for chunk in big.chunks(16 * 1024) {
        spool.write_all(chunk).unwrap();
    }
    inbox.add(301, &["\\Flagged".into()], None, Body::Spooled(spool)).unwrap();
    assert_eq!(inbox.commit().unwrap(), 301);
    assert_eq!(inbox.state().stored.to_string(), "1:301");
    assert_eq!(files_in(&s.root().join("INBOX/new")), 300);
    let cur: Vec<_> = fs::read_dir(s.root().join("INBOX/cur")).unwrap().collect();
    assert_eq!(cur.len(), 1);
    assert_eq!(fs::read(cur[0].as_ref().unwrap().path()).unwrap(), big);
}
