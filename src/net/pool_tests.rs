//! Unit tests of the pool and its gate for logins.

use super::*;
use crate::error::Error;
use std::sync::Arc;

struct Fake {
    broken: bool,
    alive: bool,
    checked: Arc<AtomicUsize>,
    closed: Arc<AtomicUsize>,
}

impl Poolable for Fake {
    fn is_broken(&self) -> bool {
        self.broken
    }
    fn is_alive(&mut self) -> bool {
        self.checked.fetch_add(1, Ordering::Relaxed);
        self.alive
    }
    fn close(self) {
        self.closed.fetch_add(1, Ordering::Relaxed);
    }
}

impl Fake {
    fn new(closed: &Arc<AtomicUsize>) -> Fake {
        Fake { broken: false, alive: true, checked: Arc::new(AtomicUsize::new(0)), closed: closed.clone() }
    }
}

#[test]
fn a_connection_idle_for_long_is_checked_and_replaced_when_dead() {
    let closed = Arc::new(AtomicUsize::new(0));
    let pool = pool(1, closed.clone());
    let mut first = pool.get().unwrap();
    first.alive = false;
    drop(first);
    // Given back just now: lent again without a check.
    assert!(!pool.get().unwrap().alive);
    // Made to look idle for long: checked, found dead, replaced.
    pool.lock().idle[0].1 = Instant::now() - CHECK_AFTER;
    let fresh = pool.get().unwrap();
    assert!(fresh.alive, "a new connection");
    assert_eq!((pool.opened(), closed.load(Ordering::Relaxed)), (2, 1));
    drop(fresh);
    drop(pool);
    assert_eq!(closed.load(Ordering::Relaxed), 2, "dropping the pool logs out the idle ones");
}

fn pool(max: usize, closed: Arc<AtomicUsize>) -> Pool<Fake> {
    Pool::new(max, move |_: &Opening| Ok(Fake::new(&closed)))
}

#[test]
fn reuses_before_opening_and_never_exceeds_max() {
    let closed = Arc::new(AtomicUsize::new(0));
    let pool = pool(2, closed.clone());
    drop(pool.get().unwrap());
    drop(pool.get().unwrap());
    assert_eq!(pool.opened(), 1);
    std::thread::scope(|s| {
        for _ in 0..8 {
            s.spawn(|| {
                for _ in 0..50 {
                    let _c = pool.get().unwrap();
                }
            });
        }
    });
    assert!(pool.opened() <= 2);
    pool.close();
    assert_eq!(closed.load(Ordering::Relaxed), pool.opened());
}

#[test]
fn broken_connections_are_replaced() {
    let closed = Arc::new(AtomicUsize::new(0));
    let pool = pool(1, closed.clone());
    pool.get().unwrap().broken = true;
    assert_eq!(closed.load(Ordering::Relaxed), 1);
    drop(pool.get().unwrap());
    assert_eq!(pool.opened(), 2);
}

#[test]
fn a_refused_extra_connection_shrinks_the_pool() {
    let closed = Arc::new(AtomicUsize::new(0));
    let c2 = closed.clone();
    let (tried, attempt) = std::sync::mpsc::channel();
    let tried = Mutex::new(tried);
    let pool = Pool::new(3, move |o: &Opening| {
        if o.number() == 1 {
            return Ok(Fake::new(&c2));
        }
        let _ = tried.lock().unwrap().send(());
        Err(Error::temp("too many connections"))
    });
    let first = pool.get().unwrap();
    std::thread::scope(|s| {
        let waiter = s.spawn(|| pool.get().map(|_| ()));
        // The waiter has tried a second connection and been refused;
        // now it can only get the first one back.
        attempt.recv().unwrap();
        drop(first);
        waiter.join().unwrap().unwrap();
    });
    assert_eq!(pool.max(), 1);
    assert_eq!(pool.opened(), 2);
}

#[test]
fn get_many_lends_distinct_connections_up_to_max() {
    let closed = Arc::new(AtomicUsize::new(0));
    let pool = pool(3, closed.clone());
    drop(pool.get().unwrap());
    let many = pool.get_many(5).unwrap();
    assert_eq!(many.len(), 3);
    assert_eq!(pool.opened(), 3);
    drop(many);
    assert_eq!(pool.get_many(2).unwrap().len(), 2);
    assert_eq!(pool.opened(), 3);
}

#[test]
fn get_many_keeps_what_it_could_open() {
    let closed = Arc::new(AtomicUsize::new(0));
    let c2 = closed.clone();
    let pool =
        Pool::new(4, move |o: &Opening| if o.number() <= 2 { Ok(Fake::new(&c2)) } else { Err(Error::temp("limit")) });
    let many = pool.get_many(4).unwrap();
    assert_eq!(many.len(), 2);
    assert_eq!(pool.max(), 2);
    drop(many);
    let pool: Pool<Fake> = Pool::new(2, |_: &Opening| Err(Error::auth("no")));
    assert_eq!(pool.get_many(2).err().unwrap().kind(), crate::error::ErrorKind::Auth);
}

#[test]
fn get_many_waits_for_connections_opened_ahead_instead_of_opening_more() {
    use std::sync::mpsc;
    let closed = Arc::new(AtomicUsize::new(0));
    let (started, logins) = mpsc::channel::<usize>();
    let (release, gate) = mpsc::channel::<()>();
    let gate = Mutex::new(gate);
    let c2 = closed.clone();
    let pool = Pool::new(3, move |o: &Opening| {
        if o.number() > 1 {
            started.send(o.number()).unwrap();
            gate.lock().unwrap().recv().unwrap();
        }
        Ok(Fake::new(&c2))
    });
    drop(pool.get().unwrap());
    std::thread::scope(|scope| {
        let ahead = scope.spawn(|| pool.open_ahead(5));
        // Both logins of the connections opened ahead are under way.
        logins.recv().unwrap();
        logins.recv().unwrap();
        let many = scope.spawn(|| pool.get_many(3).map(|v| v.len()));
        release.send(()).unwrap();
        release.send(()).unwrap();
        assert_eq!(ahead.join().unwrap(), 2, "within max");
        assert_eq!(many.join().unwrap().unwrap(), 3);
    });
    assert_eq!(pool.opened(), 3, "nothing opened besides");
}

#[test]
fn a_failed_open_ahead_gives_its_slot_back() {
    let closed = Arc::new(AtomicUsize::new(0));
    let c2 = closed.clone();
    let pool =
        Pool::new(3, move |o: &Opening| if o.number() == 1 { Ok(Fake::new(&c2)) } else { Err(Error::temp("limit")) });
    let first = pool.get().unwrap();
    assert_eq!(pool.open_ahead(2), 0);
    assert_eq!((pool.max(), pool.lock().coming), (1, 0));
    drop(first);
    assert_eq!(pool.get_many(3).unwrap().len(), 1);
}

/// A pool whose connector counts logins; connection 1's login gives
/// `first` (after waiting for `go` when it has one).
fn counting(
    first: fn() -> Result<()>,
    go: Option<Mutex<std::sync::mpsc::Receiver<()>>>,
    logins: Arc<AtomicUsize>,
) -> Pool<Fake> {
    let closed = Arc::new(AtomicUsize::new(0));
    Pool::new(3, move |o: &Opening| {
        o.may_log_in()?;
        if o.number() == 1 {
            if let Some(go) = &go {
                go.lock().unwrap().recv().unwrap();
            }
            first()?;
        }
        logins.fetch_add(1, Ordering::Relaxed);
        Ok(Fake::new(&closed))
    })
}

#[test]
fn connections_opened_alongside_the_first_log_in_once_it_did() {
    let logins = Arc::new(AtomicUsize::new(0));
    let (go, wait) = std::sync::mpsc::channel();
    let pool = counting(|| Ok(()), Some(Mutex::new(wait)), logins.clone());
    std::thread::scope(|scope| {
        let first = scope.spawn(|| std::thread::scope(|inner| pool.get_opening_ahead(2, inner).map(drop)));
        // The others are connected and waiting: none logged in before
        // the first one did.
        while pool.logins.waiting() < 2 {
            std::thread::yield_now();
        }
        assert_eq!(logins.load(Ordering::Relaxed), 0);
        go.send(()).unwrap();
        first.join().unwrap().unwrap();
    });
    assert_eq!((logins.load(Ordering::Relaxed), pool.idle()), (3, 3));
}

#[test]
fn a_failed_first_login_is_the_only_login() {
    let logins = Arc::new(AtomicUsize::new(0));
    let pool = counting(|| Err(Error::auth("bad password")), None, logins.clone());
    let result = std::thread::scope(|scope| pool.get_opening_ahead(2, scope).map(drop));
    assert_eq!(result.unwrap_err().kind(), crate::error::ErrorKind::Auth);
    assert_eq!(logins.load(Ordering::Relaxed), 0, "the others gave up without logging in");
    assert_eq!(pool.idle(), 0);
}

#[test]
fn the_first_failure_is_reported() {
    let pool: Pool<Fake> = Pool::new(2, |_: &Opening| Err(Error::auth("bad password")));
    assert_eq!(pool.get().err().unwrap().kind(), crate::error::ErrorKind::Auth);
}
