//! `owl reply MAILBOX UID [--all]`: an answer to a message on the server,
//! by the rules of [`crate::model::reply`]; once delivered, the original is
//! flagged `\Answered` (see [`crate::cmd::send::answered`]).

use super::original::Fetched;
use crate::config::Account;
use crate::error::{Error, Result};
use crate::model::compose::Draft;
use crate::model::reply::{self, address_list};

/// The answer to `original` from `account`, with the user's `text` above
/// the quote; `all` answers everyone it went to.
pub fn draft(account: &Account, original: &Fetched, all: bool, text: &str) -> Result<Draft> {
    let email = account.email.clone().ok_or_else(|| {
        Error::config(format!(
            "account \"{}\" has no email to reply from: set email in [accounts.{}]",
            account.name, account.name
        ))
    })?;
    let mut own = account.aliases.clone();
    own.push(email.clone());
    let parent = &original.parent;
    let (to, cc) = reply::recipients(parent, all, &own);
    let (in_reply_to, references) = reply::threading(parent);
    let list = |l: &[crate::model::header::Mailbox]| if l.is_empty() { Vec::new() } else { vec![address_list(l)] };
    Ok(Draft {
        from: (account.display_name.clone(), email),
        to: list(&to),
        cc: list(&cc),
        subject: Some(reply::reply_subject(&parent.subject)),
        in_reply_to,
        references,
        text: reply::above(text, &reply::quote(parent, &original.view.text)),
        ..Draft::default()
    })
}
