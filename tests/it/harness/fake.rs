//! Scripted fake servers for what no real server will do: stripped
//! STARTTLS, PREAUTH where it must not be, data injected before the TLS
//! handshake, malformed or truncated replies, hanging up.
//!
//! A fake listens on 127.0.0.1:0 and runs a script (a closure) per
//! connection on its own thread. Everything the client writes is recorded,
//! so a test can prove that a password was never sent.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// One client connection, as a script sees it.
pub struct Conn {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
    received: Arc<Mutex<Vec<u8>>>,
}

impl Conn {
    /// Sends raw text.
    pub fn send(&mut self, text: &str) {
        let _ = self.writer.write_all(text.as_bytes());
        let _ = self.writer.flush();
    }

    /// Reads one line from the client (recorded); `None` at EOF.
    pub fn line(&mut self) -> Option<String> {
        let mut line = String::new();
        match self.reader.read_line(&mut line) {
            Ok(0) | Err(_) => None,
            Ok(_) => {
                self.received.lock().unwrap().extend_from_slice(line.as_bytes());
                Some(line)
            }
        }
    }

    /// Reads a command line and returns its tag and the rest, upper-cased
    /// verb first. `None` at EOF.
    pub fn command(&mut self) -> Option<(String, String)> {
        let line = self.line()?;
        let line = line.trim_end();
        let (tag, rest) = line.split_once(' ').unwrap_or((line, ""));
        Some((tag.to_string(), rest.to_string()))
    }

    /// Reads and records whatever the client sends until it hangs up.
    pub fn drain(&mut self) {
        let mut buf = [0u8; 4096];
        let _ = self.reader.get_ref().set_read_timeout(Some(Duration::from_secs(5)));
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
    _thread: JoinHandle<()>,
}

impl Fake {
    /// Starts a server that runs `script` for each connection.
    pub fn start(script: impl Fn(&mut Conn) + Send + Sync + 'static) -> Fake {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let shared = received.clone();
        let script = Arc::new(script);
        let thread = std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { return };
                let received = shared.clone();
                let script = script.clone();
                std::thread::spawn(move || {
                    let writer = stream.try_clone().expect("clone");
                    let mut conn = Conn { reader: BufReader::new(stream), writer, received };
                    script(&mut conn);
                });
            }
        });
        Fake { port, received, _thread: thread }
    }

    /// Everything every client sent so far.
    pub fn received(&self) -> String {
        String::from_utf8_lossy(&self.received.lock().unwrap()).into_owned()
    }
}
