//! Renders `owl check` reports.

use super::{Format, Output};
use crate::cmd::check::{CheckReport, ServiceReport};
use crate::error::Result;
use crate::net::Verification;

/// Prints a report as text or JSON.
pub fn print(out: &Output, report: &CheckReport) -> Result<()> {
    match out.format {
        Format::Json => out.json(report),
        Format::Table => out.text(&text(report)),
    }
}

/// The human-readable report.
pub fn text(report: &CheckReport) -> String {
    let mut out = format!("account {}\n", report.account);
    for s in &report.services {
        service(&mut out, s);
    }
    out
}

fn service(out: &mut String, s: &ServiceReport) {
    let status = if s.ok { "ok" } else { "FAILED" };
    out.push_str(&format!("\n{} {}:{}  {status}\n", s.protocol, super::safe::line(&s.host), s.port));
    let tls = match (&s.tls_version, s.tls_mode.as_str()) {
        (_, "none") => "none (plaintext)".to_string(),
        (Some(v), mode) => format!("{v} ({mode})"),
        (None, mode) if s.fingerprint.is_some() => format!("TLS 1.2 or later ({mode})"),
        (None, mode) => format!("not established ({mode})"),
    };
    line(out, "tls", &tls);
    if let Some(fp) = &s.fingerprint {
        let how = match s.verified_by {
            Some(Verification::Ca) => "verified by CA",
            Some(Verification::Pin) => "matches the pinned fingerprint",
            _ => "NOT trusted",
        };
        line(out, "certificate", how);
        line(out, "fingerprint", fp);
    }
    if let Some(apop) = s.apop_offered {
        line(out, "apop", if apop { "offered (greeting has a timestamp)" } else { "not offered" });
    }
    if !s.capabilities_before_login.is_empty() {
        line(out, "before login", &s.capabilities_before_login.join(" "));
    }
    if s.authenticated {
        line(out, "login", &format!("ok ({})", s.auth_mechanism.as_deref().unwrap_or("?")));
        line(out, "capabilities", &s.capabilities.join(" "));
        if s.protocol == "imap" {
            let state = if s.compression { "on (COMPRESS=DEFLATE)" } else { "off" };
            match &s.compression_reason {
                Some(why) => line(out, "compression", &format!("{state}: {why}")),
                None => line(out, "compression", state),
            }
        }
    }
    if let Some(err) = &s.error {
        line(out, "error", err);
    }
    if let Some(hint) = &s.hint {
        line(out, "hint", hint);
    }
}

fn line(out: &mut String, key: &str, value: &str) {
    out.push_str(&format!("  {key:<13} {}\n", super::safe::line(value)));
}
