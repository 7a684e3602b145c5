//! Server-side sorting (SORT, RFC 5256): a mailbox's UIDs in the order a
//! person reads them, without fetching every message to sort locally. Only
//! the first UIDs of the answer (a page's worth) are kept in order; the
//! rest are counted, so a mailbox of millions costs a page of memory.

use super::capabilities::Capability;
use super::command::Command;
use super::response::Data;
use super::search_key::Search;
use super::session::Session;
use crate::error::{Error, Result};
use crate::net::Connection;

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
        let order =
            if sort.reverse { format!("(REVERSE {})", sort.key.wire()) } else { format!("({})", sort.key.wire()) };
        let mut command = Command::new("UID SORT").atom(order).atom("UTF-8");
        for arg in criteria.key_args() {
            command = command.arg(arg);
        }
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
}
