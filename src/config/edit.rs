//! Adding an account to the config file, for `owl init`.
//!
//! A person's config is theirs: its comments, order and spacing are kept
//! byte for byte. A new account is appended as text (made by toml_edit, so
//! every value is quoted right); only replacing an account (`--force`)
//! edits the document, through toml_edit, which keeps the rest as
//! written. The result is validated like any config before it is written,
//! and it is written whole (temp file, then rename) with mode 0600, since
//! it may hold a password.

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

use toml_edit::{DocumentMut, Item, Table, value};

use crate::error::{Error, Result};
use crate::net::{Fingerprint, Security};

/// An account as `owl init` found it.
#[derive(Debug, Clone)]
pub struct NewAccount {
    /// Its name: `[accounts.NAME]`.
    pub name: String,
    /// The address mail is sent from.
    pub email: String,
    /// Login name for both servers.
    pub user: String,
    /// Where the password comes from.
    pub secret: NewSecret,
    /// The IMAP server.
    pub imap: Option<NewServer>,
    /// The SMTP server.
    pub smtp: Option<NewServer>,
    /// Whether it becomes the default account (the first one does).
    pub default: bool,
}

/// Where the password of a new account comes from.
#[derive(Clone)]
pub enum NewSecret {
    /// `password_command`, run by `sh -c`.
    Command(String),
    /// `password_env`: the variable's name.
    Env(String),
    /// `password`: written into the file.
    Password(String),
}

impl fmt::Debug for NewSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NewSecret::Command(c) => f.debug_tuple("Command").field(c).finish(),
            NewSecret::Env(v) => f.debug_tuple("Env").field(v).finish(),
            NewSecret::Password(_) => f.write_str("Password(<redacted>)"),
        }
    }
}

/// One server of a new account.
#[derive(Debug, Clone)]
pub struct NewServer {
    /// Host name.
    pub host: String,
    /// Port.
    pub port: u16,
    /// Implicit TLS or STARTTLS (never plaintext: init does not offer it).
    pub security: Security,
    /// A CA file to trust instead of the system roots.
    pub ca_file: Option<PathBuf>,
    /// A pinned certificate.
    pub fingerprint: Option<Fingerprint>,
}

/// The names of the accounts in config `text`.
pub fn account_names(path: &Path, text: &str) -> Result<Vec<String>> {
    let doc = document(path, text)?;
    Ok(doc
        .get("accounts")
        .and_then(Item::as_table_like)
        .map(|t| t.iter().map(|(k, _)| k.to_string()).collect())
        .unwrap_or_default())
}

/// The error for adding an account whose name is taken (exit 73: the
/// account cannot be created).
pub fn exists(path: &Path, name: &str) -> Error {
    Error::new(crate::error::ErrorKind::CantCreate, format!("{}: account \"{name}\" exists already", path.display()))
        .with_hint("--force replaces it; --name picks another name")
}

/// Config `existing` (none: a new file) with `account` added. An account
/// of that name is an error unless `replace`, which removes it first.
pub fn with_account(path: &Path, existing: Option<&str>, account: &NewAccount, replace: bool) -> Result<String> {
    let existing = existing.unwrap_or("");
    let names = account_names(path, existing)?;
    if names.contains(&account.name) {
        if !replace {
            return Err(exists(path, &account.name));
        }
        return replaced(path, existing, account);
    }
    let mut text = existing.to_string();
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    if !text.trim().is_empty() {
        text.push('\n');
    }
    let mut accounts = Table::new();
    accounts.set_implicit(true);
    accounts[&account.name] = Item::Table(account_table(account));
    let mut doc = DocumentMut::new();
    doc["accounts"] = Item::Table(accounts);
    text.push_str(&doc.to_string());
    Ok(text)
}

/// `existing` with the account of that name replaced where it stood: the
/// comments above its header stay, what was inside it goes.
fn replaced(path: &Path, existing: &str, account: &NewAccount) -> Result<String> {
    let mut doc = document(path, existing)?;
    let Some(accounts) = doc.get_mut("accounts").and_then(Item::as_table_mut) else {
        return Err(Error::config(format!("{}: [accounts] is not a table that owl can edit", path.display())));
    };
    let mut table = account_table(account);
    if let Some(old) = accounts.get(&account.name).and_then(Item::as_table) {
        *table.decor_mut() = old.decor().clone();
        table.set_position(old.position());
    }
    accounts.insert(&account.name, Item::Table(table));
    Ok(doc.to_string())
}

/// `[accounts.NAME]` with its server tables.
fn account_table(account: &NewAccount) -> Table {
    let mut table = Table::new();
    if account.default {
        table["default"] = value(true);
    }
    table["email"] = value(&account.email);
    table["user"] = value(&account.user);
    match &account.secret {
        NewSecret::Command(c) => table["password_command"] = value(c),
        NewSecret::Env(v) => table["password_env"] = value(v),
        NewSecret::Password(p) => table["password"] = value(p),
    }
    for (key, server) in [("imap", &account.imap), ("smtp", &account.smtp)] {
        if let Some(server) = server {
            table[key] = Item::Table(server_table(server));
        }
    }
    table
}

fn server_table(server: &NewServer) -> Table {
    let mut t = Table::new();
    t["host"] = value(&server.host);
    t["port"] = value(i64::from(server.port));
    t["tls"] = value(server.security.as_str());
    if let Some(ca) = &server.ca_file {
        t["ca_file"] = value(ca.display().to_string());
    }
    if let Some(fp) = &server.fingerprint {
        t["fingerprint"] = value(fp.to_string());
    }
    t
}

fn document(path: &Path, text: &str) -> Result<DocumentMut> {
    text.parse::<DocumentMut>()
        .map_err(|e| Error::config(format!("{}: {}", path.display(), e.to_string().trim().replace('\n', " "))))
}

/// Writes `text` to `path` whole: a temp file beside it (mode 0600), then
/// a rename, so a reader sees the old file or the new one, never half.
/// Missing parent directories are made with mode 0700. A symlinked config
/// (a dotfiles repository) is written where the link points.
pub fn write(path: &Path, text: &str) -> Result<PathBuf> {
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
    let target = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&dir)
        .map_err(|e| Error::local_io(format!("cannot create {}", dir.display()), e))?;
    let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "config.toml".into());
    let temp = dir.join(format!(".{name}.owl-init-{}", std::process::id()));
    let cant = |e: std::io::Error| Error::local_io(format!("cannot write {}", temp.display()), e);
    let result = (|| {
        let mut file = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&temp)?;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        std::fs::rename(&temp, &target)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&temp);
        return Err(cant(e));
    }
    // The rename is durable once the directory is.
    if let Ok(d) = std::fs::File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(target)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(name: &str) -> NewAccount {
        NewAccount {
            name: name.into(),
            email: "me@example.org".into(),
            user: "me".into(),
            secret: NewSecret::Command("pass show \"mail/me\"".into()),
            imap: Some(NewServer {
                host: "imap.example.org".into(),
                port: 993,
                security: Security::Implicit,
                ca_file: None,
                fingerprint: None,
            }),
            smtp: Some(NewServer {
                host: "smtp.example.org".into(),
                port: 587,
                security: Security::StartTls,
                ca_file: Some("/etc/ca.pem".into()),
                fingerprint: None,
            }),
            default: false,
        }
    }

    const COMMENTED: &str = "# my accounts\n[accounts.old]   # the old one\nemail = \"o@example.org\"\n\
        password_env = \"X\" # keep\n\n[accounts.old.imap]\nhost = \"h\"\n# trailing comment";

    #[test]
    fn adding_keeps_the_old_text_byte_for_byte() {
        let path = Path::new("c.toml");
        let text = with_account(path, Some(COMMENTED), &account("new"), false).unwrap();
        assert!(text.starts_with(COMMENTED), "{text}");
        let added = &text[COMMENTED.len()..];
        assert!(added.starts_with("\n\n[accounts.new]\n"), "{added}");
        assert!(!added.contains("[accounts]\n"), "{added}");
        assert!(
            added.contains("password_command = 'pass show \"mail/me\"'")
                || added.contains(r#"password_command = "pass show \"mail/me\"""#),
            "{added}"
        );
        assert!(
            added.contains("[accounts.new.imap]\nhost = \"imap.example.org\"\nport = 993\ntls = \"implicit\"\n"),
            "{added}"
        );
        assert!(added.contains("[accounts.new.smtp]"), "{added}");
        let mut plain = account("new");
        plain.smtp.as_mut().unwrap().ca_file = None;
        let valid = with_account(path, Some(COMMENTED), &plain, false).unwrap();
        let config = crate::config::parse(path, &valid).unwrap();
        assert_eq!(config.accounts.iter().map(|a| a.name.as_str()).collect::<Vec<_>>(), ["new", "old"]);
        assert_eq!(account_names(path, &text).unwrap(), ["old", "new"]);
    }

    #[test]
    fn an_existing_name_is_refused_unless_replaced() {
        let path = Path::new("c.toml");
        let err = with_account(path, Some(COMMENTED), &account("old"), false).unwrap_err();
        assert_eq!(err.exit_code(), 73);
        assert!(err.to_string().contains("account \"old\" exists already"), "{err}");
        let text = with_account(path, Some(COMMENTED), &account("old"), true).unwrap();
        assert!(
            text.starts_with("# my accounts\n[accounts.old]   # the old one\nemail = \"me@example.org\"\n"),
            "{text}"
        );
        assert!(text.ends_with("# trailing comment"), "{text}");
        assert_eq!(account_names(path, &text).unwrap(), ["old"]);
        assert!(!text.contains("o@example.org"), "{text}");
    }

    #[test]
    fn a_new_file_gets_just_the_account() {
        let mut first = account("first");
        first.default = true;
        let text = with_account(Path::new("c.toml"), None, &first, false).unwrap();
        assert!(text.starts_with("[accounts.first]\ndefault = true\n"), "{text}");
    }

    #[test]
    fn a_password_never_shows_in_debug() {
        assert_eq!(format!("{:?}", NewSecret::Password("hunter2".into())), "Password(<redacted>)");
    }
}
