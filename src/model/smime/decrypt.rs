//! Decrypting `application/(x-)pkcs7-mime` enveloped-data (RFC 8551 §3.3,
//! RFC 5652 §6) and authEnveloped-data (RFC 5083) with the user's key.
//!
//! Before OpenSSL is asked to decrypt, the recipient identifiers are
//! compared with the user's certificate, so that a message encrypted to
//! someone else is told apart (`Decryption::NotForThisKey`, listing whom it
//! is for) from a broken one (an error). The result is the inner MIME
//! entity's bytes, which may be signed in turn: `open` in mod.rs then
//! verifies them.

use openssl::cms::CmsContentInfo;
use openssl::x509::X509Name;
use serde::Serialize;

use super::der::{self, CertId};
use super::keys::{Identity, name_text};
use super::verify::names_cert;
use super::{Kind, MAX_MESSAGE, decode_body, kind, openssl_reason};
use crate::error::{Error, Result};

/// The outcome of a decryption that could be attempted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decryption {
    /// The inner MIME entity (content header fields, empty line, body).
    Decrypted(Vec<u8>),
    /// The message is not encrypted to this certificate.
    NotForThisKey { recipients: Vec<Recipient> },
}

/// Whom a message is encrypted to, as its RecipientInfos name them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Recipient {
    /// Issuer and serial number (hex) of the recipient's certificate.
    pub issuer: Option<String>,
    pub serial: Option<String>,
    /// Or its subjectKeyIdentifier (hex).
    pub key_id: Option<String>,
}

/// Decrypts an encrypted message (or entity) with `identity`. Errors: not
/// an encrypted message, not CMS, too large, or decryption failed although
/// the message names this certificate (corrupt data, wrong key).
pub fn decrypt(message: &[u8], identity: &Identity) -> Result<Decryption> {
    if !matches!(kind(message), Some(Kind::Enveloped | Kind::AuthEnveloped)) {
        return Err(Error::protocol("not an S/MIME encrypted message"));
    }
    if message.len() > MAX_MESSAGE {
        return Err(Error::protocol(format!("the encrypted message is over {} MiB", MAX_MESSAGE >> 20)));
    }
    let der = decode_body(message);
    let cms = CmsContentInfo::from_der(&der)
        .map_err(|e| Error::protocol(format!("the encrypted part is not CMS ({})", openssl_reason(&e))))?;
    // The recipients are read from OpenSSL's definite-length re-encoding.
    let normalized = cms.to_der().map_err(|e| Error::protocol("cannot re-encode the CMS").with_source(e))?;
    let Some(ids) = der::recipients(&normalized) else {
        return Err(Error::protocol("the encrypted part is not CMS enveloped-data"));
    };
    let cert = identity.certificate().x509().to_owned();
    if !ids.iter().any(|id| names_cert(*id, &cert)) {
        return Ok(Decryption::NotForThisKey { recipients: ids.iter().filter_map(|id| describe(*id)).collect() });
    }
    match cms.decrypt(identity.key(), &cert) {
        Ok(inner) => Ok(Decryption::Decrypted(inner)),
        Err(e) => Err(Error::protocol(format!(
            "cannot decrypt the message although it is for this certificate ({})",
            openssl_reason(&e)
        ))),
    }
}

fn describe(id: CertId<'_>) -> Option<Recipient> {
    match id {
        CertId::IssuerSerial { issuer, serial } => {
            let issuer = X509Name::from_der(issuer).ok().map(|n| name_text(&n));
            let serial = serial.strip_prefix(&[0]).filter(|s| !s.is_empty()).unwrap_or(serial);
            Some(Recipient { issuer, serial: Some(hex(serial)), key_id: None })
        }
        CertId::KeyId(ski) => Some(Recipient { issuer: None, serial: None, key_id: Some(hex(ski)) }),
        CertId::Other => None,
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}
