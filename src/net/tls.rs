//! TLS with native-tls, failing closed.
//!
//! Trust comes from exactly one place: the system roots, a CA file given in
//! the config (which then replaces the system roots), or a SHA-256 pin of the
//! server certificate for a self-signed server. TLS 1.2 is the floor. A pin
//! is checked before a single protocol byte is written over the new channel.

use std::fmt;
use std::path::PathBuf;
use std::sync::Mutex;

use native_tls::{Certificate, HandshakeError, Protocol, TlsConnector, TlsStream};
use sha2::{Digest, Sha256};

use super::wire::{Wire, tls_version_from_server_hello};
use crate::error::{Error, Result};

/// A SHA-256 certificate fingerprint.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Fingerprint(pub [u8; 32]);

impl Fingerprint {
    /// The fingerprint of a DER-encoded certificate.
    pub fn of_der(der: &[u8]) -> Fingerprint {
        Fingerprint(Sha256::digest(der).into())
    }

    /// Parses `sha256:AB:CD:...`, `AB:CD:...` or plain hex, any case.
    pub fn parse(text: &str) -> std::result::Result<Fingerprint, String> {
        let body = text.trim();
        let body = match body.split_once(':') {
            Some((algo, rest)) if algo.eq_ignore_ascii_case("sha256") => rest,
            Some((algo, _)) if algo.len() > 2 => {
                return Err(format!("unsupported fingerprint algorithm \"{algo}\" (use sha256)"));
            }
            _ => body,
        };
        let hex: String = body.chars().filter(|c| *c != ':').collect();
        if hex.len() != 64 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err("a SHA-256 fingerprint is 32 bytes in hex, e.g. \"sha256:AB:CD:...\"".into());
        }
        let mut out = [0u8; 32];
        for (i, byte) in out.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).map_err(|e| e.to_string())?;
        }
        Ok(Fingerprint(out))
    }
}

impl fmt::Display for Fingerprint {
    /// The form `openssl x509 -fingerprint -sha256` prints, with a prefix.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("sha256:")?;
        for (i, byte) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(":")?;
            }
            write!(f, "{byte:02X}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Which server certificates are accepted.
#[derive(Debug, Clone, Default)]
pub struct TlsPolicy {
    /// PEM file with the CA certificate(s) to trust instead of the system
    /// roots.
    pub ca_file: Option<PathBuf>,
    /// Accept exactly the certificate with this fingerprint (and no other).
    pub fingerprint: Option<Fingerprint>,
    /// Accept any certificate, only to learn its fingerprint. A session that
    /// connects this way must never authenticate (used by `owl check`).
    pub danger_probe_only: bool,
}

/// How the server's certificate was accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verification {
    /// The chain verified against the system roots or the configured CA.
    Ca,
    /// The certificate matched the configured fingerprint.
    Pin,
    /// Not verified (probe only; nothing was sent).
    None,
}

/// What a finished handshake tells about the channel.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TlsInfo {
    /// Negotiated version, e.g. `TLSv1.3`, when it could be read.
    pub version: Option<String>,
    /// SHA-256 of the server's certificate.
    #[serde(serialize_with = "fingerprint_as_string")]
    pub fingerprint: Fingerprint,
    /// How the certificate was accepted.
    pub verified_by: Verification,
}

fn fingerprint_as_string<S: serde::Serializer>(fp: &Fingerprint, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.collect_str(fp)
}

/// Runs the TLS handshake over `wire` for `host`, under `policy`.
pub fn handshake(mut wire: Wire, host: &str, policy: &TlsPolicy) -> Result<(TlsStream<Wire>, TlsInfo)> {
    let connector = shared_connector(policy)?;
    wire.start_sniffing();
    let mut stream = match connector.connect(host, wire) {
        Ok(stream) => stream,
        Err(HandshakeError::Failure(e)) => {
            return Err(Error::tls(format!("TLS handshake failed: {e}")));
        }
        Err(HandshakeError::WouldBlock(_)) => {
            return Err(Error::temp("TLS handshake timed out"));
        }
    };
    let sniffed = stream.get_mut().take_sniffed();
    let der = stream
        .peer_certificate()
        .ok()
        .flatten()
        .and_then(|cert| cert.to_der().ok())
        .ok_or_else(|| Error::tls("the server presented no certificate"))?;
    let fingerprint = Fingerprint::of_der(&der);
    let verified_by = if policy.danger_probe_only {
        Verification::None
    } else if let Some(pin) = policy.fingerprint {
        if pin != fingerprint {
            stream.get_ref().shutdown();
            return Err(Error::tls(format!(
                "certificate fingerprint {fingerprint} does not match the pinned {pin}; refusing to continue"
            )));
        }
        Verification::Pin
    } else {
        Verification::Ca
    };
    let version = tls_version_from_server_hello(&sniffed).map(str::to_string);
    Ok((stream, TlsInfo { version, fingerprint, verified_by }))
}

/// What makes two policies need different connectors.
type ConnectorKey = (Option<PathBuf>, bool);

/// One connector per policy for the whole process. Building one is costly:
/// native-tls loads the system CA bundle each time (tens of milliseconds
/// of OpenSSL 3 work), even when a CA file replaces it, and every pooled
/// connection would pay that again.
fn shared_connector(policy: &TlsPolicy) -> Result<TlsConnector> {
    static CONNECTORS: Mutex<Vec<(ConnectorKey, TlsConnector)>> = Mutex::new(Vec::new());
    let key = (policy.ca_file.clone(), policy.danger_probe_only || policy.fingerprint.is_some());
    let mut cache = CONNECTORS.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, connector)) = cache.iter().find(|(k, _)| *k == key) {
        return Ok(connector.clone());
    }
    let connector = connector(policy)?;
    cache.push((key, connector.clone()));
    Ok(connector)
}

fn connector(policy: &TlsPolicy) -> Result<TlsConnector> {
    let mut builder = TlsConnector::builder();
    builder.min_protocol_version(Some(Protocol::Tlsv12));
    if policy.danger_probe_only || policy.fingerprint.is_some() {
        // The pin replaces chain and name checks: it names one certificate.
        builder.danger_accept_invalid_certs(true);
        builder.danger_accept_invalid_hostnames(true);
    } else if let Some(path) = &policy.ca_file {
        let pem = std::fs::read(path)
            .map_err(|e| Error::config(format!("cannot read ca_file {}", path.display())).with_source(e))?;
        let certs = Certificate::stack_from_pem(&pem).map_err(|e| {
            Error::config(format!("ca_file {} holds no usable PEM certificate", path.display())).with_source(e)
        })?;
        if certs.is_empty() {
            return Err(Error::config(format!("ca_file {} holds no PEM certificate", path.display())));
        }
        for cert in certs {
            builder.add_root_certificate(cert);
        }
        builder.disable_built_in_roots(true);
    }
    builder.build().map_err(|e| Error::tls("cannot set up TLS").with_source(e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_parses_every_common_spelling() {
        let colons =
            "sha256:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff";
        let fp = Fingerprint::parse(colons).unwrap();
        assert_eq!(fp.0[10], 0xaa);
        assert_eq!(Fingerprint::parse(&colons[7..]).unwrap(), fp);
        let plain: String = colons[7..].chars().filter(|c| *c != ':').collect();
        assert_eq!(Fingerprint::parse(&plain).unwrap(), fp);
        assert_eq!(fp.to_string(), colons.to_uppercase().replace("SHA256", "sha256"));
    }

    #[test]
    fn fingerprint_rejects_wrong_lengths_and_algorithms() {
        assert!(Fingerprint::parse("sha256:00:11").is_err());
        assert!(Fingerprint::parse("md5:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF").is_err());
        assert!(Fingerprint::parse(&"zz".repeat(32)).is_err());
    }
}
