//! Planning a fetch: which messages each mailbox is missing.
//!
//! STATUS (pipelined over the pool) settles most mailboxes at once: same
//! UIDVALIDITY and UIDNEXT as last time means nothing new and no SELECT, no
//! SEARCH, no FETCH. The rest are examined and the messages above the last
//! complete run's UIDNEXT sized (RFC822.SIZE only, no bodies), in parallel
//! over the pool, each connection sending its share's EXAMINEs and size
//! requests in one flight.

use super::select::Target;
use crate::cmd::parallel::in_shares;
use crate::error::{Error, Result};
use crate::imap::{Day, Items, MessageSet, Search, SearchKey, Session, Sized};
use crate::model::date::Date;
use crate::net::pool::Pool;
use crate::store::UidSet;

/// Limits that leave some messages out of this run.
#[derive(Debug, Clone, Default)]
pub struct Filters {
    /// Only messages that arrived on or after this day.
    pub since: Option<Date>,
    /// Only messages up to this many bytes.
    pub max_size: Option<u64>,
    /// At most this many messages per mailbox, oldest first.
    pub limit: Option<usize>,
}

impl Filters {
    /// Whether some messages may be left out on purpose.
    pub fn any(&self) -> bool {
        self.since.is_some() || self.max_size.is_some() || self.limit.is_some()
    }

    /// The filters that leave messages out for good (not `--limit`, which
    /// only defers them), as recorded with the messages they left out: a
    /// run with other filters looks at those messages again.
    pub fn signature(&self) -> Option<String> {
        let mut parts = Vec::new();
        if let Some(d) = self.since {
            parts.push(format!("since={:04}-{:02}-{:02}", d.y, d.m, d.d));
        }
        if let Some(max) = self.max_size {
            parts.push(format!("max_size={max}"));
        }
        (!parts.is_empty()).then(|| parts.join(","))
    }
}

/// What the server says about a mailbox, and what it lacks locally.
#[derive(Debug, Clone, Default)]
pub struct Survey {
    /// UIDVALIDITY on the server.
    pub uidvalidity: u32,
    /// UIDNEXT on the server.
    pub uidnext: u32,
    /// HIGHESTMODSEQ, with CONDSTORE.
    pub highestmodseq: Option<u64>,
    /// Missing messages, oldest first: (uid, size).
    pub missing: Vec<(u32, u32)>,
    /// Messages left out by `--since` or `--max-size` (settled: a run with
    /// other filters looks at them again).
    pub skipped: UidSet,
    /// Messages left for a later run by `--limit` (not settled).
    pub limited: Vec<u32>,
    /// Whether the messages skipped earlier were looked at again (the
    /// filters changed), so `skipped` replaces the old list.
    pub rechecked: bool,
    /// Messages that failed before and are no longer on the server.
    pub gone: Vec<u32>,
    /// Messages that failed before and wait for their next try.
    pub deferred: u64,
}

/// The local view a survey compares against: nothing but what changed
/// since the last complete run.
#[derive(Debug, Clone, Default)]
pub struct Known {
    /// UIDVALIDITY stored last time.
    pub uidvalidity: Option<u32>,
    /// Every message below this UID is settled (stored, failed, skipped).
    pub uidnext: u32,
    /// UIDs stored at or above `uidnext`.
    pub stored: UidSet,
    /// Failed messages due for another try.
    pub retry: Vec<u32>,
    /// Failed messages still waiting.
    pub deferred: u64,
    /// Messages skipped by filters other than this run's: to look at again.
    pub recheck: Option<UidSet>,
}

/// Surveys each mailbox (in parallel over the pool); `known[i]` belongs to
/// `targets[i]`. Each mailbox gets its own result.
pub fn survey_all(
    pool: &Pool<Session>,
    targets: &[&Target],
    known: &[Known],
    filters: &Filters,
) -> Result<Vec<Result<Survey>>> {
    let jobs: Vec<(&Target, &Known)> = targets.iter().copied().zip(known).collect();
    in_shares(pool, &jobs, pool.max(), |session, share| Ok(survey_share(session, share, filters)))
}

/// Surveys one connection's share of mailboxes. Their EXAMINEs and the
/// sizes of their new messages go out in one flight, on the guess that
/// UIDVALIDITY has not changed (it seldom does; when it has, the sizes are
/// asked again from 1): one round trip for the share, not two a mailbox.
fn survey_share(session: &mut Session, share: &[&(&Target, &Known)], filters: &Filters) -> Vec<Result<Survey>> {
    let asked: Vec<(&crate::imap::MailboxName, u32)> =
        share.iter().map(|(target, known)| (&target.name, guessed_from(known))).collect();
    let sized = session.examine_and_size_each(&asked);
    share
        .iter()
        .zip(sized)
        // No mailbox in the error: the summary names it once.
        .map(|((target, known), sized)| survey(session, target, known, filters, sized?))
        .collect()
}

/// Where the sizes of new messages start when UIDVALIDITY is as stored.
fn guessed_from(known: &Known) -> u32 {
    if known.uidvalidity.is_some() { known.uidnext.max(1) } else { 1 }
}

/// Most UIDs in one size request, so no command line grows without bound.
const SIZES_PER_COMMAND: usize = 5000;

/// What a mailbox lacks, from its EXAMINE and the sizes asked behind it
/// (`sized`): the messages at or above the last complete run's UIDNEXT
/// (`UID FETCH n:* (RFC822.SIZE)`, filtered by a SEARCH bounded to that
/// range under `--since`), failed messages due for a retry, and messages
/// skipped under other filters. Nothing below the watermark is listed: a
/// mailbox of 200,000 messages with 100 new costs what 100 messages cost.
/// Expunges are never looked for (a backup keeps what it has). Anything
/// more to ask is asked in the mailbox, opened again if the share moved
/// on.
fn survey(session: &mut Session, target: &Target, known: &Known, filters: &Filters, sized: Sized) -> Result<Survey> {
    let Sized { selected, sizes: early } = sized;
    let guessed_from = guessed_from(known);
    let uidvalidity =
        selected.uidvalidity.ok_or_else(|| Error::protocol("server sent no UIDVALIDITY for the mailbox"))?;
    let mut survey = Survey {
        uidvalidity,
        uidnext: selected.uidnext.unwrap_or(0),
        highestmodseq: selected.highestmodseq,
        ..Survey::default()
    };
    let same = known.uidvalidity == Some(uidvalidity);
    let empty = Known::default();
    let known = if same { known } else { &empty };
    survey.deferred = known.deferred;
    // An empty mailbox: what a server says to `n:*` there does not matter.
    if selected.exists == 0 {
        survey.gone = known.retry.clone();
        return Ok(survey);
    }
    let from = known.uidnext.max(1);
    let more_to_ask = from != guessed_from
        || filters.since.is_some()
        || !known.retry.is_empty()
        || known.recheck.as_ref().is_some_and(|r| !r.is_empty());
    if more_to_ask && session.examined(&target.name, true)?.uidvalidity != Some(uidvalidity) {
        return Err(Error::temp("UIDVALIDITY changed while the mailbox was being surveyed; try again"));
    }
    // New messages. `n:*` also answers with the last message when n is
    // above every UID: only UIDs from n on count.
    let mut wanted: Vec<(u32, u32)> = Vec::new();
    let asked = if from == guessed_from { early? } else { sizes(session, &MessageSet::from(from))? };
    let fresh: Vec<(u32, u32)> =
        asked.into_iter().filter(|&(uid, _)| uid >= from && !known.stored.contains(uid)).collect();
    take_since(session, fresh, filters.since.as_ref(), &mut wanted, &mut survey.skipped)?;
    // Failed messages due again; the ones the server no longer answers
    // for were expunged.
    if !known.retry.is_empty() {
        let retried = sizes(session, &MessageSet::of(&known.retry))?;
        let answered: UidSet = retried.iter().map(|&(uid, _)| uid).collect();
        survey.gone = known.retry.iter().copied().filter(|&uid| !answered.contains(uid)).collect();
        wanted.extend(retried);
    }
    // Messages skipped under other filters: this run's decide again.
    if let Some(recheck) = known.recheck.as_ref().filter(|r| !r.is_empty()) {
        survey.rechecked = true;
        let found = sizes(session, &MessageSet::of_set(recheck))?;
        take_since(session, found, filters.since.as_ref(), &mut wanted, &mut survey.skipped)?;
    }
    wanted.sort_unstable();
    wanted.dedup_by_key(|(uid, _)| *uid);
    if let Some(max) = filters.max_size {
        wanted.retain(|&(uid, size)| {
            let fits = u64::from(size) <= max;
            if !fits {
                survey.skipped.insert(uid);
            }
            fits
        });
    }
    if let Some(limit) = filters.limit.filter(|&limit| wanted.len() > limit) {
        survey.limited = wanted.split_off(limit).into_iter().map(|(uid, _)| uid).collect();
    }
    survey.missing = wanted;
    Ok(survey)
}

/// `(uid, size)` of the messages of `set`, asked in slices so no command
/// line grows without bound.
fn sizes(session: &mut Session, set: &MessageSet) -> Result<Vec<(u32, u32)>> {
    let mut out = Vec::new();
    session.uid_fetch(std::slice::from_ref(set), Items::size(), None, &mut |f| {
        if let (Some(uid), Some(size)) = (f.uid, f.size) {
            out.push((uid, size));
        }
        Ok(())
    })?;
    Ok(out)
}

/// Moves the `found` messages that arrived on or after `since` (all of
/// them without it) to `wanted`, and the others to `skipped`. The server
/// judges the date (`UID SEARCH UID ... SINCE`), in its own time zone, as
/// every IMAP client's `--since` does.
fn take_since(
    session: &mut Session,
    found: Vec<(u32, u32)>,
    since: Option<&Date>,
    wanted: &mut Vec<(u32, u32)>,
    skipped: &mut UidSet,
) -> Result<()> {
    let Some(day) = since.filter(|_| !found.is_empty()) else {
        wanted.extend(found);
        return Ok(());
    };
    let mut uids: Vec<u32> = found.iter().map(|&(uid, _)| uid).collect();
    uids.sort_unstable();
    let mut matched = UidSet::new();
    for slice in uids.chunks(SIZES_PER_COMMAND) {
        let criteria = vec![
            SearchKey::Uid(MessageSet::of(slice)),
            SearchKey::Since(Day { year: day.y, month: day.m, day: day.d }),
        ];
        matched.union_with(&session.uid_search(&Search::new(criteria))?);
    }
    for (uid, size) in found {
        if matched.contains(uid) {
            wanted.push((uid, size));
        } else {
            skipped.insert(uid);
        }
    }
    Ok(())
}
