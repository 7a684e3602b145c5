//! `owl fetch`: incremental, resumable backup into Maildir or mbox.
//!
//! 1. Lock the store (a second run waits or exits 75 naming the holder).
//! 2. LIST, then STATUS every mailbox over the pool, and read each one's
//!    small sync state without opening it: a mailbox whose UIDVALIDITY,
//!    UIDNEXT (and HIGHESTMODSEQ) match, with nothing to recover and no
//!    failed message due, is up to date: no directory read, no SELECT, no
//!    FETCH.
//! 3. Open the others and survey them in parallel: EXAMINE, sizes of the
//!    messages above the last complete run's UIDNEXT and of failed ones due
//!    again ([`plan`]); a changed UIDVALIDITY keeps the old copies and
//!    starts over.
//! 4. With CONDSTORE, bring the flags of stored messages in step where the
//!    mailbox's HIGHESTMODSEQ moved ([`flags`]).
//! 5. Download in UID-range chunks over every pooled connection
//!    ([`download`]) while one thread writes and commits in batches
//!    ([`writer`]).
//! 6. Record UIDNEXT only for mailboxes fetched completely and unfiltered,
//!    so a filtered or interrupted run never hides mail from the next. A
//!    message the server would not give counts as settled: it is recorded
//!    with its error and tried again after a back-off, so it neither
//!    blocks the watermark nor fails every later run.
//!
//! Each mailbox is one [`Job`] that carries it through every step: its
//! target, its local store, its plan, its status and its summary.

pub mod affinity;
pub mod download;
pub mod flags;
pub mod observer;
pub mod plan;
pub mod pop3;
pub mod select;
pub mod side_by_side;
pub mod summary;
pub mod writer;

use std::sync::atomic::AtomicBool;
use std::sync::{Mutex, mpsc};
use std::time::Instant;

use self::download::{Queue, Source};
use self::flags::FlagCheck;
use self::observer::{Observer, Planned};
use self::plan::{Filters, Known, Survey};
use self::select::Target;
use self::side_by_side::side_by_side;
pub use self::summary::{FailedMessage, FetchSummary, MailboxSummary, Totals, Wire};
use self::summary::{describe_recovery, finish, record_error};
use super::context::Context;
use super::mailboxes::{self, Spread};
use crate::error::{Error, Result};
use crate::imap::{MailboxName, MailboxStatus, Session, StatusItem};
use crate::net::pool::Pool;
use crate::store::{MailboxStore, Store, StoreKind, StoreLock, StoreSpec, SyncState, UidSet};

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

/// One mailbox on its way through a run.
struct Job {
    target: Target,
    /// Its sync state as last saved, read without opening the mailbox;
    /// `None` before its first run.
    known: Option<SyncState>,
    /// The local mailbox, opened only when the server or the state says
    /// there is work; `None` until then, when it could not be opened (the
    /// summary says why), or while the writer thread holds it.
    store: Option<MailboxStore>,
    /// What the server said in the first pass.
    status: Option<MailboxStatus>,
    /// What the survey found missing.
    plan: Option<Survey>,
    summary: MailboxSummary,
}

impl Job {
    fn peek(store: &Store, lock: &StoreLock, target: Target) -> Job {
        let mut summary = MailboxSummary { name: target.name.to_string(), ..MailboxSummary::default() };
        let known = match store.peek_state(lock, target.name.as_str(), target.delimiter) {
            Ok(known) => known,
            Err(err) => {
                record_error(&mut summary, err);
                None
            }
        };
        Job { target, known, store: None, status: None, plan: None, summary }
    }

    /// Opens the local mailbox, repairing what a dead run left.
    fn open(&mut self, store: &Store, lock: &StoreLock) -> bool {
        if self.store.is_none() && self.summary.error.is_none() {
            match store.mailbox(lock, self.target.name.as_str(), self.target.delimiter) {
                Ok(mailbox) => {
                    self.summary.recovered = describe_recovery(&mailbox);
                    self.known = Some(mailbox.state().clone());
                    self.store = Some(mailbox);
                }
                Err(err) => record_error(&mut self.summary, err),
            }
        }
        self.store.is_some()
    }

    /// Whether the first pass showed new mail, a failed message due,
    /// something to recover, or messages skipped under other filters than
    /// this run's (`filters`, as [`Filters::signature`] writes them).
    fn changed(&self, filters: &Option<String>, now: u64) -> bool {
        if self.summary.error.is_some() {
            return false;
        }
        let Some(state) = &self.known else { return true };
        let same = self.status.as_ref().is_some_and(|s| {
            s.uidvalidity.is_some() && s.uidvalidity == state.uidvalidity && s.uidnext == Some(state.uidnext)
        });
        let refiltered = !state.skipped.is_empty() && state.skipped_by != *filters;
        !same || refiltered || state.needs_recovery() || !state.retry_due(now).is_empty()
    }

    /// Whether stored messages' flags may have changed on the server.
    fn flags_moved(&self, keeps_flags: bool) -> bool {
        let Some(state) = self.known.as_ref().filter(|_| keeps_flags && self.summary.error.is_none()) else {
            return false;
        };
        let now = self.status.as_ref().and_then(|s| s.highestmodseq);
        state.uidvalidity.is_some() && flags::needs_check(state.highestmodseq, now, state.has_messages())
    }

    fn missing(&self) -> &[(u32, u32)] {
        self.plan.as_ref().map_or(&[], |p| &p.missing)
    }
}

/// What skipped messages are recorded under when `--limit` left them for
/// a later run: no filter signature equals it, so the next run looks.
const LIMITED: &str = "limit";

/// Now, in unix seconds (when failed messages are due again).
fn unix_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
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
    let first_backup = !args.dry_run && matches!(store.peek_state(&lock, "INBOX", None), Ok(None));
    let signature = args.filters.signature();
    let now = unix_now();
    let mut jobs = first_pass(ctx, &store, &lock, args, first_backup, (&signature, now))?;
    survey(pool, &mut jobs, &signature, now, args)?;
    if !args.dry_run {
        sync_flags(pool, &mut jobs)?;
    }
    if args.dry_run {
        for job in &mut jobs {
            job.summary.new = job.missing().len() as u64;
            job.summary.bytes = job.missing().iter().map(|(_, s)| u64::from(*s)).sum();
        }
        return Ok(finish(ctx, &spec, true, jobs.into_iter().map(|j| j.summary).collect(), started));
    }

    download_all(ctx, &mut jobs, observer)?;

    // Each mailbox's state is saved (two fsyncs) side by side: one after
    // another, 11 of them held a first backup's end for 90 ms.
    side_by_side(jobs.iter_mut().collect(), |job| settle(job, &signature, now));
    drop(lock);
    Ok(finish(ctx, &spec, false, jobs.into_iter().map(|j| j.summary).collect(), started))
}

/// Records what the run settled for one mailbox and closes it: UIDNEXT is
/// remembered only where everything up to it is settled.
fn settle(job: &mut Job, signature: &Option<String>, now: u64) {
    if job.plan.is_none() {
        job.summary.deferred = job.known.as_ref().map_or(0, |s| s.failed.len() as u64);
    }
    let Some(mut mailbox) = job.store.take() else { return };
    if let Some(plan) = job.plan.as_ref() {
        let summary = &mut job.summary;
        let failures: Vec<(u32, String)> = summary.failed_messages.iter().map(|f| (f.uid, f.error.clone())).collect();
        mailbox.record_failures(&failures, now);
        mailbox.forget_failures(&plan.gone);
        // Messages `--limit` left for later are recorded like skipped
        // ones, under a name no filter has, so the next run takes them up.
        let mut skipped = plan.skipped.clone();
        skipped.extend(plan.limited.iter().copied());
        let by = if plan.limited.is_empty() { signature.clone() } else { Some(LIMITED.to_string()) };
        mailbox.record_skipped(&skipped, by, plan.rechecked);
        summary.deferred = plan.deferred;
        // Everything below the first message still to get is settled:
        // stored, failed (and retried later), or skipped by filters.
        let failed: UidSet = failures.iter().map(|(uid, _)| *uid).collect();
        let first_unsettled = plan
            .missing
            .iter()
            .map(|&(uid, _)| uid)
            .filter(|&uid| !mailbox.is_stored(uid) && !failed.contains(uid) && !skipped.contains(uid))
            .min();
        mailbox.settle_below(first_unsettled.unwrap_or(plan.uidnext).min(plan.uidnext));
        if summary.error.is_none() && first_unsettled.is_none() {
            mailbox.set_highestmodseq(plan.highestmodseq);
        }
    }
    if job.summary.error.is_none()
        && let Err(err) = mailbox.close()
    {
        record_error(&mut job.summary, err);
    }
}

/// STATUS of every mailbox to back up, and the local mailboxes opened
/// where the server or the state says there is work. A first backup will
/// want every connection: the others connect alongside the first and log
/// in once it did (so a wrong password fails one login, not
/// `connections` of them), while it asks the server what there is; and
/// `compress = auto` is settled on the first one while the new local
/// mailboxes are created (from the round trips the others timed while
/// they waited, else measured there): none of it waits for the rest.
fn first_pass(
    ctx: &Context,
    store: &Store,
    lock: &StoreLock,
    args: &FetchArgs,
    first_backup: bool,
    (signature, now): (&Option<String>, u64),
) -> Result<Vec<Job>> {
    let pool = ctx.imap()?;
    let items = [StatusItem::UidNext, StatusItem::UidValidity, StatusItem::HighestModSeq];
    std::thread::scope(|scope| {
        if first_backup {
            drop(pool.get_opening_ahead(pool.max() - 1, scope)?);
        }
        // INBOX, the big mailbox of most accounts, is asked before the LIST:
        // Dovecot answers STATUS from its mailbox list index until a LIST has
        // refreshed that index, and then reads the whole Maildir instead
        // (measured at 200,000 messages: 15-40 ms as the session's first
        // command, 350-700 ms after a LIST). The two share a flight; the
        // other mailboxes' STATUS comes one round trip later.
        let (inbox, entries) = mailboxes::inbox_status_and_list(ctx, &items)?;
        let mut statuses: std::collections::HashMap<MailboxName, MailboxStatus> =
            inbox.map(|status| (MailboxName::inbox(), status)).into_iter().collect();
        let wanted = if args.mailboxes.is_empty() { &ctx.account.fetch.mailboxes } else { &args.mailboxes };
        let mut exclude = ctx.account.fetch.exclude.clone();
        exclude.extend(args.exclude.iter().cloned());
        let mut jobs: Vec<Job> =
            select::targets(&entries, wanted, &exclude)?.into_iter().map(|t| Job::peek(store, lock, t)).collect();
        // Cheap first pass: STATUS says which mailboxes changed at all;
        // one never backed up has changed, whatever the server says.
        let names: Vec<_> = jobs
            .iter()
            .filter(|j| j.known.is_some() && !j.target.name.is_inbox())
            .map(|j| j.target.name.clone())
            .collect();
        if !names.is_empty() {
            statuses.extend(mailboxes::status_over_pool(ctx, &names, &items, Spread::OpenOnly)?);
        }
        if let Some(inbox) = statuses.remove(&MailboxName::inbox())
            && let Some(job) = jobs.iter().find(|j| j.target.name.is_inbox())
        {
            statuses.insert(job.target.name.clone(), inbox);
        }
        let keeps_flags = store.spec().kind == StoreKind::Maildir;
        let mut to_open: Vec<&mut Job> = Vec::new();
        for job in &mut jobs {
            job.status = statuses.remove(&job.target.name);
            if job.changed(signature, now) || (!args.dry_run && job.flags_moved(keeps_flags)) {
                to_open.push(job);
            }
        }
        // A first backup is a big transfer: whether compressing pays is
        // measured now, while the new mailboxes are created, and the other
        // connections follow that measure.
        if first_backup && !to_open.is_empty() {
            scope.spawn(|| measure_compression(ctx, pool));
        }
        side_by_side(to_open, |job| {
            job.open(store, lock);
        });
        Ok(jobs)
    })
}

/// `compress = auto`'s measure of the link on one pooled connection,
/// recorded for the run's other connections.
fn measure_compression(ctx: &Context, pool: &Pool<Session>) {
    if let Ok(mut session) = pool.get() {
        download::settle_compression(ctx, &mut session);
    }
}

/// Surveys the mailboxes that changed, in parallel, and applies what the
/// server says of their UIDVALIDITY.
fn survey(
    pool: &Pool<Session>,
    jobs: &mut [Job],
    signature: &Option<String>,
    now: u64,
    args: &FetchArgs,
) -> Result<()> {
    let changed: Vec<usize> =
        (0..jobs.len()).filter(|&i| jobs[i].store.is_some() && jobs[i].changed(signature, now)).collect();
    let targets: Vec<&Target> = changed.iter().map(|&i| &jobs[i].target).collect();
    let known: Vec<Known> = changed
        .iter()
        .filter_map(|&i| jobs[i].store.as_ref())
        .map(|m| {
            let state = m.state();
            let retry = state.retry_due(now);
            Known {
                uidvalidity: state.uidvalidity,
                uidnext: state.uidnext,
                stored: state.stored.clone(),
                deferred: (state.failed.len() - retry.len()) as u64,
                retry,
                recheck: (state.skipped_by != *signature).then(|| state.skipped.clone()),
            }
        })
        .collect();
    let surveys = plan::survey_all(pool, &targets, &known, &args.filters)?;
    let mut results: Vec<Option<Result<Survey>>> = (0..jobs.len()).map(|_| None).collect();
    for (&i, survey) in changed.iter().zip(surveys) {
        results[i] = Some(survey);
    }
    // Applying a first UIDVALIDITY saves each mailbox's state: side by side.
    let surveyed: Vec<(&mut Job, Option<Result<Survey>>)> =
        jobs.iter_mut().zip(results).filter(|(_, survey)| survey.is_some()).collect();
    side_by_side(surveyed, |(job, survey)| {
        let Some(survey) = survey.take() else { return };
        match survey {
            Ok(mut survey) => {
                if let Some(mailbox) = job.store.as_mut()
                    && let Err(err) = adopt_uidvalidity(mailbox, &mut survey, &mut job.summary, args.dry_run)
                {
                    record_error(&mut job.summary, err);
                    return;
                }
                job.summary.skipped = survey.skipped.len() + survey.limited.len() as u64;
                job.plan = Some(survey);
            }
            Err(err) => record_error(&mut job.summary, err),
        }
    });
    Ok(())
}

/// Brings the flags of stored messages in step where the server's
/// HIGHESTMODSEQ moved, and records the mod-sequence they are now in step
/// with: the one seen before asking, so a change made meanwhile is seen by
/// the next run.
fn sync_flags(pool: &Pool<Session>, jobs: &mut [Job]) -> Result<()> {
    let mut checks: Vec<FlagCheck> = Vec::new();
    let mut marks: Vec<(usize, Option<u64>)> = Vec::new();
    for (i, job) in jobs.iter().enumerate() {
        let Some(mailbox) = job.store.as_ref().filter(|m| m.keeps_flags()) else { continue };
        let state = mailbox.state();
        let Some(uidvalidity) = state.uidvalidity.filter(|_| job.summary.error.is_none()) else { continue };
        let now = match &job.plan {
            Some(plan) => plan.highestmodseq,
            None => job.status.as_ref().and_then(|s| s.highestmodseq),
        };
        if flags::needs_check(state.highestmodseq, now, state.has_messages()) {
            checks.push(FlagCheck { target: &job.target, uidvalidity, since: state.highestmodseq });
            marks.push((i, now));
        }
    }
    if checks.is_empty() {
        return Ok(());
    }
    let results = flags::changes_all(pool, &checks)?;
    for ((i, now), result) in marks.into_iter().zip(results) {
        let job = &mut jobs[i];
        let Some(mailbox) = job.store.as_mut() else { continue };
        let updated = result.and_then(|changes| mailbox.set_flags(&changes)).and_then(|n| {
            mailbox.set_highestmodseq(now);
            mailbox.save_state().map(|()| n)
        });
        match updated {
            Ok(n) => job.summary.flags_updated = n as u64,
            Err(err) => record_error(&mut job.summary, err),
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
    survey.missing.retain(|(uid, _)| !mailbox.is_stored(*uid));
    Ok(())
}

/// Downloads what every job is missing: workers over the pool, one writer
/// thread holding the stores meanwhile.
fn download_all(ctx: &Context, jobs: &mut [Job], observer: &dyn Observer) -> Result<()> {
    // Only mailboxes with something to download take part.
    let active: Vec<usize> =
        (0..jobs.len()).filter(|&i| jobs[i].store.is_some() && !jobs[i].missing().is_empty()).collect();
    if active.is_empty() {
        observer.finished();
        return Ok(());
    }
    let mut stores: Vec<MailboxStore> = active.iter().filter_map(|&i| jobs[i].store.take()).collect();
    let mut sources: Vec<Source> = Vec::with_capacity(active.len());
    for (&i, store) in active.iter().zip(stores.iter_mut()) {
        sources.push(Source {
            name: jobs[i].target.name.clone(),
            uidvalidity: jobs[i].plan.as_ref().map_or(0, |p| p.uidvalidity),
            spooler: store.spooler()?,
        });
    }
    let missing: Vec<Vec<(u32, u32)>> = active.iter().map(|&i| jobs[i].missing().to_vec()).collect();
    let planned: Vec<Planned> = active
        .iter()
        .zip(&missing)
        .map(|(&i, m)| Planned {
            name: jobs[i].summary.name.clone(),
            messages: m.len() as u64,
            bytes: m.iter().map(|(_, s)| u64::from(*s)).sum(),
        })
        .collect();
    observer.planned(&planned);

    let pool = ctx.imap()?;
    let chunks = download::chunks(&missing, pool.max());
    let chunk_count: usize = chunks.iter().map(|c| c.len()).sum();
    let queue = Queue::new(chunks);
    let failed: Vec<AtomicBool> = active.iter().map(|_| AtomicBool::new(false)).collect();
    let errors = Mutex::new(std::collections::HashMap::new());
    let refused: download::FailedMessages = Mutex::new(std::collections::HashMap::new());
    // Every idle connection is looked at, and those with a mailbox of this
    // download open from the survey are kept first: a worker starts in the
    // mailbox its connection has open instead of examining it again.
    let wanted = chunk_count.min(pool.max()).max(1);
    let mut sessions = pool.get_many(wanted.max(pool.idle()).min(pool.max()))?;
    sessions.sort_by_key(|session| download::opened(session, &sources).is_none());
    sessions.truncate(wanted);
    let (to_writer, incoming) = mpsc::sync_channel(64);

    let shared = download::Shared {
        sources: &sources,
        queue: &queue,
        failed: &failed,
        errors: &errors,
        refused: &refused,
        context: ctx,
    };
    let (written, worker_errors) = std::thread::scope(|scope| {
        let writer = scope.spawn(|| writer::run(incoming, &mut stores, &failed, observer));
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
    for (k, ((&i, w), store)) in active.iter().zip(written).zip(stores).enumerate() {
        let job = &mut jobs[i];
        job.store = Some(store);
        job.summary.new = w.stored;
        job.summary.bytes = w.bytes;
        if let Some(err) = errors.remove(&k).or(w.error) {
            record_error(&mut job.summary, err);
        }
        job.summary.failed_messages = refused
            .remove(&k)
            .unwrap_or_default()
            .into_iter()
            .map(|(uid, err)| FailedMessage { uid, kind: err.kind(), error: err.to_string() })
            .collect();
        let expected = missing[k].len() as u64 - job.summary.failed_messages.len() as u64;
        if job.summary.error.is_none() && job.summary.new < expected {
            // Every worker died before the queue was empty.
            if let Some(err) = worker_errors.first() {
                let left = expected - job.summary.new;
                record_error(
                    &mut job.summary,
                    Error::new(err.kind(), format!("{left} of {expected} messages not fetched: {err}")),
                );
            }
        }
    }
    Ok(())
}
