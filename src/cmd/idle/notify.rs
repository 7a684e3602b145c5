//! Watching many mailboxes over one connection with NOTIFY (RFC 5465),
//! where the server offers it (Dovecot does).
//!
//! One connection sits in IDLE after `NOTIFY SET STATUS`: any new
//! message, expunge or flag change in a watched mailbox arrives as a
//! STATUS response for it. A second connection then brings that mailbox up
//! to date: new UIDs are fetched and reported, UIDs that vanished are
//! reported expunged, and with CONDSTORE the flags changed since the last
//! HIGHESTMODSEQ are reported. The same bookkeeping as [`super::watch`]
//! makes every message reported once, across reconnects too.

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::time::{Duration, Instant};

use super::event::{Event, Note, Phase, WatchState};
use super::watch::is_fatal;
use crate::cmd::context::Context;
use crate::cmd::mailboxes::message_row;
use crate::error::{Error, Result};
use crate::imap::{Capability, Data, Items, MailboxName, MessageSet, Search, SearchKey, Session};

const TICK: Duration = Duration::from_millis(250);
const FIRST_BACKOFF: Duration = Duration::from_millis(500);
const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// What we know of one watched mailbox.
#[derive(Debug, Default)]
struct Known {
    uidvalidity: Option<u32>,
    /// The first UID not reported yet.
    next_uid: u32,
    uids: BTreeSet<u32>,
    modseq: Option<u64>,
}

/// Watches `mailboxes` over NOTIFY.
pub struct NotifyWatch<'a> {
    pub ctx: &'a Context,
    pub mailboxes: Vec<MailboxName>,
    pub events: Sender<Note>,
    pub stop: &'a AtomicBool,
    pub refresh: Duration,
    known: HashMap<MailboxName, Known>,
}

impl<'a> NotifyWatch<'a> {
    /// A watcher for `mailboxes`.
    pub fn new(
        ctx: &'a Context,
        mailboxes: Vec<MailboxName>,
        events: Sender<Note>,
        stop: &'a AtomicBool,
        refresh: Duration,
    ) -> NotifyWatch<'a> {
        NotifyWatch { ctx, mailboxes, events, stop, refresh, known: HashMap::new() }
    }

    fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    /// Watches until stopped; errors only for what retrying cannot fix.
    pub fn run(&mut self) -> Result<()> {
        let mut backoff = FIRST_BACKOFF;
        while !self.stopped() {
            let mut connected = false;
            match self.session(&mut connected) {
                Ok(()) => return Ok(()),
                Err(err) if is_fatal(&err) => return Err(err),
                Err(err) => {
                    if connected {
                        backoff = FIRST_BACKOFF;
                    }
                    log::info!("notify: {err}; reconnecting in {:.1} s", backoff.as_secs_f64());
                    self.tell(Phase::Away { reason: err.to_string(), retry_in: backoff });
                    let end = Instant::now() + backoff;
                    while !self.stopped() && Instant::now() < end {
                        std::thread::sleep(TICK);
                    }
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                }
            }
        }
        Ok(())
    }

    fn session(&mut self, connected: &mut bool) -> Result<()> {
        let mut watcher = self.ctx.dedicated_imap("notify")?;
        let mut worker = self.ctx.dedicated_imap("notify-sync")?;
        // Register first, then sync: a change in between is announced on
        // the watcher and handled in IDLE; the answer's STATUS responses
        // only repeat what the sync sees.
        watcher.notify_mailboxes(&self.mailboxes, &mut |_| Ok(()))?;
        for name in self.mailboxes.clone() {
            self.sync(&mut worker, &name).map_err(|e| e.context(format!("mailbox \"{name}\"")))?;
        }
        *connected = true;
        for name in &self.mailboxes {
            log::info!("mailbox \"{name}\": watching (NOTIFY)");
        }
        self.tell(Phase::Watching { how: Capability::Notify.name() });
        while !self.stopped() {
            let idling = watcher.idle_start()?;
            let started = Instant::now();
            let mut dirty: BTreeSet<MailboxName> = BTreeSet::new();
            while !self.stopped() && started.elapsed() < self.refresh {
                if let Some(Data::Status(status)) = watcher.idle_next(TICK)? {
                    dirty.insert(status.mailbox);
                }
                // Bring changed mailboxes up to date while IDLE goes on: the
                // other connection does the work.
                for changed in std::mem::take(&mut dirty) {
                    if let Some(name) = self.mailboxes.iter().find(|m| m.same(&changed)).cloned() {
                        self.sync(&mut worker, &name).map_err(|e| e.context(format!("mailbox \"{name}\"")))?;
                    }
                }
            }
            watcher.idle_done(idling, &mut |_| Ok(()))?;
        }
        watcher.logout();
        worker.logout();
        Ok(())
    }

    /// Brings `name` up to date, reporting what changed since last time.
    fn sync(&mut self, session: &mut Session, mailbox: &MailboxName) -> Result<()> {
        let selected = session.examine(mailbox, true)?.clone();
        let validity = selected.uidvalidity.ok_or_else(|| Error::protocol("no UIDVALIDITY for the mailbox"))?;
        let now: BTreeSet<u32> = session.uid_search(&Search::new(vec![SearchKey::All]))?.iter().collect();
        let account = self.ctx.account.name.clone();
        let name = mailbox.as_str();
        let known = self.known.entry(mailbox.clone()).or_default();
        let first = known.uidvalidity.is_none();
        if known.uidvalidity != Some(validity) {
            if !first {
                log::warn!("mailbox \"{name}\": UIDVALIDITY changed; reporting only mail that arrives from now on");
            }
            known.uidvalidity = Some(validity);
            known.next_uid = selected.uidnext.unwrap_or_else(|| now.last().map_or(1, |u| u + 1));
            known.uids = now;
            known.modseq = selected.highestmodseq;
            return Ok(());
        }
        let mut events = Vec::new();
        for uid in known.uids.difference(&now) {
            events.push(Event::simple("expunge", &account, name, *uid));
        }
        let old_modseq = known.modseq;
        let kept: Vec<u32> = known.uids.intersection(&now).copied().collect();
        let next = known.next_uid;
        let fresh: Vec<u32> = now.iter().copied().filter(|u| *u >= next).collect();
        if let (Some(modseq), Some(new_modseq)) = (old_modseq, selected.highestmodseq)
            && new_modseq > modseq
            && !kept.is_empty()
        {
            session.uid_fetch_changed_since(&MessageSet::of(&kept), Items::flags(), modseq, &mut |fetch| {
                if let (Some(uid), Some(flags)) = (fetch.uid, fetch.flags) {
                    let mut event = Event::simple("flags", &account, name, uid);
                    event.flags = Some(flags);
                    events.push(event);
                }
                Ok(())
            })?;
        }
        let mut rows = Vec::new();
        if !fresh.is_empty() {
            session.uid_fetch(&[MessageSet::of(&fresh)], Items::summary(), None, &mut |fetch| {
                if let Some(row) = message_row(mailbox, fetch).filter(|r| r.uid >= next) {
                    rows.push(row);
                }
                Ok(())
            })?;
        }
        rows.sort_by_key(|r| r.uid);
        let known = self.known.get_mut(mailbox).ok_or_else(|| Error::internal("mailbox state lost"))?;
        for row in rows {
            known.next_uid = known.next_uid.max(row.uid + 1);
            events.push(Event::new_message(&account, row));
        }
        known.uids = now;
        known.modseq = selected.highestmodseq.or(known.modseq);
        for event in events {
            let _ = self.events.send(Note::Event(event));
        }
        Ok(())
    }

    fn tell(&self, phase: Phase) {
        let names = self.mailboxes.iter().map(ToString::to_string).collect();
        let _ = self.events.send(Note::State(WatchState::new(names, phase)));
    }
}
