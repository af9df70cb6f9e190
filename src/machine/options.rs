//! What option numbers mean, and which are refused. JS reads the option
//! objects (their getters are user code) and checks their *types* (a string
//! where a number belongs is a `TypeError` at the reading site); the values
//! are judged here. Messages mark the offending number with `\u{1}`, which
//! JS prints as `String(n)` prints it.

#[cfg(all(target_arch = "wasm32", feature = "tiny"))]
#[allow(unused_imports)]
use crate::prelude::*;

use super::fail::{Fail, Outcome};

/// A duration in ms (`timeout`): `0` means none, `Infinity` means none (as
/// in 1.0, a timeout that never fires); negative or NaN is refused.
/// `Ok(None)`: no timeout.
pub fn duration(value: f64, message: &'static str) -> Outcome<Option<f64>> {
    if value.is_nan() || value < 0.0 {
        return Err(Fail::range(message, value));
    }
    Ok(if value == 0.0 || value == f64::INFINITY {
        None
    } else {
        Some(value)
    })
}

/// A finite duration in ms (a retry `delay`): `0` allowed.
pub fn finite_duration(value: f64, message: &'static str) -> Outcome<f64> {
    if !value.is_finite() || value < 0.0 {
        return Err(Fail::range(message, value));
    }
    Ok(value)
}

/// A duration in ms that may be `Infinity` (`resetTimeout`: never).
pub fn any_duration(value: f64, message: &'static str) -> Outcome<f64> {
    if value.is_nan() || value < 0.0 {
        return Err(Fail::range(message, value));
    }
    Ok(value)
}

/// The largest whole limit: 2^32 (1.0 had no bound; beyond it a count is
/// unlimited in practice, and `Infinity` says so).
pub const MAX_LIMIT: f64 = 4_294_967_296.0;

/// A limit (`concurrency`, a capacity, permits): a whole number from `min`
/// to 2^32, or `Infinity` for none. Returned as given, for reporting (a
/// scope's `concurrency` is `Infinity` when set so).
pub fn limit(value: f64, min: f64, message: &'static str) -> Outcome<f64> {
    if value == f64::INFINITY || (value.fract() == 0.0 && (min..=MAX_LIMIT).contains(&value)) {
        return Ok(value);
    }
    Err(Fail::range(message, value))
}

/// The permits a limit gives a semaphore: `None` for `Infinity`.
pub fn permits(limit: f64) -> Option<u32> {
    (limit != f64::INFINITY).then(|| limit.min(f64::from(u32::MAX)) as u32)
}

/// A positive whole count (`failureThreshold`).
pub fn count(value: f64, message: &'static str) -> Outcome<u32> {
    if !value.is_finite() || value.fract() != 0.0 || value < 1.0 || value > f64::from(u32::MAX) {
        return Err(Fail::range(message, value));
    }
    Ok(value as u32)
}

/// A whole number >= 0 (`maxRetries`).
pub fn whole(value: f64, message: &'static str) -> Outcome<u32> {
    if !value.is_finite() || value.fract() != 0.0 || value < 0.0 || value > f64::from(u32::MAX) {
        return Err(Fail::range(message, value));
    }
    Ok(value as u32)
}

pub const SCOPE_TIMEOUT: &str = "scope: timeout must be a number of milliseconds >= 0, got \u{1}";
pub const SCOPE_CONCURRENCY: &str =
    "scope: concurrency must be an integer from 1 to 2^32, or Infinity, got \u{1}";
pub const FAILURE_THRESHOLD: &str = "scope: failureThreshold must be a positive integer, got \u{1}";
pub const RESET_TIMEOUT: &str =
    "scope: resetTimeout must be a number of milliseconds >= 0 (Infinity: never), got \u{1}";
pub const TASK_TIMEOUT: &str = "task: timeout must be a number of milliseconds >= 0, got \u{1}";
pub const MAX_RETRIES: &str = "task: retry.maxRetries must be a whole number >= 0, got \u{1}";
pub const RETRY_DELAY: &str =
    "task: retry.delay must be a finite number of milliseconds >= 0, got \u{1}";
pub const TASK_ON_DISPOSED: &str = "Cannot spawn task on disposed scope";
pub const TASK_ON_ABORTED: &str = "Cannot spawn task on aborted scope";
pub const DELAY_MS: &str = "delay: ms must be a number of milliseconds >= 0, got \u{1}";
pub const ON_DISPOSE_ON_DISPOSED: &str = "Cannot register onDispose on disposed scope";
pub const CONTEXT_ON_DISPOSED: &str = "Cannot set context on disposed scope";
pub const PROVIDE_ON_DISPOSED: &str = "Cannot provide service on disposed scope";
pub const USE_ON_DISPOSED: &str = "Cannot use service on disposed scope";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn infinity_means_no_limit_and_junk_is_refused() {
        assert_eq!(limit(f64::INFINITY, 1.0, ""), Ok(f64::INFINITY));
        assert_eq!(limit(0.0, 0.0, ""), Ok(0.0));
        assert_eq!(limit(3.0, 1.0, ""), Ok(3.0));
        assert_eq!(limit(MAX_LIMIT, 1.0, ""), Ok(MAX_LIMIT));
        assert_eq!(permits(MAX_LIMIT), Some(u32::MAX));
        assert_eq!(permits(f64::INFINITY), None);
        for bad in [0.0, -1.0, 1.5, f64::NAN, 2f64.powi(40), f64::NEG_INFINITY] {
            assert!(limit(bad, 1.0, "m").is_err(), "{bad}");
        }
        assert_eq!(duration(f64::INFINITY, ""), Ok(None));
        assert_eq!(duration(0.0, ""), Ok(None));
        assert_eq!(duration(1.5, ""), Ok(Some(1.5)));
        assert!(duration(-1.0, "m").is_err());
        assert!(duration(f64::NAN, "m").is_err());
        let e = whole(-1.0, MAX_RETRIES).unwrap_err();
        assert_eq!(e.number, -1.0);
    }
}
