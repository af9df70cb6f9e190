//! `AsyncDisposableResource(acquire, dispose)`: acquire once, dispose once.

use js_sys::{Function, Promise};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{future_to_promise, JsFuture};

use super::js;

/// Acquired or not, and the value once acquired.
#[derive(Default)]
struct State {
    acquired: bool,
    value: JsValue,
}

/// A resource with an async `acquire` and a `dispose(value)` that runs once
/// on `[Symbol.asyncDispose]()` (added by the shim).
#[wasm_bindgen]
pub struct AsyncDisposableResource {
    acquire_fn: Function,
    dispose_fn: Function,
    state: Rc<RefCell<State>>,
}

async fn settle(v: JsValue) -> Result<JsValue, JsValue> {
    if js::is_thenable(&v) {
        JsFuture::from(Promise::resolve(&v)).await
    } else {
        Ok(v)
    }
}

#[wasm_bindgen]
impl AsyncDisposableResource {
    #[wasm_bindgen(constructor)]
    pub fn new(acquire: JsValue, dispose: JsValue) -> Result<AsyncDisposableResource, JsValue> {
        let acquire_fn = acquire.dyn_into::<Function>().map_err(|v| {
            js::type_error(&format!(
                "AsyncDisposableResource: acquire must be a function, got {}",
                js::type_name(&v)
            ))
        })?;
        let dispose_fn = dispose.dyn_into::<Function>().map_err(|v| {
            js::type_error(&format!(
                "AsyncDisposableResource: dispose must be a function, got {}",
                js::type_name(&v)
            ))
        })?;
        Ok(AsyncDisposableResource {
            acquire_fn,
            dispose_fn,
            state: Rc::default(),
        })
    }

    /// Acquires the resource; a second call rejects with "Resource already
    /// acquired".
    pub fn acquire(&self) -> Promise {
        let state = self.state.clone();
        let acquire = self.acquire_fn.clone();
        future_to_promise(async move {
            if state.borrow().acquired {
                return Err(js::error("Resource already acquired"));
            }
            let v = settle(acquire.call0(&JsValue::UNDEFINED)?).await?;
            let mut s = state.borrow_mut();
            s.value = v.clone();
            s.acquired = true;
            Ok(v)
        })
    }

    /// The acquired value, or `undefined`.
    #[wasm_bindgen(getter)]
    pub fn value(&self) -> JsValue {
        self.state.borrow().value.clone()
    }

    /// Runs `dispose(value)` if acquired (once).
    #[wasm_bindgen(js_name = dispose)]
    pub fn dispose_resource(&self) -> Promise {
        let state = self.state.clone();
        let dispose = self.dispose_fn.clone();
        future_to_promise(async move {
            let value = {
                let s = state.borrow();
                if !s.acquired || s.value.is_undefined() {
                    return Ok(JsValue::UNDEFINED);
                }
                s.value.clone()
            };
            settle(dispose.call1(&JsValue::UNDEFINED, &value)?).await?;
            let mut s = state.borrow_mut();
            s.acquired = false;
            s.value = JsValue::UNDEFINED;
            Ok(JsValue::UNDEFINED)
        })
    }
}
