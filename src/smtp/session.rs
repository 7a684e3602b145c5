//! One SMTP submission connection: connect, secure, authenticate, and send
//! transactions that report each recipient's fate.
//!
//! lettre's own `send` stops at the first refused recipient and closes the
//! connection; here MAIL, RCPT and DATA are issued one by one so every
//! refusal is collected and the connection stays usable for the next
//! message (several files in one run share one connection).

use std::str::FromStr;

use lettre::address::Address;
use lettre::transport::smtp::authentication::{Credentials as LettreCredentials, Mechanism};
use lettre::transport::smtp::client::{Certificate, SmtpConnection, TlsParameters};
use lettre::transport::smtp::commands::{Data, Mail, Rcpt, Rset};
use lettre::transport::smtp::extension::{ClientId, Extension, MailBodyParameter, MailParameter};

use super::explain::{Stage, explain};
use crate::error::{Error, ErrorKind, Result};
use crate::net::{Endpoint, Fingerprint, Security, Verification};
use crate::sasl::Credentials;

/// What connecting found out, for `owl check`.
#[derive(Debug, Clone, Default)]
pub struct SmtpInfo {
    /// Certificate fingerprint, when TLS is on.
    pub fingerprint: Option<Fingerprint>,
    /// How the certificate was accepted.
    pub verified_by: Option<Verification>,
    /// EHLO keywords owl understands (after STARTTLS).
    pub extensions: Vec<String>,
    /// The AUTH mechanism used.
    pub auth_mechanism: Option<String>,
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

/// The outcome of one transaction.
#[derive(Debug, Clone, Default)]
pub struct Delivery {
    /// Recipients the server accepted the message for.
    pub accepted: Vec<String>,
    /// Recipients it refused, permanently or for now.
    pub refused: Vec<Refusal>,
}

/// A connection to a submission server.
pub struct Session {
    conn: SmtpConnection,
    info: SmtpInfo,
    address: String,
}

impl Session {
    /// Connects and secures the connection: implicit TLS, or STARTTLS
    /// which must be offered (no fallback to plaintext). Checks a pinned
    /// certificate before anything else is sent.
    pub fn connect(endpoint: &Endpoint) -> Result<Session> {
        let address = endpoint.address();
        let hello = ClientId::default();
        let tls = tls_parameters(endpoint)?;
        let wrapped = (endpoint.security == Security::Implicit).then_some(&tls);
        let conn = SmtpConnection::connect(
            (endpoint.host.as_str(), endpoint.port),
            Some(endpoint.timeout),
            &hello,
            wrapped,
            None,
        )
        .map_err(|e| from_lettre(e, Stage::Greeting))?;
        let mut session = Session { conn, info: SmtpInfo::default(), address };
        if endpoint.security == Security::StartTls {
            if !session.conn.server_info().supports_feature(Extension::StartTls) {
                return Err(Error::tls(
                    "server does not offer STARTTLS; refusing to continue without TLS (set tls = \"none\" only if \
                     you accept sending your password in clear)",
                ));
            }
            session.conn.starttls(&tls, &hello).map_err(|e| from_lettre(e, Stage::Greeting))?;
        }
        if endpoint.security != Security::DangerPlaintext {
            session.check_certificate(endpoint)?;
        }
        session.info.extensions = extensions(&session.conn);
        Ok(session)
    }

    fn check_certificate(&mut self, endpoint: &Endpoint) -> Result<()> {
        let der = self.conn.peer_certificate().map_err(|e| Error::tls(format!("no server certificate: {e}")))?;
        let fingerprint = Fingerprint::of_der(&der);
        self.info.fingerprint = Some(fingerprint);
        self.info.verified_by = Some(match endpoint.tls.fingerprint {
            _ if endpoint.tls.danger_probe_only => Verification::None,
            Some(pin) if pin != fingerprint => {
                self.conn.abort();
                return Err(Error::tls(format!(
                    "certificate fingerprint {fingerprint} does not match the pinned {pin}; refusing to continue"
                )));
            }
            Some(_) => Verification::Pin,
            None => Verification::Ca,
        });
        Ok(())
    }

    /// What connecting and logging in found out.
    pub fn info(&self) -> &SmtpInfo {
        &self.info
    }

    /// `host:port`, for messages.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// AUTH with a password (PLAIN, else LOGIN) or a token (XOAUTH2).
    pub fn authenticate(&mut self, creds: &Credentials) -> Result<()> {
        let (mechanisms, secret) = match (creds.password(), creds.token()) {
            (Some(password), _) => (&[Mechanism::Plain, Mechanism::Login][..], password),
            (None, Some(token)) => (&[Mechanism::Xoauth2][..], token),
            (None, None) => return Err(Error::internal("credentials without a secret")),
        };
        let Some(mechanism) = self.conn.server_info().get_auth_mechanism(mechanisms) else {
            return Err(Error::unavailable(format!(
                "server offers no AUTH mechanism owl can use here ({}); offered: {}",
                mechanisms.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "),
                self.info.extensions.join(" ")
            )));
        };
        let lettre_creds = LettreCredentials::new(creds.user.clone(), secret.to_string());
        self.conn.auth(&[mechanism], &lettre_creds).map_err(|e| from_lettre(e, Stage::Auth))?;
        self.info.auth_mechanism = Some(mechanism.to_string());
        Ok(())
    }

    /// One transaction: MAIL FROM `from`, RCPT TO each recipient, DATA.
    /// Refused recipients are collected; the message goes to the rest. An
    /// error means nobody got it (kind TempFail: try again later).
    pub fn send(&mut self, from: &str, recipients: &[String], message: &[u8]) -> Result<Delivery> {
        let sender = parse_address(from)?;
        let mut options = Vec::new();
        let non_ascii = !from.is_ascii() || recipients.iter().any(|r| !r.is_ascii());
        if non_ascii && self.conn.server_info().supports_feature(Extension::SmtpUtfEight) {
            options.push(MailParameter::SmtpUtfEight);
        }
        if !message.is_ascii() && self.conn.server_info().supports_feature(Extension::EightBitMime) {
            options.push(MailParameter::Body(MailBodyParameter::EightBitMime));
        }
        self.conn.command(Mail::new(Some(sender), options)).map_err(|e| from_lettre(e, Stage::Sender))?;
        let mut delivery = Delivery::default();
        for recipient in recipients {
            let address = parse_address(recipient)?;
            match self.conn.command(Rcpt::new(address, Vec::new())) {
                Ok(_) => delivery.accepted.push(recipient.clone()),
                Err(e) if e.status().is_some() => delivery.refused.push(refusal(recipient, &e)),
                Err(e) => return Err(from_lettre(e, Stage::Recipient)),
            }
        }
        if delivery.accepted.is_empty() {
            let _ = self.conn.command(Rset);
            let temporary = delivery.refused.iter().any(|r| r.temporary);
            let kind = if temporary { ErrorKind::TempFail } else { ErrorKind::Rejected };
            let names: Vec<String> =
                delivery.refused.iter().map(|r| format!("{} ({}: {})", r.recipient, r.reply, r.explanation)).collect();
            return Err(Error::new(kind, format!("every recipient was refused: {}", names.join("; "))));
        }
        self.conn.command(Data).map_err(|e| from_lettre(e, Stage::Data))?;
        let sent = match std::str::from_utf8(message) {
            Ok(text) => self.conn.command(DataPayload(text)),
            // Not UTF-8: lettre's own path (two writes, see DataPayload).
            Err(_) => self.conn.message(message),
        };
        sent.map_err(|e| from_lettre(e, Stage::Data))?;
        Ok(delivery)
    }

    /// QUIT, ignoring a server that hangs up first.
    pub fn quit(mut self) {
        let _ = self.conn.quit();
    }
}

/// The message after DATA, dot-stuffed, with its terminating `.` line, to
/// be written in one go. lettre writes the terminator separately and never
/// sets TCP_NODELAY (nor lets us), so that small second write waits for
/// the server to acknowledge the first, which it delays by up to 40 ms:
/// measured here as 44 ms per message. One write avoids the stall.
struct DataPayload<'a>(&'a str);

impl std::fmt::Display for DataPayload<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for line in self.0.split_inclusive('\n') {
            if line.starts_with('.') {
                f.write_str(".")?;
            }
            f.write_str(line)?;
        }
        if !self.0.ends_with("\r\n") {
            f.write_str("\r\n")?;
        }
        f.write_str(".\r\n")
    }
}

fn parse_address(text: &str) -> Result<Address> {
    Address::from_str(text.trim()).map_err(|e| Error::usage(format!("\"{text}\" is not an email address ({e})")))
}

fn extensions(conn: &SmtpConnection) -> Vec<String> {
    let info = conn.server_info();
    let mut out = Vec::new();
    for (ext, name) in [
        (Extension::StartTls, "STARTTLS"),
        (Extension::EightBitMime, "8BITMIME"),
        (Extension::SmtpUtfEight, "SMTPUTF8"),
    ] {
        if info.supports_feature(ext) {
            out.push(name.to_string());
        }
    }
    for mechanism in [Mechanism::Plain, Mechanism::Login, Mechanism::Xoauth2] {
        if info.supports_auth_mechanism(mechanism) {
            out.push(format!("AUTH={mechanism}"));
        }
    }
    out
}

fn tls_parameters(endpoint: &Endpoint) -> Result<TlsParameters> {
    let policy = &endpoint.tls;
    let mut builder = TlsParameters::builder(endpoint.host.clone())
        .set_min_tls_version(lettre::transport::smtp::client::TlsVersion::Tlsv12);
    if policy.danger_probe_only || policy.fingerprint.is_some() {
        // The pin is checked right after the handshake (check_certificate).
        builder = builder.dangerous_accept_invalid_certs(true).dangerous_accept_invalid_hostnames(true);
    } else if let Some(path) = &policy.ca_file {
        let pem = std::fs::read(path)
            .map_err(|e| Error::config(format!("cannot read ca_file {}", path.display())).with_source(e))?;
        let cert = Certificate::from_pem(&pem)
            .map_err(|e| Error::config(format!("ca_file {} holds no usable PEM certificate: {e}", path.display())))?;
        builder = builder
            .certificate_store(lettre::transport::smtp::client::CertificateStore::None)
            .add_root_certificate(cert);
    }
    builder.build_native().map_err(|e| Error::tls(format!("cannot set up TLS: {e}")))
}

/// The reply text of a lettre error (its source), if any.
fn reply_text(e: &lettre::transport::smtp::Error) -> String {
    use std::error::Error as _;
    e.source().map(ToString::to_string).unwrap_or_default()
}

fn refusal(recipient: &str, e: &lettre::transport::smtp::Error) -> Refusal {
    let code: u16 = e.status().map(|c| c.to_string().parse().unwrap_or(0)).unwrap_or(0);
    let text = reply_text(e);
    Refusal {
        recipient: recipient.to_string(),
        reply: format!("{code} {text}").trim().to_string(),
        explanation: explain(Stage::Recipient, code, &text).to_string(),
        temporary: e.is_transient(),
    }
}

/// Maps a lettre error to owl's, with the server's words and what they
/// mean. 4xx and network trouble are temporary (the message will be
/// queued); 535 is an authentication failure; other 5xx are refusals.
pub fn from_lettre(e: lettre::transport::smtp::Error, stage: Stage) -> Error {
    if let Some(code) = e.status() {
        let code: u16 = code.to_string().parse().unwrap_or(0);
        let text = reply_text(&e);
        let message = format!("server said \"{code} {}\": {}", text.trim(), explain(stage, code, &text));
        let kind = match code {
            400..=499 => ErrorKind::TempFail,
            535 | 534 | 538 => ErrorKind::Auth,
            530 if stage == Stage::Auth => ErrorKind::Auth,
            _ => ErrorKind::Rejected,
        };
        return Error::new(kind, message);
    }
    if e.is_tls() {
        return Error::tls(format!("TLS failed: {}", reply_text(&e)));
    }
    if e.is_timeout() {
        return Error::temp("the server did not answer in time");
    }
    let text = e.to_string();
    if e.is_response() {
        return Error::protocol(format!("unexpected reply: {text}"));
    }
    Error::temp(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_is_dot_stuffed_and_terminated_once() {
        let payload = DataPayload("Subject: x\r\n\r\n.leading dot\r\nmiddle . dot\r\n.\r\nend").to_string();
        assert_eq!(payload, "Subject: x\r\n\r\n..leading dot\r\nmiddle . dot\r\n..\r\nend\r\n.\r\n");
        assert_eq!(DataPayload("a\r\n").to_string(), "a\r\n.\r\n");
    }
}
