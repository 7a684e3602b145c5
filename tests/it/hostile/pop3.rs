//! Hostile POP3 servers: endless listings, missing UIDLs, trickles,
//! overlong lines, control sequences, echoed secrets.

use std::time::Duration;

use super::{check, check_patient, config, flood, patient_config, trickle};
use crate::harness::Env;
use crate::harness::fake::{Conn, Fake};

/// A maildrop of three small messages.
fn message(n: u32) -> String {
    format!("Subject: pop {n}\r\nMessage-ID: <pop{n}@example.org>\r\n\r\nbody {n}\r\n")
}

/// A server that logs anyone in with USER/PASS and answers CAPA, STAT,
/// LIST, UIDL, TOP, RETR and QUIT for three messages, except where `on`
/// (given the verb and the line) answers instead. Strict: any other
/// command fails the test.
fn pop3(on: impl Fn(&mut Conn, &str, &str) -> Step + Send + Sync + 'static) -> Fake {
    Fake::start(move |conn| {
        conn.send("+OK hostile POP3 ready\r\n");
        while let Some(line) = conn.line() {
            let verb = line.split_whitespace().next().unwrap_or("").to_ascii_uppercase();
            match on(conn, &verb, line.trim_end()) {
                Step::Done => continue,
                Step::Stop => return,
                Step::Default => {}
            }
            match verb.as_str() {
                "CAPA" => conn.send("+OK\r\nUSER\r\nUIDL\r\nTOP\r\n.\r\n"),
                "USER" | "PASS" => conn.send("+OK\r\n"),
                "STAT" => conn.send("+OK 3 120\r\n"),
                "LIST" => {
                    let sizes: String = (1..=3).map(|n| format!("{n} {}\r\n", message(n).len())).collect();
                    conn.send(&format!("+OK\r\n{sizes}.\r\n"));
                }
                "UIDL" => conn.send("+OK\r\n1 u1\r\n2 u2\r\n3 u3\r\n.\r\n"),
                "TOP" | "RETR" => {
                    let n: u32 = line.split_whitespace().nth(1).and_then(|w| w.parse().ok()).unwrap_or(0);
                    conn.send(&format!("+OK\r\n{}.\r\n", message(n)));
                }
                "QUIT" => {
                    conn.send("+OK bye\r\n");
                    return;
                }
                _ => panic!("unexpected POP3 command {line:?}"),
            }
        }
    })
}

/// What a hook did with a command.
enum Step {
    /// Answered it.
    Done,
    /// Answered it (or not) and hung up.
    Stop,
    /// Left it to the standard answer.
    Default,
}

fn fetch(fake: &Fake) -> (crate::harness::Run, Env) {
    fetch_with(fake, &config("pop3", fake.port))
}

/// Fetches from `fake` (kept borrowed so it outlives the run) with `toml`.
fn fetch_with(_fake: &Fake, toml: &str) -> (crate::harness::Run, Env) {
    let env = Env::new(toml);
    let store = env.path("store");
    let run = env.owl(&["fetch", "--into", &format!("maildir:{}", store.display()), "--json"]);
    (run, env)
}

fn stored(env: &Env) -> usize {
    ["cur", "new"]
        .iter()
        .map(|sub| std::fs::read_dir(env.path("store").join("INBOX").join(sub)).map_or(0, |d| d.count()))
        .sum()
}

#[test]
fn an_endless_uidl_stops_at_the_cap_in_bounded_memory() {
    let fake = pop3(|conn, verb, _| {
        if verb != "UIDL" {
            return Step::Default;
        }
        conn.send("+OK\r\n");
        let mut n = 0u64;
        loop {
            let chunk: String = (0..10_000).map(|i| format!("{} unique-id-{:020}\r\n", n + i + 1, n + i)).collect();
            n += 10_000;
            if !conn.send_bytes(chunk.as_bytes()) || n > 5_000_000 {
                return Step::Stop;
            }
        }
    });
    let (run, env) = fetch_with(&fake, &patient_config("pop3", fake.port));
    check_patient("pop3 UIDL endless", &run, 65, "UIDL");
    assert_eq!(stored(&env), 0);
}

#[test]
fn an_endless_list_stops_at_the_cap() {
    let fake = pop3(|conn, verb, _| {
        if verb != "LIST" {
            return Step::Default;
        }
        conn.send("+OK\r\n");
        flood(conn, "7 1000\r\n", 4_000_000);
        Step::Stop
    });
    let (run, _env) = fetch_with(&fake, &patient_config("pop3", fake.port));
    check_patient("pop3 LIST endless", &run, 65, "LIST");
}

#[test]
fn messages_left_out_of_uidl_are_backed_up_anyway_and_said() {
    let fake = pop3(|conn, verb, _| {
        if verb != "UIDL" {
            return Step::Default;
        }
        conn.send("+OK\r\n2 u2\r\n.\r\n");
        Step::Done
    });
    let (run, env) = fetch(&fake);
    check("pop3 UIDL omitting 2 of 3 messages", &run, 0, "");
    assert_eq!(run.json()["mailboxes"][0]["new"], 3, "{}", run.stdout);
    assert_eq!(stored(&env), 3);
    assert!(run.stderr.contains("left out 2 message(s)"), "{}", run.stderr);
}

#[test]
fn a_trickled_greeting_fails_within_the_timeout() {
    let fake = Fake::start(|conn| {
        trickle(conn, b"+OK a very slow POP3 server greets you\r\n", Duration::from_millis(300));
        conn.drain();
    });
    let (run, _env) = fetch(&fake);
    check("pop3 greeting trickled", &run, 75, "greeting");
}

#[test]
fn a_trickled_retr_fails_and_stores_nothing() {
    let fake = pop3(|conn, verb, _| {
        if verb != "RETR" {
            return Step::Default;
        }
        conn.send("+OK\r\n");
        trickle(conn, message(1).as_bytes(), Duration::from_millis(300));
        Step::Stop
    });
    let (run, env) = fetch(&fake);
    check("pop3 RETR trickled", &run, 75, "the server sent only");
    assert_eq!(stored(&env), 0);
}

#[test]
fn an_endless_top_is_capped() {
    let fake = pop3(|conn, verb, _| {
        if verb != "TOP" {
            return Step::Default;
        }
        conn.send("+OK\r\n");
        flood(conn, "X-Junk: endless header line\r\n", 2_000_000);
        Step::Stop
    });
    let env = Env::new(&config("pop3", fake.port));
    let run = env.owl(&["list", "--json"]);
    check("pop3 TOP endless (owl list)", &run, 65, "larger than");
}

#[test]
fn an_overlong_status_line_is_refused() {
    let fake = pop3(|conn, verb, _| {
        if verb != "STAT" && verb != "LIST" {
            return Step::Default;
        }
        conn.send("+OK ");
        conn.send_bytes(&vec![b'x'; 1 << 20]);
        Step::Stop
    });
    let (run, _env) = fetch(&fake);
    check("pop3 status line of 1 MiB", &run, 65, "longer than");
}

#[test]
fn a_capa_flood_is_refused() {
    let fake = Fake::start(|conn| {
        conn.send("+OK ready\r\n");
        conn.expect("CAPA");
        conn.send("+OK\r\n");
        flood(conn, "X-CAPABILITY\r\n", 100_000);
        conn.drain();
    });
    let (run, _env) = fetch(&fake);
    check("pop3 CAPA with 100,000 lines", &run, 65, "CAPA");
}

#[test]
fn control_sequences_in_an_err_never_reach_the_terminal() {
    let fake = pop3(|conn, verb, _| {
        if verb != "PASS" {
            return Step::Default;
        }
        conn.send("-ERR [SYS/PERM] mailbox locked\x1b[2J\x1b]0;pwned\x07\r\n");
        Step::Stop
    });
    let (run, _env) = fetch(&fake);
    check("pop3 -ERR with ESC sequences", &run, 69, "mailbox locked");
}

#[test]
fn a_server_echoing_the_password_never_gets_it_printed() {
    let fake = pop3(|conn, verb, line| {
        if verb != "PASS" {
            return Step::Default;
        }
        conn.send(&format!("-ERR [AUTH] wrong password: {}\r\n", line.trim_start_matches("PASS ")));
        Step::Stop
    });
    let (run, _env) = fetch(&fake);
    check("pop3 -ERR echoing the password", &run, 77, "<redacted>");
    assert!(!run.stderr.contains("s3cret"), "{}", run.stderr);
}
