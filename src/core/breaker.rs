//! The circuit breaker: closed → open after `failure_threshold` consecutive
//! failures → half-open once `reset_timeout` ms have passed → closed after a
//! successful trial, open again after a failed one.
//!
//! The clock is injected (`now` in ms), so the state machine is tested
//! without timers.
//!
//! # Invariants
//!
//! 1. In half-open exactly one trial call is admitted; every other call is
//!    refused until the trial reports (1.0 let all of them through).
//! 2. While open (and before `reset_timeout` has passed) nothing is admitted:
//!    the caller fails fast without calling `fn`.
//! 3. A success closes the breaker and resets the count (as in 1.0); a
//!    failure counts, and opens the breaker at the threshold or from a trial.

#[cfg(all(target_arch = "wasm32", feature = "tiny"))]
#[allow(unused_imports)]
use crate::prelude::*;

use core::fmt;

/// What the breaker is doing, as `CircuitState` in JS.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum CircuitState {
    Closed,
    Open,
    HalfOpen,
}

impl CircuitState {
    pub fn as_str(self) -> &'static str {
        match self {
            CircuitState::Closed => "closed",
            CircuitState::Open => "open",
            CircuitState::HalfOpen => "half-open",
        }
    }
}

/// How a call was let through; report its outcome with the same value.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Admission {
    Normal,
    /// The single half-open trial (invariant #1).
    Trial,
}

/// The call was refused: the breaker is open.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Rejected;

impl fmt::Display for Rejected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Circuit breaker is open")
    }
}

impl core::error::Error for Rejected {}

#[derive(Copy, Clone, Debug, PartialEq)]
enum State {
    Closed,
    Open { until: f64 },
    HalfOpen { trial_in_flight: bool },
}

#[derive(Clone, Debug)]
pub struct Breaker {
    failure_threshold: u32,
    reset_timeout: f64,
    failures: u32,
    state: State,
}

impl Breaker {
    pub fn new(failure_threshold: u32, reset_timeout: f64) -> Self {
        Breaker {
            failure_threshold,
            reset_timeout,
            failures: 0,
            state: State::Closed,
        }
    }

    pub fn failure_threshold(&self) -> u32 {
        self.failure_threshold
    }

    pub fn reset_timeout(&self) -> f64 {
        self.reset_timeout
    }

    pub fn failures(&self) -> u32 {
        self.failures
    }

    /// The state as seen at `now`: an open breaker whose time is up reports
    /// half-open.
    pub fn state(&self, now: f64) -> CircuitState {
        match self.state {
            State::Closed => CircuitState::Closed,
            State::Open { until } if now >= until => CircuitState::HalfOpen,
            State::Open { .. } => CircuitState::Open,
            State::HalfOpen { .. } => CircuitState::HalfOpen,
        }
    }

    /// Asks to let a call through at `now` (invariants #1, #2).
    pub fn admit(&mut self, now: f64) -> Result<Admission, Rejected> {
        match self.state {
            State::Closed => Ok(Admission::Normal),
            State::Open { until } if now >= until => {
                self.state = State::HalfOpen {
                    trial_in_flight: true,
                };
                Ok(Admission::Trial)
            }
            State::Open { .. } => Err(Rejected),
            State::HalfOpen {
                trial_in_flight: true,
            } => Err(Rejected),
            State::HalfOpen {
                trial_in_flight: false,
            } => {
                self.state = State::HalfOpen {
                    trial_in_flight: true,
                };
                Ok(Admission::Trial)
            }
        }
    }

    /// A let-through call succeeded (invariant #3). Returns whether the
    /// state changed.
    pub fn on_success(&mut self, _admission: Admission) -> bool {
        let changed = self.state != State::Closed;
        self.failures = 0;
        self.state = State::Closed;
        changed
    }

    /// A let-through call failed at `now` (invariant #3). Returns whether
    /// the breaker (re)opened.
    pub fn on_failure(&mut self, admission: Admission, now: f64) -> bool {
        self.failures = self.failures.saturating_add(1);
        let trial = admission == Admission::Trial || matches!(self.state, State::HalfOpen { .. });
        if trial || self.failures >= self.failure_threshold {
            self.state = State::Open {
                until: now + self.reset_timeout,
            };
            return true;
        }
        false
    }

    /// A trial that ended without an outcome (its task was aborted while
    /// waiting): let the next call be the trial.
    pub fn abandon(&mut self, admission: Admission) {
        if admission == Admission::Trial {
            if let State::HalfOpen { .. } = self.state {
                self.state = State::HalfOpen {
                    trial_in_flight: false,
                };
            }
        }
    }
}

#[cfg(test)]
#[path = "breaker_tests.rs"]
mod tests;

#[cfg(all(test, not(target_arch = "wasm32")))]
#[path = "breaker_props.rs"]
mod props;
