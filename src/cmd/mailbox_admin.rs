//! `owl mailbox create|rename|delete`: changing the account's mailboxes.
//! Deleting one deletes its messages with it, so a mailbox that holds any
//! is deleted only with `--force`, and the report says how many went.

use serde::Serialize;

use super::context::Context;
use crate::error::{Error, ErrorKind, Result, ResultExt};
use crate::imap::{MailboxName, StatusItem};

/// What changed (the `--json` schema of `owl mailbox`).
#[derive(Debug, Clone, Serialize)]
pub struct MailboxChange {
    /// `create`, `rename` or `delete`.
    pub action: &'static str,
    /// The mailbox.
    pub mailbox: String,
    /// Its new name (rename).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_name: Option<String>,
    /// How many messages went with it (delete).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub messages: Option<u32>,
}

/// What to do.
#[derive(Debug, Clone)]
pub enum Change {
    /// Create NAME.
    Create(String),
    /// Rename NAME to NEW.
    Rename(String, String),
    /// Delete NAME; `force` deletes one that holds messages.
    Delete {
        /// The mailbox.
        name: String,
        /// Whether messages may go with it.
        force: bool,
    },
}

/// Runs `owl mailbox ...`.
pub fn run(ctx: &Context, change: &Change) -> Result<MailboxChange> {
    let pool = ctx.imap()?;
    let mut session = pool.get()?;
    match change {
        Change::Create(name) => {
            let name = MailboxName::new(name);
            session.create(&name).with_context(|| format!("mailbox \"{name}\""))?;
            Ok(MailboxChange { action: "create", mailbox: name.to_string(), new_name: None, messages: None })
        }
        Change::Rename(from, to) => {
            let (from, to) = (MailboxName::new(from), MailboxName::new(to));
            exists(&mut session, &from)?;
            session.rename(&from, &to).with_context(|| format!("mailbox \"{from}\""))?;
            Ok(MailboxChange {
                action: "rename",
                mailbox: from.to_string(),
                new_name: Some(to.to_string()),
                messages: None,
            })
        }
        Change::Delete { name, force } => {
            let name = MailboxName::new(name);
            exists(&mut session, &name)?;
            let status = session.status(std::slice::from_ref(&name), &[StatusItem::Messages])?;
            let messages = status.into_iter().next().transpose()?.and_then(|s| s.messages).unwrap_or(0);
            if messages > 0 && !force {
                return Err(Error::usage(format!(
                    "mailbox \"{name}\" holds {messages} message(s); deleting it deletes them: nothing done"
                ))
                .with_hint("add --force to delete it with its messages"));
            }
            session.delete(&name).with_context(|| format!("mailbox \"{name}\""))?;
            Ok(MailboxChange { action: "delete", mailbox: name.to_string(), new_name: None, messages: Some(messages) })
        }
    }
}

/// A missing mailbox is no such input (66): servers refuse STATUS and
/// RENAME of one with a plain NO, which says less.
fn exists(session: &mut crate::imap::Session, name: &MailboxName) -> Result<()> {
    if session.list()?.iter().any(|e| e.name.same(name)) {
        return Ok(());
    }
    Err(Error::new(ErrorKind::NoInput, format!("no mailbox \"{name}\"")))
}
