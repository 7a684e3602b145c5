//! S/MIME 4.0 (RFC 8551) over CMS (RFC 5652): verifying, decrypting,
//! signing and encrypting whole messages, and the `smime` report that
//! `owl read --json` prints.
//!
//! | file | does |
//! | --- | --- |
//! | `verify.rs` | multipart/signed (RFC 1847) and opaque signed-data, verdicts |
//! | `decrypt.rs` | (auth)enveloped-data with the user's key |
//! | `sign.rs` | multipart/signed and enveloped-data out of an RFC 5322 message |
//! | `trust.rs` | CA file or system roots; chain and time checks |
//! | `keys.rs` | certificates, keys, passphrases, warnings |
//! | `certdir.rs` | a directory of recipients' certificates |
//! | `entity.rs`, `seven_bit.rs` | exact MIME bytes; 7-bit encodings before signing |
//! | `der.rs` | the CMS fields OpenSSL's safe API does not expose |
//!
//! Part of the model layer: no network, no terminal, no configuration; the
//! caller passes keys, certificates and passphrases in, and gets warnings
//! back to print. The cryptography is OpenSSL's (the `openssl` crate, also
//! owl's TLS). Every input size is capped, so a
//! hostile message costs bounded work and never panics.

mod certdir;
mod decrypt;
mod der;
mod entity;
mod keys;
mod seven_bit;
mod sign;
mod trust;
mod verify;

#[cfg(test)]
mod test_pki;
#[cfg(test)]
mod tests_read;
#[cfg(test)]
mod tests_send;

use serde::Serialize;

pub use certdir::{CertDirectory, CertMatch};
pub use decrypt::{Decryption, Recipient, decrypt};
pub use keys::{CertInfo, Certificate, Identity, Passphrase, Warning};
pub use sign::{Cipher, encrypt, sign, sign_then_encrypt};
pub use trust::{Trust, TrustSource};
pub use verify::{Form, Revocation, Signature, Signer, Verdict, Verified, same_address, verify};

use crate::error::Result;
use entity::{content_type, fields, split_header, transfer_encoding};

/// Whole messages (opaque or encrypted) beyond this are refused: a CMS
/// structure is parsed in memory at once.
pub const MAX_MESSAGE: usize = 64 << 20;
/// A detached signature part is a few KB (a signature and a certificate
/// chain); anything over this is not one.
pub const MAX_SIGNATURE_PART: usize = 4 << 20;
/// Signed inside encrypted inside signed...: at most this many layers are
/// opened.
const MAX_LAYERS: usize = 4;

/// What S/MIME a message is, from its top-level Content-Type (and for
/// application/pkcs7-mime from the CMS content type inside, which is what
/// counts when `smime-type` is missing or wrong).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// multipart/signed with a pkcs7-signature.
    Detached,
    /// signed-data inside application/pkcs7-mime.
    Opaque,
    /// enveloped-data (RFC 8551 §3.3).
    Enveloped,
    /// authEnveloped-data (RFC 5083, RFC 8551 §3.4; AES-GCM).
    AuthEnveloped,
}

impl Kind {
    pub fn is_signed(self) -> bool {
        matches!(self, Kind::Detached | Kind::Opaque)
    }
}

/// The S/MIME kind of a message, or `None` for one that is not S/MIME
/// (certs-only and compressed-data included).
pub fn kind(message: &[u8]) -> Option<Kind> {
    let (head, _) = split_header(message);
    let fs = fields(head);
    let ctype = content_type(&fs);
    let param = |name: &str| ctype.params.get(name).map(|v| v.trim().to_ascii_lowercase());
    let pkcs7_mime = match ctype.mimetype.as_str() {
        "multipart/signed" => {
            return param("protocol").as_deref().is_some_and(is_signature_type).then_some(Kind::Detached);
        }
        "application/pkcs7-mime" | "application/x-pkcs7-mime" => true,
        // Some agents send a .p7m as octet-stream; Microsoft's MS-OXOSMIME
        // says to treat that as application/pkcs7-mime.
        "application/octet-stream" => p7m_name(&fs),
        _ => false,
    };
    if !pkcs7_mime {
        return None;
    }
    let declared = match param("smime-type").as_deref() {
        Some("signed-data") => Some(Kind::Opaque),
        Some("enveloped-data") => Some(Kind::Enveloped),
        Some("authenveloped-data") => Some(Kind::AuthEnveloped),
        Some(_) => return None,
        None => None,
    };
    // The CMS content type decides; only its first bytes are read.
    let head_of_body = decode_prefix(message);
    match der::content_type(&head_of_body) {
        Some(der::ContentType::Signed) => Some(Kind::Opaque),
        Some(der::ContentType::Enveloped) => Some(Kind::Enveloped),
        Some(der::ContentType::AuthEnveloped) => Some(Kind::AuthEnveloped),
        // Older clients leave smime-type out of encrypted mail.
        _ => declared.or(Some(Kind::Enveloped)),
    }
}

/// True when Content-Type `name` or Content-Disposition `filename` ends in `.p7m`.
fn p7m_name(fs: &[entity::Field<'_>]) -> bool {
    let names = fs.iter().filter_map(|f| {
        if f.is("Content-Type") {
            mailparse::parse_content_type(&f.value()).params.get("name").cloned()
        } else if f.is("Content-Disposition") {
            mailparse::parse_content_disposition(&f.value()).params.get("filename").cloned()
        } else {
            None
        }
    });
    names.into_iter().any(|n| n.trim().to_ascii_lowercase().ends_with(".p7m"))
}

/// The two signature content types (the `x-` one is S/MIME 2's).
pub(super) fn is_signature_type(mime: &str) -> bool {
    mime.eq_ignore_ascii_case("application/pkcs7-signature")
        || mime.eq_ignore_ascii_case("application/x-pkcs7-signature")
}

/// An entity's body with its transfer encoding undone (base64 leniently;
/// anything else as is: CMS is sent base64 in practice).
pub(super) fn decode_body(entity: &[u8]) -> Vec<u8> {
    let (head, body) = split_header(entity);
    match transfer_encoding(&fields(head)).as_str() {
        "base64" => crate::model::decode::lenient_base64(body),
        _ => body.to_vec(),
    }
}

/// The first bytes of an entity's decoded body: enough for the CMS
/// content type, without decoding a 60 MB body to read 20 bytes of it.
fn decode_prefix(entity: &[u8]) -> Vec<u8> {
    let (head, body) = split_header(entity);
    let mut fs = fields(head);
    fs.retain(|f| f.is("Content-Transfer-Encoding"));
    let mut prefix: Vec<u8> = fs.iter().flat_map(|f| f.raw.iter().copied()).collect();
    prefix.extend_from_slice(b"\r\n");
    prefix.extend_from_slice(&body[..body.len().min(256)]);
    decode_body(&prefix)
}

/// OpenSSL's reasons for a failure, innermost first, without file names or
/// error codes.
pub(super) fn openssl_reason(e: &openssl::error::ErrorStack) -> String {
    let mut reasons: Vec<&str> = Vec::new();
    for err in e.errors() {
        if let Some(r) = err.reason()
            && !reasons.contains(&r)
        {
            reasons.push(r);
        }
    }
    if reasons.is_empty() { "unknown OpenSSL error".to_string() } else { reasons.join(": ") }
}

/// Unix seconds now.
pub(super) fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// The `smime` object of `owl read --json`: `signed` and `encrypted` keep
/// their old meaning (what the message declares, with `signed` also true
/// for a signature found once decrypted); the rest is what was checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    pub signed: bool,
    pub encrypted: bool,
    /// `None` (JSON null) for a message that is not encrypted.
    pub decryption: Option<DecryptionStatus>,
    /// The signature closest to the content shown; `None` when none was
    /// found (or the message could not be decrypted).
    pub signature: Option<Signature>,
    /// Signatures around an encrypted layer or another signature, outermost
    /// first; absent from JSON when there are none (nearly always).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub outer_signatures: Vec<Signature>,
}

/// What became of an encrypted message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum DecryptionStatus {
    Decrypted,
    /// Encrypted to other certificates than the user's; they are listed.
    NotForThisKey {
        recipients: Vec<Recipient>,
    },
    /// No key was configured.
    NoKey,
    Failed {
        reason: String,
    },
}

/// A message opened as far as possible, for a reader.
#[derive(Debug, Clone)]
pub struct Opened {
    pub report: Report,
    /// The innermost entity (decrypted, signature layers removed), to show
    /// under the outer message's headers; `None` when it stays encrypted.
    pub content: Option<Vec<u8>>,
}

/// Decrypts (when `identity` is given) and verifies a message, layer after
/// layer, comparing signers with the message's own From address. `None` for
/// a message that is not S/MIME. An error only when a check cannot run.
pub fn open(message: &[u8], trust: &Trust, identity: Option<&Identity>) -> Result<Option<Opened>> {
    open_at(message, trust, identity, now())
}

pub(super) fn open_at(message: &[u8], trust: &Trust, identity: Option<&Identity>, now: i64) -> Result<Option<Opened>> {
    if kind(message).is_none() {
        return Ok(None);
    }
    let from =
        crate::model::header::summarize_header_bytes(split_header(message).0).from.first().map(|m| m.addr.clone());
    let mut report =
        Report { signed: false, encrypted: false, decryption: None, signature: None, outer_signatures: Vec::new() };
    let mut signatures = Vec::new();
    let mut current = message.to_vec();
    let mut readable = true;
    for _ in 0..MAX_LAYERS {
        let Some(k) = kind(&current) else { break };
        if k.is_signed() {
            let verified = verify::verify_at(&current, trust, from.as_deref(), now)?;
            report.signed = true;
            signatures.push(verified.signature);
            current = verified.content;
            continue;
        }
        report.encrypted = true;
        let status = match identity.map(|id| decrypt(&current, id)) {
            None => DecryptionStatus::NoKey,
            Some(Ok(Decryption::Decrypted(inner))) => {
                current = inner;
                DecryptionStatus::Decrypted
            }
            Some(Ok(Decryption::NotForThisKey { recipients })) => DecryptionStatus::NotForThisKey { recipients },
            Some(Err(e)) => DecryptionStatus::Failed { reason: e.to_string() },
        };
        readable = status == DecryptionStatus::Decrypted;
        report.decryption = Some(status);
        if !readable {
            break;
        }
    }
    report.signature = signatures.pop();
    report.outer_signatures = signatures;
    Ok(Some(Opened { report, content: readable.then_some(current) }))
}
