//! `owl send` through real Postfix submission -> Dovecot LMTP, read back
//! over IMAP; a fake server for stripped STARTTLS.

use std::time::{Duration, Instant};

use crate::corpus::Rng;
use crate::fetch::sha;
use crate::harness::fake::Fake;
use crate::harness::seed;
use crate::harness::{Env, Imap, User, imap_config, servers};

/// A config for `user` with IMAP (for the Sent copy) and SMTP over
/// STARTTLS on the submission port.
pub(crate) fn send_config(user: &User, name: &str) -> String {
    let s = servers();
    let toml = imap_config(user, Imap::Implicit, "").replace("name = \"Test User\"", &format!("name = \"{name}\""));
    toml.replace("email = ", &format!("email = \"{}@example.org\"\n#", user.name))
        + &format!(
            "\n[accounts.test.smtp]\nhost = \"127.0.0.1\"\nport = {}\ntls = \"starttls\"\ntimeout = 10\n",
            s.smtp
        )
}

/// Waits (bounded) until `user` has at least `n` messages in `mailbox`;
/// delivery through Postfix and LMTP is asynchronous.
pub(crate) fn delivered(user: &User, mailbox: &str, n: usize) -> Vec<(u32, Vec<u8>)> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let bodies = seed::bodies(user, mailbox);
        if bodies.len() >= n {
            return bodies;
        }
        assert!(Instant::now() < deadline, "{} has {} of {n} messages in {mailbox}", user.name, bodies.len());
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn a_composed_message_arrives_intact_and_a_seen_copy_is_saved() {
    let _postfix = servers().postfix_shared();
    let (alice, bob) = (servers().user(), servers().user());
    let env = Env::new(&send_config(&alice, "Jürgen Müller"));
    let notes = env.path("notes.txt");
    std::fs::write(&notes, "plain notes\nline two\n").unwrap();
    let blob = env.path("data.bin");
    std::fs::write(&blob, Rng::new(99).bytes(70_000)).unwrap();
    let subject = "Grüße aus Köln ☕ — résumé";
    let run = env.owl(&[
        "send",
        "--to",
        &format!("Bob Bäcker <{}>", bob.address()),
        "--subject",
        subject,
        "--body",
        "Hallo Bob,\nschöne Grüße!\n",
        "--attach",
        notes.to_str().unwrap(),
        "--attach",
        blob.to_str().unwrap(),
        "--json",
    ]);
    let report = run.expect_code(0).json();
    let sent = &report["messages"][0];
    assert_eq!(sent["accepted"][0], bob.address());
    assert_eq!(sent["saved_to"], "Sent");
    let message_id = sent["message_id"].as_str().unwrap().to_string();

    let inbox = delivered(&bob, "INBOX", 1);
    let uid = inbox[0].0.to_string();
    let reader = Env::new(&imap_config(&bob, Imap::Implicit, ""));
    let dir = reader.path("saved");
    let m = reader
        .owl(&["fetch", "INBOX", &uid, "--json", "--save-attachments", dir.to_str().unwrap()])
        .expect_code(0)
        .json();
    assert_eq!(m["subject"], subject);
    assert_eq!(m["from"][0]["name"], "Jürgen Müller");
    assert_eq!(m["to"][0]["name"], "Bob Bäcker");
    assert_eq!(m["message_id"].as_str().map(|id| format!("<{id}>")), Some(message_id));
    assert!(m["text"].as_str().unwrap().contains("schöne Grüße"));
    for (file, original) in [("notes.txt", &notes), ("data.bin", &blob)] {
        let saved = std::fs::read(dir.join(file)).unwrap_or_else(|_| panic!("{file} not saved: {m:#}"));
        assert_eq!(sha(&saved), sha(&std::fs::read(original).unwrap()), "{file}");
    }

    let copies =
        Env::new(&imap_config(&alice, Imap::Implicit, "")).owl(&["list", "Sent", "--json"]).expect_code(0).json();
    let copies = copies.as_array().unwrap();
    assert_eq!(copies.len(), 1, "one copy in Sent");
    assert_eq!(copies[0]["seen"], true);
    assert_eq!(copies[0]["subject"], subject);
}

#[test]
fn raw_with_t_puts_bcc_in_the_envelope_but_not_the_delivered_header() {
    let _postfix = servers().postfix_shared();
    let (me, to, cc, bcc) = (servers().user(), servers().user(), servers().user(), servers().user());
    let env = Env::new(&send_config(&me, "Me"));
    let file = env.path("message.eml");
    std::fs::write(
        &file,
        format!(
            "From: Me <{}>\nTo: {}\nCc: Carol <{}>\nBcc: {}\nSubject: raw with -t\n\nbody line\n",
            me.address(),
            to.address(),
            cc.address(),
            bcc.address()
        ),
    )
    .unwrap();
    let report = env.owl(&["send", "--raw", "-t", file.to_str().unwrap(), "--json"]).expect_code(0).json();
    assert_eq!(report["messages"][0]["accepted"].as_array().unwrap().len(), 3);
    for user in [&to, &cc, &bcc] {
        let got = delivered(user, "INBOX", 1);
        let message = text(&got[0].1);
        assert!(
            !message.contains("Bcc:") && !message.contains(&bcc.address()),
            "Bcc leaked to {}:\n{message}",
            user.name
        );
        assert!(message.contains("Message-ID: <") && message.contains("Date: "), "{message}");
        assert!(message.contains("\r\n\r\nbody line\r\n"), "{message:?}");
    }
    let log = servers().postfix_log();
    for user in [&to, &cc, &bcc] {
        assert!(log.contains(&format!("orig_to=<{}>", user.address())), "{} not in the envelope", user.address());
    }
    // The Sent copy keeps the Bcc, so the sender sees who got it.
    let sent = seed::bodies(&me, "Sent");
    assert!(text(&sent[0].1).contains(&format!("Bcc: {}", bcc.address())));
}

#[test]
fn no_starttls_on_a_submission_port_means_no_auth_in_clear() {
    let fake = Fake::start(|conn| {
        conn.send("220 fake ESMTP\r\n");
        while let Some(line) = conn.line() {
            let verb = line.split_whitespace().next().unwrap_or("").to_ascii_uppercase();
            match verb.as_str() {
                "EHLO" => conn.send("250-fake\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n"),
                "QUIT" => {
                    conn.send("221 bye\r\n");
                    return;
                }
                _ => conn.send("250 ok\r\n"),
            }
        }
    });
    let user = servers().user();
    let toml = send_config(&user, "Me").replace(
        &format!("port = {}\ntls = \"starttls\"", servers().smtp),
        &format!("port = {}\ntls = \"starttls\"", fake.port),
    );
    let run = Env::new(&toml).owl(&["send", "--to", "x@example.org", "--subject", "s", "--body", "b", "--no-save"]);
    run.expect_code(69);
    assert!(run.stderr.contains("STARTTLS"), "{}", run.stderr);
    let got = fake.received().to_ascii_uppercase();
    assert!(!got.contains("AUTH") && !got.contains("MAIL FROM"), "sent in clear: {got}");
}

#[test]
fn refusals_are_explained_with_the_right_exit_codes() {
    let _postfix = servers().postfix_shared();
    let user = servers().user();
    let wrong = send_config(&user, "Me").replace(&format!("password = \"{}\"", user.password), "password = \"wrong\"");
    let run = Env::new(&wrong).owl(&["send", "--to", "x@example.org", "--subject", "s", "--body", "b"]);
    run.expect_code(77);
    assert!(run.stderr.contains("535") && run.stderr.contains("user name or password"), "{}", run.stderr);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);

    let env = Env::new(&send_config(&user, "Me"));
    let run = env.owl(&["send", "--to", "someone@denied.example", "--subject", "s", "--body", "b", "--json"]);
    run.expect_code(65);
    assert!(run.stderr.contains("relaying denied") && run.stderr.contains("someone@denied.example"), "{}", run.stderr);
    let refused = &run.json()["messages"][0];
    assert_eq!(refused["rejected"], true);
    assert_eq!(refused["refused"][0]["recipient"], "someone@denied.example", "each refusal is reported");
    assert_eq!(refused["exit_code"], 65);

    // One good and one refused recipient: sent to the good one, exit 65
    // naming the refused one.
    let other = servers().user();
    let run = env.owl(&[
        "send",
        "--to",
        &other.address(),
        "--to",
        "x@denied.example",
        "--subject",
        "mixed",
        "--body",
        "b",
        "--json",
    ]);
    // Off a terminal too, the refusal is said on stderr and the exit code
    // is not 0.
    run.expect_code(65);
    assert!(run.stderr.contains("x@denied.example") && run.stderr.contains("refused"), "{}", run.stderr);
    let report = run.json();
    assert_eq!(report["messages"][0]["accepted"][0], other.address());
    assert_eq!(report["messages"][0]["refused"][0]["recipient"], "x@denied.example");
    assert!(report["messages"][0]["refused"][0]["explanation"].as_str().unwrap().starts_with("relaying denied"));
    delivered(&other, "INBOX", 1);
}

#[test]
fn postfix_down_queues_and_the_next_send_delivers_exactly_once() {
    let _postfix = servers().postfix_exclusive();
    let (me, bob) = (servers().user(), servers().user());
    let env = Env::new(&send_config(&me, "Me"));
    servers().postfix("stop");
    let run = env.owl(&["send", "--to", &bob.address(), "--subject", "while down", "--body", "kept", "--json"]);
    servers().postfix("start");
    run.expect_code(75);
    assert!(run.stderr.contains("outbox"), "{}", run.stderr);
    let message_id = run.json()["messages"][0]["message_id"].as_str().unwrap().to_string();
    let queue = env.owl(&["send", "--queue", "--json"]).expect_code(0).json();
    assert_eq!(queue.as_array().unwrap().len(), 1);
    assert_eq!(queue[0]["state"], "pending");

    let flush = env.owl(&["send", "--flush", "--json"]).expect_code(0).json();
    assert_eq!(flush["flushed"][0]["accepted"][0], bob.address());
    assert_eq!(flush["pending"], 0);
    assert_eq!(env.owl(&["send", "--flush", "--json"]).expect_code(0).json()["flushed"].as_array().unwrap().len(), 0);
    let got = delivered(&bob, "INBOX", 1);
    assert!(text(&got[0].1).contains(&message_id));
    let accepted = servers().postfix_log().matches(&format!("message-id={message_id}")).count();
    assert_eq!(accepted, 1, "the server accepted the message exactly once");
    assert_eq!(seed::bodies(&me, "Sent").len(), 1, "one Sent copy, saved once it was sent");

    // Every later send tries the outbox first.
    servers().postfix("stop");
    env.owl(&["send", "--to", &bob.address(), "--subject", "second", "--body", "x"]).expect_code(75);
    servers().postfix("start");
    let report =
        env.owl(&["send", "--to", &bob.address(), "--subject", "third", "--body", "y", "--json"]).expect_code(0).json();
    assert_eq!(report["flushed"].as_array().unwrap().len(), 1);
    assert_eq!(report["messages"].as_array().unwrap().len(), 1);
    delivered(&bob, "INBOX", 3);
}

#[test]
fn a_temporary_refusal_queues_the_message() {
    let _postfix = servers().postfix_shared();
    let user = servers().user();
    let env = Env::new(&send_config(&user, "Me"));
    let run = env.owl(&["send", "--to", "x@later.example", "--subject", "s", "--body", "b"]);
    run.expect_code(75);
    assert!(run.stderr.contains("450") || run.stderr.contains("4.7.1"), "{}", run.stderr);
    let queue = env.owl(&["send", "--queue", "--json"]).expect_code(0).json();
    assert_eq!(queue[0]["recipients"][0], "x@later.example");
}

#[test]
fn several_raw_files_share_one_connection() {
    let _postfix = servers().postfix_exclusive();
    let (me, bob) = (servers().user(), servers().user());
    let env = Env::new(&send_config(&me, "Me"));
    let mut files = Vec::new();
    for i in 0..3 {
        let path = env.path(&format!("m{i}.eml"));
        std::fs::write(&path, format!("Subject: file {i}\nTo: {}\n\nbody {i}\n", bob.address())).unwrap();
        files.push(path.to_str().unwrap().to_string());
    }
    // Exclusive: nobody else connects to Postfix while we count.
    let connects = || {
        servers()
            .postfix_log()
            .lines()
            .filter(|l| l.contains("submission/smtpd") && l.contains(" connect from"))
            .count()
    };
    let before = connects();
    let mut args = vec!["send", "--raw", "-t", "--no-save"];
    args.extend(files.iter().map(String::as_str));
    env.owl(&args).expect_code(0);
    delivered(&bob, "INBOX", 3);
    assert_eq!(connects() - before, 1, "one SMTP connection for three files");
}

#[test]
fn sendmail_mode_works_for_cron_and_git() {
    let _postfix = servers().postfix_shared();
    let (me, bob) = (servers().user(), servers().user());
    let env = Env::new(&send_config(&me, "Me"));
    let link = env.path("sendmail");
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_owl"), &link).unwrap();
    let mut cmd = std::process::Command::new(&link);
    cmd.env_clear()
        .env("OWL_CONFIG", &env.config)
        .env("HOME", env.dir.path())
        .args(["-FCron Daemon", "-i", "-B8BITMIME", "-oem", &bob.address()])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), b"Subject: cron output\n\nall good\n").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stdout.is_empty() && out.stderr.is_empty(), "silent for cron");
    let got = delivered(&bob, "INBOX", 1);
    let message = text(&got[0].1);
    assert!(message.contains(&format!("From: \"Cron Daemon\" <{}>", me.address())), "{message}");
}

#[test]
fn dry_run_prints_the_message_and_sends_nothing() {
    let user = servers().user();
    let env = Env::new(&send_config(&user, "Me"));
    let run = env.owl(&[
        "send",
        "--dry-run",
        "--to",
        "a@example.org",
        "--bcc",
        "b@example.org",
        "--subject",
        "Grüße",
        "--body",
        "hi",
    ]);
    run.expect_code(0);
    assert!(run.stdout.contains("Subject: =?utf-8?"), "{}", run.stdout);
    assert!(run.stdout.contains("to a@example.org, b@example.org"), "{}", run.stdout);
    assert!(!run.stdout.contains("Bcc:"), "{}", run.stdout);
}

#[test]
fn check_reports_smtp_too() {
    let _postfix = servers().postfix_shared();
    let user = servers().user();
    let report = Env::new(&send_config(&user, "Me")).owl(&["check", "--json"]).expect_code(0).json();
    let smtp = report["services"].as_array().unwrap().iter().find(|s| s["protocol"] == "smtp").unwrap().clone();
    assert_eq!(smtp["ok"], true, "{smtp:#}");
    assert_eq!(smtp["verified_by"], "ca");
    assert_eq!(smtp["authenticated"], true);
    // What the server offers after STARTTLS (which it then no longer lists).
    assert!(smtp["capabilities"].as_array().unwrap().iter().any(|c| c == "AUTH=PLAIN"), "{smtp:#}");
}

#[test]
fn an_older_entry_still_waiting_does_not_fail_a_delivered_message() {
    let _postfix = servers().postfix_shared();
    let (me, bob) = (servers().user(), servers().user());
    let env = Env::new(&send_config(&me, "Me"));
    // later.example is refused for now (450) every time.
    env.owl(&["send", "--to", "x@later.example", "-s", "stuck", "--body", "b", "--no-save"]).expect_code(75);
    let run = env.owl(&["send", "--to", &bob.address(), "-s", "fresh", "--body", "b", "--no-save", "--json"]);
    // Exit 0: this run's message was delivered; a cron job retrying on 75
    // would otherwise send it again.
    let report = run.expect_code(0).json();
    assert_eq!(report["messages"][0]["accepted"][0], bob.address());
    assert_eq!(report["flushed"][0]["queued"], true, "the old one was tried and waits again");
    assert_eq!(report["pending"], 1);
    assert!(run.stderr.contains("older message(s) still wait"), "{}", run.stderr);
    delivered(&bob, "INBOX", 1);
}

#[test]
fn an_entry_is_sent_only_by_the_account_host_and_user_it_was_queued_for() {
    let _postfix = servers().postfix_shared();
    let (me, bob) = (servers().user(), servers().user());
    // Queued under one config, through a server that is down...
    let down = send_config(&me, "Me").replace(&format!("port = {}", servers().smtp), "port = 9");
    let first = Env::new(&down);
    first.owl(&["send", "--to", &bob.address(), "-s", "moved", "--body", "b", "--no-save"]).expect_code(75);
    // ...then the same HOME and account name with another host: not its.
    let other = send_config(&me, "Me").replace("host = \"127.0.0.1\"\nport = ", "host = \"localhost\"\nport = ");
    std::fs::write(&first.config, &other).unwrap();
    let flush = first.owl(&["send", "--flush", "--json"]).expect_code(0).json();
    assert_eq!(flush["flushed"].as_array().map(Vec::len), Some(0), "not sent by another identity");
    assert_eq!(flush["waiting"], 1);
    let queue = first.owl(&["send", "--queue", "--json"]).expect_code(0).json();
    assert_eq!(queue[0]["state"], "waiting");
    assert_eq!(queue[0]["target"]["host"], "127.0.0.1");
    let id = queue[0]["id"].as_str().unwrap().to_string();
    // Handed over on purpose, it goes.
    first.owl(&["send", "--retarget", &id]).expect_code(0);
    let flush = first.owl(&["send", "--flush", "--json"]).expect_code(0).json();
    assert_eq!(flush["flushed"][0]["accepted"][0], bob.address());
    delivered(&bob, "INBOX", 1);
    // --drop sets an entry aside for good.
    std::fs::write(&first.config, &down).unwrap();
    first.owl(&["send", "--to", &bob.address(), "-s", "dropped", "--body", "b", "--no-save"]).expect_code(75);
    let id = first.owl(&["send", "--queue", "--json"]).json()[0]["id"].as_str().unwrap().to_string();
    first.owl(&["send", "--drop", &id]).expect_code(0);
    assert_eq!(first.owl(&["send", "--queue", "--json"]).json().as_array().map(Vec::len), Some(0));
    assert!(first.path(&format!(".local/share/owl/outbox/test/dropped/{id}/message.eml")).is_file());
}
