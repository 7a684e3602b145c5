//! Running work over several pooled connections at once, the one fan-out
//! every command uses: items are dealt round-robin into shares, one per
//! connection and thread, and the results come back in item order. A
//! share can be worked item by item ([`over_pool`]) or whole, so one
//! connection pipelines its share ([`in_shares`]); a caller that deals
//! the shares itself runs them with [`run_shares`].

use crate::error::{Error, Result};
use crate::imap::Session;
use crate::net::pool::{Pool, Pooled};

/// The item indices of one share and what its work returned.
type ShareOutcome<R> = (Vec<usize>, Result<Vec<Result<R>>>);

/// Runs `work` on every item, spread over up to `limit` of the pool's
/// connections.
pub fn over_pool<T: Sync, R: Send>(
    pool: &Pool<Session>,
    items: &[T],
    limit: usize,
    work: impl Fn(&mut Session, &T) -> Result<R> + Sync,
) -> Result<Vec<Result<R>>> {
    in_shares(pool, items, items.len().min(limit), |session, share| {
        Ok(share.iter().map(|item| work(session, item)).collect())
    })
}

/// Deals `items` into up to `connections` shares (at least one, at most
/// what the pool can lend) and gives each share to `work` on a connection
/// of its own; `work` returns one result per item of its share. A share
/// whose `work` failed as a whole gives that error to each of its items.
pub fn in_shares<T: Sync, R: Send>(
    pool: &Pool<Session>,
    items: &[T],
    connections: usize,
    work: impl Fn(&mut Session, &[&T]) -> Result<Vec<Result<R>>> + Sync,
) -> Result<Vec<Result<R>>> {
    if items.is_empty() {
        return Ok(Vec::new());
    }
    let sessions = pool.get_many(connections.clamp(1, items.len()))?;
    let workers = sessions.len();
    let shares: Vec<Vec<usize>> = (0..workers).map(|w| (w..items.len()).step_by(workers).collect()).collect();
    Ok(run_shares(sessions, items, shares, work))
}

/// Gives each share (item indices) to `work` on a connection of its own,
/// one thread each, `shares[i]` on `sessions[i]`; the results come back
/// in item order. A share whose `work` failed as a whole gives that error
/// to each of its items. How items are dealt is the caller's.
pub fn run_shares<T: Sync, R: Send>(
    sessions: Vec<Pooled<'_, Session>>,
    items: &[T],
    shares: Vec<Vec<usize>>,
    work: impl Fn(&mut Session, &[&T]) -> Result<Vec<Result<R>>> + Sync,
) -> Vec<Result<R>> {
    let work = &work;
    let done: Vec<ShareOutcome<R>> = std::thread::scope(|scope| {
        let handles: Vec<_> = sessions
            .into_iter()
            .zip(shares)
            .map(|(mut session, share)| {
                scope.spawn(move || {
                    let picked: Vec<&T> = share.iter().map(|&i| &items[i]).collect();
                    let results = work(&mut session, &picked);
                    (share, results)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| (Vec::new(), Err(Error::internal("a pool worker panicked")))))
            .collect()
    });
    let mut results: Vec<Option<Result<R>>> = (0..items.len()).map(|_| None).collect();
    for (share, outcome) in done {
        match outcome {
            Ok(each) => {
                for (i, result) in share.into_iter().zip(each) {
                    results[i] = Some(result);
                }
            }
            Err(err) => {
                for i in share {
                    results[i] = Some(Err(err.clone_for_repeat()));
                }
            }
        }
    }
    results.into_iter().map(|r| r.unwrap_or_else(|| Err(Error::internal("a pool worker failed")))).collect()
}
