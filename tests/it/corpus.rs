//! Messages that break naive mail code, for fetch and search tests:
//! 8-bit bodies, a line far over 998 bytes, body lines starting with
//! "From " (mboxrd must quote them), no final newline, binary and large
//! attachments, headers that are not UTF-8, bare LF line ends.

use crate::harness::seed::Msg;

/// A small deterministic generator, so failures reproduce.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407))
    }
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| (self.next() >> 24) as u8).collect()
    }
}

fn base64_lines(data: &[u8]) -> String {
    use base64::Engine as _;
    let text = base64::engine::general_purpose::STANDARD.encode(data);
    text.as_bytes().chunks(76).map(|c| format!("{}\r\n", String::from_utf8_lossy(c))).collect()
}

/// The tricky messages, each with a distinct subject.
pub fn tricky() -> Vec<Msg> {
    let mut rng = Rng::new(7);
    let mut out = Vec::new();
    // 8-bit body in Latin-1 and UTF-8, declared 8bit.
    let mut m = b"From: a@example.org\r\nSubject: eight-bit\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: 8bit\r\n\r\nGr\xfc\xdfe, caf\xe9\r\n".to_vec();
    m.extend_from_slice("und UTF-8: Grüße 日本語\r\n".as_bytes());
    out.push(Msg::raw(m));
    // A line of 5000 bytes.
    out.push(Msg::raw(format!("From: b@example.org\r\nSubject: long line\r\n\r\n{}\r\nend\r\n", "x".repeat(5000))));
    // Body lines that mbox must quote, and ones already quoted.
    out.push(Msg::raw(
        "From: c@example.org\r\nSubject: from lines\r\n\r\nFrom here on\r\n>From quoted once\r\n>>From twice\r\nFrom\r\n From not at start\r\n",
    ));
    // No final newline.
    out.push(Msg::raw("From: d@example.org\r\nSubject: no final newline\r\n\r\nlast line without CRLF"));
    // A binary attachment, base64, and raw 8-bit octets.
    let binary = rng.bytes(30_000);
    out.push(Msg::raw(format!(
        "From: e@example.org\r\nSubject: binary attachment\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=XX\r\n\r\n--XX\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n--XX\r\nContent-Type: application/octet-stream; name=\"blob.bin\"\r\nContent-Disposition: attachment; filename=\"blob.bin\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{}--XX--\r\n",
        base64_lines(&binary)
    )));
    let mut raw8 = b"From: f@example.org\r\nSubject: raw octets\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: 8bit\r\n\r\n".to_vec();
    raw8.extend((0..4000u32).map(|i| 0x80 + (i % 0x7f) as u8));
    raw8.extend_from_slice(b"\r\n");
    out.push(Msg::raw(raw8));
    // Headers that are not valid UTF-8.
    out.push(Msg::raw(b"From: M\xfcller <g@example.org>\r\nSubject: caf\xe9 \xff\xfe broken\r\n\r\nbody\r\n".to_vec()));
    // Bare LF line ends (the server sends CRLF).
    out.push(Msg::raw("From: h@example.org\nSubject: bare lf\n\nline one\nline two\n"));
    // Big enough to stream through a spool file (over 256 KiB).
    out.push(Msg::raw(format!(
        "From: i@example.org\r\nSubject: large\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nbig one\r\nFrom the middle of a big one\r\n--B\r\nContent-Type: application/pdf; name=\"big.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{}--B--\r\n",
        base64_lines(&rng.bytes(900_000))
    )));
    // Empty body.
    out.push(Msg::raw("From: j@example.org\r\nSubject: empty\r\n\r\n"));
    out
}

/// `n` ordinary messages of varied sizes (about 1 to 24 KiB).
pub fn plain(n: usize, seed: u64) -> Vec<Msg> {
    let mut rng = Rng::new(seed);
    (0..n)
        .map(|i| {
            let lines = 10 + rng.below(400) as usize;
            let body: String = (0..lines).map(|l| format!("message {i} line {l} {}\r\n", rng.next())).collect();
            Msg::raw(format!(
                "From: sender{i}@example.org\r\nSubject: message {i}\r\nMessage-ID: <{seed}.{i}@corpus>\r\n\r\n{body}"
            ))
        })
        .collect()
}
