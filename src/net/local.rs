//! Local sockets between owl processes of one user (the session holder and
//! its borrowers): a private directory, a listener that admits only peers of
//! our own uid, a connect that gives up quickly, and waiting on two sockets
//! at once. Knows no mail syntax.
//!
//! Two locks keep other users out, each enough alone: the directory is
//! mode 0700 and owned by us (checked, not assumed, since `/tmp` is shared),
//! and every accepted peer's uid is read from the kernel (SO_PEERCRED) and
//! compared with ours.

use std::fs;
use std::io;
use std::os::fd::{AsFd, BorrowedFd};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::error::{Error, Result};

/// Our own uid.
pub fn uid() -> u32 {
    rustix::process::getuid().as_raw()
}

/// The private directory for owl's sockets: `$XDG_RUNTIME_DIR/owl` when
/// that is set (systemd makes it per user, 0700), else `/tmp/owl-UID`.
/// Created 0700 if missing; refused if it exists but is not a directory
/// owned by us that only we can enter.
pub fn socket_dir() -> Result<PathBuf> {
    let dir = match std::env::var_os("XDG_RUNTIME_DIR").map(PathBuf::from) {
        Some(base) if base.is_absolute() => base.join("owl"),
        _ => std::env::temp_dir().join(format!("owl-{}", uid())),
    };
    match fs::DirBuilder::new().mode(0o700).create(&dir) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(Error::local_io(format!("create {}", dir.display()), e)),
    }
    check_private(&dir)?;
    Ok(dir)
}

/// Refuses a directory someone else owns or may enter: a socket there
/// could be another user's, or reachable by one.
pub fn check_private(dir: &Path) -> Result<()> {
    // symlink_metadata: a symlink planted in /tmp must not be followed.
    let meta = fs::symlink_metadata(dir).map_err(|e| Error::local_io(format!("inspect {}", dir.display()), e))?;
    if !meta.is_dir() {
        return Err(Error::config(format!("{} is not a directory", dir.display())));
    }
    if meta.uid() != uid() {
        return Err(Error::config(format!("{} belongs to uid {}, not to us", dir.display(), meta.uid())));
    }
    if meta.permissions().mode() & 0o077 != 0 {
        return Err(Error::config(format!(
            "{} is open to other users (mode {:o}); it must be 0700",
            dir.display(),
            meta.permissions().mode() & 0o777
        )));
    }
    Ok(())
}

/// The uid of the process at the other end of `stream`, from the kernel.
pub fn peer_uid(stream: &UnixStream) -> io::Result<u32> {
    Ok(rustix::net::sockopt::socket_peercred(stream)?.uid.as_raw())
}

/// A listening socket at `path`, which only our uid may use.
pub struct Listener {
    listener: UnixListener,
    path: PathBuf,
}

impl Listener {
    /// Binds `path`. A socket file left by a holder that died is replaced;
    /// one that still answers means another holder serves it: `None`.
    pub fn bind(path: &Path) -> Result<Option<Listener>> {
        if path.exists() {
            if UnixStream::connect(path).is_ok() {
                return Ok(None);
            }
            let _ = fs::remove_file(path);
        }
        // Bound and listening under a name of its own first, then linked
        // into place: a client that finds `path` can connect at once. A
        // socket file that exists before listen() would refuse it, and the
        // client would take the new holder for a dead one.
        let fresh = path.with_extension(format!("{}.new", std::process::id()));
        let _ = fs::remove_file(&fresh);
        let listener =
            UnixListener::bind(&fresh).map_err(|e| Error::local_io(format!("listen on {}", fresh.display()), e))?;
        let placed = fs::set_permissions(&fresh, fs::Permissions::from_mode(0o600))
            .map_err(|e| Error::local_io(format!("chmod {}", fresh.display()), e))
            .and_then(|()| match fs::hard_link(&fresh, path) {
                Ok(()) => Ok(true),
                // Another holder won the race to bind.
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(false),
                Err(e) => Err(Error::local_io(format!("listen on {}", path.display()), e)),
            });
        let _ = fs::remove_file(&fresh);
        if !placed? {
            return Ok(None);
        }
        listener.set_nonblocking(true).map_err(|e| Error::local_io("listener", e))?;
        Ok(Some(Listener { listener, path: path.to_path_buf() }))
    }

    /// The next peer of our own uid, waiting at most `tick`; peers of
    /// other uids are hung up on at once.
    pub fn accept(&self, tick: Duration) -> Result<Option<UnixStream>> {
        if !wait_readable(self.listener.as_fd(), None, tick)?.0 {
            return Ok(None);
        }
        let stream = match self.listener.accept() {
            Ok((stream, _)) => stream,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(None),
            Err(e) => return Err(Error::local_io("accept", e)),
        };
        match peer_uid(&stream) {
            Ok(peer) if peer == uid() => {}
            Ok(peer) => {
                log::warn!("refused a connection from uid {peer} on {}", self.path.display());
                return Ok(None);
            }
            Err(e) => {
                log::warn!("refused a connection whose uid is unknown: {e}");
                return Ok(None);
            }
        }
        stream.set_nonblocking(false).map_err(|e| Error::local_io("accept", e))?;
        Ok(Some(stream))
    }

    /// Where it listens.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
    }
}

/// Connects to the socket at `path`; reads and writes give up after
/// `timeout`, so a wedged peer costs at most that.
pub fn connect(path: &Path, timeout: Duration) -> io::Result<UnixStream> {
    let stream = UnixStream::connect(path)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    Ok(stream)
}

/// Waits until `a` (or `b`, when given) has something to read, or `timeout`
/// passes: which of the two are readable. A hang-up counts as readable
/// (the read then says so).
pub fn wait_readable(a: BorrowedFd<'_>, b: Option<BorrowedFd<'_>>, timeout: Duration) -> Result<(bool, bool)> {
    use rustix::event::{PollFd, PollFlags, Timespec, poll};
    let flags = PollFlags::IN | PollFlags::HUP | PollFlags::ERR;
    let deadline = Instant::now() + timeout;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let spec = Timespec { tv_sec: left.as_secs() as i64, tv_nsec: left.subsec_nanos() as i64 };
        let mut fds = vec![PollFd::from_borrowed_fd(a, flags)];
        if let Some(b) = b {
            fds.push(PollFd::from_borrowed_fd(b, flags));
        }
        match poll(&mut fds, Some(&spec)) {
            Ok(_) => {
                let ready = |fd: &PollFd<'_>| !fd.revents().is_empty();
                return Ok((ready(&fds[0]), fds.get(1).is_some_and(ready)));
            }
            Err(rustix::io::Errno::INTR) if !left.is_zero() => continue,
            Err(e) => return Err(Error::local_io("poll", e.into())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("owl-local-test-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn a_directory_others_may_enter_is_refused() {
        let dir = scratch("open");
        fs::DirBuilder::new().mode(0o755).create(&dir).unwrap();
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).unwrap();
        let err = check_private(&dir).unwrap_err();
        assert!(err.to_string().contains("must be 0700"), "{err}");
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o700)).unwrap();
        check_private(&dir).unwrap();
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_symlink_is_not_followed() {
        let dir = scratch("link");
        fs::DirBuilder::new().mode(0o700).create(&dir).unwrap();
        let link = dir.with_extension("lnk");
        let _ = fs::remove_file(&link);
        std::os::unix::fs::symlink(&dir, &link).unwrap();
        assert!(check_private(&link).is_err());
        fs::remove_file(&link).unwrap();
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_listener_admits_our_uid_and_replaces_a_stale_socket() {
        let dir = scratch("listen");
        fs::DirBuilder::new().mode(0o700).create(&dir).unwrap();
        let path = dir.join("s.sock");
        // A stale file where the socket goes.
        drop(UnixListener::bind(&path).unwrap());
        let listener = Listener::bind(&path).unwrap().expect("stale socket replaced");
        assert!(Listener::bind(&path).unwrap().is_none(), "a live socket is left alone");
        let _client = connect(&path, Duration::from_secs(1)).unwrap();
        let accepted = listener.accept(Duration::from_secs(5)).unwrap();
        assert!(accepted.is_some());
        assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        drop(listener);
        assert!(!path.exists(), "the socket goes with its listener");
        fs::remove_dir_all(&dir).unwrap();
    }
}
