//! The poll schedule: when to call `fn` next, and what `status()` reports.
//!
//! A state machine with an injected clock (`now` in ms, from
//! `performance.now()` in the binding, plain numbers in tests). It never
//! calls out and holds no timers: each transition returns a [`Step`] that the
//! binding carries out (arm a timer, call `fn` now, or nothing).
//!
//! # Invariants
//!
//! 1. No overlap: at most one call is in flight. [`PollCore::begin_call`]
//!    refuses while one is, and a new call is only ever scheduled by
//!    [`PollCore::finish_call`] (or by `start` when none is in flight), so
//!    the next call waits for the previous call *and* its `onValue`.
//! 2. At most one timer is current. Every [`Step::Wait`] carries a fresh
//!    sequence number and [`PollCore::timer_fired`] ignores any other, so a
//!    timer left over from before a `stop()` can never start a call.
//! 3. Dead is final: after [`PollCore::kill`] every transition returns
//!    [`Step::Idle`] and `running` stays false (scope disposal or signal
//!    abort stops polling for good).
//! 4. `next_poll_time` is `Some` only while running; `status()` derives
//!    `time_until_next` from it, so a stopped poll reports 0.

#[cfg(all(target_arch = "wasm32", feature = "tiny"))]
#[allow(unused_imports)]
use crate::prelude::*;

use super::options::OptionError;

/// What the binding must do after a transition.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Step {
    /// Nothing to do.
    Idle,
    /// Call `fn` now (after [`PollCore::begin_call`]).
    CallNow,
    /// Arm a timer for `delay` ms; report `seq` to [`PollCore::timer_fired`].
    Wait { delay: f64, seq: u64 },
}

/// What `controller.status()` reports (1.0's field semantics: times are
/// `performance.now()` timestamps).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Status {
    pub running: bool,
    pub poll_count: u64,
    /// ms until the next call: 0 when stopped, or when the next call is due.
    pub time_until_next: f64,
    pub last_poll_time: Option<f64>,
    pub next_poll_time: Option<f64>,
}

/// One poll's schedule.
#[derive(Debug)]
pub struct PollCore {
    interval: f64,
    immediate: bool,
    /// `start()` was called and neither `stop()` nor death followed.
    running: bool,
    /// A call (or its `onValue`) has not finished yet (invariant #1).
    in_flight: bool,
    dead: bool,
    /// Sequence number of the current timer (invariant #2).
    seq: u64,
    /// Whether a timer with `seq` is armed.
    armed: bool,
    poll_count: u64,
    /// Calls whose `fn` failed or whose `onValue` threw: swallowed, counted.
    failures: u64,
    last_poll_time: Option<f64>,
    next_poll_time: Option<f64>,
}

/// Validates `interval`: a finite number of ms greater than 0.
pub fn interval_ms(value: f64) -> Result<f64, OptionError> {
    if !value.is_finite() || value <= 0.0 {
        return Err(OptionError::OutOfRange {
            name: "interval",
            value,
            expected: "a finite number of milliseconds > 0",
        });
    }
    Ok(value)
}

/// 1.0's default interval.
pub const DEFAULT_INTERVAL_MS: f64 = 5000.0;

impl PollCore {
    /// A stopped poll; the binding calls [`PollCore::start`] at once.
    pub fn new(interval: f64, immediate: bool) -> Self {
        PollCore {
            interval,
            immediate,
            running: false,
            in_flight: false,
            dead: false,
            seq: 0,
            armed: false,
            poll_count: 0,
            failures: 0,
            last_poll_time: None,
            next_poll_time: None,
        }
    }

    fn arm(&mut self, now: f64) -> Step {
        self.seq += 1;
        self.armed = true;
        self.next_poll_time = Some(now + self.interval);
        Step::Wait {
            delay: self.interval,
            seq: self.seq,
        }
    }

    /// `start()`: a no-op when running or dead. With `immediate` the first
    /// call is now, else after `interval`. While a call is still in flight
    /// (stopped, then started again) nothing happens now: that call's end
    /// schedules the next one (invariant #1).
    pub fn start(&mut self, now: f64) -> Step {
        if self.running || self.dead {
            return Step::Idle;
        }
        self.running = true;
        if self.in_flight {
            self.next_poll_time = Some(now + self.interval);
            return Step::Idle;
        }
        if self.immediate {
            Step::CallNow
        } else {
            self.arm(now)
        }
    }

    /// `stop()`: no further calls until `start()`. A call in flight runs to
    /// its end (as in 1.0); the binding drops any armed timer.
    pub fn stop(&mut self) {
        self.running = false;
        self.armed = false;
        self.next_poll_time = None;
    }

    /// Signal abort or scope disposal: stopped for good (invariant #3).
    pub fn kill(&mut self) {
        self.stop();
        self.dead = true;
    }

    /// The timer `seq` fired: [`Step::CallNow`] if it is the current one.
    pub fn timer_fired(&mut self, seq: u64) -> Step {
        if !self.armed || seq != self.seq || !self.running || self.dead {
            return Step::Idle;
        }
        self.armed = false;
        Step::CallNow
    }

    /// A call starts at `now`. False (and nothing changes) if it must not:
    /// stopped, dead, or a call is already in flight.
    pub fn begin_call(&mut self, now: f64) -> bool {
        if !self.running || self.dead || self.in_flight {
            return false;
        }
        self.in_flight = true;
        self.poll_count += 1;
        self.last_poll_time = Some(now);
        // 1.0's estimate while the call runs; exact once it ends.
        self.next_poll_time = Some(now + self.interval);
        true
    }

    /// The call (and its `onValue`) ended at `now`; `failed` counts a failed
    /// `fn` or a throwing `onValue`. Schedules the next call if running.
    pub fn finish_call(&mut self, now: f64, failed: bool) -> Step {
        if !self.in_flight {
            return Step::Idle;
        }
        self.in_flight = false;
        if failed {
            self.failures += 1;
        }
        if self.running && !self.dead {
            self.arm(now)
        } else {
            Step::Idle
        }
    }

    /// What `status()` reports at `now`.
    pub fn status(&self, now: f64) -> Status {
        let time_until_next = match (self.running, self.next_poll_time) {
            (true, Some(next)) => (next - now).max(0.0),
            _ => 0.0,
        };
        Status {
            running: self.running,
            poll_count: self.poll_count,
            time_until_next,
            last_poll_time: self.last_poll_time,
            next_poll_time: if self.running {
                self.next_poll_time
            } else {
                None
            },
        }
    }

    pub fn is_dead(&self) -> bool {
        self.dead
    }

    pub fn is_in_flight(&self) -> bool {
        self.in_flight
    }

    /// Failed calls so far (swallowed, counted).
    pub fn failures(&self) -> u64 {
        self.failures
    }
}

#[cfg(test)]
#[path = "poll_tests.rs"]
mod tests;
