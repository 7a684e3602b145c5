//! A scripted POP3 server on 127.0.0.1 for the tests: one connection, one
//! thread, a script that says what to send and what to expect, and a
//! transcript of every byte the client sent.
//!
//! It must not sleep: scripts wait by reading what the client sends, and a
//! read timeout ends a script that waits for something that never comes.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// A fake server waiting for, or serving, its one connection.
pub struct Fake {
    /// The port it listens on.
    pub port: u16,
    transcript: Arc<Mutex<Vec<u8>>>,
    thread: Option<JoinHandle<()>>,
}

/// The server's side of the connection, for the script.
pub struct Conn {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
    transcript: Arc<Mutex<Vec<u8>>>,
}

/// Starts a server that runs `script` on its first connection.
pub fn serve(script: impl FnOnce(&mut Conn) + Send + 'static) -> Fake {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let transcript = Arc::new(Mutex::new(Vec::new()));
    let shared = transcript.clone();
    let thread = std::thread::spawn(move || {
        let (tcp, _) = listener.accept().expect("accept");
        tcp.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
        let writer = tcp.try_clone().expect("clone");
        let mut conn = Conn { reader: BufReader::new(tcp), writer, transcript: shared };
        script(&mut conn);
    });
    Fake { port, transcript, thread: Some(thread) }
}

impl Fake {
    /// Waits for the script to finish and returns what the client sent.
    pub fn transcript(mut self) -> String {
        if let Some(thread) = self.thread.take() {
            thread.join().expect("the fake server's script panicked");
        }
        String::from_utf8_lossy(&self.transcript.lock().expect("lock")).into_owned()
    }
}

impl Conn {
    /// Sends bytes as they are; a client that went away is ignored.
    pub fn send(&mut self, bytes: &[u8]) {
        let _ = self.writer.write_all(bytes);
        let _ = self.writer.flush();
    }

    /// Sends a multi-line `+OK` reply with `lines` (already stuffed).
    pub fn send_lines(&mut self, lines: &[&str]) {
        let mut out = String::from("+OK\r\n");
        for line in lines {
            out.push_str(line);
            out.push_str("\r\n");
        }
        out.push_str(".\r\n");
        self.send(out.as_bytes());
    }

    /// The next line from the client without CRLF; `None` once it closed
    /// (or after 10 s of silence).
    pub fn line(&mut self) -> Option<String> {
        let mut raw = Vec::new();
        match self.reader.read_until(b'\n', &mut raw) {
            Ok(0) | Err(_) => None,
            Ok(_) => {
                self.transcript.lock().expect("lock").extend_from_slice(&raw);
                let text = String::from_utf8_lossy(&raw).into_owned();
                Some(text.trim_end_matches(['\r', '\n']).to_string())
            }
        }
    }

    /// The next line, which must start with `prefix`.
    pub fn expect(&mut self, prefix: &str) -> String {
        let line = self.line().unwrap_or_else(|| panic!("client closed while {prefix:?} was expected"));
        assert!(line.starts_with(prefix), "expected {prefix:?}, client sent {line:?}");
        line
    }

    /// Reads until the client closes, recording everything.
    pub fn drain(&mut self) {
        while self.line().is_some() {}
    }

    /// Greeting, CAPA and a USER/PASS login, with `capa` as the list
    /// before and after login.
    pub fn greet_and_login(&mut self, capa: &[&str]) {
        self.send(b"+OK fake POP3 ready\r\n");
        self.expect("CAPA");
        self.send_lines(capa);
        self.expect("USER ");
        self.send(b"+OK\r\n");
        self.expect("PASS ");
        self.send(b"+OK logged in\r\n");
        self.expect("CAPA");
        self.send_lines(capa);
    }
}
