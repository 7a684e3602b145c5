//! Watching one mailbox: IDLE on a connection of its own (NOOP polling
//! where the server has no IDLE), turning what the server pushes into
//! events, and surviving anything the network does.
//!
//! Every message is reported exactly once: `next_uid` (the first UID not
//! reported yet) outlives connections, so after a reconnect the messages
//! that arrived meanwhile are reported, and nothing twice. A UIDVALIDITY
//! change resets it to the server's UIDNEXT (the old UIDs mean nothing).
//! Reconnects back off exponentially (capped, with jitter).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::time::{Duration, Instant};

use super::event::{Event, Note, Phase, WatchState};
use crate::cmd::context::Context;
use crate::cmd::mailboxes::message_row;
use crate::error::{Error, Result};
use crate::imap::{Capability, Data, Items, MailboxName, MessageSet, Search, SearchKey, Session};

/// How often a waiting watcher looks at the stop flag.
const TICK: Duration = Duration::from_millis(250);
const FIRST_BACKOFF: Duration = Duration::from_millis(500);
const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// One watched mailbox.
pub struct Watch<'a> {
    pub ctx: &'a Context,
    /// Decoded name (events carry it).
    pub mailbox: MailboxName,
    pub events: Sender<Note>,
    pub stop: &'a AtomicBool,
    /// When to end and restart IDLE (servers drop it after 30 minutes);
    /// also how long a silent IDLE is trusted.
    pub refresh: Duration,
    /// NOOP interval for servers without IDLE.
    pub poll: Duration,
    uidvalidity: Option<u32>,
    next_uid: Option<u32>,
    /// UID of each message by sequence number (index + 1).
    uids: Vec<u32>,
}

impl<'a> Watch<'a> {
    /// A watcher for `mailbox`.
    pub fn new(
        ctx: &'a Context,
        mailbox: MailboxName,
        events: Sender<Note>,
        stop: &'a AtomicBool,
        refresh: Duration,
        poll: Duration,
    ) -> Watch<'a> {
        Watch { ctx, mailbox, events, stop, refresh, poll, uidvalidity: None, next_uid: None, uids: Vec::new() }
    }

    fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    /// Sleeps up to `d`, waking early when asked to stop.
    fn nap(&self, d: Duration) {
        let end = Instant::now() + d;
        while !self.stopped() && Instant::now() < end {
            std::thread::sleep(TICK.min(end.saturating_duration_since(Instant::now())));
        }
    }

    /// Watches until stopped; returns an error only for what retrying
    /// cannot fix (bad password, missing mailbox, untrusted certificate).
    pub fn run(&mut self) -> Result<()> {
        let mut backoff = FIRST_BACKOFF;
        let mut attempt: u64 = 0;
        while !self.stopped() {
            let mut connected = false;
            match self.session(&mut connected) {
                Ok(()) => return Ok(()),
                Err(err) if is_fatal(&err) => return Err(err.context(format!("mailbox \"{}\"", self.mailbox))),
                Err(err) => {
                    if connected {
                        backoff = FIRST_BACKOFF;
                    }
                    attempt += 1;
                    let wait = jitter(backoff, attempt);
                    log::info!("mailbox \"{}\": {err}; reconnecting in {:.1} s", self.mailbox, wait.as_secs_f64());
                    let away = Phase::Away { reason: err.to_string(), retry_in: wait };
                    self.tell(away);
                    self.nap(wait);
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                }
            }
        }
        Ok(())
    }

    /// One connection's life: sync, then IDLE (or poll) until stopped or
    /// the connection fails.
    fn session(&mut self, connected: &mut bool) -> Result<()> {
        let label = format!("idle:{}", self.mailbox);
        let mut session = self.ctx.dedicated_imap(&label)?;
        self.sync(&mut session)?;
        *connected = true;
        let idle = session.capabilities().supports(Capability::Idle);
        let how = if idle { Capability::Idle.name() } else { "polling" };
        // Said once the server has agreed to IDLE, so "watching" is true
        // when it is read.
        let mut announced = false;
        while !self.stopped() {
            let mut new_mail = false;
            if idle {
                let idling = session.idle_start()?;
                self.announce(how, &mut announced);
                let started = Instant::now();
                while !self.stopped() && !new_mail && started.elapsed() < self.refresh {
                    if let Some(data) = session.idle_next(TICK)? {
                        self.handle(data, &mut new_mail);
                    }
                }
                session.idle_done(idling, &mut |data| {
                    self.handle(data, &mut new_mail);
                    Ok(())
                })?;
            } else {
                self.announce(how, &mut announced);
                self.nap(self.poll);
                session.poll(&mut |data| {
                    self.handle(data, &mut new_mail);
                    Ok(())
                })?;
            }
            if new_mail {
                self.report_new(&mut session)?;
            }
        }
        session.logout();
        Ok(())
    }

    /// After (re)connecting: EXAMINE, learn UIDs, report what arrived
    /// while we were away.
    fn sync(&mut self, session: &mut Session) -> Result<()> {
        let selected = session.examine(&self.mailbox, false)?.clone();
        let validity = selected.uidvalidity.ok_or_else(|| Error::protocol("no UIDVALIDITY for the mailbox"))?;
        self.uids = session.uid_search(&Search::new(vec![SearchKey::All]))?.iter().collect();
        let server_next = selected.uidnext.unwrap_or_else(|| self.uids.last().map_or(1, |u| u + 1));
        match self.uidvalidity {
            Some(old) if old == validity => self.report_new(session)?,
            Some(old) => {
                log::warn!(
                    "mailbox \"{}\": UIDVALIDITY changed ({old} -> {validity}); reporting only mail that arrives from now on",
                    self.mailbox
                );
                self.next_uid = Some(server_next);
            }
            None => self.next_uid = Some(server_next),
        }
        self.uidvalidity = Some(validity);
        Ok(())
    }

    /// Fetches and reports every message at or above `next_uid`.
    fn report_new(&mut self, session: &mut Session) -> Result<()> {
        let next = self.next_uid.unwrap_or(1);
        let mut rows = Vec::new();
        // `n:*` also answers with the last message when n is above every
        // UID, hence the filter.
        session.uid_fetch(&[MessageSet::from(next)], Items::summary(), None, &mut |fetch| {
            if let Some(row) = message_row(&self.mailbox, fetch).filter(|r| r.uid >= next) {
                rows.push(row);
            }
            Ok(())
        })?;
        rows.sort_by_key(|r| r.uid);
        for row in rows {
            if !self.uids.contains(&row.uid) {
                self.uids.push(row.uid);
            }
            self.next_uid = Some(row.uid + 1);
            self.emit(Event::new_message(&self.ctx.account.name, row));
        }
        Ok(())
    }

    fn handle(&mut self, data: Data, new_mail: &mut bool) {
        match data {
            Data::Exists(n) if n as usize > self.uids.len() => *new_mail = true,
            Data::Expunge(seq) => {
                let i = seq as usize;
                if i >= 1 && i <= self.uids.len() {
                    let uid = self.uids.remove(i - 1);
                    self.emit(Event::simple("expunge", &self.ctx.account.name, self.mailbox.as_str(), uid));
                }
            }
            Data::Vanished { earlier: false, uids } => {
                for uid in uids.into_iter().flatten() {
                    self.uids.retain(|u| *u != uid);
                    self.emit(Event::simple("expunge", &self.ctx.account.name, self.mailbox.as_str(), uid));
                }
            }
            Data::Fetch(fetch) if fetch.body.is_none() => {
                let uid = fetch.uid.or_else(|| self.uids.get((fetch.seq as usize).wrapping_sub(1)).copied());
                if let (Some(uid), Some(flags)) = (uid, fetch.flags) {
                    let mut event = Event::simple("flags", &self.ctx.account.name, self.mailbox.as_str(), uid);
                    event.flags = Some(flags);
                    self.emit(event);
                }
            }
            _ => {}
        }
    }

    fn emit(&self, event: Event) {
        let _ = self.events.send(Note::Event(event));
    }

    fn tell(&self, phase: Phase) {
        let _ = self.events.send(Note::State(WatchState::new(vec![self.mailbox.to_string()], phase)));
    }

    /// Says once per connection that the mailbox is watched.
    fn announce(&self, how: &'static str, announced: &mut bool) {
        if !std::mem::replace(announced, true) {
            log::info!("mailbox \"{}\": watching ({how})", self.mailbox);
            self.tell(Phase::Watching { how });
        }
    }
}

/// `base` stretched by up to a quarter, differently per attempt and
/// process, so many clients do not reconnect in step.
fn jitter(base: Duration, attempt: u64) -> Duration {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(attempt);
    let quarter = base.as_millis() as u64 / 4;
    base + Duration::from_millis(h.finish() % (quarter + 1))
}

/// Whether a watcher's failure is one that retrying cannot fix (a bad
/// password, a missing mailbox, an untrusted certificate), so `owl idle`
/// stops instead of reconnecting for ever.
pub(super) fn is_fatal(err: &Error) -> bool {
    use crate::error::ErrorKind;
    matches!(
        err.kind(),
        ErrorKind::Auth
            | ErrorKind::Config
            | ErrorKind::Tls
            | ErrorKind::Rejected
            | ErrorKind::Usage
            | ErrorKind::NoInput
    )
}
