//! The exported `Semaphore(permits, signal?)`: `acquire(fn)`/`execute(fn)`
//! wait for a permit (FIFO), run `fn`, and release even if it throws.
//! When the signal aborts or the semaphore is disposed, waiters reject
//! with the reason.

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use js_sys::{Function, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{future_to_promise, JsFuture};

use super::js;
use super::signal::{self, AbortWatch};
use crate::core::options;
use crate::core::semaphore::{Aborted, Acquire, Semaphore};

/// A waiting `acquire`: its promise's resolve and reject.
type Waiter = (Function, Function);

struct SemCell {
    sem: RefCell<Semaphore<Waiter>>,
    reason: RefCell<JsValue>,
    /// The watch on the constructor's signal, dropped once aborted.
    watch: RefCell<Option<AbortWatch>>,
}

impl SemCell {
    fn abort(&self, reason: JsValue) {
        let waiters = match self.sem.try_borrow_mut() {
            Ok(mut s) if !s.is_aborted() => s.abort(),
            _ => return,
        };
        if let Ok(mut r) = self.reason.try_borrow_mut() {
            *r = reason.clone();
        }
        let watch = self.watch.try_borrow_mut().ok().and_then(|mut w| w.take());
        drop(watch);
        for (_, reject) in waiters {
            let _ = reject.call1(&JsValue::UNDEFINED, &reason);
        }
    }

    fn release(&self) {
        let next = self.sem.try_borrow_mut().ok().and_then(|mut s| s.release());
        if let Some((resolve, _)) = next {
            let _ = resolve.call0(&JsValue::UNDEFINED);
        }
    }

    /// A promise resolved once a permit is held.
    fn wait(&self) -> Promise {
        Promise::new(&mut |resolve, reject| {
            let now = resolve.clone();
            let got = match self.sem.try_borrow_mut() {
                Ok(mut s) => s.acquire((resolve, reject)),
                Err(_) => return,
            };
            match got {
                Ok(Acquire::Granted) => {
                    let _ = now.call0(&JsValue::UNDEFINED);
                }
                Ok(Acquire::Queued(_)) => {}
                Err(Aborted((_, reject))) => {
                    let reason = self
                        .reason
                        .try_borrow()
                        .map(|r| r.clone())
                        .unwrap_or(JsValue::UNDEFINED);
                    let _ = reject.call1(&JsValue::UNDEFINED, &reason);
                }
            }
        })
    }
}

/// A counting semaphore with FIFO waiters.
#[wasm_bindgen(js_name = Semaphore)]
pub struct JsSemaphore {
    cell: Rc<SemCell>,
}

#[wasm_bindgen(js_class = Semaphore)]
impl JsSemaphore {
    /// `new Semaphore(permits, signal?)`.
    #[wasm_bindgen(constructor)]
    pub fn new(permits: JsValue, signal: JsValue) -> Result<JsSemaphore, JsValue> {
        let n = permits.as_f64().ok_or_else(|| {
            js::type_error(&format!(
                "Semaphore: permits must be a number, got {}",
                js::type_name(&permits)
            ))
        })?;
        let permits =
            options::limit("permits", n, 1).map_err(|e| js::option_error("Semaphore", &e))?;
        let me = JsSemaphore {
            cell: Rc::new(SemCell {
                sem: RefCell::new(Semaphore::new(permits)),
                reason: RefCell::new(JsValue::UNDEFINED),
                watch: RefCell::new(None),
            }),
        };
        if let Some(sig) = js::optional_signal("Semaphore: signal", signal)? {
            // Released when the semaphore aborts (signal or dispose).
            let weak: Weak<SemCell> = Rc::downgrade(&me.cell);
            let watch = signal::watch_signal(&sig, move |reason| {
                if let Some(cell) = weak.upgrade() {
                    cell.abort(reason);
                }
            })?;
            if let Ok(mut w) = me.cell.watch.try_borrow_mut() {
                *w = watch;
            }
        }
        Ok(me)
    }

    /// Waits for a permit (FIFO), runs `fn`, releases even if it throws,
    /// and gives its result.
    pub fn acquire(&self, f: JsValue) -> Result<Promise, JsValue> {
        let f = f.dyn_into::<Function>().map_err(|v| {
            js::type_error(&format!(
                "Semaphore.acquire: fn must be a function, got {}",
                js::type_name(&v)
            ))
        })?;
        let cell = self.cell.clone();
        let wait = cell.wait();
        Ok(future_to_promise(async move {
            JsFuture::from(wait).await?;
            let result = match js::try_call(&f, &JsValue::UNDEFINED, &JsValue::UNDEFINED) {
                Ok(v) if js::is_thenable(&v) => JsFuture::from(Promise::resolve(&v)).await,
                other => other,
            };
            cell.release();
            result
        }))
    }

    /// Alias of `acquire`.
    pub fn execute(&self, f: JsValue) -> Result<Promise, JsValue> {
        self.acquire(f)
    }

    /// Free permits (`Infinity` for an unlimited semaphore).
    #[wasm_bindgen(getter)]
    pub fn available(&self) -> f64 {
        self.cell
            .sem
            .try_borrow()
            .map_or(0.0, |s| s.available().as_f64())
    }

    #[wasm_bindgen(getter, js_name = availablePermits)]
    pub fn available_permits(&self) -> f64 {
        self.available()
    }

    #[wasm_bindgen(getter)]
    pub fn waiting(&self) -> u32 {
        self.cell.sem.try_borrow().map_or(0, |s| s.waiting() as u32)
    }

    #[wasm_bindgen(getter, js_name = waiterCount)]
    pub fn waiter_count(&self) -> u32 {
        self.waiting()
    }

    /// The permits it was made with (`Infinity` when unlimited).
    #[wasm_bindgen(getter, js_name = totalPermits)]
    pub fn total_permits(&self) -> f64 {
        self.cell
            .sem
            .try_borrow()
            .map_or(0.0, |s| s.total().as_f64())
    }

    /// `[Symbol.asyncDispose]`: waiters reject with
    /// `Error("semaphore disposed")`.
    #[wasm_bindgen(js_name = dispose)]
    pub fn dispose_semaphore(&self) -> Promise {
        self.cell.abort(js::detached_error("semaphore disposed"));
        Promise::resolve(&JsValue::UNDEFINED)
    }
}
