//! Option structs from JavaScript: the objects go-go-scope 1.0 takes
//! (`{ timeout, concurrency, circuitBreaker: { failureThreshold,
//! resetTimeout }, signal }`, `{ timeout, retry: { maxRetries, delay },
//! otel: { name, attributes } }`,
//! `{ interval, immediate, signal }`, `{ concurrency, failFast, signal }`)
//! read through serde-wasm-bindgen, so a Rust function exported to
//! JavaScript accepts what JavaScript users already write.
//!
//! serde-wasm-bindgen reads only the fields named here (other properties,
//! a `tracer` say, are never touched) and hands each over as the
//! JavaScript value it is; the types are then checked as the TypeScript
//! executor checks them (a `TypeError` naming the field), and the numbers
//! are judged by the machine's own validators (`machine/options.rs`: a
//! `RangeError` with the machine's message), never here. `null` and
//! `undefined` mean "not given"; `Infinity` is legal wherever 1.0 took it.
//!
//! # Invariants
//!
//! 1. Nothing panics whatever the value: every field is checked before it
//!    is converted, and a value that fits no Rust type (a negative
//!    timeout, `NaN`) is refused with the machine's message.
//! 2. The JavaScript `AbortSignal` given is kept as is (the same object):
//!    its one listener is added when a scope (or poll, or run) uses it.

use std::time::Duration;

use serde::{Deserialize, Deserializer};
use wasm_bindgen::{JsCast, JsValue};

use super::error::Error;
use super::group::{ParallelOptions, RaceOptions};
use super::poll::PollOptions;
use super::scope::{CircuitBreakerOptions, ScopeOptions};
use super::task::{RetryOptions, TaskOptions};
use super::telemetry::{AttributeValue, OtelOptions};
use crate::machine::group::{
    PARALLEL_CONCURRENCY, RACE_CONCURRENCY, RACE_STAGGER, RACE_STAGGER_DELAY, RACE_STAGGER_MAX,
    RACE_TIMEOUT,
};
use crate::machine::options as rules;
use crate::machine::poll::POLL_INTERVAL;
use crate::machine::Fail;

/// A field as the JavaScript value it is (serde-wasm-bindgen's
/// `preserve`): `undefined` when absent.
#[derive(Deserialize)]
#[serde(transparent)]
struct Js(#[serde(with = "serde_wasm_bindgen::preserve")] JsValue);

impl Default for Js {
    fn default() -> Self {
        Js(JsValue::UNDEFINED)
    }
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct RawScope {
    timeout: Js,
    concurrency: Js,
    circuit_breaker: Js,
    signal: Js,
    name: Js,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct RawBreaker {
    failure_threshold: Js,
    reset_timeout: Js,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct RawTask {
    timeout: Js,
    retry: Js,
    on_cleanup: Js,
    otel: Js,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct RawRetry {
    max_retries: Js,
    delay: Js,
    retry_condition: Js,
    on_retry: Js,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct RawOtel {
    name: Js,
    attributes: Js,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct RawPoll {
    interval: Js,
    immediate: Js,
    signal: Js,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct RawParallel {
    concurrency: Js,
    fail_fast: Js,
    signal: Js,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct RawRace {
    signal: Js,
    require_success: Js,
    timeout: Js,
    stagger: Js,
    stagger_delay: Js,
    stagger_max_concurrent: Js,
    concurrency: Js,
}

/// `typeof v`, with `null` apart (what the messages print).
fn type_name(v: &JsValue) -> String {
    if v.is_null() {
        return "null".into();
    }
    v.js_typeof().as_string().unwrap_or_else(|| "object".into())
}

fn nullish(v: &JsValue) -> bool {
    v.is_undefined() || v.is_null()
}

/// An options argument: `undefined`/`null` for none, else an object.
fn object(v: &JsValue, ctx: &str) -> Result<bool, Error> {
    if nullish(v) {
        return Ok(false);
    }
    if v.is_object() || v.is_function() {
        return Ok(true);
    }
    Err(Error::Type(format!(
        "{ctx}: options must be an object, got {}",
        type_name(v)
    )))
}

/// Reads the known fields of `v` through serde-wasm-bindgen.
fn fields<T: for<'de> Deserialize<'de> + Default>(v: &JsValue, ctx: &str) -> Result<T, Error> {
    if !object(v, ctx)? {
        return Ok(T::default());
    }
    serde_wasm_bindgen::from_value(v.clone()).map_err(|e| Error::Type(format!("{ctx}: {e}")))
}

fn number(v: &Js, what: &str) -> Result<Option<f64>, Error> {
    if nullish(&v.0) {
        return Ok(None);
    }
    match v.0.as_f64() {
        Some(n) => Ok(Some(n)),
        None => Err(Error::Type(format!(
            "{what} must be a number, got {}",
            type_name(&v.0)
        ))),
    }
}

/// JavaScript's `Boolean(v)`, as 1.0 reads `failFast` and `immediate`.
fn truthy(v: &Js) -> Option<bool> {
    (!nullish(&v.0)).then(|| v.0.is_truthy())
}

fn signal(v: &Js, what: &str) -> Result<Option<web_sys::AbortSignal>, Error> {
    if nullish(&v.0) {
        return Ok(None);
    }
    match v.0.dyn_ref::<web_sys::AbortSignal>() {
        Some(s) => Ok(Some(s.clone())),
        None => Err(Error::Type(format!(
            "{what} must be an AbortSignal, got {}",
            type_name(&v.0)
        ))),
    }
}

/// Refuses a function where Rust needs a value (a JavaScript hook cannot
/// run as a Rust one).
fn no_function(v: &Js, what: &str, instead: &str) -> Result<(), Error> {
    if v.0.is_function() {
        return Err(Error::Type(format!(
            "{what}: a JavaScript function cannot be read into Rust options; set {instead} in Rust"
        )));
    }
    Ok(())
}

/// Milliseconds as a `Duration`, for a value the machine's rule accepted
/// (`Infinity`, if accepted, is `Duration::MAX`).
fn duration(ms: f64) -> Duration {
    Duration::try_from_secs_f64(ms / 1000.0).unwrap_or(Duration::MAX)
}

/// Milliseconds as a `Duration` where no rule applies here (the machine
/// judges it when the option is used); a value no `Duration` can hold is
/// refused with `message` (invariant #1).
fn representable(ms: f64, message: &'static str) -> Result<Duration, Error> {
    if ms.is_finite() && ms >= 0.0 {
        Ok(duration(ms))
    } else {
        Err(Fail::range(message, ms).into())
    }
}

/// A limit as the Rust options hold it: `Infinity` (no limit, said
/// explicitly) is `Some(0)`, as is 0.
fn limit(n: f64) -> u32 {
    if n.is_finite() {
        n.min(f64::from(u32::MAX)) as u32
    } else {
        0
    }
}

fn breaker(v: &JsValue) -> Result<Option<CircuitBreakerOptions>, Error> {
    let ctx = "scope: circuitBreaker";
    if !object(v, ctx)? {
        return Ok(None);
    }
    let raw: RawBreaker = fields(v, ctx)?;
    let mut b = CircuitBreakerOptions::default();
    if let Some(n) = number(&raw.failure_threshold, "scope: failureThreshold")? {
        b.failure_threshold = rules::count(n, rules::FAILURE_THRESHOLD)?;
    }
    if let Some(n) = number(&raw.reset_timeout, "scope: resetTimeout")? {
        b.reset_timeout = duration(rules::any_duration(n, rules::RESET_TIMEOUT)?);
    }
    Ok(Some(b))
}

impl ScopeOptions {
    /// Reads 1.0's scope options object: `{ timeout, concurrency,
    /// circuitBreaker: { failureThreshold, resetTimeout }, signal, name }`
    /// (`undefined` or `null`: the defaults). A wrong type is
    /// [`Error::Type`] and a bad number [`Error::Range`], each naming the
    /// field, as the npm package throws them.
    ///
    /// ```no_run
    /// use go_go_scope_wasm::{scope, ScopeOptions};
    /// use wasm_bindgen::prelude::*;
    ///
    /// #[wasm_bindgen]
    /// pub async fn count_users(options: JsValue) -> Result<u32, JsValue> {
    ///     let s = scope(ScopeOptions::from_js(&options)?)?;
    ///     // ...
    ///     s.dispose().await.map_err(|e| e.to_js())?;
    ///     Ok(0)
    /// }
    /// ```
    pub fn from_js(v: &JsValue) -> Result<ScopeOptions, Error> {
        let raw: RawScope = fields(v, "scope")?;
        let mut o = ScopeOptions::default();
        if let Some(n) = number(&raw.timeout, "scope: timeout")? {
            o.timeout = rules::duration(n, rules::SCOPE_TIMEOUT)?.map(duration);
        }
        if let Some(n) = number(&raw.concurrency, "scope: concurrency")? {
            o.concurrency = Some(limit(rules::limit(n, 0.0, rules::SCOPE_CONCURRENCY)?));
        }
        o.circuit_breaker = breaker(&raw.circuit_breaker.0)?;
        o.signal = signal(&raw.signal, "scope: options.signal")?;
        if !nullish(&raw.name.0) {
            match raw.name.0.as_string() {
                Some(n) => o.name = Some(n),
                None => {
                    return Err(Error::Type(format!(
                        "scope: options.name must be a string, got {}",
                        type_name(&raw.name.0)
                    )))
                }
            }
        }
        Ok(o)
    }
}

impl<E> RetryOptions<E> {
    /// Reads 1.0's `retry` object: `{ maxRetries, delay }` with a number
    /// delay. Functions (`delay`, `retryCondition`, `onRetry`) cannot come
    /// from JavaScript: set them with the builder.
    ///
    /// ```no_run
    /// # use go_go_scope_wasm::RetryOptions;
    /// # use js_sys::{Object, Reflect};
    /// // `{ maxRetries: 2, delay: 500 }`, as 1.0 took it
    /// let v = Object::new();
    /// Reflect::set(&v, &"maxRetries".into(), &2.into()).unwrap();
    /// Reflect::set(&v, &"delay".into(), &500.into()).unwrap();
    /// let retry = RetryOptions::<String>::from_js(&v).unwrap();
    /// assert_eq!(retry.max_retries, Some(2));
    /// ```
    pub fn from_js(v: &JsValue) -> Result<RetryOptions<E>, Error> {
        let raw: RawRetry = fields(v, "task: retry")?;
        let mut r = RetryOptions::new();
        if let Some(n) = number(&raw.max_retries, "task: retry: maxRetries")? {
            r.max_retries = Some(rules::whole(n, rules::MAX_RETRIES)?);
        }
        no_function(&raw.delay, "task: retry.delay", "RetryOptions::delay_fn")?;
        if !nullish(&raw.delay.0) {
            match raw.delay.0.as_f64() {
                Some(n) => r = r.delay(duration(rules::finite_duration(n, rules::RETRY_DELAY)?)),
                None => {
                    return Err(Error::Range(format!(
                        "task: retry.delay must be a number or a function, got {}",
                        type_name(&raw.delay.0)
                    )))
                }
            }
        }
        no_function(
            &raw.retry_condition,
            "task: retry.retryCondition",
            "RetryOptions::retry_condition",
        )?;
        no_function(
            &raw.on_retry,
            "task: retry.onRetry",
            "RetryOptions::on_retry",
        )?;
        Ok(r)
    }
}

impl<E> TaskOptions<E> {
    /// Reads 1.0's task options object: `{ timeout, retry: { maxRetries,
    /// delay }, otel: { name, attributes } }` (see
    /// [`RetryOptions::from_js`]; `onCleanup` and other functions are set in
    /// Rust).
    ///
    /// ```no_run
    /// # use go_go_scope_wasm::{Scope, TaskOptions};
    /// # use wasm_bindgen::JsValue;
    /// # fn demo(s: &Scope, options: JsValue) -> Result<(), JsValue> {
    /// // `options` from JavaScript: `{ timeout: 5000, retry: { maxRetries: 2 } }`
    /// let options = TaskOptions::<String>::from_js(&options)?;
    /// assert!(options.on_cleanup.is_none()); // functions are set in Rust
    /// let user = s.task(|_ctx| async { Ok::<_, String>("ada") }, options)?;
    /// # drop(user); Ok(()) }
    /// ```
    pub fn from_js(v: &JsValue) -> Result<TaskOptions<E>, Error> {
        let raw: RawTask = fields(v, "task")?;
        let mut o = TaskOptions::default();
        if let Some(n) = number(&raw.timeout, "task: timeout")? {
            o.timeout = rules::duration(n, rules::TASK_TIMEOUT)?.map(duration);
        }
        if object(&raw.retry.0, "task: retry")? {
            o.retry = Some(RetryOptions::from_js(&raw.retry.0)?);
        }
        no_function(
            &raw.on_cleanup,
            "task: onCleanup",
            "TaskOptions::on_cleanup",
        )?;
        o.otel = otel(&raw.otel.0)?;
        Ok(o)
    }
}

/// 1.0's `otel: { name, attributes }`: a string name, and attributes whose
/// values are booleans, numbers or strings (others are left out, as
/// OpenTelemetry drops them).
fn otel(v: &JsValue) -> Result<Option<OtelOptions>, Error> {
    if !object(v, "task: otel")? {
        return Ok(None);
    }
    let raw: RawOtel = fields(v, "task: otel")?;
    let mut o = OtelOptions::default();
    if !nullish(&raw.name.0) {
        match raw.name.0.as_string() {
            Some(n) => o.name = Some(n),
            None => {
                return Err(Error::Type(format!(
                    "task: otel.name must be a string, got {}",
                    type_name(&raw.name.0)
                )))
            }
        }
    }
    if object(&raw.attributes.0, "task: otel.attributes")? {
        let entries = js_sys::Object::entries(raw.attributes.0.unchecked_ref());
        for pair in entries.iter() {
            let pair: js_sys::Array = pair.unchecked_into();
            let (Some(k), v) = (pair.get(0).as_string(), pair.get(1)) else {
                continue;
            };
            let value = if let Some(b) = v.as_bool() {
                AttributeValue::Bool(b)
            } else if let Some(n) = v.as_f64() {
                AttributeValue::Number(n)
            } else if let Some(s) = v.as_string() {
                AttributeValue::String(s)
            } else {
                continue;
            };
            o.attributes.push((k, value));
        }
    }
    Ok(Some(o))
}

impl PollOptions {
    /// Reads 1.0's poll options object: `{ interval, immediate, signal }`.
    ///
    /// ```no_run
    /// # use std::time::Duration;
    /// # use go_go_scope_wasm::PollOptions;
    /// # use js_sys::{Object, Reflect};
    /// // `{ interval: 1000, immediate: false }`
    /// let v = Object::new();
    /// Reflect::set(&v, &"interval".into(), &1000.into()).unwrap();
    /// Reflect::set(&v, &"immediate".into(), &false.into()).unwrap();
    /// let options = PollOptions::from_js(&v).unwrap();
    /// assert_eq!((options.interval, options.immediate), (Some(Duration::from_secs(1)), false));
    /// ```
    pub fn from_js(v: &JsValue) -> Result<PollOptions, Error> {
        let raw: RawPoll = fields(v, "poll")?;
        let mut o = PollOptions::default();
        if let Some(n) = number(&raw.interval, "poll: interval")? {
            o.interval = Some(representable(n, POLL_INTERVAL)?);
        }
        if let Some(b) = truthy(&raw.immediate) {
            o.immediate = b;
        }
        o.signal = signal(&raw.signal, "poll: options.signal")?;
        Ok(o)
    }
}

impl ParallelOptions {
    /// Reads 1.0's parallel options object: `{ concurrency, failFast,
    /// signal }`.
    ///
    /// ```no_run
    /// # use go_go_scope_wasm::ParallelOptions;
    /// # use js_sys::{Object, Reflect};
    /// // `{ concurrency: 2, failFast: true }`
    /// let v = Object::new();
    /// Reflect::set(&v, &"concurrency".into(), &2.into()).unwrap();
    /// Reflect::set(&v, &"failFast".into(), &true.into()).unwrap();
    /// let options = ParallelOptions::from_js(&v).unwrap();
    /// assert_eq!((options.concurrency, options.fail_fast), (Some(2), true));
    /// ```
    pub fn from_js(v: &JsValue) -> Result<ParallelOptions, Error> {
        let raw: RawParallel = fields(v, "parallel")?;
        let mut o = ParallelOptions::default();
        if let Some(n) = number(&raw.concurrency, "parallel: concurrency")? {
            o.concurrency = Some(limit(rules::limit(n, 0.0, PARALLEL_CONCURRENCY)?));
        }
        o.fail_fast = truthy(&raw.fail_fast).unwrap_or(false);
        o.signal = signal(&raw.signal, "parallel: options.signal")?;
        Ok(o)
    }
}

impl RaceOptions {
    /// Reads 1.0's race options object, `{ signal }`, with go-go-scope
    /// 2.x's `requireSuccess`, `timeout`, `stagger` (or `staggerDelay`),
    /// `staggerMaxConcurrent` and `concurrency` (the smaller of the last two
    /// applies).
    ///
    /// ```no_run
    /// # use std::time::Duration;
    /// # use go_go_scope_wasm::RaceOptions;
    /// # use js_sys::{Object, Reflect};
    /// // `{ signal: controller.signal, staggerDelay: 50, requireSuccess: true }`
    /// let controller = web_sys::AbortController::new().unwrap();
    /// let v = Object::new();
    /// Reflect::set(&v, &"signal".into(), &controller.signal()).unwrap();
    /// Reflect::set(&v, &"staggerDelay".into(), &50.into()).unwrap();
    /// Reflect::set(&v, &"requireSuccess".into(), &true.into()).unwrap();
    /// let options = RaceOptions::from_js(&v).unwrap();
    /// assert_eq!(options.signal, Some(controller.signal()));
    /// assert_eq!(options.stagger, Some(Duration::from_millis(50)));
    /// assert!(options.require_success);
    /// ```
    pub fn from_js(v: &JsValue) -> Result<RaceOptions, Error> {
        let raw: RawRace = fields(v, "race")?;
        let mut o = RaceOptions {
            signal: signal(&raw.signal, "race: options.signal")?,
            require_success: truthy(&raw.require_success).unwrap_or(false),
            ..RaceOptions::default()
        };
        if let Some(n) = number(&raw.timeout, "race: timeout")? {
            o.timeout = rules::duration(n, RACE_TIMEOUT)?.map(duration);
        }
        let stagger = match number(&raw.stagger, "race: stagger")? {
            Some(n) => Some((n, RACE_STAGGER)),
            None => {
                number(&raw.stagger_delay, "race: staggerDelay")?.map(|n| (n, RACE_STAGGER_DELAY))
            }
        };
        if let Some((n, message)) = stagger {
            o.stagger = Some(duration(rules::any_duration(n, message)?));
        }
        let mut at_most = |js: &Js, what: &str, message: &'static str| -> Result<(), Error> {
            if let Some(n) = number(js, what)? {
                let n = limit(rules::limit(n, 0.0, message)?);
                if n > 0 {
                    o.concurrency = Some(o.concurrency.map_or(n, |m| m.min(n)));
                }
            }
            Ok(())
        };
        at_most(
            &raw.stagger_max_concurrent,
            "race: staggerMaxConcurrent",
            RACE_STAGGER_MAX,
        )?;
        at_most(&raw.concurrency, "race: concurrency", RACE_CONCURRENCY)?;
        Ok(o)
    }
}

impl CircuitBreakerOptions {
    /// Reads 1.0's `circuitBreaker` object: `{ failureThreshold,
    /// resetTimeout }`.
    ///
    /// ```no_run
    /// # use std::time::Duration;
    /// # use go_go_scope_wasm::CircuitBreakerOptions;
    /// # use js_sys::{Object, Reflect};
    /// // `{ failureThreshold: 3, resetTimeout: 10000 }`
    /// let v = Object::new();
    /// Reflect::set(&v, &"failureThreshold".into(), &3.into()).unwrap();
    /// Reflect::set(&v, &"resetTimeout".into(), &10_000.into()).unwrap();
    /// let b = CircuitBreakerOptions::from_js(&v).unwrap();
    /// assert_eq!((b.failure_threshold, b.reset_timeout), (3, Duration::from_secs(10)));
    /// ```
    pub fn from_js(v: &JsValue) -> Result<CircuitBreakerOptions, Error> {
        Ok(breaker(v)?.unwrap_or_default())
    }
}

/// Deserializes with serde-wasm-bindgen from a JavaScript value (the
/// object is taken as is and read by [`ScopeOptions::from_js`]; with
/// another deserializer, this fails).
macro_rules! deserialize_via_from_js {
    ($t:ty $(, $g:ident)?) => {
        impl<'de $(, $g)?> Deserialize<'de> for $t {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let Js(v) = Js::deserialize(d)?;
                <$t>::from_js(&v).map_err(serde::de::Error::custom)
            }
        }
    };
}

deserialize_via_from_js!(ScopeOptions);
deserialize_via_from_js!(PollOptions);
deserialize_via_from_js!(ParallelOptions);
deserialize_via_from_js!(RaceOptions);
deserialize_via_from_js!(CircuitBreakerOptions);
deserialize_via_from_js!(TaskOptions<E>, E);
deserialize_via_from_js!(RetryOptions<E>, E);
