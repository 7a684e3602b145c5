//! `owl forward MAILBOX UID`: a message passed on, inline (a header block
//! and its text, its attachments attached again) or, with `--attach`, as
//! one message/rfc822 attachment holding its exact bytes.

use super::original::Fetched;
use crate::config::Account;
use crate::error::{Error, Result};
use crate::model::attachment::{attachments_with_data, safe_filename_typed};
use crate::model::compose::{AttachmentFile, Draft};
use crate::model::reply;

/// How the original travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// In the body, attachments kept.
    Inline,
    /// As a message/rfc822 attachment.
    Attached,
}

/// The forward of `original` from `account` to `to` and `cc`, with the
/// user's `text` first.
pub fn draft(
    account: &Account,
    original: &Fetched,
    to: &[String],
    cc: &[String],
    style: Style,
    text: &str,
) -> Result<Draft> {
    let email = account.email.clone().ok_or_else(|| {
        Error::config(format!(
            "account \"{}\" has no email to send from: set email in [accounts.{}]",
            account.name, account.name
        ))
    })?;
    let parent = &original.parent;
    let (text, attachments) = match style {
        Style::Inline => {
            let files = attachments_with_data(&original.bytes)
                .into_iter()
                .map(|(att, data)| AttachmentFile {
                    name: att
                        .filename
                        .clone()
                        .unwrap_or_else(|| safe_filename_typed(None, att.index, &att.content_type)),
                    data,
                    content_type: Some(att.content_type),
                })
                .collect();
            (reply::above(text, &reply::forwarded_block(parent, &original.view.text)), files)
        }
        Style::Attached => {
            let file = AttachmentFile {
                name: format!("{}.eml", safe_filename_typed(Some(&parent.subject), 1, "")),
                data: original.bytes.clone(),
                content_type: Some("message/rfc822".to_string()),
            };
            (text.to_string(), vec![file])
        }
    };
    Ok(Draft {
        from: (account.display_name.clone(), email),
        to: to.to_vec(),
        cc: cc.to_vec(),
        subject: Some(reply::forward_subject(&parent.subject)),
        text,
        attachments,
        ..Draft::default()
    })
}
