//! A strict scripted connection for session tests: the server's side is a
//! list of steps, and the client must follow it byte for byte.
//!
//! Each step is one of: the client must write exactly these bytes; the
//! server sends these bytes (optionally a few at a time); the server hangs
//! up; a read times out; a TLS handshake happens (or fails) here. A write
//! that does not match the next expected bytes panics with both sides
//! shown, so a test fails with a readable message at the first wrong
//! byte; a read while the script waits for the client panics too (in real
//! life both sides would wait for ever). [`ScriptHandle::assert_done`]
//! checks that every step was used. Every write call is kept, so a test
//! can also check how the bytes were grouped into writes (one write for a
//! pipelined batch, the last data and `.\r\n` together). It must not know
//! any protocol: the sessions' tests give the bytes.

use std::io::{self, Read, Write};
use std::sync::{Arc, Mutex, MutexGuard};

use super::tls::{Fingerprint, TlsInfo, Verification};
use crate::error::{Error, Result};

/// One step of a script.
#[derive(Debug, Clone)]
pub enum Step {
    /// The client writes exactly these bytes (in one write or several,
    /// possibly together with the bytes of the next `Expect`).
    Expect(Vec<u8>),
    /// The server sends these bytes, at most `piece` per read.
    Send {
        /// The bytes.
        bytes: Vec<u8>,
        /// Most bytes one read returns.
        piece: usize,
    },
    /// The server closes the connection: reads see EOF; writes are
    /// swallowed, as a socket whose peer closed first does.
    Eof,
    /// The next read times out (as a socket read timeout does).
    Timeout,
    /// The next client write fails with a connection reset.
    WriteFails,
    /// The client starts TLS here, and the handshake succeeds.
    Tls,
    /// The client starts TLS here, and the handshake fails.
    TlsFails,
}

/// Builds a script step by step.
#[derive(Debug, Default, Clone)]
pub struct ScriptBuilder {
    steps: Vec<Step>,
    tls: bool,
}

impl ScriptBuilder {
    /// The connection is TLS from the start (implicit TLS).
    pub fn implicit_tls(mut self) -> ScriptBuilder {
        self.tls = true;
        self
    }

    /// The client must write `text`.
    pub fn expect(mut self, text: impl AsRef<[u8]>) -> ScriptBuilder {
        self.steps.push(Step::Expect(text.as_ref().to_vec()));
        self
    }

    /// The server sends `text` in one piece.
    pub fn send(self, text: impl AsRef<[u8]>) -> ScriptBuilder {
        self.send_in_pieces(text, usize::MAX)
    }

    /// The server sends `text`, at most `piece` bytes per read.
    pub fn send_in_pieces(mut self, text: impl AsRef<[u8]>, piece: usize) -> ScriptBuilder {
        self.steps.push(Step::Send { bytes: text.as_ref().to_vec(), piece: piece.max(1) });
        self
    }

    /// Any other step.
    pub fn step(mut self, step: Step) -> ScriptBuilder {
        self.steps.push(step);
        self
    }

    /// Every step of `rest`, after these.
    pub fn then(mut self, rest: ScriptBuilder) -> ScriptBuilder {
        self.steps.extend(rest.steps);
        self
    }

    /// The server hangs up.
    pub fn eof(self) -> ScriptBuilder {
        self.step(Step::Eof)
    }

    /// The next read times out.
    pub fn timeout(self) -> ScriptBuilder {
        self.step(Step::Timeout)
    }

    /// A TLS handshake happens here.
    pub fn tls(self) -> ScriptBuilder {
        self.step(Step::Tls)
    }

    /// The stream for the session, and a handle for the test to look at
    /// it afterwards.
    pub fn build(self) -> (Script, ScriptHandle) {
        let tls = self.tls.then(fake_tls_info);
        let state = Arc::new(Mutex::new(State {
            steps: self.steps,
            at: 0,
            matched: 0,
            sent: 0,
            writes: Vec::new(),
            tls,
            closed: false,
            eof: false,
        }));
        (Script { state: state.clone() }, ScriptHandle { state })
    }
}

/// Starts a script.
pub fn script() -> ScriptBuilder {
    ScriptBuilder::default()
}

/// What a test sees of a finished session's connection.
pub struct ScriptHandle {
    state: Arc<Mutex<State>>,
}

/// The connection a session under test talks to.
pub struct Script {
    state: Arc<Mutex<State>>,
}

struct State {
    steps: Vec<Step>,
    at: usize,
    /// Bytes of the current `Expect` already written.
    matched: usize,
    /// Bytes of the current `Send` already read.
    sent: usize,
    writes: Vec<Vec<u8>>,
    tls: Option<TlsInfo>,
    closed: bool,
    /// The server has hung up (an `Eof` step was reached).
    eof: bool,
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    // A panic in one test thread must not hide the readable message of
    // the first one.
    state.lock().unwrap_or_else(|e| e.into_inner())
}

/// What a scripted TLS handshake reports.
pub fn fake_tls_info() -> TlsInfo {
    TlsInfo { version: Some("TLSv1.3".into()), fingerprint: Fingerprint([0xab; 32]), verified_by: Verification::Ca }
}

/// Bytes as a test failure shows them: printable ASCII as is, the rest
/// escaped, CRLF as `\r\n`.
pub fn show(bytes: &[u8]) -> String {
    bytes.escape_ascii().to_string()
}

impl State {
    fn current(&self) -> Option<&Step> {
        self.steps.get(self.at)
    }

    fn advance(&mut self) {
        self.at += 1;
        self.matched = 0;
        self.sent = 0;
    }

    fn describe(&self) -> String {
        match self.current() {
            None => "the end of the script".into(),
            Some(Step::Expect(bytes)) => format!("the client to send \"{}\"", show(&bytes[self.matched..])),
            Some(Step::Send { bytes, .. }) => format!("the server to send \"{}\"", show(&bytes[self.sent..])),
            Some(other) => format!("{other:?}"),
        }
    }
}

impl Read for Script {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut s = lock(&self.state);
        if s.closed {
            return Err(io::Error::new(io::ErrorKind::NotConnected, "the client shut the connection down"));
        }
        if s.eof || buf.is_empty() {
            return Ok(0);
        }
        let at = s.at;
        match s.steps.get(at).cloned() {
            None => Ok(0),
            Some(Step::Send { bytes, piece }) => {
                let n = piece.min(buf.len()).min(bytes.len() - s.sent);
                buf[..n].copy_from_slice(&bytes[s.sent..s.sent + n]);
                s.sent += n;
                if s.sent == bytes.len() {
                    s.advance();
                }
                Ok(n)
            }
            Some(Step::Eof) => {
                s.eof = true;
                s.advance();
                Ok(0)
            }
            Some(Step::Timeout) => {
                s.advance();
                Err(io::Error::new(io::ErrorKind::WouldBlock, "scripted read timeout"))
            }
            Some(_) => panic!("script step {at}: the client reads, but the script waits for {}", s.describe()),
        }
    }
}

impl Write for Script {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut s = lock(&self.state);
        if s.closed {
            return Err(io::Error::new(io::ErrorKind::NotConnected, "the client shut the connection down"));
        }
        if s.eof || matches!(s.current(), Some(Step::Eof)) {
            // As a kernel does: the first writes after the peer closed
            // still succeed; the hang-up shows on the next read.
            s.writes.push(buf.to_vec());
            return Ok(buf.len());
        }
        if buf.is_empty() {
            return Ok(0);
        }
        if matches!(s.current(), Some(Step::WriteFails)) {
            s.advance();
            return Err(io::Error::new(io::ErrorKind::ConnectionReset, "scripted write failure"));
        }
        s.writes.push(buf.to_vec());
        let mut rest = buf;
        while !rest.is_empty() {
            let at = s.at;
            let Some(Step::Expect(want)) = s.current().cloned() else {
                panic!(
                    "script step {at}: the client sent \"{}\", but the script waits for {}",
                    show(rest),
                    s.describe()
                );
            };
            let want = &want[s.matched..];
            let n = want.len().min(rest.len());
            if rest[..n] != want[..n] {
                panic!(
                    "script step {at}: the client sent\n  \"{}\"\nbut the script expected\n  \"{}\"",
                    show(rest),
                    show(want)
                );
            }
            s.matched += n;
            rest = &rest[n..];
            if n == want.len() {
                s.advance();
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Script {
    /// The scripted handshake: the script must be at a `Tls` step.
    pub fn start_tls(&mut self) -> Result<()> {
        let mut s = lock(&self.state);
        let at = s.at;
        match s.current() {
            Some(Step::Tls) => {
                s.advance();
                s.tls = Some(fake_tls_info());
                Ok(())
            }
            Some(Step::TlsFails) => {
                s.advance();
                s.closed = true;
                Err(Error::tls("TLS handshake failed: scripted failure"))
            }
            _ => panic!("script step {at}: the client starts TLS, but the script waits for {}", s.describe()),
        }
    }

    /// What the (scripted) handshake told, if TLS is on.
    pub fn tls_info(&self) -> Option<TlsInfo> {
        lock(&self.state).tls.clone()
    }

    /// Whether the server "already sent" bytes: the next step is the
    /// server's (the client is not expected to write first).
    pub fn has_pending_input(&self) -> bool {
        matches!(lock(&self.state).current(), Some(Step::Send { .. }))
    }

    /// Closes the connection; later reads and writes fail.
    pub fn shutdown(&self) {
        lock(&self.state).closed = true;
    }
}

impl ScriptHandle {
    /// Panics unless every step was used.
    pub fn assert_done(&self) {
        let s = lock(&self.state);
        assert!(
            s.at >= s.steps.len(),
            "script step {}: the session stopped while the script waits for {}",
            s.at,
            s.describe()
        );
    }

    /// Every write call the client made, in order.
    pub fn writes(&self) -> Vec<Vec<u8>> {
        lock(&self.state).writes.clone()
    }

    /// Everything the client wrote, as text.
    pub fn written(&self) -> String {
        String::from_utf8_lossy(&lock(&self.state).writes.concat()).into_owned()
    }

    /// Whether the client shut the connection down.
    pub fn is_closed(&self) -> bool {
        lock(&self.state).closed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_script_played_correctly_is_done() {
        let (mut stream, handle) = script().send_in_pieces("220 hi\r\n", 3).expect("EHLO a\r\nNOOP\r\n").eof().build();
        let mut buf = [0u8; 64];
        assert_eq!(stream.read(&mut buf).unwrap(), 3);
        assert_eq!(stream.read(&mut buf).unwrap(), 3);
        assert_eq!(stream.read(&mut buf).unwrap(), 2);
        stream.write_all(b"EHLO a\r\nNO").unwrap();
        stream.write_all(b"OP\r\n").unwrap();
        assert_eq!(stream.read(&mut buf).unwrap(), 0);
        assert_eq!(stream.write(b"x").unwrap(), 1, "a write after the hang-up goes nowhere");
        handle.assert_done();
        assert_eq!(handle.writes().len(), 3);
    }

    #[test]
    #[should_panic(expected = "but the script expected")]
    fn a_wrong_write_fails_the_test() {
        let (mut stream, _handle) = script().expect("QUIT\r\n").build();
        let _ = stream.write(b"RSET\r\n");
    }

    #[test]
    #[should_panic(expected = "the client reads, but the script waits for the client to send")]
    fn reading_while_the_client_should_write_fails_the_test() {
        let (mut stream, _handle) = script().expect("QUIT\r\n").build();
        let _ = stream.read(&mut [0u8; 8]);
    }

    #[test]
    #[should_panic(expected = "the session stopped while the script waits for")]
    fn unused_steps_fail_the_test() {
        let (_stream, handle) = script().send("220 hi\r\n").build();
        handle.assert_done();
    }

    #[test]
    fn timeouts_and_tls_are_steps() {
        let (mut stream, handle) = script().timeout().tls().send("x").build();
        let err = stream.read(&mut [0u8; 8]).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::WouldBlock);
        assert!(stream.tls_info().is_none());
        assert!(!stream.has_pending_input());
        stream.start_tls().unwrap();
        assert!(stream.tls_info().is_some());
        assert!(stream.has_pending_input());
        assert_eq!(stream.read(&mut [0u8; 8]).unwrap(), 1);
        handle.assert_done();
    }
}
