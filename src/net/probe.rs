//! Asking a port what it speaks, without a protocol: a TLS handshake that
//! accepts any certificate. It tells implicit TLS (the handshake finishes)
//! from a plaintext or STARTTLS port (the server's greeting is not a TLS
//! record, so the handshake fails at once) and shows the certificate's
//! fingerprint. Nothing is ever sent over the channel it opens: it is for
//! `owl init` choosing a mode and `owl check` explaining a silent port.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::Counters;
use super::tls::{self, TlsInfo, TlsPolicy};
use super::wire::Wire;
use crate::error::{Error, Result};

/// How a port answered a TLS handshake.
#[derive(Debug, Clone)]
pub enum Answer {
    /// It speaks TLS from the first byte (implicit TLS).
    Tls(TlsInfo),
    /// It answered, but not with TLS: a plaintext or STARTTLS port.
    NotTls,
}

/// Connects to `host:port` and tries a TLS handshake within `timeout`.
/// An error means nothing useful answered: no such host, refused, or
/// silence past the timeout.
pub fn handshake(host: &str, port: u16, timeout: Duration) -> Result<Answer> {
    let mut wire = Wire::connect(host, port, timeout, Arc::new(Counters::default()))?;
    wire.set_deadline(Some(Instant::now() + timeout)).map_err(|e| Error::network(format!("{host}:{port}"), e))?;
    let probe = TlsPolicy { danger_probe_only: true, ..TlsPolicy::default() };
    match tls::handshake(wire, host, &probe) {
        Ok((stream, info)) => {
            stream.get_ref().shutdown();
            Ok(Answer::Tls(info))
        }
        // A timeout is silence, not an answer; any other failure is the
        // peer speaking something else.
        Err(e) if e.kind() == crate::error::ErrorKind::TempFail => Err(e),
        Err(_) => Ok(Answer::NotTls),
    }
}

/// Whether `host` has an address at all: a name that does not resolve
/// has no port worth trying.
pub fn resolves(host: &str) -> bool {
    use std::net::ToSocketAddrs;
    (host, 0).to_socket_addrs().is_ok_and(|mut addrs| addrs.next().is_some())
}
