//! `owl check`: connects to each configured service of an account and says
//! how it went: TLS mode and version, the certificate's SHA-256 fingerprint
//! and how it was trusted, capabilities, compression, and whether login
//! works. A certificate that is not trusted is probed once more, without
//! logging in, only to show its fingerprint so the user can pin it.

use serde::Serialize;

use super::context::{Context, open_imap_unauthenticated, pop3_method};
use crate::config::{Imap, Pop3, Smtp};
use crate::error::{Error, ErrorKind, Result};
use crate::imap;
use crate::net::probe::{self, Answer};
use crate::net::{Endpoint, Security, TlsPolicy, Verification};
use crate::pop3;
use crate::smtp;

/// The result of `owl check` (its `--json` schema).
#[derive(Debug, Clone, Serialize)]
pub struct CheckReport {
    /// The account checked.
    pub account: String,
    /// One entry per configured service.
    pub services: Vec<ServiceReport>,
}

/// How one service answered.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ServiceReport {
    /// `imap`, `pop3` or `smtp`.
    pub protocol: String,
    /// Host as configured.
    pub host: String,
    /// Port.
    pub port: u16,
    /// `implicit`, `starttls` or `none`.
    pub tls_mode: String,
    /// Negotiated TLS version, e.g. `TLSv1.3`.
    pub tls_version: Option<String>,
    /// SHA-256 fingerprint of the server certificate.
    pub fingerprint: Option<String>,
    /// `ca` (chain verified), `pin` (matched the fingerprint), or `null`
    /// when the certificate was not accepted.
    pub verified_by: Option<Verification>,
    /// Capabilities before login (after STARTTLS).
    pub capabilities_before_login: Vec<String>,
    /// Capabilities after login.
    pub capabilities: Vec<String>,
    /// Whether compression is on after login (for `compress = auto`, as a
    /// backup would choose it).
    pub compression: bool,
    /// Why (IMAP only): the setting, and for `auto` the round trip.
    pub compression_reason: Option<String>,
    /// Whether login succeeded.
    pub authenticated: bool,
    /// How we logged in.
    pub auth_mechanism: Option<String>,
    /// Whether everything worked.
    pub ok: bool,
    /// What went wrong, in one line.
    pub error: Option<String>,
    /// What to do about it, when we know.
    pub hint: Option<String>,
    /// POP3 only: whether the greeting offers APOP.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub apop_offered: Option<bool>,
    /// The error's kind, which decides the exit code.
    #[serde(skip)]
    pub error_kind: Option<ErrorKind>,
}

impl CheckReport {
    /// The first failure's kind and message, for the exit code and the
    /// line on stderr.
    pub fn failure(&self) -> Option<(ErrorKind, String)> {
        self.services.iter().find_map(|s| Some((s.error_kind?, s.error.clone()?)))
    }
}

/// Runs `owl check` for the context's account.
pub fn run(ctx: &Context) -> Result<CheckReport> {
    let account = &ctx.account;
    let mut services = Vec::new();
    if let Some(imap) = &account.imap {
        services.push(check_imap(ctx, imap));
    }
    if let Some(pop3) = &account.pop3 {
        services.push(check_pop3(ctx, pop3));
    }
    if let Some(smtp) = &account.smtp {
        services.push(check_smtp(ctx, smtp));
    }
    if services.is_empty() {
        return Err(Error::config(format!("{} has no service that owl check can test", ctx.label())));
    }
    Ok(CheckReport { account: account.name.clone(), services })
}

fn check_imap(ctx: &Context, settings: &Imap) -> ServiceReport {
    let endpoint = &settings.server.endpoint;
    let mut report = ServiceReport {
        protocol: "imap".into(),
        host: endpoint.host.clone(),
        port: endpoint.port,
        tls_mode: endpoint.security.as_str().into(),
        ..ServiceReport::default()
    };
    let options = imap::Options { endpoint: endpoint.clone(), compress: settings.compress, label: "imap#check".into() };
    let mut session = match open_imap_unauthenticated(&options, ctx.counters()) {
        Ok(session) => session,
        Err(err) => {
            if err.kind() == ErrorKind::Tls && endpoint.tls.fingerprint.is_none() {
                probe_fingerprint(ctx, &options, &mut report);
            }
            explain_silence(endpoint, &err, &mut report);
            fail(&mut report, err);
            return report;
        }
    };
    record_tls(&session, &mut report);
    report.capabilities_before_login = session.info().capabilities_before_login.clone();
    let result = ctx_credentials(settings).and_then(|creds| session.authenticate(&creds));
    if let Err(err) = result {
        fail(&mut report, err);
        session.logout();
        return report;
    }
    report.authenticated = true;
    report.auth_mechanism = session.info().auth_mechanism.clone();
    let chosen = session.compress_as_configured().and_then(|_| session.choose_compression());
    if let Err(err) = chosen {
        fail(&mut report, err);
        session.logout();
        return report;
    }
    report.compression = session.is_compressed();
    report.compression_reason = session.info().compression_choice.as_ref().map(|c| c.why.clone());
    report.capabilities = session.capabilities().to_vec();
    report.ok = true;
    session.logout();
    report
}

/// POP3: connect and secure (STLS under the same rules), CAPA, login,
/// CAPA again; says whether the greeting offers APOP.
fn check_pop3(ctx: &Context, settings: &Pop3) -> ServiceReport {
    let endpoint = &settings.server.endpoint;
    let mut report = ServiceReport {
        protocol: "pop3".into(),
        host: endpoint.host.clone(),
        port: endpoint.port,
        tls_mode: endpoint.security.as_str().into(),
        ..ServiceReport::default()
    };
    let context = format!("pop3 {}", endpoint.address());
    let options = pop3::Options { endpoint: endpoint.clone(), label: "pop3#check".into() };
    let mut session = match pop3::Session::connect(&options, ctx.counters()) {
        Ok(session) => session,
        Err(err) => {
            if err.kind() == ErrorKind::Tls && endpoint.tls.fingerprint.is_none() {
                let mut probe = options.clone();
                probe.endpoint.tls = TlsPolicy { danger_probe_only: true, ..TlsPolicy::default() };
                if let Ok(session) = pop3::Session::connect(&probe, ctx.counters()) {
                    if let Some(tls) = &session.info().tls {
                        report.tls_version = tls.version.clone();
                        report.fingerprint = Some(tls.fingerprint.to_string());
                        report.hint = Some(pin_hint(&endpoint.host, &tls.fingerprint.to_string()));
                    }
                    session.abort();
                }
            }
            explain_silence(endpoint, &err, &mut report);
            fail(&mut report, err.context(context));
            return report;
        }
    };
    let info = session.info().clone();
    if let Some(tls) = &info.tls {
        report.tls_version = tls.version.clone();
        report.fingerprint = Some(tls.fingerprint.to_string());
        report.verified_by = Some(tls.verified_by);
    }
    report.apop_offered = Some(info.apop_offered);
    report.capabilities_before_login = info.capabilities_before_login.clone();
    let method = pop3_method(settings.auth);
    let result = settings.server.credentials().and_then(|creds| session.authenticate(&creds, method));
    match result {
        Ok(()) => {
            report.authenticated = true;
            report.auth_mechanism = session.info().auth_mechanism.clone();
            report.capabilities = session.capabilities().to_vec();
            report.ok = true;
            let _ = session.quit();
        }
        Err(err) => {
            fail(&mut report, err.context(context));
            session.abort();
        }
    }
    report
}

/// SMTP: connect and secure (the same fail-closed rules), EHLO, AUTH, QUIT.
fn check_smtp(ctx: &Context, settings: &Smtp) -> ServiceReport {
    let endpoint = &settings.server.endpoint;
    let mut report = ServiceReport {
        protocol: "smtp".into(),
        host: endpoint.host.clone(),
        port: endpoint.port,
        tls_mode: endpoint.security.as_str().into(),
        ..ServiceReport::default()
    };
    let context = format!("smtp {}", endpoint.address());
    let options = smtp::Options::new(endpoint.clone(), "smtp#check");
    let mut session = match smtp::Session::connect(&options, ctx.counters()) {
        Ok(session) => session,
        Err(err) => {
            if err.kind() == ErrorKind::Tls && endpoint.tls.fingerprint.is_none() {
                let mut probe = options.clone();
                probe.endpoint.tls = TlsPolicy { danger_probe_only: true, ..TlsPolicy::default() };
                if let Ok(session) = smtp::Session::connect(&probe, ctx.counters()) {
                    if let Some(tls) = &session.info().tls {
                        report.tls_version = tls.version.clone();
                        report.fingerprint = Some(tls.fingerprint.to_string());
                        report.hint = Some(pin_hint(&endpoint.host, &tls.fingerprint.to_string()));
                    }
                    session.quit();
                }
            }
            explain_silence(endpoint, &err, &mut report);
            fail(&mut report, err.context(context));
            return report;
        }
    };
    let info = session.info().clone();
    if let Some(tls) = &info.tls {
        report.tls_version = tls.version.clone();
        report.fingerprint = Some(tls.fingerprint.to_string());
        report.verified_by = Some(tls.verified_by);
    }
    report.capabilities_before_login = info.extensions.clone();
    let result = settings.server.credentials().and_then(|creds| session.authenticate(&creds));
    match result {
        Ok(()) => {
            report.authenticated = true;
            report.auth_mechanism = session.info().auth_mechanism.clone();
            report.capabilities = info.extensions;
            report.ok = true;
        }
        Err(err) => fail(&mut report, err.context(context)),
    }
    session.quit();
    report
}

/// A greeting that never came on a STARTTLS or plaintext port: when the
/// port answers a TLS handshake, it speaks implicit TLS, and the hint says
/// so for certain and where to change the mode.
fn explain_silence(endpoint: &Endpoint, err: &Error, report: &mut ServiceReport) {
    if err.kind() != ErrorKind::TempFail || endpoint.security == Security::Implicit {
        return;
    }
    let wait = endpoint.timeout.min(std::time::Duration::from_secs(5));
    if let Ok(Answer::Tls(_)) = probe::handshake(&endpoint.host, endpoint.port, wait) {
        report.hint = Some(endpoint.implicit_tls_hint());
    }
}

fn pin_hint(host: &str, fingerprint: &str) -> String {
    format!(
        "the certificate is not trusted; if {host} is yours, check this fingerprint against the server \
         (openssl x509 -noout -fingerprint -sha256 -in cert.pem) and pin it: fingerprint = \"{fingerprint}\""
    )
}

fn ctx_credentials(settings: &Imap) -> Result<crate::sasl::Credentials> {
    settings.server.credentials()
}

fn record_tls(session: &imap::Session, report: &mut ServiceReport) {
    if let Some(tls) = &session.info().tls {
        report.tls_version = tls.version.clone();
        report.fingerprint = Some(tls.fingerprint.to_string());
        report.verified_by = Some(tls.verified_by);
    }
}

fn fail(report: &mut ServiceReport, err: Error) {
    report.ok = false;
    report.error_kind = Some(err.kind());
    report.error = Some(err.to_string());
}

/// Connects again accepting any certificate, to learn its fingerprint;
/// never logs in over that connection.
fn probe_fingerprint(ctx: &Context, options: &imap::Options, report: &mut ServiceReport) {
    let mut probe = options.clone();
    probe.endpoint.tls = TlsPolicy { danger_probe_only: true, ..TlsPolicy::default() };
    if let Ok(session) = open_imap_unauthenticated(&probe, ctx.counters()) {
        if let Some(tls) = &session.info().tls {
            report.tls_version = tls.version.clone();
            report.fingerprint = Some(tls.fingerprint.to_string());
            report.hint = Some(pin_hint(&options.endpoint.host, &tls.fingerprint.to_string()));
        }
        session.logout();
    }
}
