//! `poll(fn, onValue, options)` and `s.poll(...)`: the binding of
//! [`crate::core::poll`].
//!
//! The core decides when to call; this file carries its steps out: arms a
//! `gloo_timers` [`Timeout`] (dropping it clears the timer), calls `fn` and
//! `onValue` with no borrow held, and watches the promises they return.
//!
//! A poll's Rust state ([`PollEntry`]) lives until the poll dies (its
//! signal, or its scope's, aborts): then the entry is removed, its timer and
//! abort listener dropped, the in-flight call's signal aborted, and the final
//! status left on the JS controller (`_dead`) for later `status()` calls.
//! A poll without a signal lives as long as it can be restarted.

use gloo_timers::callback::Timeout;
use js_sys::{Function, Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{AbortController, AbortSignal};

use super::attempt::timer_ms;
use super::js;
use super::runtime;
use super::signal::AbortWatch;
use crate::core::poll::{self, PollCore, Status, Step};

#[wasm_bindgen(inline_js = "export function now() { return performance.now(); }")]
extern "C" {
    /// `performance.now()`: 1.0's clock for `lastPollTime`/`nextPollTime`.
    fn now() -> f64;
}

/// Rust state of a live poll.
pub(crate) struct PollEntry {
    core: PollCore,
    f: Function,
    on_value: Function,
    /// What `fn` receives: the poll's AbortSignal, with own properties
    /// `signal` (itself) and `services`, so both call shapes work.
    arg: JsValue,
    /// Aborted when the poll dies: the in-flight call sees it.
    controller: AbortController,
    /// The armed timer, cleared on drop.
    timer: Option<Timeout>,
    /// The abort listener on the poll's signal, removed on drop.
    watch: Option<AbortWatch>,
    /// The JS controller, told its final status when the poll dies.
    handle: JsValue,
}

/// The four callbacks every watched `fn`/`onValue` promise reports to.
struct Watchers {
    fn_ok: Closure<dyn Fn(f64, f64, JsValue)>,
    fn_err: Closure<dyn Fn(f64, f64, JsValue)>,
    value_ok: Closure<dyn Fn(f64, f64, JsValue)>,
    value_err: Closure<dyn Fn(f64, f64, JsValue)>,
}

thread_local! {
    static WATCHERS: Watchers = Watchers {
        fn_ok: Closure::new(|id: f64, _: f64, v: JsValue| got_value(id as u64, v)),
        fn_err: Closure::new(|id: f64, _: f64, _e: JsValue| finish(id as u64, true)),
        value_ok: Closure::new(|id: f64, _: f64, _v: JsValue| finish(id as u64, false)),
        value_err: Closure::new(|id: f64, _: f64, _e: JsValue| finish(id as u64, true)),
    };
}

fn function_arg(name: &str, v: &JsValue) -> Result<Function, JsValue> {
    v.dyn_ref::<Function>().cloned().ok_or_else(|| {
        js::type_error(&format!(
            "poll: {name} must be a function, got {}",
            js::type_name(v)
        ))
    })
}

/// Options of `poll`, read before any borrow (getters are user code).
struct PollOptions {
    interval: f64,
    immediate: bool,
    signal: Option<AbortSignal>,
}

impl PollOptions {
    fn read(options: &JsValue, scope_signal: &JsValue) -> Result<PollOptions, JsValue> {
        let mut out = PollOptions {
            interval: poll::DEFAULT_INTERVAL_MS,
            immediate: true,
            signal: None,
        };
        let obj = js::options_object("poll", options)?;
        if let Some(obj) = &obj {
            if let Some(ms) = js::optional_number(obj, "interval", "poll")? {
                out.interval = poll::interval_ms(ms).map_err(|e| js::option_error("poll", &e))?;
            }
            let imm = js::get(obj, "immediate")?;
            if !imm.is_undefined() && !imm.is_null() {
                out.immediate = imm.is_truthy();
            }
        }
        // `s.poll` always uses the scope's signal, as 1.0's spread does.
        let sig = match (scope_signal.is_undefined(), &obj) {
            (false, _) => scope_signal.clone(),
            (true, Some(obj)) => js::get(obj, "signal")?,
            (true, None) => JsValue::UNDEFINED,
        };
        out.signal = js::optional_signal("poll: options.signal", sig)?;
        Ok(out)
    }
}

/// Creates a stopped poll and returns its id; the shim then calls
/// [`poll_launch`]. `scope_signal` is the scope's signal for `s.poll` (else
/// `undefined`), `services` the scope's services (or `undefined`). An
/// already-aborted signal throws its reason, as in 1.0.
#[wasm_bindgen(js_name = __pollNew)]
pub fn poll_new(
    handle: JsValue,
    f: JsValue,
    on_value: JsValue,
    options: JsValue,
    scope_signal: JsValue,
    services: JsValue,
) -> Result<f64, JsValue> {
    let f = function_arg("fn", &f)?;
    let on_value = function_arg("onValue", &on_value)?;
    let opts = PollOptions::read(&options, &scope_signal)?;
    if let Some(s) = &opts.signal {
        if s.aborted() {
            return Err(s.reason());
        }
    }
    let controller = AbortController::new()?;
    let arg: JsValue = controller.signal().into();
    Reflect::set(&arg, &JsValue::from_str("signal"), &arg)?;
    Reflect::set(&arg, &JsValue::from_str("services"), &services)?;
    let id = runtime::with(|rt| {
        rt.last_poll_id += 1;
        let id = rt.last_poll_id;
        rt.polls.insert(
            id,
            PollEntry {
                core: PollCore::new(opts.interval, opts.immediate),
                f,
                on_value,
                arg,
                controller,
                timer: None,
                watch: None,
                handle,
            },
        );
        id
    })?;
    if let Some(s) = &opts.signal {
        let watch = AbortWatch::new(s, move |reason| kill(id, reason))?;
        runtime::with(|rt| {
            if let Some(e) = rt.polls.get_mut(&id) {
                e.watch = Some(watch);
            }
        })?;
    }
    Ok(id as f64)
}

/// Right after creation (the JS controller knows its id by now): starts the
/// poll when `immediate`, else leaves it stopped until `start()`.
#[wasm_bindgen(js_name = __pollLaunch)]
pub fn poll_launch(id: f64) -> Result<(), JsValue> {
    let id = id as u64;
    let t = now();
    let step = runtime::with(|rt| rt.polls.get_mut(&id).map(|e| e.core.launch(t)))?;
    if let Some(step) = step {
        act(id, step);
    }
    Ok(())
}

/// `controller.start()`: resumes (or first starts) polling; no-op when
/// running or dead.
#[wasm_bindgen(js_name = __pollStart)]
pub fn poll_start(id: f64) -> Result<(), JsValue> {
    let id = id as u64;
    let t = now();
    let step = runtime::with(|rt| rt.polls.get_mut(&id).map(|e| e.core.start(t)))?;
    if let Some(step) = step {
        act(id, step);
    }
    Ok(())
}

/// `controller.stop()`: no further calls until `start()`; a call in flight
/// runs to its end.
#[wasm_bindgen(js_name = __pollStop)]
pub fn poll_stop(id: f64) -> Result<(), JsValue> {
    let timer = runtime::with(|rt| {
        rt.polls.get_mut(&(id as u64)).and_then(|e| {
            e.core.stop();
            e.timer.take()
        })
    })?;
    drop(timer);
    Ok(())
}

/// `controller.status()`, or `undefined` once the poll died (the shim then
/// reports the final status it was given).
#[wasm_bindgen(js_name = __pollStatus)]
pub fn poll_status(id: f64) -> Result<JsValue, JsValue> {
    let t = now();
    let status = runtime::with(|rt| rt.polls.get(&(id as u64)).map(|e| e.core.status(t)))?;
    match status {
        Some(s) => status_object(&s),
        None => Ok(JsValue::UNDEFINED),
    }
}

fn status_object(s: &Status) -> Result<JsValue, JsValue> {
    let obj = Object::new();
    let opt = |v: Option<f64>| v.map_or(JsValue::UNDEFINED, JsValue::from_f64);
    Reflect::set(&obj, &"running".into(), &JsValue::from_bool(s.running))?;
    Reflect::set(
        &obj,
        &"pollCount".into(),
        &JsValue::from_f64(s.poll_count as f64),
    )?;
    Reflect::set(
        &obj,
        &"timeUntilNext".into(),
        &JsValue::from_f64(s.time_until_next),
    )?;
    Reflect::set(&obj, &"lastPollTime".into(), &opt(s.last_poll_time))?;
    Reflect::set(&obj, &"nextPollTime".into(), &opt(s.next_poll_time))?;
    Ok(obj.into())
}

/// Carries out a core step. No borrow may be held.
fn act(id: u64, step: Step) {
    match step {
        Step::Idle => {}
        Step::CallNow => call(id),
        Step::Wait { delay, seq } => {
            let timer = Timeout::new(timer_ms(delay), move || on_timer(id, seq));
            let old = runtime::with(|rt| match rt.polls.get_mut(&id) {
                Some(e) => e.timer.replace(timer),
                None => Some(timer), // died meanwhile: drop (clear) it
            });
            drop(old);
        }
    }
}

fn on_timer(id: u64, seq: u64) {
    let step = runtime::with(|rt| {
        rt.polls.get_mut(&id).map(|e| {
            // The timer that fired is this one (or stale); either way spent.
            let step = e.core.timer_fired(seq);
            let spent = if step == Step::CallNow {
                e.timer.take()
            } else {
                None
            };
            (step, spent)
        })
    });
    if let Ok(Some((step, spent))) = step {
        drop(spent);
        act(id, step);
    }
}

/// Starts a call: `fn(arg)` with no borrow held (it may re-enter).
fn call(id: u64) {
    let t = now();
    let taken = runtime::with(|rt| {
        let e = rt.polls.get_mut(&id)?;
        e.core.begin_call(t).then(|| (e.f.clone(), e.arg.clone()))
    });
    let Ok(Some((f, arg))) = taken else {
        return;
    };
    match js::try_call(&f, &arg, &JsValue::UNDEFINED) {
        Err(_) => finish(id, true),
        Ok(v) if js::is_thenable(&v) => WATCHERS.with(|w| {
            js::watch(
                &v,
                id as f64,
                0.0, // no attempts here: every outcome counts
                w.fn_ok.as_ref().unchecked_ref(),
                w.fn_err.as_ref().unchecked_ref(),
            )
        }),
        Ok(v) => got_value(id, v),
    }
}

/// `fn` gave `v`: hand it to `onValue` (unless the poll died meanwhile).
fn got_value(id: u64, v: JsValue) {
    let on_value = runtime::with(|rt| rt.polls.get(&id).map(|e| e.on_value.clone()));
    let Ok(Some(on_value)) = on_value else {
        return; // died: its state is gone, nothing to schedule
    };
    match js::try_call(&on_value, &v, &JsValue::UNDEFINED) {
        Err(_) => finish(id, true),
        Ok(r) if js::is_thenable(&r) => WATCHERS.with(|w| {
            js::watch(
                &r,
                id as f64,
                0.0, // no attempts here: every outcome counts
                w.value_ok.as_ref().unchecked_ref(),
                w.value_err.as_ref().unchecked_ref(),
            )
        }),
        Ok(_) => finish(id, false),
    }
}

/// The call and its `onValue` ended: schedule the next one if running.
fn finish(id: u64, failed: bool) {
    let t = now();
    let step = runtime::with(|rt| rt.polls.get_mut(&id).map(|e| e.core.finish_call(t, failed)));
    if let Ok(Some(step)) = step {
        act(id, step);
    }
}

/// The poll's signal aborted: stop for good, release the state, abort the
/// in-flight call's signal with the same reason.
fn kill(id: u64, reason: JsValue) {
    let taken = runtime::with(|rt| {
        let mut e = rt.polls.remove(&id)?;
        e.core.kill();
        Some(e)
    });
    let Ok(Some(mut entry)) = taken else {
        return;
    };
    drop(entry.timer.take());
    if let Ok(status) = status_object(&entry.core.status(now())) {
        let _ = Reflect::set(&entry.handle, &JsValue::from_str("_dead"), &status);
    }
    // User code (abort listeners of the call's signal) runs here: the entry
    // is already gone, so a re-entrant `start()` does nothing.
    entry.controller.abort_with_reason(&reason);
    drop(entry);
}
