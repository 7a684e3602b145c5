//! TLS with OpenSSL, failing closed.
//!
//! Trust comes from exactly one place: the system roots, a CA file given in
//! the config (which then replaces the system roots), or a SHA-256 pin of the
//! server certificate for a self-signed server. TLS 1.2 is the floor. A pin
//! is checked before a single protocol byte is written over the new channel.

use std::fmt;
use std::path::PathBuf;
use std::sync::Mutex;

use std::net::IpAddr;

use openssl::error::ErrorStack;
use openssl::ssl::{
    HandshakeError, Ssl, SslContext, SslContextBuilder, SslMethod, SslOptions, SslStream, SslVerifyMode, SslVersion,
};
use openssl::x509::store::X509StoreBuilder;
use openssl::x509::verify::X509CheckFlags;
use openssl::x509::{X509, X509VerifyResult};
use sha2::{Digest, Sha256};

use super::wire::Wire;
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
pub fn handshake(wire: Wire, host: &str, policy: &TlsPolicy) -> Result<(SslStream<Wire>, TlsInfo)> {
    let context = shared_context(policy)?;
    let setup = |e: ErrorStack| Error::tls("cannot set up TLS").with_source(e);
    let mut ssl = Ssl::new(&context).map_err(setup)?;
    let ip = host.parse::<IpAddr>().ok();
    if ip.is_none() {
        // SNI: servers with many names pick the certificate by it.
        ssl.set_hostname(host).map_err(setup)?;
    }
    if verifies_chain(policy) {
        let param = ssl.param_mut();
        param.set_hostflags(X509CheckFlags::NO_PARTIAL_WILDCARDS);
        match ip {
            Some(ip) => param.set_ip(ip).map_err(setup)?,
            None => param.set_host(host).map_err(setup)?,
        }
    }
    let stream = match ssl.connect(wire) {
        Ok(stream) => stream,
        Err(HandshakeError::SetupFailure(e)) => return Err(setup(e)),
        Err(HandshakeError::Failure(mid)) => {
            let verdict = mid.ssl().verify_result();
            let why = if verdict == X509VerifyResult::OK {
                mid.error().to_string()
            } else {
                format!("certificate verify failed: {}", verdict.error_string())
            };
            return Err(Error::tls(format!("TLS handshake failed: {why}")));
        }
        Err(HandshakeError::WouldBlock(_)) => {
            return Err(Error::temp("TLS handshake timed out"));
        }
    };
    let der = stream
        .ssl()
        .peer_certificate()
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
    let version = Some(stream.ssl().version_str().to_string());
    Ok((stream, TlsInfo { version, fingerprint, verified_by }))
}

/// Whether the chain and the name are checked (not for a pin, which names
/// one certificate, nor for a probe, which only looks).
fn verifies_chain(policy: &TlsPolicy) -> bool {
    !(policy.danger_probe_only || policy.fingerprint.is_some())
}

/// Starts building the TLS context for `policy` on a thread of its own,
/// so reading the CA bundle overlaps the TCP connect; the handshake then
/// waits for it (or builds it, if this never ran).
pub fn prepare(policy: &TlsPolicy) {
    let policy = policy.clone();
    std::thread::spawn(move || {
        let _ = shared_context(&policy);
    });
}

/// What makes two policies need different contexts.
type ContextKey = (Option<PathBuf>, bool);

/// One context per policy for the whole process: reading and parsing a CA
/// bundle costs tens of milliseconds of OpenSSL 3 work, which every pooled
/// connection would pay again. The lock is held while one is built, so a
/// handshake waits for [`prepare`]'s build instead of starting its own.
fn shared_context(policy: &TlsPolicy) -> Result<SslContext> {
    static CONTEXTS: Mutex<Vec<(ContextKey, SslContext)>> = Mutex::new(Vec::new());
    let key = (policy.ca_file.clone(), !verifies_chain(policy));
    let mut cache = CONTEXTS.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, context)) = cache.iter().find(|(k, _)| *k == key) {
        return Ok(context.clone());
    }
    let context = context(policy)?;
    cache.push((key, context.clone()));
    Ok(context)
}

/// A client context trusting exactly one source: the CA file (the system
/// bundle is then never read), or the system roots, or nothing (a pin or a
/// probe, which check the certificate themselves).
fn context(policy: &TlsPolicy) -> Result<SslContext> {
    let setup = |e: ErrorStack| Error::tls("cannot set up TLS").with_source(e);
    let mut builder = SslContextBuilder::new(SslMethod::tls_client()).map_err(setup)?;
    builder.set_min_proto_version(Some(SslVersion::TLS1_2)).map_err(setup)?;
    builder.set_options(SslOptions::NO_COMPRESSION);
    if !verifies_chain(policy) {
        builder.set_verify(SslVerifyMode::NONE);
    } else if let Some(path) = &policy.ca_file {
        let pem = std::fs::read(path)
            .map_err(|e| Error::config(format!("cannot read ca_file {}", path.display())).with_source(e))?;
        let certs = X509::stack_from_pem(&pem).map_err(|e| {
            Error::config(format!("ca_file {} holds no usable PEM certificate", path.display())).with_source(e)
        })?;
        if certs.is_empty() {
            return Err(Error::config(format!("ca_file {} holds no PEM certificate", path.display())));
        }
        let mut store = X509StoreBuilder::new().map_err(setup)?;
        for cert in certs {
            store.add_cert(cert).map_err(setup)?;
        }
        builder.set_cert_store(store.build());
        builder.set_verify(SslVerifyMode::PEER);
    } else {
        // OpenSSL's own default paths, SSL_CERT_FILE and SSL_CERT_DIR
        // honoured: the system roots, read once.
        builder.set_default_verify_paths().map_err(setup)?;
        builder.set_verify(SslVerifyMode::PEER);
    }
    Ok(builder.build())
}

#[cfg(test)]
#[path = "tls_tests.rs"]
mod tests;
