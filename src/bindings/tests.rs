//! Binding tests, run in Node by `wasm-pack test --node` (and in Chromium by
//! `wasm-pack test --headless --chrome`): the exported functions driven as
//! the shim drives them, with plain JS objects standing in for `Task`s.

use js_sys::{Array, Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

use super::dispose::*;
use super::runtime;
use super::scope::*;
use super::task::*;

fn get(o: &JsValue, k: &str) -> JsValue {
    Reflect::get(o, &JsValue::from_str(k)).unwrap()
}

/// Lets queued promise callbacks run.
async fn flush() {
    for _ in 0..4 {
        JsFuture::from(Promise::resolve(&JsValue::UNDEFINED))
            .await
            .unwrap();
    }
}

fn spawn(scope: f64, f: &Function, options: JsValue) -> Result<JsValue, JsValue> {
    let id = next_task_id()?;
    let handle: JsValue = Object::new().into();
    Reflect::set(&handle, &"_id".into(), &JsValue::from(id))?;
    let ctx: JsValue = Object::new().into();
    scope_task(scope, id, handle.clone(), ctx, f.clone().into(), options)?;
    Ok(handle)
}

/// Whether the runtime still holds state for scope `s` (it must not once
/// its disposal resolved).
fn released_state_left(s: f64) -> bool {
    runtime::with(|rt| rt.scopes.contains_key(&(s as u64))).unwrap()
}

fn new_scope() -> f64 {
    scope_new(JsValue::UNDEFINED, None, Object::new().into()).unwrap()
}

#[wasm_bindgen_test]
fn sync_value_settles_to_a_success_tuple() {
    let s = new_scope();
    let t = spawn(s, &Function::new_no_args("return 42"), JsValue::UNDEFINED).unwrap();
    let r: Array = get(&t, "_r").dyn_into().unwrap();
    assert!(r.get(0).is_undefined());
    assert_eq!(r.get(1).as_f64(), Some(42.0));
}

#[wasm_bindgen_test]
fn thrown_error_keeps_its_identity() {
    let s = new_scope();
    let err = js_sys::Error::new("boom");
    let thrower = Function::new_with_args("e", "return () => { throw e }")
        .call1(&JsValue::UNDEFINED, &err)
        .unwrap()
        .dyn_into::<Function>()
        .unwrap();
    let t = spawn(s, &thrower, JsValue::UNDEFINED).unwrap();
    let r: Array = get(&t, "_r").dyn_into().unwrap();
    assert!(JsValue::from(err).loose_eq(&r.get(0)));
    assert!(Object::is(&r.get(0), &r.get(0)));
}

#[wasm_bindgen_test]
async fn promise_result_settles_after_the_microtask() {
    let s = new_scope();
    let t = spawn(
        s,
        &Function::new_no_args("return Promise.resolve('later')"),
        JsValue::UNDEFINED,
    )
    .unwrap();
    assert!(get(&t, "_r").is_undefined());
    flush().await;
    let r: Array = get(&t, "_r").dyn_into().unwrap();
    assert_eq!(r.get(1).as_string().as_deref(), Some("later"));
    JsFuture::from(scope_dispose(s).unwrap()).await.unwrap();
    assert!(!released_state_left(s));
}

#[wasm_bindgen_test]
async fn dispose_aborts_runs_cleanups_lifo_and_waits() {
    let s = new_scope();
    let log = Array::new();
    let push = Function::new_with_args("log, msg", "return () => { log.push(msg) }");
    for name in ["a", "b"] {
        let cleanup = push
            .call2(&JsValue::UNDEFINED, &log, &JsValue::from_str(name))
            .unwrap();
        scope_provide(
            s,
            JsValue::from_str(name),
            Function::new_no_args("return 1").into(),
            cleanup,
        )
        .unwrap();
    }
    let sig = scope_signal(s, JsValue::UNDEFINED).unwrap();
    // A task that settles only when its signal aborts.
    let waiter = Function::new_with_args(
        "log",
        "return (ctx) => new Promise((r) => setTimeout(() => { log.push('task'); r(1) }, 5))",
    )
    .call1(&JsValue::UNDEFINED, &log)
    .unwrap()
    .dyn_into::<Function>()
    .unwrap();
    spawn(s, &waiter, JsValue::UNDEFINED).unwrap();
    let done = scope_dispose(s).unwrap();
    assert!(sig.aborted());
    assert!(scope_is_disposed(s).unwrap());
    JsFuture::from(done).await.unwrap();
    let got: Vec<String> = log.iter().filter_map(|v| v.as_string()).collect();
    assert_eq!(got, vec!["b", "a", "task"]);
    assert!(!released_state_left(s));
}

#[wasm_bindgen_test]
async fn several_cleanup_errors_are_joined() {
    let s = new_scope();
    for msg in ["x", "y"] {
        let cleanup = Function::new_with_args("m", "return () => { throw new Error(m) }")
            .call1(&JsValue::UNDEFINED, &JsValue::from_str(msg))
            .unwrap();
        scope_provide(
            s,
            JsValue::from_str(msg),
            Function::new_no_args("return 0").into(),
            cleanup,
        )
        .unwrap();
    }
    let err = JsFuture::from(scope_dispose(s).unwrap()).await.unwrap_err();
    let err: js_sys::Error = err.dyn_into().unwrap();
    assert_eq!(
        String::from(err.message()),
        "Multiple errors during scope disposal: y, x"
    );
}

#[wasm_bindgen_test]
fn spawning_on_a_disposed_scope_throws() {
    let s = new_scope();
    let _ = scope_dispose(s).unwrap();
    let err = spawn(s, &Function::new_no_args("return 1"), JsValue::UNDEFINED).unwrap_err();
    let err: js_sys::Error = err.dyn_into().unwrap();
    assert_eq!(
        String::from(err.message()),
        "Cannot spawn task on disposed scope"
    );
}

#[wasm_bindgen_test]
fn bad_input_is_a_type_or_range_error() {
    let s = new_scope();
    let id = next_task_id().unwrap();
    let e = scope_task(
        s,
        id,
        Object::new().into(),
        Object::new().into(),
        JsValue::from(3),
        JsValue::UNDEFINED,
    )
    .unwrap_err();
    assert!(e.is_instance_of::<js_sys::TypeError>());
    let opts = Object::new();
    Reflect::set(&opts, &"timeout".into(), &JsValue::from(f64::NAN)).unwrap();
    let e = scope_new(opts.into(), None, Object::new().into()).unwrap_err();
    assert!(e.is_instance_of::<js_sys::RangeError>());
    let e = scope_provide(
        s,
        JsValue::from(1),
        Function::new_no_args("").into(),
        JsValue::UNDEFINED,
    )
    .unwrap_err();
    assert!(e.is_instance_of::<js_sys::TypeError>());
}

#[wasm_bindgen_test]
async fn task_timeout_aborts_its_own_signal() {
    let s = new_scope();
    let opts = Object::new();
    Reflect::set(&opts, &"timeout".into(), &JsValue::from(5)).unwrap();
    let t = spawn(
        s,
        &Function::new_no_args("return new Promise(() => {})"),
        opts.into(),
    )
    .unwrap();
    let sig = task_signal(get(&t, "_id").as_f64().unwrap()).unwrap();
    assert!(!sig.aborted());
    let wait = Promise::new(&mut |r, _| {
        let _ = Function::new_with_args("r", "setTimeout(r, 30)").call1(&JsValue::UNDEFINED, &r);
    });
    JsFuture::from(wait).await.unwrap();
    let r: Array = get(&t, "_r").dyn_into().unwrap();
    assert!(sig.aborted());
    assert!(Object::is(&sig.reason(), &r.get(0)));
    let err: js_sys::Error = r.get(0).dyn_into().unwrap();
    assert_eq!(String::from(err.message()), "timeout after 5ms");
}

#[wasm_bindgen_test]
fn numbers_in_messages_are_what_string_n_gives() {
    super::start(); // as at instantiation (idempotent)
    let values = [
        1.5e-7,
        1e300,
        -1e300,
        9007199254740992.0,
        9007199254740994.0,
        1e21,
        123456789012345680000.0,
        0.1 + 0.2,
        1.0 / 3.0,
        5e-324,
        f64::MAX,
        0.000001,
        12.5,
        -2.25,
        4294967296.0,
    ];
    let string = Function::new_with_args("v", "return String(v)");
    for v in values {
        let want = string
            .call1(&JsValue::UNDEFINED, &JsValue::from_f64(v))
            .unwrap()
            .as_string()
            .unwrap();
        assert_eq!(crate::core::options::js_number(v), want);
    }
}
