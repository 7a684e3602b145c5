//! Work on mailboxes over pooled connections, each mailbox's work on the
//! connection that already has it open. The survey leaves every changed
//! mailbox selected on one connection; the flag check and the download
//! after it reuse that selection instead of examining the mailbox again
//! elsewhere. That matters on a large Maildir: Dovecot opens the index of
//! a 200,000-message mailbox in 0.25-0.45 s at each EXAMINE, and a run
//! with three changed mailboxes sent up to nine EXAMINEs where three do.

use crate::cmd::parallel::run_shares;
use crate::error::Result;
use crate::imap::{MailboxName, Session};
use crate::net::pool::Pool;

/// Runs `work` on every item over up to the pool's size of connections;
/// an item whose mailbox (`mailbox`) a lent connection has open goes to
/// that connection, the others to the connection with the least to do.
/// Every idle connection is lent (it may be the one with a mailbox open);
/// those with nothing to do go straight back. Results come back in item
/// order.
pub fn over_open<T: Sync, R: Send>(
    pool: &Pool<Session>,
    items: &[T],
    mailbox: impl Fn(&T) -> &MailboxName + Sync,
    work: impl Fn(&mut Session, &T) -> Result<R> + Sync,
) -> Result<Vec<Result<R>>> {
    if items.is_empty() {
        return Ok(Vec::new());
    }
    let sessions = pool.get_many(items.len().max(pool.idle()).min(pool.max()))?;
    let open: Vec<Option<MailboxName>> = sessions.iter().map(|s| s.selected().map(|sel| sel.mailbox.clone())).collect();
    let names: Vec<&MailboxName> = items.iter().map(&mailbox).collect();
    let shares = deal(&open, &names);
    Ok(run_shares(sessions, items, shares, |session, share| Ok(share.iter().map(|item| work(session, item)).collect())))
}

/// Deals item indices to connections: to the one that has the item's
/// mailbox open, else to the one with the fewest items so far (the first
/// of those on a tie).
fn deal(open: &[Option<MailboxName>], names: &[&MailboxName]) -> Vec<Vec<usize>> {
    let mut shares: Vec<Vec<usize>> = vec![Vec::new(); open.len().max(1)];
    let mut rest = Vec::new();
    for (i, name) in names.iter().enumerate() {
        match open.iter().position(|o| o.as_ref().is_some_and(|o| o.same(name))) {
            Some(j) => shares[j].push(i),
            None => rest.push(i),
        }
    }
    for i in rest {
        let j = (0..shares.len()).min_by_key(|&j| shares[j].len()).unwrap_or(0);
        shares[j].push(i);
    }
    for share in &mut shares {
        share.sort_unstable();
    }
    shares
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(n: &str) -> MailboxName {
        MailboxName::from_wire(n)
    }

    #[test]
    fn a_mailbox_goes_to_the_connection_that_has_it_open_and_the_rest_evens_out() {
        let open = [Some(name("Sent")), None, Some(name("INBOX"))];
        let (inbox, sent, drafts, junk) = (name("inbox"), name("Sent"), name("Drafts"), name("Junk"));
        let shares = deal(&open, &[&inbox, &sent, &drafts, &junk]);
        assert_eq!(shares, [vec![1, 3], vec![2], vec![0]]);
    }

    #[test]
    fn without_open_mailboxes_items_are_spread_evenly() {
        let open = [None, None];
        let names: Vec<MailboxName> = (0..5).map(|i| name(&format!("Box{i}"))).collect();
        let refs: Vec<&MailboxName> = names.iter().collect();
        assert_eq!(deal(&open, &refs), [vec![0, 2, 4], vec![1, 3]]);
    }
}
