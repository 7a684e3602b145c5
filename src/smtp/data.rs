//! The message as it crosses the wire after `354` (RFC 5321 §4.1.1.4,
//! §4.5.2): a line that starts with `.` gets another `.`, a bare LF
//! becomes CRLF, a final CRLF is added if missing, and `.\r\n` ends it.
//!
//! [`Stuffer`] works on chunks of any size, keeping the little state a
//! line end split between two chunks needs, so a message of any length
//! streams through a bounded buffer. A bare CR is passed on as it is (RFC
//! 5321 forbids it; changing it could break a signed message more than
//! sending it does). It must not read or write the network.

/// Converts message bytes to the DATA form, chunk by chunk.
#[derive(Debug, Clone)]
pub struct Stuffer {
    /// The next byte starts a line.
    line_start: bool,
    /// The last byte was a CR (its LF may be in the next chunk).
    after_cr: bool,
}

impl Default for Stuffer {
    fn default() -> Stuffer {
        Stuffer { line_start: true, after_cr: false }
    }
}

impl Stuffer {
    /// A stuffer at the start of a message.
    pub fn new() -> Stuffer {
        Stuffer::default()
    }

    /// Appends the DATA form of `input`, the next bytes of the message, to
    /// `out` (which grows by at most twice `input`'s length).
    pub fn feed(&mut self, input: &[u8], out: &mut Vec<u8>) {
        let mut rest = input;
        while let Some(&first) = rest.first() {
            if self.line_start && first == b'.' {
                out.push(b'.');
            }
            match rest.iter().position(|&b| b == b'\n') {
                Some(at) => {
                    let line = &rest[..at];
                    out.extend_from_slice(line);
                    let cr_before = line.last().map_or(self.after_cr, |&b| b == b'\r');
                    if !cr_before {
                        out.push(b'\r');
                    }
                    out.push(b'\n');
                    self.line_start = true;
                    self.after_cr = false;
                    rest = &rest[at + 1..];
                }
                None => {
                    out.extend_from_slice(rest);
                    self.after_cr = rest.last() == Some(&b'\r');
                    self.line_start = false;
                    rest = &[];
                }
            }
        }
    }

    /// Appends the end of the message to `out`: CRLF if the last line has
    /// none, then `.\r\n`.
    pub fn finish(&mut self, out: &mut Vec<u8>) {
        if !self.line_start {
            out.extend_from_slice(if self.after_cr { b"\n" } else { b"\r\n" });
        }
        out.extend_from_slice(b".\r\n");
        *self = Stuffer::new();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stuffed(input: &[u8]) -> Vec<u8> {
        let mut whole = Vec::new();
        let mut s = Stuffer::new();
        s.feed(input, &mut whole);
        s.finish(&mut whole);
        // Every split into two chunks, and byte by byte, gives the same.
        for at in 0..=input.len() {
            let mut out = Vec::new();
            let mut s = Stuffer::new();
            s.feed(&input[..at], &mut out);
            s.feed(&input[at..], &mut out);
            s.finish(&mut out);
            assert_eq!(out, whole, "split at {at}");
        }
        let mut out = Vec::new();
        let mut s = Stuffer::new();
        for b in input {
            s.feed(std::slice::from_ref(b), &mut out);
        }
        s.finish(&mut out);
        assert_eq!(out, whole, "byte by byte");
        whole
    }

    #[test]
    fn leading_dots_are_doubled_and_others_left() {
        let out = stuffed(b"Subject: x\r\n\r\n.leading dot\r\nmiddle . dot\r\n.\r\n..two\r\nend");
        assert_eq!(out, b"Subject: x\r\n\r\n..leading dot\r\nmiddle . dot\r\n..\r\n...two\r\nend\r\n.\r\n");
    }

    #[test]
    fn bare_lf_becomes_crlf_and_crlf_stays() {
        assert_eq!(stuffed(b"a\nb\r\n\n.c\n"), b"a\r\nb\r\n\r\n..c\r\n.\r\n");
    }

    #[test]
    fn the_end_gets_a_line_end_once() {
        assert_eq!(stuffed(b"a\r\n"), b"a\r\n.\r\n");
        assert_eq!(stuffed(b"a"), b"a\r\n.\r\n");
        assert_eq!(stuffed(b"a\r"), b"a\r\n.\r\n");
        assert_eq!(stuffed(b""), b".\r\n");
        assert_eq!(stuffed(b"."), b"..\r\n.\r\n");
    }

    #[test]
    fn bare_cr_and_binary_bytes_pass_through() {
        assert_eq!(stuffed(b"a\rb\x00\xff\r\n"), b"a\rb\x00\xff\r\n.\r\n");
    }
}
