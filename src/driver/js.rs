//! JavaScript interop: JavaScript functions as tasks (called with the
//! task's `AbortSignal`, so the JavaScript side really stops), and Rust
//! tasks and whole scope runs handed back to JavaScript as `Promise`s.
//!
//! # Invariants
//!
//! 1. A JavaScript function runs as a task only with the task's own
//!    signal: when the task times out or its scope aborts, that signal
//!    aborts (its `fetch`es, its listeners), and the Rust future awaiting
//!    the promise is dropped. Dropping a `JsFuture` alone would only stop
//!    waiting (wasm-bindgen's trap), so the signal is what stops the work.
//! 2. A value thrown or rejected by JavaScript reaches Rust as the same
//!    object ([`TaskError::Failed`] holds it as is), and goes back to
//!    JavaScript as the same object.

use std::future::Future;

use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::{future_to_promise, JsFuture};

use super::error::Error;
use super::scope::{scope, Scope, ScopeOptions};
use super::task::{Task, TaskContext, TaskError, TaskOptions};

impl TaskContext {
    /// Calls the JavaScript function `f` with this task's `AbortSignal`
    /// and waits for what it returns (a promise, any thenable, or a plain
    /// value). The signal also carries itself as `signal`, so both
    /// `(signal) => fetch(url, { signal })` and `({ signal }) => …` work,
    /// as 1.0's factories do. What `f` throws or rejects with comes back as
    /// is.
    ///
    /// ```no_run
    /// # use go_go_scope_wasm::{Scope, TaskOptions};
    /// # use wasm_bindgen::JsValue;
    /// # async fn demo(s: Scope, fetch_user: js_sys::Function) -> Result<(), JsValue> {
    /// // `fetch_user` is a JavaScript function: (signal) => fetch(url, { signal })
    /// let user = s.task(move |ctx| ctx.call_js(&fetch_user), TaskOptions::default())?;
    /// match user.await {
    ///     Ok(response) => println!("got {response:?}"),
    ///     Err(e) => return Err(e.into_js()), // what it threw or rejected with, itself
    /// }
    /// # Ok(()) }
    /// ```
    pub fn call_js(
        &self,
        f: &Function,
    ) -> impl Future<Output = Result<JsValue, JsValue>> + 'static {
        let signal = self.signal();
        let _ = Reflect::set(&signal, &JsValue::from_str("signal"), &signal);
        let called = f.call1(&JsValue::UNDEFINED, &signal);
        async move {
            let out = called?;
            if out.has_type::<Promise>() || is_thenable(&out) {
                JsFuture::from(Promise::resolve(&out)).await
            } else {
                Ok(out)
            }
        }
    }
}

/// Whether `v` has a callable `then` (reading it may throw: then it is
/// not one).
fn is_thenable(v: &JsValue) -> bool {
    (v.is_object() || v.is_function())
        && Reflect::get(v, &JsValue::from_str("then")).is_ok_and(|t| t.is_function())
}

impl Scope {
    /// Runs the JavaScript function `f` as a task of this scope (see
    /// [`TaskContext::call_js`]): `f(signal)`, its promise awaited, its
    /// value or thrown object as the task's `Result`.
    ///
    /// ```no_run
    /// # use go_go_scope_wasm::{Scope, TaskOptions};
    /// # use wasm_bindgen::JsValue;
    /// # async fn demo(s: Scope, fetch_user: js_sys::Function) -> Result<(), JsValue> {
    /// // `fetch_user` is a JavaScript function: (signal) => fetch(url, { signal })
    /// let user = s.task_js(fetch_user, TaskOptions::default())?;
    /// let response = user.await.map_err(|e| e.into_js())?;
    /// assert!(!response.is_undefined());
    /// # Ok(()) }
    /// ```
    pub fn task_js(
        &self,
        f: Function,
        options: TaskOptions<JsValue>,
    ) -> Result<Task<JsValue, JsValue>, Error> {
        self.task(move |ctx| ctx.call_js(&f), options)
    }
}

impl<T, E> Task<T, E>
where
    T: Into<JsValue> + 'static,
    E: Into<JsValue> + 'static,
{
    /// Hands the task to JavaScript as a `Promise`: fulfilled with its
    /// value, rejected with its error ([`TaskError::into_js`]: the thrown
    /// object itself, the abort reason itself). A go-go-scope task in
    /// JavaScript that awaits it gets the usual Result tuple.
    ///
    /// ```no_run
    /// use go_go_scope_wasm::{Scope, TaskOptions};
    /// use wasm_bindgen::JsValue;
    ///
    /// // A promise JavaScript awaits: it fulfils with 42.
    /// fn answer(s: &Scope) -> Result<js_sys::Promise, JsValue> {
    ///     let t = s.task(|_| async { Ok::<u32, JsValue>(42) }, TaskOptions::default())?;
    ///     Ok(t.into_promise())
    /// }
    /// ```
    pub fn into_promise(self) -> Promise {
        future_to_promise(async move {
            match self.await {
                Ok(v) => Ok(v.into()),
                Err(e) => Err(e.into_js()),
            }
        })
    }
}

/// Runs `f` in a new scope and hands the whole run to JavaScript as a
/// `Promise`: the scope is disposed when `f`'s future ends (its tasks are
/// aborted, its cleanups run), then the promise fulfils with `f`'s value or
/// rejects with its error (or with the cleanup error, if disposal failed).
/// Give the scope the caller's `AbortSignal` (`options.signal`) and a
/// JavaScript scope's disposal ends the Rust one.
///
/// ```no_run
/// use go_go_scope_wasm::{run, ScopeOptions, TaskOptions};
/// use wasm_bindgen::prelude::*;
///
/// #[wasm_bindgen]
/// pub fn crunch(signal: web_sys::AbortSignal, n: u32) -> js_sys::Promise {
///     run(ScopeOptions::default().signal(signal), move |s| async move {
///         let t = s.task(move |_| async move { Ok::<_, JsValue>((0..n).sum::<u32>()) }, TaskOptions::default())?;
///         t.await.map_err(|e| e.into_js())
///     })
/// }
/// ```
pub fn run<T, E, F, Fut>(options: ScopeOptions, f: F) -> Promise
where
    T: Into<JsValue> + 'static,
    E: Into<JsValue> + 'static,
    F: FnOnce(Scope) -> Fut + 'static,
    Fut: Future<Output = Result<T, E>> + 'static,
{
    future_to_promise(async move {
        let s = scope(options).map_err(|e| e.to_js())?;
        let out = f(s.clone()).await;
        let disposed = s.dispose().await;
        let v = out.map_err(Into::into)?;
        disposed.map_err(|e| e.to_js())?;
        Ok(v.into())
    })
}

/// The result of a task as JavaScript's Result tuple: `[undefined, value]`
/// or `[error, undefined]` (what go-go-scope tasks settle to).
///
/// ```no_run
/// use go_go_scope_wasm::{result_tuple, TaskError};
/// use wasm_bindgen::JsValue;
///
/// let ok = result_tuple::<u32, JsValue>(Ok(7));
/// assert!(ok.get(0).is_undefined());
/// assert_eq!(ok.get(1).as_f64(), Some(7.0));
/// let err = result_tuple::<u32, JsValue>(Err(TaskError::Failed("no user".into())));
/// assert_eq!(err.get(0).as_string().as_deref(), Some("no user"));
/// ```
pub fn result_tuple<T: Into<JsValue>, E: Into<JsValue>>(
    r: Result<T, TaskError<E>>,
) -> js_sys::Array {
    match r {
        Ok(v) => js_sys::Array::of2(&JsValue::UNDEFINED, &v.into()),
        Err(e) => js_sys::Array::of2(&e.into_js(), &JsValue::UNDEFINED),
    }
}
