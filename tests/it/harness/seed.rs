//! Puts mail on the real server for a test, through owl's own IMAP session
//! (APPEND with flags and internal dates, CREATE, DELETE).

use std::sync::Arc;
use std::time::Duration;

use owl::imap::{Flag, Items, MailboxName, MemorySink, Options, Session};
use owl::net::{Counters, Endpoint, Security, TlsPolicy};
use owl::sasl::{Credentials, Secret};

use super::real::{User, servers};

/// An authenticated session for `user` over implicit TLS.
pub fn session(user: &User) -> Session {
    let s = servers();
    let options = Options {
        endpoint: Endpoint {
            host: "127.0.0.1".into(),
            port: s.imaps,
            security: Security::Implicit,
            tls: TlsPolicy { ca_file: Some(s.ca_file.clone()), ..TlsPolicy::default() },
            timeout: Duration::from_secs(20),
            origin: None,
        },
        compress: owl::net::Compression::Never,
        label: format!("seed-{}", user.name),
    };
    let mut session = Session::connect(&options, Arc::new(Counters::default())).expect("seed: connect");
    let creds = Credentials { user: user.name.clone(), secret: Secret::Password(user.password.clone()) };
    session.authenticate(&creds).expect("seed: login");
    session
}

/// A message to seed.
pub struct Msg {
    pub bytes: Vec<u8>,
    pub flags: Vec<&'static str>,
    pub date: Option<String>,
}

impl Msg {
    /// A plain message with these headers and body.
    pub fn simple(from: &str, subject: &str, body: &str) -> Msg {
        let bytes = format!(
            "From: {from}\r\nTo: someone@example.org\r\nSubject: {subject}\r\nDate: Fri, 20 Nov 2026 09:05:00 +0100\r\n\
             Message-ID: <{}@test>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n",
            unique()
        );
        Msg { bytes: bytes.into_bytes(), flags: Vec::new(), date: None }
    }

    /// Raw bytes as given.
    pub fn raw(bytes: impl Into<Vec<u8>>) -> Msg {
        Msg { bytes: bytes.into(), flags: Vec::new(), date: None }
    }

    /// With IMAP flags.
    pub fn flags(mut self, flags: &[&'static str]) -> Msg {
        self.flags = flags.to_vec();
        self
    }

    /// With an INTERNALDATE, e.g. `"05-Nov-2026 10:00:00 +0000"`.
    pub fn date(mut self, date: &str) -> Msg {
        self.date = Some(date.to_string());
        self
    }
}

fn unique() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    format!("{}.{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed))
}

/// Appends `messages` to `mailbox` (created first unless INBOX).
pub fn append(user: &User, mailbox: &str, messages: Vec<Msg>) {
    let mut session = session(user);
    if !mailbox.eq_ignore_ascii_case("INBOX") {
        let _ = session.create(&MailboxName::new(mailbox));
    }
    for msg in messages {
        let flags: Vec<Flag> = msg.flags.iter().map(|f| Flag::from_wire(f)).collect();
        session.append(&MailboxName::new(mailbox), &flags, msg.date.as_deref(), msg.bytes).expect("seed: append");
    }
    session.logout();
}

/// Creates mailboxes.
pub fn create(user: &User, mailboxes: &[&str]) {
    let mut session = session(user);
    for mailbox in mailboxes {
        session.create(&MailboxName::new(mailbox)).expect("seed: create");
    }
    session.logout();
}

/// Deletes a mailbox.
pub fn delete(user: &User, mailbox: &str) {
    let mut session = session(user);
    session.delete(&MailboxName::new(mailbox)).expect("seed: delete");
    session.logout();
}

/// Appends many messages to `mailbox` quickly: APPENDs are pipelined
/// (LITERAL+) in batches instead of waiting for each.
pub fn append_many(user: &User, mailbox: &str, messages: impl IntoIterator<Item = Msg>) {
    use owl::imap::Command;
    let mut session = session(user);
    if !mailbox.eq_ignore_ascii_case("INBOX") {
        let _ = session.create(&MailboxName::new(mailbox));
    }
    let mut tags = Vec::new();
    for msg in messages {
        let mut command = Command::new("APPEND").string(MailboxName::new(mailbox).wire());
        if !msg.flags.is_empty() {
            command = command.atom(format!("({})", msg.flags.join(" ")));
        }
        if let Some(date) = &msg.date {
            command = command.string(date.clone());
        }
        tags.push(session.send(&command.literal(msg.bytes)).expect("seed: send APPEND"));
        if tags.len() == 200 {
            wait_all(&mut session, &mut tags);
        }
    }
    wait_all(&mut session, &mut tags);
    session.logout();
}

fn wait_all(session: &mut Session, tags: &mut Vec<String>) {
    session.flush().expect("seed: flush");
    for tag in tags.drain(..) {
        let done = session.wait(&tag, None, &mut |_| Ok(())).expect("seed: APPEND reply");
        session.check(done, "APPEND").expect("seed: APPEND accepted");
    }
}

/// Every message of `mailbox` as the server sends it: UID and BODY[].
pub fn bodies(user: &User, mailbox: &str) -> Vec<(u32, Vec<u8>)> {
    let mut session = session(user);
    session.examine(&MailboxName::new(mailbox), false).expect("seed: examine");
    let mut out = Vec::new();
    if session.selected().map_or(0, |s| s.exists) > 0 {
        let mut sink = MemorySink::new(1 << 30);
        let mut streamed = Vec::new();
        session
            .uid_fetch(&[owl::imap::MessageSet::all()], Items::body(), Some(&mut sink), &mut |f| {
                match (f.uid, f.body) {
                    (Some(uid), Some(owl::imap::Body::Memory(bytes))) => out.push((uid, bytes)),
                    (Some(uid), Some(owl::imap::Body::Streamed(id))) => streamed.push((uid, id)),
                    _ => {}
                }
                Ok(())
            })
            .expect("seed: fetch bodies");
        for (uid, id) in streamed {
            out.push((uid, sink.take(id).expect("seed: streamed body")));
        }
    }
    session.logout();
    out.sort_by_key(|(uid, _)| *uid);
    out
}
