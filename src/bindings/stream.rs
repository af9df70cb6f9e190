//! `stream(source, signal?)` and `s.stream(source)`: iteration over an
//! AsyncIterable (or a `ReadableStream`'s reader) that ends at once when the
//! signal aborts.
//!
//! The shim's async generator asks for each step ([`stream_next`]) and
//! closes in its `finally` ([`stream_close`]). What is decided here:
//!
//! 1. Abort wins at once: a pending `next()` is abandoned (its promise is
//!    rejected with the abort reason right away, whatever the source does),
//!    and every later `next()` rejects with that reason.
//! 2. The source is cleaned up exactly once: `source` is `take`n out of the
//!    entry by whichever comes first, the abort or the close, and only the
//!    taker calls `return()` (or the reader's `cancel()` + `releaseLock()`).
//! 3. At most one `next()` is pending (the async generator serialises its
//!    calls); an item that arrives after its `next()` was abandoned is
//!    dropped.
//!
//! A stream's Rust state ([`StreamEntry`]) exists from the first `next()` to
//! the generator's `finally`; an un-iterated stream holds none.

use js_sys::{Function, Object, Promise, Reflect, Symbol};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::AbortSignal;

use super::js;
use super::runtime;
use super::signal::AbortWatch;

#[wasm_bindgen(inline_js = r#"
export function quiet(v) {
  if (v !== null && (typeof v === "object" || typeof v === "function") && typeof v.then === "function") {
    Promise.resolve(v).catch(() => {});
  }
}
export function doneResult() {
  return { done: true, value: undefined };
}
"#)]
extern "C" {
    /// Swallows a rejection of a cleanup promise nobody awaits.
    fn quiet(v: &JsValue);
    #[wasm_bindgen(js_name = doneResult)]
    fn done_result() -> JsValue;
}

/// Where items come from.
#[derive(Clone)]
enum Source {
    /// An async iterator and its `next` method (read once, as `for await`).
    Iter { it: Object, next: Function },
    /// A `ReadableStream` reader (a stream without `Symbol.asyncIterator`).
    Reader(Object),
}

/// Rust state of a stream being iterated.
pub(crate) struct StreamEntry {
    /// `None` once cleaned up (invariant #2).
    source: Option<Source>,
    /// The abort reason, once the signal aborted (invariant #1).
    aborted: Option<JsValue>,
    /// `(resolve, reject)` of the pending `next()` (invariant #3).
    pending: Option<(Function, Function)>,
    /// The abort listener, removed on drop.
    watch: Option<AbortWatch>,
}

struct Watchers {
    ok: Closure<dyn Fn(f64, f64, JsValue)>,
    err: Closure<dyn Fn(f64, f64, JsValue)>,
}

thread_local! {
    static WATCHERS: Watchers = Watchers {
        ok: Closure::new(|id: f64, _: f64, v: JsValue| settle(id as u64, Ok(v))),
        err: Closure::new(|id: f64, _: f64, e: JsValue| settle(id as u64, Err(e))),
    };
}

fn method(obj: &JsValue, key: &JsValue) -> Result<Option<Function>, JsValue> {
    let v = Reflect::get(obj, key)?;
    Ok(v.dyn_into::<Function>().ok())
}

fn signal_arg(signal: &JsValue) -> Result<Option<AbortSignal>, JsValue> {
    if signal.is_undefined() || signal.is_null() {
        return Ok(None);
    }
    match signal.dyn_ref::<AbortSignal>() {
        Some(s) => Ok(Some(s.clone())),
        None => Err(js::type_error(&format!(
            "stream: signal must be an AbortSignal, got {}",
            js::type_name(signal)
        ))),
    }
}

/// Checks the arguments of `stream(source, signal?)` synchronously, so bad
/// input throws at the call instead of at the first `next()`.
#[wasm_bindgen(js_name = __streamCheck)]
pub fn stream_check(source: JsValue, signal: JsValue) -> Result<(), JsValue> {
    signal_arg(&signal)?;
    if (source.is_object() || source.is_function())
        && (method(&source, &Symbol::async_iterator().into())?.is_some()
            || method(&source, &JsValue::from_str("getReader"))?.is_some())
    {
        return Ok(());
    }
    Err(js::type_error(&format!(
        "stream: source must be an AsyncIterable or a ReadableStream, got {}",
        js::type_name(&source)
    )))
}

/// Opens the source (at the first `next()`) and returns the stream id. An
/// already-aborted signal cleans the source up at once; `next()` then
/// throws the reason.
#[wasm_bindgen(js_name = __streamOpen)]
pub fn stream_open(source: JsValue, signal: JsValue) -> Result<f64, JsValue> {
    let signal = signal_arg(&signal)?;
    let src = match method(&source, &Symbol::async_iterator().into())? {
        Some(f) => {
            let it = f.call0(&source)?;
            if !it.is_object() {
                return Err(js::type_error(
                    "stream: source[Symbol.asyncIterator]() must return an object",
                ));
            }
            let next = method(&it, &JsValue::from_str("next"))?.ok_or_else(|| {
                js::type_error("stream: the source's iterator has no next() method")
            })?;
            Source::Iter {
                it: it.unchecked_into(),
                next,
            }
        }
        None => {
            let get_reader =
                method(&source, &JsValue::from_str("getReader"))?.ok_or_else(|| {
                    js::type_error("stream: source must be an AsyncIterable or a ReadableStream")
                })?;
            let reader = get_reader.call0(&source)?;
            if !reader.is_object() {
                return Err(js::type_error(
                    "stream: source.getReader() must return an object",
                ));
            }
            Source::Reader(reader.unchecked_into())
        }
    };
    let id = runtime::with(|rt| {
        rt.last_poll_id += 1;
        let id = rt.last_poll_id;
        rt.streams.insert(
            id,
            StreamEntry {
                source: Some(src),
                aborted: None,
                pending: None,
                watch: None,
            },
        );
        id
    })?;
    if let Some(s) = signal {
        if s.aborted() {
            on_abort(id, s.reason());
        } else {
            let watch = AbortWatch::new(&s, move |reason| on_abort(id, reason))?;
            runtime::with(|rt| {
                if let Some(e) = rt.streams.get_mut(&id) {
                    e.watch = Some(watch);
                }
            })?;
        }
    }
    Ok(id as f64)
}

/// What a `next()` finds.
enum Found {
    Aborted(JsValue),
    Done,
    Next(Source),
}

fn found(id: u64) -> Result<Found, JsValue> {
    runtime::with(|rt| match rt.streams.get(&id) {
        None => Found::Done,
        Some(e) => match (&e.aborted, &e.source) {
            (Some(r), _) => Found::Aborted(r.clone()),
            (None, None) => Found::Done,
            (None, Some(s)) => Found::Next(s.clone()),
        },
    })
}

/// The next `{ done, value }` of the source, or a rejection with the abort
/// reason as soon as the signal aborts (invariant #1).
#[wasm_bindgen(js_name = __streamNext)]
pub fn stream_next(id: f64) -> Result<Promise, JsValue> {
    let id = id as u64;
    let source = match found(id)? {
        Found::Aborted(r) => return Ok(Promise::reject(&r)),
        Found::Done => return Ok(Promise::resolve(&done_result())),
        Found::Next(s) => s,
    };
    // User code: the source may abort the signal from inside.
    let item = match &source {
        Source::Iter { it, next } => next.call0(it),
        Source::Reader(reader) => method(reader, &JsValue::from_str("read"))?
            .ok_or_else(|| js::type_error("stream: the reader has no read() method"))?
            .call0(reader),
    };
    let item = match item {
        Ok(v) => v,
        Err(e) => return Ok(Promise::reject(&e)),
    };
    // Register the pending next, then look again (STYLE #5): an abort during
    // the call above has already decided.
    let mut outcome: Result<Option<Found>, JsValue> = Ok(None);
    let promise = Promise::new(&mut |resolve, reject| {
        outcome = runtime::with(|rt| match rt.streams.get_mut(&id) {
            Some(e) if e.aborted.is_none() && e.source.is_some() => {
                e.pending = Some((resolve.clone(), reject.clone()));
                None
            }
            Some(e) => Some(match &e.aborted {
                Some(r) => {
                    let _ = reject.call1(&JsValue::UNDEFINED, r);
                    Found::Aborted(r.clone())
                }
                None => {
                    let _ = resolve.call1(&JsValue::UNDEFINED, &done_result());
                    Found::Done
                }
            }),
            None => {
                let _ = resolve.call1(&JsValue::UNDEFINED, &done_result());
                Some(Found::Done)
            }
        });
    });
    match outcome? {
        None => WATCHERS.with(|w| {
            js::watch(
                &item,
                id as f64,
                0.0, // no attempts here: every outcome counts
                w.ok.as_ref().unchecked_ref(),
                w.err.as_ref().unchecked_ref(),
            )
        }),
        // Decided already: the item is not wanted.
        Some(_) => quiet(&item),
    }
    Ok(promise)
}

/// The source answered the pending `next()` (dropped if it was abandoned).
fn settle(id: u64, result: Result<JsValue, JsValue>) {
    let pending = runtime::with(|rt| rt.streams.get_mut(&id).and_then(|e| e.pending.take()));
    let Ok(Some((resolve, reject))) = pending else {
        return;
    };
    let _ = match result {
        Ok(v) => resolve.call1(&JsValue::UNDEFINED, &v),
        Err(e) => reject.call1(&JsValue::UNDEFINED, &e),
    };
}

/// The signal aborted: clean the source up now, reject the pending `next()`.
fn on_abort(id: u64, reason: JsValue) {
    let taken = runtime::with(|rt| {
        let e = rt.streams.get_mut(&id)?;
        if e.aborted.is_some() {
            return None;
        }
        e.aborted = Some(reason.clone());
        Some((e.pending.take(), e.source.take(), e.watch.take()))
    });
    let Ok(Some((pending, source, watch))) = taken else {
        return;
    };
    if let Some(s) = source {
        // Nobody awaits this cleanup: a pending `next()` of an async
        // generator would hold its `return()` back until the source yields.
        quiet(&cleanup(&s, &reason));
    }
    if let Some((_, reject)) = pending {
        let _ = reject.call1(&JsValue::UNDEFINED, &reason);
    }
    drop(watch);
}

/// Calls the source's `return()`, or the reader's `cancel(reason)` and
/// `releaseLock()`. Returns what `return()`/`cancel()` returned.
fn cleanup(source: &Source, reason: &JsValue) -> JsValue {
    match source {
        Source::Iter { it, .. } => match method(it, &JsValue::from_str("return")) {
            Ok(Some(f)) => f.call0(it).unwrap_or_else(|e| Promise::reject(&e).into()),
            Ok(None) => JsValue::UNDEFINED,
            Err(e) => Promise::reject(&e).into(),
        },
        Source::Reader(reader) => {
            let cancelled = match method(reader, &JsValue::from_str("cancel")) {
                Ok(Some(f)) => f.call1(reader, reason).unwrap_or(JsValue::UNDEFINED),
                _ => JsValue::UNDEFINED,
            };
            quiet(&cancelled);
            if let Ok(Some(f)) = method(reader, &JsValue::from_str("releaseLock")) {
                let _ = f.call0(reader);
            }
            JsValue::UNDEFINED
        }
    }
}

/// The generator's `finally`: cleans the source up unless the abort did
/// (invariant #2) and releases the stream's state. Returns what the
/// source's `return()` returned, for the generator to await (as 1.0 does).
#[wasm_bindgen(js_name = __streamClose)]
pub fn stream_close(id: f64) -> Result<JsValue, JsValue> {
    let entry = runtime::with(|rt| rt.streams.remove(&(id as u64)))?;
    let Some(entry) = entry else {
        return Ok(JsValue::UNDEFINED);
    };
    let StreamEntry {
        source,
        pending,
        watch,
        ..
    } = entry;
    drop(watch);
    let out = match source {
        Some(s) => cleanup(&s, &JsValue::UNDEFINED),
        None => JsValue::UNDEFINED,
    };
    if let Some((resolve, _)) = pending {
        let _ = resolve.call1(&JsValue::UNDEFINED, &done_result());
    }
    Ok(out)
}
