//! A TCP relay that holds every chunk for a fixed time in each direction:
//! a wide-area round trip in front of the real servers, for what owl
//! decides from the round trip (`compress = auto`). The delay is a lower
//! bound, so what a test asserts about a slow link holds however busy the
//! machine is.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// A relay from a local port to `127.0.0.1:target`.
pub struct Latency {
    /// Where owl connects.
    pub port: u16,
}

impl Latency {
    /// Relays to `target`, delaying each direction by `one_way`. Runs until
    /// the test binary exits.
    pub fn start(target: u16, one_way: Duration) -> Latency {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the relay");
        let port = listener.local_addr().expect("relay address").port();
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let Ok(server) = TcpStream::connect(("127.0.0.1", target)) else { continue };
                for (from, to) in [(&client, &server), (&server, &client)] {
                    let (from, to) = (from.try_clone().expect("clone"), to.try_clone().expect("clone"));
                    std::thread::spawn(move || delay(from, to, one_way));
                }
            }
        });
        Latency { port }
    }
}

/// Copies `from` to `to`, each chunk `one_way` after it arrived, in order.
fn delay(mut from: TcpStream, mut to: TcpStream, one_way: Duration) {
    let (queue, due) = mpsc::channel::<(Instant, Vec<u8>)>();
    let writer = std::thread::spawn(move || {
        for (at, chunk) in due {
            if let Some(wait) = at.checked_duration_since(Instant::now()) {
                std::thread::sleep(wait);
            }
            if chunk.is_empty() || to.write_all(&chunk).is_err() {
                break;
            }
        }
        let _ = to.shutdown(Shutdown::Write);
    });
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = from.read(&mut buf).unwrap_or(0);
        if queue.send((Instant::now() + one_way, buf[..n].to_vec())).is_err() || n == 0 {
            break;
        }
    }
    drop(queue);
    let _ = writer.join();
}
