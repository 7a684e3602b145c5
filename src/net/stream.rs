//! [`Stream`]: one connection, whatever layers it has (TCP, TLS, DEFLATE).
//!
//! The protocol sessions read and write a `Stream` and ask it to upgrade in
//! place: [`Stream::start_tls`] for STARTTLS/STLS, [`Stream::start_deflate_with`]
//! for IMAP COMPRESS. Protocol bytes are counted here, above every layer.

use std::io::{self, Read, Write};
use std::sync::Arc;
use std::time::{Duration, Instant};

use openssl::ssl::SslStream;

use super::deflate::Deflate;
use super::tls::{self, TlsInfo};
use super::wire::Wire;
use super::{Counters, Endpoint, Security};
use crate::error::{Error, Result, ResultExt};

enum Base {
    Plain(Wire),
    Tls(Box<SslStream<Wire>>),
}

impl Base {
    fn wire(&self) -> &Wire {
        match self {
            Base::Plain(w) => w,
            Base::Tls(t) => t.get_ref(),
        }
    }

    fn wire_mut(&mut self) -> &mut Wire {
        match self {
            Base::Plain(w) => w,
            Base::Tls(t) => t.get_mut(),
        }
    }
}

impl Read for Base {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Base::Plain(w) => w.read(buf),
            Base::Tls(t) => t.read(buf),
        }
    }
}

impl Write for Base {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Base::Plain(w) => w.write(buf),
            Base::Tls(t) => t.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Base::Plain(w) => w.flush(),
            Base::Tls(t) => t.flush(),
        }
    }
}

enum Layers {
    Base(Base),
    Deflate(Box<Deflate<Base>>),
    /// Only while an upgrade is in progress; an upgrade that fails leaves
    /// the stream here and every later use fails.
    Broken,
}

/// A connection to a mail server.
pub struct Stream {
    layers: Layers,
    counters: Arc<Counters>,
    tls: Option<TlsInfo>,
    address: String,
}

impl Stream {
    /// Connects to `endpoint`; with implicit TLS the handshake is done
    /// before this returns.
    /// The connection's set-up deadline (`endpoint.timeout` from now) is
    /// set; the session clears it once it is ready (see
    /// [`Stream::set_deadline`]).
    pub fn connect(endpoint: &Endpoint, counters: Arc<Counters>) -> Result<Stream> {
        let address = endpoint.address();
        if endpoint.security != Security::DangerPlaintext {
            tls::prepare(&endpoint.tls);
        }
        let mut wire = Wire::connect(&endpoint.host, endpoint.port, endpoint.timeout, counters.clone())?;
        wire.set_deadline(Some(Instant::now() + endpoint.timeout)).map_err(|e| Error::network(&address, e))?;
        let mut stream = Stream { layers: Layers::Base(Base::Plain(wire)), counters, tls: None, address };
        if endpoint.security == Security::Implicit {
            stream.start_tls(&endpoint.host, &endpoint.tls)?;
        }
        Ok(stream)
    }

    /// A connection lent by owl's session holder over the local socket
    /// `socket`: plain bytes here, while the holder's own connection to
    /// `address` carries the TLS and compression.
    pub fn local(
        socket: std::os::unix::net::UnixStream,
        timeout: Duration,
        counters: Arc<Counters>,
        address: String,
    ) -> Result<Stream> {
        let wire = Wire::local(socket, timeout, counters.clone()).map_err(|e| Error::network(&address, e))?;
        Ok(Stream { layers: Layers::Base(Base::Plain(wire)), counters, tls: None, address })
    }

    /// The socket's descriptor, to wait on it together with another one
    /// (the holder's relay); `None` after a failed upgrade.
    pub fn as_fd(&self) -> Option<std::os::fd::BorrowedFd<'_>> {
        self.wire().map(Wire::as_fd)
    }

    /// No read or write waits past `deadline` (`None` clears it): a phase
    /// that must finish in time (greeting, login) whatever the peer does.
    pub fn set_deadline(&mut self, deadline: Option<Instant>) -> Result<()> {
        match self.wire_mut() {
            Some(w) => w.set_deadline(deadline).map_err(|e| Error::network("set deadline", e)),
            None => Ok(()),
        }
    }

    /// `host:port` of the peer, for messages.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// Upgrades a plaintext connection to TLS (implicit TLS or after a
    /// STARTTLS reply). Callers must have checked that no unread bytes are
    /// buffered above this layer; see [`Stream::has_pending_input`].
    pub fn start_tls(&mut self, host: &str, policy: &tls::TlsPolicy) -> Result<()> {
        let wire = match std::mem::replace(&mut self.layers, Layers::Broken) {
            Layers::Base(Base::Plain(wire)) => wire,
            other => {
                self.layers = other;
                return Err(Error::internal("TLS requested on a connection that is not plaintext"));
            }
        };
        let (tls, info) = tls::handshake(wire, host, policy).context(self.address.clone())?;
        self.layers = Layers::Base(Base::Tls(Box::new(tls)));
        self.tls = Some(info);
        Ok(())
    }

    /// Switches both directions to raw DEFLATE (RFC 4978), right after the
    /// server's OK to COMPRESS. `pending` holds bytes already read past the
    /// OK: they are compressed data.
    pub fn start_deflate_with(&mut self, pending: &[u8]) -> Result<()> {
        if pending.len() > 64 * 1024 {
            return Err(Error::protocol("server sent too much data right after COMPRESS"));
        }
        match std::mem::replace(&mut self.layers, Layers::Broken) {
            Layers::Base(base) => {
                self.layers = Layers::Deflate(Box::new(Deflate::with_pending_input(base, pending)));
                Ok(())
            }
            other => {
                self.layers = other;
                Err(Error::internal("COMPRESS requested twice"))
            }
        }
    }

    /// What the TLS handshake told, if TLS is on.
    pub fn tls_info(&self) -> Option<&TlsInfo> {
        self.tls.as_ref()
    }

    /// Whether traffic is encrypted.
    pub fn is_tls(&self) -> bool {
        self.tls.is_some()
    }

    /// Whether traffic is compressed.
    pub fn is_compressed(&self) -> bool {
        matches!(self.layers, Layers::Deflate(_))
    }

    /// Whether the socket holds bytes nobody has read: right after a
    /// STARTTLS reply that means the server (or a man in the middle) sent
    /// data before the handshake.
    pub fn has_pending_input(&self) -> bool {
        self.wire().is_some_and(Wire::has_pending_input)
    }

    /// Sets the read timeout, e.g. a longer one while IDLE waits.
    pub fn set_read_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        match self.wire_mut() {
            Some(w) => w.set_read_timeout(timeout),
            None => Ok(()),
        }
    }

    /// The shared byte counters.
    pub fn counters(&self) -> &Arc<Counters> {
        &self.counters
    }

    /// Closes the socket without a goodbye.
    pub fn shutdown(&self) {
        if let Some(w) = self.wire() {
            w.shutdown();
        }
    }

    fn wire(&self) -> Option<&Wire> {
        match &self.layers {
            Layers::Base(b) => Some(b.wire()),
            Layers::Deflate(d) => Some(d.get_ref().wire()),
            Layers::Broken => None,
        }
    }

    fn wire_mut(&mut self) -> Option<&mut Wire> {
        match &mut self.layers {
            Layers::Base(b) => Some(b.wire_mut()),
            Layers::Deflate(d) => Some(d.get_mut().wire_mut()),
            Layers::Broken => None,
        }
    }
}

fn broken() -> io::Error {
    io::Error::new(io::ErrorKind::NotConnected, "connection unusable after a failed upgrade")
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = match &mut self.layers {
            Layers::Base(b) => b.read(buf)?,
            Layers::Deflate(d) => d.read(buf)?,
            Layers::Broken => return Err(broken()),
        };
        self.counters.add_protocol_in(n);
        Ok(n)
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = match &mut self.layers {
            Layers::Base(b) => b.write(buf)?,
            Layers::Deflate(d) => d.write(buf)?,
            Layers::Broken => return Err(broken()),
        };
        self.counters.add_protocol_out(n);
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        match &mut self.layers {
            Layers::Base(b) => b.flush(),
            Layers::Deflate(d) => d.flush(),
            Layers::Broken => Err(broken()),
        }
    }
}
