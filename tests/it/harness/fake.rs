//! Scripted fake servers for what no real server will do: stripped
//! STARTTLS, PREAUTH where it must not be, data injected before the TLS
//! handshake, malformed, truncated, flooding or trickling replies, hanging
//! up at each step.
//!
//! A fake listens on 127.0.0.1:0 and runs a script (a closure) per
//! connection on its own thread. Scripts are strict: [`Conn::expect`]
//! fails the test on a line the script did not expect, [`Conn::expect_eof`]
//! on anything after the end of the script. A failure or panic in a script
//! thread is collected, and the test fails when the [`Fake`] is dropped
//! (after its threads are joined). Everything the client writes is
//! recorded, so a test can prove that a password was never sent.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// How long a script waits for the client's next line before giving up:
/// long enough for any owl timeout a test configures.
const READ_TIMEOUT: Duration = Duration::from_secs(20);

/// One client connection, as a script sees it.
pub struct Conn {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
    received: Arc<Mutex<Vec<u8>>>,
}

impl Conn {
    /// Sends raw text; a client that hung up is not an error here.
    pub fn send(&mut self, text: &str) {
        self.send_bytes(text.as_bytes());
    }

    /// Sends raw bytes; true if they were written.
    pub fn send_bytes(&mut self, bytes: &[u8]) -> bool {
        self.writer.write_all(bytes).and_then(|()| self.writer.flush()).is_ok()
    }

    /// Reads one line from the client (recorded); `None` at EOF.
    pub fn line(&mut self) -> Option<String> {
        let mut line = Vec::new();
        match self.reader.read_until(b'\n', &mut line) {
            Ok(0) | Err(_) => None,
            Ok(_) => {
                self.received.lock().unwrap().extend_from_slice(&line);
                Some(String::from_utf8_lossy(&line).into_owned())
            }
        }
    }

    /// Reads `n` raw bytes (a literal the client sends), recorded.
    pub fn bytes(&mut self, n: usize) -> Option<Vec<u8>> {
        let mut buf = vec![0u8; n];
        self.reader.read_exact(&mut buf).ok()?;
        self.received.lock().unwrap().extend_from_slice(&buf);
        Some(buf)
    }

    /// Reads a command line and returns its tag and the rest. `None` at EOF.
    pub fn command(&mut self) -> Option<(String, String)> {
        let line = self.line()?;
        let line = line.trim_end();
        let (tag, rest) = line.split_once(' ').unwrap_or((line, ""));
        Some((tag.to_string(), rest.to_string()))
    }

    /// The next line must start with `want` (ASCII case ignored); returns
    /// it. Anything else fails the test.
    pub fn expect(&mut self, want: &str) -> String {
        match self.line() {
            Some(line) if line.len() >= want.len() && line[..want.len()].eq_ignore_ascii_case(want) => line,
            Some(line) => panic!("fake server expected {want:?}, the client sent {:?}", line.trim_end()),
            None => panic!("fake server expected {want:?}, the client hung up"),
        }
    }

    /// The next line must be an IMAP command whose text after the tag
    /// starts with `want`; returns the tag.
    pub fn expect_command(&mut self, want: &str) -> String {
        match self.command() {
            Some((tag, rest)) if rest.len() >= want.len() && rest[..want.len()].eq_ignore_ascii_case(want) => tag,
            Some((tag, rest)) => panic!("fake server expected a {want:?} command, the client sent {tag} {rest:?}"),
            None => panic!("fake server expected a {want:?} command, the client hung up"),
        }
    }

    /// The client must hang up now, sending nothing more.
    pub fn expect_eof(&mut self) {
        if let Some(line) = self.line() {
            panic!("fake server expected the client to hang up, it sent {:?}", line.trim_end());
        }
    }

    /// Reads and records whatever the client sends until it hangs up (for
    /// scripts that only watch: a silent server, a dropped handshake).
    pub fn drain(&mut self) {
        let mut buf = [0u8; 4096];
        while let Ok(n) = self.reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            self.received.lock().unwrap().extend_from_slice(&buf[..n]);
        }
    }

    /// The raw socket (for a TLS upgrade on the server side).
    pub fn into_stream(self) -> TcpStream {
        self.writer
    }
}

/// A fake server running a script per connection.
pub struct Fake {
    pub port: u16,
    received: Arc<Mutex<Vec<u8>>>,
    failures: Arc<Mutex<Vec<String>>>,
    connections: Arc<Mutex<Vec<JoinHandle<()>>>>,
    stop: Arc<AtomicBool>,
    acceptor: Option<JoinHandle<()>>,
}

impl Fake {
    /// Starts a server that runs `script` for each connection.
    pub fn start(script: impl Fn(&mut Conn) + Send + Sync + 'static) -> Fake {
        Fake::start_on(0, script)
    }

    /// [`Fake::start`] on a given port (0: any free one), e.g. to replace
    /// one fake by another at the same address.
    pub fn start_on(port: u16, script: impl Fn(&mut Conn) + Send + Sync + 'static) -> Fake {
        let listener = TcpListener::bind(("127.0.0.1", port)).expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let failures = Arc::new(Mutex::new(Vec::new()));
        let connections: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let script = Arc::new(script);
        let acceptor = {
            let (received, failures, connections, stop) =
                (received.clone(), failures.clone(), connections.clone(), stop.clone());
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        return;
                    }
                    let Ok(stream) = stream else { return };
                    let (received, failures, script) = (received.clone(), failures.clone(), script.clone());
                    let handle = std::thread::spawn(move || {
                        let _ = stream.set_read_timeout(Some(READ_TIMEOUT));
                        let writer = stream.try_clone().expect("clone");
                        let mut conn = Conn { reader: BufReader::new(stream), writer, received };
                        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| script(&mut conn)));
                        if let Err(panic) = outcome {
                            let text = panic
                                .downcast_ref::<String>()
                                .cloned()
                                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                                .unwrap_or_else(|| "script panicked".into());
                            failures.lock().unwrap().push(text);
                        }
                    });
                    connections.lock().unwrap().push(handle);
                }
            })
        };
        Fake { port, received, failures, connections, stop, acceptor: Some(acceptor) }
    }

    /// Everything every client sent so far.
    pub fn received(&self) -> String {
        String::from_utf8_lossy(&self.received.lock().unwrap()).into_owned()
    }

    /// How many connections were made so far.
    pub fn connections(&self) -> usize {
        self.connections.lock().unwrap().len()
    }

    /// Stops accepting, joins every script thread, and fails the test with
    /// what the scripts found wrong.
    pub fn finish(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the acceptor so it sees the stop flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
        let handles: Vec<_> = std::mem::take(&mut *self.connections.lock().unwrap());
        for handle in handles {
            let _ = handle.join();
        }
        let failures = std::mem::take(&mut *self.failures.lock().unwrap());
        assert!(failures.is_empty(), "the fake server's script failed:\n{}", failures.join("\n"));
    }
}

impl Drop for Fake {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.stop.store(true, Ordering::SeqCst);
            return;
        }
        self.finish();
    }
}
