//! A connection seen through one fixed read buffer, with a queue of bytes to
//! send: what the IMAP and POP3 codecs frame their replies from.
//!
//! It knows lines (up to LF) and raw bytes, nothing of either protocol;
//! whatever a reply leaves unread stays buffered for the next one, so
//! pipelined replies are never lost.
//!
//! It also bounds time by progress, not by single reads: a socket timeout
//! alone lets a server that trickles a byte a second hold owl for ever.
//! With a progress window set, the replies to what was last sent must
//! deliver at least [`PROGRESS_BYTES`] in every window of time spent
//! waiting for them, or reading fails with a temporary error. Time the
//! caller spends on its own work does not count; waits that are meant to
//! be long (IDLE, see [`Buffered::fill_or_timeout`]) are exempt.

use std::io::{self, Read, Write};
use std::time::{Duration, Instant};

use crate::error::{Error, Result};

const READ_BUFFER: usize = 64 * 1024;

/// What a reply must deliver in each progress window to count as alive.
pub const PROGRESS_BYTES: usize = 1024;

/// Waiting time and bytes since the last sign of progress.
#[derive(Debug, Default)]
struct Progress {
    window: Option<Duration>,
    waited: Duration,
    got: usize,
}

impl Progress {
    fn reset(&mut self) {
        self.waited = Duration::ZERO;
        self.got = 0;
    }

    /// Accounts for one read that took `took` and brought `n` bytes.
    fn record(&mut self, took: Duration, n: usize) {
        self.got += n;
        if self.got >= PROGRESS_BYTES {
            self.reset();
        } else {
            self.waited += took;
        }
    }

    /// Whether the window is used up without enough bytes.
    fn stalled(&self) -> Option<Duration> {
        self.window.filter(|w| self.waited >= *w)
    }
}

/// A stream with a read buffer and an output queue.
pub struct Buffered<S> {
    stream: S,
    address: String,
    buf: Box<[u8]>,
    pos: usize,
    len: usize,
    out: Vec<u8>,
    progress: Progress,
}

impl<S: Read + Write> Buffered<S> {
    /// Buffers `stream`; `address` names the peer in errors.
    pub fn new(stream: S, address: String) -> Buffered<S> {
        Buffered {
            stream,
            address,
            buf: vec![0u8; READ_BUFFER].into_boxed_slice(),
            pos: 0,
            len: 0,
            out: Vec::new(),
            progress: Progress::default(),
        }
    }

    /// Replies must bring [`PROGRESS_BYTES`] in every `window` spent
    /// waiting for them (`None`: only the socket timeout applies).
    pub fn set_progress_window(&mut self, window: Option<Duration>) {
        self.progress.window = window;
        self.progress.reset();
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
        // What follows answers what is sent now: its own window.
        self.progress.reset();
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
        let started = Instant::now();
        let n = self
            .stream
            .read(&mut self.buf[self.len..])
            .map_err(|e| Error::network(format!("{}: read", self.address), e))?;
        self.len += n;
        self.progress.record(started.elapsed(), n);
        if let Some(window) = self.progress.stalled() {
            return Err(Error::temp(format!(
                "{}: the server sent only {} bytes in {} s of waiting (less than {PROGRESS_BYTES} bytes per \
                 timeout); giving up on it",
                self.address,
                self.progress.got,
                window.as_secs_f64().round()
            )));
        }
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
        // A wait for news (IDLE) may last as long as the caller likes; the
        // response that then arrives gets a fresh window.
        self.progress.reset();
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

    /// Reads that each take `delay` and bring `step` bytes.
    struct Slow {
        inner: Trickle,
        delay: Duration,
    }

    impl Read for Slow {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            // The slowness under test: a real but tiny delay per read.
            std::thread::sleep(self.delay);
            self.inner.read(buf)
        }
    }

    impl Write for Slow {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.inner.write(buf)
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_trickle_fails_once_a_window_passes_without_enough_bytes() {
        let slow = Slow { inner: Trickle::new(&[b'x'; 4096], 1), delay: Duration::from_millis(2) };
        let mut b = Buffered::new(slow, "peer".into());
        b.set_progress_window(Some(Duration::from_millis(40)));
        let err = b.read_line_into(&mut Vec::new(), 1 << 20).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::TempFail);
        assert!(err.to_string().contains("the server sent only"), "{err}");
        // About 20 one-byte reads fit in the window, far from the 1 KiB.
        assert!(b.progress.got < 100, "{}", b.progress.got);
    }

    #[test]
    fn enough_bytes_per_window_keep_a_slow_reply_going() {
        let mut body = vec![b'y'; 300_000];
        body.push(b'\n');
        let slow = Slow { inner: Trickle::new(&body, 2048), delay: Duration::from_millis(1) };
        let mut b = Buffered::new(slow, "peer".into());
        b.set_progress_window(Some(Duration::from_millis(5)));
        let mut line = Vec::new();
        assert!(b.read_line_into(&mut line, 1 << 20).unwrap());
        assert_eq!(line.len(), body.len());
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
