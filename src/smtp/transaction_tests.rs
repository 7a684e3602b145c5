//! Transcripts of whole transactions over a scripted connection: every
//! byte the client writes is checked, and so is how the bytes are grouped
//! into writes.

use super::super::session::tests::{EHLO, options};
use super::*;
use crate::net::Security;
use crate::net::script::{Script, ScriptBuilder, ScriptHandle, Step, script};

const PIPELINING: &str = "250-PIPELINING\r\n";

/// A session over implicit TLS whose EHLO offered `extensions` (lines
/// like `250-SIZE 1000\r\n`), then `rest` of the script.
fn session_with(
    extensions: &str,
    rest: impl FnOnce(ScriptBuilder) -> ScriptBuilder,
) -> (Session<Script>, ScriptHandle) {
    let s = script()
        .implicit_tls()
        .send("220 mail.example ESMTP\r\n")
        .expect(EHLO)
        .send(format!("250-mail.example\r\n{extensions}250 ENHANCEDSTATUSCODES\r\n"));
    let (stream, handle) = rest(s).build();
    (Session::start(stream, &options(Security::Implicit)).unwrap(), handle)
}

fn to(addresses: &[&str]) -> Vec<String> {
    addresses.iter().map(|a| a.to_string()).collect()
}

fn send(session: &mut Session<Script>, recipients: &[String], message: &[u8]) -> Outcome {
    let envelope = Envelope::for_message("me@example.org", recipients, message);
    session.send(&envelope, &mut &message[..])
}

#[test]
fn pipelined_with_one_refused_recipient_the_others_get_it() {
    let (mut session, handle) = session_with(PIPELINING, |s| {
        s.expect("MAIL FROM:<me@example.org>\r\nRCPT TO:<a@x.example>\r\nRCPT TO:<b@x.example>\r\nRCPT TO:<c@x.example>\r\nDATA\r\n")
            .send_in_pieces(
                "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n550 5.1.1 <b@x.example>: Recipient address rejected\r\n250 2.1.5 Ok\r\n354 go\r\n",
                9,
            )
            .expect("Subject: hi\r\n\r\nbody\r\n.\r\n")
            .send("250 2.0.0 Ok: queued as 4Xyz\r\n")
    });
    let outcome =
        send(&mut session, &to(&["a@x.example", "b@x.example", "c@x.example"]), b"Subject: hi\r\n\r\nbody\r\n");
    let Outcome::Delivered(delivery) = outcome else { panic!("{outcome:?}") };
    assert_eq!(delivery.accepted, ["a@x.example", "c@x.example"]);
    assert_eq!(delivery.refused.len(), 1);
    let refusal = &delivery.refused[0];
    assert_eq!(refusal.recipient, "b@x.example");
    assert_eq!(refusal.reply, "550 5.1.1 <b@x.example>: Recipient address rejected");
    assert!(refusal.explanation.starts_with("the recipient was refused"), "{}", refusal.explanation);
    assert!(!refusal.temporary);
    handle.assert_done();
    // EHLO, the pipelined commands in one write, the message in one.
    assert_eq!(handle.writes().len(), 3, "{:?}", handle.writes());
    assert!(!session.is_broken());
}

#[test]
fn every_recipient_refused_sends_no_message_and_resets() {
    let (mut session, handle) = session_with(PIPELINING, |s| {
        s.expect("MAIL FROM:<me@example.org>\r\nRCPT TO:<a@x.example>\r\nRCPT TO:<b@x.example>\r\nDATA\r\n")
            .send("250 Ok\r\n554 5.7.1 <a@x.example>: Relay access denied\r\n550 5.1.1 no such user\r\n554 5.5.1 Error: no valid recipients\r\n")
            .expect("RSET\r\n")
            .send("250 2.0.0 Ok\r\n")
    });
    let outcome = send(&mut session, &to(&["a@x.example", "b@x.example"]), b"never sent\r\n");
    let Outcome::Refused { error, refused } = outcome else { panic!("{outcome:?}") };
    assert_eq!(error.kind(), ErrorKind::Rejected);
    assert!(error.to_string().starts_with("every recipient was refused: a@x.example (554 5.7.1"), "{error}");
    assert!(error.to_string().contains("relaying denied"), "{error}");
    assert_eq!(refused.iter().map(|r| r.recipient.as_str()).collect::<Vec<_>>(), ["a@x.example", "b@x.example"]);
    handle.assert_done();
    assert!(!handle.written().contains("never sent"));
    assert!(!session.is_broken(), "usable for the next message");
}

#[test]
fn a_temporary_refusal_of_every_recipient_is_temporary() {
    let (mut session, handle) = session_with("", |s| {
        s.expect("MAIL FROM:<me@example.org>\r\n")
            .send("250 Ok\r\n")
            .expect("RCPT TO:<a@later.example>\r\n")
            .send("450 4.7.1 <a@later.example>: Recipient address rejected: try later\r\n")
            .expect("RSET\r\n")
            .send("250 Ok\r\n")
    });
    let outcome = send(&mut session, &to(&["a@later.example"]), b"x\r\n");
    let Outcome::Refused { error, refused } = outcome else { panic!("{outcome:?}") };
    assert_eq!(error.kind(), ErrorKind::TempFail);
    assert!(refused[0].temporary);
    handle.assert_done();
}

#[test]
fn without_pipelining_each_command_waits_for_its_reply() {
    let (mut session, handle) = session_with("", |s| {
        s.expect("MAIL FROM:<me@example.org>\r\n")
            .send("250 Ok\r\n")
            .expect("RCPT TO:<a@x.example>\r\n")
            .send("550 no\r\n")
            .expect("RCPT TO:<b@x.example>\r\n")
            .send("251 will forward\r\n")
            .expect("DATA\r\n")
            .send("354 go\r\n")
            .expect("m\r\n.\r\n")
            .send("250\r\n")
    });
    let outcome = send(&mut session, &to(&["a@x.example", "b@x.example"]), b"m\r\n");
    let Outcome::Delivered(delivery) = outcome else { panic!("{outcome:?}") };
    assert_eq!((delivery.accepted.len(), delivery.refused.len()), (1, 1));
    handle.assert_done();
}

#[test]
fn a_refused_sender_is_reported_without_rset() {
    let (mut session, handle) = session_with(PIPELINING, |s| {
        s.expect("MAIL FROM:<me@example.org>\r\nRCPT TO:<a@x.example>\r\nDATA\r\n").send(
            "553 5.7.1 <me@example.org>: Sender address rejected: not owned by user\r\n503 5.5.1 need MAIL\r\n503 5.5.1 need MAIL\r\n",
        )
    });
    let outcome = send(&mut session, &to(&["a@x.example"]), b"x\r\n");
    let Outcome::Refused { error, refused } = outcome else { panic!("{outcome:?}") };
    assert_eq!(error.kind(), ErrorKind::Rejected);
    assert!(error.to_string().contains("the sender address was refused"), "{error}");
    assert!(refused.is_empty());
    handle.assert_done();
}

#[test]
fn a_552_after_the_dot_is_a_permanent_refusal_and_the_session_goes_on() {
    let (mut session, handle) = session_with(PIPELINING, |s| {
        s.expect("MAIL FROM:<me@example.org>\r\nRCPT TO:<a@x.example>\r\nDATA\r\n")
            .send("250 Ok\r\n250 Ok\r\n354 go\r\n")
            .expect("big\r\n.\r\n")
            .send("552 5.3.4 Message size exceeds fixed limit\r\n")
            .expect("MAIL FROM:<me@example.org>\r\nRCPT TO:<a@x.example>\r\nDATA\r\n")
            .send("250 Ok\r\n250 Ok\r\n354 go\r\n")
            .expect("small\r\n.\r\n")
            .send("250 Ok\r\n")
    });
    let outcome = send(&mut session, &to(&["a@x.example"]), b"big\r\n");
    let Outcome::Refused { error, .. } = outcome else { panic!("{outcome:?}") };
    assert_eq!(error.kind(), ErrorKind::Rejected);
    assert!(error.to_string().contains("552 5.3.4") && error.to_string().contains("too large"), "{error}");
    assert!(!session.is_broken());
    assert!(send(&mut session, &to(&["a@x.example"]), b"small\r\n").is_delivered());
    handle.assert_done();
}

#[test]
fn a_451_after_the_dot_is_a_temporary_refusal() {
    let (mut session, handle) = session_with(PIPELINING, |s| {
        s.expect("MAIL FROM:<me@example.org>\r\nRCPT TO:<a@x.example>\r\nDATA\r\n")
            .send("250 Ok\r\n250 Ok\r\n354 go\r\n")
            .expect("m\r\n.\r\n")
            .send("451 4.3.0 Error: queue file write error\r\n")
    });
    let outcome = send(&mut session, &to(&["a@x.example"]), b"m\r\n");
    let Outcome::Refused { error, .. } = outcome else { panic!("{outcome:?}") };
    assert_eq!((error.kind(), error.exit_code()), (ErrorKind::TempFail, 75));
    assert!(!session.is_broken());
    handle.assert_done();
}

#[test]
fn a_drop_before_the_dot_is_not_sent() {
    // While waiting for the replies to the envelope.
    let (mut session, handle) = session_with(PIPELINING, |s| {
        s.expect("MAIL FROM:<me@example.org>\r\nRCPT TO:<a@x.example>\r\nDATA\r\n").send("250 Ok\r\n").eof()
    });
    let outcome = send(&mut session, &to(&["a@x.example"]), b"m\r\n");
    let Outcome::NotSent(error) = outcome else { panic!("{outcome:?}") };
    assert_eq!(error.kind(), ErrorKind::TempFail);
    assert!(session.is_broken());
    handle.assert_done();
    assert!(handle.is_closed());

    // While the message streams: the first chunk cannot be written.
    let message = vec![b'x'; 3 * CHUNK];
    let (mut session, handle) = session_with(PIPELINING, |s| {
        s.expect("MAIL FROM:<me@example.org>\r\nRCPT TO:<a@x.example>\r\nDATA\r\n")
            .send("250 Ok\r\n250 Ok\r\n354 go\r\n")
            .step(Step::WriteFails)
    });
    let outcome = send(&mut session, &to(&["a@x.example"]), &message);
    assert!(matches!(outcome, Outcome::NotSent(_)), "{outcome:?}");
    assert!(session.is_broken());
    handle.assert_done();
}

#[test]
fn a_drop_or_a_timeout_after_the_dot_is_unknown() {
    for end in [Step::Eof, Step::Timeout] {
        let (mut session, handle) = session_with(PIPELINING, |s| {
            s.expect("MAIL FROM:<me@example.org>\r\nRCPT TO:<a@x.example>\r\nDATA\r\n")
                .send("250 Ok\r\n250 Ok\r\n354 go\r\n")
                .expect("m\r\n.\r\n")
                .send("25")
                .step(end.clone())
        });
        let outcome = send(&mut session, &to(&["a@x.example"]), b"m\r\n");
        let Outcome::Unknown(error) = outcome else { panic!("{end:?}: {outcome:?}") };
        assert_eq!(error.kind(), ErrorKind::TempFail);
        assert!(error.to_string().contains("may have received it"), "{error}");
        assert!(session.is_broken());
        handle.assert_done();
    }
}

#[test]
fn a_failed_final_write_is_unknown() {
    let (mut session, handle) = session_with(PIPELINING, |s| {
        s.expect("MAIL FROM:<me@example.org>\r\nRCPT TO:<a@x.example>\r\nDATA\r\n")
            .send("250 Ok\r\n250 Ok\r\n354 go\r\n")
            .step(Step::WriteFails)
    });
    let outcome = send(&mut session, &to(&["a@x.example"]), b"m\r\n");
    assert!(matches!(outcome, Outcome::Unknown(_)), "{outcome:?}");
    handle.assert_done();
}

#[test]
fn garbage_after_the_dot_is_unknown() {
    let (mut session, handle) = session_with(PIPELINING, |s| {
        s.expect("MAIL FROM:<me@example.org>\r\nRCPT TO:<a@x.example>\r\nDATA\r\n")
            .send("250 Ok\r\n250 Ok\r\n354 go\r\n")
            .expect("m\r\n.\r\n")
            .send("OK thanks\r\n")
    });
    let outcome = send(&mut session, &to(&["a@x.example"]), b"m\r\n");
    let Outcome::Unknown(error) = outcome else { panic!("{outcome:?}") };
    assert_eq!(error.kind(), ErrorKind::TempFail);
    handle.assert_done();
}

#[test]
fn the_message_is_stuffed_and_its_end_goes_in_one_write_with_the_last_data() {
    let (mut session, handle) = session_with(PIPELINING, |s| {
        s.expect("MAIL FROM:<me@example.org>\r\nRCPT TO:<a@x.example>\r\nDATA\r\n")
            .send("250 Ok\r\n250 Ok\r\n354 go\r\n")
            .expect("Subject: dots\r\n\r\n..leading\r\nbare lf\r\n..\r\nno end\r\n.\r\n")
            .send("250 Ok\r\n")
    });
    let outcome = send(&mut session, &to(&["a@x.example"]), b"Subject: dots\n\n.leading\nbare lf\r\n.\nno end");
    assert!(outcome.is_delivered(), "{outcome:?}");
    handle.assert_done();
    let writes = handle.writes();
    assert_eq!(
        writes.last().map(Vec::as_slice),
        Some(&b"Subject: dots\r\n\r\n..leading\r\nbare lf\r\n..\r\nno end\r\n.\r\n"[..])
    );
}

#[test]
fn a_long_message_streams_in_chunks_and_only_the_last_carries_the_dot() {
    let line = b"0123456789abcdefghijklmnopqrstuvwxyz.0123456789abcdefghijklmnopqrstuvwxyz\r\n";
    let message: Vec<u8> = line.iter().copied().cycle().take(2 * CHUNK + 1000).collect();
    let mut wire = message.clone();
    wire.extend_from_slice(b"\r\n.\r\n");
    let (mut session, handle) = session_with(PIPELINING, |s| {
        s.expect("MAIL FROM:<me@example.org>\r\nRCPT TO:<a@x.example>\r\nDATA\r\n")
            .send("250 Ok\r\n250 Ok\r\n354 go\r\n")
            .expect(&wire)
            .send("250 Ok\r\n")
    });
    assert!(send(&mut session, &to(&["a@x.example"]), &message).is_delivered());
    handle.assert_done();
    let writes = handle.writes();
    let data = &writes[2..];
    assert_eq!(data.len(), 3, "one write per chunk");
    assert!(data.iter().all(|w| w.len() <= 2 * CHUNK + 5), "bounded");
    assert!(data[..2].iter().all(|w| !w.ends_with(b".\r\n")));
    assert!(data[2].len() > 3 && data[2].ends_with(b"\r\n.\r\n"), "the last data and the end together");
}

#[test]
fn a_message_that_cannot_be_read_whole_is_never_ended() {
    struct Failing(usize);
    impl Read for Failing {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if self.0 == 0 {
                return Err(std::io::Error::other("disk on fire"));
            }
            self.0 -= 1;
            buf[..4].copy_from_slice(b"abc\n");
            Ok(4)
        }
    }
    let (mut session, handle) = session_with(PIPELINING, |s| {
        s.expect("MAIL FROM:<me@example.org>\r\nRCPT TO:<a@x.example>\r\nDATA\r\n")
            .send("250 Ok\r\n250 Ok\r\n354 go\r\n")
            .expect("abc\r\n")
    });
    let recipients = to(&["a@x.example"]);
    let envelope = Envelope { from: "me@example.org", recipients: &recipients, size: 8, eight_bit: false };
    let outcome = session.send(&envelope, &mut Failing(2));
    let Outcome::NotSent(error) = outcome else { panic!("{outcome:?}") };
    assert!(error.to_string().contains("disk on fire"), "{error}");
    handle.assert_done();
    assert!(handle.is_closed(), "dropped without the final dot");
    assert!(!handle.written().ends_with(".\r\n"));
}

#[test]
fn size_is_declared_and_a_message_over_the_limit_is_refused_before_mail() {
    let (mut session, handle) = session_with("250-SIZE 1000\r\n250-8BITMIME\r\n", |s| {
        s.expect("MAIL FROM:<me@example.org> SIZE=8 BODY=8BITMIME\r\n")
            .send("250 Ok\r\n")
            .expect("RCPT TO:<a@x.example>\r\n")
            .send("250 Ok\r\n")
            .expect("DATA\r\n")
            .send("354 go\r\n")
            .expect("Grüß\r\n.\r\n")
            .send("250 Ok\r\n")
    });
    let too_big = vec![b'x'; 1001];
    let outcome = send(&mut session, &to(&["a@x.example"]), &too_big);
    let Outcome::Refused { error, .. } = outcome else { panic!("{outcome:?}") };
    assert_eq!(error.kind(), ErrorKind::Rejected);
    assert!(error.to_string().contains("1001 bytes") && error.to_string().contains("at most 1000"), "{error}");
    assert!(!session.is_broken());
    assert!(send(&mut session, &to(&["a@x.example"]), "Grüß\r\n".as_bytes()).is_delivered());
    handle.assert_done();
}

#[test]
fn non_ascii_addresses_need_smtputf8() {
    let (mut session, handle) = session_with("", |s| s);
    let outcome = send(&mut session, &to(&["jürgen@exämple.de"]), b"x\r\n");
    let Outcome::Refused { error, .. } = outcome else { panic!("{outcome:?}") };
    assert_eq!(error.kind(), ErrorKind::Rejected);
    assert!(error.to_string().contains("SMTPUTF8"), "{error}");
    handle.assert_done();

    let (mut session, handle) = session_with("250-SMTPUTF8\r\n", |s| {
        s.expect("MAIL FROM:<me@example.org> SMTPUTF8\r\n")
            .send("250 Ok\r\n")
            .expect("RCPT TO:<jürgen@exämple.de>\r\n")
            .send("250 Ok\r\n")
            .expect("DATA\r\n")
            .send("354 go\r\n")
            .expect("x\r\n.\r\n")
            .send("250 Ok\r\n")
    });
    assert!(send(&mut session, &to(&["jürgen@exämple.de"]), b"x\r\n").is_delivered());
    handle.assert_done();
}

#[test]
fn addresses_that_would_break_the_command_are_refused_before_sending() {
    for bad in ["a@x.example>\r\nRCPT TO:<evil@y", "a@x\u{0}.example", "<a>@x"] {
        let (mut session, handle) = session_with(PIPELINING, |s| s);
        let outcome = send(&mut session, &to(&[bad]), b"x\r\n");
        let Outcome::Refused { error, .. } = outcome else { panic!("{outcome:?}") };
        assert_eq!(error.kind(), ErrorKind::Rejected, "{bad:?}");
        handle.assert_done();
    }
    let (mut session, handle) = session_with(PIPELINING, |s| s);
    assert!(matches!(send(&mut session, &[], b"x\r\n"), Outcome::Refused { .. }));
    handle.assert_done();
}

#[test]
fn a_broken_session_sends_nothing() {
    let (mut session, handle) = session_with(PIPELINING, |s| s.expect("RSET\r\n").send("500 what\r\n"));
    assert!(session.rset().is_err());
    assert!(matches!(send(&mut session, &to(&["a@x.example"]), b"x\r\n"), Outcome::NotSent(_)));
    handle.assert_done();
}

#[test]
fn an_overlong_reply_breaks_the_session_before_anything_is_sent() {
    let long = format!("250 {}\r\n", "x".repeat(100_000));
    let (mut session, handle) = session_with(PIPELINING, |s| {
        s.expect("MAIL FROM:<me@example.org>\r\nRCPT TO:<a@x.example>\r\nDATA\r\n").send_in_pieces(&long, 1000)
    });
    let outcome = send(&mut session, &to(&["a@x.example"]), b"m\r\n");
    let Outcome::NotSent(error) = outcome else { panic!("{outcome:?}") };
    assert_eq!(error.kind(), ErrorKind::Protocol);
    assert!(session.is_broken());
    assert!(handle.is_closed());
}

#[test]
fn many_recipients_are_pipelined_in_groups() {
    let recipients: Vec<String> = (0..GROUP + 5).map(|n| format!("r{n}@x.example")).collect();
    let mut first = String::from("MAIL FROM:<me@example.org>\r\n");
    let mut second = String::new();
    for (n, r) in recipients.iter().enumerate() {
        let line = format!("RCPT TO:<{r}>\r\n");
        if n < GROUP { first.push_str(&line) } else { second.push_str(&line) }
    }
    second.push_str("DATA\r\n");
    let (mut session, handle) = session_with(PIPELINING, |s| {
        s.expect(&first)
            .send(format!("250 Ok\r\n{}", "250 Ok\r\n".repeat(GROUP)))
            .expect(&second)
            .send(format!("{}354 go\r\n", "250 Ok\r\n".repeat(5)))
            .expect("m\r\n.\r\n")
            .send("250 Ok\r\n")
    });
    let Outcome::Delivered(delivery) = send(&mut session, &recipients, b"m\r\n") else { panic!() };
    assert_eq!(delivery.accepted.len(), GROUP + 5);
    handle.assert_done();
}

#[test]
fn a_354_with_every_recipient_refused_gets_an_empty_end_and_no_message() {
    let (mut session, handle) = session_with(PIPELINING, |s| {
        s.expect("MAIL FROM:<me@example.org>\r\nRCPT TO:<a@x.example>\r\nDATA\r\n")
            .send("250 Ok\r\n550 no\r\n354 go anyway\r\n")
            .expect(".\r\n")
            .send("554 no recipients\r\n")
            .expect("RSET\r\n")
            .send("250 Ok\r\n")
    });
    let outcome = send(&mut session, &to(&["a@x.example"]), b"secret body\r\n");
    let Outcome::Refused { error, refused } = outcome else { panic!("{outcome:?}") };
    assert_eq!((error.kind(), refused.len()), (ErrorKind::Rejected, 1));
    assert!(!handle.written().contains("secret body"));
    assert!(!session.is_broken());
    handle.assert_done();
}
