//! Hostile SMTP servers and careless `owl send` arguments: whatever
//! happens, the message is delivered or waits in the outbox, and the exit
//! code says which.

use std::time::Duration;

use super::{check, config, flood, trickle};
use crate::harness::Env;
use crate::harness::fake::{Conn, Fake};

/// The stage of a transaction a hook is asked about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum At {
    Greeting,
    Ehlo,
    Auth,
    Mail,
    Rcpt,
    Data,
    /// After the message and its final dot.
    Dot,
}

/// What a hook did with a stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Did {
    /// Nothing: the good server's answer follows.
    Nothing,
    /// Answered; the transaction goes on.
    Answered,
    /// Answered or not, and the script ends here (owl gives up or hangs up).
    Ended,
}

/// A submission server that answers each stage as a good server would,
/// unless `hook` takes the stage over. Strict: a command out of order
/// fails the test.
fn smtp(hook: impl Fn(&mut Conn, At) -> Did + Send + Sync + 'static) -> Fake {
    Fake::start(move |conn| {
        let stage = |conn: &mut Conn, at: At, good: &str| match hook(conn, at) {
            Did::Nothing => {
                conn.send(good);
                true
            }
            Did::Answered => true,
            Did::Ended => false,
        };
        if !stage(conn, At::Greeting, "220 hostile.example ESMTP\r\n") {
            return;
        }
        conn.expect("EHLO ");
        if !stage(conn, At::Ehlo, "250-hostile.example\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n") {
            return;
        }
        conn.expect("AUTH PLAIN ");
        if !stage(conn, At::Auth, "235 2.7.0 ok\r\n") {
            return;
        }
        conn.expect("MAIL FROM:");
        if !stage(conn, At::Mail, "250 2.1.0 ok\r\n") {
            return;
        }
        conn.expect("RCPT TO:");
        if !stage(conn, At::Rcpt, "250 2.1.5 ok\r\n") {
            return;
        }
        conn.expect("DATA");
        if !stage(conn, At::Data, "354 go ahead\r\n") {
            return;
        }
        while let Some(line) = conn.line() {
            if line == ".\r\n" {
                break;
            }
        }
        if !stage(conn, At::Dot, "250 2.0.0 queued as 1234\r\n") {
            return;
        }
        if let Some(line) = conn.line() {
            assert!(line.to_ascii_uppercase().starts_with("QUIT"), "unexpected {line:?}");
            conn.send("221 bye\r\n");
        }
    })
}

/// Sends one message through `fake`; returns the run and the outbox
/// listing afterwards.
fn send(fake: &Fake) -> (crate::harness::Run, serde_json::Value) {
    let env = Env::new(&config("smtp", fake.port));
    let run = env.owl(&["send", "--to", "you@example.org", "-s", "hi", "--body", "hello", "--no-save", "--json"]);
    let queue = env.owl(&["send", "--queue", "--json"]).json();
    (run, queue)
}

fn queued(queue: &serde_json::Value) -> usize {
    queue.as_array().map_or(0, |q| q.iter().filter(|e| e["state"] != "rejected").count())
}

#[test]
fn a_trickled_greeting_fails_in_time_and_the_message_waits() {
    let fake = smtp(|conn, at| {
        if at == At::Greeting {
            trickle(conn, b"220 slowly.example ESMTP greets you at last\r\n", Duration::from_millis(300));
            conn.drain();
            return Did::Ended;
        }
        Did::Nothing
    });
    let (run, queue) = send(&fake);
    check("smtp greeting trickled", &run, 75, "greeting");
    assert_eq!(queued(&queue), 1);
}

#[test]
fn an_endless_ehlo_reply_is_refused_and_the_message_waits() {
    let fake = smtp(|conn, at| {
        if at == At::Ehlo {
            flood(conn, "250-X-ENDLESS-EXTENSION\r\n", 200_000);
            conn.drain();
            return Did::Ended;
        }
        Did::Nothing
    });
    let (run, queue) = send(&fake);
    check("smtp EHLO reply of 200,000 lines", &run, 65, "lines");
    assert_eq!(queued(&queue), 1);
}

#[test]
fn a_reply_line_of_a_hundred_megabytes_is_refused_early() {
    let fake = smtp(|conn, at| {
        if at == At::Greeting {
            conn.send("220 ");
            let junk = vec![b'x'; 1 << 20];
            for _ in 0..100 {
                if !conn.send_bytes(&junk) {
                    break;
                }
            }
            return Did::Ended;
        }
        Did::Nothing
    });
    let (run, queue) = send(&fake);
    check("smtp reply line of 100 MiB", &run, 65, "longer than");
    assert_eq!(queued(&queue), 1);
}

#[test]
fn bare_reply_codes_are_valid() {
    let fake = smtp(|conn, at| {
        let bare = match at {
            At::Greeting => "220\r\n",
            At::Ehlo => "250-hostile\r\n250-AUTH PLAIN\r\n250\r\n",
            At::Auth => "235\r\n",
            At::Mail | At::Rcpt | At::Dot => "250\r\n",
            At::Data => "354\r\n",
        };
        conn.send(bare);
        Did::Answered
    });
    let (run, queue) = send(&fake);
    check("smtp bare reply codes (RFC 5321 allows no text)", &run, 0, "");
    assert_eq!(queued(&queue), 0);
}

#[test]
fn a_drop_after_the_final_dot_keeps_it_queued_as_possibly_delivered() {
    let fake = smtp(|conn, at| {
        if at == At::Dot {
            // No answer: owl gives up and hangs up.
            conn.drain();
            return Did::Ended;
        }
        Did::Nothing
    });
    let (run, queue) = send(&fake);
    check("smtp no reply after the final dot", &run, 75, "");
    assert_eq!(run.json()["messages"][0]["possibly_delivered"], true, "{}", run.stdout);
    assert_eq!(queue[0]["state"], "possibly_delivered", "{queue}");
}

#[test]
fn a_refusal_after_the_dot_is_kept_for_good_or_queued_by_its_code() {
    for (code, exit, state) in [("552 5.3.4 message too big", 65, "rejected"), ("451 4.3.0 try later", 75, "pending")] {
        let fake = smtp(move |conn, at| {
            if at == At::Dot {
                conn.send(&format!("{code}\r\n"));
                return Did::Answered;
            }
            Did::Nothing
        });
        let (run, queue) = send(&fake);
        check(&format!("smtp {code} after the final dot"), &run, exit, &code[..3]);
        assert_eq!(queue[0]["state"], state, "{queue}");
    }
}

#[test]
fn every_recipient_refused_is_65_and_kept() {
    let fake = smtp(|conn, at| {
        if at == At::Rcpt {
            conn.send("550 5.1.1 no such user\r\n");
            // owl sends no message: RSET and QUIT follow.
            conn.expect("RSET");
            conn.send("250 ok\r\n");
            conn.expect("QUIT");
            conn.send("221 bye\r\n");
            conn.expect_eof();
            return Did::Ended;
        }
        Did::Nothing
    });
    let env = Env::new(&config("smtp", fake.port));
    let run = env.owl(&["send", "--to", "nobody@example.org", "-s", "x", "--body", "y", "--no-save"]);
    check("smtp every recipient refused (550)", &run, 65, "no such user");
}

#[test]
fn a_454_to_starttls_is_temporary_and_never_plaintext() {
    let fake = Fake::start(|conn| {
        conn.send("220 hostile ESMTP\r\n");
        conn.expect("EHLO ");
        conn.send("250-hostile\r\n250-STARTTLS\r\n250 AUTH PLAIN\r\n");
        conn.expect("STARTTLS");
        conn.send("454 4.7.0 TLS not available right now\r\n");
        // Nothing in plaintext after that, not even AUTH.
        while let Some(line) = conn.line() {
            assert!(line.to_ascii_uppercase().starts_with("QUIT"), "sent after a refused STARTTLS: {line:?}");
            conn.send("221 bye\r\n");
        }
    });
    let toml = config("smtp", fake.port).replace("tls = \"none\"", "tls = \"starttls\"");
    let env = Env::new(&toml);
    let run = env.owl(&["send", "--to", "you@example.org", "-s", "x", "--body", "y", "--no-save"]);
    check("smtp 454 to STARTTLS", &run, 75, "454");
}

#[test]
fn a_server_echoing_the_password_in_535_never_gets_it_printed() {
    let fake = Fake::start(|conn| {
        conn.send("220 hostile ESMTP\r\n");
        conn.expect("EHLO ");
        conn.send("250-hostile\r\n250 AUTH PLAIN\r\n");
        let line = conn.expect("AUTH PLAIN ");
        conn.send(&format!("535 5.7.8 bad credentials {} (s3cret-Passw0rd)\r\n", line.trim_end()));
        if conn.line().is_some() {
            conn.send("221 bye\r\n");
        }
    });
    let env = Env::new(&config("smtp", fake.port));
    let run = env.owl(&["send", "--to", "you@example.org", "-s", "x", "--body", "y", "--no-save"]);
    check("smtp 535 echoing the password and its SASL form", &run, 77, "<redacted>");
    assert!(!run.stderr.contains("s3cret") && !run.stderr.contains("czNjcmV0"), "{}", run.stderr);
}

#[test]
fn a_plaintext_server_on_an_implicit_tls_port_is_69_and_the_message_waits() {
    let fake = Fake::start(|conn| {
        conn.send("220 I do not speak TLS\r\n");
        conn.drain();
    });
    let toml = config("smtp", fake.port).replace("tls = \"none\"", "tls = \"implicit\"");
    let env = Env::new(&toml);
    let run = env.owl(&["send", "--to", "you@example.org", "-s", "x", "--body", "y", "--no-save"]);
    check("smtp TLS handshake with a plaintext server", &run, 69, "TLS");
    assert_eq!(queued(&env.owl(&["send", "--queue", "--json"]).json()), 1);
}

#[test]
fn a_trickled_reply_to_the_dot_is_possibly_delivered() {
    let fake = smtp(|conn, at| {
        if at == At::Dot {
            trickle(conn, b"250 2.0.0 queued, eventually, after a long think\r\n", Duration::from_millis(400));
            return Did::Ended;
        }
        Did::Nothing
    });
    let (run, queue) = send(&fake);
    check("smtp reply to the final dot trickled", &run, 75, "the server sent only");
    assert_eq!(queue[0]["state"], "possibly_delivered", "{queue}");
}

#[test]
fn careless_arguments_are_usage_errors() {
    let env = Env::new(&config("smtp", 1));
    let injected =
        env.owl(&["send", "--to", "a@example.org", "-s", "x", "--body", "y", "-H", "Bcc\r\nX-Evil: 1: v", "--dry-run"]);
    check("send -H with a line break in the header name", &injected, 64, "not a header name");
    let from = env.owl(&["send", "-f", "not an address", "--to", "a@example.org", "-s", "x", "--body", "y"]);
    check("send -f with a bad address", &from, 64, "not an email address");
}

#[test]
fn a_held_outbox_is_waited_for_a_bounded_time_naming_the_holder() {
    let env = Env::new(&config("smtp", 1));
    let dir = env.path(".local/share/owl/outbox/h");
    std::fs::create_dir_all(dir.join("rejected")).unwrap();
    let lock = std::fs::OpenOptions::new().create(true).truncate(false).write(true).open(dir.join(".lock")).unwrap();
    lock.lock().unwrap();
    std::fs::write(dir.join(".lock"), "424242\n").unwrap();
    let run = env.owl(&["send", "--to", "a@example.org", "-s", "x", "--body", "y", "--no-save"]);
    check("send while another run holds the outbox", &run, 75, "pid 424242");
    drop(lock);
}
