//! `compress = auto`: a backup over a wide-area link compresses, one on
//! loopback says what it measured, and a short command never compresses.
//! The wide-area link is a relay that delays each direction
//! (`harness::latency`) in front of the real Dovecot.

use std::time::Duration;

use crate::harness::latency::Latency;
use crate::harness::real::servers;
use crate::harness::seed::{self, Msg};
use crate::harness::{Env, Imap, imap_config};

/// 5 ms each way: a 10 ms round trip, well past the 3 ms that tells a
/// wide-area link from a local one.
const ONE_WAY: Duration = Duration::from_millis(5);

fn seeded(n: usize) -> crate::harness::real::User {
    let user = servers().user();
    let messages = (0..n).map(|i| Msg::simple("a@example.org", &format!("m{i}"), &"text to compress ".repeat(200)));
    seed::append_many(&user, "INBOX", messages);
    user
}

/// A config for `user` whose IMAP goes through `relay`.
fn far_config(user: &crate::harness::real::User, relay: &Latency, extra: &str) -> String {
    let direct = format!("port = {}\n", servers().imaps);
    let config = imap_config(user, Imap::Implicit, extra);
    assert!(config.contains(&direct), "{config}");
    config.replace(&direct, &format!("port = {}\n", relay.port))
}

#[test]
fn auto_compresses_a_backup_over_a_wide_area_link() {
    let user = seeded(20);
    let relay = Latency::start(servers().imaps, ONE_WAY);
    let env = Env::new(&far_config(&user, &relay, ""));
    let into = format!("maildir:{}", env.path("store").display());
    let summary = env.owl(&["fetch", "--json", "--into", &into]).expect_code(0).json();
    let wire = &summary["wire"];
    assert_eq!(wire["compressed"], true, "{summary:#}");
    let why = wire["compression"].as_str().expect("a reason");
    assert!(why.starts_with("compress = auto: round trip ") && why.ends_with("a wide-area link"), "{why}");
    assert!(wire["ratio"].as_f64().unwrap() < 0.5, "{wire:#}");
    assert_eq!(summary["total"]["new"], 20);
}

#[test]
fn compress_false_is_obeyed_over_a_wide_area_link() {
    let user = seeded(3);
    let relay = Latency::start(servers().imaps, ONE_WAY);
    let env = Env::new(&far_config(&user, &relay, "compress = false"));
    let into = format!("maildir:{}", env.path("store").display());
    let summary = env.owl(&["fetch", "--json", "--into", &into]).expect_code(0).json();
    assert_eq!(summary["wire"]["compressed"], false, "{summary:#}");
    assert_eq!(summary["wire"]["compression"], "compress = false");
}

#[test]
fn auto_never_compresses_a_short_command() {
    let user = seeded(3);
    let relay = Latency::start(servers().imaps, ONE_WAY);
    let env = Env::new(&far_config(&user, &relay, ""));
    let run = env.owl(&["-vvv", "list", "INBOX"]);
    run.expect_code(0);
    assert!(!run.stderr.contains("COMPRESS DEFLATE"), "{}", run.stderr);
    assert!(!run.stderr.contains("NOOP"), "a list needs no measuring: {}", run.stderr);
}
