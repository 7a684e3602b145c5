//! `owl send --sign` and `--encrypt`: S/MIME applied to each finished
//! message (after its Bcc header was removed), before anything is queued,
//! so the outbox holds only protected messages and a flush sends them as
//! they are, never in clear and never twice.
//!
//! Encrypting is per delivery copy (RFC 8551 §3.3 encrypts to every
//! recipient of one copy): the To/Cc copy to the To and Cc recipients'
//! certificates and the sender's own; each recipient not named in To or Cc
//! (a Bcc) gets a copy of their own, encrypted to them and the sender,
//! so the To/Cc copy's recipient list reveals no one hidden. The Sent copy
//! is the To/Cc copy, with the Bcc field that the Sent copy always keeps
//! (an outer field: no signature or encryption covers it). Signing comes
//! first when both are asked for (§3.7), once for all copies.
//!
//! Every certificate is found before the first message is protected: a
//! missing one refuses the whole run with exit 78 (the certificate
//! directory named in the config lacks it; adding the file there is the
//! fix), and nothing is sent or queued.

use crate::cmd::smime::Keys;
use crate::config::Account;
use crate::error::{Error, ErrorKind, Result};
use crate::model::compose::Outgoing;
use crate::model::header::summarize_header_bytes;
use crate::model::raw;
use crate::model::smime::{self, Certificate, Cipher, same_address};

/// What S/MIME protection a run's messages get.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Protection {
    /// Sign with the user's key.
    pub sign: bool,
    /// Encrypt to the recipients and the user.
    pub encrypt: bool,
}

impl Protection {
    /// Neither signing nor encrypting.
    pub fn is_none(self) -> bool {
        !self.sign && !self.encrypt
    }
}

/// Protects every message of `ready` as `protection` says; an encrypted
/// message with Bcc recipients becomes several, one per copy. Those beyond
/// the first have an empty `copy`: they get no Sent copy.
pub fn apply(
    account: &Account,
    ready: Vec<(String, Outgoing)>,
    protection: Protection,
) -> Result<Vec<(String, Outgoing)>> {
    if protection.is_none() {
        return Ok(ready);
    }
    let keys = Keys::new(&account.smime);
    // Everything that can refuse comes first, for every message.
    let mut plans = Vec::with_capacity(ready.len());
    for (source, out) in ready {
        let plan =
            if protection.encrypt { Some(plan(&keys, &out).map_err(|e| e.context(source.clone()))?) } else { None };
        plans.push((source, out, plan));
    }
    let identity = if protection.sign { Some(keys.identity()?) } else { None };
    let mut protected = Vec::new();
    for (source, out, plan) in plans {
        let signed = match identity {
            Some(id) => Some(smime::sign(&out.bytes, id).map_err(|e| e.context(source.clone()))?),
            None => None,
        };
        let content = signed.as_deref().unwrap_or(&out.bytes);
        let Some(plan) = plan else {
            // Signed only: one copy fits every recipient.
            let copy = with_bcc(content, &out.copy);
            protected.push((source, Outgoing { bytes: content.to_vec(), copy, ..out }));
            continue;
        };
        let encrypt = |certs: &[Certificate]| {
            smime::encrypt(content, certs, Cipher::default()).map_err(|e| e.context(source.clone()))
        };
        let main = encrypt(&plan.visible_certs)?;
        let mut sent_copy = Some(with_bcc(&main, &out.copy));
        if !plan.visible.is_empty() {
            let outgoing = Outgoing {
                bytes: main,
                copy: sent_copy.take().unwrap_or_default(),
                recipients: plan.visible.clone(),
                ..out.clone()
            };
            protected.push((source.clone(), outgoing));
        }
        for (address, cert) in &plan.hidden {
            let to_self = plan.own.emails().iter().any(|e| same_address(e, address));
            let certs = if to_self { vec![plan.own.clone()] } else { vec![cert.clone(), plan.own.clone()] };
            let outgoing = Outgoing {
                bytes: encrypt(&certs)?,
                // Only one entry carries the Sent copy (the To/Cc copy).
                copy: sent_copy.take().unwrap_or_default(),
                recipients: vec![address.clone()],
                ..out.clone()
            };
            protected.push((format!("{source} (Bcc copy for {address})"), outgoing));
        }
    }
    Ok(protected)
}

/// Whom one message's copies are encrypted to.
struct Plan {
    /// Envelope recipients named in To or Cc.
    visible: Vec<String>,
    /// Their certificates and the sender's.
    visible_certs: Vec<Certificate>,
    /// Every other envelope recipient, with their certificate.
    hidden: Vec<(String, Certificate)>,
    /// The sender's certificate.
    own: Certificate,
}

fn plan(keys: &Keys<'_>, out: &Outgoing) -> Result<Plan> {
    let own = keys.own_certificate()?;
    let dir = keys.cert_dir()?;
    let header = summarize_header_bytes(raw::header(&out.bytes));
    let named: Vec<&str> = header.to.iter().chain(&header.cc).map(|m| m.addr.as_str()).collect();
    let mut plan = Plan { visible: Vec::new(), visible_certs: vec![own.clone()], hidden: Vec::new(), own };
    let mut missing = Vec::new();
    for recipient in &out.recipients {
        // Mail to oneself: the own certificate, already in every list.
        if plan.own.emails().iter().any(|e| same_address(e, recipient)) {
            if named.iter().any(|n| same_address(n, recipient)) {
                plan.visible.push(recipient.clone());
            } else {
                plan.hidden.push((recipient.clone(), plan.own.clone()));
            }
            continue;
        }
        let cert = match dir.find(recipient) {
            Ok(found) => {
                if let Some(warning) = found.warning {
                    log::warn!("{warning}");
                }
                found.certificate
            }
            Err(e) if e.kind() == ErrorKind::NoInput => {
                missing.push(recipient.clone());
                continue;
            }
            Err(e) => return Err(e),
        };
        if named.iter().any(|n| same_address(n, recipient)) {
            plan.visible.push(recipient.clone());
            plan.visible_certs.push(cert);
        } else {
            plan.hidden.push((recipient.clone(), cert));
        }
    }
    if !missing.is_empty() {
        let dir = keys.cert_dir_path().map(|p| p.display().to_string()).unwrap_or_default();
        return Err(Error::config(format!(
            "cannot encrypt: no certificate for {} in {dir} (smime_cert_dir); nothing was sent",
            missing.join(", ")
        ))
        .with_hint("add the recipient's certificate (PEM) to that directory, or send without --encrypt"));
    }
    Ok(plan)
}

/// `protected` with the Bcc fields of `copy` (the Sent copy as composed)
/// added to its header: what the Sent mailbox keeps.
fn with_bcc(protected: &[u8], copy: &[u8]) -> Vec<u8> {
    let bcc = raw::field_lines(copy, "Bcc");
    if bcc.is_empty() {
        return protected.to_vec();
    }
    let mut out = bcc;
    out.extend_from_slice(protected);
    out
}
