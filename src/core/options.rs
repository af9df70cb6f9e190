//! Validation of numeric options. Wrong values are refused up front with an
//! error that names the argument, instead of misbehaving later.
//!
//! Kept free of `JsValue`: the binding reads a number (or sees that the value
//! is not one) and asks here what it means.

#[cfg(all(target_arch = "wasm32", feature = "tiny"))]
#[allow(unused_imports)]
use crate::prelude::*;

use core::fmt;

/// What was wrong with an option value.
#[derive(Clone, Debug, PartialEq)]
pub enum OptionError {
    /// Not a number at all (a string, an object…): a `TypeError`.
    NotANumber { name: &'static str },
    /// A number outside the allowed range: a `RangeError`.
    OutOfRange {
        name: &'static str,
        value: f64,
        expected: &'static str,
    },
}

impl OptionError {
    /// Whether JS should see a `RangeError` (else a `TypeError`).
    pub fn is_range(&self) -> bool {
        matches!(self, OptionError::OutOfRange { .. })
    }
}

impl fmt::Display for OptionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OptionError::NotANumber { name } => write!(f, "{name} must be a number"),
            OptionError::OutOfRange {
                name,
                value,
                expected,
            } => write!(f, "{name} must be {expected}, got {}", js_number(*value)),
        }
    }
}

impl core::error::Error for OptionError {}

/// Formats a number as JavaScript's `String(n)` does for the values we
/// print (integers without a fraction, NaN, Infinity).
pub fn js_number(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v.is_infinite() {
        if v > 0.0 { "Infinity" } else { "-Infinity" }.into()
    } else if v == 0.0 {
        "0".into()
    } else if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        fraction(v)
    }
}

/// A non-integer in plain decimal notation, up to 9 fractional digits
/// (what error messages and debug lines need), without pulling Rust's
/// float formatting into the wasm.
fn fraction(v: f64) -> String {
    if v.abs() >= 1e15 {
        return format!("{}e+", (v / 1e15) as i64) + "15";
    }
    let sign = if v < 0.0 { "-" } else { "" };
    let v = v.abs();
    let whole = v.trunc() as u64;
    let frac = ((v - v.trunc()) * 1e9).round() as u64;
    let (whole, mut digits) = if frac >= 1_000_000_000 {
        (whole + 1, String::new())
    } else {
        (whole, format!("{frac:09}"))
    };
    while digits.ends_with('0') {
        digits.pop();
    }
    if digits.is_empty() {
        format!("{sign}{whole}")
    } else {
        format!("{sign}{whole}.{digits}")
    }
}

/// A duration in ms: `timeout` of a scope or task. `0` means "none" (as in
/// 1.0, where a falsy timeout is ignored); negative, NaN or infinite values
/// are refused.
pub fn duration_ms(name: &'static str, value: f64) -> Result<Option<f64>, OptionError> {
    if !value.is_finite() || value < 0.0 {
        return Err(OptionError::OutOfRange {
            name,
            value,
            expected: "a finite number of milliseconds >= 0",
        });
    }
    Ok(if value == 0.0 { None } else { Some(value) })
}

/// A positive whole count: `concurrency`, `failureThreshold`. `0` means
/// "unlimited" where `zero_means_none` (scope `concurrency`).
pub fn positive_integer(
    name: &'static str,
    value: f64,
    zero_means_none: bool,
) -> Result<Option<u32>, OptionError> {
    if zero_means_none && value == 0.0 {
        return Ok(None);
    }
    if !value.is_finite() || value.fract() != 0.0 || value < 1.0 || value > f64::from(u32::MAX) {
        return Err(OptionError::OutOfRange {
            name,
            value,
            expected: "a positive integer",
        });
    }
    Ok(Some(value as u32))
}

/// The error a task attempt fails with when its `timeout` fires, and the
/// abort reason of a scope whose `timeout` fires.
pub fn timeout_message(ms: f64) -> String {
    format!("timeout after {}ms", js_number(ms))
}

/// The abort reason of a scope being disposed.
pub const SCOPE_DISPOSED: &str = "scope disposed";

#[cfg(test)]
#[path = "options_tests.rs"]
mod tests;
