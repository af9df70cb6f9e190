//! Disposal of a scope, in SPEC's order (see `core::scope`): mark
//! disposed and clear the timer, abort the token, run the cleanups newest
//! first, wait for running tasks, end the span, report cleanup errors.
//!
//! Synchronous while it can be: a scope whose cleanups are synchronous and
//! whose tasks have settled is disposed before `[Symbol.asyncDispose]()`
//! returns. Otherwise a [`Disposal`] goes on from plain callbacks (a
//! cleanup's promise settling, the last task settling); no Rust future.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::prelude::*;

use super::debug;
use super::js;
use super::otel;
use super::runtime;
use super::scope::ScopeTelemetry;
use super::signal;
use crate::core::scope::{DisposalErrors, DisposalOutcome};
use crate::core::telemetry::{self, CancelCause};

/// A registered cleanup, run at disposal (LIFO).
pub(crate) enum Cleanup {
    /// `provide`'s `cleanup(value)`; its errors fail the disposal.
    Service { cleanup: Function, value: JsValue },
    /// A task's `onCleanup()`; its errors are swallowed, as in 1.0.
    Task(Function),
    /// A channel of the scope: disposed.
    Channel(Rc<super::channel::ChannelCell>),
}

/// What running a cleanup gave.
enum Ran {
    Done,
    Threw(JsValue),
    /// It returned a promise; `counts` tells whether a rejection counts.
    Pending {
        promise: Promise,
        counts: bool,
    },
}

impl Cleanup {
    /// Calls the cleanup. No borrow may be held: this is user code.
    fn run(self) -> Ran {
        let (result, counts) = match self {
            Cleanup::Service { cleanup, value } => {
                (js::try_call(&cleanup, &value, &JsValue::UNDEFINED), true)
            }
            Cleanup::Task(f) => (
                js::try_call(&f, &JsValue::UNDEFINED, &JsValue::UNDEFINED),
                false,
            ),
            Cleanup::Channel(cell) => {
                super::channel::dispose_cell(&cell);
                return Ran::Done;
            }
        };
        match result {
            Err(e) if counts => Ran::Threw(e),
            Err(_) => Ran::Done,
            Ok(v) if js::is_thenable(&v) => Ran::Pending {
                promise: Promise::resolve(&v),
                counts,
            },
            Ok(_) => Ran::Done,
        }
    }
}

/// `scope[Symbol.asyncDispose]()`: SPEC's disposal order. Resolves (or
/// rejects with the cleanup errors) once cleanups ran and tasks settled.
#[wasm_bindgen(js_name = __scopeDispose)]
pub fn scope_dispose(id: f64) -> Result<Promise, JsValue> {
    let id = id as u64;
    let reason = signal::Reason::disposed();
    // 1-2. Mark disposed, clear the timer, abort the token.
    let begun = runtime::with(|rt| {
        let rt = &mut *rt;
        let e = rt.scopes.get_mut(&id)?;
        let running = e.core.running();
        let cleanups = e.core.begin_dispose()?;
        let timer = e.timer.take();
        if !rt.tree.is_cancelled(e.token) {
            e.tel.cause = Some(CancelCause::Disposed);
        }
        let label = debug::scope_on().then(|| e.tel.label(id));
        let fired = rt.tree.cancel(e.token, reason).unwrap_or_default();
        Some((cleanups, timer, fired, running, label))
    })?;
    let Some((cleanups, timer, fired, running, label)) = begun else {
        return Ok(Promise::resolve(&JsValue::UNDEFINED));
    };
    drop(timer);
    if let Some(label) = &label {
        debug::scope(|| telemetry::lines::scope_disposing(label, running, cleanups.len()));
    }
    signal::fire(fired);

    // 3-4. Cleanups, then tasks; synchronously while nothing is pending.
    let mut d = Disposal {
        id,
        rest: cleanups.into_iter(),
        errors: DisposalErrors::new(),
        done: None,
    };
    match d.run_sync() {
        Sync::Finished(Ok(())) => Ok(Promise::resolve(&JsValue::UNDEFINED)),
        Sync::Finished(Err(e)) => Ok(Promise::reject(&e)),
        Sync::Pending(wait) => {
            let mut started = Some((d, wait));
            let promise = Promise::new(&mut |resolve, reject| {
                if let Some((mut d, wait)) = started.take() {
                    d.done = Some((resolve, reject));
                    d.wait(wait);
                }
            });
            Ok(promise)
        }
    }
}

/// What a disposal is waiting for.
enum Wait {
    /// A cleanup's promise.
    Cleanup { promise: Promise, counts: bool },
    /// The scope's last running task.
    Tasks,
}

enum Sync {
    Finished(Result<(), JsValue>),
    Pending(Wait),
}

/// A disposal that had to wait.
struct Disposal {
    id: u64,
    /// Cleanups not run yet, in running order.
    rest: std::vec::IntoIter<Cleanup>,
    errors: DisposalErrors<JsValue>,
    /// The disposal promise's resolve and reject.
    done: Option<(Function, Function)>,
}

impl Disposal {
    /// Runs cleanups and checks tasks for as long as nothing is pending.
    fn run_sync(&mut self) -> Sync {
        for cleanup in self.rest.by_ref() {
            match cleanup.run() {
                Ran::Done => {}
                Ran::Threw(e) => self.errors.push(e),
                Ran::Pending { promise, counts } => {
                    return Sync::Pending(Wait::Cleanup { promise, counts })
                }
            }
        }
        let drained =
            runtime::with(|rt| rt.scopes.get(&self.id).is_none_or(|e| e.core.is_drained()));
        if let Ok(false) = drained {
            return Sync::Pending(Wait::Tasks);
        }
        Sync::Finished(finish(self.id, std::mem::take(&mut self.errors)))
    }

    /// Goes on when `wait` is over.
    fn wait(self, wait: Wait) {
        match wait {
            Wait::Cleanup { promise, counts } => {
                let cell = RefCell::new(Some(self));
                let resume = Closure::once_into_js(move |ok: bool, value: JsValue| {
                    if let Some(mut d) = cell.borrow_mut().take() {
                        if !ok && counts {
                            d.errors.push(value);
                        }
                        d.resume();
                    }
                });
                js::when_settled(&promise, &resume);
            }
            Wait::Tasks => {
                let id = self.id;
                let parked = Rc::new(RefCell::new(Some(self)));
                let p = parked.clone();
                let set = runtime::with(|rt| match rt.scopes.get_mut(&id) {
                    Some(e) if !e.core.is_drained() => {
                        e.drain = Some(Box::new(move || {
                            if let Some(d) = p.borrow_mut().take() {
                                d.resume();
                            }
                        }));
                        true
                    }
                    _ => false,
                });
                if !matches!(set, Ok(true)) {
                    if let Some(d) = parked.borrow_mut().take() {
                        d.resume();
                    }
                }
            }
        }
    }

    fn resume(mut self) {
        match self.run_sync() {
            Sync::Pending(wait) => self.wait(wait),
            Sync::Finished(result) => {
                if let Some((resolve, reject)) = self.done.take() {
                    let _ = match result {
                        Ok(()) => resolve.call0(&JsValue::UNDEFINED),
                        Err(e) => reject.call1(&JsValue::UNDEFINED, &e),
                    };
                }
            }
        }
    }
}

/// 5. Ends the scope span: cleanup errors, status, duration.
fn end_span(id: u64, tel: &mut ScopeTelemetry, errors: &[JsValue]) {
    if let Some(span) = tel.span.take() {
        if !errors.is_empty() {
            let messages: Vec<String> = errors.iter().map(js::message_of).collect();
            span.error(&telemetry::disposal_errors_message(&messages));
            for e in errors {
                span.record_exception(e);
            }
            tel.has_error = true;
        }
        if !tel.has_error {
            span.ok();
        }
        span.set_attributes(&[("scope.duration_ms", JsValue::from(span.elapsed_ms()))]);
        span.end();
    }
    if debug::scope_on() {
        let duration = otel::perf_now() - tel.started;
        debug::scope(|| telemetry::lines::scope_disposed(&tel.label(id), duration, errors.len()));
    }
}

/// 5-6. Release the scope's Rust state and report cleanup errors.
fn finish(id: u64, errors: DisposalErrors<JsValue>) -> Result<(), JsValue> {
    let released = runtime::with(|rt| {
        let mut e = rt.scopes.remove(&id)?;
        e.core.finish();
        // Nobody read the signal: leave the reason for a later read.
        let reason = match e.controller {
            // A disposal reason nobody observed stays unmade: a later read
            // makes the same `Error("scope disposed")` anyway.
            None => rt.tree.reason(e.token).and_then(|r| r.value_if_made()),
            Some(_) => None,
        };
        let _ = rt.tree.remove(e.token);
        let link = e.link.and_then(|l| signal::unlink_in(rt, l));
        Some((e, link, reason))
    })?;
    if let Some((mut entry, link, reason)) = released {
        if let Some(r) = reason {
            let _ = Reflect::set(&entry.handle, &JsValue::from_str("_reason"), &r);
        }
        end_span(id, &mut entry.tel, errors.errors());
        drop(entry);
        if let Some(l) = link {
            signal::forget_link(l);
        }
    }
    match errors.into_outcome(js::message_of) {
        None => Ok(()),
        Some(DisposalOutcome::One(e)) => Err(e),
        Some(DisposalOutcome::Many { message, .. }) => Err(js::error(&message)),
    }
}
