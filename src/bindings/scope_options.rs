//! The options of `scope(options)`: `timeout`, `signal`, `concurrency`,
//! `circuitBreaker`, `tracer`, `name` (`parent` is checked by the shim).
//! Read once, before any borrow; wrong values are a `TypeError`/`RangeError`
//! naming them.

use wasm_bindgen::prelude::*;
use web_sys::AbortSignal;

use super::js;
use crate::core::options::{self, Limit};

/// Options of `scope(options)`, read before any borrow.
#[derive(Default)]
pub(crate) struct ScopeOptions {
    pub timeout: Option<f64>,
    pub signal: Option<AbortSignal>,
    /// `Some(None)`: explicitly none (`0`, not inherited).
    pub concurrency: Option<Option<Limit>>,
    pub circuit_breaker: Option<(u32, f64)>,
    /// Do not inherit the parent's circuit breaker (internal scopes).
    pub no_breaker: bool,
    pub tracer: Option<JsValue>,
    pub name: Option<String>,
}

impl ScopeOptions {
    pub(crate) fn read(options: &JsValue) -> Result<ScopeOptions, JsValue> {
        let mut out = ScopeOptions::default();
        let Some(obj) = js::options_object("scope", options)? else {
            return Ok(out);
        };
        let ctx = "scope";
        if let Some(ms) = js::optional_number(&obj, "timeout", ctx)? {
            out.timeout =
                options::duration_ms("timeout", ms).map_err(|e| js::option_error(ctx, &e))?;
        }
        let sig = js::get(&obj, "signal")?;
        out.signal = js::optional_signal("scope: options.signal", sig)?;
        if let Some(n) = js::optional_number(&obj, "concurrency", ctx)? {
            out.concurrency = Some(options::concurrency(n).map_err(|e| js::option_error(ctx, &e))?);
        }
        let cb = js::get(&obj, "circuitBreaker")?;
        if !cb.is_undefined() && !cb.is_null() {
            let cb = js::options_object("scope: circuitBreaker", &cb)?.unwrap_or_default();
            let threshold = match js::optional_number(&cb, "failureThreshold", ctx)? {
                Some(n) => options::positive_integer("failureThreshold", n, false)
                    .map_err(|e| js::option_error(ctx, &e))?
                    .unwrap_or(5),
                None => 5,
            };
            let reset = match js::optional_number(&cb, "resetTimeout", ctx)? {
                Some(n) => options::reset_timeout_ms(n).map_err(|e| js::option_error(ctx, &e))?,
                None => 30_000.0,
            };
            out.circuit_breaker = Some((threshold, reset));
        }
        let name = js::get(&obj, "name")?;
        if !name.is_undefined() && !name.is_null() {
            out.name = Some(name.as_string().ok_or_else(|| {
                js::type_error(&format!(
                    "scope: options.name must be a string, got {}",
                    js::type_name(&name)
                ))
            })?);
        }
        let tracer = js::get(&obj, "tracer")?;
        out.tracer = (!tracer.is_undefined() && !tracer.is_null()).then_some(tracer);
        Ok(out)
    }
}
