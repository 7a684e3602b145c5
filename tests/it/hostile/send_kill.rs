//! kill -9 of `owl send` at random moments against a slow server, then
//! `owl send --flush` against a good one at the same address: every
//! message is delivered, none lost, and duplicates happen only where the
//! kill fell after the final dot (RFC 5321 §6.1's accepted cost).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use super::config;
use crate::corpus::Rng;
use crate::harness::fake::{Conn, Fake};
use crate::harness::{Env, owl_command, wait4};

/// What a server saw of each message, by subject.
#[derive(Default)]
struct Seen {
    /// Final dots received (the server then may or may not answer).
    dots: HashMap<String, u32>,
    /// Messages answered with 250 after their dot.
    accepted: HashMap<String, u32>,
}

/// A submission server that pauses `pause` before every reply and
/// records what it got; it says on `connected` when a client arrives, so
/// the kills land anywhere in the transaction.
fn server(port: u16, pause: Duration, seen: Arc<Mutex<Seen>>, connected: mpsc::Sender<()>) -> Fake {
    let connected = Mutex::new(connected);
    Fake::start_on(port, move |conn: &mut Conn| {
        let _ = connected.lock().unwrap().send(());
        let reply = |conn: &mut Conn, text: &str| {
            std::thread::sleep(pause);
            conn.send(text);
        };
        reply(conn, "220 slow ESMTP\r\n");
        loop {
            let Some(line) = conn.line() else { return };
            let verb = line.split_whitespace().next().unwrap_or("").to_ascii_uppercase();
            match verb.as_str() {
                "EHLO" => reply(conn, "250-slow\r\n250 AUTH PLAIN\r\n"),
                "AUTH" => reply(conn, "235 ok\r\n"),
                "MAIL" | "RCPT" | "RSET" => reply(conn, "250 ok\r\n"),
                "DATA" => {
                    reply(conn, "354 go\r\n");
                    let mut subject = String::new();
                    loop {
                        let Some(line) = conn.line() else { return };
                        if line == ".\r\n" {
                            break;
                        }
                        if let Some(s) = line.strip_prefix("Subject: ") {
                            subject = s.trim_end().to_string();
                        }
                    }
                    *seen.lock().unwrap().dots.entry(subject.clone()).or_default() += 1;
                    std::thread::sleep(pause);
                    if conn.send_bytes(b"250 queued\r\n") {
                        *seen.lock().unwrap().accepted.entry(subject).or_default() += 1;
                    }
                }
                "QUIT" => {
                    reply(conn, "221 bye\r\n");
                    return;
                }
                other => panic!("unexpected {other}"),
            }
        }
    })
}

#[test]
fn kill_nine_at_thirty_random_moments_loses_nothing() {
    const RUNS: usize = 30;
    let seen_slow = Arc::new(Mutex::new(Seen::default()));
    let (connected, connections) = mpsc::channel();
    let slow = server(0, Duration::from_millis(40), seen_slow.clone(), connected);
    let port = slow.port;
    let toml = config("smtp", port).replace("timeout = 2", "timeout = 10");
    let env = Env::new(&toml);
    let mut rng = Rng::new(8);
    let mut killed = 0;
    for i in 0..RUNS {
        let mut cmd = owl_command(env.dir.path());
        cmd.arg("-c").arg(&env.config).args([
            "send",
            "--to",
            "you@example.org",
            "-s",
            &format!("kill {i}"),
            "--body",
            "x",
            "--no-save",
        ]);
        let mut child = cmd.stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null()).spawn().unwrap();
        // The message is in the outbox before owl connects. A transaction
        // takes about 300 ms here: kill anywhere in it, and after it.
        connections.recv_timeout(Duration::from_secs(20)).expect("owl connects");
        std::thread::sleep(Duration::from_millis(rng.below(400)));
        if child.kill().is_ok() {
            killed += 1;
        }
        let pid = child.id() as libc::pid_t;
        std::mem::forget(child);
        wait4(pid);
    }
    drop(slow);

    let seen_good = Arc::new(Mutex::new(Seen::default()));
    let (connected, _connections) = mpsc::channel();
    let good = server(port, Duration::ZERO, seen_good.clone(), connected);
    env.owl(&["send", "--flush", "--json"]).expect_code(0);
    let queue = env.owl(&["send", "--queue", "--json"]).expect_code(0).json();
    assert_eq!(queue.as_array().map(Vec::len), Some(0), "the outbox is empty: {queue}");
    drop(good);

    let (slow, good) = (seen_slow.lock().unwrap(), seen_good.lock().unwrap());
    let mut duplicates = 0;
    for i in 0..RUNS {
        let subject = format!("kill {i}");
        let delivered =
            slow.accepted.get(&subject).copied().unwrap_or(0) + good.accepted.get(&subject).copied().unwrap_or(0);
        assert!(delivered >= 1, "{subject} was lost");
        if delivered > 1 {
            duplicates += delivered - 1;
            assert!(slow.dots.contains_key(&subject), "{subject} was duplicated though its final dot never went out");
        }
    }
    eprintln!(
        "kill -9 of owl send: {RUNS} runs, {killed} killed, every message delivered, {duplicates} duplicate(s), all after the final dot"
    );
    let path =
        std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("hostile-report-{}.tsv", std::process::id()));
    if let Ok(mut f) = std::fs::OpenOptions::new().create(true).append(true).open(path) {
        use std::io::Write as _;
        let _ = writeln!(f, "send kill -9 x{RUNS} then --flush: {killed} killed, {duplicates} duplicates\t0\t-\t-");
    }
}
