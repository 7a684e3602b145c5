//! The session holder's side of a loan: relaying a borrower's IMAP over a
//! local socket to an authenticated upstream session, and giving the
//! session back clean, or not at all.
//!
//! The relay passes bytes through unchanged in both directions, so the
//! borrower pipelines as on any connection, while [`Framer`]s follow the
//! command and response boundaries: which tags are outstanding, whether an
//! IDLE is running, whether a mailbox may be selected, whether the borrower
//! stopped in the middle of a command. When the loan ends (the borrower
//! hangs up, is killed, or sends LOGOUT, which the holder answers itself)
//! the session is lent again only if it can be brought back to the
//! authenticated state with nothing selected and nothing pending: an
//! unfinished IDLE gets its DONE, outstanding commands are read to their
//! completion (within a bound), a selection is ended with UNSELECT (never
//! CLOSE, which expunges, RFC 3691). Anything else (a half-sent command, a
//! command that leaves state behind such as ENABLE, a server without
//! UNSELECT after a SELECT, a reply too long to drain) drops the
//! connection instead.

use std::collections::HashSet;
use std::io::{self, Read, Write};
use std::os::fd::AsFd;
use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};

use super::frame::{Event, Framer, tag_and_verb};
use super::session::Session;
use crate::error::{Error, Result};
use crate::net::Stream;
use crate::net::local::wait_readable;

/// Verbs that leave nothing behind in the session but (for SELECT and
/// EXAMINE) a selection, which UNSELECT ends. Any other verb taints the
/// session and it is not lent again.
const STATELESS: &[&str] = &[
    "CAPABILITY",
    "NOOP",
    "CHECK",
    "LIST",
    "LSUB",
    "XLIST",
    "STATUS",
    "SELECT",
    "EXAMINE",
    "CREATE",
    "DELETE",
    "RENAME",
    "SUBSCRIBE",
    "UNSUBSCRIBE",
    "NAMESPACE",
    "APPEND",
    "CLOSE",
    "UNSELECT",
    "EXPUNGE",
    "SEARCH",
    "FETCH",
    "STORE",
    "COPY",
    "MOVE",
    "IDLE",
    "SORT",
    "THREAD",
    "ID",
    "GETQUOTA",
    "GETQUOTAROOT",
    "MYRIGHTS",
    "GETMETADATA",
];

/// Verbs that change nothing on the server (FETCH of a body may set
/// \Seen, which a second FETCH sets again): when the upstream connection
/// turns out dead before any reply came, these are sent again on a fresh
/// one. Anything else (APPEND, STORE, MOVE, EXPUNGE...) may have been done
/// already, so the borrower's connection is closed instead and it reports
/// a temporary failure rather than risk doing it twice.
const READ_ONLY: &[&str] = &[
    "CAPABILITY",
    "NOOP",
    "CHECK",
    "LIST",
    "LSUB",
    "XLIST",
    "STATUS",
    "SELECT",
    "EXAMINE",
    "NAMESPACE",
    "SEARCH",
    "FETCH",
    "IDLE",
    "SORT",
    "THREAD",
    "ID",
    "GETQUOTA",
    "GETQUOTAROOT",
    "MYRIGHTS",
    "GETMETADATA",
];

/// The most of a loan's first bytes kept for sending again.
const REPLAY_MAX: usize = 1024 * 1024;

/// Verbs that belong to the holder's set-up of its own link: refused.
const REFUSED: &[&str] = &["LOGIN", "AUTHENTICATE", "STARTTLS", "COMPRESS"];

/// How long one wait for either side lasts before the relay looks again.
const TICK: Duration = Duration::from_secs(1);
/// A read of the upstream session waits this long for more once data has
/// come: long enough to see a TLS record through, short enough to cost
/// nothing a person notices.
const DRAIN_TICK: Duration = Duration::from_millis(1);

/// Limits on finishing what a departed borrower left running.
#[derive(Debug, Clone, Copy)]
pub struct DrainLimits {
    /// The most bytes read (and thrown away) to complete outstanding
    /// commands; beyond that the connection is dropped instead.
    pub bytes: u64,
    /// The longest it may take.
    pub time: Duration,
}

/// How a loan ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing is pending: the session may be lent again. With
    /// `selected`, a mailbox may still be selected, and the next loan
    /// begins with UNSELECT (its reply swallowed), so the round trip it
    /// costs falls inside the next borrower's first one instead of
    /// delaying the connection's return.
    Clean {
        /// Whether the next loan must UNSELECT first.
        selected: bool,
    },
    /// The session must be dropped; why, for the log.
    Drop(String),
}

/// What the relay knows about the borrower's conversation.
#[derive(Default)]
struct Conversation {
    from_borrower: Framer,
    from_server: Framer,
    /// Tags sent upstream and not yet completed.
    outstanding: HashSet<String>,
    /// The tag of a running IDLE.
    idle: Option<String>,
    /// The first line of the borrower's current command, until complete.
    held: Vec<u8>,
    /// Whether the borrower's current command is being forwarded (its
    /// first line was let through).
    forwarding: bool,
    selected: bool,
    tainted: Option<String>,
    /// Everything forwarded so far, while the loan could still be moved to
    /// a fresh connection: no reply has come and every command changes
    /// nothing. `None` once it cannot.
    replay: Option<Vec<u8>>,
    /// A write upstream that failed in the middle of a chunk.
    write_failed: Option<Error>,
    /// The tag of the holder's own UNSELECT at the start of the loan:
    /// everything the server says up to its completion is the previous
    /// loan's, and is not passed on.
    swallow: Option<String>,
    /// Whether the message being read is that completion.
    swallow_ends: bool,
}

/// The tag of the holder's own UNSELECT; borrowers' tags are `aN`.
const UNSELECT_TAG: &str = "owl0";

/// Why the relay loop stopped.
enum Stop {
    /// The borrower hung up (or sent LOGOUT, already answered).
    BorrowerGone,
    /// The upstream connection failed.
    UpstreamFailed(String),
}

impl Session<Stream> {
    /// Lends this session to `borrower` until it hangs up, then brings the
    /// session back to a clean state or says it must be dropped. The
    /// preface has been sent. When the connection turns out dead before
    /// any reply and the borrower has only asked for things that change
    /// nothing, `reconnect` gives a fresh one and the loan goes on there.
    /// `returning` is told when the borrower has gone and the clean-up
    /// begins.
    pub fn relay(
        &mut self,
        borrower: &mut UnixStream,
        limits: DrainLimits,
        reconnect: &mut dyn FnMut() -> Option<Session<Stream>>,
        returning: &mut dyn FnMut(),
        selected: bool,
    ) -> Outcome {
        if !self.codec.buffered().is_empty() {
            return Outcome::Drop("unread server data before the loan".into());
        }
        let mut conv = Conversation { replay: Some(Vec::new()), ..Conversation::default() };
        if selected {
            // A failed SELECT leaves nothing selected, so UNSELECT may be
            // refused: either way the session is authenticated after it.
            let line = format!("{UNSELECT_TAG} UNSELECT\r\n");
            if let Err(e) = self.upstream_write(line.as_bytes()).and_then(|()| self.flush()) {
                return Outcome::Drop(e.to_string());
            }
            // What went before the loan cannot be sent again on a fresh
            // connection (which has nothing selected anyway).
            conv.replay = None;
            conv.swallow = Some(UNSELECT_TAG.to_string());
        }
        let stop = loop {
            match self.relay_loop(borrower, &mut conv) {
                Stop::UpstreamFailed(why) if conv.replay.is_some() => {
                    let Some(fresh) = reconnect() else { break Stop::UpstreamFailed(why) };
                    log::info!("{}: {why}; the borrower's commands go again on {}", self.label, fresh.label);
                    let old = std::mem::replace(self, fresh);
                    old.codec.stream().shutdown();
                    let sent = conv.replay.clone().unwrap_or_default();
                    if let Err(e) = self.upstream_write(&sent).and_then(|()| self.flush()) {
                        break Stop::UpstreamFailed(e.to_string());
                    }
                }
                stop => break stop,
            }
        };
        let _ = borrower.shutdown(std::net::Shutdown::Both);
        returning();
        match stop {
            Stop::UpstreamFailed(why) => {
                self.broken = true;
                Outcome::Drop(why)
            }
            Stop::BorrowerGone => match self.finish_loan(&mut conv, limits) {
                Ok(selected) => Outcome::Clean { selected },
                Err(why) => {
                    self.broken = true;
                    Outcome::Drop(why)
                }
            },
        }
    }

    fn relay_loop(&mut self, borrower: &mut UnixStream, conv: &mut Conversation) -> Stop {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let (from_borrower, from_server) = {
                let Some(upstream_fd) = self.codec.stream().as_fd() else {
                    return Stop::UpstreamFailed("upstream connection unusable".into());
                };
                match wait_readable(borrower.as_fd(), Some(upstream_fd), TICK) {
                    Ok(ready) => ready,
                    Err(e) => return Stop::UpstreamFailed(e.to_string()),
                }
            };
            if from_server && let Err(stop) = self.pass_server_data(borrower, conv, &mut buf) {
                return stop;
            }
            if from_borrower {
                let n = match borrower.read(&mut buf) {
                    Ok(0) | Err(_) => return Stop::BorrowerGone,
                    Ok(n) => n,
                };
                let chunk = buf[..n].to_vec();
                match self.pass_borrower_data(borrower, conv, &chunk) {
                    Ok(true) => {}
                    Ok(false) => return Stop::BorrowerGone,
                    Err(e) => return Stop::UpstreamFailed(e.to_string()),
                }
            }
        }
    }

    /// Reads what the server has (all layers drained: a read that times
    /// out means TLS and DEFLATE hold nothing more) and passes it on.
    fn pass_server_data(
        &mut self,
        borrower: &mut UnixStream,
        conv: &mut Conversation,
        buf: &mut [u8],
    ) -> std::result::Result<(), Stop> {
        let _ = self.codec.stream_mut().set_read_timeout(Some(DRAIN_TICK));
        let result = loop {
            match self.codec.stream_mut().read(buf) {
                Ok(0) => break Err(Stop::UpstreamFailed("server closed the connection".into())),
                Ok(n) => {
                    // A reply came: what was sent cannot be sent again.
                    conv.replay = None;
                    let from = conv.server_bytes(&buf[..n]);
                    let passed = if conv.swallow.is_some() { &[][..] } else { &buf[from..n] };
                    if borrower.write_all(passed).is_err() {
                        // The borrower is gone; what is left is drained later.
                        break Err(Stop::BorrowerGone);
                    }
                }
                Err(e) if is_timeout(&e) => break Ok(()),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => break Err(Stop::UpstreamFailed(format!("reading from the server: {e}"))),
            }
        };
        let timeout = self.timeout;
        let _ = self.codec.stream_mut().set_read_timeout(Some(timeout));
        result
    }

    /// Passes a chunk of the borrower's bytes upstream, command by
    /// command. `Ok(false)`: the loan ends here (LOGOUT, or a refused
    /// command).
    fn pass_borrower_data(&mut self, borrower: &mut UnixStream, conv: &mut Conversation, chunk: &[u8]) -> Result<bool> {
        let mut start = 0;
        for event in conv.from_borrower.feed(chunk) {
            match event {
                Event::Head { at, line } => {
                    let mut first = std::mem::take(&mut conv.held);
                    first.extend_from_slice(&chunk[start..at]);
                    start = at;
                    match conv.borrower_command(&line) {
                        Verdict::Forward => {
                            conv.forwarding = true;
                            self.forward(conv, &first);
                        }
                        Verdict::Answer(reply) => {
                            let _ = borrower.write_all(&reply);
                            return Ok(false);
                        }
                    }
                }
                Event::End { at } => {
                    if conv.forwarding {
                        self.forward(conv, &chunk[start..at]);
                    }
                    conv.forwarding = false;
                    start = at;
                }
            }
        }
        let rest = &chunk[start..];
        if conv.forwarding {
            self.forward(conv, rest);
        } else {
            conv.held.extend_from_slice(rest);
            if conv.held.len() > 64 * 1024 {
                return Err(Error::protocol("borrower sent a command line without end"));
            }
        }
        if let Some(e) = conv.write_failed.take() {
            return Err(e);
        }
        self.codec.stream_mut().flush().map_err(|e| Error::network("flush to the server", e))?;
        Ok(true)
    }

    fn upstream_write(&mut self, bytes: &[u8]) -> Result<()> {
        self.codec.stream_mut().write_all(bytes).map_err(|e| Error::network("write to the server", e))
    }

    /// [`Session::upstream_write`] of the borrower's bytes, kept for a
    /// replay while one is possible.
    /// After a failed write the rest of the chunk is still kept (not
    /// written), so a replay sends all of it.
    fn forward(&mut self, conv: &mut Conversation, bytes: &[u8]) {
        if let Some(kept) = conv.replay.as_mut() {
            kept.extend_from_slice(bytes);
            if kept.len() > REPLAY_MAX {
                conv.replay = None;
            }
        }
        if conv.write_failed.is_none()
            && let Err(e) = self.upstream_write(bytes)
        {
            conv.write_failed = Some(e);
        }
    }

    /// Brings the session back after the borrower left, or says why not;
    /// whether a mailbox may be selected still.
    fn finish_loan(&mut self, conv: &mut Conversation, limits: DrainLimits) -> std::result::Result<bool, String> {
        if !conv.from_borrower.is_between() {
            return Err("the borrower left in the middle of a command".into());
        }
        if let Some(why) = &conv.tainted {
            return Err(format!("the borrower used {why}, which leaves state behind"));
        }
        if conv.idle.is_some() {
            self.upstream_write(b"DONE\r\n").map_err(|e| e.to_string())?;
            self.codec.stream_mut().flush().map_err(|e| e.to_string())?;
        }
        self.drain(conv, limits)?;
        if conv.selected && !self.caps.has("UNSELECT") {
            return Err("a mailbox was selected and the server has no UNSELECT".into());
        }
        Ok(conv.selected)
    }

    /// Reads (and throws away) the replies to the borrower's outstanding
    /// commands, within `limits`.
    fn drain(&mut self, conv: &mut Conversation, limits: DrainLimits) -> std::result::Result<(), String> {
        let deadline = Instant::now() + limits.time;
        let mut read = 0u64;
        let mut buf = vec![0u8; 64 * 1024];
        let _ = self.codec.stream_mut().set_deadline(Some(deadline));
        let result = loop {
            if conv.outstanding.is_empty() && conv.swallow.is_none() && conv.from_server.is_between() {
                break Ok(());
            }
            if read > limits.bytes {
                break Err(format!("more than {} bytes of replies were left to drain", limits.bytes));
            }
            match self.codec.stream_mut().read(&mut buf) {
                Ok(0) => break Err("server closed the connection while draining".into()),
                Ok(n) => {
                    read += n as u64;
                    conv.server_bytes(&buf[..n]);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => break Err(format!("draining the borrower's replies: {e}")),
            }
        };
        let _ = self.codec.stream_mut().set_deadline(None);
        result
    }
}

/// What to do with a borrower's command.
enum Verdict {
    Forward,
    /// Answer it here with these bytes and end the loan.
    Answer(Vec<u8>),
}

impl Conversation {
    fn borrower_command(&mut self, line: &[u8]) -> Verdict {
        let (tag, verb) = tag_and_verb(line);
        if self.idle.is_some() && tag.eq_ignore_ascii_case("DONE") && verb.is_empty() {
            return Verdict::Forward;
        }
        if verb == "LOGOUT" {
            return Verdict::Answer(
                format!("* BYE the session holder keeps the connection\r\n{tag} OK LOGOUT completed\r\n").into_bytes(),
            );
        }
        if REFUSED.contains(&verb.as_str()) {
            return Verdict::Answer(format!("{tag} BAD {verb} is the session holder's to do\r\n").into_bytes());
        }
        if !READ_ONLY.contains(&verb.as_str()) {
            self.replay = None;
        }
        match verb.as_str() {
            "SELECT" | "EXAMINE" => self.selected = true,
            "IDLE" => self.idle = Some(tag.clone()),
            v if STATELESS.contains(&v) => {}
            other => {
                self.tainted.get_or_insert_with(|| {
                    if other.is_empty() { "an empty command".into() } else { other.to_string() }
                });
            }
        }
        self.outstanding.insert(tag);
        Verdict::Forward
    }

    /// Follows a chunk of the server's bytes; while the holder's UNSELECT
    /// is being answered, returns the offset from which the chunk is the
    /// borrower's (the whole chunk is swallowed while `swallow` stays set).
    fn server_bytes(&mut self, bytes: &[u8]) -> usize {
        let mut from = 0;
        for event in self.from_server.feed(bytes) {
            match event {
                Event::Head { line, .. } => {
                    let (tag, _) = tag_and_verb(&line);
                    if self.swallow.as_deref() == Some(tag.as_str()) {
                        self.swallow_ends = true;
                    } else {
                        self.server_line(&line);
                    }
                }
                Event::End { at } if self.swallow.is_some() => {
                    from = at;
                    if self.swallow_ends {
                        self.swallow = None;
                        self.swallow_ends = false;
                    }
                }
                Event::End { .. } => {}
            }
        }
        from
    }

    fn server_line(&mut self, line: &[u8]) {
        let (tag, _) = tag_and_verb(line);
        if tag == "*" || tag == "+" {
            return;
        }
        self.outstanding.remove(&tag);
        if self.idle.as_deref() == Some(tag.as_str()) {
            self.idle = None;
        }
    }
}

fn is_timeout(e: &io::Error) -> bool {
    matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut)
}
