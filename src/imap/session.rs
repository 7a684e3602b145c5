//! An IMAP connection: the command/response loop with pipelining, and the
//! session's view of the server (capabilities, the selected mailbox, BYE).
//! Opening one (greeting, STARTTLS) is [`super::connect`]'s.
//!
//! Any number of tagged commands may be in flight: [`Session::send`] queues
//! one, [`Session::wait`] reads until its completion, passing untagged data
//! to a callback and keeping other commands' completions for later.
//! An error while reading marks the session broken; the pool then drops it.
//!
//! Time and volume are bounded whatever the server does: connecting (TLS,
//! greeting, STARTTLS) and logging in must each finish within the timeout;
//! a reply must keep delivering 1 KiB per timeout of waiting (see
//! `net::buffered`); and a wait ends with an error once the server has sent
//! more than [`MAX_UNSOLICITED`] untagged responses beyond what the command
//! can answer with.
//! RFC 3501 §2.2, §5.5, §6.2.1 and §7.

use std::collections::{HashMap, VecDeque};
use std::time::Instant;

use super::capabilities::Capabilities;
use super::codec::{Codec, LiteralSink};
use super::command::{Command, Piece};
use super::response::{Code, Data, Done, Response, Status};
use crate::error::{Error, ErrorKind, Result};
use crate::net::{Choice, Compression, Connection, Endpoint, Stream, TlsInfo};

/// Untagged responses a wait accepts beyond the ones its command may
/// answer with (an OK here and there, EXISTS, flag updates): a server that
/// sends more is flooding.
pub const MAX_UNSOLICITED: u64 = 10_000;

/// How to open a session.
#[derive(Debug, Clone)]
pub struct Options {
    /// Where to connect and how to secure it.
    pub endpoint: Endpoint,
    /// When to switch COMPRESS=DEFLATE on (if offered).
    pub compress: Compression,
    /// Names this connection in traces, e.g. `imap#2`.
    pub label: String,
}

/// What a session learned while connecting, for `owl check`.
#[derive(Debug, Clone, Default)]
pub struct ConnectInfo {
    /// TLS details, when TLS is on.
    pub tls: Option<TlsInfo>,
    /// Capabilities before authentication (after STARTTLS if any).
    pub capabilities_before_login: Vec<String>,
    /// The SASL mechanism or `LOGIN` used, `PREAUTH` when none was needed.
    pub auth_mechanism: Option<String>,
    /// Whether COMPRESS=DEFLATE is on.
    pub compression: bool,
    /// What was chosen about compression and why; `None` while `auto`
    /// has measured nothing yet.
    pub compression_choice: Option<Choice>,
}

/// The selected mailbox, as the server described it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selected {
    /// Its name.
    pub mailbox: super::MailboxName,
    /// Number of messages.
    pub exists: u32,
    /// UIDVALIDITY.
    pub uidvalidity: Option<u32>,
    /// UIDNEXT.
    pub uidnext: Option<u32>,
    /// HIGHESTMODSEQ (CONDSTORE).
    pub highestmodseq: Option<u64>,
    /// Whether it was opened read-only.
    pub read_only: bool,
}

/// A connection to an IMAP server, over a [`Stream`] (or, in tests, a
/// scripted connection).
pub struct Session<S = Stream> {
    pub(super) codec: Codec<S>,
    pub(super) caps: Capabilities,
    pub(super) label: String,
    pub(super) host: String,
    pub(super) port: u16,
    pub(super) selected: Option<Selected>,
    pub(super) info: ConnectInfo,
    pub(super) authenticated: bool,
    /// The configured read timeout, restored after short IDLE ticks.
    pub(super) timeout: std::time::Duration,
    /// Counts capability updates, so a caller can tell whether a command's
    /// reply carried a fresh list.
    pub(super) caps_updates: u64,
    next_tag: u32,
    /// Tags sent and not yet completed, with their verbs (for messages).
    in_flight: HashMap<String, String>,
    early: HashMap<String, Done>,
    queued: VecDeque<Data>,
    bye: Option<String>,
    pub(super) broken: bool,
    /// The `compress` setting this session follows.
    pub(super) compression: Compression,
}

impl<S: Connection> Session<S> {
    /// A session over `stream` that has read nothing yet: what
    /// [`Session::start`] builds on.
    pub(super) fn new(stream: S, options: &Options) -> Session<S> {
        let endpoint = &options.endpoint;
        let mut codec = Codec::new(stream, endpoint.address());
        codec.set_progress_window(Some(endpoint.timeout));
        Session {
            codec,
            caps: Capabilities::default(),
            label: options.label.clone(),
            host: endpoint.host.clone(),
            port: endpoint.port,
            selected: None,
            info: ConnectInfo::default(),
            authenticated: false,
            timeout: endpoint.timeout,
            caps_updates: 0,
            next_tag: 1,
            in_flight: HashMap::new(),
            early: HashMap::new(),
            queued: VecDeque::new(),
            bye: None,
            broken: false,
            compression: options.compress,
        }
    }

    /// No read or write of this connection waits past `deadline`.
    pub(super) fn set_deadline(&mut self, deadline: Option<Instant>) -> Result<()> {
        self.codec.stream_mut().set_deadline(deadline)
    }

    /// A deadline one timeout from now, for a phase that must finish in
    /// time (login).
    pub(super) fn deadline_from_now(&self) -> Instant {
        Instant::now() + self.timeout
    }

    /// Asks for CAPABILITY and replaces what we knew.
    pub fn refresh_capabilities(&mut self) -> Result<()> {
        let tag = self.send(&Command::new("CAPABILITY"))?;
        self.flush()?;
        let mut fresh = None;
        let done = self.wait(&tag, None, &mut |data| {
            if let Data::Capabilities(caps) = data {
                fresh = Some(caps);
            }
            Ok(())
        })?;
        let done = self.check(done, "CAPABILITY")?;
        // Some servers put the list in the OK's response code instead.
        match (fresh, done.code) {
            (Some(caps), _) | (None, Some(Code::Capability(caps))) => {
                self.caps = Capabilities::new(caps);
                Ok(())
            }
            _ => Err(Error::protocol("server answered CAPABILITY without a capability list")),
        }
    }

    /// The capabilities as currently known.
    pub fn capabilities(&self) -> &Capabilities {
        &self.caps
    }

    /// What connecting and logging in found out.
    pub fn info(&self) -> &ConnectInfo {
        &self.info
    }

    /// The label used in traces.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The selected mailbox, if any.
    pub fn selected(&self) -> Option<&Selected> {
        self.selected.as_ref()
    }

    /// Whether the connection can no longer be trusted to be in step.
    pub fn is_broken(&self) -> bool {
        self.broken || self.bye.is_some()
    }

    /// Whether traffic is compressed.
    pub fn is_compressed(&self) -> bool {
        self.codec.stream().is_compressed()
    }

    /// Sets the socket's read timeout (IDLE waits longer than commands).
    pub fn set_read_timeout(&mut self, timeout: Option<std::time::Duration>) -> Result<()> {
        self.codec.stream_mut().set_read_timeout(timeout).map_err(|e| Error::network("set timeout", e))
    }

    fn next_tag(&mut self) -> String {
        let tag = format!("a{}", self.next_tag);
        self.next_tag += 1;
        tag
    }

    /// Queues `command` and returns its tag. Literals that need the
    /// server's go-ahead (no LITERAL+) flush and wait for it here.
    pub fn send(&mut self, command: &Command) -> Result<String> {
        if self.is_broken() {
            return Err(Error::temp("connection is no longer usable"));
        }
        let tag = self.next_tag();
        let pieces = command.to_wire(&tag, self.caps.has("LITERAL+"))?;
        if log::log_enabled!(log::Level::Trace) {
            log::trace!("{} C: {}", self.label, command.to_trace(&tag));
        }
        for piece in pieces {
            match piece {
                Piece::Text(text) => self.codec.write(&text),
                Piece::Literal { data, sync: false } => self.codec.write(&data),
                Piece::Literal { data, sync: true } => {
                    self.flush()?;
                    self.await_continuation(&tag, command.verb())?;
                    self.codec.write(&data);
                }
            }
        }
        self.in_flight.insert(tag.clone(), command.verb().to_string());
        Ok(tag)
    }

    /// Sends a line inside a command exchange (a SASL response). Never
    /// traced: it carries secrets.
    pub(super) fn send_continuation_line(&mut self, line: &str) -> Result<()> {
        log::trace!("{} C: <redacted>", self.label);
        self.codec.write(line.as_bytes());
        self.codec.write(b"\r\n");
        self.flush()
    }

    /// Sends a plain line inside a command exchange (IDLE's DONE).
    pub(super) fn send_continuation_line_plain(&mut self, line: &str) -> Result<()> {
        log::trace!("{} C: {line}", self.label);
        self.codec.write(line.as_bytes());
        self.codec.write(b"\r\n");
        self.flush()
    }

    /// Untagged data read earlier and not yet handed out.
    pub(super) fn take_queued(&mut self) -> Option<Data> {
        self.queued.pop_front()
    }

    /// Puts data back in front of the queue, in order.
    pub(super) fn requeue(&mut self, data: Vec<Data>) {
        for d in data.into_iter().rev() {
            self.queued.push_front(d);
        }
    }

    /// Reads one response; with `tick`, waits at most that long and returns
    /// `None` if nothing came. Untagged data updates the session's picture
    /// of the server as usual.
    pub(super) fn next_or_timeout(&mut self, tick: Option<std::time::Duration>) -> Result<Option<Response>> {
        if let Some(tick) = tick {
            self.set_read_timeout(Some(tick))?;
        }
        let result = if tick.is_some() {
            self.codec.read_response_or_timeout()
        } else {
            self.codec.read_response(None).map(Some)
        };
        if tick.is_some() {
            let restore = self.timeout;
            let _ = self.set_read_timeout(Some(restore));
        }
        match result {
            Ok(Some(response)) => {
                if log::log_enabled!(log::Level::Trace) {
                    log::trace!("{} S: {}", self.label, self.codec.trace_text());
                }
                if let Response::Data(data) = &response {
                    self.observe(data);
                }
                Ok(Some(response))
            }
            Ok(None) => Ok(None),
            Err(err) => {
                self.broken = true;
                Err(err)
            }
        }
    }

    /// Sends everything queued.
    pub fn flush(&mut self) -> Result<()> {
        let result = self.codec.flush();
        if result.is_err() {
            self.broken = true;
        }
        result
    }

    fn await_continuation(&mut self, tag: &str, verb: &str) -> Result<()> {
        loop {
            match self.read(None)? {
                Response::Continue(_) => return Ok(()),
                Response::Done(done) if done.tag == tag => {
                    self.in_flight.remove(tag);
                    self.check(done, verb)?;
                    return Err(Error::protocol(format!("{verb}: server completed the command before its literal")));
                }
                Response::Data(_) if self.queued.len() as u64 >= MAX_UNSOLICITED => {
                    self.broken = true;
                    return Err(self.flooded(verb));
                }
                Response::Done(done) => self.keep_early(done)?,
                Response::Data(data) => {
                    self.observe(&data);
                    self.queued.push_back(data);
                }
            }
        }
    }

    /// Reads until the completion of `tag`. Untagged data goes to
    /// `on_data` (including data that answers other commands in flight);
    /// body literals go to `sink` when it wants them. A NO or BAD comes
    /// back as the `Done`: see [`Session::check`].
    pub fn wait(
        &mut self,
        tag: &str,
        sink: Option<&mut dyn LiteralSink>,
        on_data: &mut dyn FnMut(Data) -> Result<()>,
    ) -> Result<Done> {
        self.wait_allowing(tag, 0, sink, on_data)
    }

    /// [`Session::wait`] for a command that may be answered by up to
    /// `expected` untagged responses (FETCH over many messages, LIST of a
    /// big account) on top of [`MAX_UNSOLICITED`].
    pub fn wait_allowing(
        &mut self,
        tag: &str,
        expected: u64,
        mut sink: Option<&mut dyn LiteralSink>,
        on_data: &mut dyn FnMut(Data) -> Result<()>,
    ) -> Result<Done> {
        while let Some(data) = self.queued.pop_front() {
            self.deliver(data, on_data)?;
        }
        if let Some(done) = self.early.remove(tag) {
            self.in_flight.remove(tag);
            return Ok(done);
        }
        let verb = self.in_flight.get(tag).cloned().unwrap_or_default();
        let limit = MAX_UNSOLICITED.saturating_add(expected);
        let exists = self.selected.as_ref().map_or(0, |s| s.exists);
        self.codec.set_search_limit(super::search_reply::limit_for(exists));
        let mut untagged = 0u64;
        loop {
            let response = self
                .read(sink.as_mut().map(|s| &mut **s as &mut dyn LiteralSink))
                .map_err(|e| e.context(format!("waiting for the reply to {verb}")))?;
            match response {
                Response::Done(done) if done.tag == tag => {
                    self.in_flight.remove(tag);
                    return Ok(done);
                }
                Response::Done(done) => self.keep_early(done)?,
                Response::Continue(text) => {
                    self.broken = true;
                    return Err(Error::protocol(format!("unexpected continuation request \"+ {text}\"")));
                }
                Response::Data(data) => {
                    untagged += 1;
                    if untagged > limit {
                        self.broken = true;
                        return Err(self.flooded(&verb));
                    }
                    self.observe(&data);
                    self.deliver(data, on_data)?;
                }
            }
        }
    }

    fn flooded(&self, verb: &str) -> Error {
        Error::temp(format!(
            "{}:{}: the server sent more untagged responses than {verb} can be answered with (over \
             {MAX_UNSOLICITED} beyond the expected ones); giving up on it",
            self.host, self.port
        ))
    }

    /// Reads until the completion of `tag`, expecting a `+` first and
    /// giving each continuation's text to `on_continue`, which answers it.
    pub(super) fn wait_with_continuations(
        &mut self,
        tag: &str,
        on_continue: &mut dyn FnMut(&mut Session<S>, &str) -> Result<()>,
    ) -> Result<Done> {
        let verb = self.in_flight.get(tag).cloned().unwrap_or_default();
        loop {
            match self.read(None)? {
                Response::Done(done) if done.tag == tag => {
                    self.in_flight.remove(tag);
                    return Ok(done);
                }
                Response::Done(done) => self.keep_early(done)?,
                Response::Continue(text) => on_continue(self, &text)?,
                Response::Data(_) if self.queued.len() as u64 >= MAX_UNSOLICITED => {
                    self.broken = true;
                    return Err(self.flooded(&verb));
                }
                Response::Data(data) => {
                    self.observe(&data);
                    self.queued.push_back(data);
                }
            }
        }
    }

    fn deliver(&mut self, data: Data, on_data: &mut dyn FnMut(Data) -> Result<()>) -> Result<()> {
        let result = on_data(data);
        if result.is_err() {
            // We stop reading mid-stream: what follows is unread.
            self.broken = true;
        }
        result
    }

    fn keep_early(&mut self, done: Done) -> Result<()> {
        if !self.in_flight.contains_key(&done.tag) {
            self.broken = true;
            return Err(Error::protocol(format!("server completed a command never sent (tag {})", done.tag)));
        }
        self.early.insert(done.tag.clone(), done);
        Ok(())
    }

    pub(super) fn read(&mut self, sink: Option<&mut dyn LiteralSink>) -> Result<Response> {
        match self.codec.read_response(sink) {
            Ok(response) => {
                if log::log_enabled!(log::Level::Trace) {
                    log::trace!("{} S: {}", self.label, self.codec.trace_text());
                }
                if let Response::Done(Done { code: Some(Code::Capability(caps)), .. }) = &response {
                    self.caps = Capabilities::new(caps.clone());
                    self.caps_updates += 1;
                }
                Ok(response)
            }
            Err(err) => {
                self.broken = true;
                match &self.bye {
                    Some(bye) if err.kind() == ErrorKind::TempFail => {
                        Err(Error::temp(format!("server closed the connection: \"{bye}\"")))
                    }
                    _ => Err(err),
                }
            }
        }
    }

    /// Keeps the session's picture of the server current, whatever command
    /// the data arrived with.
    fn observe(&mut self, data: &Data) {
        match data {
            Data::Condition { status: Status::Bye, line, .. } => self.bye = Some(line.clone()),
            Data::Capabilities(caps) => {
                self.caps = Capabilities::new(caps.clone());
                self.caps_updates += 1;
            }
            Data::Exists(n) => {
                if let Some(sel) = self.selected.as_mut() {
                    sel.exists = *n;
                }
            }
            Data::Expunge(_) => {
                if let Some(sel) = self.selected.as_mut() {
                    sel.exists = sel.exists.saturating_sub(1);
                }
            }
            Data::Condition { code: Some(code), .. } => {
                if let Some(sel) = self.selected.as_mut() {
                    match code {
                        Code::UidValidity(v) => sel.uidvalidity = Some(*v),
                        Code::UidNext(n) => sel.uidnext = Some(*n),
                        Code::HighestModSeq(m) => sel.highestmodseq = Some(*m),
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }

    /// Turns a NO or BAD into an error whose kind fits the response code;
    /// `what` names the command.
    pub fn check(&self, done: Done, what: &str) -> Result<Done> {
        match done.status {
            Status::Ok => Ok(done),
            _ => Err(refusal(&done, what)),
        }
    }

    /// Sends `command`, waits for it and checks it succeeded, giving
    /// untagged data to `on_data`.
    pub fn run(&mut self, command: &Command, on_data: &mut dyn FnMut(Data) -> Result<()>) -> Result<Done> {
        self.run_allowing(command, 0, on_data)
    }

    /// [`Session::run`] for a command answered by up to `expected`
    /// untagged responses (see [`Session::wait_allowing`]).
    pub fn run_allowing(
        &mut self,
        command: &Command,
        expected: u64,
        on_data: &mut dyn FnMut(Data) -> Result<()>,
    ) -> Result<Done> {
        let tag = self.send(command)?;
        self.flush()?;
        let done = self.wait_allowing(&tag, expected, None, on_data)?;
        self.check(done, command.verb())
    }

    /// NOOP: also how the pool checks a connection is alive.
    pub fn noop(&mut self) -> Result<()> {
        self.run(&Command::new("NOOP"), &mut |_| Ok(())).map(drop)
    }

    /// LOGOUT, ignoring a server that hangs up first.
    pub fn logout(mut self) {
        if self.is_broken() {
            self.codec.stream().shutdown();
            return;
        }
        // The reply (BYE, OK) tells owl nothing it needs: waiting for it
        // would cost every command one more round trip at its end.
        if self.send(&Command::new("LOGOUT")).is_ok() {
            let _ = self.flush();
        }
        self.codec.stream().shutdown();
    }
}

/// Pooled IMAP connections: a connection that sat idle is asked NOOP before
/// it is lent, and logs out when the pool lets it go.
impl crate::net::pool::Poolable for Session<Stream> {
    fn is_broken(&self) -> bool {
        Session::is_broken(self)
    }
    fn is_alive(&mut self) -> bool {
        self.noop().is_ok()
    }
    fn close(self) {
        self.logout();
    }
}

/// The error for a refused command: its kind from the response code, the
/// server's words kept as data.
pub(super) fn refusal(done: &Done, what: &str) -> Error {
    if done.status == Status::Bad {
        return Error::protocol(format!("{what}: server rejected the command: \"{}\"", done.line))
            .with_reply(done.line.clone());
    }
    let kind = match &done.code {
        Some(Code::AuthenticationFailed | Code::AuthorizationFailed | Code::Expired) => ErrorKind::Auth,
        Some(Code::Unavailable | Code::InUse | Code::Limit | Code::ServerBug) => ErrorKind::TempFail,
        // A missing mailbox is no such input, whatever the command.
        Some(Code::NonExistent | Code::TryCreate) => ErrorKind::NoInput,
        _ => ErrorKind::Rejected,
    };
    Error::new(kind, format!("{what}: server said \"{}\"", done.line)).with_reply(done.line.clone())
}

#[cfg(test)]
#[path = "session_tests.rs"]
pub(crate) mod tests;
