//! What a protocol session needs from its connection beyond bytes: the
//! in-place upgrades (TLS, DEFLATE), what the handshake told, deadlines and
//! timeouts, a look for unread input, and hanging up. [`Stream`] is the
//! real one; session tests use `net::script::Script`, so the sessions run
//! over a scripted peer byte for byte.

use std::io::{self, Read, Write};
use std::time::{Duration, Instant};

use super::{Stream, TlsInfo, TlsPolicy};
use crate::error::Result;

/// A connection a session can run over.
pub trait Connection: Read + Write + Send {
    /// Upgrades to TLS in place (implicit TLS, or after a STARTTLS reply).
    fn start_tls(&mut self, host: &str, policy: &TlsPolicy) -> Result<()>;
    /// Switches both directions to raw DEFLATE; `pending` holds bytes
    /// already read past the server's OK.
    fn start_deflate_with(&mut self, pending: &[u8]) -> Result<()>;
    /// What the TLS handshake told, when TLS is on.
    fn tls_info(&self) -> Option<TlsInfo>;
    /// Whether traffic is compressed.
    fn is_compressed(&self) -> bool;
    /// Whether the peer sent bytes nobody has read yet.
    fn has_pending_input(&self) -> bool;
    /// Sets the read timeout (IDLE waits in short ticks).
    fn set_read_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()>;
    /// No read or write waits past `deadline` (`None` clears it).
    fn set_deadline(&mut self, deadline: Option<Instant>) -> Result<()>;
    /// Closes the connection without a goodbye.
    fn shutdown(&self);
}

impl Connection for Stream {
    fn start_tls(&mut self, host: &str, policy: &TlsPolicy) -> Result<()> {
        Stream::start_tls(self, host, policy)
    }
    fn start_deflate_with(&mut self, pending: &[u8]) -> Result<()> {
        Stream::start_deflate_with(self, pending)
    }
    fn tls_info(&self) -> Option<TlsInfo> {
        Stream::tls_info(self).cloned()
    }
    fn is_compressed(&self) -> bool {
        Stream::is_compressed(self)
    }
    fn has_pending_input(&self) -> bool {
        Stream::has_pending_input(self)
    }
    fn set_read_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        Stream::set_read_timeout(self, timeout)
    }
    fn set_deadline(&mut self, deadline: Option<Instant>) -> Result<()> {
        Stream::set_deadline(self, deadline)
    }
    fn shutdown(&self) {
        Stream::shutdown(self)
    }
}

#[cfg(test)]
impl Connection for super::script::Script {
    fn start_tls(&mut self, _host: &str, _policy: &TlsPolicy) -> Result<()> {
        super::script::Script::start_tls(self)
    }
    fn start_deflate_with(&mut self, _pending: &[u8]) -> Result<()> {
        Err(crate::error::Error::internal("scripted connections do not compress"))
    }
    fn tls_info(&self) -> Option<TlsInfo> {
        super::script::Script::tls_info(self)
    }
    fn is_compressed(&self) -> bool {
        false
    }
    fn has_pending_input(&self) -> bool {
        super::script::Script::has_pending_input(self)
    }
    fn set_read_timeout(&mut self, _timeout: Option<Duration>) -> io::Result<()> {
        Ok(())
    }
    fn set_deadline(&mut self, _deadline: Option<Instant>) -> Result<()> {
        Ok(())
    }
    fn shutdown(&self) {
        super::script::Script::shutdown(self)
    }
}
