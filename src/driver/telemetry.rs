//! OpenTelemetry-shaped spans: a scope given a [`Tracer`] (its own, or
//! inherited from its parent) opens a span, and each of its tasks a child
//! span, with 1.0's names and attributes. What a span says and when is the
//! machine's (`machine/telemetry.rs`: attribute ids and numbers, ops
//! 50-56); here the ids become names, the numbers values, and the calls go
//! to the tracer. No tracer: the machine emits nothing and none of this
//! runs. (1.0's debug lines are the npm package's; the Rust face has none.)
//!
//! # Invariants
//!
//! 1. A scope's or task's record lives from its creation to its `Disposed`
//!    or `Settle`; the machine emits every span effect of it before that
//!    (its invariant #2), so each finds its record.
//! 2. Attributes given before the span starts are passed to
//!    [`Tracer::start_span`]; later ones go to [`Span::set_attribute`].

use std::any::Any;
use std::cell::RefCell;
use std::fmt;
use std::rc::Rc;

use super::runtime::Driver;
use super::scope::ScopeShared;
use super::table::key;
use crate::machine::slab::Key;

/// An attribute value (OpenTelemetry's `AttributeValue`, the kinds 1.0
/// sets).
///
/// ```
/// use go_go_scope_wasm::AttributeValue;
///
/// assert_eq!(AttributeValue::from(3i64), AttributeValue::Number(3.0));
/// assert_eq!(AttributeValue::from("GET"), AttributeValue::String("GET".into()));
/// assert_eq!(AttributeValue::from(true), AttributeValue::Bool(true));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub enum AttributeValue {
    Bool(bool),
    Number(f64),
    String(String),
}

impl From<bool> for AttributeValue {
    fn from(b: bool) -> Self {
        AttributeValue::Bool(b)
    }
}

impl From<f64> for AttributeValue {
    fn from(n: f64) -> Self {
        AttributeValue::Number(n)
    }
}

impl From<i64> for AttributeValue {
    fn from(n: i64) -> Self {
        AttributeValue::Number(n as f64)
    }
}

impl From<&str> for AttributeValue {
    fn from(s: &str) -> Self {
        AttributeValue::String(s.into())
    }
}

impl From<String> for AttributeValue {
    fn from(s: String) -> Self {
        AttributeValue::String(s)
    }
}

/// A span's status (OpenTelemetry's `SpanStatusCode` OK / ERROR with a
/// message).
///
/// ```
/// use go_go_scope_wasm::SpanStatus;
///
/// // What a `Span::set_status` forwards: OpenTelemetry's status code and message.
/// fn otel_status(status: &SpanStatus) -> (u8, &str) {
///     match status {
///         SpanStatus::Ok => (1, ""),
///         SpanStatus::Error(message) => (2, message),
///     }
/// }
/// assert_eq!(otel_status(&SpanStatus::Error("timeout".into())), (2, "timeout"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SpanStatus {
    Ok,
    Error(String),
}

/// A span, as a [`Tracer`] made it. Methods take `&self`: spans are shared
/// (`Rc`) and single-threaded; use interior mutability.
///
/// ```
/// use std::any::Any;
/// use std::cell::RefCell;
/// use go_go_scope_wasm::{AttributeValue, Span, SpanStatus};
///
/// #[derive(Default)]
/// struct Recorded(RefCell<Vec<String>>);
/// impl Span for Recorded {
///     fn set_attribute(&self, key: &str, value: AttributeValue) {
///         self.0.borrow_mut().push(format!("{key}={value:?}"))
///     }
///     fn set_status(&self, status: SpanStatus) { self.0.borrow_mut().push(format!("{status:?}")) }
///     fn record_exception(&self, message: &str) { self.0.borrow_mut().push(message.into()) }
///     fn end(&self) { self.0.borrow_mut().push("end".into()) }
///     fn as_any(&self) -> &dyn Any { self }
/// }
///
/// let span = Recorded::default();
/// span.set_attribute("task.index", AttributeValue::Number(1.0));
/// span.set_status(SpanStatus::Ok);
/// span.end();
/// assert_eq!(*span.0.borrow(), ["task.index=Number(1.0)", "Ok", "end"]);
/// assert!(span.as_any().downcast_ref::<Recorded>().is_some());
/// ```
pub trait Span {
    fn set_attribute(&self, key: &str, value: AttributeValue);
    fn set_status(&self, status: SpanStatus);
    /// An error the span's work failed with (its message).
    fn record_exception(&self, message: &str);
    fn end(&self);
    /// The span as `Any`, so a tracer can find its own type in `parent`.
    fn as_any(&self) -> &dyn Any;
}

/// Where spans go: wrap an OpenTelemetry tracer (or anything else) in it
/// and give it to [`ScopeOptions::tracer`](super::ScopeOptions).
///
/// Scope spans are named by the scope's `name` ("scope" by default) with
/// `scope.timeout`, `scope.has_parent_signal`, `scope.has_parent_scope`,
/// `scope.concurrency`, `scope.duration_ms`; task spans by the task's
/// `otel.name` ("scope.task") with `task.index`, `task.duration_ms`,
/// `task.error_reason`, `task.retry_attempts`, the `task.retry.*`,
/// `task.circuit_breaker.*` and `task.concurrency.*` attributes, as 1.0
/// sets them. A child scope's span is a child of its parent's.
///
/// ```
/// use std::any::Any;
/// use std::cell::RefCell;
/// use std::rc::Rc;
/// use futures::FutureExt;
/// use go_go_scope_wasm::*;
///
/// #[derive(Default)]
/// struct Log(RefCell<Vec<String>>);
/// struct Named(String, Rc<Log>);
/// impl Span for Named {
///     fn set_attribute(&self, _: &str, _: AttributeValue) {}
///     fn set_status(&self, _: SpanStatus) {}
///     fn record_exception(&self, _: &str) {}
///     fn end(&self) { self.1 .0.borrow_mut().push(format!("end {}", self.0)) }
///     fn as_any(&self) -> &dyn Any { self }
/// }
/// struct Tr(Rc<Log>);
/// impl Tracer for Tr {
///     fn start_span(&self, name: &str, _: Vec<(String, AttributeValue)>, _: Option<&dyn Span>) -> Rc<dyn Span> {
///         Rc::new(Named(name.into(), self.0.clone()))
///     }
/// }
///
/// let log = Rc::new(Log::default());
/// let host = ManualHost::new();
/// let rt = Runtime::new(host.clone());
/// let s = rt.scope(ScopeOptions::default().name("fetch-user-data").tracer(Rc::new(Tr(log.clone())))).unwrap();
/// let t = s.task(|_| async { Ok::<_, ()>(1) }, TaskOptions::default().otel("fetch-user", [("user.id", 1i64)])).unwrap();
/// assert_eq!(t.now_or_never(), Some(Ok(1)));
/// let _ = s.dispose();
/// host.run();
/// assert_eq!(*log.0.borrow(), ["end fetch-user", "end fetch-user-data"]);
/// ```
pub trait Tracer {
    /// Starts a span named `name` with `attributes`, as a child of
    /// `parent` (a span this tracer made) or a root.
    fn start_span(
        &self,
        name: &str,
        attributes: Vec<(String, AttributeValue)>,
        parent: Option<&dyn Span>,
    ) -> Rc<dyn Span>;

    /// The driver's span code, reached through every tracer's vtable: an
    /// app with no tracer links none of it (some 6 KB gzipped). Not to be
    /// overridden.
    #[doc(hidden)]
    fn __spans(&self) -> &'static Spans {
        &SPANS
    }
}

/// The driver's span code as a table of functions (see
/// [`Tracer::__spans`]); installed in a runtime by its first traced scope.
#[doc(hidden)]
pub struct Spans {
    pub(crate) scope_opened: fn(&Rc<Driver>, &ScopeShared, Option<Key>, String, u32),
    pub(crate) task_opened: fn(&Driver, Key, Key, Option<OtelOptions>),
    pub(crate) on_op: fn(&Driver, u8, f64, f64, f64),
}

impl fmt::Debug for Spans {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Spans")
    }
}

static SPANS: Spans = Spans {
    scope_opened: Driver::tel_scope_opened,
    task_opened: Driver::tel_task_opened,
    on_op: Driver::on_telemetry,
};

/// A task's span name and extra attributes (1.0's `otel: { name,
/// attributes }`).
///
/// ```
/// use go_go_scope_wasm::{AttributeValue, OtelOptions, TaskOptions};
///
/// let o = TaskOptions::<()>::default().otel("fetch-user", [("user.id", 42i64)]);
/// let expected = OtelOptions {
///     name: Some("fetch-user".into()),
///     attributes: vec![("user.id".into(), AttributeValue::Number(42.0))],
/// };
/// assert_eq!(o.otel, Some(expected));
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OtelOptions {
    pub name: Option<String>,
    pub attributes: Vec<(String, AttributeValue)>,
}

/// Attribute names by the machine's ids (`machine::telemetry::attr`); the
/// first character says how the number reads: `!` a boolean, `~` ms since
/// the span started, `=` the same rounded, `@` an error reason, `^` a
/// breaker state (the TypeScript executor's table).
const ATTRS: [&str; 26] = [
    "scope.timeout",
    "!scope.has_parent_signal",
    "!scope.has_parent_scope",
    "scope.concurrency",
    "~scope.duration_ms",
    "task.index",
    "!task.has_retry",
    "!task.has_timeout",
    "!task.has_circuit_breaker",
    "task.scope_concurrency",
    "task.timeout_ms",
    "=task.duration_ms",
    "task.retry_attempts",
    "@task.error_reason",
    "task.retry.max_retries",
    "!task.retry.has_delay",
    "!task.retry.has_condition",
    "task.retry.succeeded_after",
    "task.retry.attempts_made",
    "!task.retry.max_retries_exceeded",
    "!task.retry.condition_rejected",
    "^task.circuit_breaker.state",
    "task.circuit_breaker.failure_count",
    "!task.circuit_breaker.rejected",
    "task.concurrency.available_before",
    "task.concurrency.waiting_before",
];
const REASONS: [&str; 4] = ["timeout", "circuit_breaker_open", "aborted", "exception"];
const STATES: [&str; 3] = ["closed", "open", "half-open"];

/// What the driver keeps of a traced scope or task (invariant #1).
pub(crate) struct TelRec {
    tracer: Rc<dyn Tracer>,
    name: String,
    /// The host's clock when it opened (durations).
    t0: f64,
    /// Attributes until the span starts (invariant #2).
    pending: RefCell<Option<Vec<(String, AttributeValue)>>>,
    span: RefCell<Option<Rc<dyn Span>>>,
    /// The parent span (a scope's parent scope's; a task's scope's).
    parent: Option<Rc<dyn Span>>,
    /// A task's `otel.attributes`, joined at its span's start.
    extra: RefCell<Vec<(String, AttributeValue)>>,
}

impl TelRec {
    pub(crate) fn new(
        drv: &Driver,
        tracer: Rc<dyn Tracer>,
        name: String,
        attributes: Vec<(String, AttributeValue)>,
        parent: Option<Rc<dyn Span>>,
    ) -> Rc<TelRec> {
        Rc::new(TelRec {
            tracer,
            name,
            t0: drv.now(),
            pending: RefCell::new(Some(attributes)),
            span: RefCell::new(None),
            parent,
            extra: RefCell::new(Vec::new()),
        })
    }

    pub(crate) fn span(&self) -> Option<Rc<dyn Span>> {
        self.span.borrow().clone()
    }

    fn start(&self) {
        let attrs = self.pending.borrow_mut().take().unwrap_or_default();
        let span = self
            .tracer
            .start_span(&self.name, attrs, self.parent.as_deref());
        *self.span.borrow_mut() = Some(span);
    }

    fn attr(&self, now: f64, id: f64, v: f64) {
        let Some(name) = ATTRS.get(id as usize) else {
            return;
        };
        let ms = now - self.t0;
        let (n, value) = match name.split_at(1) {
            ("!", n) => (n, AttributeValue::Bool(v == 1.0)),
            ("~", n) => (n, AttributeValue::Number(ms)),
            ("=", n) => (n, AttributeValue::Number(ms.round())),
            ("@", n) => (n, label(&REASONS, v)),
            ("^", n) => (n, label(&STATES, v)),
            _ => (*name, AttributeValue::Number(v)),
        };
        let mut pending = self.pending.borrow_mut();
        if let Some(p) = pending.as_mut() {
            p.push((n.into(), value));
            return;
        }
        drop(pending);
        if let Some(s) = self.span() {
            s.set_attribute(n, value);
        }
    }
}

fn label(names: &[&str], v: f64) -> AttributeValue {
    match names.get(v as usize) {
        Some(s) => AttributeValue::String((*s).into()),
        None => AttributeValue::Number(v),
    }
}

impl fmt::Debug for dyn Tracer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Tracer")
    }
}

impl Driver {
    fn tel_scope(&self, s: f64) -> Option<Rc<TelRec>> {
        key(s).and_then(|k| self.tel_scopes.borrow().get(k).cloned())
    }

    fn tel_task(&self, t: f64) -> Option<Rc<TelRec>> {
        key(t).and_then(|k| self.tel_tasks.borrow().get(k).cloned())
    }

    /// Keeps the record of traced scope `s` (child of `parent`) and
    /// starts its telemetry; `bits`: what only its options know (machine
    /// telemetry.rs `flag`).
    fn tel_scope_opened(
        self: &Rc<Self>,
        s: &ScopeShared,
        parent: Option<Key>,
        name: String,
        bits: u32,
    ) {
        let Some(tracer) = s.tracer.clone() else {
            return;
        };
        let parent_span = parent.and_then(|p| self.tel_span_of(p));
        let rec = TelRec::new(self, tracer, name, Vec::new(), parent_span);
        let old = self.tel_scopes.borrow_mut().set(s.key, rec);
        drop(old);
        self.m.borrow_mut().tel_scope(s.key, bits);
    }

    /// Task `k` of scope `s` was made: its record, if the scope is traced.
    pub(crate) fn tel_task_made(&self, s: Key, k: Key, otel: Option<OtelOptions>) {
        if let Some(spans) = self.spans.get() {
            (spans.task_opened)(self, s, k, otel);
        }
    }

    /// Keeps the record of task `k` of traced scope `s`.
    fn tel_task_opened(&self, s: Key, k: Key, otel: Option<OtelOptions>) {
        let Some(scope) = self.tel_scopes.borrow().get(s).cloned() else {
            return;
        };
        let otel = otel.unwrap_or_default();
        let rec = TelRec::new(
            self,
            scope.tracer.clone(),
            otel.name.unwrap_or_else(|| "scope.task".into()),
            Vec::new(),
            scope.span(),
        );
        // The `otel` attributes join at the span's start, after the machine's.
        *rec.extra.borrow_mut() = otel.attributes;
        let old = self.tel_tasks.borrow_mut().set(k, rec);
        drop(old);
    }

    /// Ops 50-56 (`machine/effect.rs`).
    fn on_telemetry(&self, op: u8, a: f64, b: f64, c: f64) {
        use crate::machine::effect::Op;
        let now = self.now();
        match op {
            o if o == Op::ScopeSpan as u8 => {
                if let Some(r) = self.tel_scope(a) {
                    r.start();
                }
            }
            o if o == Op::ScopeAttr as u8 => {
                if let Some(r) = self.tel_scope(a) {
                    r.attr(now, b, c);
                }
            }
            o if o == Op::ScopeError as u8 => {
                let (Some(r), reason) = (self.tel_scope(a), self.reason_of(c)) else {
                    return;
                };
                if let Some(s) = r.span() {
                    if let Some(reason) = reason {
                        s.record_exception(&reason.to_string());
                    }
                    s.set_status(SpanStatus::Error(
                        if b == 1.0 {
                            "timeout"
                        } else {
                            "aborted by parent"
                        }
                        .into(),
                    ));
                }
            }
            o if o == Op::ScopeEnd as u8 => {
                let Some(s) = self.tel_scope(a).and_then(|r| r.span()) else {
                    return;
                };
                if b == 2.0 {
                    let errors = self.cleanup_errors(a);
                    s.set_status(SpanStatus::Error(format!(
                        "Disposal errors: {}",
                        errors.join(", ")
                    )));
                    for e in &errors {
                        s.record_exception(e);
                    }
                } else if b == 0.0 {
                    s.set_status(SpanStatus::Ok);
                }
                s.end();
            }
            o if o == Op::TaskSpan as u8 => {
                let Some(r) = self.tel_task(a) else { return };
                let extra = std::mem::take(&mut *r.extra.borrow_mut());
                if let Some(p) = r.pending.borrow_mut().as_mut() {
                    p.extend(extra);
                }
                r.start();
            }
            o if o == Op::TaskAttr as u8 => {
                if let Some(r) = self.tel_task(a) {
                    r.attr(now, b, c);
                }
            }
            o if o == Op::TaskEnd as u8 => {
                let Some(s) = self.tel_task(a).and_then(|r| r.span()) else {
                    return;
                };
                if b == 1.0 {
                    s.record_exception(&self.task_failure(a));
                    s.set_status(SpanStatus::Error("task failed".into()));
                } else {
                    s.set_status(SpanStatus::Ok);
                }
                s.end();
            }
            _ => {}
        }
    }

    /// A task settled or a scope ended: its record goes (invariant #1).
    pub(crate) fn tel_forget_task(&self, t: f64) {
        let old = key(t).and_then(|k| self.tel_tasks.borrow_mut().take(k));
        drop(old);
    }

    pub(crate) fn tel_forget_scope(&self, s: f64) {
        let old = key(s).and_then(|k| self.tel_scopes.borrow_mut().take(k));
        drop(old);
    }

    /// The parent span a child of scope `k` starts under.
    pub(crate) fn tel_span_of(&self, k: Key) -> Option<Rc<dyn Span>> {
        self.tel_scopes.borrow().get(k).and_then(|r| r.span())
    }
}
