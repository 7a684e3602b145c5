//! Warm sessions (`owl session`, `persist`): a holder lends logged-in
//! connections to later runs over a private socket, against the real
//! Dovecot. Each test has a runtime directory of its own, so its holders
//! and sockets are its own.

use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::harness::seed::{self, Msg};
use crate::harness::{Env, Imap, Run, User, direct_imap_config, owl_command, run, servers};

/// A HOME with a config and a runtime directory of its own.
struct Warm {
    env: Env,
    runtime: PathBuf,
}

impl Warm {
    fn new(user: &User, extra_account: &str) -> Warm {
        Warm::with_imap(user, extra_account, "connections = 2")
    }

    fn with_imap(user: &User, extra_account: &str, extra_imap: &str) -> Warm {
        // These tests start their own holders, whatever the run's mode.
        let config = direct_imap_config(user, Imap::Implicit, extra_imap);
        let config = config.replacen("default = true\n", &format!("default = true\n{extra_account}"), 1);
        let env = Env::new(&config);
        let runtime = env.path("run");
        std::fs::create_dir(&runtime).unwrap();
        std::fs::set_permissions(&runtime, std::fs::Permissions::from_mode(0o700)).unwrap();
        Warm { env, runtime }
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = owl_command(self.env.dir.path());
        cmd.env("XDG_RUNTIME_DIR", &self.runtime).arg("-c").arg(&self.env.config).args(args);
        cmd
    }

    fn owl(&self, args: &[&str]) -> Run {
        run(self.command(args))
    }

    fn sockets(&self) -> Vec<PathBuf> {
        match std::fs::read_dir(self.runtime.join("owl")) {
            Ok(dir) => dir.filter_map(|e| e.ok().map(|e| e.path())).collect(),
            Err(_) => Vec::new(),
        }
    }

    fn status(&self) -> serde_json::Value {
        let status = self.owl(&["session", "status", "--json"]);
        status.expect_code(0);
        status.json()
    }

    fn holder_pids(&self) -> Vec<i32> {
        self.status()["holders"].as_array().unwrap().iter().map(|h| h["pid"].as_i64().unwrap() as i32).collect()
    }

    fn start(&self) -> i32 {
        let start = self.owl(&["session", "start", "--json"]);
        start.expect_code(0);
        start.json()["holders"][0]["pid"].as_i64().unwrap() as i32
    }
}

impl Drop for Warm {
    fn drop(&mut self) {
        let _ = self.owl(&["session", "stop"]);
    }
}

fn borrowed(run: &Run) -> bool {
    run.stderr.contains("borrowed a warm connection from the session holder")
}

/// Waits (at most `bound`) until `done` holds.
fn wait_until(bound: Duration, what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + bound;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn alive(pid: i32) -> bool {
    // A zombie (exited, not yet reaped) counts as gone.
    let status = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    !status.is_empty() && status.split(' ').nth(2).is_none_or(|s| s != "Z")
}

fn logins(user: &User) -> usize {
    servers().dovecot_log().matches(&format!("Login: user=<{}>", user.name)).count()
}

fn seed_inbox(user: &User, n: usize) {
    seed::append_many(
        user,
        "INBOX",
        (1..=n).map(|i| Msg::simple("alice@example.org", &format!("message {i}"), &format!("body {i}\r\n"))),
    );
}

#[test]
fn a_started_holder_lends_warm_connections_and_borrowers_never_log_in() {
    let user = servers().user();
    seed_inbox(&user, 12);
    let warm = Warm::new(&user, "");
    let direct = warm.owl(&["list", "INBOX", "-n", "10", "--json"]);
    direct.expect_code(0);
    warm.start();
    let before = logins(&user);
    for _ in 0..3 {
        let run = warm.owl(&["-v", "list", "INBOX", "-n", "10", "--json"]);
        run.expect_code(0);
        assert!(borrowed(&run), "{}", run.stderr);
        assert_eq!(run.stdout, direct.stdout, "a borrowed connection lists what a direct one does");
    }
    let read = warm.owl(&["-v", "read", "INBOX", "3", "--raw", "--peek"]);
    read.expect_code(0);
    assert!(borrowed(&read) && read.stdout.contains("message 3"), "{}{}", read.stdout, read.stderr);
    // The holder itself opens one spare beside the connection it lends
    // (connections = 2 here); the borrowers never log in.
    assert!(logins(&user) <= before + 1, "{} logins for 4 borrowers", logins(&user) - before);
    let status = warm.status();
    let holder = &status["holders"][0];
    assert_eq!(holder["account"], "test");
    assert!(holder["loans"].as_u64().unwrap() >= 4, "{status}");
    assert_eq!(holder["connections"][0]["state"], "idle");
    let table = warm.owl(&["session", "status"]);
    table.expect_code(0);
    assert!(table.stdout.starts_with("test  pid ") && table.stdout.contains("imap#1    idle"), "{}", table.stdout);
    let stop = warm.owl(&["session", "stop"]);
    stop.expect_code(0);
    assert!(stop.stdout.starts_with("stopped 1 session holder\n"), "{}", stop.stdout);
    assert_eq!(warm.owl(&["session", "status"]).stdout, "no session holder is running\n");
}

#[test]
fn persist_leaves_a_holder_that_exits_after_its_time_without_clients() {
    let user = servers().user();
    seed_inbox(&user, 2);
    let warm = Warm::new(&user, "persist = \"5s\"\n");
    let first = warm.owl(&["-v", "list", "INBOX", "--json"]);
    first.expect_code(0);
    let second = warm.owl(&["-v", "list", "INBOX", "--json"]);
    second.expect_code(0);
    assert!(borrowed(&second), "the first run left a holder behind: {}", second.stderr);
    assert_eq!(second.stdout, first.stdout);
    let pids = warm.holder_pids();
    assert_eq!(pids.len(), 1);
    wait_until(Duration::from_secs(15), "the holder exits after persist", || !alive(pids[0]));
    assert!(warm.sockets().is_empty(), "its socket went with it: {:?}", warm.sockets());
}

#[test]
fn a_changed_config_gets_fresh_connections() {
    let user = servers().user();
    seed_inbox(&user, 1);
    let warm = Warm::new(&user, "");
    warm.start();
    let run = warm.owl(&["-v", "list", "INBOX"]);
    assert!(borrowed(&run), "{}", run.stderr);
    let original = std::fs::read_to_string(&warm.env.config).unwrap();
    let changes = [
        // Another host name for the same server (the CA's certificate names both).
        original.replace("host = \"127.0.0.1\"", "host = \"localhost\""),
        original.replace(&format!("user = \"{}\"", user.name), &format!("user = \"{}\"\n", user.name)).replace(
            &format!("password = \"{}\"", user.password),
            &format!("password_command = \"echo {}\"", user.password),
        ),
    ];
    for changed in changes {
        std::fs::write(&warm.env.config, &changed).unwrap();
        let run = warm.owl(&["-v", "list", "INBOX"]);
        run.expect_code(0);
        assert!(!borrowed(&run), "a changed config borrowed the old holder's connection:\n{}", run.stderr);
    }
    std::fs::write(&warm.env.config, &original).unwrap();
    let run = warm.owl(&["-v", "list", "INBOX"]);
    assert!(borrowed(&run), "{}", run.stderr);
}

#[test]
fn kill_9_of_the_holder_never_fails_the_next_run() {
    let user = servers().user();
    seed_inbox(&user, 3);
    let warm = Warm::new(&user, "");
    let pid = warm.start();
    let run = warm.owl(&["-v", "list", "INBOX", "--json"]);
    assert!(borrowed(&run), "{}", run.stderr);
    rustix_kill(pid);
    wait_until(Duration::from_secs(5), "the holder is gone", || !alive(pid));
    assert!(!warm.sockets().is_empty(), "kill -9 leaves the socket file behind");
    let started = Instant::now();
    let after = warm.owl(&["-v", "list", "INBOX", "--json"]);
    after.expect_code(0);
    assert_eq!(after.stdout, run.stdout);
    assert!(!borrowed(&after) && after.stderr.contains("stale"), "{}", after.stderr);
    assert!(started.elapsed() < Duration::from_secs(5), "the stale socket cost {:?}", started.elapsed());
}

#[test]
fn a_wedged_holder_costs_a_short_wait_and_a_direct_connection() {
    let user = servers().user();
    seed_inbox(&user, 1);
    let warm = Warm::new(&user, "");
    let pid = warm.start();
    signal(pid, "STOP");
    let started = Instant::now();
    let run = warm.owl(&["-v", "list", "INBOX"]);
    let took = started.elapsed();
    signal(pid, "CONT");
    run.expect_code(0);
    assert!(!borrowed(&run), "{}", run.stderr);
    assert!(took < Duration::from_secs(5), "a wedged holder cost {took:?}");
}

/// One big message, so a FETCH of it is still streaming when a kill comes.
fn big_message() -> Vec<u8> {
    let mut m = b"From: a@example.org\r\nSubject: big\r\n\r\n".to_vec();
    for i in 0..400_000 {
        m.extend_from_slice(format!("line {i:08} of a large message body\r\n").as_bytes());
    }
    m
}

#[test]
fn kill_9_of_the_holder_mid_fetch_lets_that_command_finish_directly() {
    let user = servers().user();
    let big = big_message();
    seed::append(&user, "INBOX", vec![Msg::raw(big.clone())]);
    let warm = Warm::new(&user, "");
    let pid = warm.start();
    let mut cmd = warm.command(&["-v", "read", "INBOX", "1", "--raw", "--peek"]);
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    // Nothing reads the pipe until the holder is dead, so the transfer
    // (16 MB, far more than the pipe and socket buffers) is surely
    // mid-way when the kill lands.
    let mut stdout = child.stdout.take().unwrap();
    let mut received = vec![0u8; 4096];
    stdout.read_exact(&mut received).unwrap();
    signal(pid, "KILL");
    let started = Instant::now();
    stdout.read_to_end(&mut received).unwrap();
    let done = child.wait_with_output().unwrap();
    assert!(started.elapsed() < Duration::from_secs(15), "the borrower hung {:?}", started.elapsed());
    let stderr = String::from_utf8_lossy(&done.stderr);
    assert_eq!(done.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("the loan from the session holder broke"), "{stderr}");
    // The transfer resumed on a direct connection where the loan broke:
    // every byte once, in order.
    assert!(received == big, "{} bytes of {} arrived, not the message: {stderr}", received.len(), big.len());
    let again = warm.owl(&["-v", "read", "INBOX", "1", "--raw", "--peek"]);
    again.expect_code(0);
    assert!(!borrowed(&again), "{}", again.stderr);
    assert_eq!(again.stdout.len(), big.len());
}

#[test]
fn a_borrower_killed_mid_fetch_leaves_a_clean_session() {
    let user = servers().user();
    let big = big_message();
    seed::append(&user, "INBOX", vec![Msg::raw(big.clone()), Msg::simple("b@example.org", "small", "hello\r\n")]);
    let warm = Warm::with_imap(&user, "", "connections = 1");
    warm.start();
    let out = warm.env.path("partial.eml");
    let mut cmd = warm.command(&["read", "INBOX", "1", "--raw", "--peek"]);
    cmd.stdout(std::fs::File::create(&out).unwrap()).stderr(Stdio::null());
    let mut child = cmd.spawn().unwrap();
    wait_until(Duration::from_secs(30), "the borrower is mid-FETCH", || {
        std::fs::metadata(&out).map(|m| m.len()).unwrap_or(0) > 0
    });
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        (std::fs::metadata(&out).unwrap().len() as usize) < big.len(),
        "the borrower was killed before the message was whole"
    );
    // The next borrower gets the one connection, with nothing selected and
    // nothing left over from the FETCH.
    for (uid, expect) in [("2", b"hello".as_slice()), ("1", &big[big.len() - 40..])] {
        let mut next = None;
        wait_until(Duration::from_secs(30), "the holder has its connection back", || {
            let run = warm.owl(&["-v", "read", "INBOX", uid, "--raw", "--peek"]);
            let ok = borrowed(&run);
            next = Some(run);
            ok
        });
        let next = next.unwrap();
        next.expect_code(0);
        assert!(next.stdout.as_bytes().windows(expect.len()).any(|w| w == expect), "uid {uid}: {}", next.stderr);
    }
}

#[test]
fn another_uid_is_refused_by_the_directory_and_by_the_peer_check() {
    let user = servers().user();
    seed_inbox(&user, 1);
    let warm = Warm::new(&user, "");
    warm.start();
    let socket = warm.sockets().into_iter().find(|p| p.extension().is_some_and(|x| x == "sock")).unwrap();
    // As nobody, the 0700 directory keeps the socket out of reach.
    let as_nobody = |path: &Path| {
        let script = format!(
            "import socket,sys\ns=socket.socket(socket.AF_UNIX)\ns.settimeout(5)\ntry:\n s.connect({:?})\n \
             s.sendall(b'OWL-HOLDER-1 describe x\\r\\n')\n d=s.recv(100)\n print('got', d)\nexcept OSError as e:\n \
             print('refused', e.errno)\n",
            path.display().to_string()
        );
        let out = Command::new("runuser").args(["-u", "nobody", "--", "python3", "-c", &script]).output().unwrap();
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr)
    };
    let through_dir = as_nobody(&socket);
    assert!(through_dir.contains("refused 13"), "EACCES expected: {through_dir}");
    // Opened up, the holder's own check hangs up on another uid.
    let dir = socket.parent().unwrap();
    std::fs::set_permissions(warm.env.dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(&warm.runtime, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(&socket, std::fs::Permissions::from_mode(0o777)).unwrap();
    let through_socket = as_nobody(&socket);
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    // It hangs up at once: the read sees the end, or the write a broken pipe.
    assert!(
        through_socket.contains("got b''")
            || through_socket.contains("refused 32")
            || through_socket.contains("refused 104"),
        "the holder must hang up on uid nobody: {through_socket}"
    );
    // And an owl run refuses a directory others may enter.
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let run = warm.owl(&["-v", "list", "INBOX"]);
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    run.expect_code(0);
    assert!(!borrowed(&run) && run.stderr.contains("must be 0700"), "{}", run.stderr);
}

fn signal(pid: i32, name: &str) {
    let ok = Command::new("kill").arg(format!("-{name}")).arg(pid.to_string()).status().unwrap().success();
    assert!(ok, "kill -{name} {pid}");
}

fn rustix_kill(pid: i32) {
    signal(pid, "KILL");
}

/// Completion offers the server's own mailboxes only through a holder
/// that is already running: without one it never connects.
#[test]
fn completion_lists_the_servers_mailboxes_through_a_running_holder_only() {
    let user = servers().user();
    seed::append(&user, "Projects/Owl", vec![Msg::simple("a@example.org", "one", "1")]);
    let warm = Warm::new(&user, "");
    let complete = || {
        let mut cmd = owl_command(warm.env.dir.path());
        cmd.env("XDG_RUNTIME_DIR", &warm.runtime)
            .env("OWL_CONFIG", &warm.env.config)
            .env("OWL_COMPLETE", "bash")
            .args(["--", "owl", "list", ""]);
        let out = cmd.output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap().lines().map(String::from).collect::<Vec<_>>()
    };
    let logins_before = logins(&user);
    let cold = complete();
    assert!(!cold.iter().any(|m| m == "Projects/Owl"), "{cold:?}");
    assert_eq!(logins(&user), logins_before, "completion connected without a holder");
    warm.start();
    let offered = complete();
    for mailbox in ["INBOX", "Projects/Owl"] {
        assert!(offered.iter().any(|m| m == mailbox), "{mailbox} is on the server: {offered:?}");
    }
}
