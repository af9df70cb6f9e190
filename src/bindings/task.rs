//! Tasks: spawn, run `fn`, per-attempt timeout, settle, signal view, detach.
//!
//! A JS `Task` (pkg-template/shim.js) is a plain object holding its id. Its
//! Rust state ([`TaskEntry`]) lives in the runtime from spawn to settle and
//! is removed at settle, so memory never waits for the garbage collector.
//!
//! Settling goes: record the outcome, remove the entry and its token, tell
//! the scope (which may wake a waiting disposal), release the borrow, then
//! call out to JS (resolve the Task, resolve the disposal).

use gloo_timers::callback::Timeout;
use js_sys::Function;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{AbortController, AbortSignal};

use super::js;
use super::runtime;
use super::signal;
use crate::core::cancel::NodeId;
use crate::core::options;
use crate::core::task::{Outcome, TaskCore};

/// Rust state of a task that has not settled.
pub(crate) struct TaskEntry {
    core: TaskCore<JsValue, JsValue>,
    /// The scope that spawned it (its `running` count includes this task).
    scope: u64,
    token: NodeId,
    /// The JS `Task` object, settled through `js::settle_task`.
    handle: JsValue,
    /// The signal view, once read.
    controller: Option<AbortController>,
    /// The per-attempt timeout, cleared on drop.
    timer: Option<Timeout>,
    /// `fn` has been called.
    started: bool,
}

/// Options of `s.task(fn, options)`, read before any borrow (getters on the
/// options object are user code).
pub(crate) struct TaskOptions {
    pub timeout: Option<f64>,
    pub on_cleanup: Option<Function>,
}

impl TaskOptions {
    pub(crate) fn read(options: &JsValue) -> Result<TaskOptions, JsValue> {
        let Some(obj) = js::options_object("task", options)? else {
            return Ok(TaskOptions {
                timeout: None,
                on_cleanup: None,
            });
        };
        let timeout = match js::optional_number(&obj, "timeout", "task")? {
            Some(ms) => {
                options::duration_ms("timeout", ms).map_err(|e| js::option_error("task", &e))?
            }
            None => None,
        };
        let cleanup = js::get(&obj, "onCleanup")?;
        let on_cleanup = if cleanup.is_undefined() || cleanup.is_null() {
            None
        } else if cleanup.is_function() {
            Some(cleanup.unchecked_into())
        } else {
            return Err(js::type_error(&format!(
                "task: options.onCleanup must be a function, got {}",
                js::type_name(&cleanup)
            )));
        };
        // `retry` and `otel` are accepted here; their behaviour comes with
        // the resilience and tracing work.
        Ok(TaskOptions {
            timeout,
            on_cleanup,
        })
    }
}

/// The two callbacks every watched promise reports to, made once.
struct Watchers {
    ok: Closure<dyn Fn(f64, JsValue)>,
    err: Closure<dyn Fn(f64, JsValue)>,
}

thread_local! {
    static WATCHERS: Watchers = Watchers {
        ok: Closure::new(|id: f64, v: JsValue| settle(id as u64, Outcome::Ok(v))),
        err: Closure::new(|id: f64, e: JsValue| settle(id as u64, Outcome::Err(e))),
    };
}

/// Next task id (unique, increasing); the shim asks first so that the JS
/// `Task` can exist before `fn` runs.
#[wasm_bindgen(js_name = __nextTaskId)]
pub fn next_task_id() -> Result<f64, JsValue> {
    runtime::with(|rt| rt.task_ids.next_id() as f64)
}

/// Registers a spawned task with its scope and token. Returns the token.
pub(crate) fn register(
    scope: u64,
    id: u64,
    handle: JsValue,
    opts: &TaskOptions,
) -> Result<NodeId, JsValue> {
    runtime::with(|rt| -> Result<NodeId, JsValue> {
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
        if let Some(cleanup) = &opts.on_cleanup {
            // Task cleanups never fail a disposal (1.0 swallows their errors).
            let _ = entry
                .core
                .push_cleanup(super::scope::Cleanup::Task(cleanup.clone()));
        }
        rt.tasks.insert(
            id,
            TaskEntry {
                core: TaskCore::new(id),
                scope,
                token,
                handle,
                controller: None,
                timer: None,
                started: false,
            },
        );
        Ok(token)
    })?
}

/// Runs a registered task: arms its timeout, calls `fn(ctx)` with no borrow
/// held, and watches what it returns.
pub(crate) fn run(id: u64, f: &Function, ctx: &JsValue, timeout: Option<f64>) {
    let timer = timeout.map(|ms| Timeout::new(timer_ms(ms), move || on_timeout(id, ms)));
    let _ = runtime::with(|rt| {
        if let Some(t) = rt.tasks.get_mut(&id) {
            t.timer = timer;
            t.started = true;
        }
    });
    match f.call1(&JsValue::UNDEFINED, ctx) {
        Err(e) => settle(id, Outcome::Err(e)),
        Ok(v) if js::is_thenable(&v) => WATCHERS.with(|w| {
            js::watch(
                &v,
                id as f64,
                w.ok.as_ref().unchecked_ref(),
                w.err.as_ref().unchecked_ref(),
            )
        }),
        Ok(v) => settle(id, Outcome::Ok(v)),
    }
}

/// setTimeout's delay: whole ms, clamped to what timers accept (2^31 - 1).
pub(crate) fn timer_ms(ms: f64) -> u32 {
    ms.ceil().clamp(0.0, 2_147_483_647.0) as u32
}

/// The attempt ran out of time: abort the task's own signal with the
/// timeout error (so its work really stops), then fail the task with it.
fn on_timeout(id: u64, ms: f64) {
    let err = js::error(&options::timeout_message(ms));
    let token = runtime::with(|rt| rt.tasks.get_mut(&id).map(|t| (t.token, t.timer.take())));
    if let Ok(Some((token, timer))) = token {
        drop(timer);
        let _ = signal::cancel(token, err.clone());
        settle(id, Outcome::Err(err));
    }
}

/// Settles task `id` with `outcome` (once; later outcomes are dropped) and
/// releases its Rust state.
pub(crate) fn settle(id: u64, outcome: Outcome<JsValue, JsValue>) {
    let taken = runtime::with(|rt| {
        let mut entry = rt.tasks.remove(&id)?;
        if entry.core.settle(outcome).is_err() {
            return None; // invariant #1 of core::task: already settled
        }
        let outcome = entry.core.take_outcome()?;
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
        Some((entry.handle, outcome, entry.timer.take(), drained))
    });
    let Ok(Some((handle, outcome, timer, drained))) = taken else {
        return;
    };
    drop(timer);
    match outcome {
        Outcome::Ok(v) => js::settle_task(&handle, &JsValue::UNDEFINED, &v),
        Outcome::Err(e) => js::settle_task(&handle, &e, &JsValue::UNDEFINED),
    }
    if let Some(resolve) = drained {
        let _ = resolve.call0(&JsValue::UNDEFINED);
    }
}

/// `task.signal`: the task's AbortSignal, made on first read.
#[wasm_bindgen(js_name = __taskSignal)]
pub fn task_signal(id: f64) -> Result<AbortSignal, JsValue> {
    let id = id as u64;
    let state = runtime::with(|rt| rt.tasks.get(&id).map(|t| (t.token, t.controller.clone())))?;
    match state {
        Some((_, Some(c))) => Ok(c.signal()),
        Some((token, None)) => {
            let c = signal::make_view(token)?;
            runtime::with(|rt| {
                if let Some(t) = rt.tasks.get_mut(&id) {
                    t.controller = Some(c.clone());
                }
            })?;
            Ok(c.signal())
        }
        // Settled before anyone asked: a signal that nothing will abort.
        None => Ok(AbortController::new()?.signal()),
    }
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
                let _ = rt.tree.remove(t.token);
                let token = rt.tree.new_root();
                for l in listeners {
                    let _ = rt.tree.add_listener(token, l);
                }
                t.token = token;
            }
        }
    })
}

/// `task.isStarted`: whether `fn` has been called (a settled task has).
#[wasm_bindgen(js_name = __taskIsStarted)]
pub fn task_is_started(id: f64) -> Result<bool, JsValue> {
    runtime::with(|rt| rt.tasks.get(&(id as u64)).is_none_or(|t| t.started))
}
