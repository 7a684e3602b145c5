//! Tests of the reading side: verifying messages signed by `openssl smime`,
//! gpgsm and by hand (LF line ends, 8-bit text), and decrypting messages
//! encrypted by `openssl smime`; verdicts, reports and hostile input.

use super::test_pki::{Lab, PASSPHRASE, set_mode};
use super::*;
use crate::error::ErrorKind;

const LETTER: &[u8] = b"Content-Type: text/plain; charset=us-ascii\n\nDear Bob,\nthe owl flies at midnight.\n";

/// A message for `openssl smime`: it adds the top-level headers it is given.
fn smime_sign(lab: &Lab, signer: &str, content: &[u8], extra: &[&str]) -> Vec<u8> {
    lab.write("in.txt", content);
    let (cert, key) = (format!("{signer}.pem"), format!("{signer}.key"));
    let mut args = vec!["smime", "-sign", "-in", "in.txt", "-signer", &cert, "-inkey", &key];
    args.extend(["-from", "alice@example.org", "-to", "bob@example.org", "-subject", "owl test"]);
    args.extend(extra);
    lab.openssl(&args)
}

fn verdict(message: &[u8], trust: &Trust) -> Signature {
    verify(message, trust, Some("alice@example.org")).unwrap().signature
}

#[test]
fn detached_signature_from_openssl_is_valid_and_reported() {
    let lab = Lab::new();
    let signed = smime_sign(&lab, "alice", LETTER, &[]);
    assert_eq!(kind(&signed), Some(Kind::Detached));
    let v = verify(&signed, &lab.trust(), Some("Alice@Example.ORG")).unwrap();
    let s = &v.signature;
    assert_eq!((s.verdict, s.form, &s.reason), (Verdict::Valid, Form::Detached, &None));
    assert_eq!(s.from_matches, Some(true));
    assert_eq!(s.trust_store, TrustSource::CaFile { path: lab.path("ca.pem").display().to_string() });
    let signer = &s.signers[0];
    assert_eq!(signer.certificate.subject, "O=Owl Test, CN=Alice");
    assert_eq!(signer.certificate.issuer, "O=Owl Test, CN=Owl Test Root");
    assert_eq!(signer.certificate.emails, ["alice@example.org"]);
    assert!(signer.certificate.not_after.ends_with("+00:00") && !signer.expired_now);
    let signed_at = signer.signing_time.as_deref().unwrap();
    assert!(signed_at.starts_with(&crate::model::date::format_rfc3339(now(), 0)[..10]), "{signed_at}");
    // The content is the signed entity, canonical.
    assert_eq!(v.content, entity::canonical(LETTER));
    let json = serde_json::to_value(s).unwrap();
    assert_eq!(json["verdict"], "valid");
    assert_eq!(json["trust_store"]["kind"], "ca_file");
    assert_eq!(json["revocation"], "not_checked");
    assert_eq!(json["signers"][0]["emails"][0], "alice@example.org");
}

#[test]
fn changed_content_is_invalid() {
    let lab = Lab::new();
    let signed = smime_sign(&lab, "alice", LETTER, &[]);
    let text = String::from_utf8(signed).unwrap().replace("midnight", "noon");
    let s = verdict(text.as_bytes(), &lab.trust());
    assert_eq!(s.verdict, Verdict::Invalid);
    assert!(s.reason.as_deref().unwrap().contains("changed"), "{:?}", s.reason);
    // The signer is still named: a reader can say who supposedly signed.
    assert_eq!(s.signers[0].certificate.emails, ["alice@example.org"]);
}

#[test]
fn a_foreign_ca_is_untrusted_and_the_system_store_says_so() {
    let lab = Lab::new();
    let s = verdict(&smime_sign(&lab, "eve", LETTER, &[]), &lab.trust());
    assert_eq!(s.verdict, Verdict::Untrusted);
    assert!(s.reason.as_deref().unwrap().contains("issuer"), "{:?}", s.reason);
    assert_eq!(s.from_matches, Some(false));
    let system = verdict(&smime_sign(&lab, "alice", LETTER, &[]), &Trust::system());
    assert_eq!((system.verdict, system.trust_store), (Verdict::Untrusted, TrustSource::System));
}

#[test]
fn expired_signer_is_expired_at_the_signing_time() {
    let lab = Lab::new();
    let s = verdict(&smime_sign(&lab, "old", LETTER, &[]), &lab.trust());
    assert_eq!(s.verdict, Verdict::Expired);
    assert!(s.reason.as_deref().unwrap().contains("at the signing time"), "{:?}", s.reason);
    assert!(s.signers[0].expired_now);
    assert_eq!(s.signers[0].certificate.not_after, "2021-01-01T00:00:00+00:00");
    // The same certificate was fine in 2020: the time is what decides.
    let old = lab.cert("old");
    let t2020 = 1_590_000_000;
    assert_eq!(lab.trust().check(old.x509(), &[], t2020).unwrap(), trust::ChainVerdict::Trusted);
}

#[test]
fn signing_time_decides_and_without_it_now_does() {
    let lab = Lab::new();
    let in_2040 = 2_200_000_000;
    // Signed today, read in 2040 after alice's certificate ran out: valid.
    let signed = smime_sign(&lab, "alice", LETTER, &[]);
    let later = verify::verify_at(&signed, &lab.trust(), None, in_2040).unwrap().signature;
    assert_eq!(later.verdict, Verdict::Valid);
    assert!(later.signers[0].expired_now);
    // Without signed attributes there is no signingTime: judged "now".
    let bare = smime_sign(&lab, "alice", LETTER, &["-noattr"]);
    let s = verify::verify_at(&bare, &lab.trust(), None, in_2040).unwrap().signature;
    assert_eq!(s.signers[0].signing_time, None);
    assert_eq!(s.verdict, Verdict::Expired);
    assert!(s.reason.as_deref().unwrap().contains("(now)"), "{:?}", s.reason);
    assert_eq!(verdict(&bare, &lab.trust()).verdict, Verdict::Valid);
}

#[test]
fn wrong_from_is_reported_but_does_not_change_the_verdict() {
    let lab = Lab::new();
    let v = verify(&smime_sign(&lab, "bob", LETTER, &[]), &lab.trust(), Some("alice@example.org")).unwrap();
    assert_eq!(v.signature.verdict, Verdict::Valid);
    assert_eq!(v.signature.from_matches, Some(false));
    assert_eq!(v.signature.signers[0].matches_from, Some(false));
    let none = verify(&smime_sign(&lab, "bob", LETTER, &[]), &lab.trust(), None).unwrap();
    assert_eq!(none.signature.from_matches, None);
}

#[test]
fn opaque_signature_returns_its_content() {
    let lab = Lab::new();
    let signed = smime_sign(&lab, "alice", LETTER, &["-nodetach"]);
    assert!(String::from_utf8_lossy(&signed).contains("smime-type=signed-data"));
    assert_eq!(kind(&signed), Some(Kind::Opaque));
    let v = verify(&signed, &lab.trust(), Some("alice@example.org")).unwrap();
    assert_eq!((v.signature.verdict, v.signature.form), (Verdict::Valid, Form::Opaque));
    assert_eq!(v.content, entity::canonical(LETTER));
    // Flipping a byte of the encapsulated content breaks it.
    let der = decode_body(&signed);
    let at = der.windows(8).position(|w| w == b"midnight").unwrap();
    let mut bad = der.clone();
    bad[at] = b'M';
    let tampered = [&b"Content-Type: application/pkcs7-mime; smime-type=signed-data\r\n\r\n"[..], &bad].concat();
    assert_eq!(verdict(&tampered, &lab.trust()).verdict, Verdict::Invalid);
    // Streamed BER (indefinite lengths, content in chunks) reads the same.
    lab.write("in.txt", &entity::canonical(LETTER));
    let args = ["cms", "-sign", "-nodetach", "-stream", "-binary", "-in", "in.txt", "-signer", "alice.pem"];
    let ber = lab.openssl(&[&args[..], &["-inkey", "alice.key", "-outform", "DER"]].concat());
    assert_eq!(ber[..2], [0x30, 0x80]);
    let streamed =
        [&b"Content-Type: application/pkcs7-mime\r\nContent-Transfer-Encoding: binary\r\n\r\n"[..], &ber].concat();
    assert_eq!(kind(&streamed), Some(Kind::Opaque));
    let v = verify(&streamed, &lab.trust(), None).unwrap();
    assert_eq!((v.signature.verdict, v.content), (Verdict::Valid, entity::canonical(LETTER)));
}

#[test]
fn carol_is_found_by_her_subject_email() {
    let lab = Lab::new();
    let v = verify(&smime_sign(&lab, "carol", LETTER, &[]), &lab.trust(), Some("carol@example.org")).unwrap();
    assert_eq!(v.signature.verdict, Verdict::Valid);
    assert_eq!(v.signature.signers[0].certificate.emails, ["carol@example.org"]);
    assert_eq!(v.signature.from_matches, Some(true));
}

/// A multipart/signed written by hand around a detached DER signature,
/// with LF line ends.
fn hand_made(entity_lf: &[u8], der: &[u8]) -> Vec<u8> {
    let mut m = b"From: alice@example.org\nSubject: hand made\nMIME-Version: 1.0\n\
        Content-Type: multipart/signed; protocol=\"application/x-pkcs7-signature\"; micalg=sha-256;\n boundary=\"=-=b=-=\"\n\n\
        preamble\n--=-=b=-=\n"
        .to_vec();
    m.extend_from_slice(entity_lf);
    m.extend_from_slice(b"\n--=-=b=-=\nContent-Type: application/x-pkcs7-signature; name=smime.p7s\nContent-Transfer-Encoding: base64\n\n");
    m.extend_from_slice(&seven_bit::base64_lines(der).iter().copied().filter(|&b| b != b'\r').collect::<Vec<u8>>());
    m.extend_from_slice(b"--=-=b=-=--\n");
    m
}

#[test]
fn lf_line_ends_and_eight_bit_text_verify() {
    let lab = Lab::new();
    let entity_lf =
        "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\nGrüße aus Köln,\nJürgen\n"
            .as_bytes();
    lab.write("entity.txt", &entity::canonical(entity_lf));
    let der = lab.openssl(&[
        "cms",
        "-sign",
        "-binary",
        "-in",
        "entity.txt",
        "-signer",
        "alice.pem",
        "-inkey",
        "alice.key",
        "-outform",
        "DER",
    ]);
    let message = hand_made(entity_lf, &der);
    assert!(!message.contains(&b'\r'));
    let v = verify(&message, &lab.trust(), Some("alice@example.org")).unwrap();
    assert_eq!(v.signature.verdict, Verdict::Valid, "{:?}", v.signature.reason);
    assert_eq!(v.content, entity::canonical(entity_lf));
    // Through open(), which reads From itself.
    let opened = open(&message, &lab.trust(), None).unwrap().unwrap();
    assert_eq!(opened.report.signature.unwrap().from_matches, Some(true));
    assert!(opened.report.signed && !opened.report.encrypted);
}

#[test]
fn gpgsm_signatures_verify() {
    let lab = Lab::new();
    let entity_lf = b"Content-Type: text/plain\n\nsigned by gpgsm\n";
    // Never skipped: .ci/run installs gpgsm, as it installs Dovecot.
    let p7s = lab.gpgsm_sign(&entity::canonical(entity_lf)).expect("gpgsm (Debian package gpgsm) must be installed");
    let der = crate::model::decode::lenient_base64(&p7s);
    let v = verify(&hand_made(entity_lf, &der), &lab.trust(), Some("alice@example.org")).unwrap();
    assert_eq!(v.signature.verdict, Verdict::Valid, "{:?}", v.signature.reason);
    assert!(v.signature.signers[0].signing_time.is_some());
}

#[test]
fn decrypts_what_openssl_encrypted_to_alice() {
    let lab = Lab::new();
    lab.write("in.txt", LETTER);
    let encrypted = lab.openssl(&["smime", "-encrypt", "-aes256", "-in", "in.txt", "-subject", "secret", "alice.pem"]);
    assert_eq!(kind(&encrypted), Some(Kind::Enveloped));
    let Decryption::Decrypted(inner) = decrypt(&encrypted, &lab.identity("alice")).unwrap() else { panic!() };
    assert_eq!(inner, entity::canonical(LETTER));
    // openssl writes the legacy x- type; the current type without
    // smime-type, and octet-stream named .p7m, are read the same way.
    let text = String::from_utf8(encrypted).unwrap();
    assert!(text.contains("application/x-pkcs7-mime; smime-type=enveloped-data;"), "{text}");
    let bare = text.replace("application/x-pkcs7-mime; smime-type=enveloped-data;", "application/pkcs7-mime;");
    let octet = text.replace("application/x-pkcs7-mime; smime-type=enveloped-data;", "application/octet-stream;");
    for variant in [bare, octet] {
        assert_eq!(kind(variant.as_bytes()), Some(Kind::Enveloped), "{variant}");
        assert!(matches!(decrypt(variant.as_bytes(), &lab.identity("alice")).unwrap(), Decryption::Decrypted(_)));
    }
    let not_p7m = text.replace("application/x-pkcs7-mime", "application/octet-stream").replace("smime.p7m", "x.bin");
    assert_eq!(kind(not_p7m.as_bytes()), None);
}

#[test]
fn report_json_shape_is_stable() {
    let lab = Lab::new();
    let opened = open(&smime_sign(&lab, "alice", LETTER, &[]), &lab.trust(), None).unwrap().unwrap();
    let json = serde_json::to_value(&opened.report).unwrap();
    let keys = |v: &serde_json::Value| v.as_object().unwrap().keys().cloned().collect::<Vec<String>>();
    assert_eq!(keys(&json), ["decryption", "encrypted", "signature", "signed"]);
    assert_eq!((json["signed"].as_bool(), json["encrypted"].as_bool()), (Some(true), Some(false)));
    assert!(json["decryption"].is_null());
    let sig = &json["signature"];
    let want = ["form", "from", "from_matches", "reason", "revocation", "signers", "trust_store", "verdict"];
    assert_eq!(keys(sig), want);
    assert_eq!(sig["from"], "alice@example.org");
    let signer = [
        "emails",
        "expired_now",
        "issuer",
        "matches_from",
        "not_after",
        "not_before",
        "reason",
        "serial",
        "signing_time",
        "subject",
        "verdict",
    ];
    assert_eq!(keys(&sig["signers"][0]), signer);
}

#[test]
fn a_message_for_someone_else_says_so() {
    let lab = Lab::new();
    lab.write("in.txt", LETTER);
    let encrypted = lab.openssl(&["smime", "-encrypt", "-aes256", "-in", "in.txt", "bob.pem"]);
    let Decryption::NotForThisKey { recipients } = decrypt(&encrypted, &lab.identity("alice")).unwrap() else {
        panic!("decrypted a message for bob with alice's key")
    };
    let bob = lab.cert("bob").info();
    assert_eq!(recipients, [Recipient { issuer: Some(bob.issuer), serial: Some(bob.serial), key_id: None }]);
    let opened = open(&encrypted, &lab.trust(), Some(&lab.identity("alice"))).unwrap().unwrap();
    assert!(opened.content.is_none());
    let json = serde_json::to_value(&opened.report).unwrap();
    assert_eq!(json["decryption"]["status"], "not_for_this_key");
    assert_eq!((json["encrypted"].as_bool(), json["signed"].as_bool()), (Some(true), Some(false)));
    let no_key = open(&encrypted, &lab.trust(), None).unwrap().unwrap();
    assert_eq!(no_key.report.decryption, Some(DecryptionStatus::NoKey));
}

#[test]
fn signed_then_encrypted_by_openssl_opens_and_verifies() {
    let lab = Lab::new();
    let signed = smime_sign(&lab, "bob", LETTER, &[]);
    lab.write("signed.eml", &signed);
    let both =
        lab.openssl(&["smime", "-encrypt", "-aes256", "-in", "signed.eml", "-from", "bob@example.org", "alice.pem"]);
    let opened = open(&both, &lab.trust(), Some(&lab.identity("alice"))).unwrap().unwrap();
    let r = &opened.report;
    assert!(r.signed && r.encrypted);
    assert_eq!(r.decryption, Some(DecryptionStatus::Decrypted));
    let s = r.signature.as_ref().unwrap();
    assert_eq!((s.verdict, s.from_matches), (Verdict::Valid, Some(true)), "{:?}", s.reason);
    assert_eq!(opened.content.unwrap(), entity::canonical(LETTER));
}

#[test]
fn locked_keys_need_the_right_passphrase() {
    let lab = Lab::new();
    lab.write("in.txt", LETTER);
    let encrypted = lab.openssl(&["smime", "-encrypt", "-aes256", "-in", "in.txt", "alice.pem"]);
    let alice = lab.locked_identity(Some(PASSPHRASE)).unwrap();
    assert!(matches!(decrypt(&encrypted, &alice).unwrap(), Decryption::Decrypted(_)));
    assert!(!format!("{alice:?}").contains(PASSPHRASE) && format!("{alice:?}").contains("<redacted>"));
    let wrong = lab.locked_identity(Some("tr0ub4dor")).unwrap_err();
    assert_eq!(wrong.kind(), ErrorKind::Config);
    assert!(wrong.to_string().contains("wrong passphrase") && !wrong.to_string().contains("tr0ub4dor"), "{wrong}");
    let missing = lab.locked_identity(None).unwrap_err();
    assert!(missing.to_string().contains("a passphrase is needed"), "{missing}");
    let bob_key_alice_cert = Identity::load(&lab.path("bob.key"), &lab.path("alice.pem"), None).unwrap_err();
    assert!(bob_key_alice_cert.to_string().contains("does not belong"), "{bob_key_alice_cert}");
}

#[test]
fn a_readable_key_file_gives_a_warning() {
    let lab = Lab::new();
    set_mode(&lab.path("alice.key"), 0o644);
    let (_, warnings) = Identity::load(&lab.path("alice.key"), &lab.path("alice.pem"), None).unwrap();
    assert_eq!(warnings, [Warning::KeyFileReadable { path: lab.path("alice.key"), mode: 0o644 }]);
    set_mode(&lab.path("alice.key"), 0o600);
    assert!(Identity::load(&lab.path("alice.key"), &lab.path("alice.pem"), None).unwrap().1.is_empty());
    // One file may hold both the key and the certificate.
    let both = [std::fs::read(lab.path("alice.key")).unwrap(), std::fs::read(lab.path("alice.pem")).unwrap()].concat();
    let combined = lab.write("alice-both.pem", &both);
    set_mode(&combined, 0o600);
    let (id, _) = Identity::load(&combined, &combined, None).unwrap();
    assert_eq!(id.certificate().emails(), ["alice@example.org"]);
    let missing = Identity::load(&lab.path("nope.key"), &lab.path("alice.pem"), None).unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::NoInput);
}

#[test]
fn hostile_messages_are_invalid_or_errors_quickly() {
    let lab = Lab::new();
    let trust = lab.trust();
    let head = "Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; boundary=b\r\n\r\n--b\r\nhi\r\n--b\r\n\
        Content-Type: application/pkcs7-signature\r\nContent-Transfer-Encoding: base64\r\n\r\n";
    let huge = [head.as_bytes(), &vec![b'A'; MAX_SIGNATURE_PART + 10], b"\r\n--b--\r\n"].concat();
    let s = verdict(&huge, &trust);
    assert_eq!(s.verdict, Verdict::Invalid);
    assert!(s.reason.unwrap().contains("too large"));
    // 100 000 nested SEQUENCEs: OpenSSL's nesting limit refuses them.
    let mut deep = Vec::new();
    for _ in 0..100_000 {
        deep.extend_from_slice(&[0x30, 0x80]);
    }
    let body = seven_bit::base64_lines(&deep);
    let opaque = [&b"Content-Type: application/pkcs7-mime; smime-type=signed-data\r\nContent-Transfer-Encoding: base64\r\n\r\n"[..], &body].concat();
    assert_eq!(verdict(&opaque, &trust).verdict, Verdict::Invalid);
    let enveloped = String::from_utf8(opaque).unwrap().replace("signed-data", "enveloped-data");
    assert_eq!(decrypt(enveloped.as_bytes(), &lab.identity("alice")).unwrap_err().kind(), ErrorKind::Protocol);
    // A signature inside a signature inside...: open() stops after a few layers.
    let mut layered = LETTER.to_vec();
    for _ in 0..6 {
        layered = smime_sign(&lab, "alice", &layered, &["-nodetach"]);
    }
    let opened = open(&layered, &trust, None).unwrap().unwrap();
    assert_eq!(opened.report.outer_signatures.len(), MAX_LAYERS - 1);
    assert_eq!(kind(&opened.content.unwrap()), Some(Kind::Opaque));
    assert!(open(b"Content-Type: text/plain\r\n\r\nhello", &trust, None).unwrap().is_none());
}
