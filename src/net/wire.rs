//! TCP with timeouts, byte counting and a look at the TLS handshake.
//!
//! Besides the per-read timeout, a [`Wire`] can carry a deadline: while one
//! is set, no read or write waits past it, however the peer trickles its
//! bytes. Sessions set one around connection set-up (TLS handshake,
//! greeting, login), which must complete within the configured timeout.
//!
//! native-tls does not say which TLS version it negotiated, so [`Wire`]
//! keeps the first bytes the server sends during a handshake and
//! [`tls_version_from_server_hello`] reads the version from the ServerHello
//! (sent in clear in TLS 1.2 and 1.3 alike).

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::Counters;
use crate::error::{Error, Result};

/// How many handshake bytes to keep: a ServerHello fits easily.
const SNIFF_LIMIT: usize = 4096;

/// A connected TCP socket that counts bytes.
#[derive(Debug)]
pub struct Wire {
    tcp: TcpStream,
    counters: Arc<Counters>,
    sniff: Option<Vec<u8>>,
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
                        sniff: None,
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

    /// Starts keeping received bytes for [`Wire::take_sniffed`].
    pub fn start_sniffing(&mut self) {
        self.sniff = Some(Vec::new());
    }

    /// Stops keeping received bytes and returns what was kept.
    pub fn take_sniffed(&mut self) -> Vec<u8> {
        self.sniff.take().unwrap_or_default()
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
        if let Some(sniff) = self.sniff.as_mut() {
            let room = SNIFF_LIMIT.saturating_sub(sniff.len());
            sniff.extend_from_slice(&buf[..n.min(room)]);
        }
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

/// Reads the negotiated TLS version from the server's first handshake
/// record: the `supported_versions` extension (TLS 1.3) or else the
/// ServerHello's own version field.
pub fn tls_version_from_server_hello(bytes: &[u8]) -> Option<&'static str> {
    // TLS record: type 22 (handshake), version (2), length (2).
    if bytes.len() < 5 || bytes[0] != 22 {
        return None;
    }
    let body = bytes.get(5..)?;
    // Handshake: type 2 (ServerHello), length (3).
    if body.first() != Some(&2) {
        return None;
    }
    let hello = body.get(4..)?;
    let legacy = u16::from_be_bytes([*hello.first()?, *hello.get(1)?]);
    let mut at = 2 + 32; // version, random
    let session_len = *hello.get(at)? as usize;
    at += 1 + session_len + 2 + 1; // session id, cipher suite, compression
    let ext_len = u16::from_be_bytes([*hello.get(at)?, *hello.get(at + 1)?]) as usize;
    at += 2;
    let end = (at + ext_len).min(hello.len());
    let mut version = legacy;
    while at + 4 <= end {
        let kind = u16::from_be_bytes([hello[at], hello[at + 1]]);
        let len = u16::from_be_bytes([hello[at + 2], hello[at + 3]]) as usize;
        at += 4;
        if kind == 0x002b && len == 2 && at + 2 <= end {
            version = u16::from_be_bytes([hello[at], hello[at + 1]]);
        }
        at += len;
    }
    match version {
        0x0304 => Some("TLSv1.3"),
        0x0303 => Some("TLSv1.2"),
        0x0302 => Some("TLSv1.1"),
        0x0301 => Some("TLSv1.0"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server_hello(legacy: [u8; 2], extensions: &[u8]) -> Vec<u8> {
        let mut hello = Vec::new();
        hello.extend_from_slice(&legacy);
        hello.extend_from_slice(&[7u8; 32]);
        hello.push(32);
        hello.extend_from_slice(&[9u8; 32]);
        hello.extend_from_slice(&[0x13, 0x02, 0]);
        hello.extend_from_slice(&(extensions.len() as u16).to_be_bytes());
        hello.extend_from_slice(extensions);
        let mut handshake = vec![2, 0, 0, hello.len() as u8];
        handshake.extend_from_slice(&hello);
        let mut record = vec![22, 3, 3, 0, handshake.len() as u8];
        record.extend_from_slice(&handshake);
        record
    }

    #[test]
    fn reads_tls13_from_supported_versions() {
        let ext = [0x00, 0x2b, 0x00, 0x02, 0x03, 0x04];
        assert_eq!(tls_version_from_server_hello(&server_hello([3, 3], &ext)), Some("TLSv1.3"));
    }

    #[test]
    fn falls_back_to_the_legacy_version() {
        let ext = [0xff, 0x01, 0x00, 0x01, 0x00];
        assert_eq!(tls_version_from_server_hello(&server_hello([3, 3], &ext)), Some("TLSv1.2"));
    }

    #[test]
    fn garbage_is_not_a_version() {
        assert_eq!(tls_version_from_server_hello(b"* OK hello\r\n"), None);
        assert_eq!(tls_version_from_server_hello(&[22, 3, 3]), None);
        let mut truncated = server_hello([3, 3], &[0x00, 0x2b, 0x00, 0x02, 0x03, 0x04]);
        truncated.truncate(20);
        assert_eq!(tls_version_from_server_hello(&truncated), None);
    }
}
