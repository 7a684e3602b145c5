//! The account config: one TOML file, many accounts.
//!
//! Found at `-c PATH`, else `$OWL_CONFIG`, else the platform config dir
//! (`~/.config/owl/config.toml` on Linux). [`raw`] mirrors the file,
//! [`account`] validates it into [`Account`]s, [`secret`] fetches passwords
//! and tokens when a connection needs them. Every error names the file and
//! line at fault; nothing here touches the network.

pub mod account;
pub mod edit;
pub mod raw;
pub mod secret;
pub mod smime;
mod source;

use std::path::{Path, PathBuf};

pub use account::{Account, Fetch, Imap, Pop3, Pop3Policy, Protocol, Server, Smtp, parse_duration};
pub use raw::Pop3Auth;
pub use secret::SecretSource;
use source::Source;
pub use source::expand_tilde;

use crate::error::{Error, Result};

/// The loaded config.
#[derive(Debug)]
pub struct Config {
    /// Where it was read from.
    pub path: PathBuf,
    /// The accounts, in name order.
    pub accounts: Vec<Account>,
    /// Things worth saying that are not errors.
    pub warnings: Vec<String>,
}

/// The default config path for this platform.
pub fn default_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "owl").map(|dirs| dirs.config_dir().join("config.toml"))
}

/// A config file's text; an error past [`MAX_CONFIG`], found without
/// reading further (a device or a FIFO has no size to check first).
pub fn read_bounded(path: &Path) -> std::io::Result<String> {
    use std::io::Read as _;
    let mut text = String::new();
    std::fs::File::open(path)?.take(MAX_CONFIG + 1).read_to_string(&mut text)?;
    if text.len() as u64 > MAX_CONFIG {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("over {} KiB, more than a config file can be; is it the right file?", MAX_CONFIG >> 10),
        ));
    }
    Ok(text)
}

/// Reads and validates the config at `path`.
pub fn load(path: &Path) -> Result<Config> {
    let text = read_bounded(path).map_err(|e| {
        let missing = e.kind() == std::io::ErrorKind::NotFound;
        let err = Error::config(format!("cannot read config {}", path.display())).with_source(e);
        if !missing {
            return err;
        }
        // `owl init` writes where this run looked, given the same -c.
        let init = if default_path().as_deref() == Some(path) {
            "owl init".to_string()
        } else {
            format!("owl init -c {}", path.display())
        };
        err.with_hint(format!("create it with: {init}"))
    })?;
    parse(path, &text)
}

/// The largest config file read: a thousand accounts fit in a tenth of it,
/// and parsing stays quick and small whatever the file holds.
const MAX_CONFIG: u64 = 1 << 20;

/// Validates config `text` that came from `path`.
pub fn parse(path: &Path, text: &str) -> Result<Config> {
    let src = Source { path, text };
    let file: raw::File = toml::from_str(text).map_err(|e| toml_error(&src, &e))?;
    let mut accounts = Vec::new();
    let mut warnings = Vec::new();
    let persist = account::persist(&src, file.persist.as_ref())?;
    for (name, raw) in &file.accounts {
        accounts.push(account::build(&src, name, raw.get_ref(), persist)?);
    }
    let defaults: Vec<_> = accounts.iter().filter(|a| a.is_default).map(|a| a.name.as_str()).collect();
    if defaults.len() > 1 {
        return Err(Error::config(format!(
            "{}: more than one account has default = true ({})",
            path.display(),
            defaults.join(", ")
        )));
    }
    if has_plain_password(&file) && readable_by_others(path) {
        warnings.push(format!(
            "{} holds a password and is readable by other users; run: chmod 600 {}",
            path.display(),
            path.display()
        ));
    }
    Ok(Config { path: path.to_path_buf(), accounts, warnings })
}

fn toml_error(src: &Source, err: &toml::de::Error) -> Error {
    let mut message = err.message().trim().replace('\n', " ");
    if let Some(hint) = misplaced_key_hint(&message) {
        message = format!("{message} ({hint})");
    }
    match err.span() {
        Some(span) => {
            let line = src.line_of(span.start);
            let key = key_on_line(src.text, span.start);
            match key {
                Some(key) if !message.contains(&format!("`{key}`")) => {
                    Error::config(format!("{}:{line}: {key}: {message}", src.path.display()))
                }
                _ => Error::config(format!("{}:{line}: {message}", src.path.display())),
            }
        }
        None => Error::config(format!("{}: {message}", src.path.display())),
    }
}

/// For serde's "unknown field `compress`, expected one of ...": where the
/// key would be valid, if it belongs to a server section.
fn misplaced_key_hint(message: &str) -> Option<String> {
    let key = message.strip_prefix("unknown field `")?.split('`').next()?;
    match raw::sections_with(key).as_slice() {
        [] => None,
        [only] => Some(format!("{key} is only valid in the {only} section")),
        [some @ .., last] => Some(format!("{key} is only valid in the {} or {last} section", some.join(", "))),
    }
}

/// The key an error at `offset` is about: the key starting there (an
/// unknown one), else the last `key =` before it on its line, which is
/// `tls` in `imap = { host = "h", tls = "maybe" }`.
fn key_on_line(text: &str, offset: usize) -> Option<String> {
    let offset = offset.min(text.len());
    let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    if let Some(key) = text[offset..end].split_once('=').and_then(|(key, _)| as_key(key)) {
        return Some(key);
    }
    let before = &text[start..offset];
    let key = &before[..before.rfind('=')?];
    as_key(&key[key.rfind(['{', ',']).map_or(0, |i| i + 1)..])
}

/// `s` if it is a bare, dotted or quoted key.
fn as_key(s: &str) -> Option<String> {
    let key = s.trim().trim_matches('"');
    let bare = key.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    (!key.is_empty() && bare).then(|| key.to_string())
}

fn has_plain_password(file: &raw::File) -> bool {
    file.accounts.values().any(|a| {
        let a = a.get_ref();
        a.password.is_some()
            || a.imap.as_ref().is_some_and(|s| s.get_ref().password.is_some())
            || a.pop3.as_ref().is_some_and(|s| s.get_ref().password.is_some())
            || a.smtp.as_ref().is_some_and(|s| s.get_ref().password.is_some())
    })
}

#[cfg(unix)]
fn readable_by_others(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o044 != 0)
}

#[cfg(not(unix))]
fn readable_by_others(_path: &Path) -> bool {
    false
}

impl Config {
    /// The account named `name`, else the default one, else the only one.
    pub fn account(&self, name: Option<&str>) -> Result<&Account> {
        if let Some(name) = name {
            return self.accounts.iter().find(|a| a.name == name).ok_or_else(|| {
                let known: Vec<_> = self.accounts.iter().map(|a| a.name.as_str()).collect();
                Error::config(format!(
                    "no account \"{name}\" in {} (accounts: {})",
                    self.path.display(),
                    if known.is_empty() { "none".to_string() } else { known.join(", ") }
                ))
            });
        }
        if let Some(default) = self.accounts.iter().find(|a| a.is_default) {
            return Ok(default);
        }
        match self.accounts.as_slice() {
            [only] => Ok(only),
            [] => Err(Error::config(format!("{} defines no [accounts.NAME]", self.path.display()))),
            _ => Err(Error::config(format!(
                "{} has several accounts and none has default = true; pick one with -a NAME",
                self.path.display()
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use crate::net::Security;

    fn parse_str(text: &str) -> Result<Config> {
        parse(Path::new("/cfg/config.toml"), text)
    }

    const GOOD: &str = r#"
[accounts.work]
default = true
email = "me@example.com"
name = "Me Myself"
user = "me"
password_command = ["pass", "show", "work"]

[accounts.work.imap]
host = "imap.example.com"

[accounts.work.smtp]
host = "smtp.example.com"
port = 587

[accounts.home]
email = "me@home.example"
password_env = "HOME_PW"
[accounts.home.imap]
host = "127.0.0.2"
port = 1143
tls = "starttls"
compress = false
connections = 2
fingerprint = "sha256:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF"
timeout = "5s"
"#;

    #[test]
    fn a_good_config_gets_its_defaults() {
        let cfg = parse_str(GOOD).unwrap();
        let work = cfg.account(None).unwrap();
        assert_eq!(work.name, "work");
        let imap = work.imap.as_ref().unwrap();
        assert_eq!((imap.server.endpoint.port, imap.server.endpoint.security), (993, Security::Implicit));
        assert_eq!(imap.server.user, "me");
        assert_eq!(imap.compress, crate::net::Compression::Auto);
        assert_eq!(imap.connections, 4);
        let smtp = work.smtp.as_ref().unwrap();
        assert_eq!((smtp.server.endpoint.port, smtp.server.endpoint.security), (587, Security::StartTls));
        let home = cfg.account(Some("home")).unwrap();
        let imap = home.imap.as_ref().unwrap();
        assert_eq!(imap.server.user, "me@home.example");
        assert_eq!(imap.compress, crate::net::Compression::Never);
        assert_eq!(imap.connections, 2);
        assert!(imap.server.endpoint.tls.fingerprint.is_some());
        assert_eq!(imap.server.endpoint.timeout, std::time::Duration::from_secs(5));
    }

    #[test]
    fn special_mailboxes_are_named_in_their_own_table() {
        let text = GOOD.replace(
            "[accounts.work.imap]",
            "sent_mailbox = \"Old Sent\"\n[accounts.work.mailboxes]\ntrash = \"INBOX.Bin\"\narchive = \"Keep\"\n\n[accounts.work.imap]",
        );
        let cfg = parse_str(&text).unwrap();
        let work = cfg.account(None).unwrap();
        assert_eq!(work.mailboxes.trash.as_deref(), Some("INBOX.Bin"));
        assert_eq!(work.mailboxes.archive.as_deref(), Some("Keep"));
        assert_eq!((work.mailboxes.sent.as_deref(), work.sent_mailbox.as_deref()), (None, Some("Old Sent")));
        let typo =
            GOOD.replace("[accounts.work.imap]", "[accounts.work.mailboxes]\ntrsh = \"x\"\n[accounts.work.imap]");
        let msg = parse_str(&typo).unwrap_err().to_string();
        assert!(msg.contains("unknown field `trsh`"), "{msg}");
    }

    fn config_error(text: &str) -> String {
        let err = parse_str(text).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config, "{err}");
        err.to_string()
    }

    #[test]
    fn unknown_keys_name_file_line_and_key() {
        let msg = config_error("[accounts.a]\npassword = \"x\"\n[accounts.a.imap]\nhots = \"h\"\n");
        assert!(msg.starts_with("/cfg/config.toml:4:"), "{msg}");
        assert!(msg.contains("hots"), "{msg}");
    }

    #[test]
    fn bad_values_name_the_line_and_key() {
        let msg = config_error(
            "[accounts.a]\npassword = \"x\"\nuser = \"u\"\n[accounts.a.imap]\nhost = \"h\"\ntls = \"maybe\"\n",
        );
        assert!(msg.starts_with("/cfg/config.toml:6: tls:"), "{msg}");
        let msg = config_error(
            "[accounts.a]\npassword = \"x\"\nuser = \"u\"\n[accounts.a.imap]\nhost = \"h\"\nport = \"x\"\n",
        );
        assert!(msg.starts_with("/cfg/config.toml:6: port:"), "{msg}");
        let msg = config_error(
            "[accounts.a]\npassword = \"x\"\nuser = \"u\"\n[accounts.a.imap]\nhost = \"h\"\nconnections = 0\n",
        );
        assert!(msg.contains(":6: connections:"), "{msg}");
        let msg = config_error(
            "[accounts.a]\nuser = \"u\"\n[accounts.a.imap]\nhost = \"h\"\npassword = \"x\"\npassword_env = \"Y\"\n",
        );
        assert!(msg.contains(":6: password_env:"), "{msg}");
        let msg = config_error(
            "[accounts.a]\nuser = \"u\"\npassword = \"p\"\n[accounts.a.smtp]\nhost = \"h\"\ncompress = true\n",
        );
        assert!(msg.contains(":6: unknown field `compress`, expected one of `port`, `host`"), "{msg}");
        assert!(msg.ends_with("(compress is only valid in the imap section)"), "{msg}");
    }

    #[test]
    fn keys_of_another_section_are_unknown_and_say_where_they_belong() {
        let msg = config_error(
            "[accounts.a]\nuser = \"u\"\npassword = \"p\"\n[accounts.a.imap]\nhost = \"h\"\npolicy = \"keep\"\n",
        );
        assert!(msg.starts_with("/cfg/config.toml:6: unknown field `policy`, expected one of `port`,"), "{msg}");
        assert!(msg.ends_with("(policy is only valid in the pop3 section)"), "{msg}");
        let msg = config_error(
            "[accounts.a]\nuser = \"u\"\npassword = \"p\"\nidle_refresh = \"5m\"\n[accounts.a.imap]\nhost = \"h\"\n",
        );
        assert!(
            msg.starts_with("/cfg/config.toml:4: unknown field `idle_refresh`, expected one of `default`,"),
            "{msg}"
        );
        assert!(msg.ends_with("(idle_refresh is only valid in the imap section)"), "{msg}");
        let msg =
            config_error("[accounts.a]\nuser = \"u\"\npassword = \"p\"\nport = 993\n[accounts.a.imap]\nhost = \"h\"\n");
        assert!(msg.ends_with("(port is only valid in the imap, pop3 or smtp section)"), "{msg}");
        let msg = config_error(
            "[accounts.a]\nuser = \"u\"\npassword = \"p\"\n[accounts.a.smtp]\nhost = \"h\"\nhots = \"h\"\n",
        );
        assert!(msg.ends_with("expected one of `port`, `host`, `tls`, `user`, `password_command`, `password_env`, `password`, `oauth2_token_command`, `ca_file`, `fingerprint`, `timeout`, `secret_timeout`"), "{msg}");
    }

    #[test]
    fn bad_enum_values_name_the_line_key_and_allowed_values() {
        let base = "[accounts.a]\nuser = \"u\"\npassword = \"p\"\n";
        let msg = config_error(&format!("{base}[accounts.a.imap]\nhost = \"h\"\ntls = \"maybe\"\n"));
        assert_eq!(
            msg,
            "/cfg/config.toml:6: tls: unknown variant `maybe`, expected one of `auto`, `implicit`, `starttls`, `none`"
        );
        let msg = config_error(&format!("{base}tls = \"STARTTLS\"\n[accounts.a.smtp]\nhost = \"h\"\n"));
        assert!(msg.starts_with("/cfg/config.toml:4: tls: unknown variant `STARTTLS`, expected one of"), "{msg}");
        let msg = config_error(&format!("{base}[accounts.a.pop3]\nhost = \"h\"\nauth = \"cram-md5\"\n"));
        assert_eq!(
            msg,
            "/cfg/config.toml:6: auth: unknown variant `cram-md5`, expected one of `auto`, `apop`, `user`, `plain`"
        );
        let msg = config_error(&format!("{base}[accounts.a.pop3]\nhost = \"h\"\n\npolicy = \"purge\"\n"));
        assert_eq!(msg, "/cfg/config.toml:7: policy: unknown variant `purge`, expected `keep` or `delete`");
        let msg = config_error(&format!("{base}[accounts.a.pop3]\nhost = \"h\"\npolicy = 1\n"));
        assert!(msg.starts_with("/cfg/config.toml:6: policy:"), "{msg}");
    }

    #[test]
    fn errors_in_inline_tables_name_their_own_key() {
        let base = "[accounts.a]\nuser = \"u\"\npassword = \"p\"\n";
        let msg = config_error(&format!("{base}imap = {{ host = \"h,=\", tls = \"maybe\" }}\n"));
        assert!(msg.starts_with("/cfg/config.toml:4: tls: unknown variant `maybe`"), "{msg}");
        let msg = config_error(&format!("{base}smtp = {{ host = \"h\", hots = true }}\n"));
        assert!(msg.starts_with("/cfg/config.toml:4: unknown field `hots`"), "{msg}");
        let msg = config_error(&format!("{base}imap.host = \"h\"\nimap.compress = 1\n"));
        assert!(msg.starts_with("/cfg/config.toml:5: imap.compress: invalid type"), "{msg}");
        let msg = config_error(&format!("{base}imap.host = \"h\"\nimap.compress = \"sometimes\"\n"));
        assert!(msg.starts_with("/cfg/config.toml:5: imap.compress: invalid value"), "{msg}");
        assert!(msg.contains("expected true, false or \"auto\""), "{msg}");
    }

    #[test]
    fn compress_takes_a_boolean_or_auto() {
        let base = "[accounts.a]\nuser = \"u\"\npassword = \"p\"\n[accounts.a.imap]\nhost = \"h\"\n";
        for (value, want) in [
            ("true", crate::net::Compression::Always),
            ("false", crate::net::Compression::Never),
            ("\"auto\"", crate::net::Compression::Auto),
        ] {
            let cfg = parse_str(&format!("{base}compress = {value}\n")).unwrap();
            assert_eq!(cfg.account(None).unwrap().imap.as_ref().unwrap().compress, want, "{value}");
        }
    }

    #[test]
    fn enum_values_reach_the_account() {
        let cfg = parse_str(
            "[accounts.a]\nuser=\"u\"\npassword=\"p\"\ntls=\"starttls\"\n[accounts.a.pop3]\nhost=\"h\"\nauth=\"apop\"\npolicy=\"delete\"\n\
             [accounts.a.smtp]\nhost=\"h\"\ntls=\"implicit\"\n[accounts.a.imap]\nhost=\"h\"\ntls=\"none\"\nport=1143\n",
        )
        .unwrap();
        let a = cfg.account(None).unwrap();
        let pop3 = a.pop3.as_ref().unwrap();
        assert_eq!((pop3.auth, pop3.policy), (Pop3Auth::Apop, Pop3Policy::Delete));
        assert_eq!((pop3.server.endpoint.port, pop3.server.endpoint.security), (110, Security::StartTls));
        let smtp = &a.smtp.as_ref().unwrap().server.endpoint;
        assert_eq!((smtp.port, smtp.security), (465, Security::Implicit));
        let imap = &a.imap.as_ref().unwrap().server.endpoint;
        assert_eq!((imap.port, imap.security), (1143, Security::DangerPlaintext));
        let cfg =
            parse_str("[accounts.a]\nuser=\"u\"\npassword=\"p\"\n[accounts.a.pop3]\nhost=\"h\"\ndelete_after_days=7\n")
                .unwrap();
        let pop3 = cfg.account(None).unwrap().pop3.as_ref().unwrap();
        assert_eq!((pop3.auth, pop3.policy), (Pop3Auth::Auto, Pop3Policy::DeleteAfterDays(7)));
    }

    #[test]
    fn missing_host_and_secret_are_reported() {
        let msg = config_error("[accounts.a]\nuser = \"u\"\npassword = \"p\"\n[accounts.a.imap]\nport = 993\n");
        assert!(msg.contains("host"), "{msg}");
        let msg = config_error("[accounts.a]\nuser = \"u\"\n[accounts.a.imap]\nhost = \"h\"\n");
        assert!(msg.contains("password_command"), "{msg}");
    }

    #[test]
    fn a_missing_config_suggests_owl_init_for_that_path() {
        let err = load(Path::new("/nonexistent/owl/config.toml")).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config);
        assert_eq!(err.hint(), Some("create it with: owl init -c /nonexistent/owl/config.toml"));
        assert!(err.to_string().starts_with("cannot read config /nonexistent/owl/config.toml"), "{err}");
    }

    #[test]
    fn broken_toml_names_the_line() {
        let msg = config_error("[accounts.a]\nuser = \"u\"\npassword = \n");
        assert!(msg.starts_with("/cfg/config.toml:3"), "{msg}");
    }

    #[test]
    fn account_selection() {
        let two = "[accounts.a]\nuser=\"u\"\npassword=\"p\"\n[accounts.a.imap]\nhost=\"h\"\n[accounts.b]\nuser=\"u\"\npassword=\"p\"\n[accounts.b.imap]\nhost=\"h\"\n";
        let cfg = parse_str(two).unwrap();
        assert!(cfg.account(None).unwrap_err().to_string().contains("-a NAME"));
        assert_eq!(cfg.account(Some("b")).unwrap().name, "b");
        assert!(cfg.account(Some("c")).unwrap_err().to_string().contains("accounts: a, b"));
    }

    #[test]
    fn auto_tls_follows_the_port() {
        let cfg = parse_str("[accounts.a]\nuser=\"u\"\npassword=\"p\"\n[accounts.a.imap]\nhost=\"h\"\nport=143\n[accounts.a.pop3]\nhost=\"h\"\n").unwrap();
        let a = cfg.account(None).unwrap();
        assert_eq!(a.imap.as_ref().unwrap().server.endpoint.security, Security::StartTls);
        let pop3 = &a.pop3.as_ref().unwrap().server.endpoint;
        assert_eq!((pop3.port, pop3.security), (995, Security::Implicit));
    }
}
