//! A connection seen through one fixed read buffer, with a queue of bytes to
//! send: what the IMAP and POP3 codecs frame their replies from.
//!
//! It knows lines (up to LF) and raw bytes, nothing of either protocol;
//! whatever a reply leaves unread stays buffered for the next one, so
//! pipelined replies are never lost.

use std::io::{self, Read, Write};

use crate::error::{Error, Result};

const READ_BUFFER: usize = 64 * 1024;

/// A stream with a read buffer and an output queue.
pub struct Buffered<S> {
    stream: S,
    address: String,
    buf: Box<[u8]>,
    pos: usize,
    len: usize,
    out: Vec<u8>,
}

impl<S: Read + Write> Buffered<S> {
    /// Buffers `stream`; `address` names the peer in errors.
    pub fn new(stream: S, address: String) -> Buffered<S> {
        Buffered { stream, address, buf: vec![0u8; READ_BUFFER].into_boxed_slice(), pos: 0, len: 0, out: Vec::new() }
    }

    /// The peer, as errors name it.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// The connection underneath.
    pub fn stream(&self) -> &S {
        &self.stream
    }

    /// The connection underneath, mutably (for STARTTLS and COMPRESS).
    pub fn stream_mut(&mut self) -> &mut S {
        &mut self.stream
    }

    /// Bytes received but not yet consumed.
    pub fn buffered(&self) -> &[u8] {
        &self.buf[self.pos..self.len]
    }

    /// Marks the first `n` buffered bytes as consumed.
    pub fn consume(&mut self, n: usize) {
        self.pos = (self.pos + n).min(self.len);
    }

    /// Drops the received-but-unconsumed bytes.
    pub fn clear_buffer(&mut self) {
        self.pos = 0;
        self.len = 0;
    }

    /// Queues bytes; they leave on [`Buffered::flush`].
    pub fn queue(&mut self, bytes: &[u8]) {
        self.out.extend_from_slice(bytes);
    }

    /// Sends everything queued. The queue is emptied even on failure: the
    /// connection is unusable then, and a retry must not resend half of it.
    pub fn flush(&mut self) -> Result<()> {
        let what = format!("{}: write", self.address);
        if !self.out.is_empty() {
            let result = self.stream.write_all(&self.out);
            self.out.clear();
            result.map_err(|e| Error::network(&what, e))?;
        }
        self.stream.flush().map_err(|e| Error::network(what, e))
    }

    /// Reads more bytes into the buffer; `Ok(0)` means the peer closed.
    pub fn fill(&mut self) -> Result<usize> {
        self.make_room();
        let n = self
            .stream
            .read(&mut self.buf[self.len..])
            .map_err(|e| Error::network(format!("{}: read", self.address), e))?;
        self.len += n;
        Ok(n)
    }

    /// Like [`Buffered::fill`], but a peer that closed is an error.
    pub fn fill_or_closed(&mut self) -> Result<()> {
        match self.fill()? {
            0 => Err(self.closed()),
            _ => Ok(()),
        }
    }

    /// Like [`Buffered::fill_or_closed`], but a read timeout is `Ok(false)`
    /// instead of an error (for waiting in short ticks).
    pub fn fill_or_timeout(&mut self) -> Result<bool> {
        self.make_room();
        match self.stream.read(&mut self.buf[self.len..]) {
            Ok(0) => Err(self.closed()),
            Ok(n) => {
                self.len += n;
                Ok(true)
            }
            Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => Ok(false),
            Err(e) => Err(Error::network(format!("{}: read", self.address), e)),
        }
    }

    /// Appends the bytes up to and including the next LF to `line`.
    /// `Ok(false)` when more than `max` bytes came without one; a peer that
    /// closes first is a temporary error.
    pub fn read_line_into(&mut self, line: &mut Vec<u8>, max: usize) -> Result<bool> {
        let start = line.len();
        loop {
            let available = self.buffered();
            if let Some(at) = available.iter().position(|&b| b == b'\n') {
                line.extend_from_slice(&available[..=at]);
                self.consume(at + 1);
                return Ok(true);
            }
            line.extend_from_slice(available);
            self.pos = self.len;
            if line.len() - start > max {
                return Ok(false);
            }
            self.fill_or_closed()?;
        }
    }

    fn make_room(&mut self) {
        if self.pos == self.len {
            self.clear_buffer();
        } else if self.len == self.buf.len() {
            // Never read into no room: a 0-byte read would look like a
            // hang-up.
            self.buf.copy_within(self.pos..self.len, 0);
            self.len -= self.pos;
            self.pos = 0;
        }
    }

    fn closed(&self) -> Error {
        Error::temp(format!("{}: the server closed the connection", self.address))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use crate::net::trickle::Trickle;

    fn buffered(input: &[u8]) -> Buffered<Trickle> {
        Buffered::new(Trickle::new(input, 3), "peer".into())
    }

    #[test]
    fn lines_come_whole_and_what_follows_stays_buffered() {
        let mut b = buffered(b"one\r\ntwo\nrest");
        let mut line = Vec::new();
        assert!(b.read_line_into(&mut line, 100).unwrap());
        assert_eq!(line, b"one\r\n");
        line.clear();
        assert!(b.read_line_into(&mut line, 100).unwrap());
        assert_eq!(line, b"two\n");
        let err = b.read_line_into(&mut Vec::new(), 100).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::TempFail, "{err}");
    }

    #[test]
    fn an_overlong_line_is_reported_not_read_forever() {
        let mut b = buffered(&[b'x'; 50]);
        assert!(!b.read_line_into(&mut Vec::new(), 10).unwrap());
    }

    #[test]
    fn queued_bytes_leave_on_flush() {
        let mut b = buffered(b"");
        b.queue(b"a1 NOOP\r\n");
        assert!(b.stream().written.is_empty());
        b.flush().unwrap();
        assert_eq!(b.stream().written, b"a1 NOOP\r\n");
    }
}
