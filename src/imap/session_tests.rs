//! The session over a scripted server, byte for byte: how tagged and
//! untagged responses interleave, completions that come early or for
//! commands never sent, `+` continuations, literals with and without
//! LITERAL+, and what unsolicited data (EXISTS, EXPUNGE, BYE) does to a
//! command in flight. The real-server tests (tests/it) cover the same
//! paths against Dovecot; these pin the orders Dovecot never sends.

use std::time::Duration;

use super::*;
use crate::imap::StatusItem;
use crate::imap::items::Items;
use crate::imap::mailbox::Flag;
use crate::imap::mailbox_name::MailboxName;
use crate::imap::message_set::MessageSet;
use crate::imap::response::Body;
use crate::net::script::{Script, ScriptBuilder, ScriptHandle, script};
use crate::net::{Security, TlsPolicy};
use crate::sasl::{self, Credentials, Secret};

const GREETING: &str = "* OK [CAPABILITY IMAP4rev1 LITERAL+ SASL-IR AUTH=PLAIN UNSELECT] ready\r\n";

fn options(security: Security) -> Options {
    let endpoint = Endpoint {
        host: "imap.example".into(),
        port: 143,
        security,
        tls: TlsPolicy::default(),
        timeout: Duration::from_secs(5),
        origin: None,
    };
    Options { endpoint, compress: crate::net::Compression::Never, label: "imap#test".into() }
}

fn start(builder: ScriptBuilder, security: Security) -> (Result<Session<Script>>, ScriptHandle) {
    let (stream, handle) = builder.build();
    (Session::start(stream, &options(security)), handle)
}

/// A session past the greeting on a plaintext test port.
pub(crate) fn ready(builder: ScriptBuilder) -> (Session<Script>, ScriptHandle) {
    let (session, handle) = start(script().send(GREETING).then(builder), Security::DangerPlaintext);
    (session.expect("the scripted greeting is accepted"), handle)
}

/// A session with `INBOX` selected (3 messages), the next tag `a2`.
pub(crate) fn selected(builder: ScriptBuilder) -> (Session<Script>, ScriptHandle) {
    let (mut session, handle) = ready(
        script()
            .expect("a1 EXAMINE \"INBOX\"\r\n")
            .send("* 3 EXISTS\r\n* OK [UIDVALIDITY 7] v\r\n* OK [UIDNEXT 10] n\r\na1 OK [READ-ONLY] done\r\n")
            .then(builder),
    );
    session.examine(&MailboxName::inbox(), false).expect("EXAMINE succeeds");
    (session, handle)
}

fn uids(session: &mut Session<Script>, sets: &[MessageSet]) -> Result<Vec<u32>> {
    let mut seen = Vec::new();
    session.uid_fetch(sets, Items::size(), None, &mut |fetch| {
        seen.push(fetch.uid.unwrap_or(0));
        Ok(())
    })?;
    Ok(seen)
}

#[test]
fn greeting_capabilities_are_used_without_asking_again() {
    let (session, handle) = ready(script());
    assert!(session.capabilities().has("LITERAL+"));
    assert!(!session.is_broken());
    handle.assert_done();
}

#[test]
fn a_greeting_without_capabilities_is_followed_by_capability() {
    let (session, handle) = start(
        script()
            .send("* OK hello\r\n")
            .expect("a1 CAPABILITY\r\n")
            .send("* CAPABILITY IMAP4rev1 IDLE\r\na1 OK done\r\n"),
        Security::DangerPlaintext,
    );
    let session = session.unwrap();
    assert!(session.capabilities().has("IDLE"));
    handle.assert_done();
}

#[test]
fn a_bye_greeting_is_a_refusal_of_service() {
    let (session, handle) = start(script().send("* BYE too many connections\r\n"), Security::DangerPlaintext);
    let err = session.err().expect("BYE refuses");
    assert_eq!(err.kind(), ErrorKind::Unavailable, "{err}");
    assert!(err.to_string().contains("too many connections"), "{err}");
    handle.assert_done();
}

#[test]
fn starttls_forgets_plaintext_capabilities_and_asks_again() {
    let (session, handle) = start(
        script()
            .send("* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] hi\r\n")
            .expect("a1 STARTTLS\r\n")
            .send("a1 OK begin\r\n")
            .tls()
            .expect("a2 CAPABILITY\r\n")
            .send("* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\na2 OK done\r\n"),
        Security::StartTls,
    );
    let session = session.unwrap();
    assert!(!session.capabilities().has("LOGINDISABLED"), "plaintext capabilities must be void");
    assert!(session.capabilities().has_auth("PLAIN"));
    assert!(session.info().tls.is_some());
    handle.assert_done();
}

#[test]
fn bytes_after_the_starttls_ok_are_refused_before_the_handshake() {
    let (session, handle) = start(
        script()
            .send("* OK [CAPABILITY IMAP4rev1 STARTTLS] hi\r\n")
            .expect("a1 STARTTLS\r\n")
            .send("a1 OK begin\r\n* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] injected\r\n"),
        Security::StartTls,
    );
    let err = session.err().expect("injection refused");
    assert_eq!(err.kind(), ErrorKind::Tls, "{err}");
    assert!(err.to_string().contains("CVE-2021-22947"), "{err}");
    handle.assert_done();
}

#[test]
fn preauth_on_a_starttls_port_is_refused() {
    let (session, handle) = start(script().send("* PREAUTH [CAPABILITY IMAP4rev1] hi\r\n"), Security::StartTls);
    assert_eq!(session.err().expect("refused").kind(), ErrorKind::Tls);
    handle.assert_done();
}

#[test]
fn login_sends_sasl_ir_and_takes_capabilities_from_the_ok() {
    let initial = sasl::plain("user", "pw");
    let (mut session, handle) = ready(
        script()
            .expect(format!("a1 AUTHENTICATE PLAIN {initial}\r\n"))
            .send("a1 OK [CAPABILITY IMAP4rev1 MOVE] logged in\r\n"),
    );
    session.authenticate(&Credentials { user: "user".into(), secret: Secret::Password("pw".into()) }).unwrap();
    assert!(session.capabilities().has("MOVE"), "capabilities from the tagged OK replace the old ones");
    assert_eq!(session.info().auth_mechanism.as_deref(), Some("PLAIN"));
    handle.assert_done();
}

#[test]
fn a_refused_login_is_an_authentication_failure() {
    let initial = sasl::plain("user", "bad");
    let (mut session, handle) = ready(
        script()
            .expect(format!("a1 AUTHENTICATE PLAIN {initial}\r\n"))
            .send("a1 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n"),
    );
    let err =
        session.authenticate(&Credentials { user: "user".into(), secret: Secret::Password("bad".into()) }).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Auth, "{err}");
    assert_eq!(err.reply().as_deref(), Some("NO [AUTHENTICATIONFAILED] Authentication failed."));
    handle.assert_done();
}

#[test]
fn examine_reads_the_mailbox_state_from_untagged_codes() {
    let (session, handle) = selected(script());
    let selected = session.selected().unwrap();
    assert_eq!((selected.exists, selected.uidvalidity, selected.uidnext), (3, Some(7), Some(10)));
    assert!(selected.read_only);
    handle.assert_done();
}

#[test]
fn a_mailbox_already_open_is_not_examined_again_another_is() {
    let (mut session, handle) = selected(
        script()
            .expect("a2 EXAMINE \"Sent\"\r\n")
            .send("* 0 EXISTS\r\n* OK [UIDVALIDITY 9] v\r\na2 OK [READ-ONLY] done\r\n"),
    );
    assert_eq!(session.examined(&MailboxName::inbox(), true).unwrap().uidvalidity, Some(7), "no command");
    assert_eq!(session.examined(&MailboxName::new("Sent"), false).unwrap().uidvalidity, Some(9));
    handle.assert_done();
}

#[test]
fn pipelined_fetches_go_out_in_one_write_and_may_complete_in_any_order() {
    let (mut session, handle) = selected(
        script()
            .expect("a2 UID FETCH 1:2 (UID RFC822.SIZE)\r\na3 UID FETCH 3 (UID RFC822.SIZE)\r\n")
            // The second command completes first; its data comes between.
            .send("* 1 FETCH (UID 1 RFC822.SIZE 10)\r\n* 3 FETCH (UID 3 RFC822.SIZE 30)\r\na3 OK done\r\n")
            .send("* 2 FETCH (UID 2 RFC822.SIZE 20)\r\na2 OK done\r\n"),
    );
    let writes_before = handle.writes().len();
    assert_eq!(uids(&mut session, &[MessageSet::range(1, 2), MessageSet::one(3)]).unwrap(), vec![1, 3, 2]);
    assert_eq!(handle.writes().len(), writes_before + 1, "both commands in one write");
    assert!(!session.is_broken());
    handle.assert_done();
}

#[test]
fn a_completion_for_a_tag_never_sent_breaks_the_session() {
    let (mut session, handle) =
        selected(script().expect("a2 UID FETCH 1 (UID RFC822.SIZE)\r\n").send("a9 OK what\r\n"));
    let err = uids(&mut session, &[MessageSet::one(1)]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Protocol, "{err}");
    assert!(err.to_string().contains("a9"), "{err}");
    assert!(session.is_broken());
    handle.assert_done();
}

#[test]
fn a_no_for_one_set_still_reads_the_others_to_their_end() {
    let (mut session, handle) = selected(
        script()
            .expect("a2 UID FETCH 1 (UID RFC822.SIZE)\r\na3 UID FETCH 2 (UID RFC822.SIZE)\r\n")
            .send("a2 NO [SERVERBUG] oops\r\n* 2 FETCH (UID 2 RFC822.SIZE 20)\r\na3 OK done\r\n"),
    );
    let err = uids(&mut session, &[MessageSet::one(1), MessageSet::one(2)]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TempFail, "{err}");
    assert!(!session.is_broken(), "the stream is still in step");
    handle.assert_done();
}

#[test]
fn unsolicited_exists_and_expunge_during_a_fetch_update_the_mailbox() {
    let (mut session, handle) = selected(
        script()
            .expect("a2 UID FETCH 1:* (UID RFC822.SIZE)\r\n")
            .send("* 1 FETCH (UID 1 RFC822.SIZE 10)\r\n* 5 EXISTS\r\n* 2 EXPUNGE\r\n* OK [UIDNEXT 12] n\r\n")
            .send("* 2 FETCH (UID 3 RFC822.SIZE 30)\r\na2 OK done\r\n"),
    );
    assert_eq!(uids(&mut session, &[MessageSet::all()]).unwrap(), vec![1, 3]);
    let selected = session.selected().unwrap();
    assert_eq!(selected.exists, 4, "5 EXISTS then one EXPUNGE");
    assert_eq!(selected.uidnext, Some(12));
    handle.assert_done();
}

#[test]
fn bye_in_the_middle_of_a_fetch_is_a_temporary_failure_quoting_the_server() {
    let (mut session, handle) = selected(
        script()
            .expect("a2 UID FETCH 1:3 (UID RFC822.SIZE)\r\n")
            .send("* 1 FETCH (UID 1 RFC822.SIZE 10)\r\n* BYE shutting down for maintenance\r\n")
            .eof(),
    );
    let err = uids(&mut session, &[MessageSet::range(1, 3)]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TempFail, "{err}");
    assert!(err.to_string().contains("shutting down for maintenance"), "{err}");
    assert!(session.is_broken());
    handle.assert_done();
}

#[test]
fn a_continuation_request_nobody_asked_for_is_a_protocol_error() {
    let (mut session, handle) =
        selected(script().expect("a2 UID FETCH 1 (UID RFC822.SIZE)\r\n").send("+ send more\r\n"));
    let err = uids(&mut session, &[MessageSet::one(1)]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Protocol, "{err}");
    assert!(session.is_broken());
    handle.assert_done();
}

#[test]
fn bodies_arrive_as_literals_split_across_reads() {
    let message = "Subject: hi\r\n\r\nbody\r\n";
    let (mut session, handle) =
        selected(script().expect("a2 UID FETCH 2 (UID BODY.PEEK[])\r\n").send_in_pieces(
            format!("* 2 FETCH (UID 2 BODY[] {{{}}}\r\n{message})\r\na2 OK done\r\n", message.len()),
            3,
        ));
    let mut bodies = Vec::new();
    session
        .uid_fetch(&[MessageSet::one(2)], Items::body(), None, &mut |fetch| {
            bodies.push(fetch.body);
            Ok(())
        })
        .unwrap();
    assert_eq!(bodies, vec![Some(Body::Memory(message.as_bytes().to_vec()))]);
    handle.assert_done();
}

#[test]
fn append_with_literal_plus_sends_the_message_without_waiting() {
    let (mut session, handle) = ready(
        script().expect("a1 APPEND \"Sent\" (\\Seen) {5+}\r\nhello\r\n").send("a1 OK [APPENDUID 7 42] appended\r\n"),
    );
    let uid = session.append(&MailboxName::new("Sent"), &[Flag::Seen], None, b"hello".to_vec()).unwrap();
    assert_eq!(uid, Some(42));
    handle.assert_done();
}

#[test]
fn append_without_literal_plus_waits_for_the_go_ahead() {
    let (session, handle) = start(
        script()
            .send("* OK [CAPABILITY IMAP4rev1] hi\r\n")
            .expect("a1 EXAMINE \"Sent\"\r\n")
            .send("* 3 EXISTS\r\na1 OK [READ-ONLY] done\r\n")
            .expect("a2 APPEND \"Sent\" {5}\r\n")
            // Untagged data may come before the `+`; it is kept, not lost.
            .send("* 4 EXISTS\r\n+ go ahead\r\n")
            .expect("hello\r\n")
            .send("a2 OK appended\r\n"),
        Security::DangerPlaintext,
    );
    let mut session = session.unwrap();
    session.examine(&MailboxName::new("Sent"), false).unwrap();
    let uid = session.append(&MailboxName::new("Sent"), &[], None, b"hello".to_vec()).unwrap();
    assert_eq!(uid, None, "no APPENDUID, no UID");
    assert_eq!(session.selected().unwrap().exists, 4);
    handle.assert_done();
}

#[test]
fn a_refusal_instead_of_the_go_ahead_is_the_commands_error() {
    let (session, handle) = start(
        script()
            .send("* OK [CAPABILITY IMAP4rev1] hi\r\n")
            .expect("a1 APPEND \"Sent\" {5}\r\n")
            .send("a1 NO [OVERQUOTA] mailbox full\r\n"),
        Security::DangerPlaintext,
    );
    let mut session = session.unwrap();
    let err = session.append(&MailboxName::new("Sent"), &[], None, b"hello".to_vec()).unwrap_err();
    assert!(err.to_string().contains("mailbox full"), "{err}");
    assert_eq!(err.reply().as_deref(), Some("NO [OVERQUOTA] mailbox full"));
    handle.assert_done();
}

#[test]
fn untagged_data_beyond_what_a_command_can_answer_with_is_a_flood() {
    let flood = "* OK noise\r\n".repeat(MAX_UNSOLICITED as usize + 1);
    let (mut session, handle) = ready(script().expect("a1 NOOP\r\n").send(flood));
    let err = session.noop().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TempFail, "{err}");
    assert!(err.to_string().contains("more untagged responses than NOOP"), "{err}");
    assert!(session.is_broken());
    // The rest of the flood stays unread: that is the point.
    drop((session, handle));
}

#[test]
fn a_broken_session_refuses_new_commands_without_writing() {
    let (mut session, handle) = selected(script().expect("a2 UID FETCH 1 (UID RFC822.SIZE)\r\n").eof());
    assert!(uids(&mut session, &[MessageSet::one(1)]).is_err());
    let err = session.noop().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TempFail, "{err}");
    handle.assert_done();
}

#[test]
fn a_login_that_never_finishes_is_bounded_by_the_deadline() {
    // The deadline itself is the connection's job (net tests); here the
    // session must turn the timeout into a temporary failure, not hang.
    let initial = sasl::plain("user", "pw");
    let (mut session, handle) = ready(script().expect(format!("a1 AUTHENTICATE PLAIN {initial}\r\n")).timeout());
    let err =
        session.authenticate(&Credentials { user: "user".into(), secret: Secret::Password("pw".into()) }).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TempFail, "{err}");
    assert!(session.is_broken());
    handle.assert_done();
}

#[test]
fn idle_keeps_data_sent_before_the_go_ahead_and_ends_with_done() {
    let (mut session, handle) = selected(
        script()
            .expect("a2 IDLE\r\n")
            .send("* 4 EXISTS\r\n+ idling\r\n")
            .timeout()
            .send("* 2 EXPUNGE\r\n")
            .expect("DONE\r\n")
            .send("* 5 EXISTS\r\na2 OK IDLE terminated\r\n"),
    );
    session.caps = Capabilities::new(vec!["IMAP4REV1".into(), "IDLE".into()]);
    let idling = session.idle_start().unwrap();
    let tick = Duration::from_millis(10);
    assert!(matches!(session.idle_next(tick).unwrap(), Some(Data::Exists(4))), "kept from before the +");
    assert!(session.idle_next(tick).unwrap().is_none(), "a quiet tick");
    assert!(matches!(session.idle_next(tick).unwrap(), Some(Data::Expunge(2))));
    let mut after = Vec::new();
    session
        .idle_done(idling, &mut |data| {
            after.push(data);
            Ok(())
        })
        .unwrap();
    assert!(matches!(after.as_slice(), [Data::Exists(5)]), "{after:?}");
    assert_eq!(session.selected().unwrap().exists, 5);
    handle.assert_done();
}

#[test]
fn bye_during_idle_ends_the_session_with_the_servers_words() {
    let (mut session, handle) =
        selected(script().expect("a2 IDLE\r\n").send("+ idling\r\n").send("* BYE idle for too long\r\n"));
    session.caps = Capabilities::new(vec!["IMAP4REV1".into(), "IDLE".into()]);
    let _idling = session.idle_start().unwrap();
    let err = session.idle_next(Duration::from_millis(10)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TempFail, "{err}");
    assert!(err.to_string().contains("idle for too long"), "{err}");
    assert!(session.is_broken());
    handle.assert_done();
}

#[test]
fn idle_refused_at_once_is_the_servers_refusal() {
    let (mut session, handle) =
        selected(script().expect("a2 IDLE\r\n").send("a2 NO [LIMIT] too many IDLE sessions\r\n"));
    session.caps = Capabilities::new(vec!["IMAP4REV1".into(), "IDLE".into()]);
    let err = session.idle_start().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TempFail, "{err}");
    assert!(!session.is_broken(), "a refusal leaves the stream in step");
    handle.assert_done();
}

#[test]
fn idle_without_the_capability_sends_nothing() {
    let (mut session, handle) = selected(script());
    assert_eq!(session.idle_start().unwrap_err().kind(), ErrorKind::Unavailable);
    handle.assert_done();
}

#[test]
fn uid_search_takes_the_uids_from_the_untagged_search() {
    let (mut session, handle) =
        selected(script().expect("a2 UID SEARCH ALL\r\n").send("* SEARCH 9 3 5\r\n* SEARCH 4\r\na2 OK done\r\n"));
    let uids = session.uid_search(&crate::imap::Search::new(vec![crate::imap::SearchKey::All])).unwrap();
    assert_eq!(uids.iter().collect::<Vec<_>>(), vec![3, 4, 5, 9], "both SEARCH lines, in order");
    handle.assert_done();
}

/// `owl read` marks a message seen this way and shows the flags the
/// answer carries; other messages' FETCH data may come along.
#[test]
fn uid_store_after_select_reports_the_new_flags() {
    let (mut session, handle) = ready(
        script()
            .expect("a1 SELECT \"INBOX\"\r\n")
            .send("* 3 EXISTS\r\n* OK [UIDVALIDITY 7] v\r\na1 OK [READ-WRITE] done\r\n")
            .expect("a2 UID STORE 9 +FLAGS (\\Seen)\r\n")
            .send(
                "* 1 FETCH (UID 4 FLAGS (\\Deleted))\r\n* 3 FETCH (UID 9 FLAGS (\\Seen \\Flagged))\r\na2 OK done\r\n",
            ),
    );
    let opened = session.select(&MailboxName::inbox()).unwrap();
    assert_eq!((opened.read_only, opened.uidvalidity), (false, Some(7)));
    let mut got = Vec::new();
    session
        .uid_store(&MessageSet::one(9), crate::imap::FlagChange::Add, &[Flag::Seen], &mut |f| {
            got.push((f.uid, f.flags));
            Ok(())
        })
        .unwrap();
    let seen = got.iter().find(|(uid, _)| *uid == Some(9)).and_then(|(_, flags)| flags.clone());
    assert_eq!(seen, Some(vec!["\\Seen".to_string(), "\\Flagged".to_string()]));
    handle.assert_done();
}

#[test]
fn a_plain_no_to_examine_means_no_such_mailbox() {
    let (mut session, handle) =
        ready(script().expect("a1 EXAMINE \"Nope\"\r\n").send("a1 NO Mailbox doesn't exist: Nope\r\n"));
    let err = session.examine(&MailboxName::new("Nope"), false).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NoInput, "{err}");
    assert!(session.selected().is_none());
    handle.assert_done();
}

#[test]
fn namespace_gives_the_personal_prefix_where_offered() {
    let (mut session, handle) = ready(
        script()
            .expect("a1 NAMESPACE\r\n")
            .send("* NAMESPACE ((\"INBOX.\" \".\")) NIL ((\"#shared.\" \".\"))\r\na1 OK done\r\n"),
    );
    session.caps = Capabilities::new(vec!["IMAP4REV1".into(), "NAMESPACE".into()]);
    let ns = session.namespace().unwrap().expect("a personal namespace");
    assert_eq!((ns.prefix.as_str(), ns.delimiter.as_deref()), ("INBOX.", Some(".")));
    handle.assert_done();
}

#[test]
fn namespace_without_the_capability_sends_nothing() {
    let (mut session, handle) = ready(script());
    assert_eq!(session.namespace().unwrap(), None);
    handle.assert_done();
}

#[test]
fn move_reports_where_each_message_went_from_the_untagged_copyuid() {
    let (mut session, handle) =
        selected(script().expect("a2 UID MOVE 3:4,9 \"Archive\"\r\n").send(
            "* OK [COPYUID 77 3:4,9 20:22] moved\r\n* 1 EXPUNGE\r\n* 1 EXPUNGE\r\n* 1 EXPUNGE\r\na2 OK done\r\n",
        ));
    session.caps = Capabilities::new(vec!["IMAP4REV1".into(), "MOVE".into()]);
    let moved = session.uid_move(&MessageSet::of(&[3, 4, 9]), &MailboxName::new("Archive")).unwrap().unwrap();
    assert_eq!(moved.uidvalidity, 77);
    assert_eq!(moved.pairs, vec![(3, 20), (4, 21), (9, 22)]);
    assert_eq!(session.selected().unwrap().exists, 0, "the expunges are counted");
    handle.assert_done();
}

#[test]
fn copy_reads_copyuid_from_the_tagged_ok_and_a_hostile_one_is_dropped() {
    let (mut session, handle) = selected(
        script()
            .expect("a2 UID COPY 5 \"Trash\"\r\n")
            .send("a2 OK [COPYUID 9 5 100] copied\r\n")
            .expect("a3 UID COPY 6 \"Trash\"\r\n")
            .send("a3 OK [COPYUID 9 1:4000000000 1:4000000000] copied\r\n"),
    );
    let copied = session.uid_copy(&MessageSet::one(5), &MailboxName::new("Trash")).unwrap().unwrap();
    assert_eq!((copied.uidvalidity, copied.pairs), (9, vec![(5, 100)]));
    assert_eq!(session.uid_copy(&MessageSet::one(6), &MailboxName::new("Trash")).unwrap(), None);
    handle.assert_done();
}

const STATUS_LIST_FLIGHT: &str = "a1 STATUS \"INBOX\" (UIDNEXT UIDVALIDITY)\r\na2 LIST \"\" \"*\"\r\n";

#[test]
fn the_inbox_status_and_the_list_share_one_flight() {
    // Nothing is answered until both commands are in: a client that
    // waited for the STATUS would hang here.
    let (mut session, handle) = ready(script().expect(STATUS_LIST_FLIGHT).send(
        "* STATUS INBOX (UIDNEXT 5 UIDVALIDITY 9)\r\na1 OK done\r\n\
         * LIST () \"/\" INBOX\r\n* LIST () \"/\" Sent\r\na2 OK listed\r\n",
    ));
    let items = [StatusItem::UidNext, StatusItem::UidValidity, StatusItem::HighestModSeq];
    let (status, entries) = session.status_then_list(&MailboxName::inbox(), &items).unwrap();
    let status = status.unwrap();
    assert_eq!((status.uidnext, status.uidvalidity), (Some(5), Some(9)));
    assert_eq!(entries.len(), 2);
    handle.assert_done();
}

#[test]
fn a_refused_inbox_status_still_gives_the_list() {
    let (mut session, handle) = ready(
        script()
            .expect(STATUS_LIST_FLIGHT)
            .send("a1 NO [SERVERBUG] try later\r\n* LIST () \"/\" INBOX\r\na2 OK listed\r\n"),
    );
    let items = [StatusItem::UidNext, StatusItem::UidValidity];
    let (status, entries) = session.status_then_list(&MailboxName::inbox(), &items).unwrap();
    assert!(status.unwrap_err().to_string().contains("INBOX"));
    assert_eq!(entries.len(), 1);
    assert!(!session.is_broken());
    handle.assert_done();
}
