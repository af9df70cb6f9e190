//! Validation of numeric options. Wrong values are refused up front with an
//! error that names the argument, instead of misbehaving later.
//!
//! Kept free of `JsValue`: the binding reads a number (or sees that the value
//! is not one) and asks here what it means.

use std::fmt;

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

impl std::error::Error for OptionError {}

/// Formats a number exactly as JavaScript's `String(n)` does
/// (ECMAScript's Number::toString): the shortest digits that round-trip,
/// plain up to 21 integer digits and down to 6 leading zeros, else
/// exponent form (`9007199254740992`, `1e+300`, `1.5e-7`, `-0` is `0`).
pub fn js_number(v: f64) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v == 0.0 {
        return "0".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    let sign = if v < 0.0 { "-" } else { "" };
    // `{:e}` prints the shortest round-trip digits: "d.ddde±x".
    let sci = format!("{:e}", v.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let k = digits.len() as i64;
    // value = 0.digits × 10^n
    let n = exp.parse::<i64>().unwrap_or(0) + 1;
    let body = if k <= n && n <= 21 {
        format!("{digits}{}", "0".repeat((n - k) as usize))
    } else if 0 < n && n <= 21 {
        let (int, frac) = digits.split_at(n as usize);
        format!("{int}.{frac}")
    } else if -6 < n && n <= 0 {
        format!("0.{}{digits}", "0".repeat((-n) as usize))
    } else {
        let e = n - 1;
        let e_sign = if e < 0 { '-' } else { '+' };
        let (first, rest) = digits.split_at(1);
        if rest.is_empty() {
            format!("{first}e{e_sign}{}", e.abs())
        } else {
            format!("{first}.{rest}e{e_sign}{}", e.abs())
        }
    };
    format!("{sign}{body}")
}

/// A duration in ms: `timeout` of a scope or task. `0` (as in 1.0, where a
/// falsy timeout is ignored) and `Infinity` mean "none"; negative or NaN
/// values are refused.
pub fn duration_ms(name: &'static str, value: f64) -> Result<Option<f64>, OptionError> {
    if value.is_nan() || value < 0.0 {
        return Err(OptionError::OutOfRange {
            name,
            value,
            expected: "a number of milliseconds >= 0 (0 or Infinity for none)",
        });
    }
    Ok(if value == 0.0 || value.is_infinite() {
        None
    } else {
        Some(value)
    })
}

/// The breaker's `resetTimeout` in ms: a number >= 0; `Infinity` is kept
/// (an open breaker then never tries again), as 1.0 accepted it.
pub fn reset_timeout_ms(value: f64) -> Result<f64, OptionError> {
    if value.is_nan() || value < 0.0 {
        return Err(OptionError::OutOfRange {
            name: "resetTimeout",
            value,
            expected: "a number of milliseconds >= 0 (Infinity: never)",
        });
    }
    Ok(value)
}

/// A positive whole count: `failureThreshold`. `0` means "none" where
/// `zero_means_none`.
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

/// How many at once: the scope's `concurrency`, a channel's capacity, a
/// `Semaphore`'s permits. `Infinity` in JS is [`Limit::Unlimited`], as 1.0
/// accepted it. Ordered: every `Max` is below `Unlimited`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Limit {
    /// At most this many.
    Max(u64),
    /// No limit at all.
    Unlimited,
}

impl Limit {
    /// The JS number: the count, or `Infinity`.
    pub fn as_f64(self) -> f64 {
        match self {
            Limit::Max(n) => n as f64,
            Limit::Unlimited => f64::INFINITY,
        }
    }

    /// Whether `count` is still below the limit (room for one more).
    pub fn has_room(self, count: u64) -> bool {
        match self {
            Limit::Max(n) => count < n,
            Limit::Unlimited => true,
        }
    }
}

/// The largest finite limit, 2^32 (the channel capacity's bound from
/// before; beyond it, `Infinity` says "no limit").
pub const MAX_FINITE_LIMIT: f64 = 4_294_967_296.0;

/// Validates a [`Limit`] (one accepted range for `concurrency`, channel
/// `capacity` and `Semaphore` `permits`): a whole number from `min` (0 or
/// 1) up to 2^32, or `Infinity` for no limit.
pub fn limit(name: &'static str, value: f64, min: u64) -> Result<Limit, OptionError> {
    if value == f64::INFINITY {
        return Ok(Limit::Unlimited);
    }
    if !value.is_finite() || value.fract() != 0.0 || value < min as f64 || value > MAX_FINITE_LIMIT
    {
        return Err(OptionError::OutOfRange {
            name,
            value,
            expected: if min == 0 {
                "an integer from 0 to 2^32, or Infinity"
            } else {
                "an integer from 1 to 2^32, or Infinity"
            },
        });
    }
    Ok(Limit::Max(value as u64))
}

/// The scope's (and `parallel`'s) `concurrency`: a [`limit`] of at least 1,
/// or `0` for none (as in 1.0, where a non-positive value sets no limit).
pub fn concurrency(value: f64) -> Result<Option<Limit>, OptionError> {
    if value == 0.0 {
        return Ok(None);
    }
    limit("concurrency", value, 1).map(Some)
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
