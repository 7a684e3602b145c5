//! Many RETRs or DELEs in flight at once (RFC 2449 §6.6 PIPELINING).
//!
//! When CAPA lists PIPELINING, up to [`WINDOW`] commands are sent before
//! their replies are read, and the window is topped up as replies come
//! back, so the link stays busy between messages; each body still streams
//! straight to its sink. Without PIPELINING the same calls send one command
//! at a time. Replies come back in command order (RFC 2449 §6.6), which is
//! all the bookkeeping needs. This module must not decide what to fetch or
//! delete.

use super::maildrop::store_failed;
use super::reply::{Reply, Stage};
use super::session::Session;
use crate::error::{Error, Result};

/// Most commands in flight. Small enough that the commands always fit in
/// the socket buffers (no deadlock while the server is busy sending), big
/// enough to hide the round trips between small messages.
pub const WINDOW: usize = 16;

/// Receives the messages of [`Session::retr_many`], in the order asked.
///
/// For each message either `begin`, any number of `write`s and `end`, or
/// `refused` is called. An error returned from any method stops the
/// batch; if the session then holds unread replies it is broken (and will
/// send no QUIT). When `retr_many` fails, the message begun last without an
/// `end` is incomplete: discard it.
pub trait MessageSink {
    /// Message `n` starts arriving.
    fn begin(&mut self, n: u32) -> Result<()>;
    /// The next bytes of the current message (unstuffed, CRLF line ends).
    fn write(&mut self, data: &[u8]) -> std::io::Result<()>;
    /// The current message, `n`, is complete: `size` bytes.
    fn end(&mut self, n: u32, size: u64) -> Result<()>;
    /// The server answered `-ERR` to RETR `n` (say, deleted by another
    /// client). By default that stops the batch; return `Ok` to go on.
    fn refused(&mut self, n: u32, error: Error) -> Result<()> {
        let _ = n;
        Err(error)
    }
}

impl Session {
    /// Whether the server allows commands to be pipelined.
    pub fn pipelining(&self) -> bool {
        self.caps.has("PIPELINING")
    }

    /// RETR of each message in `numbers`, pipelined when the server allows
    /// it, each streamed to `sink` as it arrives.
    pub fn retr_many(&mut self, numbers: &[u32], sink: &mut dyn MessageSink) -> Result<()> {
        self.pipelined("RETR", numbers, &mut |session, n, reply| {
            let what = format!("RETR {n}");
            if let Err(err) = reply.check(&what, Stage::Command) {
                return sink.refused(n, err);
            }
            if let Err(err) = sink.begin(n) {
                // The body is still unread.
                session.mark_broken();
                return Err(err);
            }
            let size = session.read_body(&what, &mut |data| sink.write(data).map_err(store_failed))?;
            sink.end(n, size)
        })
    }

    /// DELE of each message in `numbers`, pipelined when the server allows
    /// it. Every reply is read; the first `-ERR` is returned after all of
    /// them. Nothing is removed before a successful QUIT.
    pub fn dele_many(&mut self, numbers: &[u32]) -> Result<()> {
        let mut first_error = None;
        self.pipelined("DELE", numbers, &mut |_, n, reply| {
            if let Err(err) = reply.check(&format!("DELE {n}"), Stage::Command) {
                first_error.get_or_insert(err);
            }
            Ok(())
        })?;
        first_error.map_or(Ok(()), Err)
    }

    /// Sends `verb n` for each of `numbers`, keeping up to [`WINDOW`] in
    /// flight (one without PIPELINING), and gives each status reply to
    /// `handle`, which must read any body that follows a `+OK`.
    fn pipelined(
        &mut self,
        verb: &str,
        numbers: &[u32],
        handle: &mut dyn FnMut(&mut Session, u32, Reply) -> Result<()>,
    ) -> Result<()> {
        self.require_login(verb)?;
        let window = if self.pipelining() { WINDOW } else { 1 };
        let (mut sent, mut done) = (0, 0);
        while done < numbers.len() {
            // Top up in batches, not after every reply: one write for
            // several commands.
            if sent < numbers.len() && sent - done <= window / 2 {
                while sent < numbers.len() && sent - done < window {
                    self.queue(&format!("{verb} {}", numbers[sent]))?;
                    sent += 1;
                }
                self.flush()?;
            }
            let n = numbers[done];
            let reply = self.read_reply(&format!("{verb} {n}"))?;
            done += 1;
            if let Err(err) = handle(self, n, reply) {
                if sent > done {
                    self.mark_broken();
                }
                return Err(err);
            }
        }
        Ok(())
    }
}
