//! The TLS rules, against fake servers doing what Dovecot never would.
//! In every refusal, no LOGIN or AUTHENTICATE may reach the socket.

use std::time::Duration;

use crate::harness::Env;
use crate::harness::fake::{Conn, Fake};

fn config(port: u16, tls: &str) -> String {
    format!(
        "[accounts.f]\nuser = \"me\"\npassword = \"s3cret-pw\"\n[accounts.f.imap]\nhost = \"127.0.0.1\"\nport = {port}\n\
         tls = \"{tls}\"\ntimeout = 5\n"
    )
}

fn assert_no_credentials(fake: &Fake) {
    let got = fake.received().to_ascii_uppercase();
    assert!(!got.contains("LOGIN"), "credentials were sent: {got}");
    assert!(!got.contains("AUTHENTICATE"), "credentials were sent: {got}");
    assert!(!got.contains("S3CRET"), "password was sent: {got}");
}

/// Answers CAPABILITY with `caps` and LOGOUT with BYE; any other command
/// fails the test (owl must stop before it would send one). Stops at EOF.
fn serve_capabilities(conn: &mut Conn, caps: &str) {
    while let Some((tag, rest)) = conn.command() {
        if rest.eq_ignore_ascii_case("CAPABILITY") {
            conn.send(&format!("* CAPABILITY {caps}\r\n{tag} OK done\r\n"));
        } else if rest.eq_ignore_ascii_case("LOGOUT") {
            conn.send(&format!("* BYE bye\r\n{tag} OK done\r\n"));
        } else {
            panic!("unexpected command after the refusal: {tag} {rest}");
        }
    }
}

#[test]
fn missing_starttls_in_the_greeting_is_refused() {
    let fake = Fake::start(|conn| {
        conn.send("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN LOGIN-REFERRALS] stripped\r\n");
        serve_capabilities(conn, "IMAP4rev1 AUTH=PLAIN");
    });
    let run = Env::new(&config(fake.port, "starttls")).owl(&["list"]);
    run.expect_code(69);
    assert!(run.stderr.contains("does not offer STARTTLS"), "{}", run.stderr);
    assert_no_credentials(&fake);
}

#[test]
fn missing_starttls_in_capability_is_refused() {
    let fake = Fake::start(|conn| {
        conn.send("* OK ready\r\n");
        serve_capabilities(conn, "IMAP4rev1 AUTH=PLAIN");
    });
    let env = Env::new(&config(fake.port, "starttls"));
    let run = env.owl(&["list"]);
    run.expect_code(69);
    assert!(run.stderr.contains("STARTTLS"), "{}", run.stderr);
    // `auto` on a non-TLS port means STARTTLS is required, too.
    let auto = Env::new(&config(fake.port, "auto")).owl(&["list"]);
    auto.expect_code(69);
    assert_no_credentials(&fake);
}

#[test]
fn preauth_on_a_starttls_account_is_refused() {
    let fake = Fake::start(|conn| {
        conn.send("* PREAUTH [CAPABILITY IMAP4rev1 STARTTLS] welcome, no need to log in\r\n");
        serve_capabilities(conn, "IMAP4rev1 STARTTLS");
    });
    let run = Env::new(&config(fake.port, "starttls")).owl(&["list"]);
    run.expect_code(69);
    assert!(run.stderr.contains("PREAUTH"), "{}", run.stderr);
    let got = fake.received().to_ascii_uppercase();
    assert!(!got.contains("LIST"), "no command may run on the unprotected session: {got}");
    assert_no_credentials(&fake);
}

#[test]
fn data_injected_before_the_tls_handshake_is_refused() {
    let fake = Fake::start(|conn| {
        conn.send("* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] ready\r\n");
        if let Some((tag, _)) = conn.command() {
            // The OK and the injected response arrive in one packet.
            conn.send(&format!("{tag} OK Begin TLS now\r\n* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] injected\r\n"));
        }
        conn.drain();
    });
    let run = Env::new(&config(fake.port, "starttls")).owl(&["list"]);
    run.expect_code(69);
    assert!(run.stderr.contains("before the TLS handshake"), "{}", run.stderr);
    assert_no_credentials(&fake);
}

#[test]
fn a_refused_starttls_is_not_a_fallback_to_plaintext() {
    let fake = Fake::start(|conn| {
        conn.send("* OK [CAPABILITY IMAP4rev1 STARTTLS AUTH=PLAIN] ready\r\n");
        let tag = conn.expect_command("STARTTLS");
        conn.send(&format!("{tag} NO [UNAVAILABLE] TLS is broken today\r\n"));
        // Nothing more, in plaintext above all: not even LOGOUT.
        conn.expect_eof();
    });
    let run = Env::new(&config(fake.port, "starttls")).owl(&["list"]);
    run.expect_code(69);
    assert!(run.stderr.contains("TLS is broken today"), "{}", run.stderr);
    assert_no_credentials(&fake);
}

#[test]
fn a_non_tls_server_on_an_implicit_tls_port_is_refused() {
    let fake = Fake::start(|conn| {
        conn.send("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] plaintext\r\n");
        conn.drain();
    });
    let run = Env::new(&config(fake.port, "implicit")).owl(&["list"]);
    run.expect_code(69);
    assert_no_credentials(&fake);
}

#[test]
fn a_bye_greeting_is_unavailable_and_garbage_is_a_protocol_error() {
    let bye = Fake::start(|conn| conn.send("* BYE Too many connections, try later\r\n"));
    let run = Env::new(&config(bye.port, "none")).owl(&["list"]);
    run.expect_code(69);
    assert!(run.stderr.contains("Too many connections"), "{}", run.stderr);

    let http = Fake::start(|conn| conn.send("HTTP/1.1 400 Bad Request\r\n\r\n"));
    let run = Env::new(&config(http.port, "none")).owl(&["list"]);
    run.expect_code(65);
    assert!(run.stderr.contains("HTTP/1.1 400"), "{}", run.stderr);
}

#[test]
fn a_server_hanging_up_mid_command_is_temporary() {
    let fake = Fake::start(|conn| {
        conn.send("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready\r\n");
        if let Some((tag, _)) = conn.command() {
            conn.send(&format!("{tag} OK [CAPABILITY IMAP4rev1] in\r\n"));
        }
        let _ = conn.command();
        conn.send("* LIST (\\HasNoChildren) \"/\" INBOX\r\n");
        // and hang up without completing LIST
    });
    let run = Env::new(&config(fake.port, "none")).owl(&["list"]);
    run.expect_code(75);
    assert!(run.stderr.contains("closed the connection"), "{}", run.stderr);
}

#[test]
fn a_silent_server_times_out_as_temporary() {
    let fake = Fake::start(|conn| {
        // Never greet; hold the connection until the client gives up.
        conn.drain();
    });
    let toml = config(fake.port, "none").replace("timeout = 5", "timeout = 1");
    let run = Env::new(&toml).owl(&["list"]);
    run.expect_code(75);
    assert!(run.stderr.contains("timed out"), "{}", run.stderr);
    assert!(run.elapsed < Duration::from_secs(5), "took {:?}", run.elapsed);
}
