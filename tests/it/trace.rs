//! `-vv` shows the protocol and never a password or token.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::harness::fake::Fake;
use crate::harness::{Env, Imap, direct_imap_config, servers};

#[test]
fn the_trace_shows_the_protocol_but_not_the_password() {
    let user = servers().user();
    let env = Env::new(&direct_imap_config(&user, Imap::StartTls, "compress = true"));
    let run = env.owl(&["-vv", "list", "--json"]);
    run.expect_code(0);
    let trace = &run.stderr;
    for expected in ["C: a1 STARTTLS", "AUTHENTICATE PLAIN <redacted>", "S: * CAPABILITY", "COMPRESS DEFLATE", "STATUS"]
    {
        assert!(trace.contains(expected), "missing {expected:?} in:\n{trace}");
    }
    let plain = STANDARD.encode(format!("\0{}\0{}", user.name, user.password));
    assert!(!trace.contains(&user.password), "password in trace");
    assert!(!trace.contains(&plain), "SASL PLAIN blob in trace");
    assert!(!run.stdout.contains(&user.password));
}

#[test]
fn login_and_oauth_secrets_are_redacted_too() {
    // No SASL-IR: the token goes after the server's `+`.
    let fake = Fake::start(|conn| {
        conn.send("* OK [CAPABILITY IMAP4rev1 AUTH=XOAUTH2] fake\r\n");
        while let Some((tag, rest)) = conn.command() {
            let verb = rest.split(' ').next().unwrap_or("").to_ascii_uppercase();
            match verb.as_str() {
                "AUTHENTICATE" => {
                    conn.send("+ \r\n");
                    let _token = conn.line();
                    conn.send(&format!("{tag} OK [CAPABILITY IMAP4rev1] welcome\r\n"));
                }
                "LIST" => conn.send(&format!("* LIST () \"/\" INBOX\r\n{tag} OK done\r\n")),
                "STATUS" => conn.send(&format!("* STATUS INBOX (MESSAGES 0 UNSEEN 0)\r\n{tag} OK done\r\n")),
                _ => conn.send(&format!("{tag} OK done\r\n")),
            }
        }
    });
    let toml = format!(
        "[accounts.o]\nuser = \"me@example.org\"\noauth2_token_command = [\"echo\", \"ya29.TOKEN-secret\"]\n\
         [accounts.o.imap]\nhost = \"127.0.0.1\"\nport = {}\ntls = \"none\"\n",
        fake.port
    );
    let run = Env::new(&toml).owl(&["-vv", "list", "--json"]);
    run.expect_code(0);
    let blob = STANDARD.encode("user=me@example.org\x01auth=Bearer ya29.TOKEN-secret\x01\x01");
    assert!(fake.received().contains(&format!("AUTHENTICATE XOAUTH2\r\n{blob}\r\n")), "{}", fake.received());
    assert!(run.stderr.contains("AUTHENTICATE XOAUTH2"), "{}", run.stderr);
    assert!(!run.stderr.contains("TOKEN-secret") && !run.stderr.contains(&blob), "{}", run.stderr);

    // A server with neither AUTH=PLAIN nor SASL-IR: LOGIN with a quoted
    // password that needs escaping.
    let login = Fake::start(|conn| {
        conn.send("* OK [CAPABILITY IMAP4rev1] fake\r\n");
        while let Some((tag, rest)) = conn.command() {
            if rest.starts_with("LIST") {
                conn.send(&format!("{tag} OK done\r\n"));
            } else {
                conn.send(&format!("{tag} OK [CAPABILITY IMAP4rev1] done\r\n"));
            }
        }
    });
    let toml = format!(
        "[accounts.l]\nuser = \"me\"\npassword = 'p\"w\\secret'\n[accounts.l.imap]\nhost = \"127.0.0.1\"\nport = {}\ntls = \"none\"\n",
        login.port
    );
    let run = Env::new(&toml).owl(&["-vv", "list", "--json"]);
    run.expect_code(0);
    assert!(login.received().contains("LOGIN \"me\" \"p\\\"w\\\\secret\""), "{}", login.received());
    assert!(run.stderr.contains("LOGIN \"me\" <redacted>"), "{}", run.stderr);
    assert!(!run.stderr.contains("secret"), "{}", run.stderr);
}

#[test]
fn a_command_in_one_mailbox_opens_it_behind_the_login() {
    let user = servers().user();
    let env = Env::new(&direct_imap_config(&user, Imap::Implicit, ""));
    let run = env.owl(&["-vvv", "list", "INBOX"]);
    run.expect_code(0);
    let trace = &run.stderr;
    let at = |what: &str| trace.find(what).unwrap_or_else(|| panic!("no {what:?} in:\n{trace}"));
    // One round trip for both: EXAMINE leaves before the login's answer.
    assert!(at("C: a2 EXAMINE \"INBOX\"") < at("S: a1 OK"), "{trace}");
    assert_eq!(trace.matches(" EXAMINE ").count(), 1, "{trace}");
}
