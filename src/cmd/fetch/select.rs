//! Which mailboxes a fetch backs up: those named on the command line, else
//! the account's `fetch.mailboxes`, else every selectable mailbox; minus
//! `--exclude` patterns (`*` matches anything, `?` one character).

use crate::error::{Error, Result};
use crate::imap::ListEntry;
use crate::model::utf7;

/// A mailbox to back up.
#[derive(Debug, Clone)]
pub struct Target {
    /// Decoded name, for people and for the store.
    pub name: String,
    /// Name as the server wants it (modified UTF-7).
    pub wire: String,
    /// Hierarchy delimiter.
    pub delimiter: Option<char>,
}

/// Picks the mailboxes to back up from the server's list.
pub fn targets(entries: &[ListEntry], wanted: &[String], exclude: &[String]) -> Result<Vec<Target>> {
    let all: Vec<Target> = entries
        .iter()
        .filter(|e| e.is_selectable())
        .map(|e| Target {
            name: utf7::decode_mailbox(&e.name),
            wire: e.name.clone(),
            delimiter: e.delimiter.as_deref().and_then(|d| d.chars().next()),
        })
        .collect();
    let mut chosen = Vec::new();
    if wanted.is_empty() {
        chosen = all;
    } else {
        for want in wanted {
            let found = all.iter().find(|t| same_name(&t.name, want));
            match found {
                Some(t) => chosen.push(t.clone()),
                None => return Err(Error::usage(format!("no mailbox \"{want}\" on the server"))),
            }
        }
    }
    chosen.retain(|t| !exclude.iter().any(|p| glob(p, &t.name)));
    chosen.sort_by_key(|t| !t.name.eq_ignore_ascii_case("INBOX"));
    Ok(chosen)
}

fn same_name(a: &str, b: &str) -> bool {
    a == b || (a.eq_ignore_ascii_case("INBOX") && b.eq_ignore_ascii_case("INBOX"))
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
            name: name.into(),
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
        assert_eq!(all[2].wire, "&ZeVnLIqe-");
        let named = targets(&entries, &["inbox".into(), "日本語".into()], &[]).unwrap();
        assert_eq!(named.len(), 2);
        assert!(targets(&entries, &["Nope".into()], &[]).is_err());
    }
}
