//! Tasks: [`Scope::task`], the [`Task`] handle, its options, its context and
//! its error. Which attempt runs, when, and how it ends are the machine's
//! (`machine/task.rs`); here are the closures, the futures and the values.
//!
//! An attempt is the future the task's function returned. It is polled once
//! where the machine's `Start` is applied (as JavaScript calls `fn` at
//! once, up to its first `await`), then by the host's executor if it must
//! wait. It listens to its signal's controller: when the signal aborts, the
//! future is dropped (the work really stops) and the attempt ends with the
//! abort reason, as a `fetch` given that signal rejects with it.
//!
//! # Invariants
//!
//! 1. A task's outcome is reported with the serial of the attempt that
//!    produced it; the machine answers whether it took it, and only a taken
//!    outcome is kept (a late outcome of an attempt that timed out is
//!    dropped).
//! 2. An attempt whose serial is no longer the task's current one, or whose
//!    signal aborted, is dropped at its next poll without polling the
//!    user's future again.
//! 3. The driver holds a task's state from `spawn` to its `Settle`, which
//!    stores the result for the handle and drops the function (memory is
//!    released at settle, never left to a collector).
//! 4. No borrow of the task's state is held while user code runs (its
//!    function, its future, its retry hooks, the drop of its values).

use std::cell::{Cell, RefCell};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use futures::future::LocalBoxFuture;
use futures::FutureExt;

use super::error::Error;
use super::runtime::Driver;
use super::scope::{ms, CleanupFn, CleanupOutput, Scope, Services};
use super::signal::{Aborted, NodeCtl, Reason};
use super::table::key;
use super::telemetry::{AttributeValue, OtelOptions};
use crate::machine::slab::Key;
use crate::machine::task::{err, how, RetrySpec, TaskSpec};

/// How a task failed: its function's own error, or what the scope decided
/// (an abort, a timeout, an open circuit).
///
/// ```
/// use go_go_scope_wasm::TaskError;
///
/// let e: TaskError<String> = TaskError::Failed("no user".into());
/// assert!(e.is_failed());
/// assert_eq!(e.to_string(), "no user");
/// assert_eq!(TaskError::<String>::CircuitOpen.to_string(), "Circuit breaker is open");
/// ```
#[derive(Clone, PartialEq)]
pub enum TaskError<E> {
    /// The function's future gave this error (kept as is: a JavaScript
    /// value thrown by JavaScript code arrives as the same object).
    Failed(E),
    /// The task's signal aborted before it finished: its scope was disposed
    /// or its parent (or a linked `AbortSignal`) aborted. The future was
    /// dropped.
    Aborted(Reason),
    /// A timeout ran out: the task's own (each attempt's) or its scope's.
    /// The future was dropped.
    Timeout(Reason),
    /// The scope's circuit breaker is open: the function was not called.
    CircuitOpen,
    /// The scope refused the task: a bad `retry` delay (the machine's
    /// message names it).
    Refused(Error),
}

impl<E> TaskError<E> {
    /// The function's own error.
    pub fn is_failed(&self) -> bool {
        matches!(self, TaskError::Failed(_))
    }

    /// Aborted (not by a timeout).
    pub fn is_aborted(&self) -> bool {
        matches!(self, TaskError::Aborted(_))
    }

    /// A timeout ran out.
    pub fn is_timeout(&self) -> bool {
        matches!(self, TaskError::Timeout(_))
    }

    /// The circuit breaker refused the call.
    pub fn is_circuit_open(&self) -> bool {
        matches!(self, TaskError::CircuitOpen)
    }

    /// The function's own error, if that is what this is.
    pub fn failed(&self) -> Option<&E> {
        match self {
            TaskError::Failed(e) => Some(e),
            _ => None,
        }
    }

    /// The function's own error, by value.
    pub fn into_failed(self) -> Option<E> {
        match self {
            TaskError::Failed(e) => Some(e),
            _ => None,
        }
    }

    /// The abort or timeout reason (the same [`Reason`] the signal carries).
    pub fn reason(&self) -> Option<&Reason> {
        match self {
            TaskError::Aborted(r) | TaskError::Timeout(r) => Some(r),
            _ => None,
        }
    }

    /// Maps the function's error.
    pub fn map<F>(self, f: impl FnOnce(E) -> F) -> TaskError<F> {
        match self {
            TaskError::Failed(e) => TaskError::Failed(f(e)),
            TaskError::Aborted(r) => TaskError::Aborted(r),
            TaskError::Timeout(r) => TaskError::Timeout(r),
            TaskError::CircuitOpen => TaskError::CircuitOpen,
            TaskError::Refused(e) => TaskError::Refused(e),
        }
    }

    /// The error as JavaScript's Result tuple holds it: the function's
    /// error as is, the abort reason itself (the same object the signal
    /// carries), `Error("Circuit breaker is open")`.
    pub fn into_js(self) -> wasm_bindgen::JsValue
    where
        E: Into<wasm_bindgen::JsValue>,
    {
        match self {
            TaskError::Failed(e) => e.into(),
            TaskError::Aborted(r) | TaskError::Timeout(r) => r.to_js(),
            TaskError::CircuitOpen => js_sys::Error::new(CIRCUIT_OPEN).into(),
            TaskError::Refused(e) => e.to_js(),
        }
    }

    /// The error a machine-made failure stands for.
    pub(crate) fn from_reason(r: Reason) -> TaskError<E> {
        if r.is_timeout() {
            TaskError::Timeout(r)
        } else {
            TaskError::Aborted(r)
        }
    }
}

const CIRCUIT_OPEN: &str = "Circuit breaker is open";

impl<E> TaskError<E> {
    /// The message of a machine-made error (not `Failed`).
    fn map_ref_message(&self) -> String {
        match self {
            TaskError::Aborted(r) | TaskError::Timeout(r) => r.to_string(),
            TaskError::CircuitOpen => CIRCUIT_OPEN.into(),
            TaskError::Refused(e) => e.to_string(),
            TaskError::Failed(_) => "exception".into(),
        }
    }
}

/// What a task's own error reads as in its span, for the common error
/// types (others are named by their type).
fn describe<E: 'static>(e: &E) -> String {
    let any = e as &dyn std::any::Any;
    if let Some(s) = any.downcast_ref::<String>() {
        return s.clone();
    }
    if let Some(s) = any.downcast_ref::<&'static str>() {
        return (*s).into();
    }
    if let Some(v) = any.downcast_ref::<wasm_bindgen::JsValue>() {
        return super::signal::js_text(v);
    }
    if let Some(e) = any.downcast_ref::<Error>() {
        return e.to_string();
    }
    if let Some(e) = any.downcast_ref::<Box<dyn std::error::Error>>() {
        return e.to_string();
    }
    std::any::type_name::<E>().into()
}

impl<E: fmt::Display> fmt::Display for TaskError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TaskError::Failed(e) => e.fmt(f),
            TaskError::Aborted(r) | TaskError::Timeout(r) => r.fmt(f),
            TaskError::CircuitOpen => f.write_str(CIRCUIT_OPEN),
            TaskError::Refused(e) => e.fmt(f),
        }
    }
}

impl<E: fmt::Debug> fmt::Debug for TaskError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TaskError::Failed(e) => f.debug_tuple("Failed").field(e).finish(),
            TaskError::Aborted(r) => f.debug_tuple("Aborted").field(r).finish(),
            TaskError::Timeout(r) => f.debug_tuple("Timeout").field(r).finish(),
            TaskError::CircuitOpen => f.write_str("CircuitOpen"),
            TaskError::Refused(e) => f.debug_tuple("Refused").field(e).finish(),
        }
    }
}

impl<E: std::error::Error + 'static> std::error::Error for TaskError<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            TaskError::Failed(e) => Some(e),
            TaskError::Refused(e) => Some(e),
            _ => None,
        }
    }
}

/// `delay(attempt, error)`.
type DelayFn<E> = Rc<dyn Fn(u32, &TaskError<E>) -> Duration>;
/// `retryCondition(error)`.
type ConditionFn<E> = Rc<dyn Fn(&TaskError<E>) -> bool>;
/// `onRetry(error, attempt)`.
type OnRetryFn<E> = Rc<dyn Fn(&TaskError<E>, u32)>;

/// The delay before a retry (1.0's `retry.delay`: a number of ms or
/// `(attempt, error) => ms`).
pub enum Delay<E> {
    /// The same delay before every retry (zero: none).
    Fixed(Duration),
    /// `f(attempt, error)`, `attempt` counted from 1 for the first retry.
    Fn(DelayFn<E>),
}

impl<E> Clone for Delay<E> {
    fn clone(&self) -> Self {
        match self {
            Delay::Fixed(d) => Delay::Fixed(*d),
            Delay::Fn(f) => Delay::Fn(f.clone()),
        }
    }
}

impl<E> Default for Delay<E> {
    fn default() -> Self {
        Delay::Fixed(Duration::ZERO)
    }
}

/// Retry (1.0's `retry: { maxRetries, delay, retryCondition, onRetry }`),
/// as a builder in the manner of backon's.
///
/// ```
/// use std::time::Duration;
/// use go_go_scope_wasm::{RetryOptions, TaskError};
///
/// let retry = RetryOptions::<String>::new()
///     .max_retries(5)
///     .delay_fn(|attempt, _err| Duration::from_millis((1000u64 << attempt).min(30_000)))
///     .retry_condition(|e: &TaskError<String>| e.is_failed())
///     .on_retry(|e, attempt| eprintln!("retry {attempt} after error: {e}"));
/// assert_eq!(retry.max_retries, Some(5));
/// ```
pub struct RetryOptions<E> {
    /// Further attempts after the first (default 3).
    pub max_retries: Option<u32>,
    /// The wait before each retry (default none).
    pub delay: Delay<E>,
    /// `false` ends retrying with that error.
    pub retry_condition: Option<ConditionFn<E>>,
    /// Called before each retry with the error and the retry's number.
    pub on_retry: Option<OnRetryFn<E>>,
}

impl<E> Default for RetryOptions<E> {
    fn default() -> Self {
        RetryOptions {
            max_retries: None,
            delay: Delay::default(),
            retry_condition: None,
            on_retry: None,
        }
    }
}

impl<E> Clone for RetryOptions<E> {
    fn clone(&self) -> Self {
        RetryOptions {
            max_retries: self.max_retries,
            delay: self.delay.clone(),
            retry_condition: self.retry_condition.clone(),
            on_retry: self.on_retry.clone(),
        }
    }
}

impl<E> RetryOptions<E> {
    /// 1.0's defaults: up to 3 retries, no delay.
    pub fn new() -> Self {
        RetryOptions::default()
    }

    /// Sets [`RetryOptions::max_retries`].
    pub fn max_retries(mut self, n: u32) -> Self {
        self.max_retries = Some(n);
        self
    }

    /// A fixed delay before each retry.
    pub fn delay(mut self, d: Duration) -> Self {
        self.delay = Delay::Fixed(d);
        self
    }

    /// A delay computed from the retry's number (from 1) and the error.
    pub fn delay_fn(mut self, f: impl Fn(u32, &TaskError<E>) -> Duration + 'static) -> Self {
        self.delay = Delay::Fn(Rc::new(f));
        self
    }

    /// Retries only while `f(error)` is true.
    pub fn retry_condition(mut self, f: impl Fn(&TaskError<E>) -> bool + 'static) -> Self {
        self.retry_condition = Some(Rc::new(f));
        self
    }

    /// Called before each retry with the error and the retry's number.
    pub fn on_retry(mut self, f: impl Fn(&TaskError<E>, u32) + 'static) -> Self {
        self.on_retry = Some(Rc::new(f));
        self
    }

    fn spec(&self) -> RetrySpec {
        RetrySpec {
            max_retries: self.max_retries.map(f64::from),
            delay: match &self.delay {
                Delay::Fixed(d) => Some(ms(*d)),
                Delay::Fn(_) => None,
            },
            delay_fn: matches!(self.delay, Delay::Fn(_)),
            condition: self.retry_condition.is_some(),
            on_retry: self.on_retry.is_some(),
        }
    }
}

impl<E> fmt::Debug for RetryOptions<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RetryOptions")
            .field("max_retries", &self.max_retries)
            .field(
                "delay",
                &match &self.delay {
                    Delay::Fixed(d) => format!("{d:?}"),
                    Delay::Fn(_) => "fn".into(),
                },
            )
            .field("retry_condition", &self.retry_condition.is_some())
            .field("on_retry", &self.on_retry.is_some())
            .finish()
    }
}

/// Options of [`Scope::task`] (1.0's `task(fn, options)`), applied from
/// the outside in: timeout, retry, the scope's concurrency permit, its
/// circuit breaker, then the function.
///
/// ```
/// use std::time::Duration;
/// use go_go_scope_wasm::{RetryOptions, TaskOptions};
///
/// let o = TaskOptions::<String>::default()
///     .timeout(Duration::from_secs(5)) // each attempt
///     .retry(RetryOptions::new().max_retries(3).delay(Duration::from_secs(1)));
/// assert!(o.retry.is_some());
/// ```
pub struct TaskOptions<E> {
    /// Each attempt fails with [`TaskError::Timeout`] if it has not
    /// finished by then (and its future is dropped).
    pub timeout: Option<Duration>,
    pub retry: Option<RetryOptions<E>>,
    /// Runs when the scope is disposed, with the other cleanups (newest
    /// first); its errors are ignored, as 1.0 ignores them.
    pub on_cleanup: Option<Box<dyn FnOnce() -> LocalBoxFuture<'static, ()>>>,
    /// The task's span name and extra attributes (a scope with a tracer).
    pub otel: Option<OtelOptions>,
}

impl<E> Default for TaskOptions<E> {
    fn default() -> Self {
        TaskOptions {
            timeout: None,
            retry: None,
            on_cleanup: None,
            otel: None,
        }
    }
}

impl<E> TaskOptions<E> {
    /// Sets [`TaskOptions::timeout`].
    pub fn timeout(mut self, d: Duration) -> Self {
        self.timeout = Some(d);
        self
    }

    /// Sets [`TaskOptions::retry`].
    pub fn retry(mut self, r: RetryOptions<E>) -> Self {
        self.retry = Some(r);
        self
    }

    /// Sets [`TaskOptions::otel`]: the span's name and extra attributes.
    pub fn otel<K: Into<String>, V: Into<AttributeValue>>(
        mut self,
        name: impl Into<String>,
        attributes: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        self.otel = Some(OtelOptions {
            name: Some(name.into()),
            attributes: attributes
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        });
        self
    }

    /// Sets [`TaskOptions::on_cleanup`] (a closure whose future may give
    /// nothing or a `Result`).
    pub fn on_cleanup<F, Fut>(mut self, f: F) -> Self
    where
        F: FnOnce() -> Fut + 'static,
        Fut: Future + 'static,
        Fut::Output: CleanupOutput,
    {
        self.on_cleanup = Some(Box::new(move || {
            f().map(|out| {
                let _ = out.into_result();
            })
            .boxed_local()
        }));
        self
    }
}

impl<E> fmt::Debug for TaskOptions<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskOptions")
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
            .field("on_cleanup", &self.on_cleanup.is_some())
            .field("otel", &self.otel)
            .finish()
    }
}

/// What a task's function receives (1.0's `{ signal, services }`): its
/// signal, for JavaScript work and for checks, and the scope's services.
///
/// The attempt's future is dropped when the signal aborts, so Rust code
/// rarely needs to look; JavaScript work started with [`signal`] stops
/// with it.
///
/// [`signal`]: TaskContext::signal
#[derive(Clone)]
pub struct TaskContext(pub(crate) Rc<dyn CtxSource>);

impl TaskContext {
    /// The scope's services.
    pub fn services(&self) -> Services {
        self.0.services()
    }

    /// The service `key` of type `T` (see [`Scope::service`]).
    pub fn service<T: 'static>(&self, key: &str) -> Option<Rc<T>> {
        self.0.services().get::<T>(key)
    }

    /// Whether the task's signal aborted.
    pub fn is_aborted(&self) -> bool {
        self.0.ctl().is_some_and(|c| c.reason().is_some())
    }

    /// Why the task's signal aborted, once it has.
    pub fn reason(&self) -> Option<Reason> {
        self.0.ctl().and_then(|c| c.reason())
    }

    /// Resolves with the reason once the task's signal aborts.
    pub fn aborted(&self) -> Aborted {
        match self.0.ctl() {
            Some(c) => c.until_aborted(),
            None => Aborted::never(),
        }
    }

    /// The task's `AbortSignal` (made when first asked for), aborted with
    /// the task's reason (its timeout, its scope's abort): pass it to
    /// `fetch` or to any JavaScript function that takes one.
    pub fn signal(&self) -> web_sys::AbortSignal {
        self.0.web_signal()
    }

    /// The task's id (1.0's `Task.id`).
    pub fn task_id(&self) -> u64 {
        self.0.id()
    }
}

impl fmt::Debug for TaskContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskContext")
            .field("task_id", &self.task_id())
            .field("aborted", &self.is_aborted())
            .finish()
    }
}

/// What a [`TaskContext`] reads: a task's (or a poll's) services and
/// signal.
pub(crate) trait CtxSource {
    fn services(&self) -> Services;
    /// The controller the current attempt (or call) listens to.
    fn ctl(&self) -> Option<Rc<NodeCtl>>;
    fn web_signal(&self) -> web_sys::AbortSignal;
    fn id(&self) -> u64;
}

/// What the driver's table holds of a task, whatever its types.
pub(crate) trait TaskEntry {
    /// `Start(task, serial, node)`: call the function, poll the attempt.
    fn start(self: Rc<Self>, serial: u32, node: f64);
    /// `Settle(task, how, started)`.
    fn settle(&self, how: f64, started: bool);
    /// `TaskError(task, kind, arg)`: the machine made the current error.
    fn set_error(&self, kind: f64, arg: f64);
    /// `RetryAsk(task, serial, attempt)`.
    fn ask_retry(&self, serial: u32, attempt: u32);
    /// `OnRetry(task, attempt)`.
    fn on_retry(&self, attempt: u32);
    /// What the current error says (its span's exception).
    fn failure(&self) -> String;
}

type Factory<T, E> = Box<dyn FnMut(TaskContext) -> LocalBoxFuture<'static, Result<T, E>>>;

/// The current attempt: its serial, its node (-1: the scope's), and the
/// controller it listens to.
struct AttemptSlot {
    serial: u32,
    node: f64,
    ctl: Option<Rc<NodeCtl>>,
}

/// One task, shared by its handle, its attempts and the driver's table.
pub(crate) struct TaskCore<T, E> {
    drv: Rc<Driver>,
    key: Cell<Key>,
    scope: Rc<super::scope::ScopeShared>,
    /// Events carry the clock (a breaker or a retry needs it).
    clock: bool,
    id: Cell<u64>,
    factory: RefCell<Option<Factory<T, E>>>,
    retry: Option<Box<RetryOptions<E>>>,
    attempt: RefCell<AttemptSlot>,
    state: RefCell<TaskState<T, E>>,
}

struct TaskState<T, E> {
    /// The last attempt's outcome, or the error the machine made; once
    /// settled, the task's result, until the handle takes it.
    current: Option<Result<T, TaskError<E>>>,
    settled: bool,
    started: bool,
    waker: Option<Waker>,
}

impl<T: 'static, E: 'static> TaskCore<T, E> {
    pub(crate) fn new(
        scope: &Rc<super::scope::ScopeShared>,
        factory: Factory<T, E>,
        retry: Option<RetryOptions<E>>,
    ) -> Rc<Self> {
        Rc::new(TaskCore {
            drv: scope.drv.clone(),
            key: Cell::new(Key::default()),
            clock: scope.clock || retry.is_some(),
            scope: scope.clone(),
            id: Cell::new(0),
            factory: RefCell::new(Some(factory)),
            retry: retry.map(Box::new),
            attempt: RefCell::new(AttemptSlot {
                serial: 0,
                node: -1.0,
                ctl: None,
            }),
            state: RefCell::new(TaskState {
                current: None,
                settled: false,
                started: false,
                waker: None,
            }),
        })
    }

    /// The machine made the task `k`: keep it until its `Settle`.
    pub(crate) fn made(self: &Rc<Self>, k: Key) {
        self.key.set(k);
        self.id.set(self.drv.m.borrow().last_task_id() as u64);
        let old = self.drv.tasks.borrow_mut().set(k, self.clone());
        drop(old);
    }

    pub(crate) fn handle(self: Rc<Self>) -> Task<T, E> {
        Task { core: self }
    }

    /// Reports the outcome of attempt `serial` (invariant #1).
    fn report(&self, serial: u32, out: Result<T, TaskError<E>>) {
        let now = if self.clock { self.drv.now() } else { 0.0 };
        let taken = self.drv.m.borrow_mut().attempt_settled(
            self.key.get().to_f64(),
            serial,
            out.is_ok(),
            now,
        );
        let dropped = if taken {
            self.state.borrow_mut().current.replace(out)
        } else {
            Some(out)
        };
        drop(dropped);
        self.drv.after();
    }

    /// Whether `serial` is still the current attempt.
    fn is_current(&self, serial: u32) -> bool {
        self.attempt.borrow().serial == serial && !self.state.borrow().settled
    }

    /// The taken result, once settled.
    pub(crate) fn take_result(&self) -> Option<Result<T, TaskError<E>>> {
        let mut st = self.state.borrow_mut();
        if st.settled {
            st.current.take()
        } else {
            None
        }
    }

    pub(crate) fn is_settled(&self) -> bool {
        self.state.borrow().settled
    }
}

impl<T: 'static, E: 'static> TaskEntry for TaskCore<T, E> {
    fn start(self: Rc<Self>, serial: u32, node: f64) {
        // The controller this attempt listens to: its own node's, or its
        // scope's while it shares the scope's node (machine task.rs #5).
        let ctl = match key(node) {
            Some(n) => self.drv.watch(n),
            None => self.scope.ctl(),
        };
        *self.attempt.borrow_mut() = AttemptSlot { serial, node, ctl };
        self.state.borrow_mut().started = true;
        let f = self.factory.borrow_mut().take();
        let Some(mut f) = f else {
            // The function is gone (the task settled meanwhile).
            return;
        };
        let fut = f(TaskContext(self.clone()));
        let old = self.factory.borrow_mut().replace(f);
        drop(old);
        let mut attempt = Attempt {
            core: self,
            serial,
            fut: Some(fut),
            listening: None,
        };
        let mut cx = Context::from_waker(Waker::noop());
        if Pin::new(&mut attempt).poll(&mut cx).is_pending() {
            let host = attempt.core.drv.host.clone();
            host.spawn(Box::pin(attempt));
        }
    }

    fn settle(&self, how_: f64, started: bool) {
        let (waker, factory) = {
            let mut st = self.state.borrow_mut();
            let current = st.current.take();
            st.current = Some(match (how_ == how::OK, current) {
                (true, Some(Ok(v))) => Ok(v),
                (false, Some(Err(e))) => Err(e),
                // Not reached: every settle follows a kept outcome or a
                // machine-made error.
                _ => Err(TaskError::Refused(Error::State(
                    "task settled without an outcome".into(),
                ))),
            });
            st.settled = true;
            st.started = started;
            (st.waker.take(), self.factory.borrow_mut().take())
        };
        drop(factory); // invariant #3, outside the borrows (#4)
        if let Some(w) = waker {
            w.wake();
        }
    }

    fn set_error(&self, kind: f64, arg: f64) {
        let e = if kind == err::REASON {
            match self.drv.reason_of(arg) {
                Some(r) => TaskError::from_reason(r),
                None => TaskError::Aborted(Reason::scope_disposed()),
            }
        } else if kind == err::BREAKER_OPEN {
            TaskError::CircuitOpen
        } else {
            TaskError::Refused(Error::Range(format!(
                "task: retry.delay must be a finite number of milliseconds >= 0, got {}",
                super::error::js_number(arg)
            )))
        };
        let old = self.state.borrow_mut().current.replace(Err(e));
        drop(old);
    }

    fn ask_retry(&self, serial: u32, attempt: u32) {
        let Some(retry) = &self.retry else { return };
        // Taken out while the hooks run (invariant #4).
        let current = self.state.borrow_mut().current.take();
        let mut verdict = 1u32;
        let mut delay = f64::NAN;
        if let Some(Err(e)) = &current {
            if retry.retry_condition.as_ref().is_some_and(|c| !c(e)) {
                verdict = 0;
            } else if let (true, Delay::Fn(d)) = (attempt > 0, &retry.delay) {
                delay = ms(d(attempt, e));
            }
        }
        {
            let mut st = self.state.borrow_mut();
            if st.current.is_none() {
                st.current = current;
            }
        }
        let now = self.drv.now();
        self.drv.m.borrow_mut().retry_answer(
            self.key.get().to_f64(),
            serial,
            verdict as u8,
            delay,
            now,
        );
        self.drv.after();
    }

    fn failure(&self) -> String {
        match &self.state.borrow().current {
            Some(Err(TaskError::Failed(e))) => describe(e),
            Some(Err(e)) => e.map_ref_message(),
            _ => "task failed".into(),
        }
    }

    fn on_retry(&self, attempt: u32) {
        let Some(f) = self.retry.as_ref().and_then(|r| r.on_retry.clone()) else {
            return;
        };
        let current = self.state.borrow_mut().current.take();
        if let Some(Err(e)) = &current {
            f(e, attempt);
        }
        let mut st = self.state.borrow_mut();
        if st.current.is_none() {
            st.current = current;
        }
    }
}

impl<T: 'static, E: 'static> CtxSource for TaskCore<T, E> {
    fn services(&self) -> Services {
        self.scope.services.clone()
    }

    fn ctl(&self) -> Option<Rc<NodeCtl>> {
        self.attempt.borrow().ctl.clone()
    }

    fn web_signal(&self) -> web_sys::AbortSignal {
        let node = self.attempt.borrow().node;
        let own = match key(node) {
            Some(n) => Some(n),
            // The task shares its scope's node: it gets one of its own now
            // (made cancelled if the scope already is), as JS's does.
            None => {
                let n = self.drv.m.borrow_mut().task_node(self.key.get());
                self.drv.run();
                n.map(|n| {
                    let (index, generation) = n.parts();
                    Key { index, generation }
                })
            }
        };
        match own.and_then(|n| self.drv.watch(n)) {
            Some(c) => c.web_signal(),
            // Settled: it aborts with its scope, as 1.0's did.
            None => Scope::web_signal_of(&self.scope),
        }
    }

    fn id(&self) -> u64 {
        self.id.get()
    }
}

/// One attempt's future, run by the host (see the module docs).
struct Attempt<T, E> {
    core: Rc<TaskCore<T, E>>,
    serial: u32,
    fut: Option<LocalBoxFuture<'static, Result<T, E>>>,
    /// The controller this attempt's waker is registered with, and its id.
    listening: Option<(Rc<NodeCtl>, usize)>,
}

impl<T, E> Attempt<T, E> {
    fn unlisten(&mut self) {
        if let Some((c, id)) = self.listening.take() {
            c.unlisten(id);
        }
    }
}

impl<T: 'static, E: 'static> Future for Attempt<T, E> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        if this.fut.is_none() {
            return Poll::Ready(());
        }
        // A stale attempt ends quietly (invariant #2).
        if !this.core.is_current(this.serial) {
            let fut = this.fut.take();
            this.unlisten();
            drop(fut);
            return Poll::Ready(());
        }
        let ctl = this.core.attempt.borrow().ctl.clone();
        if let Some(r) = ctl.as_ref().and_then(|c| c.reason()) {
            // Aborted: the work stops here (invariant #2).
            let fut = this.fut.take();
            this.unlisten();
            drop(fut);
            this.core
                .report(this.serial, Err(TaskError::from_reason(r)));
            return Poll::Ready(());
        }
        let polled = match this.fut.as_mut() {
            Some(f) => f.as_mut().poll(cx),
            None => return Poll::Ready(()),
        };
        match polled {
            Poll::Ready(out) => {
                this.fut = None;
                this.unlisten();
                this.core
                    .report(this.serial, out.map_err(TaskError::Failed));
                Poll::Ready(())
            }
            Poll::Pending => {
                if let Some(c) = ctl {
                    let id = match this.listening.take() {
                        Some((old, id)) if Rc::ptr_eq(&old, &c) => Some(id),
                        Some((old, id)) => {
                            old.unlisten(id);
                            None
                        }
                        None => None,
                    };
                    let id = c.listen(id, cx.waker());
                    this.listening = Some((c, id));
                }
                Poll::Pending
            }
        }
    }
}

impl<T, E> Drop for Attempt<T, E> {
    fn drop(&mut self) {
        self.unlisten();
    }
}

/// A task (1.0's `Task`): a future of its `Result`, awaited once.
/// Dropping it does not cancel the task: its scope owns it.
///
/// ```
/// # use go_go_scope_wasm::{ManualHost, Runtime, ScopeOptions, TaskOptions};
/// # use futures::FutureExt;
/// # let rt = Runtime::new(ManualHost::new());
/// # let s = rt.scope(ScopeOptions::default()).unwrap();
/// let t = s.task(|_| async { Err::<(), _>("no user") }, TaskOptions::default()).unwrap();
/// assert!(t.is_settled());
/// assert_eq!(t.now_or_never().unwrap().unwrap_err().failed(), Some(&"no user"));
/// ```
#[must_use = "a task runs without being awaited; its Result is only seen by awaiting it"]
pub struct Task<T, E> {
    core: Rc<TaskCore<T, E>>,
}

impl<T: 'static, E: 'static> Task<T, E> {
    /// Unique, increasing (1.0's `Task.id`).
    pub fn id(&self) -> u64 {
        self.core.id.get()
    }

    /// The function has been called.
    pub fn is_started(&self) -> bool {
        if self.core.is_settled() {
            return self.core.state.borrow().started;
        }
        self.core
            .drv
            .m
            .borrow()
            .task_is_started(self.core.key.get())
            .unwrap_or(false)
    }

    /// The Result is ready.
    pub fn is_settled(&self) -> bool {
        self.core.is_settled()
    }

    /// The task no longer hears its scope's abort (1.0's
    /// `task[Symbol.dispose]()`); no effect on a settled task.
    pub fn detach(&self) {
        let drv = &self.core.drv;
        let k = self.core.key.get();
        let own = {
            let mut m = drv.m.borrow_mut();
            m.task_detach(k);
            m.task_node(k)
        };
        drv.run();
        // The running attempt now listens to the task's own node.
        let mut slot = self.core.attempt.borrow_mut();
        if slot.node < 0.0 {
            if let Some(n) = own {
                let (index, generation) = n.parts();
                let n = Key { index, generation };
                slot.node = n.to_f64();
                drop(slot);
                let ctl = drv.watch(n);
                self.core.attempt.borrow_mut().ctl = ctl;
            }
        }
    }
}

impl<T, E> Future for Task<T, E> {
    type Output = Result<T, TaskError<E>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut st = self.core.state.borrow_mut();
        if st.settled {
            if let Some(r) = st.current.take() {
                return Poll::Ready(r);
            }
        }
        match &st.waker {
            Some(w) if w.will_wake(cx.waker()) => {}
            _ => st.waker = Some(cx.waker().clone()),
        }
        Poll::Pending
    }
}

impl<T, E> fmt::Debug for Task<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Task")
            .field("id", &self.core.id.get())
            .field("settled", &self.core.state.borrow().settled)
            .finish()
    }
}

impl Scope {
    /// Runs `f` as a task of this scope (1.0's `s.task(fn, options)`). It
    /// starts at once (unless a concurrency limit or the circuit breaker
    /// makes it wait): `f` is called, and its future polled, before this
    /// returns. The handle is a future of the task's `Result`.
    ///
    /// `f` is `FnMut` because a `retry` calls it again for each attempt:
    /// clone inside it what each attempt's future must own.
    ///
    /// ```no_run
    /// # async fn demo(s: go_go_scope_wasm::Scope) -> Result<(), go_go_scope_wasm::Error> {
    /// use std::time::Duration;
    /// use go_go_scope_wasm::{RetryOptions, TaskOptions};
    ///
    /// let url = String::from("/api/user/1");
    /// let user = s.task(
    ///     move |_ctx| {
    ///         let url = url.clone();
    ///         async move { if url.is_empty() { Err("no url") } else { Ok(url.len()) } }
    ///     },
    ///     TaskOptions::default()
    ///         .timeout(Duration::from_secs(5))
    ///         .retry(RetryOptions::new().max_retries(3)),
    /// )?;
    /// let _len = user.await;
    /// # Ok(()) }
    /// ```
    ///
    /// Fails on a disposed scope ("Cannot spawn task on disposed scope"),
    /// an aborted one ("… on aborted scope"), and for bad options.
    pub fn task<T, E, F, Fut>(&self, mut f: F, options: TaskOptions<E>) -> Result<Task<T, E>, Error>
    where
        T: 'static,
        E: 'static,
        F: FnMut(TaskContext) -> Fut + 'static,
        Fut: Future<Output = Result<T, E>> + 'static,
    {
        let spec = TaskSpec {
            timeout: options.timeout.map(ms),
            retry: options.retry.as_ref().map(RetryOptions::spec),
            on_cleanup: options.on_cleanup.is_some(),
        };
        let core = TaskCore::new(
            self.shared(),
            Box::new(move |ctx| f(ctx).boxed_local()),
            options.retry,
        );
        self.spawn_core(core, spec, options.on_cleanup, options.otel)
    }

    /// Runs a future as a task of this scope: [`Scope::task`] for work that
    /// needs neither options nor its context (the future is dropped when
    /// the scope's signal aborts).
    ///
    /// ```
    /// # use go_go_scope_wasm::{ManualHost, Runtime, ScopeOptions};
    /// # use futures::FutureExt;
    /// # let rt = Runtime::new(ManualHost::new());
    /// # let s = rt.scope(ScopeOptions::default()).unwrap();
    /// let name = String::from("ada");
    /// let t = s.spawn(async move { Ok::<_, ()>(name.len()) }).unwrap();
    /// assert_eq!(t.now_or_never(), Some(Ok(3)));
    /// ```
    pub fn spawn<T, E, Fut>(&self, future: Fut) -> Result<Task<T, E>, Error>
    where
        T: 'static,
        E: 'static,
        Fut: Future<Output = Result<T, E>> + 'static,
    {
        let mut once = Some(future.boxed_local());
        let core = TaskCore::new(
            self.shared(),
            Box::new(move |_| match once.take() {
                Some(f) => f,
                // Not reached: a task without retry has one attempt.
                None => futures::future::pending().boxed_local(),
            }),
            None,
        );
        self.spawn_core(core, TaskSpec::default(), None, None)
    }

    fn spawn_core<T: 'static, E: 'static>(
        &self,
        core: Rc<TaskCore<T, E>>,
        spec: TaskSpec,
        on_cleanup: Option<Box<dyn FnOnce() -> LocalBoxFuture<'static, ()>>>,
        otel: Option<OtelOptions>,
    ) -> Result<Task<T, E>, Error> {
        let drv = self.drv();
        let cleanup = on_cleanup.map(CleanupFn::new);
        let old = drv.pending_cleanup.replace(cleanup);
        drop(old);
        let now = if core.clock { drv.now() } else { 0.0 };
        let made = drv.m.borrow_mut().spawn(self.key(), spec, now);
        match made {
            Ok(k) => {
                core.made(k);
                if self.shared().tracer.is_some() {
                    drv.tel_task_opened(self.key(), k, otel);
                }
                drv.run();
                Ok(core.handle())
            }
            Err(f) => {
                let c = drv.pending_cleanup.borrow_mut().take();
                drop(c);
                drop(core);
                Err(f.into())
            }
        }
    }

    /// The scope's web signal, for a task that settled.
    pub(crate) fn web_signal_of(sh: &Rc<super::scope::ScopeShared>) -> web_sys::AbortSignal {
        match sh.ctl() {
            Some(c) => c.web_signal(),
            None => super::signal::abort_signal_with(
                &sh.reason().unwrap_or_else(Reason::scope_disposed).to_js(),
            ),
        }
    }
}

impl Driver {
    /// What task `t`'s current error says (its span's exception).
    pub(crate) fn task_failure(&self, t: f64) -> String {
        self.task_entry(t)
            .map_or_else(|| "task failed".into(), |e| e.failure())
    }

    fn task_entry(&self, t: f64) -> Option<Rc<dyn TaskEntry>> {
        key(t).and_then(|k| self.tasks.borrow().get(k).cloned())
    }

    /// `Start(task, serial, node)`.
    pub(crate) fn on_start(&self, t: f64, serial: u32, node: f64) {
        if let Some(e) = self.task_entry(t) {
            e.start(serial, node);
        }
    }

    /// `Settle(task, how, started)`: the driver lets go of the task
    /// (invariant #3).
    pub(crate) fn on_settle(&self, t: f64, how_: f64, started: f64) {
        let e = key(t).and_then(|k| self.tasks.borrow_mut().take(k));
        if let Some(e) = e {
            e.settle(how_, started == 1.0);
        }
        self.tel_forget_task(t);
    }

    /// `TaskError(task, kind, arg)`.
    pub(crate) fn on_task_error(&self, t: f64, kind: f64, arg: f64) {
        if let Some(e) = self.task_entry(t) {
            e.set_error(kind, arg);
        }
    }

    /// `RetryAsk(task, serial, attempt)`.
    pub(crate) fn on_retry_ask(&self, t: f64, serial: u32, attempt: u32) {
        if let Some(e) = self.task_entry(t) {
            e.ask_retry(serial, attempt);
        }
    }

    /// `OnRetry(task, attempt)`.
    pub(crate) fn on_on_retry(&self, t: f64, attempt: u32) {
        if let Some(e) = self.task_entry(t) {
            e.on_retry(attempt);
        }
    }
}
