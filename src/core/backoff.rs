//! Retry delay strategies (go-go-scope 2.x's `retry-strategies`): the
//! delay before retry number `attempt`, as pure functions of the
//! strategy's parameters, the attempt, a random state and the previous
//! delay. Nothing here keeps state: the caller (a JS closure, the Rust
//! face's `Backoff`) holds the random state and the last delay as numbers
//! and passes them in, so a strategy dropped by its user leaves nothing
//! behind (like `machine/resource.rs`).
//!
//! Randomness comes from [`Rng`], a 32-bit seedable generator (mulberry32)
//! whose whole state is one `u32`, so it crosses the wasm boundary as one
//! number.
//!
//! # Invariants
//!
//! 1. Every delay is a whole number of ms, finite and >= 0: always a valid
//!    `retry.delay` (a sum that would overflow saturates at `f64::MAX`, a
//!    delay that never fires).
//! 2. Every delay is within its strategy's range (`c` = `min(initial ·
//!    multiplier^(attempt-1), max)`): exponential without jitter `c`; with
//!    `fullJitter` `[0, c]`; with partial jitter `j` `[c·(1-j), min(c·(1+j),
//!    max)]`, so never above `max`; `jitter(b, f)` `[b·(1-f), b·(1+f)]`;
//!    `linear(b, i)` `b + i·(attempt-1)`; decorrelated `[min(initial, h),
//!    h]` with `h = min(max, 3·last)`. Each bound is floored (#1).
//! 3. The only randomness is the [`Rng`] state passed in: the same
//!    parameters, attempt, state and last delay give the same delay and the
//!    same next state (the same seed, the same sequence). A range of one
//!    number (no jitter, a linear delay) draws no random number and leaves
//!    the state unchanged.
//! 4. `attempt` counts from 1 for the first retry, as 1.0's delay function
//!    receives it; a fraction is floored, and anything below 1 (or NaN)
//!    counts as 1.
//! 5. Decorrelated jitter starts over at attempt 1 (the last delay is
//!    forgotten), so a function reused by one task after another gives each
//!    task a fresh sequence.
//! 6. [`delay`](Strategy::delay) cannot fail: parameters are checked once,
//!    when the strategy is made (`machine/backoff.rs`).

#[cfg(all(target_arch = "wasm32", feature = "tiny"))]
#[allow(unused_imports)]
use crate::prelude::*;

/// A seedable 32-bit random generator (mulberry32): small, fast, and its
/// whole state is one `u32`.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Rng(pub u32);

impl Rng {
    /// A number in `[0, 1)` (32 random bits) and the next state.
    pub fn next(self) -> (f64, Rng) {
        let s = self.0.wrapping_add(0x6D2B_79F5);
        let mut t = s;
        t = (t ^ (t >> 15)).wrapping_mul(t | 1);
        t ^= t.wrapping_add((t ^ (t >> 7)).wrapping_mul(t | 61));
        let x = t ^ (t >> 14);
        (f64::from(x) / 4_294_967_296.0, Rng(s))
    }
}

/// A retry delay strategy and its parameters (ms), already checked.
#[derive(Copy, Clone, Debug, PartialEq)]
pub enum Strategy {
    /// `exponentialBackoff({ initial, max, multiplier, jitter, fullJitter })`
    /// (`full`: AWS's "full jitter", which ignores `jitter`).
    Exponential {
        initial: f64,
        max: f64,
        multiplier: f64,
        jitter: f64,
        full: bool,
    },
    /// `jitter(baseDelay, jitterFactor)`.
    Jitter { base: f64, factor: f64 },
    /// `linear(baseDelay, increment)`.
    Linear { base: f64, increment: f64 },
    /// `decorrelatedJitter({ initial, max })`.
    Decorrelated { initial: f64, max: f64 },
}

impl Strategy {
    /// The delay before retry `attempt` and the next random state (`last`:
    /// the delay this function gave before, used by decorrelated jitter
    /// only; NaN or negative for none).
    pub fn delay(&self, attempt: f64, rng: Rng, last: f64) -> (f64, Rng) {
        // Invariant #4.
        let n = if attempt >= 1.0 { attempt.floor() } else { 1.0 };
        // The range of invariant #2; one random number picks in it.
        let (lo, hi) = match *self {
            Strategy::Exponential {
                initial,
                max,
                multiplier,
                jitter,
                full,
            } => {
                let c = exponential(initial, max, multiplier, n);
                if full {
                    (0.0, c)
                } else {
                    (c - c * jitter, (c + c * jitter).min(max))
                }
            }
            Strategy::Jitter { base, factor } => (base - base * factor, base + base * factor),
            Strategy::Linear { base, increment } => {
                let d = base + increment * (n - 1.0);
                (d, d)
            }
            Strategy::Decorrelated { initial, max } => {
                // Invariant #5: attempt 1 starts from `initial`.
                let last = if n > 1.0 && last >= 0.0 {
                    last
                } else {
                    initial
                };
                let hi = max.min(last * 3.0);
                (initial.min(hi), hi)
            }
        };
        // A range of one number draws none (invariant #3).
        if lo >= hi {
            return (whole(hi), rng);
        }
        let (r, next) = rng.next();
        // `r < 1`, and rounding cannot carry the sum past `hi`, a
        // representable bound (invariant #2).
        (whole(lo + r * (hi - lo)), next)
    }
}

/// `min(initial · multiplier^(n-1), max)`, with `0 · ∞ = 0` (a zero
/// `initial` stays zero however many attempts).
fn exponential(initial: f64, max: f64, multiplier: f64, n: f64) -> f64 {
    if initial == 0.0 {
        return 0.0;
    }
    // `n - 1` is whole and >= 0 (invariant #4); beyond 2^53 every power of
    // a multiplier other than 0 or 1 is 0 or infinite anyway.
    let mut e = (n - 1.0).min(9_007_199_254_740_992.0) as u64;
    let (mut base, mut power) = (multiplier, 1.0f64);
    // Squaring: `core` has no `powf`, and this takes at most 53 rounds.
    while e > 0 {
        if e & 1 == 1 {
            power *= base;
        }
        base *= base;
        e >>= 1;
    }
    (initial * power).min(max)
}

/// Floored, and finite (invariant #1).
fn whole(ms: f64) -> f64 {
    ms.floor().min(f64::MAX)
}

#[cfg(test)]
#[path = "backoff_tests.rs"]
mod tests;

#[cfg(all(test, not(target_arch = "wasm32")))]
#[path = "backoff_props.rs"]
mod props;
