//! Scopes: [`scope`], the [`Scope`] handle, services, cleanups and the
//! disposal future. Creation, inheritance, the disposal order and its
//! outcome are the machine's (`machine/scope.rs`); here are the options,
//! the service values, the cleanup closures and the wakers.
//!
//! # Invariants
//!
//! 1. The driver keeps a scope's shared state from `scope_new` to its
//!    `Disposed` effect, then drops it: user handles may outlive it (they
//!    answer from what `Disposed` left: disposed, aborted, its reason).
//! 2. The last [`Scope`] handle dropped without a disposal disposes it
//!    (abort now; the cleanups and the wait go on on the local executor,
//!    their errors unobserved). Tasks hold no handle of their own, so a
//!    scope nobody holds is never kept alive by its own tasks.
//! 3. A cleanup runs once: its closure is taken out of the table before it
//!    is called.

use std::any::Any;
use std::borrow::Cow;
use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use futures::future::LocalBoxFuture;
use futures::FutureExt;

use super::error::{CleanupError, DisposeError, Error};
use super::runtime::{Driver, Runtime};
use super::signal::{Aborted, NodeCtl, Reason};
use super::table::key;
use super::telemetry::Tracer;
use crate::machine::options::{
    CONTEXT_ON_DISPOSED, ON_DISPOSE_ON_DISPOSED, PROVIDE_ON_DISPOSED, USE_ON_DISPOSED,
};
use crate::machine::scope::ScopeSpec;
use crate::machine::slab::Key;
use crate::machine::Fail;

/// Milliseconds as the machine counts them (exact for whole ms).
pub(crate) fn ms(d: Duration) -> f64 {
    d.as_nanos() as f64 / 1_000_000.0
}

/// Options of [`scope`] (1.0's `scope(options)`; every field optional).
///
/// ```
/// use std::time::Duration;
/// use go_go_scope_wasm::{CircuitBreakerOptions, ScopeOptions};
///
/// let options = ScopeOptions::default()
///     .timeout(Duration::from_secs(5))
///     .concurrency(3)
///     .circuit_breaker(CircuitBreakerOptions::default());
/// assert_eq!(options.concurrency, Some(3));
/// ```
///
/// They also deserialize from the JavaScript object 1.0 takes
/// (`{ timeout, concurrency, circuitBreaker: { failureThreshold,
/// resetTimeout }, signal, name }`): see [`ScopeOptions::from_js`].
#[derive(Clone, Default)]
pub struct ScopeOptions {
    /// The scope aborts itself after this long, with a `"timeout after
    /// <N>ms"` reason. Not inherited. `None` or zero: no timeout.
    pub timeout: Option<Duration>,
    /// A JavaScript `AbortSignal`: when it aborts, the scope aborts with
    /// its reason (an aborted one aborts the new scope at once). Its one
    /// listener is removed when the scope ends. Ignored with `parent`.
    pub signal: Option<web_sys::AbortSignal>,
    /// The parent: its abort aborts this scope; this scope starts with a
    /// copy of its services and inherits its `concurrency` and
    /// `circuit_breaker` unless given here.
    pub parent: Option<Scope>,
    /// At most this many of the scope's tasks run at once (FIFO queue).
    /// `Some(0)`: no limit, even if the parent has one.
    pub concurrency: Option<u32>,
    /// Every task of the scope runs through one circuit breaker.
    pub circuit_breaker: Option<CircuitBreakerOptions>,
    /// The scope's name (1.0's span name; default "scope").
    pub name: Option<String>,
    /// Where the scope's and its tasks' spans go (inherited by children).
    pub tracer: Option<Rc<dyn Tracer>>,
}

impl ScopeOptions {
    /// Sets [`ScopeOptions::timeout`].
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use go_go_scope_wasm::ScopeOptions;
    /// let options = ScopeOptions::default().timeout(Duration::from_secs(5));
    /// assert_eq!(options.timeout, Some(Duration::from_secs(5)));
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Sets [`ScopeOptions::signal`].
    ///
    /// ```no_run
    /// # use go_go_scope_wasm::ScopeOptions;
    /// # fn demo(signal: web_sys::AbortSignal) {
    /// let options = ScopeOptions::default().signal(signal); // e.g. a request's signal
    /// assert!(options.signal.is_some());
    /// # }
    /// ```
    pub fn signal(mut self, signal: web_sys::AbortSignal) -> Self {
        self.signal = Some(signal);
        self
    }

    /// Sets [`ScopeOptions::parent`].
    ///
    /// ```
    /// # use go_go_scope_wasm::{ManualHost, Runtime, ScopeOptions};
    /// # let rt = Runtime::new(ManualHost::new());
    /// let parent = rt.scope(ScopeOptions::default()).unwrap();
    /// let options = ScopeOptions::default().parent(&parent);
    /// assert!(options.parent.is_some());
    /// ```
    pub fn parent(mut self, parent: &Scope) -> Self {
        self.parent = Some(parent.clone());
        self
    }

    /// Sets [`ScopeOptions::concurrency`].
    ///
    /// ```
    /// # use go_go_scope_wasm::ScopeOptions;
    /// let options = ScopeOptions::default().concurrency(3);
    /// assert_eq!(options.concurrency, Some(3));
    /// ```
    pub fn concurrency(mut self, limit: u32) -> Self {
        self.concurrency = Some(limit);
        self
    }

    /// Sets [`ScopeOptions::circuit_breaker`].
    ///
    /// ```
    /// # use go_go_scope_wasm::{CircuitBreakerOptions, ScopeOptions};
    /// let options = ScopeOptions::default()
    ///     .circuit_breaker(CircuitBreakerOptions::default().failure_threshold(3));
    /// assert_eq!(options.circuit_breaker.map(|b| b.failure_threshold), Some(3));
    /// ```
    pub fn circuit_breaker(mut self, breaker: CircuitBreakerOptions) -> Self {
        self.circuit_breaker = Some(breaker);
        self
    }

    /// Sets [`ScopeOptions::name`].
    ///
    /// ```
    /// # use go_go_scope_wasm::ScopeOptions;
    /// let options = ScopeOptions::default().name("fetch-user-data");
    /// assert_eq!(options.name.as_deref(), Some("fetch-user-data"));
    /// ```
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Sets [`ScopeOptions::tracer`].
    ///
    /// ```
    /// # use std::rc::Rc;
    /// # use go_go_scope_wasm::ScopeOptions;
    /// # use std::any::Any;
    /// # use go_go_scope_wasm::{AttributeValue, Span, SpanStatus, Tracer};
    /// # struct Noop;
    /// # impl Span for Noop {
    /// #     fn set_attribute(&self, _: &str, _: AttributeValue) {}
    /// #     fn set_status(&self, _: SpanStatus) {}
    /// #     fn record_exception(&self, _: &str) {}
    /// #     fn end(&self) {}
    /// #     fn as_any(&self) -> &dyn Any { self }
    /// # }
    /// # impl Tracer for Noop {
    /// #     fn start_span(&self, _: &str, _: Vec<(String, AttributeValue)>, _: Option<&dyn Span>) -> Rc<dyn Span> {
    /// #         Rc::new(Noop)
    /// #     }
    /// # }
    /// let options = ScopeOptions::default().tracer(Rc::new(Noop)); // Noop: a Tracer
    /// assert!(options.tracer.is_some());
    /// ```
    pub fn tracer(mut self, tracer: Rc<dyn Tracer>) -> Self {
        self.tracer = Some(tracer);
        self
    }
}

impl fmt::Debug for ScopeOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScopeOptions")
            .field("timeout", &self.timeout)
            .field("signal", &self.signal.is_some())
            .field("parent", &self.parent)
            .field("concurrency", &self.concurrency)
            .field("circuit_breaker", &self.circuit_breaker)
            .field("name", &self.name)
            .field("tracer", &self.tracer.is_some())
            .finish()
    }
}

/// The circuit breaker of a scope: after `failure_threshold` consecutive
/// failures it opens and tasks fail at once with
/// [`TaskError::CircuitOpen`](super::TaskError::CircuitOpen); after
/// `reset_timeout` it lets one trial call through (half-open).
///
/// ```
/// use std::time::Duration;
/// use go_go_scope_wasm::CircuitBreakerOptions;
///
/// let b = CircuitBreakerOptions::default().failure_threshold(3);
/// assert_eq!(b.reset_timeout, Duration::from_secs(30));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CircuitBreakerOptions {
    /// Consecutive failures that open the breaker (default 5).
    pub failure_threshold: u32,
    /// How long it stays open before a trial call (default 30 s;
    /// `Duration::MAX`: never).
    pub reset_timeout: Duration,
}

impl Default for CircuitBreakerOptions {
    fn default() -> Self {
        CircuitBreakerOptions {
            failure_threshold: 5,
            reset_timeout: Duration::from_secs(30),
        }
    }
}

impl CircuitBreakerOptions {
    /// Sets [`CircuitBreakerOptions::failure_threshold`].
    ///
    /// ```
    /// # use go_go_scope_wasm::CircuitBreakerOptions;
    /// let breaker = CircuitBreakerOptions::default().failure_threshold(3);
    /// assert_eq!(breaker.failure_threshold, 3);
    /// ```
    pub fn failure_threshold(mut self, n: u32) -> Self {
        self.failure_threshold = n;
        self
    }

    /// Sets [`CircuitBreakerOptions::reset_timeout`].
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use go_go_scope_wasm::CircuitBreakerOptions;
    /// let breaker = CircuitBreakerOptions::default().reset_timeout(Duration::from_secs(10));
    /// assert_eq!(breaker.reset_timeout, Duration::from_secs(10));
    /// ```
    pub fn reset_timeout(mut self, d: Duration) -> Self {
        self.reset_timeout = d;
        self
    }
}

/// The services of a scope: what [`Scope::provide`] registered, by key (a
/// child starts with a copy of its parent's). Cheap to clone; clones see
/// services provided later.
///
/// ```
/// # use go_go_scope_wasm::{ManualHost, Runtime, ScopeOptions};
/// # let rt = Runtime::new(ManualHost::new());
/// let s = rt.scope(ScopeOptions::default()).unwrap();
/// let services = s.services();
/// s.provide("db", || "pg").unwrap();
/// assert!(services.contains("db")); // a clone sees later services
/// assert_eq!(services.get::<&str>("db").as_deref(), Some(&"pg"));
/// ```
#[derive(Clone, Default)]
pub struct Services(Rc<RefCell<Vec<Service>>>);

/// A service: its key and its value.
type Service = (Cow<'static, str>, Rc<dyn Any>);

impl Services {
    /// The service under `key`, if there is one of type `T`.
    ///
    /// ```
    /// use go_go_scope_wasm::{ManualHost, Runtime, ScopeOptions};
    ///
    /// let rt = Runtime::new(ManualHost::new());
    /// let s = rt.scope(ScopeOptions::default()).unwrap().provide("answer", || 42u32).unwrap();
    /// assert_eq!(s.services().get::<u32>("answer").as_deref(), Some(&42));
    /// assert!(s.services().get::<String>("answer").is_none());
    /// ```
    pub fn get<T: 'static>(&self, key: &str) -> Option<Rc<T>> {
        let all = self.0.borrow();
        let v = all.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone())?;
        drop(all);
        v.downcast::<T>().ok()
    }

    /// Whether a service is registered under `key` (of any type).
    ///
    /// ```
    /// # use go_go_scope_wasm::{ManualHost, Runtime, ScopeOptions};
    /// # let rt = Runtime::new(ManualHost::new());
    /// let s = rt.scope(ScopeOptions::default()).unwrap().provide("db", || 1u8).unwrap();
    /// assert!(s.services().contains("db"));
    /// assert!(!s.services().contains("cache"));
    /// ```
    pub fn contains(&self, key: &str) -> bool {
        self.0.borrow().iter().any(|(k, _)| k == key)
    }

    /// The keys, in registration order.
    ///
    /// ```
    /// # use go_go_scope_wasm::{ManualHost, Runtime, ScopeOptions};
    /// # let rt = Runtime::new(ManualHost::new());
    /// let s = rt.scope(ScopeOptions::default()).unwrap();
    /// s.provide("db", || "pg").unwrap().provide("cache", || 64u32).unwrap();
    /// assert_eq!(s.services().keys(), ["db", "cache"]);
    /// ```
    pub fn keys(&self) -> Vec<String> {
        self.0.borrow().iter().map(|(k, _)| k.to_string()).collect()
    }

    fn insert(&self, key: Cow<'static, str>, value: Rc<dyn Any>) {
        let old = {
            let mut all = self.0.borrow_mut();
            match all.iter_mut().find(|(k, _)| *k == key) {
                Some((_, v)) => Some(std::mem::replace(v, value)),
                None => {
                    all.push((key, value));
                    None
                }
            }
        };
        drop(old);
    }

    fn remove(&self, key: &str) -> bool {
        let old = {
            let mut all = self.0.borrow_mut();
            let at = all.iter().position(|(k, _)| k == key);
            at.map(|i| all.swap_remove(i))
        };
        old.is_some()
    }

    fn copy(&self) -> Services {
        Services(Rc::new(RefCell::new(self.0.borrow().clone())))
    }
}

impl fmt::Debug for Services {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.keys()).finish()
    }
}

/// What a cleanup's future may give: nothing, or a `Result` whose error
/// fails the disposal ([`DisposeError`]).
///
/// ```
/// # use go_go_scope_wasm::{ManualHost, Runtime, ScopeOptions};
/// # use futures::FutureExt;
/// # let host = ManualHost::new();
/// # let rt = Runtime::new(host.clone());
/// let s = rt.scope(ScopeOptions::default()).unwrap()
///     .provide_with_cleanup("cache", || 1, |_| async {}) // (): never fails
///     .unwrap()
///     .provide_with_cleanup("db", || 2, |_| async { Err::<(), _>("close failed") })
///     .unwrap();
/// let mut done = s.dispose();
/// host.run();
/// assert_eq!((&mut done).now_or_never().unwrap().unwrap_err().to_string(), "close failed");
/// ```
pub trait CleanupOutput {
    /// The outcome as a `Result`.
    fn into_result(self) -> Result<(), CleanupError>;
}

impl CleanupOutput for () {
    fn into_result(self) -> Result<(), CleanupError> {
        Ok(())
    }
}

impl<E: Into<CleanupError>> CleanupOutput for Result<(), E> {
    fn into_result(self) -> Result<(), CleanupError> {
        self.map_err(Into::into)
    }
}

/// A cleanup the driver keeps until the disposal runs it (invariant #3).
pub(crate) struct CleanupFn(Box<dyn FnOnce() -> LocalBoxFuture<'static, Result<(), CleanupError>>>);

impl CleanupFn {
    pub(crate) fn new<F, Fut>(f: F) -> CleanupFn
    where
        F: FnOnce() -> Fut + 'static,
        Fut: Future + 'static,
        Fut::Output: CleanupOutput,
    {
        CleanupFn(Box::new(move || {
            f().map(CleanupOutput::into_result).boxed_local()
        }))
    }
}

/// The driver's state of one scope (invariant #1).
pub(crate) struct ScopeShared {
    pub(crate) drv: Rc<Driver>,
    pub(crate) key: Key,
    pub(crate) services: Services,
    /// Its own context values (`set_context`).
    context: Services,
    /// Its `name` option (spans, `debug_tree`).
    pub(crate) name: Option<Rc<str>>,
    /// Where context lookups go next: the parent.
    up: Option<Rc<ScopeShared>>,
    /// The scope has a breaker: its tasks' events carry the clock.
    pub(crate) clock: bool,
    /// Its tracer (own or inherited): its tasks have spans.
    pub(crate) tracer: Option<Rc<dyn Tracer>>,
    state: RefCell<ScopeState>,
}

#[derive(Default)]
struct ScopeState {
    /// Errors of the cleanups that fail the disposal, in order.
    errors: Vec<CleanupError>,
    /// Set by `Disposed`.
    outcome: Option<Result<(), DisposeError>>,
    wakers: Vec<Waker>,
    /// After `Disposed`: the reason its signal had (`None`: "scope
    /// disposed", made when first asked for, then kept).
    late: Option<Reason>,
    ended: bool,
    signal: Option<web_sys::AbortSignal>,
}

impl ScopeShared {
    /// The controller of the scope's node (made now if needed); `None`
    /// once the scope ended.
    pub(crate) fn ctl(&self) -> Option<Rc<NodeCtl>> {
        let node = self.drv.m.borrow().scope_node(self.key)?;
        let (index, generation) = node.parts();
        self.drv.watch(Key { index, generation })
    }

    fn ended(&self) -> bool {
        self.state.borrow().ended
    }

    /// The reason its signal aborted with after it ended.
    fn late_reason(&self) -> Reason {
        let mut st = self.state.borrow_mut();
        st.late.get_or_insert_with(Reason::scope_disposed).clone()
    }

    pub(crate) fn reason(&self) -> Option<Reason> {
        if self.ended() {
            return Some(self.late_reason());
        }
        let r = self.drv.m.borrow().scope_reason(self.key)?;
        self.drv.reason_of(r.to_f64())
    }

    /// The own context of the nearest scope up the chain that has `key`.
    fn holder(&self, key: &str) -> Option<&Services> {
        let mut s = Some(self);
        while let Some(sh) = s {
            if sh.context.contains(key) {
                return Some(&sh.context);
            }
            s = sh.up.as_deref();
        }
        None
    }

    fn dispose(&self) -> bool {
        let started = self.drv.m.borrow_mut().scope_dispose(self.key);
        if started {
            self.drv.run();
        }
        started
    }
}

/// The handle users hold; the last one dropped disposes (invariant #2).
struct ScopeHandle {
    shared: Rc<ScopeShared>,
}

impl Drop for ScopeHandle {
    fn drop(&mut self) {
        self.shared.dispose();
    }
}

/// Owns async work: tasks, child scopes, channels, polls and streams, and
/// the cleanups of its services. Made by [`scope`].
///
/// Leaving a scope ([`Scope::dispose`]) aborts its signal (every task, child
/// scope, channel and poll sees it), runs the cleanups newest first, and
/// waits for the tasks still running. A task's future is dropped when its
/// signal aborts, so the wait is short.
///
/// Cheap to clone: clones are the same scope. **Dropping the last handle
/// without `dispose().await` disposes it anyway**: the abort happens at
/// once, the cleanups run on the local executor, and their errors are lost.
/// A task does not hold its scope (a task that captured a clone of it does,
/// until the task ends).
///
/// `!Send`: a scope belongs to the thread (the wasm instance) that made it.
///
/// ```
/// use go_go_scope_wasm::{ManualHost, Runtime, ScopeOptions, TaskOptions};
/// use futures::FutureExt;
///
/// let host = ManualHost::new();
/// let rt = Runtime::new(host.clone());
/// let s = rt.scope(ScopeOptions::default()).unwrap();
/// let t = s.task(|_| async { Ok::<_, ()>(1 + 1) }, TaskOptions::default()).unwrap();
/// assert_eq!(t.now_or_never().unwrap(), Ok(2));
/// let mut done = s.dispose();
/// host.run();
/// assert!((&mut done).now_or_never().unwrap().is_ok());
/// assert!(rt.live().is_empty());
/// ```
#[derive(Clone)]
pub struct Scope(Rc<ScopeHandle>);

/// Makes a scope on this thread's [`Runtime`] (1.0's `scope(options)`).
///
/// ```no_run
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// use std::time::Duration;
/// use go_go_scope_wasm::{scope, ScopeOptions, TaskOptions};
///
/// let s = scope(ScopeOptions::default().timeout(Duration::from_secs(5)))?;
/// let user = s.task(|_ctx| async { Ok::<_, String>("ada") }, TaskOptions::default())?;
/// match user.await {
///     Ok(name) => println!("user: {name}"),
///     Err(e) => println!("no user: {e}"),
/// }
/// s.dispose().await?;
/// # Ok(()) }
/// ```
///
/// Fails with [`Error::Range`] for a bad option (the message names it),
/// and [`Error::State`] for a `parent` of another runtime.
pub fn scope(options: ScopeOptions) -> Result<Scope, Error> {
    Runtime::current().scope(options)
}

impl Runtime {
    /// Makes a scope on this runtime (see [`scope`]).
    ///
    /// ```
    /// # use go_go_scope_wasm::{ManualHost, Runtime, ScopeOptions};
    /// let rt = Runtime::new(ManualHost::new());
    /// let s = rt.scope(ScopeOptions::default().name("jobs")).unwrap();
    /// assert_eq!(rt.live().scopes, 1);
    /// let other = Runtime::new(ManualHost::new());
    /// assert!(other.scope(ScopeOptions::default().parent(&s)).unwrap_err().is_state());
    /// ```
    pub fn scope(&self, options: ScopeOptions) -> Result<Scope, Error> {
        Scope::new(self.driver(), options)
    }
}

impl ScopeShared {
    /// Makes a scope the driver keeps until its `Disposed`; no handle
    /// disposes it on drop (`race` and `parallel` make theirs so).
    pub(crate) fn make(drv: &Rc<Driver>, o: &ScopeOptions) -> Result<Rc<ScopeShared>, Error> {
        let parent = match &o.parent {
            Some(p) if !Rc::ptr_eq(&p.0.shared.drv, drv) => {
                return Err(Error::State(
                    "scope: options.parent belongs to another runtime".into(),
                ))
            }
            Some(p) => Some(p.0.shared.clone()),
            None => None,
        };
        let link = match (&parent, &o.signal) {
            (None, Some(signal)) => Some(drv.link(signal)),
            _ => None,
        };
        let spec = ScopeSpec {
            timeout: o.timeout.map(ms),
            concurrency: o.concurrency.map(f64::from),
            breaker: o.circuit_breaker.map(|b| {
                (
                    Some(f64::from(b.failure_threshold)),
                    Some(ms(b.reset_timeout)),
                )
            }),
        };
        let made = drv
            .m
            .borrow_mut()
            .scope_new(parent.as_ref().map(|p| p.key), link, spec);
        let k = match made {
            Ok(k) => k,
            Err(f) => {
                if let Some(l) = link {
                    drv.m.borrow_mut().drop_unused_link(l);
                }
                drv.run(); // the link nobody came to use is unlinked
                return Err(f.into());
            }
        };
        let services = parent
            .as_ref()
            .map_or_else(Services::default, |p| p.services.copy());
        let clock = drv.m.borrow().scope_breaker(k).is_some();
        let tracer = o
            .tracer
            .clone()
            .or_else(|| parent.as_ref().and_then(|p| p.tracer.clone()));
        let shared = Rc::new(ScopeShared {
            drv: drv.clone(),
            key: k,
            services,
            context: Services::default(),
            name: o.name.as_deref().map(Rc::from),
            up: parent.clone(),
            clock,
            tracer: tracer.clone(),
            state: RefCell::default(),
        });
        let old = drv.scopes.borrow_mut().set(k, shared.clone());
        drop(old);
        if let Some(t) = &tracer {
            let spans = t.__spans();
            drv.spans.set(Some(spans));
            let name = o.name.clone().unwrap_or_else(|| "scope".into());
            // What only the options know (machine telemetry.rs `flag`).
            let bits = 1
                | if o.signal.is_some() { 8 } else { 0 }
                | if parent.is_some() { 24 } else { 0 }
                | if o.concurrency.is_some() { 32 } else { 0 };
            (spans.scope_opened)(drv, &shared, parent.as_ref().map(|p| p.key), name, bits);
        }
        drv.run();
        Ok(shared)
    }
}

impl Scope {
    fn new(drv: &Rc<Driver>, o: ScopeOptions) -> Result<Scope, Error> {
        let shared = ScopeShared::make(drv, &o)?;
        Ok(Scope(Rc::new(ScopeHandle { shared })))
    }

    pub(crate) fn shared(&self) -> &Rc<ScopeShared> {
        &self.0.shared
    }

    pub(crate) fn drv(&self) -> &Rc<Driver> {
        &self.0.shared.drv
    }

    pub(crate) fn key(&self) -> Key {
        self.0.shared.key
    }

    /// A child scope: `scope(options.parent(self))`.
    ///
    /// ```
    /// # use go_go_scope_wasm::{ManualHost, Runtime, ScopeOptions};
    /// # let rt = Runtime::new(ManualHost::new());
    /// let parent = rt.scope(ScopeOptions::default().concurrency(2)).unwrap();
    /// let child = parent.child(ScopeOptions::default()).unwrap();
    /// assert_eq!(child.concurrency(), Some(2)); // inherited
    /// let _ = parent.dispose();
    /// assert!(child.is_aborted());
    /// ```
    pub fn child(&self, options: ScopeOptions) -> Result<Scope, Error> {
        Scope::new(self.drv(), options.parent(self))
    }

    /// Whether disposal has begun (or ended).
    ///
    /// ```
    /// # use go_go_scope_wasm::{ManualHost, Runtime, ScopeOptions};
    /// # let rt = Runtime::new(ManualHost::new());
    /// let s = rt.scope(ScopeOptions::default()).unwrap();
    /// assert!(!s.is_disposed());
    /// let _ = s.dispose();
    /// assert!(s.is_disposed());
    /// ```
    pub fn is_disposed(&self) -> bool {
        self.0.shared.ended() || self.drv().m.borrow().scope_is_disposed(self.key())
    }

    /// Whether the scope's signal is aborted (disposal, timeout, parent,
    /// linked signal).
    ///
    /// ```
    /// # use go_go_scope_wasm::{ManualHost, Runtime, ScopeOptions};
    /// # use std::time::Duration;
    /// # let host = ManualHost::new();
    /// # let rt = Runtime::new(host.clone());
    /// let s = rt.scope(ScopeOptions::default().timeout(Duration::from_millis(100))).unwrap();
    /// host.advance(99);
    /// assert!(!s.is_aborted());
    /// host.advance(1);
    /// assert!(s.is_aborted() && !s.is_disposed());
    /// ```
    pub fn is_aborted(&self) -> bool {
        self.0.shared.ended() || self.drv().m.borrow().scope_reason(self.key()).is_some()
    }

    /// Why the scope's signal aborted, once it has.
    ///
    /// ```
    /// # use go_go_scope_wasm::{ManualHost, Runtime, ScopeOptions};
    /// # use std::time::Duration;
    /// # let host = ManualHost::new();
    /// # let rt = Runtime::new(host.clone());
    /// let s = rt.scope(ScopeOptions::default().timeout(Duration::from_millis(100))).unwrap();
    /// assert!(s.reason().is_none());
    /// host.advance(100);
    /// let reason = s.reason().unwrap();
    /// assert!(reason.is_timeout());
    /// assert_eq!(reason.to_string(), "timeout after 100ms");
    /// ```
    pub fn reason(&self) -> Option<Reason> {
        self.0.shared.reason()
    }

    /// Resolves with the reason once the scope's signal aborts (the Rust
    /// counterpart of listening to `signal`'s `abort` event).
    ///
    /// ```
    /// # use go_go_scope_wasm::{ManualHost, Runtime, ScopeOptions};
    /// # use futures::FutureExt;
    /// # let rt = Runtime::new(ManualHost::new());
    /// let s = rt.scope(ScopeOptions::default()).unwrap();
    /// let mut aborted = s.aborted();
    /// assert!((&mut aborted).now_or_never().is_none());
    /// let _ = s.dispose();
    /// assert!(aborted.now_or_never().unwrap().is_disposed());
    /// ```
    pub fn aborted(&self) -> Aborted {
        let sh = &self.0.shared;
        if sh.ended() {
            return NodeCtl::aborted(sh.late_reason()).until_aborted();
        }
        match sh.ctl() {
            Some(c) => c.until_aborted(),
            None => Aborted::never(),
        }
    }

    /// The scope's `AbortSignal`, made when first asked for and aborted
    /// with the scope's reason: hand it to `fetch` (through web-sys) or
    /// any JavaScript API that takes a signal.
    ///
    /// ```no_run
    /// # use go_go_scope_wasm::{scope, ScopeOptions};
    /// let s = scope(ScopeOptions::default()).unwrap();
    /// let signal = s.signal(); // for fetch, through web-sys
    /// assert!(!signal.aborted());
    /// let _ = s.dispose();
    /// assert!(signal.aborted());
    /// ```
    pub fn signal(&self) -> web_sys::AbortSignal {
        let sh = &self.0.shared;
        if let Some(s) = sh.state.borrow().signal.clone() {
            return s;
        }
        let s = match sh.ctl() {
            Some(c) => c.web_signal(),
            None => super::signal::abort_signal_with(&sh.late_reason().to_js()),
        };
        sh.state.borrow_mut().signal = Some(s.clone());
        s
    }

    /// The effective `concurrency` (inherited or own); `None`: no limit.
    ///
    /// ```
    /// # use go_go_scope_wasm::{ManualHost, Runtime, ScopeOptions};
    /// # let rt = Runtime::new(ManualHost::new());
    /// let s = rt.scope(ScopeOptions::default().concurrency(2)).unwrap();
    /// assert_eq!(s.concurrency(), Some(2));
    /// let unlimited = s.child(ScopeOptions::default().concurrency(0)).unwrap();
    /// assert_eq!(unlimited.concurrency(), None);
    /// ```
    pub fn concurrency(&self) -> Option<u32> {
        let c = self.drv().m.borrow().scope_concurrency(self.key());
        (c > 0.0 && c.is_finite()).then(|| c.min(f64::from(u32::MAX)) as u32)
    }

    /// The effective circuit breaker options (inherited or own).
    ///
    /// ```
    /// # use go_go_scope_wasm::{CircuitBreakerOptions, ManualHost, Runtime, ScopeOptions};
    /// # let rt = Runtime::new(ManualHost::new());
    /// let breaker = CircuitBreakerOptions::default().failure_threshold(3);
    /// let s = rt.scope(ScopeOptions::default().circuit_breaker(breaker)).unwrap();
    /// let child = s.child(ScopeOptions::default()).unwrap();
    /// assert_eq!(child.circuit_breaker(), Some(breaker)); // inherited
    /// assert!(rt.scope(ScopeOptions::default()).unwrap().circuit_breaker().is_none());
    /// ```
    pub fn circuit_breaker(&self) -> Option<CircuitBreakerOptions> {
        let b = self.drv().m.borrow().scope_breaker(self.key());
        b.map(|(t, r)| CircuitBreakerOptions {
            failure_threshold: t,
            reset_timeout: Duration::try_from_secs_f64(r / 1000.0).unwrap_or(Duration::MAX),
        })
    }

    /// The scope's services (its own and those copied from its parent).
    ///
    /// ```
    /// # use go_go_scope_wasm::{ManualHost, Runtime, ScopeOptions};
    /// # let rt = Runtime::new(ManualHost::new());
    /// let parent = rt.scope(ScopeOptions::default()).unwrap().provide("db", || "pg").unwrap();
    /// let child = parent.child(ScopeOptions::default()).unwrap();
    /// child.provide("cache", || "redis").unwrap();
    /// assert_eq!(child.services().keys(), ["db", "cache"]);
    /// assert_eq!(parent.services().keys(), ["db"]);
    /// ```
    pub fn services(&self) -> Services {
        self.0.shared.services.clone()
    }

    /// Calls `factory` at once and keeps its value as the service `key`
    /// (1.0's `provide(key, factory)`); returns the scope, for chaining.
    /// Fails on a disposed scope.
    ///
    /// ```
    /// # use go_go_scope_wasm::{ManualHost, Runtime, ScopeOptions};
    /// # let rt = Runtime::new(ManualHost::new());
    /// let s = rt.scope(ScopeOptions::default()).unwrap()
    ///     .provide("db", || String::from("connection"))
    ///     .unwrap();
    /// assert_eq!(s.service::<String>("db").unwrap().as_deref().map(String::as_str), Some("connection"));
    /// ```
    pub fn provide<T: 'static>(
        &self,
        key: impl Into<Cow<'static, str>>,
        factory: impl FnOnce() -> T,
    ) -> Result<Scope, Error> {
        self.check_open(PROVIDE_ON_DISPOSED)?;
        let value = factory();
        self.0.shared.services.insert(key.into(), Rc::new(value));
        Ok(self.clone())
    }

    /// [`Scope::provide`] with a cleanup: `cleanup(value)` runs when the
    /// scope is disposed, newest registration first; its error (if its
    /// future gives an `Err`) fails the disposal.
    ///
    /// ```
    /// # use go_go_scope_wasm::{ManualHost, Runtime, ScopeOptions};
    /// # use std::rc::Rc;
    /// # let host = ManualHost::new();
    /// # let rt = Runtime::new(host.clone());
    /// let s = rt.scope(ScopeOptions::default()).unwrap()
    ///     .provide_with_cleanup("db", || vec![1, 2], |db: Rc<Vec<i32>>| async move {
    ///         assert_eq!(db.len(), 2); // closing the connection
    ///     })
    ///     .unwrap();
    /// let _ = s.dispose();
    /// host.run();
    /// assert!(rt.live().is_empty());
    /// ```
    pub fn provide_with_cleanup<T, C, Fut>(
        &self,
        key: impl Into<Cow<'static, str>>,
        factory: impl FnOnce() -> T,
        cleanup: C,
    ) -> Result<Scope, Error>
    where
        T: 'static,
        C: FnOnce(Rc<T>) -> Fut + 'static,
        Fut: Future + 'static,
        Fut::Output: CleanupOutput,
    {
        self.check_open(PROVIDE_ON_DISPOSED)?;
        let value = Rc::new(factory());
        let made = self.drv().m.borrow_mut().add_cleanup(self.key(), true);
        let c = made.map_err(Error::from)?;
        let v = value.clone();
        let f = CleanupFn::new(move || cleanup(v));
        let old = self.drv().cleanups.borrow_mut().set(c, f);
        drop(old);
        self.0.shared.services.insert(key.into(), value);
        Ok(self.clone())
    }

    /// The service `key` of type `T` (1.0's `use(key)`): `Ok(None)` if
    /// there is none (or it has another type). Fails on a disposed scope.
    ///
    /// ```
    /// # use go_go_scope_wasm::{ManualHost, Runtime, ScopeOptions};
    /// # let rt = Runtime::new(ManualHost::new());
    /// let s = rt.scope(ScopeOptions::default()).unwrap().provide("db", || "pg").unwrap();
    /// assert_eq!(s.service::<&str>("db").unwrap().as_deref(), Some(&"pg"));
    /// assert!(s.service::<u32>("db").unwrap().is_none()); // another type
    /// let _ = s.dispose();
    /// assert!(s.service::<&str>("db").is_err());
    /// ```
    #[doc(alias = "use")]
    pub fn service<T: 'static>(&self, key: &str) -> Result<Option<Rc<T>>, Error> {
        self.check_open(USE_ON_DISPOSED)?;
        Ok(self.0.shared.services.get::<T>(key))
    }

    /// Sets a context value (go-go-scope 2.x's `setContext`), seen by this
    /// scope and its child scopes (made before or after) unless a child
    /// sets its own. Fails once the scope is disposing.
    ///
    /// ```
    /// # use go_go_scope_wasm::{ManualHost, Runtime, ScopeOptions};
    /// # let rt = Runtime::new(ManualHost::new());
    /// let root = rt.scope(ScopeOptions::default()).unwrap();
    /// let child = root.child(ScopeOptions::default()).unwrap();
    /// root.set_context("request_id", "abc").unwrap();
    /// child.set_context("user", 7u32).unwrap();
    /// assert_eq!(child.context::<&str>("request_id").as_deref(), Some(&"abc"));
    /// assert_eq!(child.context::<u32>("user").as_deref(), Some(&7));
    /// assert!(root.context::<u32>("user").is_none()); // the child's own
    /// let _ = root.dispose();
    /// assert!(root.set_context("late", 1u8).is_err());
    /// ```
    pub fn set_context<T: 'static>(
        &self,
        key: impl Into<Cow<'static, str>>,
        value: T,
    ) -> Result<Scope, Error> {
        self.check_open(CONTEXT_ON_DISPOSED)?;
        self.0.shared.context.insert(key.into(), Rc::new(value));
        Ok(self.clone())
    }

    /// The context value `key` (go-go-scope 2.x's `getContext`): this
    /// scope's own, else the nearest parent's. `None` if no scope up the
    /// chain has one, or the nearest one's is of another type. Works after
    /// disposal too.
    ///
    /// ```
    /// # use go_go_scope_wasm::{ManualHost, Runtime, ScopeOptions};
    /// # let rt = Runtime::new(ManualHost::new());
    /// let s = rt.scope(ScopeOptions::default()).unwrap();
    /// s.set_context("tenant", String::from("t1")).unwrap();
    /// assert_eq!(s.context::<String>("tenant").as_deref().map(String::as_str), Some("t1"));
    /// assert!(s.context::<u32>("tenant").is_none()); // another type
    /// assert!(s.context::<String>("missing").is_none());
    /// ```
    pub fn context<T: 'static>(&self, key: &str) -> Option<Rc<T>> {
        self.0.shared.holder(key)?.get::<T>(key)
    }

    /// Whether this scope or a parent has a context value `key`.
    ///
    /// ```
    /// # use go_go_scope_wasm::{ManualHost, Runtime, ScopeOptions};
    /// # let rt = Runtime::new(ManualHost::new());
    /// let root = rt.scope(ScopeOptions::default()).unwrap();
    /// let child = root.child(ScopeOptions::default()).unwrap();
    /// root.set_context("trace", ()).unwrap();
    /// assert!(child.has_context("trace"));
    /// assert!(!child.has_context("other"));
    /// ```
    pub fn has_context(&self, key: &str) -> bool {
        self.0.shared.holder(key).is_some()
    }

    /// Removes this scope's own value of `key` (a parent's stays visible);
    /// whether it had one.
    ///
    /// ```
    /// # use go_go_scope_wasm::{ManualHost, Runtime, ScopeOptions};
    /// # let rt = Runtime::new(ManualHost::new());
    /// let root = rt.scope(ScopeOptions::default()).unwrap();
    /// let child = root.child(ScopeOptions::default()).unwrap();
    /// root.set_context("level", 1u8).unwrap();
    /// child.set_context("level", 2u8).unwrap();
    /// assert!(child.remove_context("level"));
    /// assert!(!child.remove_context("level"));
    /// assert_eq!(child.context::<u8>("level").as_deref(), Some(&1));
    /// ```
    pub fn remove_context(&self, key: &str) -> bool {
        self.0.shared.context.remove(key)
    }

    /// Runs `cleanup` at disposal (go-go-scope 2.x's `onDispose`), with
    /// the cleanups of `provide_with_cleanup`, newest first; an `Err` it
    /// gives fails the disposal as theirs do. Fails once the scope is
    /// disposing.
    ///
    /// ```
    /// # use go_go_scope_wasm::{ManualHost, Runtime, ScopeOptions};
    /// # use futures::FutureExt;
    /// # use std::{cell::RefCell, rc::Rc};
    /// let host = ManualHost::new();
    /// let rt = Runtime::new(host.clone());
    /// let s = rt.scope(ScopeOptions::default()).unwrap();
    /// let order = Rc::new(RefCell::new(Vec::new()));
    /// let (a, b) = (order.clone(), order.clone());
    /// s.on_dispose(move || async move { a.borrow_mut().push("first") }).unwrap();
    /// s.on_dispose(move || async move { b.borrow_mut().push("second") }).unwrap();
    /// let done = s.dispose();
    /// host.run();
    /// assert!(matches!(done.now_or_never(), Some(Ok(()))));
    /// assert_eq!(*order.borrow(), ["second", "first"]);
    /// assert!(s.on_dispose(|| async {}).is_err());
    /// ```
    pub fn on_dispose<C, Fut>(&self, cleanup: C) -> Result<(), Error>
    where
        C: FnOnce() -> Fut + 'static,
        Fut: Future + 'static,
        Fut::Output: CleanupOutput,
    {
        if self.0.shared.ended() {
            return Err(Fail::error(ON_DISPOSE_ON_DISPOSED).into());
        }
        let made =
            self.drv()
                .m
                .borrow_mut()
                .add_cleanup_or(self.key(), true, ON_DISPOSE_ON_DISPOSED);
        let c = made.map_err(Error::from)?;
        let old = self
            .drv()
            .cleanups
            .borrow_mut()
            .set(c, CleanupFn::new(cleanup));
        drop(old);
        Ok(())
    }

    fn check_open(&self, message: &'static str) -> Result<(), Error> {
        if self.0.shared.ended() {
            return Err(Fail::error(message).into());
        }
        let r = self.drv().m.borrow().scope_check_open(self.key(), message);
        r.map_err(Error::from)
    }

    /// Ends the scope (1.0's `[Symbol.asyncDispose]()`): aborts its signal
    /// with "scope disposed", runs the cleanups newest first (an async
    /// cleanup is awaited before the next; a failing one does not stop the
    /// others), waits for the tasks still running, and resolves with the
    /// cleanups' errors, if any. A second call is the same disposal.
    ///
    /// ```
    /// # use go_go_scope_wasm::{ManualHost, Runtime, ScopeOptions};
    /// # use futures::FutureExt;
    /// # let host = ManualHost::new();
    /// # let rt = Runtime::new(host.clone());
    /// let s = rt.scope(ScopeOptions::default()).unwrap();
    /// let t = s.spawn(futures::future::pending::<Result<(), ()>>()).unwrap();
    /// let mut done = s.dispose();
    /// host.run();
    /// assert!((&mut done).now_or_never().unwrap().is_ok());
    /// assert!(t.now_or_never().unwrap().unwrap_err().is_aborted());
    /// ```
    pub fn dispose(&self) -> Dispose {
        self.0.shared.dispose();
        Dispose {
            shared: self.0.shared.clone(),
        }
    }

    /// The effective tracer (own or inherited).
    ///
    /// ```
    /// # use std::rc::Rc;
    /// # use go_go_scope_wasm::{ManualHost, Runtime, ScopeOptions};
    /// # use std::any::Any;
    /// # use go_go_scope_wasm::{AttributeValue, Span, SpanStatus, Tracer};
    /// # struct Noop;
    /// # impl Span for Noop {
    /// #     fn set_attribute(&self, _: &str, _: AttributeValue) {}
    /// #     fn set_status(&self, _: SpanStatus) {}
    /// #     fn record_exception(&self, _: &str) {}
    /// #     fn end(&self) {}
    /// #     fn as_any(&self) -> &dyn Any { self }
    /// # }
    /// # impl Tracer for Noop {
    /// #     fn start_span(&self, _: &str, _: Vec<(String, AttributeValue)>, _: Option<&dyn Span>) -> Rc<dyn Span> {
    /// #         Rc::new(Noop)
    /// #     }
    /// # }
    /// # let rt = Runtime::new(ManualHost::new());
    /// let s = rt.scope(ScopeOptions::default().tracer(Rc::new(Noop))).unwrap(); // Noop: a Tracer
    /// assert!(s.child(ScopeOptions::default()).unwrap().tracer().is_some()); // inherited
    /// assert!(rt.scope(ScopeOptions::default()).unwrap().tracer().is_none());
    /// ```
    pub fn tracer(&self) -> Option<Rc<dyn Tracer>> {
        self.0.shared.tracer.clone()
    }

    /// The runtime this scope lives in.
    ///
    /// ```
    /// # use go_go_scope_wasm::{ManualHost, Runtime, ScopeOptions};
    /// # let rt = Runtime::new(ManualHost::new());
    /// let s = rt.scope(ScopeOptions::default()).unwrap();
    /// let sibling = s.runtime().scope(ScopeOptions::default()).unwrap();
    /// assert_eq!(rt.live().scopes, 2);
    /// ```
    pub fn runtime(&self) -> Runtime {
        Runtime(self.drv().clone())
    }
}

impl fmt::Debug for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scope")
            .field("key", &self.key())
            .field("disposed", &self.is_disposed())
            .finish()
    }
}

/// The end of a disposal ([`Scope::dispose`]): `Ok` once every cleanup ran
/// and every task settled; the cleanups' errors otherwise.
///
/// ```
/// # use go_go_scope_wasm::{ManualHost, Runtime, ScopeOptions};
/// # use futures::FutureExt;
/// # let host = ManualHost::new();
/// # let rt = Runtime::new(host.clone());
/// let s = rt.scope(ScopeOptions::default()).unwrap()
///     .provide_with_cleanup("db", || (), |_| async { Err::<(), _>("close failed") })
///     .unwrap();
/// let mut done = s.dispose();
/// host.run();
/// let e = (&mut done).now_or_never().unwrap().unwrap_err();
/// assert_eq!(e.errors()[0].message(), "close failed");
/// ```
#[must_use = "a disposal runs without being awaited, but its errors are only seen by awaiting it"]
pub struct Dispose {
    shared: Rc<ScopeShared>,
}

impl Future for Dispose {
    type Output = Result<(), DisposeError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut st = self.shared.state.borrow_mut();
        if let Some(out) = &st.outcome {
            return Poll::Ready(out.clone());
        }
        if !st.wakers.iter().any(|w| w.will_wake(cx.waker())) {
            st.wakers.push(cx.waker().clone());
        }
        Poll::Pending
    }
}

impl Driver {
    /// `CleanupKey(task, cleanup)`: the spawning task's `on_cleanup` is kept
    /// under `cleanup`.
    pub(crate) fn on_cleanup_key(&self, c: f64) {
        let f = self.pending_cleanup.borrow_mut().take();
        if let (Some(k), Some(f)) = (key(c), f) {
            let old = self.cleanups.borrow_mut().set(k, f);
            drop(old);
        }
    }

    /// `Cleanup(cleanup, scope, counts)`: run it (invariant #3); report at
    /// once, or when its future ends.
    pub(crate) fn on_cleanup(self: &Rc<Self>, c: f64, s: f64, counts: bool) {
        let f = key(c).and_then(|k| self.cleanups.borrow_mut().take(k));
        let Some(CleanupFn(f)) = f else { return };
        let mut fut = f();
        // Polled here first (a cleanup that needs no waiting reports in
        // this queue, as a synchronous JS cleanup does); the executor polls
        // it again if it must wait.
        let mut cx = Context::from_waker(Waker::noop());
        match fut.as_mut().poll(&mut cx) {
            Poll::Ready(r) => self.cleanup_finished(s, r, counts),
            Poll::Pending => {
                let d = self.clone();
                self.host.spawn(Box::pin(async move {
                    let r = fut.await;
                    d.cleanup_finished(s, r, counts);
                }));
            }
        }
    }

    /// The messages of scope `s`'s failed cleanups so far (its span's
    /// status).
    pub(crate) fn cleanup_errors(&self, s: f64) -> Vec<String> {
        let sh = key(s).and_then(|k| self.scopes.borrow().get(k).cloned());
        sh.map(|sh| {
            sh.state
                .borrow()
                .errors
                .iter()
                .map(|e| e.message().to_string())
                .collect()
        })
        .unwrap_or_default()
    }

    fn cleanup_finished(self: &Rc<Self>, s: f64, r: Result<(), CleanupError>, counts: bool) {
        let Some(sk) = key(s) else { return };
        let ok = r.is_ok();
        if let (Err(e), true) = (r, counts) {
            let sh = self.scopes.borrow().get(sk).cloned();
            if let Some(sh) = sh {
                sh.state.borrow_mut().errors.push(e);
            }
        }
        self.m.borrow_mut().cleanup_done(sk, ok, counts);
        self.after();
    }

    /// `Disposed(scope, outcome, reason)`: the disposal is over.
    pub(crate) fn on_disposed(&self, s: f64, outcome: f64, r: f64) {
        self.tel_forget_scope(s);
        let Some(sh) = key(s).and_then(|k| self.scopes.borrow_mut().take(k)) else {
            return;
        };
        let late = if r == -2.0 { None } else { self.reason_of(r) };
        let wakers = {
            let mut st = sh.state.borrow_mut();
            st.ended = true;
            st.late = late;
            let errors = std::mem::take(&mut st.errors);
            st.outcome = Some(if outcome == 0.0 {
                Ok(())
            } else {
                Err(DisposeError::new(errors))
            });
            std::mem::take(&mut st.wakers)
        };
        for w in wakers {
            w.wake();
        }
    }
}
