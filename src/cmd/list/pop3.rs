//! `owl list` on a POP3 account: the maildrop's messages, newest first,
//! with number, UIDL, size, and From/Subject/Date from `TOP n 0`.

use serde::Serialize;

use super::ListArgs;
use crate::cmd::context::Context;
use crate::error::{Error, Result};
use crate::model::date::format_rfc3339;
use crate::model::header::summarize_header_bytes;

/// One message of the maildrop (the `--json` schema of `owl list` on a
/// POP3 account).
#[derive(Debug, Clone, Serialize)]
pub struct Pop3Row {
    /// Message number in this session (1 = oldest).
    pub number: u32,
    /// The server's unique id, when it has UIDL.
    pub uidl: Option<String>,
    /// Size in octets.
    pub size: u64,
    /// The first From, `Name <addr>`.
    pub from: String,
    /// The decoded subject.
    pub subject: String,
    /// The Date header as RFC 3339.
    pub date: Option<String>,
}

/// Lists the maildrop.
pub fn run(ctx: &Context, args: &ListArgs) -> Result<Vec<Pop3Row>> {
    if args.mailbox.as_deref().is_some_and(|m| !m.eq_ignore_ascii_case("INBOX")) {
        return Err(Error::usage("POP3 has one mailbox, INBOX"));
    }
    if args.unseen {
        return Err(Error::usage("--unseen needs IMAP (POP3 has no flags)"));
    }
    if args.page == 0 {
        return Err(Error::usage("--page must be at least 1"));
    }
    let limit = if args.limit == 0 { usize::MAX } else { args.limit };
    let mut session = ctx.pop3()?;
    let sizes = session.list()?;
    let uidl = session.uidl()?;
    let skip = limit.saturating_mul(args.page - 1);
    let page: Vec<(u32, u64)> = sizes.iter().rev().skip(skip).take(limit).copied().collect();
    let mut rows = Vec::with_capacity(page.len());
    for (number, size) in page {
        let summary = summarize_header_bytes(&session.top(number, 0)?);
        rows.push(Pop3Row {
            number,
            uidl: uidl.as_ref().and_then(|u| u.get(number)).map(str::to_string),
            size,
            from: summary.from.first().map(ToString::to_string).unwrap_or_default(),
            subject: summary.subject,
            date: summary.date.map(|ts| format_rfc3339(ts, 0)),
        });
    }
    session.quit()?;
    Ok(rows)
}
