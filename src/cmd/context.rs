//! What every command runs with: the chosen account, its connection pools
//! and the run's byte counters. Pools open lazily, so a command that needs
//! no IMAP never connects; when the context goes, every connection is
//! logged out.

use std::sync::{Arc, Mutex, OnceLock};

use crate::config::{Account, Server};
use crate::error::{Error, ErrorKind, Result, ResultExt};
use crate::imap;
use crate::net::opening::Opening;
use crate::net::pool::{Pool, Pooled};
use crate::net::{ByteCounts, Choice, Compression, Counters};
use crate::sasl::Credentials;

/// The account and shared connections of one run.
pub struct Context {
    /// The account commands act on.
    pub account: Account,
    counters: Arc<Counters>,
    compression: Arc<CompressionNote>,
    /// The mailbox the run's first IMAP connection opens behind its login.
    first_mailbox: Arc<Mutex<Option<(imap::MailboxName, bool)>>>,
    imap: OnceLock<Pool<imap::Session>>,
    imap_credentials: OnceLock<Arc<CredentialCache>>,
}

impl Context {
    /// A context for `account`; nothing is connected yet.
    pub fn new(account: Account) -> Context {
        Context {
            account,
            counters: Arc::new(Counters::default()),
            compression: Arc::new(CompressionNote::default()),
            first_mailbox: Arc::new(Mutex::new(None)),
            imap: OnceLock::new(),
            imap_credentials: OnceLock::new(),
        }
    }

    /// Names the account in error messages.
    pub fn label(&self) -> String {
        format!("account \"{}\"", self.account.name)
    }

    fn imap_settings(&self) -> Result<crate::config::Imap> {
        self.account.imap.clone().ok_or_else(|| {
            Error::config(format!("{} has no [accounts.{}.imap] section", self.label(), self.account.name))
        })
    }

    fn imap_credentials(&self, settings: &crate::config::Imap) -> Arc<CredentialCache> {
        self.imap_credentials.get_or_init(|| Arc::new(CredentialCache::new(settings.server.clone()))).clone()
    }

    /// A connection of its own, outside the pool, for work that holds it
    /// for long (IDLE); `label` names it in traces.
    pub fn dedicated_imap(&self, label: &str) -> Result<imap::Session> {
        let settings = self.imap_settings()?;
        let credentials = self.imap_credentials(&settings);
        let options = imap::Options {
            endpoint: settings.server.endpoint.clone(),
            compress: settings.compress,
            label: label.to_string(),
        };
        open_imap(&options, &credentials, self.counters.clone())
    }

    /// A logged-in POP3 session (POP3 locks the maildrop: one at a time).
    pub fn pop3(&self) -> Result<crate::pop3::Session> {
        let settings = self.account.pop3.clone().ok_or_else(|| {
            Error::config(format!("{} has no [accounts.{}.pop3] section", self.label(), self.account.name))
        })?;
        let endpoint = &settings.server.endpoint;
        let address = endpoint.address();
        let options = crate::pop3::Options { endpoint: endpoint.clone(), label: "pop3".into() };
        let mut session =
            crate::pop3::Session::connect(&options, self.counters.clone()).context(format!("pop3 {address}"))?;
        let creds = settings.server.credentials()?;
        session.authenticate(&creds, pop3_method(settings.auth)).context(format!("pop3 {address}"))?;
        Ok(session)
    }

    /// The IMAP pool; an error if the account has no IMAP section.
    pub fn imap(&self) -> Result<&Pool<imap::Session>> {
        if let Some(pool) = self.imap.get() {
            return Ok(pool);
        }
        let settings = self.imap_settings()?;
        let counters = self.counters.clone();
        let compression = self.compression.clone();
        let first_mailbox = self.first_mailbox.clone();
        let credentials = self.imap_credentials(&settings);
        // A warm connection from this account's session holder first; a
        // direct one when there is none (or it is busy, stale or wedged).
        let holder = crate::cmd::session::client::Link::new(&self.account, &settings);
        let pool = Pool::new(settings.connections, move |opening| {
            let options = imap::Options {
                endpoint: settings.server.endpoint.clone(),
                compress: settings.compress,
                label: format!("imap#{}", opening.number()),
            };
            let first = first_mailbox.lock().unwrap_or_else(|e| e.into_inner()).take();
            let first = first.as_ref().map(|(name, read_only)| (name, *read_only));
            let borrowed = holder.borrow(&options, counters.clone(), &|| credentials.get());
            let session = match borrowed {
                Some(session) => session,
                None => open_imap_in(&options, &credentials, counters.clone(), first, Some((opening, &compression)))?,
            };
            if let Some(choice) = &session.info().compression_choice {
                compression.record(choice);
            }
            Ok(session)
        });
        Ok(self.imap.get_or_init(|| pool))
    }

    /// The IMAP pool for a command that starts in `mailbox` (EXAMINE when
    /// `read_only`, else SELECT): if nothing is connected yet, the first
    /// connection sends that right behind its login, a round trip less
    /// for a short command. The command opens the mailbox as usual and
    /// finds it open (`Session::examined`, `Session::selected_for_writing`).
    pub fn imap_in(&self, mailbox: &imap::MailboxName, read_only: bool) -> Result<&Pool<imap::Session>> {
        if self.imap.get().is_none() {
            *self.first_mailbox.lock().unwrap_or_else(|e| e.into_inner()) = Some((mailbox.clone(), read_only));
        }
        self.imap()
    }

    /// Runs `work` on a connection of the IMAP pool. When that connection
    /// was a loan from the session holder and broke under `work` (the
    /// holder was killed, or its link to the server dropped), `work` runs
    /// once more on a fresh connection, direct if the holder is gone,
    /// with `again` set: a killed holder then never fails a command. Only
    /// for work that changes nothing on the server (issue 14: a change
    /// whose outcome is unknown must not be made twice).
    pub fn imap_read_only<T>(
        &self,
        mut work: impl FnMut(&mut imap::Session, bool) -> Result<T>,
    ) -> Result<(Pooled<'_, imap::Session>, T)> {
        let pool = self.imap()?;
        let mut session = pool.get()?;
        match work(&mut session, false) {
            Ok(made) => Ok((session, made)),
            Err(err) if session.is_borrowed() && session.is_broken() && err.kind() == ErrorKind::TempFail => {
                log::info!("{}: the loan from the session holder broke ({err}): connecting again", session.label());
                drop(session);
                let mut session = pool.get()?;
                let made = work(&mut session, true)?;
                Ok((session, made))
            }
            Err(err) => Err(err),
        }
    }

    /// Bytes moved so far by every connection of this run.
    pub fn bytes(&self) -> ByteCounts {
        self.counters.snapshot()
    }

    /// Whether any IMAP connection of this run was compressed.
    pub fn compressed(&self) -> bool {
        self.compression.get().is_some_and(|c| c.compress)
    }

    /// Why the run's connections compress or not (the first that
    /// compressed, else the first that chose); `None` when none chose.
    pub fn compression_why(&self) -> Option<String> {
        self.compression.get().map(|c| c.why)
    }

    /// What a connection of this run chose about compression (or what
    /// the round trips timed before logins say), for the others to follow
    /// rather than measure the same link again.
    pub fn compression_choice(&self) -> Option<Choice> {
        self.compression.chosen_or_sampled()
    }

    /// Records what a connection chose about compression after it was
    /// lent (`compress = auto` decides on its first transfer).
    pub fn note_compression(&self, choice: &Choice) {
        self.compression.record(choice);
    }

    /// The shared counters, for connections made outside the pools.
    pub fn counters(&self) -> Arc<Counters> {
        self.counters.clone()
    }
}

/// The POP3 login method the config asks for.
pub fn pop3_method(auth: crate::config::Pop3Auth) -> crate::pop3::Method {
    match auth {
        crate::config::Pop3Auth::Auto => crate::pop3::Method::Auto,
        crate::config::Pop3Auth::Apop => crate::pop3::Method::Apop,
        crate::config::Pop3Auth::User => crate::pop3::Method::User,
        crate::config::Pop3Auth::Plain => crate::pop3::Method::Plain,
    }
}

/// Connects and secures an IMAP connection, without logging in.
pub fn open_imap_unauthenticated(options: &imap::Options, counters: Arc<Counters>) -> Result<imap::Session> {
    let address = options.endpoint.address();
    imap::Session::connect(options, counters).context(format!("imap {address}"))
}

/// Opens, secures, authenticates and (if wanted) compresses one IMAP
/// connection.
pub fn open_imap(
    options: &imap::Options,
    credentials: &CredentialCache,
    counters: Arc<Counters>,
) -> Result<imap::Session> {
    open_imap_in(options, credentials, counters, None, None)
}

/// [`open_imap`], opening `first` (name, read-only) behind the login,
/// for a pool's `opening` and the run's `note` on compression.
fn open_imap_in(
    options: &imap::Options,
    credentials: &CredentialCache,
    counters: Arc<Counters>,
    first: Option<(&imap::MailboxName, bool)>,
    pooled: Option<(&Opening, &CompressionNote)>,
) -> Result<imap::Session> {
    let address = options.endpoint.address();
    let mut session = open_imap_unauthenticated(options, counters)?;
    // A connection opened ahead is for a big transfer. While it waits for
    // the first login it times the link for `compress = auto`, so a first
    // backup knows whether to compress as its connections log in, not
    // three round trips into the transfer.
    let ahead = pooled.filter(|(opening, _)| opening.is_ahead() && options.compress == Compression::Auto);
    if let Some((opening, note)) = ahead
        && opening.would_wait()
        && note.claim_sample()
        && let Ok(rtt) = session.time_round_trip()
    {
        note.sample(rtt);
    }
    if let Some((opening, _)) = pooled {
        opening.may_log_in()?;
    }
    let creds = credentials.get()?;
    session.authenticate_opening(&creds, first).context(format!("imap {address}"))?;
    session.compress_as_configured().context(format!("imap {address}"))?;
    if let Some((_, note)) = ahead
        && let Some(choice) = note.chosen_or_sampled()
    {
        session.follow_compression(&choice).context(format!("imap {address}"))?;
    }
    log::info!(
        "{}: connected to {address} ({}, {}{})",
        options.label,
        options.endpoint.security.as_str(),
        session.info().tls.as_ref().and_then(|t| t.version.clone()).unwrap_or_else(|| "no TLS".into()),
        if session.is_compressed() { ", compressed" } else { "" }
    );
    Ok(session)
}

/// Fetches a server's secret once per run, however many connections ask.
pub struct CredentialCache {
    server: Server,
    cached: Mutex<Option<Credentials>>,
}

impl CredentialCache {
    /// A cache for `server`'s secret.
    pub fn new(server: Server) -> CredentialCache {
        CredentialCache { server, cached: Mutex::new(None) }
    }

    /// A cache that already holds `creds` (handed to the session holder
    /// by the invocation that started it).
    pub fn with(server: Server, creds: Credentials) -> CredentialCache {
        CredentialCache { server, cached: Mutex::new(Some(creds)) }
    }

    /// Forgets the secret, so the next [`CredentialCache::get`] fetches it
    /// again (an OAuth token that expired).
    pub fn forget(&self) {
        *self.cached.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }

    /// The credentials, running the password command the first time.
    pub fn get(&self) -> Result<Credentials> {
        let mut cached = self.cached.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(creds) = cached.as_ref() {
            return Ok(creds.clone());
        }
        let creds = self.server.credentials()?;
        *cached = Some(creds.clone());
        Ok(creds)
    }
}

/// What the run's connections chose about compression: the first choice
/// to compress, else the first choice made.
#[derive(Debug, Default)]
struct CompressionNote {
    chosen: Mutex<Option<Choice>>,
    /// Round trips timed by connections waiting to log in.
    samples: Mutex<Vec<std::time::Duration>>,
    /// Samples begun, up to [`LINK_SAMPLES`].
    sampling: std::sync::atomic::AtomicUsize,
}

/// Round trips worth timing before logins: two, so one reply slowed by a
/// busy machine does not decide alone, and no more, so a connection that
/// came late logs in at once rather than a round trip later.
const LINK_SAMPLES: usize = 2;

impl CompressionNote {
    fn record(&self, choice: &Choice) {
        let mut kept = self.chosen.lock().unwrap_or_else(|e| e.into_inner());
        if kept.as_ref().is_none_or(|k| choice.compress && !k.compress) {
            *kept = Some(choice.clone());
        }
    }

    fn get(&self) -> Option<Choice> {
        self.chosen.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Whether a connection waiting to log in should time the link.
    fn claim_sample(&self) -> bool {
        self.sampling.fetch_add(1, std::sync::atomic::Ordering::Relaxed) < LINK_SAMPLES
    }

    fn sample(&self, rtt: std::time::Duration) {
        self.samples.lock().unwrap_or_else(|e| e.into_inner()).push(rtt);
    }

    /// The run's choice: the one made, else one made now from the fastest
    /// round trip sampled (the others were slowed by something else) when
    /// that one is clear; `None` leaves the measure to a connection.
    fn chosen_or_sampled(&self) -> Option<Choice> {
        let mut chosen = self.chosen.lock().unwrap_or_else(|e| e.into_inner());
        if chosen.is_none() {
            let fastest = self.samples.lock().unwrap_or_else(|e| e.into_inner()).iter().min().copied();
            *chosen = fastest.and_then(Choice::by_busy_round_trip);
        }
        chosen.clone()
    }
}
