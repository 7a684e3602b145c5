//! IDLE (RFC 2177): the server pushes EXISTS, EXPUNGE and FETCH while the
//! client waits; DONE ends it. Waiting happens in short ticks so the
//! caller can stop, refresh (servers drop an IDLE after 30 minutes) or
//! give up on a silent server without blocking for ever.

use std::time::Duration;

use super::command::Command;
use super::response::{Data, Response, Status};
use super::session::Session;
use crate::error::{Error, Result};
use crate::net::Connection;

/// An IDLE in progress; end it with [`Session::idle_done`].
#[derive(Debug)]
pub struct Idling {
    tag: String,
}

impl<S: Connection> Session<S> {
    /// Sends IDLE and waits for the server's go-ahead.
    pub fn idle_start(&mut self) -> Result<Idling> {
        if !self.caps.has("IDLE") {
            return Err(Error::unavailable("the server does not offer IDLE"));
        }
        let tag = self.send(&Command::new("IDLE"))?;
        self.flush()?;
        let mut early = Vec::new();
        loop {
            match self.next_or_timeout(None)? {
                Some(Response::Continue(_)) => break,
                Some(Response::Done(done)) if done.tag == tag => {
                    let done = self.check(done, "IDLE")?;
                    return Err(Error::protocol(format!("IDLE ended at once: \"{}\"", done.line)));
                }
                Some(Response::Done(done)) => {
                    return Err(Error::protocol(format!("unexpected completion during IDLE: \"{}\"", done.line)));
                }
                Some(Response::Data(_)) if early.len() as u64 >= super::session::MAX_UNSOLICITED => {
                    self.broken = true;
                    return Err(Error::temp(
                        "the server sent a flood of untagged responses instead of IDLE's go-ahead",
                    ));
                }
                Some(Response::Data(data)) => early.push(data),
                None => {}
            }
        }
        self.requeue(early);
        Ok(Idling { tag })
    }

    /// The next untagged response during IDLE, or `None` when `tick`
    /// passes without one. A BYE is an error: the connection is over.
    pub fn idle_next(&mut self, tick: Duration) -> Result<Option<Data>> {
        if let Some(data) = self.take_queued() {
            return Ok(Some(data));
        }
        match self.next_or_timeout(Some(tick))? {
            None => Ok(None),
            Some(Response::Data(Data::Condition { status: Status::Bye, line, .. })) => {
                Err(Error::temp(format!("server ended the session: \"{line}\"")))
            }
            Some(Response::Data(data)) => Ok(Some(data)),
            Some(other) => Err(Error::protocol(format!("unexpected response during IDLE: {other:?}"))),
        }
    }

    /// NOOP, handing the untagged data it brings (EXISTS, EXPUNGE, FETCH)
    /// to `on_data`: how a server without IDLE is polled.
    pub fn poll(&mut self, on_data: &mut dyn FnMut(Data) -> Result<()>) -> Result<()> {
        self.run(&Command::new("NOOP"), on_data).map(drop)
    }

    /// Sends DONE and reads up to IDLE's completion, giving untagged data
    /// that arrives meanwhile to `on_data`.
    pub fn idle_done(&mut self, idling: Idling, on_data: &mut dyn FnMut(Data) -> Result<()>) -> Result<()> {
        self.send_continuation_line_plain("DONE")?;
        let done = self.wait(&idling.tag, None, on_data)?;
        self.check(done, "IDLE").map(drop)
    }
}
