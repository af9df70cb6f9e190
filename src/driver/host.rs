//! What the driver needs from the world: a clock, timers and a place to run
//! futures. [`WebHost`] is the real one (JavaScript's `Date.now`,
//! `setTimeout` through gloo-timers, `spawn_local` through
//! wasm-bindgen-futures); [`ManualHost`] is a deterministic one for tests,
//! natively or in wasm: time moves only when told, and futures run only when
//! the test runs them.
//!
//! # Invariants
//!
//! 1. A timer fires at most once, never before `ms` have passed on the
//!    host's clock, and never after its guard was dropped (gloo's `Timeout`
//!    clears its JS timer in `Drop`: one owner, one release).
//! 2. `spawn` never polls the future inside the call: a future spawned from
//!    an effect handler runs after the handler returned.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::rc::{Rc, Weak};

use futures::executor::{LocalPool, LocalSpawner};
use futures::future::LocalBoxFuture;
use futures::task::LocalSpawnExt;

/// The clock, the timers and the executor a [`Runtime`](super::Runtime)
/// runs on. Implement it to run scopes on something else than JavaScript's
/// event loop; most code never names it (the default runtime of a wasm32
/// thread uses [`WebHost`]).
///
/// ```
/// # use std::{cell::Cell, rc::Rc};
/// # use go_go_scope_wasm::{Host, ManualHost};
/// let host = ManualHost::new();
/// let fired = Rc::new(Cell::new(false));
/// let f = fired.clone();
/// let _guard = host.set_timeout(10, Box::new(move || f.set(true)));
/// host.advance(10);
/// assert!(fired.get());
/// assert_eq!(host.now(), 10.0);
/// ```
pub trait Host {
    /// Milliseconds since some fixed point (JavaScript's `Date.now()` for
    /// [`WebHost`]). Never goes backwards.
    fn now(&self) -> f64;

    /// Calls `callback` once, `ms` milliseconds from now. Dropping the
    /// returned guard before then cancels the call (invariant #1).
    fn set_timeout(&self, ms: u32, callback: Box<dyn FnOnce()>) -> TimerGuard;

    /// Runs `future` to completion on the local executor, never inside this
    /// call (invariant #2).
    fn spawn(&self, future: LocalBoxFuture<'static, ()>);
}

/// Owns one timer of a [`Host`]: dropping it cancels the timer.
///
/// ```
/// # use go_go_scope_wasm::{Host, ManualHost};
/// let host = ManualHost::new();
/// let guard = host.set_timeout(10, Box::new(|| panic!("cancelled")));
/// assert_eq!(host.pending_timers(), 1);
/// drop(guard); // cancels the timer
/// assert_eq!(host.pending_timers(), 0);
/// host.advance(10); // nothing fires
/// ```
pub struct TimerGuard(#[allow(dead_code)] Box<dyn Any>);

impl TimerGuard {
    /// Wraps whatever cancels the timer when dropped (gloo's `Timeout`, a
    /// handle of your own).
    ///
    /// ```
    /// # use std::{cell::Cell, rc::Rc};
    /// # use go_go_scope_wasm::TimerGuard;
    /// struct Cancel(Rc<Cell<bool>>);
    /// impl Drop for Cancel { fn drop(&mut self) { self.0.set(true) } }
    /// let cancelled = Rc::new(Cell::new(false));
    /// let guard = TimerGuard::new(Cancel(cancelled.clone()));
    /// drop(guard);
    /// assert!(cancelled.get());
    /// ```
    pub fn new(owner: impl Any) -> TimerGuard {
        TimerGuard(Box::new(owner))
    }
}

/// JavaScript's event loop: `Date.now()`, `setTimeout` (through
/// gloo-timers, which clears the timer when its `Timeout` is dropped) and
/// `spawn_local` (wasm-bindgen-futures). Works in browsers, Node, Deno, Bun
/// and Workers. Only usable on wasm32 (elsewhere its calls panic, as every
/// wasm-bindgen import does).
///
/// ```no_run
/// # use go_go_scope_wasm::{Host, Runtime, ScopeOptions, WebHost};
/// let rt = Runtime::new(WebHost); // what Runtime::current() uses on wasm32
/// let s = rt.scope(ScopeOptions::default()).unwrap();
/// assert!(!s.is_aborted());
/// assert!(WebHost.now() > 0.0); // Date.now()
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct WebHost;

impl Host for WebHost {
    fn now(&self) -> f64 {
        js_sys::Date::now()
    }

    fn set_timeout(&self, ms: u32, callback: Box<dyn FnOnce()>) -> TimerGuard {
        TimerGuard::new(gloo_timers::callback::Timeout::new(ms, callback))
    }

    fn spawn(&self, future: LocalBoxFuture<'static, ()>) {
        wasm_bindgen_futures::spawn_local(future);
    }
}

/// A host whose clock moves only when told: deterministic tests of code
/// that uses scopes, timeouts, retries and polls, natively or in wasm.
///
/// Cheap to clone (all clones are the same host). Futures spawned on it run
/// when [`ManualHost::run`] or [`ManualHost::advance`] is called.
///
/// ```
/// use std::time::Duration;
/// use futures::FutureExt;
/// use go_go_scope_wasm::{ManualHost, Runtime, ScopeOptions, TaskOptions};
///
/// let host = ManualHost::new();
/// let rt = Runtime::new(host.clone());
/// let s = rt.scope(ScopeOptions::default()).unwrap();
/// let slow = s
///     .task(
///         |_ctx| futures::future::pending::<Result<(), ()>>(), // never ends by itself
///         TaskOptions::default().timeout(Duration::from_millis(50)),
///     )
///     .unwrap();
/// host.advance(49);
/// assert!(!slow.is_settled());
/// host.advance(1);
/// assert!(slow.now_or_never().unwrap().unwrap_err().is_timeout());
/// ```
#[derive(Clone)]
pub struct ManualHost(Rc<Manual>);

type Callback = Box<dyn FnOnce()>;

struct Manual {
    now: Cell<f64>,
    pool: RefCell<LocalPool>,
    spawner: LocalSpawner,
    /// Pending timers by (due time in µs, sequence number).
    timers: RefCell<BTreeMap<(u64, u64), Callback>>,
    seq: Cell<u64>,
}

impl Default for ManualHost {
    fn default() -> Self {
        ManualHost::new()
    }
}

impl ManualHost {
    /// A host at time 0 with nothing pending.
    ///
    /// ```
    /// # use go_go_scope_wasm::{Host, ManualHost};
    /// let host = ManualHost::new();
    /// assert_eq!(host.now(), 0.0);
    /// assert_eq!(host.pending_timers(), 0);
    /// ```
    pub fn new() -> ManualHost {
        let pool = LocalPool::new();
        let spawner = pool.spawner();
        ManualHost(Rc::new(Manual {
            now: Cell::new(0.0),
            pool: RefCell::new(pool),
            spawner,
            timers: RefCell::new(BTreeMap::new()),
            seq: Cell::new(0),
        }))
    }

    /// Runs every spawned future until none can make progress without time
    /// passing (or a JavaScript event). Nested calls (from inside a future
    /// this host runs) do nothing.
    ///
    /// ```
    /// # use std::{cell::Cell, rc::Rc};
    /// # use go_go_scope_wasm::{Host, ManualHost};
    /// let host = ManualHost::new();
    /// let done = Rc::new(Cell::new(false));
    /// let d = done.clone();
    /// host.spawn(Box::pin(async move { d.set(true) }));
    /// assert!(!done.get()); // spawn never polls it
    /// host.run();
    /// assert!(done.get());
    /// ```
    pub fn run(&self) {
        // `try_borrow_mut`: a future run by this pool that calls `run`
        // again must not re-enter the pool.
        if let Ok(mut pool) = self.0.pool.try_borrow_mut() {
            pool.run_until_stalled();
        }
    }

    /// Moves the clock `ms` milliseconds forward, firing the timers that
    /// fall due in order, each at its own time, and running the futures
    /// after each.
    ///
    /// ```
    /// # use std::{cell::Cell, rc::Rc};
    /// # use go_go_scope_wasm::{Host, ManualHost};
    /// let host = ManualHost::new();
    /// let (at, h) = (Rc::new(Cell::new(0.0)), host.clone());
    /// let a = at.clone();
    /// let _guard = host.set_timeout(30, Box::new(move || a.set(h.now())));
    /// host.advance(100);
    /// assert_eq!(at.get(), 30.0); // fired at its own time
    /// assert_eq!(host.now(), 100.0);
    /// ```
    pub fn advance(&self, ms: u64) {
        let end = self.micros() + ms * 1000;
        self.run();
        loop {
            let next = {
                let mut timers = self.0.timers.borrow_mut();
                match timers.first_key_value() {
                    Some((&(due, seq), _)) if due <= end => {
                        timers.remove(&(due, seq)).map(|f| (due, f))
                    }
                    _ => None,
                }
            };
            let Some((due, fire)) = next else { break };
            self.set_micros(due.max(self.micros()));
            fire();
            self.run();
        }
        self.set_micros(end);
        self.run();
    }

    /// Timers that have not fired nor been cancelled.
    ///
    /// ```
    /// # use go_go_scope_wasm::{ManualHost, Runtime, ScopeOptions};
    /// # use std::time::Duration;
    /// # let host = ManualHost::new();
    /// # let rt = Runtime::new(host.clone());
    /// let s = rt.scope(ScopeOptions::default().timeout(Duration::from_secs(1))).unwrap();
    /// assert_eq!(host.pending_timers(), 1); // the scope's timeout
    /// let _ = s.dispose();
    /// host.run();
    /// assert_eq!(host.pending_timers(), 0);
    /// ```
    pub fn pending_timers(&self) -> usize {
        self.0.timers.borrow().len()
    }

    fn micros(&self) -> u64 {
        (self.0.now.get() * 1000.0) as u64
    }

    fn set_micros(&self, us: u64) {
        self.0.now.set(us as f64 / 1000.0);
    }
}

/// Cancels a [`ManualHost`] timer when dropped.
struct ManualTimer {
    host: Weak<Manual>,
    key: (u64, u64),
}

impl Drop for ManualTimer {
    fn drop(&mut self) {
        if let Some(h) = self.host.upgrade() {
            // Taken out first: the callback's own drop runs with no borrow held.
            let cb = h.timers.borrow_mut().remove(&self.key);
            drop(cb);
        }
    }
}

impl Host for ManualHost {
    fn now(&self) -> f64 {
        self.0.now.get()
    }

    fn set_timeout(&self, ms: u32, callback: Box<dyn FnOnce()>) -> TimerGuard {
        let seq = self.0.seq.get() + 1;
        self.0.seq.set(seq);
        let key = (self.micros() + u64::from(ms) * 1000, seq);
        self.0.timers.borrow_mut().insert(key, callback);
        TimerGuard::new(ManualTimer {
            host: Rc::downgrade(&self.0),
            key,
        })
    }

    fn spawn(&self, future: LocalBoxFuture<'static, ()>) {
        // Fails only once the pool is gone, when nothing could run it anyway.
        let _ = self.0.spawner.spawn_local(future);
    }
}
