//! A set of IMAP UIDs kept as sorted, merged ranges, written as text like
//! `1:500,502:1000` (the form stored in sync state files).
//!
//! Pure data structure: no I/O, no protocol. It sits below every layer
//! (like `error`): IMAP answers searches into it, stores keep their sync
//! state in it. Memory grows with the number of gaps, not the number of
//! UIDs.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A set of UIDs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UidSet {
    /// Sorted, inclusive, neither overlapping nor touching.
    ranges: Vec<(u32, u32)>,
}

impl UidSet {
    /// An empty set.
    pub fn new() -> UidSet {
        UidSet::default()
    }

    /// Adds `uid`; true if it was not there yet.
    pub fn insert(&mut self, uid: u32) -> bool {
        if self.contains(uid) {
            return false;
        }
        self.insert_range(uid, uid);
        true
    }

    /// Adds every UID from `lo` to `hi` inclusive (nothing if `lo > hi`).
    pub fn insert_range(&mut self, lo: u32, hi: u32) {
        if lo > hi {
            return;
        }
        // u64 so that touching ranges at u32::MAX do not overflow.
        let start = self.ranges.partition_point(|&(_, e)| u64::from(e) + 1 < u64::from(lo));
        let (mut new_lo, mut new_hi) = (lo, hi);
        let mut end = start;
        while end < self.ranges.len() && u64::from(self.ranges[end].0) <= u64::from(hi) + 1 {
            new_lo = new_lo.min(self.ranges[end].0);
            new_hi = new_hi.max(self.ranges[end].1);
            end += 1;
        }
        self.ranges.splice(start..end, [(new_lo, new_hi)]);
    }

    /// Adds every UID of `other`, in time linear in both sets' ranges (a
    /// merge, not an insert per range: sets can hold millions of them).
    pub fn union_with(&mut self, other: &UidSet) {
        if other.ranges.is_empty() {
            return;
        }
        if self.ranges.is_empty() {
            self.ranges = other.ranges.clone();
            return;
        }
        let mut merged: Vec<(u32, u32)> = Vec::with_capacity(self.ranges.len() + other.ranges.len());
        let (mut a, mut b) = (self.ranges.iter().peekable(), other.ranges.iter().peekable());
        loop {
            let next = match (a.peek(), b.peek()) {
                (Some(x), Some(y)) if x.0 <= y.0 => a.next(),
                (Some(_), Some(_)) => b.next(),
                (Some(_), None) => a.next(),
                (None, Some(_)) => b.next(),
                (None, None) => break,
            };
            let Some(&(lo, hi)) = next else { break };
            match merged.last_mut() {
                Some(last) if u64::from(lo) <= u64::from(last.1) + 1 => last.1 = last.1.max(hi),
                _ => merged.push((lo, hi)),
            }
        }
        self.ranges = merged;
    }

    /// The set of `uids`, in any order and with repeats, built by sorting
    /// (not by inserting one at a time, which is quadratic for unsorted
    /// input).
    pub fn from_unsorted(mut uids: Vec<u32>) -> UidSet {
        uids.sort_unstable();
        let mut ranges: Vec<(u32, u32)> = Vec::new();
        for uid in uids {
            match ranges.last_mut() {
                Some(last) if u64::from(uid) <= u64::from(last.1) + 1 => last.1 = last.1.max(uid),
                _ => ranges.push((uid, uid)),
            }
        }
        UidSet { ranges }
    }

    /// How many ranges the set is made of (what its memory grows with).
    pub fn range_count(&self) -> usize {
        self.ranges.len()
    }

    /// Whether `uid` is in the set.
    pub fn contains(&self, uid: u32) -> bool {
        let i = self.ranges.partition_point(|&(_, e)| e < uid);
        self.ranges.get(i).is_some_and(|&(lo, _)| lo <= uid)
    }

    /// How many UIDs the set holds.
    pub fn len(&self) -> u64 {
        self.ranges.iter().map(|&(lo, hi)| u64::from(hi - lo) + 1).sum()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    /// The largest UID, if any.
    pub fn max(&self) -> Option<u32> {
        self.ranges.last().map(|&(_, hi)| hi)
    }

    /// The ranges, ascending, inclusive.
    pub fn ranges(&self) -> impl Iterator<Item = (u32, u32)> + '_ {
        self.ranges.iter().copied()
    }

    /// Every UID, ascending.
    pub fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        self.ranges.iter().flat_map(|&(lo, hi)| lo..=hi)
    }

    /// Drops every UID of `other`.
    pub fn subtract(&mut self, other: &UidSet) {
        if self.ranges.is_empty() || other.ranges.is_empty() {
            return;
        }
        let mut out = Vec::with_capacity(self.ranges.len());
        let mut cut = other.ranges.iter().peekable();
        for &(lo, hi) in &self.ranges {
            let mut start = u64::from(lo);
            let end = u64::from(hi);
            while let Some(&&(a, b)) = cut.peek() {
                let (a, b) = (u64::from(a), u64::from(b));
                if b < start {
                    cut.next();
                    continue;
                }
                if a > end {
                    break;
                }
                if a > start {
                    out.push((start as u32, (a - 1) as u32));
                }
                start = b + 1;
                if b >= end {
                    break;
                }
                cut.next();
            }
            if start <= end {
                out.push((start as u32, end as u32));
            }
        }
        self.ranges = out;
    }

    /// Drops every UID below `n`.
    pub fn remove_below(&mut self, n: u32) {
        let keep = self.ranges.partition_point(|&(_, hi)| hi < n);
        self.ranges.drain(..keep);
        if let Some(first) = self.ranges.first_mut() {
            first.0 = first.0.max(n);
        }
    }

    /// The UIDs of `uids` (e.g. a server's UID SEARCH answer) that are not
    /// in the set, in the order given.
    pub fn missing<I: IntoIterator<Item = u32>>(&self, uids: I) -> Vec<u32> {
        uids.into_iter().filter(|&u| !self.contains(u)).collect()
    }

    /// The UIDs from `lo` to `hi` inclusive that are not in the set.
    pub fn missing_in(&self, lo: u32, hi: u32) -> UidSet {
        let mut out = UidSet::new();
        if lo > hi {
            return out;
        }
        let mut next = u64::from(lo);
        for (a, b) in self.ranges() {
            if b < lo {
                continue;
            }
            if a > hi {
                break;
            }
            if u64::from(a) > next {
                // next < a <= u32::MAX, so both casts are lossless.
                out.insert_range(next as u32, a - 1);
            }
            next = u64::from(b) + 1;
        }
        if next <= u64::from(hi) {
            out.insert_range(next as u32, hi);
        }
        out
    }
}

impl FromIterator<u32> for UidSet {
    fn from_iter<I: IntoIterator<Item = u32>>(iter: I) -> UidSet {
        let mut set = UidSet::new();
        set.extend(iter);
        set
    }
}

impl Extend<u32> for UidSet {
    fn extend<I: IntoIterator<Item = u32>>(&mut self, iter: I) {
        for uid in iter {
            self.insert(uid);
        }
    }
}

impl fmt::Display for UidSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (lo, hi)) in self.ranges().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            if lo == hi {
                write!(f, "{lo}")?;
            } else {
                write!(f, "{lo}:{hi}")?;
            }
        }
        Ok(())
    }
}

/// Why a UID set's text could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseUidSetError(String);

impl fmt::Display for ParseUidSetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid UID set element \"{}\"", self.0)
    }
}

impl std::error::Error for ParseUidSetError {}

impl FromStr for UidSet {
    type Err = ParseUidSetError;
    fn from_str(s: &str) -> Result<UidSet, ParseUidSetError> {
        let mut set = UidSet::new();
        if s.is_empty() {
            return Ok(set);
        }
        for item in s.split(',') {
            let bad = || ParseUidSetError(item.to_string());
            let num = |t: &str| -> Result<u32, ParseUidSetError> {
                if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(bad());
                }
                t.parse().map_err(|_| bad())
            };
            let (lo, hi) = match item.split_once(':') {
                Some((a, b)) => (num(a)?, num(b)?),
                None => (num(item)?, num(item)?),
            };
            if lo > hi {
                return Err(bad());
            }
            set.insert_range(lo, hi);
        }
        Ok(set)
    }
}

impl Serialize for UidSet {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for UidSet {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<UidSet, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(s: &str) -> UidSet {
        s.parse().unwrap()
    }

    #[test]
    fn subtract_cuts_ranges_apart() {
        let mut set: UidSet = "1:10,20:30,40".parse().unwrap();
        set.subtract(&"3,5:6,10:21,29:100".parse().unwrap());
        assert_eq!(set.to_string(), "1:2,4,7:9,22:28");
        let mut edge: UidSet = "4294967290:4294967295".parse().unwrap();
        edge.subtract(&"4294967295".parse().unwrap());
        assert_eq!(edge.to_string(), "4294967290:4294967294");
    }

    #[test]
    fn remove_below_cuts_inside_a_range_and_drops_whole_ones() {
        let mut set: UidSet = "1:5,8,10:20".parse().unwrap();
        set.remove_below(11);
        assert_eq!(set.to_string(), "11:20");
        set.remove_below(1);
        assert_eq!(set.to_string(), "11:20");
        set.remove_below(21);
        assert!(set.is_empty());
    }

    #[test]
    fn inserts_merge_touching_and_overlapping_ranges() {
        let mut s = UidSet::new();
        for u in [5, 3, 4, 10, 1, 12, 11] {
            assert!(s.insert(u));
        }
        assert!(!s.insert(4));
        assert_eq!(s.to_string(), "1,3:5,10:12");
        s.insert_range(2, 9);
        assert_eq!(s.to_string(), "1:12");
        assert_eq!(s.len(), 12);
        s.insert_range(20, 19);
        assert_eq!(s.len(), 12);
    }

    #[test]
    fn handles_the_top_of_the_uid_space() {
        let mut s = UidSet::new();
        s.insert(u32::MAX);
        s.insert(u32::MAX - 1);
        assert_eq!(s.ranges().collect::<Vec<_>>(), vec![(u32::MAX - 1, u32::MAX)]);
        s.insert_range(0, u32::MAX);
        assert_eq!(s.len(), 1 << 32);
        assert!(s.missing_in(0, u32::MAX).is_empty());
    }

    #[test]
    fn contains_checks_range_edges() {
        let s = set("1:500,502:1000");
        assert!(s.contains(1) && s.contains(500) && s.contains(502) && s.contains(1000));
        assert!(!s.contains(0) && !s.contains(501) && !s.contains(1001));
        assert_eq!(s.len(), 999);
        assert_eq!(s.max(), Some(1000));
        assert_eq!(s.iter().take(3).collect::<Vec<_>>(), vec![1, 2, 3]);
    }

    #[test]
    fn computes_missing_uids_of_a_list_and_of_a_range() {
        let s = set("1:500,502:1000");
        assert_eq!(s.missing([7, 501, 1000, 1001, 2]), vec![501, 1001]);
        assert_eq!(s.missing_in(1, 1005).to_string(), "501,1001:1005");
        assert_eq!(s.missing_in(600, 700).to_string(), "");
        assert_eq!(s.missing_in(0, 0).to_string(), "0");
        assert_eq!(UidSet::new().missing_in(3, 9).to_string(), "3:9");
    }

    #[test]
    fn text_form_round_trips_and_rejects_garbage() {
        for text in ["", "7", "1:500,502:1000", "1,3,5:6"] {
            assert_eq!(set(text).to_string(), text);
        }
        assert_eq!(set("5:6,1:2,3:4").to_string(), "1:6");
        assert_eq!(set("5:6,1:2,3").to_string(), "1:3,5:6");
        for bad in ["x", "1:", ":2", "3:1", "1,,2", "1:2:3", "-1", "+4", "99999999999", " 1"] {
            assert!(bad.parse::<UidSet>().is_err(), "{bad}");
        }
    }

    #[test]
    fn unions_merge_and_unsorted_input_builds_the_same_set() {
        let mut a = set("1:3,10,20:30");
        a.union_with(&set("4,9,11:19,31,40"));
        assert_eq!(a.to_string(), "1:4,9:31,40");
        let mut empty = UidSet::new();
        empty.union_with(&a);
        assert_eq!(empty, a);
        a.union_with(&UidSet::new());
        assert_eq!(a.to_string(), "1:4,9:31,40");
        let shuffled = vec![30, 1, 2, 2, 9, 40, 3, 4, 31, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23];
        let mut more: Vec<u32> = (24..=29).collect();
        more.extend(shuffled);
        assert_eq!(UidSet::from_unsorted(more), a);
        assert_eq!(
            UidSet::from_unsorted(vec![u32::MAX, u32::MAX - 1]).to_string(),
            format!("{}:{}", u32::MAX - 1, u32::MAX)
        );
        assert_eq!(a.range_count(), 3);
    }

    #[test]
    fn serializes_as_a_json_string() {
        let s = set("1:3,9");
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(json, "\"1:3,9\"");
        assert_eq!(serde_json::from_str::<UidSet>(&json).unwrap(), s);
        assert!(serde_json::from_str::<UidSet>("\"1:x\"").is_err());
    }
}
