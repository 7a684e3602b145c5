//! Tests of the sending side: what `sign`, `encrypt` and
//! `sign_then_encrypt` produce must verify with `openssl smime -verify` and
//! decrypt with `openssl smime -decrypt` (and with our own reader), 8-bit
//! input must get a 7-bit encoding first, and certificate lookup by address.

use super::test_pki::Lab;
use super::*;
use crate::error::ErrorKind;
use crate::model::compose;

const MESSAGE: &str = "From: Alice <alice@example.org>\r\nTo: Bob <bob@example.org>\r\nCc: carol@example.org\r\n\
    Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=\r\nDate: Sun, 22 Nov 2026 18:38:41 +0000\r\nMessage-ID: <m1@example.org>\r\n\
    In-Reply-To: <m0@example.org>\r\nReferences: <m0@example.org>\r\nMIME-Version: 1.0\r\n\
    Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n\
    Schöne Grüße aus Köln!\r\nFrom the owl.\r\n";

/// The header of a message, as one string.
fn header(message: &[u8]) -> String {
    String::from_utf8(entity::split_header(message).0.to_vec()).unwrap()
}

/// The first part of a multipart/signed message (the signed entity).
fn signed_entity(message: &[u8]) -> Vec<u8> {
    let (head, body) = entity::split_header(message);
    let ctype = entity::content_type(&entity::fields(head));
    let mp = entity::split_multipart(body, &ctype.params["boundary"]).unwrap();
    mp.parts[0].to_vec()
}

#[test]
fn signed_messages_verify_with_openssl_and_keep_headers_outside() {
    let lab = Lab::new();
    let signed = sign(MESSAGE.as_bytes(), &lab.identity("alice")).unwrap();
    let head = header(&signed);
    for field in [
        "From: Alice",
        "To: Bob",
        "Cc: carol",
        "Subject: =?utf-8?q?",
        "Date: Sun",
        "Message-ID: <m1",
        "In-Reply-To: <m0",
        "References: <m0",
    ] {
        assert!(head.contains(field), "{field} missing from {head}");
    }
    assert!(
        head.contains("Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\";\r\n micalg=sha-256;"),
        "{head}"
    );
    assert!(!head.contains("charset") && !head.contains("8bit") && head.matches("MIME-Version").count() == 1, "{head}");
    assert!(signed.windows(2).all(|w| w[1] != b'\n' || w[0] == b'\r'), "bare LF in the output");
    // The 8-bit text went quoted-printable before signing.
    let inner = signed_entity(&signed);
    assert!(seven_bit::is_seven_bit(&inner));
    let inner_text = String::from_utf8(inner.clone()).unwrap();
    assert!(
        inner_text.starts_with(
            "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
        ),
        "{inner_text}"
    );
    assert!(inner_text.contains("Sch=C3=B6ne Gr=C3=BC=C3=9Fe aus K=C3=B6ln!\r\n=46rom the owl."), "{inner_text}");
    let parsed = mailparse::parse_mail(&inner).unwrap();
    assert_eq!(parsed.get_body().unwrap(), "Schöne Grüße aus Köln!\r\nFrom the owl.\r\n");
    // openssl verifies it against the CA and hands back the same entity.
    lab.write("signed.eml", &signed);
    let out = lab.openssl(&["smime", "-verify", "-in", "signed.eml", "-CAfile", "ca.pem"]);
    assert_eq!(entity::canonical(&out), inner);
    // So does our own reader, with a signingTime and the From matching.
    let v = verify(&signed, &lab.trust(), Some("alice@example.org")).unwrap();
    assert_eq!(
        (v.signature.verdict, v.signature.from_matches),
        (Verdict::Valid, Some(true)),
        "{:?}",
        v.signature.reason
    );
    assert!(v.signature.signers[0].signing_time.is_some());
    assert_eq!(v.content, inner);
    // The signer's certificate travels with the signature.
    let p7s = lab.openssl(&["smime", "-pk7out", "-in", "signed.eml", "-outform", "PEM"]);
    lab.write("sig.pem", &p7s);
    let certs = String::from_utf8(lab.openssl(&["pkcs7", "-in", "sig.pem", "-print_certs", "-noout"])).unwrap();
    assert!(certs.contains("CN = Alice"), "{certs}");
}

#[test]
fn a_composed_message_with_attachments_signs_and_verifies() {
    let lab = Lab::new();
    let draft = compose::Draft {
        from: (Some("Alice".into()), "alice@example.org".into()),
        to: vec!["bob@example.org".into()],
        subject: Some("Bericht".into()),
        text: "Anbei der Bericht, schöne Grüße.\n".into(),
        html: Some("<p>Anbei der Bericht, <b>schöne</b> Grüße.</p>".into()),
        attachments: vec![compose::AttachmentFile {
            name: "bytes.bin".into(),
            data: (0..=255u8).collect(),
            content_type: None,
        }],
        ..compose::Draft::default()
    };
    let out = compose::compose(&draft).unwrap();
    let signed = sign(&out.bytes, &lab.identity("alice")).unwrap();
    lab.write("signed.eml", &signed);
    let recovered = lab.openssl(&["smime", "-verify", "-in", "signed.eml", "-CAfile", "ca.pem"]);
    assert_eq!(entity::canonical(&recovered), signed_entity(&signed));
    let view = crate::model::message::MessageView::parse(&signed);
    assert_eq!(view.text, "Anbei der Bericht, schöne Grüße.");
    assert_eq!(view.attachments.iter().find(|a| a.filename.as_deref() == Some("bytes.bin")).unwrap().size, 256);
    assert_eq!(verify(&signed, &lab.trust(), None).unwrap().signature.verdict, Verdict::Valid);
}

#[test]
fn encrypted_messages_decrypt_with_openssl_for_every_recipient() {
    let lab = Lab::new();
    let recipients = [lab.cert("bob"), lab.cert("alice")];
    let encrypted = encrypt(MESSAGE.as_bytes(), &recipients, Cipher::Aes256Cbc).unwrap();
    let head = header(&encrypted);
    assert!(
        head.contains("Content-Type: application/pkcs7-mime; smime-type=enveloped-data; name=\"smime.p7m\"\r\n"),
        "{head}"
    );
    assert!(head.contains("Subject: =?utf-8?q?") && head.contains("Content-Transfer-Encoding: base64"), "{head}");
    assert!(!String::from_utf8_lossy(&encrypted).contains("Köln"));
    let inner = entity::canonical(MESSAGE.split_once("MIME-Version: 1.0\r\n").unwrap().1.as_bytes());
    lab.write("enc.eml", &encrypted);
    for who in ["alice", "bob"] {
        let out = lab.openssl(&[
            "smime",
            "-decrypt",
            "-in",
            "enc.eml",
            "-recip",
            &format!("{who}.pem"),
            "-inkey",
            &format!("{who}.key"),
        ]);
        assert_eq!(entity::canonical(&out), inner, "{who}");
    }
    assert_eq!(decrypt(&encrypted, &lab.identity("alice")).unwrap(), Decryption::Decrypted(inner));
    let (ok, _) =
        lab.openssl_status(&["smime", "-decrypt", "-in", "enc.eml", "-recip", "carol.pem", "-inkey", "carol.key"]);
    assert!(!ok, "carol could read a message not encrypted to her");
    assert_eq!(encrypt(MESSAGE.as_bytes(), &[], Cipher::default()).unwrap_err().kind(), ErrorKind::Usage);
}

#[test]
fn gcm_gives_authenveloped_data_that_openssl_cms_reads() {
    let lab = Lab::new();
    let encrypted = encrypt(MESSAGE.as_bytes(), &[lab.cert("alice")], Cipher::Aes256Gcm).unwrap();
    assert!(header(&encrypted).contains("smime-type=authenveloped-data"));
    assert_eq!(kind(&encrypted), Some(Kind::AuthEnveloped));
    lab.write("enc.eml", &encrypted);
    let out = lab.openssl(&["cms", "-decrypt", "-in", "enc.eml", "-recip", "alice.pem", "-inkey", "alice.key"]);
    let Decryption::Decrypted(ours) = decrypt(&encrypted, &lab.identity("alice")).unwrap() else { panic!() };
    assert_eq!(entity::canonical(&out), ours);
    assert!(String::from_utf8_lossy(&ours).contains("Schöne Grüße"));
}

#[test]
fn sign_then_encrypt_round_trips_through_openssl_and_our_reader() {
    let lab = Lab::new();
    let alice = lab.identity("alice");
    let both = sign_then_encrypt(MESSAGE.as_bytes(), &alice, &[lab.cert("bob"), lab.cert("alice")], Cipher::Aes256Cbc)
        .unwrap();
    lab.write("both.eml", &both);
    let signed = lab.openssl(&["smime", "-decrypt", "-in", "both.eml", "-recip", "bob.pem", "-inkey", "bob.key"]);
    lab.write("signed.eml", &signed);
    let content = lab.openssl(&["smime", "-verify", "-in", "signed.eml", "-CAfile", "ca.pem"]);
    let parsed = mailparse::parse_mail(&content).unwrap();
    assert_eq!(parsed.get_body().unwrap(), "Schöne Grüße aus Köln!\r\nFrom the owl.\r\n");
    let opened = open(&both, &lab.trust(), Some(&lab.identity("bob"))).unwrap().unwrap();
    let r = &opened.report;
    assert!(r.signed && r.encrypted && r.decryption == Some(DecryptionStatus::Decrypted));
    let s = r.signature.as_ref().unwrap();
    assert_eq!((s.verdict, s.from_matches), (Verdict::Valid, Some(true)), "{:?}", s.reason);
    assert_eq!(entity::canonical(&content), opened.content.unwrap());
    let json = serde_json::to_value(r).unwrap();
    assert_eq!(json["signature"]["verdict"], "valid");
    assert!(json.get("outer_signatures").is_none());
}

#[test]
fn lf_input_and_a_missing_from_are_handled() {
    let lab = Lab::new();
    let lf = MESSAGE.replace("\r\n", "\n");
    let signed = sign(lf.as_bytes(), &lab.identity("alice")).unwrap();
    assert_eq!(verify(&signed, &lab.trust(), None).unwrap().signature.verdict, Verdict::Valid);
    // A message without Content-Type gets the default made explicit.
    let plain = sign("From: alice@example.org\nSubject: x\n\nGrüße\n".as_bytes(), &lab.identity("alice")).unwrap();
    let inner = String::from_utf8(signed_entity(&plain)).unwrap();
    assert!(inner.starts_with("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nGr=C3=BC=C3=9Fe\r\n"), "{inner}");
    let ascii = sign(b"From: alice@example.org\r\n\r\nhi\r\n", &lab.identity("alice")).unwrap();
    assert!(signed_entity(&ascii).starts_with(b"Content-Type: text/plain; charset=us-ascii\r\n\r\nhi"));
    let no_from = b"To: bob@example.org\r\n\r\nhi\r\n";
    assert_eq!(sign(no_from, &lab.identity("alice")).unwrap_err().kind(), ErrorKind::Protocol);
}

#[test]
fn certificates_are_found_by_address() {
    let lab = Lab::new();
    let dir = lab.path("certs");
    std::fs::create_dir(&dir).unwrap();
    for name in ["alice", "bob", "old", "carol"] {
        std::fs::copy(lab.path(&format!("{name}.pem")), dir.join(format!("{name}.pem"))).unwrap();
    }
    std::fs::write(dir.join("README"), "not a certificate").unwrap();
    std::fs::write(dir.join("old-again.crt"), std::fs::read(lab.path("old.pem")).unwrap()).unwrap();
    let certs = CertDirectory::open(&dir).unwrap();
    assert_eq!(certs.len(), 5);
    let bob = certs.find("Bob@EXAMPLE.org").unwrap();
    assert_eq!((bob.path, bob.warning), (dir.join("bob.pem"), None));
    assert_eq!(bob.certificate.emails(), ["bob@example.org"]);
    assert_eq!(
        certs.find("carol@example.org").unwrap().certificate.info().subject,
        "O=Owl Test, CN=Carol, emailAddress=carol@example.org"
    );
    let old = certs.find("old@example.org").unwrap();
    assert!(matches!(old.warning, Some(Warning::OnlyExpiredCertificate { .. })));
    assert!(old.warning.unwrap().to_string().contains("old@example.org"));
    let none = certs.find("dave@example.org").unwrap_err();
    assert_eq!(none.kind(), ErrorKind::NoInput);
    assert!(none.to_string().contains("no certificate for dave@example.org"), "{none}");
    // A valid certificate wins over an expired one for the same address.
    std::fs::copy(lab.path("old-renewed.pem"), dir.join("a-renewed.pem")).unwrap();
    let certs = CertDirectory::open(&dir).unwrap();
    let renewed = certs.find("old@example.org").unwrap();
    assert_eq!((renewed.path, renewed.warning), (dir.join("a-renewed.pem"), None));
    let missing = CertDirectory::open(&lab.path("nowhere")).unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::NoInput);
}
