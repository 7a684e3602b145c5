//! Framing: status lines and multi-line replies off the byte stream,
//! command lines onto it.
//!
//! One fixed read buffer serves both: a multi-line body goes from that
//! buffer through the [`Unstuffer`] straight to the caller, so memory does
//! not grow with the message; whatever follows a reply stays buffered for
//! the next one (RFC 2449 §6.6 pipelining). It must not interpret replies
//! (that is [`super::reply`]) nor trace: the session does, and redacts.

use std::io::{Read, Write};

use super::multiline::Unstuffer;
use crate::error::{Error, Result};
use crate::net::Stream;

/// Longest status line accepted. RFC 2449 §4 allows 512 octets; some
/// servers put long texts in greetings and errors, so allow far more.
const MAX_STATUS_LINE: usize = 64 * 1024;
const READ_BUFFER: usize = 64 * 1024;

/// Reads and writes POP3 over a stream (a [`Stream`] in real use).
pub struct Codec<S = Stream> {
    stream: S,
    address: String,
    buf: Box<[u8]>,
    pos: usize,
    len: usize,
    out: Vec<u8>,
}

impl<S: Read + Write> Codec<S> {
    /// Frames `stream`; `address` names the peer in errors.
    pub fn new(stream: S, address: String) -> Codec<S> {
        Codec { stream, address, buf: vec![0u8; READ_BUFFER].into_boxed_slice(), pos: 0, len: 0, out: Vec::new() }
    }

    /// The connection underneath.
    pub fn stream(&self) -> &S {
        &self.stream
    }

    /// The connection underneath, mutably (for STLS).
    pub fn stream_mut(&mut self) -> &mut S {
        &mut self.stream
    }

    /// Bytes received but not yet framed.
    pub fn buffered(&self) -> &[u8] {
        &self.buf[self.pos..self.len]
    }

    /// Queues a command line; CRLF is added. It leaves on [`Codec::flush`].
    pub fn queue_line(&mut self, line: &str) {
        self.out.extend_from_slice(line.as_bytes());
        self.out.extend_from_slice(b"\r\n");
    }

    /// Sends everything queued.
    pub fn flush(&mut self) -> Result<()> {
        let what = format!("{}: write", self.address);
        if !self.out.is_empty() {
            let result = self.stream.write_all(&self.out);
            self.out.clear();
            result.map_err(|e| Error::network(&what, e))?;
        }
        self.stream.flush().map_err(|e| Error::network(what, e))
    }

    /// Reads one status line and returns it without its line ending (CRLF,
    /// or a bare LF from a sloppy server: a status line has no content to
    /// get wrong).
    pub fn read_line(&mut self) -> Result<Vec<u8>> {
        let mut line = Vec::new();
        loop {
            let available = &self.buf[self.pos..self.len];
            if let Some(at) = available.iter().position(|&b| b == b'\n') {
                line.extend_from_slice(&available[..at]);
                self.pos += at + 1;
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                return Ok(line);
            }
            line.extend_from_slice(available);
            self.pos = self.len;
            if line.len() > MAX_STATUS_LINE {
                return Err(Error::protocol(format!("{}: server sent a status line longer than 64 KiB", self.address)));
            }
            if self.fill()? == 0 {
                return Err(Error::temp(format!("{}: the server closed the connection", self.address)));
            }
        }
    }

    /// Reads the body of a multi-line reply up to and including its
    /// terminator, giving the unstuffed content to `out` as it arrives.
    /// Returns the number of content bytes. On any error `out` has seen
    /// only a prefix, and the stream is no longer in step; `what` names
    /// the command in messages.
    pub fn read_body(&mut self, what: &str, out: &mut dyn FnMut(&[u8]) -> Result<()>) -> Result<u64> {
        let mut unstuffer = Unstuffer::new();
        let mut total = 0u64;
        loop {
            if self.pos < self.len {
                let mut counted = |data: &[u8]| {
                    total += data.len() as u64;
                    out(data)
                };
                let used = unstuffer.feed(&self.buf[self.pos..self.len], &mut counted)?;
                self.pos += used;
                if unstuffer.is_done() {
                    return Ok(total);
                }
            }
            let n = self.fill().map_err(|e| e.context(format!("{what}: after {total} bytes of the reply")))?;
            if n == 0 {
                return Err(Error::temp(format!(
                    "{}: {what}: the server closed the connection after {total} bytes of the reply, before its \
                     final \".\" line (the reply is incomplete)",
                    self.address
                )));
            }
        }
    }

    /// Reads more bytes into the buffer; 0 means the peer closed.
    fn fill(&mut self) -> Result<usize> {
        if self.pos == self.len {
            self.pos = 0;
            self.len = 0;
        } else if self.len == self.buf.len() {
            // Never read into no room: a 0-byte read would look like a
            // hang-up. (The callers consume everything they are given, so
            // this is defence only.)
            self.buf.copy_within(self.pos..self.len, 0);
            self.len -= self.pos;
            self.pos = 0;
        }
        let n = self
            .stream
            .read(&mut self.buf[self.len..])
            .map_err(|e| Error::network(format!("{}: read", self.address), e))?;
        self.len += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use std::io;

    use super::*;
    use crate::error::ErrorKind;

    /// Hands out its input a few bytes per read, then EOF or an error.
    struct Trickle {
        input: Vec<u8>,
        at: usize,
        step: usize,
        then_timeout: bool,
        written: Vec<u8>,
    }

    impl Read for Trickle {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.at == self.input.len() && self.then_timeout {
                return Err(io::Error::from(io::ErrorKind::WouldBlock));
            }
            let n = self.step.min(buf.len()).min(self.input.len() - self.at);
            buf[..n].copy_from_slice(&self.input[self.at..self.at + n]);
            self.at += n;
            Ok(n)
        }
    }

    impl Write for Trickle {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.written.extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    fn codec(input: &[u8], step: usize, then_timeout: bool) -> Codec<Trickle> {
        let t = Trickle { input: input.to_vec(), at: 0, step, then_timeout, written: Vec::new() };
        Codec::new(t, "pop.example:995".into())
    }

    #[test]
    fn status_line_then_body_then_next_reply_at_any_read_size() {
        let wire = b"+OK 12 octets\r\nab\r\n..cd\r\n.\r\n+OK next\n";
        for step in 1..wire.len() {
            let mut c = codec(wire, step, false);
            assert_eq!(c.read_line().unwrap(), b"+OK 12 octets");
            let mut body = Vec::new();
            let n = c
                .read_body("RETR 1", &mut |d| {
                    body.extend_from_slice(d);
                    Ok(())
                })
                .unwrap();
            assert_eq!((body.as_slice(), n), (&b"ab\r\n.cd\r\n"[..], 9));
            assert_eq!(c.read_line().unwrap(), b"+OK next");
        }
    }

    #[test]
    fn a_hang_up_mid_body_is_temporary_after_a_prefix() {
        let mut c = codec(b"+OK\r\nhello\r\nwor", 4, false);
        c.read_line().unwrap();
        let mut body = Vec::new();
        let err = c
            .read_body("RETR 7", &mut |d| {
                body.extend_from_slice(d);
                Ok(())
            })
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::TempFail);
        assert!(err.to_string().contains("RETR 7: the server closed the connection after 10 bytes"), "{err}");
        assert_eq!(body, b"hello\r\nwor");
    }

    #[test]
    fn a_timeout_mid_body_is_temporary() {
        let mut c = codec(b"+OK\r\nhello\r\n", 64, true);
        c.read_line().unwrap();
        let err = c.read_body("RETR 2", &mut |_| Ok(())).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::TempFail);
        assert!(err.to_string().contains("timed out") && err.to_string().contains("after 7 bytes"), "{err}");
    }

    #[test]
    fn overlong_status_lines_and_hang_ups_are_refused() {
        let mut c = codec(&vec![b'x'; 200 * 1024], 100_000, false);
        assert_eq!(c.read_line().unwrap_err().kind(), ErrorKind::Protocol);
        let mut c = codec(b"+OK no end", 3, false);
        assert_eq!(c.read_line().unwrap_err().kind(), ErrorKind::TempFail);
    }

    #[test]
    fn queued_lines_leave_on_flush() {
        let mut c = codec(b"", 1, false);
        c.queue_line("RETR 1");
        c.queue_line("RETR 2");
        assert!(c.stream().written.is_empty());
        c.flush().unwrap();
        assert_eq!(c.stream().written, b"RETR 1\r\nRETR 2\r\n");
    }
}
