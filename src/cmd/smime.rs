//! S/MIME for the commands: the account's trust store and key, opened
//! lazily. The trust file is read when a message is S/MIME; the key is
//! loaded (and its passphrase command run) only when a message is
//! encrypted, once per run. Warnings about the key (a file others can read)
//! go to the log, which prints them on stderr; the key and the passphrase
//! go nowhere.

use std::cell::OnceCell;
use std::io::IsTerminal;

use crate::config::smime::{IdentityFiles, Smime};
use crate::error::{Error, Result};
use crate::model::smime::{self, CertDirectory, Certificate, DecryptionStatus, Identity, Opened, Passphrase, Trust};

/// The S/MIME settings of an account, with what was loaded from them.
pub struct Keys<'a> {
    settings: &'a Smime,
    identity: OnceCell<Identity>,
}

impl<'a> Keys<'a> {
    /// Nothing is read yet.
    pub fn new(settings: &'a Smime) -> Keys<'a> {
        Keys { settings, identity: OnceCell::new() }
    }

    /// `smime_ca_file`, else the system roots.
    pub fn trust(&self) -> Result<Trust> {
        match &self.settings.ca_file {
            Some(path) => Trust::ca_file(path).map_err(|e| e.context("smime_ca_file")),
            None => Ok(Trust::system()),
        }
    }

    /// Whether `smime_key` and `smime_cert` are set.
    pub fn has_identity(&self) -> bool {
        self.settings.identity.is_some()
    }

    /// The user's key and certificate, loaded on first use (running the
    /// passphrase command, if any); a config error when none is set.
    pub fn identity(&self) -> Result<&Identity> {
        if let Some(id) = self.identity.get() {
            return Ok(id);
        }
        let files = self.settings.identity.as_ref().ok_or_else(|| {
            Error::config("no S/MIME key: set smime_key and smime_cert in the account").with_hint("see owl-config(5)")
        })?;
        let loaded = load(files)?;
        Ok(self.identity.get_or_init(|| loaded))
    }

    /// The user's own certificate (`smime_cert`), without the key: enough
    /// to encrypt to, and no passphrase is asked for.
    pub fn own_certificate(&self) -> Result<Certificate> {
        if let Some(id) = self.identity.get() {
            return Ok(id.certificate().clone());
        }
        let files = self.settings.identity.as_ref().ok_or_else(|| {
            Error::config(
                "encrypting needs your own certificate (so the Sent copy stays readable): set smime_key and smime_cert",
            )
        })?;
        let mut certs = Certificate::load(&files.cert).map_err(|e| e.context("smime_cert"))?;
        Ok(certs.swap_remove(0))
    }

    /// Where `smime_cert_dir` points, if set.
    pub fn cert_dir_path(&self) -> Option<&std::path::Path> {
        self.settings.cert_dir.as_deref()
    }

    /// The directory of recipients' certificates.
    pub fn cert_dir(&self) -> Result<CertDirectory> {
        let dir = self.settings.cert_dir.as_ref().ok_or_else(|| {
            Error::config("no directory of recipients' certificates: set smime_cert_dir in the account")
        })?;
        CertDirectory::open(dir).map_err(|e| e.context("smime_cert_dir"))
    }
}

fn load(files: &IdentityFiles) -> Result<Identity> {
    let passphrase = match &files.passphrase_command {
        Some(cmd) => {
            // As for passwords: a prompt on a terminal may wait for the user.
            let wait = if std::io::stdin().is_terminal() { files.secret_timeout } else { files.timeout };
            Some(Passphrase::new(crate::config::secret::passphrase(cmd, "smime_key_passphrase_command", wait)?))
        }
        None => None,
    };
    let (identity, warnings) =
        Identity::load(&files.key, &files.cert, passphrase.as_ref()).map_err(|e| e.context("smime_key"))?;
    for warning in warnings {
        log::warn!("{warning}");
    }
    Ok(identity)
}

/// Opens an S/MIME message as far as the account's keys allow: `None` for
/// one that is not S/MIME. Verifying needs no key; the key is loaded only
/// when a layer turns out to be encrypted.
pub fn open(message: &[u8], keys: &Keys<'_>) -> Result<Option<Opened>> {
    if smime::kind(message).is_none() {
        return Ok(None);
    }
    let trust = keys.trust()?;
    let first = smime::open(message, &trust, None)?;
    let needs_key = first.as_ref().is_some_and(|o| matches!(o.report.decryption, Some(DecryptionStatus::NoKey)));
    if !needs_key || !keys.has_identity() {
        return Ok(first);
    }
    smime::open(message, &trust, Some(keys.identity()?))
}
