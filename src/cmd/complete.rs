//! The values shell completion offers (`owl -a <Tab>`, `owl list <Tab>`):
//! account and mailbox names from what is on this machine. Completion
//! runs on every Tab, so this never prompts, never runs a password
//! command, never connects (unless a warm session is already open) and
//! turns every failure (no config, a broken one, an unreadable backup)
//! into no candidates: a shell has nowhere to show an error.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use crate::cmd::local;
use crate::config::{self, Account};
use crate::imap;
use crate::net::Counters;
use crate::store;

/// What the command line typed so far says about where to look.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    /// `-c PATH`, if given.
    pub config: Option<PathBuf>,
    /// `-a NAME`, if given.
    pub account: Option<String>,
    /// `--local STORE` or `--into STORE`, if given: the mailboxes are
    /// then that store's.
    pub store: Option<String>,
}

impl Scope {
    /// The config file this command line would read: `-c`, else
    /// `OWL_CONFIG`, else the default path.
    pub fn config_path(&self) -> Option<PathBuf> {
        match &self.config {
            Some(path) => Some(config::expand_tilde(&path.to_string_lossy())),
            None => match std::env::var_os("OWL_CONFIG") {
                Some(path) if !path.is_empty() => Some(PathBuf::from(path)),
                _ => config::default_path(),
            },
        }
    }

    fn config(&self) -> Option<config::Config> {
        config::load(&self.config_path()?).ok()
    }
}

/// The configured account names, sorted.
pub fn accounts(scope: &Scope) -> Vec<String> {
    scope.config().map(|c| c.accounts.into_iter().map(|a| a.name).collect()).unwrap_or_default()
}

/// The mailboxes of the store the command line names; else of the
/// account it names (else the default one): those the config names
/// (fetch list and special mailboxes), those of its backup store, and
/// those a warm session lists. Sorted, without duplicates.
pub fn mailboxes(scope: &Scope) -> Vec<String> {
    if let Some(spec) = &scope.store {
        return backup_mailboxes(&local::root(spec));
    }
    let Some(config) = scope.config() else { return Vec::new() };
    let Ok(account) = config.account(scope.account.as_deref()) else { return Vec::new() };
    let mut names = configured_mailboxes(account);
    if let Some(spec) = &account.fetch.into {
        names.extend(backup_mailboxes(&local::root(spec)));
    }
    names.extend(warm_session_mailboxes(account).unwrap_or_default());
    names.sort();
    names.dedup();
    names
}

/// The mailboxes of a backup store at `root` (what `owl list --local`
/// shows, empty ones too), from its directory tree alone.
pub fn backup_mailboxes(root: &Path) -> Vec<String> {
    store::read::mailbox_names(root)
}

/// Mailbox names written in the account's config; fetch patterns with
/// wildcards are not names and are left out.
fn configured_mailboxes(account: &Account) -> Vec<String> {
    let special = &account.mailboxes;
    let named =
        [&special.sent, &special.trash, &special.drafts, &special.junk, &special.archive, &account.sent_mailbox];
    let fetch = account.fetch.mailboxes.iter().filter(|m| !m.contains(['*', '?', '%']));
    fetch.cloned().chain(named.into_iter().flatten().cloned()).collect()
}

/// The server's own list, asked through a connection the account's
/// session holder lends, when one is running: a LIST that must answer
/// within [`WARM_LIST_WITHIN`]. `None` otherwise, and then completion
/// never connects or runs a password command.
fn warm_session_mailboxes(account: &Account) -> Option<Vec<String>> {
    let settings = account.imap.as_ref()?;
    let mut endpoint = settings.server.endpoint.clone();
    endpoint.timeout = WARM_LIST_WITHIN;
    let options = imap::Options { endpoint, compress: settings.compress, label: "complete".into() };
    let link = crate::cmd::session::client::Link::new(account, settings);
    let mut session = link.borrow_running(&options, Arc::new(Counters::default()))?;
    let entries = session.list().map_err(|e| log::info!("completion: LIST through the session holder: {e}")).ok()?;
    Some(entries.into_iter().filter(|e| e.is_selectable()).map(|e| e.name.to_string()).collect())
}

/// How long a Tab may wait for the server's list through a warm session.
const WARM_LIST_WITHIN: Duration = Duration::from_secs(1);

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: &str = r#"
[accounts.home]
email = "me@home.example"
user = "me"
password_command = "echo never run"
[accounts.home.imap]
host = "imap.home.example"

[accounts.work]
default = true
email = "me@work.example"
user = "me"
password_command = "false"
[accounts.work.imap]
host = "imap.work.example"
[accounts.work.mailboxes]
trash = "Bin"
[accounts.work.fetch]
into = "maildir:STORE"
mailboxes = ["INBOX", "Projects", "Lists/*"]
"#;

    fn setup() -> (tempfile::TempDir, Scope) {
        let dir = tempfile::tempdir().unwrap();
        let store = dir.path().join("store");
        for path in ["INBOX/cur/1:2,S", "Archive/cur/2:2,S", "Old.mbox"] {
            let p = store.join(path);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "x").unwrap();
        }
        let config = dir.path().join("config.toml");
        std::fs::write(&config, CONFIG.replace("STORE", &store.display().to_string())).unwrap();
        (dir, Scope { config: Some(config), ..Scope::default() })
    }

    #[test]
    fn accounts_are_the_configured_names() {
        let (_dir, scope) = setup();
        assert_eq!(accounts(&scope), ["home", "work"]);
    }

    #[test]
    fn mailboxes_join_the_config_and_the_backup_of_the_account() {
        let (dir, scope) = setup();
        assert_eq!(mailboxes(&scope), ["Archive", "Bin", "INBOX", "Old", "Projects"]);
        let home = Scope { account: Some("home".into()), ..scope.clone() };
        assert!(mailboxes(&home).is_empty(), "home has no fetch list and no backup");
        let unknown = Scope { account: Some("nope".into()), ..scope.clone() };
        assert!(mailboxes(&unknown).is_empty());
        let store = Scope { store: Some(format!("mbox:{}", dir.path().join("store").display())), ..scope };
        assert_eq!(mailboxes(&store), ["Archive", "INBOX", "Old"], "--local STORE: that store's only");
    }

    #[test]
    fn a_missing_or_broken_config_gives_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let missing = Scope { config: Some(dir.path().join("none.toml")), ..Scope::default() };
        assert!(accounts(&missing).is_empty() && mailboxes(&missing).is_empty());
        let broken = dir.path().join("broken.toml");
        std::fs::write(&broken, "[accounts.x\nimap = 3").unwrap();
        let broken = Scope { config: Some(broken), ..Scope::default() };
        assert!(accounts(&broken).is_empty() && mailboxes(&broken).is_empty());
    }
}
