//! Debug output under `go-go-scope:scope` and `go-go-scope:task`, through
//! the ecosystem's `debug` package (the shim hands over its two loggers,
//! and only those whose namespace is enabled). When a namespace is off,
//! nothing is formatted and nothing crosses the wasm boundary: callers pass
//! a closure that builds the line only when it will be printed.

use std::cell::RefCell;

use js_sys::Function;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

thread_local! {
    static SCOPE: RefCell<Option<Function>> = const { RefCell::new(None) };
    static TASK: RefCell<Option<Function>> = const { RefCell::new(None) };
}

/// Sets the loggers: each is a `debug` instance, or `undefined` when its
/// namespace is disabled.
#[wasm_bindgen(js_name = __setDebug)]
pub fn set_debug(scope: JsValue, task: JsValue) {
    let f = |v: JsValue| v.dyn_into::<Function>().ok();
    SCOPE.with(|s| *s.borrow_mut() = f(scope));
    TASK.with(|t| *t.borrow_mut() = f(task));
}

fn emit(
    slot: &'static std::thread::LocalKey<RefCell<Option<Function>>>,
    line: impl FnOnce() -> String,
) {
    let logger = slot.with(|s| s.borrow().clone());
    if let Some(f) = logger {
        let _ = f.call1(&JsValue::UNDEFINED, &JsValue::from_str(&line()));
    }
}

/// Whether `go-go-scope:scope` is on.
pub(crate) fn scope_on() -> bool {
    SCOPE.with(|s| s.borrow().is_some())
}

/// Whether `go-go-scope:task` is on.
pub(crate) fn task_on() -> bool {
    TASK.with(|s| s.borrow().is_some())
}

/// Logs a scope line (built only if enabled). No borrow may be held.
pub(crate) fn scope(line: impl FnOnce() -> String) {
    emit(&SCOPE, line)
}

/// Logs a task line (built only if enabled). No borrow may be held.
pub(crate) fn task(line: impl FnOnce() -> String) {
    emit(&TASK, line)
}
