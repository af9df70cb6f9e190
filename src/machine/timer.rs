//! Timers: the machine decides when; JS only calls `setTimeout` and reports
//! the firing (gloo's `Timeout` owns its id and clears it on drop; here the
//! machine owns the id and emits `TimerClear` when the owner ends).
//!
//! # Invariants
//!
//! 1. A timer is live from `TimerSet` until it fires or `TimerClear`, never
//!    both; a firing reported for a cleared (stale) key changes nothing.
//! 2. Delays JS timers cannot hold (more than 2^31 - 1 ms, which `setTimeout`
//!    would run at once) are never set: such a timer never fires, which is
//!    what a 1e300 ms timeout means.

#[cfg(all(target_arch = "wasm32", feature = "tiny"))]
#[allow(unused_imports)]
use crate::prelude::*;

use super::effect::Op;
use super::slab::Key;
use super::Machine;

/// The longest delay `setTimeout` keeps (invariant #2).
pub const MAX_TIMER_MS: f64 = 2_147_483_647.0;

/// Who a timer is for, and what it was set for.
#[derive(Copy, Clone, Debug, PartialEq)]
pub enum TimerOwner {
    /// The scope's `timeout`.
    ScopeTimeout(Key),
    /// A task attempt's `timeout` (attempt serial).
    AttemptTimeout(Key, u32),
    /// A retry delay, due at the given time (JS timers may fire early).
    RetryDelay(Key, u32, f64),
    /// A poll's next call (poll serial).
    Poll(Key, u32),
    /// A record of the sleeps' table: an `s.delay(ms)`, a `select`'s or a
    /// bucket waiter's `timeout`, a token bucket's refill, a debounce's or
    /// throttle's window.
    Sleep(Key),
    /// A staggered race's next start (group.rs invariant #6).
    GroupStagger(Key),
}

impl Machine {
    /// Sets a timer; `None` if the delay is too long to ever fire
    /// (invariant #2).
    pub(crate) fn set_timer(&mut self, owner: TimerOwner, ms: f64) -> Option<Key> {
        if ms.is_nan() || ms > MAX_TIMER_MS {
            return None;
        }
        let k = self.timers.insert(owner);
        self.fx
            .push(Op::TimerSet, k.to_f64(), ms.max(0.0).ceil(), 0.0);
        Some(k)
    }

    pub(crate) fn clear_timer(&mut self, k: Option<Key>) {
        if let Some(k) = k {
            if self.timers.remove(k).is_some() {
                self.fx.push(Op::TimerClear, k.to_f64(), 0.0, 0.0);
            }
        }
    }

    /// Event: a timer fired at `now` (ms, the clock JS passes everywhere).
    pub fn timer_fired(&mut self, timer: f64, now: f64) {
        let Some(k) = Key::from_f64(timer) else {
            return;
        };
        let Some(owner) = self.timers.remove(k) else {
            return;
        };
        self.now = now;
        match owner {
            TimerOwner::ScopeTimeout(s) => self.scope_timed_out(s),
            TimerOwner::AttemptTimeout(t, serial) => self.attempt_timed_out(t, serial, now),
            TimerOwner::RetryDelay(t, serial, due) => self.retry_delay_over(t, serial, due, now),
            TimerOwner::Poll(p, serial) => self.poll_timer(p, serial, now),
            TimerOwner::Sleep(k) => self.sleep_timer(k),
            TimerOwner::GroupStagger(g) => self.group_stagger_fired(g),
        }
    }
}
