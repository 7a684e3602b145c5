//! Signing and encrypting a complete RFC 5322 message as owl sends it.
//!
//! The top-level header fields (From, To, Subject, Date, Message-ID, ...)
//! stay outside; the content fields (`Content-*`, RFC 2045 §9) move inside
//! the protected entity with the body. Signing gives `multipart/signed;
//! protocol="application/pkcs7-signature"` with a detached signature (RFC
//! 1847 §2.1, RFC 8551 §3.5.3) over the entity made 7-bit (§3.1.2) and
//! canonical (CRLF, §3.1.1); the signer's certificate and chain are
//! included, and OpenSSL adds the signingTime attribute. Encrypting gives
//! `application/pkcs7-mime; smime-type=enveloped-data` (§3.3), base64.
//!
//! Nothing here chooses whom to encrypt to: the caller passes every
//! recipient's certificate and the sender's own (so the Sent copy can be
//! read). No terminal, network or configuration access.

use openssl::cms::{CMSOptions, CmsContentInfo};
use openssl::stack::Stack;
use openssl::x509::X509;

use super::MAX_MESSAGE;
use super::der;
use super::entity::{Field, canonical, fields, split_header};
use super::keys::{Certificate, Identity};
use super::openssl_reason;
use super::seven_bit::{base64_lines, default_content_type, to_seven_bit};
use crate::error::{Error, Result};

/// The content encryption algorithm.
///
/// OpenSSL 3 (this one is 3.0) can write both: AES-CBC as enveloped-data,
/// AES-GCM as authEnveloped-data (RFC 5083). CBC is the default because
/// every S/MIME client decrypts it (OpenSSL's own `smime` command, Outlook,
/// Apple Mail, older Thunderbird), while authEnveloped-data is still
/// missing from many; RFC 8551 §2.7 prefers GCM, which this offers for
/// recipients known to read it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Cipher {
    #[default]
    Aes256Cbc,
    Aes256Gcm,
}

/// A message split for protection: the outer fields and the inner entity.
struct Split<'a> {
    outer: Vec<Field<'a>>,
    entity: Vec<u8>,
}

fn split_message(message: &[u8]) -> Result<Split<'_>> {
    if message.len() > MAX_MESSAGE {
        return Err(Error::protocol(format!("the message is over {} MiB", MAX_MESSAGE >> 20)));
    }
    let (head, body) = split_header(message);
    let fs = fields(head);
    if !fs.iter().any(|f| f.is("From")) {
        return Err(Error::protocol("the message to protect has no From header"));
    }
    let mut entity = Vec::with_capacity(message.len() + 64);
    // An entity without Content-Type would start with an empty line, which
    // some readers take for a missing header; say what the default is.
    if !fs.iter().any(|f| f.is("Content-Type")) {
        entity.extend_from_slice(default_content_type(body).as_bytes());
    }
    let mut outer = Vec::new();
    for f in fs {
        if f.is_content() {
            push_line(&mut entity, f.raw);
        } else if !f.is("MIME-Version") {
            // MIME-Version is written again with the new Content-Type.
            outer.push(f);
        }
    }
    entity.extend_from_slice(b"\r\n");
    entity.extend_from_slice(body);
    Ok(Split { outer, entity })
}

/// Appends a header line, adding the line end a last line may lack.
fn push_line(out: &mut Vec<u8>, raw: &[u8]) {
    out.extend_from_slice(raw);
    if !raw.ends_with(b"\n") {
        out.extend_from_slice(b"\r\n");
    }
}

/// The outer header with `content` (the new content fields), then the
/// empty line.
fn outer_head(outer: &[Field<'_>], content: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for f in outer {
        push_line(&mut out, f.raw);
    }
    out.extend_from_slice(b"MIME-Version: 1.0\r\n");
    out.extend_from_slice(content.as_bytes());
    out.extend_from_slice(b"\r\n");
    out
}

/// Signs `message` (a whole RFC 5322 message) with `identity`; the result
/// is the message to send, all lines CRLF.
pub fn sign(message: &[u8], identity: &Identity) -> Result<Vec<u8>> {
    let split = split_message(message)?;
    let entity = canonical(&to_seven_bit(&split.entity)?);
    let failed = |e: openssl::error::ErrorStack| Error::config(format!("cannot sign: {}", openssl_reason(&e)));
    let mut chain = Stack::new().map_err(failed)?;
    for c in identity.chain() {
        chain.push(c.x509().to_owned()).map_err(failed)?;
    }
    let flags = CMSOptions::DETACHED | CMSOptions::BINARY;
    let cms = CmsContentInfo::sign(
        Some(identity.certificate().x509()),
        Some(identity.key()),
        Some(&chain),
        Some(&entity),
        flags,
    )
    .map_err(failed)?;
    let signature = cms.to_der().map_err(failed)?;
    // micalg must name the digest really used, which OpenSSL picks for the key.
    let micalg = der::signed_data(&signature)
        .and_then(|sd| sd.signers.first().and_then(|s| der::micalg(s.digest)))
        .ok_or_else(|| Error::internal("OpenSSL made a signature with an unknown digest"))?;
    let boundary = new_boundary(&entity)?;
    let content = format!(
        "Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\";\r\n \
         micalg={micalg}; boundary=\"{boundary}\"\r\n"
    );
    let mut out = outer_head(&split.outer, &content);
    out.extend_from_slice(b"This is a cryptographically signed message in MIME format.\r\n\r\n");
    out.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
    out.extend_from_slice(&entity);
    out.extend_from_slice(format!("\r\n--{boundary}\r\n").as_bytes());
    out.extend_from_slice(
        b"Content-Type: application/pkcs7-signature; name=\"smime.p7s\"\r\n\
          Content-Transfer-Encoding: base64\r\n\
          Content-Disposition: attachment; filename=\"smime.p7s\"\r\n\
          Content-Description: S/MIME Cryptographic Signature\r\n\r\n",
    );
    out.extend_from_slice(&base64_lines(&signature));
    out.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    Ok(canonical(&out))
}

/// Encrypts `message` to `recipients`. The caller must include the
/// sender's own certificate in `recipients`, or the sender cannot read the
/// Sent copy; nothing is added here.
pub fn encrypt(message: &[u8], recipients: &[Certificate], cipher: Cipher) -> Result<Vec<u8>> {
    if recipients.is_empty() {
        return Err(Error::usage("cannot encrypt to nobody: no recipient certificate"));
    }
    let split = split_message(message)?;
    let entity = canonical(&split.entity);
    let failed = |e: openssl::error::ErrorStack| Error::config(format!("cannot encrypt: {}", openssl_reason(&e)));
    let mut certs = Stack::<X509>::new().map_err(failed)?;
    for c in recipients {
        certs.push(c.x509().to_owned()).map_err(failed)?;
    }
    let (algorithm, smime_type) = match cipher {
        Cipher::Aes256Cbc => (openssl::symm::Cipher::aes_256_cbc(), "enveloped-data"),
        Cipher::Aes256Gcm => (openssl::symm::Cipher::aes_256_gcm(), "authenveloped-data"),
    };
    let cms = CmsContentInfo::encrypt(&certs, &entity, algorithm, CMSOptions::BINARY).map_err(failed)?;
    let der = cms.to_der().map_err(failed)?;
    let content = format!(
        "Content-Type: application/pkcs7-mime; smime-type={smime_type}; name=\"smime.p7m\"\r\n\
         Content-Transfer-Encoding: base64\r\n\
         Content-Disposition: attachment; filename=\"smime.p7m\"\r\n\
         Content-Description: S/MIME Encrypted Message\r\n"
    );
    let mut out = outer_head(&split.outer, &content);
    out.extend_from_slice(&base64_lines(&der));
    Ok(canonical(&out))
}

/// Signs, then encrypts the signed message (RFC 8551 §3.7): the usual
/// order, so the signature is hidden and covers the plain content.
pub fn sign_then_encrypt(
    message: &[u8],
    identity: &Identity,
    recipients: &[Certificate],
    cipher: Cipher,
) -> Result<Vec<u8>> {
    encrypt(&sign(message, identity)?, recipients, cipher)
}

/// A boundary that does not occur in `entity` (RFC 2046 §5.1.1).
fn new_boundary(entity: &[u8]) -> Result<String> {
    for _ in 0..8 {
        let mut random = [0u8; 12];
        openssl::rand::rand_bytes(&mut random).map_err(|e| Error::internal("no random bytes").with_source(e))?;
        let hex: String = random.iter().map(|b| format!("{b:02x}")).collect();
        let boundary = format!("owl-smime-{hex}");
        if !entity.windows(boundary.len()).any(|w| w == boundary.as_bytes()) {
            return Ok(boundary);
        }
    }
    Err(Error::internal("no boundary could be found that the message does not contain"))
}
