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
    assert!(out.contains("Auth:") && out.contains("dkim=fail"), "{out}");
    // Its signature is a stub: checked, and found not to be one.
    assert!(out.contains("S/MIME:  signature INVALID (detached): the signature is not CMS"), "{out}");
    assert!(out.contains("trust: system roots; revocation not checked"), "{out}");
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

// `owl read`: the verb for people. It shows what `owl fetch MAILBOX UID`
// shows and marks the message seen once shown; --local reads a backup.

/// Flags of each message of `mailbox` as a second client sees them.
fn flags_seen_by_another_client(user: &crate::harness::User, mailbox: &str) -> Vec<(u32, Vec<String>)> {
    use owl::imap::{Items, MailboxName, MessageSet};
    let mut session = seed::session(user);
    session.examine(&MailboxName::new(mailbox), false).unwrap();
    let mut out = Vec::new();
    session
        .uid_fetch(&[MessageSet::all()], Items::flags(), None, &mut |f| {
            out.push((f.uid.unwrap(), f.flags.unwrap_or_default()));
            Ok(())
        })
        .unwrap();
    session.logout();
    out.sort();
    out
}

fn seen(flags: &[(u32, Vec<String>)], uid: u32) -> bool {
    flags.iter().find(|(u, _)| *u == uid).unwrap_or_else(|| panic!("no UID {uid}")).1.iter().any(|f| f == "\\Seen")
}

fn three_plain(user: &crate::harness::User) {
    seed::append_many(
        user,
        "INBOX",
        (1..=3).map(|i| Msg::simple("Ann <ann@example.org>", &format!("note {i}"), &format!("body {i}"))),
    );
}

#[test]
fn read_marks_seen_only_without_peek_and_json_shows_the_result() {
    let user = servers().user();
    three_plain(&user);
    let env = Env::new(&imap_config(&user, Imap::Implicit, ""));

    let peeked = env.owl(&["read", "INBOX", "1", "--peek", "--json"]).expect_code(0).json();
    assert_eq!(peeked["subject"], "note 1");
    assert!(!peeked["flags"].as_array().unwrap().iter().any(|f| f == "\\Seen"), "{peeked}");
    assert!(!seen(&flags_seen_by_another_client(&user, "INBOX"), 1), "--peek leaves it unseen");

    let read = env.owl(&["read", "INBOX", "1", "--json"]).expect_code(0).json();
    assert!(read["flags"].as_array().unwrap().iter().any(|f| f == "\\Seen"), "the flags after the mark: {read}");
    assert!(read["uidvalidity"].as_u64().is_some_and(|v| v > 0), "{read}");
    assert_eq!(read["text"], peeked["text"]);
    let flags = flags_seen_by_another_client(&user, "INBOX");
    assert!(seen(&flags, 1) && !seen(&flags, 2) && !seen(&flags, 3), "{flags:?}");

    // As text (no terminal here, so no pager) and raw: marked too.
    let text = env.owl(&["read", "INBOX", "2"]);
    text.expect_code(0);
    assert!(text.stdout.contains("Subject: note 2") && text.stdout.contains("body 2"), "{}", text.stdout);
    let raw_peek = env.owl(&["read", "INBOX", "3", "--raw", "--peek"]);
    raw_peek.expect_code(0);
    assert!(!seen(&flags_seen_by_another_client(&user, "INBOX"), 3), "--raw --peek leaves it unseen");
    env.owl(&["read", "INBOX", "3", "--raw"]).expect_code(0);
    let list = env.owl(&["list", "INBOX", "--json"]).expect_code(0).json();
    let rows = list.as_array().unwrap();
    assert!(rows.iter().all(|r| r["seen"] == true), "{list:#}");

    // `owl fetch MAILBOX UID` still changes nothing, and says nothing on a
    // stderr that is not a terminal.
    seed::append_many(&user, "INBOX", [Msg::simple("b@example.org", "note 4", "body 4")]);
    let fetched = env.owl(&["fetch", "INBOX", "4", "--json"]);
    fetched.expect_code(0);
    assert!(fetched.stderr.is_empty(), "{}", fetched.stderr);
    assert!(!seen(&flags_seen_by_another_client(&user, "INBOX"), 4));
}

#[test]
fn read_raw_is_the_exact_bytes_seeded() {
    let (user, env) = setup();
    for (uid, body) in seed::bodies(&user, "INBOX") {
        let mut cmd = crate::harness::owl_command(env.dir.path());
        cmd.arg("-c").arg(&env.config).args(["read", "INBOX", &uid.to_string(), "--raw"]);
        let out = cmd.output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(sha(&out.stdout), sha(&body), "UID {uid}");
    }
    let flags = flags_seen_by_another_client(&user, "INBOX");
    assert!(flags.iter().all(|(_, f)| f.iter().any(|f| f == "\\Seen")), "{flags:?}");
}

const HTML_ONLY: &str = "From: shop@example.org\r\nSubject: html only\r\nMIME-Version: 1.0\r\n\
    Content-Type: text/html; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n\
    <html><head><style>p{color:red}</style></head><body><p>Caf=E9 <b>news</b> &amp; more</p></body></html>\r\n";

const ALTERNATIVE: &str = "From: shop@example.org\r\nSubject: alternative\r\nMIME-Version: 1.0\r\n\
    Content-Type: multipart/alternative; boundary=A\r\n\r\n--A\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
    Open this mail in a browser.\r\n--A\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n\
    PHA+VGhlIDxpPnJlYWw8L2k+IG9mZmVyOiAxMCDigqw8L3A+\r\n--A--\r\n";

#[test]
fn html_is_rendered_on_request_and_its_source_shown() {
    let user = servers().user();
    seed::append_many(
        &user,
        "INBOX",
        [Msg::raw(HTML_ONLY), Msg::raw(ALTERNATIVE), Msg::simple("a@example.org", "plain", "just text")],
    );
    let env = Env::new(&imap_config(&user, Imap::Implicit, ""));

    for args in [&["read", "INBOX", "1", "--peek"][..], &["read", "INBOX", "1", "--peek", "--html"]] {
        let run = env.owl(args);
        run.expect_code(0);
        assert!(run.stdout.contains("Café news & more"), "{args:?}: {}", run.stdout);
        assert!(!run.stdout.contains("<p>") && !run.stdout.contains("color:red"), "{}", run.stdout);
    }
    let plain = env.owl(&["read", "INBOX", "2", "--peek", "--json"]).expect_code(0).json();
    assert_eq!(plain["text"], "Open this mail in a browser.");
    let html = env.owl(&["read", "INBOX", "2", "--peek", "--json", "--html"]).expect_code(0).json();
    assert_eq!(html["text"], "The real offer: 10 €", "{html:#}");
    let shown = env.owl(&["read", "INBOX", "2", "--peek", "--html"]);
    assert!(shown.expect_code(0).stdout.contains("The real offer: 10 €"), "{}", shown.stdout);

    let source = env.owl(&["read", "INBOX", "2", "--raw-html"]);
    source.expect_code(0);
    assert_eq!(source.stdout, "<p>The <i>real</i> offer: 10 €</p>\n");
    let latin1 = env.owl(&["read", "INBOX", "1", "--raw-html", "--peek"]);
    assert!(latin1.expect_code(0).stdout.contains("<p>Café <b>news</b> &amp; more</p>"), "{}", latin1.stdout);

    // No HTML part: 66, and the message was not shown, so it stays unseen.
    let none = env.owl(&["read", "INBOX", "3", "--raw-html"]);
    none.expect_code(66);
    assert!(none.stderr.contains("no HTML part"), "{}", none.stderr);
    let flags = flags_seen_by_another_client(&user, "INBOX");
    assert!(!seen(&flags, 1) && seen(&flags, 2) && !seen(&flags, 3), "{flags:?}");
}

#[test]
fn a_missing_uid_or_mailbox_exits_66_naming_it() {
    let (_, env) = setup();
    let run = env.owl(&["read", "INBOX", "4242"]);
    run.expect_code(66);
    assert!(run.stderr.contains("no message with UID 4242"), "{}", run.stderr);
    let run = env.owl(&["read", "Nowhere", "1"]);
    run.expect_code(66);
    assert!(run.stderr.contains("Nowhere"), "{}", run.stderr);
    let run = env.owl(&["read", "INBOX"]);
    run.expect_code(64);
    assert!(run.stderr.contains("MAILBOX UID"), "{}", run.stderr);
}

/// `owl` run with no config at all (HOME is empty): what --local needs.
fn owl_offline(home: &std::path::Path, args: &[&str]) -> (i32, Vec<u8>, String) {
    let mut cmd = crate::harness::owl_command(home);
    cmd.args(args);
    let out = cmd.output().unwrap();
    (out.status.code().unwrap_or(-1), out.stdout, String::from_utf8_lossy(&out.stderr).into_owned())
}

fn offline_json(home: &std::path::Path, args: &[&str]) -> serde_json::Value {
    let (code, stdout, stderr) = owl_offline(home, args);
    assert_eq!(code, 0, "{args:?}: {stderr}");
    serde_json::from_slice(&stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&stdout)))
}

#[test]
fn local_reads_a_maildir_backup_by_mailbox_uid_and_by_file() {
    let (user, env) = setup();
    let store = format!("maildir:{}", env.path("backup").display());
    env.owl(&["fetch", "--into", &store]).expect_code(0);
    let offline = tempfile::tempdir().unwrap();
    let home = offline.path();

    let by_uid = offline_json(home, &["read", "--local", &store, "INBOX", "1", "--json"]);
    assert_eq!(by_uid["subject"], "Kontoauszug November");
    assert_eq!(by_uid["uid"], 1);
    assert_eq!(by_uid["mailbox"], "INBOX");
    assert_eq!(by_uid["smime"], "signed");
    let file = by_uid["file"].as_str().unwrap().to_string();
    assert!(file.contains("/INBOX/new/") && file.ends_with(",U=1"), "unseen, so in new/: {file}");

    let row = offline_json(home, &["search", "--local", &store, "--json", "subject:eight-bit"]);
    let eight_file = row[0]["file"].as_str().unwrap().to_string();
    let by_file = offline_json(home, &["read", "--local", &store, &eight_file, "--json"]);
    assert_eq!(by_file["subject"], "eight-bit");
    assert!(by_file["text"].as_str().unwrap().contains("Grüße, café"), "{by_file:#}");
    assert_eq!(by_file["file"], eight_file.as_str());

    // Text and exact bytes, with no config and no network.
    let (code, text, stderr) = owl_offline(home, &["read", "--local", &store, &file]);
    assert_eq!(code, 0, "{stderr}");
    let text = String::from_utf8(text).unwrap();
    assert!(text.contains("Subject: Kontoauszug November") && text.contains("auszug.pdf"), "{text}");
    for (uid, body) in seed::bodies(&user, "INBOX") {
        let (code, raw, stderr) = owl_offline(home, &["read", "--local", &store, "INBOX", &uid.to_string(), "--raw"]);
        assert_eq!(code, 0, "UID {uid}: {stderr}");
        assert_eq!(sha(&raw), sha(&body), "UID {uid}");
    }

    let (code, _, stderr) = owl_offline(home, &["read", "--local", &store, "INBOX", "4242"]);
    assert_eq!(code, 66, "{stderr}");
    assert!(stderr.contains("UID 4242"), "{stderr}");
    let (code, _, stderr) = owl_offline(home, &["read", "--local", &env.path("none").display().to_string(), "x"]);
    assert_eq!(code, 66, "{stderr}");
    // Reading a backup marks nothing on the server.
    let flags = flags_seen_by_another_client(&user, "INBOX");
    assert!(!seen(&flags, 1), "{flags:?}");
}

#[test]
fn local_reads_an_mbox_backup_by_id_and_by_message_id_not_by_uid() {
    let user = servers().user();
    three_plain(&user);
    seed::append_many(
        &user,
        "INBOX",
        [Msg::raw(ALTERNATIVE.replace("Subject:", "Message-ID: <alt@owl.test>\r\nSubject:"))],
    );
    let env = Env::new(&imap_config(&user, Imap::Implicit, ""));
    let store = format!("mbox:{}", env.path("backup-mbox").display());
    env.owl(&["fetch", "--into", &store]).expect_code(0);
    let offline = tempfile::tempdir().unwrap();
    let home = offline.path();

    let rows = offline_json(home, &["search", "--local", &store, "--json", "subject:note"]);
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 3);
    for row in rows {
        let id = row["file"].as_str().unwrap();
        assert!(id.contains(".mbox:"), "{id}");
        let m = offline_json(home, &["read", "--local", &store, id, "--json"]);
        assert_eq!(m["subject"], row["subject"], "{id}");
        assert_eq!(m["file"], id);
        let n = m["subject"].as_str().unwrap().trim_start_matches("note ").to_string();
        assert_eq!(m["text"], format!("body {n}"));
    }

    let by_id = offline_json(home, &["read", "--local", &store, "<alt@owl.test>", "--json", "--html"]);
    assert_eq!(by_id["subject"], "alternative");
    assert_eq!(by_id["text"], "The real offer: 10 €");
    let (code, raw, stderr) = owl_offline(home, &["read", "--local", &store, "<alt@owl.test>", "--raw"]);
    assert_eq!(code, 0, "{stderr}");
    let seeded = seed::bodies(&user, "INBOX").pop().unwrap().1;
    assert_eq!(sha(&raw), sha(&seeded), "quoting undone: the bytes as received");

    let (code, _, stderr) = owl_offline(home, &["read", "--local", &store, "INBOX", "1"]);
    assert_eq!(code, 64, "{stderr}");
    assert!(stderr.contains("keeps no UIDs") && stderr.contains("Message-ID"), "{stderr}");
    let (code, _, stderr) = owl_offline(home, &["read", "--local", &store, "<nobody@owl.test>"]);
    assert_eq!(code, 66, "{stderr}");
    assert!(stderr.contains("nobody@owl.test"), "{stderr}");
}

/// Runs `owl args...` with stderr on a pseudo-terminal; what it wrote
/// there.
fn stderr_on_a_terminal(env: &Env, args: &[&str]) -> String {
    const PTY: &str = r#"
import os, subprocess, sys
master, slave = os.openpty()
code = subprocess.run(sys.argv[1:], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=slave).returncode
os.close(slave)
out = b""
while True:
    try:
        chunk = os.read(master, 4096)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
sys.stdout.buffer.write(out)
sys.exit(code)
"#;
    let out = std::process::Command::new("python3")
        .arg("-c")
        .arg(PTY)
        .arg(env!("CARGO_BIN_EXE_owl"))
        .arg("-c")
        .arg(&env.config)
        .args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", env.dir.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stdout));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn fetch_mailbox_uid_points_people_to_owl_read_only_on_a_terminal() {
    let (_, env) = setup();
    let note = stderr_on_a_terminal(&env, &["fetch", "INBOX", "1", "--json"]);
    assert!(note.contains("owl read MAILBOX UID") && note.lines().count() == 1, "{note:?}");
    assert!(stderr_on_a_terminal(&env, &["-q", "fetch", "INBOX", "1", "--json"]).is_empty(), "-q: errors only");
    let piped = env.owl(&["fetch", "INBOX", "1", "--json"]);
    assert!(piped.expect_code(0).stderr.is_empty(), "{}", piped.stderr);
    assert!(stderr_on_a_terminal(&env, &["read", "INBOX", "1", "--json", "--peek"]).is_empty());
}
