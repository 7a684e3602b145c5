//! The trust rules, checked against a TLS server in this process with
//! certificates made here: a CA file is the only trust, names and IP
//! addresses are checked (no partial wildcards), a pin replaces both, and
//! the system roots know nothing of a private CA.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use openssl::asn1::Asn1Time;
use openssl::bn::BigNum;
use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private};
use openssl::ssl::{SslAcceptor, SslMethod};
use openssl::x509::extension::{BasicConstraints, SubjectAlternativeName};
use openssl::x509::{X509, X509NameBuilder};

use super::*;
use crate::net::Counters;

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

fn key() -> PKey<Private> {
    PKey::from_ec_key(
        openssl::ec::EcKey::generate(
            &openssl::ec::EcGroup::from_curve_name(openssl::nid::Nid::X9_62_PRIME256V1).unwrap(),
        )
        .unwrap(),
    )
    .unwrap()
}

/// A certificate for `cn`, signed by `issuer` (self-signed when `None`).
fn certificate(cn: &str, key: &PKey<Private>, issuer: Option<(&X509, &PKey<Private>)>, sans: &[&str]) -> X509 {
    let mut name = X509NameBuilder::new().unwrap();
    name.append_entry_by_text("CN", cn).unwrap();
    let name = name.build();
    let mut b = X509::builder().unwrap();
    b.set_version(2).unwrap();
    b.set_serial_number(&BigNum::from_u32(cn.len() as u32 + 1).unwrap().to_asn1_integer().unwrap()).unwrap();
    b.set_subject_name(&name).unwrap();
    b.set_issuer_name(issuer.map_or(&*name, |(c, _)| c.subject_name())).unwrap();
    b.set_pubkey(key).unwrap();
    b.set_not_before(&Asn1Time::days_from_now(0).unwrap()).unwrap();
    b.set_not_after(&Asn1Time::days_from_now(2).unwrap()).unwrap();
    if issuer.is_none() {
        b.append_extension(BasicConstraints::new().critical().ca().build().unwrap()).unwrap();
    }
    if !sans.is_empty() {
        let mut alt = SubjectAlternativeName::new();
        for san in sans {
            match san.parse::<std::net::IpAddr>() {
                Ok(_) => alt.ip(san),
                Err(_) => alt.dns(san),
            };
        }
        let ext = alt.build(&b.x509v3_context(issuer.map(|(c, _)| &**c), None)).unwrap();
        b.append_extension(ext).unwrap();
    }
    b.sign(issuer.map_or(key, |(_, k)| k), MessageDigest::sha256()).unwrap();
    b.build()
}

/// A private CA, a server certificate it signed, and the CA as a file.
struct Pki {
    leaf: X509,
    leaf_key: PKey<Private>,
    ca_file: tempfile::NamedTempFile,
}

fn pki(sans: &[&str]) -> Pki {
    let ca_key = key();
    let ca = certificate("owl test CA", &ca_key, None, &[]);
    let leaf_key = key();
    let leaf = certificate("mail.example.org", &leaf_key, Some((&ca, &ca_key)), sans);
    let mut ca_file = tempfile::NamedTempFile::new().unwrap();
    ca_file.write_all(&ca.to_pem().unwrap()).unwrap();
    Pki { leaf, leaf_key, ca_file }
}

/// Serves one TLS connection with `pki`'s certificate on a loopback port;
/// the client hands `host` to the handshake whatever address it dials.
fn handshake_as(pki: &Pki, host: &str, policy: &TlsPolicy) -> Result<TlsInfo> {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let mut acceptor = SslAcceptor::mozilla_intermediate_v5(SslMethod::tls_server()).unwrap();
    acceptor.set_certificate(&pki.leaf).unwrap();
    acceptor.set_private_key(&pki.leaf_key).unwrap();
    let acceptor = acceptor.build();
    let server = std::thread::spawn(move || {
        let (tcp, _) = listener.accept().unwrap();
        tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        if let Ok(mut tls) = acceptor.accept(tcp) {
            let _ = tls.write_all(b"* OK hello\r\n");
            let mut buf = [0u8; 16];
            let _ = tls.read(&mut buf);
        }
    });
    let wire = Wire::connect("127.0.0.1", port, Duration::from_secs(10), Arc::new(Counters::default())).unwrap();
    let result = handshake(wire, host, policy).map(|(mut stream, info)| {
        let mut greeting = [0u8; 12];
        stream.read_exact(&mut greeting).unwrap();
        assert_eq!(&greeting, b"* OK hello\r\n");
        info
    });
    server.join().unwrap();
    result
}

fn ca(pki: &Pki) -> TlsPolicy {
    TlsPolicy { ca_file: Some(pki.ca_file.path().to_path_buf()), ..TlsPolicy::default() }
}

#[test]
fn a_ca_file_trusts_its_names_and_addresses_only() {
    let pki = pki(&["mail.example.org", "*.example.net", "127.0.0.1"]);
    let info = handshake_as(&pki, "mail.example.org", &ca(&pki)).unwrap();
    assert_eq!(info.verified_by, Verification::Ca);
    assert_eq!(info.version.as_deref(), Some("TLSv1.3"));
    assert_eq!(info.fingerprint, Fingerprint::of_der(&pki.leaf.to_der().unwrap()));
    handshake_as(&pki, "127.0.0.1", &ca(&pki)).unwrap();
    handshake_as(&pki, "imap.example.net", &ca(&pki)).unwrap();
    for wrong in ["other.example.org", "example.org", "a.b.example.net", "127.0.0.2", "::1"] {
        let err = handshake_as(&pki, wrong, &ca(&pki)).unwrap_err();
        assert_eq!(err.kind(), crate::error::ErrorKind::Tls, "{wrong}: {err}");
        assert!(err.to_string().contains("certificate verify failed"), "{wrong}: {err}");
    }
}

#[test]
fn the_system_roots_do_not_know_a_private_ca() {
    let pki = pki(&["mail.example.org"]);
    let err = handshake_as(&pki, "mail.example.org", &TlsPolicy::default()).unwrap_err();
    assert!(err.to_string().contains("certificate verify failed"), "{err}");
    // Another CA's file is no better.
    let other = self::pki(&["mail.example.org"]);
    assert!(handshake_as(&pki, "mail.example.org", &ca(&other)).is_err());
}

#[test]
fn a_pin_names_one_certificate_whatever_its_name_or_issuer() {
    let pki = pki(&["mail.example.org"]);
    let pin = Fingerprint::of_der(&pki.leaf.to_der().unwrap());
    let pinned = TlsPolicy { fingerprint: Some(pin), ..TlsPolicy::default() };
    let info = handshake_as(&pki, "any.name.at.all", &pinned).unwrap();
    assert_eq!(info.verified_by, Verification::Pin);
    let wrong = TlsPolicy { fingerprint: Some(Fingerprint([7; 32])), ..TlsPolicy::default() };
    let err = handshake_as(&pki, "mail.example.org", &wrong).unwrap_err();
    assert!(err.to_string().contains("does not match the pinned"), "{err}");
}
