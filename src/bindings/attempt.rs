//! One attempt of a task, from the outside in: the attempt timeout, the
//! scope's concurrency permit, the scope's circuit breaker, then `fn`; and
//! after a failure, the retry decision and delay (SPEC "Tasks").
//!
//! Each step changes the task's [`Phase`] under the runtime borrow, lets the
//! borrow go, and only then calls out (user `fn`, `retryCondition`,
//! `delay`, `onRetry`). Outcomes carry the attempt number, so a late
//! outcome of an attempt that already timed out is dropped.
//!
//! Permits released at settle are handed to the next waiting task through
//! [`grant`], which runs them from a queue rather than recursively, so a
//! long line of synchronous tasks cannot overflow the stack.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;

use gloo_timers::callback::Timeout;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::debug;
use super::js;
use super::otel::Span;
use super::runtime;
use super::signal;
use super::task::{self, Delay, RetrySpec};
use crate::core::breaker::{Admission, CircuitState, Rejected};
use crate::core::cancel::NodeId;
use crate::core::options;
use crate::core::retry::RetryPolicy;
use crate::core::semaphore::Acquire;
use crate::core::task::Outcome;
use crate::core::telemetry::{lines, task_attrs, ErrorReason};
use crate::core::waitqueue::WaitKey;

/// Where the current attempt is.
pub(crate) enum Phase {
    /// Between attempts, or not started.
    Idle,
    /// Queued for the scope's concurrency permit.
    WaitingPermit(WaitKey),
    /// `fn` is running (or about to): what it holds.
    Running {
        permit: bool,
        admission: Option<Admission>,
    },
    /// Waiting out a retry delay.
    Delaying,
}

/// The callbacks every watched promise reports to, made once.
struct Watchers {
    ok: Closure<dyn Fn(f64, f64, JsValue)>,
    err: Closure<dyn Fn(f64, f64, JsValue)>,
}

thread_local! {
    static WATCHERS: Watchers = Watchers {
        ok: Closure::new(|id: f64, n: f64, v: JsValue| done(id as u64, n as u32, Outcome::Ok(v))),
        err: Closure::new(|id: f64, n: f64, e: JsValue| done(id as u64, n as u32, Outcome::Err(e))),
    };
    static GRANTS: RefCell<VecDeque<u64>> = const { RefCell::new(VecDeque::new()) };
    static PUMPING: Cell<bool> = const { Cell::new(false) };
}

fn now() -> f64 {
    js_sys::Date::now()
}

/// Whether a task can skip the attempt pipeline's steps: no timeout, no
/// retry, no permit to take, no breaker, no tracing or debug output. Its one
/// attempt is set running where it was registered, and `fn` is invoked
/// straight away.
pub(crate) fn plain(
    has_timeout: bool,
    has_retry: bool,
    sem: bool,
    breaker: bool,
    traced: bool,
) -> bool {
    !(has_timeout || has_retry || sem || breaker || traced || debug::task_on())
}

/// Marks a plain task's only attempt running and hands out `fn` and its
/// argument (called inside the registering borrow).
pub(crate) fn begin_plain(t: &mut super::task::TaskEntry) -> Option<(js_sys::Function, JsValue)> {
    t.attempt = 1;
    t.started = true;
    t.phase = Phase::Running {
        permit: false,
        admission: None,
    };
    let f = t.f.take()?;
    Some((f, std::mem::replace(&mut t.ctx, JsValue::UNDEFINED)))
}

/// Starts the next attempt of task `id`.
pub(crate) fn start(id: u64) {
    let begun = runtime::with(|rt| {
        let rt = &mut *rt;
        let t = rt.tasks.get_mut(&id)?;
        if let Some(reason) = rt.tree.reason(t.token) {
            return Some(Err(reason.value()));
        }
        t.attempt += 1;
        t.failure = ErrorReason::Exception;
        // Attempts that can time out and be retried each get their own node,
        // so a timed-out attempt's abort does not reach the next one.
        if t.retry.is_some() && t.timeout.is_some() {
            if t.attempt_token != t.token {
                let _ = rt.tree.remove(t.attempt_token);
            }
            t.attempt_token = rt.tree.new_child(t.token).unwrap_or(t.token);
            t.attempt_controller = None;
        }
        Some(Ok((t.attempt, t.timeout)))
    });
    let (n, timeout) = match begun {
        Ok(Some(Ok(x))) => x,
        Ok(Some(Err(reason))) => return task::settle(id, Outcome::Err(reason)),
        _ => return,
    };
    if let Some(ms) = timeout {
        let timer = Timeout::new(timer_ms(ms), move || on_timeout(id, n, ms));
        let _ = runtime::with(|rt| {
            if let Some(t) = rt.tasks.get_mut(&id) {
                t.timer = Some(timer);
            }
        });
    }
    acquire(id, n);
}

/// setTimeout's delay: whole ms, clamped to what timers accept (2^31 - 1).
pub(crate) fn timer_ms(ms: f64) -> u32 {
    ms.ceil().clamp(0.0, 2_147_483_647.0) as u32
}

enum Step {
    Go,
    Wait,
    Abort(JsValue),
    Gone,
}

/// Takes the scope's concurrency permit, or queues for it.
fn acquire(id: u64, n: u32) {
    let mut traced = None;
    let step = runtime::with(|rt| {
        let rt = &mut *rt;
        let Some(t) = rt.tasks.get_mut(&id) else {
            return Step::Gone;
        };
        let Some(sem) = rt.scopes.get_mut(&t.scope).and_then(|s| s.sem.as_mut()) else {
            t.phase = Phase::Running {
                permit: false,
                admission: None,
            };
            return Step::Go;
        };
        if let Some(span) = &t.span {
            traced = Some((
                span.clone(),
                task_attrs::concurrency_before(sem.available(), sem.waiting()),
            ));
        }
        match sem.acquire(id) {
            Ok(Acquire::Granted) => {
                t.phase = Phase::Running {
                    permit: true,
                    admission: None,
                };
                Step::Go
            }
            Ok(Acquire::Queued(key)) => {
                t.phase = Phase::WaitingPermit(key);
                match task::listen(rt, id) {
                    Some(reason) => Step::Abort(reason),
                    None => Step::Wait,
                }
            }
            Err(_) => Step::Abort(
                rt.tree
                    .reason(t.token)
                    .map_or(JsValue::UNDEFINED, |r| r.value()),
            ),
        }
    });
    // 1.0 records the permit queue as each attempt asks for a permit.
    if let Some((span, attrs)) = traced {
        span.set(&attrs);
    }
    match step {
        Ok(Step::Go) => breaker(id, n),
        Ok(Step::Abort(reason)) => task::settle(id, Outcome::Err(reason)),
        _ => {}
    }
}

/// A released permit goes to task `id`: resume its attempt. Runs grants
/// from a queue so that chains of synchronous tasks do not recurse.
pub(crate) fn grant(id: u64) {
    GRANTS.with(|g| g.borrow_mut().push_back(id));
    if PUMPING.with(|p| p.replace(true)) {
        return;
    }
    while let Some(next) = GRANTS.with(|g| g.borrow_mut().pop_front()) {
        // Resume only a task still queued: one that stopped waiting in the
        // meantime found its key gone and passed the permit on itself.
        let n = runtime::with(|rt| {
            let t = rt.tasks.get_mut(&next)?;
            if !matches!(t.phase, Phase::WaitingPermit(_)) {
                return None;
            }
            t.phase = Phase::Running {
                permit: true,
                admission: None,
            };
            Some(t.attempt)
        });
        if let Ok(Some(n)) = n {
            breaker(next, n);
        }
    }
    PUMPING.with(|p| p.set(false));
}

/// A waiter leaves the permit queue. If its key is gone, a permit was
/// already handed to it (its grant is queued): pass that permit on
/// (STYLE #6).
pub(crate) fn leave_queue(
    sem: &mut crate::core::semaphore::Semaphore<u64>,
    key: WaitKey,
) -> Option<u64> {
    match sem.cancel(key) {
        Some(_) => None,
        None => sem.release(),
    }
}

/// Passes the scope's circuit breaker, then calls `fn`.
fn breaker(id: u64, n: u32) {
    let admitted = runtime::with(|rt| {
        let rt = &mut *rt;
        let t = rt.tasks.get_mut(&id)?;
        let scope = t.scope;
        let s = rt.scopes.get_mut(&scope)?;
        let Some(b) = s.breaker.as_mut() else {
            return Some((Ok(()), None));
        };
        match b.admit(now()) {
            Ok(a) => {
                if let Phase::Running { admission, .. } = &mut t.phase {
                    *admission = Some(a);
                }
                let line = (a == Admission::Trial && debug::scope_on()).then(|| {
                    lines::breaker_state(&s.tel.label(scope), CircuitState::HalfOpen.as_str())
                });
                Some((Ok(()), line))
            }
            Err(Rejected) => {
                t.failure = ErrorReason::CircuitBreakerOpen;
                Some((Err((Rejected, t.span.clone())), None))
            }
        }
    });
    let Ok(Some((admitted, line))) = admitted else {
        return;
    };
    if let Some(l) = line {
        debug::scope(|| l);
    }
    match admitted {
        Ok(()) => call(id, n),
        Err((rejected, span)) => {
            if let Some(span) = span {
                span.set(&task_attrs::breaker_rejected());
            }
            done(id, n, Outcome::Err(js::error(&rejected.to_string())))
        }
    }
}

/// Calls `fn(ctx)` with no borrow held and watches what it returns.
fn call(id: u64, n: u32) {
    let fctx = runtime::with(|rt| {
        let t = rt.tasks.get_mut(&id)?;
        let first = !t.started;
        t.started = true;
        let label = (first && debug::task_on())
            .then(|| rt.scopes.get(&t.scope).map(|s| s.tel.label(t.scope)))
            .flatten();
        // A task without retries calls `fn` once: move it out instead of
        // cloning (each JsValue clone and drop crosses into JS).
        let (f, ctx) = if t.retry.is_some() {
            (t.f.clone(), t.ctx.clone())
        } else {
            (
                t.f.take(),
                std::mem::replace(&mut t.ctx, JsValue::UNDEFINED),
            )
        };
        Some((f?, ctx, label))
    });
    let Ok(Some((f, ctx, label))) = fctx else {
        return;
    };
    if let Some(scope) = label {
        debug::task(|| lines::task_started(&format!("task-{id}"), &scope));
    }
    invoke(id, n, &f, &ctx);
}

/// Calls `fn(ctx)` for attempt `n` and watches what it returns. No borrow
/// may be held.
pub(crate) fn invoke(id: u64, n: u32, f: &js_sys::Function, ctx: &JsValue) {
    let invoked = WATCHERS.with(|w| {
        js::invoke_task(
            f,
            ctx,
            id as f64,
            f64::from(n),
            w.ok.as_ref().unchecked_ref(),
            w.err.as_ref().unchecked_ref(),
        )
    });
    match invoked {
        js::Invoked::Watched => {}
        js::Invoked::Value(v) => done(id, n, Outcome::Ok(v)),
        js::Invoked::Threw(e) => done(id, n, Outcome::Err(e)),
    }
}

/// The attempt ran out of time: abort its signal with the timeout error (so
/// the work really stops), then end the attempt with it.
fn on_timeout(id: u64, n: u32, ms: f64) {
    let err = js::detached_error(&options::timeout_message(ms));
    let node = runtime::with(|rt| {
        let t = rt.tasks.get_mut(&id)?;
        if t.attempt != n {
            return None;
        }
        t.failure = ErrorReason::Timeout;
        let timer = t.timer.take();
        Some((t.attempt_token, timer))
    });
    if let Ok(Some((node, timer))) = node {
        drop(timer);
        debug::task(|| lines::task_timeout(&format!("task-{id}"), ms));
        let _ = signal::cancel(node, err.clone());
        done(id, n, Outcome::Err(err));
    }
}

/// What follows an attempt.
enum Next {
    Settle,
    Retry {
        next: Option<u32>,
        spec: Rc<RetrySpec>,
        token: NodeId,
        /// The task's span, for the retry attributes.
        span: Option<Span>,
    },
}

/// Attempt `n` of task `id` ended with `outcome`: give back the permit,
/// tell the breaker, then settle or retry.
fn done(id: u64, n: u32, outcome: Outcome<JsValue, JsValue>) {
    let after = runtime::with(|rt| {
        let rt = &mut *rt;
        let t = rt.tasks.get_mut(&id)?;
        if t.attempt != n {
            return None; // a late outcome of an earlier attempt
        }
        let timer = t.timer.take();
        let phase = std::mem::replace(&mut t.phase, Phase::Idle);
        let scope_id = t.scope;
        let scope = rt.scopes.get_mut(&scope_id);
        let mut grant = None;
        let mut breaker_line = None;
        if let Some(s) = scope {
            match phase {
                Phase::WaitingPermit(key) => {
                    grant = s.sem.as_mut().and_then(|sem| leave_queue(sem, key));
                }
                Phase::Running { permit, admission } => {
                    if permit {
                        grant = s.sem.as_mut().and_then(|sem| sem.release());
                    }
                    if let (Some(a), Some(b)) = (admission, s.breaker.as_mut()) {
                        let changed = match outcome {
                            Outcome::Ok(_) => b.on_success(a).then_some(CircuitState::Closed),
                            Outcome::Err(_) => b.on_failure(a, now()).then_some(CircuitState::Open),
                        };
                        if let (Some(state), true) = (changed, debug::scope_on()) {
                            breaker_line =
                                Some(lines::breaker_state(&s.tel.label(scope_id), state.as_str()));
                        }
                    }
                }
                Phase::Idle | Phase::Delaying => {}
            }
        }
        let next = match (&outcome, &t.retry) {
            (Outcome::Err(_), Some(spec)) => Next::Retry {
                next: spec.policy.next_retry(n),
                spec: spec.clone(),
                token: t.token,
                span: t.span.clone(),
            },
            _ => Next::Settle,
        };
        // A retried task that succeeded on a later attempt says which.
        let succeeded_after = match (&outcome, &t.retry, &t.span) {
            (Outcome::Ok(_), Some(_), Some(span)) if n > 1 => Some(span.clone()),
            _ => None,
        };
        Some((timer, grant, next, breaker_line, succeeded_after))
    });
    let Ok(Some((timer, grant, next, breaker_line, succeeded_after))) = after else {
        return;
    };
    if let Some(span) = succeeded_after {
        span.set(&task_attrs::retry_succeeded(n));
    }
    drop(timer);
    if let Some(l) = breaker_line {
        debug::scope(|| l);
    }
    if let Some(g) = grant {
        self::grant(g);
    }
    match (next, outcome) {
        (
            Next::Retry {
                next,
                spec,
                token,
                span,
            },
            Outcome::Err(e),
        ) => retry(id, n, next, &spec, token, span, e),
        (_, outcome) => task::settle(id, outcome),
    }
}

/// After failed attempt `n`: ask `retryCondition`, compute the delay, call
/// `onRetry`, then wait and start the next attempt (1.0's order).
fn retry(
    id: u64,
    n: u32,
    next: Option<u32>,
    spec: &RetrySpec,
    token: NodeId,
    span: Option<Span>,
    error: JsValue,
) {
    if let Some(cond) = &spec.condition {
        match js::try_call(cond, &error, &JsValue::UNDEFINED) {
            Ok(v) if v.is_truthy() => {}
            Ok(_) => {
                if let Some(span) = &span {
                    span.set(&task_attrs::retry_condition_rejected());
                }
                return task::settle(id, Outcome::Err(error));
            }
            Err(thrown) => return task::settle(id, Outcome::Err(thrown)),
        }
    }
    let Some(attempt) = next else {
        if let Some(span) = &span {
            span.set(&task_attrs::retries_exhausted(n));
        }
        return task::settle(id, Outcome::Err(error));
    };
    let delay = match &spec.delay {
        Delay::Fixed(ms) => *ms,
        Delay::Computed(f) => match js::try_call(f, &JsValue::from(attempt), &error) {
            Ok(v) => match RetryPolicy::checked_delay(v.as_f64()) {
                Ok(ms) => ms,
                Err(e) => return task::settle(id, Outcome::Err(js::option_error("task", &e))),
            },
            Err(thrown) => return task::settle(id, Outcome::Err(thrown)),
        },
    };
    debug::task(|| lines::task_retry(&format!("task-{id}"), attempt, delay));
    if let Some(on_retry) = &spec.on_retry {
        let _ = js::try_call(on_retry, &error, &JsValue::from(attempt));
    }
    // Scope cancellation ends the task with the abort reason.
    let cancelled = runtime::with(|rt| rt.tree.reason(token).map(|r| r.value()));
    if let Ok(Some(reason)) = cancelled {
        return task::settle(id, Outcome::Err(reason));
    }
    if delay <= 0.0 {
        return start(id);
    }
    let timer = delay_timer(id, now() + delay);
    let aborted = runtime::with(|rt| {
        let t = rt.tasks.get_mut(&id)?;
        t.phase = Phase::Delaying;
        t.timer = Some(timer);
        task::listen(rt, id)
    });
    if let Ok(Some(reason)) = aborted {
        task::settle(id, Outcome::Err(reason));
    }
}

/// A timer that starts the next attempt at `due` (Date.now() ms). Timers
/// may fire a millisecond early by the wall clock; then it waits the rest,
/// so a retry never comes before its delay.
fn delay_timer(id: u64, due: f64) -> Timeout {
    let left = (due - now()).max(0.0);
    Timeout::new(timer_ms(left), move || {
        if now() < due {
            let again = delay_timer(id, due);
            let _ = runtime::with(|rt| {
                if let Some(t) = rt.tasks.get_mut(&id) {
                    t.timer = Some(again);
                }
            });
        } else {
            start(id);
        }
    })
}

/// The task's node was cancelled (scope abort): a task that waits for a
/// permit or a retry delay ends at once with the reason; a running one is
/// left to its `fn`, which sees its signal aborted.
pub(crate) fn on_cancelled(id: u64, reason: JsValue) {
    let waiting = runtime::with(|rt| {
        let t = rt.tasks.get_mut(&id)?;
        let waits = matches!(t.phase, Phase::WaitingPermit(_) | Phase::Delaying);
        if waits {
            t.failure = ErrorReason::Aborted;
        }
        Some(waits)
    })
    .map(|w| w.unwrap_or(false));
    if let Ok(true) = waiting {
        task::settle(id, Outcome::Err(reason));
    }
}
