//! Certificates, private keys and passphrases, loaded from PEM.
//!
//! Secrets stay secret: `PrivateKey`, `Passphrase` and `Identity` have
//! hand-written `Debug` impls that print no key material, errors name the
//! file but never its contents or the passphrase, and a passphrase is
//! overwritten when dropped. A key file that group or others can read is
//! reported as a [`Warning`] for the caller to print: the model layer never
//! prints. OpenSSL is never allowed to prompt on the terminal for a
//! passphrase (its default when none is given).

use std::fmt;
use std::path::{Path, PathBuf};

use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use openssl::x509::{X509, X509NameRef, X509Ref};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::model::date::format_rfc3339;

/// PEM files bigger than this are not keys or certificates.
pub(super) const MAX_PEM_FILE: u64 = 4 << 20;

/// Something the caller should tell the user; nothing failed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Warning {
    /// The private key file can be read by group or others (`mode` is the
    /// permission bits).
    KeyFileReadable { path: PathBuf, mode: u32 },
    /// The only certificates found for `address` have expired; the newest is
    /// used anyway.
    OnlyExpiredCertificate { address: String, path: PathBuf },
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Warning::KeyFileReadable { path, mode } => {
                write!(f, "the private key {} can be read by others (mode {mode:03o}): chmod 600 it", path.display())
            }
            Warning::OnlyExpiredCertificate { address, path } => {
                write!(f, "the only certificate for {address} ({}) is expired or not yet valid", path.display())
            }
        }
    }
}

/// An X.509 certificate.
#[derive(Clone)]
pub struct Certificate {
    x509: X509,
}

/// What a report shows of a certificate. Times are RFC 3339, UTC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CertInfo {
    /// The subject as `C=DE, O=Example, CN=Alice` (the certificate's order).
    pub subject: String,
    pub issuer: String,
    /// Serial number, upper-case hex.
    pub serial: String,
    /// subjectAltName rfc822Names, else the subject's emailAddress values.
    pub emails: Vec<String>,
    pub not_before: String,
    pub not_after: String,
}

impl Certificate {
    pub(super) fn from_x509(x509: X509) -> Certificate {
        Certificate { x509 }
    }

    pub(super) fn x509(&self) -> &X509Ref {
        &self.x509
    }

    /// Every certificate in PEM text, in order; an error when there is none.
    pub fn all_from_pem(pem: &[u8]) -> Result<Vec<Certificate>> {
        let certs = X509::stack_from_pem(pem).map_err(|e| Error::config("not a PEM certificate").with_source(e))?;
        if certs.is_empty() {
            return Err(Error::config("no PEM certificate found"));
        }
        Ok(certs.into_iter().map(Certificate::from_x509).collect())
    }

    /// The first certificate in PEM text.
    pub fn from_pem(pem: &[u8]) -> Result<Certificate> {
        let mut all = Certificate::all_from_pem(pem)?;
        Ok(all.swap_remove(0))
    }

    /// Every certificate in a PEM file (a certificate and its chain).
    pub fn load(path: &Path) -> Result<Vec<Certificate>> {
        let pem = read_small_file(path)?;
        Certificate::all_from_pem(&pem).map_err(|e| e.context(path.display().to_string()))
    }

    /// The certificate as PEM.
    pub fn to_pem(&self) -> Result<Vec<u8>> {
        self.x509.to_pem().map_err(|e| Error::internal("cannot encode a certificate").with_source(e))
    }

    /// The email addresses the certificate is for.
    pub fn emails(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .x509
            .subject_alt_names()
            .map(|names| names.iter().filter_map(|n| n.email().map(str::to_string)).collect())
            .unwrap_or_default();
        if out.is_empty() {
            out = self
                .x509
                .subject_name()
                .entries_by_nid(Nid::PKCS9_EMAILADDRESS)
                .filter_map(|e| e.data().to_string().ok())
                .collect();
        }
        out
    }

    /// notBefore and notAfter as Unix seconds.
    pub fn validity(&self) -> (i64, i64) {
        (unix(self.x509.not_before()), unix(self.x509.not_after()))
    }

    /// True when the certificate is within its validity at `t`.
    pub fn is_valid_at(&self, t: i64) -> bool {
        let (from, until) = self.validity();
        from <= t && t <= until
    }

    pub fn info(&self) -> CertInfo {
        let (from, until) = self.validity();
        CertInfo {
            subject: name_text(self.x509.subject_name()),
            issuer: name_text(self.x509.issuer_name()),
            serial: self
                .x509
                .serial_number()
                .to_bn()
                .ok()
                .and_then(|b| b.to_hex_str().ok())
                .map_or_else(String::new, |h| h.to_string()),
            emails: self.emails(),
            not_before: format_rfc3339(from, 0),
            not_after: format_rfc3339(until, 0),
        }
    }
}

impl fmt::Debug for Certificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Certificate({})", name_text(self.x509.subject_name()))
    }
}

/// `C=DE, O=Example, CN=Alice`; unknown attribute types by OID.
pub(super) fn name_text(name: &X509NameRef) -> String {
    let parts: Vec<String> = name
        .entries()
        .map(|e| {
            let key = e.object().nid().short_name().map_or_else(|_| e.object().to_string(), str::to_string);
            let value = e.data().to_string().unwrap_or_else(|_| "?".to_string());
            format!("{key}={}", crate::model::text::clean_line(&value))
        })
        .collect();
    parts.join(", ")
}

/// An ASN.1 time as Unix seconds; OpenSSL only hands out valid times.
fn unix(t: &openssl::asn1::Asn1TimeRef) -> i64 {
    let epoch = openssl::asn1::Asn1Time::from_unix(0);
    match epoch.and_then(|e| e.diff(t)) {
        Ok(d) => i64::from(d.days) * 86_400 + i64::from(d.secs),
        Err(_) => 0,
    }
}

/// A passphrase for an encrypted private key. Never printed; overwritten
/// in memory when dropped (best effort: copies made before are not).
pub struct Passphrase(String);

impl Passphrase {
    pub fn new(secret: impl Into<String>) -> Passphrase {
        Passphrase(secret.into())
    }

    fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

impl From<String> for Passphrase {
    fn from(s: String) -> Passphrase {
        Passphrase(s)
    }
}

impl fmt::Debug for Passphrase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Passphrase(<redacted>)")
    }
}

impl Drop for Passphrase {
    fn drop(&mut self) {
        let mut bytes = std::mem::take(&mut self.0).into_bytes();
        bytes.iter_mut().for_each(|b| *b = 0);
        // Keeps the zeroing from being optimised away as a dead store.
        std::hint::black_box(&bytes);
    }
}

/// The user's private key with the certificate it belongs to (and the
/// chain to include in signatures).
pub struct Identity {
    key: PKey<Private>,
    cert: Certificate,
    chain: Vec<Certificate>,
}

impl fmt::Debug for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Identity")
            .field("cert", &self.cert)
            .field("chain", &self.chain.len())
            .field("key", &"<redacted>")
            .finish()
    }
}

impl Identity {
    /// Loads a PEM private key (encrypted or not) and a PEM certificate file
    /// whose first certificate is the user's and whose others, if any, are
    /// its chain. `key` and `cert` may be the same file. The warnings say
    /// whether the key file is readable by others.
    pub fn load(key: &Path, cert: &Path, passphrase: Option<&Passphrase>) -> Result<(Identity, Vec<Warning>)> {
        let mut warnings = Vec::new();
        if let Some(mode) = loose_mode(key) {
            warnings.push(Warning::KeyFileReadable { path: key.to_path_buf(), mode });
        }
        let key_pem = read_small_file(key)?;
        let pkey =
            private_key(&key_pem, passphrase).map_err(|e| e.context(format!("private key {}", key.display())))?;
        let mut certs = Certificate::load(cert)?;
        let first = certs.remove(0);
        let identity = Identity::new(pkey, first, certs).map_err(|e| e.context(cert.display().to_string()))?;
        Ok((identity, warnings))
    }

    /// Same as `load`, from PEM text.
    pub fn from_pem(key_pem: &[u8], cert_pem: &[u8], passphrase: Option<&Passphrase>) -> Result<Identity> {
        let mut certs = Certificate::all_from_pem(cert_pem)?;
        let first = certs.remove(0);
        Identity::new(private_key(key_pem, passphrase)?, first, certs)
    }

    fn new(key: PKey<Private>, cert: Certificate, chain: Vec<Certificate>) -> Result<Identity> {
        let matches = cert.x509.public_key().is_ok_and(|public| public.public_eq(&key));
        if !matches {
            return Err(Error::config("the private key does not belong to the certificate"));
        }
        Ok(Identity { key, cert, chain })
    }

    pub fn certificate(&self) -> &Certificate {
        &self.cert
    }

    pub(super) fn key(&self) -> &PKey<Private> {
        &self.key
    }

    pub(super) fn chain(&self) -> &[Certificate] {
        &self.chain
    }
}

/// Parses a PEM private key. With no passphrase, an encrypted key is an
/// error saying so (OpenSSL would otherwise ask on the terminal).
fn private_key(pem: &[u8], passphrase: Option<&Passphrase>) -> Result<PKey<Private>> {
    let mut asked = false;
    let parsed = PKey::private_key_from_pem_callback(pem, |buf| {
        asked = true;
        let secret = passphrase.map(Passphrase::as_bytes).ok_or_else(openssl::error::ErrorStack::get)?;
        let dest = buf.get_mut(..secret.len()).ok_or_else(openssl::error::ErrorStack::get)?;
        dest.copy_from_slice(secret);
        Ok(secret.len())
    });
    match parsed {
        Ok(key) => Ok(key),
        Err(_) if asked && passphrase.is_none() => Err(Error::config("the key is encrypted: a passphrase is needed")),
        // The OpenSSL error says no more than "bad decrypt"; it is left out so
        // that nothing derived from the secret reaches the message.
        Err(_) if asked => Err(Error::config("wrong passphrase")),
        Err(e) => Err(Error::config("not a PEM private key").with_source(e)),
    }
}

/// Reads a key or certificate file, refusing absurd sizes.
pub(super) fn read_small_file(path: &Path) -> Result<Vec<u8>> {
    let what = || format!("cannot read {}", path.display());
    let meta = std::fs::metadata(path).map_err(|e| Error::local_io(what(), e))?;
    if meta.len() > MAX_PEM_FILE {
        return Err(Error::config(format!("{} is too large for a key or certificate", path.display())));
    }
    std::fs::read(path).map_err(|e| Error::local_io(what(), e))
}

/// The permission bits of a key file readable by group or others.
#[cfg(unix)]
fn loose_mode(path: &Path) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt as _;
    let mode = std::fs::metadata(path).ok()?.permissions().mode() & 0o777;
    (mode & 0o077 != 0).then_some(mode)
}

#[cfg(not(unix))]
fn loose_mode(_path: &Path) -> Option<u32> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let p = Passphrase::new("hunter2");
        assert_eq!(format!("{p:?}"), "Passphrase(<redacted>)");
        let w = Warning::KeyFileReadable { path: "/k.pem".into(), mode: 0o644 };
        assert_eq!(w.to_string(), "the private key /k.pem can be read by others (mode 644): chmod 600 it");
    }

    #[test]
    fn garbage_is_a_config_error() {
        let err = Certificate::from_pem(b"hello").unwrap_err();
        assert_eq!(err.kind(), crate::error::ErrorKind::Config);
        let err = private_key(b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", None).unwrap_err();
        assert_eq!(err.kind(), crate::error::ErrorKind::Config);
    }
}
