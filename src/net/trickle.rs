//! An in-memory stream for codec tests: reads hand out canned server bytes
//! at most `step` at a time (so framing is tried at every split), then EOF
//! or, if asked, a read timeout; everything written is kept.

use std::io::{self, Read, Write};

/// Canned input, trickled; recorded output.
pub struct Trickle {
    input: Vec<u8>,
    at: usize,
    step: usize,
    then_timeout: bool,
    /// Everything written so far.
    pub written: Vec<u8>,
}

impl Trickle {
    /// Reads return at most `step` bytes of `input`, then 0 (EOF).
    pub fn new(input: &[u8], step: usize) -> Trickle {
        Trickle { input: input.to_vec(), at: 0, step, then_timeout: false, written: Vec::new() }
    }

    /// Once the input is used up, reads time out instead of seeing EOF.
    pub fn then_timeout(mut self) -> Trickle {
        self.then_timeout = true;
        self
    }
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
