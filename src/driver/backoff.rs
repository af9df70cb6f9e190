//! Retry delay strategies (go-go-scope 2.x's `exponentialBackoff`,
//! `jitter`, `linear` and `decorrelatedJitter`) for
//! [`RetryOptions::backoff`](super::RetryOptions::backoff): a [`Backoff`]
//! holds a strategy, its random state and its last delay; every delay is
//! computed by the same code as the npm package's (`core/backoff.rs`), and
//! options are judged by the machine when the `Backoff` is made.

use std::cell::Cell;
use std::fmt;
use std::time::Duration;

use super::error::Error;
use super::scope::ms;
use crate::core::backoff::{Rng, Strategy};
use crate::machine::backoff::{make, Kind};

/// The options of [`Backoff::exponential`], with go-go-scope 2.x's
/// defaults: 100 ms, doubling, at most 30 s, no jitter.
///
/// ```
/// use std::time::Duration;
/// use go_go_scope_wasm::ExponentialOptions;
///
/// let o = ExponentialOptions::default();
/// assert_eq!(o.initial, Duration::from_millis(100));
/// assert_eq!(o.max, Duration::from_secs(30));
/// assert_eq!((o.multiplier, o.jitter, o.full_jitter), (2.0, 0.0, false));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct ExponentialOptions {
    /// The delay before the first retry.
    pub initial: Duration,
    /// The largest delay, jitter included.
    pub max: Duration,
    /// The factor per retry: a finite number >= 0.
    pub multiplier: f64,
    /// The spread, from 0 to 1: the delay ± `jitter` × delay (never above
    /// `max`).
    pub jitter: f64,
    /// AWS's "full jitter": a delay from zero to the computed one
    /// (`jitter` is then unused).
    pub full_jitter: bool,
}

impl Default for ExponentialOptions {
    fn default() -> Self {
        ExponentialOptions {
            initial: Duration::from_millis(100),
            max: Duration::from_secs(30),
            multiplier: 2.0,
            jitter: 0.0,
            full_jitter: false,
        }
    }
}

impl ExponentialOptions {
    /// Sets [`ExponentialOptions::initial`].
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use go_go_scope_wasm::ExponentialOptions;
    /// let o = ExponentialOptions::default().initial(Duration::from_millis(50));
    /// assert_eq!(o.initial, Duration::from_millis(50));
    /// ```
    pub fn initial(mut self, d: Duration) -> Self {
        self.initial = d;
        self
    }

    /// Sets [`ExponentialOptions::max`].
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use go_go_scope_wasm::ExponentialOptions;
    /// let o = ExponentialOptions::default().max(Duration::from_secs(5));
    /// assert_eq!(o.max, Duration::from_secs(5));
    /// ```
    pub fn max(mut self, d: Duration) -> Self {
        self.max = d;
        self
    }

    /// Sets [`ExponentialOptions::multiplier`].
    ///
    /// ```
    /// # use go_go_scope_wasm::ExponentialOptions;
    /// let o = ExponentialOptions::default().multiplier(3.0);
    /// assert_eq!(o.multiplier, 3.0);
    /// ```
    pub fn multiplier(mut self, m: f64) -> Self {
        self.multiplier = m;
        self
    }

    /// Sets [`ExponentialOptions::jitter`].
    ///
    /// ```
    /// # use go_go_scope_wasm::ExponentialOptions;
    /// let o = ExponentialOptions::default().jitter(0.3);
    /// assert_eq!(o.jitter, 0.3);
    /// ```
    pub fn jitter(mut self, j: f64) -> Self {
        self.jitter = j;
        self
    }

    /// Sets [`ExponentialOptions::full_jitter`].
    ///
    /// ```
    /// # use go_go_scope_wasm::ExponentialOptions;
    /// let o = ExponentialOptions::default().full_jitter(true);
    /// assert!(o.full_jitter);
    /// ```
    pub fn full_jitter(mut self, on: bool) -> Self {
        self.full_jitter = on;
        self
    }
}

/// A retry delay strategy with its own random state: the delay before
/// each retry, for [`RetryOptions::backoff`](super::RetryOptions::backoff)
/// or called directly.
///
/// Delays are whole milliseconds. Without [`Backoff::seed`] the random
/// state starts from `Math.random()` (natively: a value that differs per
/// `Backoff`); with it, the sequence is the same on every run, and the same
/// as the npm package's with that `seed`. A clone continues from the same
/// state on its own.
///
/// ```
/// use std::time::Duration;
/// use go_go_scope_wasm::{Backoff, ExponentialOptions};
///
/// let b = Backoff::exponential(ExponentialOptions::default().max(Duration::from_millis(500)))?;
/// let delays: Vec<u128> = (1..=5).map(|a| b.delay(a).as_millis()).collect();
/// assert_eq!(delays, [100, 200, 400, 500, 500]);
/// # Ok::<(), go_go_scope_wasm::Error>(())
/// ```
#[derive(Clone)]
pub struct Backoff {
    /// The strategy and its checked parameters.
    strategy: Strategy,
    /// The random state.
    rng: Cell<Rng>,
    /// The last delay given (ms), NaN before the first.
    last: Cell<f64>,
}

impl Backoff {
    fn new(strategy: Strategy) -> Backoff {
        Backoff {
            strategy,
            rng: Cell::new(Rng(entropy())),
            last: Cell::new(f64::NAN),
        }
    }

    /// Exponential backoff: `min(initial × multiplier^(attempt-1), max)`,
    /// optionally jittered. A `multiplier` that is negative or not finite,
    /// or a `jitter` outside 0..=1, is an [`Error::Range`] naming it.
    ///
    /// ```
    /// use std::time::Duration;
    /// use go_go_scope_wasm::{Backoff, ExponentialOptions};
    ///
    /// let b = Backoff::exponential(ExponentialOptions::default().jitter(0.3))?.seed(7);
    /// let d = b.delay(1).as_millis();
    /// assert!((70..=130).contains(&d));
    /// let e = Backoff::exponential(ExponentialOptions::default().jitter(2.0)).unwrap_err();
    /// assert_eq!(e.to_string(), "exponentialBackoff: jitter must be a number from 0 to 1, got 2");
    /// # Ok::<(), go_go_scope_wasm::Error>(())
    /// ```
    pub fn exponential(o: ExponentialOptions) -> Result<Backoff, Error> {
        let kind = if o.full_jitter {
            Kind::FullJitter
        } else {
            Kind::Exponential
        };
        let s = make(kind, ms(o.initial), ms(o.max), o.multiplier, o.jitter)?;
        Ok(Backoff::new(s))
    }

    /// A fixed delay with jitter: `base` ± `factor` × `base` (`factor` from
    /// 0 to 1, else an [`Error::Range`]; 2.x's default is 0.1).
    ///
    /// ```
    /// use std::time::Duration;
    /// use go_go_scope_wasm::Backoff;
    ///
    /// let b = Backoff::jitter(Duration::from_secs(1), 0.2)?;
    /// assert!((800..=1200).contains(&b.delay(3).as_millis()));
    /// assert!(Backoff::jitter(Duration::from_secs(1), -0.5).unwrap_err().is_range());
    /// # Ok::<(), go_go_scope_wasm::Error>(())
    /// ```
    pub fn jitter(base: Duration, factor: f64) -> Result<Backoff, Error> {
        Ok(Backoff::new(make(
            Kind::Jitter,
            ms(base),
            factor,
            0.0,
            0.0,
        )?))
    }

    /// A linearly growing delay: `base + increment × (attempt - 1)`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use go_go_scope_wasm::Backoff;
    ///
    /// let b = Backoff::linear(Duration::from_millis(100), Duration::from_millis(50));
    /// assert_eq!(b.delay(3), Duration::from_millis(200));
    /// ```
    pub fn linear(base: Duration, increment: Duration) -> Backoff {
        // Durations are finite and >= 0: what the machine would check.
        Backoff::new(Strategy::Linear {
            base: ms(base),
            increment: ms(increment),
        })
    }

    /// Decorrelated jitter: a delay from `initial` to `min(max, 3 × the
    /// last delay)`, starting over at attempt 1.
    ///
    /// ```
    /// use std::time::Duration;
    /// use go_go_scope_wasm::Backoff;
    ///
    /// let b = Backoff::decorrelated_jitter(Duration::from_millis(100), Duration::from_secs(5)).seed(1);
    /// let first = b.delay(1);
    /// assert!(first >= Duration::from_millis(100) && first <= Duration::from_millis(300));
    /// assert!(b.delay(2) <= first * 3);
    /// ```
    pub fn decorrelated_jitter(initial: Duration, max: Duration) -> Backoff {
        // Durations are finite and >= 0: what the machine would check.
        Backoff::new(Strategy::Decorrelated {
            initial: ms(initial),
            max: ms(max),
        })
    }

    /// Starts the random state from `seed`: the same seed, the same
    /// sequence (go-go-scope-wasm's own; 2.x has no seed).
    ///
    /// ```
    /// use std::time::Duration;
    /// use go_go_scope_wasm::Backoff;
    ///
    /// let a = Backoff::jitter(Duration::from_secs(1), 0.5)?.seed(42);
    /// let b = Backoff::jitter(Duration::from_secs(1), 0.5)?.seed(42);
    /// assert!((1..=20).all(|n| a.delay(n) == b.delay(n)));
    /// # Ok::<(), go_go_scope_wasm::Error>(())
    /// ```
    pub fn seed(self, seed: u32) -> Self {
        self.rng.set(Rng(seed));
        self
    }

    /// The delay before retry `attempt` (counted from 1, as
    /// [`RetryOptions::delay_fn`](super::RetryOptions::delay_fn) receives
    /// it; 0 counts as 1). Advances the random state.
    ///
    /// ```
    /// use std::time::Duration;
    /// use go_go_scope_wasm::{Backoff, ExponentialOptions};
    ///
    /// let b = Backoff::exponential(ExponentialOptions::default())?;
    /// assert_eq!(b.delay(4), Duration::from_millis(800));
    /// assert_eq!(b.delay(1_000), Duration::from_secs(30));
    /// # Ok::<(), go_go_scope_wasm::Error>(())
    /// ```
    pub fn delay(&self, attempt: u32) -> Duration {
        let (d, next) = self
            .strategy
            .delay(f64::from(attempt), self.rng.get(), self.last.get());
        self.rng.set(next);
        self.last.set(d);
        // Whole and finite (core/backoff.rs invariant #1); the cast
        // saturates.
        Duration::from_millis(d as u64)
    }
}

impl fmt::Debug for Backoff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Backoff")
            .field("strategy", &self.strategy)
            .finish_non_exhaustive()
    }
}

/// A seed nobody chose: `Math.random()` in wasm.
#[cfg(target_arch = "wasm32")]
fn entropy() -> u32 {
    (js_sys::Math::random() * 4_294_967_296.0) as u32
}

/// A seed nobody chose, natively: a counter mixed with the address of a
/// local (splitmix32's finaliser), different per `Backoff`.
#[cfg(not(target_arch = "wasm32"))]
fn entropy() -> u32 {
    use std::sync::atomic::{AtomicU32, Ordering};
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let local = 0u8;
    let mut x = COUNTER
        .fetch_add(0x9E37_79B9, Ordering::Relaxed)
        .wrapping_add(std::ptr::addr_of!(local) as usize as u32);
    x = (x ^ (x >> 16)).wrapping_mul(0x21F0_AAAD);
    x = (x ^ (x >> 15)).wrapping_mul(0x735A_2D97);
    x ^ (x >> 15)
}
