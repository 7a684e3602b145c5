//! Hostile servers and careless inputs: for each, owl must end with the
//! right exit code, one line of error, an intact store or outbox, bounded
//! memory (peak RSS under 64 MiB, from the child's own rusage) and bounded
//! time (under three times the configured timeout), and must never pass
//! a control sequence or a secret to the terminal.
//!
//! Every scenario is recorded in `hostile-report-PID.tsv` under Cargo's
//! target tmp dir (name, exit code, peak RSS, wall time), the table the
//! closing note of issue 8 asks for.

mod imap;
mod local;
mod pop3;
mod send_kill;
mod smtp;

use std::io::Write as _;
use std::time::Duration;

use crate::harness::Run;

/// The timeout configured for every fake-server account here.
pub const TIMEOUT: Duration = Duration::from_secs(2);
/// The memory ceiling: generous for a correct owl, far below what an
/// unbounded buffer reaches.
const MAX_RSS_KIB: u64 = 64 * 1024;

/// Checks `run` against what the scenario `name` must end in, and records
/// it: exit `code`, an error line containing `says` (when `code` is not 0),
/// and the ceilings.
pub fn check(name: &str, run: &Run, code: i32, says: &str) {
    check_within(name, run, code, says, 3 * TIMEOUT)
}

/// [`check`] with a wall-time ceiling of its own (scenarios that run owl
/// against a real server or make it wait on purpose).
pub fn check_within(name: &str, run: &Run, code: i32, says: &str, wall: Duration) {
    record(name, run);
    let context = || format!("scenario {name}\nstdout:\n{}\nstderr:\n{}", run.stdout, run.stderr);
    assert_eq!(run.code, code, "exit code; {}", context());
    if code != 0 {
        // With --json the error is one JSON object instead of the line.
        let errors: Vec<&str> = run
            .stderr
            .lines()
            .filter(|l| (l.starts_with("owl: ") && !l.starts_with("owl: warning: ")) || l.starts_with("{\"error\""))
            .collect();
        assert_eq!(errors.len(), 1, "one line of error; {}", context());
        assert!(errors[0].contains(says), "the error should say {says:?}; {}", context());
    }
    assert!(
        !run.stderr.contains('\x1b') && !run.stdout.contains('\x1b'),
        "a control sequence got through; {}",
        context()
    );
    assert!(run.max_rss_kib < MAX_RSS_KIB, "peak RSS {} KiB; {}", run.max_rss_kib, context());
    assert!(run.elapsed < wall, "took {:?} (ceiling {wall:?}); {}", run.elapsed, context());
}

fn record(name: &str, run: &Run) {
    let path =
        std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("hostile-report-{}.tsv", std::process::id()));
    if let Ok(mut f) = std::fs::OpenOptions::new().create(true).append(true).open(path) {
        let _ = writeln!(f, "{name}\t{}\t{}\t{:.2}", run.code, run.max_rss_kib, run.elapsed.as_secs_f64());
    }
}

/// For floods that cost owl real CPU work before a cap stops them (a
/// debug build parsing 100,000 responses on a busy machine): a timeout of
/// its own, so the ceiling of three timeouts is about hangs, not speed.
pub const SLOW_TIMEOUT: Duration = Duration::from_secs(10);

/// [`config`] with [`SLOW_TIMEOUT`].
pub fn patient_config(proto: &str, port: u16) -> String {
    config(proto, port)
        .replace(&format!("timeout = {}", TIMEOUT.as_secs()), &format!("timeout = {}", SLOW_TIMEOUT.as_secs()))
}

/// [`check`] for a run under [`patient_config`].
pub fn check_patient(name: &str, run: &Run, code: i32, says: &str) {
    check_within(name, run, code, says, 3 * SLOW_TIMEOUT)
}

/// A config with account `h` on a plaintext fake at `port` for `proto`.
pub fn config(proto: &str, port: u16) -> String {
    format!(
        "[accounts.h]\nemail = \"me@example.org\"\nuser = \"me\"\npassword = \"s3cret-Passw0rd\"\ntimeout = {}\n\
         [accounts.h.{proto}]\nhost = \"127.0.0.1\"\nport = {port}\ntls = \"none\"\n",
        TIMEOUT.as_secs()
    )
}

/// Sends `bytes` one at a time with `pause` between them: a trickle.
pub fn trickle(conn: &mut crate::harness::fake::Conn, bytes: &[u8], pause: Duration) {
    for b in bytes {
        if !conn.send_bytes(std::slice::from_ref(b)) {
            return;
        }
        std::thread::sleep(pause);
    }
}

/// Sends `line` until the client stops reading (or `max` times).
pub fn flood(conn: &mut crate::harness::fake::Conn, line: &str, max: usize) {
    let chunk = line.repeat(256);
    for _ in 0..max / 256 {
        if !conn.send_bytes(chunk.as_bytes()) {
            return;
        }
    }
}
