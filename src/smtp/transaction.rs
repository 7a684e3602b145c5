//! One mail transaction (RFC 5321 §3.3): MAIL FROM, RCPT TO for each
//! recipient, DATA and the message, and an [`Outcome`] that says exactly
//! what happened to it.
//!
//! With PIPELINING (RFC 2920) MAIL, the RCPTs and DATA go out in one write
//! and the replies are read in order; without, one command at a time. A
//! refused recipient does not stop the others. The message streams through
//! a bounded buffer, and its last chunk leaves together with `.\r\n` in one
//! write (a separate small write of the terminator waits for a delayed ACK:
//! 44 ms per message, measured). The envelope is checked locally first:
//! SIZE (RFC 1870), SMTPUTF8 (RFC 6531), BODY=8BITMIME (RFC 6152). It must
//! not decide whether to retry or where to keep a message: the caller does,
//! from the outcome.

use std::io::{ErrorKind as IoErrorKind, Read};

use super::data::Stuffer;
use super::explain::{self, Stage, explain};
use super::reply::Reply;
use super::session::{Connection, Session};
use crate::error::{Error, ErrorKind, Result};

/// Bytes of the message read at a time.
const CHUNK: usize = 64 * 1024;
/// Most RCPTs in one pipelined write, so the replies (about 30 bytes each)
/// always fit in the socket buffers while we are still writing: no
/// deadlock with a server that waits for us to read.
const GROUP: usize = 100;

/// Who a message is from and to, and what the server must know about it
/// before it comes.
#[derive(Debug, Clone, Copy)]
pub struct Envelope<'a> {
    /// The envelope sender (`MAIL FROM`); empty for the null path `<>`.
    pub from: &'a str,
    /// The envelope recipients (`RCPT TO`).
    pub recipients: &'a [String],
    /// The message's size in bytes, declared with `SIZE=` and checked
    /// against the server's limit.
    pub size: u64,
    /// Whether the message has bytes above 127 (then `BODY=8BITMIME`).
    pub eight_bit: bool,
}

impl<'a> Envelope<'a> {
    /// The envelope of a message held in memory.
    pub fn for_message(from: &'a str, recipients: &'a [String], message: &[u8]) -> Envelope<'a> {
        Envelope { from, recipients, size: message.len() as u64, eight_bit: !message.is_ascii() }
    }
}

/// A recipient the server refused.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Refusal {
    /// The address.
    pub recipient: String,
    /// The server's reply, e.g. `550 5.1.1 <x@y>: Recipient address rejected`.
    pub reply: String,
    /// What it means.
    pub explanation: String,
    /// Whether trying again later may work (4xx).
    pub temporary: bool,
}

/// A message the server took: the final dot got a 2xx.
#[derive(Debug, Clone, Default)]
pub struct Delivery {
    /// Recipients the server accepted the message for.
    pub accepted: Vec<String>,
    /// Recipients it refused at RCPT, permanently or for now; they did not
    /// get the message.
    pub refused: Vec<Refusal>,
}

/// What happened to one message. The caller keeps the message until it
/// knows, and must never lose it or, avoidably, send it twice.
#[derive(Debug)]
pub enum Outcome {
    /// The server answered 2xx to the final dot: it has the message for
    /// the accepted recipients. The session is ready for the next one.
    Delivered(Delivery),
    /// Nothing was delivered: the server refused MAIL, every recipient,
    /// DATA or the message itself, or the envelope was refused before
    /// sending (SIZE, SMTPUTF8, a malformed address). `error`'s kind says
    /// whether it is worth trying later (`TempFail`, 4xx) or not
    /// (`Rejected`, 5xx; `Auth` for a 53x). `refused` lists the recipients
    /// refused at RCPT with their replies. The session stays usable
    /// (after an RSET where one was needed) unless [`Session::is_broken`]
    /// says otherwise.
    Refused {
        /// Why, in the server's words and plain ones.
        error: Error,
        /// The recipients refused at RCPT.
        refused: Vec<Refusal>,
    },
    /// A failure before the final dot was written (connection dropped,
    /// timeout, protocol error, the message could not be read): nothing
    /// was delivered, and sending again at once on a fresh connection is
    /// safe. The session is broken.
    NotSent(Error),
    /// The final dot was written (or partly) but no complete reply came:
    /// the server may have the message. Keep it as "possibly delivered"
    /// and try again on a later run, accepting a possible duplicate (RFC
    /// 5321 §6.1). The error's kind is `TempFail`. The session is broken.
    Unknown(Error),
}

impl Outcome {
    /// Whether the server took the message.
    pub fn is_delivered(&self) -> bool {
        matches!(self, Outcome::Delivered(_))
    }

    /// The error, unless the message was delivered.
    pub fn error(&self) -> Option<&Error> {
        match self {
            Outcome::Delivered(_) => None,
            Outcome::Refused { error, .. } | Outcome::NotSent(error) | Outcome::Unknown(error) => Some(error),
        }
    }

    /// The delivery, or the error (losing the distinction between the
    /// kinds of failure).
    pub fn into_result(self) -> Result<Delivery> {
        match self {
            Outcome::Delivered(delivery) => Ok(delivery),
            Outcome::Refused { error, .. } | Outcome::NotSent(error) | Outcome::Unknown(error) => Err(error),
        }
    }
}

/// How far a transaction got before the message itself.
enum Opened {
    /// `354`: the message goes to `delivery.accepted`.
    Ready(Delivery),
    /// Refused before the message; nothing is in progress any more.
    Refused(Error, Vec<Refusal>),
}

impl<S: Connection> Session<S> {
    /// Sends one message: `body` yields its bytes (read in bounded chunks,
    /// never all at once), `envelope` says from and to whom.
    pub fn send(&mut self, envelope: &Envelope<'_>, body: &mut dyn Read) -> Outcome {
        if self.is_broken() {
            return Outcome::NotSent(Error::temp(format!(
                "{}: the SMTP connection is no longer usable",
                self.address()
            )));
        }
        if self.endpoint.tls.danger_probe_only {
            let error =
                Error::tls("this connection accepted any certificate to learn its fingerprint; it sends nothing");
            return Outcome::Refused { error, refused: Vec::new() };
        }
        let (mail, rcpts) = match self.commands(envelope) {
            Ok(commands) => commands,
            Err(error) => return Outcome::Refused { error, refused: Vec::new() },
        };
        let opened = if self.ext.pipelining {
            self.open_pipelined(&mail, &rcpts, envelope.recipients)
        } else {
            self.open_one_by_one(&mail, &rcpts, envelope.recipients)
        };
        let delivery = match opened {
            Ok(Opened::Ready(delivery)) => delivery,
            Ok(Opened::Refused(error, refused)) => return Outcome::Refused { error, refused },
            Err(error) => {
                self.break_off();
                return Outcome::NotSent(error);
            }
        };
        if let Err(error) = self.write_message(body) {
            self.break_off();
            return error;
        }
        self.read_final(delivery)
    }

    /// The MAIL and RCPT lines for `envelope`, or why it cannot be sent
    /// to this server (nothing has been sent then).
    fn commands(&self, envelope: &Envelope<'_>) -> Result<(String, Vec<String>)> {
        if envelope.recipients.is_empty() {
            return Err(Error::rejected("the message has no recipients"));
        }
        let from = address(envelope.from, "sender")?;
        let mut rcpts = Vec::new();
        for recipient in envelope.recipients {
            let to = address(recipient, "recipient")?;
            if to.is_empty() {
                return Err(Error::rejected("an empty recipient address"));
            }
            rcpts.push(format!("RCPT TO:<{to}>"));
        }
        let mut mail = format!("MAIL FROM:<{from}>");
        if let Some(limit) = self.ext.size_limit().filter(|&limit| envelope.size > limit) {
            return Err(Error::rejected(format!(
                "the message is {} bytes and the server takes at most {limit} (its SIZE limit); not sent",
                envelope.size
            )));
        }
        if self.ext.size.is_some() {
            mail.push_str(&format!(" SIZE={}", envelope.size));
        }
        if envelope.eight_bit && self.ext.eight_bit_mime {
            mail.push_str(" BODY=8BITMIME");
        }
        let non_ascii = std::iter::once(envelope.from)
            .chain(envelope.recipients.iter().map(String::as_str))
            .find(|a| !a.is_ascii());
        if let Some(name) = non_ascii {
            if !self.ext.smtp_utf8 {
                return Err(Error::rejected(format!(
                    "the address \"{}\" is not ASCII and the server does not offer SMTPUTF8 (RFC 6531); not sent",
                    name.trim()
                )));
            }
            mail.push_str(" SMTPUTF8");
        }
        Ok((mail, rcpts))
    }

    /// RFC 2920: MAIL, the RCPTs and DATA in one write (in groups of
    /// [`GROUP`] recipients when there are many), then the replies in order.
    fn open_pipelined(&mut self, mail: &str, rcpts: &[String], recipients: &[String]) -> Result<Opened> {
        self.queue(mail)?;
        let mut mail_reply = None;
        let mut replies = Vec::new();
        let mut data_reply = None;
        let groups = rcpts.len().div_ceil(GROUP);
        for (n, group) in rcpts.chunks(GROUP).enumerate() {
            for rcpt in group {
                self.queue(rcpt)?;
            }
            let last = n + 1 == groups;
            if last {
                self.queue("DATA")?;
            }
            self.flush()?;
            if mail_reply.is_none() {
                mail_reply = Some(self.read().map_err(|e| e.context("MAIL FROM"))?);
            }
            for _ in group {
                replies.push(self.read().map_err(|e| e.context("RCPT TO"))?);
            }
            if last {
                data_reply = Some(self.read().map_err(|e| e.context("DATA"))?);
            }
            if mail_reply.as_ref().is_some_and(|r| !r.is_positive()) {
                break;
            }
        }
        let mail_reply = mail_reply.ok_or_else(|| Error::internal("pipelined MAIL without a reply"))?;
        let mail_ok = check_class(&mail_reply, "MAIL FROM")?;
        let mut delivery = Delivery::default();
        for (recipient, reply) in recipients.iter().zip(&replies) {
            if mail_ok {
                self.recipient(&mut delivery, recipient, reply)?;
            }
        }
        let Some(data_reply) = data_reply else {
            // MAIL was refused before the last group went out.
            return Ok(Opened::Refused(explain::error(Stage::Sender, "MAIL FROM", &mail_reply), Vec::new()));
        };
        let go_ahead = data_reply.code == 354;
        if !go_ahead && !data_reply.is_transient() && !data_reply.is_permanent() {
            return Err(unexpected("DATA", &data_reply));
        }
        if mail_ok && !delivery.accepted.is_empty() {
            if go_ahead {
                return Ok(Opened::Ready(delivery));
            }
            let error = explain::error(Stage::Data, "DATA", &data_reply);
            return Ok(self.refused_and_reset(error, delivery.refused));
        }
        if go_ahead {
            // A server that says 354 with nobody to deliver to: end the
            // (empty) data at once, so nothing can be delivered.
            log::debug!("{}: 354 to DATA without a recipient; ending it empty", self.address());
            self.queue(".")?;
            self.flush()?;
            self.read().map_err(|e| e.context("DATA"))?;
        }
        if !mail_ok {
            // No transaction was started: nothing to reset.
            return Ok(Opened::Refused(explain::error(Stage::Sender, "MAIL FROM", &mail_reply), Vec::new()));
        }
        let error = every_recipient_refused(&delivery.refused);
        Ok(self.refused_and_reset(error, delivery.refused))
    }

    /// Without PIPELINING: each command waits for its reply.
    fn open_one_by_one(&mut self, mail: &str, rcpts: &[String], recipients: &[String]) -> Result<Opened> {
        let reply = self.command(mail)?;
        if !check_class(&reply, "MAIL FROM")? {
            return Ok(Opened::Refused(explain::error(Stage::Sender, "MAIL FROM", &reply), Vec::new()));
        }
        let mut delivery = Delivery::default();
        for (rcpt, recipient) in rcpts.iter().zip(recipients) {
            let reply = self.command(rcpt)?;
            self.recipient(&mut delivery, recipient, &reply)?;
        }
        if delivery.accepted.is_empty() {
            let error = every_recipient_refused(&delivery.refused);
            return Ok(self.refused_and_reset(error, delivery.refused));
        }
        let reply = self.command("DATA")?;
        if reply.code == 354 {
            return Ok(Opened::Ready(delivery));
        }
        if !reply.is_transient() && !reply.is_permanent() {
            return Err(unexpected("DATA", &reply));
        }
        let error = explain::error(Stage::Data, "DATA", &reply);
        Ok(self.refused_and_reset(error, delivery.refused))
    }

    /// Files one RCPT reply under accepted or refused.
    fn recipient(&mut self, delivery: &mut Delivery, recipient: &str, reply: &Reply) -> Result<()> {
        if check_class(reply, "RCPT TO")? {
            delivery.accepted.push(recipient.to_string());
        } else {
            delivery.refused.push(Refusal {
                recipient: recipient.to_string(),
                reply: reply.quoted(),
                explanation: explain(Stage::Recipient, reply.code, &reply.text()).to_string(),
                temporary: reply.is_transient(),
            });
        }
        Ok(())
    }

    /// Ends a transaction that got as far as MAIL with RSET, so the next
    /// message starts clean. A failed RSET breaks the session but does not
    /// change what happened to this message.
    fn refused_and_reset(&mut self, error: Error, refused: Vec<Refusal>) -> Opened {
        if let Err(err) = self.rset() {
            log::debug!("{}: RSET after a refused transaction failed: {err}", self.address());
        }
        Opened::Refused(error, refused)
    }

    /// Streams the message after `354`. The last chunk and `.\r\n` leave
    /// in one write. A failure before that write is [`Outcome::NotSent`];
    /// a failure of that write may have let the dot through, so it is
    /// [`Outcome::Unknown`].
    fn write_message(&mut self, body: &mut dyn Read) -> std::result::Result<(), Outcome> {
        let mut input = vec![0u8; CHUNK];
        // What is ready to go, held back until we know whether more
        // follows (the last chunk goes with the terminator).
        let mut out = Vec::with_capacity(2 * CHUNK + 5);
        let mut stuffer = Stuffer::new();
        let mut total = 0u64;
        loop {
            let n = match body.read(&mut input) {
                Ok(n) => n,
                Err(e) if e.kind() == IoErrorKind::Interrupted => continue,
                Err(e) => {
                    // Never end a message we could not read whole: the
                    // connection is dropped without the final dot.
                    let err = Error::local_io(format!("cannot read the message after {total} bytes"), e);
                    return Err(Outcome::NotSent(err));
                }
            };
            if n == 0 {
                break;
            }
            if !out.is_empty() {
                self.io.queue(&out);
                out.clear();
                self.flush().map_err(|e| Outcome::NotSent(e.context("DATA")))?;
            }
            stuffer.feed(&input[..n], &mut out);
            total += n as u64;
        }
        stuffer.finish(&mut out);
        self.trace("C", &format!("({total} bytes of message, then \".\")"));
        self.io.queue(&out);
        self.flush()
            .map_err(|e| Outcome::Unknown(possibly_delivered("the end of the message could not be written whole", e)))
    }

    /// The reply to the final dot decides the outcome.
    fn read_final(&mut self, delivery: Delivery) -> Outcome {
        let reply = match self.read() {
            Ok(reply) => reply,
            Err(e) => return Outcome::Unknown(possibly_delivered("no reply to the message", e)),
        };
        if reply.is_positive() {
            return Outcome::Delivered(delivery);
        }
        if reply.is_transient() || reply.is_permanent() {
            let error = explain::error(Stage::Message, "message", &reply);
            return Outcome::Refused { error, refused: delivery.refused };
        }
        self.break_off();
        Outcome::Unknown(possibly_delivered("no usable reply to the message", unexpected("message", &reply)))
    }
}

/// Whether `reply` is positive (`true`) or negative (`false`); anything
/// else (3xx) is the server out of step.
fn check_class(reply: &Reply, what: &str) -> Result<bool> {
    if reply.is_positive() {
        Ok(true)
    } else if reply.is_transient() || reply.is_permanent() {
        Ok(false)
    } else {
        Err(unexpected(what, reply))
    }
}

fn unexpected(what: &str, reply: &Reply) -> Error {
    Error::protocol(format!("{what}: unexpected reply \"{}\"", reply.quoted()))
}

/// The error of an [`Outcome::Unknown`]: temporary, saying that the
/// server may have the message.
fn possibly_delivered(what: &str, err: Error) -> Error {
    Error::temp(format!(
        "{what} ({err}): the server may have received it; RFC 5321 §6.1 treats it as not delivered, to be sent \
         again later at the risk of a duplicate"
    ))
}

/// The error when no RCPT was accepted: temporary if any refusal was.
fn every_recipient_refused(refused: &[Refusal]) -> Error {
    let temporary = refused.iter().any(|r| r.temporary);
    let kind = if temporary { ErrorKind::TempFail } else { ErrorKind::Rejected };
    let names: Vec<String> =
        refused.iter().map(|r| format!("{} ({}: {})", r.recipient, r.reply, r.explanation)).collect();
    Error::new(kind, format!("every recipient was refused: {}", names.join("; ")))
}

/// `text` as it goes between `<` and `>`, or why it cannot: a line break
/// or an angle bracket would end the command and start another.
fn address<'a>(text: &'a str, what: &str) -> Result<&'a str> {
    let trimmed = text.trim();
    let trimmed = trimmed.strip_prefix('<').and_then(|t| t.strip_suffix('>')).unwrap_or(trimmed);
    if trimmed.chars().any(|c| c.is_control() || c == '<' || c == '>') {
        return Err(Error::rejected(format!(
            "the {what} address \"{}\" contains characters SMTP cannot carry",
            text.escape_debug()
        )));
    }
    Ok(trimmed)
}

#[cfg(test)]
#[path = "transaction_tests.rs"]
mod tests;
