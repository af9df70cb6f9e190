//! The driver's heart: one [`Machine`], the tables of Rust things kept by
//! its keys, and the effect loop. The Rust counterpart of the TypeScript
//! executor's `wasm.ts`, as quinn drives quinn-proto.
//!
//! - The machine decides; the driver carries out its effects and keeps the
//!   Rust things (futures' cells, closures, timers, controllers, links) in
//!   [`Table`]s keyed by the machine's ids.
//! - No borrow of the machine or of a table is held while user code runs
//!   (a closure, a future's poll, a `Drop`): a call into the machine
//!   returns, its effects are copied out, and only then are they applied.
//!   User code that re-enters the library makes a new call.
//! - A user command applies its own effects before it returns (its queue
//!   is its own, [`Driver::run`]). An event reported from inside an effect
//!   handler appends its effects to the queue being applied
//!   ([`Driver::after`]), so long chains never recurse.
//!
//! # Invariants
//!
//! 1. Every effect the machine emits is applied exactly once, in order
//!    within its queue.
//! 2. Each table empties together with the machine's table it mirrors:
//!    an entry is made with the id and taken by the id's release effect
//!    (STYLE #8), so [`Runtime::live`] is all zeros once every scope ended.
//! 3. Task attempts that must wait are the driver's to run: the running
//!    attempt of a task (one at a time) is found through the task's entry
//!    in [`Driver::tasks`], woken into the ready queue by its waker, and
//!    polled by one pump the host runs per batch of wake-ups (no executor
//!    task, no box per attempt). A wake for an attempt that ended or was
//!    replaced finds another serial, or nothing, and changes nothing.

use std::any::{Any, TypeId};
use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};
use std::sync::Arc;
use std::task::Waker;

use futures::task::ArcWake;

use super::channel::ChanEntry;
use super::group::GroupEntry;
use super::host::{Host, TimerGuard};
use super::poll::PollEntry;
use super::scope::{CleanupFn, ScopeShared};
use super::semaphore::SemEntry;
use super::signal::{Link, NodeCtl, Reason};
use super::stream::StreamEntry;
use super::table::{key, Table};
use super::task::TaskEntry;
use super::telemetry::{Spans, TelRec};
use crate::machine::effect::Op;
use crate::machine::slab::Key;
use crate::machine::Machine;

/// One effect: `[op, a, b, c]` (machine `effect.rs`).
type Fx = [f64; 4];

/// The machine and everything the driver keeps for it.
pub(crate) struct Driver {
    pub(crate) m: RefCell<Machine>,
    pub(crate) host: Rc<dyn Host>,
    /// This runtime's place in its thread's [`RUNTIMES`] (wakers name it).
    id: Place,
    /// The batch being polled (its vector, kept between pumps).
    batch: RefCell<Vec<(Key, u32)>>,
    /// The effects being applied. Each `run` applies its own range, from
    /// where it started to the end (a nested `run` appends after its
    /// caller's and truncates back when done); `after` appends to the end,
    /// so the innermost `run` applies it.
    queue: RefCell<Vec<Fx>>,
    /// Nesting depth of `run` (0: no effect is being applied).
    depth: Cell<u32>,
    pub(crate) tasks: RefCell<Table<Rc<dyn TaskEntry>>>,
    pub(crate) scopes: RefCell<Table<Rc<ScopeShared>>>,
    pub(crate) reasons: RefCell<Table<Reason>>,
    pub(crate) nodes: RefCell<Table<Rc<NodeCtl>>>,
    pub(crate) timers: RefCell<Table<TimerGuard>>,
    pub(crate) cleanups: RefCell<Table<CleanupFn>>,
    /// The `on_cleanup` of the task being spawned, keyed when `CleanupKey`
    /// arrives.
    pub(crate) pending_cleanup: RefCell<Option<CleanupFn>>,
    pub(crate) links: RefCell<Table<Link>>,
    /// The user signal being linked (read by the `Link` effect).
    pub(crate) linking: RefCell<Option<web_sys::AbortSignal>>,
    /// The link key of each linked signal (weakly: a signal nobody holds
    /// is collected with its entry), made on first use.
    link_keys: std::cell::OnceCell<js_sys::WeakMap>,
    pub(crate) channels: RefCell<Table<Rc<dyn ChanEntry>>>,
    /// Channel slot contents, one store per value type (channel.rs).
    pub(crate) stores: RefCell<Vec<(TypeId, Rc<dyn Any>)>>,
    pub(crate) semaphores: RefCell<Table<Rc<dyn SemEntry>>>,
    /// Waiting acquires by slot (the machine's semaphore slots).
    pub(crate) sem_waiters: RefCell<Vec<Option<Rc<super::semaphore::Waiter>>>>,
    pub(crate) polls: RefCell<Table<Rc<dyn PollEntry>>>,
    pub(crate) streams: RefCell<Table<Rc<dyn StreamEntry>>>,
    pub(crate) groups: RefCell<Table<Rc<dyn GroupEntry>>>,
    /// Telemetry records of traced scopes and their tasks.
    /// The span code, once a traced scope installed it (telemetry.rs).
    pub(crate) spans: Cell<Option<&'static Spans>>,
    pub(crate) tel_scopes: RefCell<Table<Rc<TelRec>>>,
    pub(crate) tel_tasks: RefCell<Table<Rc<TelRec>>>,
    /// `scope.delay` futures' cells, by sleep key.
    pub(crate) sleeps: RefCell<Table<Rc<RefCell<super::delay::SleepCell>>>>,
    /// Waiting selects' cells, by select key.
    pub(crate) selects: RefCell<Table<Rc<RefCell<super::select::SelCell>>>>,
    /// Token buckets by key, until their `BucketEnd`.
    pub(crate) buckets: RefCell<Table<Rc<super::token_bucket::BucketShared>>>,
    /// Waiting token-bucket acquires' cells, by waiter key.
    pub(crate) bucket_waiters: RefCell<Table<Rc<super::token_bucket::WaitCell>>>,
    /// Debounced and throttled functions by key, until their `RateEnd`.
    pub(crate) limiters: RefCell<Table<Rc<dyn super::rate::RateEntry>>>,
}

impl Driver {
    fn new(host: Rc<dyn Host>) -> Rc<Driver> {
        Rc::new_cyclic(|weak| Driver::with(host, Ready::enter(weak.clone())))
    }

    fn with(host: Rc<dyn Host>, id: Place) -> Driver {
        Driver {
            m: RefCell::new(Machine::new()),
            host,
            id,
            batch: RefCell::default(),
            queue: RefCell::default(),
            depth: Cell::new(0),
            tasks: RefCell::default(),
            scopes: RefCell::default(),
            reasons: RefCell::default(),
            nodes: RefCell::default(),
            timers: RefCell::default(),
            cleanups: RefCell::default(),
            pending_cleanup: RefCell::default(),
            links: RefCell::default(),
            linking: RefCell::default(),
            link_keys: std::cell::OnceCell::new(),
            channels: RefCell::default(),
            stores: RefCell::default(),
            semaphores: RefCell::default(),
            sem_waiters: RefCell::default(),
            polls: RefCell::default(),
            streams: RefCell::default(),
            groups: RefCell::default(),
            spans: Cell::new(None),
            tel_scopes: RefCell::default(),
            tel_tasks: RefCell::default(),
            sleeps: RefCell::default(),
            selects: RefCell::default(),
            buckets: RefCell::default(),
            bucket_waiters: RefCell::default(),
            limiters: RefCell::default(),
        }
    }

    /// Moves the machine's new effects to the end of the queue; `false`
    /// if there were none.
    fn take(&self) -> bool {
        let mut m = self.m.borrow_mut();
        let words = m.fx.words();
        if words.is_empty() {
            return false;
        }
        let mut q = self.queue.borrow_mut();
        for w in words.chunks_exact(4) {
            if let [op, a, b, c] = *w {
                q.push([op, a, b, c]);
            }
        }
        m.fx.clear();
        true
    }

    /// After a user command (or an event from outside any effect handler):
    /// applies what the machine emitted, in a range of its own.
    pub(crate) fn run(self: &Rc<Self>) {
        let start = self.queue.borrow().len();
        if !self.take() {
            return;
        }
        self.depth.set(self.depth.get() + 1);
        let mut i = start;
        loop {
            // The range grows while it is applied (`after`).
            let next = self.queue.borrow().get(i).copied();
            let Some([op, a, b, c]) = next else { break };
            i += 1;
            self.apply(op, a, b, c);
        }
        self.queue.borrow_mut().truncate(start);
        self.depth.set(self.depth.get() - 1);
    }

    /// After an event reported from an effect handler: its effects join
    /// the range being applied; with none being applied, they run now.
    pub(crate) fn after(self: &Rc<Self>) {
        if self.depth.get() > 0 {
            self.take();
        } else {
            self.run();
        }
    }

    /// A waker that puts attempt `serial` of task `task` in the ready
    /// queue (invariant #3).
    pub(crate) fn attempt_waker(&self, task: Key, serial: u32) -> Waker {
        futures::task::waker(Arc::new(AttemptWake {
            at: self.id,
            task,
            serial,
        }))
    }

    /// The first wake-up of a batch found no pump task yet: spawn it, one
    /// task for the runtime's life, woken once per batch.
    fn spawn_pump(self: &Rc<Self>) {
        let weak = Rc::downgrade(self);
        let id = self.id;
        self.host
            .spawn(Box::pin(futures::future::poll_fn(move |cx| {
                let Some(d) = weak.upgrade() else {
                    return std::task::Poll::Ready(());
                };
                let old = Ready::due_to(id, cx.waker());
                drop(old);
                d.pump();
                std::task::Poll::Pending
            })));
    }

    /// Polls the woken attempts, in the order they were woken. Wake-ups
    /// during the pump go to the next one (a future that wakes itself at
    /// every poll yields to the event loop).
    fn pump(self: &Rc<Self>) {
        let mut batch = std::mem::take(&mut *self.batch.borrow_mut());
        Ready::take(self.id, &mut batch);
        for &(task, serial) in &batch {
            self.poll_attempt(task, serial);
        }
        batch.clear();
        *self.batch.borrow_mut() = batch;
    }

    /// Polls the waiting attempt of `task`, if it is attempt `serial`.
    fn poll_attempt(self: &Rc<Self>, task: Key, serial: u32) {
        let a = self.tasks.borrow().get(task).cloned();
        if let Some(a) = a {
            a.resume_woken(serial);
        }
    }

    /// The controller of a task's running attempt aborted: the attempt's
    /// future is dropped now, and the attempt ends with the reason.
    pub(crate) fn abort_attempt(self: &Rc<Self>, task: Key, r: &Reason) {
        let entry = self.tasks.borrow().get(task).cloned();
        if let Some(e) = entry {
            e.abort_attempt(r);
        }
    }

    /// The link keys of the linked signals.
    pub(crate) fn link_keys(&self) -> &js_sys::WeakMap {
        self.link_keys.get_or_init(js_sys::WeakMap::new)
    }

    /// The clock every event carries (ms).
    pub(crate) fn now(&self) -> f64 {
        self.host.now()
    }

    /// Carries out one effect (the TypeScript executor's `handlers[op]`).
    fn apply(self: &Rc<Self>, op: f64, a: f64, b: f64, c: f64) {
        const START: u8 = Op::Start as u8;
        const SETTLE: u8 = Op::Settle as u8;
        const ABORT: u8 = Op::Abort as u8;
        const FORGET_NODE: u8 = Op::ForgetNode as u8;
        const REASON: u8 = Op::Reason as u8;
        const REASON_FREE: u8 = Op::ReasonFree as u8;
        const TIMER_SET: u8 = Op::TimerSet as u8;
        const TIMER_CLEAR: u8 = Op::TimerClear as u8;
        const CLEANUP: u8 = Op::Cleanup as u8;
        const DISPOSED: u8 = Op::Disposed as u8;
        const LINK: u8 = Op::Link as u8;
        const UNLINK: u8 = Op::Unlink as u8;
        const RETRY_ASK: u8 = Op::RetryAsk as u8;
        const ON_RETRY: u8 = Op::OnRetry as u8;
        const TASK_ERROR: u8 = Op::TaskError as u8;
        const CLEANUP_KEY: u8 = Op::CleanupKey as u8;
        const CHAN_ABORTED: u8 = Op::ChanAborted as u8;
        const SEM_ABORTED: u8 = Op::SemAborted as u8;
        const POLL_CALL: u8 = Op::PollCall as u8;
        const POLL_END: u8 = Op::PollEnd as u8;
        const STREAM_ABANDON: u8 = Op::StreamAbandon as u8;
        const STREAM_CLEANUP: u8 = Op::StreamCleanup as u8;
        const STREAM_END: u8 = Op::StreamEnd as u8;
        const GROUP_START: u8 = Op::GroupStart as u8;
        const GROUP_DONE: u8 = Op::GroupDone as u8;
        const SLEEP_DONE: u8 = Op::SleepDone as u8;
        const GROUP_PROGRESS: u8 = Op::GroupProgress as u8;
        const BUCKET_DONE: u8 = Op::BucketDone as u8;
        const BUCKET_END: u8 = Op::BucketEnd as u8;
        const RATE_FIRE: u8 = Op::RateFire as u8;
        const RATE_END: u8 = Op::RateEnd as u8;
        const SEL_DONE: u8 = Op::SelDone as u8;
        match op as u8 {
            START => self.on_start(a, b as u32, c),
            SETTLE => self.on_settle(a, b, c),
            ABORT => self.on_abort(a, b),
            FORGET_NODE => self.on_forget_node(a),
            REASON => self.on_reason(a, b, c),
            REASON_FREE => self.on_reason_free(a),
            TIMER_SET => self.on_timer_set(a, b),
            TIMER_CLEAR => self.on_timer_clear(a),
            CLEANUP => self.on_cleanup(a, b, c == 1.0),
            DISPOSED => self.on_disposed(a, b, c),
            LINK => self.on_link(a),
            UNLINK => self.on_unlink(a),
            RETRY_ASK => self.on_retry_ask(a, b as u32, c as u32),
            ON_RETRY => self.on_on_retry(a, b as u32),
            TASK_ERROR => self.on_task_error(a, b, c),
            CLEANUP_KEY => self.on_cleanup_key(b),
            CHAN_ABORTED => self.on_chan_aborted(a),
            SEM_ABORTED => self.on_sem_aborted(a),
            POLL_CALL => self.on_poll_call(a, b as u32, c),
            POLL_END => self.on_poll_end(a, b, c),
            STREAM_ABANDON => self.on_stream_abandon(a, b),
            STREAM_CLEANUP => self.on_stream_cleanup(a, b),
            STREAM_END => self.on_stream_end(a),
            GROUP_START => self.on_group_start(a, b as u32, c as u32),
            GROUP_DONE => self.on_group_done(a, b, c),
            SLEEP_DONE => self.on_sleep_done(a, b),
            GROUP_PROGRESS => self.on_group_progress(a, b as u32, c as u32),
            BUCKET_DONE => self.on_bucket_done(a, b),
            BUCKET_END => self.on_bucket_end(a, b),
            RATE_FIRE => self.on_rate_fire(a),
            RATE_END => self.on_rate_end(a, b),
            SEL_DONE => self.on_sel_done(a, b),
            // Spans (scopes with a tracer); debug lines (60-69) are never
            // asked for by this driver.
            op @ 50..=56 => {
                if let Some(spans) = self.spans.get() {
                    (spans.on_op)(self, op, a, b, c);
                }
            }
            _ => {}
        }
    }

    /// `TimerSet(timer, ms)`: the host's timer reports the firing.
    fn on_timer_set(self: &Rc<Self>, t: f64, ms: f64) {
        let Some(k) = key(t) else { return };
        let weak = Rc::downgrade(self);
        // The machine never sets more than 2^31 - 1 ms (timer.rs #2).
        let guard = self.host.set_timeout(
            ms.clamp(0.0, f64::from(u32::MAX)) as u32,
            Box::new(move || {
                if let Some(d) = weak.upgrade() {
                    let done = d.timers.borrow_mut().take(k);
                    drop(done);
                    let now = d.now();
                    d.m.borrow_mut().timer_fired(t, now);
                    d.after();
                }
            }),
        );
        let old = self.timers.borrow_mut().set(k, guard);
        drop(old);
    }

    /// `TimerClear(timer)`: dropping the guard clears the host's timer.
    fn on_timer_clear(&self, t: f64) {
        let guard = key(t).and_then(|k| self.timers.borrow_mut().take(k));
        drop(guard);
    }
}

/// A runtime's place in [`RUNTIMES`]: its index, and the generation that
/// tells it from an earlier runtime's at the same index.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Place {
    index: usize,
    generation: u32,
}

/// What the wakers of one runtime's attempts reach (invariant #3): kept per
/// thread, beside the runtime, so a wake-up is one push (wakers are `Send`
/// and cannot hold the driver).
struct Ready {
    driver: Weak<Driver>,
    generation: u32,
    /// Woken attempts, in order.
    queue: Vec<(Key, u32)>,
    /// A pump is due (its host task was woken, or is being spawned).
    due: bool,
    /// The waker of the pump's host task.
    pump: Option<Waker>,
}

thread_local! {
    /// The runtimes of this thread; a dropped runtime's place is reused
    /// with a new generation.
    static RUNTIMES: RefCell<Vec<Ready>> = const { RefCell::new(Vec::new()) };
}

impl Ready {
    /// A place for a new runtime. (No borrow of `RUNTIMES` is held across
    /// a call out of this file, so none is held here.)
    fn enter(driver: Weak<Driver>) -> Place {
        RUNTIMES.with(|r| {
            let mut r = r.borrow_mut();
            let free = r.iter_mut().enumerate().find(|(_, e)| {
                e.driver.strong_count() == 0 && e.queue.is_empty() && e.pump.is_none()
            });
            if let Some((index, e)) = free {
                e.generation = e.generation.wrapping_add(1);
                e.driver = driver;
                e.due = false;
                return Place {
                    index,
                    generation: e.generation,
                };
            }
            r.push(Ready {
                driver,
                generation: 0,
                queue: Vec::new(),
                due: false,
                pump: None,
            });
            Place {
                index: r.len() - 1,
                generation: 0,
            }
        })
    }

    /// The runtime at `at` is gone: its place empties (what it held is
    /// dropped after the borrow).
    fn leave(at: Place) {
        let held = RUNTIMES.with(|r| {
            let mut r = r.borrow_mut();
            match r.get_mut(at.index) {
                Some(e) if e.generation == at.generation => {
                    e.due = false;
                    Some((
                        std::mem::take(&mut e.queue),
                        e.pump.take(),
                        std::mem::take(&mut e.driver),
                    ))
                }
                _ => None,
            }
        });
        drop(held);
    }

    /// Attempt `serial` of `task` in the runtime at `at` was woken: queue
    /// it; the first of a batch also wakes the pump (or has it spawned).
    fn woken(at: Place, task: Key, serial: u32) {
        enum First {
            No,
            Wake(Waker),
            Spawn(Weak<Driver>),
        }
        let first = RUNTIMES.with(|r| {
            let Ok(mut r) = r.try_borrow_mut() else {
                return First::No; // not reached: no borrow spans a call out
            };
            let Some(e) = r.get_mut(at.index) else {
                return First::No;
            };
            if e.generation != at.generation {
                return First::No; // woken after its runtime ended
            }
            e.queue.push((task, serial));
            if e.due {
                return First::No;
            }
            e.due = true;
            match &e.pump {
                Some(w) => First::Wake(w.clone()),
                None => First::Spawn(e.driver.clone()),
            }
        });
        match first {
            First::No => {}
            First::Wake(w) => w.wake(),
            First::Spawn(d) => {
                if let Some(d) = d.upgrade() {
                    d.spawn_pump();
                }
            }
        }
    }

    /// The pump task runs with waker `w`: keep it (the old one back, to
    /// drop outside the borrow).
    fn due_to(at: Place, w: &Waker) -> Option<Waker> {
        RUNTIMES.with(|r| {
            let mut r = r.borrow_mut();
            let e = r
                .get_mut(at.index)
                .filter(|e| e.generation == at.generation)?;
            match &e.pump {
                Some(old) if old.will_wake(w) => None,
                _ => e.pump.replace(w.clone()),
            }
        })
    }

    /// Moves the queue into `batch` (empty) and ends the due pump.
    fn take(at: Place, batch: &mut Vec<(Key, u32)>) {
        RUNTIMES.with(|r| {
            let mut r = r.borrow_mut();
            if let Some(e) = r
                .get_mut(at.index)
                .filter(|e| e.generation == at.generation)
            {
                e.due = false;
                std::mem::swap(&mut e.queue, batch);
            }
        });
    }
}

/// What an attempt's waker carries (invariant #3).
struct AttemptWake {
    at: Place,
    task: Key,
    serial: u32,
}

impl ArcWake for AttemptWake {
    fn wake_by_ref(w: &Arc<Self>) {
        // Woken on another thread (which a waker allows): that thread has
        // no such runtime, and nothing happens.
        Ready::woken(w.at, w.task, w.serial);
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        Ready::leave(self.id);
    }
}

/// One machine and its driver: where scopes live. Single-threaded (`!Send`,
/// as JavaScript is): each thread (each wasm instance, each Worker) has
/// its own [`Runtime::current`].
///
/// Most code uses [`scope`](super::scope()) and never names a runtime; make
/// one with a [`ManualHost`](super::ManualHost) to test code
/// deterministically.
///
/// ```
/// use futures::FutureExt;
/// use go_go_scope_wasm::{ManualHost, Runtime, ScopeOptions};
///
/// let host = ManualHost::new();
/// let rt = Runtime::new(host.clone());
/// let s = rt.scope(ScopeOptions::default()).unwrap();
/// assert_eq!(rt.live().scopes, 1);
/// assert!(s.dispose().now_or_never().is_some_and(|r| r.is_ok()));
/// assert!(rt.live().is_empty());
/// ```
#[derive(Clone)]
pub struct Runtime(pub(crate) Rc<Driver>);

thread_local! {
    static CURRENT: RefCell<Option<Runtime>> = const { RefCell::new(None) };
}

impl Runtime {
    /// A runtime over `host`.
    ///
    /// ```
    /// # use go_go_scope_wasm::{ManualHost, Runtime, ScopeOptions};
    /// let host = ManualHost::new();
    /// let rt = Runtime::new(host.clone());
    /// let s = rt.scope(ScopeOptions::default()).unwrap();
    /// assert_eq!(rt.live().scopes, 1);
    /// assert!(!s.is_aborted());
    /// ```
    pub fn new(host: impl Host + 'static) -> Runtime {
        Runtime(Driver::new(Rc::new(host)))
    }

    /// This thread's runtime, made on first use: over JavaScript's event
    /// loop ([`WebHost`](super::WebHost)) on wasm32, over a
    /// [`ManualHost`](super::ManualHost) elsewhere (replace it with [`Runtime::set_current`]).
    ///
    /// ```
    /// # use go_go_scope_wasm::{scope, ManualHost, Runtime, ScopeOptions};
    /// # Runtime::set_current(Runtime::new(ManualHost::new()));
    /// let s = scope(ScopeOptions::default()).unwrap(); // on Runtime::current()
    /// assert_eq!(Runtime::current().live().scopes, 1);
    /// assert_eq!(s.runtime().live().scopes, 1);
    /// ```
    pub fn current() -> Runtime {
        CURRENT.with(|c| {
            c.borrow_mut()
                .get_or_insert_with(|| {
                    #[cfg(target_arch = "wasm32")]
                    let rt = Runtime::new(super::host::WebHost);
                    #[cfg(not(target_arch = "wasm32"))]
                    let rt = Runtime::new(super::host::ManualHost::new());
                    rt
                })
                .clone()
        })
    }

    /// Makes `rt` this thread's runtime (what [`scope`](super::scope())
    /// and the other free functions use from now on).
    ///
    /// ```
    /// # use go_go_scope_wasm::{scope, ManualHost, Runtime, ScopeOptions};
    /// let rt = Runtime::new(ManualHost::new());
    /// Runtime::set_current(rt.clone());
    /// let _s = scope(ScopeOptions::default()).unwrap();
    /// assert_eq!(rt.live().scopes, 1);
    /// ```
    pub fn set_current(rt: Runtime) {
        let old = CURRENT.with(|c| c.borrow_mut().replace(rt));
        drop(old);
    }

    /// What is alive in this runtime: the machine's records and the
    /// driver's tables. All zero once every scope was disposed and every
    /// standalone channel, semaphore, poll, stream and token bucket ended
    /// (and every debounced or throttled function's scope, or its handles).
    ///
    /// ```
    /// # use go_go_scope_wasm::{ManualHost, Runtime, ScopeOptions};
    /// # let host = ManualHost::new();
    /// # let rt = Runtime::new(host.clone());
    /// let s = rt.scope(ScopeOptions::default()).unwrap();
    /// let _t = s.spawn(futures::future::pending::<Result<(), ()>>()).unwrap();
    /// assert_eq!((rt.live().scopes, rt.live().tasks), (1, 1));
    /// let _ = s.dispose();
    /// host.run();
    /// assert!(rt.live().is_empty());
    /// ```
    pub fn live(&self) -> Live {
        let d = &self.0;
        let m = d.m.borrow().live();
        Live {
            scopes: m.scopes.max(d.scopes.borrow().len()),
            tasks: m.tasks.max(d.tasks.borrow().len()),
            nodes: m.nodes,
            signals: d.nodes.borrow().len(),
            links: m.links.max(d.links.borrow().len()),
            reasons: m.reasons.max(d.reasons.borrow().len()),
            timers: m.timers.max(d.timers.borrow().len()),
            cleanups: m.cleanups.max(d.cleanups.borrow().len()),
            groups: m.groups.max(d.groups.borrow().len()),
            polls: m.polls.max(d.polls.borrow().len()),
            streams: m.streams.max(d.streams.borrow().len()),
            channels: m.channels.max(d.channels.borrow().len()),
            channel_slots: m.channel_slots,
            semaphores: m.semaphores.max(d.semaphores.borrow().len()),
            semaphore_slots: m.semaphore_slots,
            sleeps: m.sleeps.max(d.sleeps.borrow().len()),
            buckets: m.buckets.max(d.buckets.borrow().len()),
            bucket_waiters: m.bucket_waiters.max(d.bucket_waiters.borrow().len()),
            limiters: m.limiters.max(d.limiters.borrow().len()),
            selects: m.selects.max(d.selects.borrow().len()),
        }
    }

    pub(crate) fn driver(&self) -> &Rc<Driver> {
        &self.0
    }
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtime")
            .field("live", &self.live())
            .finish()
    }
}

/// What is alive in a [`Runtime`] (leak checks: every count is 0 once
/// every scope ended). Each count is the larger of the machine's and the
/// driver's, so a table that kept an entry shows.
///
/// ```
/// # use std::time::Duration;
/// # use go_go_scope_wasm::{Live, ManualHost, Runtime, ScopeOptions};
/// # let host = ManualHost::new();
/// # let rt = Runtime::new(host.clone());
/// let s = rt.scope(ScopeOptions::default().timeout(Duration::from_secs(1))).unwrap();
/// let live = rt.live();
/// assert_eq!((live.scopes, live.timers), (1, 1));
/// drop(s); // the last handle disposes
/// host.run();
/// assert_eq!(rt.live(), Live::default());
/// ```
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Live {
    pub scopes: usize,
    pub tasks: usize,
    /// Token-tree nodes.
    pub nodes: usize,
    /// Nodes with a controller (something listens to them).
    pub signals: usize,
    /// Linked user `AbortSignal`s (each has one listener).
    pub links: usize,
    pub reasons: usize,
    pub timers: usize,
    pub cleanups: usize,
    pub groups: usize,
    pub polls: usize,
    pub streams: usize,
    pub channels: usize,
    pub channel_slots: usize,
    pub semaphores: usize,
    pub semaphore_slots: usize,
    /// `scope.delay` sleeps not over.
    pub sleeps: usize,
    /// Token buckets.
    pub buckets: usize,
    /// Token buckets' waiting acquires.
    pub bucket_waiters: usize,
    /// Debounced and throttled functions.
    pub limiters: usize,
    /// Selects not over.
    pub selects: usize,
}

impl Live {
    /// Everything is zero.
    ///
    /// ```
    /// # use go_go_scope_wasm::{ManualHost, Runtime, ScopeOptions};
    /// # let rt = Runtime::new(ManualHost::new());
    /// assert!(rt.live().is_empty());
    /// let _s = rt.scope(ScopeOptions::default()).unwrap();
    /// assert!(!rt.live().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        *self == Live::default()
    }
}
