//! A pool of authenticated connections, per account and protocol.
//!
//! Up to `max` connections are opened lazily, the first time they are
//! needed; [`Pool::get`] lends one and the [`Pooled`] guard gives it back
//! when dropped, unless it broke (then it is closed and its slot freed).
//! A connection that sat idle for [`CHECK_AFTER`] or more is checked before
//! it is lent ([`Poolable::is_alive`], a NOOP for IMAP), and replaced by a
//! fresh one when it is dead: a server may drop a connection at any time,
//! and `owl idle --fetch` lends one after hours. Dropping the pool (or
//! [`Pool::close`]) ends every idle connection politely (LOGOUT/QUIT).
//! All connections of a pool share one account's settings,
//! so a plaintext connection can never be lent for a request that needs TLS.
//! If the server refuses an extra connection while others are open, the
//! pool shrinks to what it has instead of failing.

use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::error::Result;
use crate::net::opening::{Gate, Opening};

/// How long a connection may sit idle before it is checked when lent: long
/// enough that work passing connections around in one run pays nothing.
pub const CHECK_AFTER: Duration = Duration::from_secs(5);

/// What the pool needs to know about a connection.
pub trait Poolable: Send {
    /// Whether the connection must not be reused.
    fn is_broken(&self) -> bool;
    /// Whether it still answers (one round trip); called before lending a
    /// connection that sat idle.
    fn is_alive(&mut self) -> bool;
    /// Ends the connection politely.
    fn close(self);
}

type Connector<C> = Box<dyn Fn(&Opening) -> Result<C> + Send + Sync>;

struct State<C> {
    /// Connections waiting to be lent, with when they were given back.
    idle: Vec<(C, Instant)>,
    open: usize,
    max: usize,
    /// Connections [`Pool::open_ahead`] is opening (counted in `open`).
    coming: usize,
}

/// Connections lent to the threads of one run.
pub struct Pool<C: Poolable> {
    state: Mutex<State<C>>,
    returned: Condvar,
    connect: Connector<C>,
    opened: AtomicUsize,
    logins: Gate,
}

impl<C: Poolable> Pool<C> {
    /// A pool of at most `max` connections made by `connect`, which gets
    /// the connection's number (1, 2, ...) for traces and must call
    /// [`Opening::may_log_in`] before it logs in.
    pub fn new(max: usize, connect: impl Fn(&Opening) -> Result<C> + Send + Sync + 'static) -> Pool<C> {
        Pool {
            state: Mutex::new(State { idle: Vec::new(), open: 0, max: max.max(1), coming: 0 }),
            returned: Condvar::new(),
            connect: Box::new(connect),
            opened: AtomicUsize::new(0),
            logins: Gate::default(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State<C>> {
        // A thread that panicked while holding the lock left a consistent
        // state (every change is one assignment), so keep going.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The most connections this pool will open.
    pub fn max(&self) -> usize {
        self.lock().max
    }

    /// How many connections are open and waiting to be lent.
    pub fn idle(&self) -> usize {
        self.lock().idle.len()
    }

    /// How many connections were opened so far (each one is a login).
    pub fn opened(&self) -> usize {
        self.opened.load(Ordering::Relaxed)
    }

    /// An idle connection still worth lending: checked when it sat idle
    /// long; a dead one is closed and its slot freed.
    fn take_idle<'a>(&'a self, mut state: MutexGuard<'a, State<C>>) -> (MutexGuard<'a, State<C>>, Option<C>) {
        while let Some((mut conn, since)) = state.idle.pop() {
            if since.elapsed() < CHECK_AFTER {
                return (state, Some(conn));
            }
            drop(state);
            let alive = conn.is_alive();
            state = self.lock();
            if alive {
                return (state, Some(conn));
            }
            log::info!("an idle connection no longer answered; opening a new one");
            state.open -= 1;
            drop(state);
            conn.close();
            state = self.lock();
        }
        (state, None)
    }

    /// Lends a connection: an idle one, a new one while under `max`, or
    /// the next one returned.
    pub fn get(&self) -> Result<Pooled<'_, C>> {
        let mut state = self.lock();
        loop {
            let (guard, idle) = self.take_idle(state);
            state = guard;
            if let Some(conn) = idle {
                return Ok(Pooled { pool: self, conn: Some(conn) });
            }
            if state.open < state.max {
                state.open += 1;
                drop(state);
                let opening = self.logins.opening(self.next_number(), false);
                match self.open_one(opening) {
                    Ok(conn) => return Ok(Pooled { pool: self, conn: Some(conn) }),
                    Err(err) => {
                        state = self.lock();
                        if state.open == 0 {
                            return Err(err);
                        }
                        state = self.shrink_after(state, &err);
                        continue;
                    }
                }
            }
            state = self.returned.wait(state).unwrap_or_else(|e| e.into_inner());
        }
    }

    /// Lends a connection like [`Pool::get`] and, when it has to open it,
    /// opens up to `n` more side by side (on a thread of `scope`, left
    /// idle as [`Pool::open_ahead`] does). Their TCP and TLS set-up runs
    /// alongside the first one's, but they log in only once it did, and
    /// not at all when it failed (its error is returned).
    pub fn get_opening_ahead<'scope, 'env>(
        &'env self,
        n: usize,
        scope: &'scope std::thread::Scope<'scope, 'env>,
    ) -> Result<Pooled<'env, C>> {
        let opening = {
            let (mut state, idle) = self.take_idle(self.lock());
            if let Some(conn) = idle {
                drop(state);
                scope.spawn(move || self.open_ahead(n));
                return Ok(Pooled { pool: self, conn: Some(conn) });
            }
            if state.open >= state.max {
                drop(state);
                return self.get();
            }
            state.open += 1;
            // Counted as a login under way before the others start.
            self.logins.opening(self.next_number(), false)
        };
        let ahead = self.reserve_ahead(n);
        scope.spawn(move || self.open_reserved(ahead));
        // When it failed, the others give up: nothing tries again.
        let conn = self.open_one(opening)?;
        Ok(Pooled { pool: self, conn: Some(conn) })
    }

    fn next_number(&self) -> usize {
        self.opened.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// Runs the connector for a slot already counted in `open`, giving the
    /// slot up when it fails.
    fn open_one(&self, opening: Opening<'_>) -> Result<C> {
        let result = (self.connect)(&opening);
        self.logins.finished(opening, result.is_ok());
        if result.is_err() {
            self.lock().open -= 1;
        }
        result
    }

    /// After a failed open while others are open: the pool shrinks to
    /// what it has.
    fn shrink_after<'a>(
        &'a self,
        mut state: MutexGuard<'a, State<C>>,
        err: &crate::error::Error,
    ) -> MutexGuard<'a, State<C>> {
        log::info!("could not open another connection ({err}); continuing with {}", state.open);
        state.max = state.open;
        state
    }

    /// Lends up to `n` connections at once: the idle ones, plus new ones
    /// opened in parallel while under `max`. Blocks only when it can get
    /// none at all. Parallel work over the pool starts here, so each worker
    /// holds its own connection and logins happen side by side.
    pub fn get_many(&self, n: usize) -> Result<Vec<Pooled<'_, C>>> {
        let n = n.max(1);
        let (mut lent, to_open) = {
            let mut state = self.lock();
            let mut idle = Vec::new();
            while idle.len() < n {
                let (guard, conn) = self.take_idle(state);
                state = guard;
                match conn {
                    Some(conn) => idle.push(conn),
                    // Connections opened ahead are as good as idle: their
                    // logins started earlier than any opened now would.
                    None if state.coming > 0 => {
                        state = self.returned.wait(state).unwrap_or_else(|e| e.into_inner());
                    }
                    None => break,
                }
            }
            let to_open = (n - idle.len()).min(state.max - state.open);
            state.open += to_open;
            (idle.into_iter().map(|c| Pooled { pool: self, conn: Some(c) }).collect::<Vec<_>>(), to_open)
        };
        let mut first_error = None;
        let openings = (0..to_open).map(|_| self.logins.opening(self.next_number(), false)).collect();
        for result in self.open_side_by_side(openings) {
            match result {
                Ok(conn) => lent.push(Pooled { pool: self, conn: Some(conn) }),
                Err(err) => {
                    first_error.get_or_insert(err);
                }
            }
        }
        if lent.is_empty() {
            return match first_error {
                Some(err) if self.lock().open == 0 => Err(err),
                _ => self.get().map(|c| vec![c]),
            };
        }
        Ok(lent)
    }

    /// Opens up to `n` connections more (within `max`) side by side and
    /// leaves them idle, for work that will soon want them all: a first
    /// backup opens them while its first connection surveys the server,
    /// instead of after. Meanwhile [`Pool::get_many`] waits for them rather
    /// than opening others. While no connection of the pool has logged in,
    /// they wait to log in until one did (see [`crate::net::opening`]).
    /// Returns how many opened; a failure shrinks the pool as in
    /// `get_many`.
    pub fn open_ahead(&self, n: usize) -> usize {
        self.open_reserved(self.reserve_ahead(n))
    }

    /// Counts up to `n` connections opened ahead in `open` and `coming`.
    /// Their openings start now: a login that fails from now on is one
    /// they wait for.
    fn reserve_ahead(&self, n: usize) -> Vec<Opening<'_>> {
        let to_open = {
            let mut state = self.lock();
            let to_open = n.min(state.max - state.open);
            state.open += to_open;
            state.coming += to_open;
            to_open
        };
        (0..to_open).map(|_| self.logins.opening(self.next_number(), true)).collect()
    }

    /// Opens the connections [`Pool::reserve_ahead`] counted and leaves
    /// them idle.
    fn open_reserved(&self, openings: Vec<Opening<'_>>) -> usize {
        let mut opened = 0;
        for result in self.open_side_by_side(openings) {
            let mut state = self.lock();
            state.coming -= 1;
            if let Ok(conn) = result {
                state.idle.push((conn, Instant::now()));
                opened += 1;
            }
            drop(state);
            self.returned.notify_all();
        }
        opened
    }

    /// Opens connections (already counted in `open`) in parallel; the
    /// slots of those that failed are given up, and the pool shrinks to
    /// what it has if any are open.
    fn open_side_by_side(&self, openings: Vec<Opening<'_>>) -> Vec<Result<C>> {
        let opened: Vec<Result<C>> = std::thread::scope(|scope| {
            let handles: Vec<_> = openings
                .into_iter()
                .map(|opening| {
                    scope.spawn(move || {
                        let result = (self.connect)(&opening);
                        self.logins.finished(opening, result.is_ok());
                        result
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|_| Err(crate::error::Error::internal("connect thread panicked"))))
                .collect()
        });
        let failed = opened.iter().filter(|r| r.is_err()).count();
        if failed > 0 {
            let mut state = self.lock();
            state.open -= failed;
            if state.open > 0 {
                log::info!("could not open {failed} more connection(s); continuing with {}", state.open);
                state.max = state.open;
            }
        }
        opened
    }

    /// Closes every idle connection (also done when the pool is dropped).
    pub fn close(&self) {
        let idle = std::mem::take(&mut self.lock().idle);
        for (conn, _) in idle {
            conn.close();
        }
    }

    fn give_back(&self, conn: C) {
        let mut state = self.lock();
        if conn.is_broken() {
            state.open -= 1;
            drop(state);
            conn.close();
        } else {
            state.idle.push((conn, Instant::now()));
            drop(state);
        }
        self.returned.notify_one();
    }
}

impl<C: Poolable> Drop for Pool<C> {
    fn drop(&mut self) {
        self.close();
    }
}

/// A connection on loan; returned to the pool when dropped.
pub struct Pooled<'a, C: Poolable> {
    pool: &'a Pool<C>,
    conn: Option<C>,
}

impl<C: Poolable> Deref for Pooled<'_, C> {
    type Target = C;
    fn deref(&self) -> &C {
        // Invariant: `conn` is only taken in `drop`.
        self.conn.as_ref().expect("pooled connection present until drop")
    }
}

impl<C: Poolable> DerefMut for Pooled<'_, C> {
    fn deref_mut(&mut self) -> &mut C {
        self.conn.as_mut().expect("pooled connection present until drop")
    }
}

impl<C: Poolable> Drop for Pooled<'_, C> {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            self.pool.give_back(conn);
        }
    }
}

#[cfg(test)]
#[path = "pool_tests.rs"]
mod tests;
