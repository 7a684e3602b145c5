//! The S/MIME keys of an account (`smime_*`): paths checked and made
//! absolute, the key passphrase command kept, never run here (only a
//! message that needs the key runs it, see `cmd::smime`).

use std::path::PathBuf;
use std::time::Duration;

use toml::Spanned;

use super::raw::{self, CommandLine};
use super::source::{Source, expand_tilde};
use crate::error::Result;

/// An account's S/MIME settings; every field may be absent.
#[derive(Debug, Clone, Default)]
pub struct Smime {
    /// `smime_ca_file`: the certificates trusted for signers; without it
    /// the system roots are used.
    pub ca_file: Option<PathBuf>,
    /// `smime_key` and `smime_cert`: the user's own key and certificate,
    /// always both or neither.
    pub identity: Option<IdentityFiles>,
    /// `smime_cert_dir`: recipients' certificates (PEM files).
    pub cert_dir: Option<PathBuf>,
}

/// Where the user's key and certificate are, and how to unlock the key.
#[derive(Clone)]
pub struct IdentityFiles {
    /// The private key (PEM, possibly encrypted).
    pub key: PathBuf,
    /// The certificate (PEM; the chain may follow it).
    pub cert: PathBuf,
    /// `smime_key_passphrase_command`, for an encrypted key.
    pub passphrase_command: Option<CommandLine>,
    /// How long the passphrase command may run on a terminal (the
    /// account's `secret_timeout`) and off one (its `timeout`).
    pub secret_timeout: Duration,
    pub timeout: Duration,
}

impl std::fmt::Debug for IdentityFiles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdentityFiles")
            .field("key", &self.key)
            .field("cert", &self.cert)
            .field("passphrase_command", &self.passphrase_command.as_ref().map(|_| ".."))
            .finish()
    }
}

/// Builds the settings from the account table; `timeouts` are the
/// account's (terminal, no terminal) secret waits.
pub(super) fn build(src: &Source, raw: &raw::Account, timeouts: (Duration, Duration)) -> Result<Smime> {
    let ca_file = raw.smime_ca_file.as_ref().map(|p| file(src, "smime_ca_file", p)).transpose()?;
    let cert_dir = match &raw.smime_cert_dir {
        Some(dir) => {
            let path = absolute(src, dir.get_ref());
            if !path.is_dir() {
                return Err(src.error_at(
                    dir.span(),
                    "smime_cert_dir",
                    &format!("{} is not a directory", path.display()),
                ));
            }
            Some(path)
        }
        None => None,
    };
    let identity = match (&raw.smime_key, &raw.smime_cert) {
        (Some(key), Some(cert)) => Some(IdentityFiles {
            key: file(src, "smime_key", key)?,
            cert: file(src, "smime_cert", cert)?,
            passphrase_command: raw.smime_key_passphrase_command.as_ref().map(|c| c.get_ref().clone()),
            secret_timeout: timeouts.0,
            timeout: timeouts.1,
        }),
        (Some(key), None) => {
            return Err(src.error_at(key.span(), "smime_key", "needs smime_cert (the key's certificate)"));
        }
        (None, Some(cert)) => {
            return Err(src.error_at(cert.span(), "smime_cert", "needs smime_key (the certificate's private key)"));
        }
        (None, None) => None,
    };
    if let (None, Some(cmd)) = (&identity, &raw.smime_key_passphrase_command) {
        return Err(src.error_at(cmd.span(), "smime_key_passphrase_command", "needs smime_key and smime_cert"));
    }
    Ok(Smime { ca_file, identity, cert_dir })
}

/// A path key: `~` expanded, relative to the config file's directory.
fn absolute(src: &Source, value: &str) -> PathBuf {
    let path = expand_tilde(value);
    if path.is_relative() { src.path.parent().map(|d| d.join(&path)).unwrap_or(path) } else { path }
}

/// A path key that must name an existing file.
fn file(src: &Source, key: &str, value: &Spanned<String>) -> Result<PathBuf> {
    let path = absolute(src, value.get_ref());
    if !path.is_file() {
        return Err(src.error_at(value.span(), key, &format!("{} does not exist", path.display())));
    }
    Ok(path)
}

#[cfg(test)]
mod tests {
    use crate::error::ErrorKind;

    fn parse(extra: &str) -> crate::error::Result<crate::config::Config> {
        let text =
            format!("[accounts.a]\nemail = \"a@b.c\"\npassword = \"p\"\n{extra}[accounts.a.imap]\nhost = \"h\"\n");
        crate::config::parse(std::path::Path::new("/cfg/config.toml"), &text)
    }

    #[test]
    fn key_and_certificate_come_together_and_errors_name_the_line() {
        let err = parse("smime_key = \"/etc/hostname\"\n").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config);
        assert!(err.to_string().starts_with("/cfg/config.toml:4: smime_key: needs smime_cert"), "{err}");
        let err = parse("smime_ca_file = \"/nonexistent/ca.pem\"\n").unwrap_err();
        assert!(err.to_string().starts_with("/cfg/config.toml:4: smime_ca_file: /nonexistent/ca.pem does not exist"));
        let err = parse("smime_cert_dir = \"/etc/hostname\"\n").unwrap_err();
        assert!(err.to_string().contains(":4: smime_cert_dir: /etc/hostname is not a directory"), "{err}");
        let err = parse("smime_key_passphrase_command = \"echo x\"\n").unwrap_err();
        assert!(err.to_string().contains(":4: smime_key_passphrase_command: needs smime_key"), "{err}");
        let err = parse("smime_keys = \"x\"\n").unwrap_err();
        assert!(err.to_string().contains(":4:") && err.to_string().contains("unknown field `smime_keys`"), "{err}");
    }

    #[test]
    fn paths_are_made_absolute_and_nothing_is_read_yet() {
        let config = parse(
            "smime_key = \"/etc/hostname\"\nsmime_cert = \"/etc/hostname\"\nsmime_cert_dir = \"/etc\"\n\
             smime_key_passphrase_command = [\"false\"]\n",
        )
        .unwrap();
        let smime = &config.accounts[0].smime;
        let id = smime.identity.as_ref().unwrap();
        assert_eq!(id.key, std::path::Path::new("/etc/hostname"));
        assert!(id.passphrase_command.is_some(), "kept, not run: false would fail");
        assert_eq!(smime.cert_dir.as_deref(), Some(std::path::Path::new("/etc")));
        assert_eq!(smime.ca_file, None);
        assert!(!format!("{id:?}").contains("false"), "Debug shows no command");
    }
}
