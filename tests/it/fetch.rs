//! `owl fetch` against real Dovecot: byte-exact Maildir and mbox, no body
//! FETCH when nothing is new, UIDVALIDITY changes, kill -9 at random
//! moments, concurrent runs, filters and partial failure.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use crate::corpus::{self, Rng};
use crate::harness::seed::{self, Msg};
use crate::harness::{Env, Imap, User, direct_imap_config, imap_config, servers};

pub fn sha(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// Message files of one Maildir folder (cur and new), by name.
pub fn maildir(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for sub in ["cur", "new"] {
        let Ok(entries) = std::fs::read_dir(dir.join(sub)) else { continue };
        for e in entries.flatten() {
            out.insert(e.file_name().to_string_lossy().into_owned(), std::fs::read(e.path()).unwrap());
        }
    }
    out
}

/// Sorted sha256 of each body.
fn hashes<'a>(bodies: impl IntoIterator<Item = &'a Vec<u8>>) -> Vec<String> {
    let mut v: Vec<String> = bodies.into_iter().map(|b| sha(b)).collect();
    v.sort();
    v
}

fn server_hashes(user: &User, mailbox: &str) -> Vec<String> {
    let bodies = seed::bodies(user, mailbox);
    hashes(bodies.iter().map(|(_, b)| b))
}

/// Each message of an mbox as Python's `mailbox.mbox` returns it.
fn python_mbox(path: &Path) -> Vec<Vec<u8>> {
    let script = "import mailbox, sys, base64\nbox = mailbox.mbox(sys.argv[1])\nfor k in box.keys():\n    print(base64.b64encode(box.get_bytes(k)).decode())\n";
    let out = Command::new("python3").arg("-c").arg(script).arg(path).output().expect("python3");
    assert!(out.status.success(), "python: {}", String::from_utf8_lossy(&out.stderr));
    use base64::Engine as _;
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| base64::engine::general_purpose::STANDARD.decode(l).unwrap())
        .collect()
}

/// Undoes mboxrd quoting: one `>` off every `>+From ` line.
fn unquote(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    for line in bytes.split_inclusive(|&b| b == b'\n') {
        let gts = line.iter().take_while(|&&b| b == b'>').count();
        if gts > 0 && line[gts..].starts_with(b"From ") {
            out.extend_from_slice(&line[1..]);
        } else {
            out.extend_from_slice(line);
        }
    }
    out
}

fn store_env(user: &User) -> Env {
    Env::new(&imap_config(user, Imap::Implicit, ""))
}

fn store(env: &Env, kind: &str) -> (String, PathBuf) {
    let path = env.path(&format!("store-{kind}"));
    (format!("{kind}:{}", path.display()), path)
}

#[test]
fn tricky_messages_are_byte_identical_in_maildir_and_mbox() {
    let user = servers().user();
    let mut tricky = corpus::tricky();
    tricky[0] = std::mem::replace(&mut tricky[0], Msg::raw("")).flags(&["\\Seen", "\\Flagged"]);
    seed::append_many(&user, "INBOX", tricky);
    seed::append_many(&user, "Other Box/Sub", corpus::plain(5, 1));
    let env = store_env(&user);

    let (spec, root) = store(&env, "maildir");
    let run = env.owl(&["fetch", "--into", &spec]);
    run.expect_code(0);
    assert!(run.stdout.is_empty() && run.stderr.is_empty(), "cron must see nothing: {run:?}");
    for (mailbox, dir) in [("INBOX", root.join("INBOX")), ("Other Box/Sub", root.join("Other Box/Sub"))] {
        let files = maildir(&dir);
        assert_eq!(hashes(files.values()), server_hashes(&user, mailbox), "{mailbox}");
    }
    let inbox = maildir(&root.join("INBOX"));
    let flagged: Vec<_> = inbox.keys().filter(|n| n.ends_with(":2,FS")).collect();
    assert_eq!(flagged.len(), 1, "\\Seen \\Flagged become :2,FS: {:?}", inbox.keys());
    assert!(std::fs::read_dir(root.join("INBOX/new")).unwrap().count() >= 8, "unseen mail stays in new/");

    let notmuch_cfg = env.path("notmuch-config");
    std::fs::write(&notmuch_cfg, format!("[database]\npath={}\n[new]\ntags=unread;inbox;\n", root.display())).unwrap();
    let out = Command::new("notmuch").arg("new").env("NOTMUCH_CONFIG", &notmuch_cfg).output().expect("notmuch");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let count = Command::new("notmuch").args(["count", "*"]).env("NOTMUCH_CONFIG", &notmuch_cfg).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&count.stdout).trim(), "15", "notmuch counts every message");

    let (spec, root) = store(&env, "mbox");
    env.owl(&["fetch", "--into", &spec]).expect_code(0);
    let from_python: Vec<Vec<u8>> = python_mbox(&root.join("INBOX.mbox")).iter().map(|m| unquote(m)).collect();
    let expected: Vec<Vec<u8>> = seed::bodies(&user, "INBOX")
        .into_iter()
        .map(|(_, mut b)| {
            // mboxrd needs a line end before the separator; documented.
            if !b.ends_with(b"\n") {
                b.push(b'\n');
            }
            b
        })
        .collect();
    assert_eq!(hashes(&from_python), hashes(&expected));
    assert_eq!(python_mbox(&root.join("Other Box/Sub.mbox")).len(), 5);
}

#[test]
fn a_second_run_sends_no_body_fetch_and_a_third_only_the_new_uids() {
    let user = servers().user();
    seed::append_many(&user, "INBOX", corpus::plain(30, 2));
    seed::append_many(&user, "Work", corpus::plain(10, 3));
    let env = store_env(&user);
    let (spec, root) = store(&env, "maildir");
    let first = env.owl(&["fetch", "--into", &spec, "--json"]);
    assert_eq!(first.expect_code(0).json()["total"]["new"], 40);

    let second = env.owl(&["-vv", "fetch", "--into", &spec, "--json"]);
    second.expect_code(0);
    let sent: Vec<&str> = second.stderr.lines().filter(|l| l.contains(" C: ")).collect();
    assert!(!sent.iter().any(|l| l.contains("FETCH")), "no FETCH at all when nothing is new:\n{}", sent.join("\n"));
    assert!(!sent.iter().any(|l| l.contains("EXAMINE") || l.contains("SELECT")), "{}", sent.join("\n"));
    assert_eq!(second.json()["total"]["new"], 0);

    seed::append_many(&user, "INBOX", corpus::plain(3, 4));
    let third = env.owl(&["-vv", "fetch", "--into", &spec, "--json"]);
    assert_eq!(third.expect_code(0).json()["total"]["new"], 3);
    let bodies: Vec<&str> = third.stderr.lines().filter(|l| l.contains(" C: ") && l.contains("BODY.PEEK[]")).collect();
    assert_eq!(bodies.len(), 1, "{bodies:?}");
    assert!(bodies[0].contains("UID FETCH 31:33 "), "one UID range: {bodies:?}");
    assert_eq!(maildir(&root.join("INBOX")).len(), 33);
    assert_eq!(hashes(maildir(&root.join("INBOX")).values()), server_hashes(&user, "INBOX"));
    // New mail is looked for above what the last run settled, never by
    // listing the mailbox, and an expunge on the server changes nothing.
    assert!(third.stderr.contains("UID FETCH 31:* (UID RFC822.SIZE)"), "{}", third.stderr);
    let mut session = seed::session(&user);
    session.select(&owl::imap::MailboxName::inbox()).unwrap();
    let five = owl::imap::MessageSet::one(5);
    session.uid_store(&five, owl::imap::FlagChange::Add, &[owl::imap::Flag::Deleted], &mut |_| Ok(())).unwrap();
    session.uid_expunge(&five).unwrap();
    session.logout();
    seed::append_many(&user, "INBOX", corpus::plain(2, 5));
    let fourth = env.owl(&["-vv", "fetch", "--into", &spec, "--json"]);
    assert_eq!(fourth.expect_code(0).json()["total"]["new"], 2);
    let sent: Vec<&str> = fourth.stderr.lines().filter(|l| l.contains(" C: ")).collect();
    assert!(sent.iter().any(|l| l.contains("UID FETCH 34:* (UID RFC822.SIZE)")), "{}", sent.join("\n"));
    assert!(!sent.iter().any(|l| l.contains("SEARCH")), "no listing of the mailbox:\n{}", sent.join("\n"));
    assert_eq!(maildir(&root.join("INBOX")).len(), 35, "the expunged message's copy stays");
}

#[test]
fn each_changed_mailbox_is_examined_once_on_one_connection() {
    // The survey, the flag check and the download of a mailbox share the
    // connection that has it open: on a large Maildir each EXAMINE makes
    // Dovecot open the whole index again.
    let user = servers().user();
    let boxes = ["INBOX", "Work", "Lists"];
    for (i, name) in boxes.iter().enumerate() {
        seed::append_many(&user, name, corpus::plain(4, 40 + i as u64));
    }
    let env = store_env(&user);
    let (spec, root) = store(&env, "maildir");
    env.owl(&["fetch", "--into", &spec]).expect_code(0);
    for (i, name) in boxes.iter().enumerate() {
        seed::append_many(&user, name, corpus::plain(3, 50 + i as u64));
    }
    let run = env.owl(&["-vv", "fetch", "--into", &spec, "--json"]);
    assert_eq!(run.expect_code(0).json()["total"]["new"], 9);
    let sent: Vec<&str> = run.stderr.lines().filter(|l| l.contains(" C: ")).collect();
    for name in boxes {
        let examines: Vec<&&str> = sent.iter().filter(|l| l.contains(&format!("EXAMINE \"{name}\""))).collect();
        // So every CHANGEDSINCE and body fetch of it went over the
        // connection that examined it.
        assert_eq!(examines.len(), 1, "{name}:\n{}", sent.join("\n"));
    }
    assert_eq!(sent.iter().filter(|l| l.contains("CHANGEDSINCE")).count(), 3, "{}", sent.join("\n"));
    assert_eq!(sent.iter().filter(|l| l.contains("BODY.PEEK[]")).count(), 3, "{}", sent.join("\n"));
    for name in boxes {
        let stored = maildir(&root.join(name));
        assert_eq!(stored.len(), 7, "{name}");
        assert_eq!(hashes(stored.values()), server_hashes(&user, name), "{name}");
    }
}

#[test]
fn a_first_backup_connects_side_by_side_but_logs_in_once_before_the_rest() {
    let user = servers().user();
    for (i, name) in ["INBOX", "Work", "Lists", "Old"].iter().enumerate() {
        seed::append_many(&user, name, corpus::plain(2, 60 + i as u64));
    }
    // Direct connections: the trace of the logins themselves is the point.
    let wrong = direct_imap_config(&user, Imap::Implicit, "connections = 4\n")
        .replace(&format!("password = \"{}\"", user.password), "password = \"not-the-password\"");
    let env = Env::new(&wrong);
    let (spec, root) = store(&env, "maildir");
    let run = env.owl(&["-vv", "fetch", "--into", &spec]);
    run.expect_code(77);
    let logins = run.stderr.lines().filter(|l| l.contains(" C: ") && l.contains(" AUTHENTICATE ")).count();
    assert_eq!(logins, 1, "a wrong password is tried once, not once per connection:\n{}", run.stderr);

    let env = Env::new(&direct_imap_config(&user, Imap::Implicit, "connections = 4\n"));
    let run = env.owl(&["-vv", "fetch", "--into", &spec]);
    run.expect_code(0);
    let lines: Vec<&str> = run.stderr.lines().collect();
    let at = |what: &dyn Fn(&str) -> bool| lines.iter().position(|l| what(l));
    let first_in = at(&|l| l.contains("imap#1 S: a1 OK")).expect("the first login");
    for n in 2..=4 {
        let label = format!("imap#{n} C: ");
        let login = at(&|l| l.contains(&label) && l.contains(" AUTHENTICATE ")).expect("logged in");
        assert!(first_in < login, "imap#{n} logged in before imap#1 had:\n{}", run.stderr);
    }
    for name in ["INBOX", "Work", "Lists", "Old"] {
        assert_eq!(hashes(maildir(&root.join(name)).values()), server_hashes(&user, name), "{name}");
    }
}

#[test]
fn server_flag_changes_reach_the_maildir_through_one_changedsince_fetch() {
    let user = servers().user();
    seed::append_many(&user, "INBOX", corpus::plain(5, 6));
    seed::append_many(&user, "Quiet", corpus::plain(2, 7));
    let env = store_env(&user);
    let (spec, root) = store(&env, "maildir");
    env.owl(&["fetch", "--into", &spec]).expect_code(0);
    assert!(maildir(&root.join("INBOX")).keys().all(|n| !n.contains(":2,")), "unseen mail has no info letters");

    let mut session = seed::session(&user);
    session.select(&owl::imap::MailboxName::inbox()).unwrap();
    let store = owl::imap::Command::new("UID STORE").atom("2").atom("+FLAGS (\\Flagged \\Seen)");
    session.run(&store, &mut |_| Ok(())).unwrap();
    session.logout();

    let run = env.owl(&["-vv", "fetch", "--into", &spec, "--json"]);
    let json = run.expect_code(0).json();
    assert_eq!((json["total"]["flags_updated"].as_u64(), json["total"]["new"].as_u64()), (Some(1), Some(0)));
    let sent: Vec<&str> = run.stderr.lines().filter(|l| l.contains(" C: ")).collect();
    assert!(sent.iter().any(|l| l.contains("CHANGEDSINCE")), "{}", sent.join("\n"));
    assert!(!sent.iter().any(|l| l.contains("BODY")), "no body is fetched again:\n{}", sent.join("\n"));
    assert!(!sent.iter().any(|l| l.contains("EXAMINE") && l.contains("Quiet")), "{}", sent.join("\n"));
    let inbox = maildir(&root.join("INBOX"));
    assert_eq!(inbox.keys().filter(|n| n.ends_with(",U=2:2,FS")).count(), 1, "{:?}", inbox.keys());
    assert_eq!(hashes(inbox.values()), server_hashes(&user, "INBOX"), "renamed, not rewritten");

    let again = env.owl(&["-vv", "fetch", "--into", &spec, "--json"]);
    assert_eq!(again.expect_code(0).json()["total"]["flags_updated"], 0);
    let sent: Vec<&str> = again.stderr.lines().filter(|l| l.contains(" C: ")).collect();
    assert!(!sent.iter().any(|l| l.contains("FETCH") || l.contains("EXAMINE")), "{}", sent.join("\n"));
}

#[test]
fn a_changed_uidvalidity_keeps_old_copies_and_says_so() {
    let user = servers().user();
    seed::append_many(&user, "Box", corpus::plain(3, 5));
    let env = store_env(&user);
    let (spec, root) = store(&env, "maildir");
    env.owl(&["fetch", "--into", &spec]).expect_code(0);
    let before = maildir(&root.join("Box"));
    assert_eq!(before.len(), 3);

    seed::delete(&user, "Box");
    seed::append_many(&user, "Box", corpus::plain(2, 6));
    let run = env.owl(&["fetch", "--into", &spec, "--json"]);
    let summary = run.expect_code(0).json();
    let boxes = summary["mailboxes"].as_array().unwrap();
    let boxed = boxes.iter().find(|m| m["name"] == "Box").unwrap();
    assert_eq!(boxed["uidvalidity_reset"], true, "{summary:#}");
    assert_eq!(boxed["new"], 2);
    assert_eq!(summary["total"]["uidvalidity_resets"], 1);
    assert!(run.stderr.contains("UIDVALIDITY changed"), "{}", run.stderr);
    let after = maildir(&root.join("Box"));
    assert_eq!(after.len(), 5, "old copies kept");
    for (name, bytes) in &before {
        assert_eq!(after.get(name), Some(bytes), "old copy {name} untouched");
    }
    let text = env.owl(&["-v", "fetch", "--into", &spec]);
    assert!(text.stdout.contains("Box"), "{}", text.stdout);
}

/// Runs `owl fetch` and kills it with SIGKILL after `delay`.
fn kill_after(env: &Env, spec: &str, delay: Duration) {
    let mut child = crate::harness::owl_command(env.dir.path())
        .arg("-c")
        .arg(&env.config)
        .args(["fetch", "--into", spec])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(delay);
    let _ = child.kill();
    let _ = child.wait();
}

fn kill_loop(kind: &str) {
    let user = servers().user();
    seed::append_many(&user, "INBOX", corpus::plain(1500, 10));
    seed::append_many(&user, "Second", corpus::plain(500, 11));
    let env = store_env(&user);
    // How long a whole fetch takes here, so kills land anywhere in it.
    let probe_spec = format!("{kind}:{}", env.path(&format!("probe-{kind}")).display());
    let started = Instant::now();
    env.owl(&["fetch", "--into", &probe_spec]).expect_code(0);
    let full = started.elapsed();

    let (spec, root) = store(&env, kind);
    let mut rng = Rng::new(42);
    for _ in 0..20 {
        let delay = Duration::from_micros(rng.below(full.as_micros() as u64 * 11 / 10 + 1));
        kill_after(&env, &spec, delay);
    }
    let clean = env.owl(&["fetch", "--into", &spec, "--json"]);
    clean.expect_code(0);
    for mailbox in ["INBOX", "Second"] {
        let stored: Vec<Vec<u8>> = match kind {
            "maildir" => {
                let dir = root.join(mailbox);
                assert_eq!(std::fs::read_dir(dir.join("tmp")).unwrap().count(), 0, "no leftovers in tmp/");
                maildir(&dir).into_values().collect()
            }
            _ => python_mbox(&root.join(format!("{mailbox}.mbox"))).iter().map(|m| unquote(m)).collect(),
        };
        assert_eq!(hashes(&stored), server_hashes(&user, mailbox), "{kind} {mailbox}: exactly the server's set");
    }
}

#[test]
fn kill_nine_at_random_moments_then_a_clean_run_maildir() {
    kill_loop("maildir");
}

#[test]
fn kill_nine_at_random_moments_then_a_clean_run_mbox() {
    kill_loop("mbox");
}

/// Reads a line from the FIFO at `path` once `child` writes one; fails
/// (instead of blocking for ever, as a plain open would) if `child` exits
/// first or a minute passes.
fn line_from(path: &Path, child: &mut std::process::Child) -> String {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    // Non-blocking, the open does not wait for a writer.
    let mut fifo = std::fs::OpenOptions::new().read(true).custom_flags(libc::O_NONBLOCK).open(path).unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut got = Vec::new();
    while !got.contains(&b'\n') {
        let mut buf = [0u8; 64];
        match fifo.read(&mut buf) {
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(e) => panic!("read {}: {e}", path.display()),
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("owl exited ({status}) before writing to {}", path.display());
        }
        assert!(Instant::now() < deadline, "nothing on {} for a minute", path.display());
        std::thread::sleep(Duration::from_millis(20));
    }
    String::from_utf8_lossy(&got).into_owned()
}

/// Writes `text` to the FIFO at `path` once `child` opened it for
/// reading; fails if `child` exits first or a minute passes.
fn line_to(path: &Path, text: &str, child: &mut std::process::Child) {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        // ENXIO until a reader has it open.
        match std::fs::OpenOptions::new().write(true).custom_flags(libc::O_NONBLOCK).open(path) {
            Ok(mut fifo) => return fifo.write_all(text.as_bytes()).unwrap(),
            Err(e) if e.raw_os_error() == Some(libc::ENXIO) => {}
            Err(e) => panic!("open {}: {e}", path.display()),
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("owl exited ({status}) before reading {}", path.display());
        }
        assert!(Instant::now() < deadline, "nobody read {} for a minute", path.display());
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo").arg(path).status().expect("mkfifo");
    assert!(status.success());
}

#[test]
fn a_second_concurrent_run_exits_75_naming_the_first() {
    let user = servers().user();
    seed::append_many(&user, "INBOX", corpus::plain(20, 12));
    let env = store_env(&user);
    let ready = env.path("ready");
    let go = env.path("go");
    mkfifo(&ready);
    mkfifo(&go);
    // The first run's password command blocks (holding the store lock)
    // until the test lets it go.
    let command = format!("echo ready > '{}'; read pw < '{}'; echo \"$pw\"", ready.display(), go.display());
    let toml = crate::harness::direct_imap_config(&user, Imap::Implicit, "").replace(
        &format!("password = \"{}\"", user.password),
        &format!("password_command = [\"sh\", \"-c\", {command:?}]"),
    );
    // The password command waits for the test: give it all the time a busy
    // machine may need (the account's 10 s bound it too).
    let toml = toml.replace("timeout = 10", "timeout = 120");
    std::fs::write(&env.config, toml).unwrap();
    let (spec, root) = store(&env, "maildir");
    let spawn = |extra: &[&str]| {
        crate::harness::owl_command(env.dir.path())
            .arg("-c")
            .arg(&env.config)
            .args(["fetch", "--into", &spec])
            .args(extra)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    let password = format!("{}\n", user.password);
    let mut first = spawn(&[]);
    // Until the first run is inside its password command.
    line_from(&ready, &mut first);

    let second = env.owl(&["fetch", "--into", &spec]);
    second.expect_code(75);
    assert!(second.stderr.contains(&format!("pid {}", first.id())), "{}", second.stderr);

    let mut waiter = spawn(&["--wait"]);
    line_to(&go, &password, &mut first);
    assert!(first.wait().unwrap().success());
    // The waiting run got the lock and now asks for its password.
    line_from(&ready, &mut waiter);
    line_to(&go, &password, &mut waiter);
    assert!(waiter.wait().unwrap().success());
    assert_eq!(hashes(maildir(&root.join("INBOX")).values()), server_hashes(&user, "INBOX"), "store intact");
}

#[test]
fn dry_run_and_filters() {
    let user = servers().user();
    let mut msgs = corpus::plain(6, 13);
    for (i, m) in msgs.iter_mut().enumerate() {
        let day = if i < 3 { "01-Oct-2026" } else { "15-Nov-2026" };
        m.date = Some(format!("{day} 10:00:00 +0000"));
    }
    msgs.push(Msg::raw(format!("Subject: huge\r\n\r\n{}\r\n", "y".repeat(200_000))).date("16-Nov-2026 10:00:00 +0000"));
    seed::append_many(&user, "INBOX", msgs);
    let env = store_env(&user);
    let (spec, root) = store(&env, "maildir");

    let dry = env.owl(&["fetch", "--into", &spec, "--dry-run", "--json"]);
    let summary = dry.expect_code(0).json();
    assert_eq!(summary["dry_run"], true);
    assert_eq!(summary["total"]["new"], 7);
    assert!(summary["total"]["bytes"].as_u64().unwrap() > 200_000);
    assert!(maildir(&root.join("INBOX")).is_empty(), "a dry run downloads nothing");
    let text = env.owl(&["fetch", "--into", &spec, "--dry-run"]);
    assert!(text.stdout.contains("would fetch 7 message(s)"), "{}", text.stdout);

    let since = env.owl(&["fetch", "--into", &spec, "--since", "2026-11-01", "--max-size", "100k", "--json"]);
    let summary = since.expect_code(0).json();
    assert_eq!(summary["total"]["new"], 3, "{summary:#}");
    assert_eq!(summary["total"]["skipped"], 4, "three older, the huge one");
    // The same filters again: nothing to look at.
    let same = env.owl(&["-vv", "fetch", "--into", &spec, "--since", "2026-11-01", "--max-size", "100k", "--json"]);
    assert_eq!(same.expect_code(0).json()["total"]["new"], 0);
    assert!(!same.stderr.contains("EXAMINE"), "{}", same.stderr);
    let limited = env.owl(&["fetch", "--into", &spec, "--limit", "2", "--json"]);
    assert_eq!(limited.expect_code(0).json()["total"]["new"], 2);
    // Filtered runs never hide mail from an unfiltered one.
    let rest = env.owl(&["fetch", "--into", &spec, "--json"]);
    assert_eq!(rest.expect_code(0).json()["total"]["new"], 2);
    assert_eq!(hashes(maildir(&root.join("INBOX")).values()), server_hashes(&user, "INBOX"));
}

#[test]
fn one_failing_mailbox_does_not_stop_the_others() {
    let user = servers().user();
    seed::append_many(&user, "INBOX", corpus::plain(4, 14));
    seed::append_many(&user, "Blocked", corpus::plain(2, 15));
    let env = store_env(&user);
    let (spec, root) = store(&env, "maildir");
    std::fs::create_dir_all(&root).unwrap();
    std::fs::write(root.join("Blocked"), "a file where the folder should be").unwrap();
    let run = env.owl(&["fetch", "--into", &spec, "--json"]);
    assert_ne!(run.code, 0);
    let summary = run.json();
    let boxes = summary["mailboxes"].as_array().unwrap();
    let blocked = boxes.iter().find(|m| m["name"] == "Blocked").unwrap();
    assert!(blocked["error"].is_string(), "{summary:#}");
    let inbox = boxes.iter().find(|m| m["name"] == "INBOX").unwrap();
    assert_eq!(inbox["new"], 4);
    assert_eq!(summary["total"]["failed"], 1);
    assert!(run.stderr.contains("Blocked"), "{}", run.stderr);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
}

#[test]
fn no_store_is_a_usage_error() {
    let user = servers().user();
    let run = store_env(&user).owl(&["fetch"]);
    run.expect_code(64);
    assert!(run.stderr.contains("--into"), "{}", run.stderr);
}
