//! Planning a fetch: which messages each mailbox is missing.
//!
//! STATUS (pipelined over the pool) settles most mailboxes at once: same
//! UIDVALIDITY and UIDNEXT as last time means nothing new and no SELECT, no
//! SEARCH, no FETCH. The rest are examined and the messages above the last
//! complete run's UIDNEXT sized (RFC822.SIZE only, no bodies), in parallel
//! over the pool.

use std::collections::HashMap;

use super::select::Target;
use crate::cmd::parallel::over_pool;
use crate::error::{Error, Result};
use crate::imap::{Day, Items, MessageSet, Search, SearchKey, Session};
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
    /// Messages left out by the filters.
    pub skipped: u64,
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
    /// Every message below this UID is settled (stored, or failed).
    pub uidnext: u32,
    /// UIDs stored at or above `uidnext`.
    pub stored: UidSet,
    /// Failed messages due for another try.
    pub retry: Vec<u32>,
    /// Failed messages still waiting.
    pub deferred: u64,
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
    over_pool(pool, &jobs, pool.max(), |session, (target, known)| {
        // No mailbox in the error: the summary names it once.
        survey(session, target, known, filters)
    })
}

/// Most UIDs in one size request, so no command line grows without bound.
const SIZES_PER_COMMAND: usize = 5000;

/// EXAMINE, then the sizes of the messages at or above the last complete
/// run's UIDNEXT (`UID FETCH n:* (RFC822.SIZE)`, or a SEARCH bounded to
/// that range under `--since`), and of failed messages due for a retry.
/// Nothing below the watermark is listed: a mailbox of 200,000 messages
/// with 100 new costs what 100 messages cost. Expunges are never looked
/// for (a backup keeps what it has).
pub fn survey(session: &mut Session, target: &Target, known: &Known, filters: &Filters) -> Result<Survey> {
    let selected = session.examine(&target.name, true)?.clone();
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
    if selected.exists == 0 {
        survey.gone = known.retry.clone();
        return Ok(survey);
    }
    let from = known.uidnext.max(1);
    let mut found: Vec<(u32, u32)> = Vec::new();
    let keep = |uid: Option<u32>, size: Option<u32>, found: &mut Vec<(u32, u32)>| {
        // `n:*` also answers with the last message when n is above every UID.
        if let (Some(uid), Some(size)) = (uid, size)
            && uid >= from
            && !known.stored.contains(uid)
        {
            found.push((uid, size));
        }
    };
    match filters.since {
        Some(day) => {
            let criteria = vec![
                SearchKey::Uid(MessageSet::from(from)),
                SearchKey::Since(Day { year: day.y, month: day.m, day: day.d }),
            ];
            let uids: Vec<u32> = session.uid_search(&Search::new(criteria))?.iter().collect();
            for slice in uids.chunks(SIZES_PER_COMMAND) {
                session.uid_fetch(&[MessageSet::of(slice)], Items::size(), None, &mut |f| {
                    keep(f.uid, f.size, &mut found);
                    Ok(())
                })?;
            }
        }
        None => session.uid_fetch(&[MessageSet::from(from)], Items::size(), None, &mut |f| {
            keep(f.uid, f.size, &mut found);
            Ok(())
        })?,
    }
    // Failed messages due again; the ones the server no longer answers
    // for were expunged.
    let mut retried: HashMap<u32, u32> = HashMap::new();
    for slice in known.retry.chunks(SIZES_PER_COMMAND) {
        session.uid_fetch(&[MessageSet::of(slice)], Items::size(), None, &mut |f| {
            if let (Some(uid), Some(size)) = (f.uid, f.size) {
                retried.insert(uid, size);
            }
            Ok(())
        })?;
    }
    survey.gone = known.retry.iter().copied().filter(|uid| !retried.contains_key(uid)).collect();
    let mut wanted: Vec<(u32, u32)> = retried.into_iter().chain(found).collect();
    wanted.sort_unstable();
    wanted.dedup_by_key(|(uid, _)| *uid);
    if let Some(max) = filters.max_size {
        let before = wanted.len();
        wanted.retain(|(_, size)| u64::from(*size) <= max);
        survey.skipped += (before - wanted.len()) as u64;
    }
    if let Some(limit) = filters.limit.filter(|&limit| wanted.len() > limit) {
        survey.skipped += (wanted.len() - limit) as u64;
        wanted.truncate(limit);
    }
    survey.missing = wanted;
    Ok(survey)
}
