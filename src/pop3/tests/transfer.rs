//! Reading replies from fake servers: byte-stuffing, listings, replies cut
//! short, timeouts, and pipelined RETR/DELE batches.

use super::*;
use crate::pop3::fake::Conn;

#[test]
fn byte_stuffed_lines_and_listings_come_out_right() {
    let fake = fake::serve(|c| {
        c.greet_and_login(CAPA);
        c.expect("STAT");
        c.send(b"+OK 2 25\r\n");
        c.expect("LIST");
        c.send_lines(&["1 12", "2 13 extra words"]);
        c.expect("UIDL");
        c.send_lines(&["1 AbC-1", "2 xyz!~"]);
        c.expect("TOP 1 0");
        c.send(b"+OK\r\nSubject: x\r\n\r\n.\r\n");
        c.expect("RETR 1");
        c.send(b"+OK 12 octets\r\n..a\r\n.\r\r\n\xff\r\n...\r\n\r\n.\r\n");
        c.expect("QUIT");
        c.send(b"+OK bye\r\n");
    });
    let mut s = logged_in(fake.port);
    assert_eq!(s.info().auth_mechanism.as_deref(), Some("USER"));
    assert_eq!(s.stat().unwrap(), (2, 25));
    assert_eq!(s.list().unwrap(), vec![(1, 12), (2, 13)]);
    let uidl = s.uidl().unwrap().unwrap();
    assert_eq!(uidl.iter().collect::<Vec<_>>(), vec![(1, "AbC-1"), (2, "xyz!~")]);
    assert_eq!((uidl.get(2), uidl.get(3), uidl.len()), (Some("xyz!~"), None, 2));
    assert_eq!(s.top(1, 0).unwrap(), b"Subject: x\r\n\r\n");
    let mut sink = Vec::new();
    assert_eq!(s.retr(1, &mut sink).unwrap(), 16);
    assert_eq!(sink, b".a\r\n\r\r\n\xff\r\n..\r\n\r\n");
    s.quit().unwrap();
    fake.transcript();
}

#[test]
fn a_missing_final_dot_is_temporary_and_the_sink_has_a_prefix() {
    let fake = fake::serve(|c| {
        c.greet_and_login(CAPA);
        c.expect("RETR 1");
        c.send(b"+OK\r\nSubject: a\r\n\r\nbody\r\n");
    });
    let mut s = logged_in(fake.port);
    let mut sink = Vec::new();
    let err = s.retr(1, &mut sink).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TempFail);
    assert!(err.to_string().contains("before its final \".\" line"), "{err}");
    assert_eq!(sink, b"Subject: a\r\n\r\nbody\r\n");
    assert!(s.is_broken());
    // A broken session commits nothing: no QUIT is sent.
    assert_eq!(s.quit().unwrap_err().kind(), ErrorKind::TempFail);
    assert!(!fake.transcript().contains("QUIT"));
}

#[test]
fn a_drop_mid_retr_is_temporary_and_the_sink_has_a_prefix() {
    let fake = fake::serve(|c| {
        c.greet_and_login(CAPA);
        c.expect("RETR 3");
        c.send(b"+OK\r\nSubject: a\r\n\r\nhalf a li");
    });
    let mut s = logged_in(fake.port);
    let mut sink = Vec::new();
    let err = s.retr(3, &mut sink).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TempFail);
    assert!(err.to_string().contains("RETR 3") && err.to_string().contains("after 23 bytes"), "{err}");
    assert_eq!(sink, b"Subject: a\r\n\r\nhalf a li");
    fake.transcript();
}

#[test]
fn a_stalled_retr_times_out_as_temporary() {
    let fake = fake::serve(|c| {
        c.greet_and_login(CAPA);
        c.expect("RETR 1");
        c.send(b"+OK\r\nSubject: a\r\n");
        // Wait (by reading) until the client gives up and closes.
        c.drain();
    });
    let mut s = logged_in(fake.port);
    s.set_read_timeout(Some(Duration::from_millis(200))).unwrap();
    let mut sink = Vec::new();
    let err = s.retr(1, &mut sink).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TempFail);
    assert!(err.to_string().contains("timed out"), "{err}");
    assert_eq!(sink, b"Subject: a\r\n");
    s.abort();
    fake.transcript();
}

#[test]
fn a_server_without_uidl_gives_none_and_stays_usable() {
    let fake = fake::serve(|c| {
        c.greet_and_login(&["USER"]);
        c.expect("UIDL");
        c.send(b"-ERR unknown command\r\n");
        c.expect("NOOP");
        c.send(b"+OK\r\n");
        c.expect("DELE 1");
        c.send(b"-ERR no such message\r\n");
        c.expect("QUIT");
        c.send(b"-ERR [SYS/TEMP] some deleted messages not removed\r\n");
    });
    let mut s = logged_in(fake.port);
    assert_eq!(s.uidl().unwrap(), None);
    s.noop().unwrap();
    assert_eq!(s.dele(1).unwrap_err().kind(), ErrorKind::Rejected);
    assert!(!s.is_broken());
    let err = s.quit().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TempFail);
    assert!(err.to_string().contains("some deleted messages not removed"), "{err}");
    fake.transcript();
}

/// Collects what `retr_many` delivers, as `(n, bytes)`, and refusals.
#[derive(Default)]
struct Collect {
    done: Vec<(u32, Vec<u8>)>,
    current: Vec<u8>,
    refused: Vec<u32>,
}

impl MessageSink for Collect {
    fn begin(&mut self, _n: u32) -> Result<()> {
        self.current.clear();
        Ok(())
    }
    fn write(&mut self, data: &[u8]) -> std::io::Result<()> {
        self.current.extend_from_slice(data);
        Ok(())
    }
    fn end(&mut self, n: u32, size: u64) -> Result<()> {
        assert_eq!(size, self.current.len() as u64);
        self.done.push((n, std::mem::take(&mut self.current)));
        Ok(())
    }
    fn refused(&mut self, n: u32, _error: Error) -> Result<()> {
        self.refused.push(n);
        Ok(())
    }
}

fn body(n: u32) -> String {
    format!("Subject: {n}\r\n\r\n..line {n}\r\n")
}

#[test]
fn pipelining_sends_a_window_of_retrs_before_reading_any_reply() {
    let count = 20u32;
    let fake = fake::serve(move |c| {
        c.greet_and_login(CAPA);
        // A client that waits for each reply would block this forever
        // (until the 10 s timeout fails the test).
        let mut pending: Vec<u32> = (0..16).map(|_| retr_number(c)).collect();
        let mut read = 16;
        while !pending.is_empty() {
            let n = pending.remove(0);
            if n == 7 {
                c.send(b"-ERR [SYS/TEMP]\r\n");
            } else {
                c.send(format!("+OK\r\n{}.\r\n", body(n)).as_bytes());
            }
            // The client tops the window up once half of it is answered.
            if pending.is_empty() && read < count {
                pending.push(retr_number(c));
                read += 1;
            }
        }
        c.expect("DELE 1");
        for _ in 1..5 {
            c.expect("DELE ");
        }
        c.send(b"+OK\r\n+OK\r\n-ERR no such message\r\n+OK\r\n+OK\r\n");
        c.expect("QUIT");
        c.send(b"+OK\r\n");
    });
    let mut s = logged_in(fake.port);
    assert!(s.pipelining());
    let numbers: Vec<u32> = (1..=count).collect();
    let mut sink = Collect::default();
    s.retr_many(&numbers, &mut sink).unwrap();
    assert_eq!(sink.refused, vec![7]);
    assert_eq!(sink.done.len(), 19);
    for (n, bytes) in &sink.done {
        assert_eq!(String::from_utf8_lossy(bytes), body(*n).replacen("..", ".", 1));
    }
    let err = s.dele_many(&[1, 2, 3, 4, 5]).unwrap_err();
    assert!(err.to_string().starts_with("DELE 3:"), "{err}");
    s.quit().unwrap();
    let transcript = fake.transcript();
    let first_16: String = (1..=16).map(|n| format!("RETR {n}\r\n")).collect();
    assert!(transcript.contains(&first_16), "{transcript}");
}

fn retr_number(c: &mut Conn) -> u32 {
    c.expect("RETR ")[5..].parse().expect("message number")
}

#[test]
fn without_pipelining_retr_many_waits_for_each_reply() {
    let fake = fake::serve(|c| {
        c.greet_and_login(&["USER", "UIDL"]);
        for n in 1..=3 {
            c.expect(&format!("RETR {n}"));
            c.send(format!("+OK\r\n{}.\r\n", body(n)).as_bytes());
        }
        c.drain();
    });
    let mut s = logged_in(fake.port);
    assert!(!s.pipelining());
    let mut sink = Collect::default();
    s.retr_many(&[1, 2, 3], &mut sink).unwrap();
    assert_eq!(sink.done.len(), 3);
    s.abort();
    fake.transcript();
}

#[test]
fn a_failing_sink_mid_batch_breaks_the_session() {
    struct Full;
    impl MessageSink for Full {
        fn begin(&mut self, _n: u32) -> Result<()> {
            Ok(())
        }
        fn write(&mut self, _data: &[u8]) -> std::io::Result<()> {
            Err(std::io::Error::other("disk full"))
        }
        fn end(&mut self, _n: u32, _size: u64) -> Result<()> {
            Ok(())
        }
    }
    let fake = fake::serve(|c| {
        c.greet_and_login(CAPA);
        c.expect("RETR 1");
        c.expect("RETR 2");
        c.send(format!("+OK\r\n{}.\r\n+OK\r\n{}.\r\n", body(1), body(2)).as_bytes());
        c.drain();
    });
    let mut s = logged_in(fake.port);
    let err = s.retr_many(&[1, 2], &mut Full).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Io);
    assert!(s.is_broken());
    assert!(s.quit().is_err());
    assert!(!fake.transcript().contains("QUIT"));
}
