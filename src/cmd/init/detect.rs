//! Finding a server and how it does TLS, for `owl init`.
//!
//! Candidate hosts come from the address's domain (imap.DOMAIN,
//! mail.DOMAIN, DOMAIN; no DNS SRV). On each port a bare TLS handshake
//! ([`net::probe`]) tells implicit TLS from STARTTLS without waiting for a
//! greeting that would never come; then a real session (greeting, and the
//! STARTTLS upgrade under the usual fail-closed rules) confirms the mode
//! and checks the certificate against the trust chosen so far. A
//! certificate that is not trusted is shown by its fingerprint, and the
//! person chooses: pin it, name a CA file, or stop.

use std::path::PathBuf;
use std::time::Duration;

use serde::Serialize;

use super::ask::{Ask, Question, absolute};
use crate::cmd::context::open_imap_unauthenticated;
use crate::error::{Error, ErrorKind, Result};
use crate::net::probe::{self, Answer};
use crate::net::{Counters, Endpoint, Fingerprint, Security, TlsInfo, TlsPolicy, Verification};
use crate::{imap, smtp};

/// How long each try may take: a candidate that does not answer soon is
/// not the server.
const PROBE_TIMEOUT: Duration = Duration::from_secs(5);

/// Which server is looked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    /// IMAP.
    Imap,
    /// SMTP submission.
    Smtp,
}

impl Service {
    /// The name people and flags use.
    pub fn as_str(self) -> &'static str {
        match self {
            Service::Imap => "imap",
            Service::Smtp => "smtp",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Service::Imap => "IMAP",
            Service::Smtp => "SMTP",
        }
    }

    /// The standard ports, implicit TLS first (RFC 8314 prefers it).
    fn ports(self) -> [(u16, Security); 2] {
        match self {
            Service::Imap => [(993, Security::Implicit), (143, Security::StartTls)],
            Service::Smtp => [(465, Security::Implicit), (587, Security::StartTls)],
        }
    }

    /// Host names to try for `domain`, most specific first.
    pub fn candidates(self, domain: &str) -> Vec<String> {
        [format!("{}.{domain}", self.as_str()), format!("mail.{domain}"), domain.to_string()].into()
    }
}

/// Which certificates are trusted: the system roots unless one is set.
#[derive(Debug, Clone, Default)]
pub struct Trust {
    /// A CA file (absolute).
    pub ca_file: Option<PathBuf>,
    /// A pinned certificate.
    pub fingerprint: Option<Fingerprint>,
}

/// A server that answered, with the settings that work for it.
#[derive(Debug, Clone, Serialize)]
pub struct Found {
    /// Host name.
    pub host: String,
    /// Port.
    pub port: u16,
    /// `implicit` or `starttls`.
    pub tls: &'static str,
    /// Negotiated TLS version.
    pub tls_version: Option<String>,
    /// The certificate's SHA-256 fingerprint.
    pub fingerprint: String,
    /// `ca` or `pin`.
    pub verified_by: Verification,
    /// The CA file trusted, if not the system's.
    pub ca_file: Option<PathBuf>,
    /// The certificate pinned, if one is.
    pub pinned: Option<String>,
    #[serde(skip)]
    pub(super) security: Security,
    #[serde(skip)]
    pub(super) trust: Trust,
}

/// What to look for: hosts, an optional port and mode.
pub struct Target {
    /// Which server.
    pub service: Service,
    /// Host names to try in turn.
    pub hosts: Vec<String>,
    /// The port, when given.
    pub port: Option<u16>,
    /// The mode, when given.
    pub tls: Option<Security>,
}

/// Tries `target`'s hosts and ports in turn; the first that works wins.
/// `trust` is what to start with, and becomes what was agreed on. Every
/// failed try is told as it happens and is part of the error when none
/// works.
pub fn find(target: &Target, trust: &mut Trust, ask: &dyn Ask) -> Result<Found> {
    let mut tried = Vec::new();
    let mut note = |ask: &dyn Ask, what: String| {
        ask.tell(&format!("  {what}"));
        tried.push(what);
    };
    for host in &target.hosts {
        if !probe::resolves(host) {
            note(ask, format!("{host}: no such host"));
            continue;
        }
        for port in ports(target) {
            let address = format!("{host}:{port}");
            let security =
                match target.tls.map(Ok).unwrap_or_else(|| probe::handshake(host, port, PROBE_TIMEOUT).map(mode)) {
                    Ok(security) => security,
                    Err(e) => {
                        note(ask, format!("{address}: {}", e.message()));
                        continue;
                    }
                };
            match connect(target.service, host, port, security, trust, ask)? {
                Ok(found) => {
                    ask.tell(&format!(
                        "  {address}: {} {} ({}), certificate {}",
                        target.service.label(),
                        if security == Security::Implicit { "with implicit TLS" } else { "with STARTTLS" },
                        found.tls_version.as_deref().unwrap_or("TLS"),
                        if found.verified_by == Verification::Pin { "matches the pin" } else { "verified" },
                    ));
                    return Ok(found);
                }
                Err(e) => {
                    // --tls starttls on a port that waits for a handshake.
                    let implicit = security != Security::Implicit
                        && e.kind() == ErrorKind::TempFail
                        && matches!(probe::handshake(host, port, PROBE_TIMEOUT), Ok(Answer::Tls(_)));
                    let why = if implicit { " (this port speaks implicit TLS)" } else { "" };
                    note(ask, format!("{address}: {e}{why}"));
                }
            }
        }
    }
    let service = target.service.as_str();
    Err(Error::unavailable(format!("no {} server answered: {}", target.service.label(), tried.join("; ")))
        .with_hint(format!("give it with --{service}-host HOST and --{service}-port PORT")))
}

/// The mode a port's answer to a TLS handshake shows.
fn mode(answer: Answer) -> Security {
    match answer {
        Answer::Tls(_) => Security::Implicit,
        Answer::NotTls => Security::StartTls,
    }
}

/// The ports to try on each host.
fn ports(target: &Target) -> Vec<u16> {
    let standard = target.service.ports();
    match (target.port, target.tls) {
        (Some(port), _) => vec![port],
        (None, Some(tls)) => standard.iter().filter(|(_, s)| *s == tls).map(|(p, _)| *p).collect(),
        (None, None) => standard.iter().map(|(p, _)| *p).collect(),
    }
}

/// A session to `host:port` in `security` mode under `trust`, asking what
/// to trust when the certificate is not; the session is closed at once.
/// The inner error is this try failing; the outer one ends the search
/// (the person said stop, or with --yes nothing may be trusted blindly).
fn connect(
    service: Service,
    host: &str,
    port: u16,
    security: Security,
    trust: &mut Trust,
    ask: &dyn Ask,
) -> Result<Result<Found>> {
    loop {
        let policy =
            TlsPolicy { ca_file: trust.ca_file.clone(), fingerprint: trust.fingerprint, danger_probe_only: false };
        let endpoint =
            Endpoint { host: host.into(), port, security, tls: policy, timeout: PROBE_TIMEOUT, origin: None };
        let err = match session_tls(service, &endpoint) {
            Ok(info) => {
                return Ok(Ok(Found {
                    host: host.into(),
                    port,
                    tls: security.as_str(),
                    tls_version: info.version.clone(),
                    fingerprint: info.fingerprint.to_string(),
                    verified_by: info.verified_by,
                    ca_file: trust.ca_file.clone(),
                    pinned: trust.fingerprint.map(|f| f.to_string()),
                    security,
                    trust: trust.clone(),
                }));
            }
            Err(err) => err,
        };
        if err.kind() != ErrorKind::Tls {
            return Ok(Err(err));
        }
        // Was it the certificate? Look again accepting any, to see it.
        let mut probe = endpoint.clone();
        probe.tls = TlsPolicy { danger_probe_only: true, ..TlsPolicy::default() };
        let Ok(info) = session_tls(service, &probe) else { return Ok(Err(err)) };
        *trust = decide(host, port, &info.fingerprint, &err, ask)?;
    }
}

/// What to trust for a certificate that is not trusted: the person's
/// choice, never a silent one.
fn decide(host: &str, port: u16, fingerprint: &Fingerprint, err: &Error, ask: &dyn Ask) -> Result<Trust> {
    let untrusted = Error::tls(format!(
        "the certificate of {host}:{port} is not trusted ({}); its fingerprint is {fingerprint}",
        err.message()
    ));
    if !ask.is_interactive() {
        return Err(untrusted.with_hint(format!(
            "if the server is yours, compare it with: openssl x509 -noout -fingerprint -sha256 -in cert.pem; \
             then --fingerprint {fingerprint} pins it, or --ca-file PEM trusts the CA that signed it"
        )));
    }
    ask.tell(&format!("The certificate of {host}:{port} is not trusted: {}", err.message()));
    ask.tell(&format!("Its SHA-256 fingerprint: {fingerprint}"));
    ask.tell("(on the server: openssl x509 -noout -fingerprint -sha256 -in cert.pem)");
    let choice = ask.choose(
        &Question::new("--fingerprint", "Trust it how?"),
        &["pin this certificate (its fingerprint goes in the config)", "give a CA file (PEM)", "stop"],
    )?;
    match choice {
        0 => Ok(Trust { ca_file: None, fingerprint: Some(*fingerprint) }),
        1 => {
            let path = ask.text(&Question::new("--ca-file", "CA file (PEM)"))?;
            Ok(Trust { ca_file: Some(absolute(&path)?), fingerprint: None })
        }
        _ => Err(untrusted.with_hint("nothing was written")),
    }
}

/// Connects (greeting, STARTTLS if asked) and reports the TLS channel.
fn session_tls(service: Service, endpoint: &Endpoint) -> Result<TlsInfo> {
    let counters = std::sync::Arc::new(Counters::default());
    let info = match service {
        Service::Imap => {
            let options = imap::Options {
                endpoint: endpoint.clone(),
                compress: crate::net::Compression::Never,
                label: "imap#init".into(),
            };
            let session = open_imap_unauthenticated(&options, counters)?;
            let info = session.info().tls.clone();
            session.logout();
            info
        }
        Service::Smtp => {
            let options = smtp::Options::new(endpoint.clone(), "smtp#init");
            let session = smtp::Session::connect(&options, counters)?;
            let info = session.info().tls.clone();
            session.quit();
            info
        }
    };
    info.ok_or_else(|| Error::internal("a TLS session without TLS details"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(port: Option<u16>, tls: Option<Security>) -> Target {
        Target { service: Service::Smtp, hosts: vec!["h".into()], port, tls }
    }

    #[test]
    fn the_ports_tried_follow_the_flags() {
        assert_eq!(ports(&target(None, None)), [465, 587], "implicit TLS first");
        assert_eq!(ports(&target(None, Some(Security::StartTls))), [587]);
        assert_eq!(ports(&target(Some(2525), Some(Security::Implicit))), [2525]);
        assert_eq!(ports(&target(Some(2525), None)), [2525]);
    }
}
