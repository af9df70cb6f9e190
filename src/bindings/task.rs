//! Tasks: spawn, settle, signal views, detach. The per-attempt pipeline
//! (timeout, retry, permit, breaker, `fn`) is in `attempt.rs`.
//!
//! A JS `Task` (pkg-template/shim.js) is a plain object holding its id. Its
//! Rust state ([`TaskEntry`]) lives in the runtime from spawn to settle and
//! is removed at settle, so memory never waits for the garbage collector.
//!
//! Settling goes: record the outcome, remove the entry and its tokens, tell
//! the scope (which may wake a waiting disposal), release the borrow, then
//! call out to JS (resolve the Task, resolve the disposal).

use std::rc::Rc;

use gloo_timers::callback::Timeout;
use js_sys::Function;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{AbortController, AbortSignal};

use super::attempt::{self, Phase};
use super::debug;
use super::js;
use super::otel::Span;
use super::runtime;
use super::signal::{self, Listener};
pub(crate) use super::task_options::{Delay, RetrySpec, TaskOptions};
use crate::core::breaker::CircuitState;
use crate::core::cancel::NodeId;
use crate::core::task::{Outcome, TaskCore};
use crate::core::telemetry::{task_attrs, Attr, ErrorReason};

/// Who hears of the task's Result.
pub(crate) enum Handle {
    /// The JS `Task` object, settled through `js::settle_task`.
    Js(JsValue),
    /// An internal task (race, parallel): called with `(error, value)`.
    Internal(Rc<dyn Fn(JsValue, JsValue)>),
}

/// Rust state of a task that has not settled.
pub(crate) struct TaskEntry {
    pub core: TaskCore<JsValue, JsValue>,
    /// The scope that spawned it (its `running` count includes this task).
    pub scope: u64,
    /// The task's own node: aborted with its scope.
    pub token: NodeId,
    pub handle: Handle,
    /// The view of `token`, once read.
    pub controller: Option<AbortController>,
    /// `fn` has been called.
    pub started: bool,
    /// `fn` and its argument, kept for a queued start and for retries
    /// (taken, not cloned, by a task's only attempt).
    pub f: Option<Function>,
    pub ctx: JsValue,
    pub timeout: Option<f64>,
    pub retry: Option<Rc<RetrySpec>>,
    /// Attempts started so far (the current one's number).
    pub attempt: u32,
    /// The current attempt's node: `token` itself, or a child of it when
    /// attempts can time out and be retried (each needs its own signal).
    pub attempt_token: NodeId,
    pub attempt_controller: Option<AbortController>,
    pub phase: Phase,
    /// The attempt timeout or the retry delay, cleared on drop.
    pub timer: Option<Timeout>,
    /// A `Listener::Task` is registered on `token`.
    pub listening: bool,
    /// The task's span (with a tracer).
    pub span: Option<Span>,
    /// Why the current attempt failed, when the binding knows better than
    /// "exception" (timeout, breaker, abort).
    pub failure: ErrorReason,
    /// When the task started (read only for debug output).
    pub started_at: f64,
}

/// Next task id (unique, increasing); the shim asks first so that the JS
/// `Task` can exist before `fn` runs.
#[wasm_bindgen(js_name = __nextTaskId)]
pub fn next_task_id() -> Result<f64, JsValue> {
    runtime::with(|rt| rt.task_ids.next_id() as f64)
}

/// Registers a task with its scope, opens its span (with a tracer) and
/// starts its first attempt.
pub(crate) fn spawn(
    scope: u64,
    id: u64,
    handle: Handle,
    f: Function,
    ctx: JsValue,
    opts: TaskOptions,
) -> Result<(), JsValue> {
    let trace = TraceInfo::of(&opts);
    let info = register(scope, id, handle, f, ctx, opts, true)?;
    if let Some((f, ctx)) = &info.plain {
        attempt::invoke(id, 1, f, ctx);
        return Ok(());
    }
    trace_task(id, &info, &trace)?;
    attempt::start(id);
    Ok(())
}

/// The task options its span reports.
pub(crate) struct TraceInfo {
    name: Option<String>,
    attributes: Option<js_sys::Object>,
    /// `(maxRetries, has a delay, has a retryCondition)` with `retry`.
    retry: Option<(u32, bool, bool)>,
    timeout: Option<f64>,
}

impl TraceInfo {
    pub(crate) fn of(opts: &TaskOptions) -> TraceInfo {
        TraceInfo {
            name: opts.otel_name.clone(),
            attributes: opts.otel_attributes.clone(),
            retry: opts.retry.as_ref().map(|r| {
                let has_delay = match r.delay {
                    Delay::Fixed(ms) => ms != 0.0,
                    Delay::Computed(_) => true,
                };
                (r.policy.max_retries, has_delay, r.condition.is_some())
            }),
            timeout: opts.timeout,
        }
    }
}

/// Opens a registered task's span when its scope has a tracer.
fn trace_task(id: u64, info: &Registered, trace: &TraceInfo) -> Result<(), JsValue> {
    let Some(tracer) = &info.tracer else {
        return Ok(());
    };
    let mut pairs = vec![
        ("task.index", JsValue::from(info.index)),
        ("task.has_retry", JsValue::from(trace.retry.is_some())),
        ("task.has_timeout", JsValue::from(trace.timeout.is_some())),
        ("task.has_circuit_breaker", JsValue::from(info.breaker)),
        (
            "task.scope_concurrency",
            JsValue::from(info.concurrency.map_or(0.0, |c| c.as_f64())),
        ),
    ];
    if let Some(ms) = trace.timeout {
        pairs.push(("task.timeout_ms", JsValue::from(ms)));
    }
    let attrs = super::otel::attributes(&pairs);
    if let Some(user) = &trace.attributes {
        let _ = js_sys::Object::assign(&attrs, user);
    }
    let name = trace
        .name
        .as_deref()
        .unwrap_or(crate::core::telemetry::TASK_SPAN);
    if let Some((span, _)) = Span::start(tracer, name, attrs, info.ctx.as_ref()) {
        // What 1.0 sets as the task starts: the breaker's state, then the
        // retry configuration.
        let mut start: Vec<Attr> = Vec::new();
        if let Some((state, failures)) = info.breaker_state {
            start.extend(task_attrs::breaker_at_start(state, failures));
        }
        if let Some((max, delay, condition)) = trace.retry {
            start.extend(task_attrs::retry_at_start(max, delay, condition));
        }
        if !start.is_empty() {
            span.set(&start);
        }
        runtime::with(|rt| {
            if let Some(t) = rt.tasks.get_mut(&id) {
                t.span = Some(span);
            }
        })?;
    }
    Ok(())
}

/// What tracing needs to know of the scope a task was registered in.
pub(crate) struct Registered {
    /// A plain task (see `attempt::plain`), already running: call this.
    pub plain: Option<(Function, JsValue)>,
    pub index: u32,
    pub tracer: Option<JsValue>,
    pub ctx: Option<JsValue>,
    pub concurrency: Option<crate::core::options::Limit>,
    pub breaker: bool,
    /// The breaker's state and failure count as the task starts (only
    /// read when traced).
    pub breaker_state: Option<(CircuitState, u32)>,
}

/// Registers a task: checks the scope, makes its token, counts it running.
pub(crate) fn register(
    scope: u64,
    id: u64,
    handle: Handle,
    f: Function,
    ctx: JsValue,
    opts: TaskOptions,
    allow_plain: bool,
) -> Result<Registered, JsValue> {
    let started_at = if debug::task_on() {
        super::otel::perf_now()
    } else {
        0.0
    };
    runtime::with(|rt| -> Result<Registered, JsValue> {
        let rt = &mut *rt;
        let entry = rt
            .scopes
            .get_mut(&scope)
            .ok_or_else(|| js::error(&crate::core::scope::SpawnError::Disposed.to_string()))?;
        let cancelled = rt.tree.is_cancelled(entry.token);
        entry
            .core
            .check_spawn(cancelled)
            .map_err(|e| js::error(&e.to_string()))?;
        let token = rt
            .tree
            .new_child(entry.token)
            .map_err(|_| js::internal("scope token missing"))?;
        entry
            .core
            .task_started()
            .map_err(|e| js::error(&e.to_string()))?;
        entry.tel.task_count += 1;
        let plain = allow_plain
            && attempt::plain(
                opts.timeout.is_some(),
                opts.retry.is_some(),
                entry.sem.is_some(),
                entry.breaker.is_some(),
                entry.has_tracer(),
            );
        let mut info = Registered {
            plain: None,
            index: entry.tel.task_count,
            tracer: entry.inherited_tracer(),
            ctx: entry.tel.ctx.clone(),
            concurrency: entry.sem.as_ref().map(|s| s.total()),
            breaker: entry.breaker.is_some(),
            breaker_state: match (&entry.breaker, entry.has_tracer()) {
                (Some(b), true) => Some((b.state(js_sys::Date::now()), b.failures())),
                _ => None,
            },
        };
        if let Some(cleanup) = opts.on_cleanup {
            // Task cleanups never fail a disposal (1.0 swallows their errors).
            let _ = entry
                .core
                .push_cleanup(super::dispose::Cleanup::Task(cleanup));
        }
        rt.tasks.insert(
            id,
            TaskEntry {
                core: TaskCore::new(id),
                scope,
                token,
                handle,
                controller: None,
                started: false,
                f: Some(f),
                ctx,
                timeout: opts.timeout,
                retry: opts.retry.map(Rc::new),
                attempt: 0,
                attempt_token: token,
                attempt_controller: None,
                phase: Phase::Idle,
                timer: None,
                listening: false,
                span: None,
                failure: ErrorReason::Exception,
                started_at,
            },
        );
        if plain {
            info.plain = rt.tasks.get_mut(&id).and_then(attempt::begin_plain);
        }
        Ok(info)
    })?
}

/// Settles task `id` with `outcome` (once; later outcomes are dropped) and
/// releases its Rust state.
pub(crate) fn settle(id: u64, outcome: Outcome<JsValue, JsValue>) {
    let taken = runtime::with(|rt| {
        let rt = &mut *rt;
        let mut entry = rt.tasks.remove(&id)?;
        if entry.core.settle(outcome).is_err() {
            return None; // invariant #1 of core::task: already settled
        }
        let outcome = entry.core.take_outcome()?;
        let scope = rt.scopes.get_mut(&entry.scope);
        // A settle that bypassed the attempt's end (abort while queued or
        // delaying) gives back what the phase held.
        let grant = match (std::mem::replace(&mut entry.phase, Phase::Idle), scope) {
            (Phase::WaitingPermit(key), Some(s)) => s
                .sem
                .as_mut()
                .and_then(|sem| attempt::leave_queue(sem, key)),
            (Phase::Running { permit: true, .. }, Some(s)) => {
                s.sem.as_mut().and_then(|sem| sem.release())
            }
            _ => None,
        };
        // An "exception" on an aborted signal is reported as "aborted".
        if entry.failure == ErrorReason::Exception
            && (rt.tree.is_cancelled(entry.attempt_token) || rt.tree.is_cancelled(entry.token))
        {
            entry.failure = ErrorReason::Aborted;
        }
        if entry.attempt_token != entry.token {
            let _ = rt.tree.remove(entry.attempt_token);
        }
        let _ = rt.tree.remove(entry.token);
        let drained = match rt.scopes.get_mut(&entry.scope) {
            Some(s) => {
                if s.core.task_settled() {
                    s.drain.take()
                } else {
                    None
                }
            }
            None => None,
        };
        Some((entry, outcome, grant, drained))
    });
    let Ok(Some((entry, outcome, grant, drained))) = taken else {
        return;
    };
    drop(entry.timer);
    let failed = matches!(outcome, Outcome::Err(_));
    let (err, value) = match outcome {
        Outcome::Ok(v) => (JsValue::UNDEFINED, v),
        Outcome::Err(e) => (e, JsValue::UNDEFINED),
    };
    if let Some(span) = entry.span {
        let error = failed.then_some((&err, entry.failure));
        super::otel::end_task(span, error, entry.attempt.saturating_sub(1));
    }
    if debug::task_on() {
        let duration = super::otel::perf_now() - entry.started_at;
        debug::task(|| {
            crate::core::telemetry::lines::task_settled(&format!("task-{id}"), !failed, duration)
        });
    }
    match entry.handle {
        Handle::Js(h) => js::settle_task(&h, &err, &value),
        Handle::Internal(cb) => cb(err, value),
    }
    if let Some(next) = grant {
        attempt::grant(next);
    }
    if let Some(resume) = drained {
        resume();
    }
}

/// Makes (once) and returns the view of a task node; `attempt` picks the
/// current attempt's node instead of the task's.
fn view(id: u64, attempt: bool) -> Result<AbortSignal, JsValue> {
    let state = runtime::with(|rt| {
        rt.tasks.get(&id).map(|t| {
            if attempt && t.attempt_token != t.token {
                (t.attempt_token, t.attempt_controller.clone(), true)
            } else {
                (t.token, t.controller.clone(), false)
            }
        })
    })?;
    match state {
        Some((_, Some(c), _)) => Ok(c.signal()),
        Some((node, None, is_attempt)) => {
            let c = signal::make_view(node)?;
            runtime::with(|rt| {
                if let Some(t) = rt.tasks.get_mut(&id) {
                    if is_attempt {
                        t.attempt_controller = Some(c.clone());
                    } else {
                        t.controller = Some(c.clone());
                    }
                }
            })?;
            Ok(c.signal())
        }
        // Settled before anyone asked: a signal that nothing will abort.
        None => Ok(AbortController::new()?.signal()),
    }
}

/// `task.signal`: the task's AbortSignal, made on first read.
#[wasm_bindgen(js_name = __taskSignal)]
pub fn task_signal(id: f64) -> Result<AbortSignal, JsValue> {
    view(id as u64, false)
}

/// The `signal` a task function sees when its attempts have their own
/// (retry with timeout); `undefined` means "the task's signal".
#[wasm_bindgen(js_name = __attemptSignal)]
pub fn attempt_signal(id: f64) -> Result<Option<AbortSignal>, JsValue> {
    let own = runtime::with(|rt| {
        rt.tasks
            .get(&(id as u64))
            .is_some_and(|t| t.attempt_token != t.token)
    })?;
    if own {
        view(id as u64, true).map(Some)
    } else {
        Ok(None)
    }
}

/// `task.isStarted`: whether `fn` has been called (a settled task has).
#[wasm_bindgen(js_name = __taskIsStarted)]
pub fn task_is_started(id: f64) -> Result<bool, JsValue> {
    runtime::with(|rt| rt.tasks.get(&(id as u64)).is_none_or(|t| t.started))
}

/// `task[Symbol.dispose]()`: detach a pending task from its scope's signal
/// (scope abort no longer reaches it). No effect on a settled task.
#[wasm_bindgen(js_name = __taskDetach)]
pub fn task_detach(id: f64) -> Result<(), JsValue> {
    runtime::with(|rt| {
        let rt = &mut *rt;
        if let Some(t) = rt.tasks.get_mut(&(id as u64)) {
            if !rt.tree.is_cancelled(t.token) {
                let listeners = rt.tree.take_listeners(t.token);
                let old = t.token;
                let token = rt.tree.new_root();
                // The attempt node (if separate) moves under the new root.
                if t.attempt_token != old {
                    let attempt_listeners = rt.tree.take_listeners(t.attempt_token);
                    let _ = rt.tree.remove(t.attempt_token);
                    if let Ok(a) = rt.tree.new_child(token) {
                        for l in attempt_listeners {
                            let _ = rt.tree.add_listener(a, l);
                        }
                        t.attempt_token = a;
                    }
                } else {
                    t.attempt_token = token;
                }
                let _ = rt.tree.remove(old);
                for l in listeners {
                    let _ = rt.tree.add_listener(token, l);
                }
                t.token = token;
            }
        }
    })
}

/// Registers `Listener::Task(id)` on the task's node once, so that a scope
/// abort reaches a task that waits (for a permit or a retry delay).
pub(crate) fn listen(rt: &mut runtime::Runtime, id: u64) -> Option<JsValue> {
    let t = rt.tasks.get_mut(&id)?;
    if t.listening {
        return None;
    }
    t.listening = true;
    match rt.tree.add_listener(t.token, Listener::Task(id)) {
        Ok(()) => None,
        Err(crate::core::cancel::AddListenerError::Cancelled(_, reason)) => Some(reason.value()),
        Err(crate::core::cancel::AddListenerError::Unknown(_)) => None,
    }
}

/// Spawns `factory` as an internal task of `scope` (race, parallel, poll):
/// its argument is its AbortSignal, which also has `signal` (itself) and
/// `services` properties, so both `(signal) => fetch(url, { signal })` and
/// `({ signal, services }) => …` work.
pub(crate) fn spawn_factory(
    scope: u64,
    factory: Function,
    services: &JsValue,
    on_settle: Rc<dyn Fn(JsValue, JsValue)>,
) -> Result<(), JsValue> {
    let factory_len = factory.length();
    let id = runtime::with(|rt| rt.task_ids.next_id())?;
    let trace = TraceInfo::of(&TaskOptions::NONE);
    let info = register(
        scope,
        id,
        Handle::Internal(on_settle),
        factory,
        JsValue::UNDEFINED,
        TaskOptions::NONE,
        false,
    )?;
    trace_task(id, &info, &trace)?;
    // A factory that declares no parameter gets no argument, and so costs
    // no AbortController (`() => fetch(url)`).
    if factory_len > 0 {
        let sig = view(id, false)?;
        let arg = js::factory_arg(&sig, services);
        runtime::with(|rt| {
            if let Some(t) = rt.tasks.get_mut(&id) {
                t.ctx = arg;
            }
        })?;
    }
    attempt::start(id);
    Ok(())
}

/// Reads a list of factories: an array of functions.
pub(crate) fn read_factories(context: &str, factories: &JsValue) -> Result<Vec<Function>, JsValue> {
    if !js_sys::Array::is_array(factories) {
        return Err(js::type_error(&format!(
            "{context}: factories must be an array, got {}",
            js::type_name(factories)
        )));
    }
    let arr: &js_sys::Array = factories.unchecked_ref();
    arr.iter()
        .enumerate()
        .map(|(i, f)| {
            f.dyn_into::<Function>().map_err(|v| {
                js::type_error(&format!(
                    "{context}: factories[{i}] must be a function, got {}",
                    js::type_name(&v)
                ))
            })
        })
        .collect()
}
