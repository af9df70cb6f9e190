//! `race` and `parallel`: the functions, the [`Scope`] methods and the
//! futures of their outcome. Which factory starts when, who wins, when a
//! parallel stops and what a group ends with are the machine's
//! (`machine/group.rs`); here are the factories, the internal scope, the
//! member tasks' results and the waker.
//!
//! # Invariants
//!
//! 1. Each factory is called at most once, when the machine's `GroupStart`
//!    names it, as a task of the group's internal scope.
//! 2. The outcome is made once, at `GroupDone` (after the internal scope was
//!    disposed, so after every member settled), from the members' results.
//! 3. A [`Race`] or [`Parallel`] dropped before its outcome disposes its
//!    internal scope: the members' signals abort and their futures are
//!    dropped (Rust's drop-to-cancel; JavaScript has no way to say it).

use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use super::error::Error;
use super::runtime::{Driver, Runtime};
use super::scope::{ms, Scope, ScopeOptions, ScopeShared};
use super::table::key;
use super::task::{OnceFactory, TaskContext, TaskCore, TaskError, TaskOut};
use crate::machine::group::{flag, how, plan, Kind, Plan, RaceSpec, RACE_EMPTY};
use crate::machine::slab::Key;

/// Options of [`race`], [`Scope::race_with`] and [`Scope::any`] (1.0's
/// `race(factories, { signal })`, and go-go-scope 2.x's `requireSuccess`,
/// `timeout`, `stagger`, `concurrency`).
///
/// ```
/// # use go_go_scope_wasm::{race, ManualHost, RaceOptions, Runtime};
/// # use futures::FutureExt;
/// # Runtime::set_current(Runtime::new(ManualHost::new()));
/// let options = RaceOptions::default(); // no signal: only the first to settle ends it
/// assert!(options.signal.is_none());
/// let first = race([|_ctx| async { Ok::<_, ()>("cache") }], options);
/// assert_eq!(first.now_or_never(), Some(Ok("cache")));
/// ```
#[derive(Clone, Default, Debug)]
pub struct RaceOptions {
    /// Aborts the race (its factories' signals) with its reason
    /// (standalone [`race`] only).
    pub signal: Option<web_sys::AbortSignal>,
    /// Only a success wins; when every factory failed, the race ends with
    /// [`TaskError::AllFailed`] (their errors in input order).
    pub require_success: bool,
    /// No winner by then: the race ends with [`TaskError::Timeout`]
    /// ("timeout after \<ms\>ms"), the factories' signals aborted with it.
    /// `None` or zero: none.
    pub timeout: Option<Duration>,
    /// Hedged requests: the first factory starts at once, each next one
    /// only if none settled within this long of the last start (with
    /// `require_success`, a failure starts the next at once). `None` or
    /// zero: all start at once; [`Duration::MAX`]: the next starts only
    /// when one fails.
    pub stagger: Option<Duration>,
    /// At most this many factories at once (2.x's `concurrency` and
    /// `staggerMaxConcurrent`); `None` or 0: no limit.
    pub concurrency: Option<u32>,
}

impl RaceOptions {
    /// Sets [`RaceOptions::require_success`].
    ///
    /// ```
    /// # use go_go_scope_wasm::{race, ManualHost, RaceOptions, Runtime};
    /// # use futures::FutureExt;
    /// # Runtime::set_current(Runtime::new(ManualHost::new()));
    /// let first_ok = race(
    ///     [Err("down"), Ok("replica")].map(|r| move |_ctx| async move { r }),
    ///     RaceOptions::default().require_success(true),
    /// );
    /// assert_eq!(first_ok.now_or_never(), Some(Ok("replica")));
    /// ```
    pub fn require_success(mut self, yes: bool) -> Self {
        self.require_success = yes;
        self
    }

    /// Sets [`RaceOptions::timeout`].
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use go_go_scope_wasm::{race, ManualHost, RaceOptions, Runtime};
    /// # use futures::FutureExt;
    /// let host = ManualHost::new();
    /// Runtime::set_current(Runtime::new(host.clone()));
    /// let r = race(
    ///     [|_ctx| futures::future::pending::<Result<(), ()>>()],
    ///     RaceOptions::default().timeout(Duration::from_millis(100)),
    /// );
    /// host.advance(100);
    /// let e = r.now_or_never().unwrap().unwrap_err();
    /// assert!(e.is_timeout());
    /// assert_eq!(e.reason().unwrap().to_string(), "timeout after 100ms");
    /// ```
    pub fn timeout(mut self, d: Duration) -> Self {
        self.timeout = Some(d);
        self
    }

    /// Sets [`RaceOptions::stagger`].
    ///
    /// ```
    /// # use std::{cell::Cell, rc::Rc, time::Duration};
    /// # use go_go_scope_wasm::{race, ManualHost, RaceOptions, Runtime};
    /// let host = ManualHost::new();
    /// Runtime::set_current(Runtime::new(host.clone()));
    /// let started = Rc::new(Cell::new(0));
    /// let r = race(
    ///     (0..3).map(|_| {
    ///         let started = started.clone();
    ///         move |_ctx| {
    ///             started.set(started.get() + 1);
    ///             futures::future::pending::<Result<(), ()>>()
    ///         }
    ///     }),
    ///     RaceOptions::default().stagger(Duration::from_millis(50)),
    /// );
    /// assert_eq!(started.get(), 1);
    /// host.advance(50); // none settled: the hedge starts
    /// assert_eq!(started.get(), 2);
    /// # drop(r);
    /// ```
    pub fn stagger(mut self, d: Duration) -> Self {
        self.stagger = Some(d);
        self
    }

    /// Sets [`RaceOptions::concurrency`].
    ///
    /// ```
    /// # use std::{cell::Cell, rc::Rc};
    /// # use go_go_scope_wasm::{race, ManualHost, RaceOptions, Runtime};
    /// # Runtime::set_current(Runtime::new(ManualHost::new()));
    /// let started = Rc::new(Cell::new(0));
    /// let r = race(
    ///     (0..3).map(|_| {
    ///         let started = started.clone();
    ///         move |_ctx| {
    ///             started.set(started.get() + 1);
    ///             futures::future::pending::<Result<(), ()>>()
    ///         }
    ///     }),
    ///     RaceOptions::default().concurrency(2),
    /// );
    /// assert_eq!(started.get(), 2);
    /// # drop(r);
    /// ```
    pub fn concurrency(mut self, n: u32) -> Self {
        self.concurrency = Some(n);
        self
    }

    /// The machine's flags and timing for a race of these options.
    fn spec(&self) -> (u32, RaceSpec) {
        let d = |d: Option<Duration>| d.map_or(0.0, ms);
        let flags = if self.require_success {
            flag::REQUIRE_SUCCESS
        } else {
            0
        };
        (
            flags,
            RaceSpec {
                timeout: d(self.timeout),
                stagger: d(self.stagger),
                stagger_delay: false,
                max: 0.0,
            },
        )
    }
}

/// Options of [`parallel`] and [`Scope::parallel`] (1.0's `{ concurrency,
/// failFast, signal }`).
///
/// ```
/// # use go_go_scope_wasm::{parallel, ManualHost, ParallelOptions, Runtime};
/// # use futures::FutureExt;
/// # Runtime::set_current(Runtime::new(ManualHost::new()));
/// let options = ParallelOptions { concurrency: Some(1), fail_fast: true, ..Default::default() };
/// let all = parallel(
///     (1..=3).map(|n| move |_ctx| async move { if n == 2 { Err("two") } else { Ok(n) } }),
///     options,
/// );
/// assert_eq!(all.now_or_never().unwrap().unwrap_err().failed(), Some(&"two"));
/// ```
#[derive(Clone, Default)]
pub struct ParallelOptions {
    /// At most this many factories run at once, started in input order
    /// (`None` or 0: no limit). [`Scope::parallel`] uses the scope's.
    pub concurrency: Option<u32>,
    /// Stop at the first failure: start no more factories, and give the
    /// first error (in input order) instead of the results.
    pub fail_fast: bool,
    /// Aborts the run with its reason (standalone `parallel` only).
    pub signal: Option<web_sys::AbortSignal>,
    /// Called as each factory settles (go-go-scope 2.x's `onProgress`).
    pub on_progress: Option<OnProgress>,
}

/// A parallel's `on_progress` callback.
pub type OnProgress = Rc<dyn Fn(Progress)>;

/// What [`ParallelOptions::on_progress`] is told as each factory settles,
/// in the order they settle (the Results themselves come in input order
/// at the end).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Progress {
    /// How many factories have settled so far, this one included.
    pub completed: u32,
    /// How many factories there are.
    pub total: u32,
    /// Which factory settled (its index in the input).
    pub index: u32,
    /// Whether it succeeded.
    pub ok: bool,
}

impl std::fmt::Debug for ParallelOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParallelOptions")
            .field("concurrency", &self.concurrency)
            .field("fail_fast", &self.fail_fast)
            .field("signal", &self.signal)
            .field("on_progress", &self.on_progress.as_ref().map(|_| "Fn"))
            .finish()
    }
}

impl ParallelOptions {
    /// Sets [`ParallelOptions::concurrency`].
    ///
    /// ```
    /// # use std::{cell::Cell, rc::Rc};
    /// # use go_go_scope_wasm::{parallel, ManualHost, ParallelOptions, Runtime};
    /// # Runtime::set_current(Runtime::new(ManualHost::new()));
    /// let started = Rc::new(Cell::new(0));
    /// let run = parallel(
    ///     (0..3).map(|_| {
    ///         let started = started.clone();
    ///         move |_ctx| {
    ///             started.set(started.get() + 1);
    ///             futures::future::pending::<Result<(), ()>>()
    ///         }
    ///     }),
    ///     ParallelOptions::default().concurrency(2),
    /// );
    /// assert_eq!(started.get(), 2); // the third waits for a free slot
    /// # drop(run);
    /// ```
    pub fn concurrency(mut self, n: u32) -> Self {
        self.concurrency = Some(n);
        self
    }

    /// Sets [`ParallelOptions::fail_fast`].
    ///
    /// ```
    /// # use go_go_scope_wasm::{parallel, ManualHost, ParallelOptions, Runtime};
    /// # use futures::FutureExt;
    /// # Runtime::set_current(Runtime::new(ManualHost::new()));
    /// let all = parallel(
    ///     (1..=3).map(|n| move |_ctx| async move { if n == 2 { Err("two") } else { Ok(n) } }),
    ///     ParallelOptions::default().fail_fast(true),
    /// );
    /// let e = all.now_or_never().unwrap().unwrap_err(); // the first error, not the results
    /// assert_eq!(e.failed(), Some(&"two"));
    /// ```
    pub fn fail_fast(mut self, yes: bool) -> Self {
        self.fail_fast = yes;
        self
    }

    /// Sets [`ParallelOptions::on_progress`]: `f` is called as each
    /// factory settles, in the order they settle.
    ///
    /// ```
    /// # use go_go_scope_wasm::{parallel, ManualHost, ParallelOptions, Progress, Runtime};
    /// # use futures::FutureExt;
    /// # use std::{cell::RefCell, rc::Rc};
    /// # Runtime::set_current(Runtime::new(ManualHost::new()));
    /// let seen = Rc::new(RefCell::new(Vec::new()));
    /// let log = seen.clone();
    /// let all = parallel(
    ///     (1..=3).map(|n| move |_ctx| async move { if n == 2 { Err("two") } else { Ok(n) } }),
    ///     ParallelOptions::default().on_progress(move |p: Progress| {
    ///         log.borrow_mut().push((p.completed, p.total, p.index, p.ok))
    ///     }),
    /// );
    /// assert_eq!(all.now_or_never().unwrap().unwrap().len(), 3);
    /// assert_eq!(*seen.borrow(), [(1, 3, 0, true), (2, 3, 1, false), (3, 3, 2, true)]);
    /// ```
    pub fn on_progress(mut self, f: impl Fn(Progress) + 'static) -> Self {
        self.on_progress = Some(Rc::new(f));
        self
    }
}

type Members<T, E> = Vec<Option<Rc<dyn TaskOut<T, E>>>>;

/// What a group ends with.
enum Out<T, E> {
    Race(Result<T, TaskError<E>>),
    Parallel(Result<Vec<Result<T, TaskError<E>>>, TaskError<E>>),
}

/// One race or parallel in flight (its factories kept as they came: each
/// member's future is made inline in its task, no box of its own).
struct GroupShared<T, E, F> {
    drv: Rc<Driver>,
    key: RefCell<Option<Key>>,
    scope: RefCell<Option<Rc<ScopeShared>>>,
    factories: RefCell<Vec<Option<F>>>,
    members: RefCell<Members<T, E>>,
    out: RefCell<Option<Out<T, E>>>,
    waker: RefCell<Option<Waker>>,
    progress: Option<OnProgress>,
}

/// What the driver's table holds of a group.
pub(crate) trait GroupEntry {
    /// `GroupStart(group, from, count)`.
    fn start(&self, from: u32, count: u32);
    /// `GroupDone(group, how, arg)`.
    fn done(&self, how: f64, arg: f64);
    /// `GroupProgress(group, index, completed)`.
    fn progress(&self, index: u32, completed: u32);
}

impl<T, E, F, Fut> GroupEntry for GroupShared<T, E, F>
where
    T: 'static,
    E: 'static,
    F: FnOnce(TaskContext) -> Fut + 'static,
    Fut: Future<Output = Result<T, E>> + 'static,
{
    fn start(&self, from: u32, count: u32) {
        let (Some(g), Some(scope)) = (*self.key.borrow(), self.scope.borrow().clone()) else {
            return;
        };
        for i in from..from.saturating_add(count) {
            let f = self
                .factories
                .borrow_mut()
                .get_mut(i as usize)
                .and_then(Option::take);
            let Some(f) = f else { continue };
            let core = TaskCore::new(&scope, OnceFactory(Some(f)), None);
            let k = self.drv.m.borrow_mut().group_spawn(g, i, 0.0);
            if let Some(k) = k {
                core.made(k);
                if scope.tracer.is_some() {
                    self.drv.tel_task_made(scope.key, k, None);
                }
                if let Some(m) = self.members.borrow_mut().get_mut(i as usize) {
                    *m = Some(core as Rc<dyn TaskOut<T, E>>);
                }
            }
        }
        self.drv.after();
    }

    fn progress(&self, index: u32, completed: u32) {
        let Some(f) = self.progress.clone() else {
            return;
        };
        let ok = self
            .members
            .borrow()
            .get(index as usize)
            .and_then(|m| m.as_ref().and_then(|m| m.out_ok()));
        let total = u32::try_from(self.members.borrow().len()).unwrap_or(u32::MAX);
        if let Some(ok) = ok {
            f(Progress {
                completed,
                total,
                index,
                ok,
            });
        }
    }

    fn done(&self, how_: f64, arg: f64) {
        let member = |i: f64| {
            self.members
                .borrow_mut()
                .get_mut(i as usize)
                .and_then(Option::take)
                .and_then(|m| m.out_take())
        };
        let reason = || match self.drv.reason_of(arg) {
            Some(r) => TaskError::from_reason(r),
            None => TaskError::Refused(Error::State("group ended without a reason".into())),
        };
        let out = if how_ == how::WINNER {
            Out::Race(member(arg).unwrap_or_else(|| Err(reason())))
        } else if how_ == how::ABORTED {
            Out::Race(Err(reason()))
        } else if how_ == how::ALL_FAILED {
            let n = self.members.borrow().len();
            let all = (0..n)
                .filter_map(|i| match member(i as f64) {
                    Some(Err(e)) => Some(e),
                    _ => None,
                })
                .collect();
            Out::Race(Err(TaskError::AllFailed(all)))
        } else if how_ == how::REJECT {
            Out::Parallel(Err(match member(arg) {
                Some(Err(e)) => e,
                _ => reason(),
            }))
        } else {
            let n = self.members.borrow().len();
            let all = (0..n)
                .map(|i| member(i as f64).unwrap_or_else(|| Err(reason())))
                .collect();
            Out::Parallel(Ok(all))
        };
        self.finish(out);
    }
}

/// What a [`Race`] or [`Parallel`] reads of its group.
trait GroupOut<T, E> {
    fn poll_out(&self, cx: &mut Context<'_>) -> Poll<Out<T, E>>;
    fn cancel(&self);
}

impl<T, E, F> GroupOut<T, E> for GroupShared<T, E, F> {
    fn poll_out(&self, cx: &mut Context<'_>) -> Poll<Out<T, E>> {
        GroupShared::poll_out(self, cx)
    }

    fn cancel(&self) {
        GroupShared::cancel(self)
    }
}

impl<T, E, F> GroupShared<T, E, F> {
    fn finish(&self, out: Out<T, E>) {
        let old = self.out.borrow_mut().replace(out);
        drop(old);
        let w = self.waker.borrow_mut().take();
        if let Some(w) = w {
            w.wake();
        }
    }

    fn poll_out(&self, cx: &mut Context<'_>) -> Poll<Out<T, E>> {
        if let Some(out) = self.out.borrow_mut().take() {
            return Poll::Ready(out);
        }
        *self.waker.borrow_mut() = Some(cx.waker().clone());
        Poll::Pending
    }

    /// Disposes the internal scope of a group nobody waits for
    /// (invariant #3).
    fn cancel(&self) {
        let done = self.out.borrow().is_some() || self.key.borrow().is_none();
        let scope = self.scope.borrow().clone();
        if let (false, Some(sc)) = (done, scope) {
            if self.drv.m.borrow_mut().scope_dispose(sc.key) {
                self.drv.run();
            }
        }
    }
}

impl<T, E, F, Fut> GroupShared<T, E, F>
where
    T: 'static,
    E: 'static,
    F: FnOnce(TaskContext) -> Fut + 'static,
    Fut: Future<Output = Result<T, E>> + 'static,
{
    /// Starts a race or parallel of `factories` (everything read), under
    /// `parent` or linked to `signal`.
    fn launch(
        drv: &Rc<Driver>,
        kind: Kind,
        factories: impl IntoIterator<Item = F>,
        parent: Option<&Scope>,
        options: ParallelOptions,
        race: (u32, RaceSpec),
    ) -> Rc<GroupShared<T, E, F>> {
        let ParallelOptions {
            concurrency: limit,
            fail_fast,
            signal,
            on_progress: progress,
        } = options;
        let fs: Vec<Option<F>> = factories.into_iter().map(Some).collect();
        let n = fs.len();
        let g = Rc::new(GroupShared {
            drv: drv.clone(),
            key: RefCell::new(None),
            scope: RefCell::new(None),
            members: RefCell::new((0..n).map(|_| None).collect()),
            factories: RefCell::new(fs),
            out: RefCell::new(None),
            waker: RefCell::new(None),
            progress,
        });
        let limit = limit.map(f64::from);
        let refused = |e: Error| match kind {
            Kind::Race => Out::Race(Err(TaskError::Refused(e))),
            Kind::Parallel => Out::Parallel(Err(TaskError::Refused(e))),
        };
        let n32 = u32::try_from(n).unwrap_or(u32::MAX);
        let (race_flags, spec) = race;
        let flags = if fail_fast { flag::FAIL_FAST } else { 0 }
            | if g.progress.is_some() {
                flag::PROGRESS
            } else {
                0
            }
            | race_flags;
        match plan(kind, n32, limit, &spec) {
            Err(f) => {
                g.finish(refused(f.into()));
                return g;
            }
            Ok(Plan::Empty) => {
                g.finish(match kind {
                    Kind::Race => refused(Error::State(RACE_EMPTY.into())),
                    Kind::Parallel => Out::Parallel(Ok(Vec::new())),
                });
                return g;
            }
            Ok(Plan::Run) => {}
        }
        let options = match parent {
            Some(p) => ScopeOptions::default().parent(p),
            None => ScopeOptions {
                signal,
                ..ScopeOptions::default()
            },
        };
        let inner = match ScopeShared::make(drv, &options) {
            Ok(s) => s,
            Err(e) => {
                g.finish(refused(e));
                return g;
            }
        };
        let made = drv
            .m
            .borrow_mut()
            .group_new(inner.key, kind, n32, limit, flags, &spec);
        match made {
            Ok(k) => {
                *g.key.borrow_mut() = Some(k);
                *g.scope.borrow_mut() = Some(inner);
                let old = drv.groups.borrow_mut().set(k, g.clone());
                drop(old);
                drv.run();
            }
            Err(f) => {
                if drv.m.borrow_mut().scope_dispose(inner.key) {
                    drv.run();
                }
                g.finish(refused(f.into()));
            }
        }
        g
    }
}

/// The outcome of a race: the first member to settle, success or failure
/// (or the abort reason if the race was aborted before). Dropping it before
/// then aborts the members.
///
/// ```
/// # use go_go_scope_wasm::{ManualHost, Runtime, ScopeOptions};
/// # use futures::FutureExt;
/// # let host = ManualHost::new();
/// # let rt = Runtime::new(host.clone());
/// # let s = rt.scope(ScopeOptions::default()).unwrap();
/// let first = s.race([1u8, 2].map(|n| move |_ctx| async move {
///     if n == 1 {
///         futures::future::pending::<()>().await; // never settles
///     }
///     Ok::<_, ()>(n)
/// }));
/// assert_eq!(first.now_or_never(), Some(Ok(2)));
/// ```
#[must_use = "a race is aborted when its future is dropped"]
pub struct Race<T, E> {
    g: Rc<dyn GroupOut<T, E>>,
}

impl<T, E> Future for Race<T, E> {
    type Output = Result<T, TaskError<E>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.g.poll_out(cx).map(|out| match out {
            Out::Race(r) => r,
            Out::Parallel(_) => Err(TaskError::Refused(Error::State("not a race".into()))),
        })
    }
}

impl<T, E> Drop for Race<T, E> {
    fn drop(&mut self) {
        self.g.cancel();
    }
}

impl<T, E> fmt::Debug for Race<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Race")
    }
}

/// The outcome of a parallel run: every factory's `Result` in input order
/// (a factory never started, because the run was aborted, has the abort
/// reason), or with `fail_fast` the first error. Dropping it before then
/// aborts the members.
///
/// ```
/// # use go_go_scope_wasm::{ManualHost, ParallelOptions, Runtime, ScopeOptions};
/// # use futures::FutureExt;
/// # let host = ManualHost::new();
/// # let rt = Runtime::new(host.clone());
/// # let s = rt.scope(ScopeOptions::default()).unwrap();
/// let all = s.parallel(
///     (1..=3).map(|n| move |_ctx| async move { Ok::<_, ()>(n * 10) }),
///     ParallelOptions::default(),
/// );
/// assert_eq!(all.now_or_never().unwrap().unwrap(), [Ok(10), Ok(20), Ok(30)]);
/// ```
#[must_use = "a parallel run is aborted when its future is dropped"]
pub struct Parallel<T, E> {
    g: Rc<dyn GroupOut<T, E>>,
}

impl<T, E> Future for Parallel<T, E> {
    type Output = Result<Vec<Result<T, TaskError<E>>>, TaskError<E>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.g.poll_out(cx).map(|out| match out {
            Out::Parallel(r) => r,
            Out::Race(_) => Err(TaskError::Refused(Error::State(
                "not a parallel run".into(),
            ))),
        })
    }
}

impl<T, E> Drop for Parallel<T, E> {
    fn drop(&mut self) {
        self.g.cancel();
    }
}

impl<T, E> fmt::Debug for Parallel<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Parallel")
    }
}

/// Runs every factory as a task; the first to settle, success or failure,
/// decides; the others see their signal aborted and are dropped (1.0's
/// `race(factories, options)`). An empty list gives
/// `Err(TaskError::Refused(..))` ("Cannot race empty array of factories").
///
/// ```
/// # use go_go_scope_wasm::{race, ManualHost, RaceOptions, Runtime};
/// # use futures::FutureExt;
/// # Runtime::set_current(Runtime::new(ManualHost::new()));
/// let fast = race(
///     [1u32, 2, 3].map(|n| move |_ctx| async move { Ok::<_, ()>(n) }),
///     RaceOptions::default(),
/// );
/// assert_eq!(fast.now_or_never(), Some(Ok(1)));
/// ```
pub fn race<T, E, F, Fut>(
    factories: impl IntoIterator<Item = F>,
    options: RaceOptions,
) -> Race<T, E>
where
    T: 'static,
    E: 'static,
    F: FnOnce(TaskContext) -> Fut + 'static,
    Fut: Future<Output = Result<T, E>> + 'static,
{
    let rt = Runtime::current();
    let spec = options.spec();
    Race {
        g: GroupShared::launch(
            rt.driver(),
            Kind::Race,
            factories,
            None,
            ParallelOptions {
                signal: options.signal,
                concurrency: options.concurrency,
                ..ParallelOptions::default()
            },
            spec,
        ),
    }
}

/// Runs every factory as a task, at most `concurrency` at once, and gives
/// their `Result`s in input order (1.0's `parallel(factories, options)`).
///
/// ```
/// # use go_go_scope_wasm::{parallel, ManualHost, ParallelOptions, Runtime};
/// # use futures::FutureExt;
/// # Runtime::set_current(Runtime::new(ManualHost::new()));
/// let all = parallel(
///     (1..=3).map(|n| move |_ctx| async move { if n == 2 { Err("two") } else { Ok(n) } }),
///     ParallelOptions::default().concurrency(2),
/// );
/// let results = all.now_or_never().unwrap().unwrap();
/// assert_eq!(results[0], Ok(1));
/// assert!(results[1].as_ref().unwrap_err().is_failed());
/// ```
pub fn parallel<T, E, F, Fut>(
    factories: impl IntoIterator<Item = F>,
    options: ParallelOptions,
) -> Parallel<T, E>
where
    T: 'static,
    E: 'static,
    F: FnOnce(TaskContext) -> Fut + 'static,
    Fut: Future<Output = Result<T, E>> + 'static,
{
    let rt = Runtime::current();
    Parallel {
        g: GroupShared::launch(
            rt.driver(),
            Kind::Parallel,
            factories,
            None,
            options,
            (0, RaceSpec::default()),
        ),
    }
}

impl Scope {
    /// [`race`] under this scope: its signal and services (1.0's `s.race`).
    ///
    /// ```
    /// # use go_go_scope_wasm::{ManualHost, Runtime, ScopeOptions};
    /// # use futures::FutureExt;
    /// # let host = ManualHost::new();
    /// # let rt = Runtime::new(host.clone());
    /// # let s = rt.scope(ScopeOptions::default()).unwrap();
    /// let mut r = s.race([|_ctx| futures::future::pending::<Result<(), ()>>()]);
    /// assert!((&mut r).now_or_never().is_none());
    /// let _ = s.dispose(); // aborts the race's members
    /// host.run();
    /// assert!(r.now_or_never().unwrap().unwrap_err().is_aborted());
    /// ```
    pub fn race<T, E, F, Fut>(&self, factories: impl IntoIterator<Item = F>) -> Race<T, E>
    where
        T: 'static,
        E: 'static,
        F: FnOnce(TaskContext) -> Fut + 'static,
        Fut: Future<Output = Result<T, E>> + 'static,
    {
        Race {
            g: GroupShared::launch(
                self.drv(),
                Kind::Race,
                factories,
                Some(self),
                ParallelOptions::default(),
                (0, RaceSpec::default()),
            ),
        }
    }

    /// [`Scope::race`] with go-go-scope 2.x's options (`require_success`,
    /// `timeout`, `stagger`, `concurrency`; the options' `signal` is not
    /// used here: the scope's is).
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use go_go_scope_wasm::{ManualHost, RaceOptions, Runtime, ScopeOptions};
    /// # use futures::FutureExt;
    /// # let host = ManualHost::new();
    /// # let rt = Runtime::new(host.clone());
    /// # let s = rt.scope(ScopeOptions::default()).unwrap();
    /// let mut r = s.race_with(
    ///     [|_ctx| futures::future::pending::<Result<(), ()>>()],
    ///     RaceOptions::default().timeout(Duration::from_millis(30)),
    /// );
    /// host.advance(30);
    /// assert!(r.now_or_never().unwrap().unwrap_err().is_timeout());
    /// assert!(s.reason().is_none(), "the scope itself goes on");
    /// ```
    pub fn race_with<T, E, F, Fut>(
        &self,
        factories: impl IntoIterator<Item = F>,
        options: RaceOptions,
    ) -> Race<T, E>
    where
        T: 'static,
        E: 'static,
        F: FnOnce(TaskContext) -> Fut + 'static,
        Fut: Future<Output = Result<T, E>> + 'static,
    {
        let spec = options.spec();
        Race {
            g: GroupShared::launch(
                self.drv(),
                Kind::Race,
                factories,
                Some(self),
                ParallelOptions {
                    concurrency: options.concurrency,
                    ..ParallelOptions::default()
                },
                spec,
            ),
        }
    }

    /// The first factory to succeed (go-go-scope 2.x's `s.any`: a race
    /// with `require_success`); when every one failed,
    /// [`TaskError::AllFailed`] with their errors in input order.
    ///
    /// ```
    /// # use go_go_scope_wasm::{ManualHost, RaceOptions, Runtime, ScopeOptions};
    /// # use futures::FutureExt;
    /// # let rt = Runtime::new(ManualHost::new());
    /// # let s = rt.scope(ScopeOptions::default()).unwrap();
    /// let first_ok = s.any([Err("down"), Ok("up")].map(|r| move |_ctx| async move { r }), RaceOptions::default());
    /// assert_eq!(first_ok.now_or_never(), Some(Ok("up")));
    ///
    /// let none = s.any([Err::<(), _>("a"), Err("b")].map(|r| move |_ctx| async move { r }), RaceOptions::default());
    /// let e = none.now_or_never().unwrap().unwrap_err();
    /// let errors: Vec<_> = e.all_failed().unwrap().iter().map(|e| *e.failed().unwrap()).collect();
    /// assert_eq!(errors, ["a", "b"]);
    /// ```
    pub fn any<T, E, F, Fut>(
        &self,
        factories: impl IntoIterator<Item = F>,
        options: RaceOptions,
    ) -> Race<T, E>
    where
        T: 'static,
        E: 'static,
        F: FnOnce(TaskContext) -> Fut + 'static,
        Fut: Future<Output = Result<T, E>> + 'static,
    {
        self.race_with(factories, options.require_success(true))
    }

    /// [`parallel`] under this scope: its signal, services and
    /// `concurrency` (1.0's `s.parallel(factories, { failFast })`; the
    /// options' `concurrency` and `signal` are not used here).
    ///
    /// ```
    /// # use go_go_scope_wasm::{ManualHost, ParallelOptions, Runtime, ScopeOptions};
    /// # use futures::FutureExt;
    /// # let host = ManualHost::new();
    /// # let rt = Runtime::new(host.clone());
    /// let s = rt.scope(ScopeOptions::default().concurrency(2)).unwrap();
    /// let all = s.parallel(
    ///     (1..=4).map(|n| move |_ctx| async move { if n == 3 { Err("three") } else { Ok(n) } }),
    ///     ParallelOptions::default().fail_fast(true),
    /// );
    /// assert_eq!(all.now_or_never().unwrap().unwrap_err().failed(), Some(&"three"));
    /// ```
    pub fn parallel<T, E, F, Fut>(
        &self,
        factories: impl IntoIterator<Item = F>,
        options: ParallelOptions,
    ) -> Parallel<T, E>
    where
        T: 'static,
        E: 'static,
        F: FnOnce(TaskContext) -> Fut + 'static,
        Fut: Future<Output = Result<T, E>> + 'static,
    {
        Parallel {
            g: GroupShared::launch(
                self.drv(),
                Kind::Parallel,
                factories,
                Some(self),
                ParallelOptions {
                    concurrency: None,
                    signal: None,
                    ..options
                },
                (0, RaceSpec::default()),
            ),
        }
    }
}

impl Driver {
    fn group_entry(&self, g: f64) -> Option<Rc<dyn GroupEntry>> {
        key(g).and_then(|k| self.groups.borrow().get(k).cloned())
    }

    /// `GroupStart(group, from, count)`.
    pub(crate) fn on_group_start(&self, g: f64, from: u32, count: u32) {
        if let Some(e) = self.group_entry(g) {
            e.start(from, count);
        }
    }

    /// `GroupProgress(group, index, completed)`.
    pub(crate) fn on_group_progress(&self, g: f64, index: u32, completed: u32) {
        if let Some(e) = self.group_entry(g) {
            e.progress(index, completed);
        }
    }

    /// `GroupDone(group, how, arg)`: the driver lets go of the group.
    pub(crate) fn on_group_done(&self, g: f64, how_: f64, arg: f64) {
        let e = key(g).and_then(|k| self.groups.borrow_mut().take(k));
        if let Some(e) = e {
            e.done(how_, arg);
        }
    }
}
