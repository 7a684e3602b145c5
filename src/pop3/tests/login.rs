//! Greeting, STLS refusals, response codes on login, every login method,
//! and redacted traces, against fake servers.

use std::sync::{Mutex, OnceLock};

use super::*;

fn refused_before_tls(capa: Option<&'static [&'static str]>) -> (Error, String) {
    let fake = fake::serve(move |c| {
        c.send(b"+OK ready <1.2@fake>\r\n");
        c.expect("CAPA");
        match capa {
            Some(lines) => c.send_lines(lines),
            None => c.send(b"-ERR unknown command\r\n"),
        }
        c.drain();
    });
    let err = Session::connect(&options(fake.port, Security::StartTls), Arc::new(Counters::default()))
        .err()
        .expect("must refuse");
    (err, fake.transcript())
}

#[test]
fn starttls_without_stls_sends_nothing_after_capa() {
    for capa in [Some(&["USER", "SASL PLAIN", "TOP"][..]), None] {
        let (err, transcript) = refused_before_tls(capa);
        assert_eq!(err.kind(), ErrorKind::Tls);
        assert!(err.to_string().contains("does not offer STLS"), "{err}");
        assert_eq!(transcript, "CAPA\r\n");
        for verb in ["USER", "PASS", "APOP", "AUTH"] {
            assert!(!transcript.contains(verb));
        }
    }
}

#[test]
fn bytes_after_the_stls_ok_are_refused() {
    let fake = fake::serve(|c| {
        c.send(b"+OK ready\r\n");
        c.expect("CAPA");
        c.send_lines(&["STLS", "USER"]);
        c.expect("STLS");
        c.send(b"+OK Begin TLS negotiation\r\n+OK injected\r\n");
        c.drain();
    });
    let err = Session::connect(&options(fake.port, Security::StartTls), Arc::new(Counters::default()))
        .err()
        .expect("must refuse");
    assert_eq!(err.kind(), ErrorKind::Tls);
    assert!(err.to_string().contains("after accepting STLS"), "{err}");
    assert_eq!(fake.transcript(), "CAPA\r\nSTLS\r\n");
}

#[test]
fn a_refused_stls_is_a_tls_error() {
    let fake = fake::serve(|c| {
        c.send(b"+OK ready\r\n");
        c.expect("CAPA");
        c.send_lines(&["STLS"]);
        c.expect("STLS");
        c.send(b"-ERR TLS not available today\r\n");
        c.drain();
    });
    let err = Session::connect(&options(fake.port, Security::StartTls), Arc::new(Counters::default())).err().unwrap();
    assert_eq!(err.kind(), ErrorKind::Tls);
    assert!(err.to_string().contains("TLS not available today"), "{err}");
    assert_eq!(fake.transcript(), "CAPA\r\nSTLS\r\n");
}

fn login_refused_with(reply: &'static str) -> Error {
    let fake = fake::serve(move |c| {
        c.send(b"+OK ready\r\n");
        c.expect("CAPA");
        c.send_lines(CAPA);
        c.expect("USER me");
        c.send(b"+OK\r\n");
        c.expect("PASS ");
        c.send(reply.as_bytes());
        c.drain();
    });
    let mut s = connect(fake.port).unwrap();
    let err = s.authenticate(&password("me", "secret"), Method::Auto).unwrap_err();
    drop(s);
    fake.transcript();
    err
}

#[test]
fn login_response_codes_map_to_kinds_with_plain_words() {
    let cases = [
        ("-ERR [IN-USE] Mailbox locked by another session\r\n", ErrorKind::TempFail, "in use by another session"),
        ("-ERR [LOGIN-DELAY] Too soon\r\n", ErrorKind::TempFail, "wait longer between logins"),
        ("-ERR [AUTH] Authentication failed.\r\n", ErrorKind::Auth, "rejected the credentials"),
        ("-ERR [SYS/TEMP] Storage offline\r\n", ErrorKind::TempFail, "temporary problem"),
        ("-ERR [SYS/PERM] Account disabled\r\n", ErrorKind::Unavailable, "permanent problem"),
        ("-ERR Bad password\r\n", ErrorKind::Auth, "refused the login"),
    ];
    for (reply, kind, words) in cases {
        let err = login_refused_with(reply);
        assert_eq!(err.kind(), kind, "{reply}");
        let text = err.to_string();
        assert!(text.contains(words), "{text}");
        assert!(text.contains(&format!("\"{}\"", reply.trim_end())), "{text}");
    }
}

#[test]
fn greeting_errors_and_garbage() {
    let fake = fake::serve(|c| c.send(b"-ERR [SYS/PERM] closed for maintenance\r\n"));
    let err = connect(fake.port).err().unwrap();
    assert_eq!(err.kind(), ErrorKind::Unavailable);
    assert!(err.to_string().contains("closed for maintenance"), "{err}");
    fake.transcript();
    let fake = fake::serve(|c| c.send(b"-ERR go away\r\n"));
    assert_eq!(connect(fake.port).err().unwrap().kind(), ErrorKind::Unavailable);
    fake.transcript();
    let fake = fake::serve(|c| c.send(b"* OK IMAP4rev1 ready\r\n"));
    let err = connect(fake.port).err().unwrap();
    assert_eq!(err.kind(), ErrorKind::Protocol);
    assert!(err.to_string().contains("\"* OK IMAP4rev1 ready\""), "{err}");
    assert_eq!(fake.transcript(), "");
}

#[test]
fn apop_sends_the_rfc_digest_and_needs_a_timestamp() {
    let fake = fake::serve(|c| {
        c.send(b"+OK POP3 server ready <1896.697170952@dbc.mtview.ca.us>\r\n");
        c.expect("CAPA");
        c.send(b"-ERR\r\n");
        c.expect("APOP ");
        c.send(b"+OK maildrop has 1 message (369 octets)\r\n");
        c.expect("CAPA");
        c.send(b"-ERR\r\n");
        c.drain();
    });
    let mut s = connect(fake.port).unwrap();
    assert!(s.info().apop_offered);
    assert!(s.info().capabilities_before_login.is_empty());
    s.authenticate(&password("mrose", "tanstaaf"), Method::Apop).unwrap();
    assert_eq!(s.info().auth_mechanism.as_deref(), Some("APOP"));
    drop(s);
    assert!(fake.transcript().contains("APOP mrose c4c9334bac560ecc979e58001b3e22fb\r\n"));

    let fake = fake::serve(|c| {
        c.send(b"+OK no timestamp here\r\n");
        c.expect("CAPA");
        c.send_lines(&["USER"]);
        c.drain();
    });
    let mut s = connect(fake.port).unwrap();
    assert!(!s.info().apop_offered);
    let err = s.authenticate(&password("mrose", "tanstaaf"), Method::Apop).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unavailable);
    drop(s);
    assert_eq!(fake.transcript(), "CAPA\r\n");
}

#[test]
fn auto_prefers_auth_plain_with_an_initial_response() {
    let fake = fake::serve(|c| {
        c.send(b"+OK ready\r\n");
        c.expect("CAPA");
        c.send_lines(&["USER", "SASL PLAIN LOGIN"]);
        c.expect("AUTH PLAIN AG1lAHNlY3JldA==");
        c.send(b"+OK Logged in.\r\n");
        c.expect("CAPA");
        c.send_lines(&["USER"]);
        c.drain();
    });
    let mut s = connect(fake.port).unwrap();
    s.authenticate(&password("me", "secret"), Method::Auto).unwrap();
    assert_eq!(s.info().auth_mechanism.as_deref(), Some("PLAIN"));
    assert_eq!(s.capabilities().to_vec(), vec!["USER".to_string()]);
    drop(s);
    fake.transcript();
}

#[test]
fn a_long_token_waits_for_the_continuation_and_a_failure_is_auth() {
    let fake = fake::serve(|c| {
        c.send(b"+OK ready\r\n");
        c.expect("CAPA");
        c.send_lines(&["SASL XOAUTH2 PLAIN"]);
        assert_eq!(c.expect("AUTH XOAUTH2"), "AUTH XOAUTH2");
        c.send(b"+ \r\n");
        c.expect("dXNlcj1tZQFhdXRoPUJlYXJlciB");
        c.send(b"+ eyJzdGF0dXMiOiI0MDEifQ==\r\n");
        assert_eq!(c.expect(""), "");
        c.send(b"-ERR [AUTH] Invalid credentials\r\n");
        c.drain();
    });
    let mut s = connect(fake.port).unwrap();
    let token = Credentials { user: "me".into(), secret: Secret::Token("t".repeat(300)) };
    let err = s.authenticate(&token, Method::Auto).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Auth);
    assert!(!s.is_broken());
    drop(s);
    fake.transcript();
}

#[test]
fn a_probe_connection_never_logs_in() {
    let fake = fake::serve(|c| {
        c.send(b"+OK ready <1@x>\r\n");
        c.expect("CAPA");
        c.send_lines(&["USER"]);
        c.drain();
    });
    let mut opts = options(fake.port, Security::DangerPlaintext);
    opts.endpoint.tls.danger_probe_only = true;
    let mut s = Session::connect(&opts, Arc::new(Counters::default())).unwrap();
    for method in [Method::Auto, Method::User, Method::Apop, Method::Plain] {
        assert_eq!(s.authenticate(&password("me", "secret"), method).unwrap_err().kind(), ErrorKind::Tls);
    }
    drop(s);
    assert_eq!(fake.transcript(), "CAPA\r\n");
}

#[test]
fn line_breaks_in_credentials_are_refused_before_sending() {
    let fake = fake::serve(|c| {
        c.send(b"+OK ready\r\n");
        c.expect("CAPA");
        c.send_lines(&["USER"]);
        c.drain();
    });
    let mut s = connect(fake.port).unwrap();
    let err = s.authenticate(&password("me\r\nDELE 1", "secret"), Method::User).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    drop(s);
    assert_eq!(fake.transcript(), "CAPA\r\n");
}

/// Keeps every trace line of the label `pop3-trace`.
struct Capture;

static CAPTURED: Mutex<Vec<String>> = Mutex::new(Vec::new());

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata) -> bool {
        true
    }
    fn log(&self, record: &log::Record) {
        let line = record.args().to_string();
        if line.starts_with("pop3-trace ") {
            CAPTURED.lock().unwrap().push(line);
        }
    }
    fn flush(&self) {}
}

#[test]
fn traces_redact_passwords_digests_and_auth_responses() {
    static INIT: OnceLock<()> = OnceLock::new();
    INIT.get_or_init(|| {
        log::set_logger(&Capture).expect("no other logger in unit tests");
        log::set_max_level(log::LevelFilter::Trace);
    });
    let fake = fake::serve(|c| {
        c.send(b"+OK ready <1896.697170952@dbc.mtview.ca.us>\r\n");
        c.expect("CAPA");
        c.send_lines(&["USER", "SASL PLAIN"]);
        for verb in ["USER", "PASS", "APOP", "AUTH PLAIN"] {
            c.expect(verb);
            c.send(if verb == "USER" { b"+OK\r\n" } else { b"-ERR no\r\n" });
        }
        c.drain();
    });
    let mut opts = options(fake.port, Security::DangerPlaintext);
    opts.label = "pop3-trace".into();
    let mut s = Session::connect(&opts, Arc::new(Counters::default())).unwrap();
    let creds = password("me", "tanstaaf");
    // A refused login leaves the session usable for the next method.
    for method in [Method::User, Method::Apop, Method::Plain] {
        assert_eq!(s.authenticate(&creds, method).unwrap_err().kind(), ErrorKind::Auth);
    }
    drop(s);
    fake.transcript();
    let lines = CAPTURED.lock().unwrap().join("\n");
    assert!(lines.contains("C: PASS <redacted>") && lines.contains("C: APOP me <redacted>"), "{lines}");
    assert!(lines.contains("C: AUTH PLAIN <redacted>") && lines.contains("S: -ERR no"), "{lines}");
    for secret in ["tanstaaf", "c4c9334bac560ecc979e58001b3e22fb", "AG1lAHRhbnN0YWFm"] {
        assert!(!lines.contains(secret), "{secret} leaked into:\n{lines}");
    }
}
