//! The TRANSACTION state, one command at a time (RFC 1939 §5, §7): STAT,
//! LIST, UIDL, TOP, RETR, DELE, RSET, NOOP.
//!
//! RETR streams the message to a writer as it arrives; everything else is
//! small, and capped: LIST and UIDL hold at most [`MAX_LISTING`] entries
//! (far above real maildrops), UIDL keeps its ids in one buffer of at most
//! [`MAX_UIDL_BYTES`], TOP at most [`MAX_TOP`] bytes, so an endless listing
//! stops with an error instead of filling memory. This module must not
//! decide what to fetch or delete, nor commit anything: DELE only marks,
//! and only QUIT ([`Session::quit`]) removes. Pipelined variants live in
//! [`super::pipeline`].

use std::io::Write;

use super::reply::{Reply, Stage};
use super::session::Session;
use crate::error::{Error, Result};

/// Largest TOP reply held in memory; headers are rarely above 1 MiB.
pub const MAX_TOP: usize = 4 * 1024 * 1024;
/// Most entries of a LIST or UIDL answer (a maildrop of two million
/// messages still fits).
pub const MAX_LISTING: usize = 2_000_000;
/// Most bytes of unique ids in a UIDL answer: two million ids of the usual
/// dozen characters fit; two million of the 70 RFC 1939 allows do not.
pub const MAX_UIDL_BYTES: usize = 32 * 1024 * 1024;
/// Longest unique id (RFC 1939 §7).
const MAX_UID_LEN: usize = 70;

/// A UIDL answer: message numbers and their unique ids, kept in one
/// buffer (a `String` each would cost several times the ids' size).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Uidl {
    numbers: Vec<u32>,
    ends: Vec<u32>,
    text: String,
}

impl Uidl {
    /// The ids in the server's order.
    pub fn iter(&self) -> impl Iterator<Item = (u32, &str)> + '_ {
        self.numbers.iter().enumerate().map(|(i, &n)| (n, self.id_at(i)))
    }

    /// The id of message `n`, if the server listed one.
    pub fn get(&self, n: u32) -> Option<&str> {
        // Servers list in number order; fall back to a scan if not.
        match self.numbers.binary_search(&n) {
            Ok(i) => Some(self.id_at(i)),
            Err(_) => self.numbers.iter().position(|&m| m == n).map(|i| self.id_at(i)),
        }
    }

    /// How many messages have an id.
    pub fn len(&self) -> usize {
        self.numbers.len()
    }

    /// Whether no message has an id.
    pub fn is_empty(&self) -> bool {
        self.numbers.is_empty()
    }

    fn id_at(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.text[start..self.ends[i] as usize]
    }

    fn push(&mut self, n: u32, id: &str) -> Result<()> {
        if self.numbers.len() == MAX_LISTING || self.text.len() + id.len() > MAX_UIDL_BYTES {
            return Err(Error::protocol(format!(
                "UIDL: the answer is larger than {MAX_LISTING} ids or {} MiB; refusing to hold it",
                MAX_UIDL_BYTES >> 20
            )));
        }
        self.numbers.push(n);
        self.text.push_str(id);
        // Bounded by MAX_UIDL_BYTES, far below u32::MAX.
        self.ends.push(self.text.len() as u32);
        Ok(())
    }
}

impl FromIterator<(u32, String)> for Uidl {
    fn from_iter<I: IntoIterator<Item = (u32, String)>>(iter: I) -> Uidl {
        let mut uidl = Uidl::default();
        for (n, id) in iter {
            // Only for small hand-made lists (tests); caps still apply.
            let _ = uidl.push(n, &id);
        }
        uidl
    }
}

impl Session {
    /// STAT: the number of messages and their total size in octets.
    pub fn stat(&mut self) -> Result<(u32, u64)> {
        self.require_login("STAT")?;
        let reply = self.command("STAT", "STAT", Stage::Command)?;
        let mut words = reply.text.split_ascii_whitespace();
        match (words.next().and_then(|w| w.parse().ok()), words.next().and_then(|w| w.parse().ok())) {
            (Some(count), Some(size)) => Ok((count, size)),
            _ => Err(self.unreadable("STAT", &reply)),
        }
    }

    /// LIST: each message's number and size in octets, in the server's
    /// order.
    pub fn list(&mut self) -> Result<Vec<(u32, u64)>> {
        self.require_login("LIST")?;
        self.command("LIST", "LIST", Stage::Command)?;
        let mut out = Vec::new();
        self.read_lines("LIST", &mut |line| {
            if out.len() == MAX_LISTING {
                return Err(Error::protocol(format!("LIST: the server listed more than {MAX_LISTING} messages")));
            }
            let (n, size) = two_words(line, "LIST")?;
            let size = size.parse().map_err(|_| malformed("LIST", line))?;
            out.push((n, size));
            Ok(())
        })?;
        Ok(out)
    }

    /// UIDL: each message's number and unique id; `None` when the server
    /// answers a plain `-ERR` (UIDL is optional, RFC 1939 §7).
    pub fn uidl(&mut self) -> Result<Option<Uidl>> {
        self.require_login("UIDL")?;
        self.queue("UIDL")?;
        self.flush()?;
        let reply = self.read_reply("UIDL")?;
        if !reply.ok {
            // A response code says more than "not supported".
            return if reply.code.is_some() { Err(reply.error("UIDL", Stage::Command)) } else { Ok(None) };
        }
        let mut out = Uidl::default();
        self.read_lines("UIDL", &mut |line| {
            let (n, uid) = two_words(line, "UIDL")?;
            if uid.len() > MAX_UID_LEN {
                return Err(malformed("UIDL", line));
            }
            out.push(n, uid)
        })?;
        Ok(Some(out))
    }

    /// TOP: the headers of message `n` and its first `lines` body lines,
    /// unstuffed, exactly as sent (CRLF line ends).
    pub fn top(&mut self, n: u32, lines: u32) -> Result<Vec<u8>> {
        let what = format!("TOP {n}");
        self.require_login(&what)?;
        self.command(&format!("TOP {n} {lines}"), &what, Stage::Command)?;
        let mut out = Vec::new();
        self.read_body(&what, &mut |data| {
            if out.len() + data.len() > MAX_TOP {
                return Err(Error::protocol(format!(
                    "{what}: reply larger than {} MiB; refusing to hold it",
                    MAX_TOP >> 20
                )));
            }
            out.extend_from_slice(data);
            Ok(())
        })?;
        Ok(out)
    }

    /// RETR: streams message `n` to `sink` as it arrives (unstuffed, CRLF
    /// line ends, 8-bit bytes untouched) and returns its size. On error
    /// `sink` may hold a prefix of the message: the caller must discard
    /// it. After a network error the session is broken (see
    /// [`Session::is_broken`]); after a plain `-ERR` it is still usable.
    pub fn retr(&mut self, n: u32, sink: &mut dyn Write) -> Result<u64> {
        let what = format!("RETR {n}");
        self.require_login(&what)?;
        self.command(&what, &what, Stage::Command)?;
        self.read_body(&what, &mut |data| sink.write_all(data).map_err(store_failed))
    }

    /// DELE: marks message `n` for deletion at QUIT.
    pub fn dele(&mut self, n: u32) -> Result<()> {
        let what = format!("DELE {n}");
        self.require_login(&what)?;
        self.command(&what, &what, Stage::Command).map(drop)
    }

    /// RSET: unmarks every message marked with DELE.
    pub fn rset(&mut self) -> Result<()> {
        self.require_login("RSET")?;
        self.command("RSET", "RSET", Stage::Command).map(drop)
    }

    /// NOOP: checks the connection is alive.
    pub fn noop(&mut self) -> Result<()> {
        self.require_login("NOOP")?;
        self.command("NOOP", "NOOP", Stage::Command).map(drop)
    }

    fn unreadable(&self, what: &str, reply: &Reply) -> Error {
        Error::protocol(format!("{what}: cannot read the server's answer \"{}\"", reply.quoted))
    }
}

/// The local failure of a sink that stores a message.
pub(super) fn store_failed(err: std::io::Error) -> Error {
    Error::local_io("cannot store the message being downloaded", err)
}

/// A listing line's message number and second word (more words may
/// follow, RFC 1939 §5).
fn two_words<'a>(line: &'a [u8], what: &str) -> Result<(u32, &'a str)> {
    let text = std::str::from_utf8(line).map_err(|_| malformed(what, line))?;
    let mut words = text.split_ascii_whitespace();
    match (words.next().and_then(|w| w.parse().ok()), words.next()) {
        (Some(n), Some(second)) => Ok((n, second)),
        _ => Err(malformed(what, line)),
    }
}

fn malformed(what: &str, line: &[u8]) -> Error {
    Error::protocol(format!("{what}: cannot read the line \"{}\"", super::reply::quote(line)))
}
