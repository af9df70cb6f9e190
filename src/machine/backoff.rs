//! Making a retry delay strategy (`exponentialBackoff`, `jitter`, `linear`,
//! `decorrelatedJitter`): which options are refused, and what each message
//! says. The delays themselves are `core::backoff`'s; the machine keeps no
//! record per strategy (its user holds the parameters, the random state
//! and the last delay as numbers, and may drop them freely, like
//! `resource.rs`'s resources).
//!
//! # Invariants
//!
//! 1. Options are judged once, when the strategy is made, never when a
//!    delay is asked for: a made strategy never fails (core/backoff.rs #6).
//! 2. Delays in ms (`initial`, `max`, `baseDelay`, `increment`) are finite
//!    numbers >= 0 (no negative or NaN delay, and no infinite `max`, which
//!    would let a delay become infinite); `multiplier` is finite and >= 0;
//!    jitter factors are from 0 to 1; a seed is a whole number from 0 to
//!    2^32 - 1. The first refused option, in the order JS reads them, names
//!    the failure.

#[cfg(all(target_arch = "wasm32", feature = "tiny"))]
#[allow(unused_imports)]
use crate::prelude::*;

use super::fail::{Fail, Outcome};
use crate::core::backoff::{Rng, Strategy};

/// Which strategy a number names (what crosses the wasm boundary).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Kind {
    /// `exponentialBackoff` (`a` initial, `b` max, `c` multiplier, `d` jitter).
    Exponential = 0,
    /// `exponentialBackoff` with `fullJitter: true` (same parameters).
    FullJitter = 1,
    /// `jitter` (`a` baseDelay, `b` jitterFactor).
    Jitter = 2,
    /// `linear` (`a` baseDelay, `b` increment).
    Linear = 3,
    /// `decorrelatedJitter` (`a` initial, `b` max).
    Decorrelated = 4,
}

impl Kind {
    pub fn from_u32(v: u32) -> Option<Kind> {
        Some(match v {
            0 => Kind::Exponential,
            1 => Kind::FullJitter,
            2 => Kind::Jitter,
            3 => Kind::Linear,
            4 => Kind::Decorrelated,
            _ => return None,
        })
    }
}

pub const EXP_INITIAL: &str =
    "exponentialBackoff: initial must be a finite number of milliseconds >= 0, got \u{1}";
pub const EXP_MAX: &str =
    "exponentialBackoff: max must be a finite number of milliseconds >= 0, got \u{1}";
pub const EXP_MULTIPLIER: &str =
    "exponentialBackoff: multiplier must be a finite number >= 0, got \u{1}";
pub const EXP_JITTER: &str = "exponentialBackoff: jitter must be a number from 0 to 1, got \u{1}";
pub const EXP_SEED: &str =
    "exponentialBackoff: seed must be an integer from 0 to 4294967295, got \u{1}";
pub const JITTER_BASE: &str =
    "jitter: baseDelay must be a finite number of milliseconds >= 0, got \u{1}";
pub const JITTER_FACTOR: &str = "jitter: jitterFactor must be a number from 0 to 1, got \u{1}";
pub const JITTER_SEED: &str = "jitter: seed must be an integer from 0 to 4294967295, got \u{1}";
pub const LINEAR_BASE: &str =
    "linear: baseDelay must be a finite number of milliseconds >= 0, got \u{1}";
pub const LINEAR_INCREMENT: &str =
    "linear: increment must be a finite number of milliseconds >= 0, got \u{1}";
pub const DEC_INITIAL: &str =
    "decorrelatedJitter: initial must be a finite number of milliseconds >= 0, got \u{1}";
pub const DEC_MAX: &str =
    "decorrelatedJitter: max must be a finite number of milliseconds >= 0, got \u{1}";
pub const DEC_SEED: &str =
    "decorrelatedJitter: seed must be an integer from 0 to 4294967295, got \u{1}";

/// A finite number >= 0 (a delay, `multiplier`).
const MS: f64 = f64::MAX;
/// A number from 0 to 1 (a jitter factor).
const UNIT: f64 = 1.0;

/// The largest value and the message of each parameter `a`.. of each kind
/// (every parameter is >= 0, invariant #2).
const RULES: [&[(f64, &str)]; 5] = [
    &[
        (MS, EXP_INITIAL),
        (MS, EXP_MAX),
        (MS, EXP_MULTIPLIER),
        (UNIT, EXP_JITTER),
    ],
    // Checked with `fullJitter` too: a bad value is a bug either way.
    &[
        (MS, EXP_INITIAL),
        (MS, EXP_MAX),
        (MS, EXP_MULTIPLIER),
        (UNIT, EXP_JITTER),
    ],
    &[(MS, JITTER_BASE), (UNIT, JITTER_FACTOR)],
    &[(MS, LINEAR_BASE), (MS, LINEAR_INCREMENT)],
    &[(MS, DEC_INITIAL), (MS, DEC_MAX)],
];

/// The strategy `kind` with parameters `a`..`d` (see [`Kind`]), checked in
/// order (invariant #2).
pub fn make(kind: Kind, a: f64, b: f64, c: f64, d: f64) -> Outcome<Strategy> {
    let rules = RULES.get(kind as usize).copied().unwrap_or(&[]);
    for (&(max, message), v) in rules.iter().zip([a, b, c, d]) {
        // NaN fails both comparisons.
        if !(v >= 0.0 && v <= max) {
            return Err(Fail::range(message, v));
        }
    }
    Ok(match kind {
        Kind::Exponential | Kind::FullJitter => Strategy::Exponential {
            initial: a,
            max: b,
            multiplier: c,
            jitter: d,
            full: kind == Kind::FullJitter,
        },
        Kind::Jitter => Strategy::Jitter { base: a, factor: b },
        Kind::Linear => Strategy::Linear {
            base: a,
            increment: b,
        },
        Kind::Decorrelated => Strategy::Decorrelated { initial: a, max: b },
    })
}

/// The random state a seed starts (a whole number from 0 to 2^32 - 1,
/// invariant #2), for the strategy `kind` (which names the message).
pub fn seed(kind: Kind, value: f64) -> Outcome<Rng> {
    // The cast saturates, and NaN casts to 0: only a whole number in
    // range survives the round trip.
    let s = value as u32;
    if f64::from(s) == value {
        return Ok(Rng(s));
    }
    Err(Fail::range(
        match kind {
            Kind::Jitter => JITTER_SEED,
            Kind::Decorrelated => DEC_SEED,
            _ => EXP_SEED,
        },
        value,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::machine::FailKind;

    #[test]
    fn good_options_make_their_strategy() {
        assert_eq!(
            make(Kind::Exponential, 100.0, 30000.0, 2.0, 0.0),
            Ok(Strategy::Exponential {
                initial: 100.0,
                max: 30000.0,
                multiplier: 2.0,
                jitter: 0.0,
                full: false
            })
        );
        assert_eq!(
            make(Kind::FullJitter, 0.0, 0.0, 0.0, 1.0),
            Ok(Strategy::Exponential {
                initial: 0.0,
                max: 0.0,
                multiplier: 0.0,
                jitter: 1.0,
                full: true
            })
        );
        assert!(make(Kind::Jitter, 1000.0, 1.0, 0.0, 0.0).is_ok());
        assert!(make(Kind::Linear, 0.0, 0.0, 0.0, 0.0).is_ok());
        assert!(make(Kind::Decorrelated, 100.0, 50.0, 0.0, 0.0).is_ok());
        assert_eq!(seed(Kind::Jitter, 0.0), Ok(Rng(0)));
        assert_eq!(seed(Kind::Jitter, 4294967295.0), Ok(Rng(u32::MAX)));
    }

    #[test]
    fn the_first_bad_option_is_a_range_error_naming_it() {
        let cases = [
            (Kind::Exponential, [-1.0, 1.0, 1.0, 0.0], EXP_INITIAL, -1.0),
            (
                Kind::Exponential,
                [1.0, f64::INFINITY, 1.0, 0.0],
                EXP_MAX,
                f64::INFINITY,
            ),
            (
                Kind::FullJitter,
                [1.0, 1.0, f64::NAN, 0.0],
                EXP_MULTIPLIER,
                f64::NAN,
            ),
            (Kind::FullJitter, [1.0, 1.0, 1.0, 1.5], EXP_JITTER, 1.5),
            (
                Kind::Exponential,
                [f64::NAN, -1.0, 1.0, 2.0],
                EXP_INITIAL,
                f64::NAN,
            ),
            (Kind::Jitter, [-5.0, 0.1, 0.0, 0.0], JITTER_BASE, -5.0),
            (Kind::Jitter, [5.0, -0.1, 0.0, 0.0], JITTER_FACTOR, -0.1),
            (Kind::Linear, [5.0, -1.0, 0.0, 0.0], LINEAR_INCREMENT, -1.0),
            (
                Kind::Linear,
                [f64::NEG_INFINITY, 1.0, 0.0, 0.0],
                LINEAR_BASE,
                f64::NEG_INFINITY,
            ),
            (Kind::Decorrelated, [-1.0, 1.0, 0.0, 0.0], DEC_INITIAL, -1.0),
            (Kind::Decorrelated, [1.0, -1.0, 0.0, 0.0], DEC_MAX, -1.0),
        ];
        for (kind, [a, b, c, d], message, number) in cases {
            let f = make(kind, a, b, c, d).unwrap_err();
            assert_eq!(f.kind, FailKind::RangeError);
            assert_eq!(f.message, message);
            assert!(f.number == number || (f.number.is_nan() && number.is_nan()));
        }
        for bad in [-1.0, 0.5, 4294967296.0, f64::NAN, f64::INFINITY] {
            assert_eq!(seed(Kind::Exponential, bad).unwrap_err().message, EXP_SEED);
            assert_eq!(seed(Kind::Jitter, bad).unwrap_err().message, JITTER_SEED);
            assert_eq!(seed(Kind::Decorrelated, bad).unwrap_err().message, DEC_SEED);
        }
    }

    #[test]
    fn kinds_round_trip() {
        for v in 0..5 {
            assert_eq!(Kind::from_u32(v).map(|k| k as u32), Some(v));
        }
        assert_eq!(Kind::from_u32(5), None);
    }
}
