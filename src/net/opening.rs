//! Which of a pool's new connections may log in while no login has
//! worked yet.
//!
//! A connection opened ahead of need ([`crate::net::pool::Pool::open_ahead`])
//! does its TCP and TLS set-up at once, side by side with the pool's first
//! connection, but logs in only after a login of the pool worked: a wrong
//! password then fails one login, not one per connection, and a server
//! that counts failed logins sees one. When that login fails, the
//! connections waiting give up.

use std::cell::Cell;
use std::sync::{Condvar, Mutex, MutexGuard};

use crate::error::{Error, Result};

/// One connection being opened, handed to the pool's connector.
pub struct Opening<'a> {
    number: usize,
    gate: &'a Gate,
    ahead: bool,
    /// Failed logins when this opening began: a failure after that is
    /// the one an opening ahead was waiting on.
    failures_at_start: u64,
    /// Whether this opening's outcome is the login others wait on.
    counted: Cell<bool>,
}

impl Opening<'_> {
    /// The connection's number in its pool (1, 2, ...), for traces.
    pub fn number(&self) -> usize {
        self.number
    }

    /// Whether this connection was opened ahead of need.
    pub fn is_ahead(&self) -> bool {
        self.ahead
    }

    /// Whether [`Opening::may_log_in`] would wait now: opened ahead while
    /// no login of the pool has worked yet.
    pub fn would_wait(&self) -> bool {
        self.ahead && !self.gate.lock().proven
    }

    /// Called by the connector once the connection is set up and about to
    /// log in. A connection opened ahead of need waits here while another
    /// login of the pool is under way and none has worked yet, and gives
    /// up (an error) when that login failed; any other returns at once.
    pub fn may_log_in(&self) -> Result<()> {
        if !self.ahead {
            return Ok(());
        }
        let mut state = self.gate.lock();
        loop {
            if state.proven {
                return Ok(());
            }
            if state.failures != self.failures_at_start {
                return Err(Error::temp("not logging in: the pool's first login failed"));
            }
            if state.trying == 0 {
                // Nobody else is logging in: this one finds out.
                state.trying += 1;
                self.counted.set(true);
                return Ok(());
            }
            state.waiting += 1;
            state = self.gate.changed.wait(state).unwrap_or_else(|e| e.into_inner());
            state.waiting -= 1;
        }
    }
}

/// What a pool knows of its logins.
#[derive(Default)]
pub struct Gate {
    state: Mutex<GateState>,
    changed: Condvar,
}

#[derive(Default)]
struct GateState {
    /// A connection of the pool logged in.
    proven: bool,
    /// Logins under way whose outcome the openings ahead wait on.
    trying: usize,
    failures: u64,
    /// Openings ahead waiting in [`Opening::may_log_in`].
    waiting: usize,
}

impl Gate {
    fn lock(&self) -> MutexGuard<'_, GateState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// How many openings ahead wait to log in (for tests).
    #[cfg(test)]
    pub fn waiting(&self) -> usize {
        self.lock().waiting
    }

    /// Starts opening connection `number`. One not opened `ahead` counts
    /// as a login under way from now, before its TCP and TLS set-up, so
    /// openings ahead started alongside it wait for it.
    pub fn opening(&self, number: usize, ahead: bool) -> Opening<'_> {
        let mut state = self.lock();
        let counted = !ahead && !state.proven;
        if counted {
            state.trying += 1;
        }
        Opening { number, gate: self, ahead, failures_at_start: state.failures, counted: Cell::new(counted) }
    }

    /// Records how `opening` ended, waking the openings ahead that wait.
    pub fn finished(&self, opening: Opening<'_>, opened: bool) {
        let mut state = self.lock();
        if opened {
            state.proven = true;
        }
        if opening.counted.get() {
            state.trying -= 1;
            if !opened {
                state.failures += 1;
            }
        }
        drop(state);
        self.changed.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_opening_ahead_waits_for_the_first_login_and_follows_it() {
        let gate = Gate::default();
        let first = gate.opening(1, false);
        let ahead = gate.opening(2, true);
        std::thread::scope(|scope| {
            let waiting = scope.spawn(move || ahead.may_log_in().is_ok());
            assert!(first.may_log_in().is_ok());
            gate.finished(first, true);
            assert!(waiting.join().unwrap());
        });
    }

    #[test]
    fn a_failed_first_login_sends_the_openings_ahead_home() {
        let gate = Gate::default();
        let first = gate.opening(1, false);
        let ahead = gate.opening(2, true);
        // The first login fails before the other is even ready to log in.
        gate.finished(first, false);
        assert!(ahead.may_log_in().is_err());
        gate.finished(ahead, false);
        // A later opening tries again: a secret may have been fixed.
        let later = gate.opening(3, true);
        assert!(later.may_log_in().is_ok());
    }

    #[test]
    fn openings_ahead_with_nobody_logging_in_send_one_first() {
        let gate = Gate::default();
        let one = gate.opening(1, true);
        let two = gate.opening(2, true);
        assert!(one.may_log_in().is_ok(), "the first to be ready logs in");
        std::thread::scope(|scope| {
            let waiting = scope.spawn(move || two.may_log_in().is_err());
            gate.finished(one, false);
            assert!(waiting.join().unwrap(), "and the other gives up when that failed");
        });
    }

    #[test]
    fn once_a_login_worked_nobody_waits() {
        let gate = Gate::default();
        let first = gate.opening(1, false);
        gate.finished(first, true);
        let slow = gate.opening(2, false);
        let ahead = gate.opening(3, true);
        assert!(ahead.may_log_in().is_ok(), "not held up by a login under way");
        gate.finished(ahead, true);
        gate.finished(slow, false);
    }
}
