//! One SMTP connection for a run, opened on first use, logged in once, and
//! replaced when it breaks; each message's fate as a [`smtp::Outcome`].
//!
//! A message whose transaction failed before its final dot was written
//! (`NotSent`) is tried once more at once over a fresh connection: nothing
//! was delivered, so nothing can be duplicated. After the dot (`Unknown`)
//! it never is: the server may have it (RFC 5321 §6.1). Once connecting or
//! logging in fails, every later message gets that same error without
//! another attempt: the server is down, queue them all.

use std::sync::Arc;

use crate::cmd::context::CredentialCache;
use crate::config::Smtp;
use crate::error::{Error, Result};
use crate::net::Counters;
use crate::smtp::{self, Outcome};

/// Sends a run's messages over one connection.
pub struct Sender {
    settings: Smtp,
    credentials: CredentialCache,
    counters: Arc<Counters>,
    session: Option<smtp::Session>,
    broken: Option<Error>,
}

impl Sender {
    /// A sender for `settings`; nothing is connected yet.
    pub fn new(settings: Smtp, counters: Arc<Counters>) -> Sender {
        let credentials = CredentialCache::new(settings.server.clone());
        Sender { settings, credentials, counters, session: None, broken: None }
    }

    fn address(&self) -> String {
        format!("smtp {}", self.settings.server.endpoint.address())
    }

    fn connect(&mut self) -> Result<&mut smtp::Session> {
        if let Some(err) = &self.broken {
            return Err(err.clone_for_repeat());
        }
        if self.session.as_ref().is_some_and(smtp::Session::is_broken) {
            self.session = None;
        }
        if self.session.is_none() {
            let options = smtp::Options::new(self.settings.server.endpoint.clone(), "smtp");
            let opened = smtp::Session::connect(&options, self.counters.clone()).and_then(|mut session| {
                session.authenticate(&self.credentials.get()?)?;
                Ok(session)
            });
            match opened {
                Ok(session) => self.session = Some(session),
                Err(err) => {
                    let err = err.context(self.address());
                    self.broken = Some(err.clone_for_repeat());
                    return Err(err);
                }
            }
        }
        self.session.as_mut().ok_or_else(|| Error::internal("no SMTP session"))
    }

    /// Sends one message; connecting failures come back as `NotSent`.
    pub fn send(&mut self, from: &str, recipients: &[String], message: &[u8]) -> Outcome {
        let envelope = smtp::Envelope::for_message(from, recipients, message);
        let first = match self.connect() {
            Ok(session) => session.send(&envelope, &mut &message[..]),
            Err(err) => return Outcome::NotSent(err),
        };
        let outcome = match first {
            // Nothing was delivered (the connection may have died between
            // messages): once more on a fresh one before queueing.
            Outcome::NotSent(err) if self.broken.is_none() => {
                log::info!("{err}; trying once more over a new connection");
                self.session = None;
                match self.connect() {
                    Ok(session) => session.send(&envelope, &mut &message[..]),
                    Err(err) => return Outcome::NotSent(err),
                }
            }
            other => other,
        };
        let address = self.address();
        match outcome {
            Outcome::Refused { error, refused } => Outcome::Refused { error: error.context(address), refused },
            Outcome::NotSent(error) => Outcome::NotSent(error.context(address)),
            Outcome::Unknown(error) => Outcome::Unknown(error.context(address)),
            delivered => delivered,
        }
    }

    /// Says goodbye.
    pub fn close(self) {
        if let Some(session) = self.session {
            session.quit();
        }
    }
}
