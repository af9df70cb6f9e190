//! Tasks and their attempts, from the outside in (SPEC "Tasks"): the
//! attempt `timeout`, then `retry`, then the scope's concurrency permit,
//! then its circuit breaker, then `fn` (a `Start` effect).
//!
//! A task's record lives from `spawn` to its `Settle` effect, when it is
//! removed with its nodes, timer and permit (so memory never waits for the
//! garbage collector).
//!
//! # Invariants
//!
//! 1. A task settles exactly once: `settle` removes the record, and every
//!    later event for it finds nothing (mod.rs #3).
//! 2. Each attempt has a serial; outcomes, timeouts and retry answers carry
//!    it, so a late outcome of an attempt that timed out changes nothing.
//! 3. A task holds at most one permit and one breaker admission, both
//!    given back when its attempt ends; a task that leaves the permit queue
//!    after a permit was handed to it passes that permit on (STYLE #6).
//! 4. A task waiting for a permit, a retry delay or a retry answer ends at
//!    once with the abort reason when its node is cancelled; a running one is
//!    left to its `fn`, which sees its signal aborted.
//! 5. A task has its own tree node only when it can wait on a timer (a
//!    `timeout`, a `retry`: made at `spawn`) or when JS needs one (its
//!    `signal` is read, it is detached: made then, born cancelled if the
//!    scope already is). Until then nothing can tell it apart from its
//!    scope's node: the same reason, the same moment. A task queued for the
//!    scope's concurrency permit needs none either: the scope's cancellation
//!    ends every queued task, oldest first (`scope_cancelled`). Only an own
//!    node is removed when the task settles.

#[cfg(all(target_arch = "wasm32", feature = "tiny"))]
#[allow(unused_imports)]
use crate::prelude::*;

use super::effect::{Op, ReasonKind};
use super::fail::{Fail, Outcome};
use super::options;
use super::slab::Key;
use super::timer::TimerOwner;
use super::{Machine, Owner};
use crate::core::breaker::{Admission, Rejected};
use crate::core::cancel::NodeId;
use crate::core::retry::RetryPolicy;
use crate::core::semaphore::Acquire;
use crate::core::telemetry::ErrorReason;
use crate::core::waitqueue::WaitKey;

/// `retry` options as numbers, before validation.
#[derive(Copy, Clone, Debug, Default, PartialEq)]
pub struct RetrySpec {
    pub max_retries: Option<f64>,
    /// A fixed `delay` (ms); ignored when `delay_fn`.
    pub delay: Option<f64>,
    pub delay_fn: bool,
    pub condition: bool,
    pub on_retry: bool,
}

/// Task options as numbers, before validation.
#[derive(Copy, Clone, Debug, Default, PartialEq)]
pub struct TaskSpec {
    pub timeout: Option<f64>,
    pub retry: Option<RetrySpec>,
    pub on_cleanup: bool,
}

/// A validated `retry`.
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct Retry {
    pub policy: RetryPolicyNum,
    pub delay: f64,
    pub delay_fn: bool,
    pub condition: bool,
    pub on_retry: bool,
}

/// `maxRetries`, kept small.
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct RetryPolicyNum(pub u32);

/// Where the current attempt is.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Between attempts.
    Idle,
    /// Queued for the scope's concurrency permit.
    WaitingPermit(WaitKey),
    /// `fn` runs; what the attempt holds.
    Running {
        permit: bool,
        admission: Option<Admission>,
    },
    /// JS is asking `retryCondition` / `delay`.
    Asking,
    /// Waiting out a retry delay.
    Delaying,
}

/// A task that has not settled. Kept small (most tasks have no `timeout`
/// and no `retry`): what only those need is out of line, in [`Waits`].
pub struct TaskRec {
    pub scope: Key,
    /// The task's node: its own, under its scope's, when `own`; otherwise
    /// its scope's node itself. A task gets its own node only when something
    /// needs one (invariant #5).
    pub node: NodeId,
    pub own: bool,
    pub serial: u32,
    /// Attempts started so far (the current one's number).
    pub attempt: u32,
    pub phase: Phase,
    /// A `timeout` or a `retry`: see [`Waits`].
    pub waits: Option<Box<Waits>>,
    /// Why the current attempt failed, when the machine knows better than
    /// "exception".
    pub failure: ErrorReason,
    /// `fn` has been called.
    pub started: bool,
}

/// What a task with a `timeout` or a `retry` has besides.
pub struct Waits {
    /// Per-attempt `timeout` (ms), 0 for none.
    pub timeout: f64,
    pub retry: Option<Retry>,
    /// The current attempt's node: `node` itself, or a child of it when
    /// attempts can time out and be retried (each needs its own signal).
    pub attempt_node: NodeId,
    /// The attempt timeout or the retry delay.
    pub timer: Option<Key>,
}

impl TaskRec {
    /// Per-attempt `timeout` (ms), 0 for none.
    pub fn timeout(&self) -> f64 {
        self.waits.as_ref().map_or(0.0, |w| w.timeout)
    }

    pub fn retry(&self) -> Option<Retry> {
        self.waits.as_ref().and_then(|w| w.retry)
    }

    /// The current attempt's node (the task's node unless attempts have their own).
    pub fn attempt_node(&self) -> NodeId {
        self.waits.as_ref().map_or(self.node, |w| w.attempt_node)
    }

    fn take_timer(&mut self) -> Option<Key> {
        self.waits.as_mut().and_then(|w| w.timer.take())
    }

    /// Only a task with [`Waits`] sets a timer.
    fn set_timer(&mut self, timer: Option<Key>) {
        if let Some(w) = self.waits.as_mut() {
            w.timer = timer;
        }
    }
}

/// How an attempt ended.
#[derive(Copy, Clone, Debug, PartialEq)]
pub enum AttemptEnd {
    /// `fn` gave a value (JS keeps it).
    Ok,
    /// `fn` threw or rejected (JS keeps the error).
    Thrown,
    /// The machine failed it: the error is the reason `Key` (a timeout, an
    /// abort), or the breaker refused the call.
    Reason(Key),
    BreakerOpen,
}

/// How a task settles (`Op::Settle`'s `how`; JS turns it into the tuple).
pub mod how {
    #[cfg(all(target_arch = "wasm32", feature = "tiny"))]
    #[allow(unused_imports)]
    use crate::prelude::*;
    /// `[undefined, value]` with the value JS keeps.
    pub const OK: f64 = 0.0;
    /// `[error, undefined]` with the error JS keeps.
    pub const ERR: f64 = 1.0;
}

/// What JS must store as the task's error before it settles or retries
/// (`Op::TaskError`'s `kind`).
pub mod err {
    #[cfg(all(target_arch = "wasm32", feature = "tiny"))]
    #[allow(unused_imports)]
    use crate::prelude::*;
    /// The abort reason `arg`.
    pub const REASON: f64 = 1.0;
    /// `Error("Circuit breaker is open")`.
    pub const BREAKER_OPEN: f64 = 2.0;
    /// `RangeError(task: retry.delay must be …, got <arg>)`.
    pub const BAD_DELAY: f64 = 3.0;
}

impl Machine {
    /// Command: `s.task(fn, options)`. Returns the task's key; `Task.id` is
    /// [`Machine::last_task_id`]. Emits `Start` unless a permit or the
    /// breaker makes the attempt wait or fail.
    pub fn spawn(&mut self, s: Key, spec: TaskSpec, now: f64) -> Outcome<Key> {
        let timeout = match spec.timeout {
            Some(v) => options::duration(v, options::TASK_TIMEOUT)?,
            None => None,
        };
        let retry = match spec.retry {
            Some(r) => Some(Retry {
                policy: RetryPolicyNum(match r.max_retries {
                    Some(v) => options::whole(v, options::MAX_RETRIES)?,
                    None => RetryPolicy::DEFAULT_MAX_RETRIES,
                }),
                delay: match (r.delay_fn, r.delay) {
                    (false, Some(v)) => options::finite_duration(v, options::RETRY_DELAY)?,
                    _ => 0.0,
                },
                delay_fn: r.delay_fn,
                condition: r.condition,
                on_retry: r.on_retry,
            }),
            None => None,
        };
        let rec = self
            .scopes
            .get(s)
            .ok_or(Fail::error(options::TASK_ON_DISPOSED))?;
        rec.core
            .check_spawn(self.tree.is_cancelled(rec.node))
            .map_err(|e| {
                Fail::error(match e {
                    crate::core::scope::SpawnError::Disposed => options::TASK_ON_DISPOSED,
                    crate::core::scope::SpawnError::Aborted => options::TASK_ON_ABORTED,
                })
            })?;
        let scope_node = rec.node;
        let waits = (timeout.is_some() || retry.is_some()).then(|| {
            Box::new(Waits {
                timeout: timeout.unwrap_or(0.0),
                retry,
                attempt_node: scope_node,
                timer: None,
            })
        });
        let own = waits.is_some();
        let cleanup = if spec.on_cleanup {
            Some(self.add_cleanup(s, false)?)
        } else {
            None
        };
        if let Some(rec) = self.scopes.get_mut(s) {
            let _ = rec.core.task_started();
            rec.task_count += 1;
        }
        self.last_task_id += 1.0;
        let k = self.tasks.insert(TaskRec {
            scope: s,
            node: scope_node,
            own,
            serial: 0,
            attempt: 0,
            phase: Phase::Idle,
            waits,
            failure: ErrorReason::Exception,
            started: false,
        });
        if own {
            let node = self.new_node(Some(scope_node), Owner::Task(k));
            if let Some(t) = self.tasks.get_mut(k) {
                t.node = node;
                if let Some(w) = t.waits.as_mut() {
                    w.attempt_node = node;
                }
            }
        }
        if let Some(c) = cleanup {
            self.fx.push(Op::CleanupKey, k.to_f64(), c.to_f64(), 0.0);
        }
        self.tel_task_spawned(s, k, now);
        self.start_attempt(k, now);
        Ok(k)
    }

    /// The public id of the task `spawn` just made.
    pub fn last_task_id(&self) -> f64 {
        self.last_task_id
    }

    /// Where [`Machine::last_task_id`] is kept (JS reads it from memory).
    pub fn last_task_id_address(&self) -> usize {
        &self.last_task_id as *const f64 as usize
    }

    /// `isStarted`.
    pub fn task_is_started(&self, t: Key) -> Option<bool> {
        self.tasks.get(t).map(|r| r.started)
    }

    /// Command: the task's own node (for `Task.signal`), made now if it has
    /// none (invariant #5). `None` once the task settled.
    #[cfg_attr(feature = "tiny", inline(never))]
    pub fn task_node(&mut self, t: Key) -> Option<NodeId> {
        let rec = self.tasks.get(t)?;
        if rec.own {
            return Some(rec.node);
        }
        let node = self.new_node(Some(rec.node), Owner::Task(t));
        let rec = self.tasks.get_mut(t)?;
        rec.node = node; // no `Waits` (it would have a node already)
        rec.own = true;
        Some(node)
    }

    /// Command: `task[Symbol.dispose]()`: the task no longer hears its
    /// scope's cancellation. No effect on a settled task.
    pub fn task_detach(&mut self, t: Key) {
        if let Some(node) = self.task_node(t) {
            let _ = self.tree.detach(node);
        }
    }

    /// Starts the next attempt: timeout, permit, breaker, `fn`.
    fn start_attempt(&mut self, k: Key, now: f64) {
        let Some(t) = self.tasks.get_mut(k) else {
            return;
        };
        if let Some(r) = self.tree.reason(t.node).copied() {
            t.failure = ErrorReason::Aborted;
            return self.fail_attempt(k, AttemptEnd::Reason(r), now);
        }
        self.serial = self.serial.wrapping_add(1);
        t.serial = self.serial;
        t.attempt += 1;
        t.failure = ErrorReason::Exception;
        let (serial, timeout, node) = (t.serial, t.timeout(), t.node);
        let own_node = timeout > 0.0 && t.retry().is_some();
        let old = t.attempt_node();
        if own_node {
            if old != node {
                self.remove_node(old);
            }
            let n = self.new_node(Some(node), Owner::Attempt(k));
            if let Some(w) = self.tasks.get_mut(k).and_then(|t| t.waits.as_mut()) {
                w.attempt_node = n;
            }
        }
        if timeout > 0.0 {
            let timer = self.set_timer(TimerOwner::AttemptTimeout(k, serial), timeout);
            if let Some(t) = self.tasks.get_mut(k) {
                t.set_timer(timer);
            }
        }
        self.acquire_permit(k, now);
    }

    /// Takes the scope's concurrency permit, or queues for it.
    fn acquire_permit(&mut self, k: Key, now: f64) {
        let Some(t) = self.tasks.get_mut(k) else {
            return;
        };
        let Some(sc) = self.scopes.get_mut(t.scope) else {
            return;
        };
        let Some(sem) = sc.sem.as_mut() else {
            if sc.concurrency == f64::INFINITY {
                // `concurrency: Infinity`: a limit that is never reached.
                self.telemetry
                    .permit(&mut self.fx, t.scope, k, f64::INFINITY, 0);
            }
            t.phase = Phase::Running {
                permit: false,
                admission: None,
            };
            return self.pass_breaker(k, now);
        };
        self.telemetry.permit(
            &mut self.fx,
            t.scope,
            k,
            f64::from(sem.available()),
            sem.waiting(),
        );
        match sem.acquire(k) {
            Ok(Acquire::Granted) => {
                t.phase = Phase::Running {
                    permit: true,
                    admission: None,
                };
                self.pass_breaker(k, now);
            }
            Ok(Acquire::Queued(w)) => t.phase = Phase::WaitingPermit(w),
            Err(_) => {}
        }
    }

    /// Passes the scope's breaker, then emits `Start`.
    fn pass_breaker(&mut self, k: Key, now: f64) {
        let Some(t) = self.tasks.get_mut(k) else {
            return;
        };
        let breaker = self
            .scopes
            .get_mut(t.scope)
            .and_then(|s| s.breaker.as_mut());
        if let Some(b) = breaker {
            match b.admit(now) {
                Ok(a) => {
                    self.telemetry.admitted(&mut self.fx, t.scope, a);
                    if let Phase::Running { admission, .. } = &mut t.phase {
                        *admission = Some(a);
                    }
                }
                Err(Rejected) => {
                    t.failure = ErrorReason::CircuitBreakerOpen;
                    self.telemetry.rejected(&mut self.fx, t.scope, k);
                    return self.fail_attempt(k, AttemptEnd::BreakerOpen, now);
                }
            }
        }
        self.telemetry.started(&mut self.fx, t.scope, k, t.started);
        t.started = true;
        // No node yet: JS asks `task_node` if `fn` reads its signal.
        let node = if t.own {
            Machine::node_f64(t.attempt_node())
        } else {
            -1.0
        };
        self.fx
            .push(Op::Start, k.to_f64(), f64::from(t.serial), node);
    }

    /// Event: attempt `serial` of task `t` settled (`ok`: fulfilled). JS
    /// keeps the value or error; `false` means the report was stale and
    /// JS must not keep it (mod.rs #3).
    pub fn attempt_settled(&mut self, t: f64, serial: u32, ok: bool, now: f64) -> bool {
        let Some(k) = Key::from_f64(t) else {
            return false;
        };
        if now > 0.0 {
            self.now = now;
        }
        match self.tasks.get(k) {
            Some(r) if r.serial == serial && matches!(r.phase, Phase::Running { .. }) => {}
            _ => return false,
        }
        let end = if ok {
            AttemptEnd::Ok
        } else {
            AttemptEnd::Thrown
        };
        self.end_attempt(k, end, now);
        true
    }

    /// Timer event: the attempt ran out of time. Its signal aborts with the
    /// timeout error (the work really stops), then it fails with that error.
    pub(crate) fn attempt_timed_out(&mut self, k: Key, serial: u32, now: f64) {
        let Some(t) = self.tasks.get_mut(k) else {
            return;
        };
        if t.serial != serial {
            return;
        }
        t.set_timer(None);
        t.failure = ErrorReason::Timeout;
        let (node, ms) = (t.attempt_node(), t.timeout());
        self.telemetry.timed_out(&mut self.fx, t.scope, k, ms);
        let r = self.new_reason(ReasonKind::Timeout, ms);
        self.hold_reason(r); // the attempt's end below uses it too
        if self.tree.is_cancelled(node) {
            // The scope aborted first: the signal keeps that reason.
        } else {
            self.hold_reason(r);
            self.cancel(node, r);
        }
        let running = matches!(
            self.tasks.get(k).map(|t| t.phase),
            Some(Phase::Running { .. } | Phase::WaitingPermit(_))
        );
        if running {
            self.end_attempt(k, AttemptEnd::Reason(r), now);
        }
        self.release_reason(r);
        self.release_reason(r);
    }

    /// An attempt failed before or instead of `fn` (aborted, breaker open).
    fn fail_attempt(&mut self, k: Key, end: AttemptEnd, now: f64) {
        self.end_attempt(k, end, now);
    }

    /// The attempt ended: give back its timer, permit and admission, then
    /// settle or retry (invariant #3).
    fn end_attempt(&mut self, k: Key, end: AttemptEnd, now: f64) {
        let Some(t) = self.tasks.get_mut(k) else {
            return;
        };
        let timer = t.take_timer();
        let phase = core::mem::replace(&mut t.phase, Phase::Idle);
        let scope = t.scope;
        let mut grant = None;
        if let Some(s) = self.scopes.get_mut(scope) {
            match phase {
                Phase::WaitingPermit(w) => {
                    if let Some(sem) = s.sem.as_mut() {
                        // A stale key means a permit was already ours: pass it on.
                        if sem.cancel(w).is_none() {
                            grant = sem.release();
                        }
                    }
                }
                Phase::Running { permit, admission } => {
                    if permit {
                        grant = s.sem.as_mut().and_then(|sem| sem.release());
                    }
                    if let (Some(a), Some(b)) = (admission, s.breaker.as_mut()) {
                        match end {
                            AttemptEnd::Ok => {
                                let c = b.on_success(a);
                                self.telemetry.closed(&mut self.fx, scope, c);
                            }
                            _ => {
                                let c = b.on_failure(a, now);
                                self.telemetry.opened(&mut self.fx, scope, c);
                            }
                        }
                    }
                }
                Phase::Idle | Phase::Asking | Phase::Delaying => {}
            }
        }
        self.clear_timer(timer);
        if let Some(g) = grant {
            self.permit_granted(g, now);
        }
        match end {
            AttemptEnd::Ok => self.settle(k, how::OK),
            AttemptEnd::Thrown => self.after_failure(k, now),
            AttemptEnd::Reason(r) => {
                self.fx
                    .push(Op::TaskError, k.to_f64(), err::REASON, r.to_f64());
                self.after_failure(k, now)
            }
            AttemptEnd::BreakerOpen => {
                self.fx
                    .push(Op::TaskError, k.to_f64(), err::BREAKER_OPEN, 0.0);
                self.after_failure(k, now)
            }
        }
    }

    /// A released permit goes to task `g`, which was queued for it.
    fn permit_granted(&mut self, g: Key, now: f64) {
        let Some(t) = self.tasks.get_mut(g) else {
            return;
        };
        if !matches!(t.phase, Phase::WaitingPermit(_)) {
            return;
        }
        t.phase = Phase::Running {
            permit: true,
            admission: None,
        };
        self.pass_breaker(g, now);
    }

    /// After a failed attempt: settle, or ask the retry hooks, or retry.
    fn after_failure(&mut self, k: Key, now: f64) {
        let Some(t) = self.tasks.get_mut(k) else {
            return;
        };
        let Some(retry) = t.retry() else {
            return self.settle(k, how::ERR);
        };
        // An aborted task does not retry (the signal is gone for good).
        if t.failure == ErrorReason::Aborted || self.tree.is_cancelled(t.node) {
            return self.settle(k, how::ERR);
        }
        let next = RetryPolicy {
            max_retries: retry.policy.0,
        }
        .next_retry(t.attempt);
        if retry.condition || (retry.delay_fn && next.is_some()) {
            t.phase = Phase::Asking;
            let (serial, attempt) = (t.serial, next.unwrap_or(0));
            self.fx.push(
                Op::RetryAsk,
                k.to_f64(),
                f64::from(serial),
                f64::from(attempt),
            );
            return;
        }
        self.retry_with(k, next, retry.delay, now);
    }

    /// Event: JS asked `retryCondition` and `delay`. `verdict`: 0 the
    /// condition said no, 1 retry (with `delay` when `delay` is a function),
    /// 2 a hook threw (JS keeps what it threw as the task's error).
    pub fn retry_answer(&mut self, t: f64, serial: u32, verdict: u8, delay: f64, now: f64) {
        let Some(k) = Key::from_f64(t) else { return };
        let Some(rec) = self.tasks.get_mut(k) else {
            return;
        };
        if rec.serial != serial || rec.phase != Phase::Asking {
            return;
        }
        rec.phase = Phase::Idle;
        let Some(retry) = rec.retry() else {
            return;
        };
        self.telemetry.verdict(&mut self.fx, rec.scope, k, verdict);
        if verdict != 1 {
            return self.settle(k, how::ERR);
        }
        let next = RetryPolicy {
            max_retries: retry.policy.0,
        }
        .next_retry(rec.attempt);
        let ms = if retry.delay_fn && next.is_some() {
            if !(delay.is_finite() && delay >= 0.0) {
                self.fx
                    .push(Op::TaskError, k.to_f64(), err::BAD_DELAY, delay);
                return self.settle(k, how::ERR);
            }
            delay
        } else {
            retry.delay
        };
        self.retry_with(k, next, ms, now);
    }

    /// Retries after `ms` (1.0's order: `onRetry`, then wait, then start).
    fn retry_with(&mut self, k: Key, next: Option<u32>, ms: f64, now: f64) {
        let Some(attempt) = next else {
            self.tel_exhausted(k);
            return self.settle(k, how::ERR);
        };
        let Some(t) = self.tasks.get_mut(k) else {
            return;
        };
        self.telemetry
            .retrying(&mut self.fx, t.scope, k, attempt, ms);
        if t.retry().is_some_and(|r| r.on_retry) {
            self.fx
                .push(Op::OnRetry, k.to_f64(), f64::from(attempt), 0.0);
        }
        if let Some(r) = self.tree.reason(t.node).copied() {
            t.failure = ErrorReason::Aborted;
            self.fx
                .push(Op::TaskError, k.to_f64(), err::REASON, r.to_f64());
            return self.settle(k, how::ERR);
        }
        if ms <= 0.0 {
            return self.start_attempt(k, now);
        }
        t.phase = Phase::Delaying;
        let serial = t.serial;
        let timer = self.set_timer(TimerOwner::RetryDelay(k, serial, now + ms), ms);
        if let Some(t) = self.tasks.get_mut(k) {
            t.set_timer(timer);
        }
    }

    /// Timer event: a retry delay is over (or JS's timer fired early: wait
    /// the rest, so a retry never comes before its delay).
    pub(crate) fn retry_delay_over(&mut self, k: Key, serial: u32, due: f64, now: f64) {
        let Some(t) = self.tasks.get_mut(k) else {
            return;
        };
        if t.serial != serial || t.phase != Phase::Delaying {
            return;
        }
        t.set_timer(None);
        if now < due {
            let timer = self.set_timer(TimerOwner::RetryDelay(k, serial, due), due - now);
            if let Some(t) = self.tasks.get_mut(k) {
                t.set_timer(timer);
            }
            return;
        }
        t.phase = Phase::Idle;
        self.start_attempt(k, now);
    }

    /// Scope `s` was cancelled: its tasks queued for a permit end, oldest
    /// first, with its reason (invariants #4 and #5). Each leaves the queue
    /// as it ends, so the walk is bounded by the queue's length.
    pub(crate) fn queued_tasks_cancelled(&mut self, s: Key) {
        let mut n = self
            .scopes
            .get(s)
            .and_then(|r| r.sem.as_ref())
            .map_or(0, |m| m.waiting());
        while n > 0 {
            n -= 1;
            let first = self
                .scopes
                .get(s)
                .and_then(|r| r.sem.as_ref())
                .and_then(|m| m.first_waiter());
            match first {
                Some(k) => self.task_cancelled(k),
                None => return,
            }
        }
    }

    /// The task's node was cancelled (invariant #4).
    pub(crate) fn task_cancelled(&mut self, k: Key) {
        let Some(t) = self.tasks.get_mut(k) else {
            return;
        };
        if !matches!(t.phase, Phase::WaitingPermit(_) | Phase::Delaying) {
            return;
        }
        t.failure = ErrorReason::Aborted;
        let Some(r) = self.tree.reason(t.node).copied() else {
            return;
        };
        // No clock comes with a cancellation: the last one seen serves (a
        // waiting task holds no breaker admission; the permit it passes on
        // may admit another task).
        let now = self.now;
        self.end_attempt(k, AttemptEnd::Reason(r), now);
    }

    /// Settles the task (invariant #1): `Settle`, then release everything.
    fn settle(&mut self, k: Key, how: f64) {
        let Some(t) = self.tasks.remove(k) else {
            return;
        };
        self.tel_task_settled(k, &t, how);
        self.fx
            .push(Op::Settle, k.to_f64(), how, f64::from(u8::from(t.started)));
        if let Phase::WaitingPermit(w) = t.phase {
            if let Some(sem) = self.scopes.get_mut(t.scope).and_then(|s| s.sem.as_mut()) {
                let _ = sem.cancel(w);
            }
        }
        let attempt_node = t.attempt_node();
        self.clear_timer(t.waits.as_ref().and_then(|w| w.timer));
        if attempt_node != t.node {
            self.remove_node(attempt_node);
        }
        if t.own {
            self.remove_node(t.node);
        }
        self.scope_task_settled(t.scope);
        self.group_member_settled(k, how);
    }

    /// The task's failure reason so far (for its span).
    pub fn task_failure(&self, t: Key) -> Option<ErrorReason> {
        self.tasks.get(t).map(|r| r.failure)
    }
}
