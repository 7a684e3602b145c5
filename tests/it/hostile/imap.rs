//! Hostile IMAP servers: trickles, floods, lying literals, nesting bombs,
//! compression bombs, control sequences and echoed secrets.

use std::io::Write as _;
use std::time::Duration;

use super::{TIMEOUT, check, check_patient, check_within, config, flood, patient_config, trickle};
use crate::harness::Env;
use crate::harness::fake::{Conn, Fake};

/// What the script does after answering a command.
enum Flow {
    Go,
    Stop,
}

const CAPS: &str = "IMAP4rev1 AUTH=PLAIN SASL-IR";

/// A server that logs anyone in (AUTHENTICATE PLAIN), says goodbye to
/// LOGOUT, and leaves every other command to `on`, which must panic on a
/// command it did not expect.
fn imap(caps: &'static str, on: impl Fn(&mut Conn, &str, &str) -> Flow + Send + Sync + 'static) -> Fake {
    Fake::start(move |conn| {
        conn.send(&format!("* OK [CAPABILITY {caps}] hostile\r\n"));
        while let Some((tag, rest)) = conn.command() {
            let upper = rest.to_ascii_uppercase();
            if upper.starts_with("AUTHENTICATE PLAIN ") {
                conn.send(&format!("{tag} OK [CAPABILITY {caps}] in\r\n"));
            } else if upper == "LOGOUT" {
                conn.send(&format!("* BYE bye\r\n{tag} OK done\r\n"));
                return;
            } else if let Flow::Stop = on(conn, &tag, &upper) {
                return;
            }
        }
    })
}

fn owl(fake: &Fake, args: &[&str]) -> crate::harness::Run {
    Env::new(&config("imap", fake.port)).owl(args)
}

/// `owl` with `compress = true`: `auto`, the default, never compresses a
/// short command.
fn owl_compressing(fake: &Fake, args: &[&str]) -> crate::harness::Run {
    Env::new(&format!("{}compress = true\n", config("imap", fake.port))).owl(args)
}

fn owl_patient(fake: &Fake, args: &[&str]) -> crate::harness::Run {
    Env::new(&patient_config("imap", fake.port)).owl(args)
}

/// `owl list` (timeout 2 s) against a server whose answer to LIST is
/// `reply`: for what the timeout must catch.
fn list_short(reply: impl Fn(&mut Conn, &str) + Send + Sync + 'static) -> crate::harness::Run {
    let fake = imap(CAPS, move |conn, tag, cmd| {
        assert!(cmd.starts_with("LIST "), "unexpected {cmd}");
        reply(conn, tag);
        Flow::Stop
    });
    owl(&fake, &["list"])
}

/// `owl list` against a server whose answer to LIST is `reply`.
fn list_against(reply: impl Fn(&mut Conn, &str) + Send + Sync + 'static) -> crate::harness::Run {
    let fake = imap(CAPS, move |conn, tag, cmd| {
        assert!(cmd.starts_with("LIST "), "unexpected {cmd}");
        reply(conn, tag);
        Flow::Stop
    });
    owl_patient(&fake, &["list"])
}

#[test]
fn a_trickled_greeting_fails_within_the_timeout() {
    let fake = Fake::start(|conn| {
        trickle(conn, b"* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] slowly, slowly\r\n", Duration::from_millis(300));
        conn.drain();
    });
    let run = owl(&fake, &["list"]);
    check("imap greeting trickled 1 byte/300 ms", &run, 75, "greeting");
}

#[test]
fn a_silent_server_names_the_greeting_and_hints_at_implicit_tls() {
    let fake = Fake::start(|conn| conn.drain());
    let toml = config("imap", fake.port).replace("tls = \"none\"", "tls = \"starttls\"");
    let run = Env::new(&toml).owl(&["list"]);
    check("imap greeting never sent (STARTTLS port)", &run, 75, "may expect implicit TLS");
}

#[test]
fn a_login_that_never_completes_is_bounded() {
    let fake = Fake::start(|conn| {
        conn.send(&format!("* OK [CAPABILITY {CAPS}] ready\r\n"));
        conn.expect_command("AUTHENTICATE PLAIN");
        // Some servers delay a failed login on purpose: forever, here,
        // with a keep-alive now and then so no single read times out.
        trickle(conn, b"* OK thinking about it\r\n", Duration::from_millis(150));
        conn.drain();
    });
    let run = owl(&fake, &["list"]);
    check("imap login answered never (trickled untagged OK)", &run, 75, "timed out");
}

#[test]
fn an_endless_stream_of_untagged_ok_is_cut_off() {
    let run = list_against(|conn, _| flood(conn, "* OK still working on it\r\n", 1_000_000));
    check_patient("imap LIST answered by endless * OK", &run, 75, "untagged responses");
}

#[test]
fn an_endless_list_stops_at_the_mailbox_cap() {
    let run = list_against(|conn, _| {
        let mut n = 0u64;
        loop {
            let mut chunk = String::new();
            for _ in 0..1000 {
                n += 1;
                chunk.push_str(&format!("* LIST (\\HasNoChildren) \"/\" \"box{n}\"\r\n"));
            }
            if !conn.send_bytes(chunk.as_bytes()) || n > 2_000_000 {
                return;
            }
        }
    });
    check_patient("imap LIST endless (millions of mailboxes)", &run, 65, "more than 100000 mailboxes");
}

#[test]
fn a_trickled_list_fails_for_lack_of_progress() {
    let run = list_short(|conn, _| {
        for n in 0..100 {
            let line = format!("* LIST () \"/\" m{n}\r\n");
            if !conn.send_bytes(line.as_bytes()) {
                return;
            }
            std::thread::sleep(Duration::from_millis(400));
        }
    });
    check("imap LIST trickled (a line per 400 ms)", &run, 75, "the server sent only");
}

#[test]
fn a_server_that_stops_answering_times_out() {
    let run = list_short(|conn, _| conn.drain());
    check("imap LIST never answered", &run, 75, "timed out");
}

#[test]
fn an_endless_line_is_refused_at_the_line_cap() {
    let run = list_against(|conn, _| {
        conn.send("* LIST () \"/\" ");
        let junk = vec![b'x'; 1 << 20];
        for _ in 0..64 {
            if !conn.send_bytes(&junk) {
                return;
            }
        }
    });
    check_patient("imap response line of 64 MiB without a line end", &run, 65, "line longer than");
}

#[test]
fn a_literal_of_a_terabyte_is_refused_before_it_is_read() {
    let run = list_against(|conn, _| conn.send("* LIST () \"/\" {1000000000000}\r\nabc"));
    check_patient("imap literal announced at 1 TB", &run, 65, "refusing to hold it");
}

#[test]
fn several_literals_under_the_literal_cap_are_capped_together() {
    // Three 20 MB header literals in one FETCH: each alone would pass.
    let fake = imap(CAPS, |conn, tag, cmd| {
        if cmd.starts_with("EXAMINE") {
            conn.send(&format!("* 1 EXISTS\r\n* OK [UIDVALIDITY 7] v\r\n{tag} OK [READ-ONLY] done\r\n"));
            return Flow::Go;
        }
        assert!(cmd.starts_with("FETCH 1 "), "unexpected {cmd}");
        let literal = vec![b'a'; 20 << 20];
        conn.send("* 1 FETCH (UID 1 BODY[HEADER.FIELDS (FROM)] {20971520}\r\n");
        for n in 0..3 {
            if !conn.send_bytes(&literal) {
                return Flow::Stop;
            }
            conn.send(if n < 2 { " BODY[HEADER.FIELDS (TO)] {20971520}\r\n" } else { ")\r\n" });
        }
        Flow::Stop
    });
    let run = owl(&fake, &["list", "INBOX"]);
    check("imap FETCH with three 20 MB literals", &run, 65, "more than 32 MiB");
}

#[test]
fn deep_nesting_in_a_response_is_refused_without_a_crash() {
    let run = list_against(|conn, _| {
        let deep = format!("* LIST ({}{}) \"/\" x\r\n", "(".repeat(5000), ")".repeat(5000));
        conn.send(&deep);
    });
    check_patient("imap LIST nested 5000 levels deep", &run, 65, "nested");
}

/// A server for `owl search has:attachment --count` whose BODYSTRUCTURE for
/// UID 2 is `structure`; the message itself has an attachment.
fn search_attachment_with(structure: String) -> crate::harness::Run {
    let fake = imap(CAPS, move |conn, tag, cmd| {
        if cmd.starts_with("EXAMINE") {
            conn.send(&format!("* 2 EXISTS\r\n* OK [UIDVALIDITY 7] v\r\n{tag} OK [READ-ONLY] done\r\n"));
        } else if cmd.starts_with("UID SEARCH") {
            conn.send(&format!("* SEARCH 1 2\r\n{tag} OK done\r\n"));
        } else if cmd.starts_with("UID FETCH 1:2 (UID BODYSTRUCTURE)") {
            let plain = "(\"text\" \"plain\" NIL NIL NIL \"7bit\" 2 1 NIL NIL NIL NIL)";
            conn.send(&format!("* 1 FETCH (UID 1 BODYSTRUCTURE {plain})\r\n* 2 FETCH (UID 2 BODYSTRUCTURE {structure})\r\n{tag} OK done\r\n"));
        } else if cmd.starts_with("UID FETCH 2 (UID BODY.PEEK[])") {
            let msg = "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b\r\nContent-Type: application/pdf; name=a.pdf\r\nContent-Disposition: attachment; filename=a.pdf\r\n\r\nPDF\r\n--b--\r\n";
            conn.send(&format!("* 2 FETCH (UID 2 BODY[] {{{}}}\r\n{msg})\r\n{tag} OK done\r\n", msg.len()));
        } else {
            panic!("unexpected {cmd}");
        }
        Flow::Go
    });
    owl(&fake, &["search", "has:attachment", "--count", "--json"])
}

#[test]
fn a_bodystructure_nested_without_end_is_judged_from_the_message() {
    let deep = format!("{}\"text\" \"plain\" NIL NIL NIL \"7bit\" 1 1{}", "(".repeat(800), ")".repeat(800));
    let run = search_attachment_with(deep);
    check("imap BODYSTRUCTURE nested 800 levels (has:attachment)", &run, 0, "");
    assert_eq!(run.json()[0]["count"], 1, "{}", run.stdout);
}

#[test]
fn a_bodystructure_without_the_space_rfc_3501_wants_is_judged_from_the_message() {
    let broken = "((\"text\" \"plain\" NIL NIL NIL \"7bit\" 2 1 NIL NIL NIL NIL)(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 30 (NIL \"s\" NIL NIL NIL NIL NIL NIL NIL NIL)(\"text\" \"plain\" NIL NIL NIL \"7bit\" 2 1 NIL NIL NIL NIL) 2 NIL NIL NIL NIL) \"mixed\" (\"boundary\" \"b\") NIL NIL NIL)";
    let run = search_attachment_with(broken.to_string());
    check("imap BODYSTRUCTURE missing a space (message/rfc822)", &run, 0, "");
    assert_eq!(run.json()[0]["count"], 1, "{}", run.stdout);
}

/// A server for `owl search --count` whose answer to UID SEARCH is `answer`.
fn search_against(exists: u32, answer: impl Fn(&mut Conn, &str) + Send + Sync + 'static) -> crate::harness::Run {
    let fake = imap(CAPS, move |conn, tag, cmd| {
        if cmd.starts_with("EXAMINE") {
            conn.send(&format!("* {exists} EXISTS\r\n* OK [UIDVALIDITY 7] v\r\n{tag} OK [READ-ONLY] done\r\n"));
            return Flow::Go;
        }
        assert!(cmd.starts_with("UID SEARCH"), "unexpected {cmd}");
        answer(conn, tag);
        Flow::Go
    });
    owl_patient(&fake, &["search", "--count", "--json", "from:x"])
}

#[test]
fn a_search_answer_for_two_million_messages_streams_in_bounded_memory() {
    let run = search_against(2_000_000, |conn, tag| {
        let mut line = Vec::with_capacity(16 << 20);
        line.extend_from_slice(b"* SEARCH");
        for uid in 1..=2_000_000u32 {
            // Every third message is missing: many ranges, not one.
            if uid % 3 != 0 {
                let _ = write!(line, " {uid}");
            }
        }
        line.extend_from_slice(format!("\r\n{tag} OK done\r\n").as_bytes());
        conn.send_bytes(&line);
    });
    check_patient("imap SEARCH answer of 1.3 million UIDs (legitimate)", &run, 0, "");
    assert_eq!(run.json()[0]["count"], 1_333_334, "{}", run.stdout);
}

#[test]
fn a_search_answer_of_garbage_is_a_protocol_error() {
    let run = search_against(10, |conn, tag| conn.send(&format!("* SEARCH 1 2 three\r\n{tag} OK done\r\n")));
    check_patient("imap SEARCH answer with garbage", &run, 65, "SEARCH");
}

#[test]
fn an_endless_search_line_is_bounded() {
    let run = search_against(100, |conn, _| {
        conn.send("* SEARCH");
        let chunk: String = (0..100_000u32).map(|i| format!(" {}", i * 7 + 1)).collect();
        for _ in 0..400 {
            if !conn.send_bytes(chunk.as_bytes()) {
                return;
            }
        }
    });
    check_patient("imap SEARCH line without end, mailbox of 100", &run, 65, "more than the mailbox can hold");
}

#[test]
fn a_completion_for_a_command_never_sent_is_refused() {
    let run = list_against(|conn, _| conn.send("zz99 OK what?\r\n"));
    check_patient("imap completion of an unknown tag", &run, 65, "never sent");
}

#[test]
fn an_unexpected_continuation_is_refused() {
    let run = list_against(|conn, _| conn.send("+ go ahead\r\n"));
    check_patient("imap continuation request out of the blue", &run, 65, "continuation");
}

#[test]
fn bye_in_the_middle_of_a_command_is_temporary() {
    let run = list_against(|conn, _| conn.send("* LIST () \"/\" INBOX\r\n* BYE shutting down\r\n"));
    check_patient("imap BYE during LIST", &run, 75, "shutting down");
}

#[test]
fn a_hang_up_inside_a_literal_is_temporary() {
    let run = list_against(|conn, _| conn.send("* LIST () \"/\" {100}\r\nonly a few bytes"));
    check_patient("imap hang-up inside a literal", &run, 75, "closed the connection");
}

#[test]
fn a_malformed_fetch_is_a_protocol_error() {
    let fake = imap(CAPS, |conn, tag, cmd| {
        if cmd.starts_with("EXAMINE") {
            conn.send(&format!("* 1 EXISTS\r\n* OK [UIDVALIDITY 7] v\r\n{tag} OK [READ-ONLY] done\r\n"));
            return Flow::Go;
        }
        assert!(cmd.starts_with("FETCH"), "unexpected {cmd}");
        conn.send("* 1 FETCH (UID 1 FLAGS (\\Seen RFC822.SIZE 12\r\n");
        Flow::Stop
    });
    let run = owl(&fake, &["list", "INBOX"]);
    check("imap malformed FETCH", &run, 65, "malformed");
}

#[test]
fn a_flood_of_exists_during_examine_is_cut_off() {
    let fake = imap(CAPS, |conn, _, cmd| {
        assert!(cmd.starts_with("EXAMINE"), "unexpected {cmd}");
        flood(conn, "* 1 EXISTS\r\n", 1_000_000);
        Flow::Stop
    });
    let run = owl(&fake, &["list", "INBOX"]);
    check("imap EXAMINE answered by endless EXISTS", &run, 75, "untagged responses");
}

#[test]
fn control_sequences_in_mailbox_names_never_reach_the_terminal() {
    let fake = imap("IMAP4rev1 AUTH=PLAIN SASL-IR LITERAL+", |conn, tag, cmd| {
        if let Some(size) = cmd.strip_prefix("STATUS {").and_then(|r| r.strip_suffix("+}")) {
            // The name (8-bit: a literal), then the rest of the command.
            conn.bytes(size.parse().unwrap()).unwrap();
            conn.line().unwrap();
            conn.send(&format!(
                "* STATUS \"evil\x1b]0;pwned\x07\x1b[2J\u{202e}txt\" (MESSAGES 1 UNSEEN 0)\r\n{tag} OK done\r\n"
            ));
            return Flow::Go;
        }
        if cmd.starts_with("LIST") {
            conn.send(&format!("* LIST () \"/\" \"evil\x1b]0;pwned\x07\x1b[2J\u{202e}txt\"\r\n{tag} OK done\r\n"));
        } else if cmd.starts_with("STATUS") {
            conn.send(&format!(
                "* STATUS \"evil\x1b]0;pwned\x07\x1b[2J\u{202e}txt\" (MESSAGES 1 UNSEEN 0)\r\n{tag} OK done\r\n"
            ));
        } else {
            panic!("unexpected {cmd}");
        }
        Flow::Go
    });
    let run = owl(&fake, &["list"]);
    check("imap mailbox name with ESC sequences and a bidi override", &run, 0, "");
    assert!(run.stdout.contains("evil^[]0;pwned^G^[[2J<U+202E>txt"), "{}", run.stdout);
}

#[test]
fn control_sequences_in_a_refusal_never_reach_the_terminal() {
    let fake = imap(CAPS, |conn, tag, cmd| {
        assert!(cmd.starts_with("EXAMINE"), "unexpected {cmd}");
        conn.send(&format!("{tag} NO [NONEXISTENT] no such mailbox\x1b[2J\x1b]0;pwned\x07\r\n"));
        Flow::Go
    });
    let run = owl(&fake, &["list", "INBOX"]);
    // A missing mailbox is no such input (66), whatever the command.
    check("imap NO [NONEXISTENT] text with ESC sequences", &run, 66, "no such mailbox^[[2J");
}

#[test]
fn a_refused_login_with_examine_behind_it_is_an_auth_failure() {
    // owl list MAILBOX pipelines EXAMINE behind a one-line login; the
    // answer to that EXAMINE must not hide why the login failed.
    let fake = Fake::start(|conn| {
        conn.send("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR] ready\r\n");
        conn.expect("a1 AUTHENTICATE PLAIN ");
        conn.expect("a2 EXAMINE \"INBOX\"");
        conn.send("a1 NO [AUTHENTICATIONFAILED] Authentication failed.\r\na2 BAD Log in first.\r\n");
        conn.expect_eof();
    });
    let run = owl(&fake, &["list", "INBOX"]);
    check("imap login refused, EXAMINE pipelined behind it", &run, 77, "Authentication failed.");
    assert!(!run.stderr.contains("Log in first"), "{}", run.stderr);
}

#[test]
fn a_server_echoing_the_password_never_gets_it_printed() {
    let fake = Fake::start(|conn| {
        conn.send("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR] ready\r\n");
        let line = conn.expect("a1 AUTHENTICATE PLAIN ");
        let sent = line.trim_end().rsplit(' ').next().unwrap_or_default().to_string();
        conn.send(&format!("a1 NO [AUTHENTICATIONFAILED] you sent {sent}, i.e. s3cret-Passw0rd\r\n"));
        conn.expect_eof();
    });
    let run = owl(&fake, &["list"]);
    check("imap NO echoing the password and its SASL form", &run, 77, "<redacted>");
    assert!(!run.stderr.contains("s3cret") && !run.stderr.contains("czNjcmV0"), "{}", run.stderr);
}

#[test]
fn a_compression_bomb_is_stopped_at_the_line_cap() {
    // 256 MiB of 'x' on one line compresses to about 256 KiB; made before
    // the server starts, so the server is not slow to send it.
    let mut bomb = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
    let block = vec![b'x'; 1 << 20];
    bomb.write_all(b"* OK ").unwrap();
    for _ in 0..256 {
        bomb.write_all(&block).unwrap();
    }
    let compressed = bomb.finish().unwrap();
    let fake = imap("IMAP4rev1 AUTH=PLAIN SASL-IR COMPRESS=DEFLATE", move |conn, tag, cmd| {
        assert!(cmd.starts_with("COMPRESS DEFLATE"), "unexpected {cmd}");
        conn.send(&format!("{tag} OK deflate active\r\n"));
        conn.send_bytes(&compressed);
        conn.drain();
        Flow::Stop
    });
    let run = owl_compressing(&fake, &["list"]);
    check("imap COMPRESS bomb (256 MiB line in 256 KiB)", &run, 65, "line longer than");
}

#[test]
fn garbage_after_compress_is_an_error_not_a_hang() {
    let fake = imap("IMAP4rev1 AUTH=PLAIN SASL-IR COMPRESS=DEFLATE", |conn, tag, cmd| {
        assert!(cmd.starts_with("COMPRESS DEFLATE"), "unexpected {cmd}");
        conn.send(&format!("{tag} OK deflate active\r\n"));
        conn.send_bytes(&[0xff; 4096]);
        conn.drain();
        Flow::Stop
    });
    let run = owl_compressing(&fake, &["list"]);
    check("imap COMPRESS then invalid DEFLATE", &run, 65, "");
}

/// Message `uid` of the three-message INBOX below.
fn small(uid: u32) -> String {
    format!("Subject: m{uid}\r\n\r\nbody {uid}\r\n")
}

/// Message `uid` as a FETCH of its body answers it.
fn fetched(u: u32) -> String {
    let m = small(u);
    format!(
        "* {u} FETCH (UID {u} FLAGS () INTERNALDATE \"01-Jan-2026 00:00:00 +0000\" RFC822.SIZE {} BODY[] {{{}}}\r\n{m})\r\n",
        m.len(),
        m.len()
    )
}

/// Answers what every backup of a three-message INBOX (UIDVALIDITY 7)
/// asks first: LIST, STATUS, EXAMINE and the sizes of 1:*, and the NOOP
/// with which a first backup's extra connections time the link while they
/// wait to log in. False for any other command, which the test's own
/// script answers.
fn three_messages(conn: &mut Conn, tag: &str, cmd: &str) -> bool {
    if cmd == "NOOP" {
        conn.send(&format!("{tag} OK done\r\n"));
    } else if cmd.starts_with("LIST") {
        conn.send(&format!("* LIST () \"/\" INBOX\r\n{tag} OK done\r\n"));
    } else if cmd.starts_with("STATUS") {
        conn.send(&format!("* STATUS INBOX (UIDNEXT 4 UIDVALIDITY 7)\r\n{tag} OK done\r\n"));
    } else if cmd.starts_with("EXAMINE") {
        conn.send(&format!(
            "* 3 EXISTS\r\n* OK [UIDVALIDITY 7] v\r\n* OK [UIDNEXT 4] n\r\n{tag} OK [READ-ONLY] done\r\n"
        ));
    } else if cmd.starts_with("UID FETCH 1:* (UID RFC822.SIZE)") {
        let sizes: String =
            (1..=3).map(|u| format!("* {u} FETCH (UID {u} RFC822.SIZE {})\r\n", small(u).len())).collect();
        conn.send(&format!("{sizes}{tag} OK done\r\n"));
    } else {
        return false;
    }
    true
}

#[test]
fn a_message_the_server_cannot_read_is_named_and_the_rest_backed_up() {
    // Until `healed` the server cannot read message 2.
    let healed = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let server_healed = healed.clone();
    let fake = imap(CAPS, move |conn, tag, cmd| {
        if three_messages(conn, tag, cmd) {
        } else if cmd.starts_with("UID FETCH 4:* (UID RFC822.SIZE)") {
            // Nothing new: `4:*` still answers with the last message.
            conn.send(&format!("* 3 FETCH (UID 3 RFC822.SIZE {})\r\n{tag} OK done\r\n", small(3).len()));
        } else if cmd.starts_with("UID FETCH 2 (UID RFC822.SIZE)") {
            conn.send(&format!("* 2 FETCH (UID 2 RFC822.SIZE {})\r\n{tag} OK done\r\n", small(2).len()));
        } else if cmd.starts_with("UID FETCH 2 ") && server_healed.load(std::sync::atomic::Ordering::SeqCst) {
            conn.send(&format!("{}{tag} OK done\r\n", fetched(2)));
        } else if cmd.starts_with("UID FETCH 1:3 ") || cmd.starts_with("UID FETCH 2 ") {
            // Message 2 is broken on the server: every FETCH of it fails.
            let mut out = String::new();
            if cmd.starts_with("UID FETCH 1:3 ") {
                out = fetched(1) + &fetched(3);
            }
            conn.send(&format!("{out}{tag} NO [SERVERBUG] Internal error reading message 2\r\n"));
        } else {
            panic!("unexpected {cmd}");
        }
        Flow::Go
    });
    let env = Env::new(&config("imap", fake.port));
    let store = env.path("store");
    let run = env.owl(&["fetch", "--into", &format!("maildir:{}", store.display()), "--json"]);
    check("imap one message the server cannot read (NO [SERVERBUG])", &run, 75, "UID 2");
    assert!(!run.stderr.contains("mailbox \"INBOX\": mailbox"), "context named twice: {}", run.stderr);
    let inbox = &run.json()["mailboxes"][0];
    assert_eq!(inbox["new"], 2, "{}", run.stdout);
    assert_eq!(inbox["failed_messages"][0]["uid"], 2, "{}", run.stdout);
    let files = || {
        std::fs::read_dir(store.join("INBOX/cur")).unwrap().count()
            + std::fs::read_dir(store.join("INBOX/new")).unwrap().count()
    };
    assert_eq!(files(), 2);

    // The next run (from cron, minutes later) neither starts over nor
    // fails again: message 2 waits for its back-off, and nothing changed.
    let again = env.owl(&["fetch", "--into", &format!("maildir:{}", store.display()), "--json"]);
    check("imap a failed message waits for its retry", &again, 0, "");
    assert_eq!(again.json()["mailboxes"][0]["deferred"], 1, "{}", again.stdout);
    assert_eq!(again.json()["total"]["deferred"], 1, "{}", again.stdout);

    // Once its wait is over (played by editing the state) it is tried
    // again alone, and once the server can read it, it is stored.
    let state_path = store.join(".owl/tmp/mailboxes/INBOX/.state.json");
    let mut state: serde_json::Value = serde_json::from_slice(&std::fs::read(&state_path).unwrap()).unwrap();
    assert_eq!(state["failed"][0]["uid"], 2, "{state}");
    assert_eq!(state["failed"][0]["attempts"], 1, "{state}");
    state["failed"][0]["retry_after"] = 0.into();
    std::fs::write(&state_path, state.to_string()).unwrap();
    healed.store(true, std::sync::atomic::Ordering::SeqCst);
    let healed_run = env.owl(&["fetch", "--into", &format!("maildir:{}", store.display()), "--json"]);
    check("imap a failed message is stored once the server can read it", &healed_run, 0, "");
    assert_eq!(healed_run.json()["mailboxes"][0]["new"], 1, "{}", healed_run.stdout);
    assert_eq!(files(), 3);
    let state: serde_json::Value = serde_json::from_slice(&std::fs::read(&state_path).unwrap()).unwrap();
    assert!(state.get("failed").is_none(), "{state}");
    assert_eq!(state["uidnext"], 4, "{state}");
}

#[test]
fn a_connection_lost_mid_fetch_is_retried_for_the_rest_only() {
    // The first FETCH of the bodies sends two of three messages and hangs
    // up; the retry over a new connection must ask for the third alone
    // (asking again for what arrived would store it twice).
    let dropped = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let server_dropped = dropped.clone();
    let fake = imap(CAPS, move |conn, tag, cmd| {
        if three_messages(conn, tag, cmd) {
        } else if cmd.starts_with("UID FETCH 1:3 ") && !server_dropped.swap(true, std::sync::atomic::Ordering::SeqCst) {
            conn.send(&(fetched(1) + &fetched(2)));
            return Flow::Stop;
        } else if cmd.starts_with("UID FETCH 3 ") {
            conn.send(&format!("{}{tag} OK done\r\n", fetched(3)));
        } else {
            panic!("unexpected {cmd}");
        }
        Flow::Go
    });
    let env = Env::new(&config("imap", fake.port));
    let store = env.path("store");
    let run = env.owl(&["fetch", "--into", &format!("maildir:{}", store.display()), "--json"]);
    check("imap connection lost mid-FETCH, the rest fetched again", &run, 0, "");
    assert!(dropped.load(std::sync::atomic::Ordering::SeqCst));
    assert_eq!(run.json()["mailboxes"][0]["new"], 3, "{}", run.stdout);
    let stored: Vec<Vec<u8>> = ["cur", "new"]
        .iter()
        .flat_map(|d| std::fs::read_dir(store.join("INBOX").join(d)).unwrap())
        .map(|e| std::fs::read(e.unwrap().path()).unwrap())
        .collect();
    assert_eq!(stored.len(), 3, "each message once");
}

#[test]
fn scripts_get_every_row_not_a_page() {
    let fake = imap(CAPS, |conn, tag, cmd| {
        if cmd.starts_with("EXAMINE") {
            conn.send(&format!("* 120 EXISTS\r\n* OK [UIDVALIDITY 7] v\r\n{tag} OK [READ-ONLY] done\r\n"));
            return Flow::Go;
        }
        // No SORT here: arrival order, the page's UIDs, then its rows.
        if cmd.starts_with("FETCH 1:120 (UID)") {
            let uids: String = (1..=120).map(|n| format!("* {n} FETCH (UID {n})\r\n")).collect();
            conn.send(&format!("{uids}{tag} OK done\r\n"));
            return Flow::Go;
        }
        assert!(cmd.starts_with("UID FETCH 1:120 "), "every message in one FETCH, got {cmd}");
        let rows: String = (1..=120)
            .map(|n| {
                let h = format!("Subject: n{n}\r\n\r\n");
                format!("* {n} FETCH (UID {n} FLAGS () RFC822.SIZE 9 BODY[HEADER.FIELDS (FROM SUBJECT DATE)] {{{}}}\r\n{h})\r\n", h.len())
            })
            .collect();
        conn.send(&format!("{rows}{tag} OK done\r\n"));
        Flow::Go
    });
    let run = owl(&fake, &["list", "INBOX", "--json"]);
    check_within("imap owl list INBOX --json with 120 messages", &run, 0, "", 3 * TIMEOUT);
    assert_eq!(run.json().as_array().map(Vec::len), Some(120));
}
