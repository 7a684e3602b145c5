//! Multi-line replies (RFC 1939 §3): byte-unstuffing and the terminator,
//! one chunk at a time.
//!
//! Lines end with CRLF. A line that starts with `.` loses that `.`; the
//! line that is exactly `.` CRLF ends the reply. Every other byte passes
//! through untouched, 8-bit bytes, bare CR and bare LF included: a bare LF
//! is content, not a line end, so a server that ends lines with bare LF
//! never seems to finish (it times out) instead of yielding silently wrong
//! bytes. [`Unstuffer`] keeps only a few bits of state, so a message of any
//! size streams through it, split anywhere. It must not read the network
//! or buffer data: that is the codec's job.

/// Where the unstuffer is inside the reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// At the first byte of a line.
    LineStart,
    /// The line began with `.`, which was dropped.
    Dot,
    /// The line so far is `.` CR; the CR is held back, because a LF now
    /// makes the line the terminator.
    DotCr,
    /// Inside a line.
    Middle,
    /// Inside a line, right after a CR.
    Cr,
    /// The terminator was read; nothing more belongs to this reply.
    Done,
}

/// Turns the bytes of a multi-line reply into its content.
#[derive(Debug, Clone)]
pub struct Unstuffer {
    state: State,
}

impl Default for Unstuffer {
    fn default() -> Self {
        Unstuffer::new()
    }
}

impl Unstuffer {
    /// Ready for the first byte after the `+OK` line.
    pub fn new() -> Unstuffer {
        Unstuffer { state: State::LineStart }
    }

    /// Whether the terminating line has been read.
    pub fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// Feeds the next bytes of the reply. Content goes to `out`, in as
    /// few pieces as the stuffing allows (never empty ones). Returns how
    /// many bytes of `input` belong to this reply: all of them, or fewer
    /// when the terminator ends inside `input`, since what follows is the
    /// next reply (pipelining). An error from `out` stops at once.
    pub fn feed<E>(&mut self, input: &[u8], out: &mut dyn FnMut(&[u8]) -> Result<(), E>) -> Result<usize, E> {
        // `run` is where the content not yet given to `out` starts.
        let mut run = 0;
        let mut i = 0;
        while i < input.len() {
            let b = input[i];
            match self.state {
                State::Done => break,
                State::LineStart if b == b'.' => {
                    emit(&input[run..i], out)?;
                    run = i + 1;
                    self.state = State::Dot;
                    i += 1;
                }
                State::Dot if b == b'\r' => {
                    emit(&input[run..i], out)?;
                    run = i + 1;
                    self.state = State::DotCr;
                    i += 1;
                }
                State::LineStart | State::Dot => {
                    self.state = if b == b'\r' { State::Cr } else { State::Middle };
                    i += 1;
                }
                State::DotCr if b == b'\n' => {
                    // `run == i`: the held CR was the only thing pending.
                    self.state = State::Done;
                    return Ok(i + 1);
                }
                State::DotCr => {
                    // Not the terminator: the held CR was content. `run == i`
                    // here, so emitting it now keeps the order.
                    out(b"\r")?;
                    self.state = State::Middle;
                }
                State::Middle => match input[i..].iter().position(|&c| c == b'\r') {
                    Some(at) => {
                        i += at + 1;
                        self.state = State::Cr;
                    }
                    None => i = input.len(),
                },
                State::Cr => {
                    self.state = match b {
                        b'\n' => State::LineStart,
                        b'\r' => State::Cr,
                        _ => State::Middle,
                    };
                    i += 1;
                }
            }
        }
        emit(&input[run..i], out)?;
        Ok(i)
    }
}

fn emit<E>(bytes: &[u8], out: &mut dyn FnMut(&[u8]) -> Result<(), E>) -> Result<(), E> {
    if bytes.is_empty() { Ok(()) } else { out(bytes) }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `input` in pieces of `step` bytes; returns the content, how
    /// many bytes were consumed, and whether the terminator was seen.
    fn run(input: &[u8], step: usize) -> (Vec<u8>, usize, bool) {
        let mut u = Unstuffer::new();
        let mut out = Vec::new();
        let mut used = 0;
        for chunk in input.chunks(step.max(1)) {
            let n = u
                .feed::<()>(chunk, &mut |d| {
                    assert!(!d.is_empty());
                    out.extend_from_slice(d);
                    Ok(())
                })
                .unwrap();
            used += n;
            if u.is_done() {
                break;
            }
        }
        (out, used, u.is_done())
    }

    const WIRE: &[u8] =
        b"From: a\r\n..hidden\r\n.\r\r\n.x\r\nbare\rcr and bare\nlf\r\n\xff\xfe 8bit\r\n\r\n..\r\n.\r\nNEXT";
    const CONTENT: &[u8] = b"From: a\r\n.hidden\r\n\r\r\nx\r\nbare\rcr and bare\nlf\r\n\xff\xfe 8bit\r\n\r\n.\r\n";

    #[test]
    fn unstuffs_whole_and_stops_at_the_terminator() {
        let (out, used, done) = run(WIRE, WIRE.len());
        assert!(done);
        assert_eq!(out, CONTENT);
        assert_eq!(&WIRE[used..], b"NEXT");
    }

    #[test]
    fn every_split_gives_the_same_bytes() {
        for step in 1..=WIRE.len() {
            let (out, used, done) = run(WIRE, step);
            assert!(done, "step {step}");
            assert_eq!(out, CONTENT, "step {step}");
            assert_eq!(used, WIRE.len() - 4, "step {step}");
        }
        // Two pieces, cut at every position (inside "\r\n.\r\n" too).
        for cut in 0..=WIRE.len() {
            let mut u = Unstuffer::new();
            let mut out = Vec::new();
            let mut push = |d: &[u8]| -> Result<(), ()> {
                out.extend_from_slice(d);
                Ok(())
            };
            let first = u.feed(&WIRE[..cut], &mut push).unwrap();
            let second = if u.is_done() { 0 } else { u.feed(&WIRE[cut..], &mut push).unwrap() };
            assert_eq!(first + second, WIRE.len() - 4, "cut {cut}");
            assert_eq!(out, CONTENT, "cut {cut}");
        }
    }

    #[test]
    fn empty_reply_and_dot_only_lines() {
        assert_eq!(run(b".\r\n", 1), (Vec::new(), 3, true));
        assert_eq!(run(b"...\r\n.\r\n", 1).0, b"..\r\n");
        // A bare LF does not start a line: the dot after it is content.
        assert_eq!(run(b"a\n.b\r\n.\r\n", 2).0, b"a\n.b\r\n");
        // ".\n" is not the terminator (strict CRLF): the reply goes on.
        let (out, _, done) = run(b"x\r\n.\n", 1);
        assert!(!done);
        assert_eq!(out, b"x\r\n\n");
    }

    #[test]
    fn an_unfinished_reply_gives_a_prefix_and_no_terminator() {
        let (out, used, done) = run(b"line one\r\nline tw", 3);
        assert!(!done);
        assert_eq!(used, 17);
        assert_eq!(out, b"line one\r\nline tw");
        // A dot-CR at the very end is held: it may be the terminator.
        let (out, _, done) = run(b"a\r\n.\r", 1);
        assert!(!done);
        assert_eq!(out, b"a\r\n");
    }

    #[test]
    fn an_output_error_stops_feeding() {
        let mut u = Unstuffer::new();
        let err = u.feed(b"abc\r\n.\r\n", &mut |_| Err("disk full")).unwrap_err();
        assert_eq!(err, "disk full");
    }
}
