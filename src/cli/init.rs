//! `owl init` arguments: one flag per question the wizard asks, so that a
//! script can answer them all (`--yes`).

use std::path::PathBuf;

use clap::{Args, ValueEnum};

/// `owl init`
#[derive(Debug, Args)]
#[command(after_help = "Exit codes of owl init: 64 a required answer is missing with --yes (the message names \
    the flag); 73 the account exists already (--force replaces it); otherwise those of owl check.")]
pub struct InitArgs {
    /// Ask nothing: every answer comes from a flag or its default, and a
    /// missing one is an error (exit 64) naming its flag.
    #[arg(short = 'y', long)]
    pub yes: bool,
    /// Your email address.
    #[arg(long, value_name = "ADDR")]
    pub email: Option<String>,
    /// Name of the new account in the config (default: the first part of
    /// the email's domain).
    #[arg(long, value_name = "ACCOUNT")]
    pub name: Option<String>,
    /// Login name (default: the email address).
    #[arg(long, value_name = "NAME")]
    pub user: Option<String>,
    /// IMAP server (default: tried in turn: imap.DOMAIN, mail.DOMAIN,
    /// DOMAIN).
    #[arg(long, value_name = "HOST")]
    pub imap_host: Option<String>,
    /// IMAP port (default: 993 with implicit TLS, else 143 with STARTTLS).
    #[arg(long, value_name = "PORT")]
    pub imap_port: Option<u16>,
    /// SMTP submission server (default: tried in turn: smtp.DOMAIN,
    /// mail.DOMAIN, DOMAIN).
    #[arg(long, value_name = "HOST")]
    pub smtp_host: Option<String>,
    /// SMTP port (default: 465 with implicit TLS, else 587 with STARTTLS).
    #[arg(long, value_name = "PORT")]
    pub smtp_port: Option<u16>,
    /// How both servers are secured (default: found by trying the port).
    #[arg(long, value_enum, value_name = "MODE")]
    pub tls: Option<TlsMode>,
    /// Get the password by running CMD (sh -c), e.g. "pass show mail/me".
    #[arg(long, value_name = "CMD", conflicts_with = "password_env")]
    pub password_command: Option<String>,
    /// Get the password from the environment variable VAR.
    #[arg(long, value_name = "VAR")]
    pub password_env: Option<String>,
    /// Trust the CA certificates in PEM instead of the system's.
    #[arg(long, value_name = "PEM", conflicts_with = "fingerprint")]
    pub ca_file: Option<PathBuf>,
    /// Trust exactly the server certificate with this SHA-256 fingerprint
    /// (as owl check prints it).
    #[arg(long, value_name = "SHA256")]
    pub fingerprint: Option<String>,
    /// Write without checking that login works.
    #[arg(long)]
    pub no_check: bool,
    /// Replace an account of the same name.
    #[arg(long)]
    pub force: bool,
}

/// `--tls` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TlsMode {
    /// TLS from the first byte (ports 993, 465).
    Implicit,
    /// Plaintext, then STARTTLS, required (ports 143, 587).
    Starttls,
}
