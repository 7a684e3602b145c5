//! Server-side sorting (SORT, RFC 5256): a mailbox's UIDs in the order a
//! person reads them, without fetching every message to sort locally. Only
//! the first UIDs of the answer (a page's worth) are kept in order; the
//! rest are counted, so a mailbox of millions costs a page of memory.

use super::capabilities::Capability;
use super::command::Command;
use super::esearch;
use super::items::Items;
use super::response::{Data, Fetch, Status};
use super::search_key::Search;
use super::session::Session;
use crate::error::{Error, Result};
use crate::net::Connection;

/// The most messages one sorted page asks for: beyond it a listing is
/// not a page, and the plain SORT streams it.
pub const MAX_PAGE: usize = 10_000;

/// A page of a sorted mailbox, fetched with its sort.
#[derive(Debug, Default)]
pub struct SortedPage {
    /// The page's UIDs, in order.
    pub uids: Vec<u32>,
    /// How many messages match in all.
    pub total: u64,
    /// The page's FETCH responses, in the server's order.
    pub fetched: Vec<Fetch>,
}

/// What to sort by (RFC 5256 §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    /// The Date header (INTERNALDATE where it has none).
    Date,
    /// INTERNALDATE: when the message reached the mailbox.
    Arrival,
    /// The first From address's mailbox part.
    From,
    /// The subject without `Re:`, `Fwd:` and the like.
    Subject,
    /// RFC822.SIZE.
    Size,
}

impl SortKey {
    fn wire(self) -> &'static str {
        match self {
            SortKey::Date => "DATE",
            SortKey::Arrival => "ARRIVAL",
            SortKey::From => "FROM",
            SortKey::Subject => "SUBJECT",
            SortKey::Size => "SIZE",
        }
    }
}

/// An order: a key, ascending or (`reverse`) descending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sort {
    /// What to sort by.
    pub key: SortKey,
    /// Largest (newest, last) first.
    pub reverse: bool,
}

impl<S: Connection> Session<S> {
    /// `UID SORT (order) UTF-8 criteria`: the first `keep` UIDs of the
    /// matching messages in that order, and how many match. An error
    /// where the server has no SORT: ask [`super::Capabilities::supports`]
    /// first.
    pub fn uid_sort(&mut self, sort: Sort, criteria: &Search, keep: usize) -> Result<(Vec<u32>, u64)> {
        if !self.caps.supports(Capability::Sort) {
            return Err(Error::unavailable("the server has no SORT"));
        }
        let command = sort_command(Command::new("UID SORT"), sort, criteria);
        self.codec.set_sort_keep(keep);
        let mut found = (Vec::new(), 0);
        let result = self.run(&command, &mut |data| {
            if let Data::Sort { first, total } = data {
                found = (first, total);
            }
            Ok(())
        });
        self.codec.set_sort_keep(0);
        result?;
        Ok(found)
    }

    /// The page of `limit` messages after the first `skip` in `sort`
    /// order, with their `items`, in one round trip: `UID SORT RETURN
    /// (SAVE PARTIAL ...)` (RFC 5267), `UID FETCH $` (RFC 5182) and `UID
    /// SEARCH RETURN (COUNT)` (RFC 4731) go out together, where a plain
    /// SORT needs its answer before the FETCH can name the UIDs. `None` when the server rejects the return
    /// options (the caller sorts the plain way); ask
    /// [`super::Capabilities::sorts_pages`] first. At most [`MAX_PAGE`]
    /// messages.
    pub fn uid_sort_page(
        &mut self,
        sort: Sort,
        criteria: &Search,
        skip: usize,
        limit: usize,
        items: Items,
    ) -> Result<Option<SortedPage>> {
        if !self.caps.sorts_pages() || limit == 0 || limit > MAX_PAGE {
            return Err(Error::unavailable("the server cannot sort a page with its FETCH"));
        }
        let first = u32::try_from(skip.saturating_add(1)).unwrap_or(u32::MAX);
        let last = u32::try_from(skip.saturating_add(limit)).unwrap_or(u32::MAX);
        // COUNT stays out of the SORT: Dovecot 2.3 then saves the whole
        // result, not the window, and the FETCH would list the mailbox.
        let returns = format!("(SAVE PARTIAL {first}:{last})");
        let sort_tag =
            self.send(&sort_command(Command::new("UID SORT").atom("RETURN").atom(returns), sort, criteria))?;
        let fetch_tag = self.send(&Command::new("UID FETCH").atom("$").atom(items.to_wire()))?;
        let mut count = Command::new("UID SEARCH").atom("RETURN").atom("(COUNT)");
        for arg in criteria.key_args() {
            count = count.arg(arg);
        }
        let count_tag = self.send(&count)?;
        self.flush()?;
        let mut page = SortedPage::default();
        let (mut answered, mut counted) = (false, false);
        let mut on_data = |data: Data, page: &mut SortedPage| -> Result<()> {
            match data {
                Data::Fetch(fetch) => page.fetched.push(fetch),
                Data::Other(line) => match esearch::parse(&line, limit) {
                    Some(Ok(found)) if found.tag.as_deref() == Some(sort_tag.as_str()) => {
                        page.uids = found.partial.unwrap_or_default();
                        answered = true;
                    }
                    Some(Ok(found)) if found.tag.as_deref() == Some(count_tag.as_str()) => {
                        page.total = found.count.unwrap_or_default();
                        counted = true;
                    }
                    Some(Err(err)) => return Err(err),
                    _ => {}
                },
                _ => {}
            }
            Ok(())
        };
        let sorted = self.wait(&sort_tag, None, &mut |data| on_data(data, &mut page))?;
        let expected = 2 * limit as u64;
        let fetched = self.wait_allowing(&fetch_tag, expected, None, &mut |data| on_data(data, &mut page))?;
        let count = self.wait(&count_tag, None, &mut |data| on_data(data, &mut page))?;
        if sorted.status == Status::Bad || count.status == Status::Bad {
            log::debug!("{}: the server rejected SORT or SEARCH RETURN: sorting the plain way", self.label);
            return Ok(None);
        }
        self.check(sorted, "UID SORT")?;
        self.check(fetched, "UID FETCH")?;
        self.check(count, "UID SEARCH")?;
        if !counted {
            page.total = page.uids.len() as u64;
        }
        if !answered {
            // No ESEARCH, so no order: the rows cannot be placed.
            log::debug!("{}: SORT RETURN came without its ESEARCH: sorting the plain way", self.label);
            return Ok(None);
        }
        Ok(Some(page))
    }
}

/// `base (order) UTF-8 criteria`.
fn sort_command(base: Command, sort: Sort, criteria: &Search) -> Command {
    let order = if sort.reverse { format!("(REVERSE {})", sort.key.wire()) } else { format!("({})", sort.key.wire()) };
    let mut command = base.atom(order).atom("UTF-8");
    for arg in criteria.key_args() {
        command = command.arg(arg);
    }
    command
}

#[cfg(test)]
#[path = "sort_tests.rs"]
mod tests;
