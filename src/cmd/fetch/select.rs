//! Which mailboxes a fetch backs up: those named on the command line, else
//! the account's `fetch.mailboxes`, else every selectable mailbox; minus
//! `--exclude` patterns (`*` matches anything, `?` one character).

use crate::error::{Error, ErrorKind, Result};
use crate::imap::{ListEntry, MailboxName};

/// A mailbox to back up.
#[derive(Debug, Clone)]
pub struct Target {
    /// Its name (decoded for people and the store, wire form for the
    /// server).
    pub name: MailboxName,
    /// Hierarchy delimiter.
    pub delimiter: Option<char>,
}

/// Picks the mailboxes to back up from the server's list.
pub fn targets(entries: &[ListEntry], wanted: &[String], exclude: &[String]) -> Result<Vec<Target>> {
    let all: Vec<Target> = entries
        .iter()
        .filter(|e| e.is_selectable())
        .map(|e| Target { name: e.name.clone(), delimiter: e.delimiter.as_deref().and_then(|d| d.chars().next()) })
        .collect();
    let mut chosen = Vec::new();
    if wanted.is_empty() {
        chosen = all;
    } else {
        for want in wanted {
            match all.iter().find(|t| t.name.is(want)) {
                Some(t) => chosen.push(t.clone()),
                None => return Err(Error::new(ErrorKind::NoInput, format!("no mailbox \"{want}\" on the server"))),
            }
        }
    }
    chosen.retain(|t| !exclude.iter().any(|p| glob(p, t.name.as_str())));
    chosen.sort_by_key(|t| !t.name.is_inbox());
    Ok(chosen)
}

/// Matches `name` against a pattern with `*` and `?`.
pub fn glob(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    let (mut pi, mut ni) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ni < n.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == n[ni]) {
            pi += 1;
            ni += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ni));
            pi += 1;
        } else if let Some((sp, sn)) = star {
            pi = sp + 1;
            ni = sn + 1;
            star = Some((sp, sn + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: &str, attrs: &[&str]) -> ListEntry {
        ListEntry {
            name: MailboxName::from_wire(name),
            delimiter: Some("/".into()),
            attributes: attrs.iter().map(|a| a.to_string()).collect(),
        }
    }

    #[test]
    fn globs() {
        assert!(glob("Trash", "Trash"));
        assert!(glob("Archive/*", "Archive/2024"));
        assert!(!glob("Archive/*", "Archive"));
        assert!(glob("*spam*", "Old spam box"));
        assert!(glob("?unk", "Junk"));
        assert!(!glob("Junk", "Junk2"));
    }

    #[test]
    fn picks_named_or_all_minus_excluded_inbox_first() {
        let entries = [
            entry("Work", &[]),
            entry("INBOX", &[]),
            entry("Trash", &[]),
            entry("Folder", &["\\Noselect"]),
            entry("&ZeVnLIqe-", &[]),
        ];
        let all = targets(&entries, &[], &["Trash".into()]).unwrap();
        let names: Vec<_> = all.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["INBOX", "Work", "日本語"]);
        assert_eq!(all[2].name.wire(), "&ZeVnLIqe-");
        let named = targets(&entries, &["inbox".into(), "日本語".into()], &[]).unwrap();
        assert_eq!(named.len(), 2);
        assert!(targets(&entries, &["Nope".into()], &[]).is_err());
    }
}
