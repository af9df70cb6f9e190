//! Polls: [`poll`], [`Scope::poll`] and the [`PollController`]. When a call
//! is due, what `status()` says, no overlap and death on abort are the
//! machine's (`machine/poll.rs`); here are the calls of the function and of
//! `on_value`, and their reports.
//!
//! # Invariants
//!
//! 1. A call's future is dropped when the poll dies (its signal or scope
//!    aborted: `PollEnd`), at once, like a task attempt's; if it is being
//!    polled then, when that poll returns. Nothing is reported for it.
//! 2. The driver keeps a poll from `poll_new` to its `PollEnd`, which
//!    leaves the final status with the controller and frees the record
//!    (`poll_free`).

use std::cell::{Cell, RefCell};
use std::fmt;
use std::future::Future;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use futures::future::LocalBoxFuture;
use futures::FutureExt;

use super::error::Error;
use super::runtime::{Driver, Runtime};
use super::scope::{ms, Scope, Services};
use super::signal::{NodeCtl, Reason};
use super::table::key;
use super::task::{CtxSource, TaskContext};
use crate::machine::poll::PollRefused;
use crate::machine::slab::Key;

/// Options of [`poll`] (1.0's `{ interval, immediate, signal }`).
///
/// ```
/// # use std::time::Duration;
/// # use go_go_scope_wasm::{ManualHost, PollOptions, Runtime, ScopeOptions};
/// # let host = ManualHost::new();
/// # let rt = Runtime::new(host.clone());
/// # let s = rt.scope(ScopeOptions::default()).unwrap();
/// let options = PollOptions { interval: Some(Duration::from_secs(1)), ..PollOptions::default() };
/// assert!(options.immediate);
/// let c = s.poll(|_ctx| async { Ok::<_, ()>(()) }, |_| {}, options).unwrap();
/// host.advance(2_000);
/// assert_eq!(c.status().poll_count, 3); // at 0, 1 s and 2 s
/// ```
#[derive(Clone, Debug)]
pub struct PollOptions {
    /// Time between the end of a call and the next (default 5 s).
    pub interval: Option<Duration>,
    /// First call at once (default `true`); `false` creates the poll
    /// stopped, and `start()` makes its first call after `interval`.
    pub immediate: bool,
    /// Polling stops for good when it aborts ([`Scope::poll`] uses its
    /// scope's signal instead).
    pub signal: Option<web_sys::AbortSignal>,
}

impl Default for PollOptions {
    fn default() -> Self {
        PollOptions {
            interval: None,
            immediate: true,
            signal: None,
        }
    }
}

impl PollOptions {
    /// Sets [`PollOptions::interval`].
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use go_go_scope_wasm::{ManualHost, PollOptions, Runtime, ScopeOptions};
    /// # let host = ManualHost::new();
    /// # let rt = Runtime::new(host.clone());
    /// # let s = rt.scope(ScopeOptions::default()).unwrap();
    /// let every_10s = PollOptions::default().interval(Duration::from_secs(10));
    /// let c = s.poll(|_ctx| async { Ok::<_, ()>(()) }, |_| {}, every_10s).unwrap();
    /// host.advance(25_000);
    /// assert_eq!(c.status().poll_count, 3);
    /// ```
    pub fn interval(mut self, d: Duration) -> Self {
        self.interval = Some(d);
        self
    }

    /// Sets [`PollOptions::immediate`].
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use go_go_scope_wasm::{ManualHost, PollOptions, Runtime, ScopeOptions};
    /// # let host = ManualHost::new();
    /// # let rt = Runtime::new(host.clone());
    /// # let s = rt.scope(ScopeOptions::default()).unwrap();
    /// let options = PollOptions::default().interval(Duration::from_secs(1)).immediate(false);
    /// let c = s.poll(|_ctx| async { Ok::<_, ()>(()) }, |_| {}, options).unwrap();
    /// host.advance(5_000);
    /// assert_eq!(c.status().poll_count, 0); // created stopped
    /// c.start();
    /// host.advance(1_000);
    /// assert_eq!(c.status().poll_count, 1);
    /// ```
    pub fn immediate(mut self, yes: bool) -> Self {
        self.immediate = yes;
        self
    }
}

/// What [`PollController::status`] says (1.0's `status()`). Times are the
/// host's clock in ms (`Date.now()` on the web).
///
/// ```
/// # use std::time::Duration;
/// # use go_go_scope_wasm::{ManualHost, PollOptions, Runtime, ScopeOptions};
/// # let host = ManualHost::new();
/// # let rt = Runtime::new(host.clone());
/// # let s = rt.scope(ScopeOptions::default()).unwrap();
/// let options = PollOptions::default().interval(Duration::from_secs(10));
/// let c = s.poll(|_ctx| async { Ok::<_, ()>(()) }, |_| {}, options).unwrap();
/// host.advance(4_000);
/// let st = c.status();
/// assert!(st.running);
/// assert_eq!((st.poll_count, st.last_poll_time, st.next_poll_time), (1, Some(0.0), Some(10_000.0)));
/// assert_eq!(st.time_until_next, Duration::from_secs(6));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct PollStatus {
    pub running: bool,
    /// Calls made so far.
    pub poll_count: u64,
    /// Until the next call (zero when stopped or due).
    pub time_until_next: Duration,
    pub last_poll_time: Option<f64>,
    pub next_poll_time: Option<f64>,
}

/// What the controller and the driver share.
struct PollBase {
    drv: Rc<Driver>,
    key: Key,
    services: Option<Services>,
    /// The poll's signal's controller, once a call needed it.
    ctl: RefCell<Option<Rc<NodeCtl>>>,
    node: Cell<f64>,
    /// The final status, once the poll died.
    end: RefCell<Option<PollStatus>>,
}

impl CtxSource for PollBase {
    fn services(&self) -> Services {
        self.services.clone().unwrap_or_default()
    }

    fn ctl(&self) -> Option<Rc<NodeCtl>> {
        self.ctl.borrow().clone()
    }

    fn web_signal(&self) -> web_sys::AbortSignal {
        match self.ctl() {
            Some(c) => c.web_signal(),
            None => super::signal::abort_signal_with(&wasm_bindgen::JsValue::UNDEFINED),
        }
    }

    fn id(&self) -> u64 {
        0
    }
}

type OnValue<T> = Box<dyn FnMut(T)>;
/// A call in flight: its serial and its future.
type InFlight<T, E> = (u32, LocalBoxFuture<'static, Result<T, E>>);
type PollFn<T, E> = Box<dyn FnMut(TaskContext) -> LocalBoxFuture<'static, Result<T, E>>>;

/// One poll: its base, its closures, and the call in flight.
struct PollShared<T, E> {
    base: Rc<PollBase>,
    f: RefCell<Option<PollFn<T, E>>>,
    on_value: RefCell<Option<OnValue<T>>>,
    /// The call in flight: its serial and future (taken out while it is
    /// polled), and the waker of the host task that runs it.
    call: RefCell<Option<InFlight<T, E>>>,
    waker: RefCell<Option<Waker>>,
    /// The poll died (invariant #1).
    dead: Cell<bool>,
}

/// What the driver's table holds of a poll.
pub(crate) trait PollEntry {
    /// `PollCall(poll, serial, node)`.
    fn call(self: Rc<Self>, serial: u32, node: f64);
    /// `PollEnd(poll, count, last)`.
    fn end(&self, count: f64, last: f64);
}

impl<T: 'static, E: 'static> PollShared<T, E> {
    fn settled(&self, serial: u32, out: Option<T>) {
        let b = &self.base;
        let now = b.drv.now();
        let ok = out.is_some();
        let go = b.drv.m.borrow_mut().poll_settled(b.key, serial, ok, now);
        if let (true, Some(v)) = (go, out) {
            let f = self.on_value.borrow_mut().take();
            if let Some(mut f) = f {
                f(v);
                let mut slot = self.on_value.borrow_mut();
                if slot.is_none() && !self.dead.get() {
                    *slot = Some(f);
                }
            }
            let now = b.drv.now();
            b.drv.m.borrow_mut().poll_done(b.key, serial, true, now);
        }
        b.drv.after();
    }

    /// Polls the call in flight (taken out of its cell while it runs).
    /// `Ready` once it ended, or the poll died.
    fn run_call(&self, cx: &mut Context<'_>) -> Poll<()> {
        let call = self.call.borrow_mut().take();
        let Some((serial, mut fut)) = call else {
            return Poll::Ready(());
        };
        if self.dead.get() {
            drop(fut);
            return Poll::Ready(());
        }
        match fut.as_mut().poll(cx) {
            Poll::Ready(out) => {
                drop(fut);
                if !self.dead.get() {
                    self.settled(serial, out.ok());
                }
                Poll::Ready(())
            }
            // Died while it ran: dropped here.
            Poll::Pending if self.dead.get() => Poll::Ready(()),
            Poll::Pending => {
                *self.call.borrow_mut() = Some((serial, fut));
                let mut w = self.waker.borrow_mut();
                match &*w {
                    Some(old) if old.will_wake(cx.waker()) => {}
                    _ => *w = Some(cx.waker().clone()),
                }
                Poll::Pending
            }
        }
    }
}

impl<T: 'static, E: 'static> PollEntry for PollShared<T, E> {
    fn call(self: Rc<Self>, serial: u32, node: f64) {
        let b = self.base.clone();
        let now = b.drv.now();
        if !b.drv.m.borrow_mut().poll_begin(b.key, serial, now) {
            return;
        }
        if b.ctl.borrow().is_none() {
            b.node.set(node);
            let c = key(node).and_then(|n| b.drv.watch(n));
            *b.ctl.borrow_mut() = c;
        }
        let f = self.f.borrow_mut().take();
        let Some(mut f) = f else { return };
        let fut = f(TaskContext(b.clone()));
        {
            let mut slot = self.f.borrow_mut();
            if slot.is_none() && !self.dead.get() {
                *slot = Some(f);
            }
        }
        let old = self.call.borrow_mut().replace((serial, fut));
        drop(old);
        let mut cx = Context::from_waker(Waker::noop());
        if self.run_call(&mut cx).is_pending() {
            let poll = self.clone();
            let host = b.drv.host.clone();
            host.spawn(Box::pin(futures::future::poll_fn(move |cx| {
                poll.run_call(cx)
            })));
        }
    }

    fn end(&self, count: f64, last: f64) {
        let b = &self.base;
        self.dead.set(true);
        *b.end.borrow_mut() = Some(PollStatus {
            running: false,
            poll_count: count as u64,
            time_until_next: Duration::ZERO,
            last_poll_time: (last >= 0.0).then_some(last),
            next_poll_time: None,
        });
        // The call in flight stops now (invariant #1), then the closures go.
        let call = self.call.borrow_mut().take();
        drop(call);
        let (f, v) = (
            self.f.borrow_mut().take(),
            self.on_value.borrow_mut().take(),
        );
        drop((f, v));
        let w = self.waker.borrow_mut().take();
        if let Some(w) = w {
            w.wake(); // its host task ends
        }
        b.drv.m.borrow_mut().poll_free(b.key);
    }
}

/// Controls a poll (1.0's `PollController`): `start`, `stop`, `status`.
/// Dropping it does not stop the poll (its signal or scope does).
///
/// ```
/// # use std::time::Duration;
/// # use go_go_scope_wasm::{ManualHost, PollOptions, Runtime, ScopeOptions};
/// # let host = ManualHost::new();
/// # let rt = Runtime::new(host.clone());
/// # let s = rt.scope(ScopeOptions::default()).unwrap();
/// let options = PollOptions::default().interval(Duration::from_secs(1));
/// let c = s.poll(|_ctx| async { Ok::<_, ()>(()) }, |_| {}, options).unwrap();
/// c.stop();
/// host.advance(5_000);
/// assert_eq!(c.status().poll_count, 1); // only the immediate call
/// c.start(); // with `immediate`, a call at once
/// assert_eq!(c.status().poll_count, 2);
/// ```
#[derive(Clone)]
pub struct PollController {
    base: Rc<PollBase>,
}

impl PollController {
    /// Starts or resumes polling (nothing while running or once dead).
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use go_go_scope_wasm::{ManualHost, PollOptions, Runtime, ScopeOptions};
    /// # let host = ManualHost::new();
    /// # let rt = Runtime::new(host.clone());
    /// # let s = rt.scope(ScopeOptions::default()).unwrap();
    /// let options = PollOptions::default().interval(Duration::from_secs(1)).immediate(false);
    /// let c = s.poll(|_ctx| async { Ok::<_, ()>(()) }, |_| {}, options).unwrap();
    /// assert!(!c.status().running);
    /// c.start();
    /// assert!(c.status().running);
    /// ```
    pub fn start(&self) {
        let b = &self.base;
        let now = b.drv.now();
        b.drv.m.borrow_mut().poll_start(b.key, now);
        b.drv.run();
    }

    /// Stops polling; a call in flight runs to its end.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use go_go_scope_wasm::{ManualHost, PollOptions, Runtime, ScopeOptions};
    /// # let host = ManualHost::new();
    /// # let rt = Runtime::new(host.clone());
    /// # let s = rt.scope(ScopeOptions::default()).unwrap();
    /// let options = PollOptions::default().interval(Duration::from_secs(1));
    /// let c = s.poll(|_ctx| async { Ok::<_, ()>(()) }, |_| {}, options).unwrap();
    /// host.advance(1_000);
    /// c.stop();
    /// host.advance(10_000);
    /// assert_eq!(c.status().poll_count, 2);
    /// assert!(!c.status().running);
    /// ```
    pub fn stop(&self) {
        let b = &self.base;
        b.drv.m.borrow_mut().poll_stop(b.key);
        b.drv.run();
    }

    /// Where the poll is.
    ///
    /// ```
    /// # use go_go_scope_wasm::{ManualHost, PollOptions, Runtime, ScopeOptions};
    /// # let host = ManualHost::new();
    /// # let rt = Runtime::new(host.clone());
    /// # let s = rt.scope(ScopeOptions::default()).unwrap();
    /// let c = s.poll(|_ctx| async { Ok::<_, ()>(()) }, |_| {}, PollOptions::default()).unwrap();
    /// assert_eq!((c.status().running, c.status().poll_count), (true, 1));
    /// let _ = s.dispose();
    /// host.run();
    /// assert!(!c.status().running); // the final status, kept once the poll died
    /// ```
    pub fn status(&self) -> PollStatus {
        let b = &self.base;
        if let Some(end) = b.end.borrow().clone() {
            return end;
        }
        let now = b.drv.now();
        let s = b.drv.m.borrow().poll_status(b.key, now);
        match s {
            Some(s) => PollStatus {
                running: s.running,
                poll_count: s.poll_count,
                time_until_next: Duration::try_from_secs_f64(s.time_until_next.max(0.0) / 1000.0)
                    .unwrap_or(Duration::MAX),
                last_poll_time: s.last_poll_time,
                next_poll_time: s.next_poll_time,
            },
            None => PollStatus {
                running: false,
                poll_count: 0,
                time_until_next: Duration::ZERO,
                last_poll_time: None,
                next_poll_time: None,
            },
        }
    }
}

impl fmt::Debug for PollController {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("PollController")
            .field(&self.status())
            .finish()
    }
}

fn create<T, E, F, Fut, V>(
    drv: &Rc<Driver>,
    scope: Option<&Scope>,
    mut f: F,
    on_value: V,
    options: PollOptions,
) -> Result<PollController, Error>
where
    T: 'static,
    E: 'static,
    F: FnMut(TaskContext) -> Fut + 'static,
    Fut: Future<Output = Result<T, E>> + 'static,
    V: FnMut(T) + 'static,
{
    let link = match (scope, &options.signal) {
        (None, Some(s)) => Some(drv.link(s)),
        _ => None,
    };
    let now = drv.now();
    let made = drv.m.borrow_mut().poll_new(
        scope.map(Scope::key),
        link,
        options.interval.map(ms),
        options.immediate,
        now,
    );
    let k = match made {
        Ok(k) => k,
        Err(refused) => {
            if let (Some(l), PollRefused::Fail(_)) = (link, refused) {
                drv.m.borrow_mut().drop_unused_link(l);
            }
            drv.run();
            return Err(match refused {
                PollRefused::Fail(f) => f.into(),
                // Aborted already: 1.0 throws the reason.
                PollRefused::Aborted => Error::Aborted(match scope {
                    Some(s) => s.reason().unwrap_or_else(Reason::scope_disposed),
                    None => aborted_signal_reason(&options),
                }),
            });
        }
    };
    let base = Rc::new(PollBase {
        drv: drv.clone(),
        key: k,
        services: scope.map(Scope::services),
        ctl: RefCell::new(None),
        node: Cell::new(-1.0),
        end: RefCell::new(None),
    });
    let shared = Rc::new(PollShared {
        base: base.clone(),
        f: RefCell::new(Some(Box::new(move |ctx| f(ctx).boxed_local()))),
        on_value: RefCell::new(Some(Box::new(on_value))),
        call: RefCell::new(None),
        waker: RefCell::new(None),
        dead: Cell::new(false),
    });
    let old = drv.polls.borrow_mut().set(k, shared);
    drop(old);
    drv.run(); // the first call, with `immediate`
    Ok(PollController { base })
}

/// The reason of an options' `signal` that was aborted already.
fn aborted_signal_reason(options: &PollOptions) -> Reason {
    if let Some(s) = &options.signal {
        return Reason::from_signal(s.reason());
    }
    Reason::scope_disposed()
}

/// Calls `f` every `interval` (no overlap: the next call is scheduled
/// when the previous one ended) and hands each value to `on_value`; a
/// failed call is skipped (1.0's `poll(fn, onValue, options)`). The call's
/// future is dropped if the signal aborts while it runs.
///
/// ```
/// # use std::time::Duration;
/// # use std::rc::Rc;
/// # use std::cell::Cell;
/// # use go_go_scope_wasm::{ManualHost, PollOptions, Runtime, ScopeOptions};
/// let host = ManualHost::new();
/// let rt = Runtime::new(host.clone());
/// let s = rt.scope(ScopeOptions::default()).unwrap();
/// let seen = Rc::new(Cell::new(0));
/// let count = seen.clone();
/// let c = s
///     .poll(
///         |_ctx| async { Ok::<_, ()>("config") },
///         move |_config| count.set(count.get() + 1),
///         PollOptions::default().interval(Duration::from_secs(30)),
///     )
///     .unwrap();
/// host.advance(60_000);
/// assert_eq!((seen.get(), c.status().poll_count), (3, 3));
/// let _ = s.dispose(); // polling stops for good
/// host.advance(60_000);
/// assert_eq!(seen.get(), 3);
/// ```
pub fn poll<T, E, F, Fut, V>(
    f: F,
    on_value: V,
    options: PollOptions,
) -> Result<PollController, Error>
where
    T: 'static,
    E: 'static,
    F: FnMut(TaskContext) -> Fut + 'static,
    Fut: Future<Output = Result<T, E>> + 'static,
    V: FnMut(T) + 'static,
{
    create(Runtime::current().driver(), None, f, on_value, options)
}

impl Scope {
    /// [`poll`] under this scope: its signal (polling stops for good when
    /// the scope ends) and services (1.0's `s.poll`; `options.signal` is
    /// not used).
    ///
    /// ```
    /// # use go_go_scope_wasm::{ManualHost, PollOptions, Runtime, ScopeOptions};
    /// # let host = ManualHost::new();
    /// # let rt = Runtime::new(host.clone());
    /// # let s = rt.scope(ScopeOptions::default()).unwrap();
    /// let c = s.poll(|_ctx| async { Ok::<_, ()>(1) }, |_| {}, PollOptions::default()).unwrap();
    /// let _ = s.dispose(); // polling stops for good
    /// host.run();
    /// assert!(!c.status().running);
    /// let e = s.poll(|_ctx| async { Ok::<_, ()>(1) }, |_| {}, PollOptions::default()).unwrap_err();
    /// assert!(e.is_aborted());
    /// ```
    pub fn poll<T, E, F, Fut, V>(
        &self,
        f: F,
        on_value: V,
        options: PollOptions,
    ) -> Result<PollController, Error>
    where
        T: 'static,
        E: 'static,
        F: FnMut(TaskContext) -> Fut + 'static,
        Fut: Future<Output = Result<T, E>> + 'static,
        V: FnMut(T) + 'static,
    {
        create(self.drv(), Some(self), f, on_value, options)
    }
}

impl Driver {
    /// `PollCall(poll, serial, node)`.
    pub(crate) fn on_poll_call(&self, p: f64, serial: u32, node: f64) {
        let e = key(p).and_then(|k| self.polls.borrow().get(k).cloned());
        if let Some(e) = e {
            e.call(serial, node);
        }
    }

    /// `PollEnd(poll, count, last)`: the driver lets go of the poll.
    pub(crate) fn on_poll_end(&self, p: f64, count: f64, last: f64) {
        let e = key(p).and_then(|k| self.polls.borrow_mut().take(k));
        if let Some(e) = e {
            e.end(count, last);
        }
    }
}
