//! TCP (or, for a connection lent by owl's session holder, a local Unix
//! socket) with timeouts and byte counting.
//!
//! Besides the per-read timeout, a [`Wire`] can carry a deadline: while one
//! is set, no read or write waits past it, however the peer trickles its
//! bytes. Sessions set one around connection set-up (TLS handshake,
//! greeting, login), which must complete within the configured timeout.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream, ToSocketAddrs};
use std::os::fd::{AsFd, BorrowedFd};
use std::os::unix::net::UnixStream;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::Counters;
use crate::error::{Error, Result};

/// The socket under a [`Wire`].
#[derive(Debug)]
enum Socket {
    Tcp(TcpStream),
    /// A connection lent by the session holder (see `net::local`).
    Local(UnixStream),
}

impl Socket {
    fn set_read_timeout(&self, t: Option<Duration>) -> io::Result<()> {
        match self {
            Socket::Tcp(s) => s.set_read_timeout(t),
            Socket::Local(s) => s.set_read_timeout(t),
        }
    }
    fn set_write_timeout(&self, t: Option<Duration>) -> io::Result<()> {
        match self {
            Socket::Tcp(s) => s.set_write_timeout(t),
            Socket::Local(s) => s.set_write_timeout(t),
        }
    }
}

/// A connected socket that counts bytes.
#[derive(Debug)]
pub struct Wire {
    tcp: Socket,
    counters: Arc<Counters>,
    /// The read timeout asked for, and the one last given to the socket
    /// (shorter while a deadline is near).
    read_timeout: Option<Duration>,
    applied: Option<Duration>,
    /// The write timeout given at connect; shortened near a deadline.
    write_timeout: Duration,
    deadline: Option<Instant>,
}

impl Wire {
    /// Resolves `host` and connects to the first address that answers within
    /// `timeout`. Sets TCP_NODELAY (a command and its literal must not wait
    /// for a delayed ACK) and read/write timeouts.
    pub fn connect(host: &str, port: u16, timeout: Duration, counters: Arc<Counters>) -> Result<Wire> {
        let what = format!("connect to {host}:{port}");
        let addrs: Vec<_> = (host, port)
            .to_socket_addrs()
            .map_err(|e| Error::network(format!("{what}: cannot resolve {host}"), e))?
            .collect();
        let mut last = None;
        for addr in addrs {
            match TcpStream::connect_timeout(&addr, timeout) {
                Ok(tcp) => {
                    let setup = tcp
                        .set_nodelay(true)
                        .and_then(|()| tcp.set_read_timeout(Some(timeout)))
                        .and_then(|()| tcp.set_write_timeout(Some(timeout)))
                        .and_then(|()| socket2::SockRef::from(&tcp).set_tcp_keepalive(&keepalive()));
                    setup.map_err(|e| Error::network(&what, e))?;
                    return Ok(Wire {
                        tcp: Socket::Tcp(tcp),
                        counters,
                        read_timeout: Some(timeout),
                        applied: Some(timeout),
                        write_timeout: timeout,
                        deadline: None,
                    });
                }
                Err(e) => last = Some(e),
            }
        }
        let err = last.unwrap_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no address"));
        Err(Error::network(what, err))
    }

    /// A wire over a local socket to the session holder, with `timeout` for
    /// reads and writes.
    pub fn local(socket: UnixStream, timeout: Duration, counters: Arc<Counters>) -> io::Result<Wire> {
        socket.set_read_timeout(Some(timeout))?;
        socket.set_write_timeout(Some(timeout))?;
        Ok(Wire {
            tcp: Socket::Local(socket),
            counters,
            read_timeout: Some(timeout),
            applied: Some(timeout),
            write_timeout: timeout,
            deadline: None,
        })
    }

    /// Sets the read timeout (`None` blocks for ever).
    pub fn set_read_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        self.read_timeout = timeout;
        self.apply_timeout()
    }

    /// No read or write waits past `deadline` (`None`: no deadline).
    pub fn set_deadline(&mut self, deadline: Option<Instant>) -> io::Result<()> {
        self.deadline = deadline;
        self.apply_timeout()
    }

    /// Gives the socket the shorter of the read timeout and the time left
    /// before the deadline; an error once the deadline has passed.
    fn apply_timeout(&mut self) -> io::Result<()> {
        let (effective, write) = match self.deadline {
            None => (self.read_timeout, self.write_timeout),
            Some(deadline) => {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return Err(io::Error::new(io::ErrorKind::TimedOut, "deadline passed"));
                }
                (Some(self.read_timeout.map_or(left, |t| t.min(left))), self.write_timeout.min(left))
            }
        };
        if effective != self.applied {
            self.tcp.set_read_timeout(effective)?;
            self.tcp.set_write_timeout(Some(write))?;
            self.applied = effective;
        }
        Ok(())
    }

    /// Whether the peer already sent bytes that nobody has read yet.
    pub fn has_pending_input(&self) -> bool {
        let mut probe = [0u8; 1];
        match &self.tcp {
            Socket::Tcp(tcp) => {
                if tcp.set_nonblocking(true).is_err() {
                    return false;
                }
                let pending = matches!(tcp.peek(&mut probe), Ok(n) if n > 0);
                let _ = tcp.set_nonblocking(false);
                pending
            }
            Socket::Local(unix) => {
                let flags = rustix::net::RecvFlags::PEEK | rustix::net::RecvFlags::DONTWAIT;
                matches!(rustix::net::recv(unix, &mut probe, flags), Ok((n, _)) if n > 0)
            }
        }
    }

    /// Closes both directions; later reads and writes fail.
    pub fn shutdown(&self) {
        let _ = match &self.tcp {
            Socket::Tcp(s) => s.shutdown(Shutdown::Both),
            Socket::Local(s) => s.shutdown(Shutdown::Both),
        };
    }

    /// The socket's descriptor, to wait on it (the holder's relay).
    pub fn as_fd(&self) -> BorrowedFd<'_> {
        match &self.tcp {
            Socket::Tcp(s) => s.as_fd(),
            Socket::Local(s) => s.as_fd(),
        }
    }
}

/// Keepalive probes find a dead peer (a laptop that slept, a changed
/// network) within about 90 seconds, even while a long IDLE sends nothing.
fn keepalive() -> socket2::TcpKeepalive {
    socket2::TcpKeepalive::new()
        .with_time(Duration::from_secs(60))
        .with_interval(Duration::from_secs(10))
        .with_retries(3)
}

impl Read for Wire {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.deadline.is_some() {
            self.apply_timeout()?;
        }
        let n = match &mut self.tcp {
            Socket::Tcp(s) => s.read(buf)?,
            Socket::Local(s) => s.read(buf)?,
        };
        self.counters.add_wire_in(n);
        Ok(n)
    }
}

impl Write for Wire {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.deadline.is_some() {
            self.apply_timeout()?;
        }
        let n = match &mut self.tcp {
            Socket::Tcp(s) => s.write(buf)?,
            Socket::Local(s) => s.write(buf)?,
        };
        self.counters.add_wire_out(n);
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        match &mut self.tcp {
            Socket::Tcp(s) => s.flush(),
            Socket::Local(s) => s.flush(),
        }
    }
}
