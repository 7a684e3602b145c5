//! A small DER reader for the CMS fields that the `openssl` crate's safe API
//! does not expose: the certificates and signer infos of a SignedData (who
//! signed, with which digest, at which signingTime) and the recipient
//! identifiers of an (Auth)EnvelopedData (RFC 5652 §5, §6; RFC 5083).
//!
//! It only ever reads OpenSSL's own re-encoding of a structure OpenSSL has
//! already parsed (`CmsContentInfo::to_der`), so it accepts definite lengths
//! only: BER's indefinite lengths (gpgsm, `openssl smime` streaming) are gone
//! by then. Every length is checked against what is left, nothing recurses
//! beyond the fixed paths walked below, and bad input yields `None`, never a
//! panic. It does no cryptography and trusts nothing it reads.

/// Universal tags used here.
const INTEGER: u8 = 0x02;
const OCTET_STRING: u8 = 0x04;
const OID: u8 = 0x06;
const UTC_TIME: u8 = 0x17;
const GENERALIZED_TIME: u8 = 0x18;
const SEQUENCE: u8 = 0x30;
const SET: u8 = 0x31;
/// Context-specific tags: `[n]` constructed (0xA0 + n) and primitive (0x80 + n).
const CTX0: u8 = 0xA0;
const CTX1: u8 = 0xA1;
const CTX0_PRIM: u8 = 0x80;

/// OID contents (the bytes after tag and length).
const OID_SIGNED_DATA: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x02];
const OID_ENVELOPED_DATA: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x03];
const OID_AUTH_ENVELOPED_DATA: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x09, 0x10, 0x01, 0x17];
const OID_SIGNING_TIME: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x09, 0x05];

/// More signers or certificates than this is not mail but an attack on our
/// time: each signer costs a chain verification.
pub(super) const MAX_SIGNERS: usize = 8;
const MAX_CERTIFICATES: usize = 64;
const MAX_RECIPIENTS: usize = 256;

/// One TLV: its tag, its contents, and the whole encoding.
#[derive(Debug, Clone, Copy)]
pub(super) struct Tlv<'a> {
    pub tag: u8,
    pub body: &'a [u8],
    pub raw: &'a [u8],
}

/// Reads TLVs one after the other from a byte slice.
pub(super) struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    pub fn new(bytes: &'a [u8]) -> Reader<'a> {
        Reader { rest: bytes }
    }

    /// The next TLV, or `None` at the end or on a malformed one (which also
    /// ends the reading: nothing after a broken length can be trusted).
    pub fn next_tlv(&mut self) -> Option<Tlv<'a>> {
        let (&tag, after_tag) = self.rest.split_first()?;
        // High tag numbers (0x1f) never occur in CMS.
        if tag & 0x1f == 0x1f {
            self.rest = &[];
            return None;
        }
        let (&first, after_len) = after_tag.split_first()?;
        let (len, after_len) = match first {
            0..=0x7f => (usize::from(first), after_len),
            // 0x80 is BER's indefinite length, refused (see the module doc);
            // more than four length bytes would be over 4 GiB.
            0x81..=0x84 => {
                let n = usize::from(first & 0x7f);
                let bytes = after_len.get(..n)?;
                let len = bytes.iter().fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
                (len, &after_len[n..])
            }
            _ => {
                self.rest = &[];
                return None;
            }
        };
        let Some(body) = after_len.get(..len) else {
            self.rest = &[];
            return None;
        };
        let header_len = self.rest.len() - after_len.len();
        let raw = &self.rest[..header_len + len];
        self.rest = &after_len[len..];
        Some(Tlv { tag, body, raw })
    }

    /// The next TLV if it has `tag`; otherwise nothing is consumed.
    pub fn optional(&mut self, tag: u8) -> Option<Tlv<'a>> {
        if self.rest.first() == Some(&tag) { self.next_tlv() } else { None }
    }

    /// The next TLV, which must have `tag`.
    pub fn take(&mut self, tag: u8) -> Option<Tlv<'a>> {
        self.next_tlv().filter(|t| t.tag == tag)
    }
}

/// What a ContentInfo holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ContentType {
    Signed,
    Enveloped,
    AuthEnveloped,
    Other,
}

fn kind_of(oid: &[u8]) -> ContentType {
    match oid {
        OID_SIGNED_DATA => ContentType::Signed,
        OID_ENVELOPED_DATA => ContentType::Enveloped,
        OID_AUTH_ENVELOPED_DATA => ContentType::AuthEnveloped,
        _ => ContentType::Other,
    }
}

/// ContentInfo ::= SEQUENCE { contentType OID, content [0] EXPLICIT ANY }.
fn content_info(der: &[u8]) -> Option<(ContentType, &[u8])> {
    let outer = Reader::new(der).take(SEQUENCE)?;
    let mut r = Reader::new(outer.body);
    let kind = kind_of(r.take(OID)?.body);
    let content = r.take(CTX0)?;
    Some((kind, content.body))
}

/// The content type of a CMS ContentInfo as it arrives, BER included: only
/// the outer header and the OID are read (the one place where an
/// indefinite length is accepted), so this is cheap on any size.
pub(super) fn content_type(ber: &[u8]) -> Option<ContentType> {
    let rest = ber.strip_prefix(&[SEQUENCE])?;
    let (&first, rest) = rest.split_first()?;
    let rest = match first {
        0..=0x80 => rest,
        0x81..=0x84 => rest.get(usize::from(first & 0x7f)..)?,
        _ => return None,
    };
    Some(kind_of(Reader::new(rest).take(OID)?.body))
}

/// How a SignerInfo or a recipient names its certificate (RFC 5652 §5.3,
/// §6.2.1): by issuer and serial number, or by subjectKeyIdentifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum CertId<'a> {
    /// The issuer Name (whole TLV) and the serial INTEGER's contents.
    IssuerSerial {
        issuer: &'a [u8],
        serial: &'a [u8],
    },
    KeyId(&'a [u8]),
    /// A recipient kind that names no certificate (kekri, pwri, ori).
    Other,
}

/// IssuerAndSerialNumber ::= SEQUENCE { issuer Name, serialNumber INTEGER }.
fn issuer_serial(body: &[u8]) -> Option<CertId<'_>> {
    let mut r = Reader::new(body);
    let issuer = r.take(SEQUENCE)?;
    let serial = r.take(INTEGER)?;
    Some(CertId::IssuerSerial { issuer: issuer.raw, serial: serial.body })
}

/// One SignerInfo, as far as the report needs it.
#[derive(Debug, Clone)]
pub(super) struct SignerInfo<'a> {
    pub sid: CertId<'a>,
    /// The digest algorithm's OID contents, for `micalg`.
    pub digest: &'a [u8],
    /// The signingTime attribute (RFC 5652 §11.3), Unix seconds.
    pub signing_time: Option<i64>,
}

/// The parts of a SignedData (RFC 5652 §5.1) the report needs.
#[derive(Debug, Clone, Default)]
pub(super) struct SignedData<'a> {
    /// DER of each certificate carried (other CertificateChoices skipped).
    pub certificates: Vec<&'a [u8]>,
    pub signers: Vec<SignerInfo<'a>>,
    /// The encapsulated content of an opaque signature (`None` when detached).
    pub content: Option<&'a [u8]>,
    /// True when there were more signers than `MAX_SIGNERS`.
    pub too_many_signers: bool,
}

/// SignedData ::= SEQUENCE { version, digestAlgorithms SET,
/// encapContentInfo, certificates [0] IMPLICIT OPTIONAL,
/// crls [1] IMPLICIT OPTIONAL, signerInfos SET OF SignerInfo }.
pub(super) fn signed_data(der: &[u8]) -> Option<SignedData<'_>> {
    let (ContentType::Signed, content) = content_info(der)? else { return None };
    let sd = Reader::new(content).take(SEQUENCE)?;
    let mut r = Reader::new(sd.body);
    r.take(INTEGER)?;
    r.take(SET)?;
    // EncapsulatedContentInfo ::= SEQUENCE { eContentType, eContent [0] EXPLICIT OCTET STRING OPTIONAL }
    let encap = r.take(SEQUENCE)?;
    let mut e = Reader::new(encap.body);
    e.take(OID)?;
    let econtent = match e.optional(CTX0) {
        Some(wrapper) => Some(Reader::new(wrapper.body).take(OCTET_STRING)?.body),
        None => None,
    };
    let mut out = SignedData { content: econtent, ..SignedData::default() };
    if let Some(certs) = r.optional(CTX0) {
        let mut c = Reader::new(certs.body);
        while let Some(cert) = c.next_tlv() {
            // Only plain certificates (a SEQUENCE); attribute certificates
            // and other formats ([1]..[3]) are no use for S/MIME.
            if cert.tag == SEQUENCE && out.certificates.len() < MAX_CERTIFICATES {
                out.certificates.push(cert.raw);
            }
        }
    }
    r.optional(CTX1);
    let infos = r.take(SET)?;
    let mut s = Reader::new(infos.body);
    while let Some(info) = s.next_tlv() {
        if out.signers.len() == MAX_SIGNERS {
            out.too_many_signers = true;
            break;
        }
        out.signers.push(signer_info(info)?);
    }
    Some(out)
}

/// SignerInfo ::= SEQUENCE { version, sid, digestAlgorithm,
/// signedAttrs [0] IMPLICIT SET OF Attribute OPTIONAL, ... }.
fn signer_info(info: Tlv<'_>) -> Option<SignerInfo<'_>> {
    if info.tag != SEQUENCE {
        return None;
    }
    let mut r = Reader::new(info.body);
    r.take(INTEGER)?;
    let sid = r.next_tlv()?;
    let sid = match sid.tag {
        SEQUENCE => issuer_serial(sid.body)?,
        CTX0_PRIM => CertId::KeyId(sid.body),
        _ => return None,
    };
    let alg = r.take(SEQUENCE)?;
    let digest = Reader::new(alg.body).take(OID)?.body;
    let mut signing_time = None;
    if let Some(attrs) = r.optional(CTX0) {
        let mut a = Reader::new(attrs.body);
        while let Some(attr) = a.next_tlv() {
            let mut ar = Reader::new(attr.body);
            if ar.take(OID).map(|o| o.body) != Some(OID_SIGNING_TIME) {
                continue;
            }
            let values = ar.take(SET)?;
            signing_time = parse_time(Reader::new(values.body).next_tlv()?);
        }
    }
    Some(SignerInfo { sid, digest, signing_time })
}

/// UTCTime (`YYMMDDHHMMSSZ`, years 1950-2049, RFC 5280 §4.1.2.5.1) or
/// GeneralizedTime (`YYYYMMDDHHMMSS[.f]Z`) as Unix seconds.
pub(super) fn parse_time(t: Tlv<'_>) -> Option<i64> {
    let s = std::str::from_utf8(t.body).ok()?;
    let s = s.strip_suffix('Z')?;
    let (year, rest) = match t.tag {
        UTC_TIME => {
            let yy: i32 = s.get(..2)?.parse().ok()?;
            (if yy < 50 { 2000 + yy } else { 1900 + yy }, s.get(2..)?)
        }
        GENERALIZED_TIME => (s.get(..4)?.parse().ok()?, s.get(4..)?),
        _ => return None,
    };
    // Fractions of a second are allowed in GeneralizedTime; they do not matter here.
    let rest = rest.split('.').next()?;
    if rest.len() != 10 || !rest.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let num = |i: usize| rest.get(i..i + 2).and_then(|n| n.parse::<u32>().ok());
    let (month, day, hour, min, sec) = (num(0)?, num(2)?, num(4)?, num(6)?, num(8)?);
    if hour > 23 || min > 59 || sec > 60 {
        return None;
    }
    let date = crate::model::date::Date::new(year, month, day)?;
    Some(date.to_unix() + i64::from(hour * 3600 + min * 60 + sec))
}

/// The recipients of an EnvelopedData or AuthEnvelopedData (RFC 5652 §6.1,
/// RFC 5083 §2.1): both start `version, originatorInfo [0] OPTIONAL,
/// recipientInfos SET OF RecipientInfo`. `None` for anything else.
pub(super) fn recipients(der: &[u8]) -> Option<Vec<CertId<'_>>> {
    let (ContentType::Enveloped | ContentType::AuthEnveloped, content) = content_info(der)? else {
        return None;
    };
    let ed = Reader::new(content).take(SEQUENCE)?;
    let mut r = Reader::new(ed.body);
    r.take(INTEGER)?;
    r.optional(CTX0);
    let infos = r.take(SET)?;
    let mut out = Vec::new();
    let mut s = Reader::new(infos.body);
    while let Some(info) = s.next_tlv() {
        if out.len() >= MAX_RECIPIENTS {
            break;
        }
        match info.tag {
            // KeyTransRecipientInfo ::= SEQUENCE { version, rid, ... }
            SEQUENCE => {
                let mut k = Reader::new(info.body);
                k.take(INTEGER)?;
                let rid = k.next_tlv()?;
                out.push(match rid.tag {
                    SEQUENCE => issuer_serial(rid.body)?,
                    CTX0_PRIM => CertId::KeyId(rid.body),
                    _ => CertId::Other,
                });
            }
            // KeyAgreeRecipientInfo ::= [1] { version, originator [0],
            // ukm [1] OPTIONAL, keyEncryptionAlgorithm, recipientEncryptedKeys }
            CTX1 => out.extend(key_agree_recipients(info.body)?),
            _ => out.push(CertId::Other),
        }
    }
    Some(out)
}

fn key_agree_recipients(body: &[u8]) -> Option<Vec<CertId<'_>>> {
    let mut k = Reader::new(body);
    k.take(INTEGER)?;
    k.take(CTX0)?;
    k.optional(CTX1);
    k.take(SEQUENCE)?;
    let keys = k.take(SEQUENCE)?;
    let mut out = Vec::new();
    let mut r = Reader::new(keys.body);
    while let Some(rek) = r.next_tlv() {
        let rid = Reader::new(rek.body).next_tlv()?;
        out.push(match rid.tag {
            SEQUENCE => issuer_serial(rid.body)?,
            // RecipientKeyIdentifier ::= [0] IMPLICIT SEQUENCE { subjectKeyIdentifier, ... }
            CTX0 => CertId::KeyId(Reader::new(rid.body).take(OCTET_STRING)?.body),
            _ => CertId::Other,
        });
    }
    Some(out)
}

/// The `micalg` name (RFC 8551 §3.5.3.2) of a digest OID.
pub(super) fn micalg(oid: &[u8]) -> Option<&'static str> {
    const NIST: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02];
    match oid {
        [0x2B, 0x0E, 0x03, 0x02, 0x1A] => Some("sha-1"),
        [prefix @ .., last] if prefix == NIST => match last {
            1 => Some("sha-256"),
            2 => Some("sha-384"),
            3 => Some("sha-512"),
            4 => Some("sha-224"),
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_are_checked_and_indefinite_ones_refused() {
        let mut r = Reader::new(&[0x04, 0x02, 0xAA, 0xBB, 0x05, 0x00]);
        let t = r.next_tlv().unwrap();
        assert_eq!((t.tag, t.body, t.raw.len()), (0x04, &[0xAA, 0xBB][..], 4));
        assert_eq!(r.next_tlv().unwrap().tag, 0x05);
        assert!(r.next_tlv().is_none());
        for bad in [
            &[0x30, 0x80, 0x00, 0x00][..],
            &[0x30, 0x05, 0x01],
            &[0x30, 0x85, 1, 1, 1, 1, 1],
            &[0x1f, 0x01, 0x00],
            &[0x30],
        ] {
            assert!(Reader::new(bad).next_tlv().is_none(), "{bad:?}");
        }
        let long = [&[0x04, 0x82, 0x01, 0x00][..], &[7u8; 256]].concat();
        assert_eq!(Reader::new(&long).next_tlv().unwrap().body.len(), 256);
    }

    #[test]
    fn garbage_is_none_not_a_panic() {
        let mut state = 0x2545_f491_u32;
        for len in 0..400 {
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 17;
                    state ^= state << 5;
                    // Mostly structure bytes, so the walker gets deep.
                    [0x30, 0x31, 0xA0, 0x06, 0x02, 0x80, 0x04, (state >> 8) as u8][(state % 8) as usize]
                })
                .collect();
            let _ = signed_data(&bytes);
            let _ = recipients(&bytes);
            let _ = content_type(&bytes);
        }
    }

    #[test]
    fn times() {
        let t = |tag, s: &str| parse_time(Tlv { tag, body: s.as_bytes(), raw: &[] });
        assert_eq!(t(UTC_TIME, "700101000000Z"), Some(0));
        assert_eq!(t(UTC_TIME, "491231235959Z"), Some(2_524_607_999));
        assert_eq!(t(GENERALIZED_TIME, "20261122183841Z"), Some(1_795_372_721));
        assert_eq!(t(GENERALIZED_TIME, "20261122183841.25Z"), Some(1_795_372_721));
        for bad in ["20261122183841", "2026112218384Z", "20261322183841Z", "2026112218384xZ", "20261122250000Z"] {
            assert_eq!(t(GENERALIZED_TIME, bad), None, "{bad}");
        }
        assert_eq!(t(OID, "700101000000Z"), None);
    }

    #[test]
    fn micalg_names() {
        assert_eq!(micalg(&[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01]), Some("sha-256"));
        assert_eq!(micalg(&[0x2B, 0x0E, 0x03, 0x02, 0x1A]), Some("sha-1"));
        assert_eq!(micalg(&[0x2A]), None);
    }
}
