//! The message a reply or forward starts from, fetched with `owl fetch`'s
//! own reader ([`crate::cmd::read::raw`]: the exact bytes, not marked
//! seen), plus the mailbox's UIDVALIDITY, so that the answer's outbox
//! entry can name it safely for the `\Answered` flag.

use super::super::context::Context;
use super::super::read;
use crate::error::{Result, ResultExt};
use crate::imap::MailboxName;
use crate::model::message::MessageView;
use crate::model::reply::Parent;
use crate::store::outbox::Original;

/// A message from the server, read for answering.
pub struct Fetched {
    /// Its exact bytes.
    pub bytes: Vec<u8>,
    /// Its headers, for threading and recipients.
    pub parent: Parent,
    /// Its decoded text and attachments.
    pub view: MessageView,
    /// Where it is; `None` when the server gave no UIDVALIDITY (then the
    /// flag cannot be set safely later).
    pub original: Option<Original>,
}

/// Fetches message `uid` of `mailbox`.
pub fn fetch(ctx: &Context, mailbox: &str, uid: u32) -> Result<Fetched> {
    let uidvalidity = {
        let pool = ctx.imap()?;
        let mut session = pool.get()?;
        let name = MailboxName::new(mailbox);
        session.examine(&name, false).with_context(|| format!("mailbox \"{name}\""))?.uidvalidity
    };
    let mut bytes = Vec::new();
    read::raw(ctx, mailbox, uid, &mut bytes)?;
    Ok(Fetched {
        parent: Parent::parse(&bytes),
        view: MessageView::parse(&bytes),
        original: uidvalidity.map(|uidvalidity| Original { mailbox: mailbox.to_string(), uidvalidity, uid }),
        bytes,
    })
}
