//! Small JS helpers for the binding: error constructors, option readers, and
//! the glue wasm-bindgen cannot express from Rust (calling user code without
//! a leaking `catch` import, watching a promise with a plain `then`, settling
//! a JS `Task` object).

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
// wasm-bindgen's `catch` imports leave one externref slot behind each time
// the JS side throws (the unused return value), so user code that may throw
// is called through these instead: the outcome is parked in `last`.
let last;
export function tryCall(f, a, b) {
  try {
    last = f(a, b);
    return true;
  } catch (e) {
    last = e;
    return false;
  }
}
export function takeLast() {
  const v = last;
  last = undefined;
  return v;
}
// A task's fn, in one crossing when it returns a thenable: 0 = watched
// (ok/err report later), 1 = returned a plain value, 2 = threw (value or
// error in `last`).
export function invokeTask(f, arg, id, attempt, ok, err) {
  let v;
  try {
    v = arg === undefined ? f() : f(arg); // a factory without parameters gets none
    if (v !== null && (typeof v === "object" || typeof v === "function") && typeof v.then === "function") {
      (v instanceof Promise ? v : Promise.resolve(v)).then((x) => ok(id, attempt, x), (e) => err(id, attempt, e));
      return 0;
    }
  } catch (e) {
    last = e;
    return 2;
  }
  last = v;
  return 1;
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
// The shortest round-trip digits of a number, in exponent form (what
// String(n) is built from): lets Rust print numbers as JS does without
// float formatting code of its own.
export function toExponential(v) {
  return v.toExponential();
}
// 1.0's text for a disposal error: an Error's message, else String(e)
// (Symbol(x), [object Object], 1e+21). A value whose conversion throws
// (a Proxy, a throwing toString) falls back to its tag.
export function messageOf(e) {
  try {
    return e instanceof Error ? String(e.message) : String(e);
  } catch {
    try {
      return Object.prototype.toString.call(e);
    } catch {
      return typeof e;
    }
  }
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

    /// `v.toExponential()`: installed as the core's number digits
    /// (`core::options::set_exponential`).
    #[wasm_bindgen(js_name = toExponential)]
    pub(crate) fn to_exponential(v: f64) -> String;

    /// See [`message_of`].
    #[wasm_bindgen(js_name = messageOf)]
    fn message_of_raw(e: &JsValue) -> String;

    #[wasm_bindgen(js_name = tryCall)]
    fn try_call_raw(f: &Function, a: &JsValue, b: &JsValue) -> bool;

    #[wasm_bindgen(js_name = takeLast)]
    fn take_last() -> JsValue;

    /// Calls a task's `fn(arg)`: 0 = a thenable, watched; 1 = a plain value
    /// and 2 = a throw, both waiting in [`take_last`].
    #[wasm_bindgen(js_name = invokeTask)]
    fn invoke_task_raw(
        f: &Function,
        arg: &JsValue,
        id: f64,
        attempt: f64,
        ok: &Function,
        err: &Function,
    ) -> u8;

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

/// Calls user code `f(a, b)` (this = undefined); a throw comes back as
/// `Err` (see `tryCall` for why not a `catch` import).
pub(crate) fn try_call(f: &Function, a: &JsValue, b: &JsValue) -> Result<JsValue, JsValue> {
    let ok = try_call_raw(f, a, b);
    let v = take_last();
    if ok {
        Ok(v)
    } else {
        Err(v)
    }
}

/// What a task's `fn` did.
pub(crate) enum Invoked {
    /// It returned a thenable, now watched.
    Watched,
    Value(JsValue),
    Threw(JsValue),
}

/// Calls a task's `fn(arg)`; a thenable is watched with `ok`/`err`.
pub(crate) fn invoke_task(
    f: &Function,
    arg: &JsValue,
    id: f64,
    attempt: f64,
    ok: &Function,
    err: &Function,
) -> Invoked {
    match invoke_task_raw(f, arg, id, attempt, ok, err) {
        0 => Invoked::Watched,
        1 => Invoked::Value(take_last()),
        _ => Invoked::Threw(take_last()),
    }
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

/// Checks an optional AbortSignal argument: `undefined`/`null` give `None`,
/// anything else but an AbortSignal a `TypeError` naming `what`.
pub(crate) fn optional_signal(
    what: &str,
    v: JsValue,
) -> Result<Option<web_sys::AbortSignal>, JsValue> {
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    v.dyn_into::<web_sys::AbortSignal>().map(Some).map_err(|v| {
        type_error(&format!(
            "{what} must be an AbortSignal, got {}",
            type_name(&v)
        ))
    })
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

/// An `Error`'s `message`, else `String(e)` as 1.0 joins them
/// ("Multiple errors during scope disposal: a, Symbol(x)"). Runs user code
/// (`toString`, getters): no borrow may be held.
pub(crate) fn message_of(e: &JsValue) -> String {
    message_of_raw(e)
}
