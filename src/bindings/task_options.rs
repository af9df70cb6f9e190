//! The options of `s.task(fn, options)` (`timeout`, `onCleanup`, `retry`,
//! `otel`), read once, before any borrow: getters on the options object
//! are user code. Wrong values are a `TypeError`/`RangeError` naming them.

use js_sys::Function;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::js;
use crate::core::options;
use crate::core::retry::RetryPolicy;

/// `retry` delay: fixed, or computed by `(attempt, error) => ms`.
pub(crate) enum Delay {
    Fixed(f64),
    Computed(Function),
}

/// The `retry` option, read once.
pub(crate) struct RetrySpec {
    pub policy: RetryPolicy,
    pub delay: Delay,
    pub condition: Option<Function>,
    pub on_retry: Option<Function>,
}

/// Options of `s.task(fn, options)`, read before any borrow (getters on the
/// options object are user code).
pub(crate) struct TaskOptions {
    pub timeout: Option<f64>,
    pub on_cleanup: Option<Function>,
    pub retry: Option<RetrySpec>,
    /// `otel.name` and `otel.attributes`.
    pub otel_name: Option<String>,
    pub otel_attributes: Option<js_sys::Object>,
}

fn optional_function(
    obj: &js_sys::Object,
    key: &str,
    name: &str,
) -> Result<Option<Function>, JsValue> {
    let v = js::get(obj, key)?;
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    v.dyn_into::<Function>().map(Some).map_err(|v| {
        js::type_error(&format!(
            "task: {name} must be a function, got {}",
            js::type_name(&v)
        ))
    })
}

impl TaskOptions {
    pub(crate) const NONE: TaskOptions = TaskOptions {
        timeout: None,
        on_cleanup: None,
        retry: None,
        otel_name: None,
        otel_attributes: None,
    };

    pub(crate) fn read(options: &JsValue) -> Result<TaskOptions, JsValue> {
        let Some(obj) = js::options_object("task", options)? else {
            return Ok(TaskOptions::NONE);
        };
        let timeout = match js::optional_number(&obj, "timeout", "task")? {
            Some(ms) => {
                options::duration_ms("timeout", ms).map_err(|e| js::option_error("task", &e))?
            }
            None => None,
        };
        let on_cleanup = optional_function(&obj, "onCleanup", "options.onCleanup")?;
        let retry = js::get(&obj, "retry")?;
        let retry = if retry.is_undefined() || retry.is_null() || retry.is_falsy() {
            None
        } else {
            let r = js::options_object("task: retry", &retry)?.unwrap_or_default();
            let max_retries = match js::optional_number(&r, "maxRetries", "task: retry")? {
                Some(n)
                    if n.is_finite()
                        && n >= 0.0
                        && n.fract() == 0.0
                        && n <= f64::from(u32::MAX) =>
                {
                    n as u32
                }
                Some(n) => {
                    return Err(js::range_error(&format!(
                        "task: retry.maxRetries must be a whole number >= 0, got {}",
                        options::js_number(n)
                    )))
                }
                None => RetryPolicy::DEFAULT_MAX_RETRIES,
            };
            let d = js::get(&r, "delay")?;
            let delay = if d.is_undefined() || d.is_null() {
                Delay::Fixed(0.0)
            } else if let Some(f) = d.dyn_ref::<Function>() {
                Delay::Computed(f.clone())
            } else {
                let ms = RetryPolicy::checked_delay(d.as_f64())
                    .map_err(|e| js::option_error("task", &e))?;
                Delay::Fixed(ms)
            };
            Some(RetrySpec {
                policy: RetryPolicy { max_retries },
                delay,
                condition: optional_function(&r, "retryCondition", "retry.retryCondition")?,
                on_retry: optional_function(&r, "onRetry", "retry.onRetry")?,
            })
        };
        let otel = js::get(&obj, "otel")?;
        let (otel_name, otel_attributes) = match js::options_object("task: otel", &otel)? {
            None => (None, None),
            Some(o) => {
                let attrs = js::get(&o, "attributes")?;
                (
                    js::get(&o, "name")?.as_string(),
                    attrs
                        .is_object()
                        .then(|| attrs.unchecked_into::<js_sys::Object>()),
                )
            }
        };
        Ok(TaskOptions {
            timeout,
            on_cleanup,
            retry,
            otel_name,
            otel_attributes,
        })
    }
}
