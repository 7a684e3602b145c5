//! `owl flag`, `move`, `copy`, `delete` and `owl mailbox` against real
//! Dovecot, each result checked with a second client (owl's own session,
//! as the seeding uses): exactly the named messages change. Strict fake
//! servers show what Dovecot cannot: a server without MOVE or UIDPLUS,
//! where owl must never send a plain EXPUNGE, and a Courier-style
//! `INBOX.` namespace for the Sent copy.

use std::collections::BTreeMap;
use std::io::Write;
use std::process::Stdio;

use owl::imap::{Items, MailboxName, MessageSet};

use crate::harness::fake::{Conn, Fake};
use crate::harness::seed::{self, Msg};
use crate::harness::{Env, Imap, Run, User, imap_config, owl_command, servers};

/// Every message of `mailbox` with its flags, as a second client sees it.
fn state(user: &User, mailbox: &str) -> BTreeMap<u32, Vec<String>> {
    let mut session = seed::session(user);
    session.examine(&MailboxName::new(mailbox), false).expect("examine");
    let mut found = BTreeMap::new();
    if session.selected().map_or(0, |s| s.exists) > 0 {
        session
            .uid_fetch(&[MessageSet::all()], Items::flags(), None, &mut |f| {
                let mut flags = f.flags.unwrap_or_default();
                flags.sort();
                found.insert(f.uid.unwrap(), flags);
                Ok(())
            })
            .expect("fetch flags");
    }
    session.logout();
    found
}

fn uids(state: &BTreeMap<u32, Vec<String>>) -> Vec<u32> {
    state.keys().copied().collect()
}

fn has(state: &BTreeMap<u32, Vec<String>>, uid: u32, flag: &str) -> bool {
    state[&uid].iter().any(|f| f == flag)
}

/// A user with `n` messages (subjects `m1`..) in INBOX, and its config.
fn setup(n: usize) -> (User, Env) {
    let user = servers().user();
    seed::append_many(&user, "INBOX", (1..=n).map(|i| Msg::simple("a@example.org", &format!("m{i}"), "body")));
    let env = Env::new(&imap_config(&user, Imap::Implicit, ""));
    (user, env)
}

/// Runs owl with `input` on stdin.
fn owl_stdin(env: &Env, args: &[&str], input: &str) -> Run {
    let mut cmd = owl_command(env.dir.path());
    cmd.arg("-c").arg(&env.config).args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("run owl");
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_string();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(input.as_bytes());
    });
    let out = child.wait_with_output().expect("wait for owl");
    writer.join().unwrap();
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        elapsed: std::time::Duration::ZERO,
        max_rss_kib: 0,
        args: args.iter().map(|a| a.to_string()).collect(),
    };
    crate::harness::schema::check_run(&run);
    run
}

#[test]
fn flag_changes_exactly_the_named_uids() {
    let (user, env) = setup(5);
    let before = state(&user, "INBOX");
    let report = env.owl(&["flag", "--json", "INBOX", "2,4", "+seen", "+$Label1", "-draft"]).expect_code(0).json();
    assert_eq!(report["action"], "flag");
    assert_eq!(report["uids"], serde_json::json!([2, 4]));
    assert!(report["uidvalidity"].as_u64().is_some(), "{report}");
    assert_eq!(report["flags"][0]["uid"], 2);
    let after = state(&user, "INBOX");
    for uid in [2, 4] {
        assert!(has(&after, uid, "\\Seen") && has(&after, uid, "$Label1"), "{after:?}");
    }
    for uid in [1, 3, 5] {
        assert_eq!(after[&uid], before[&uid], "UID {uid} was not named");
    }
    env.owl(&["flag", "INBOX", "2", "-seen"]).expect_code(0);
    let again = state(&user, "INBOX");
    assert!(!has(&again, 2, "\\Seen") && has(&again, 2, "$Label1"));
    assert!(has(&again, 4, "\\Seen"));
    // A keyword that is not an IMAP atom never reaches the server.
    let bad = env.owl(&["flag", "INBOX", "1", "+two words"]);
    bad.expect_code(64);
    assert_eq!(state(&user, "INBOX"), again);
}

#[test]
fn a_missing_uid_is_named_and_exits_66_after_the_rest_is_done() {
    let (user, env) = setup(3);
    let run = env.owl(&["flag", "INBOX", "1,99,200:300", "+flagged"]);
    run.expect_code(66);
    assert!(run.stderr.contains("99") && run.stderr.contains("200:300"), "{}", run.stderr);
    let after = state(&user, "INBOX");
    assert!(has(&after, 1, "\\Flagged"));
    assert!(!has(&after, 2, "\\Flagged") && !has(&after, 3, "\\Flagged"));
    // A range with gaps means the messages in it: not an error.
    env.owl(&["flag", "INBOX", "2:50", "+seen"]).expect_code(0);
    assert!(has(&state(&user, "INBOX"), 3, "\\Seen"));
}

#[test]
fn copy_and_move_change_exactly_the_named_uids_and_report_new_uids() {
    let user = servers().user();
    seed::append_many(&user, "INBOX", (1..=5).map(|i| Msg::simple("a@example.org", &format!("m{i}"), "b")));
    // Marked \Deleted by "another client": a plain EXPUNGE would take it.
    seed::append(&user, "INBOX", vec![Msg::simple("a@example.org", "m6", "b").flags(&["\\Deleted"])]);
    seed::create(&user, &["Archive"]);
    let env = Env::new(&imap_config(&user, Imap::Implicit, ""));
    let copied = env.owl(&["copy", "--json", "INBOX", "1:2", "Archive"]).expect_code(0).json();
    assert_eq!(copied["uids"], serde_json::json!([1, 2]));
    assert_eq!(copied["destination"], "Archive");
    let new: Vec<u64> = copied["new_uids"].as_array().unwrap().iter().map(|m| m["new_uid"].as_u64().unwrap()).collect();
    assert_eq!(new.len(), 2, "{copied}");
    assert_eq!(uids(&state(&user, "INBOX")), vec![1, 2, 3, 4, 5, 6]);
    assert_eq!(uids(&state(&user, "Archive")).iter().map(|&u| u64::from(u)).collect::<Vec<_>>(), new);

    let moved = env.owl(&["move", "--json", "INBOX", "3,5", "Archive"]).expect_code(0).json();
    assert_eq!((moved["expunged"].as_bool(), moved["uids"].clone()), (Some(true), serde_json::json!([3, 5])));
    let inbox = state(&user, "INBOX");
    assert_eq!(uids(&inbox), vec![1, 2, 4, 6], "the unnamed \\Deleted message stays");
    assert_eq!(state(&user, "Archive").len(), 4);
    let text = env.owl(&["move", "INBOX", "4", "Archive"]).expect_code(0).stdout.clone();
    assert!(text.contains("moved 1 message(s)") && text.contains("\"Archive\""), "{text}");
    // A destination that does not exist: 66, nothing moved.
    env.owl(&["move", "INBOX", "1", "Nowhere"]).expect_code(66);
    assert_eq!(uids(&state(&user, "INBOX")), vec![1, 2, 6]);
}

#[test]
fn delete_goes_to_trash_and_expunge_removes_only_the_named_uids() {
    let user = servers().user();
    seed::append_many(&user, "INBOX", (1..=3).map(|i| Msg::simple("a@example.org", &format!("m{i}"), "b")));
    seed::append(&user, "INBOX", vec![Msg::simple("a@example.org", "marked", "b").flags(&["\\Deleted"])]);
    let env = Env::new(&imap_config(&user, Imap::Implicit, ""));
    let deleted = env.owl(&["delete", "--json", "INBOX", "1"]).expect_code(0).json();
    assert_eq!((deleted["action"].as_str(), deleted["destination"].as_str()), (Some("delete"), Some("Trash")));
    assert_eq!(uids(&state(&user, "INBOX")), vec![2, 3, 4]);
    let trash = state(&user, "Trash");
    assert_eq!(trash.len(), 1, "Trash was created and holds the message");

    let expunged = env.owl(&["delete", "--json", "INBOX", "2", "--expunge"]).expect_code(0).json();
    assert_eq!((expunged["action"].as_str(), expunged["expunged"].as_bool()), (Some("expunge"), Some(true)));
    assert_eq!(uids(&state(&user, "INBOX")), vec![3, 4], "the unnamed \\Deleted message stays");
    assert_eq!(state(&user, "Trash").len(), 1, "--expunge bypasses Trash");

    // In Trash itself, delete removes for good.
    let in_trash = uids(&trash)[0].to_string();
    let gone = env.owl(&["delete", "--json", "Trash", &in_trash]).expect_code(0).json();
    assert_eq!(gone["action"], "expunge");
    assert!(state(&user, "Trash").is_empty());
}

#[test]
fn a_trash_named_in_the_config_wins_and_is_created_when_missing() {
    let user = servers().user();
    seed::append_many(&user, "INBOX", (1..=2).map(|i| Msg::simple("a@example.org", &format!("m{i}"), "b")));
    let toml = imap_config(&user, Imap::Implicit, "") + "\n[accounts.test.mailboxes]\ntrash = \"Bin\"\n";
    let env = Env::new(&toml);
    let report = env.owl(&["delete", "--json", "INBOX", "2"]).expect_code(0).json();
    assert_eq!(report["destination"], "Bin");
    assert_eq!(state(&user, "Bin").len(), 1);
    assert_eq!(uids(&state(&user, "INBOX")), vec![1]);
}

#[test]
fn search_rows_piped_into_move_move_exactly_the_matches() {
    let user = servers().user();
    let subjects = ["invoice 1", "hello", "invoice 2", "other", "invoice 3"];
    seed::append_many(&user, "INBOX", subjects.iter().map(|s| Msg::simple("a@example.org", s, "b")));
    seed::create(&user, &["Archive"]);
    let env = Env::new(&imap_config(&user, Imap::Implicit, ""));
    let found = env.owl(&["search", "--json", "subject:invoice"]);
    found.expect_code(0);
    let rows = found.json();
    assert_eq!(rows.as_array().unwrap().len(), 3, "{rows}");
    assert!(rows[0]["uidvalidity"].as_u64().is_some(), "search rows carry uidvalidity: {rows}");
    let moved = owl_stdin(&env, &["move", "--json", "INBOX", "-", "Archive"], &found.stdout);
    let report = moved.expect_code(0).json();
    assert_eq!(report["uids"], serde_json::json!([1, 3, 5]));
    assert_eq!(uids(&state(&user, "INBOX")), vec![2, 4]);
    assert_eq!(state(&user, "Archive").len(), 3);
    // NDJSON works too, and list rows carry uidvalidity as well.
    let listed = env.owl(&["list", "INBOX", "--json"]).expect_code(0).json();
    let lines: Vec<String> = listed.as_array().unwrap().iter().map(|r| r.to_string()).collect();
    owl_stdin(&env, &["flag", "INBOX", "-", "+flagged"], &lines.join("\n")).expect_code(0);
    let inbox = state(&user, "INBOX");
    assert!(has(&inbox, 2, "\\Flagged") && has(&inbox, 4, "\\Flagged"));
    // Nothing matched: nothing to do, not an error.
    owl_stdin(&env, &["move", "INBOX", "-", "Archive"], "[]").expect_code(0);
}

#[test]
fn stale_foreign_and_old_rows_are_refused_and_nothing_changes() {
    let (user, env) = setup(3);
    seed::create(&user, &["Archive"]);
    let listed = env.owl(&["list", "INBOX", "--json"]).expect_code(0).json();
    let validity = listed[0]["uidvalidity"].as_u64().expect("uidvalidity in list rows");
    let before = state(&user, "INBOX");

    let mut stale = listed.clone();
    stale[1]["uidvalidity"] = serde_json::json!(validity + 1);
    let run = owl_stdin(&env, &["move", "INBOX", "-", "Archive"], &stale.to_string());
    run.expect_code(66);
    assert!(run.stderr.contains("UIDVALIDITY") && run.stderr.contains("nothing was changed"), "{}", run.stderr);

    let mut foreign = listed.clone();
    foreign[0]["mailbox"] = serde_json::json!("Archive");
    let run = owl_stdin(&env, &["delete", "INBOX", "-"], &foreign.to_string());
    run.expect_code(64);
    assert!(run.stderr.contains("\"Archive\""), "{}", run.stderr);

    let mut old = listed.clone();
    old[2].as_object_mut().unwrap().remove("uidvalidity");
    let run = owl_stdin(&env, &["flag", "INBOX", "-", "+seen"], &old.to_string());
    run.expect_code(64);
    assert!(run.stderr.contains("no uidvalidity"), "{}", run.stderr);

    owl_stdin(&env, &["flag", "INBOX", "-", "+seen"], "{not json").expect_code(64);
    assert_eq!(state(&user, "INBOX"), before, "no refused run changed anything");
    assert!(state(&user, "Archive").is_empty());
}

#[test]
fn mailboxes_are_created_renamed_and_deleted_but_not_with_mail_unless_forced() {
    let (user, env) = setup(0);
    let created = env.owl(&["mailbox", "--json", "create", "Projects"]).expect_code(0).json();
    assert_eq!((created["action"].as_str(), created["mailbox"].as_str()), (Some("create"), Some("Projects")));
    env.owl(&["mailbox", "rename", "Projects", "Work"]).expect_code(0);
    let names = |env: &Env| -> Vec<String> {
        let listed = env.owl(&["list", "--json"]).expect_code(0).json();
        listed.as_array().unwrap().iter().map(|m| m["name"].as_str().unwrap().to_string()).collect()
    };
    let now = names(&env);
    assert!(now.contains(&"Work".to_string()) && !now.contains(&"Projects".to_string()), "{now:?}");
    seed::append(&user, "Work", vec![Msg::simple("a@example.org", "keep me", "b")]);
    let refused = env.owl(&["mailbox", "delete", "Work"]);
    refused.expect_code(64);
    assert!(refused.stderr.contains("--force"), "{}", refused.stderr);
    assert_eq!(state(&user, "Work").len(), 1);
    let forced = env.owl(&["mailbox", "--json", "delete", "Work", "--force"]).expect_code(0).json();
    assert_eq!(forced["messages"], 1);
    assert!(!names(&env).contains(&"Work".to_string()));
    env.owl(&["mailbox", "delete", "Work"]).expect_code(66);
}

/// A config for an account on a plaintext fake server.
fn fake_config(port: u16) -> String {
    format!(
        "[accounts.f]\nuser = \"me\"\npassword = \"pw\"\n[accounts.f.imap]\nhost = \"127.0.0.1\"\nport = {port}\n\
         tls = \"none\"\ntimeout = 10\n"
    )
}

/// Plays `steps` strictly: each command must be its text (after the tag;
/// a text ending in `*` is a prefix), and is answered with its reply (`{tag}` replaced). Any other
/// line fails the test; after the steps, the client must log out.
fn strict(conn: &mut Conn, greeting: &str, steps: &[(&str, &str)]) {
    conn.send(greeting);
    for (want, reply) in steps {
        let tag = match want.strip_suffix('*') {
            Some(prefix) => conn.expect_command(prefix),
            None => {
                let (tag, rest) = conn.command().expect("a command");
                assert_eq!(rest, *want, "the fake server expected exactly this command");
                tag
            }
        };
        conn.send(&reply.replace("{tag}", &tag));
    }
    let tag = conn.expect_command("LOGOUT");
    conn.send(&format!("* BYE bye\r\n{tag} OK out\r\n"));
    conn.expect_eof();
}

const SELECTED: &str = "* 3 EXISTS\r\n* OK [UIDVALIDITY 5] v\r\n* OK [UIDNEXT 4] n\r\n{tag} OK [READ-WRITE] in\r\n";

#[test]
fn without_move_or_uidplus_delete_copies_marks_and_expunges_nothing() {
    let fake = Fake::start(|conn| {
        strict(
            conn,
            "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR] fake\r\n",
            &[
                ("AUTHENTICATE PLAIN *", "{tag} OK [CAPABILITY IMAP4rev1] in\r\n"),
                ("LIST \"\" \"*\"", "* LIST () \"/\" INBOX\r\n* LIST () \"/\" Trash\r\n{tag} OK done\r\n"),
                ("SELECT \"INBOX\"", SELECTED),
                ("UID FETCH 2 (UID FLAGS)", "* 2 FETCH (UID 2 FLAGS ())\r\n{tag} OK done\r\n"),
                ("UID COPY 2 \"Trash\"", "{tag} OK copied\r\n"),
                ("UID STORE 2 +FLAGS (\\Deleted)", "* 2 FETCH (UID 2 FLAGS (\\Deleted))\r\n{tag} OK done\r\n"),
            ],
        )
    });
    let env = Env::new(&fake_config(fake.port));
    let run = env.owl(&["delete", "--json", "INBOX", "2"]);
    let report = run.expect_code(0).json();
    assert_eq!((report["expunged"].as_bool(), report["destination"].as_str()), (Some(false), Some("Trash")));
    assert!(run.stderr.contains("no UIDPLUS"), "the user is told: {}", run.stderr);
    drop(fake);
    // --expunge on such a server marks and leaves the mark.
    let fake = Fake::start(|conn| {
        strict(
            conn,
            "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR] fake\r\n",
            &[
                ("AUTHENTICATE PLAIN *", "{tag} OK [CAPABILITY IMAP4rev1] in\r\n"),
                ("SELECT \"INBOX\"", SELECTED),
                (
                    "UID FETCH 1:3 (UID FLAGS)",
                    "* 1 FETCH (UID 1 FLAGS ())\r\n* 3 FETCH (UID 3 FLAGS ())\r\n{tag} OK done\r\n",
                ),
                ("UID STORE 1,3 +FLAGS (\\Deleted)", "{tag} OK done\r\n"),
            ],
        )
    });
    let env = Env::new(&fake_config(fake.port));
    let report = env.owl(&["delete", "--json", "INBOX", "1:3", "--expunge"]).expect_code(0).json();
    assert_eq!((report["uids"].clone(), report["expunged"].as_bool()), (serde_json::json!([1, 3]), Some(false)));
}

#[test]
fn without_move_a_move_expunges_exactly_its_uids() {
    let fake = Fake::start(|conn| {
        strict(
            conn,
            "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR UIDPLUS] fake\r\n",
            &[
                ("AUTHENTICATE PLAIN *", "{tag} OK [CAPABILITY IMAP4rev1 UIDPLUS] in\r\n"),
                ("SELECT \"INBOX\"", SELECTED),
                ("UID FETCH 2 (UID FLAGS)", "* 2 FETCH (UID 2 FLAGS ())\r\n{tag} OK done\r\n"),
                ("UID COPY 2 \"Archive\"", "{tag} OK [COPYUID 9 2 41] copied\r\n"),
                ("UID STORE 2 +FLAGS (\\Deleted)", "{tag} OK done\r\n"),
                ("UID EXPUNGE 2", "* 2 EXPUNGE\r\n{tag} OK done\r\n"),
            ],
        )
    });
    let env = Env::new(&fake_config(fake.port));
    let report = env.owl(&["move", "--json", "INBOX", "2", "Archive"]).expect_code(0).json();
    assert_eq!(report["expunged"], true);
    assert_eq!(
        (report["new_uids"][0]["new_uid"].as_u64(), report["destination_uidvalidity"].as_u64()),
        (Some(41), Some(9))
    );
}

#[test]
fn the_sent_copy_goes_inside_a_courier_style_namespace() {
    let _postfix = servers().postfix_shared();
    let (alice, bob) = (servers().user(), servers().user());
    let fake = Fake::start(|conn| {
        conn.send("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR NAMESPACE LITERAL+] courier-ish\r\n");
        let steps: [(&str, &str); 4] = [
            ("AUTHENTICATE PLAIN", "{tag} OK [CAPABILITY IMAP4rev1 NAMESPACE LITERAL+] in\r\n"),
            ("LIST \"\" \"*\"", "* LIST (\\HasNoChildren) \".\" INBOX\r\n{tag} OK done\r\n"),
            ("NAMESPACE", "* NAMESPACE ((\"INBOX.\" \".\")) NIL NIL\r\n{tag} OK done\r\n"),
            ("CREATE \"INBOX.Sent\"", "{tag} OK created\r\n"),
        ];
        for (want, reply) in steps {
            let tag = conn.expect_command(want);
            conn.send(&reply.replace("{tag}", &tag));
        }
        let line = conn.expect("");
        let (tag, rest) = line.trim_end().split_once(' ').unwrap();
        assert!(rest.starts_with("APPEND \"INBOX.Sent\" (\\Seen) {"), "{rest}");
        let size: usize = rest.rsplit('{').next().unwrap().trim_end_matches("+}").parse().unwrap();
        let message = conn.bytes(size).unwrap();
        assert!(String::from_utf8_lossy(&message).contains("Subject: to Sent"));
        conn.expect("\r\n");
        conn.send(&format!("{tag} OK [APPENDUID 3 1] saved\r\n"));
        let tag = conn.expect_command("LOGOUT");
        conn.send(&format!("* BYE bye\r\n{tag} OK out\r\n"));
    });
    let s = servers();
    let toml = format!(
        "[accounts.test]\nemail = \"{a}@example.org\"\nuser = \"{a}\"\npassword = \"{pw}\"\nca_file = \"{ca}\"\n\
         [accounts.test.imap]\nhost = \"127.0.0.1\"\nport = {port}\ntls = \"none\"\ntimeout = 10\n\
         [accounts.test.smtp]\nhost = \"127.0.0.1\"\nport = {smtp}\ntls = \"starttls\"\ntimeout = 10\n",
        a = alice.name,
        pw = alice.password,
        ca = s.ca_file.display(),
        port = fake.port,
        smtp = s.smtp,
    );
    let env = Env::new(&toml);
    let run = env.owl(&["send", "--json", "--to", &bob.address(), "--subject", "to Sent", "--body", "hi"]);
    let report = run.expect_code(0).json();
    assert_eq!(report["messages"][0]["saved_to"], "INBOX.Sent", "{report}");
}
