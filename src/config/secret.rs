//! Where a password or token comes from, and getting it.
//!
//! Secrets are fetched only when a connection needs them, once per run, and
//! never shown: `Debug` prints the source's kind, errors name the source,
//! not the value. A command that fetches one runs for a bounded time, with
//! bounded output; on expiry it is killed, its whole process group when
//! owl has no terminal (where it runs in a group of its own).

use std::io::{IsTerminal, Read};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::raw::CommandLine;
use crate::error::{Error, Result};
use crate::sasl::{Credentials, Secret};

/// One of the four ways the config can give a secret.
#[derive(Clone)]
pub enum SecretSource {
    /// `password_command`: its first line of output is the password.
    PasswordCommand(CommandLine),
    /// `password_env`: the password is in this environment variable.
    PasswordEnv(String),
    /// `password`: written in the config file.
    Password(String),
    /// `oauth2_token_command`: its first line of output is an access token.
    TokenCommand(CommandLine),
}

impl std::fmt::Debug for SecretSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SecretSource::PasswordCommand(_) => "PasswordCommand(..)",
            SecretSource::PasswordEnv(_) => "PasswordEnv(..)",
            SecretSource::Password(_) => "Password(<redacted>)",
            SecretSource::TokenCommand(_) => "TokenCommand(..)",
        })
    }
}

impl SecretSource {
    /// Gets the secret and pairs it with `user`; a command gets `wait` to
    /// print it.
    pub fn resolve(&self, user: &str, wait: Duration) -> Result<Credentials> {
        let secret = match self {
            SecretSource::Password(p) => Secret::Password(p.clone()),
            SecretSource::PasswordEnv(var) => match std::env::var(var) {
                Ok(value) if !value.is_empty() => Secret::Password(value),
                _ => return Err(Error::config(format!("password_env: environment variable {var} is not set"))),
            },
            SecretSource::PasswordCommand(cmd) => Secret::Password(run(cmd, "password_command", wait)?),
            SecretSource::TokenCommand(cmd) => Secret::Token(run(cmd, "oauth2_token_command", wait)?),
        };
        match &secret {
            Secret::Password(s) | Secret::Token(s) => crate::secrets::register(user, s),
        }
        Ok(Credentials { user: user.to_string(), secret })
    }

    /// Names the source without revealing a secret: the command or variable
    /// it names, or a hash of a password written in the config. Two sources
    /// with the same identity give the same secret (the session holder's
    /// config fingerprint relies on this).
    pub fn identity(&self) -> String {
        use sha2::{Digest, Sha256};
        let command = |c: &CommandLine| match c {
            CommandLine::Shell(line) => format!("sh:{line}"),
            CommandLine::Argv(argv) => format!("argv:{argv:?}"),
        };
        match self {
            SecretSource::PasswordCommand(c) => format!("password_command {}", command(c)),
            SecretSource::PasswordEnv(var) => format!("password_env {var}"),
            SecretSource::Password(p) => {
                let digest: String = Sha256::digest(p.as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
                format!("password sha256:{digest}")
            }
            SecretSource::TokenCommand(c) => format!("oauth2_token_command {}", command(c)),
        }
    }

    /// Whether this source gives an OAuth token rather than a password.
    pub fn is_token(&self) -> bool {
        matches!(self, SecretSource::TokenCommand(_))
    }
}

/// Runs a key passphrase command (`key` names it in errors) under the
/// rules of `password_command`: bounded time and output, the first line,
/// never shown. The passphrase is registered for redaction like a password.
pub fn passphrase(cmd: &CommandLine, key: &str, wait: Duration) -> Result<String> {
    let secret = run(cmd, key, wait)?;
    crate::secrets::register("", &secret);
    Ok(secret)
}

/// Most output read from a secret command: a password or token is short,
/// and a command that prints without end must not fill memory.
const MAX_OUTPUT: u64 = 64 * 1024;

/// Runs `cmd` for at most `wait` and returns the first line of its output.
fn run(cmd: &CommandLine, key: &str, wait: Duration) -> Result<String> {
    let mut command = match cmd {
        CommandLine::Shell(line) => {
            let mut c = Command::new("sh");
            c.arg("-c").arg(line);
            c
        }
        CommandLine::Argv(argv) => {
            let Some((program, args)) = argv.split_first() else {
                return Err(Error::config(format!("{key} is an empty list")));
            };
            let mut c = Command::new(program);
            c.args(args);
            c
        }
    };
    // Off a terminal the command gets a process group of its own, so that
    // on expiry everything it started dies with it. On a terminal it stays
    // in owl's group, the terminal's foreground one, so it can prompt.
    let own_group = !std::io::stdin().is_terminal();
    if own_group {
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
    }
    let mut child = command
        .stdin(Stdio::inherit())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| Error::config(format!("{key}: cannot run it")).with_source(e))?;
    let pid = child.id();
    let (stdout, stderr) = (child.stdout.take(), child.stderr.take());
    let (tx, rx) = mpsc::channel();
    let reader = move |pipe: Option<Box<dyn Read + Send>>, tx: mpsc::Sender<(bool, Vec<u8>)>, is_out: bool| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(pipe) = pipe {
                let _ = pipe.take(MAX_OUTPUT).read_to_end(&mut buf);
            }
            let _ = tx.send((is_out, buf));
        })
    };
    reader(stdout.map(|p| Box::new(p) as Box<dyn Read + Send>), tx.clone(), true);
    reader(stderr.map(|p| Box::new(p) as Box<dyn Read + Send>), tx.clone(), false);
    let waiter = std::thread::spawn(move || {
        let status = child.wait();
        let _ = tx.send((false, Vec::new()));
        status
    });
    // Three messages: stdout, stderr, and the exit (an empty stderr-like
    // one). Collect them all before the deadline.
    let deadline = Instant::now() + wait;
    let (mut out, mut err) = (None, Vec::new());
    for _ in 0..3 {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok((true, bytes)) => out = Some(bytes),
            Ok((false, bytes)) => err.extend(bytes),
            Err(_) => {
                kill(pid, own_group);
                let _ = waiter.join();
                return Err(Error::temp(format!(
                    "{key} did not finish within {} s and was stopped{}",
                    wait.as_secs(),
                    if own_group { " (with every process it started)" } else { "" }
                ))
                .with_hint("secret_timeout sets how long it may take on a terminal, timeout without one"));
            }
        }
    }
    let status = waiter
        .join()
        .map_err(|_| Error::internal(format!("{key}: waiting for it failed")))?
        .map_err(|e| Error::config(format!("{key}: cannot wait for it")).with_source(e))?;
    if !status.success() {
        let stderr = String::from_utf8_lossy(&err);
        let first = stderr.lines().next().unwrap_or("").trim();
        return Err(Error::config(format!(
            "{key} failed ({}){}",
            status,
            if first.is_empty() { String::new() } else { format!(": {first}") }
        )));
    }
    let stdout = String::from_utf8(out.unwrap_or_default())
        .map_err(|_| Error::config(format!("{key} printed invalid UTF-8")))?;
    let first = stdout.lines().next().unwrap_or("").to_string();
    if first.is_empty() {
        return Err(Error::config(format!("{key} printed nothing")));
    }
    Ok(first)
}

/// Stops a secret command that ran out of time.
fn kill(pid: u32, group: bool) {
    let Some(pid) = rustix::process::Pid::from_raw(pid as i32) else { return };
    let _ = if group {
        rustix::process::kill_process_group(pid, rustix::process::Signal::KILL)
    } else {
        rustix::process::kill_process(pid, rustix::process::Signal::KILL)
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argv_commands_run_without_a_shell() {
        let src = SecretSource::PasswordCommand(CommandLine::Argv(vec!["echo".into(), "a b; $HOME".into()]));
        assert_eq!(src.resolve("me", Duration::from_secs(10)).unwrap().password(), Some("a b; $HOME"));
    }

    #[test]
    fn shell_commands_take_the_first_line() {
        let src = SecretSource::PasswordCommand(CommandLine::Shell("printf 'pw\\nsecond\\n'".into()));
        assert_eq!(src.resolve("me", Duration::from_secs(10)).unwrap().password(), Some("pw"));
    }

    #[test]
    fn failing_commands_are_config_errors_without_the_output() {
        let src = SecretSource::PasswordCommand(CommandLine::Shell("echo leaked; echo why >&2; exit 3".into()));
        let err = src.resolve("me", Duration::from_secs(10)).unwrap_err();
        assert_eq!(err.kind(), crate::error::ErrorKind::Config);
        assert!(err.to_string().contains("why"));
        assert!(!err.to_string().contains("leaked"));
    }

    #[test]
    fn a_hanging_command_and_its_children_are_stopped_in_time() {
        // The shell starts a child that holds stdout open and never exits.
        let src = SecretSource::PasswordCommand(CommandLine::Shell("sleep 60 & sleep 60".into()));
        let started = Instant::now();
        let err = src.resolve("me", Duration::from_millis(300)).unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
        assert_eq!(err.kind(), crate::error::ErrorKind::TempFail);
        assert!(err.to_string().contains("did not finish within"), "{err}");
    }

    #[test]
    fn endless_output_is_cut_off_not_collected() {
        // Reading stops at the cap and the pipe closes: the writer dies of
        // SIGPIPE, which makes the command a failure, at once.
        let src = SecretSource::PasswordCommand(CommandLine::Shell("echo pw; exec yes".into()));
        let started = Instant::now();
        let err = src.resolve("me", Duration::from_secs(20)).unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(10), "{:?}", started.elapsed());
        assert_eq!(err.kind(), crate::error::ErrorKind::Config, "{err}");
    }

    #[test]
    fn debug_hides_plain_passwords() {
        assert!(!format!("{:?}", SecretSource::Password("hunter2".into())).contains("hunter2"));
    }
}
