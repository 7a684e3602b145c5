//! Careless local input: a store with things in it that are not messages,
//! a query nested without end, a config that is not one, a password
//! command that never answers.

use std::time::{Duration, Instant};

use super::{TIMEOUT, check, check_within, config};
use crate::harness::Env;

#[test]
fn a_local_search_skips_links_fifos_and_giants_with_a_warning() {
    let env = Env::new("");
    let cur = env.path("store/INBOX/cur");
    std::fs::create_dir_all(&cur).unwrap();
    std::fs::create_dir_all(env.path("store/INBOX/new")).unwrap();
    std::fs::write(cur.join("1.M1P1Q1.h,U=1:2,S"), "Subject: real\r\n\r\nfind me\r\n").unwrap();
    std::os::unix::fs::symlink("/dev/zero", cur.join("2.M1P1Q1.h,U=2:2,S")).unwrap();
    let fifo = cur.join("3.M1P1Q1.h,U=3:2,S");
    let status = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(status.success());
    std::fs::File::create(cur.join("4.M1P1Q1.h,U=4:2,S")).unwrap().set_len(1 << 30).unwrap();
    let store = format!("maildir:{}", env.path("store").display());
    let run = env.owl(&["search", "--local", &store, "--json", "find"]);
    check("search --local over /dev/zero link, FIFO, 1 GiB file", &run, 0, "");
    assert_eq!(run.json().as_array().map(Vec::len), Some(1), "{}", run.stdout);
    assert_eq!(run.stderr.matches("skipped").count(), 3, "{}", run.stderr);
}

#[test]
fn a_query_nested_without_end_is_a_usage_error() {
    let env = Env::new("");
    let query = format!("{}from:x{}", "(".repeat(20_000), ")".repeat(20_000));
    let run = env.owl(&["search", "--local", "/nonexistent", &query]);
    check("search query nested 20,000 levels", &run, 64, "bad search query");
}

#[test]
fn configs_that_are_not_configs_are_78_naming_the_file() {
    for (name, text) in [
        ("binary garbage", String::from_utf8_lossy(&[0xff, 0x00, 0x1b, b'[', b'2', b'J']).into_owned()),
        ("arrays nested 10,000 deep", format!("x = {}1{}", "[".repeat(10_000), "]".repeat(10_000))),
        ("a 20 MB string", format!("[accounts.a]\nname = \"{}\"\n", "n".repeat(20 << 20))),
        ("an unknown key", "[accounts.a]\nhots = 1\n".to_string()),
    ] {
        let env = Env::new(&text);
        let run = env.owl(&["list"]);
        check(&format!("config: {name}"), &run, 78, "config.toml");
        if name.starts_with("a 20 MB") {
            assert!(run.stderr.contains("more than a config file can be"), "{}", run.stderr);
        }
    }
}

#[test]
fn a_password_command_that_never_answers_is_stopped_within_the_timeout() {
    let fake = crate::harness::fake::Fake::start(|conn| {
        conn.send("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready\r\n");
        // owl asks for the password now, and gives up on the command.
        conn.expect_eof();
    });
    // A duration no other run on the machine uses, so pgrep sees only ours.
    let sleep = format!("sleep 300.{}", std::process::id());
    let toml = config("imap", fake.port).replace(
        "password = \"s3cret-Passw0rd\"",
        // The grandchild keeps the pipe open: only killing the group ends it.
        &format!("password_command = \"{sleep} & {sleep}\""),
    );
    let env = Env::new(&toml);
    let started = Instant::now();
    let run = env.owl(&["list"]);
    check_within("password_command that never answers (and forks)", &run, 75, "password_command", 3 * TIMEOUT);
    // Nothing it started is left behind.
    let left = std::process::Command::new("pgrep").args(["-f", &sleep]).output().unwrap();
    assert!(left.stdout.is_empty() || started.elapsed() > Duration::from_secs(300), "left running: {left:?}");
}
