//! Planning a fetch: which messages each mailbox is missing.
//!
//! STATUS (pipelined over the pool) settles most mailboxes at once: same
//! UIDVALIDITY and UIDNEXT as last time means nothing new and no SELECT, no
//! SEARCH, no FETCH. The rest are examined, searched and sized (RFC822.SIZE
//! only, no bodies) in parallel over the pool.

use std::collections::HashMap;

use super::select::Target;
use crate::cmd::parallel::over_pool;
use crate::error::{Error, Result, ResultExt};
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
}

/// The local view a survey compares against.
#[derive(Debug, Clone)]
pub struct Known {
    /// UIDVALIDITY stored last time.
    pub uidvalidity: Option<u32>,
    /// UIDs stored under it.
    pub stored: UidSet,
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
        survey(session, target, known, filters).with_context(|| format!("mailbox \"{}\"", target.name))
    })
}

/// EXAMINE, UID SEARCH, and RFC822.SIZE of what is missing.
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
    if selected.exists == 0 {
        return Ok(survey);
    }
    let criteria = match filters.since {
        Some(day) => SearchKey::Since(Day { year: day.y, month: day.m, day: day.d }),
        None => SearchKey::All,
    };
    let on_server = session.uid_search(&Search::new(vec![criteria]))?;
    let empty = UidSet::new();
    let stored = if known.uidvalidity == Some(uidvalidity) { &known.stored } else { &empty };
    let mut missing = stored.missing(on_server.iter());
    missing.sort_unstable();
    if missing.is_empty() {
        return Ok(survey);
    }
    let mut sizes: HashMap<u32, u32> = HashMap::with_capacity(missing.len());
    // Sizes in slices, so no command line grows without bound.
    for slice in missing.chunks(5000) {
        session.uid_fetch(&[MessageSet::of(slice)], Items::size(), None, &mut |fetch| {
            if let (Some(uid), Some(size)) = (fetch.uid, fetch.size) {
                sizes.insert(uid, size);
            }
            Ok(())
        })?;
    }
    // A UID without a size was expunged meanwhile: nothing to fetch.
    let mut wanted: Vec<(u32, u32)> = missing.iter().filter_map(|uid| sizes.get(uid).map(|s| (*uid, *s))).collect();
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
