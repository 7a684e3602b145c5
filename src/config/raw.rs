//! The config file exactly as written: serde structs with spans, so that a
//! wrong value can be reported with its line. Serde rejects what has no
//! place: a key unknown to its table (an IMAP key in `[accounts.X.smtp]`
//! too, since each protocol has its own table type) and a value outside an
//! enum. Validation of the rest is in [`super::account`]; nothing here
//! interprets values.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

/// The whole file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct File {
    /// `[accounts.NAME]` tables, in name order.
    #[serde(default)]
    pub accounts: BTreeMap<String, Spanned<Account>>,
    /// `persist`: how long a session holder stays without clients, for
    /// every account that sets none of its own.
    pub persist: Option<Spanned<Duration>>,
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

/// Defines a table whose keys are its own fields plus the server keys
/// (host, TLS, login, secret, timeouts), which every server section has
/// and the account table shares with them; and [`ServerKeys`], those keys
/// alone.
///
/// A macro, not a flattened common struct: `#[serde(flatten)]` turns
/// `deny_unknown_fields` off, and it deserializes through serde's buffered
/// `Content`, which loses the spans `toml::Spanned` needs. So each table
/// has the server keys written out as plain fields, from the one list
/// below, and every key a table does not list is an error with its line.
macro_rules! table {
    (
        @with [$($key:ident: $key_ty:ty,)*]
        $(#[$meta:meta])* pub struct ServerKeys;
    ) => {
        $(#[$meta])*
        #[derive(Debug, Default, Clone)]
        pub struct ServerKeys {
            $(pub $key: Option<Spanned<$key_ty>>,)*
        }
    };
    (
        @with [$($key:ident: $key_ty:ty,)*]
        $(#[$meta:meta])*
        pub struct $name:ident { $($(#[$field_meta:meta])* pub $field:ident: $ty:ty,)* }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Default, Clone, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            $($(#[$field_meta])* pub $field: $ty,)*
            $(pub $key: Option<Spanned<$key_ty>>,)*
        }

        impl $name {
            /// The keys of this table that are not server keys.
            pub const OWN_KEYS: &[&str] = &[$(stringify!($field)),*];

            /// The server keys as written in this table.
            pub fn server_keys(&self) -> ServerKeys {
                ServerKeys { $($key: self.$key.clone()),* }
            }
        }
    };
    ($($input:tt)*) => {
        table! {
            @with [
                host: String,
                tls: Tls,
                user: String,
                password_command: CommandLine,
                password_env: String,
                password: String,
                oauth2_token_command: CommandLine,
                ca_file: String,
                fingerprint: String,
                timeout: Duration,
                secret_timeout: Duration,
            ]
            $($input)*
        }
    };
}

table! {
    /// The server keys as written in one table, each `None` if absent.
    pub struct ServerKeys;
}

table! {
    /// `[accounts.NAME.imap]`
    pub struct Imap {
        pub port: Option<Spanned<u16>>,
        pub compress: Option<Spanned<CompressValue>>,
        pub connections: Option<Spanned<u32>>,
        pub idle_refresh: Option<Spanned<Duration>>,
        pub poll_interval: Option<Spanned<Duration>>,
    }
}

table! {
    /// `[accounts.NAME.pop3]`
    pub struct Pop3 {
        pub port: Option<Spanned<u16>>,
        pub auth: Option<Spanned<Pop3Auth>>,
        pub policy: Option<Spanned<Policy>>,
        pub delete_after_days: Option<Spanned<u32>>,
    }
}

table! {
    /// `[accounts.NAME.smtp]`
    pub struct Smtp {
        pub port: Option<Spanned<u16>>,
    }
}

/// `[accounts.NAME.fetch]`
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fetch {
    pub into: Option<Spanned<String>>,
    pub mailboxes: Option<Vec<String>>,
    pub exclude: Option<Vec<String>>,
}

/// `[accounts.NAME.mailboxes]`: the special mailboxes by name, for a
/// server that marks none (or marks the wrong one).
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mailboxes {
    pub sent: Option<String>,
    pub trash: Option<String>,
    pub drafts: Option<String>,
    pub junk: Option<String>,
    pub archive: Option<String>,
}

table! {
    /// `[accounts.NAME]`: its server keys are shared by the sections below
    /// it unless a section sets its own.
    pub struct Account {
        pub default: Option<bool>,
        pub email: Option<Spanned<String>>,
        pub name: Option<String>,
        pub sent_mailbox: Option<String>,
        pub aliases: Option<Vec<String>>,
        pub imap: Option<Spanned<Imap>>,
        pub pop3: Option<Spanned<Pop3>>,
        pub smtp: Option<Spanned<Smtp>>,
        pub fetch: Option<Fetch>,
        pub mailboxes: Option<Mailboxes>,
        pub smime_ca_file: Option<Spanned<String>>,
        pub smime_key: Option<Spanned<String>>,
        pub smime_cert: Option<Spanned<String>>,
        pub smime_key_passphrase_command: Option<Spanned<CommandLine>>,
        pub smime_cert_dir: Option<Spanned<String>>,
        pub persist: Option<Spanned<Duration>>,
    }
}

/// The server sections whose own key `key` is (`["imap"]` for `compress`),
/// for an error about a key written in the wrong table.
pub fn sections_with(key: &str) -> Vec<&'static str> {
    [("imap", Imap::OWN_KEYS), ("pop3", Pop3::OWN_KEYS), ("smtp", Smtp::OWN_KEYS)]
        .into_iter()
        .filter(|(_, keys)| keys.contains(&key))
        .map(|(section, _)| section)
        .collect()
}

/// How POP3 logs in: `auth` in `[accounts.NAME.pop3]`, spelled in lower
/// case (`"apop"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Pop3Auth {
    /// AUTH PLAIN if offered, else USER/PASS (over TLS only).
    Auto,
    /// APOP (RFC 1939 §7).
    Apop,
    /// USER/PASS.
    User,
    /// AUTH PLAIN (RFC 5034).
    Plain,
}

/// `compress = true | false | "auto"`: a boolean, as before `auto`
/// existed, or the one word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CompressValue(pub crate::net::Compression);

impl<'de> Deserialize<'de> for CompressValue {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = CompressValue;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("true, false or \"auto\"")
            }
            fn visit_bool<E: serde::de::Error>(self, v: bool) -> std::result::Result<CompressValue, E> {
                use crate::net::Compression;
                Ok(CompressValue(if v { Compression::Always } else { Compression::Never }))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> std::result::Result<CompressValue, E> {
                match v {
                    "auto" => Ok(CompressValue(crate::net::Compression::Auto)),
                    _ => Err(E::invalid_value(serde::de::Unexpected::Str(v), &self)),
                }
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}
