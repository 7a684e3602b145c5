//! `owl fetch`: incremental, resumable backup into Maildir or mbox.
//!
//! 1. Lock the store (a second run waits or exits 75 naming the holder).
//! 2. LIST, then STATUS every mailbox over the pool; a mailbox whose
//!    UIDVALIDITY and UIDNEXT match the state is up to date: no SELECT,
//!    no FETCH ([`plan`]).
//! 3. Survey the others in parallel: EXAMINE, UID SEARCH, sizes of what is
//!    missing; a changed UIDVALIDITY keeps the old copies and starts over.
//! 4. With CONDSTORE, bring the flags of stored messages in step where the
//!    mailbox's HIGHESTMODSEQ moved ([`flags`]).
//! 5. Download in UID-range chunks over every pooled connection
//!    ([`download`]) while one thread writes and commits in batches
//!    ([`writer`]).
//! 6. Record UIDNEXT only for mailboxes fetched completely and unfiltered,
//!    so a filtered or interrupted run never hides mail from the next.

pub mod download;
pub mod flags;
pub mod observer;
pub mod plan;
pub mod pop3;
pub mod select;
pub mod writer;

use std::collections::HashMap;
use std::sync::atomic::AtomicBool;
use std::sync::{Mutex, mpsc};
use std::time::Instant;

use serde::Serialize;

use self::download::{Queue, Source};
use self::flags::FlagCheck;
use self::observer::{Observer, Planned};
use self::plan::{Filters, Known, Survey};
use self::select::Target;
use super::context::Context;
use super::list::{Spread, status_over_pool};
use crate::error::{Error, ErrorKind, Result};
use crate::imap::{MailboxStatus, Session};
use crate::net::pool::Pool;
use crate::store::{MailboxStore, Store, StoreSpec};

/// What to back up, and how.
#[derive(Debug, Clone, Default)]
pub struct FetchArgs {
    /// Mailboxes named on the command line.
    pub mailboxes: Vec<String>,
    /// `maildir:PATH` or `mbox:PATH`; else the account's `fetch.into`.
    pub into: Option<String>,
    /// Patterns of mailboxes to leave out.
    pub exclude: Vec<String>,
    /// Filters that leave messages out of this run.
    pub filters: Filters,
    /// Plan only; download nothing.
    pub dry_run: bool,
    /// Wait for another run's lock instead of failing.
    pub wait: bool,
}

/// One mailbox in the summary (part of the `--json` schema).
#[derive(Debug, Clone, Default, Serialize)]
pub struct MailboxSummary {
    /// Decoded mailbox name.
    pub name: String,
    /// Messages stored this run (with `--dry-run`: that would be).
    pub new: u64,
    /// Their bytes.
    pub bytes: u64,
    /// Messages left out by `--since`, `--max-size` or `--limit`.
    pub skipped: u64,
    /// Stored messages whose flags changed on the server and were updated
    /// (Maildir, with CONDSTORE).
    pub flags_updated: u64,
    /// Whether the server's UIDVALIDITY changed, so the mailbox was
    /// fetched again (old copies kept).
    pub uidvalidity_reset: bool,
    /// What opening the local mailbox repaired after an interrupted run.
    pub recovered: Option<String>,
    /// Why this mailbox failed, if it did.
    pub error: Option<String>,
    /// Messages the server would not give (the rest of the mailbox was
    /// backed up); they are tried again by the next run.
    pub failed_messages: Vec<FailedMessage>,
    #[serde(skip)]
    pub error_kind: Option<ErrorKind>,
}

/// A message that could not be backed up.
#[derive(Debug, Clone, Serialize)]
pub struct FailedMessage {
    /// Its UID.
    pub uid: u32,
    /// Why, in one line.
    pub error: String,
    #[serde(skip)]
    pub kind: ErrorKind,
}

/// Totals over every mailbox.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Totals {
    /// Messages stored.
    pub new: u64,
    /// Their bytes.
    pub bytes: u64,
    /// Messages skipped by filters.
    pub skipped: u64,
    /// Stored messages whose flags were updated.
    pub flags_updated: u64,
    /// Mailboxes whose UIDVALIDITY changed.
    pub uidvalidity_resets: u64,
    /// Mailboxes that failed.
    pub failed: u64,
    /// Messages that could not be backed up, in mailboxes that did not
    /// fail as a whole.
    pub failed_messages: u64,
}

/// Bytes on the wire for the whole run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Wire {
    /// Bytes received from the network (compressed, encrypted).
    pub received: u64,
    /// Bytes sent.
    pub sent: u64,
    /// IMAP bytes received, after decryption and decompression.
    pub protocol_received: u64,
    /// Received wire bytes per protocol byte: 0.55 means compression
    /// saved 45%; slightly above 1 means TLS overhead only.
    pub ratio: f64,
    /// Whether COMPRESS=DEFLATE was on.
    pub compressed: bool,
}

/// The result of `owl fetch` (its `--json` schema).
#[derive(Debug, Clone, Default, Serialize)]
pub struct FetchSummary {
    /// The account.
    pub account: String,
    /// The store, as `maildir:PATH` or `mbox:PATH`.
    pub store: String,
    /// Whether this was a dry run.
    pub dry_run: bool,
    /// Per mailbox, in the order fetched.
    pub mailboxes: Vec<MailboxSummary>,
    /// Totals.
    pub total: Totals,
    /// Network use.
    pub wire: Wire,
    /// Wall time in seconds.
    pub duration_secs: f64,
}

impl FetchSummary {
    /// The first failed mailbox's error kind, for the exit code; else the
    /// first message that could not be backed up: nothing is skipped
    /// silently.
    pub fn failure(&self) -> Option<(ErrorKind, String)> {
        let whole = self
            .mailboxes
            .iter()
            .find_map(|m| Some((m.error_kind?, format!("mailbox \"{}\": {}", m.name, m.error.clone()?))));
        whole.or_else(|| {
            self.mailboxes.iter().find_map(|m| {
                let first = m.failed_messages.first()?;
                let uids: Vec<String> = m.failed_messages.iter().take(10).map(|f| f.uid.to_string()).collect();
                Some((
                    first.kind,
                    format!(
                        "mailbox \"{}\": {} message(s) could not be backed up (UID {}{}): {}",
                        m.name,
                        m.failed_messages.len(),
                        uids.join(", "),
                        if m.failed_messages.len() > 10 { ", ..." } else { "" },
                        first.error
                    ),
                ))
            })
        })
    }
}

/// The store a fetch writes to: `--into`, else the account's `fetch.into`.
pub fn store_spec(ctx: &Context, into: Option<&str>) -> Result<StoreSpec> {
    let text = into.or(ctx.account.fetch.into.as_deref()).ok_or_else(|| {
        Error::usage(format!(
            "no store to fetch into: give --into maildir:PATH (or mbox:PATH), or set into in [accounts.{}.fetch]",
            ctx.account.name
        ))
    })?;
    StoreSpec::parse(text)
}

/// Runs `owl fetch`.
pub fn run(ctx: &Context, args: &FetchArgs, observer: &dyn Observer) -> Result<FetchSummary> {
    let started = Instant::now();
    let spec = store_spec(ctx, args.into.as_deref())?;
    let store = Store::open(&spec)?;
    let lock = store.lock(args.wait)?;
    let pool = ctx.imap()?;

    let (entries, caps) = super::list::list_mailboxes(ctx)?;
    let wanted = if args.mailboxes.is_empty() { &ctx.account.fetch.mailboxes } else { &args.mailboxes };
    let mut exclude = ctx.account.fetch.exclude.clone();
    exclude.extend(args.exclude.iter().cloned());
    let targets = select::targets(&entries, wanted, &exclude)?;

    let mut summaries: Vec<MailboxSummary> =
        targets.iter().map(|t| MailboxSummary { name: t.name.clone(), ..MailboxSummary::default() }).collect();
    let mut stores: Vec<Option<MailboxStore>> = Vec::with_capacity(targets.len());
    for (target, summary) in targets.iter().zip(summaries.iter_mut()) {
        match store.mailbox(&lock, &target.name, target.delimiter) {
            Ok(mailbox) => {
                summary.recovered = describe_recovery(&mailbox);
                stores.push(Some(mailbox));
            }
            Err(err) => {
                record_error(summary, err);
                stores.push(None);
            }
        }
    }

    // Cheap first pass: STATUS says which mailboxes changed at all.
    let mut items = "UIDNEXT UIDVALIDITY".to_string();
    if caps.has("CONDSTORE") {
        items.push_str(" HIGHESTMODSEQ");
    }
    let wire_names: Vec<String> = targets.iter().map(|t| t.wire.clone()).collect();
    let statuses = status_over_pool(ctx, &wire_names, &items, Spread::OpenOnly)?;
    let filtered = args.filters.any();
    let mut changed: Vec<usize> = Vec::new();
    for (i, target) in targets.iter().enumerate() {
        let Some(mailbox) = stores[i].as_ref() else { continue };
        let state = mailbox.state();
        let status = statuses.get(&target.wire);
        let same = status.is_some_and(|s| {
            s.uidvalidity.is_some() && s.uidvalidity == state.uidvalidity && s.uidnext == Some(state.uidnext)
        });
        if !same || filtered {
            changed.push(i);
        }
    }

    // Survey what changed, in parallel.
    let changed_targets: Vec<&Target> = changed.iter().map(|&i| &targets[i]).collect();
    let known: Vec<Known> = changed
        .iter()
        .filter_map(|&i| stores[i].as_ref())
        .map(|m| Known { uidvalidity: m.state().uidvalidity, stored: m.state().stored.clone() })
        .collect();
    let surveys = plan::survey_all(pool, &changed_targets, &known, &args.filters)?;
    let mut plans: Vec<Option<Survey>> = (0..targets.len()).map(|_| None).collect();
    for (&i, survey) in changed.iter().zip(surveys) {
        match survey {
            Ok(mut survey) => {
                if let Some(mailbox) = stores[i].as_mut()
                    && let Err(err) = adopt_uidvalidity(mailbox, &mut survey, &mut summaries[i], args.dry_run)
                {
                    record_error(&mut summaries[i], err);
                    continue;
                }
                summaries[i].skipped = survey.skipped;
                plans[i] = Some(survey);
            }
            Err(err) => record_error(&mut summaries[i], err),
        }
    }

    if !args.dry_run {
        sync_flags(pool, &targets, &mut stores, &plans, &statuses, &mut summaries)?;
    }

    if args.dry_run {
        for (summary, plan) in summaries.iter_mut().zip(&plans) {
            if let Some(plan) = plan {
                summary.new = plan.missing.len() as u64;
                summary.bytes = plan.missing.iter().map(|(_, s)| u64::from(*s)).sum();
            }
        }
        return Ok(finish(ctx, &spec, true, summaries, started));
    }

    download_all(ctx, &targets, &mut stores, &plans, &mut summaries, observer)?;

    // Remember UIDNEXT only where everything up to it is stored.
    for i in 0..targets.len() {
        let (Some(mailbox), Some(plan)) = (stores[i].as_mut(), plans[i].as_ref()) else { continue };
        let summary = &summaries[i];
        let complete = summary.error.is_none() && !filtered && summary.new == plan.missing.len() as u64;
        if complete {
            mailbox.set_server_marks(plan.uidnext, plan.highestmodseq);
            if let Err(err) = mailbox.save_state() {
                record_error(&mut summaries[i], err);
            }
        }
    }
    drop(lock);
    Ok(finish(ctx, &spec, false, summaries, started))
}

/// Brings the flags of stored messages in step where the server's
/// HIGHESTMODSEQ moved, and records the mod-sequence they are now in step
/// with: the one seen before asking, so a change made meanwhile is seen by
/// the next run.
fn sync_flags(
    pool: &Pool<Session>,
    targets: &[Target],
    stores: &mut [Option<MailboxStore>],
    plans: &[Option<Survey>],
    statuses: &HashMap<String, MailboxStatus>,
    summaries: &mut [MailboxSummary],
) -> Result<()> {
    let mut checks: Vec<FlagCheck> = Vec::new();
    let mut marks: Vec<(usize, Option<u64>)> = Vec::new();
    for (i, target) in targets.iter().enumerate() {
        let Some(mailbox) = stores[i].as_ref().filter(|m| m.keeps_flags()) else { continue };
        let state = mailbox.state();
        let Some(uidvalidity) = state.uidvalidity.filter(|_| summaries[i].error.is_none()) else { continue };
        let now = match &plans[i] {
            Some(plan) => plan.highestmodseq,
            None => statuses.get(&target.wire).and_then(|s| s.highestmodseq),
        };
        if flags::needs_check(state.highestmodseq, now, !state.stored.is_empty()) {
            checks.push(FlagCheck { target, uidvalidity, since: state.highestmodseq });
            marks.push((i, now));
        }
    }
    if checks.is_empty() {
        return Ok(());
    }
    let results = flags::changes_all(pool, &checks)?;
    for ((i, now), result) in marks.into_iter().zip(results) {
        let Some(mailbox) = stores[i].as_mut() else { continue };
        let updated = result.and_then(|changes| mailbox.set_flags(&changes)).and_then(|n| {
            mailbox.set_highestmodseq(now);
            mailbox.save_state().map(|()| n)
        });
        match updated {
            Ok(n) => summaries[i].flags_updated = n as u64,
            Err(err) => record_error(&mut summaries[i], err),
        }
    }
    Ok(())
}

/// Applies the server's UIDVALIDITY to the local mailbox: first sight
/// sets it, a change keeps the old copies and starts afresh.
fn adopt_uidvalidity(
    mailbox: &mut MailboxStore,
    survey: &mut Survey,
    summary: &mut MailboxSummary,
    dry_run: bool,
) -> Result<()> {
    let old = mailbox.state().uidvalidity;
    if old == Some(survey.uidvalidity) {
        return Ok(());
    }
    if let Some(old) = old {
        summary.uidvalidity_reset = true;
        log::warn!(
            "mailbox \"{}\": UIDVALIDITY changed ({old} -> {}); the old copies are kept and the mailbox is fetched again",
            summary.name,
            survey.uidvalidity
        );
    }
    if dry_run {
        return Ok(());
    }
    mailbox.reset_uidvalidity(survey.uidvalidity)?;
    // Files of an interrupted earlier run may already carry the new value.
    let stored = mailbox.state().stored.clone();
    survey.missing.retain(|(uid, _)| !stored.contains(*uid));
    Ok(())
}

fn download_all(
    ctx: &Context,
    targets: &[Target],
    stores: &mut [Option<MailboxStore>],
    plans: &[Option<Survey>],
    summaries: &mut [MailboxSummary],
    observer: &dyn Observer,
) -> Result<()> {
    // Only mailboxes with something to download take part.
    let active: Vec<usize> = (0..targets.len())
        .filter(|&i| stores[i].is_some() && plans[i].as_ref().is_some_and(|p| !p.missing.is_empty()))
        .collect();
    if active.is_empty() {
        observer.finished();
        return Ok(());
    }
    let mut active_stores: Vec<MailboxStore> =
        active.iter().map(|&i| stores[i].take().expect("active store")).collect();
    let sources: Vec<Source> = active
        .iter()
        .zip(&active_stores)
        .map(|(&i, store)| Source {
            name: targets[i].name.clone(),
            wire: targets[i].wire.clone(),
            uidvalidity: plans[i].as_ref().map_or(0, |p| p.uidvalidity),
            spooler: store.spooler(),
        })
        .collect();
    let missing: Vec<Vec<(u32, u32)>> =
        active.iter().map(|&i| plans[i].as_ref().map(|p| p.missing.clone()).unwrap_or_default()).collect();
    let planned: Vec<Planned> = active
        .iter()
        .zip(&missing)
        .map(|(&i, m)| Planned {
            name: targets[i].name.clone(),
            messages: m.len() as u64,
            bytes: m.iter().map(|(_, s)| u64::from(*s)).sum(),
        })
        .collect();
    observer.planned(&planned);

    let chunks = download::chunks(&missing);
    let chunk_count: usize = chunks.iter().map(|c| c.len()).sum();
    let queue = Queue::new(chunks);
    let failed: Vec<AtomicBool> = active.iter().map(|_| AtomicBool::new(false)).collect();
    let errors = Mutex::new(std::collections::HashMap::new());
    let refused: download::FailedMessages = Mutex::new(std::collections::HashMap::new());
    let pool = ctx.imap()?;
    let sessions = pool.get_many(chunk_count.min(pool.max()))?;
    let (to_writer, incoming) = mpsc::sync_channel(64);

    let shared =
        download::Shared { sources: &sources, queue: &queue, failed: &failed, errors: &errors, refused: &refused };
    let (written, worker_errors) = std::thread::scope(|scope| {
        let writer = scope.spawn(|| writer::run(incoming, &mut active_stores, &failed, observer));
        let workers: Vec<_> = sessions
            .into_iter()
            .map(|session| {
                let to_writer = to_writer.clone();
                let shared = &shared;
                scope.spawn(move || download::work(pool, session, shared, &to_writer))
            })
            .collect();
        drop(to_writer);
        let worker_errors: Vec<Error> = workers
            .into_iter()
            .filter_map(|w| w.join().unwrap_or_else(|_| Err(Error::internal("download worker panicked"))).err())
            .collect();
        let written = writer.join().unwrap_or_default();
        (written, worker_errors)
    });
    observer.finished();

    let mut errors = errors.into_inner().unwrap_or_else(|e| e.into_inner());
    let mut refused = refused.into_inner().unwrap_or_else(|e| e.into_inner());
    // A writer that panicked returns nothing: count nothing as stored.
    let written = written.into_iter().chain(std::iter::repeat_with(writer::Written::default));
    for (k, (&i, w)) in active.iter().zip(written).enumerate() {
        summaries[i].new = w.stored;
        summaries[i].bytes = w.bytes;
        if let Some(err) = errors.remove(&k).or(w.error) {
            record_error(&mut summaries[i], err);
        }
        let failed_messages = refused.remove(&k).unwrap_or_default();
        summaries[i].failed_messages = failed_messages
            .into_iter()
            .map(|(uid, err)| FailedMessage { uid, kind: err.kind(), error: err.to_string() })
            .collect();
        let expected = missing[k].len() as u64 - summaries[i].failed_messages.len() as u64;
        if summaries[i].error.is_none() && summaries[i].new < expected {
            // Every worker died before the queue was empty.
            if let Some(err) = worker_errors.first() {
                let left = expected - summaries[i].new;
                record_error(
                    &mut summaries[i],
                    Error::new(err.kind(), format!("{left} of {expected} messages not fetched: {err}")),
                );
            }
        }
    }
    for (k, store) in active_stores.into_iter().enumerate() {
        stores[active[k]] = Some(store);
    }
    Ok(())
}

pub(crate) fn record_error(summary: &mut MailboxSummary, err: Error) {
    if summary.error.is_none() {
        summary.error_kind = Some(err.kind());
        summary.error = Some(err.to_string());
    }
}

pub(crate) fn describe_recovery(mailbox: &MailboxStore) -> Option<String> {
    let r = mailbox.recovery();
    let mut parts = Vec::new();
    if let Some(why) = &r.rebuilt {
        parts.push(format!("state rebuilt from file names ({why})"));
    }
    if r.adopted > 0 {
        parts.push(format!("{} message(s) stored by an interrupted run adopted", r.adopted));
    }
    if r.removed_spools > 0 {
        parts.push(format!("{} unfinished download(s) removed", r.removed_spools));
    }
    if r.truncated > 0 {
        parts.push(format!("{} unrecorded byte(s) cut from the mbox end", r.truncated));
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}

fn finish(
    ctx: &Context,
    spec: &StoreSpec,
    dry_run: bool,
    mailboxes: Vec<MailboxSummary>,
    started: Instant,
) -> FetchSummary {
    let bytes = ctx.bytes();
    let mut total = Totals::default();
    for m in &mailboxes {
        total.new += m.new;
        total.bytes += m.bytes;
        total.skipped += m.skipped;
        total.flags_updated += m.flags_updated;
        total.uidvalidity_resets += u64::from(m.uidvalidity_reset);
        total.failed += u64::from(m.error.is_some());
        total.failed_messages += m.failed_messages.len() as u64;
    }
    let ratio = if bytes.protocol_in == 0 { 1.0 } else { bytes.wire_in as f64 / bytes.protocol_in as f64 };
    FetchSummary {
        account: ctx.account.name.clone(),
        store: spec.to_string(),
        dry_run,
        mailboxes,
        total,
        wire: Wire {
            received: bytes.wire_in,
            sent: bytes.wire_out,
            protocol_received: bytes.protocol_in,
            ratio: (ratio * 1000.0).round() / 1000.0,
            compressed: ctx.compressed(),
        },
        duration_secs: (started.elapsed().as_secs_f64() * 1000.0).round() / 1000.0,
    }
}
