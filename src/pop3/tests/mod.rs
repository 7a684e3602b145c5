//! Sessions against scripted fake servers ([`super::fake`]): what the client
//! sends, how it reads stuffed and broken replies, and how `-ERR` maps to
//! error kinds. TLS itself is tested against a real Dovecot elsewhere.
//! Nothing here sleeps or leaves the loopback interface.

use std::sync::Arc;
use std::time::Duration;

use super::fake;
use super::{MessageSink, Method, Options, Session};
use crate::error::{Error, ErrorKind, Result};
use crate::net::{Counters, Endpoint, Security, TlsPolicy};
use crate::sasl::{Credentials, Secret};

const CAPA: &[&str] = &["TOP", "UIDL", "USER", "RESP-CODES", "PIPELINING"];

fn options(port: u16, security: Security) -> Options {
    Options {
        endpoint: Endpoint {
            host: "127.0.0.1".into(),
            port,
            security,
            tls: TlsPolicy::default(),
            timeout: Duration::from_secs(10),
            origin: None,
        },
        label: "pop3-test".into(),
    }
}

fn password(user: &str, secret: &str) -> Credentials {
    Credentials { user: user.into(), secret: Secret::Password(secret.into()) }
}

fn connect(port: u16) -> Result<Session> {
    Session::connect(&options(port, Security::DangerPlaintext), Arc::new(Counters::default()))
}

/// Connects and logs in with USER/PASS against [`Conn::greet_and_login`].
fn logged_in(port: u16) -> Session {
    let mut s = connect(port).expect("connect");
    s.authenticate(&password("me", "secret"), Method::User).expect("login");
    s
}

#[test]
fn a_session_can_move_between_threads() {
    // The connection pool lends sessions to worker threads.
    fn send<T: Send>() {}
    send::<Session>();
}

mod login;
mod transfer;
