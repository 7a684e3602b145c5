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
use crate::net::buffered::Buffered;

/// Longest status line accepted. RFC 2449 §4 allows 512 octets; some
/// servers put long texts in greetings and errors, so allow far more.
const MAX_STATUS_LINE: usize = 64 * 1024;

/// Reads and writes POP3 over a stream (a [`Stream`] in real use).
pub struct Codec<S = Stream> {
    io: Buffered<S>,
}

impl<S: Read + Write> Codec<S> {
    /// Frames `stream`; `address` names the peer in errors.
    pub fn new(stream: S, address: String) -> Codec<S> {
        Codec { io: Buffered::new(stream, address) }
    }

    /// Replies must progress by 1 KiB per `window` of waiting (see
    /// [`Buffered::set_progress_window`]).
    pub fn set_progress_window(&mut self, window: Option<std::time::Duration>) {
        self.io.set_progress_window(window);
    }

    /// The connection underneath.
    pub fn stream(&self) -> &S {
        self.io.stream()
    }

    /// The connection underneath, mutably (for STLS).
    pub fn stream_mut(&mut self) -> &mut S {
        self.io.stream_mut()
    }

    /// Bytes received but not yet framed.
    pub fn buffered(&self) -> &[u8] {
        self.io.buffered()
    }

    /// Queues a command line; CRLF is added. It leaves on [`Codec::flush`].
    pub fn queue_line(&mut self, line: &str) {
        self.io.queue(line.as_bytes());
        self.io.queue(b"\r\n");
    }

    /// Sends everything queued.
    pub fn flush(&mut self) -> Result<()> {
        self.io.flush()
    }

    /// Reads one status line and returns it without its line ending (CRLF,
    /// or a bare LF from a sloppy server: a status line has no content to
    /// get wrong).
    pub fn read_line(&mut self) -> Result<Vec<u8>> {
        let mut line = Vec::new();
        if !self.io.read_line_into(&mut line, MAX_STATUS_LINE)? {
            return Err(Error::protocol(format!(
                "{}: server sent a status line longer than 64 KiB",
                self.io.address()
            )));
        }
        line.pop();
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        Ok(line)
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
            if !self.io.buffered().is_empty() {
                let mut counted = |data: &[u8]| {
                    total += data.len() as u64;
                    out(data)
                };
                let used = unstuffer.feed(self.io.buffered(), &mut counted)?;
                self.io.consume(used);
                if unstuffer.is_done() {
                    return Ok(total);
                }
            }
            let n = self.io.fill().map_err(|e| e.context(format!("{what}: after {total} bytes of the reply")))?;
            if n == 0 {
                return Err(Error::temp(format!(
                    "{}: {what}: the server closed the connection after {total} bytes of the reply, before its \
                     final \".\" line (the reply is incomplete)",
                    self.io.address()
                )));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use crate::net::trickle::Trickle;

    fn codec(input: &[u8], step: usize, then_timeout: bool) -> Codec<Trickle> {
        let t = Trickle::new(input, step);
        Codec::new(if then_timeout { t.then_timeout() } else { t }, "pop.example:995".into())
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
