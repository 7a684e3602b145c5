//! The config file exactly as written: serde structs with spans, so that a
//! wrong value can be reported with its line. Serde rejects a value outside
//! an enum (`tls`, `auth`, `policy`); validation of the rest is in
//! [`super::account`]; nothing here interprets values.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use super::account::Pop3Auth;

/// The whole file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct File {
    /// `[accounts.NAME]` tables, in name order.
    #[serde(default)]
    pub accounts: BTreeMap<String, Spanned<Account>>,
}

/// A command given as one string (run by `sh -c`) or as argv (no shell).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum CommandLine {
    /// Run through `sh -c`.
    Shell(String),
    /// Run directly: program and arguments.
    Argv(Vec<String>),
}

/// A timeout: seconds as a number, or a string like `"30s"`, `"2m"`.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Duration {
    /// Seconds.
    Seconds(u64),
    /// `30s`, `2m`, `1h`, `500ms`.
    Text(String),
}

/// `tls`: how a connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Tls {
    /// Implicit TLS on the protocol's implicit-TLS port, else STARTTLS.
    Auto,
    /// TLS from the first byte.
    Implicit,
    /// Plaintext, then STARTTLS (required).
    StartTls,
    /// Plaintext throughout.
    None,
}

/// `policy` (pop3): what fetch does with messages on the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Policy {
    /// Leave them.
    Keep,
    /// Delete each once its local copy is durable.
    Delete,
}

/// Settings a server section has, which may also be written once at
/// account level and are then shared by all sections.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Section {
    pub host: Option<Spanned<String>>,
    pub port: Option<Spanned<u16>>,
    pub tls: Option<Spanned<Tls>>,
    pub user: Option<Spanned<String>>,
    pub password_command: Option<Spanned<CommandLine>>,
    pub password_env: Option<Spanned<String>>,
    pub password: Option<Spanned<String>>,
    pub oauth2_token_command: Option<Spanned<CommandLine>>,
    pub ca_file: Option<Spanned<String>>,
    pub fingerprint: Option<Spanned<String>>,
    pub timeout: Option<Spanned<Duration>>,
    pub secret_timeout: Option<Spanned<Duration>>,
    // IMAP only.
    pub compress: Option<Spanned<bool>>,
    pub connections: Option<Spanned<u32>>,
    pub idle_refresh: Option<Spanned<Duration>>,
    pub poll_interval: Option<Spanned<Duration>>,
    // POP3 only.
    pub auth: Option<Spanned<Pop3Auth>>,
    pub policy: Option<Spanned<Policy>>,
    pub delete_after_days: Option<Spanned<u32>>,
}

/// `[accounts.NAME.fetch]`
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fetch {
    pub into: Option<Spanned<String>>,
    pub mailboxes: Option<Vec<String>>,
    pub exclude: Option<Vec<String>>,
}

/// `[accounts.NAME]`
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Account {
    pub default: Option<bool>,
    pub email: Option<Spanned<String>>,
    pub name: Option<String>,
    pub sent_mailbox: Option<String>,
    // Shared by the server sections. Written out rather than a flattened
    // `Section`: serde's flatten switches deny_unknown_fields off.
    pub host: Option<Spanned<String>>,
    pub tls: Option<Spanned<Tls>>,
    pub user: Option<Spanned<String>>,
    pub password_command: Option<Spanned<CommandLine>>,
    pub password_env: Option<Spanned<String>>,
    pub password: Option<Spanned<String>>,
    pub oauth2_token_command: Option<Spanned<CommandLine>>,
    pub ca_file: Option<Spanned<String>>,
    pub fingerprint: Option<Spanned<String>>,
    pub timeout: Option<Spanned<Duration>>,
    pub secret_timeout: Option<Spanned<Duration>>,
    pub imap: Option<Spanned<Section>>,
    pub pop3: Option<Spanned<Section>>,
    pub smtp: Option<Spanned<Section>>,
    pub fetch: Option<Fetch>,
}
