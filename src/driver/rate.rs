//! Debounce and throttle (go-go-scope 2.x's `s.debounce(fn, options)` and
//! `s.throttle(fn, options)`): [`Scope::debounce`], [`Scope::throttle`],
//! the [`Debounced`] and [`Throttled`] handles and the [`RateCall`] future.
//! Which call runs `f` and when the trailing run comes are the machine's
//! (`machine/rate.rs`); here are `f`, the latest arguments and the cells of
//! the calls waiting for the trailing run, as in the TypeScript executor's
//! `rate.ts`.
//!
//! # Invariants
//!
//! 1. A limiter is in the driver's table from `rate_new` until its
//!    `RateEnd`, which comes once: its scope's end (the waiting calls get
//!    the reason, kept for later calls, and `f` is dropped) or its last
//!    handle dropped (`rate_dispose`; a waiting call holds a handle, so
//!    nobody waits then).
//! 2. A run (a call answered `RUN`, or `RateFire` for the batch) calls `f`
//!    at once and spawns its future on the host: it runs to its end even
//!    if nobody awaits it or the scope ends meanwhile (as the npm
//!    package's), and its output goes to every call that joined it.
//! 3. No borrow is held while user code runs (`f`, a `Drop` of arguments).

use std::any::Any;
use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use futures::future::LocalBoxFuture;

use super::error::Error;
use super::once::{settle, Once};
use super::runtime::Driver;
use super::scope::{ms, Scope};
use super::signal::Reason;
use super::table::key;
use crate::machine::rate::{call, flag};
use crate::machine::slab::Key;

/// Options of [`Scope::debounce`] (go-go-scope 2.x's `{ wait, leading,
/// trailing }`; `None`: 2.x's default).
///
/// ```
/// # use std::time::Duration;
/// # use go_go_scope_wasm::DebounceOptions;
/// let o = DebounceOptions::default().wait(Duration::from_millis(200)).leading(true);
/// assert_eq!((o.wait, o.leading, o.trailing), (Some(Duration::from_millis(200)), Some(true), None));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DebounceOptions {
    /// Quiet time after the last call before the trailing run (default
    /// 300 ms).
    pub wait: Option<Duration>,
    /// Run a call into a quiet time at once (default `false`).
    pub leading: Option<bool>,
    /// Run once `wait` passed since the last call, with its arguments
    /// (default `true`).
    pub trailing: Option<bool>,
}

impl DebounceOptions {
    /// Sets [`DebounceOptions::wait`].
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use go_go_scope_wasm::DebounceOptions;
    /// assert_eq!(DebounceOptions::default().wait(Duration::ZERO).wait, Some(Duration::ZERO));
    /// ```
    pub fn wait(mut self, d: Duration) -> Self {
        self.wait = Some(d);
        self
    }

    /// Sets [`DebounceOptions::leading`].
    ///
    /// ```
    /// # use go_go_scope_wasm::DebounceOptions;
    /// assert_eq!(DebounceOptions::default().leading(true).leading, Some(true));
    /// ```
    pub fn leading(mut self, yes: bool) -> Self {
        self.leading = Some(yes);
        self
    }

    /// Sets [`DebounceOptions::trailing`].
    ///
    /// ```
    /// # use go_go_scope_wasm::DebounceOptions;
    /// assert_eq!(DebounceOptions::default().trailing(false).trailing, Some(false));
    /// ```
    pub fn trailing(mut self, yes: bool) -> Self {
        self.trailing = Some(yes);
        self
    }
}

/// Options of [`Scope::throttle`] (go-go-scope 2.x's `{ interval, leading,
/// trailing }`; `None`: 2.x's default).
///
/// ```
/// # use std::time::Duration;
/// # use go_go_scope_wasm::ThrottleOptions;
/// let o = ThrottleOptions::default().interval(Duration::from_secs(1)).trailing(true);
/// assert_eq!((o.interval, o.leading, o.trailing), (Some(Duration::from_secs(1)), None, Some(true)));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ThrottleOptions {
    /// Runs are at least this far apart (default 300 ms).
    pub interval: Option<Duration>,
    /// Run a call into a closed window at once (default `true`).
    pub leading: Option<bool>,
    /// Run the calls made in a window at its end, with the last one's
    /// arguments (default `false`).
    pub trailing: Option<bool>,
}

impl ThrottleOptions {
    /// Sets [`ThrottleOptions::interval`].
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use go_go_scope_wasm::ThrottleOptions;
    /// let o = ThrottleOptions::default().interval(Duration::from_millis(50));
    /// assert_eq!(o.interval, Some(Duration::from_millis(50)));
    /// ```
    pub fn interval(mut self, d: Duration) -> Self {
        self.interval = Some(d);
        self
    }

    /// Sets [`ThrottleOptions::leading`].
    ///
    /// ```
    /// # use go_go_scope_wasm::ThrottleOptions;
    /// assert_eq!(ThrottleOptions::default().leading(false).leading, Some(false));
    /// ```
    pub fn leading(mut self, yes: bool) -> Self {
        self.leading = Some(yes);
        self
    }

    /// Sets [`ThrottleOptions::trailing`].
    ///
    /// ```
    /// # use go_go_scope_wasm::ThrottleOptions;
    /// assert_eq!(ThrottleOptions::default().trailing(true).trailing, Some(true));
    /// ```
    pub fn trailing(mut self, yes: bool) -> Self {
        self.trailing = Some(yes);
        self
    }
}

/// `rate_new`'s flags and time for the options.
fn flags(
    throttle: bool,
    d: Option<Duration>,
    leading: Option<bool>,
    trailing: Option<bool>,
) -> (u32, f64) {
    let bit = |given: u32, value: u32, v: Option<bool>| match v {
        None => 0,
        Some(false) => given,
        Some(true) => given | value,
    };
    let mut f = if throttle { flag::THROTTLE } else { 0 };
    f |= bit(flag::LEADING_GIVEN, flag::LEADING, leading);
    f |= bit(flag::TRAILING_GIVEN, flag::TRAILING, trailing);
    match d {
        Some(d) => (f | flag::MS, ms(d)),
        None => (f, 0.0),
    }
}

/// What a call's future is given: `Some` output of its run, `None` (it
/// will not run) or the scope's reason.
type Out<T> = Result<Option<T>, Reason>;

/// What a call's future and the driver share.
type Cell<T> = Rc<RefCell<Once<Out<T>>>>;

/// A run: `f` called with the arguments; the future to spawn, which gives
/// its output to the cells (invariant #2).
type RunFn<A, T> = Rc<dyn Fn(A, Vec<Cell<T>>) -> LocalBoxFuture<'static, ()>>;

/// One limiter's state, shared by its handles and the driver's table.
struct Shared<A, T> {
    drv: Rc<Driver>,
    key: Key,
    /// `f`, until the end (invariant #1).
    run: RefCell<Option<RunFn<A, T>>>,
    /// The latest arguments of a call that joined the batch.
    args: RefCell<Option<A>>,
    /// The calls waiting for the trailing run.
    batch: RefCell<Vec<Cell<T>>>,
    /// The scope's reason, once it ended.
    reason: RefCell<Option<Reason>>,
}

/// The driver's view of a limiter (its table holds any `A`, `T`).
pub(crate) trait RateEntry {
    /// `RateFire`: the trailing run.
    fn fire(&self);
    /// `RateEnd`: with the scope's reason, or `None` (its last handle was
    /// dropped).
    fn end(&self, reason: Option<Reason>);
}

impl<A: 'static, T: Clone + 'static> Shared<A, T> {
    /// Runs `f(args)` for `cells` (invariant #2).
    fn start(&self, args: A, cells: Vec<Cell<T>>) {
        let run = self.run.borrow().clone();
        match run {
            Some(run) => {
                let fut = run(args, cells);
                self.drv.host.spawn(fut);
            }
            // Not reached: the machine answers no run after the end.
            None => {
                for c in &cells {
                    settle(c, Err(self.reason()));
                }
            }
        }
    }

    fn reason(&self) -> Reason {
        self.reason
            .borrow()
            .clone()
            .unwrap_or_else(Reason::scope_disposed)
    }
}

impl<A: 'static, T: Clone + 'static> RateEntry for Shared<A, T> {
    fn fire(&self) {
        let args = self.args.borrow_mut().take();
        let batch = std::mem::take(&mut *self.batch.borrow_mut());
        match args {
            Some(args) => self.start(args, batch),
            // Not reached: a batch has the arguments of its last call.
            None => {
                for c in &batch {
                    settle(c, Ok(None));
                }
            }
        }
    }

    fn end(&self, reason: Option<Reason>) {
        let run = self.run.borrow_mut().take();
        let args = self.args.borrow_mut().take();
        let batch = std::mem::take(&mut *self.batch.borrow_mut());
        drop((run, args));
        if let Some(r) = reason {
            *self.reason.borrow_mut() = Some(r.clone());
            for c in &batch {
                settle(c, Err(r.clone()));
            }
        }
    }
}

/// The handle users hold: the last one gone ends the limiter.
struct Handle<A, T> {
    shared: Rc<Shared<A, T>>,
}

impl<A, T> Drop for Handle<A, T> {
    fn drop(&mut self) {
        let sh = &self.shared;
        sh.drv.m.borrow_mut().rate_dispose(sh.key);
        sh.drv.run();
    }
}

/// What [`Debounced`] and [`Throttled`] share.
struct Limiter<A, T> {
    h: Rc<Handle<A, T>>,
}

impl<A, T> Clone for Limiter<A, T> {
    fn clone(&self) -> Self {
        Limiter { h: self.h.clone() }
    }
}

impl<A: 'static, T: Clone + 'static> Limiter<A, T> {
    fn make<F, Fut>(s: &Scope, f: F, (flags, ms): (u32, f64)) -> Result<Limiter<A, T>, Error>
    where
        F: Fn(A) -> Fut + 'static,
        Fut: Future<Output = T> + 'static,
    {
        let drv = s.drv();
        let made = drv.m.borrow_mut().rate_new(s.key(), flags, ms);
        let k = made?;
        let run: RunFn<A, T> = Rc::new(move |args: A, cells: Vec<Cell<T>>| {
            let fut = f(args);
            Box::pin(async move {
                let v = fut.await;
                let mut cells = cells;
                if let Some(last) = cells.pop() {
                    for c in &cells {
                        settle(c, Ok(Some(v.clone())));
                    }
                    settle(&last, Ok(Some(v)));
                }
            })
        });
        let shared = Rc::new(Shared {
            drv: drv.clone(),
            key: k,
            run: RefCell::new(Some(run)),
            args: RefCell::new(None),
            batch: RefCell::new(Vec::new()),
            reason: RefCell::new(None),
        });
        let entry: Rc<dyn RateEntry> = shared.clone();
        let old = drv.limiters.borrow_mut().set(k, entry);
        drop(old);
        drv.run(); // a cancelled scope's limiter ends at once
        Ok(Limiter {
            h: Rc::new(Handle { shared }),
        })
    }

    fn call(&self, args: A) -> RateCall<T> {
        let sh = &self.h.shared;
        let c = sh.drv.m.borrow_mut().rate_call(sh.key);
        sh.drv.run(); // its window timer
        let cell: Cell<T> = Rc::new(RefCell::new(Once::default()));
        let mut keep: Option<Rc<dyn Any>> = None;
        if c == call::RUN {
            sh.start(args, vec![cell.clone()]);
        } else if c == call::JOIN {
            let old = sh.args.borrow_mut().replace(args);
            drop(old);
            sh.batch.borrow_mut().push(cell.clone());
            keep = Some(self.h.clone());
        } else {
            drop(args);
            let out = if c == call::DROP {
                Ok(None)
            } else {
                Err(sh.reason())
            };
            *cell.borrow_mut() = Once::ready(out);
        }
        RateCall { cell, keep }
    }

    fn waiting(&self) -> usize {
        self.h.shared.batch.borrow().len()
    }
}

/// A debounced function (go-go-scope 2.x's `s.debounce(fn, options)`),
/// made by [`Scope::debounce`]: [`Debounced::call`] runs `f` once `wait`
/// passed since the last call, with that call's arguments (and, with
/// `leading`, a call into a quiet time at once). Every call's future gives
/// the output of the run it joined, `Ok(None)` if it will not run, or
/// `Err(reason)` once the scope ended.
///
/// Cheap to clone (clones are the same function); the last clone dropped
/// ends it (a waiting call keeps it).
///
/// ```
/// # use std::time::Duration;
/// # use futures::FutureExt;
/// # use go_go_scope_wasm::{DebounceOptions, ManualHost, Runtime, ScopeOptions};
/// let host = ManualHost::new();
/// let rt = Runtime::new(host.clone());
/// let s = rt.scope(ScopeOptions::default()).unwrap();
/// let search = s
///     .debounce(|q: &'static str| async move { q.len() }, DebounceOptions::default().wait(Duration::from_millis(100)))
///     .unwrap();
/// let a = search.call("h");
/// host.advance(50);
/// let b = search.call("hello"); // restarts the wait
/// host.advance(99);
/// assert_eq!(search.waiting(), 2);
/// host.advance(1); // one run, with the last call's arguments
/// assert_eq!(a.now_or_never(), Some(Ok(Some(5))));
/// assert_eq!(b.now_or_never(), Some(Ok(Some(5))));
/// ```
pub struct Debounced<A, T>(Limiter<A, T>);

/// A throttled function (go-go-scope 2.x's `s.throttle(fn, options)`),
/// made by [`Scope::throttle`]: [`Throttled::call`] runs `f` at most once
/// per `interval`: a call into a closed window runs at once (`leading`,
/// the default) and opens one; calls made in a window give `Ok(None)`, or
/// with `trailing` join one run at its end (which opens the next window).
///
/// Cheap to clone (clones are the same function); the last clone dropped
/// ends it (a waiting call keeps it).
///
/// ```
/// # use std::time::Duration;
/// # use futures::FutureExt;
/// # use go_go_scope_wasm::{ManualHost, Runtime, ScopeOptions, ThrottleOptions};
/// let host = ManualHost::new();
/// let rt = Runtime::new(host.clone());
/// let s = rt.scope(ScopeOptions::default()).unwrap();
/// let report = s
///     .throttle(|pos: u32| async move { pos * 10 }, ThrottleOptions::default().interval(Duration::from_secs(1)))
///     .unwrap();
/// let first = report.call(1); // runs at once
/// let second = report.call(2); // in the window: will not run
/// host.run();
/// assert_eq!(first.now_or_never(), Some(Ok(Some(10))));
/// assert_eq!(second.now_or_never(), Some(Ok(None)));
/// host.advance(1_000);
/// let third = report.call(3);
/// host.run();
/// assert_eq!(third.now_or_never(), Some(Ok(Some(30))));
/// ```
pub struct Throttled<A, T>(Limiter<A, T>);

impl Scope {
    /// A debounced `f` that ends with this scope (go-go-scope 2.x's
    /// `s.debounce(fn, { wait, leading, trailing })`): see [`Debounced`].
    /// `f` is called with a call's arguments when the machine says it
    /// runs; its future runs on the host to its end. Fails on a disposed
    /// scope.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use futures::FutureExt;
    /// # use go_go_scope_wasm::{DebounceOptions, ManualHost, Runtime, ScopeOptions};
    /// # let host = ManualHost::new();
    /// # let rt = Runtime::new(host.clone());
    /// let s = rt.scope(ScopeOptions::default()).unwrap();
    /// // Leading only: the first call of a burst runs, the others will not.
    /// let save = s
    ///     .debounce(
    ///         |n: u32| async move { n },
    ///         DebounceOptions::default().wait(Duration::from_millis(100)).leading(true).trailing(false),
    ///     )
    ///     .unwrap();
    /// let (a, b) = (save.call(1), save.call(2));
    /// host.run();
    /// assert_eq!((a.now_or_never(), b.now_or_never()), (Some(Ok(Some(1))), Some(Ok(None))));
    /// let _ = s.dispose();
    /// assert!(save.call(3).now_or_never().unwrap().unwrap_err().is_disposed());
    /// ```
    pub fn debounce<A, T, F, Fut>(
        &self,
        f: F,
        options: DebounceOptions,
    ) -> Result<Debounced<A, T>, Error>
    where
        A: 'static,
        T: Clone + 'static,
        F: Fn(A) -> Fut + 'static,
        Fut: Future<Output = T> + 'static,
    {
        let o = options;
        let fl = flags(false, o.wait, o.leading, o.trailing);
        Ok(Debounced(Limiter::make(self, f, fl)?))
    }

    /// A throttled `f` that ends with this scope (go-go-scope 2.x's
    /// `s.throttle(fn, { interval, leading, trailing })`): see
    /// [`Throttled`]. Fails on a disposed scope.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use futures::FutureExt;
    /// # use go_go_scope_wasm::{ManualHost, Runtime, ScopeOptions, ThrottleOptions};
    /// # let host = ManualHost::new();
    /// # let rt = Runtime::new(host.clone());
    /// let s = rt.scope(ScopeOptions::default()).unwrap();
    /// let o = ThrottleOptions::default().interval(Duration::from_millis(100)).trailing(true);
    /// let t = s.throttle(|n: u32| async move { n }, o).unwrap();
    /// let first = t.call(1); // at once
    /// let (b, c) = (t.call(2), t.call(3)); // one trailing run, with 3
    /// host.advance(100);
    /// assert_eq!(first.now_or_never(), Some(Ok(Some(1))));
    /// assert_eq!((b.now_or_never(), c.now_or_never()), (Some(Ok(Some(3))), Some(Ok(Some(3)))));
    /// ```
    pub fn throttle<A, T, F, Fut>(
        &self,
        f: F,
        options: ThrottleOptions,
    ) -> Result<Throttled<A, T>, Error>
    where
        A: 'static,
        T: Clone + 'static,
        F: Fn(A) -> Fut + 'static,
        Fut: Future<Output = T> + 'static,
    {
        let o = options;
        let fl = flags(true, o.interval, o.leading, o.trailing);
        Ok(Throttled(Limiter::make(self, f, fl)?))
    }
}

impl<A: 'static, T: Clone + 'static> Debounced<A, T> {
    /// Calls the debounced function: the future gives `Ok(Some(output))`
    /// of the run this call joined, `Ok(None)` if it will not run (with
    /// `trailing` off), or `Err(reason)` if the scope ended first (every
    /// waiting and later call). Dropping the future does not stop its run.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use futures::FutureExt;
    /// # use go_go_scope_wasm::{DebounceOptions, ManualHost, Runtime, ScopeOptions};
    /// # let host = ManualHost::new();
    /// # let rt = Runtime::new(host.clone());
    /// let s = rt.scope(ScopeOptions::default()).unwrap();
    /// let d = s.debounce(|n: u32| async move { n + 1 }, DebounceOptions::default()).unwrap();
    /// let waiting = d.call(1);
    /// let _ = s.dispose(); // before the 300 ms
    /// assert!(waiting.now_or_never().unwrap().unwrap_err().is_disposed());
    /// ```
    pub fn call(&self, args: A) -> RateCall<T> {
        self.0.call(args)
    }

    /// Calls waiting for the trailing run.
    ///
    /// ```
    /// # use go_go_scope_wasm::{DebounceOptions, ManualHost, Runtime, ScopeOptions};
    /// # let rt = Runtime::new(ManualHost::new());
    /// # let s = rt.scope(ScopeOptions::default()).unwrap();
    /// let d = s.debounce(|n: u32| async move { n }, DebounceOptions::default()).unwrap();
    /// let _a = d.call(1);
    /// assert_eq!(d.waiting(), 1);
    /// ```
    pub fn waiting(&self) -> usize {
        self.0.waiting()
    }
}

impl<A: 'static, T: Clone + 'static> Throttled<A, T> {
    /// Calls the throttled function: the future gives `Ok(Some(output))`
    /// of the run this call joined, `Ok(None)` if it will not run, or
    /// `Err(reason)` if the scope ended first. Dropping the future does not
    /// stop its run.
    ///
    /// ```
    /// # use futures::FutureExt;
    /// # use go_go_scope_wasm::{ManualHost, Runtime, ScopeOptions, ThrottleOptions};
    /// # let host = ManualHost::new();
    /// # let rt = Runtime::new(host.clone());
    /// let s = rt.scope(ScopeOptions::default()).unwrap();
    /// let t = s.throttle(|n: u32| async move { n }, ThrottleOptions::default()).unwrap();
    /// let first = t.call(7);
    /// host.run();
    /// assert_eq!(first.now_or_never(), Some(Ok(Some(7))));
    /// ```
    pub fn call(&self, args: A) -> RateCall<T> {
        self.0.call(args)
    }

    /// Calls waiting for the trailing run (with `trailing` on).
    ///
    /// ```
    /// # use go_go_scope_wasm::{ManualHost, Runtime, ScopeOptions, ThrottleOptions};
    /// # let rt = Runtime::new(ManualHost::new());
    /// # let s = rt.scope(ScopeOptions::default()).unwrap();
    /// let t = s.throttle(|n: u32| async move { n }, ThrottleOptions::default().trailing(true)).unwrap();
    /// let (_a, _b) = (t.call(1), t.call(2));
    /// assert_eq!(t.waiting(), 1); // the first ran at once
    /// ```
    pub fn waiting(&self) -> usize {
        self.0.waiting()
    }
}

impl<A, T> Clone for Debounced<A, T> {
    fn clone(&self) -> Self {
        Debounced(self.0.clone())
    }
}

impl<A, T> Clone for Throttled<A, T> {
    fn clone(&self) -> Self {
        Throttled(self.0.clone())
    }
}

impl<A, T> fmt::Debug for Debounced<A, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Debounced")
            .field("waiting", &self.0.h.shared.batch.borrow().len())
            .finish()
    }
}

impl<A, T> fmt::Debug for Throttled<A, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Throttled")
            .field("waiting", &self.0.h.shared.batch.borrow().len())
            .finish()
    }
}

/// The future of [`Debounced::call`] and [`Throttled::call`]:
/// `Ok(Some(output))` of the run the call joined, `Ok(None)` for a call
/// that will not run (go-go-scope 2.x's `[undefined, undefined]`), or
/// `Err(reason)` with the scope's reason if it ended before the run.
/// Dropping it does not stop the run; a call waiting for the trailing
/// run keeps its function alive.
///
/// ```
/// # use std::time::Duration;
/// # use futures::FutureExt;
/// # use go_go_scope_wasm::{DebounceOptions, ManualHost, Runtime, ScopeOptions};
/// # let host = ManualHost::new();
/// # let rt = Runtime::new(host.clone());
/// # let s = rt.scope(ScopeOptions::default()).unwrap();
/// let d = s.debounce(|n: u32| async move { n }, DebounceOptions::default()).unwrap();
/// let mut c = d.call(1);
/// host.advance(299);
/// assert!((&mut c).now_or_never().is_none());
/// host.advance(1);
/// assert_eq!(c.now_or_never(), Some(Ok(Some(1))));
/// ```
#[must_use = "a call's future gives its run's output"]
pub struct RateCall<T> {
    cell: Cell<T>,
    /// A handle while the call waits for the trailing run (invariant #1).
    keep: Option<Rc<dyn Any>>,
}

impl<T> Future for RateCall<T> {
    type Output = Result<Option<T>, Reason>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let out = self.cell.borrow_mut().poll(cx);
        if out.is_ready() {
            let keep = self.keep.take();
            drop(keep);
        }
        out
    }
}

impl<T> fmt::Debug for RateCall<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RateCall")
            .field("settled", &self.cell.borrow().is_set())
            .finish()
    }
}

impl Driver {
    /// `RateFire(limiter)`: the trailing run.
    pub(crate) fn on_rate_fire(&self, k: f64) {
        let e = key(k).and_then(|k| self.limiters.borrow().get(k).cloned());
        if let Some(e) = e {
            e.fire();
        }
    }

    /// `RateEnd(limiter, reason)`: settle the waiting calls with the
    /// reason, keep it, forget `f` (reason -1: the last handle dropped).
    pub(crate) fn on_rate_end(&self, k: f64, r: f64) {
        let Some(e) = key(k).and_then(|k| self.limiters.borrow_mut().take(k)) else {
            return;
        };
        let reason = if r < 0.0 {
            None
        } else {
            Some(self.reason_of(r).unwrap_or_else(Reason::scope_disposed))
        };
        e.end(reason);
    }
}
