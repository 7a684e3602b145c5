//! The holder process (`owl session serve`, started by `owl session start`
//! or by an invocation with `persist` set): keeps authenticated IMAP
//! connections for one account configuration, checks the idle ones in the
//! background, lends them over its socket and exits after `persist`
//! without clients, on `owl session stop`, or on SIGTERM.
//!
//! Connections are made exactly as a direct run makes them (`open_imap`:
//! TLS checks, capabilities, compression). The holder listens only once its
//! first connection is logged in, so a waiting invocation finds it warm.
//! A borrow that finds no idle connection is answered "busy" at once (the
//! borrower connects directly) and another is opened for next time, up to
//! `connections`.

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::{ConnectionStatus, HolderStatus, PROTOCOL, Request, fingerprint, socket_path};
use crate::cmd::context::{CredentialCache, open_imap};
use crate::config::{Account, Imap};
use crate::error::{Error, Result};
use crate::imap;
use crate::imap::relay::{DrainLimits, Outcome};
use crate::net::Counters;
use crate::net::local::Listener;
use crate::sasl::Credentials;

/// How often an idle connection is asked NOOP: often enough that a dead
/// one is replaced long before a borrower would meet it, and that the
/// server's autologout (30 minutes at least, RFC 3501 §5.4) never comes.
const KEEPALIVE: Duration = Duration::from_secs(60);
/// How often the holder looks at its clock (persist, stop).
const TICK: Duration = Duration::from_millis(200);
/// What a departed borrower may leave to be read before the connection is
/// dropped rather than drained.
/// How long a borrow waits for a lent connection to come back before it
/// is told "busy" (and connects directly): well inside the borrower's
/// patience ([`super::ANSWER_WITHIN`]).
const WAIT_FOR_RETURN: Duration = Duration::from_millis(600);
const DRAIN: DrainLimits = DrainLimits { bytes: 64 * 1024 * 1024, time: Duration::from_secs(20) };

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Idle,
    Lent,
    /// The borrower has gone; the connection is being cleaned up.
    Returning,
    Checking,
    Opening,
}

impl State {
    fn as_str(self) -> &'static str {
        match self {
            State::Idle => "idle",
            State::Lent => "lent",
            State::Returning => "returning",
            State::Checking => "checking",
            State::Opening => "opening",
        }
    }
}

struct Slot {
    number: usize,
    state: State,
    session: Option<imap::Session>,
    opened: Instant,
    /// When it last changed hands or was checked.
    since: Instant,
    loans: u64,
    compressed: bool,
    /// Whether the last borrower left a mailbox selected (the next loan
    /// begins with UNSELECT).
    selected: bool,
}

struct Shared {
    account: Account,
    imap: Imap,
    fingerprint: String,
    socket: String,
    persist: Duration,
    credentials: CredentialCache,
    counters: Arc<Counters>,
    slots: Mutex<Vec<Slot>>,
    /// Signalled when a connection is given back (or a new one is ready).
    returned: Condvar,
    numbers: AtomicU64,
    loans: AtomicU64,
    started: Instant,
    last_client: Mutex<Instant>,
    stop: Arc<AtomicBool>,
}

/// Runs the holder for `account` until it has been `persist` without
/// clients or is told to stop. `creds` is the secret handed over by the
/// invocation that started it (else the holder fetches it itself).
pub fn serve(account: &Account, persist: Duration, creds: Option<Credentials>) -> Result<()> {
    let imap = account
        .imap
        .clone()
        .ok_or_else(|| Error::config(format!("account \"{}\" has no IMAP section", account.name)))?;
    let fingerprint = fingerprint(account, &imap);
    let path = socket_path(&fingerprint)?;
    let credentials = match creds {
        Some(creds) => CredentialCache::with(imap.server.clone(), creds),
        None => CredentialCache::new(imap.server.clone()),
    };
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(signal, stop.clone()).map_err(|e| Error::internal(format!("signals: {e}")))?;
    }
    // No terminal to hang up on us: a closed one must not end the holder.
    let _ = signal_hook::flag::register(signal_hook::consts::SIGHUP, Arc::new(AtomicBool::new(false)));
    let shared = Arc::new(Shared {
        account: account.clone(),
        imap,
        fingerprint,
        socket: path.display().to_string(),
        persist,
        credentials,
        counters: Arc::new(Counters::default()),
        slots: Mutex::new(Vec::new()),
        returned: Condvar::new(),
        numbers: AtomicU64::new(0),
        loans: AtomicU64::new(0),
        started: Instant::now(),
        last_client: Mutex::new(Instant::now()),
        stop,
    });
    // The first connection before the socket: whoever waits for the
    // socket then borrows a warm one. A login that fails ends the holder.
    let number = shared.next_number();
    let first = shared.open(number)?;
    shared.slots().push(Slot::new(number, first));
    let Some(listener) = Listener::bind(&path)? else {
        // Another holder serves this configuration already.
        shared.close_idle();
        return Ok(());
    };
    {
        let shared = shared.clone();
        std::thread::spawn(move || shared.keep());
    }
    while !shared.stop.load(Ordering::Relaxed) {
        match listener.accept(TICK) {
            Ok(Some(client)) => {
                *shared.last_client.lock().unwrap_or_else(|e| e.into_inner()) = Instant::now();
                let shared = shared.clone();
                std::thread::spawn(move || shared.serve_client(client));
            }
            Ok(None) => {}
            Err(e) => log::warn!("session holder: {e}"),
        }
        if shared.expired() {
            break;
        }
    }
    drop(listener);
    shared.close_idle();
    Ok(())
}

impl Slot {
    fn new(number: usize, session: imap::Session) -> Slot {
        let now = Instant::now();
        Slot {
            number,
            state: State::Idle,
            compressed: session.is_compressed(),
            session: Some(session),
            opened: now,
            since: now,
            loans: 0,
            selected: false,
        }
    }
}

impl Shared {
    fn slots(&self) -> MutexGuard<'_, Vec<Slot>> {
        // A thread that panicked left the list consistent (each change is
        // one push, remove or assignment).
        self.slots.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn next_number(&self) -> usize {
        self.numbers.fetch_add(1, Ordering::Relaxed) as usize + 1
    }

    /// Opens one connection as a direct run would. An OAuth token that
    /// expired is fetched again once (the token command runs here).
    fn open(&self, number: usize) -> Result<imap::Session> {
        let options = imap::Options {
            endpoint: self.imap.server.endpoint.clone(),
            compress: self.imap.compress,
            label: format!("holder imap#{number}"),
        };
        match open_imap(&options, &self.credentials, self.counters.clone()) {
            Err(e) if e.kind() == crate::error::ErrorKind::Auth && self.imap.server.secret.is_token() => {
                self.credentials.forget();
                open_imap(&options, &self.credentials, self.counters.clone())
            }
            other => other,
        }
    }

    /// Whether it is time to go: no loan running and none for `persist`.
    fn expired(&self) -> bool {
        if self.stop.load(Ordering::Relaxed) {
            return true;
        }
        let lent = self.slots().iter().any(|s| matches!(s.state, State::Lent | State::Returning));
        let quiet = self.last_client.lock().unwrap_or_else(|e| e.into_inner()).elapsed();
        !lent && quiet >= self.persist
    }

    /// Logs out every connection not lent.
    fn close_idle(&self) {
        let sessions: Vec<imap::Session> = self.slots().iter_mut().filter_map(|s| s.session.take()).collect();
        for session in sessions {
            session.logout();
        }
    }

    /// The background work: NOOP each connection idle for a while, replace
    /// dead ones, keep one open.
    fn keep(self: Arc<Self>) {
        while !self.stop.load(Ordering::Relaxed) {
            std::thread::sleep(TICK);
            let due: Vec<(usize, imap::Session)> = {
                let mut slots = self.slots();
                slots
                    .iter_mut()
                    .filter(|s| s.state == State::Idle && s.since.elapsed() >= KEEPALIVE)
                    .filter_map(|s| {
                        s.state = State::Checking;
                        s.session.take().map(|c| (s.number, c))
                    })
                    .collect()
            };
            for (number, mut session) in due {
                let alive = session.noop().is_ok() && !session.is_broken();
                if alive {
                    self.give_back(number, session, None);
                } else {
                    log::info!("session holder: imap#{number} no longer answered; replacing it");
                    self.forget(number);
                    session.logout();
                }
            }
            let empty = self.slots().is_empty();
            if empty {
                self.open_in_background();
            }
        }
    }

    fn give_back(&self, number: usize, session: imap::Session, selected: Option<bool>) {
        let mut slots = self.slots();
        if let Some(slot) = slots.iter_mut().find(|s| s.number == number) {
            if let Some(selected) = selected {
                slot.selected = selected;
            }
            slot.state = State::Idle;
            slot.since = Instant::now();
            slot.session = Some(session);
        }
        self.returned.notify_all();
    }

    fn forget(&self, number: usize) {
        self.slots().retain(|s| s.number != number);
        // Whoever waits for this one must not wait for nothing.
        self.returned.notify_all();
    }

    /// Opens one more connection for later borrowers, unless `connections`
    /// are open or opening already.
    /// Opens one more connection (within `connections`) when lending
    /// `lent` left none idle or on its way: in a loop of short runs the
    /// next run comes while the previous one's connection is still being
    /// cleaned up (an UNSELECT's round trip), and would wait for it.
    fn keep_a_spare(self: &Arc<Self>, lent: usize) {
        let spare = self.slots().iter().any(|s| s.number != lent && matches!(s.state, State::Idle | State::Opening));
        if !spare {
            self.open_in_background();
        }
    }

    fn open_in_background(self: &Arc<Self>) {
        let number = {
            let mut slots = self.slots();
            if slots.len() >= self.imap.connections {
                return;
            }
            let number = self.next_number();
            let now = Instant::now();
            slots.push(Slot {
                number,
                state: State::Opening,
                session: None,
                opened: now,
                since: now,
                loans: 0,
                compressed: false,
                selected: false,
            });
            number
        };
        let shared = self.clone();
        std::thread::spawn(move || match shared.open(number) {
            Ok(session) => {
                let compressed = session.is_compressed();
                let mut slots = shared.slots();
                if let Some(slot) = slots.iter_mut().find(|s| s.number == number) {
                    *slot = Slot { compressed, ..Slot::new(number, session) };
                }
                shared.returned.notify_all();
            }
            Err(e) => {
                log::warn!("session holder: could not open imap#{number}: {e}");
                shared.forget(number);
            }
        });
    }

    fn serve_client(self: Arc<Self>, mut client: UnixStream) {
        let request = match read_request(&client) {
            Some((request, fingerprint)) if fingerprint == self.fingerprint => request,
            Some(_) => {
                let _ = client.write_all(b"* BYE this holder serves another configuration\r\n");
                return;
            }
            None => return,
        };
        match request {
            Request::Status => {
                let mut line = serde_json::to_vec(&self.status()).unwrap_or_default();
                line.push(b'\n');
                let _ = client.write_all(&line);
            }
            Request::Stop => {
                self.stop.store(true, Ordering::Relaxed);
                let _ = client.write_all(b"* BYE stopping\r\n");
            }
            Request::Borrow => self.lend(client),
        }
        *self.last_client.lock().unwrap_or_else(|e| e.into_inner()) = Instant::now();
    }

    /// An idle connection, marked lent. One whose server said something
    /// meanwhile (a BYE) is asked NOOP first, and dropped if that fails.
    /// When none is idle but one is on its way back (being cleaned up after
    /// its borrower left, an UNSELECT's round trip; or in a NOOP check),
    /// waits up to [`WAIT_FOR_RETURN`] for it: a loop of short runs would
    /// otherwise find the previous run's connection busy every time.
    fn take_idle(self: &Arc<Self>) -> Option<(usize, imap::Session, bool)> {
        let deadline = Instant::now() + WAIT_FOR_RETURN;
        loop {
            let (number, mut session, selected) = {
                let mut slots = self.slots();
                loop {
                    if let Some(slot) = slots.iter_mut().find(|s| s.state == State::Idle && s.session.is_some()) {
                        slot.state = State::Lent;
                        slot.loans += 1;
                        break (slot.number, slot.session.take()?, slot.selected);
                    }
                    let left = deadline.saturating_duration_since(Instant::now());
                    let soon = slots.iter().any(|s| matches!(s.state, State::Returning | State::Checking));
                    if left.is_zero() || !soon {
                        return None;
                    }
                    slots = self.returned.wait_timeout(slots, left).unwrap_or_else(|e| e.into_inner()).0;
                }
            };
            if !session.has_unread_input() || (session.noop().is_ok() && !session.is_broken()) {
                return Some((number, session, selected));
            }
            log::info!("session holder: imap#{number} was closed by the server; dropping it");
            self.forget(number);
            session.logout();
        }
    }

    fn lend(self: &Arc<Self>, mut client: UnixStream) {
        let Some((number, mut session, selected)) = self.take_idle() else {
            let _ = client.write_all(b"* BYE busy: every connection is lent\r\n");
            self.open_in_background();
            return;
        };
        self.loans.fetch_add(1, Ordering::Relaxed);
        self.keep_a_spare(number);
        let timeout = self.imap.server.endpoint.timeout;
        let lent = client.set_write_timeout(Some(timeout)).is_ok()
            && client.set_read_timeout(None).is_ok()
            && client.write_all(&session.loan_preface()).is_ok();
        let mut reconnect = || self.open(number).ok();
        let mut returning = || {
            if let Some(slot) = self.slots().iter_mut().find(|s| s.number == number) {
                slot.state = State::Returning;
            }
        };
        let outcome = if lent {
            session.relay(&mut client, DRAIN, &mut reconnect, &mut returning, selected)
        } else {
            Outcome::Clean { selected }
        };
        match outcome {
            Outcome::Clean { selected } if !session.is_broken() => self.give_back(number, session, Some(selected)),
            Outcome::Clean { .. } => {
                self.forget(number);
                session.logout();
                self.open_in_background();
            }
            Outcome::Drop(why) => {
                log::info!("session holder: dropping imap#{number}: {why}");
                self.forget(number);
                session.logout();
                self.open_in_background();
            }
        }
    }

    fn status(&self) -> HolderStatus {
        let connections = self
            .slots()
            .iter()
            .map(|s| ConnectionStatus {
                number: s.number,
                state: s.state.as_str().to_string(),
                age_seconds: s.opened.elapsed().as_secs(),
                compressed: s.compressed,
                loans: s.loans,
            })
            .collect();
        HolderStatus {
            account: self.account.name.clone(),
            pid: std::process::id(),
            socket: self.socket.clone(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            age_seconds: self.started.elapsed().as_secs(),
            persist_seconds: self.persist.as_secs(),
            idle_seconds: self.last_client.lock().unwrap_or_else(|e| e.into_inner()).elapsed().as_secs(),
            loans: self.loans.load(Ordering::Relaxed),
            connections,
        }
    }
}

/// The client's request line: `OWL-HOLDER-1 VERB FINGERPRINT`, read
/// within a bound (a client that says nothing is hung up on).
fn read_request(client: &UnixStream) -> Option<(Request, String)> {
    client.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    let mut line = String::new();
    let mut reader = BufReader::new(client).take(512);
    reader.read_line(&mut line).ok()?;
    let mut words = line.split_whitespace();
    if words.next()? != PROTOCOL {
        return None;
    }
    let request = Request::parse(words.next()?)?;
    Some((request, words.next()?.to_string()))
}

/// Reads the secret the starting invocation wrote to our stdin (`password`
/// or `token`, a newline, the secret), if it wrote one.
pub fn secret_from_stdin(user: &str) -> Result<Option<Credentials>> {
    let mut text = String::new();
    std::io::stdin()
        .take(64 * 1024)
        .read_to_string(&mut text)
        .map_err(|e| Error::local_io("read the secret from the pipe", e))?;
    let mut lines = text.lines();
    let secret = match (lines.next(), lines.next()) {
        (Some("password"), Some(p)) if !p.is_empty() => crate::sasl::Secret::Password(p.to_string()),
        (Some("token"), Some(t)) if !t.is_empty() => crate::sasl::Secret::Token(t.to_string()),
        _ => return Ok(None),
    };
    match &secret {
        crate::sasl::Secret::Password(s) | crate::sasl::Secret::Token(s) => crate::secrets::register(user, s),
    }
    Ok(Some(Credentials { user: user.to_string(), secret }))
}
