//! The borrower's side of warm sessions: ask this account's holder for a
//! connection, and on any trouble say why (at -v) and let the caller
//! connect directly. With `persist` set and no holder running, start one
//! first, hand it the secret through a pipe, and borrow from it once it
//! listens.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::{ANSWER_WITHIN, PROTOCOL, Request, fingerprint, socket_path};
use crate::config::{Account, Imap};
use crate::error::{Error, Result};
use crate::imap;
use crate::net::{Counters, Stream, local};
use crate::sasl::{Credentials, Secret};

/// One run's way to this account's holder.
pub struct Link {
    fingerprint: String,
    path: Option<PathBuf>,
    /// Set when the config asks for a holder to be left behind.
    persist: Option<Duration>,
    account: String,
    config: Option<PathBuf>,
    /// Whether this run already tried to start a holder.
    started: AtomicBool,
}

impl Link {
    /// The link for `account`'s IMAP settings.
    pub fn new(account: &Account, imap: &Imap) -> Link {
        let fingerprint = fingerprint(account, imap);
        let path = match socket_path(&fingerprint) {
            Ok(path) => Some(path),
            Err(e) => {
                log::info!("session holder: {e}; connecting directly");
                None
            }
        };
        Link {
            fingerprint,
            path,
            persist: account.persist,
            account: account.name.clone(),
            config: imap.server.endpoint.origin.as_ref().map(|o| o.file.clone()),
            started: AtomicBool::new(false),
        }
    }

    /// A connection from the holder, or `None` (then connect directly).
    /// `credentials` is asked only when a holder must be started.
    pub fn borrow(
        &self,
        options: &imap::Options,
        counters: Arc<Counters>,
        credentials: &dyn Fn() -> Result<Credentials>,
    ) -> Option<imap::Session> {
        let path = self.path.as_ref()?;
        if !path.exists() {
            let persist = self.persist?;
            if self.started.swap(true, Ordering::SeqCst) {
                return None;
            }
            if let Err(e) = self.start(persist, credentials, options.endpoint.timeout) {
                log::info!("session holder: not started ({e}); connecting directly");
                return None;
            }
        }
        match borrow_from(path, &self.fingerprint, options, counters) {
            Ok(session) => {
                log::info!("{}: borrowed a warm connection from the session holder", options.label);
                Some(session)
            }
            Err(e) => {
                log::info!("session holder: {e}; connecting directly");
                None
            }
        }
    }

    /// A connection from a holder that is already running, never
    /// starting one or connecting directly (for completion, which must
    /// not make a shell wait on a server).
    pub fn borrow_running(&self, options: &imap::Options, counters: Arc<Counters>) -> Option<imap::Session> {
        let path = self.path.as_ref().filter(|path| path.exists())?;
        borrow_from(path, &self.fingerprint, options, counters).map_err(|e| log::info!("session holder: {e}")).ok()
    }

    /// Starts a holder and waits (at most `timeout`) until it listens.
    fn start(&self, persist: Duration, credentials: &dyn Fn() -> Result<Credentials>, timeout: Duration) -> Result<()> {
        let config = self.config.as_ref().ok_or_else(|| Error::config("the account's config file is unknown"))?;
        let creds = credentials()?;
        let child = spawn(config, &self.account, persist, &creds)?;
        let path = self.path.as_ref().ok_or_else(|| Error::internal("no socket path"))?;
        wait_listening(child, path, timeout * 2)
    }
}

/// Runs `owl session serve` for `account`, detached in a process group of
/// its own with no terminal, and writes it the secret.
pub fn spawn(config: &std::path::Path, account: &str, persist: Duration, creds: &Credentials) -> Result<Child> {
    use std::os::unix::process::CommandExt;
    let exe = std::env::current_exe().map_err(|e| Error::local_io("find owl's own executable", e))?;
    // The holder works from / (it must not keep a directory busy), so
    // the config's path must not depend on where this run is.
    let config = std::path::absolute(config).map_err(|e| Error::local_io("resolve the config's path", e))?;
    let mut child = Command::new(exe)
        .current_dir("/")
        .arg("--config")
        .arg(&config)
        .arg("--account")
        .arg(account)
        .args(["session", "serve", "--persist"])
        .arg(format!("{}s", persist.as_secs().max(1)))
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .map_err(|e| Error::local_io("start the session holder", e))?;
    let (kind, secret) = match &creds.secret {
        Secret::Password(p) => ("password", p),
        Secret::Token(t) => ("token", t),
    };
    if let Some(mut pipe) = child.stdin.take() {
        // Dropping the pipe closes it: the holder reads to its end.
        pipe.write_all(format!("{kind}\n{secret}\n").as_bytes())
            .map_err(|e| Error::local_io("hand the secret to the session holder", e))?;
    }
    Ok(child)
}

/// Waits until the holder listens at `path`, gives up when it exits first
/// or `timeout` passes. A holder listens only once its first connection is
/// logged in, so a borrow right after this finds one warm.
pub fn wait_listening(mut child: Child, path: &std::path::Path, timeout: Duration) -> Result<()> {
    let deadline = Instant::now() + timeout;
    loop {
        if path.exists() {
            // Reaped by nobody: the holder outlives this run, and init
            // adopts it when we exit.
            drop(child);
            return Ok(());
        }
        if let Ok(Some(status)) = child.try_wait() {
            return Err(Error::unavailable(format!("the session holder exited ({status})")));
        }
        if Instant::now() >= deadline {
            drop(child);
            return Err(Error::temp("the session holder is not ready yet"));
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Sends `request` to the holder at `path`: the connection, with the
/// request written.
pub fn ask(path: &std::path::Path, fingerprint: &str, request: Request) -> Result<std::os::unix::net::UnixStream> {
    let mut socket = local::connect(path, ANSWER_WITHIN).map_err(|e| {
        if e.kind() == std::io::ErrorKind::ConnectionRefused {
            // Nobody listens: a holder that died. The next one binds afresh.
            let _ = std::fs::remove_file(path);
            Error::network(format!("{} is stale (removed)", path.display()), e)
        } else {
            Error::network(path.display(), e)
        }
    })?;
    socket
        .write_all(format!("{PROTOCOL} {} {fingerprint}\r\n", request.as_str()).as_bytes())
        .map_err(|e| Error::network(path.display(), e))?;
    Ok(socket)
}

fn borrow_from(
    path: &std::path::Path,
    fingerprint: &str,
    options: &imap::Options,
    counters: Arc<Counters>,
) -> Result<imap::Session> {
    let socket = ask(path, fingerprint, Request::Borrow)?;
    let what = format!("session holder {}", path.display());
    let mut stream = Stream::local(socket, options.endpoint.timeout, counters, what)?;
    // A holder that does not answer at once is wedged: connect directly.
    stream.set_deadline(Some(Instant::now() + ANSWER_WITHIN))?;
    imap::Session::borrowed(stream, options)
}
