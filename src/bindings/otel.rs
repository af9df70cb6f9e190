//! OpenTelemetry spans, duck-typed: the scope's tracer is any object with
//! `startSpan(name, { attributes }, context)`, and spans are called through
//! `setAttributes`, `setStatus`, `recordException` and `end`.
//!
//! Parent context comes from the OpenTelemetry API's global registry (what
//! `@opentelemetry/api`'s `context.active()` reads) and `trace.setSpan` is
//! `ctx.setValue(SPAN_KEY, span)`, so the package needs no import of
//! `@opentelemetry/api`: with no tracer, no OpenTelemetry code runs at all.
//! A throwing tracer never fails the work it traces.

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::prelude::*;

use crate::core::telemetry::{Attr, AttrValue, ErrorReason};

#[wasm_bindgen(inline_js = r#"
const API = Symbol.for("opentelemetry.js.api.1");
const SPAN_KEY = Symbol.for("OpenTelemetry Context Key SPAN");
class BaseContext {
  constructor(parent) { this._v = parent ? new Map(parent._v) : new Map(); }
  getValue(key) { return this._v.get(key); }
  setValue(key, value) { const c = new BaseContext(this); c._v.set(key, value); return c; }
  deleteValue(key) { const c = new BaseContext(this); c._v.delete(key); return c; }
}
const ROOT = new BaseContext();
export function otelActive() {
  const g = globalThis[API];
  const cm = g && g.context;
  return (cm && typeof cm.active === "function" && cm.active()) || ROOT;
}
export function otelSetSpan(ctx, span) { return ctx.setValue(SPAN_KEY, span); }
export function asError(v) { return v instanceof Error ? v : new Error(String(v)); }
export function perfNow() { return performance.now(); }
export function callMethod(obj, name, args) {
  const f = obj != null ? obj[name] : undefined;
  return typeof f === "function" ? f.apply(obj, args) : undefined;
}
"#)]
extern "C" {
    #[wasm_bindgen(js_name = otelActive, catch)]
    fn otel_active() -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_name = otelSetSpan, catch)]
    fn otel_set_span(ctx: &JsValue, span: &JsValue) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_name = asError)]
    fn as_error(v: &JsValue) -> JsValue;
    /// `performance.now()`: span and debug durations.
    #[wasm_bindgen(js_name = perfNow)]
    pub(crate) fn perf_now() -> f64;
    #[wasm_bindgen(js_name = callMethod, catch)]
    fn call_method(obj: &JsValue, name: &str, args: &Array) -> Result<JsValue, JsValue>;
}

/// Builds an attributes object from `(key, value)` pairs, skipping
/// `undefined` values.
pub(crate) fn attributes(pairs: &[(&str, JsValue)]) -> Object {
    let obj = Object::new();
    for (k, v) in pairs {
        if !v.is_undefined() {
            let _ = Reflect::set(&obj, &JsValue::from_str(k), v);
        }
    }
    obj
}

fn status(code: u32, message: Option<&str>) -> JsValue {
    let mut pairs = vec![("code", JsValue::from(code))];
    if let Some(m) = message {
        pairs.push(("message", JsValue::from_str(m)));
    }
    attributes(&pairs).into()
}

/// A started span.
#[derive(Clone)]
pub(crate) struct Span {
    span: JsValue,
    start: f64,
}

impl Span {
    /// `tracer.startSpan(name, { attributes }, parent)` (parent: the given
    /// context, else the active one). `None` if the tracer has no
    /// `startSpan` or throws. No borrow may be held: this is user code.
    pub(crate) fn start(
        tracer: &JsValue,
        name: &str,
        attrs: Object,
        parent: Option<&JsValue>,
    ) -> Option<(Span, JsValue)> {
        let ctx = match parent {
            Some(c) => c.clone(),
            None => otel_active().ok()?,
        };
        let options = attributes(&[("attributes", attrs.into())]);
        let span = call_method(
            tracer,
            "startSpan",
            &Array::of3(&JsValue::from_str(name), &options, &ctx),
        )
        .ok()?;
        if span.is_undefined() || span.is_null() {
            return None;
        }
        let child_ctx = otel_set_span(&ctx, &span).unwrap_or(ctx);
        Some((
            Span {
                span,
                start: perf_now(),
            },
            child_ctx,
        ))
    }

    pub(crate) fn elapsed_ms(&self) -> f64 {
        perf_now() - self.start
    }

    pub(crate) fn set_attributes(&self, pairs: &[(&str, JsValue)]) {
        let _ = call_method(&self.span, "setAttributes", &Array::of1(&attributes(pairs)));
    }

    /// `setAttributes` with attributes described by the core.
    pub(crate) fn set(&self, attrs: &[Attr]) {
        let pairs: Vec<(&str, JsValue)> = attrs
            .iter()
            .map(|(k, v)| {
                let v = match *v {
                    AttrValue::Bool(b) => JsValue::from_bool(b),
                    AttrValue::Number(n) => JsValue::from_f64(n),
                    AttrValue::Str(s) => JsValue::from_str(s),
                };
                (*k, v)
            })
            .collect();
        self.set_attributes(&pairs);
    }

    pub(crate) fn record_exception(&self, error: &JsValue) {
        let _ = call_method(&self.span, "recordException", &Array::of1(&as_error(error)));
    }

    /// `setStatus({ code: ERROR, message })`.
    pub(crate) fn error(&self, message: &str) {
        let _ = call_method(
            &self.span,
            "setStatus",
            &Array::of1(&status(2, Some(message))),
        );
    }

    /// `setStatus({ code: OK })`.
    pub(crate) fn ok(&self) {
        let _ = call_method(&self.span, "setStatus", &Array::of1(&status(1, None)));
    }

    pub(crate) fn end(self) {
        let _ = call_method(&self.span, "end", &Array::new());
    }
}

/// Ends a task span: duration, attempts, and on failure the exception, the
/// error reason and status ERROR; else status OK.
pub(crate) fn end_task(span: Span, error: Option<(&JsValue, ErrorReason)>, retry_attempts: u32) {
    let duration = crate::core::telemetry::round_ms(span.elapsed_ms());
    match error {
        None => {
            span.set_attributes(&[
                ("task.duration_ms", JsValue::from(duration)),
                ("task.retry_attempts", JsValue::from(retry_attempts)),
            ]);
            span.ok();
        }
        Some((e, reason)) => {
            span.record_exception(e);
            span.set_attributes(&[
                ("task.duration_ms", JsValue::from(duration)),
                ("task.error_reason", JsValue::from_str(reason.as_str())),
                ("task.retry_attempts", JsValue::from(retry_attempts)),
            ]);
            span.error("task failed");
        }
    }
    span.end();
}
