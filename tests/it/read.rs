//! `owl fetch MAILBOX UID`: a message decoded for reading, as JSON, raw,
//! and its attachments saved under safe names.

use crate::corpus;
use crate::fetch::sha;
use crate::harness::seed::{self, Msg};
use crate::harness::{Env, Imap, imap_config, servers};

fn signed_html_with_hostile_attachment() -> Msg {
    Msg::raw(
        "Authentication-Results: mx.example.org; spf=pass smtp.mailfrom=bank.example; dkim=fail (bad sig) header.d=bank.example; dmarc=pass header.from=bank.example\r\n\
         From: =?UTF-8?Q?Bank_B=C3=BCro?= <office@bank.example>\r\nTo: Ann <ann@example.org>, bob@example.org\r\nCc: =?ISO-8859-1?Q?J=F6rg?= <j@example.org>\r\n\
         Subject: =?UTF-8?B?S29udG9hdXN6dWcgTm92ZW1iZXI=?=\r\nDate: Tue, 17 Nov 2026 12:00:00 +0100\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; micalg=sha-256; boundary=S\r\n\r\n\
         --S\r\nContent-Type: multipart/mixed; boundary=M\r\n\r\n--M\r\nContent-Type: text/html; charset=utf-8\r\n\r\n\
         <html><head><style>p{}</style></head><body><p>Guten Tag,</p><p>Ihr <b>Kontoauszug</b> &amp; mehr: <a href=\"https://bank.example/x\">hier</a></p></body></html>\r\n\
         --M\r\nContent-Type: text/plain; name=\"evil\"\r\nContent-Disposition: attachment; filename=\"../../.bashrc\"\r\n\r\nrm -rf ~\r\n\
         --M\r\nContent-Type: application/pdf; name=\"auszug.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQKJcfsj6IK\r\n--M--\r\n\
         --S\r\nContent-Type: application/pkcs7-signature; name=smime.p7s\r\nContent-Transfer-Encoding: base64\r\n\r\nMIAGCSqGSIb3DQEHAqCAMIACAQEx\r\n--S--\r\n",
    )
}

fn setup() -> (crate::harness::User, Env) {
    let user = servers().user();
    seed::append_many(&user, "INBOX", vec![signed_html_with_hostile_attachment()]);
    seed::append_many(&user, "INBOX", corpus::tricky());
    let env = Env::new(&imap_config(&user, Imap::Implicit, ""));
    (user, env)
}

#[test]
fn json_has_headers_text_attachments_verdicts_and_smime() {
    let (_, env) = setup();
    let m = env.owl(&["fetch", "INBOX", "1", "--json"]).expect_code(0).json();
    assert_eq!(m["uid"], 1);
    assert_eq!(m["subject"], "Kontoauszug November");
    assert_eq!(m["from"][0]["name"], "Bank Büro");
    assert_eq!(m["to"].as_array().unwrap().len(), 2);
    assert_eq!(m["cc"][0]["name"], "Jörg");
    let text = m["text"].as_str().unwrap();
    assert!(text.contains("Guten Tag") && text.contains("Kontoauszug & mehr"), "{text}");
    assert!(!text.contains("<p>") && !text.contains("p{}"), "{text}");
    let verdicts: Vec<(String, String)> = m["auth_results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| (v["method"].as_str().unwrap().to_string(), v["result"].as_str().unwrap().to_string()))
        .collect();
    for expected in [("spf", "pass"), ("dkim", "fail"), ("dmarc", "pass")] {
        assert!(verdicts.contains(&(expected.0.into(), expected.1.into())), "{verdicts:?}");
    }
    assert_eq!(m["smime"], "signed");
    let names: Vec<&str> = m["attachments"].as_array().unwrap().iter().filter_map(|a| a["filename"].as_str()).collect();
    assert!(names.contains(&"auszug.pdf"), "{names:?}");
    assert!(!m["flags"].as_array().unwrap().iter().any(|f| f == "\\Seen"), "BODY.PEEK: reading does not mark it seen");
    assert!(!m["flags"].as_array().unwrap().iter().any(|f| f == "\\Recent"), "\\Recent is per session, not shown");
}

#[test]
fn text_shows_decoded_headers_and_lists_attachments() {
    let (_, env) = setup();
    let run = env.owl(&["fetch", "INBOX", "1"]);
    run.expect_code(0);
    let out = &run.stdout;
    assert!(out.contains("From:    Bank Büro <office@bank.example>"), "{out}");
    assert!(out.contains("Subject: Kontoauszug November"), "{out}");
    assert!(out.contains("Auth:") && out.contains("dkim=fail") && out.contains("S/MIME signed"), "{out}");
    assert!(out.contains("Attachments:") && out.contains("auszug.pdf") && out.contains("application/pdf"), "{out}");
    // Reading never marks the message seen.
    let list = env.owl(&["list", "INBOX", "--json"]).expect_code(0).json();
    let row = list.as_array().unwrap().iter().find(|r| r["uid"] == 1).unwrap().clone();
    assert_eq!(row["seen"], false);
}

#[test]
fn raw_is_the_exact_bytes_even_for_a_large_message() {
    let (user, env) = setup();
    for (uid, body) in seed::bodies(&user, "INBOX") {
        let mut cmd = crate::harness::owl_command(env.dir.path());
        cmd.arg("-c").arg(&env.config).args(["fetch", "INBOX", &uid.to_string(), "--raw"]);
        let out = cmd.output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(sha(&out.stdout), sha(&body), "UID {uid}");
    }
}

#[test]
fn attachments_are_saved_under_safe_names_inside_the_directory() {
    let (_, env) = setup();
    let dir = env.path("attachments");
    let run = env.owl(&["fetch", "INBOX", "1", "--save-attachments", dir.to_str().unwrap(), "--json"]);
    let m = run.expect_code(0).json();
    let saved: Vec<std::path::PathBuf> =
        m["saved"].as_array().unwrap().iter().map(|s| s["path"].as_str().unwrap().into()).collect();
    assert!(saved.len() >= 2, "{m:#}");
    for path in &saved {
        assert_eq!(path.parent(), Some(dir.as_path()), "{} escaped {}", path.display(), dir.display());
        let name = path.file_name().unwrap().to_string_lossy();
        assert!(!name.starts_with('.'), "hidden file {name}");
    }
    assert!(!env.dir.path().join(".bashrc").exists());
    assert!(!dir.parent().unwrap().parent().unwrap().join(".bashrc").exists());
    let pdf = saved.iter().find(|p| p.to_string_lossy().ends_with("auszug.pdf")).unwrap();
    assert!(std::fs::read(pdf).unwrap().starts_with(b"%PDF-1.4"));
}

#[test]
fn a_missing_uid_exits_66() {
    let (_, env) = setup();
    let run = env.owl(&["fetch", "INBOX", "4242"]);
    run.expect_code(66);
    assert!(run.stderr.contains("no message with UID 4242"), "{}", run.stderr);
}
