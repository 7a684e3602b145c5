//! `owl idle` against real Dovecot and Postfix, a Dovecot of its own that
//! is restarted under it, and fake servers that stall.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::harness::fake::Fake;
use crate::harness::seed::{self, Msg};
use crate::harness::{Env, Imap, User, imap_config, owl_command, servers};

/// A running `owl -v idle --json ...` with its events and log lines.
struct Idle {
    child: Child,
    events: Receiver<Value>,
    log: Receiver<String>,
    /// Every line printed, checked against schema/idle.json when done
    /// (checking each as it comes would slow the stream the tests time).
    lines: Arc<Mutex<Vec<String>>>,
}

impl Idle {
    fn start(env: &Env, args: &[&str]) -> Idle {
        let mut child = owl_command(env.dir.path())
            .arg("-c")
            .arg(&env.config)
            .args(["-v", "idle", "--json"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (etx, events) = channel();
        let stdout = child.stdout.take().unwrap();
        let lines = Arc::new(Mutex::new(Vec::new()));
        let seen = lines.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                seen.lock().unwrap().push(line.clone());
                let _ = etx.send(serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}")));
            }
        });
        let (ltx, log) = channel();
        let stderr = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = ltx.send(line);
            }
        });
        Idle { child, events, log, lines }
    }

    /// Waits for a log line containing each of `needles`.
    fn wait_log(&self, needles: &[&str]) {
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut missing: Vec<&str> = needles.to_vec();
        while !missing.is_empty() {
            let line = self
                .log
                .recv_timeout(deadline.saturating_duration_since(Instant::now()))
                .unwrap_or_else(|_| panic!("no log line with {missing:?}"));
            missing.retain(|n| !line.contains(n));
        }
    }

    /// The next `n` events (bounded wait).
    fn events(&self, n: usize) -> Vec<Value> {
        (0..n)
            .map(|i| {
                self.events
                    .recv_timeout(Duration::from_secs(30))
                    .unwrap_or_else(|_| panic!("event {} of {n} never came", i + 1))
            })
            .collect()
    }

    /// SIGTERM, and the exit code.
    fn terminate(mut self) -> i32 {
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code().unwrap_or(-1);
            }
            assert!(Instant::now() < deadline, "owl idle did not stop on SIGTERM");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Idle {
    fn drop(&mut self) {
        let lines = self.lines.lock().map(|l| l.join("\n")).unwrap_or_default();
        if !std::thread::panicking() && !lines.is_empty() {
            crate::harness::schema::check("idle", &lines);
        }
    }
}

fn subjects(events: &[Value]) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = events
        .iter()
        .map(|e| (e["mailbox"].as_str().unwrap().to_string(), e["subject"].as_str().unwrap_or("").to_string()))
        .collect();
    v.sort();
    v
}

fn smtp_config(user: &User) -> String {
    imap_config(user, Imap::Implicit, "")
        + &format!("\n[accounts.test.smtp]\nhost = \"127.0.0.1\"\nport = {}\ntls = \"starttls\"\n", servers().smtp)
}

#[test]
fn three_mailboxes_give_one_new_event_per_message() {
    let _postfix = servers().postfix_shared();
    let user = servers().user();
    seed::create(&user, &["Work", "Lists/rust"]);
    let env = Env::new(&smtp_config(&user));
    let idle = Idle::start(&env, &["INBOX", "Work", "Lists/rust"]);
    // Dovecot offers NOTIFY: one connection watches all three.
    idle.wait_log(&[
        "\"INBOX\": watching (NOTIFY)",
        "\"Work\": watching (NOTIFY)",
        "\"Lists/rust\": watching (NOTIFY)",
    ]);

    env.owl(&["send", "--to", &user.address(), "--subject", "by smtp", "--body", "x", "--no-save"]).expect_code(0);
    seed::append(&user, "Work", vec![Msg::simple("a@example.org", "appended to Work", "y")]);
    seed::append(&user, "Lists/rust", vec![Msg::simple("b@example.org", "Grüße an die Liste", "z")]);
    let got = idle.events(3);
    for e in &got {
        assert_eq!(e["event"], "new");
        assert_eq!(e["account"], "test");
        assert!(e["uid"].as_u64().is_some() && e["from"].is_string(), "{e}");
        assert!(e["time"].as_str().is_some_and(|t| t.ends_with("+00:00") && t.len() == 25), "RFC 3339 UTC: {e}");
    }
    assert_eq!(
        subjects(&got),
        vec![
            ("INBOX".into(), "by smtp".into()),
            ("Lists/rust".into(), "Grüße an die Liste".into()),
            ("Work".into(), "appended to Work".into())
        ]
    );
    // A sentinel: anything before it would be a duplicate.
    seed::append(&user, "Work", vec![Msg::simple("c@example.org", "sentinel", "s")]);
    let next = idle.events(1);
    assert_eq!(next[0]["subject"], "sentinel", "no duplicate events");

    // Flags and expunges are reported too.
    let mut session = seed::session(&user);
    session.select(&owl::imap::MailboxName::new("Work")).unwrap();
    session.run(&owl::imap::Command::new("UID STORE").atom("1").atom("+FLAGS (\\Flagged)"), &mut |_| Ok(())).unwrap();
    let flagged = idle.events(1);
    assert_eq!((flagged[0]["event"].as_str(), flagged[0]["uid"].as_u64()), (Some("flags"), Some(1)));
    assert!(flagged[0]["flags"].as_array().unwrap().iter().any(|f| f == "\\Flagged"));
    session.run(&owl::imap::Command::new("UID STORE").atom("1").atom("+FLAGS (\\Deleted)"), &mut |_| Ok(())).unwrap();
    session.run(&owl::imap::Command::new("EXPUNGE"), &mut |_| Ok(())).unwrap();
    session.logout();
    let mut rest = idle.events(1);
    if rest[0]["event"] == "flags" {
        rest = idle.events(1);
    }
    assert_eq!((rest[0]["event"].as_str(), rest[0]["uid"].as_u64()), (Some("expunge"), Some(1)));
    assert_eq!(idle.terminate(), 0, "SIGTERM ends it cleanly");
}

/// A Dovecot of this test's own, so stopping it harms no other test.
struct OwnDovecot {
    dir: std::path::PathBuf,
    env: std::collections::HashMap<String, String>,
}

impl OwnDovecot {
    fn start() -> OwnDovecot {
        let dir = std::path::PathBuf::from(format!("/tmp/owl-it-idle-{}", std::process::id()));
        let ports: Vec<u16> = (0..5)
            .map(|_| std::net::TcpListener::bind("127.0.0.1:0").unwrap())
            .map(|l| l.local_addr().unwrap().port())
            .collect();
        let names = ["IMAP_PORT", "IMAPS_PORT", "POP3_PORT", "POP3S_PORT", "LMTP_PORT"];
        let mut cmd = Command::new("bash");
        cmd.arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/mail-servers.sh"))
            .arg("start")
            .arg(&dir)
            .envs(names.iter().zip(&ports).map(|(k, v)| (*k, v.to_string())))
            .env("MAILTEST_USERS", "1")
            .env("WITH_POSTFIX", "0");
        let out = run_quiet(cmd, &dir);
        let env = out.lines().filter_map(|l| l.split_once('=')).map(|(k, v)| (k.to_string(), v.to_string())).collect();
        OwnDovecot { dir, env }
    }

    fn stop(&self) {
        let mut cmd = Command::new("bash");
        cmd.arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/mail-servers.sh")).arg("stop").arg(&self.dir);
        run_quiet(cmd, &self.dir);
    }

    fn restart(&self) {
        let mut cmd = Command::new("bash");
        cmd.arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/mail-servers.sh"))
            .arg("start")
            .arg(&self.dir)
            .env("IMAP_PORT", &self.env["IMAP_PORT"])
            .env("IMAPS_PORT", &self.env["IMAPS_PORT"])
            .env("POP3_PORT", &self.env["POP3_PORT"])
            .env("POP3S_PORT", &self.env["POP3S_PORT"])
            .env("LMTP_PORT", &self.env["LMTP_PORT"])
            .env("MAILTEST_USERS", "1")
            .env("WITH_POSTFIX", "0");
        run_quiet(cmd, &self.dir);
    }

    /// Drops a message straight into the user's Maildir, as a delivery
    /// would, whether or not Dovecot runs.
    fn deliver(&self, subject: &str) {
        let new = self.dir.join("mail/u1/Maildir/new");
        std::fs::create_dir_all(&new).unwrap();
        let name = format!(
            "{}.{}.test",
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos(),
            subject.len()
        );
        std::fs::write(new.join(&name), format!("From: d@example.org\nSubject: {subject}\n\nbody\n")).unwrap();
        let _ = Command::new("chown").args(["-R", "nobody:nogroup"]).arg(self.dir.join("mail/u1")).status();
    }
}

impl Drop for OwnDovecot {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
        for output in ["out", "err"] {
            let _ = std::fs::remove_file(self.dir.with_extension(output));
        }
    }
}

/// Runs a script with its output in files (never a pipe: Dovecot's master
/// keeps inherited descriptors open); returns stdout.
fn run_quiet(mut cmd: Command, dir: &Path) -> String {
    std::fs::create_dir_all(dir).unwrap();
    let out = dir.with_extension("out");
    let err = dir.with_extension("err");
    let status = cmd
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out).unwrap())
        .stderr(std::fs::File::create(&err).unwrap())
        .status()
        .unwrap();
    assert!(status.success(), "{}", std::fs::read_to_string(&err).unwrap_or_default());
    std::fs::read_to_string(&out).unwrap()
}

#[test]
fn five_restarts_lose_nothing_and_report_nothing_twice() {
    let dovecot = OwnDovecot::start();
    dovecot.deliver("before start");
    let toml = format!(
        "[accounts.r]\nuser = \"u1\"\npassword = \"pw-u1\"\nca_file = \"{}\"\n[accounts.r.imap]\nhost = \"127.0.0.1\"\nport = {}\n\
         tls = \"implicit\"\ntimeout = 3\n",
        dovecot.env["CA_FILE"], dovecot.env["IMAPS_PORT"]
    );
    let env = Env::new(&toml);
    let idle = Idle::start(&env, &[]);
    idle.wait_log(&["watching"]);
    let mut expected = Vec::new();
    for round in 0..5 {
        dovecot.stop();
        let down = format!("while down {round}");
        dovecot.deliver(&down);
        expected.push(down);
        dovecot.restart();
        let after = format!("right after {round}");
        dovecot.deliver(&after);
        expected.push(after);
        idle.wait_log(&["watching"]);
    }
    let got = idle.events(expected.len());
    let mut subjects: Vec<String> = got.iter().map(|e| e["subject"].as_str().unwrap().to_string()).collect();
    subjects.sort();
    expected.sort();
    assert_eq!(subjects, expected, "every message exactly once");
    let mut uids: Vec<u64> = got.iter().map(|e| e["uid"].as_u64().unwrap()).collect();
    uids.sort();
    uids.dedup();
    assert_eq!(uids.len(), expected.len());
    assert!(
        idle.events.recv_timeout(Duration::from_millis(500)).is_err(),
        "nothing more, in particular not 'before start'"
    );
    assert_eq!(idle.terminate(), 0);
}

#[test]
fn once_ends_a_shell_until_loop_and_hooks_get_the_event() {
    let _postfix = servers().postfix_shared();
    let user = servers().user();
    seed::create(&user, &["Slow", "Fast"]);
    let env = Env::new(&imap_config(&user, Imap::Implicit, ""));
    let owl = env!("CARGO_BIN_EXE_owl");
    let script = format!(
        "until '{owl}' -c '{}' -v idle Fast --once --json > '{}'; do :; done; echo loop-done",
        env.config.display(),
        env.path("once.json").display()
    );
    let mut shell = Command::new("sh")
        .arg("-c")
        .arg(&script)
        .env("HOME", env.dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = shell.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    while let Some(Ok(line)) = lines.next() {
        if line.contains("watching") {
            break;
        }
    }
    seed::append(&user, "Fast", vec![Msg::simple("x@example.org", "wakes the loop", "w")]);
    let mut out = String::new();
    shell.stdout.take().unwrap().read_to_string(&mut out).unwrap();
    assert!(shell.wait().unwrap().success());
    assert_eq!(out.trim(), "loop-done");
    let once = std::fs::read_to_string(env.path("once.json")).unwrap();
    crate::harness::schema::check("idle", &once);
    let event: Value = serde_json::from_str(once.trim()).unwrap();
    assert_eq!(event["subject"], "wakes the loop");

    // Hooks: JSON on stdin, OWL_* variables; a slow hook in one mailbox
    // does not hold up another's.
    let dir = env.path("hooks");
    std::fs::create_dir_all(&dir).unwrap();
    let hook = format!(
        "cat > '{d}/'$OWL_MAILBOX.json; env | grep ^OWL_ | sort > '{d}/'$OWL_MAILBOX.env; \
         if [ \"$OWL_MAILBOX\" = Slow ]; then sleep 3; touch '{d}/slow-done'; fi",
        d = dir.display()
    );
    let idle = Idle::start(&env, &["Slow", "Fast", "--exec", &hook, "--shell"]);
    idle.wait_log(&["\"Slow\": watching", "\"Fast\": watching"]);
    seed::append(&user, "Slow", vec![Msg::simple("s@example.org", "slow one", "s")]);
    let first = idle.events(1);
    assert_eq!(first[0]["mailbox"], "Slow");
    seed::append(&user, "Fast", vec![Msg::simple("f@example.org", "fast one", "f")]);
    let second = idle.events(1);
    assert_eq!(second[0]["mailbox"], "Fast", "Fast's event is not held behind Slow's hook");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !dir.join("Fast.env").exists() {
        assert!(Instant::now() < deadline, "Fast's hook never ran");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(!dir.join("slow-done").exists(), "Fast's hook ran while Slow's was still sleeping");
    let hooked = std::fs::read_to_string(dir.join("Fast.json")).unwrap();
    crate::harness::schema::check("idle", &hooked);
    let json: Value = serde_json::from_str(hooked.trim()).unwrap();
    assert_eq!(json["subject"], "fast one");
    let vars = std::fs::read_to_string(dir.join("Fast.env")).unwrap();
    for expected in
        ["OWL_EVENT=new", "OWL_ACCOUNT=test", "OWL_MAILBOX=Fast", "OWL_SUBJECT=fast one", "OWL_FROM=f@example.org"]
    {
        assert!(vars.contains(expected), "{expected} missing in:\n{vars}");
    }
    assert!(vars.contains("OWL_UID="), "{vars}");
    assert_eq!(idle.terminate(), 0);
}

/// A fake server that stalls: IDLE goes silent and DONE is never answered.
fn stalling_server() -> Fake {
    Fake::start(|conn| {
        conn.send("* OK [CAPABILITY IMAP4rev1 IDLE AUTH=PLAIN SASL-IR] fake\r\n");
        while let Some((tag, rest)) = conn.command() {
            let verb = rest.split(' ').next().unwrap_or("").to_ascii_uppercase();
            match verb.as_str() {
                "AUTHENTICATE" => conn.send(&format!("{tag} OK [CAPABILITY IMAP4rev1 IDLE] in\r\n")),
                "EXAMINE" => conn.send(&format!(
                    "* 0 EXISTS\r\n* OK [UIDVALIDITY 7] x\r\n* OK [UIDNEXT 1] x\r\n{tag} OK [READ-ONLY] done\r\n"
                )),
                "UID" => conn.send(&format!("* SEARCH\r\n{tag} OK done\r\n")),
                "IDLE" => {
                    conn.send("+ idling\r\n");
                    // Silent from here on: no keepalive, no answer to DONE.
                    conn.drain();
                    return;
                }
                _ => conn.send(&format!("{tag} OK done\r\n")),
            }
        }
    })
}

#[test]
fn a_stalled_server_is_left_and_redialled_and_never_hangs_owl() {
    let fake = stalling_server();
    let toml = format!(
        "[accounts.f]\nuser = \"me\"\npassword = \"pw\"\n[accounts.f.imap]\nhost = \"127.0.0.1\"\nport = {}\ntls = \"none\"\n\
         timeout = 1\nidle_refresh = 1\n",
        fake.port
    );
    let env = Env::new(&toml);
    let idle = Idle::start(&env, &[]);
    // First connection, then a reconnect after refresh + read timeout.
    idle.wait_log(&["watching"]);
    let started = Instant::now();
    idle.wait_log(&["reconnecting"]);
    idle.wait_log(&["watching"]);
    assert!(started.elapsed() < Duration::from_secs(10), "took {:?}", started.elapsed());
    // "watching" is logged before the new connection sends IDLE, but after
    // it logged in: two logins prove the reconnect.
    assert!(fake.received().matches("AUTHENTICATE").count() >= 2, "{}", fake.received());
    assert!(fake.received().contains("IDLE\r\nDONE"), "IDLE was ended with DONE: {}", fake.received());
    assert_eq!(idle.terminate(), 0, "still answers SIGTERM");
}

#[test]
fn sigterm_ends_idle_with_done_and_logout() {
    let fake = Fake::start(|conn| {
        conn.send("* OK [CAPABILITY IMAP4rev1 IDLE AUTH=PLAIN SASL-IR] fake\r\n");
        let mut idle_tag = String::new();
        while let Some(line) = conn.line() {
            let line = line.trim_end().to_string();
            if line == "DONE" {
                conn.send(&format!("{idle_tag} OK idle done\r\n"));
                continue;
            }
            let (tag, rest) = line.split_once(' ').unwrap_or((&line, ""));
            let verb = rest.split(' ').next().unwrap_or("").to_ascii_uppercase();
            match verb.as_str() {
                "AUTHENTICATE" => conn.send(&format!("{tag} OK [CAPABILITY IMAP4rev1 IDLE] in\r\n")),
                "EXAMINE" => conn
                    .send(&format!("* 0 EXISTS\r\n* OK [UIDVALIDITY 7] x\r\n* OK [UIDNEXT 1] x\r\n{tag} OK done\r\n")),
                "UID" => conn.send(&format!("* SEARCH\r\n{tag} OK done\r\n")),
                "IDLE" => {
                    idle_tag = tag.to_string();
                    conn.send("+ idling\r\n");
                }
                "LOGOUT" => {
                    conn.send(&format!("* BYE bye\r\n{tag} OK logged out\r\n"));
                    return;
                }
                _ => conn.send(&format!("{tag} OK done\r\n")),
            }
        }
    });
    let toml = format!(
        "[accounts.f]\nuser = \"me\"\npassword = \"pw\"\n[accounts.f.imap]\nhost = \"127.0.0.1\"\nport = {}\ntls = \"none\"\n",
        fake.port
    );
    let env = Env::new(&toml);
    let idle = Idle::start(&env, &[]);
    idle.wait_log(&["watching"]);
    assert_eq!(idle.terminate(), 0);
    let got = fake.received();
    let done = got.find("DONE").expect("DONE sent");
    let logout = got.find("LOGOUT").expect("LOGOUT sent");
    assert!(done < logout, "{got}");
}

#[test]
fn without_notify_each_mailbox_idles_and_exists_brings_the_new_message() {
    // A server with IDLE but no NOTIFY: the first IDLE announces a message.
    let fake = Fake::start(|conn| {
        conn.send("* OK [CAPABILITY IMAP4rev1 IDLE AUTH=PLAIN SASL-IR] fake\r\n");
        let mut idle_tag = String::new();
        let mut idles = 0;
        while let Some(line) = conn.line() {
            let line = line.trim_end().to_string();
            if line == "DONE" {
                conn.send(&format!("{idle_tag} OK idle done\r\n"));
                continue;
            }
            let (tag, rest) = line.split_once(' ').unwrap_or((&line, ""));
            let upper = rest.to_ascii_uppercase();
            if upper.starts_with("AUTHENTICATE") {
                conn.send(&format!("{tag} OK [CAPABILITY IMAP4rev1 IDLE] in\r\n"));
            } else if upper.starts_with("EXAMINE") {
                conn.send(&format!("* 0 EXISTS\r\n* OK [UIDVALIDITY 7] x\r\n* OK [UIDNEXT 5] x\r\n{tag} OK done\r\n"));
            } else if upper.starts_with("UID SEARCH") {
                conn.send(&format!("* SEARCH\r\n{tag} OK done\r\n"));
            } else if upper.starts_with("UID FETCH") {
                let head = "From: Ann <ann@example.org>\r\nSubject: via EXISTS\r\n\r\n";
                conn.send(&format!(
                    "* 1 FETCH (UID 5 FLAGS () INTERNALDATE \"22-Nov-2026 10:00:00 +0000\" RFC822.SIZE 42 BODY[HEADER.FIELDS (FROM SUBJECT DATE)] {{{}}}\r\n{head})\r\n{tag} OK done\r\n",
                    head.len()
                ));
            } else if upper.starts_with("IDLE") {
                idle_tag = tag.to_string();
                idles += 1;
                conn.send("+ idling\r\n");
                if idles == 1 {
                    conn.send("* 1 EXISTS\r\n");
                }
            } else if upper.starts_with("LOGOUT") {
                conn.send(&format!("* BYE bye\r\n{tag} OK out\r\n"));
                return;
            } else {
                conn.send(&format!("{tag} OK done\r\n"));
            }
        }
    });
    let toml = format!(
        "[accounts.f]\nuser = \"me\"\npassword = \"pw\"\n[accounts.f.imap]\nhost = \"127.0.0.1\"\nport = {}\ntls = \"none\"\n",
        fake.port
    );
    let env = Env::new(&toml);
    let idle = Idle::start(&env, &[]);
    idle.wait_log(&["\"INBOX\": watching (IDLE)"]);
    let event = idle.events(1);
    assert_eq!((event[0]["event"].as_str(), event[0]["uid"].as_u64()), (Some("new"), Some(5)));
    assert_eq!(event[0]["subject"], "via EXISTS");
    assert_eq!(event[0]["from"], "Ann <ann@example.org>");
    assert_eq!(idle.terminate(), 0);
}

#[test]
fn a_terminal_is_told_what_is_watched_and_events_carry_the_local_time() {
    let user = servers().user();
    let env = Env::new(&imap_config(&user, Imap::Implicit, ""));
    let line = format!("'{}' -c '{}' idle --once", env!("CARGO_BIN_EXE_owl"), env.config.display());
    // util-linux script gives owl a pty, as a person's terminal would.
    let mut child = Command::new("script")
        .args(["-qec", &line, "/dev/null"])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", env.dir.path())
        .env("TZ", "UTC")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines().map_while(Result::ok);
    let first = lines.next().expect("a status line before any event");
    let clock = |l: &str| {
        let t = l.split_whitespace().next().unwrap_or("");
        t.len() == 8 && t.chars().enumerate().all(|(i, c)| if i % 3 == 2 { c == ':' } else { c.is_ascii_digit() })
    };
    assert!(first.contains("watching INBOX (NOTIFY); Ctrl-C stops") && clock(&first), "{first:?}");
    seed::append(&user, "INBOX", vec![Msg::simple("t@example.org", "on the terminal", "x")]);
    let event = lines.next().expect("the event");
    assert!(clock(&event) && event.contains("new") && event.contains("on the terminal"), "{event:?}");
    assert!(child.wait().unwrap().success());
}
