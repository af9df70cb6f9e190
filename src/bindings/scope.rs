//! Scopes: creation (options, parent, signal link, timeout), options and
//! services, spawning tasks. Disposal is in `dispose.rs`.
//!
//! A JS `Scope` (pkg-template/shim.js) holds its id; its Rust state
//! ([`ScopeEntry`]) lives in the runtime until disposal finishes, then is
//! removed together with its token and its reference on a user signal link.

use gloo_timers::callback::Timeout;
use js_sys::{Function, Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{AbortController, AbortSignal};

use super::attempt;
use super::debug;
use super::dispose::Cleanup;
use super::js;
use super::otel::{self, Span};
use super::runtime;
pub(crate) use super::scope_options::ScopeOptions;
use super::signal::{self, Linked, Listener};
use super::task::{self, Handle, TaskOptions};
use crate::core::breaker::Breaker;
use crate::core::cancel::NodeId;
use crate::core::options::{self, Limit, SCOPE_DISPOSED};
use crate::core::scope::ScopeCore;
use crate::core::semaphore::Semaphore;
use crate::core::services::Services;
use crate::core::telemetry::{self, CancelCause};

/// Options a child scope inherits unless it sets its own.
#[derive(Clone)]
pub(crate) struct Inherited {
    concurrency: Option<Limit>,
    /// `(failureThreshold, resetTimeout)` with defaults filled in.
    circuit_breaker: Option<(u32, f64)>,
    tracer: Option<JsValue>,
}

/// Rust state of a scope that has not finished disposing.
pub(crate) struct ScopeEntry {
    pub core: ScopeCore<Cleanup>,
    pub token: NodeId,
    /// The user-signal link this scope holds a reference on.
    pub link: Option<u64>,
    /// The signal view, once read.
    pub controller: Option<AbortController>,
    services: Services<JsValue>,
    /// The `services` object tasks see, made on first use, then kept in sync.
    services_obj: Option<Object>,
    /// The scope timeout, cleared on drop.
    pub timer: Option<Timeout>,
    inherited: Inherited,
    /// Resolves a disposal waiting for the last task to settle.
    pub drain: Option<Box<dyn FnOnce()>>,
    /// The JS `Scope`: told its abort reason when released unread.
    pub handle: JsValue,
    /// The `concurrency` limit's permits (each attempt takes one).
    pub sem: Option<Semaphore<u64>>,
    /// The `circuitBreaker` shared by the scope's tasks.
    pub breaker: Option<Breaker>,
    /// Tracing and debug state.
    pub tel: ScopeTelemetry,
}

/// A scope's tracing and debug state. The span exists only with a tracer;
/// `started` is read only when a span or debug output needs it.
pub(crate) struct ScopeTelemetry {
    pub span: Option<Span>,
    /// The context holding this scope's span: parent of its tasks' and child
    /// scopes' spans.
    pub ctx: Option<JsValue>,
    pub has_error: bool,
    /// Why this scope cancelled its own token (unset: a parent did).
    pub cause: Option<CancelCause>,
    /// `options.name`.
    pub name: Option<String>,
    pub started: f64,
    /// Tasks spawned so far (`task.index`).
    pub task_count: u32,
}

impl ScopeEntry {
    /// Whether a tracer is in effect.
    pub(crate) fn has_tracer(&self) -> bool {
        self.inherited.tracer.is_some()
    }

    /// The effective tracer (`undefined` if none).
    pub(crate) fn inherited_tracer(&self) -> Option<JsValue> {
        self.inherited.tracer.clone()
    }
}

impl ScopeTelemetry {
    /// The name debug lines use.
    pub(crate) fn label(&self, id: u64) -> String {
        self.name.clone().unwrap_or_else(|| format!("scope-{id}"))
    }
}

fn disposed_error(what: &str) -> JsValue {
    js::error(&format!("Cannot {what} on disposed scope"))
}

/// `new Scope(options)`. `parent` is the parent scope's id (the shim checks
/// that `options.parent` is a `Scope`).
#[wasm_bindgen(js_name = __scopeNew)]
pub fn scope_new(options: JsValue, parent: Option<f64>, handle: JsValue) -> Result<f64, JsValue> {
    let opts = ScopeOptions::read(&options)?;
    create(opts, parent.map(|p| p as u64), handle).map(|id| id as f64)
}

/// Creates a scope (also the internal ones of `race` and `parallel`).
pub(crate) fn create(
    opts: ScopeOptions,
    parent: Option<u64>,
    handle: JsValue,
) -> Result<u64, JsValue> {
    // Where the token hangs: under the parent's token, under a user signal's
    // node, or alone. `parent` wins over `signal`, as in 1.0.
    let parent_state = match parent {
        Some(p) => runtime::with(|rt| {
            rt.scopes.get(&p).map(|e| {
                (
                    e.token,
                    e.services.clone(),
                    e.inherited.clone(),
                    e.tel.ctx.clone(),
                )
            })
        })?,
        None => None,
    };
    let mut linked = None;
    let mut born_aborted = None;
    if parent.is_some() && parent_state.is_none() {
        // The parent finished disposing: its signal is aborted.
        born_aborted = Some(js::detached_error(SCOPE_DISPOSED));
    } else if parent.is_none() {
        if let Some(sig) = &opts.signal {
            match signal::link(sig)? {
                Linked::Node { node, link } => linked = Some((node, link)),
                Linked::Aborted(reason) => born_aborted = Some(reason),
            }
        }
    }

    let parent_token = parent_state.as_ref().map(|s| s.0);
    let has_parent_signal = parent_state.is_some() || opts.signal.is_some();
    let (services, inherited_from, parent_ctx) = match parent_state {
        Some((_, services, inh, ctx)) => (services, Some(inh), ctx),
        None => (Services::new(), None, None),
    };
    let inherited = Inherited {
        concurrency: match opts.concurrency {
            Some(explicit) => explicit,
            None => inherited_from.as_ref().and_then(|i| i.concurrency),
        },
        circuit_breaker: if opts.no_breaker {
            None
        } else {
            opts.circuit_breaker
                .or_else(|| inherited_from.as_ref().and_then(|i| i.circuit_breaker))
        },
        tracer: match &opts.tracer {
            Some(t) => Some(t.clone()),
            None => inherited_from.and_then(|i| i.tracer),
        },
    };

    let tracer = inherited.tracer.clone();
    let inherited_sem = inherited.concurrency;
    let inherited_breaker = inherited.circuit_breaker;
    let id = runtime::with(|rt| -> Result<u64, JsValue> {
        let token = match (parent_token, linked) {
            (Some(p), _) => rt
                .tree
                .new_child(p)
                .map_err(|_| js::internal("parent token missing"))?,
            (None, Some((node, _))) => rt
                .tree
                .new_child(node)
                .map_err(|_| js::internal("link node missing"))?,
            (None, None) => rt.tree.new_root(),
        };
        rt.last_scope_id += 1;
        let id = rt.last_scope_id;
        rt.scopes.insert(
            id,
            ScopeEntry {
                core: ScopeCore::new(),
                token,
                link: linked.map(|(_, l)| l),
                controller: None,
                services,
                services_obj: None,
                timer: None,
                inherited,
                drain: None,
                handle,
                sem: inherited_sem.map(Semaphore::new),
                breaker: inherited_breaker.map(|(t, r)| Breaker::new(t, r)),
                tel: ScopeTelemetry {
                    span: None,
                    ctx: None,
                    has_error: false,
                    cause: None,
                    name: opts.name.clone(),
                    started: 0.0,
                    task_count: 0,
                },
            },
        );
        Ok(id)
    })??;

    if let Some(reason) = born_aborted {
        let token = runtime::with(|rt| rt.scopes.get(&id).map(|e| e.token))?;
        if let Some(t) = token {
            signal::cancel(t, reason)?;
        }
    }
    if let Some(ms) = opts.timeout {
        let timer = Timeout::new(attempt::timer_ms(ms), move || on_timeout(id, ms));
        runtime::with(|rt| {
            if let Some(e) = rt.scopes.get_mut(&id) {
                e.timer = Some(timer);
            }
        })?;
    }
    if tracer.is_some() || debug::scope_on() {
        trace_created(
            id,
            tracer.as_ref(),
            &opts,
            has_parent_signal,
            parent.is_some(),
            parent_ctx,
        )?;
    }
    Ok(id)
}

/// Opens the scope's span (with a tracer) and logs its creation.
fn trace_created(
    id: u64,
    tracer: Option<&JsValue>,
    opts: &ScopeOptions,
    has_parent_signal: bool,
    has_parent: bool,
    parent_ctx: Option<JsValue>,
) -> Result<(), JsValue> {
    let started = otel::perf_now();
    let concurrency = opts.concurrency.flatten();
    let mut opened = None;
    if let Some(tracer) = tracer {
        let attrs = otel::attributes(&[
            (
                "scope.timeout",
                opts.timeout.map_or(JsValue::UNDEFINED, JsValue::from),
            ),
            ("scope.has_parent_signal", JsValue::from(has_parent_signal)),
            ("scope.has_parent_scope", JsValue::from(has_parent)),
            (
                "scope.concurrency",
                concurrency.map_or(JsValue::UNDEFINED, |c| JsValue::from(c.as_f64())),
            ),
        ]);
        let name = opts.name.as_deref().unwrap_or(telemetry::SCOPE_SPAN);
        opened = Span::start(tracer, name, attrs, parent_ctx.as_ref());
    }
    let (token, label, breaker) = runtime::with(|rt| {
        let e = rt.scopes.get_mut(&id)?;
        e.tel.started = started;
        if let Some((span, ctx)) = opened {
            e.tel.span = Some(span);
            e.tel.ctx = Some(ctx);
        }
        let breaker = e.inherited.circuit_breaker.is_some();
        Some((
            e.tel.span.as_ref().map(|_| e.token),
            e.tel.label(id),
            breaker,
        ))
    })?
    .unwrap_or((None, String::new(), false));
    // Record a parent's abort on the span (a cancel from this scope itself
    // sets its cause first). Not for a scope born aborted, as in 1.0.
    if let Some(token) = token {
        runtime::with(|rt| {
            if !rt.tree.is_cancelled(token) {
                let _ = rt.tree.add_listener(
                    token,
                    Listener::Notify(std::rc::Rc::new(move |reason: &JsValue| {
                        on_cancelled(id, reason)
                    })),
                );
            }
        })?;
    }
    debug::scope(|| {
        telemetry::lines::scope_created(
            &label,
            opts.timeout,
            has_parent_signal,
            concurrency,
            breaker,
            has_parent,
        )
    });
    Ok(())
}

/// The scope's token was cancelled: record why on its span.
fn on_cancelled(id: u64, reason: &JsValue) {
    let seen = runtime::with(|rt| {
        let e = rt.scopes.get_mut(&id)?;
        let cause = e.tel.cause.unwrap_or(CancelCause::Parent);
        let message = cause.status_message()?;
        e.tel.has_error = true;
        Some((e.tel.span.clone()?, message, cause, e.tel.label(id)))
    });
    if let Ok(Some((span, message, cause, label))) = seen {
        span.record_exception(reason);
        span.error(message);
        if cause == CancelCause::Parent {
            debug::scope(|| telemetry::lines::scope_aborted(&label));
        }
    }
}

/// The scope's `timeout` fired: abort it with `Error("timeout after Nms")`.
fn on_timeout(id: u64, ms: f64) {
    let err = js::detached_error(&options::timeout_message(ms));
    let state = runtime::with(|rt| {
        rt.scopes.get_mut(&id).map(|e| {
            if !rt.tree.is_cancelled(e.token) {
                e.tel.cause = Some(CancelCause::Timeout);
            }
            (e.token, e.timer.take(), e.tel.label(id))
        })
    });
    if let Ok(Some((token, timer, label))) = state {
        drop(timer);
        debug::scope(|| telemetry::lines::scope_timeout(&label, ms));
        let _ = signal::cancel(token, err);
    }
}

/// `scope.signal`, made on first read. `released_reason` is what a fully
/// disposed scope left on its JS object (see `finish`).
#[wasm_bindgen(js_name = __scopeSignal)]
pub fn scope_signal(id: f64, released_reason: JsValue) -> Result<AbortSignal, JsValue> {
    let id = id as u64;
    let state = runtime::with(|rt| rt.scopes.get(&id).map(|e| (e.token, e.controller.clone())))?;
    match state {
        Some((_, Some(c))) => Ok(c.signal()),
        Some((token, None)) => {
            let c = signal::make_view(token)?;
            runtime::with(|rt| {
                if let Some(e) = rt.scopes.get_mut(&id) {
                    e.controller = Some(c.clone());
                }
            })?;
            Ok(c.signal())
        }
        // Fully disposed before anyone read it: aborted with the reason the
        // scope had.
        None => {
            let c = AbortController::new()?;
            if released_reason.is_undefined() {
                c.abort_with_reason(&js::detached_error(SCOPE_DISPOSED));
            } else {
                c.abort_with_reason(&released_reason);
            }
            Ok(c.signal())
        }
    }
}

/// `scope.isDisposed`.
#[wasm_bindgen(js_name = __scopeIsDisposed)]
pub fn scope_is_disposed(id: f64) -> Result<bool, JsValue> {
    runtime::with(|rt| {
        rt.scopes
            .get(&(id as u64))
            .is_none_or(|e| e.core.is_disposed())
    })
}

/// `scope.concurrency`: the effective limit (`Infinity` when unlimited) or
/// `undefined`.
#[wasm_bindgen(js_name = __scopeConcurrency)]
pub fn scope_concurrency(id: f64) -> Result<Option<f64>, JsValue> {
    runtime::with(|rt| {
        rt.scopes
            .get(&(id as u64))
            .and_then(|e| e.inherited.concurrency)
            .map(Limit::as_f64)
    })
}

/// `scope.circuitBreaker`: `{ failureThreshold, resetTimeout }` or `undefined`.
#[wasm_bindgen(js_name = __scopeCircuitBreaker)]
pub fn scope_circuit_breaker(id: f64) -> Result<JsValue, JsValue> {
    let cb = runtime::with(|rt| {
        rt.scopes
            .get(&(id as u64))
            .and_then(|e| e.inherited.circuit_breaker)
    })?;
    let Some((threshold, reset)) = cb else {
        return Ok(JsValue::UNDEFINED);
    };
    let obj = Object::new();
    Reflect::set(&obj, &"failureThreshold".into(), &JsValue::from(threshold))?;
    Reflect::set(&obj, &"resetTimeout".into(), &JsValue::from(reset))?;
    Ok(obj.into())
}

/// `scope.tracer`: the effective tracer or `undefined`.
#[wasm_bindgen(js_name = __scopeTracer)]
pub fn scope_tracer(id: f64) -> Result<JsValue, JsValue> {
    Ok(runtime::with(|rt| {
        rt.scopes
            .get(&(id as u64))
            .and_then(|e| e.inherited.tracer.clone())
    })?
    .unwrap_or(JsValue::UNDEFINED))
}

/// `scope.task(fn, options)`: `handle` is the JS `Task` (id `task_id`) and
/// `ctx` the `{ signal, services }` argument, both made by the shim.
#[wasm_bindgen(js_name = __scopeTask)]
pub fn scope_task(
    scope: f64,
    task_id: f64,
    handle: JsValue,
    ctx: JsValue,
    f: JsValue,
    options: JsValue,
) -> Result<(), JsValue> {
    let f = match f.dyn_into::<Function>() {
        Ok(f) => f,
        Err(f) => {
            return Err(js::type_error(&format!(
                "task: fn must be a function, got {}",
                js::type_name(&f)
            )))
        }
    };
    let opts = TaskOptions::read(&options)?;
    task::spawn(
        scope as u64,
        task_id as u64,
        Handle::Js(handle),
        f,
        ctx,
        opts,
    )
}

/// The `services` object of a scope, made on first use.
#[wasm_bindgen(js_name = __scopeServices)]
pub fn scope_services(id: f64) -> Result<JsValue, JsValue> {
    let id = id as u64;
    let existing = runtime::with(|rt| {
        rt.scopes.get(&id).map(|e| match &e.services_obj {
            Some(o) => Ok(o.clone()),
            None => Err(e
                .services
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect::<Vec<_>>()),
        })
    })?;
    let entries = match existing {
        None => return Ok(Object::new().into()),
        Some(Ok(obj)) => return Ok(obj.into()),
        Some(Err(entries)) => entries,
    };
    let obj = Object::new();
    for (k, v) in entries {
        Reflect::set(&obj, &JsValue::from_str(&k), &v)?;
    }
    runtime::with(|rt| {
        if let Some(e) = rt.scopes.get_mut(&id) {
            e.services_obj = Some(obj.clone());
        }
    })?;
    Ok(obj.into())
}

/// `scope.provide(key, factory, cleanup?)`.
#[wasm_bindgen(js_name = __scopeProvide)]
pub fn scope_provide(
    id: f64,
    key: JsValue,
    factory: JsValue,
    cleanup: JsValue,
) -> Result<(), JsValue> {
    let id = id as u64;
    let Some(key) = key.as_string() else {
        return Err(js::type_error(&format!(
            "provide: key must be a string, got {}",
            js::type_name(&key)
        )));
    };
    let Some(factory) = factory.dyn_ref::<Function>() else {
        return Err(js::type_error(&format!(
            "provide: factory must be a function, got {}",
            js::type_name(&factory)
        )));
    };
    let cleanup = if cleanup.is_undefined() || cleanup.is_null() {
        None
    } else {
        match cleanup.dyn_into::<Function>() {
            Ok(f) => Some(f),
            Err(v) => {
                return Err(js::type_error(&format!(
                    "provide: cleanup must be a function, got {}",
                    js::type_name(&v)
                )))
            }
        }
    };
    if scope_is_disposed(id as f64)? {
        return Err(disposed_error("provide service"));
    }
    let value = js::try_call(factory, &JsValue::UNDEFINED, &JsValue::UNDEFINED)?;
    let added = runtime::with(|rt| {
        let Some(e) = rt.scopes.get_mut(&id) else {
            return Err(cleanup);
        };
        if e.core.is_disposed() {
            return Err(cleanup);
        }
        e.services.insert(key.clone(), value.clone());
        if let Some(c) = cleanup {
            let _ = e.core.push_cleanup(Cleanup::Service {
                cleanup: c,
                value: value.clone(),
            });
        }
        Ok(e.services_obj.clone())
    })?;
    match added {
        Ok(Some(obj)) => {
            Reflect::set(&obj, &JsValue::from_str(&key), &value)?;
            Ok(())
        }
        Ok(None) => Ok(()),
        // The factory disposed the scope: clean the new value up at once.
        Err(cleanup) => {
            if let Some(c) = cleanup {
                let _ = js::try_call(&c, &value, &JsValue::UNDEFINED);
            }
            Err(disposed_error("provide service"))
        }
    }
}

/// `scope.use(key)`: the service or `undefined`.
#[wasm_bindgen(js_name = __scopeUse)]
pub fn scope_use(id: f64, key: JsValue) -> Result<JsValue, JsValue> {
    let found = runtime::with(|rt| match rt.scopes.get(&(id as u64)) {
        Some(e) if !e.core.is_disposed() => {
            Some(key.as_string().and_then(|k| e.services.get(&k).cloned()))
        }
        _ => None,
    })?;
    match found {
        Some(v) => Ok(v.unwrap_or(JsValue::UNDEFINED)),
        None => Err(disposed_error("use service")),
    }
}
