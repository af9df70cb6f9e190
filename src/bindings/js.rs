//! Small JS helpers for the binding: error constructors, option readers and
//! the two glue functions wasm-bindgen cannot express from Rust (watching a
//! promise with a plain `then`, and settling a JS `Task` object).

use js_sys::{Function, Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::core::options::OptionError;

#[wasm_bindgen(inline_js = r#"
export function watch(value, id, attempt, ok, err) {
  Promise.resolve(value).then((v) => ok(id, attempt, v), (e) => err(id, attempt, e));
}
export function settleTask(task, error, value) {
  const result = [error, value];
  task._r = result;
  const resolve = task._res;
  if (resolve !== undefined) {
    task._res = undefined;
    resolve(result);
  }
}
export function watchThenable(value, id, attempt, ok, err) {
  if (value === null || (typeof value !== "object" && typeof value !== "function")) return false;
  const then = value.then;
  if (typeof then !== "function") return false;
  (value instanceof Promise ? value : Promise.resolve(value)).then((v) => ok(id, attempt, v), (e) => err(id, attempt, e));
  return true;
}
export function detachedError(message) {
  const e = new Error(message);
  void e.stack; // format now: an unformatted stack keeps every frame's receiver alive
  return e;
}
export function whenSettled(p, f) {
  p.then((v) => f(true, v), (e) => f(false, e));
}
export function settleAfter(p, f, value) {
  p.then(() => f(value), () => f(value));
}
export function factoryArg(signal, services) {
  signal.signal = signal;
  signal.services = services;
  return signal;
}
export function isThenable(v) {
  return v !== null && (typeof v === "object" || typeof v === "function") && typeof v.then === "function";
}
"#)]
extern "C" {
    /// `Promise.resolve(value).then(v => ok(id, attempt, v), e => err(id,
    /// attempt, e))`: a direct `then` callback, much cheaper than a Rust
    /// future per task.
    pub(crate) fn watch(value: &JsValue, id: f64, attempt: f64, ok: &Function, err: &Function);

    /// Stores the Result tuple on the JS `Task` and resolves its awaiters.
    #[wasm_bindgen(js_name = settleTask)]
    pub(crate) fn settle_task(task: &JsValue, error: &JsValue, value: &JsValue);

    #[wasm_bindgen(js_name = isThenable)]
    pub(crate) fn is_thenable(v: &JsValue) -> bool;

    /// `watch` if `value` is a thenable (returns `true`), else `false`.
    #[wasm_bindgen(js_name = watchThenable)]
    pub(crate) fn watch_thenable(
        value: &JsValue,
        id: f64,
        attempt: f64,
        ok: &Function,
        err: &Function,
    ) -> bool;

    /// `new Error(message)` with its stack formatted at once. An Error kept
    /// on the wasm side (a table root) must not hold the call sites of its
    /// creation: they keep their receivers (the channel, the semaphore)
    /// alive, and so the Error itself, for ever.
    #[wasm_bindgen(js_name = detachedError)]
    pub(crate) fn detached_error(message: &str) -> JsValue;

    /// `p.then(v => f(true, v), e => f(false, e))`.
    #[wasm_bindgen(js_name = whenSettled)]
    pub(crate) fn when_settled(p: &js_sys::Promise, f: &JsValue);

    /// `p.then(() => f(value), () => f(value))`.
    #[wasm_bindgen(js_name = settleAfter)]
    pub(crate) fn settle_after(p: &js_sys::Promise, f: &Function, value: &JsValue);

    /// The argument of a race/parallel/poll factory: its AbortSignal, also
    /// carrying `signal` (itself) and `services` (one crossing).
    #[wasm_bindgen(js_name = factoryArg)]
    pub(crate) fn factory_arg(signal: &web_sys::AbortSignal, services: &JsValue) -> JsValue;
}

/// A `TypeError` naming the argument.
pub(crate) fn type_error(msg: &str) -> JsValue {
    js_sys::TypeError::new(msg).into()
}

/// A `RangeError` naming the argument.
pub(crate) fn range_error(msg: &str) -> JsValue {
    js_sys::RangeError::new(msg).into()
}

/// A plain `Error` with `msg`.
pub(crate) fn error(msg: &str) -> JsValue {
    js_sys::Error::new(msg).into()
}

/// The error for a broken internal invariant: reported, never a panic.
pub(crate) fn internal(what: &str) -> JsValue {
    js_sys::Error::new(&format!("go-go-scope-wasm internal error: {what}")).into()
}

/// Converts an option validation error into the JS error it stands for.
pub(crate) fn option_error(context: &str, e: &OptionError) -> JsValue {
    let msg = format!("{context}: {e}");
    if e.is_range() {
        range_error(&msg)
    } else {
        type_error(&msg)
    }
}

/// `typeof v` as JS prints it, for error messages.
pub(crate) fn type_name(v: &JsValue) -> String {
    v.js_typeof()
        .as_string()
        .unwrap_or_else(|| "unknown".into())
}

/// Checks that `options` is `undefined`, `null` or an object, and returns it
/// as an object when present.
pub(crate) fn options_object(context: &str, options: &JsValue) -> Result<Option<Object>, JsValue> {
    if options.is_undefined() || options.is_null() {
        return Ok(None);
    }
    if options.is_object() && !options.is_function() {
        return Ok(Some(options.clone().unchecked_into()));
    }
    Err(type_error(&format!(
        "{context}: options must be an object, got {}",
        type_name(options)
    )))
}

/// Reads `obj[key]`; a throwing getter propagates.
pub(crate) fn get(obj: &Object, key: &str) -> Result<JsValue, JsValue> {
    Reflect::get(obj, &JsValue::from_str(key))
}

/// Reads an optional number option: `undefined` gives `None`, a non-number
/// a `TypeError` naming it.
pub(crate) fn optional_number(
    obj: &Object,
    key: &'static str,
    context: &str,
) -> Result<Option<f64>, JsValue> {
    let v = get(obj, key)?;
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    match v.as_f64() {
        Some(n) => Ok(Some(n)),
        None => Err(option_error(
            context,
            &OptionError::NotANumber { name: key },
        )),
    }
}

/// An `Error`'s `message` (or `String(e)` for non-errors), for joined
/// disposal messages.
pub(crate) fn message_of(e: &JsValue) -> String {
    if e.is_instance_of::<js_sys::Error>() {
        let err: &js_sys::Error = e.unchecked_ref();
        return err.message().into();
    }
    match e.as_string() {
        Some(s) => s,
        None => js_sys::JSON::stringify(e)
            .ok()
            .and_then(|s| s.as_string())
            .unwrap_or_else(|| type_name(e)),
    }
}
