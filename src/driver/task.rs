//! Tasks: [`Scope::task`], the [`Task`] handle, its options, its context and
//! its error. Which attempt runs, when, and how it ends are the machine's
//! (`machine/task.rs`); here are the closures, the futures and the values.
//!
//! An attempt is the future the task's function returned. It is polled once
//! where the machine's `Start` is applied (as JavaScript calls `fn` at
//! once, up to its first `await`); if it must wait, the driver keeps it and
//! polls it when it is woken (runtime.rs #3), and it listens to its
//! signal's controller: when the signal aborts, the future is dropped at
//! once (the work really stops, before any cleanup runs) and the attempt
//! ends with the abort reason, as a `fetch` given that signal rejects with
//! it.
//!
//! # Invariants
//!
//! 1. A task's outcome is reported with the serial of the attempt that
//!    produced it; the machine answers whether it took it, and only a taken
//!    outcome is kept (a late outcome of an attempt that timed out is
//!    dropped).
//! 2. An attempt whose signal aborts is dropped when the controller aborts
//!    (or, if it is being polled then, when that poll returns), and ends
//!    with the reason; one whose serial is no longer the task's current one
//!    ends at its next poll without polling the user's future again.
//! 3. The driver holds a task's state from `spawn` to its `Settle`, which
//!    stores the result for the handle and drops the function (memory is
//!    released at settle, never left to a collector).
//! 4. No borrow of the task's state is held while user code runs (its
//!    function, its future, its retry hooks, the drop of its values).
//! 5. The function and the running attempt's future are kept inline in the
//!    task's one allocation (the future is written into its cell before its
//!    first poll, and dropped there, so it never moves): a task that
//!    finishes at once costs one allocation, one that waits two (its
//!    waker), plus a box for retry options.
//! 6. What does not depend on the task's types (its ids, its attempt, its
//!    flags) is its [`TaskBase`], whose code every task type shares: a
//!    task type adds only what touches its function, future and result.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use futures::future::{Either, LocalBoxFuture, Pending};
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
    /// A race with `require_success` (or [`Scope::any`](super::Scope::any)):
    /// every factory failed; their errors, in input order (JavaScript's
    /// `AggregateError`, "All race competitors failed").
    AllFailed(Vec<TaskError<E>>),
}

impl<E> TaskError<E> {
    /// The function's own error.
    ///
    /// ```
    /// use go_go_scope_wasm::TaskError;
    ///
    /// assert!(TaskError::Failed("no user").is_failed());
    /// assert!(!TaskError::<&str>::CircuitOpen.is_failed());
    /// ```
    pub fn is_failed(&self) -> bool {
        matches!(self, TaskError::Failed(_))
    }

    /// Aborted (not by a timeout).
    ///
    /// ```
    /// # use go_go_scope_wasm::{ManualHost, Runtime, ScopeOptions, TaskOptions};
    /// # use futures::FutureExt;
    /// # let host = ManualHost::new();
    /// # let rt = Runtime::new(host.clone());
    /// # let s = rt.scope(ScopeOptions::default()).unwrap();
    /// let t = s.spawn(futures::future::pending::<Result<(), ()>>()).unwrap();
    /// let _ = s.dispose(); // aborts the scope's tasks
    /// host.run();
    /// let e = t.now_or_never().unwrap().unwrap_err();
    /// assert!(e.is_aborted() && !e.is_timeout());
    /// ```
    pub fn is_aborted(&self) -> bool {
        matches!(self, TaskError::Aborted(_))
    }

    /// A timeout ran out.
    ///
    /// ```
    /// # use go_go_scope_wasm::{ManualHost, Runtime, ScopeOptions, TaskOptions};
    /// # use futures::FutureExt;
    /// # let host = ManualHost::new();
    /// # let rt = Runtime::new(host.clone());
    /// # let s = rt.scope(ScopeOptions::default()).unwrap();
    /// # use std::time::Duration;
    /// let opts = TaskOptions::default().timeout(Duration::from_millis(50));
    /// let t = s.task(|_| futures::future::pending::<Result<(), ()>>(), opts).unwrap();
    /// host.advance(50);
    /// assert!(t.now_or_never().unwrap().unwrap_err().is_timeout());
    /// ```
    pub fn is_timeout(&self) -> bool {
        matches!(self, TaskError::Timeout(_))
    }

    /// The circuit breaker refused the call.
    ///
    /// ```
    /// # use go_go_scope_wasm::{CircuitBreakerOptions, ManualHost, Runtime, ScopeOptions, TaskOptions};
    /// # use futures::FutureExt;
    /// # let rt = Runtime::new(ManualHost::new());
    /// let breaker = CircuitBreakerOptions::default().failure_threshold(1);
    /// let s = rt.scope(ScopeOptions::default().circuit_breaker(breaker)).unwrap();
    /// let _ = s.task(|_| async { Err::<(), _>("down") }, TaskOptions::default()).unwrap();
    /// let t = s.task(|_| async { Ok::<_, &str>(()) }, TaskOptions::default()).unwrap();
    /// assert!(t.now_or_never().unwrap().unwrap_err().is_circuit_open());
    /// ```
    pub fn is_circuit_open(&self) -> bool {
        matches!(self, TaskError::CircuitOpen)
    }

    /// Every factory of a race with `require_success` failed; their errors
    /// in input order.
    ///
    /// ```
    /// use go_go_scope_wasm::TaskError;
    ///
    /// let e = TaskError::AllFailed(vec![TaskError::Failed("a"), TaskError::Failed("b")]);
    /// assert_eq!(e.all_failed().map(<[_]>::len), Some(2));
    /// assert_eq!(e.to_string(), "All race competitors failed");
    /// assert!(TaskError::Failed("a").all_failed().is_none());
    /// ```
    pub fn all_failed(&self) -> Option<&[TaskError<E>]> {
        match self {
            TaskError::AllFailed(v) => Some(v),
            _ => None,
        }
    }

    /// The function's own error, if that is what this is.
    ///
    /// ```
    /// use go_go_scope_wasm::TaskError;
    ///
    /// assert_eq!(TaskError::Failed(404).failed(), Some(&404));
    /// assert_eq!(TaskError::<i32>::CircuitOpen.failed(), None);
    /// ```
    pub fn failed(&self) -> Option<&E> {
        match self {
            TaskError::Failed(e) => Some(e),
            _ => None,
        }
    }

    /// The function's own error, by value.
    ///
    /// ```
    /// # use go_go_scope_wasm::{ManualHost, Runtime, ScopeOptions, TaskOptions};
    /// # use futures::FutureExt;
    /// # let host = ManualHost::new();
    /// # let rt = Runtime::new(host.clone());
    /// # let s = rt.scope(ScopeOptions::default()).unwrap();
    /// let t = s.task(|_| async { Err::<(), _>(String::from("no user")) }, TaskOptions::default()).unwrap();
    /// let e = t.now_or_never().unwrap().unwrap_err();
    /// assert_eq!(e.into_failed().as_deref(), Some("no user"));
    /// ```
    pub fn into_failed(self) -> Option<E> {
        match self {
            TaskError::Failed(e) => Some(e),
            _ => None,
        }
    }

    /// The abort or timeout reason (the same [`Reason`] the signal carries).
    ///
    /// ```
    /// # use go_go_scope_wasm::{ManualHost, Runtime, ScopeOptions, TaskOptions};
    /// # use futures::FutureExt;
    /// # let host = ManualHost::new();
    /// # let rt = Runtime::new(host.clone());
    /// # let s = rt.scope(ScopeOptions::default()).unwrap();
    /// # use std::time::Duration;
    /// let opts = TaskOptions::default().timeout(Duration::from_millis(50));
    /// let t = s.task(|_| futures::future::pending::<Result<(), ()>>(), opts).unwrap();
    /// host.advance(50);
    /// let e = t.now_or_never().unwrap().unwrap_err();
    /// assert_eq!(e.reason().unwrap().timeout(), Some(Duration::from_millis(50)));
    /// assert_eq!(e.reason().unwrap().to_string(), "timeout after 50ms");
    /// ```
    pub fn reason(&self) -> Option<&Reason> {
        match self {
            TaskError::Aborted(r) | TaskError::Timeout(r) => Some(r),
            _ => None,
        }
    }

    /// Maps the function's error (each of them, in an
    /// [`AllFailed`](TaskError::AllFailed)).
    ///
    /// ```
    /// use go_go_scope_wasm::TaskError;
    ///
    /// let e = TaskError::Failed(404).map(|code| format!("HTTP {code}"));
    /// assert_eq!(e.failed().map(String::as_str), Some("HTTP 404"));
    /// assert!(TaskError::<i32>::CircuitOpen.map(|c| c + 1).is_circuit_open());
    /// ```
    pub fn map<F>(self, mut f: impl FnMut(E) -> F) -> TaskError<F> {
        self.map_mut(&mut f)
    }

    fn map_mut<F>(self, f: &mut impl FnMut(E) -> F) -> TaskError<F> {
        match self {
            TaskError::Failed(e) => TaskError::Failed(f(e)),
            TaskError::Aborted(r) => TaskError::Aborted(r),
            TaskError::Timeout(r) => TaskError::Timeout(r),
            TaskError::CircuitOpen => TaskError::CircuitOpen,
            TaskError::Refused(e) => TaskError::Refused(e),
            TaskError::AllFailed(v) => {
                TaskError::AllFailed(v.into_iter().map(|e| e.map_mut(f)).collect())
            }
        }
    }

    /// The error as JavaScript's Result tuple holds it: the function's
    /// error as is, the abort reason itself (the same object the signal
    /// carries), `Error("Circuit breaker is open")`.
    ///
    /// ```no_run
    /// use go_go_scope_wasm::TaskError;
    /// use wasm_bindgen::JsValue;
    ///
    /// let e: TaskError<JsValue> = TaskError::Failed(JsValue::from_str("no user"));
    /// assert_eq!(e.into_js().as_string().as_deref(), Some("no user")); // the value itself
    /// ```
    pub fn into_js(self) -> wasm_bindgen::JsValue
    where
        E: Into<wasm_bindgen::JsValue>,
    {
        match self {
            TaskError::Failed(e) => e.into(),
            TaskError::Aborted(r) | TaskError::Timeout(r) => r.to_js(),
            TaskError::CircuitOpen => js_sys::Error::new(CIRCUIT_OPEN).into(),
            TaskError::Refused(e) => e.to_js(),
            TaskError::AllFailed(v) => {
                let errors: js_sys::Array = v.into_iter().map(TaskError::into_js).collect();
                aggregate_error(errors)
            }
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
const ALL_FAILED: &str = "All race competitors failed";

/// `new AggregateError(errors, "All race competitors failed")` (looked up
/// on the global: js-sys's binding is newer than the floor we allow).
fn aggregate_error(errors: js_sys::Array) -> wasm_bindgen::JsValue {
    let ctor = js_sys::Reflect::get(&js_sys::global(), &"AggregateError".into())
        .ok()
        .and_then(|c| wasm_bindgen::JsCast::dyn_into::<js_sys::Function>(c).ok());
    let made = ctor.and_then(|c| {
        let args = js_sys::Array::of2(&errors, &ALL_FAILED.into());
        js_sys::Reflect::construct(&c, &args).ok()
    });
    made.unwrap_or_else(|| js_sys::Error::new(ALL_FAILED).into())
}

impl TaskError<std::convert::Infallible> {
    /// A machine-made error (never `Failed`) as any task's error.
    fn widen<E>(self) -> TaskError<E> {
        match self {
            TaskError::Failed(never) => match never {},
            TaskError::Aborted(r) => TaskError::Aborted(r),
            TaskError::Timeout(r) => TaskError::Timeout(r),
            TaskError::CircuitOpen => TaskError::CircuitOpen,
            TaskError::Refused(e) => TaskError::Refused(e),
            TaskError::AllFailed(v) => {
                TaskError::AllFailed(v.into_iter().map(Self::widen).collect())
            }
        }
    }
}

impl<E> TaskError<E> {
    /// The message of a machine-made error (not `Failed`).
    fn map_ref_message(&self) -> String {
        match self {
            TaskError::Aborted(r) | TaskError::Timeout(r) => r.to_string(),
            TaskError::CircuitOpen => CIRCUIT_OPEN.into(),
            TaskError::Refused(e) => e.to_string(),
            TaskError::AllFailed(_) => ALL_FAILED.into(),
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
            TaskError::AllFailed(_) => f.write_str(ALL_FAILED),
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
            TaskError::AllFailed(v) => f.debug_tuple("AllFailed").field(v).finish(),
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
///
/// ```
/// use std::time::Duration;
/// use go_go_scope_wasm::{Delay, RetryOptions};
///
/// let retry = RetryOptions::<String>::new().delay(Duration::from_millis(100));
/// assert!(matches!(retry.delay, Delay::Fixed(d) if d == Duration::from_millis(100)));
/// assert!(matches!(Delay::<String>::default(), Delay::Fixed(d) if d.is_zero()));
/// ```
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
    ///
    /// ```
    /// use go_go_scope_wasm::{Delay, RetryOptions};
    ///
    /// let retry = RetryOptions::<String>::new();
    /// assert_eq!(retry.max_retries, None); // 3
    /// assert!(matches!(retry.delay, Delay::Fixed(d) if d.is_zero()));
    /// ```
    pub fn new() -> Self {
        RetryOptions::default()
    }

    /// Sets [`RetryOptions::max_retries`].
    ///
    /// ```
    /// # use go_go_scope_wasm::{ManualHost, Runtime, ScopeOptions, TaskOptions};
    /// # use futures::FutureExt;
    /// # let host = ManualHost::new();
    /// # let rt = Runtime::new(host.clone());
    /// # let s = rt.scope(ScopeOptions::default()).unwrap();
    /// # use go_go_scope_wasm::RetryOptions;
    /// # use std::{cell::Cell, rc::Rc};
    /// let calls = Rc::new(Cell::new(0));
    /// let c = calls.clone();
    /// let opts = TaskOptions::default().retry(RetryOptions::new().max_retries(2));
    /// let t = s.task(move |_| { c.set(c.get() + 1); async { Err::<(), _>("flaky") } }, opts).unwrap();
    /// host.run();
    /// assert_eq!(calls.get(), 3); // the first attempt and 2 retries
    /// assert!(t.now_or_never().unwrap().unwrap_err().is_failed());
    /// ```
    pub fn max_retries(mut self, n: u32) -> Self {
        self.max_retries = Some(n);
        self
    }

    /// A fixed delay before each retry.
    ///
    /// ```
    /// use std::time::Duration;
    /// use go_go_scope_wasm::{Delay, RetryOptions};
    ///
    /// let retry = RetryOptions::<String>::new().delay(Duration::from_secs(1));
    /// assert!(matches!(retry.delay, Delay::Fixed(d) if d == Duration::from_secs(1)));
    /// ```
    pub fn delay(mut self, d: Duration) -> Self {
        self.delay = Delay::Fixed(d);
        self
    }

    /// A delay computed from the retry's number (from 1) and the error.
    ///
    /// ```
    /// use std::time::Duration;
    /// use go_go_scope_wasm::{Delay, RetryOptions, TaskError};
    ///
    /// let retry = RetryOptions::<String>::new().delay_fn(|attempt, _err| Duration::from_millis(100 << attempt));
    /// let Delay::Fn(f) = &retry.delay else { panic!("not a function") };
    /// assert_eq!(f(3, &TaskError::CircuitOpen), Duration::from_millis(800));
    /// ```
    pub fn delay_fn(mut self, f: impl Fn(u32, &TaskError<E>) -> Duration + 'static) -> Self {
        self.delay = Delay::Fn(Rc::new(f));
        self
    }

    /// Waits as `b` says before each retry (exponential backoff, jitter,
    /// linear or decorrelated jitter: see [`Backoff`](super::Backoff)).
    /// The options share `b`'s random state, also with their clones.
    ///
    /// ```
    /// # use go_go_scope_wasm::{ManualHost, Runtime, ScopeOptions, TaskOptions};
    /// # let host = ManualHost::new();
    /// # let rt = Runtime::new(host.clone());
    /// # let s = rt.scope(ScopeOptions::default()).unwrap();
    /// use go_go_scope_wasm::{Backoff, ExponentialOptions, RetryOptions};
    /// # use go_go_scope_wasm::Host;
    /// # use std::{cell::RefCell, rc::Rc};
    ///
    /// let backoff = Backoff::exponential(ExponentialOptions::default())?;
    /// let retry = RetryOptions::new().max_retries(3).backoff(backoff);
    /// let starts = Rc::new(RefCell::new(Vec::new()));
    /// let (st, h) = (starts.clone(), host.clone());
    /// let _t = s.task(move |_| { st.borrow_mut().push(h.now()); async { Err::<(), _>("flaky") } },
    ///                 TaskOptions::default().retry(retry))?;
    /// host.advance(10_000);
    /// assert_eq!(*starts.borrow(), [0.0, 100.0, 300.0, 700.0]); // waits 100, 200, 400 ms
    /// # Ok::<(), go_go_scope_wasm::Error>(())
    /// ```
    pub fn backoff(self, b: super::Backoff) -> Self {
        self.delay_fn(move |attempt, _| b.delay(attempt))
    }

    /// Retries only while `f(error)` is true.
    ///
    /// ```
    /// # use go_go_scope_wasm::{ManualHost, Runtime, ScopeOptions, TaskOptions};
    /// # use futures::FutureExt;
    /// # let host = ManualHost::new();
    /// # let rt = Runtime::new(host.clone());
    /// # let s = rt.scope(ScopeOptions::default()).unwrap();
    /// # use go_go_scope_wasm::RetryOptions;
    /// let retry = RetryOptions::new().retry_condition(|e| e.failed() != Some(&"fatal"));
    /// let t = s.task(|_| async { Err::<(), _>("fatal") }, TaskOptions::default().retry(retry)).unwrap();
    /// host.run();
    /// assert_eq!(t.now_or_never().unwrap().unwrap_err().failed(), Some(&"fatal")); // not retried
    /// ```
    pub fn retry_condition(mut self, f: impl Fn(&TaskError<E>) -> bool + 'static) -> Self {
        self.retry_condition = Some(Rc::new(f));
        self
    }

    /// Called before each retry with the error and the retry's number.
    ///
    /// ```
    /// # use go_go_scope_wasm::{ManualHost, Runtime, ScopeOptions, TaskOptions};
    /// # use futures::FutureExt;
    /// # let host = ManualHost::new();
    /// # let rt = Runtime::new(host.clone());
    /// # let s = rt.scope(ScopeOptions::default()).unwrap();
    /// # use go_go_scope_wasm::RetryOptions;
    /// # use std::{cell::Cell, rc::Rc};
    /// let last = Rc::new(Cell::new(0));
    /// let l = last.clone();
    /// let retry = RetryOptions::new().max_retries(2).on_retry(move |_err, attempt| l.set(attempt));
    /// let _t = s.task(|_| async { Err::<(), _>("flaky") }, TaskOptions::default().retry(retry)).unwrap();
    /// host.run();
    /// assert_eq!(last.get(), 2);
    /// ```
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
    ///
    /// ```
    /// use std::time::Duration;
    /// use go_go_scope_wasm::TaskOptions;
    ///
    /// let o = TaskOptions::<String>::default().timeout(Duration::from_secs(5));
    /// assert_eq!(o.timeout, Some(Duration::from_secs(5)));
    /// ```
    pub fn timeout(mut self, d: Duration) -> Self {
        self.timeout = Some(d);
        self
    }

    /// Sets [`TaskOptions::retry`].
    ///
    /// ```
    /// use go_go_scope_wasm::{RetryOptions, TaskOptions};
    ///
    /// let o = TaskOptions::<String>::default().retry(RetryOptions::new().max_retries(5));
    /// assert_eq!(o.retry.and_then(|r| r.max_retries), Some(5));
    /// ```
    pub fn retry(mut self, r: RetryOptions<E>) -> Self {
        self.retry = Some(r);
        self
    }

    /// Sets [`TaskOptions::otel`]: the span's name and extra attributes.
    ///
    /// ```
    /// use go_go_scope_wasm::{AttributeValue, TaskOptions};
    ///
    /// let o = TaskOptions::<String>::default().otel("fetch-user", [("user.id", 42i64)]);
    /// let otel = o.otel.unwrap();
    /// assert_eq!(otel.name.as_deref(), Some("fetch-user"));
    /// assert_eq!(otel.attributes, [("user.id".to_string(), AttributeValue::Number(42.0))]);
    /// ```
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
    ///
    /// ```
    /// # use go_go_scope_wasm::{ManualHost, Runtime, ScopeOptions, TaskOptions};
    /// # use futures::FutureExt;
    /// # let host = ManualHost::new();
    /// # let rt = Runtime::new(host.clone());
    /// # let s = rt.scope(ScopeOptions::default()).unwrap();
    /// # use std::{cell::Cell, rc::Rc};
    /// let closed = Rc::new(Cell::new(false));
    /// let c = closed.clone();
    /// let opts = TaskOptions::default().on_cleanup(move || async move { c.set(true) });
    /// let _t = s.task(|_| async { Ok::<_, ()>(1) }, opts).unwrap();
    /// assert!(!closed.get()); // runs when the scope is disposed
    /// let _ = s.dispose();
    /// host.run();
    /// assert!(closed.get());
    /// ```
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
///
/// ```
/// # use go_go_scope_wasm::{ManualHost, Runtime, ScopeOptions, TaskOptions};
/// # use futures::FutureExt;
/// # let rt = Runtime::new(ManualHost::new());
/// let s = rt.scope(ScopeOptions::default()).unwrap().provide("db", || "pg").unwrap();
/// let t = s
///     .task(|ctx| async move { Ok::<_, ()>(*ctx.service::<&str>("db").unwrap()) }, TaskOptions::default())
///     .unwrap();
/// assert_eq!(t.now_or_never(), Some(Ok("pg")));
/// ```
#[derive(Clone)]
pub struct TaskContext(pub(crate) Rc<dyn CtxSource>);

impl TaskContext {
    /// The scope's services.
    ///
    /// ```
    /// # use go_go_scope_wasm::{ManualHost, Runtime, ScopeOptions, TaskOptions};
    /// # use futures::FutureExt;
    /// # let rt = Runtime::new(ManualHost::new());
    /// let s = rt.scope(ScopeOptions::default()).unwrap().provide("db", || "pg").unwrap();
    /// let t = s.task(|ctx| async move { Ok::<_, ()>(ctx.services().keys()) }, TaskOptions::default()).unwrap();
    /// assert_eq!(t.now_or_never(), Some(Ok(vec!["db".to_string()])));
    /// ```
    pub fn services(&self) -> Services {
        self.0.services()
    }

    /// The service `key` of type `T` (see [`Scope::service`]).
    ///
    /// ```
    /// # use go_go_scope_wasm::{ManualHost, Runtime, ScopeOptions, TaskOptions};
    /// # use futures::FutureExt;
    /// # let rt = Runtime::new(ManualHost::new());
    /// let s = rt.scope(ScopeOptions::default()).unwrap().provide("answer", || 42u32).unwrap();
    /// let t = s
    ///     .task(|ctx| async move { ctx.service::<u32>("answer").ok_or("no answer") }, TaskOptions::default())
    ///     .unwrap();
    /// assert_eq!(t.now_or_never().unwrap().as_deref(), Ok(&42));
    /// ```
    pub fn service<T: 'static>(&self, key: &str) -> Option<Rc<T>> {
        self.0.services().get::<T>(key)
    }

    /// Whether the task's signal aborted.
    ///
    /// ```
    /// # use go_go_scope_wasm::{ManualHost, Runtime, ScopeOptions, TaskOptions};
    /// # use futures::FutureExt;
    /// # let host = ManualHost::new();
    /// # let rt = Runtime::new(host.clone());
    /// # let s = rt.scope(ScopeOptions::default()).unwrap();
    /// # use std::{cell::RefCell, rc::Rc};
    /// let kept = Rc::new(RefCell::new(None));
    /// let k = kept.clone();
    /// let _t = s.task(move |ctx| { *k.borrow_mut() = Some(ctx); futures::future::pending::<Result<(), ()>>() }, TaskOptions::default()).unwrap();
    /// let ctx = kept.borrow_mut().take().unwrap();
    /// assert!(!ctx.is_aborted());
    /// let _ = s.dispose();
    /// host.run();
    /// assert!(ctx.is_aborted());
    /// ```
    pub fn is_aborted(&self) -> bool {
        self.0.ctl().is_some_and(|c| c.reason().is_some())
    }

    /// Why the task's signal aborted, once it has.
    ///
    /// ```
    /// # use go_go_scope_wasm::{ManualHost, Runtime, ScopeOptions, TaskOptions};
    /// # use futures::FutureExt;
    /// # let host = ManualHost::new();
    /// # let rt = Runtime::new(host.clone());
    /// # let s = rt.scope(ScopeOptions::default()).unwrap();
    /// # use std::{cell::RefCell, rc::Rc};
    /// let kept = Rc::new(RefCell::new(None));
    /// let k = kept.clone();
    /// let _t = s.task(move |ctx| { *k.borrow_mut() = Some(ctx); futures::future::pending::<Result<(), ()>>() }, TaskOptions::default()).unwrap();
    /// let ctx = kept.borrow_mut().take().unwrap();
    /// assert!(ctx.reason().is_none());
    /// let _ = s.dispose();
    /// host.run();
    /// assert!(ctx.reason().unwrap().is_disposed());
    /// ```
    pub fn reason(&self) -> Option<Reason> {
        self.0.ctl().and_then(|c| c.reason())
    }

    /// Resolves with the reason once the task's signal aborts.
    ///
    /// ```
    /// # use go_go_scope_wasm::{ManualHost, Runtime, ScopeOptions, TaskOptions};
    /// # use futures::FutureExt;
    /// # let host = ManualHost::new();
    /// # let rt = Runtime::new(host.clone());
    /// # let s = rt.scope(ScopeOptions::default()).unwrap();
    /// # use std::{cell::RefCell, rc::Rc};
    /// let kept = Rc::new(RefCell::new(None));
    /// let k = kept.clone();
    /// let _t = s.task(move |ctx| { *k.borrow_mut() = Some(ctx); futures::future::pending::<Result<(), ()>>() }, TaskOptions::default()).unwrap();
    /// let mut aborted = kept.borrow().as_ref().unwrap().aborted();
    /// assert!((&mut aborted).now_or_never().is_none());
    /// let _ = s.dispose();
    /// host.run();
    /// assert_eq!(aborted.now_or_never().unwrap().to_string(), "scope disposed");
    /// ```
    pub fn aborted(&self) -> Aborted {
        match self.0.ctl() {
            Some(c) => c.until_aborted(),
            None => Aborted::never(),
        }
    }

    /// The task's `AbortSignal` (made when first asked for), aborted with
    /// the task's reason (its timeout, its scope's abort): pass it to
    /// `fetch` or to any JavaScript function that takes one.
    ///
    /// ```no_run
    /// # use go_go_scope_wasm::{Scope, TaskOptions};
    /// # fn demo(s: Scope) -> Result<(), go_go_scope_wasm::Error> {
    /// let t = s.task(
    ///     |ctx| async move {
    ///         let signal = ctx.signal(); // for fetch(url, { signal }) and other JavaScript APIs
    ///         Ok::<_, ()>(signal.aborted())
    ///     },
    ///     TaskOptions::default(),
    /// )?;
    /// # let _ = t; Ok(()) }
    /// ```
    pub fn signal(&self) -> web_sys::AbortSignal {
        self.0.web_signal()
    }

    /// The task's id (1.0's `Task.id`).
    ///
    /// ```
    /// # use go_go_scope_wasm::{ManualHost, Runtime, ScopeOptions, TaskOptions};
    /// # use futures::FutureExt;
    /// # let host = ManualHost::new();
    /// # let rt = Runtime::new(host.clone());
    /// # let s = rt.scope(ScopeOptions::default()).unwrap();
    /// let t = s.task(|ctx| async move { Ok::<_, ()>(ctx.task_id()) }, TaskOptions::default()).unwrap();
    /// let id = t.id();
    /// assert_eq!(t.now_or_never(), Some(Ok(id)));
    /// ```
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
    /// The controller of the running attempt aborted (invariant #2).
    fn abort_attempt(&self, r: &Reason);
    /// The running attempt's waker was woken: poll it, if it is still
    /// attempt `serial` and waiting (runtime.rs #3).
    fn resume_woken(&self, serial: u32);
    /// Its public id (`Task::id`; 0 for a race's or parallel's member).
    fn task_id(&self) -> u64;
}

/// A task's function, as the driver calls it: once per attempt. (A plain
/// `FnMut` closure, or a one-shot wrapper for `spawn` and group members.)
pub(crate) trait TaskFn<T, E>: 'static {
    type Fut: Future<Output = Result<T, E>> + 'static;
    fn call(&mut self, ctx: TaskContext) -> Self::Fut;
}

impl<T, E, F, Fut> TaskFn<T, E> for F
where
    F: FnMut(TaskContext) -> Fut + 'static,
    Fut: Future<Output = Result<T, E>> + 'static,
{
    type Fut = Fut;
    fn call(&mut self, ctx: TaskContext) -> Fut {
        self(ctx)
    }
}

/// A function called once: a future given as is (`spawn`), a race's or
/// parallel's factory. (A second call, which no machine decision makes for
/// a task without retry, would give a future that never ends.)
pub(crate) struct Once<F>(pub(crate) Option<F>);

impl<T, E, Fut> TaskFn<T, E> for Once<Fut>
where
    Fut: Future<Output = Result<T, E>> + 'static,
    T: 'static,
    E: 'static,
{
    type Fut = Either<Fut, Pending<Result<T, E>>>;
    fn call(&mut self, _: TaskContext) -> Self::Fut {
        match self.0.take() {
            Some(f) => Either::Left(f),
            None => Either::Right(futures::future::pending()),
        }
    }
}

/// A factory called once (race and parallel members).
pub(crate) struct OnceFactory<F>(pub(crate) Option<F>);

impl<T, E, F, Fut> TaskFn<T, E> for OnceFactory<F>
where
    F: FnOnce(TaskContext) -> Fut + 'static,
    Fut: Future<Output = Result<T, E>> + 'static,
    T: 'static,
    E: 'static,
{
    type Fut = Either<Fut, Pending<Result<T, E>>>;
    fn call(&mut self, ctx: TaskContext) -> Self::Fut {
        match self.0.take() {
            Some(f) => Either::Left(f(ctx)),
            None => Either::Right(futures::future::pending()),
        }
    }
}

/// The current attempt: its serial, its node (-1: its scope's), the
/// controller it listens to (found when first needed) and its
/// registration there, and the abort that struck it while it was being
/// polled.
struct AttemptSlot {
    serial: u32,
    node: f64,
    ctl: Option<Rc<NodeCtl>>,
    hook: Option<Hook>,
    aborted: Option<Reason>,
    /// It waits, and its waker (made once per attempt).
    waker: Option<Waker>,
}

/// What a task is whatever its types: its ids, its attempt, its flags.
/// Its code is shared by every task type (a task type adds only what
/// touches its function, its future and its result).
pub(crate) struct TaskBase {
    drv: Rc<Driver>,
    key: Cell<Key>,
    scope: Rc<super::scope::ScopeShared>,
    /// Events carry the clock (a breaker or a retry needs it).
    clock: bool,
    /// The running attempt's future is being polled, or dropped (user code
    /// runs): nothing else touches it until that returns.
    polling: Cell<bool>,
    dropping: Cell<bool>,
    settled: Cell<bool>,
    started: Cell<bool>,
    id: Cell<u64>,
    attempt: RefCell<AttemptSlot>,
    /// The handle's waker.
    out_waker: Cell<Option<Waker>>,
}

/// A listener id at a controller, in 4 bytes (a pending task's size
/// counts): `id + 1`, ids being slot indices.
#[derive(Clone, Copy)]
struct Hook(std::num::NonZeroU32);

impl Hook {
    fn new(id: usize) -> Hook {
        // Slot indices stay far below u32::MAX.
        let n = u32::try_from(id).map_or(u32::MAX, |i| i.saturating_add(1));
        Hook(std::num::NonZeroU32::new(n).unwrap_or(std::num::NonZeroU32::MAX))
    }

    fn id(self) -> usize {
        (self.0.get() - 1) as usize
    }
}

/// One task, shared by its handle, its attempts, its contexts and the
/// driver's table. Its function is kept inline (invariant #5).
pub(crate) struct TaskCore<T, E, F: TaskFn<T, E>> {
    base: TaskBase,
    f: RefCell<Option<F>>,
    retry: Option<Box<RetryOptions<E>>>,
    /// The running attempt's future, pinned where it is (invariant #5):
    /// written by a `Start`, polled in place, dropped in place.
    fut: RefCell<Option<F::Fut>>,
    /// The last attempt's outcome, or the error the machine made; once
    /// settled, the task's result, until the handle takes it.
    current: RefCell<Option<Result<T, TaskError<E>>>>,
}

impl<T, E, F: TaskFn<T, E>> std::ops::Deref for TaskCore<T, E, F> {
    type Target = TaskBase;
    fn deref(&self) -> &TaskBase {
        &self.base
    }
}

impl<T: 'static, E: 'static, F: TaskFn<T, E>> TaskCore<T, E, F> {
    pub(crate) fn new(
        scope: &Rc<super::scope::ScopeShared>,
        f: F,
        retry: Option<RetryOptions<E>>,
    ) -> Rc<Self> {
        Rc::new(TaskCore {
            base: TaskBase::new(scope, retry.is_some()),
            f: RefCell::new(Some(f)),
            fut: RefCell::new(None),
            retry: retry.map(Box::new),
            current: RefCell::new(None),
        })
    }

    /// The machine made the task `k`: keep it until its `Settle`.
    pub(crate) fn made(self: &Rc<Self>, k: Key) {
        self.base.made(k, self.clone());
    }

    pub(crate) fn handle(self: Rc<Self>) -> Task<T, E> {
        Task { core: self }
    }

    /// Reports the outcome of attempt `serial` (invariant #1).
    fn report(&self, serial: u32, out: Result<T, TaskError<E>>) {
        let taken = self.base.attempt_settled(serial, out.is_ok());
        let dropped = if taken {
            self.current.borrow_mut().replace(out)
        } else {
            Some(out)
        };
        drop(dropped);
        self.drv.after();
    }

    /// The taken result, once settled.
    pub(crate) fn take_result(&self) -> Option<Result<T, TaskError<E>>> {
        if self.settled.get() {
            self.current.borrow_mut().take()
        } else {
            None
        }
    }
}

impl TaskBase {
    fn new(scope: &Rc<super::scope::ScopeShared>, retry: bool) -> TaskBase {
        TaskBase {
            drv: scope.drv.clone(),
            key: Cell::new(Key::default()),
            clock: scope.clock || retry,
            polling: Cell::new(false),
            dropping: Cell::new(false),
            settled: Cell::new(false),
            started: Cell::new(false),
            scope: scope.clone(),
            id: Cell::new(0),
            attempt: RefCell::new(AttemptSlot {
                serial: 0,
                node: -1.0,
                ctl: None,
                hook: None,
                aborted: None,
                waker: None,
            }),
            out_waker: Cell::new(None),
        }
    }

    fn made(&self, k: Key, entry: Rc<dyn TaskEntry>) {
        self.key.set(k);
        self.id.set(self.drv.m.borrow().last_task_id() as u64);
        let old = self.drv.tasks.borrow_mut().set(k, entry);
        drop(old);
    }

    /// Attempt `serial` ended (`ok` or not): whether the machine keeps its
    /// outcome (it is still the current attempt).
    #[inline]
    fn attempt_settled(&self, serial: u32, ok: bool) -> bool {
        let now = if self.clock { self.drv.now() } else { 0.0 };
        self.drv
            .m
            .borrow_mut()
            .attempt_settled(self.key.get().to_f64(), serial, ok, now)
    }

    pub(crate) fn is_settled(&self) -> bool {
        self.settled.get()
    }

    /// Whether attempt `serial` is still the current one, not settled.
    #[inline]
    fn is_current(&self, serial: u32) -> bool {
        self.attempt.borrow().serial == serial && !self.settled.get()
    }

    /// `Start`: attempt `serial` on `node` takes the last one's slot.
    #[inline]
    fn begin_attempt(&self, serial: u32, node: f64) {
        let old = std::mem::replace(
            &mut *self.attempt.borrow_mut(),
            AttemptSlot {
                serial,
                node,
                ctl: None,
                hook: None,
                aborted: None,
                waker: None,
            },
        );
        drop(old);
        self.started.set(true);
    }

    /// Attempt `serial` did not finish at its first poll: it listens to
    /// its controller and gets its waker (`Err`: aborted already).
    fn wait(&self, serial: u32) -> Result<Waker, Reason> {
        self.listen(serial)?;
        let w = self.drv.attempt_waker(self.key.get(), serial);
        self.attempt.borrow_mut().waker = Some(w.clone());
        Ok(w)
    }

    /// The waker of attempt `serial`, if it is the one waiting.
    #[inline]
    fn waker_of(&self, serial: u32) -> Option<Waker> {
        let a = self.attempt.borrow();
        if a.serial != serial {
            return None;
        }
        a.waker.clone()
    }

    #[inline]
    fn forget_waker(&self) {
        let w = self.attempt.borrow_mut().waker.take();
        drop(w);
    }

    /// The running attempt's controller aborted with `r`: the attempt's
    /// serial if its future is to be dropped now (not while it is being
    /// polled or dropped: that caller reports).
    fn mark_aborted(&self, r: &Reason) -> Option<u32> {
        let serial = {
            let mut a = self.attempt.borrow_mut();
            a.hook = None; // the controller let go of its listeners
            a.aborted = Some(r.clone());
            a.serial
        };
        if self.polling.get() || self.dropping.get() {
            return None;
        }
        self.forget_waker();
        Some(serial)
    }

    /// The error the machine made (`TaskError(task, kind, arg)`), whatever
    /// the task's error type.
    fn machine_error(&self, kind: f64, arg: f64) -> TaskError<std::convert::Infallible> {
        if kind == err::REASON {
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
        }
    }

    /// The answer to `RetryAsk` for attempt `serial`.
    fn retry_answer(&self, serial: u32, verdict: u32, delay: f64) {
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

    /// The handle waits for the result.
    fn out_listen(&self, cx: &Context<'_>) {
        let w = match self.out_waker.take() {
            Some(old) if old.will_wake(cx.waker()) => old,
            _ => cx.waker().clone(),
        };
        self.out_waker.set(Some(w));
    }

    fn started_now(&self) -> bool {
        if self.settled.get() {
            return self.started.get();
        }
        self.drv
            .m
            .borrow()
            .task_is_started(self.key.get())
            .unwrap_or(false)
    }

    /// `task.detach()`: its running attempt now listens to the task's own
    /// node; `Err`: that node is aborted already (the attempt ends).
    fn detach(&self) -> Result<(), Reason> {
        let drv = &self.drv;
        let k = self.key.get();
        let own = {
            let mut m = drv.m.borrow_mut();
            m.task_detach(k);
            m.task_node(k)
        };
        drv.run();
        let (serial, shared, old) = {
            let a = self.attempt.borrow();
            (
                a.serial,
                a.node < 0.0,
                a.ctl.clone().zip(a.hook.map(Hook::id)),
            )
        };
        let (true, Some(n)) = (shared, own) else {
            return Ok(());
        };
        let (index, generation) = n.parts();
        let n = Key { index, generation };
        {
            let mut a = self.attempt.borrow_mut();
            a.node = n.to_f64();
            a.ctl = None;
            a.hook = None;
        }
        if let Some((c, id)) = old {
            c.unlisten(id);
            // It was waiting: it waits on its own node now.
            self.listen(serial)?;
        }
        Ok(())
    }

    fn ctl_now(&self) -> Option<Rc<NodeCtl>> {
        let serial = self.attempt.borrow().serial;
        self.ctl_of(serial)
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

    /// The controller attempt `serial` listens to, found now if it was not
    /// yet: its own node's, or its scope's while it shares the scope's node
    /// (machine task.rs #5). `None` if the attempt is not current.
    fn ctl_of(&self, serial: u32) -> Option<Rc<NodeCtl>> {
        let (node, known) = {
            let a = self.attempt.borrow();
            if a.serial != serial {
                return None;
            }
            (a.node, a.ctl.clone())
        };
        if known.is_some() {
            return known;
        }
        let ctl = match key(node) {
            Some(n) => self.drv.watch(n),
            None => self.scope.ctl(),
        };
        let mut a = self.attempt.borrow_mut();
        if a.serial == serial {
            a.ctl.clone_from(&ctl);
        }
        ctl
    }

    /// Attempt `serial` must wait: it listens to its controller, so that
    /// the controller's abort drops it (`abort_attempt`). `Err`: aborted
    /// already.
    fn listen(&self, serial: u32) -> Result<(), Reason> {
        let Some(ctl) = self.ctl_of(serial) else {
            return Ok(());
        };
        if let Some(r) = ctl.reason() {
            return Err(r);
        }
        let id = ctl.listen_attempt(self.key.get());
        let old = self
            .attempt
            .borrow_mut()
            .hook
            .replace(Hook::new(id))
            .map(Hook::id);
        if let Some(old) = old {
            ctl.unlisten(old);
        }
        Ok(())
    }

    /// Attempt `serial` ended: it no longer listens to its controller.
    #[inline]
    fn unlisten(&self, serial: u32) {
        let (ctl, hook) = {
            let mut a = self.attempt.borrow_mut();
            if a.serial != serial {
                return;
            }
            (a.ctl.clone(), a.hook.take().map(Hook::id))
        };
        if let (Some(c), Some(id)) = (ctl, hook) {
            c.unlisten(id);
        }
    }
}

impl<T: 'static, E: 'static, F: TaskFn<T, E>> TaskEntry for TaskCore<T, E, F> {
    fn task_id(&self) -> u64 {
        self.id.get()
    }

    fn start(self: Rc<Self>, serial: u32, node: f64) {
        self.base.begin_attempt(serial, node);
        // A previous attempt still waiting is over (its node was aborted
        // before this start, so this only tidies a stale one).
        self.drop_fut();
        let f = self.f.borrow_mut().take();
        let Some(mut f) = f else {
            // The function is gone (the task settled meanwhile).
            return;
        };
        let fut = f.call(TaskContext(self.clone()));
        {
            let mut slot = self.f.borrow_mut();
            if slot.is_none() && !self.settled.get() {
                *slot = Some(f);
            }
        }
        if self.polling.get() || self.dropping.get() {
            return; // not reached: a task's start never comes from its own poll
        }
        *self.fut.borrow_mut() = Some(fut);
        // Polled where it stays (invariant #5): ready at once, or kept by
        // the driver to wait.
        let mut cx = Context::from_waker(Waker::noop());
        if self.resume(serial, &mut cx).is_ready() {
            return;
        }
        match self.base.wait(serial) {
            Err(r) => {
                self.drop_fut();
                self.report(serial, Err(TaskError::from_reason(r)));
            }
            Ok(w) => {
                // It waits, with its waker: polled again with it now (the
                // first poll had none to keep).
                if self.resume(serial, &mut Context::from_waker(&w)).is_ready() {
                    self.forget_waker();
                }
            }
        }
    }

    fn settle(&self, how_: f64, started: bool) {
        let (waker, f) = {
            let mut cur = self.current.borrow_mut();
            let current = cur.take();
            *cur = Some(match (how_ == how::OK, current) {
                (true, Some(Ok(v))) => Ok(v),
                (false, Some(Err(e))) => Err(e),
                // Not reached: every settle follows a kept outcome or a
                // machine-made error.
                _ => Err(TaskError::Refused(Error::State(
                    "task settled without an outcome".into(),
                ))),
            });
            self.settled.set(true);
            self.started.set(started);
            (self.out_waker.take(), self.f.borrow_mut().take())
        };
        drop(f); // invariant #3, outside the borrows (#4)
        self.drop_fut();
        self.forget_waker();
        if let Some(w) = waker {
            w.wake();
        }
    }

    fn set_error(&self, kind: f64, arg: f64) {
        let e = self.base.machine_error(kind, arg).widen();
        let old = self.current.borrow_mut().replace(Err(e));
        drop(old);
    }

    fn ask_retry(&self, serial: u32, attempt: u32) {
        let Some(retry) = &self.retry else { return };
        // Taken out while the hooks run (invariant #4).
        let current = self.current.borrow_mut().take();
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
            let mut cur = self.current.borrow_mut();
            if cur.is_none() {
                *cur = current;
            }
        }
        self.base.retry_answer(serial, verdict, delay);
    }

    fn on_retry(&self, attempt: u32) {
        let Some(f) = self.retry.as_ref().and_then(|r| r.on_retry.clone()) else {
            return;
        };
        let current = self.current.borrow_mut().take();
        if let Some(Err(e)) = &current {
            f(e, attempt);
        }
        let mut cur = self.current.borrow_mut();
        if cur.is_none() {
            *cur = current;
        }
    }

    fn failure(&self) -> String {
        match &*self.current.borrow() {
            Some(Err(TaskError::Failed(e))) => describe(e),
            Some(Err(e)) => e.map_ref_message(),
            _ => "task failed".into(),
        }
    }

    fn resume_woken(&self, serial: u32) {
        let Some(waker) = self.base.waker_of(serial) else {
            return;
        };
        let mut cx = Context::from_waker(&waker);
        if self.resume(serial, &mut cx).is_ready() {
            self.forget_waker();
        }
    }

    fn abort_attempt(&self, r: &Reason) {
        // Being polled right now (its own code aborted it): the poll ends
        // it when it returns. Being dropped: whoever drops it reports.
        let Some(serial) = self.base.mark_aborted(r) else {
            return;
        };
        if !self.drop_fut() {
            return;
        }
        // The work stopped above (its `Drop`s ran, no borrow held).
        self.attempt.borrow_mut().aborted = None;
        self.report(serial, Err(TaskError::from_reason(r.clone())));
    }
}

impl<T: 'static, E: 'static, F: TaskFn<T, E>> CtxSource for TaskCore<T, E, F> {
    fn services(&self) -> Services {
        self.scope.services.clone()
    }

    fn ctl(&self) -> Option<Rc<NodeCtl>> {
        self.base.ctl_now()
    }

    fn web_signal(&self) -> web_sys::AbortSignal {
        self.base.web_signal()
    }

    fn id(&self) -> u64 {
        self.id.get()
    }
}

impl<T: 'static, E: 'static, F: TaskFn<T, E>> TaskCore<T, E, F> {
    /// Polls attempt `serial` in place; `Ready` once it ended (its outcome
    /// reported, or dropped).
    fn resume(&self, serial: u32, cx: &mut Context<'_>) -> Poll<()> {
        // A stale attempt ends quietly (invariant #2).
        if !self.is_current(serial) || self.polling.get() || self.dropping.get() {
            return Poll::Ready(());
        }
        self.polling.set(true);
        let polled = {
            let mut fut = self.fut.borrow_mut();
            match fut.as_mut() {
                Some(f) => pinned(f).poll(cx),
                None => {
                    self.polling.set(false);
                    return Poll::Ready(());
                }
            }
        };
        self.polling.set(false);
        // Aborted while it ran (its own code aborted its signal): it ends
        // here, with the reason.
        let aborted = self.attempt.borrow_mut().aborted.take();
        if let Some(r) = aborted {
            self.drop_fut();
            self.report(serial, Err(TaskError::from_reason(r)));
            return Poll::Ready(());
        }
        match polled {
            Poll::Ready(out) => {
                self.drop_fut();
                self.unlisten(serial);
                self.report(serial, out.map_err(TaskError::Failed));
                Poll::Ready(())
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

/// The running attempt's future, pinned where it lies in its task
/// (invariant #5).
#[allow(unsafe_code)]
fn pinned<Fut>(f: &mut Fut) -> Pin<&mut Fut> {
    // SAFETY: `f` is the future in a `TaskCore`'s `fut` cell, inside an
    // `Rc` allocation that never moves (no `TaskCore` is ever taken out of
    // its `Rc`). The future is never moved out of the cell: it is written
    // into an empty cell before its first poll and only ever dropped in
    // place (`drop_fut` assigns `None`, and the cell drops it in place when
    // the task itself is dropped), so it stays pinned from its first poll
    // to its drop.
    unsafe { Pin::new_unchecked(f) }
}

impl<T: 'static, E: 'static, F: TaskFn<T, E>> TaskCore<T, E, F> {
    /// Drops the running attempt's future in place (as a pinned value
    /// must be), unless it is being polled (the poll drops it when it
    /// returns) or dropped already; whether this call dropped one. Its
    /// `Drop` (user code) may re-enter: the `dropping` flag keeps every
    /// other path away from the cell meanwhile.
    fn drop_fut(&self) -> bool {
        if self.polling.get() || self.dropping.get() || self.fut.borrow().is_none() {
            return false;
        }
        self.dropping.set(true);
        *self.fut.borrow_mut() = None;
        self.dropping.set(false);
        true
    }
}

/// What a [`Task`] handle reads of its task, whatever its function's type.
pub(crate) trait TaskOut<T, E> {
    fn poll_out(&self, cx: &mut Context<'_>) -> Poll<Result<T, TaskError<E>>>;
    fn out_settled(&self) -> bool;
    fn out_started(&self) -> bool;
    fn out_id(&self) -> u64;
    fn out_detach(&self);
    fn out_take(&self) -> Option<Result<T, TaskError<E>>>;
    /// Whether its Result (kept, not taken yet) is a success.
    fn out_ok(&self) -> Option<bool>;
}

impl<T: 'static, E: 'static, F: TaskFn<T, E>> TaskOut<T, E> for TaskCore<T, E, F> {
    fn poll_out(&self, cx: &mut Context<'_>) -> Poll<Result<T, TaskError<E>>> {
        if let Some(r) = self.take_result() {
            return Poll::Ready(r);
        }
        self.out_listen(cx);
        Poll::Pending
    }

    fn out_settled(&self) -> bool {
        self.is_settled()
    }

    fn out_started(&self) -> bool {
        self.started_now()
    }

    fn out_id(&self) -> u64 {
        self.id.get()
    }

    fn out_detach(&self) {
        if let Err(r) = self.base.detach() {
            self.abort_attempt(&r);
        }
    }

    fn out_take(&self) -> Option<Result<T, TaskError<E>>> {
        self.take_result()
    }

    fn out_ok(&self) -> Option<bool> {
        if !self.settled.get() {
            return None;
        }
        self.current.borrow().as_ref().map(Result::is_ok)
    }
}

/// A task (1.0's `Task`): a future of its `Result`, awaited once.
/// Dropping it does not cancel the task: its scope owns it. (A task runs
/// whether or not its handle is awaited; `drop` it to let it go.)
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
pub struct Task<T, E> {
    core: Rc<dyn TaskOut<T, E>>,
}

impl<T: 'static, E: 'static> Task<T, E> {
    /// Unique, increasing (1.0's `Task.id`).
    ///
    /// ```
    /// # use go_go_scope_wasm::{ManualHost, Runtime, ScopeOptions, TaskOptions};
    /// # use futures::FutureExt;
    /// # let host = ManualHost::new();
    /// # let rt = Runtime::new(host.clone());
    /// # let s = rt.scope(ScopeOptions::default()).unwrap();
    /// let a = s.spawn(async { Ok::<_, ()>(1) }).unwrap();
    /// let b = s.spawn(async { Ok::<_, ()>(2) }).unwrap();
    /// assert!(b.id() > a.id());
    /// ```
    pub fn id(&self) -> u64 {
        self.core.out_id()
    }

    /// The function has been called.
    ///
    /// ```
    /// # use go_go_scope_wasm::{ManualHost, Runtime, ScopeOptions};
    /// # let rt = Runtime::new(ManualHost::new());
    /// let s = rt.scope(ScopeOptions::default().concurrency(1)).unwrap();
    /// let first = s.spawn(futures::future::pending::<Result<(), ()>>()).unwrap();
    /// let second = s.spawn(async { Ok::<_, ()>(2) }).unwrap();
    /// assert!(first.is_started());
    /// assert!(!second.is_started()); // waits for the first one's permit
    /// ```
    pub fn is_started(&self) -> bool {
        self.core.out_started()
    }

    /// The Result is ready.
    ///
    /// ```
    /// # use go_go_scope_wasm::{ManualHost, Runtime, ScopeOptions, TaskOptions};
    /// # use futures::FutureExt;
    /// # let host = ManualHost::new();
    /// # let rt = Runtime::new(host.clone());
    /// # let s = rt.scope(ScopeOptions::default()).unwrap();
    /// # use std::time::Duration;
    /// let opts = TaskOptions::default().timeout(Duration::from_millis(50));
    /// let t = s.task(|_| futures::future::pending::<Result<(), ()>>(), opts).unwrap();
    /// assert!(!t.is_settled());
    /// host.advance(50);
    /// assert!(t.is_settled());
    /// ```
    pub fn is_settled(&self) -> bool {
        self.core.out_settled()
    }

    /// The task no longer hears its scope's abort (1.0's
    /// `task[Symbol.dispose]()`); no effect on a settled task.
    ///
    /// ```
    /// # use go_go_scope_wasm::{ManualHost, Runtime, ScopeOptions, TaskOptions};
    /// # use futures::FutureExt;
    /// # let host = ManualHost::new();
    /// # let rt = Runtime::new(host.clone());
    /// # let s = rt.scope(ScopeOptions::default()).unwrap();
    /// let (tx, rx) = futures::channel::oneshot::channel::<u32>();
    /// let t = s.spawn(async move { rx.await.map_err(|_| ()) }).unwrap();
    /// t.detach();
    /// let _ = s.dispose(); // aborts the scope, not the detached task (disposal waits for it)
    /// tx.send(7).unwrap();
    /// host.run();
    /// assert_eq!(t.now_or_never(), Some(Ok(7)));
    /// ```
    pub fn detach(&self) {
        self.core.out_detach();
    }
}

impl<T, E> Future for Task<T, E> {
    type Output = Result<T, TaskError<E>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.core.poll_out(cx)
    }
}

impl<T, E> fmt::Debug for Task<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Task")
            .field("id", &self.core.out_id())
            .field("settled", &self.core.out_settled())
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
    pub fn task<T, E, F, Fut>(&self, f: F, options: TaskOptions<E>) -> Result<Task<T, E>, Error>
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
        let core = TaskCore::new(self.shared(), f, options.retry);
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
        let core = TaskCore::new(self.shared(), Once(Some(future)), None);
        self.spawn_core(core, TaskSpec::default(), None, None)
    }

    fn spawn_core<T: 'static, E: 'static, F: TaskFn<T, E>>(
        &self,
        core: Rc<TaskCore<T, E, F>>,
        spec: TaskSpec,
        on_cleanup: Option<Box<dyn FnOnce() -> LocalBoxFuture<'static, ()>>>,
        otel: Option<OtelOptions>,
    ) -> Result<Task<T, E>, Error> {
        self.spawn_entry(core.clone(), &core.base, spec, on_cleanup, otel)?;
        Ok(core.handle())
    }

    /// What spawning a task does, whatever its types (shared code).
    fn spawn_entry(
        &self,
        entry: Rc<dyn TaskEntry>,
        base: &TaskBase,
        spec: TaskSpec,
        on_cleanup: Option<Box<dyn FnOnce() -> LocalBoxFuture<'static, ()>>>,
        otel: Option<OtelOptions>,
    ) -> Result<(), Error> {
        let drv = self.drv();
        if let Some(c) = on_cleanup {
            let old = drv.pending_cleanup.replace(Some(CleanupFn::new(c)));
            drop(old);
        }
        let now = if base.clock { drv.now() } else { 0.0 };
        let made = drv.m.borrow_mut().spawn(self.key(), spec, now);
        match made {
            Ok(k) => {
                base.made(k, entry);
                if self.shared().tracer.is_some() {
                    drv.tel_task_made(self.key(), k, otel);
                }
                drv.run();
                Ok(())
            }
            Err(f) => {
                let c = drv.pending_cleanup.borrow_mut().take();
                drop(c);
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

    /// `Settle(task, how, started)`: the driver lets go of the task and so
    /// of an attempt still waiting (invariant #3).
    pub(crate) fn on_settle(&self, t: f64, how_: f64, started: f64) {
        let Some(k) = key(t) else { return };
        let e = self.tasks.borrow_mut().take(k);
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
