//! OpenTelemetry spans and debug lines (SPEC "OpenTelemetry", "Debug
//! output"): what a scope's or a task's span says and when, and which
//! life-cycle lines are printed with which numbers.
//!
//! JS tells the machine once per scope, right after `scope(...)`, whether
//! the scope has a tracer (its own or its parent's) and which debug
//! namespaces are enabled ([`Machine::tel_scope`]); the answer is the
//! scope's [`flag`]s, and its tasks go by them. Without a tracer and with
//! debug output off (flags 0, the usual case) JS never calls
//! `tel_scope`, every hook below returns after one lookup, and no effect is
//! emitted: no OpenTelemetry code runs at all.
//!
//! Attribute *values* are decided here and cross as numbers: JS keeps the
//! attribute names ([`attr`]), the fixed strings (error reasons, breaker
//! states, status messages) and the line templates, and reads the clock for
//! durations (as it does for every `now`). Effects are ops 50-69 of
//! [`Op`].
//!
//! When each of 1.0's task attributes is set (1.0's `task()`, whose
//! wrappers run timeout → retry → concurrency → breaker → `fn`):
//! - at spawn, after the span starts: `task.circuit_breaker.state` and
//!   `.failure_count` (the breaker as seen then), `task.retry.max_retries`,
//!   `.has_delay`, `.has_condition`;
//! - before each attempt asks for a permit: `task.concurrency.available_before`
//!   and `.waiting_before` (so the last attempt's numbers remain);
//! - on a call the breaker refuses: `task.circuit_breaker.rejected` (1.0
//!   meant to; its check compared a message the breaker never throws);
//! - when `retryCondition` says no: `task.retry.condition_rejected`;
//! - when retries run out: `task.retry.max_retries_exceeded` and
//!   `task.retry.attempts_made`;
//! - on success after a retry: `task.retry.succeeded_after` (the attempt).
//!
//! A task that fails because its signal was aborted is not retried, and
//! gets neither `condition_rejected` nor `max_retries_exceeded`: it was
//! cancelled, not out of retries (1.0 set `max_retries_exceeded` when the
//! abort struck its last attempt).
//!
//! # Invariants
//!
//! 1. Nothing is emitted for a scope whose flags are 0, nor for its tasks.
//! 2. A traced scope's span starts in `tel_scope` and ends with one
//!    `ScopeEnd`, emitted just before the scope's `Disposed`; a task's span
//!    starts in `spawn` before its first `Start` and ends with one
//!    `TaskEnd`, emitted just before its `Settle`. So every telemetry effect
//!    names a scope or task whose JS record is still there (JS drops it at
//!    `Disposed` / `Settle`).
//! 3. A scope's flags are cleared when its disposal ends (its record is
//!    removed then and only then), so a reused slot starts without
//!    telemetry.

#[cfg(all(target_arch = "wasm32", feature = "tiny"))]
#[allow(unused_imports)]
use crate::prelude::*;

use super::effect::{Effects, Op};
use super::slab::Key;
use super::task::{how, TaskRec};
use super::Machine;
use crate::core::breaker::{Admission, CircuitState};
use crate::core::telemetry::{CancelCause, ErrorReason};

/// A scope's telemetry flags (and what `tel_scope`'s `bits` carry).
pub mod flag {
    #[cfg(all(target_arch = "wasm32", feature = "tiny"))]
    #[allow(unused_imports)]
    use crate::prelude::*;
    /// The scope has a tracer: spans.
    pub const TRACE: u8 = 1;
    /// `go-go-scope:scope` is enabled.
    pub const SCOPE_LINES: u8 = 2;
    /// `go-go-scope:task` is enabled.
    pub const TASK_LINES: u8 = 4;
    /// The span's status is ERROR already (timeout, parent abort).
    pub const ERROR: u8 = 8;
    /// In `tel_scope`'s `bits` only: a `signal` or `parent` was given.
    pub const PARENT_SIGNAL: u32 = 8;
    /// In `tel_scope`'s `bits` only: a `parent` was given.
    pub const PARENT: u32 = 16;
    /// In `tel_scope`'s `bits` only: `concurrency` was given.
    pub const CONCURRENCY: u32 = 32;
}

/// Attribute ids: indices of JS's name table (`ATTRS` in telemetry.ts),
/// which also says how the number reads (boolean 0/1, a string of a fixed
/// table, or a duration JS measures since the span started).
pub mod attr {
    #[cfg(all(target_arch = "wasm32", feature = "tiny"))]
    #[allow(unused_imports)]
    use crate::prelude::*;
    pub const SCOPE_TIMEOUT: f64 = 0.0;
    pub const SCOPE_HAS_PARENT_SIGNAL: f64 = 1.0;
    pub const SCOPE_HAS_PARENT_SCOPE: f64 = 2.0;
    pub const SCOPE_CONCURRENCY: f64 = 3.0;
    /// Not rounded (as 1.0).
    pub const SCOPE_DURATION_MS: f64 = 4.0;
    pub const TASK_INDEX: f64 = 5.0;
    pub const TASK_HAS_RETRY: f64 = 6.0;
    pub const TASK_HAS_TIMEOUT: f64 = 7.0;
    pub const TASK_HAS_CIRCUIT_BREAKER: f64 = 8.0;
    pub const TASK_SCOPE_CONCURRENCY: f64 = 9.0;
    pub const TASK_TIMEOUT_MS: f64 = 10.0;
    /// Rounded to whole ms (as 1.0).
    pub const TASK_DURATION_MS: f64 = 11.0;
    pub const TASK_RETRY_ATTEMPTS: f64 = 12.0;
    /// `reason_code` of the failure.
    pub const TASK_ERROR_REASON: f64 = 13.0;
    pub const RETRY_MAX_RETRIES: f64 = 14.0;
    pub const RETRY_HAS_DELAY: f64 = 15.0;
    pub const RETRY_HAS_CONDITION: f64 = 16.0;
    pub const RETRY_SUCCEEDED_AFTER: f64 = 17.0;
    pub const RETRY_ATTEMPTS_MADE: f64 = 18.0;
    pub const RETRY_MAX_RETRIES_EXCEEDED: f64 = 19.0;
    pub const RETRY_CONDITION_REJECTED: f64 = 20.0;
    /// `state_code` of the breaker.
    pub const BREAKER_STATE: f64 = 21.0;
    pub const BREAKER_FAILURE_COUNT: f64 = 22.0;
    pub const BREAKER_REJECTED: f64 = 23.0;
    pub const CONCURRENCY_AVAILABLE_BEFORE: f64 = 24.0;
    pub const CONCURRENCY_WAITING_BEFORE: f64 = 25.0;
}

/// `task.error_reason` as a number (JS: `timeout`, `circuit_breaker_open`,
/// `aborted`, `exception`).
pub fn reason_code(r: ErrorReason) -> f64 {
    match r {
        ErrorReason::Timeout => 0.0,
        ErrorReason::CircuitBreakerOpen => 1.0,
        ErrorReason::Aborted => 2.0,
        ErrorReason::Exception => 3.0,
    }
}

/// A breaker state as a number (JS: `closed`, `open`, `half-open`).
pub fn state_code(s: CircuitState) -> f64 {
    match s {
        CircuitState::Closed => 0.0,
        CircuitState::Open => 1.0,
        CircuitState::HalfOpen => 2.0,
    }
}

fn yes(b: bool) -> f64 {
    f64::from(u8::from(b))
}

/// The telemetry state of the machine: each scope's flags.
#[derive(Default)]
pub struct Telemetry {
    /// Flags by scope slot. A slot's flags are set by `tel_scope` and
    /// cleared when that scope's disposal ends, the only way a scope's slot
    /// is freed (invariant #3): so they are always its live scope's.
    flags: Vec<u8>,
}

impl Telemetry {
    /// Scope `s`'s flags (0: no tracer, no debug output). `s` is live.
    #[cfg_attr(feature = "tiny", inline(never))]
    pub fn flags(&self, s: Key) -> u8 {
        self.flags.get(s.index as usize).copied().unwrap_or(0)
    }

    pub(crate) fn has(&self, s: Key, need: u8) -> bool {
        self.flags(s) & need != 0
    }

    #[cfg_attr(feature = "tiny", inline(never))]
    fn set(&mut self, s: Key, f: u8) {
        let i = s.index as usize;
        if self.flags.len() <= i {
            self.flags.resize(i + 1, 0);
        }
        if let Some(e) = self.flags.get_mut(i) {
            *e = f;
        }
    }

    // Hooks called where the caller holds borrows of other tables: each
    // takes the effect buffer explicitly, and is kept out of line (they are
    // called for every task, and do nothing without telemetry).

    /// Task `task` of `scope` asks for a permit of the scope's
    /// `concurrency`, which has `available` permits and `waiting` waiters.
    #[cfg_attr(feature = "tiny", inline(never))]
    pub fn permit(&self, fx: &mut Effects, scope: Key, task: Key, available: f64, waiting: usize) {
        if self.has(scope, flag::TRACE) {
            let a = available;
            emit(
                fx,
                Op::TaskAttr,
                task,
                attr::CONCURRENCY_AVAILABLE_BEFORE,
                a,
            );
            let w = waiting as f64;
            emit(fx, Op::TaskAttr, task, attr::CONCURRENCY_WAITING_BEFORE, w);
        }
    }

    /// The scope's breaker refused task `task`'s call.
    #[cfg_attr(feature = "tiny", inline(never))]
    pub fn rejected(&self, fx: &mut Effects, scope: Key, task: Key) {
        if self.has(scope, flag::TRACE) {
            emit(fx, Op::TaskAttr, task, attr::BREAKER_REJECTED, 1.0);
        }
    }

    /// The scope's breaker let a call through: a trial means it is now
    /// half-open.
    pub fn admitted(&self, fx: &mut Effects, scope: Key, a: Admission) {
        self.breaker(fx, scope, a == Admission::Trial, CircuitState::HalfOpen);
    }

    /// A success was reported to the scope's breaker; `changed`: it closed.
    pub fn closed(&self, fx: &mut Effects, scope: Key, changed: bool) {
        self.breaker(fx, scope, changed, CircuitState::Closed);
    }

    /// A failure was reported to the scope's breaker; `changed`: it
    /// (re)opened.
    pub fn opened(&self, fx: &mut Effects, scope: Key, changed: bool) {
        self.breaker(fx, scope, changed, CircuitState::Open);
    }

    #[cfg_attr(feature = "tiny", inline(never))]
    fn breaker(&self, fx: &mut Effects, scope: Key, changed: bool, state: CircuitState) {
        if changed && self.has(scope, flag::SCOPE_LINES) {
            emit(fx, Op::LineBreaker, scope, state_code(state), 0.0);
        }
    }

    /// Task `task` calls `fn`; `started`: it had before (a retry).
    #[cfg_attr(feature = "tiny", inline(never))]
    pub fn started(&self, fx: &mut Effects, scope: Key, task: Key, started: bool) {
        if !started && self.has(scope, flag::TASK_LINES) {
            emit(fx, Op::LineTaskStarted, task, scope.to_f64(), 0.0);
        }
    }

    /// Task `task`'s attempt ran out of its `ms`.
    #[cfg_attr(feature = "tiny", inline(never))]
    pub fn timed_out(&self, fx: &mut Effects, scope: Key, task: Key, ms: f64) {
        if self.has(scope, flag::TASK_LINES) {
            emit(fx, Op::LineTaskTimedOut, task, ms, 0.0);
        }
    }

    /// Task `task`'s `retryCondition` answered (`verdict` as in
    /// `retry_answer`: 0 no, 1 retry, 2 it threw).
    #[cfg_attr(feature = "tiny", inline(never))]
    pub fn verdict(&self, fx: &mut Effects, scope: Key, task: Key, verdict: u8) {
        if verdict == 0 && self.has(scope, flag::TRACE) {
            emit(fx, Op::TaskAttr, task, attr::RETRY_CONDITION_REJECTED, 1.0);
        }
    }

    /// Attempt `attempt` of task `task` failed; retry number `attempt`
    /// follows after `ms`.
    #[cfg_attr(feature = "tiny", inline(never))]
    pub fn retrying(&self, fx: &mut Effects, scope: Key, task: Key, attempt: u32, ms: f64) {
        if self.has(scope, flag::TASK_LINES) {
            emit(fx, Op::LineTaskRetry, task, f64::from(attempt), ms);
        }
    }

    /// Scope `scope` begins disposing with `running` tasks and `cleanups`.
    #[cfg_attr(feature = "tiny", inline(never))]
    pub fn disposing(&self, fx: &mut Effects, scope: Key, running: usize, cleanups: usize) {
        if self.has(scope, flag::SCOPE_LINES) {
            let (r, c) = (running as f64, cleanups as f64);
            emit(fx, Op::LineScopeDisposing, scope, r, c);
        }
    }
}

/// The one writer of telemetry effects, kept out of line.
#[cfg_attr(feature = "tiny", inline(never))]
fn emit(fx: &mut Effects, op: Op, key: Key, a: f64, b: f64) {
    fx.push(op, key.to_f64(), a, b);
}

impl Machine {
    /// Command: scope `s` (just made) has a tracer or enabled debug
    /// namespaces. `bits`: [`flag::TRACE`], [`flag::SCOPE_LINES`],
    /// [`flag::TASK_LINES`], and what only JS knows of the options
    /// ([`flag::PARENT_SIGNAL`], [`flag::PARENT`], [`flag::CONCURRENCY`]).
    /// Starts the span (attributes first) and logs the creation. A scope
    /// born aborted gets no exception on its span (as in 1.0).
    pub fn tel_scope(&mut self, s: Key, bits: u32) {
        let Some(rec) = self.scopes.get(s) else {
            return;
        };
        let f = (bits & 7) as u8;
        self.telemetry.set(s, f);
        let fx = &mut self.fx;
        let parent = yes(bits & flag::PARENT != 0);
        let parent_signal = yes(bits & flag::PARENT_SIGNAL != 0);
        if f & flag::TRACE != 0 {
            if rec.timeout > 0.0 {
                emit(fx, Op::ScopeAttr, s, attr::SCOPE_TIMEOUT, rec.timeout);
            }
            emit(
                fx,
                Op::ScopeAttr,
                s,
                attr::SCOPE_HAS_PARENT_SIGNAL,
                parent_signal,
            );
            emit(fx, Op::ScopeAttr, s, attr::SCOPE_HAS_PARENT_SCOPE, parent);
            // 1.0 reports the option as given, not an inherited limit.
            if bits & flag::CONCURRENCY != 0 && rec.concurrency != 0.0 {
                emit(
                    fx,
                    Op::ScopeAttr,
                    s,
                    attr::SCOPE_CONCURRENCY,
                    rec.concurrency,
                );
            }
            emit(fx, Op::ScopeSpan, s, 0.0, 0.0);
        }
        if f & flag::SCOPE_LINES != 0 {
            // Concurrency (0: unlimited) and three yes/no bits in one word.
            let packed = rec.concurrency.min(f64::from(u32::MAX)) * 8.0
                + parent_signal
                + 2.0 * yes(rec.breaker.is_some())
                + 4.0 * parent;
            emit(fx, Op::LineScopeCreated, s, rec.timeout, packed);
        }
    }

    /// Scope `s`'s node was cancelled: a timeout or a parent's abort is an
    /// error on its span (the abort reason recorded as the exception), and
    /// a line.
    pub(crate) fn tel_scope_cancelled(&mut self, s: Key) {
        let f = self.telemetry.flags(s);
        let Some(rec) = self.scopes.get(s).filter(|_| f != 0) else {
            return;
        };
        let (cause, line) = match rec.cause {
            Some(CancelCause::Timeout) => (1.0, Op::LineScopeTimedOut),
            Some(CancelCause::Parent) => (2.0, Op::LineScopeAborted),
            _ => return,
        };
        if f & flag::TRACE != 0 {
            let r = self.tree.reason(rec.node).map_or(-1.0, |r| r.to_f64());
            emit(&mut self.fx, Op::ScopeError, s, cause, r);
        }
        if f & flag::SCOPE_LINES != 0 {
            emit(&mut self.fx, line, s, rec.timeout, 0.0);
        }
        self.telemetry.set(s, f | flag::ERROR);
    }

    /// Scope `s`'s disposal is over with `errors` failed cleanups: status,
    /// duration, end; the line. Just before `Disposed` (invariant #2).
    pub(crate) fn tel_scope_end(&mut self, s: Key, errors: u32) {
        let f = self.telemetry.flags(s);
        if f == 0 {
            return;
        }
        self.telemetry.set(s, 0); // invariant #3
        let fx = &mut self.fx;
        if f & flag::TRACE != 0 {
            emit(fx, Op::ScopeAttr, s, attr::SCOPE_DURATION_MS, 0.0);
            let status = if errors > 0 {
                2.0
            } else {
                yes(f & flag::ERROR != 0)
            };
            emit(fx, Op::ScopeEnd, s, status, 0.0);
        }
        if f & flag::SCOPE_LINES != 0 {
            emit(fx, Op::LineScopeDisposed, s, f64::from(errors), 0.0);
        }
    }

    /// Task `k` of scope `s` was just made (its first attempt not begun):
    /// its span starts, with what the options and the scope say.
    #[cfg_attr(feature = "tiny", inline(never))]
    pub(crate) fn tel_task_spawned(&mut self, s: Key, k: Key, now: f64) {
        if !self.telemetry.has(s, flag::TRACE) {
            return;
        }
        let (Some(sc), Some(t)) = (self.scopes.get(s), self.tasks.get(k)) else {
            return;
        };
        let fx = &mut self.fx;
        let mut put = |id: f64, v: f64| emit(fx, Op::TaskAttr, k, id, v);
        put(attr::TASK_INDEX, f64::from(sc.task_count));
        put(attr::TASK_HAS_RETRY, yes(t.retry().is_some()));
        put(attr::TASK_HAS_TIMEOUT, yes(t.timeout() > 0.0));
        put(attr::TASK_HAS_CIRCUIT_BREAKER, yes(sc.breaker.is_some()));
        put(attr::TASK_SCOPE_CONCURRENCY, sc.concurrency);
        if t.timeout() > 0.0 {
            put(attr::TASK_TIMEOUT_MS, t.timeout());
        }
        emit(fx, Op::TaskSpan, k, s.to_f64(), 0.0);
        let mut put = |id: f64, v: f64| emit(fx, Op::TaskAttr, k, id, v);
        if let Some(b) = sc.breaker.as_deref() {
            put(attr::BREAKER_STATE, state_code(b.state(now)));
            put(attr::BREAKER_FAILURE_COUNT, f64::from(b.failures()));
        }
        if let Some(r) = t.retry() {
            put(attr::RETRY_MAX_RETRIES, f64::from(r.policy.0));
            put(attr::RETRY_HAS_DELAY, yes(r.delay_fn || r.delay > 0.0));
            put(attr::RETRY_HAS_CONDITION, yes(r.condition));
        }
    }

    /// Task `k` failed and no retry is left.
    pub(crate) fn tel_exhausted(&mut self, k: Key) {
        let Some(t) = self.tasks.get(k) else {
            return;
        };
        if self.telemetry.has(t.scope, flag::TRACE) {
            let fx = &mut self.fx;
            emit(fx, Op::TaskAttr, k, attr::RETRY_MAX_RETRIES_EXCEEDED, 1.0);
            let n = f64::from(t.attempt);
            emit(fx, Op::TaskAttr, k, attr::RETRY_ATTEMPTS_MADE, n);
        }
    }

    /// Task `k` (record `t`, just removed) settles as `how`: the last
    /// attributes, status, end; the line. Just before `Settle`
    /// (invariant #2).
    #[cfg_attr(feature = "tiny", inline(never))]
    pub(crate) fn tel_task_settled(&mut self, k: Key, t: &TaskRec, how: f64) {
        let f = self.telemetry.flags(t.scope);
        if f == 0 {
            return;
        }
        let failed = how != how::OK;
        let fx = &mut self.fx;
        if f & flag::TRACE != 0 {
            emit(fx, Op::TaskAttr, k, attr::TASK_DURATION_MS, 0.0);
            if failed {
                // An exception on an aborted signal is an abort.
                let aborted =
                    self.tree.is_cancelled(t.attempt_node()) || self.tree.is_cancelled(t.node);
                let reason = match t.failure {
                    ErrorReason::Exception if aborted => ErrorReason::Aborted,
                    r => r,
                };
                emit(
                    fx,
                    Op::TaskAttr,
                    k,
                    attr::TASK_ERROR_REASON,
                    reason_code(reason),
                );
            } else if t.retry().is_some() && t.attempt > 1 {
                let n = f64::from(t.attempt);
                emit(fx, Op::TaskAttr, k, attr::RETRY_SUCCEEDED_AFTER, n);
            }
            let retries = f64::from(t.attempt.saturating_sub(1));
            emit(fx, Op::TaskAttr, k, attr::TASK_RETRY_ATTEMPTS, retries);
            emit(fx, Op::TaskEnd, k, yes(failed), 0.0);
        }
        if f & flag::TASK_LINES != 0 {
            emit(fx, Op::LineTaskDone, k, yes(!failed), 0.0);
        }
    }
}

#[cfg(test)]
#[path = "telemetry_tests.rs"]
mod tests;
