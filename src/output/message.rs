//! Renders one message for reading: headers, text, attachments; through
//! the pager when stdout is a terminal.

use super::{Format, Output, pager, safe, when};
use crate::cmd::read::ReadMessage;
use crate::error::Result;
use crate::model::header::format_mailboxes;
use crate::model::size::format_size;
use crate::model::smime::{DecryptionStatus, Form, Recipient, Report, Revocation, Signature, TrustSource, Verdict};

/// Prints a message as text (paged on a terminal) or JSON.
pub fn print(out: &Output, message: &ReadMessage, page: bool) -> Result<()> {
    match out.format {
        Format::Json => out.json(message),
        Format::Table => pager::show(out, &text(message), page),
    }
}

/// Shows text already rendered (by [`text`] or [`html_source`]): paged
/// on a terminal when `page`.
pub fn show(out: &Output, rendered: &str, page: bool) -> Result<()> {
    pager::show(out, rendered, page)
}

/// An HTML part's source, made harmless for a terminal.
pub fn html_source(source: &str) -> String {
    let mut text = safe::text(source.trim_end()).into_owned();
    text.push('\n');
    text
}

/// Tells a person at a terminal that `owl fetch MAILBOX UID` has a
/// successor (stderr; scripts, which have no terminal there, see nothing).
pub fn fetch_one_note() {
    eprintln!("owl: note: owl read MAILBOX UID is the verb for people (it marks the message seen; --peek does not)");
}

/// The message as a person reads it.
pub fn text(m: &ReadMessage) -> String {
    let v = &m.view;
    let h = &v.header;
    let mut out = String::new();
    let mut field = |name: &str, value: String| {
        if !value.is_empty() {
            out.push_str(&format!("{name:<8} {}\n", safe::line(&value)));
        }
    };
    field("From:", format_mailboxes(&h.from));
    field("To:", format_mailboxes(&h.to));
    field("Cc:", format_mailboxes(&h.cc));
    field("Date:", h.date.map(when::local_with_zone).unwrap_or_default());
    field("Subject:", h.subject.clone());
    let mut notes = Vec::new();
    for verdict in &v.auth_results {
        if ["spf", "dkim", "dmarc"].contains(&verdict.method.as_str()) {
            notes.push(format!("{}={}", verdict.method, verdict.result));
        }
    }
    if let Some(smime) = v.smime.filter(|_| v.smime_check.is_none()) {
        notes.push(format!(
            "S/MIME {}",
            if matches!(smime, crate::model::message::Smime::Signed) { "signed" } else { "encrypted" }
        ));
    }
    field("Auth:", notes.join(" "));
    if let Some(report) = &v.smime_check {
        for (i, line) in smime_lines(report).iter().enumerate() {
            let name = if i == 0 { "S/MIME:" } else { "" };
            out.push_str(&format!("{name:<8} {}\n", safe::line(line)));
        }
    }
    out.push('\n');
    out.push_str(&safe::text(v.text.trim_end()));
    out.push('\n');
    if !v.attachments.is_empty() {
        out.push_str("\nAttachments:\n");
        for a in &v.attachments {
            out.push_str(&format!(
                "  {:>2}  {}  {}  {}\n",
                a.index,
                safe::line(a.filename.as_deref().unwrap_or("(no name)")),
                safe::line(&a.content_type),
                format_size(a.size)
            ));
        }
    }
    for saved in &m.saved {
        out.push_str(&format!("saved {} ({})\n", saved.path.display(), format_size(saved.size)));
    }
    out
}

/// The header block's S/MIME lines: what decryption gave, then the
/// verdict on the signature nearest the content, its signers and the trust
/// store it was judged against.
pub fn smime_lines(report: &Report) -> Vec<String> {
    let mut lines = Vec::new();
    match &report.decryption {
        None => {}
        Some(DecryptionStatus::Decrypted) => lines.push("encrypted, decrypted with your key".to_string()),
        Some(DecryptionStatus::NotForThisKey { recipients }) => {
            let names: Vec<String> = recipients.iter().map(recipient).collect();
            lines.push(format!("encrypted, not for this key (recipients: {})", names.join("; ")));
        }
        Some(DecryptionStatus::NoKey) => {
            lines.push("encrypted; no key to decrypt it (set smime_key and smime_cert)".to_string())
        }
        Some(DecryptionStatus::Failed { reason }) => lines.push(format!("encrypted; cannot decrypt: {reason}")),
    }
    for (outer, signature) in
        report.outer_signatures.iter().map(|s| (true, s)).chain(report.signature.iter().map(|s| (false, s)))
    {
        lines.extend(signature_lines(signature, outer));
    }
    if report.signed && report.signature.is_none() && report.decryption.is_none() {
        lines.push("signed; the signature could not be checked".to_string());
    }
    lines
}

fn signature_lines(s: &Signature, outer: bool) -> Vec<String> {
    let verdict = match s.verdict {
        Verdict::Valid => "valid",
        Verdict::Expired => "EXPIRED",
        Verdict::Untrusted => "UNTRUSTED",
        Verdict::Invalid => "INVALID",
    };
    let form = match s.form {
        Form::Detached => "detached",
        Form::Opaque => "opaque",
    };
    let which = if outer { "outer signature" } else { "signature" };
    let mut first = format!("{which} {verdict} ({form})");
    if let Some(reason) = &s.reason {
        first.push_str(&format!(": {reason}"));
    }
    let mut lines = vec![first];
    for signer in &s.signers {
        let c = &signer.certificate;
        let emails = if c.emails.is_empty() { String::new() } else { format!(" <{}>", c.emails.join(">, <")) };
        lines.push(format!("signed by {}{emails}", c.subject));
        let mut validity = format!("issuer {}, valid {} to {}", c.issuer, c.not_before, c.not_after);
        if signer.expired_now {
            validity.push_str(" (expired now)");
        }
        if let Some(at) = &signer.signing_time {
            validity.push_str(&format!(", signed at {at}"));
        }
        lines.push(validity);
    }
    match (s.from_matches.filter(|_| !s.signers.is_empty()), &s.from) {
        (Some(true), Some(from)) => lines.push(format!("the signer's address matches From <{from}>")),
        (Some(false), Some(from)) => lines.push(format!("the signer's address does NOT match From <{from}>")),
        _ => {}
    }
    let store = match &s.trust_store {
        TrustSource::CaFile { path } => format!("CA file {path}"),
        TrustSource::System => "system roots".to_string(),
    };
    let revocation = match s.revocation {
        Revocation::NotChecked => "revocation not checked",
    };
    lines.push(format!("trust: {store}; {revocation}"));
    lines
}

fn recipient(r: &Recipient) -> String {
    match (&r.issuer, &r.serial, &r.key_id) {
        (Some(issuer), Some(serial), _) => format!("{issuer}, serial {serial}"),
        (_, _, Some(key_id)) => format!("key id {key_id}"),
        _ => "unknown".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(decryption: Option<DecryptionStatus>) -> Report {
        Report { signed: false, encrypted: true, decryption, signature: None, outer_signatures: Vec::new() }
    }

    #[test]
    fn encrypted_messages_say_what_became_of_them() {
        assert_eq!(smime_lines(&report(Some(DecryptionStatus::Decrypted))), ["encrypted, decrypted with your key"]);
        assert_eq!(
            smime_lines(&report(Some(DecryptionStatus::NoKey))),
            ["encrypted; no key to decrypt it (set smime_key and smime_cert)"]
        );
        let others = DecryptionStatus::NotForThisKey {
            recipients: vec![
                Recipient { issuer: Some("CN=CA".into()), serial: Some("0A".into()), key_id: None },
                Recipient { issuer: None, serial: None, key_id: Some("BEEF".into()) },
            ],
        };
        assert_eq!(
            smime_lines(&report(Some(others))),
            ["encrypted, not for this key (recipients: CN=CA, serial 0A; key id BEEF)"]
        );
        let failed = DecryptionStatus::Failed { reason: "bad padding".into() };
        assert_eq!(smime_lines(&report(Some(failed))), ["encrypted; cannot decrypt: bad padding"]);
    }

    #[test]
    fn a_signature_without_signers_claims_no_from_match() {
        let signature = Signature {
            verdict: Verdict::Invalid,
            reason: Some("not CMS".into()),
            form: Form::Opaque,
            trust_store: TrustSource::System,
            revocation: Revocation::NotChecked,
            from: Some("a@b.example".into()),
            from_matches: Some(false),
            signers: Vec::new(),
        };
        let r = Report {
            signed: true,
            encrypted: false,
            decryption: None,
            signature: Some(signature),
            outer_signatures: vec![],
        };
        assert_eq!(
            smime_lines(&r),
            ["signature INVALID (opaque): not CMS", "trust: system roots; revocation not checked"]
        );
    }
}
