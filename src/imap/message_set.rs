//! Which messages a command is about: a sequence set (RFC 3501 §9,
//! `sequence-set`) of UIDs or, for [`super::Session::fetch_seq`], of
//! message numbers. Callers say what they mean (these UIDs, from this one
//! on, a range, all); the wire form (`1:5,7,9:*`) is written here, compact
//! so a long run of UIDs never makes a line the server rejects.

use std::fmt::Write as _;

use crate::uidset::UidSet;

/// A set of messages, by UID or by number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageSet {
    wire: String,
}

impl MessageSet {
    /// One message.
    pub fn one(n: u32) -> MessageSet {
        MessageSet { wire: n.to_string() }
    }

    /// These messages (sorted, as callers keep them), runs written as
    /// ranges.
    pub fn of(sorted: &[u32]) -> MessageSet {
        let mut wire = String::new();
        let mut i = 0;
        while i < sorted.len() {
            let start = sorted[i];
            let mut end = start;
            while i + 1 < sorted.len() && sorted[i + 1] == end.wrapping_add(1) {
                i += 1;
                end = sorted[i];
            }
            push_range(&mut wire, start, end);
            i += 1;
        }
        MessageSet { wire }
    }

    /// The messages of `set`.
    pub fn of_set(set: &UidSet) -> MessageSet {
        let mut wire = String::new();
        for (lo, hi) in set.ranges() {
            push_range(&mut wire, lo, hi);
        }
        MessageSet { wire }
    }

    /// Ranges whose ends may be `*` (`None`): the highest UID or number in
    /// the mailbox, as a user's `200:*` means.
    pub fn of_bounds(ranges: impl IntoIterator<Item = (Option<u32>, Option<u32>)>) -> MessageSet {
        let end = |b: Option<u32>| b.map_or_else(|| "*".to_string(), |n| n.to_string());
        let mut wire = String::new();
        for (lo, hi) in ranges {
            if !wire.is_empty() {
                wire.push(',');
            }
            if lo == hi {
                wire.push_str(&end(lo));
            } else {
                let _ = write!(wire, "{}:{}", end(lo), end(hi));
            }
        }
        MessageSet { wire }
    }

    /// `lo` to `hi`, both included.
    pub fn range(lo: u32, hi: u32) -> MessageSet {
        let mut wire = String::new();
        push_range(&mut wire, lo.min(hi), lo.max(hi));
        MessageSet { wire }
    }

    /// `n` and every message after it (`n:*`). The server also answers
    /// with the last message when `n` is above every one (RFC 3501 §6.4.8):
    /// callers filter.
    pub fn from(n: u32) -> MessageSet {
        MessageSet { wire: format!("{n}:*") }
    }

    /// Every message (`1:*`).
    pub fn all() -> MessageSet {
        MessageSet::from(1)
    }

    /// Whether it names no message (a command over it is not worth sending).
    pub fn is_empty(&self) -> bool {
        self.wire.is_empty()
    }

    pub(super) fn wire(&self) -> &str {
        &self.wire
    }

    /// How many messages it may name when the mailbox holds `exists`:
    /// responses to expect from a command over it.
    pub(super) fn size(&self, exists: u32) -> u64 {
        let number = |s: &str| if s == "*" { Some(exists) } else { s.parse::<u32>().ok() };
        self.wire
            .split(',')
            .map(|item| match item.split_once(':') {
                Some((a, b)) => match (number(a), number(b)) {
                    (Some(a), Some(b)) => u64::from(a.abs_diff(b)) + 1,
                    _ => u64::from(exists),
                },
                None => 1,
            })
            .sum::<u64>()
            .min(u64::from(exists).max(1) * 2)
    }
}

fn push_range(wire: &mut String, lo: u32, hi: u32) {
    if !wire.is_empty() {
        wire.push(',');
    }
    if lo == hi {
        let _ = write!(wire, "{lo}");
    } else {
        let _ = write!(wire, "{lo}:{hi}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_become_ranges() {
        assert_eq!(MessageSet::of(&[1, 2, 3, 5, 7, 8]).wire(), "1:3,5,7:8");
        assert_eq!(MessageSet::of(&[]).wire(), "");
        assert_eq!(MessageSet::of(&[u32::MAX - 1, u32::MAX]).wire(), "4294967294:4294967295");
        assert_eq!(MessageSet::of_set(&UidSet::from_unsorted(vec![9, 3, 4, 5])).wire(), "3:5,9");
        assert_eq!(MessageSet::range(9, 2).wire(), "2:9");
        assert_eq!(MessageSet::from(42).wire(), "42:*");
        assert_eq!(MessageSet::one(7).wire(), "7");
        assert_eq!(MessageSet::of_bounds([(Some(5), Some(5)), (Some(200), None)]).wire(), "5,200:*");
    }

    #[test]
    fn size_is_what_the_server_may_answer_with() {
        assert_eq!(MessageSet::of(&[1, 2, 3, 9]).size(100), 4);
        assert_eq!(MessageSet::all().size(100), 100);
        // Never more than twice what the mailbox holds, whatever is asked.
        assert_eq!(MessageSet::range(1, 4_000_000_000).size(10), 20);
    }
}
