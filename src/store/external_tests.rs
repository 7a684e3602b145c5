//! Checks the stores against other programs' readers: notmuch must index
//! exactly the Maildir messages (and say nothing about owl's files), and
//! Python's `mailbox.mbox` must split our mboxrd files into the original
//! bytes. A missing program fails the test (`.ci/run` installs both): a
//! skipped check would prove nothing.
//!
//! Tests only.

use std::fs;
use std::path::Path;
use std::process::Command;

use super::read::messages;
use super::{Body, Store, StoreKind, StoreSpec};

fn require(program: &str) {
    let found = Command::new(program).arg("--version").output().is_ok();
    assert!(found, "{program} is not installed: install it (.ci/run does) to run this test");
}

fn message(id: &str, extra: &str) -> Vec<u8> {
    format!("Message-ID: <{id}@owl.test>\r\nFrom: a@b.c\r\nSubject: {id}\r\n\r\n{extra}\r\n").into_bytes()
}

#[test]
fn notmuch_indexes_exactly_the_maildir_messages_and_nothing_of_owls() {
    require("notmuch");
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&StoreSpec { kind: StoreKind::Maildir, path: dir.path().join("mail") }).unwrap();
    let lock = store.lock(false).unwrap();
    let mut n = 0;
    for name in ["INBOX", "Archive/2024", "../../etc", "cur", ".hidden", "a/b"] {
        let mut mb = store.mailbox(&lock, name, Some('/')).unwrap();
        mb.reset_uidvalidity(5).unwrap();
        for uid in 1..=3 {
            n += 1;
            let flags = if uid == 1 { vec!["\\Seen".to_string()] } else { vec![] };
            mb.add(uid, &flags, None, Body::Memory(message(&format!("m{n}"), "hi"))).unwrap();
        }
        mb.commit().unwrap();
    }
    // A download in progress and an uncommitted message must not be indexed.
    let mut busy = store.mailbox(&lock, "Busy", None).unwrap();
    busy.reset_uidvalidity(1).unwrap();
    let mut spool = busy.spool().unwrap();
    std::io::Write::write_all(&mut spool, &message("spooling", "x")).unwrap();
    busy.add(1, &[], None, Body::Memory(message("uncommitted", "x"))).unwrap();

    let config = dir.path().join("notmuch-config");
    fs::write(
        &config,
        format!(
            "[database]\npath={}\n[user]\nname=T\nprimary_email=t@owl.test\n[new]\ntags=new\n",
            store.root().display()
        ),
    )
    .unwrap();
    let run = |args: &[&str]| {
        let out = Command::new("notmuch").args(args).env("NOTMUCH_CONFIG", &config).output().unwrap();
        assert!(out.status.success(), "notmuch {args:?}: {out:?}");
        (String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
    };
    let (_, warnings) = run(&["new", "--quiet"]);
    assert_eq!(warnings, "", "notmuch complained");
    assert_eq!(run(&["count", "*"]).0.trim(), n.to_string());
    assert_eq!(run(&["count", "tag:unread"]).0.trim(), (n - n / 3).to_string());
    drop(spool);
}

/// Quotes like mboxrd, line by line: the reference the streaming writer is
/// checked against.
fn quoted(original: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for line in original.split_inclusive(|&b| b == b'\n') {
        let rest = &line[line.iter().take_while(|&&b| b == b'>').count()..];
        if rest.starts_with(b"From ") {
            out.push(b'>');
        }
        out.extend_from_slice(line);
    }
    out
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn python_reads_our_mboxrd_back_and_so_does_our_reader() {
    require("python3");
    let mut long_line = b"X-Long: ".to_vec();
    long_line.extend(std::iter::repeat_n(b'y', 2500));
    long_line.extend_from_slice(b"\r\n\r\nbody\r\n");
    let originals: Vec<Vec<u8>> = vec![
        message("crlf", "line one\r\nline two"),
        b"Return-Path: <bounce@list.example>\nSubject: from\n\nFrom the start\n>From quoted\n>>From twice\nFrom\nFrom  x\n".to_vec(),
        long_line,
        b"Subject: 8bit\n\n\xe4\xf6\xfc \xff\x00\x01 caf\xc3\xa9\n".to_vec(),
        b"Subject: no final newline\r\n\r\nFrom end".to_vec(),
        b"Subject: trailing blank lines\n\nx\n\n\n".to_vec(),
    ];
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&StoreSpec { kind: StoreKind::Mbox, path: dir.path().join("mail") }).unwrap();
    let lock = store.lock(false).unwrap();
    let mut mb = store.mailbox(&lock, "INBOX", None).unwrap();
    mb.reset_uidvalidity(1).unwrap();
    for (i, body) in originals.iter().enumerate() {
        let uid = u32::try_from(i).unwrap() + 1;
        mb.add(uid, &[], Some(1_732_300_000), Body::Memory(body.clone())).unwrap();
    }
    mb.commit().unwrap();

    let script = "import mailbox, sys\n\
        mb = mailbox.mbox(sys.argv[1], create=False)\n\
        for key in sorted(mb.keys()):\n\
        \x20   print(mb.get_bytes(key).hex(), mb.get_message(key).get_from())\n";
    let out =
        Command::new("python3").args(["-c", script]).arg(Path::new(store.root()).join("INBOX.mbox")).output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let lines: Vec<String> = String::from_utf8(out.stdout).unwrap().lines().map(str::to_string).collect();
    assert_eq!(lines.len(), originals.len());
    let ours: Vec<Vec<u8>> = messages(store.root()).map(|m| m.unwrap().bytes().unwrap()).collect();
    for (i, original) in originals.iter().enumerate() {
        let mut expected = original.clone();
        if !expected.ends_with(b"\n") {
            expected.push(b'\n'); // documented: a final newline is added
        }
        let (py_hex, from) = lines[i].split_once(' ').unwrap();
        assert_eq!(py_hex, hex(&quoted(&expected)), "python, message {i}");
        let sender = if i == 1 { "bounce@list.example" } else { "MAILER-DAEMON" };
        assert_eq!(from, format!("{sender} Fri Nov 22 18:26:40 2024"), "message {i}");
        assert_eq!(ours[i], expected, "our reader, message {i}");
    }
}
