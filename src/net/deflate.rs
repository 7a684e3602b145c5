//! RFC 4978 COMPRESS=DEFLATE: both directions become one raw DEFLATE stream
//! (RFC 1951, no zlib or gzip header).
//!
//! Writes are compressed into a buffer and only reach the socket on `flush`,
//! which ends with a sync flush so the server can decode the whole command at
//! once; the session flushes after every command. Reads decompress whatever
//! arrives and never wait for more input while output is pending.

use std::io::{self, Read, Write};

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};

const IN_CAPACITY: usize = 64 * 1024;

/// A stream whose traffic is compressed with raw DEFLATE.
pub struct Deflate<S> {
    inner: S,
    compress: Compress,
    decompress: Decompress,
    input: Box<[u8]>,
    in_pos: usize,
    in_len: usize,
    output: Vec<u8>,
    ended: bool,
}

impl<S: Read + Write> Deflate<S> {
    /// Wraps `inner`; from now on everything is compressed.
    pub fn new(inner: S) -> Deflate<S> {
        Deflate {
            inner,
            // Level 1: client commands are small, and CPU matters more than
            // bytes on the way up.
            compress: Compress::new(Compression::fast(), false),
            decompress: Decompress::new(false),
            input: vec![0u8; IN_CAPACITY].into_boxed_slice(),
            in_pos: 0,
            in_len: 0,
            output: Vec::with_capacity(4096),
            ended: false,
        }
    }

    /// Wraps `inner` when `pending` compressed bytes were already read
    /// from it (they arrived right behind the server's OK).
    pub fn with_pending_input(inner: S, pending: &[u8]) -> Deflate<S> {
        let mut deflate = Deflate::new(inner);
        let n = pending.len().min(IN_CAPACITY);
        deflate.input[..n].copy_from_slice(&pending[..n]);
        deflate.in_len = n;
        deflate
    }

    /// The wrapped stream.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }

    /// The wrapped stream, mutably.
    pub fn get_mut(&mut self) -> &mut S {
        &mut self.inner
    }

    /// Feeds `data` to the deflater; with `FlushCompress::Sync`, keeps
    /// going until the deflater has emitted everything (zlib's rule: a call
    /// that fills the output buffer must be repeated).
    fn compress_into_output(&mut self, data: &[u8], flush: FlushCompress) -> io::Result<usize> {
        let mut consumed = 0;
        loop {
            if self.output.capacity() - self.output.len() < 4096 {
                self.output.reserve(32 * 1024);
            }
            let before = self.compress.total_in();
            self.compress.compress_vec(&data[consumed..], &mut self.output, flush).map_err(io::Error::other)?;
            consumed += (self.compress.total_in() - before) as usize;
            let output_full = self.output.len() == self.output.capacity();
            if consumed == data.len() && !output_full {
                return Ok(consumed);
            }
        }
    }
}

impl<S: Read + Write> Read for Deflate<S> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() || self.ended {
            return Ok(0);
        }
        loop {
            let before_in = self.decompress.total_in();
            let before_out = self.decompress.total_out();
            let status = self
                .decompress
                .decompress(&self.input[self.in_pos..self.in_len], buf, FlushDecompress::None)
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, format!("bad DEFLATE data: {e}")))?;
            self.in_pos += (self.decompress.total_in() - before_in) as usize;
            let produced = (self.decompress.total_out() - before_out) as usize;
            if status == Status::StreamEnd {
                self.ended = true;
                return Ok(produced);
            }
            if produced > 0 {
                return Ok(produced);
            }
            if self.in_pos < self.in_len {
                // Input left but no output: the decompressor needs more
                // bytes to finish a code; keep the tail and read more.
                self.input.copy_within(self.in_pos..self.in_len, 0);
                self.in_len -= self.in_pos;
                self.in_pos = 0;
            } else {
                self.in_pos = 0;
                self.in_len = 0;
            }
            let n = self.inner.read(&mut self.input[self.in_len..])?;
            if n == 0 {
                return Ok(0);
            }
            self.in_len += n;
        }
    }
}

impl<S: Read + Write> Write for Deflate<S> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.compress_into_output(buf, FlushCompress::None)?;
        if self.output.len() >= IN_CAPACITY {
            self.inner.write_all(&self.output)?;
            self.output.clear();
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.compress_into_output(&[], FlushCompress::Sync)?;
        self.inner.write_all(&self.output)?;
        self.output.clear();
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::trickle::Trickle;

    fn compressed_by_server(parts: &[&[u8]]) -> Vec<u8> {
        // The server side: sync flush after each response.
        let mut c = Compress::new(Compression::default(), false);
        let mut out = Vec::with_capacity(1 << 20);
        for part in parts {
            c.compress_vec(part, &mut out, FlushCompress::Sync).unwrap();
        }
        out
    }

    #[test]
    fn decodes_a_flushed_stream_in_any_chunking() {
        let big: Vec<u8> = (0..200_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let parts: [&[u8]; 3] = [b"* OK ready\r\n", &big, b"a1 OK done\r\n"];
        let wire = compressed_by_server(&parts);
        for chunk in [1, 3, 17, 4096, usize::MAX] {
            let pipe = Trickle::new(&wire, chunk);
            let mut d = Deflate::new(pipe);
            let mut got = Vec::new();
            let mut buf = [0u8; 777];
            loop {
                let n = d.read(&mut buf).unwrap();
                if n == 0 {
                    break;
                }
                got.extend_from_slice(&buf[..n]);
            }
            let want: Vec<u8> = parts.concat();
            assert_eq!(got.len(), want.len(), "chunk {chunk}");
            assert!(got == want, "chunk {chunk}");
        }
    }

    #[test]
    fn each_flush_makes_everything_written_decodable() {
        let pipe = Trickle::new(&[], 1);
        let mut d = Deflate::new(pipe);
        let mut seen = 0;
        let mut dec = Decompress::new(false);
        let mut plain = Vec::new();
        for i in 0..50 {
            let cmd = format!("a{i} UID FETCH 1:* (FLAGS BODY.PEEK[])\r\n");
            d.write_all(cmd.as_bytes()).unwrap();
            d.flush().unwrap();
            let wire = &d.get_ref().written[seen..];
            let mut out = vec![0u8; 4096];
            let before = dec.total_out();
            dec.decompress(wire, &mut out, FlushDecompress::None).unwrap();
            let n = (dec.total_out() - before) as usize;
            plain.extend_from_slice(&out[..n]);
            seen = d.get_ref().written.len();
            assert!(plain.ends_with(cmd.as_bytes()), "command {i} not decodable after flush");
        }
    }

    #[test]
    fn large_writes_round_trip() {
        let data: Vec<u8> = (0..1_000_000u32).map(|i| (i % 13) as u8).collect();
        let pipe = Trickle::new(&[], 1);
        let mut d = Deflate::new(pipe);
        d.write_all(&data).unwrap();
        d.flush().unwrap();
        let wire = d.get_ref().written.clone();
        let mut back = Deflate::new(Trickle::new(&wire, 999));
        let mut got = Vec::new();
        let mut buf = vec![0u8; 8192];
        loop {
            let n = back.read(&mut buf).unwrap();
            if n == 0 {
                break;
            }
            got.extend_from_slice(&buf[..n]);
        }
        assert!(got == data);
    }

    #[test]
    fn corrupt_input_is_an_error_not_a_panic() {
        let pipe = Trickle::new(&[0xff; 64], 64);
        let mut d = Deflate::new(pipe);
        let mut buf = [0u8; 64];
        assert!(d.read(&mut buf).is_err());
    }
}
