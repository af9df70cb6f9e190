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
///
/// Integers below 2^53 are printed here; any other number's digits come
/// from [`exponential`] (JavaScript's own `toExponential()` in the wasm, so
/// the wasm carries no float formatting of its own).
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
    // Every integer below 2^53 is exact, and its own shortest digits.
    if v.fract() == 0.0 && v.abs() < 9_007_199_254_740_992.0 {
        return format!("{}", v as i64);
    }
    // Byte by byte, with no string slicing: small, and nothing can panic.
    let mut digits: Vec<u8> = Vec::with_capacity(17);
    let (mut exp, mut exp_negative, mut in_exp) = (0i64, false, false);
    for b in exponential(v.abs()).bytes() {
        match b {
            b'e' | b'E' => in_exp = true,
            b'-' if in_exp => exp_negative = true,
            b'0'..=b'9' if in_exp => {
                exp = exp.saturating_mul(10).saturating_add(i64::from(b - b'0'))
            }
            b'0'..=b'9' => digits.push(b),
            _ => {}
        }
    }
    if exp_negative {
        exp = -exp;
    }
    let k = digits.len() as i64;
    // value = 0.digits × 10^n
    let n = exp + 1;
    let mut out = String::with_capacity(24);
    if v < 0.0 {
        out.push('-');
    }
    let zeros = |out: &mut String, count: i64| (0..count).for_each(|_| out.push('0'));
    if k <= n && n <= 21 {
        digits.iter().for_each(|&b| out.push(char::from(b)));
        zeros(&mut out, n - k);
    } else if 0 < n && n <= 21 {
        for (i, &b) in digits.iter().enumerate() {
            if i as i64 == n {
                out.push('.');
            }
            out.push(char::from(b));
        }
    } else if -6 < n && n <= 0 {
        out.push_str("0.");
        zeros(&mut out, -n);
        digits.iter().for_each(|&b| out.push(char::from(b)));
    } else {
        for (i, &b) in digits.iter().enumerate() {
            if i == 1 {
                out.push('.');
            }
            out.push(char::from(b));
        }
        let e = n - 1;
        out.push('e');
        out.push(if e < 0 { '-' } else { '+' });
        out.push_str(&e.unsigned_abs().to_string());
    }
    out
}

/// Gives the shortest round-trip digits of a finite positive number in
/// exponent form, `d.ddde±x` (`1.5e-7`, `1e+300` or `1e300`); the point
/// may be left out (`15e-8` reads as 1.5e-8: the first digit is the units).
pub type Exponential = fn(f64) -> String;

thread_local! {
    static EXPONENTIAL: std::cell::Cell<Option<Exponential>> = const { std::cell::Cell::new(None) };
}

/// Installs where [`js_number`] gets its digits: the binding installs
/// JavaScript's `toExponential()` when the wasm starts.
pub fn set_exponential(f: Exponential) {
    EXPONENTIAL.with(|e| e.set(Some(f)));
}

fn exponential(v: f64) -> String {
    match EXPONENTIAL.with(std::cell::Cell::get) {
        Some(f) => f(v),
        None => default_exponential(v),
    }
}

/// Natively (tests): Rust's `{:e}`, which prints the same shortest
/// round-trip digits as JavaScript.
#[cfg(not(target_arch = "wasm32"))]
fn default_exponential(v: f64) -> String {
    format!("{v:e}")
}

/// In the wasm before the binding installed JavaScript's digits (it does
/// so at start): 17 significant digits by scaling, which may differ from
/// the shortest in the last places, without pulling Rust's float
/// formatting into the wasm.
#[cfg(target_arch = "wasm32")]
fn default_exponential(v: f64) -> String {
    let mut m = v;
    let mut e = 0i64;
    while m >= 10.0 {
        m /= 10.0;
        e += 1;
    }
    while m < 1.0 {
        m *= 10.0;
        e -= 1;
    }
    let mut out = ((m * 1e16).round() as u64).to_string();
    if out.len() > 17 {
        e += 1; // m rounded up to 10
    }
    while out.len() > 1 && out.ends_with('0') {
        out.pop();
    }
    out.push('e');
    out.push_str(&e.to_string());
    out
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
