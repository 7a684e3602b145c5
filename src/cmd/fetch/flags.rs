//! Keeping the flags of messages already backed up in step with the server.
//!
//! With CONDSTORE this is cheap: a mailbox whose HIGHESTMODSEQ has not moved
//! since the last run is not even opened, and one whose has gets a single
//! `UID FETCH 1:* (UID FLAGS) (CHANGEDSINCE last)`: only the messages whose
//! flags changed come back. Without CONDSTORE flags are set on download
//! only (asking for every message's flags on every run would cost the
//! no-change run what it exists to save).

use std::collections::HashMap;

use super::affinity::over_open;
use super::select::Target;
use crate::error::{Error, Result};
use crate::imap::{Fetch, Items, MessageSet, Session};
use crate::net::pool::Pool;

/// New flags by UID.
pub type FlagChanges = HashMap<u32, Vec<String>>;

/// One mailbox whose flags may have changed.
#[derive(Debug, Clone)]
pub struct FlagCheck<'a> {
    /// The mailbox.
    pub target: &'a Target,
    /// The UIDVALIDITY the stored UIDs belong to.
    pub uidvalidity: u32,
    /// HIGHESTMODSEQ recorded last time; `None` asks for every message's
    /// flags (the first run that sees CONDSTORE).
    pub since: Option<u64>,
}

/// Whether a mailbox's flags need checking: the server has CONDSTORE
/// (`now`), something is stored, and the mod-sequence moved (or was never
/// recorded).
pub fn needs_check(recorded: Option<u64>, now: Option<u64>, stored_any: bool) -> bool {
    match (recorded, now) {
        (_, None) => false,
        (None, Some(_)) => stored_any,
        (Some(old), Some(new)) => stored_any && new != old,
    }
}

/// Asks the server what changed in each mailbox, in parallel over the
/// pool, each on the connection that has it open from the survey if one
/// does; each mailbox gets its own result.
pub fn changes_all(pool: &Pool<Session>, checks: &[FlagCheck]) -> Result<Vec<Result<FlagChanges>>> {
    over_open(
        pool,
        checks,
        |check| &check.target.name,
        |session, check| {
            // No mailbox in the error: the summary names it once.
            changes(session, check)
        },
    )
}

fn changes(session: &mut Session, check: &FlagCheck) -> Result<FlagChanges> {
    // CHANGEDSINCE enables CONDSTORE itself (RFC 7162 §3.1), so a
    // selection made without it serves.
    let selected = session.examined(&check.target.name, true)?.clone();
    if selected.uidvalidity != Some(check.uidvalidity) {
        return Err(Error::temp("UIDVALIDITY changed while checking flags; run owl fetch again"));
    }
    let mut found = FlagChanges::new();
    if selected.exists == 0 {
        return Ok(found);
    }
    let mut collect = |fetch: Fetch| {
        if let (Some(uid), Some(flags)) = (fetch.uid, fetch.flags) {
            found.insert(uid, flags);
        }
        Ok(())
    };
    match check.since {
        Some(modseq) => session.uid_fetch_changed_since(&MessageSet::all(), Items::flags(), modseq, &mut collect)?,
        None => session.uid_fetch(&[MessageSet::all()], Items::flags(), None, &mut collect)?,
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_moved_mod_sequence_with_something_stored_needs_a_check() {
        assert!(!needs_check(Some(5), Some(5), true));
        assert!(needs_check(Some(5), Some(7), true));
        assert!(!needs_check(Some(5), Some(7), false));
        assert!(!needs_check(Some(5), None, true), "no CONDSTORE, no check");
        assert!(needs_check(None, Some(7), true), "first sight of CONDSTORE: every flag once");
        assert!(!needs_check(None, Some(7), false));
    }
}
