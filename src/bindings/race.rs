//! `race(factories, { signal, tracer })` and `scope.race(factories)`: every
//! factory runs as a task of an internal scope; the first to settle,
//! success or failure, decides the Result; the others see their signal
//! aborted when the internal scope is disposed, before `race` returns.
//! If the signal aborts during the race, the Result is `[reason, undefined]`.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use js_sys::{Array, Function, Object, Promise};
use wasm_bindgen::prelude::*;
use web_sys::AbortSignal;

use super::js;
use super::runtime;
use super::scope::{self, ScopeOptions};
use super::signal::{self, Listener};
use super::task;

/// `[error, value]`.
pub(crate) fn tuple(err: &JsValue, value: &JsValue) -> JsValue {
    Array::of2(err, value).into()
}

/// Where a combinator's internal scope hangs: under a scope (`s.race`,
/// `s.parallel`: its signal, services and tracer) or off a user signal.
pub(crate) struct Origin {
    pub parent: Option<u64>,
    pub signal: Option<AbortSignal>,
    pub tracer: Option<JsValue>,
}

impl Origin {
    pub(crate) fn read(
        signal: JsValue,
        tracer: JsValue,
        parent: Option<f64>,
        context: &str,
    ) -> Result<Origin, JsValue> {
        let signal = js::optional_signal(&format!("{context}: options.signal"), signal)?;
        Ok(Origin {
            parent: parent.map(|p| p as u64),
            signal,
            tracer: (!tracer.is_undefined() && !tracer.is_null()).then_some(tracer),
        })
    }

    /// The abort reason if the origin is already aborted.
    pub(crate) fn aborted(&self) -> Result<Option<JsValue>, JsValue> {
        if let Some(p) = self.parent {
            let reason = runtime::with(|rt| match rt.scopes.get(&p) {
                Some(e) => rt.tree.reason(e.token).map(|r| r.value()),
                None => Some(js::detached_error(crate::core::options::SCOPE_DISPOSED)),
            })?;
            return Ok(reason);
        }
        Ok(self
            .signal
            .as_ref()
            .filter(|s| s.aborted())
            .map(|s| s.reason()))
    }

    /// The internal scope: no concurrency limit or breaker of its own.
    pub(crate) fn internal_scope(&self) -> Result<u64, JsValue> {
        let opts = ScopeOptions {
            signal: self.signal.clone(),
            concurrency: Some(None),
            no_breaker: true,
            tracer: self.tracer.clone(),
            ..ScopeOptions::default()
        };
        scope::create(opts, self.parent, Object::new().into())
    }
}

#[wasm_bindgen(js_name = __race)]
pub fn race(
    factories: JsValue,
    signal: JsValue,
    tracer: JsValue,
    parent: Option<f64>,
) -> Result<Promise, JsValue> {
    let factories = task::read_factories("race", &factories)?;
    if factories.is_empty() {
        let err = js::error("Cannot race empty array of factories");
        return Ok(Promise::resolve(&tuple(&err, &JsValue::UNDEFINED)));
    }
    let origin = Origin::read(signal, tracer, parent, "race")?;
    if let Some(reason) = origin.aborted()? {
        return Ok(Promise::resolve(&tuple(&reason, &JsValue::UNDEFINED)));
    }
    let sid = origin.internal_scope()?;

    let state = Rc::new(RaceState {
        resolve: RefCell::new(None),
        result: RefCell::new(None),
        spawning: Cell::new(true),
        scope: sid,
    });
    let outer = {
        let st = state.clone();
        Promise::new(&mut |resolve, _reject| {
            if let Ok(mut r) = st.resolve.try_borrow_mut() {
                *r = Some(resolve);
            }
        })
    };
    // The race's signal aborting decides at once.
    let token = runtime::with(|rt| rt.scopes.get(&sid).map(|e| e.token))?;
    if let Some(token) = token {
        let st = state.clone();
        signal::listen(
            token,
            Listener::Notify(Rc::new(move |reason: &JsValue| {
                st.decide(reason, &JsValue::UNDEFINED)
            })),
        )?;
    }
    let services = scope::scope_services(sid as f64)?;
    for f in factories {
        let st = state.clone();
        let spawned = task::spawn_factory(
            sid,
            f,
            &services,
            Rc::new(move |err, value| st.decide(&err, &value)),
        );
        if let Err(e) = spawned {
            state.decide(&e, &JsValue::UNDEFINED);
            break;
        }
    }
    // Every factory started (as in 1.0, even if one settled synchronously);
    // now a decision may end the race.
    state.spawning.set(false);
    state.finish();
    Ok(outer)
}

/// One race in flight.
struct RaceState {
    /// Resolves the race's promise; taken when the race ends.
    resolve: RefCell<Option<Function>>,
    /// The first Result, once decided.
    result: RefCell<Option<JsValue>>,
    /// Factories are still being started: hold the decision.
    spawning: Cell<bool>,
    scope: u64,
}

impl RaceState {
    /// The first outcome decides; later ones are dropped.
    fn decide(&self, err: &JsValue, value: &JsValue) {
        if let Ok(mut r) = self.result.try_borrow_mut() {
            if r.is_none() {
                *r = Some(tuple(err, value));
            } else {
                return;
            }
        }
        if !self.spawning.get() {
            self.finish();
        }
    }

    /// Ends the race once decided: dispose the internal scope (the losers
    /// see their signal aborted), then resolve with the Result.
    fn finish(&self) {
        let Some(result) = self.result.try_borrow().ok().and_then(|r| r.clone()) else {
            return;
        };
        let Some(resolve) = self
            .resolve
            .try_borrow_mut()
            .ok()
            .and_then(|mut r| r.take())
        else {
            return;
        };
        settle_after_dispose(self.scope, &resolve, &result);
    }
}

/// Disposes an internal scope, then calls `f(value)` once its stragglers
/// settled (a plain `then`, no Rust future).
pub(crate) fn settle_after_dispose(scope: u64, f: &Function, value: &JsValue) {
    match super::dispose::scope_dispose(scope as f64) {
        Ok(p) => js::settle_after(&p, f, value),
        Err(_) => {
            let _ = f.call1(&JsValue::UNDEFINED, value);
        }
    }
}
