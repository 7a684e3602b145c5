//! Running work over several pooled connections at once: items are dealt
//! round-robin to up to `limit` connections, one thread each, and the
//! results come back in item order.

use crate::error::{Error, Result};
use crate::imap::Session;
use crate::net::pool::Pool;

/// Runs `work` on every item, spread over the pool's connections.
pub fn over_pool<T: Sync, R: Send>(
    pool: &Pool<Session>,
    items: &[T],
    limit: usize,
    work: impl Fn(&mut Session, &T) -> Result<R> + Sync,
) -> Result<Vec<Result<R>>> {
    if items.is_empty() {
        return Ok(Vec::new());
    }
    let sessions = pool.get_many(items.len().min(limit).max(1))?;
    let workers = sessions.len();
    let work = &work;
    let dealt: Vec<Vec<(usize, Result<R>)>> = std::thread::scope(|scope| {
        let handles: Vec<_> = sessions
            .into_iter()
            .enumerate()
            .map(|(w, mut session)| {
                scope.spawn(move || {
                    (w..items.len()).step_by(workers).map(|i| (i, work(&mut session, &items[i]))).collect::<Vec<_>>()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or_default()).collect()
    });
    let mut results: Vec<Option<Result<R>>> = (0..items.len()).map(|_| None).collect();
    for (i, result) in dealt.into_iter().flatten() {
        results[i] = Some(result);
    }
    Ok(results.into_iter().map(|r| r.unwrap_or_else(|| Err(Error::internal("a pool worker failed")))).collect())
}
