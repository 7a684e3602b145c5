//! `owl send --edit`, `owl reply` and `owl forward` with `EDITOR` set to a
//! script that edits the draft, through real Postfix and Dovecot: the
//! received messages are read back from the recipient's mailbox and
//! checked header by header and byte by byte.

use std::path::PathBuf;

use owl::imap::{Items, MailboxName, MessageSet};

use crate::fetch::sha;
use crate::harness::seed::{self, Msg};
use crate::harness::{Env, User, servers};
use crate::send::{delivered, send_config};

/// An editor: a python3 script run on the draft (its path in `p`).
fn editor(env: &Env, name: &str, code: &str) -> String {
    let path = env.path(&format!("{name}.py"));
    std::fs::write(&path, format!("import sys\np = sys.argv[1]\nt = open(p).read()\n{code}\n")).unwrap();
    format!("python3 {}", path.display())
}

/// An editor that writes `text` at the top of the body.
pub(crate) fn writes(env: &Env, text: &str) -> String {
    editor(env, "writes", &format!("h, b = t.split('\\n\\n', 1)\nopen(p, 'w').write(h + '\\n\\n' + {text:?} + b)"))
}

fn drafts(env: &Env) -> PathBuf {
    env.path(".local/share/owl/drafts/test")
}

fn draft_files(env: &Env) -> Vec<PathBuf> {
    std::fs::read_dir(drafts(env)).map(|d| d.flatten().map(|e| e.path()).collect()).unwrap_or_default()
}

/// Parsed headers and the decoded text body of a delivered message.
struct Got {
    bytes: Vec<u8>,
}

impl Got {
    fn header(&self, name: &str) -> Option<String> {
        let (headers, _) = mailparse::parse_headers(&self.bytes).unwrap();
        headers.iter().find(|h| h.get_key().eq_ignore_ascii_case(name)).map(|h| h.get_value())
    }
    /// The text/plain part, decoded, with LF line ends. A single-part
    /// body loses the one CRLF lettre always ends a message with.
    fn text(&self) -> String {
        let mail = mailparse::parse_mail(&self.bytes).unwrap();
        let part = mail.parts().find(|p| p.ctype.mimetype == "text/plain").expect("a text/plain part");
        let text = part.get_body().unwrap().replace("\r\n", "\n");
        match text.strip_suffix('\n') {
            Some(t) if mail.subparts.is_empty() && t.ends_with('\n') => t.to_string(),
            _ => text,
        }
    }
    /// The mailboxes of an address header: (name, address).
    fn addresses(&self, name: &str) -> Vec<(Option<String>, String)> {
        let (headers, _) = mailparse::parse_headers(&self.bytes).unwrap();
        let Some(h) = headers.iter().find(|h| h.get_key().eq_ignore_ascii_case(name)) else { return Vec::new() };
        mailparse::addrparse_header(h)
            .unwrap()
            .iter()
            .map(|a| match a {
                mailparse::MailAddr::Single(s) => (s.display_name.clone(), s.addr.clone()),
                mailparse::MailAddr::Group(g) => (Some(g.group_name.clone()), String::new()),
            })
            .collect()
    }
}

fn received(user: &User) -> Got {
    let got = delivered(user, "INBOX", 1);
    Got { bytes: got[0].1.clone() }
}

/// The flags of `uid` as a second client sees them.
fn flags(user: &User, mailbox: &str, uid: u32) -> Vec<String> {
    let mut session = seed::session(user);
    session.examine(&MailboxName::new(mailbox), false).unwrap();
    let mut flags = Vec::new();
    session
        .uid_fetch(&[MessageSet::one(uid)], Items::flags(), None, &mut |f| {
            flags.extend(f.flags.unwrap_or_default());
            Ok(())
        })
        .unwrap();
    session.logout();
    flags
}

fn ids(value: &str) -> Vec<String> {
    value.split_whitespace().map(String::from).collect()
}

#[test]
fn send_edit_sends_what_the_editor_saved_and_warns_without_a_subject() {
    let _postfix = servers().postfix_shared();
    let (me, bob) = (servers().user(), servers().user());
    let env = Env::new(&send_config(&me, "Me Myself"));
    let script = writes(&env, "Written in the editor.\nSecond line.\n");
    // VISUAL wins over EDITOR; EDITOR="false" would fail the run.
    let run = env
        .owl_with(&["send", "--edit", "--to", &bob.address(), "--json"], &[("VISUAL", &script), ("EDITOR", "false")]);
    let report = run.expect_code(0).json();
    assert!(run.stderr.contains("no subject"), "{}", run.stderr);
    let got = received(&bob);
    assert_eq!(got.text(), "Written in the editor.\nSecond line.\n");
    assert_eq!(got.header("To").as_deref(), Some(bob.address().as_str()));
    let id = got.header("Message-ID").unwrap();
    assert!(id.ends_with("@example.org>"), "the sender's domain: {id}");
    assert_eq!(report["messages"][0]["message_id"].as_str(), Some(id.as_str()));
    assert!(draft_files(&env).is_empty(), "a sent draft is removed");
    assert_eq!(seed::bodies(&me, "Sent").len(), 1, "Sent copy");

    // EDITOR with arguments runs through sh -c; the draft is prefilled
    // from the flags, and the editor may change them.
    let carol = servers().user();
    let script = editor(
        &env,
        "retarget",
        &format!(
            "assert 'Subject: from flags\\n' in t and 'To: {bob}' in t and '\\n\\nprefilled' in t, t\n\
             t = t.replace('To: {bob}', 'To: Carol <{carol}>').replace('prefilled', 'edited')\nopen(p, 'w').write(t)",
            bob = bob.address(),
            carol = carol.address()
        ),
    );
    let (py, file) = script.split_once(' ').unwrap();
    let with_args = format!("{py} -u {file}");
    env.owl_with(
        &["send", "--to", &bob.address(), "-s", "from flags", "--body", "prefilled", "--edit"],
        &[("EDITOR", &with_args)],
    )
    .expect_code(0);
    let got = received(&carol);
    assert_eq!(got.header("Subject").as_deref(), Some("from flags"));
    assert_eq!(got.header("To"), Some(format!("Carol <{}>", carol.address())));
    assert_eq!(got.text(), "edited\n");
}

#[test]
fn an_unchanged_or_empty_draft_sends_nothing() {
    let (me, bob) = (servers().user(), servers().user());
    let env = Env::new(&send_config(&me, "Me"));
    let run = env.owl_with(&["send", "--edit", "--to", &bob.address(), "-s", "hi"], &[("EDITOR", "true")]);
    run.expect_code(64);
    assert!(run.stderr.contains("not changed") && run.stderr.contains("nothing was sent"), "{}", run.stderr);
    let empty = editor(&env, "empty", "open(p, 'w').write('')");
    let run = env.owl_with(&["send", "--edit", "--to", &bob.address(), "-s", "hi"], &[("EDITOR", &empty)]);
    run.expect_code(64);
    assert!(run.stderr.contains("empty"), "{}", run.stderr);
    let queue = env.owl(&["send", "--queue", "--json"]).expect_code(0).json();
    assert_eq!(queue.as_array().map(Vec::len), Some(0), "nothing queued: {queue}");
    assert!(draft_files(&env).is_empty(), "an aborted draft is not kept");
    assert!(seed::bodies(&me, "Sent").is_empty());
    // The editor failing aborts too.
    let run = env.owl_with(&["send", "--edit", "--to", &bob.address()], &[("EDITOR", "false")]);
    run.expect_code(69);
    assert!(run.stderr.contains("editor"), "{}", run.stderr);
}

#[test]
fn a_draft_with_a_bad_address_is_kept_and_its_path_printed() {
    let me = servers().user();
    let env = Env::new(&send_config(&me, "Me"));
    let script =
        editor(&env, "bad", "open(p, 'w').write(t.replace('To: ', 'To: not an address') + 'my precious text\\n')");
    let run = env.owl_with(&["send", "--edit", "-s", "keep me"], &[("EDITOR", &script)]);
    run.expect_code(64);
    let kept = draft_files(&env);
    assert_eq!(kept.len(), 1, "{}", run.stderr);
    assert!(run.stderr.contains(&kept[0].display().to_string()), "the path is printed: {}", run.stderr);
    let text = std::fs::read_to_string(&kept[0]).unwrap();
    assert!(text.contains("To: not an address") && text.contains("my precious text"), "{text}");
    let queue = env.owl(&["send", "--queue", "--json"]).expect_code(0).json();
    assert_eq!(queue.as_array().map(Vec::len), Some(0));
}

/// A message from `from` to `me` (and others), with a Reply-To and a long
/// thread behind it.
fn parent(from: &str, reply_to: Option<&str>, to: &str, cc: &str, refs: usize) -> (Msg, String, Vec<String>) {
    let id = format!("<parent.{}@example.net>", std::process::id());
    let chain: Vec<String> = (0..refs).map(|i| format!("<thread{i}.{}@example.net>", "x".repeat(20))).collect();
    let mut head = format!("From: {from}\r\nTo: {to}\r\n");
    if !cc.is_empty() {
        head += &format!("Cc: {cc}\r\n");
    }
    if let Some(r) = reply_to {
        head += &format!("Reply-To: {r}\r\n");
    }
    if !chain.is_empty() {
        head += &format!("References: {}\r\nIn-Reply-To: {}\r\n", chain.join("\r\n "), chain.last().unwrap());
    }
    let bytes = format!(
        "{head}Subject: =?UTF-8?Q?RE:_Re:_Gr=C3=BC=C3=9Fe?=\r\nDate: Fri, 20 Nov 2026 09:05:00 +0100\r\n\
         Message-ID: {id}\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
         Hello,\r\n\r\n> what you wrote\r\nsee you\r\n"
    );
    (Msg::raw(bytes), id, chain)
}

#[test]
fn reply_goes_to_reply_to_threads_quotes_and_flags_the_original() {
    let _postfix = servers().postfix_shared();
    let (me, ann, list) = (servers().user(), servers().user(), servers().user());
    let (msg, id, chain) =
        parent(&format!("Ann Example <{}>", ann.address()), Some(&list.address()), &me.address(), "", 30);
    seed::append(&me, "INBOX", vec![msg]);
    let env = Env::new(&send_config(&me, "Me"));
    let report = env.owl(&["reply", "INBOX", "1", "--body", "Thanks, Ann!\n", "--json"]).expect_code(0).json();
    assert_eq!(report["messages"][0]["answered"], true, "{report}");
    let got = received(&list);
    assert_eq!(got.header("Subject").as_deref(), Some("Re: Grüße"));
    assert_eq!(got.header("To"), Some(list.address()));
    assert_eq!(got.header("Cc"), None);
    assert_eq!(got.header("In-Reply-To"), Some(id.clone()));
    let refs = ids(&got.header("References").unwrap());
    assert_eq!(refs.len(), 20, "bounded: {refs:?}");
    assert_eq!(refs[0], chain[0], "the thread's root stays");
    assert_eq!(refs[1..19], chain[chain.len() - 18..], "then the newest");
    assert_eq!(refs[19], id, "the parent last");
    assert_eq!(
        got.text(),
        "Thanks, Ann!\n\nOn Fri, 20 Nov 2026 09:05:00 +0100, Ann Example wrote:\n> Hello,\n>\n>> what you wrote\n> see you\n"
    );
    assert!(delivered(&ann, "INBOX", 0).is_empty(), "From is not written to when Reply-To is set");
    assert!(flags(&me, "INBOX", 1).iter().any(|f| f == "\\Answered"), "\\Answered on the original");
    let sent = seed::bodies(&me, "Sent");
    assert_eq!(sent.len(), 1);
    assert!(String::from_utf8_lossy(&sent[0].1).contains(&format!("In-Reply-To: {id}")));
}

#[test]
fn reply_all_leaves_out_my_addresses_and_aliases() {
    let _postfix = servers().postfix_shared();
    let (me, ann, bob, carol) = (servers().user(), servers().user(), servers().user(), servers().user());
    let alias = format!("{}.alias@example.org", me.name);
    let (msg, id, _) = parent(
        &format!("Ann <{}>", ann.address()),
        None,
        &format!("{}, \"Bob, B.\" <{}>", me.address(), bob.address()),
        &format!("{alias}, {}", carol.address()),
        0,
    );
    seed::append(&me, "INBOX", vec![msg]);
    let toml = send_config(&me, "Me")
        .replace("[accounts.test.imap]", &format!("aliases = [\"{alias}\"]\n\n[accounts.test.imap]"));
    let env = Env::new(&toml);
    let edit = writes(&env, "To all of you.\n\n");
    env.owl_with(&["reply", "INBOX", "1", "--all", "--edit"], &[("EDITOR", &edit)]).expect_code(0);
    for user in [&ann, &bob, &carol] {
        let got = received(user);
        assert_eq!(got.header("To"), Some(format!("Ann <{}>", ann.address())));
        assert_eq!(got.addresses("Cc"), [(Some("Bob, B.".to_string()), bob.address()), (None, carol.address())]);
        assert_eq!(got.header("References"), Some(id.clone()));
        assert!(got.text().starts_with("To all of you.\n\nOn Fri, 20 Nov 2026"), "{}", got.text());
        assert!(!String::from_utf8_lossy(&got.bytes).contains(&alias), "my alias is not written to");
    }
    assert!(flags(&me, "INBOX", 1).iter().any(|f| f == "\\Answered"));
    // An unchanged reply draft sends nothing and leaves no flag.
    let (msg, _, _) = parent(&ann.address(), None, &me.address(), "", 0);
    seed::append(&me, "INBOX", vec![msg]);
    env.owl_with(&["reply", "INBOX", "2", "--edit"], &[("EDITOR", "true")]).expect_code(64);
    assert!(!flags(&me, "INBOX", 2).iter().any(|f| f == "\\Answered"));
}

#[test]
fn a_reply_sent_by_a_later_flush_flags_the_original_then() {
    let _postfix = servers().postfix_shared();
    let (me, ann) = (servers().user(), servers().user());
    let (msg, _, _) = parent(&ann.address(), None, &me.address(), "", 0);
    seed::append(&me, "INBOX", vec![msg]);
    let good = send_config(&me, "Me");
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let down = good.replace(&format!("port = {}", servers().smtp), &format!("port = {closed}"));
    let env = Env::new(&down);
    let run = env.owl(&["reply", "INBOX", "1", "--body", "later", "--json"]);
    run.expect_code(75);
    assert_eq!(run.json()["messages"][0]["queued"], true);
    assert!(!flags(&me, "INBOX", 1).iter().any(|f| f == "\\Answered"), "not delivered, not answered");
    let queue = env.owl(&["send", "--queue", "--json"]).expect_code(0).json();
    assert_eq!(queue[0]["answers"]["mailbox"], "INBOX", "{queue}");
    assert_eq!(queue[0]["answers"]["uid"], 1);
    assert!(queue[0]["answers"]["uidvalidity"].as_u64().is_some());
    std::fs::write(&env.config, &good).unwrap();
    let report = env.owl(&["send", "--flush", "--json"]).expect_code(0).json();
    assert_eq!(report["flushed"][0]["answered"], true, "{report}");
    assert!(received(&ann).text().starts_with("later\n"));
    assert!(flags(&me, "INBOX", 1).iter().any(|f| f == "\\Answered"), "flagged by the flush");
}

const PDF: &[u8] = b"%PDF-1.4\n\x00\x01\x02\xff binary \r\n\r bytes\n";

fn with_attachment(from: &str) -> Msg {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD.encode(PDF);
    Msg::raw(format!(
        "From: Ann <{from}>\r\nTo: me@example.org\r\nSubject: Report\r\nDate: Fri, 20 Nov 2026 09:05:00 +0100\r\n\
         Message-ID: <report@example.net>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n\
         --B\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nThe report, attached.\r\n\
         --B\r\nContent-Type: application/pdf; name=report.pdf\r\nContent-Disposition: attachment; filename=report.pdf\r\n\
         Content-Transfer-Encoding: base64\r\n\r\n{b64}\r\n--B--\r\n"
    ))
}

#[test]
fn forward_inline_keeps_text_headers_and_attachments() {
    let _postfix = servers().postfix_shared();
    let (me, ann, bob) = (servers().user(), servers().user(), servers().user());
    seed::append(&me, "INBOX", vec![with_attachment(&ann.address())]);
    let env = Env::new(&send_config(&me, "Me"));
    env.owl(&["forward", "INBOX", "1", "--to", &bob.address(), "--body", "FYI"]).expect_code(0);
    let got = received(&bob);
    assert_eq!(got.header("Subject").as_deref(), Some("Fwd: Report"));
    assert_eq!(
        got.text(),
        format!(
            "FYI\n\n---------- Forwarded message ----------\nFrom: Ann <{}>\nDate: Fri, 20 Nov 2026 09:05:00 +0100\n\
             Subject: Report\nTo: me@example.org\n\nThe report, attached.\n",
            ann.address()
        )
    );
    let attachments = owl::model::attachment::attachments_with_data(&got.bytes);
    assert_eq!(attachments.len(), 1);
    assert_eq!(attachments[0].0.filename.as_deref(), Some("report.pdf"));
    assert_eq!(attachments[0].0.content_type, "application/pdf");
    assert_eq!(sha(&attachments[0].1), sha(PDF), "attachment bytes");
    assert!(!flags(&me, "INBOX", 1).iter().any(|f| f == "\\Answered"), "a forward answers nothing");
    assert_eq!(seed::bodies(&me, "Sent").len(), 1);
}

#[test]
fn forward_attached_carries_the_exact_original() {
    let _postfix = servers().postfix_shared();
    let (me, ann, bob) = (servers().user(), servers().user(), servers().user());
    seed::append(&me, "INBOX", vec![with_attachment(&ann.address())]);
    let original = seed::bodies(&me, "INBOX").remove(0).1;
    let env = Env::new(&send_config(&me, "Me"));
    // The recipient is added in the editor.
    let edit = editor(
        &env,
        "to",
        &format!("open(p, 'w').write(t.replace('To: ', 'To: {}', 1) + 'see attached\\n')", bob.address()),
    );
    env.owl_with(&["forward", "INBOX", "1", "--attach", "--edit"], &[("EDITOR", &edit)]).expect_code(0);
    let got = received(&bob);
    assert_eq!(got.header("Subject").as_deref(), Some("Fwd: Report"));
    let mail = mailparse::parse_mail(&got.bytes).unwrap();
    let part = mail.subparts.iter().find(|p| p.ctype.mimetype == "message/rfc822").expect("a message/rfc822 part");
    assert_eq!(sha(&part.get_body_raw().unwrap()), sha(&original), "the original's bytes exactly");
    assert!(got.text().starts_with("see attached"), "{}", got.text());
}

/// Runs owl on a pseudo-terminal (stdin, stdout and stderr), answering
/// `answer` when it asks `prompt`; returns the exit code and everything it
/// printed.
fn on_terminal(env: &Env, args: &[&str], envs: &[(&str, &str)], prompt: &str, answer: &str) -> (i32, String) {
    const PTY: &str = r#"
import os, pty, subprocess, sys
prompt, answer, argv = sys.argv[1].encode(), sys.argv[2].encode(), sys.argv[3:]
master, slave = pty.openpty()
child = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, close_fds=True)
os.close(slave)
out, asked = b"", False
while True:
    try:
        data = os.read(master, 4096)
    except OSError:
        break
    if not data:
        break
    out += data
    if not asked and prompt in out:
        os.write(master, answer + b"\n")
        asked = True
sys.stdout.write(out.decode("utf-8", "replace"))
sys.exit(child.wait())
"#;
    let owl = crate::harness::owl_command(env.dir.path());
    let mut cmd = std::process::Command::new("python3");
    cmd.env_clear();
    for (k, v) in owl.get_envs() {
        if let Some(v) = v {
            cmd.env(k, v);
        }
    }
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd.arg("-c").arg(PTY).arg(prompt).arg(answer).arg(owl.get_program()).arg("-c").arg(&env.config).args(args);
    let out = cmd.output().expect("python3 with a pty");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn on_a_terminal_without_a_body_the_editor_opens_and_a_missing_subject_is_asked_for() {
    let _postfix = servers().postfix_shared();
    let (me, bob) = (servers().user(), servers().user());
    let env = Env::new(&send_config(&me, "Me"));
    let script = writes(&env, "typed in the editor\n");
    let (code, printed) =
        on_terminal(&env, &["send", "--to", &bob.address()], &[("EDITOR", &script)], "Subject: ", "Asked for");
    assert_eq!(code, 0, "{printed}");
    let got = received(&bob);
    assert_eq!(got.header("Subject").as_deref(), Some("Asked for"));
    assert_eq!(got.text(), "typed in the editor\n");
}

#[test]
fn a_recreated_mailbox_is_not_flagged_by_a_late_reply() {
    let _postfix = servers().postfix_shared();
    let (me, ann) = (servers().user(), servers().user());
    let (msg, _, _) = parent(&ann.address(), None, &me.address(), "", 0);
    seed::append(&me, "Lists", vec![msg]);
    let good = send_config(&me, "Me");
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let env = Env::new(&good.replace(&format!("port = {}", servers().smtp), &format!("port = {closed}")));
    env.owl(&["reply", "Lists", "1", "--body", "late"]).expect_code(75);
    // The mailbox is deleted and made again: UID 1 is another message now.
    seed::delete(&me, "Lists");
    let (other, _, _) = parent(&ann.address(), None, &me.address(), "", 0);
    seed::append(&me, "Lists", vec![other]);
    std::fs::write(&env.config, &good).unwrap();
    let run = env.owl(&["send", "--flush", "--json"]);
    let report = run.expect_code(0).json();
    assert_eq!(report["flushed"][0]["answered"], false, "{report}");
    assert!(run.stderr.contains("UIDVALIDITY"), "{}", run.stderr);
    assert!(received(&ann).text().starts_with("late\n"), "the reply itself goes out");
    assert!(!flags(&me, "Lists", 1).iter().any(|f| f == "\\Answered"), "the new UID 1 is left alone");
}

#[test]
fn a_reply_takes_its_text_from_stdin_in_a_script() {
    use std::io::Write as _;
    let _postfix = servers().postfix_shared();
    let (me, ann) = (servers().user(), servers().user());
    let (msg, id, _) = parent(&format!("Ann <{}>", ann.address()), None, &me.address(), "", 0);
    seed::append(&me, "INBOX", vec![msg]);
    let env = Env::new(&send_config(&me, "Me"));
    let mut cmd = crate::harness::owl_command(env.dir.path());
    cmd.arg("-c").arg(&env.config).args(["reply", "INBOX", "1"]);
    cmd.stdin(std::process::Stdio::piped()).stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    child.stdin.take().unwrap().write_all("From a pipe: ça va.\n".as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let got = received(&ann);
    assert_eq!(got.header("In-Reply-To"), Some(id));
    assert!(
        got.text().starts_with("From a pipe: ça va.\n\nOn Fri, 20 Nov 2026 09:05:00 +0100, Ann wrote:\n> Hello,\n")
    );
    assert!(flags(&me, "INBOX", 1).iter().any(|f| f == "\\Answered"));
}
