//! Finding the special mailboxes (Sent, Trash, Drafts, Junk, Archive), in
//! one place so `owl send`'s copy and `owl delete` agree on them.
//!
//! In order: the account's `[mailboxes]` key (the user knows best); the
//! mailbox the server marks with the RFC 6154 attribute; for Sent, the
//! older `sent_mailbox` key; then the names clients commonly use, looked
//! for inside the personal namespace (RFC 2342: `INBOX.Sent` on Courier,
//! where a top-level `Sent` cannot exist) and at the top. When none exists
//! and the caller wants one (a Sent copy, a delete), it is created under
//! the namespace prefix.

use crate::config::Account;
use crate::error::{Error, ErrorKind, Result, ResultExt};
use crate::imap::{self, ListEntry, MailboxName, SpecialUse};

/// A special mailbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Special {
    /// Sent mail.
    Sent,
    /// Deleted messages.
    Trash,
    /// Unsent drafts.
    Drafts,
    /// Spam.
    Junk,
    /// Archived mail.
    Archive,
}

impl Special {
    /// The config key that names it, under `[accounts.NAME.mailboxes]`.
    pub fn key(self) -> &'static str {
        match self {
            Special::Sent => "sent",
            Special::Trash => "trash",
            Special::Drafts => "drafts",
            Special::Junk => "junk",
            Special::Archive => "archive",
        }
    }

    fn configured(self, account: &Account) -> Option<&str> {
        let m = &account.mailboxes;
        match self {
            Special::Sent => m.sent.as_deref(),
            Special::Trash => m.trash.as_deref(),
            Special::Drafts => m.drafts.as_deref(),
            Special::Junk => m.junk.as_deref(),
            Special::Archive => m.archive.as_deref(),
        }
    }

    fn special_use(self) -> SpecialUse {
        match self {
            Special::Sent => SpecialUse::Sent,
            Special::Trash => SpecialUse::Trash,
            Special::Drafts => SpecialUse::Drafts,
            Special::Junk => SpecialUse::Junk,
            Special::Archive => SpecialUse::Archive,
        }
    }

    /// Names other clients give it, the one owl creates first.
    pub fn common_names(self) -> &'static [&'static str] {
        match self {
            Special::Sent => &["Sent", "Sent Items", "Sent Messages"],
            Special::Trash => &["Trash", "Deleted Items", "Deleted Messages"],
            Special::Drafts => &["Drafts"],
            Special::Junk => &["Junk", "Spam"],
            Special::Archive => &["Archive"],
        }
    }

    fn title(self) -> &'static str {
        match self {
            Special::Sent => "Sent",
            Special::Trash => "Trash",
            Special::Drafts => "Drafts",
            Special::Junk => "Junk",
            Special::Archive => "Archive",
        }
    }
}

/// Whether to create the mailbox when the account has none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Missing {
    /// Create it under the personal namespace prefix.
    Create,
    /// An error (66) naming where owl looked.
    Fail,
}

/// The account's `which` mailbox, found (or created) over `session`.
pub fn find(session: &mut imap::Session, account: &Account, which: Special, missing: Missing) -> Result<MailboxName> {
    let entries = session.list()?;
    let listed = |name: &MailboxName| entries.iter().any(|e| e.name.same(name));
    if let Some(name) = which.configured(account) {
        let name = MailboxName::new(name);
        if !listed(&name) && missing == Missing::Create {
            create(session, &name)?;
        }
        return Ok(name);
    }
    if let Some(entry) = entries.iter().find(|e| e.has_use(which.special_use()) && e.is_selectable()) {
        return Ok(entry.name.clone());
    }
    if which == Special::Sent
        && let Some(name) = account.sent_mailbox.as_deref()
    {
        let name = MailboxName::new(name);
        if !listed(&name) && missing == Missing::Create {
            create(session, &name)?;
        }
        return Ok(name);
    }
    let prefix = session.namespace()?.map(|ns| ns.prefix).unwrap_or_default();
    if let Some(name) = by_common_name(&entries, &prefix, which) {
        return Ok(name);
    }
    match missing {
        Missing::Create => {
            let name = MailboxName::from_wire(format!("{prefix}{}", which.common_names()[0]));
            create(session, &name)?;
            log::info!("created the {} mailbox \"{name}\"", which.title());
            Ok(name)
        }
        Missing::Fail => Err(Error::new(
            ErrorKind::NoInput,
            format!(
                "no {} mailbox: the server marks none and none of {} exists",
                which.title(),
                which.common_names().iter().map(|n| format!("\"{prefix}{n}\"")).collect::<Vec<_>>().join(", ")
            ),
        )
        .with_hint(format!("name it in the config: [accounts.NAME.mailboxes] {} = \"...\"", which.key()))),
    }
}

/// The first common name that exists, inside the namespace prefix before
/// at the top, exactly before in any case.
fn by_common_name(entries: &[ListEntry], prefix: &str, which: Special) -> Option<MailboxName> {
    let mut candidates: Vec<String> = which.common_names().iter().map(|n| format!("{prefix}{n}")).collect();
    if !prefix.is_empty() {
        candidates.extend(which.common_names().iter().map(|n| n.to_string()));
    }
    let selectable = || entries.iter().filter(|e| e.is_selectable());
    for exact in [true, false] {
        for candidate in &candidates {
            let hit = selectable().find(|e| {
                if exact { e.name.wire() == candidate } else { e.name.wire().eq_ignore_ascii_case(candidate) }
            });
            if let Some(entry) = hit {
                return Some(entry.name.clone());
            }
        }
    }
    None
}

fn create(session: &mut imap::Session, name: &MailboxName) -> Result<()> {
    session.create(name).with_context(|| format!("mailbox \"{name}\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: &str, attributes: &[&str]) -> ListEntry {
        ListEntry {
            name: MailboxName::from_wire(name.to_string()),
            delimiter: Some(".".into()),
            attributes: attributes.iter().map(|a| a.to_string()).collect(),
        }
    }

    #[test]
    fn common_names_are_looked_for_inside_the_namespace_first() {
        let entries = [entry("INBOX", &[]), entry("Trash", &[]), entry("INBOX.Deleted Items", &[])];
        let found = by_common_name(&entries, "INBOX.", Special::Trash).unwrap();
        assert_eq!(found.wire(), "INBOX.Deleted Items");
        assert_eq!(by_common_name(&entries, "", Special::Trash).unwrap().wire(), "Trash");
        let spam = [entry("spam", &[]), entry("Junk", &["\\Noselect"])];
        assert_eq!(by_common_name(&spam, "", Special::Junk).unwrap().wire(), "spam", "any case, selectable only");
        assert_eq!(by_common_name(&entries, "", Special::Archive), None);
    }
}
