//! `owl idle`: watch mailboxes and report each change as it happens.
//!
//! Where the server offers NOTIFY, one connection watches every mailbox
//! ([`notify`]); otherwise one watcher thread per mailbox runs IDLE
//! ([`watch`]). Either sends [`Event`]s to this module's dispatcher, which hands them to the output (one line each, or
//! one JSON object per line), to `--exec` hooks ([`hooks`]) and, with
//! `--fetch`, to a backup thread. It ends when asked: SIGINT or SIGTERM,
//! `--once` after the first new message, or `--timeout`.

pub mod event;
pub mod hooks;
pub mod notify;
pub mod watch;

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{RecvTimeoutError, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use self::event::Note;
pub use self::event::{Event, Phase, WatchState};
use self::hooks::{Hook, Hooks};
use self::watch::Watch;
use super::context::Context;
use crate::error::{Error, Result};
use crate::imap::Capability;

/// Receives events as they happen (the output layer prints them).
pub trait EventSink: Sync {
    /// One event; called from the dispatcher thread only.
    fn event(&self, event: &Event) -> Result<()>;

    /// How watching goes (watching, or away and retrying); called from the
    /// dispatcher thread only.
    fn state(&self, _state: &WatchState) -> Result<()> {
        Ok(())
    }
}

/// What to watch and what to do.
#[derive(Debug, Clone)]
pub struct IdleArgs {
    /// Mailboxes (default INBOX).
    pub mailboxes: Vec<String>,
    /// Every selectable mailbox.
    pub all: bool,
    /// Run this for each event.
    pub hook: Option<Hook>,
    /// Back each new message up with owl fetch.
    pub fetch: bool,
    /// Exit after the first new message.
    pub once: bool,
    /// Exit after this long.
    pub timeout: Option<Duration>,
    /// Raised to stop (signals).
    pub stop: Arc<AtomicBool>,
}

/// Runs `owl idle` until stopped.
pub fn run(ctx: &Context, args: &IdleArgs, sink: &dyn EventSink) -> Result<()> {
    let settings =
        ctx.account.imap.clone().ok_or_else(|| Error::config(format!("{} has no IMAP section", ctx.label())))?;
    let mailboxes = super::mailboxes::chosen(ctx, args.all, &args.mailboxes)?;
    let stop = &*args.stop;
    let deadline = args.timeout.map(|t| Instant::now() + t);
    let (events, incoming) = channel::<Note>();
    let (to_fetch, fetch_queue) = channel::<String>();
    let failure: Mutex<Option<Error>> = Mutex::new(None);

    // One connection for every mailbox where the server has NOTIFY.
    let notify = ctx.imap()?.get()?.capabilities().supports(Capability::Notify);
    std::thread::scope(|scope| -> Result<()> {
        let mut watchers = Vec::new();
        if notify {
            let events = events.clone();
            let failure = &failure;
            let watched = mailboxes.clone();
            let refresh = settings.idle_refresh;
            watchers.push(scope.spawn(move || {
                let mut watch = notify::NotifyWatch::new(ctx, watched, events, stop, refresh);
                if let Err(err) = watch.run() {
                    failure.lock().unwrap_or_else(|e| e.into_inner()).get_or_insert(err);
                    stop.store(true, Ordering::Relaxed);
                }
            }));
        }
        for mailbox in mailboxes.iter().filter(|_| !notify) {
            let events = events.clone();
            let failure = &failure;
            let (refresh, poll) = (settings.idle_refresh, settings.poll_interval);
            watchers.push(scope.spawn(move || {
                let mut watch = Watch::new(ctx, mailbox.clone(), events, stop, refresh, poll);
                if let Err(err) = watch.run() {
                    failure.lock().unwrap_or_else(|e| e.into_inner()).get_or_insert(err);
                    stop.store(true, Ordering::Relaxed);
                }
            }));
        }
        drop(events);
        let fetcher = args.fetch.then(|| scope.spawn(move || backup(ctx, fetch_queue)));
        let mut hooks = args.hook.clone().map(Hooks::new);
        let mut result = Ok(());
        let mut first = FirstWatch::new(mailboxes.len(), notify);
        loop {
            if deadline.is_some_and(|d| Instant::now() >= d) {
                stop.store(true, Ordering::Relaxed);
            }
            match incoming.recv_timeout(Duration::from_millis(200)) {
                Ok(Note::State(state)) => {
                    if let Some(state) = first.merge(state)
                        && let Err(err) = sink.state(&state)
                    {
                        result = Err(err);
                        stop.store(true, Ordering::Relaxed);
                    }
                }
                Ok(Note::Event(event)) => {
                    if let Err(err) = sink.event(&event) {
                        result = Err(err);
                        stop.store(true, Ordering::Relaxed);
                    }
                    if let Some(hooks) = hooks.as_mut() {
                        hooks.dispatch(&event);
                    }
                    if args.fetch && event.event == "new" {
                        let _ = to_fetch.send(event.mailbox.clone());
                    }
                    if args.once && event.event == "new" {
                        stop.store(true, Ordering::Relaxed);
                    }
                }
                Err(RecvTimeoutError::Timeout) => {}
                // Every watcher has finished.
                Err(RecvTimeoutError::Disconnected) => break,
            }
        }
        for watcher in watchers {
            let _ = watcher.join();
        }
        drop(to_fetch);
        if let Some(fetcher) = fetcher {
            let _ = fetcher.join();
        }
        if let Some(hooks) = hooks {
            hooks.finish();
        }
        result
    })?;
    match failure.into_inner().unwrap_or_else(|e| e.into_inner()) {
        Some(err) => Err(err),
        None => Ok(()),
    }
}

/// Gathers the first "watching" of every watcher into one state, so a
/// person sees one line for the whole start; later states pass as they come.
struct FirstWatch {
    waiting: usize,
    seen: Vec<String>,
    how: &'static str,
}

impl FirstWatch {
    fn new(watchers: usize, one_connection: bool) -> FirstWatch {
        FirstWatch { waiting: if one_connection { 1 } else { watchers }, seen: Vec::new(), how: "" }
    }

    fn merge(&mut self, state: WatchState) -> Option<WatchState> {
        let Phase::Watching { how } = state.phase else { return Some(state) };
        if self.waiting == 0 {
            return Some(state);
        }
        self.waiting -= 1;
        self.seen.extend(state.mailboxes);
        // One server: every watcher watches the same way.
        self.how = how;
        (self.waiting == 0).then(|| WatchState {
            mailboxes: std::mem::take(&mut self.seen),
            phase: Phase::Watching { how: self.how },
            at: state.at,
        })
    }
}

/// `--fetch`: backs up the mailboxes named in the queue, coalescing
/// requests that pile up while a fetch runs.
fn backup(ctx: &Context, queue: std::sync::mpsc::Receiver<String>) {
    while let Ok(first) = queue.recv() {
        let mut pending: BTreeSet<String> = BTreeSet::from([first]);
        while let Ok(more) = queue.try_recv() {
            pending.insert(more);
        }
        let args =
            super::fetch::FetchArgs { mailboxes: pending.into_iter().collect(), wait: true, ..Default::default() };
        match super::fetch::run(ctx, &args, &super::fetch::observer::Silent) {
            Ok(summary) => {
                if let Some((_, message)) = summary.failure() {
                    log::warn!("--fetch: {message}");
                }
            }
            Err(err) => log::warn!("--fetch: {err}"),
        }
    }
}
