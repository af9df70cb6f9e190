//! Debounce and throttle (go-go-scope 2.x's `s.debounce(fn, { wait,
//! leading, trailing })` and `s.throttle(fn, { interval, leading, trailing
//! })`): when a call runs `fn` is decided here; JS keeps `fn`, the latest
//! arguments and the promises of the calls waiting for the trailing run.
//!
//! A limiter has a *window* (its timer) and a *pending* flag (calls made in
//! the window wait for the trailing run). A call answers what JS does with
//! it ([`call`]): run `fn` now (the leading edge), join the pending batch,
//! or drop it (resolve `[undefined, undefined]`, as 2.x does for a call
//! that will not run). The timer's end runs the batch (`RateFire`) if it is
//! pending and `trailing` is on.
//!
//! - Debounce: every call (re)starts the window of `wait` ms; a call into
//!   a closed window runs at once if `leading`; the trailing run comes
//!   `wait` ms after the last call, and only if a call was left for it (a
//!   lone leading call does not run twice).
//! - Throttle: a call into a closed window runs at once if `leading` and
//!   opens a window of `interval` ms; calls in the window join the trailing
//!   run at its end, which opens a new window (so runs are at least
//!   `interval` apart).
//!
//! # Invariants
//!
//! 1. `pending` implies a live timer and `trailing`: a batch always has a
//!    run coming, or the scope's end.
//! 2. A limiter is a node under its scope's; the scope's cancellation ends
//!    it once: `RateEnd` (JS settles the pending batch with the reason and
//!    keeps it for later calls), the timer cleared, node and record
//!    released. Later calls answer [`call::GONE`]. The Rust face also
//!    ends it when its last handle is dropped ([`Machine::rate_dispose`]:
//!    `RateEnd` with no reason).

#[cfg(all(target_arch = "wasm32", feature = "tiny"))]
#[allow(unused_imports)]
use crate::prelude::*;

use super::effect::Op;
use super::fail::{Fail, Outcome};
use super::slab::Key;
use super::sleep::{Kind, SleepRec};
use super::Machine;

pub const WAIT: &str = "debounce: wait must be a finite number of milliseconds >= 0, got \u{1}";
pub const INTERVAL: &str =
    "throttle: interval must be a finite number of milliseconds >= 0, got \u{1}";
pub const ON_DISPOSED: &str = "Cannot create debounce or throttle on disposed scope";

/// `rate_new`'s flags: which options were given, and their values.
pub mod flag {
    #[cfg(all(target_arch = "wasm32", feature = "tiny"))]
    #[allow(unused_imports)]
    use crate::prelude::*;
    /// A throttle (else a debounce).
    pub const THROTTLE: u32 = 1;
    /// `wait` / `interval` given.
    pub const MS: u32 = 2;
    pub const LEADING_GIVEN: u32 = 4;
    pub const LEADING: u32 = 8;
    pub const TRAILING_GIVEN: u32 = 16;
    pub const TRAILING: u32 = 32;
}

/// What JS does with a call (`rate_call`).
pub mod call {
    #[cfg(all(target_arch = "wasm32", feature = "tiny"))]
    #[allow(unused_imports)]
    use crate::prelude::*;
    /// Run `fn` with this call's arguments now; its Result is this call's.
    pub const RUN: f64 = 0.0;
    /// Keep the arguments as the latest; the call gets the trailing run's
    /// Result (or the scope's reason).
    pub const JOIN: f64 = 1.0;
    /// The call will not run: resolve `[undefined, undefined]`.
    pub const DROP: f64 = 2.0;
    /// The scope ended: resolve `[reason, undefined]`.
    pub const GONE: f64 = 3.0;
}

/// The default `wait` / `interval` (go-go-scope 2.x's).
pub const DEFAULT_MS: f64 = 300.0;

/// One debounced or throttled function (a record of the sleeps' table,
/// `sleep.rs`: its timer is the window, its node is under its scope's).
pub struct RateRec {
    throttle: bool,
    ms: f64,
    leading: bool,
    trailing: bool,
    /// A trailing run is coming (invariant #1).
    pending: bool,
}

impl Machine {
    /// Command: `s.debounce(fn, options)` / `s.throttle(fn, options)` on
    /// scope `scope` (`flags`: [`flag`]; `ms` read if [`flag::MS`]).
    pub fn rate_new(&mut self, scope: Key, flags: u32, ms: f64) -> Outcome<Key> {
        let throttle = flags & flag::THROTTLE != 0;
        let ms = if flags & flag::MS != 0 {
            ms
        } else {
            DEFAULT_MS
        };
        if !ms.is_finite() || ms < 0.0 {
            return Err(Fail::range(if throttle { INTERVAL } else { WAIT }, ms));
        }
        let parent = match self.scopes.get(scope) {
            Some(r) if !r.core.is_disposed() => r.node,
            _ => return Err(Fail::error(ON_DISPOSED)),
        };
        let pick = |given: u32, value: u32, default: bool| {
            if flags & given != 0 {
                flags & value != 0
            } else {
                default
            }
        };
        let rec = RateRec {
            throttle,
            ms,
            // 2.x's defaults: debounce trailing, throttle leading.
            leading: pick(flag::LEADING_GIVEN, flag::LEADING, throttle),
            trailing: pick(flag::TRAILING_GIVEN, flag::TRAILING, !throttle),
            pending: false,
        };
        let (k, cancelled) = self.timed(Some(parent), None, Kind::Rate(rec));
        // Born under a cancelled scope: it ends at once (invariant #2).
        if let Some(r) = cancelled {
            self.rate_end(k, r.to_f64());
        }
        Ok(k)
    }

    /// Command: the debounced or throttled function was called: what JS
    /// does with the call ([`call`]).
    pub fn rate_call(&mut self, k: Key) -> f64 {
        let Some(SleepRec {
            timer,
            kind: Kind::Rate(rec),
            ..
        }) = self.sleeps.get_mut(k)
        else {
            return call::GONE;
        };
        let open = timer.is_some();
        let answer = if !open && rec.leading {
            call::RUN
        } else if rec.trailing {
            rec.pending = true;
            call::JOIN
        } else {
            call::DROP
        };
        // Debounce: every call restarts the window. Throttle: only a call
        // into a closed window opens one (a run, or a trailing run to come).
        let restart = if rec.throttle {
            !open && answer != call::DROP
        } else {
            rec.leading || rec.trailing
        };
        if restart {
            let ms = rec.ms;
            self.retime(k, ms);
        }
        answer
    }

    /// Timer event (`sleep_timer`): the window of `k` ended: the trailing
    /// run, if pending.
    pub(crate) fn rate_timer(&mut self, k: Key) {
        let Some(SleepRec {
            kind: Kind::Rate(rec),
            ..
        }) = self.sleeps.get_mut(k)
        else {
            return;
        };
        if !rec.pending {
            return;
        }
        rec.pending = false;
        let (throttle, ms) = (rec.throttle, rec.ms);
        self.fx.push(Op::RateFire, k.to_f64(), 0.0, 0.0);
        if throttle {
            // The run opens a new window: runs stay `interval` apart.
            self.retime(k, ms);
        }
    }

    /// Command (Rust face): the last handle was dropped: the limiter ends
    /// as at its scope's end, with no reason (`RateEnd(k, -1)`: nobody can
    /// call it any more).
    ///
    /// Not in the npm wasm, which never calls it (its mere presence moved
    /// LLVM's inlining there: +37 B gzip).
    #[cfg(not(feature = "tiny"))]
    pub fn rate_dispose(&mut self, k: Key) {
        self.rate_end(k, -1.0);
    }

    /// Ends limiter `k` (its scope was cancelled, or the Rust face let it
    /// go; invariant #2): `RateEnd` with `reason`, its timer, node and
    /// record released.
    pub(super) fn rate_end(&mut self, k: Key, reason: f64) {
        if let Some(SleepRec {
            kind: Kind::Rate(_),
            ..
        }) = self.sleeps.get(k)
        {
            self.untime(k, Some(Op::RateEnd), reason);
        }
    }
}

#[cfg(test)]
#[path = "rate_tests.rs"]
mod tests;

#[cfg(all(test, not(target_arch = "wasm32")))]
#[path = "rate_props.rs"]
mod props;
