//! Verifying S/MIME signatures: `multipart/signed` with a detached
//! `application/(x-)pkcs7-signature` (RFC 1847 §2.1, RFC 8551 §3.5.3) and
//! opaque `application/(x-)pkcs7-mime; smime-type=signed-data` (RFC 8551
//! §3.5.2), over the exact signed bytes in MIME canonical form.
//!
//! One verdict, the first that applies: `invalid` (the content changed, the
//! signature is bad or cannot be checked), `untrusted` (the chain reaches no
//! trusted certificate), `expired` (a certificate in the chain is outside
//! its validity at the signing time when the signature has a signingTime
//! attribute, else now), `valid`. Revocation is not checked, and the report
//! says so. A hostile message yields `invalid`, never a panic: sizes are
//! capped before anything is parsed.

use openssl::cms::{CMSOptions, CmsContentInfo};
use openssl::x509::{X509, X509Name, X509Ref};
use serde::Serialize;

use super::der::{self, CertId, SignedData};
use super::entity::{canonical, content_type, fields, split_header, split_multipart};
use super::keys::{CertInfo, Certificate};
use super::trust::{ChainVerdict, Trust, TrustSource};
use super::{Kind, MAX_MESSAGE, MAX_SIGNATURE_PART, decode_body, is_signature_type, openssl_reason};
use crate::error::{Error, Result};
use crate::model::date::format_rfc3339;

/// The verdict on a signature. The order is the rule's: the first that
/// applies wins, so the worst of several signers is the smallest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Invalid,
    Untrusted,
    Expired,
    Valid,
}

/// How the signature travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Form {
    /// multipart/signed: readable without S/MIME support.
    Detached,
    /// application/pkcs7-mime signed-data: the content is inside the CMS.
    Opaque,
}

/// Revocation status, as far as owl knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Revocation {
    /// No CRL or OCSP lookup is done.
    NotChecked,
}

/// What a verification found; the `signature` member of the `smime` JSON
/// object. Field names are a contract: add, do not rename.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Signature {
    pub verdict: Verdict,
    /// Why the verdict is not `valid`; `None` when it is.
    pub reason: Option<String>,
    pub form: Form,
    pub trust_store: TrustSource,
    pub revocation: Revocation,
    /// The From address compared with the signers' addresses, if given.
    pub from: Option<String>,
    /// Whether any signer's address is the From address: domains compare
    /// case-insensitively and so do local parts (see `same_address`).
    /// `None` when no From was given. Does not change the verdict.
    pub from_matches: Option<bool>,
    /// Each signer whose certificate the message carries, in order.
    pub signers: Vec<Signer>,
}

/// One signer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Signer {
    /// subject, issuer, serial, emails, not_before, not_after.
    #[serde(flatten)]
    pub certificate: CertInfo,
    /// The signingTime attribute (RFC 3339), as the signer claims it.
    pub signing_time: Option<String>,
    /// This signer's own verdict.
    pub verdict: Verdict,
    pub reason: Option<String>,
    /// True when the certificate is past its notAfter now (the verdict may
    /// still be `valid`: it was valid when the message was signed).
    pub expired_now: bool,
    pub matches_from: Option<bool>,
}

/// A verification: the report, and the signed content (for a detached
/// signature the first part in canonical form; for an opaque one the
/// encapsulated content), which is what a reader should show.
#[derive(Debug, Clone)]
pub struct Verified {
    pub signature: Signature,
    pub content: Vec<u8>,
}

/// Verifies a signed message (or entity) against `trust`, comparing the
/// signers' addresses with `from` when given. An error only for a message
/// that is not S/MIME-signed at all or a failure to run the check; a bad
/// or unreadable signature is an `invalid` verdict.
pub fn verify(message: &[u8], trust: &Trust, from: Option<&str>) -> Result<Verified> {
    verify_at(message, trust, from, super::now())
}

pub(super) fn verify_at(message: &[u8], trust: &Trust, from: Option<&str>, now: i64) -> Result<Verified> {
    let check = Check { trust, from, now };
    match super::kind(message) {
        Some(Kind::Detached) => {
            let (head, body) = split_header(message);
            let ctype = content_type(&fields(head));
            let boundary = ctype.params.get("boundary").map(String::as_str).unwrap_or_default();
            Ok(check.detached(body, boundary))
        }
        Some(Kind::Opaque) => {
            if message.len() > MAX_MESSAGE {
                return Ok(check.unreadable(Form::Opaque, "the message is too large to verify", Vec::new()));
            }
            Ok(check.opaque(&decode_body(message)))
        }
        Some(_) => Err(Error::protocol("not an S/MIME signed message (it is encrypted)")),
        None => Err(Error::protocol("not an S/MIME signed message")),
    }
}

struct Check<'a> {
    trust: &'a Trust,
    from: Option<&'a str>,
    now: i64,
}

impl Check<'_> {
    fn detached(&self, body: &[u8], boundary: &str) -> Verified {
        if body.len() > MAX_MESSAGE {
            return self.unreadable(Form::Detached, "the message is too large to verify", Vec::new());
        }
        let Some(mp) = split_multipart(body, boundary) else {
            return self.unreadable(Form::Detached, "multipart/signed without its boundary", Vec::new());
        };
        let [signed, signature] = mp.parts[..] else {
            let n = mp.parts.len();
            return self.unreadable(Form::Detached, &format!("multipart/signed has {n} parts, not 2"), Vec::new());
        };
        let content = canonical(signed);
        if signature.len() > MAX_SIGNATURE_PART {
            return self.unreadable(Form::Detached, "the signature part is too large", content);
        }
        let (sig_head, _) = split_header(signature);
        let sig_type = content_type(&fields(sig_head)).mimetype;
        if !is_signature_type(&sig_type) {
            return self.unreadable(
                Form::Detached,
                &format!("the second part is {sig_type}, not a signature"),
                content,
            );
        }
        let der = decode_body(signature);
        // The canonical form is what RFC 8551 signs; a few producers sign the
        // bytes as they stored them, so those are tried second.
        let signature = self.check(&der, Some(&content), Form::Detached);
        if signature.verdict == Verdict::Invalid && content != signed {
            let as_is = self.check(&der, Some(signed), Form::Detached);
            if as_is.verdict != Verdict::Invalid {
                // The content shown must be the bytes that were verified.
                return Verified { signature: as_is, content: signed.to_vec() };
            }
        }
        Verified { signature, content }
    }

    fn opaque(&self, der: &[u8]) -> Verified {
        let signature = self.check(der, None, Form::Opaque);
        // The content is read from OpenSSL's own re-encoding (see der.rs).
        let content = CmsContentInfo::from_der(der)
            .and_then(|cms| cms.to_der())
            .ok()
            .and_then(|norm| der::signed_data(&norm).and_then(|sd| sd.content.map(<[u8]>::to_vec)))
            .unwrap_or_default();
        Verified { signature, content }
    }

    fn unreadable(&self, form: Form, reason: &str, content: Vec<u8>) -> Verified {
        Verified { signature: self.report(form, Verdict::Invalid, Some(reason.to_string()), Vec::new()), content }
    }

    fn report(&self, form: Form, verdict: Verdict, reason: Option<String>, signers: Vec<Signer>) -> Signature {
        let from_matches = self.from.map(|_| signers.iter().any(|s| s.matches_from == Some(true)));
        Signature {
            verdict,
            reason,
            form,
            trust_store: self.trust.source().clone(),
            revocation: Revocation::NotChecked,
            from: self.from.map(str::to_string),
            from_matches,
            signers,
        }
    }

    /// The whole check of one CMS signature over `detached` (or its own
    /// content when `None`).
    fn check(&self, der: &[u8], detached: Option<&[u8]>, form: Form) -> Signature {
        let invalid = |reason: String| self.report(form, Verdict::Invalid, Some(reason), Vec::new());
        if der.len() > MAX_MESSAGE {
            return invalid("the signature is too large".to_string());
        }
        let mut cms = match CmsContentInfo::from_der(der) {
            Ok(cms) => cms,
            Err(e) => return invalid(format!("the signature is not CMS ({})", openssl_reason(&e))),
        };
        let Ok(normalized) = cms.to_der() else {
            return invalid("the signature cannot be re-encoded".to_string());
        };
        let Some(sd) = der::signed_data(&normalized) else {
            return invalid("the signature is not CMS signed-data".to_string());
        };
        if sd.signers.is_empty() {
            return invalid("the signature has no signer".to_string());
        }
        if sd.too_many_signers {
            return invalid(format!("more than {} signers", der::MAX_SIGNERS));
        }
        if detached.is_some() && sd.content.is_some() {
            return invalid("a detached signature that carries content too".to_string());
        }
        let certs: Vec<X509> = sd.certificates.iter().filter_map(|c| X509::from_der(c).ok()).collect();
        let signers = self.signers(&sd, &certs);
        // NOVERIFY: the signature and the content digest only; the chain is
        // judged separately (trust.rs), so the verdicts come out in order.
        // BINARY: the content is already canonical; no conversion.
        let flags = CMSOptions::NOVERIFY | CMSOptions::BINARY;
        if let Err(e) = cms.verify(None, None, detached, None, flags) {
            return self.report(form, Verdict::Invalid, Some(signature_failure(&e)), signers);
        }
        if signers.len() < sd.signers.len() {
            let reason = "a signer's certificate is not in the message".to_string();
            return self.report(form, Verdict::Invalid, Some(reason), signers);
        }
        let worst = signers.iter().min_by_key(|s| s.verdict);
        let (verdict, reason) = worst.map_or((Verdict::Invalid, None), |s| (s.verdict, s.reason.clone()));
        self.report(form, verdict, reason, signers)
    }

    fn signers(&self, sd: &SignedData<'_>, certs: &[X509]) -> Vec<Signer> {
        let mut out = Vec::new();
        for info in &sd.signers {
            let Some(cert) = certs.iter().find(|c| names_cert(info.sid, c)) else { continue };
            let at = info.signing_time.unwrap_or(self.now);
            let (verdict, reason) = match self.trust.check(cert, certs, at) {
                Ok(ChainVerdict::Trusted) => (Verdict::Valid, None),
                Ok(ChainVerdict::Untrusted(why)) => (Verdict::Untrusted, Some(why)),
                Ok(ChainVerdict::Expired(why)) => {
                    let when = if info.signing_time.is_some() { "at the signing time" } else { "now" };
                    (Verdict::Expired, Some(format!("{why} ({when})")))
                }
                // Failing to run the check must not read as a verdict on the chain.
                Err(e) => (Verdict::Untrusted, Some(format!("the chain could not be checked: {e}"))),
            };
            let cert = Certificate::from_x509(cert.clone());
            let matches_from = self.from.map(|f| cert.emails().iter().any(|e| same_address(e, f)));
            out.push(Signer {
                expired_now: cert.validity().1 < self.now,
                certificate: cert.info(),
                signing_time: info.signing_time.map(|t| format_rfc3339(t, 0)),
                verdict,
                reason,
                matches_from,
            });
        }
        out
    }
}

/// A friendlier reason for OpenSSL's signature failures.
fn signature_failure(e: &openssl::error::ErrorStack) -> String {
    let reason = openssl_reason(e);
    if reason.contains("digest") || reason.contains("content verify") {
        format!("the content was changed after signing ({reason})")
    } else if reason.contains("signer certificate not found") {
        "the signer's certificate is not in the message".to_string()
    } else {
        format!("bad signature ({reason})")
    }
}

/// Whether `cert` is the one `id` names (RFC 5652 §5.3 sid, §6.2.1 rid).
pub(super) fn names_cert(id: CertId<'_>, cert: &X509Ref) -> bool {
    match id {
        CertId::IssuerSerial { issuer, serial } => {
            let same_issuer = X509Name::from_der(issuer)
                .ok()
                .and_then(|name| name.try_cmp(cert.issuer_name()).ok())
                .is_some_and(|o| o.is_eq());
            // INTEGER contents may carry a leading zero for sign; BigNum's
            // bytes do not. Negative serials (invalid per RFC 5280) never match.
            let ours = cert.serial_number().to_bn().map(|b| b.to_vec()).unwrap_or_default();
            let theirs = match serial {
                [0, rest @ ..] if !rest.is_empty() => rest,
                s => s,
            };
            same_issuer && !ours.is_empty() && ours == theirs
        }
        CertId::KeyId(ski) => cert.subject_key_id().is_some_and(|k| k.as_slice() == ski),
        CertId::Other => false,
    }
}

/// Address comparison for From and certificate lookup: the domain is
/// case-insensitive (RFC 5321 §2.4); the local part is compared
/// case-insensitively too. RFC 5321 lets a server treat it case-sensitively,
/// but virtually none does, and CAs often store the address lower-cased
/// while users write `Alice@`: an exact comparison would raise false
/// mismatches that teach people to ignore the warning. ASCII only: no
/// Unicode case folding of internationalised addresses.
pub fn same_address(a: &str, b: &str) -> bool {
    let (a, b) = (a.trim(), b.trim());
    !a.is_empty() && a.contains('@') && a.eq_ignore_ascii_case(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_compare_without_case() {
        assert!(same_address("alice@example.org", "Alice@EXAMPLE.org"));
        assert!(same_address(" bob@example.org ", "bob@example.org"));
        assert!(!same_address("alice@example.org", "alice@example.com"));
        assert!(!same_address("alice@example.org", "alice.x@example.org"));
        assert!(!same_address("", ""));
        assert!(!same_address("alice", "alice"));
    }

    #[test]
    fn verdicts_order_worst_first() {
        assert!(Verdict::Invalid < Verdict::Untrusted && Verdict::Untrusted < Verdict::Expired);
        assert!(Verdict::Expired < Verdict::Valid);
        assert_eq!(serde_json::to_value(Verdict::Untrusted).unwrap(), "untrusted");
        assert_eq!(serde_json::to_value(Revocation::NotChecked).unwrap(), "not_checked");
    }

    #[test]
    fn garbage_signatures_are_invalid_not_errors() {
        let trust = Trust::system();
        let msg = b"Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; boundary=b\r\n\r\n\
            --b\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b\r\nContent-Type: application/pkcs7-signature\r\n\
            Content-Transfer-Encoding: base64\r\n\r\nMIIBAAYJKoZIhvcNAQcC\r\n--b--\r\n";
        let v = verify_at(msg, &trust, None, 0).unwrap();
        assert_eq!(v.signature.verdict, Verdict::Invalid);
        assert!(v.signature.reason.as_deref().unwrap().contains("not CMS"), "{:?}", v.signature.reason);
        assert_eq!(v.content, b"Content-Type: text/plain\r\n\r\nhi");
        let one_part = b"Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; boundary=b\r\n\r\n--b\r\nx\r\n--b--\r\n";
        assert_eq!(verify_at(one_part, &trust, None, 0).unwrap().signature.verdict, Verdict::Invalid);
        let opaque = b"Content-Type: application/pkcs7-mime; smime-type=signed-data\r\nContent-Transfer-Encoding: base64\r\n\r\n////\r\n";
        assert_eq!(verify_at(opaque, &trust, None, 0).unwrap().signature.verdict, Verdict::Invalid);
        assert!(verify_at(b"Content-Type: text/plain\r\n\r\nhi", &trust, None, 0).is_err());
    }
}
