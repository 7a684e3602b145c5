//! Test harness: run the built `owl` with a throwaway HOME and config, and
//! reach the real servers ([`real`]), fake ones ([`fake`]) and seed mail
//! ([`seed`]).

pub mod fake;
pub mod latency;
pub mod real;
pub mod schema;
pub mod seed;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub use real::{User, servers};

/// The result of one `owl` run.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
    /// Peak resident memory of the owl process, from its rusage.
    pub max_rss_kib: u64,
    /// The arguments owl was given (after the program name).
    pub args: Vec<String>,
}

impl Run {
    /// Parses stdout as JSON; [`run`] has already checked it against the
    /// subcommand's schema.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}\nstderr:\n{}", self.stdout, self.stderr))
    }

    /// Panics with everything printed unless the exit code is `code`.
    pub fn expect_code(&self, code: i32) -> &Run {
        assert_eq!(self.code, code, "exit code\nstdout:\n{}\nstderr:\n{}", self.stdout, self.stderr);
        self
    }
}

/// A temporary HOME with a config file.
pub struct Env {
    pub dir: tempfile::TempDir,
    pub config: PathBuf,
}

impl Env {
    /// A HOME whose config is `toml`.
    pub fn new(toml: &str) -> Env {
        let dir = tempfile::Builder::new().prefix("owl-home-").tempdir().expect("tempdir");
        let config = dir.path().join("config.toml");
        std::fs::write(&config, toml).expect("write config");
        set_mode(&config, 0o600);
        Env { dir, config }
    }

    /// Runs `owl -c CONFIG args...`.
    pub fn owl(&self, args: &[&str]) -> Run {
        self.owl_with(args, &[])
    }

    /// Runs `owl` with extra environment variables.
    pub fn owl_with(&self, args: &[&str], envs: &[(&str, &str)]) -> Run {
        let mut cmd = owl_command(self.dir.path());
        cmd.arg("-c").arg(&self.config).args(args);
        for (k, v) in envs {
            cmd.env(k, v);
        }
        run(cmd)
    }

    /// A path inside this HOME.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

/// `owl` with a clean environment under `home`.
pub fn owl_command(home: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_owl"));
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("XDG_DATA_HOME", home.join(".local/share"))
        .stdin(Stdio::null());
    cmd
}

/// Starts the program it is given in a child of its own and writes that
/// child's peak RSS (KiB, from wait4) to a file. Linux counts a forked
/// child's memory from before its exec in its peak: owl forked straight
/// from this test process (hundreds of MB, with fake servers' buffers)
/// would report the test's size, not its own. A fresh python3 is small.
const LAUNCHER: &str = r#"
import os, sys
out, argv = sys.argv[1], sys.argv[2:]
pid = os.fork()
if pid == 0:
    try:
        os.execv(argv[0], argv)
    finally:
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
with open(out, "w") as f:
    f.write(str(usage.ru_maxrss))
code = os.waitstatus_to_exitcode(status)
sys.exit(code if code >= 0 else 128 - code)
"#;

/// Runs `cmd` (made by [`owl_command`]), capturing everything, with the
/// peak RSS of the owl process itself (see [`LAUNCHER`]).
pub fn run(cmd: Command) -> Run {
    use std::io::Read;
    static RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let rss_file = std::env::temp_dir().join(format!("owl-rss-{}-{n}", std::process::id()));
    let mut wrapped = Command::new("python3");
    wrapped.arg("-c").arg(LAUNCHER).arg(&rss_file).arg(cmd.get_program()).args(cmd.get_args());
    wrapped.env_clear();
    for (key, value) in cmd.get_envs() {
        if let Some(value) = value {
            wrapped.env(key, value);
        }
    }
    if let Some(dir) = cmd.get_current_dir() {
        wrapped.current_dir(dir);
    }
    let start = Instant::now();
    let mut child = wrapped
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run owl under python3 (the tests need python3)");
    let (mut out, mut err) = (child.stdout.take().expect("stdout"), child.stderr.take().expect("stderr"));
    let stdout = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = out.read_to_end(&mut buf);
        buf
    });
    let stderr = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = err.read_to_end(&mut buf);
        buf
    });
    let status = child.wait().expect("wait for owl");
    let elapsed = start.elapsed();
    let (stdout, stderr) = (stdout.join().unwrap_or_default(), stderr.join().unwrap_or_default());
    let max_rss_kib = std::fs::read_to_string(&rss_file).ok().and_then(|t| t.trim().parse().ok()).unwrap_or(0);
    let _ = std::fs::remove_file(&rss_file);
    let run = Run {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
        elapsed,
        max_rss_kib,
        args: cmd.get_args().map(|a| a.to_string_lossy().into_owned()).collect(),
    };
    schema::check_run(&run);
    run
}

/// Waits for `pid`: its exit code (-signal when killed) and peak RSS.
pub fn wait4(pid: libc::pid_t) -> (i32, u64) {
    let mut status = 0;
    // SAFETY: plain syscall with valid out-pointers; `usage` is written
    // by the kernel before we read it.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let got = loop {
        let got = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if got == -1 && std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted {
            continue;
        }
        break got;
    };
    assert_eq!(got, pid, "wait4: {}", std::io::Error::last_os_error());
    let code = if libc::WIFEXITED(status) { libc::WEXITSTATUS(status) } else { -libc::WTERMSIG(status) };
    (code, usage.ru_maxrss as u64)
}

/// Sets a file's Unix permissions.
pub fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

/// How an account reaches the IMAP server.
#[derive(Debug, Clone, Copy)]
pub enum Imap {
    /// 127.0.0.2 on the plain port, STARTTLS required (Dovecot sends
    /// LOGINDISABLED there until TLS is up).
    StartTls,
    /// 127.0.0.1 on the implicit-TLS port.
    Implicit,
}

/// Whether this run sends the real-server tests' IMAP through session
/// holders (`OWL_TEST_HOLDER=1`, once per CI run): every config made by
/// [`imap_config`] then sets `persist`, so its first owl run starts a
/// holder and every run borrows from it. Fake-server configs stay direct.
pub fn holder_mode() -> bool {
    std::env::var_os("OWL_TEST_HOLDER").is_some_and(|v| v == "1")
}

/// A config with one account `test` for `user` over `imap`, trusting the
/// test CA. `extra` is appended inside `[accounts.test.imap]`.
pub fn imap_config(user: &User, imap: Imap, extra: &str) -> String {
    let s = servers();
    let (host, port, tls) = match imap {
        Imap::StartTls => ("127.0.0.2", s.imap, "starttls"),
        Imap::Implicit => ("127.0.0.1", s.imaps, "implicit"),
    };
    format!(
        "[accounts.test]\ndefault = true\n{persist}email = \"{user}@example.org\"\nname = \"Test User\"\nuser = \"{user}\"\n\
         password = \"{password}\"\nca_file = \"{ca}\"\n\n[accounts.test.imap]\nhost = \"{host}\"\nport = {port}\n\
         tls = \"{tls}\"\ntimeout = 10\n{extra}\n",
        user = user.name,
        password = user.password,
        ca = s.ca_file.display(),
        persist = if holder_mode() { HOLDER_PERSIST } else { "" },
    )
}

/// [`imap_config`] that connects directly even in [`holder_mode`]: for
/// tests about the direct connection itself (its trace, how many logins a
/// run makes, when its password command runs).
pub fn direct_imap_config(user: &User, imap: Imap, extra: &str) -> String {
    imap_config(user, imap, extra).replacen(HOLDER_PERSIST, "", 1)
}

/// The `persist` line of [`holder_mode`]: long enough to serve one test's
/// runs, short enough that the holders of finished tests go soon.
pub const HOLDER_PERSIST: &str = "persist = \"15s\"\n";
