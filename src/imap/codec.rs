//! Framing: turns the byte stream into complete responses and back.
//!
//! A response is a line, and if the line ends in a literal announcement
//! `{n}`, the n bytes plus the rest of the response, and so on. Literals of
//! message bodies may go to a [`LiteralSink`] as they arrive, so a 500 MB
//! message never sits in memory; the frame then holds `{0}` in their place
//! for the parser. `* SEARCH` answers stream into a UID set
//! ([`super::search_reply`]), however long. Everything else is held, with
//! caps on each line and on the whole response, so no server can make owl
//! buffer more than [`MAX_FRAME`] bytes for one response.

use std::io::{self, Read, Write};
use std::time::Duration;

use super::parse;
use super::response::{Body, Data, Response};
use super::search_reply::SearchReply;
use crate::error::{Error, Result};
use crate::net::Stream;
use crate::net::buffered::Buffered;

/// Longest line (without literals) we accept. Real responses are short;
/// the longest, SEARCH, does not go through here.
const MAX_LINE: usize = 4 * 1024 * 1024;
/// Most bytes of one response held in memory: its lines and the literals
/// no sink takes (header fields, small bodies).
pub const MAX_FRAME: usize = 32 * 1024 * 1024;

/// Most memory set aside for a literal before its bytes arrive.
const RESERVE_AHEAD: usize = 1024 * 1024;

/// Receives message literals as they arrive, instead of memory.
pub trait LiteralSink {
    /// Whether a body literal of `size` bytes should come here.
    fn wants(&mut self, size: u64) -> bool;
    /// A literal of `size` bytes starts.
    fn begin(&mut self, size: u64) -> io::Result<()>;
    /// The next piece of it.
    fn write(&mut self, data: &[u8]) -> io::Result<()>;
    /// It is complete; returns an id the caller will find in
    /// [`Body::Streamed`].
    fn end(&mut self) -> io::Result<u64>;
}

/// Collects whole-message literals in memory, each up to `max` bytes: for
/// callers that must parse a message, without the per-response cap
/// ([`MAX_FRAME`]) that bounds everything else. A bigger one is refused
/// (it then counts against that cap) and remembered in `too_big`.
#[derive(Debug, Default)]
pub struct MemorySink {
    max: u64,
    current: Vec<u8>,
    done: std::collections::HashMap<u64, Vec<u8>>,
    next: u64,
    /// The size of the last literal refused for being over `max`.
    pub too_big: Option<u64>,
}

impl MemorySink {
    /// A sink for messages of at most `max` bytes.
    pub fn new(max: u64) -> MemorySink {
        MemorySink { max, ..MemorySink::default() }
    }

    /// The bytes of the literal the codec reported as `Body::Streamed(id)`.
    pub fn take(&mut self, id: u64) -> Option<Vec<u8>> {
        self.done.remove(&id)
    }
}

impl LiteralSink for MemorySink {
    fn wants(&mut self, size: u64) -> bool {
        if size > self.max {
            self.too_big = Some(size);
            return false;
        }
        true
    }
    fn begin(&mut self, size: u64) -> io::Result<()> {
        // Grown as bytes arrive: an announced size is only a claim, and a
        // server that never sends the bytes must not cost the memory.
        self.current = Vec::with_capacity(size.min(RESERVE_AHEAD as u64) as usize);
        Ok(())
    }
    fn write(&mut self, data: &[u8]) -> io::Result<()> {
        self.current.extend_from_slice(data);
        Ok(())
    }
    fn end(&mut self) -> io::Result<u64> {
        let id = self.next;
        self.next += 1;
        self.done.insert(id, std::mem::take(&mut self.current));
        Ok(id)
    }
}

/// Reads and writes IMAP over a stream (a [`Stream`] in real use).
pub struct Codec<S = Stream> {
    io: Buffered<S>,
    trace: String,
    search_limit: u64,
    sort_keep: usize,
}

impl<S: Read + Write> Codec<S> {
    /// Frames `stream`; `address` names the peer in errors.
    pub fn new(stream: S, address: String) -> Codec<S> {
        Codec {
            io: Buffered::new(stream, address),
            trace: String::new(),
            search_limit: super::search_reply::MAX_NUMBERS,
            sort_keep: 0,
        }
    }

    /// The most UIDs a SEARCH answer may list (the session knows how many
    /// messages the selected mailbox holds).
    pub fn set_search_limit(&mut self, limit: u64) {
        self.search_limit = limit;
    }

    /// How many numbers of a SORT answer to keep in order (a page's
    /// worth); the rest are counted only.
    pub fn set_sort_keep(&mut self, keep: usize) {
        self.sort_keep = keep;
    }

    /// Replies must progress by 1 KiB per `window` of waiting (see
    /// [`Buffered::set_progress_window`]).
    pub fn set_progress_window(&mut self, window: Option<Duration>) {
        self.io.set_progress_window(window);
    }

    /// The connection underneath.
    pub fn stream(&self) -> &S {
        self.io.stream()
    }

    /// The connection underneath, mutably (for STARTTLS and COMPRESS).
    pub fn stream_mut(&mut self) -> &mut S {
        self.io.stream_mut()
    }

    /// Bytes received but not yet framed.
    pub fn buffered(&self) -> &[u8] {
        self.io.buffered()
    }

    /// Drops the received-but-unframed bytes.
    pub fn clear_buffer(&mut self) {
        self.io.clear_buffer();
    }

    /// Queues bytes; they leave on [`Codec::flush`].
    pub fn write(&mut self, bytes: &[u8]) {
        self.io.queue(bytes);
    }

    /// Sends everything queued (and, under COMPRESS, a sync flush).
    pub fn flush(&mut self) -> Result<()> {
        self.io.flush()
    }

    /// Reads one complete response. Body literals go to `sink` when it
    /// wants them.
    pub fn read_response(&mut self, mut sink: Option<&mut dyn LiteralSink>) -> Result<Response> {
        if let Some(key) = self.starts_number_list()? {
            return self.read_number_list(key);
        }
        let mut frame = Vec::new();
        let mut streamed = None;
        loop {
            let line_start = frame.len();
            self.read_line(&mut frame)?;
            let Some((size, brace)) = literal_announcement(&frame[line_start..]) else {
                break;
            };
            let brace = line_start + brace;
            let is_body = announces_body_section(&frame[..brace]);
            let target = match sink.as_mut() {
                Some(sink) if is_body && streamed.is_none() => {
                    let sink: &mut dyn LiteralSink = &mut **sink;
                    if sink.wants(size) { Some(sink) } else { None }
                }
                _ => None,
            };
            match target {
                Some(target) => {
                    frame.truncate(brace);
                    frame.extend_from_slice(b"{0}\r\n");
                    streamed = Some(self.stream_literal(size, target)?);
                }
                None => {
                    if size > (MAX_FRAME - frame.len().min(MAX_FRAME)) as u64 {
                        return Err(Error::protocol(format!(
                            "server sent a response of more than {} MiB (a {size}-byte literal after {} bytes); \
                             refusing to hold it in memory",
                            MAX_FRAME >> 20,
                            frame.len()
                        )));
                    }
                    self.read_exact_into(&mut frame, size as usize)?;
                }
            }
        }
        if log::log_enabled!(log::Level::Trace) {
            self.trace = trace_text(&frame, streamed.is_some());
        }
        let mut response = parse::parse(&frame)?;
        if let (Some(id), Response::Data(Data::Fetch(fetch))) = (streamed, &mut response) {
            fetch.body = Some(Body::Streamed(id));
        }
        Ok(response)
    }

    /// The last response as a trace shows it: its first line, and how
    /// many literal bytes followed. Only kept while tracing is on.
    pub fn trace_text(&self) -> &str {
        &self.trace
    }

    /// Like [`Codec::read_response`], but a read timeout before the
    /// response's first byte is `Ok(None)` instead of an error (IDLE waits
    /// in short ticks to notice a stop request). A timeout inside a
    /// response is still an error.
    pub fn read_response_or_timeout(&mut self) -> Result<Option<Response>> {
        if self.io.buffered().is_empty() && !self.io.fill_or_timeout()? {
            return Ok(None);
        }
        self.read_response(None).map(Some)
    }

    fn read_line(&mut self, frame: &mut Vec<u8>) -> Result<()> {
        let room = MAX_LINE.min(MAX_FRAME.saturating_sub(frame.len()));
        if self.io.read_line_into(frame, room)? {
            Ok(())
        } else if room < MAX_LINE {
            Err(Error::protocol(format!("server sent a response of more than {} MiB", MAX_FRAME >> 20)))
        } else {
            Err(Error::protocol(format!("server sent a line longer than {} MiB", MAX_LINE >> 20)))
        }
    }

    /// Whether the next response is `* SEARCH` or `* SORT`, which may be
    /// longer than any line owl holds: looks at its first bytes without
    /// consuming them.
    fn starts_number_list(&mut self) -> Result<Option<&'static [u8]>> {
        const KEYS: [&[u8]; 2] = [b"* SEARCH", b"* SORT"];
        const LONGEST: usize = 8;
        loop {
            let seen = self.io.buffered();
            if seen.len() > LONGEST || seen.contains(&b'\n') {
                break;
            }
            self.io.fill_or_closed()?;
        }
        let seen = self.io.buffered();
        Ok(KEYS.into_iter().find(|key| {
            seen.len() > key.len()
                && seen[..key.len()].eq_ignore_ascii_case(key)
                && matches!(seen[key.len()], b' ' | b'\r' | b'\n')
        }))
    }

    /// Reads a `* SEARCH` or `* SORT` response number by number.
    fn read_number_list(&mut self, key: &[u8]) -> Result<Response> {
        self.io.consume(key.len());
        let sort = key.ends_with(b"SORT");
        let mut reply = if sort {
            SearchReply::sorted(self.sort_keep, self.search_limit)
        } else {
            SearchReply::with_limit(self.search_limit)
        };
        loop {
            if self.io.buffered().is_empty() {
                self.io.fill_or_closed()?;
            }
            let used = reply.feed(self.io.buffered())?;
            self.io.consume(used);
            if reply.is_done() {
                break;
            }
        }
        if sort {
            let (first, total) = reply.into_order();
            if log::log_enabled!(log::Level::Trace) {
                self.trace = format!("* SORT ({total} UIDs, the first {} kept)", first.len());
            }
            return Ok(Response::Data(Data::Sort { first, total }));
        }
        let set = reply.into_set();
        if log::log_enabled!(log::Level::Trace) {
            self.trace = format!("* SEARCH ({} UIDs in {} ranges)", set.len(), set.range_count());
        }
        Ok(Response::Data(Data::Search(set)))
    }

    /// Hands the next `n` bytes to `out`, piece by piece as they arrive.
    fn read_exact(&mut self, mut n: u64, out: &mut dyn FnMut(&[u8]) -> Result<()>) -> Result<()> {
        while n > 0 {
            if self.io.buffered().is_empty() {
                self.io.fill_or_closed()?;
            }
            let available = self.io.buffered();
            let take = available.len().min(usize::try_from(n).unwrap_or(usize::MAX));
            out(&available[..take])?;
            self.io.consume(take);
            n -= take as u64;
        }
        Ok(())
    }

    fn read_exact_into(&mut self, frame: &mut Vec<u8>, n: usize) -> Result<()> {
        // The announced size is only a claim: grow with what arrives.
        frame.reserve(n.min(RESERVE_AHEAD));
        self.read_exact(n as u64, &mut |data| {
            frame.extend_from_slice(data);
            Ok(())
        })
    }

    fn stream_literal(&mut self, size: u64, sink: &mut dyn LiteralSink) -> Result<u64> {
        let local = |e: io::Error| Error::local_io("cannot store the message being downloaded", e);
        sink.begin(size).map_err(local)?;
        self.read_exact(size, &mut |data| sink.write(data).map_err(local))?;
        sink.end().map_err(local)
    }
}

fn trace_text(frame: &[u8], streamed: bool) -> String {
    let end = frame.iter().position(|&b| b == b'\r' || b == b'\n').unwrap_or(frame.len());
    let mut text = String::from_utf8_lossy(&frame[..end.min(500)]).into_owned();
    let rest = frame.len() - end;
    if rest > 2 {
        text.push_str(&format!(" ... (+{} more bytes)", rest - 2));
    }
    if streamed {
        text.push_str(" (message streamed to disk)");
    }
    text
}

/// If `line` ends with `{n}\r\n`, returns n and where the `{` is.
fn literal_announcement(line: &[u8]) -> Option<(u64, usize)> {
    let line = line.strip_suffix(b"\r\n").or_else(|| line.strip_suffix(b"\n"))?;
    let inner = line.strip_suffix(b"}")?;
    let open = inner.iter().rposition(|&b| b == b'{')?;
    let digits = &inner[open + 1..];
    if digits.is_empty() || digits.len() > 19 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let n = std::str::from_utf8(digits).ok()?.parse().ok()?;
    Some((n, open))
}

/// Whether the text before a literal is a `BODY[]` or `BODY[]<n>` item
/// (the whole message), the only literal worth streaming.
fn announces_body_section(before: &[u8]) -> bool {
    let before = before.strip_suffix(b" ").unwrap_or(before);
    let before = match before.iter().rposition(|&b| b == b'<') {
        Some(at) if before.ends_with(b">") => &before[..at],
        _ => before,
    };
    let upper: Vec<u8> = before.iter().rev().take(8).rev().map(u8::to_ascii_uppercase).collect();
    upper.ends_with(b"BODY[]") || upper.ends_with(b"RFC822")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::trickle::Trickle;

    fn codec(bytes: &[u8], chunk: usize) -> Codec<Trickle> {
        Codec::new(Trickle::new(bytes, chunk), "test:143".into())
    }

    /// Collects streamed literals in memory, for tests.
    #[derive(Default)]
    struct Collect {
        threshold: u64,
        current: Vec<u8>,
        done: Vec<Vec<u8>>,
    }

    impl LiteralSink for Collect {
        fn wants(&mut self, size: u64) -> bool {
            size >= self.threshold
        }
        fn begin(&mut self, _size: u64) -> io::Result<()> {
            self.current.clear();
            Ok(())
        }
        fn write(&mut self, data: &[u8]) -> io::Result<()> {
            self.current.extend_from_slice(data);
            Ok(())
        }
        fn end(&mut self) -> io::Result<u64> {
            self.done.push(std::mem::take(&mut self.current));
            Ok(self.done.len() as u64 - 1)
        }
    }

    const TRANSCRIPT: &[u8] = b"* 2 EXISTS\r\n* 1 FETCH (UID 10 BODY[] {12}\r\nline1\r\n{3}\r\n FLAGS (\\Seen))\r\n* 2 FETCH (UID 11 BODY[] {0}\r\n)\r\na1 OK done\r\n";

    fn read_all(codec: &mut Codec<Trickle>, mut sink: Option<&mut Collect>) -> Vec<Response> {
        let mut out = Vec::new();
        loop {
            let r = codec.read_response(sink.as_deref_mut().map(|s| s as &mut dyn LiteralSink)).unwrap();
            let done = matches!(r, Response::Done(_));
            out.push(r);
            if done {
                return out;
            }
        }
    }

    #[test]
    fn frames_the_same_whatever_the_chunking() {
        let whole = read_all(&mut codec(TRANSCRIPT, usize::MAX), None);
        assert_eq!(whole.len(), 4);
        let Response::Data(Data::Fetch(f)) = &whole[1] else { panic!("{:?}", whole[1]) };
        assert_eq!(f.body, Some(Body::Memory(b"line1\r\n{3}\r\n".to_vec())));
        assert_eq!(f.flags.as_deref(), Some(&["\\Seen".to_string()][..]));
        for chunk in 1..20 {
            assert_eq!(read_all(&mut codec(TRANSCRIPT, chunk), None), whole, "chunk {chunk}");
        }
    }

    #[test]
    fn body_literals_stream_to_the_sink() {
        for chunk in [1, 2, 5, 1000] {
            let mut sink = Collect { threshold: 1, ..Collect::default() };
            let responses = read_all(&mut codec(TRANSCRIPT, chunk), Some(&mut sink));
            let Response::Data(Data::Fetch(f)) = &responses[1] else { panic!() };
            assert_eq!(f.body, Some(Body::Streamed(0)));
            assert_eq!(f.uid, Some(10));
            assert_eq!(sink.done, vec![b"line1\r\n{3}\r\n".to_vec()]);
            // The empty literal stays in memory: below the threshold.
            let Response::Data(Data::Fetch(f)) = &responses[2] else { panic!() };
            assert_eq!(f.body, Some(Body::Memory(Vec::new())));
        }
    }

    #[test]
    fn truncated_input_is_a_temporary_error() {
        let cut = &TRANSCRIPT[..40];
        let mut c = codec(cut, 7);
        c.read_response(None).unwrap();
        let err = c.read_response(None).unwrap_err();
        assert_eq!(err.kind(), crate::error::ErrorKind::TempFail);
    }

    #[test]
    fn absurd_literals_are_refused() {
        let mut c = codec(b"* 1 FETCH (ENVELOPE {99999999999}\r\n", 100);
        let err = c.read_response(None).unwrap_err();
        assert_eq!(err.kind(), crate::error::ErrorKind::Protocol);
    }

    #[test]
    fn literal_announcements() {
        assert_eq!(literal_announcement(b"* 1 FETCH (BODY[] {123}\r\n"), Some((123, 18)));
        assert_eq!(literal_announcement(b"* OK {not}\r\n"), None);
        assert_eq!(literal_announcement(b"* OK hi\r\n"), None);
        assert_eq!(literal_announcement(b"* OK {}\r\n"), None);
        assert_eq!(literal_announcement(b"{99999999999999999999}\r\n"), None);
    }

    #[test]
    fn only_whole_message_sections_stream() {
        assert!(announces_body_section(b"* 1 FETCH (UID 3 BODY[] "));
        assert!(announces_body_section(b"* 1 FETCH (UID 3 BODY[]<0> "));
        assert!(announces_body_section(b"* 1 FETCH (RFC822 "));
        assert!(!announces_body_section(b"* 1 FETCH (BODY[HEADER.FIELDS (SUBJECT)] "));
        assert!(!announces_body_section(b"* 1 FETCH (ENVELOPE (NIL "));
    }
}
