//! Where IMAP messages begin and end in a byte stream, without parsing
//! them: a command or response is lines joined by literals (`{n}`, `{n+}`,
//! `~{n}` at a line's end announce n raw bytes, RFC 3501 §4.3, RFC 7888,
//! RFC 3516), and ends at a line end that announces none. The session
//! holder's relay uses this to tell "between commands" from "in the middle
//! of one" in both directions, and to read tags and verbs.

/// The most of a message's first line kept for [`Event::Head`]: enough for
/// a tag and a verb or a status.
const HEAD_MAX: usize = 256;
/// The most digits a literal's length may have: more is no IMAP.
const MAX_DIGITS: usize = 19;

/// What [`Framer::feed`] found, with the offset (in the bytes fed) right
/// after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A message's first line is complete (`line` without CRLF, at most
    /// `HEAD_MAX` bytes of it).
    Head {
        /// Offset after the first line's LF.
        at: usize,
        /// The line.
        line: Vec<u8>,
    },
    /// A message is complete.
    End {
        /// Offset after its last byte.
        at: usize,
    },
}

/// Finds message boundaries in one direction of an IMAP conversation.
#[derive(Debug, Default)]
pub struct Framer {
    /// Bytes of literal still to come.
    literal: u64,
    /// Whether any byte of the current message has been seen.
    started: bool,
    /// Whether the current message's first line is done.
    headed: bool,
    /// The first line so far (capped).
    head: Vec<u8>,
    /// The last bytes of the current line, to spot a literal announcement.
    tail: Vec<u8>,
}

impl Framer {
    /// A framer at the start of a stream.
    pub fn new() -> Framer {
        Framer::default()
    }

    /// Whether the stream is between messages.
    pub fn is_between(&self) -> bool {
        !self.started
    }

    /// Feeds `bytes`; returns what they completed, in order.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<Event> {
        let mut events = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            self.started = true;
            if self.literal > 0 {
                let take = (bytes.len() - i).min(usize::try_from(self.literal).unwrap_or(usize::MAX));
                self.literal -= take as u64;
                i += take;
                continue;
            }
            let b = bytes[i];
            i += 1;
            if !self.headed && self.head.len() < HEAD_MAX + 1 {
                self.head.push(b);
            }
            if b != b'\n' {
                if self.tail.len() == MAX_DIGITS + 4 {
                    self.tail.remove(0);
                }
                self.tail.push(b);
                continue;
            }
            let announced = literal_at_end(&self.tail);
            self.tail.clear();
            if !self.headed {
                self.headed = true;
                let mut line = std::mem::take(&mut self.head);
                while matches!(line.last(), Some(b'\n' | b'\r')) {
                    line.pop();
                }
                line.truncate(HEAD_MAX);
                events.push(Event::Head { at: i, line });
            }
            match announced {
                Some(0) => {}
                Some(n) => self.literal = n,
                None => {
                    self.started = false;
                    self.headed = false;
                    events.push(Event::End { at: i });
                }
            }
        }
        events
    }
}

/// The length a line's end announces (`{12}`, `{12+}`, `~{12}` before the
/// CR), if it announces one.
fn literal_at_end(line: &[u8]) -> Option<u64> {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let inner = line.strip_suffix(b"}")?;
    let inner = inner.strip_suffix(b"+").or_else(|| inner.strip_suffix(b"-")).unwrap_or(inner);
    let open = inner.iter().rposition(|&b| b == b'{')?;
    let digits = &inner[open + 1..];
    if digits.is_empty() || digits.len() > MAX_DIGITS || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(digits).ok()?.parse().ok()
}

/// A message's tag and upper-cased verb (`UID FETCH` gives `FETCH`); the
/// verb is empty when the line has none.
pub fn tag_and_verb(line: &[u8]) -> (String, String) {
    let text = String::from_utf8_lossy(line);
    let mut words = text.split(' ');
    let tag = words.next().unwrap_or("").to_string();
    let mut verb = words.next().unwrap_or("").to_ascii_uppercase();
    if verb == "UID" {
        verb = words.next().unwrap_or("").to_ascii_uppercase();
    }
    (tag, verb)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ends(events: &[Event]) -> Vec<usize> {
        events.iter().filter_map(|e| if let Event::End { at } = e { Some(*at) } else { None }).collect()
    }

    const TRANSCRIPT: &[u8] =
        b"* 1 FETCH (UID 5 BODY[] {12}\r\nHello\r\n{3}\r\n) {4}\r\nab\r\n)\r\na1 OK done\r\n+ go\r\n";

    #[test]
    fn messages_end_only_at_a_line_end_with_no_literal() {
        let mut f = Framer::new();
        let events = f.feed(TRANSCRIPT);
        let first_end = TRANSCRIPT.windows(3).position(|w| w == b")\r\n").unwrap();
        // The literal's own `{3}` and CRLF are data, not framing.
        let after_fetch = TRANSCRIPT.len() - b"a1 OK done\r\n+ go\r\n".len();
        assert!(first_end > 0);
        assert_eq!(ends(&events), vec![after_fetch, after_fetch + 12, TRANSCRIPT.len()]);
        assert!(f.is_between());
        match &events[0] {
            Event::Head { line, .. } => assert_eq!(line, b"* 1 FETCH (UID 5 BODY[] {12}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn any_split_gives_the_same_boundaries() {
        let mut whole = Framer::new();
        let expected = ends(&whole.feed(TRANSCRIPT));
        for cut in 0..TRANSCRIPT.len() {
            let mut f = Framer::new();
            let mut got = ends(&f.feed(&TRANSCRIPT[..cut]));
            got.extend(ends(&f.feed(&TRANSCRIPT[cut..])).iter().map(|at| at + cut));
            assert_eq!(got, expected, "cut at {cut}");
            if !expected.contains(&cut) && cut != 0 {
                let mut g = Framer::new();
                g.feed(&TRANSCRIPT[..cut]);
                assert!(!g.is_between(), "mid-message at {cut}");
            }
        }
    }

    #[test]
    fn non_synchronizing_and_binary_literals_are_framed() {
        let mut f = Framer::new();
        let cmd = b"a2 APPEND INBOX {3+}\r\nabc\r\na3 APPEND INBOX ~{2}\r\nxy\r\n";
        assert_eq!(ends(&f.feed(cmd)).len(), 2);
        assert_eq!(tag_and_verb(b"a4 uid fetch 1:* (FLAGS)"), ("a4".into(), "FETCH".into()));
        assert_eq!(tag_and_verb(b"DONE"), ("DONE".into(), "".into()));
    }

    #[test]
    fn a_silly_length_is_not_a_literal() {
        assert_eq!(literal_at_end(b"x {99999999999999999999}\r"), None);
        assert_eq!(literal_at_end(b"x {}\r"), None);
        assert_eq!(literal_at_end(b"x {7}\r"), Some(7));
    }
}
