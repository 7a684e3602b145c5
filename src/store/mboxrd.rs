//! mboxrd, streamed both ways in constant memory. An entry is `From SENDER
//! DATE\n` (asctime, UTC), the bytes with one `>` added to lines matching
//! `^>*From `, `\n` if they lacked a final newline, then a blank line `\n`.
//! Readers (ours; Python's `mailbox.mbox`) get the exact bytes back, CRLF
//! kept as CRLF, except that a message without a final newline gains `\n`
//! (and Python leaves the `>From` quoting in). No file access here.

use crate::model::date::format_asctime;
use std::io::{self, Read, Write};

const FROM: &[u8] = b"From ";

/// How much of a message's start is searched for `Return-Path:`.
pub const HEADER_PEEK: usize = 64 * 1024;

/// The `From ` line for a message: its Return-Path address when that is a
/// clean one, else `MAILER-DAEMON`, and the date in UTC.
pub fn from_line(head: &[u8], unix_secs: i64) -> String {
    let sender = return_path(head).unwrap_or_else(|| "MAILER-DAEMON".to_string());
    format!("From {sender} {}\n", format_asctime(unix_secs))
}

/// The address of the first `Return-Path:` header in `head`, if it is
/// non-empty and made only of characters that keep the From line parseable.
fn return_path(head: &[u8]) -> Option<String> {
    let mut value: Option<Vec<u8>> = None;
    for line in head.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            break; // end of the header section
        }
        match &mut value {
            Some(v) if line[0] == b' ' || line[0] == b'\t' => v.extend_from_slice(line),
            Some(_) => break,
            None if line.len() >= 12 && line[..12].eq_ignore_ascii_case(b"return-path:") => {
                value = Some(line[12..].to_vec());
            }
            None => {}
        }
    }
    let value = String::from_utf8(value?).ok()?;
    let value = value.trim();
    let addr = match (value.find('<'), value.rfind('>')) {
        (Some(a), Some(b)) if a < b => &value[a + 1..b],
        _ => value,
    };
    let clean = !addr.is_empty()
        && addr.len() <= 254
        && addr.bytes().all(|b| b.is_ascii_graphic() && !b"<>()[],;:\"\\".contains(&b));
    clean.then(|| addr.to_string())
}

/// Writes one whole mboxrd entry (From line, quoted body, final newline if
/// missing, blank line), copying `body` through a fixed-size buffer.
pub fn write_message<W: Write, R: Read + ?Sized>(out: &mut W, from_line: &str, body: &mut R) -> io::Result<()> {
    out.write_all(from_line.as_bytes())?;
    let mut quote = Quoter::default();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match body.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        quote.feed(&buf[..n], out)?;
    }
    if !quote.finish(out)? {
        out.write_all(b"\n")?;
    }
    out.write_all(b"\n")
}

/// Adds one `>` to lines matching `^>*From `. Since every `>` is alike, the
/// added one can go first, so nothing but a few bytes of `From ` is held.
#[derive(Debug)]
struct Quoter {
    line_start: bool,
    matched: usize,
    ended_with_newline: bool,
}

impl Default for Quoter {
    fn default() -> Quoter {
        Quoter { line_start: true, matched: 0, ended_with_newline: false }
    }
}

impl Quoter {
    fn feed<W: Write>(&mut self, input: &[u8], out: &mut W) -> io::Result<()> {
        let mut i = 0;
        while i < input.len() {
            if self.line_start {
                if self.matched == 0 {
                    let run = input[i..].iter().take_while(|&&b| b == b'>').count();
                    if run > 0 {
                        out.write_all(&input[i..i + run])?;
                        i += run;
                        continue;
                    }
                }
                if input[i] == FROM[self.matched] {
                    self.matched += 1;
                    i += 1;
                    if self.matched == FROM.len() {
                        out.write_all(b">From ")?;
                        self.line_start = false;
                        self.matched = 0;
                    }
                    continue;
                }
                // Not a From line: release what was held and read input[i] again.
                out.write_all(&FROM[..self.matched])?;
                self.line_start = false;
                self.matched = 0;
                continue;
            }
            match input[i..].iter().position(|&b| b == b'\n') {
                Some(p) => {
                    out.write_all(&input[i..=i + p])?;
                    i += p + 1;
                    self.line_start = true;
                }
                None => {
                    out.write_all(&input[i..])?;
                    i = input.len();
                }
            }
        }
        if let Some(&b) = input.last() {
            self.ended_with_newline = b == b'\n';
        }
        Ok(())
    }

    /// Releases held bytes; true if the message ended with a newline.
    fn finish<W: Write>(&mut self, out: &mut W) -> io::Result<bool> {
        out.write_all(&FROM[..self.matched])?;
        self.matched = 0;
        Ok(self.ended_with_newline)
    }
}

/// Removes one `>` from lines matching `^>+From `: the first `>` of a line
/// is held until the line is known not to be such a line.
#[derive(Debug)]
struct Unquoter {
    line_start: bool,
    held: bool,
    matched: usize,
}

impl Unquoter {
    fn feed(&mut self, input: &[u8], out: &mut Vec<u8>) {
        let mut i = 0;
        while i < input.len() {
            if self.line_start {
                if self.matched == 0 {
                    let run = input[i..].iter().take_while(|&&b| b == b'>').count();
                    if run > 0 {
                        let keep = if self.held { run } else { run - 1 };
                        out.extend_from_slice(&input[i..i + keep]);
                        self.held = true;
                        i += run;
                        continue;
                    }
                }
                if input[i] == FROM[self.matched] {
                    self.matched += 1;
                    i += 1;
                    if self.matched == FROM.len() {
                        out.extend_from_slice(FROM);
                        self.reset(false);
                    }
                    continue;
                }
                self.release(out);
                continue;
            }
            match input[i..].iter().position(|&b| b == b'\n') {
                Some(p) => {
                    out.extend_from_slice(&input[i..=i + p]);
                    i += p + 1;
                    self.line_start = true;
                }
                None => {
                    out.extend_from_slice(&input[i..]);
                    i = input.len();
                }
            }
        }
    }

    /// The line is not a quoted From line: emit what was held back.
    fn release(&mut self, out: &mut Vec<u8>) {
        if self.held {
            out.push(b'>');
        }
        out.extend_from_slice(&FROM[..self.matched]);
        self.reset(false);
    }

    fn reset(&mut self, line_start: bool) {
        self.line_start = line_start;
        self.held = false;
        self.matched = 0;
    }
}

/// A reader of one message's stored bytes (From line and blank separator
/// already cut off by the caller) that undoes the mboxrd quoting.
#[derive(Debug)]
pub struct Unquote<R> {
    inner: R,
    state: Unquoter,
    out: Vec<u8>,
    pos: usize,
    done: bool,
}

impl<R: Read> Unquote<R> {
    /// Unquotes the bytes of `inner`.
    pub fn new(inner: R) -> Unquote<R> {
        Unquote {
            inner,
            state: Unquoter { line_start: true, held: false, matched: 0 },
            out: Vec::with_capacity(16 * 1024),
            pos: 0,
            done: false,
        }
    }
}

impl<R: Read> Read for Unquote<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.pos == self.out.len() {
            if self.done {
                return Ok(0);
            }
            self.out.clear();
            self.pos = 0;
            let mut chunk = [0u8; 8192];
            let n = self.inner.read(&mut chunk)?;
            if n == 0 {
                self.state.release(&mut self.out);
                self.done = true;
            } else {
                self.state.feed(&chunk[..n], &mut self.out);
            }
        }
        let n = buf.len().min(self.out.len() - self.pos);
        buf[..n].copy_from_slice(&self.out[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quote_in_pieces(input: &[u8], piece: usize) -> (Vec<u8>, bool) {
        let mut q = Quoter::default();
        let mut out = Vec::new();
        for chunk in input.chunks(piece.max(1)) {
            q.feed(chunk, &mut out).unwrap();
        }
        let nl = q.finish(&mut out).unwrap();
        (out, nl)
    }

    fn unquote(input: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        // A tiny inner reader exercises every split point.
        struct Trickle<'a>(&'a [u8]);
        impl Read for Trickle<'_> {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                let n = buf.len().min(self.0.len()).min(3);
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        Unquote::new(Trickle(input)).read_to_end(&mut out).unwrap();
        out
    }

    const TRICKY: &[u8] = b"From x\nFrom: a\n>From y\n>>From z\r\n>Fro\nFro\n>\n>>\nX From \nFrom";

    #[test]
    fn quotes_exactly_the_from_lines_whatever_the_chunking() {
        let expected: &[u8] = b">From x\nFrom: a\n>>From y\n>>>From z\r\n>Fro\nFro\n>\n>>\nX From \nFrom";
        for piece in [1, 2, 3, 5, 7, 1000] {
            let (out, nl) = quote_in_pieces(TRICKY, piece);
            assert_eq!(out, expected, "piece {piece}");
            assert!(!nl);
        }
        assert!(quote_in_pieces(b"a\r\n", 1).1);
    }

    #[test]
    fn unquoting_inverts_quoting() {
        let samples: [&[u8]; 6] = [TRICKY, b"", b">", b">>>From", b"\n\n>From \n", b"From "];
        for s in samples {
            let (quoted, _) = quote_in_pieces(s, 4);
            assert_eq!(unquote(&quoted), s, "{:?}", String::from_utf8_lossy(s));
        }
        // Foreign files may hold bare or odd lines; they pass through.
        assert_eq!(unquote(b">x\n>Frox\n"), b">x\n>Frox\n");
    }

    #[test]
    fn writes_a_whole_entry_with_separator_and_missing_newline() {
        let mut out = Vec::new();
        write_message(&mut out, "From a b\n", &mut &b"x\r\nFrom y"[..]).unwrap();
        assert_eq!(out, b"From a b\nx\r\n>From y\n\n");
        let mut out = Vec::new();
        write_message(&mut out, "From a b\n", &mut &b"x\n"[..]).unwrap();
        assert_eq!(out, b"From a b\nx\n\n");
    }

    #[test]
    fn asctime_matches_c() {
        assert_eq!(format_asctime(0), "Thu Jan  1 00:00:00 1970");
        assert_eq!(format_asctime(1_732_300_000), "Fri Nov 22 18:26:40 2024");
        assert_eq!(format_asctime(951_782_400), "Tue Feb 29 00:00:00 2000");
        assert_eq!(format_asctime(-1), "Wed Dec 31 23:59:59 1969");
    }

    #[test]
    fn sender_comes_from_a_clean_return_path() {
        let line = |head: &[u8]| from_line(head, 0);
        assert_eq!(
            line(b"Received: x\r\nReturn-Path: <bob@example.org>\r\n\r\nReturn-Path: <no@x>\r\n"),
            "From bob@example.org Thu Jan  1 00:00:00 1970\n"
        );
        assert!(line(b"return-path:\r\n  <folded@x.org>\n\n").starts_with("From folded@x.org "));
        for bad in [
            &b"Return-Path: <>\n\n"[..],
            b"Return-Path: <a b@x>\n\n",
            b"Subject: x\n\nReturn-Path: <late@x>\n",
            b"Return-Path: <\"q\"@x>\n",
            b"Return-Path: <a@\xc3\xa9>\n",
        ] {
            assert!(line(bad).starts_with("From MAILER-DAEMON "), "{bad:?}");
        }
    }
}
