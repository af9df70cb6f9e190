//! Scopes: creation (parent, linked signal, timeout, inherited options),
//! cleanups, and disposal in SPEC's order.
//!
//! Disposal is a small state machine driven by events, never by a future:
//! 1. `scope_dispose` marks the scope disposed (a second call changes
//!    nothing), clears its timer and cancels its node with a new
//!    "scope disposed" reason (descendants' signals abort first);
//! 2. cleanups run newest first, one at a time: each is a `Cleanup` effect,
//!    and the next one is emitted only when `cleanup_done` reports the last
//!    (so an async cleanup is awaited before the next starts);
//! 3. when no cleanup is left and no task of the scope runs, `Disposed` is
//!    emitted with the outcome (resolve, one error, or a joined message) and
//!    the scope's node, timer and link are released.
//!
//! # Invariants
//!
//! 1. At most one cleanup of a scope is out at a time (`waiting_cleanup`).
//! 2. `Disposed` is emitted once, after every cleanup reported and every
//!    task settled (`ScopeCore::is_drained`), and the record is removed in
//!    the same step.
//! 3. Options a child inherits (`concurrency`, `circuitBreaker`) are copied
//!    at creation; the child gets its own permits and its own breaker.
//! 4. A disposal that nothing can observe (no cleanup, task, child, read
//!    signal or telemetry) makes no abort reason: `Disposed` says so
//!    (reason -2), and a later `signal` read makes "scope disposed" then.

#[cfg(all(target_arch = "wasm32", feature = "tiny"))]
#[allow(unused_imports)]
use crate::prelude::*;

use super::effect::{Op, ReasonKind};
use super::fail::{Fail, Outcome};
use super::options;
use super::slab::Key;
use super::timer::TimerOwner;
use super::{Machine, Owner};
use crate::core::breaker::Breaker;
use crate::core::cancel::NodeId;
use crate::core::scope::ScopeCore;
use crate::core::semaphore::Semaphore;
use crate::core::telemetry::CancelCause;

/// A cleanup registered with a scope.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Cleanup {
    /// A JS function kept by the executor under `key`; `counts`: its error
    /// fails the disposal (`provide`'s cleanup) or is swallowed (a task's
    /// `onCleanup`, as in 1.0).
    User { key: Key, counts: bool },
    /// A channel of the scope: disposed (closed, pending operations rejected).
    Channel(Key),
}

/// Scope options as numbers, before validation. `None`: not given.
#[derive(Copy, Clone, Debug, Default, PartialEq)]
pub struct ScopeSpec {
    pub timeout: Option<f64>,
    pub concurrency: Option<f64>,
    /// `circuitBreaker` given: its `failureThreshold` and `resetTimeout`.
    pub breaker: Option<(Option<f64>, Option<f64>)>,
}

/// A scope that has not finished disposing.
pub struct ScopeRec {
    pub core: ScopeCore<Cleanup>,
    pub node: NodeId,
    /// The user-signal link this scope holds one use of.
    pub link: Option<Key>,
    pub timer: Option<Key>,
    /// The scope's `timeout` (ms), for its abort reason.
    pub timeout: f64,
    /// The effective `concurrency` (inherited or own), as given: 0 for none,
    /// `Infinity` for none said explicitly.
    pub concurrency: f64,
    /// The permits of `concurrency` (each task attempt takes one).
    pub sem: Option<Box<Semaphore<Key>>>,
    pub breaker: Option<Box<Breaker>>,
    /// Cleanups the disposal has not run yet, the next one last.
    pub rest: Vec<Cleanup>,
    /// A cleanup is out (invariant #1).
    pub waiting_cleanup: bool,
    /// Cleanup errors that fail the disposal.
    pub errors: u32,
    /// Why this scope's node was cancelled (unset: not cancelled).
    pub cause: Option<CancelCause>,
    /// Tasks spawned so far (`task.index`).
    pub task_count: u32,
}

impl Machine {
    /// Command: `scope(options)`. `parent` wins over `link` (as in 1.0).
    pub fn scope_new(
        &mut self,
        parent: Option<Key>,
        link: Option<Key>,
        spec: ScopeSpec,
    ) -> Outcome<Key> {
        // Validate everything before changing anything (mod.rs #1).
        let timeout = match spec.timeout {
            Some(v) => options::duration(v, options::SCOPE_TIMEOUT)?,
            None => None,
        };
        // `0` is no limit (as in 1.0, where a falsy one was ignored).
        let own_concurrency = match spec.concurrency {
            Some(v) => Some(options::limit(v, 0.0, options::SCOPE_CONCURRENCY)?),
            None => None,
        };
        let own_breaker = match spec.breaker {
            Some((threshold, reset)) => Some((
                match threshold {
                    Some(v) => options::count(v, options::FAILURE_THRESHOLD)?,
                    None => 5,
                },
                match reset {
                    Some(v) => options::any_duration(v, options::RESET_TIMEOUT)?,
                    None => 30_000.0,
                },
            )),
            None => None,
        };
        let parent_rec = parent.and_then(|p| self.scopes.get(p));
        let inherited_concurrency = parent_rec.map_or(0.0, |p| p.concurrency);
        let inherited_breaker = parent_rec
            .and_then(|p| p.breaker.as_ref())
            .map(|b| (b.failure_threshold(), b.reset_timeout()));
        let parent_node = parent_rec.map(|p| p.node);
        let concurrency = own_concurrency.unwrap_or(inherited_concurrency);
        let breaker = own_breaker.or(inherited_breaker);

        let k = self.scopes.insert(ScopeRec {
            core: ScopeCore::new(),
            node: NodeId::from_parts(0, 0),
            link: None,
            timer: None,
            timeout: timeout.unwrap_or(0.0),
            concurrency,
            sem: match options::permits(concurrency) {
                Some(n) if n > 0 => Some(Box::new(Semaphore::new(n))),
                _ => None,
            },
            breaker: breaker.map(|(t, r)| Box::new(Breaker::new(t, r))),
            rest: Vec::new(),
            waiting_cleanup: false,
            errors: 0,
            cause: None,
            task_count: 0,
        });
        let (under, link) = match (parent, parent_node, link) {
            (Some(_), Some(n), _) => (Some(n), None),
            (Some(_), None, _) => (None, None),
            (None, _, Some(l)) => match self.link_node(l) {
                Some(n) => (Some(n), Some(l)),
                None => (None, None),
            },
            (None, _, None) => (None, None),
        };
        if let Some(l) = link {
            self.use_link(l);
        }
        let node = self.new_node(under, Owner::Scope(k));
        if let Some(s) = self.scopes.get_mut(k) {
            s.node = node;
            s.link = link;
            if self.tree.is_cancelled(node) {
                s.cause = Some(CancelCause::Parent);
            }
        }
        if parent.is_some() && parent_node.is_none() {
            // The parent finished disposing: its signal is aborted.
            if let Some(s) = self.scopes.get_mut(k) {
                s.cause = Some(CancelCause::Parent);
            }
            let r = self.new_reason(ReasonKind::Disposed, 0.0);
            self.cancel(node, r);
        }
        if let Some(ms) = timeout {
            if !self.tree.is_cancelled(node) {
                let t = self.set_timer(TimerOwner::ScopeTimeout(k), ms);
                if let Some(s) = self.scopes.get_mut(k) {
                    s.timer = t;
                }
            }
        }
        Ok(k)
    }

    /// Gives a scope with no timer a timeout of `ms` (a race's `timeout`, on
    /// its internal scope): it runs out as one given at creation does.
    /// Nothing for a scope already cancelled.
    pub(crate) fn scope_arm_timeout(&mut self, s: Key, ms: f64) {
        match self.scopes.get(s) {
            Some(rec) if rec.timer.is_none() && !self.tree.is_cancelled(rec.node) => {}
            _ => return,
        }
        let t = self.set_timer(TimerOwner::ScopeTimeout(s), ms);
        if let Some(rec) = self.scopes.get_mut(s) {
            rec.timeout = ms;
            rec.timer = t;
        }
    }

    /// The scope's node (for its `signal`).
    pub fn scope_node(&self, s: Key) -> Option<NodeId> {
        self.scopes.get(s).map(|r| r.node)
    }

    /// The reason the scope's signal aborted with, if it has (the Rust
    /// face's `Scope::reason`).
    pub fn scope_reason(&self, s: Key) -> Option<Key> {
        let rec = self.scopes.get(s)?;
        self.tree.reason(rec.node).copied()
    }

    /// `isDisposed`: from the moment disposal begins (and after it ends).
    pub fn scope_is_disposed(&self, s: Key) -> bool {
        self.scopes.get(s).is_none_or(|r| r.core.is_disposed())
    }

    /// The effective `concurrency` limit (0: none).
    pub fn scope_concurrency(&self, s: Key) -> f64 {
        self.scopes.get(s).map_or(0.0, |r| r.concurrency)
    }

    /// The effective breaker options `(failureThreshold, resetTimeout)`.
    pub fn scope_breaker(&self, s: Key) -> Option<(u32, f64)> {
        self.scopes
            .get(s)
            .and_then(|r| r.breaker.as_ref())
            .map(|b| (b.failure_threshold(), b.reset_timeout()))
    }

    /// Command: may a service be provided (or used) now?
    pub fn scope_check_open(&self, s: Key, message: &'static str) -> Outcome<()> {
        match self.scopes.get(s) {
            Some(r) if !r.core.is_disposed() => Ok(()),
            _ => Err(Fail::error(message)),
        }
    }

    /// Command: registers a cleanup JS keeps under the returned key.
    pub fn add_cleanup(&mut self, s: Key, counts: bool) -> Outcome<Key> {
        self.add_cleanup_or(s, counts, options::PROVIDE_ON_DISPOSED)
    }

    /// Command: registers a cleanup (`provide`'s, or `s.onDispose(fn)`'s),
    /// refused with `message` once the scope is disposing.
    pub fn add_cleanup_or(&mut self, s: Key, counts: bool, message: &'static str) -> Outcome<Key> {
        self.scope_check_open(s, message)?;
        let key = self.cleanups.insert(());
        if let Some(r) = self.scopes.get_mut(s) {
            let _ = r.core.push_cleanup(Cleanup::User { key, counts });
        }
        Ok(key)
    }

    /// Timer event: the scope's `timeout` ran out.
    pub(crate) fn scope_timed_out(&mut self, s: Key) {
        let Some(rec) = self.scopes.get_mut(s) else {
            return;
        };
        rec.timer = None;
        if self.tree.is_cancelled(rec.node) {
            return;
        }
        rec.cause = Some(CancelCause::Timeout);
        let (node, ms) = (rec.node, rec.timeout);
        let r = self.new_reason(ReasonKind::Timeout, ms);
        self.cancel(node, r);
    }

    /// The scope's node was cancelled (its own timeout or disposal, a parent,
    /// a linked signal): its timer has no more use.
    pub(crate) fn scope_cancelled(&mut self, s: Key) {
        let Some(rec) = self.scopes.get_mut(s) else {
            return;
        };
        if rec.cause.is_none() {
            rec.cause = Some(CancelCause::Parent);
        }
        let timer = rec.timer.take();
        self.clear_timer(timer);
        self.tel_scope_cancelled(s);
        self.queued_tasks_cancelled(s);
    }

    /// Command: `[Symbol.asyncDispose]()`. `false`: disposal had begun
    /// already (a no-op); otherwise it runs, and `Disposed` tells its end,
    /// possibly within this very call.
    pub fn scope_dispose(&mut self, s: Key) -> bool {
        let Some(rec) = self.scopes.get_mut(s) else {
            return false;
        };
        let Some(mut cleanups) = rec.core.begin_dispose() else {
            return false;
        };
        cleanups.reverse(); // `rest.pop()` gives the newest first
        rec.rest = cleanups;
        self.telemetry
            .disposing(&mut self.fx, s, rec.core.running(), rec.rest.len());
        let timer = rec.timer.take();
        let node = rec.node;
        let cancelled = self.tree.is_cancelled(node);
        if !cancelled {
            rec.cause = Some(CancelCause::Disposed);
        }
        // Nothing can observe the abort of a scope with no cleanup, no task,
        // no child and no signal read, untraced: it ends here, its reason
        // never made (invariant #4).
        let unobserved = !cancelled
            && rec.rest.is_empty()
            && rec.core.running() == 0
            && !self.tree.has_children(node)
            && !self.is_watched(node)
            && !self.telemetry.has(s, u8::MAX);
        self.clear_timer(timer);
        if unobserved {
            self.scope_finish(s);
            return true;
        }
        if !cancelled {
            let r = self.new_reason(ReasonKind::Disposed, 0.0);
            self.cancel(node, r);
        }
        self.dispose_step(s);
        true
    }

    /// Event: the cleanup the scope's disposal was waiting for finished;
    /// `ok` false when it threw or rejected.
    pub fn cleanup_done(&mut self, s: Key, ok: bool, counts: bool) {
        let Some(rec) = self.scopes.get_mut(s) else {
            return;
        };
        if !rec.waiting_cleanup {
            return;
        }
        rec.waiting_cleanup = false;
        if !ok && counts {
            rec.errors += 1;
        }
        self.dispose_step(s);
    }

    /// Goes on with a disposal as far as it can without waiting (a loop:
    /// cleanups that need no JS, such as channels, follow one another here).
    pub(crate) fn dispose_step(&mut self, s: Key) {
        loop {
            let Some(rec) = self.scopes.get_mut(s) else {
                return;
            };
            if rec.waiting_cleanup || !rec.core.is_disposed() {
                return;
            }
            match rec.rest.pop() {
                Some(Cleanup::User { key, counts }) => {
                    rec.waiting_cleanup = true;
                    self.cleanups.remove(key);
                    self.fx.push(
                        Op::Cleanup,
                        key.to_f64(),
                        s.to_f64(),
                        f64::from(u8::from(counts)),
                    );
                    return;
                }
                // Synchronous: no JS runs, the next cleanup follows.
                Some(Cleanup::Channel(c)) => self.channel_dispose(c),
                None => {
                    if rec.core.is_drained() {
                        self.scope_finish(s);
                    }
                    return;
                }
            }
        }
    }

    /// Disposal is over (invariant #2): report, then release everything.
    fn scope_finish(&mut self, s: Key) {
        let Some(mut rec) = self.scopes.remove(s) else {
            return;
        };
        rec.core.finish();
        let outcome = match rec.errors {
            0 => 0.0,
            1 => 1.0,
            _ => 2.0,
        };
        // -2: disposed with a reason never made (see `scope_dispose`).
        let reason = self.tree.reason(rec.node).map_or(-2.0, |r| r.to_f64());
        self.tel_scope_end(s, rec.errors);
        self.fx.push(Op::Disposed, s.to_f64(), outcome, reason);
        self.remove_node(rec.node);
        self.clear_timer(rec.timer);
        if let Some(l) = rec.link {
            self.unlink(l);
        }
    }

    /// A task of scope `s` settled: a disposal waiting for it may go on.
    pub(crate) fn scope_task_settled(&mut self, s: Key) {
        if let Some(rec) = self.scopes.get_mut(s) {
            if rec.core.task_settled() {
                self.dispose_step(s);
            }
        }
    }
}
