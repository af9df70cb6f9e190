//! The retry schedule: whether another attempt may follow, and the delay
//! before it.
//!
//! `delay` is a number of ms, or a JS function `(attempt, error) => ms`
//! whose answer the binding hands to [`RetryPolicy::checked_delay`].
//! Attempts are counted from 1 for the first retry, so the seed's
//! `1000 * 2 ** attempt` gives 2000, 4000, 8000, ….
//!
//! # Invariants
//!
//! 1. At most `max_retries` retries follow the first attempt.
//! 2. A delay is a finite number >= 0; anything else fails the task with a
//!    `RangeError` naming `retry.delay` (it must not spin or trap).

#[cfg(all(target_arch = "wasm32", feature = "tiny"))]
#[allow(unused_imports)]
use crate::prelude::*;

use crate::core::options::{js_number, OptionError};

/// What retrying allows.
#[derive(Clone, Debug, PartialEq)]
pub struct RetryPolicy {
    pub max_retries: u32,
}

impl RetryPolicy {
    /// 1.0's default is 3 retries.
    pub const DEFAULT_MAX_RETRIES: u32 = 3;

    /// The retry number that would follow attempt `attempts_made` (1-based
    /// count of attempts so far), if one may follow (invariant #1).
    pub fn next_retry(&self, attempts_made: u32) -> Option<u32> {
        if attempts_made <= self.max_retries {
            Some(attempts_made)
        } else {
            None
        }
    }

    /// Checks a delay (invariant #2); `None` stands for a value that was
    /// not a number at all.
    pub fn checked_delay(value: Option<f64>) -> Result<f64, OptionError> {
        match value {
            Some(ms) if ms.is_finite() && ms >= 0.0 => Ok(ms),
            Some(ms) => Err(OptionError::OutOfRange {
                name: "retry.delay",
                value: ms,
                expected: "a finite number of milliseconds >= 0",
            }),
            None => Err(OptionError::OutOfRange {
                name: "retry.delay",
                value: f64::NAN,
                expected: "a number",
            }),
        }
    }
}

/// Describes a delay for debug output.
pub fn describe_delay(ms: f64) -> String {
    format!("{}ms", js_number(ms))
}

#[cfg(test)]
#[path = "retry_tests.rs"]
mod tests;
