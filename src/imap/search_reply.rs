//! `* SEARCH n n n ...` read as it streams in, straight into a [`UidSet`];
//! `* SORT n n n ...` (RFC 5256) the same way, keeping the order of only
//! the first numbers the caller can show (a page) and counting the rest.
//!
//! A UID SEARCH over a mailbox of 2,000,000 messages answers with one line
//! of about 14 MB; held as a line, then as a vector, then as a set, that is
//! several copies. Parsed number by number instead, the line never sits in
//! memory, and what is kept is the set (which grows with the gaps, not the
//! UIDs). Numbers are gathered in a bounded batch, sorted and merged, so a
//! server answering in random order costs `n log n`, not `n²`. An optional
//! `(MODSEQ n)` suffix (RFC 7162 §3.1.5) is skipped. Caps bound what a
//! hostile server can make owl hold. RFC 3501 §7.2.5. No I/O here: the
//! codec feeds bytes.

use crate::error::{Error, Result};
use crate::uidset::UidSet;

/// Numbers gathered before they are merged into the set.
const BATCH: usize = 1 << 20;
/// Most numbers one SEARCH response may list when the caller knows no
/// better bound (see [`SearchReply::with_limit`]).
pub const MAX_NUMBERS: u64 = 20_000_000;
/// Most ranges the result may have (each costs 8 bytes).
pub const MAX_RANGES: usize = 4_000_000;

/// The bound for a mailbox of `exists` messages: a SEARCH cannot match
/// more messages than there are (with room for some arriving meanwhile).
pub fn limit_for(exists: u32) -> u64 {
    (u64::from(exists) * 2 + 10_000).min(MAX_NUMBERS)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Between numbers.
    Gap,
    /// Inside a number.
    Number,
    /// Inside the parenthesized MODSEQ suffix.
    Suffix,
    /// Saw CR; LF must follow.
    Cr,
    /// The line is over.
    Done,
}

/// What a reply keeps of its numbers.
#[derive(Debug)]
enum Keep {
    /// All of them, as a set (SEARCH).
    Set { batch: Vec<u32>, set: UidSet },
    /// The first `n`, in order (SORT).
    First { n: usize, first: Vec<u32> },
}

/// The state of one `* SEARCH` or `* SORT` line after its keyword.
#[derive(Debug)]
pub struct SearchReply {
    state: State,
    number: u64,
    keep: Keep,
    seen: u64,
    limit: u64,
}

impl Default for SearchReply {
    fn default() -> Self {
        SearchReply::new()
    }
}

impl SearchReply {
    /// Ready for the bytes after `* SEARCH`.
    pub fn new() -> SearchReply {
        SearchReply::with_limit(MAX_NUMBERS)
    }

    /// Like [`SearchReply::new`], refusing an answer of more than `limit`
    /// numbers.
    pub fn with_limit(limit: u64) -> SearchReply {
        SearchReply {
            state: State::Gap,
            number: 0,
            keep: Keep::Set { batch: Vec::new(), set: UidSet::new() },
            seen: 0,
            limit,
        }
    }

    /// Ready for the bytes after `* SORT`: keeps the first `first` numbers
    /// in the server's order, counts all of them (at most `limit`).
    pub fn sorted(first: usize, limit: u64) -> SearchReply {
        SearchReply { keep: Keep::First { n: first, first: Vec::new() }, ..SearchReply::with_limit(limit) }
    }

    /// Whether the line end was read.
    pub fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// Feeds the next bytes; returns how many belong to this line (all of
    /// them, or up to and including its LF).
    pub fn feed(&mut self, input: &[u8]) -> Result<usize> {
        for (i, &b) in input.iter().enumerate() {
            match (self.state, b) {
                (State::Done, _) => return Ok(i),
                (State::Gap, b' ') => {}
                (State::Gap | State::Number, b'0'..=b'9') => {
                    self.number = self.number * 10 + u64::from(b - b'0');
                    if self.number > u64::from(u32::MAX) {
                        return Err(Error::protocol("SEARCH: the server listed a number larger than any UID"));
                    }
                    self.state = State::Number;
                }
                (State::Number, b' ') => self.end_number()?,
                (State::Gap, b'(') => self.state = State::Suffix,
                (State::Number, b'(') => {
                    self.end_number()?;
                    self.state = State::Suffix;
                }
                (State::Suffix, b')') => self.state = State::Gap,
                (State::Suffix, b'\r' | b'\n') => {
                    return Err(Error::protocol("SEARCH: the line ended inside its parenthesized suffix"));
                }
                (State::Suffix, _) => {}
                (State::Number, b'\r') => {
                    self.end_number()?;
                    self.state = State::Cr;
                }
                (State::Gap, b'\r') => self.state = State::Cr,
                (State::Number, b'\n') => {
                    self.end_number()?;
                    self.finish_line()?;
                    return Ok(i + 1);
                }
                (State::Gap | State::Cr, b'\n') => {
                    self.finish_line()?;
                    return Ok(i + 1);
                }
                (_, other) => {
                    return Err(Error::protocol(format!("SEARCH: unexpected byte 0x{other:02x} in the list of UIDs")));
                }
            }
        }
        Ok(input.len())
    }

    /// The UIDs found, once [`SearchReply::is_done`] (empty for SORT).
    pub fn into_set(self) -> UidSet {
        match self.keep {
            Keep::Set { set, .. } => set,
            Keep::First { .. } => UidSet::new(),
        }
    }

    /// The first numbers in the server's order, and how many it listed
    /// in all (SORT).
    pub fn into_order(self) -> (Vec<u32>, u64) {
        match self.keep {
            Keep::First { first, .. } => (first, self.seen),
            Keep::Set { set, .. } => (set.iter().collect(), self.seen),
        }
    }

    fn end_number(&mut self) -> Result<()> {
        // Checked above: the number fits a u32.
        let number = self.number as u32;
        self.number = 0;
        self.state = State::Gap;
        self.seen += 1;
        if self.seen > self.limit {
            return Err(Error::protocol(format!(
                "SEARCH: the server listed more than {} UIDs, more than the mailbox can hold",
                self.limit
            )));
        }
        match &mut self.keep {
            Keep::Set { batch, .. } => {
                batch.push(number);
                if batch.len() >= BATCH {
                    self.merge()?;
                }
            }
            Keep::First { n, first } => {
                if first.len() < *n {
                    first.push(number);
                }
            }
        }
        Ok(())
    }

    fn finish_line(&mut self) -> Result<()> {
        self.merge()?;
        self.state = State::Done;
        Ok(())
    }

    fn merge(&mut self) -> Result<()> {
        let Keep::Set { batch, set } = &mut self.keep else { return Ok(()) };
        let batch = UidSet::from_unsorted(std::mem::take(batch));
        set.union_with(&batch);
        if set.range_count() > MAX_RANGES {
            return Err(Error::protocol(format!(
                "SEARCH: the answer has more than {MAX_RANGES} separate UID ranges; refusing to hold it"
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(bytes: &[u8], step: usize) -> Result<(UidSet, usize)> {
        let mut reply = SearchReply::new();
        let mut used = 0;
        for chunk in bytes.chunks(step) {
            used += reply.feed(chunk)?;
            if reply.is_done() {
                break;
            }
        }
        assert!(reply.is_done(), "line not finished");
        Ok((reply.into_set(), used))
    }

    #[test]
    fn numbers_suffix_and_line_end_at_any_split() {
        let line = b" 9 2 5 3 4 (MODSEQ 917162500)\r\nnext";
        for step in 1..line.len() {
            let (set, used) = parse(line, step).unwrap();
            assert_eq!(set.to_string(), "2:5,9");
            assert_eq!(used, line.len() - 4);
        }
        assert_eq!(parse(b"\r\n", 1).unwrap().0.to_string(), "");
        assert_eq!(parse(b" 7\n", 2).unwrap().0.to_string(), "7");
    }

    #[test]
    fn a_big_answer_streams_into_few_ranges() {
        let mut line = Vec::new();
        for uid in 1..=300_000u32 {
            line.extend_from_slice(format!(" {uid}").as_bytes());
        }
        line.extend_from_slice(b"\r\n");
        let (set, _) = parse(&line, 65536).unwrap();
        assert_eq!(set.to_string(), "1:300000");
    }

    #[test]
    fn a_sort_answer_keeps_its_first_numbers_in_order_and_counts_the_rest() {
        let line = b" 9 2 5 3 4\r\n";
        for step in 1..line.len() {
            let mut reply = SearchReply::sorted(3, 100);
            for chunk in line.chunks(step) {
                reply.feed(chunk).unwrap();
            }
            assert!(reply.is_done());
            assert_eq!(reply.into_order(), (vec![9, 2, 5], 5));
        }
    }

    #[test]
    fn garbage_and_absurd_numbers_are_refused() {
        assert!(parse(b" 1 x\r\n", 100).is_err());
        assert!(parse(b" 99999999999\r\n", 100).is_err());
        assert!(parse(b" 1 (MODSEQ\r\n", 100).is_err());
    }
}
