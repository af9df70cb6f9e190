//! `race(factories, { signal, tracer })` and `scope.race(factories)`: every
//! factory runs as a task of an internal scope; the first to settle,
//! success or failure, decides the Result; the others see their signal
//! aborted when the internal scope is disposed, before `race` returns.
//! If the signal aborts during the race, the Result is `[reason, undefined]`.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Array, Function, Object, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{future_to_promise, JsFuture};
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
        let signal = if signal.is_undefined() || signal.is_null() {
            None
        } else {
            Some(signal.dyn_into::<AbortSignal>().map_err(|v| {
                js::type_error(&format!(
                    "{context}: options.signal must be an AbortSignal, got {}",
                    js::type_name(&v)
                ))
            })?)
        };
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
                None => Some(js::error(crate::core::options::SCOPE_DISPOSED)),
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

/// Disposes an internal scope and waits for its stragglers.
pub(crate) async fn dispose(id: u64) {
    if let Ok(p) = scope::scope_dispose(id as f64) {
        let _ = JsFuture::from(p).await;
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

    let winner: Rc<RefCell<Option<Function>>> = Rc::new(RefCell::new(None));
    let decided = {
        let slot = winner.clone();
        Promise::new(&mut |resolve, _reject| {
            if let Ok(mut s) = slot.try_borrow_mut() {
                *s = Some(resolve);
            }
        })
    };
    let decide = {
        let slot = winner.clone();
        move |err: &JsValue, value: &JsValue| {
            let resolve = slot.try_borrow_mut().ok().and_then(|mut s| s.take());
            if let Some(r) = resolve {
                let _ = r.call1(&JsValue::UNDEFINED, &tuple(err, value));
            }
        }
    };
    let decide = Rc::new(decide);
    // The race's signal aborting decides at once.
    let token = runtime::with(|rt| rt.scopes.get(&sid).map(|e| e.token))?;
    if let Some(token) = token {
        let d = decide.clone();
        signal::listen(
            token,
            Listener::Notify(Rc::new(move |reason: &JsValue| {
                d(reason, &JsValue::UNDEFINED)
            })),
        )?;
    }
    for f in factories {
        let d = decide.clone();
        if let Err(e) = task::spawn_factory(sid, f, Rc::new(move |err, value| d(&err, &value))) {
            decide(&e, &JsValue::UNDEFINED);
            break;
        }
    }
    Ok(future_to_promise(async move {
        let result = JsFuture::from(decided).await?;
        dispose(sid).await;
        Ok(result)
    }))
}
