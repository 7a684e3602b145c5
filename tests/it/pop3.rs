//! POP3: `owl fetch`, `owl list` and `owl check` against Dovecot (STLS and
//! POP3S, APOP), kill -9 with the delete policy, and fake servers for what
//! Dovecot will not do.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::corpus::{self, Rng};
use crate::fetch::{maildir, sha};
use crate::harness::fake::Fake;
use crate::harness::seed::{self, Msg};
use crate::harness::{Env, User, servers};

/// An account with only POP3, on 127.0.0.2 with STLS (Dovecot then
/// refuses plaintext logins, as a real server would), or POP3S.
fn pop3_config(user: &User, implicit: bool, extra: &str) -> String {
    let s = servers();
    let (host, port, tls) =
        if implicit { ("127.0.0.1", s.pop3s, "implicit") } else { ("127.0.0.2", s.pop3, "starttls") };
    format!(
        "[accounts.p]\nuser = \"{}\"\npassword = \"{}\"\nca_file = \"{}\"\n[accounts.p.pop3]\nhost = \"{host}\"\nport = {port}\n\
         tls = \"{tls}\"\ntimeout = 10\n{extra}\n",
        user.name,
        user.password,
        s.ca_file.display()
    )
}

/// sha256 of every message as Python's poplib retrieves it: another client.
fn poplib_hashes(user: &User) -> Vec<String> {
    let s = servers();
    let script = format!(
        "import poplib, ssl, hashlib\npoplib._MAXLINE = 1 << 20\nctx = ssl.create_default_context(cafile='{}')\np = poplib.POP3_SSL('127.0.0.1', {}, context=ctx)\n\
         p.user('{}'); p.pass_('{}')\nfor i in range(1, p.stat()[0] + 1):\n    lines = p.retr(i)[1]\n    \
         print(hashlib.sha256(b''.join(l + b'\\r\\n' for l in lines)).hexdigest())\np.quit()\n",
        s.ca_file.display(),
        s.pop3s,
        user.name,
        user.password
    );
    let out = Command::new("python3").arg("-c").arg(script).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut v: Vec<String> = String::from_utf8(out.stdout).unwrap().lines().map(String::from).collect();
    v.sort();
    v
}

fn stored_hashes(root: &std::path::Path) -> Vec<String> {
    let mut v: Vec<String> = maildir(&root.join("INBOX")).values().map(|b| sha(b)).collect();
    v.sort();
    v
}

/// Message files in the store's INBOX (cur and new).
fn stored_count(root: &std::path::Path) -> usize {
    ["cur", "new"]
        .iter()
        .filter_map(|sub| std::fs::read_dir(root.join("INBOX").join(sub)).ok())
        .map(|d| d.count())
        .sum()
}

fn server_count(user: &User) -> usize {
    seed::bodies(user, "INBOX").len()
}

#[test]
fn a_thousand_messages_byte_identical_over_stls_and_pop3s_then_nothing_new() {
    let user = servers().user();
    let mut messages = corpus::plain(995, 21);
    messages.extend(corpus::tricky().into_iter().take(5));
    seed::append_many(&user, "INBOX", messages);
    let expected = poplib_hashes(&user);
    assert_eq!(expected.len(), 1000);
    for implicit in [false, true] {
        let env = Env::new(&pop3_config(&user, implicit, ""));
        let root = env.path("store");
        let spec = format!("maildir:{}", root.display());
        let first = env.owl(&["fetch", "--into", &spec, "--json"]).expect_code(0).json();
        assert_eq!(first["total"]["new"], 1000, "{first:#}");
        assert_eq!(stored_hashes(&root), expected, "byte for byte, implicit={implicit}");
        let second = env.owl(&["fetch", "--into", &spec, "--json"]).expect_code(0).json();
        assert_eq!(second["total"]["new"], 0, "a second run fetches nothing");
    }
    assert_eq!(server_count(&user), 1000, "keep is the default policy");
}

#[test]
fn kill_nine_with_delete_loses_nothing_and_deletes_only_stored_mail() {
    let user = servers().user();
    seed::append_many(&user, "INBOX", corpus::plain(1000, 22));
    let expected = poplib_hashes(&user);
    let env = Env::new(&pop3_config(&user, true, "policy = \"delete\""));
    let root = env.path("store");
    let spec = format!("maildir:{}", root.display());
    let mut rng = Rng::new(5);
    let mut interrupted = 0;
    for _ in 0..10 {
        // Killed once it has stored a random part of what is left, so the
        // kill lands inside the run however fast or slow the machine is
        // (the last batch may race to the end; that run then completes).
        let before = stored_count(&root);
        let left = (expected.len() - before) as u64;
        let target = if left == 0 { usize::MAX } else { before + 1 + rng.below(left * 3 / 4) as usize };
        let mut child = crate::harness::owl_command(env.dir.path())
            .arg("-c")
            .arg(&env.config)
            .args(["fetch", "--into", &spec])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        while stored_count(&root) < target && child.try_wait().unwrap().is_none() {
            std::thread::sleep(Duration::from_millis(1));
        }
        let _ = child.kill();
        let status = child.wait().unwrap();
        interrupted += usize::from(!status.success());
        // Whatever the server no longer has must be in the store already.
        let on_server: Vec<String> = if status.success() { Vec::new() } else { poplib_hashes(&user) };
        let stored = stored_hashes(&root);
        for hash in expected.iter().filter(|h| !on_server.contains(h)) {
            assert!(stored.contains(hash), "a message left the server before it was stored");
        }
    }
    assert!(interrupted > 0, "no run was interrupted: the test proves nothing");
    env.owl(&["fetch", "--into", &spec]).expect_code(0);
    assert_eq!(stored_hashes(&root), expected, "nothing lost, nothing twice");
    assert_eq!(server_count(&user), 0, "delete: everything stored is gone from the server");
}

#[test]
fn apop_list_and_check_work_against_dovecot() {
    let user = servers().user();
    seed::append_many(
        &user,
        "INBOX",
        vec![Msg::raw(
            "From: =?UTF-8?Q?Ren=C3=A9?= <r@example.org>\r\nSubject: =?UTF-8?Q?caf=C3=A9?=\r\nDate: Tue, 17 Nov 2026 12:00:00 +0000\r\n\r\nbody\r\n",
        )],
    );
    let env = Env::new(&pop3_config(&user, false, "auth = \"apop\""));
    let spec = format!("maildir:{}", env.path("store").display());
    env.owl(&["fetch", "--into", &spec]).expect_code(0);
    assert!(servers().dovecot_log().contains(&format!("user=<{}>, method=APOP", user.name)), "logged in with APOP");

    let rows = env.owl(&["list", "--json"]).expect_code(0).json();
    assert_eq!(rows[0]["number"], 1);
    assert_eq!(rows[0]["subject"], "café");
    assert_eq!(rows[0]["from"], "René <r@example.org>");
    assert!(rows[0]["uidl"].is_string());

    let report = env.owl(&["check", "--json"]).expect_code(0).json();
    let pop3 = &report["services"][0];
    assert_eq!(pop3["protocol"], "pop3");
    assert_eq!(pop3["apop_offered"], true);
    assert_eq!(pop3["verified_by"], "ca");
    assert!(
        pop3["capabilities_before_login"].as_array().unwrap().iter().any(|c| c.as_str().unwrap().starts_with("SASL"))
    );
    assert_eq!(pop3["auth_mechanism"], "APOP");
}

/// A scripted POP3 server: `greeting`, CAPA, login, then `on_retr` for RETR.
fn fake_pop3(capa: &'static str, on_retr: fn(&mut crate::harness::fake::Conn)) -> Fake {
    Fake::start(move |conn| {
        conn.send("+OK fake ready\r\n");
        while let Some(line) = conn.line() {
            let verb = line.split_whitespace().next().unwrap_or("").to_ascii_uppercase();
            match verb.as_str() {
                "CAPA" => conn.send(&format!("+OK\r\n{capa}.\r\n")),
                "USER" | "PASS" => conn.send("+OK\r\n"),
                "AUTH" => conn.send("+OK logged in\r\n"),
                "STAT" => conn.send("+OK 1 40\r\n"),
                "LIST" => conn.send("+OK\r\n1 40\r\n.\r\n"),
                "UIDL" => conn.send("+OK\r\n1 uid-one\r\n.\r\n"),
                "RETR" => on_retr(conn),
                "QUIT" => {
                    conn.send("+OK bye\r\n");
                    return;
                }
                _ => conn.send("+OK\r\n"),
            }
        }
    })
}

fn fake_config(port: u16, tls: &str) -> String {
    format!(
        "[accounts.f]\nuser = \"me\"\npassword = \"secret-pw\"\n[accounts.f.pop3]\nhost = \"127.0.0.1\"\nport = {port}\n\
         tls = \"{tls}\"\ntimeout = 3\n"
    )
}

#[test]
fn byte_stuffed_lines_come_out_right() {
    let fake = fake_pop3("USER\r\nUIDL\r\n", |conn| {
        conn.send("+OK\r\nSubject: dots\r\n\r\n..leading dot\r\n...two\r\n. \r\n.\r\n");
    });
    let env = Env::new(&fake_config(fake.port, "none"));
    let root = env.path("store");
    env.owl(&["fetch", "--into", &format!("maildir:{}", root.display())]).expect_code(0);
    let files = maildir(&root.join("INBOX"));
    let body: Vec<&Vec<u8>> = files.values().collect();
    assert_eq!(body[0], b"Subject: dots\r\n\r\n.leading dot\r\n..two\r\n \r\n");
}

#[test]
fn a_drop_mid_retr_leaves_nothing_half_written_and_exits_75() {
    for ending in ["half a line", "no final dot\r\n"] {
        let fake = Fake::start(move |conn| {
            conn.send("+OK fake\r\n");
            while let Some(line) = conn.line() {
                let verb = line.split_whitespace().next().unwrap_or("").to_ascii_uppercase();
                match verb.as_str() {
                    "CAPA" => conn.send("+OK\r\nUSER\r\nUIDL\r\n.\r\n"),
                    "LIST" => conn.send("+OK\r\n1 40\r\n.\r\n"),
                    "UIDL" => conn.send("+OK\r\n1 uid-one\r\n.\r\n"),
                    "RETR" => {
                        conn.send(&format!("+OK\r\nSubject: cut\r\n\r\n{ending}"));
                        return; // hang up mid-message
                    }
                    _ => conn.send("+OK\r\n"),
                }
            }
        });
        let env = Env::new(&fake_config(fake.port, "none"));
        let root = env.path("store");
        let run = env.owl(&["fetch", "--into", &format!("maildir:{}", root.display())]);
        run.expect_code(75);
        assert!(maildir(&root.join("INBOX")).is_empty(), "nothing half-written");
        let tmp = std::fs::read_dir(root.join("INBOX/tmp")).map(|d| d.count()).unwrap_or(0);
        assert_eq!(tmp, 0, "no spool left behind");
        assert!(!fake.received().contains("QUIT"), "no QUIT: nothing may be deleted");
    }
}

#[test]
fn stls_missing_is_refused_before_any_password() {
    let fake = fake_pop3("USER\r\nUIDL\r\nSASL PLAIN\r\n", |_| {});
    let run = Env::new(&fake_config(fake.port, "starttls")).owl(&["fetch", "--into", "maildir:/tmp/owl-never-used"]);
    run.expect_code(69);
    assert!(run.stderr.contains("STLS"), "{}", run.stderr);
    let got = fake.received();
    for word in ["USER", "PASS", "AUTH", "APOP", "secret-pw"] {
        assert!(!got.contains(word), "{word} sent in clear: {got}");
    }
}

#[test]
fn err_codes_are_explained_in_plain_words() {
    let cases: [(&'static str, i32, &str); 3] = [
        ("-ERR [IN-USE] Mailbox is locked by another POP3 session\r\n", 75, "in use by another session"),
        ("-ERR [LOGIN-DELAY] Too soon\r\n", 75, "wait longer between logins"),
        ("-ERR [AUTH] Authentication failed\r\n", 77, "rejected the credentials"),
    ];
    for (reply, code, words) in cases {
        let fake = Fake::start(move |conn| {
            conn.send("+OK fake\r\n");
            while let Some(line) = conn.line() {
                let verb = line.split_whitespace().next().unwrap_or("").to_ascii_uppercase();
                match verb.as_str() {
                    "CAPA" => conn.send("+OK\r\nUSER\r\n.\r\n"),
                    "PASS" => conn.send(reply),
                    _ => conn.send("+OK\r\n"),
                }
            }
        });
        let started = Instant::now();
        let run = Env::new(&fake_config(fake.port, "none")).owl(&["fetch", "--into", "maildir:/tmp/owl-never-used-2"]);
        run.expect_code(code);
        assert!(run.stderr.contains(words), "{reply}: {}", run.stderr);
        assert!(
            run.stderr.contains(reply.trim_end().trim_start_matches("-ERR ")),
            "the server's words: {}",
            run.stderr
        );
        assert!(started.elapsed() < Duration::from_secs(5));
    }
}
