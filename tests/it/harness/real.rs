//! Real Dovecot and Postfix on loopback, started once per test binary.
//!
//! The first test that needs them runs `tests/support/mail-servers.sh` on
//! free ports with a throwaway CA; a guardian process (in its own session,
//! so Ctrl-C does not kill it first) waits for this process's pipe to close
//! and then stops the servers and deletes their directory. Each test takes
//! its own mail user (`u1`, `u2`, ...) so tests never see each other's mail.

use std::fs::File;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{OnceLock, RwLock, RwLockReadGuard, RwLockWriteGuard};

/// How many users the servers know; tests take one each.
const USERS: usize = 200;

/// The running servers.
pub struct Servers {
    pub dir: PathBuf,
    pub imap: u16,
    pub imaps: u16,
    pub pop3: u16,
    pub pop3s: u16,
    pub smtp: u16,
    pub smtps: u16,
    pub ca_file: PathBuf,
    pub cert_file: PathBuf,
    pub key_file: PathBuf,
    next_user: AtomicUsize,
    _guardian: ChildStdin,
}

/// A mail user of its own for one test.
#[derive(Debug, Clone)]
pub struct User {
    pub name: String,
    pub password: String,
}

impl User {
    /// The user's Maildir on the server side.
    pub fn maildir(&self) -> PathBuf {
        servers().dir.join("mail").join(&self.name).join("Maildir")
    }

    /// An address that Postfix delivers to this user.
    pub fn address(&self) -> String {
        format!("{}@example.org", self.name)
    }
}

fn postfix_lock() -> &'static RwLock<()> {
    static LOCK: RwLock<()> = RwLock::new(());
    &LOCK
}

/// Starts the servers on first use.
pub fn servers() -> &'static Servers {
    static SERVERS: OnceLock<Servers> = OnceLock::new();
    SERVERS.get_or_init(start)
}

impl Servers {
    /// A fresh user nobody else uses.
    pub fn user(&self) -> User {
        let n = self.next_user.fetch_add(1, Ordering::SeqCst) + 1;
        assert!(n <= USERS, "tests need more than {USERS} mail users: raise USERS in harness/real.rs");
        User { name: format!("u{n}"), password: format!("pw-u{n}") }
    }

    /// Dovecot's log, for counting logins.
    pub fn dovecot_log(&self) -> String {
        std::fs::read_to_string(self.dir.join("log/dovecot.log")).unwrap_or_default()
    }

    /// Postfix's log, for envelope recipients.
    pub fn postfix_log(&self) -> String {
        std::fs::read_to_string(self.dir.join("log/postfix.log")).unwrap_or_default()
    }

    /// Held by every test that sends mail, so one test can stop Postfix
    /// without pulling it from under the others.
    pub fn postfix_shared(&self) -> RwLockReadGuard<'static, ()> {
        postfix_lock().read().unwrap_or_else(|e| e.into_inner())
    }

    /// Held by a test that stops Postfix or counts its connections.
    pub fn postfix_exclusive(&self) -> RwLockWriteGuard<'static, ()> {
        postfix_lock().write().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs `postfix -c ... stop|start`; on start, waits for the port.
    pub fn postfix(&self, action: &str) {
        let etc = self.dir.join("postfix/etc");
        let log = File::options().create(true).append(true).open(self.dir.join("log/postfix.stderr")).expect("log");
        let status = Command::new("postfix")
            .arg("-c")
            .arg(&etc)
            .arg(action)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .status()
            .expect("run postfix");
        assert!(status.success(), "postfix {action} failed");
        let up = |port| std::net::TcpStream::connect(("127.0.0.1", port)).is_ok();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        // Postfix stops and starts asynchronously: wait for the port to
        // reach the state asked for.
        while up(self.smtp) != (action == "start") {
            assert!(std::time::Instant::now() < deadline, "postfix did not {action}");
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }
}

fn free_ports(n: usize) -> Vec<u16> {
    // Hold all listeners until every port is chosen, so they differ.
    let listeners: Vec<TcpListener> =
        (0..n).map(|_| TcpListener::bind("127.0.0.1:0").expect("bind a free port")).collect();
    listeners.iter().map(|l| l.local_addr().expect("local addr").port()).collect()
}

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/mail-servers.sh")
}

fn start() -> Servers {
    let dir = PathBuf::from(format!("/tmp/owl-it-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create the server directory");
    let ports = free_ports(7);
    let names = ["IMAP_PORT", "IMAPS_PORT", "POP3_PORT", "POP3S_PORT", "LMTP_PORT", "SMTP_PORT", "SMTPS_PORT"];
    let out_path = dir.join("start.out");
    let err_path = dir.join("start.err");
    // Never a pipe: Dovecot's master would keep it open for ever.
    let status = Command::new("bash")
        .arg(script())
        .arg("start")
        .arg(&dir)
        .envs(names.iter().zip(&ports).map(|(k, v)| (*k, v.to_string())))
        .env("MAILTEST_USERS", USERS.to_string())
        .stdin(Stdio::null())
        .stdout(File::create(&out_path).expect("start.out"))
        .stderr(File::create(&err_path).expect("start.err"))
        .status()
        .expect("run tests/support/mail-servers.sh");
    if !status.success() {
        panic!(
            "could not start the test mail servers ({status}); this needs root and Debian's dovecot and postfix \
             (.ci/run installs them):\n{}",
            std::fs::read_to_string(&err_path).unwrap_or_default()
        );
    }
    let guardian = Command::new("setsid")
        .args(["bash", "-c", "read -r _; MAILTEST_CLEAN=1 exec bash \"$0\" stop \"$1\""])
        .arg(script())
        .arg(&dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the guardian that stops the servers")
        .stdin
        .take()
        .expect("guardian stdin");
    let tls = dir.join("tls");
    Servers {
        imap: ports[0],
        imaps: ports[1],
        pop3: ports[2],
        pop3s: ports[3],
        smtp: ports[5],
        smtps: ports[6],
        ca_file: tls.join("ca.pem"),
        cert_file: tls.join("cert.pem"),
        key_file: tls.join("key.pem"),
        dir,
        next_user: AtomicUsize::new(0),
        _guardian: guardian,
    }
}
