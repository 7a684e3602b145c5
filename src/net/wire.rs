//! TCP with timeouts and byte counting.
//!
//! Besides the per-read timeout, a [`Wire`] can carry a deadline: while one
//! is set, no read or write waits past it, however the peer trickles its
//! bytes. Sessions set one around connection set-up (TLS handshake,
//! greeting, login), which must complete within the configured timeout.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::Counters;
use crate::error::{Error, Result};

/// A connected TCP socket that counts bytes.
#[derive(Debug)]
pub struct Wire {
    tcp: TcpStream,
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
                        tcp,
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
        if self.tcp.set_nonblocking(true).is_err() {
            return false;
        }
        let pending = matches!(self.tcp.peek(&mut probe), Ok(n) if n > 0);
        let _ = self.tcp.set_nonblocking(false);
        pending
    }

    /// Closes both directions; later reads and writes fail.
    pub fn shutdown(&self) {
        let _ = self.tcp.shutdown(Shutdown::Both);
    }

    /// The underlying socket, for socket options.
    pub fn tcp(&self) -> &TcpStream {
        &self.tcp
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
        let n = self.tcp.read(buf)?;
        self.counters.add_wire_in(n);
        Ok(n)
    }
}

impl Write for Wire {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.deadline.is_some() {
            self.apply_timeout()?;
        }
        let n = self.tcp.write(buf)?;
        self.counters.add_wire_out(n);
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.tcp.flush()
    }
}
