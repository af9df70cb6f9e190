//! Polls (SPEC "poll"): `poll(fn, onValue, options)` and `s.poll(...)`.
//!
//! The schedule (when the next call is due, what `status()` says) is
//! [`PollCore`]; this file ties it to the token tree (a poll dies when its
//! node is cancelled: its signal or its scope aborted), to timers, and to
//! the calls JS makes. One call, step by step:
//!
//! 1. a call is due (`start()` with `immediate`, or the poll's timer fired):
//!    the machine emits `PollCall(poll, serial, node)`;
//! 2. JS reports [`Machine::poll_begin`] with its clock; `true`: it calls
//!    `fn(signal)` (the signal of `node`);
//! 3. `fn` settled: [`Machine::poll_settled`]; `true`: JS calls
//!    `onValue(value)`. A failed `fn` ends the call there (swallowed);
//! 4. `onValue` finished: [`Machine::poll_done`]. Only now is the next call
//!    armed, `interval` ms later (no overlap; `nextPollTime` counts from the
//!    end of the previous call).
//!
//! `immediate: false` creates the poll stopped: nothing runs until
//! `start()`, whose first call comes after `interval` (issue 12).
//!
//! # Invariants
//!
//! 1. At most one call is in flight ([`PollCore`] #1). `stage` and `serial`
//!    say which report the machine waits for; a report with another serial,
//!    or for another step, changes nothing (mod.rs #3).
//! 2. At most one timer is armed per poll; `stop()`, its firing and death
//!    clear it.
//! 3. Death (the node cancelled) is final and happens once: the timer is
//!    cleared, the node removed, the link let go, and `PollEnd` emitted with
//!    the final status. The record stays as a tombstone (so `status()` from
//!    user code run by the same effects still answers) until JS, having
//!    kept that status, reports [`Machine::poll_free`]: one release per id.
//! 4. A poll that is never cancelled (no signal, no scope) lives as long as
//!    it can be restarted, as in 1.0.

#[cfg(all(target_arch = "wasm32", feature = "tiny"))]
#[allow(unused_imports)]
use crate::prelude::*;

use super::effect::Op;
use super::fail::Fail;
use super::slab::{Key, Slab};
use super::timer::TimerOwner;
use super::{Machine, Owner};
use crate::core::cancel::NodeId;
use crate::core::poll::{PollCore, Status, Step};

/// 1.0's default `interval` (ms).
pub const DEFAULT_INTERVAL_MS: f64 = 5000.0;

pub const POLL_INTERVAL: &str =
    "poll: interval must be a finite number of milliseconds > 0, got \u{1}";

/// Where the poll's current call is (invariant #1).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Stage {
    /// No call is due or running.
    Idle,
    /// `PollCall` was emitted; waiting for `poll_begin`.
    Due,
    /// `fn` runs; waiting for `poll_settled`.
    Fn,
    /// `onValue` runs; waiting for `poll_done`.
    Value,
    /// Cancelled: a tombstone until `poll_free` (invariant #3).
    Dead,
}

/// A live (or dead, not yet freed) poll.
pub struct PollRec {
    pub core: PollCore,
    /// The poll's node: its `signal` (removed at death).
    pub node: NodeId,
    /// The user-signal link this poll holds one use of.
    pub link: Option<Key>,
    /// The armed timer (invariant #2) and the schedule's sequence number
    /// for it.
    pub timer: Option<Key>,
    pub seq: u64,
    /// Serial of the last `PollCall`.
    pub serial: u32,
    pub stage: Stage,
}

/// The poll records of the machine.
#[derive(Default)]
pub struct Polls {
    pub(crate) recs: Slab<PollRec>,
}

/// Why `poll_new` created nothing.
#[derive(Copy, Clone, Debug, PartialEq)]
pub enum PollRefused {
    /// A bad option: JS throws this.
    Fail(Fail),
    /// The signal (or the scope) is aborted already: JS throws its reason,
    /// as 1.0 does.
    Aborted,
}

impl From<Fail> for PollRefused {
    fn from(f: Fail) -> Self {
        PollRefused::Fail(f)
    }
}

impl Machine {
    /// Command: `poll(fn, onValue, options)` (`scope`: `None`) or
    /// `s.poll(...)`. `interval`: `None` when not given; `link`: the linked
    /// `options.signal` (ignored for `s.poll`, which uses its scope's). With
    /// `immediate` the first call is emitted now (step 1).
    pub fn poll_new(
        &mut self,
        scope: Option<Key>,
        link: Option<Key>,
        interval: Option<f64>,
        immediate: bool,
        now: f64,
    ) -> Result<Key, PollRefused> {
        let r = self.poll_parent(scope, link, interval);
        let (parent, link) = match r {
            Ok(p) => p,
            Err(e) => {
                if let Some(l) = link {
                    self.drop_unused_link(l);
                }
                return Err(e);
            }
        };
        let interval = interval.unwrap_or(DEFAULT_INTERVAL_MS);
        let k = self.polls.recs.insert(PollRec {
            core: PollCore::new(interval, immediate),
            node: NodeId::from_parts(0, 0),
            link,
            timer: None,
            seq: 0,
            serial: 0,
            stage: Stage::Idle,
        });
        if let Some(l) = link {
            self.use_link(l);
        }
        let node = self.new_node(parent, Owner::Poll(k));
        if let Some(p) = self.polls.recs.get_mut(k) {
            p.node = node;
        }
        if immediate {
            self.poll_start(k, now);
        }
        Ok(k)
    }

    /// Validates `poll_new`'s input (changing nothing, mod.rs #1) and finds
    /// the node the poll hangs under, and the link it uses.
    fn poll_parent(
        &self,
        scope: Option<Key>,
        link: Option<Key>,
        interval: Option<f64>,
    ) -> Result<(Option<NodeId>, Option<Key>), PollRefused> {
        if let Some(v) = interval {
            if !(v.is_finite() && v > 0.0) {
                return Err(Fail::range(POLL_INTERVAL, v).into());
            }
        }
        let (parent, link) = match scope {
            // A scope that finished disposing has an aborted signal.
            Some(s) => match self.scopes.get(s) {
                Some(rec) => (Some(rec.node), None),
                None => return Err(PollRefused::Aborted),
            },
            None => match link.and_then(|l| self.link_node(l)) {
                Some(n) => (Some(n), link),
                None => (None, None),
            },
        };
        if parent.is_some_and(|n| self.tree.is_cancelled(n)) {
            return Err(PollRefused::Aborted);
        }
        Ok((parent, link))
    }

    /// Command: `controller.start()`. A no-op while running or once dead;
    /// with `immediate` the call is now, else after `interval`; while a call
    /// is still in flight, its end schedules the next one.
    #[cfg_attr(feature = "tiny", inline(never))] // one copy for its several callers (wasm size)
    pub fn poll_start(&mut self, k: Key, now: f64) {
        let Some(p) = self.polls.recs.get_mut(k) else {
            return;
        };
        let step = p.core.start(now);
        self.poll_step(k, step);
    }

    /// Command: `controller.stop()`: no call until `start()`; a call in
    /// flight runs to its end.
    pub fn poll_stop(&mut self, k: Key) {
        let Some(p) = self.polls.recs.get_mut(k) else {
            return;
        };
        p.core.stop();
        let t = p.timer.take();
        self.clear_timer(t);
    }

    /// Getter: `controller.status()` at `now`.
    pub fn poll_status(&self, k: Key, now: f64) -> Option<Status> {
        self.polls.recs.get(k).map(|p| p.core.status(now))
    }

    /// Carries out a step of the schedule.
    #[cfg_attr(feature = "tiny", inline(never))] // one copy for its several callers (wasm size)
    fn poll_step(&mut self, k: Key, step: Step) {
        let Some(p) = self.polls.recs.get_mut(k) else {
            return;
        };
        match step {
            Step::Idle => {}
            Step::CallNow => {
                p.serial = p.serial.wrapping_add(1);
                p.stage = Stage::Due;
                let (serial, node) = (p.serial, p.node);
                self.fx.push(
                    Op::PollCall,
                    k.to_f64(),
                    f64::from(serial),
                    Machine::node_f64(node),
                );
            }
            Step::Wait { delay, seq } => {
                p.seq = seq;
                let old = p.timer.take();
                self.clear_timer(old);
                // The timer serial is the sequence number's low half; the
                // record keeps the whole one (invariant #2).
                let t = self.set_timer(TimerOwner::Poll(k, seq as u32), delay);
                if let Some(p) = self.polls.recs.get_mut(k) {
                    p.timer = t;
                }
            }
        }
    }

    /// Timer event: the poll's next call is due.
    pub(crate) fn poll_timer(&mut self, k: Key, serial: u32, _now: f64) {
        let Some(p) = self.polls.recs.get_mut(k) else {
            return;
        };
        if p.timer.is_none() || p.seq as u32 != serial {
            return;
        }
        p.timer = None;
        let step = p.core.timer_fired(p.seq);
        self.poll_step(k, step);
    }

    /// Event (step 2): JS is about to call `fn` for `PollCall(k, serial)`
    /// at `now`. `false`: it must not (stopped meanwhile, dead, stale).
    pub fn poll_begin(&mut self, k: Key, serial: u32, now: f64) -> bool {
        let Some(p) = self.polls.recs.get_mut(k) else {
            return false;
        };
        if p.stage != Stage::Due || p.serial != serial {
            return false;
        }
        if p.core.begin_call(now) {
            p.stage = Stage::Fn;
            true
        } else {
            p.stage = Stage::Idle;
            false
        }
    }

    /// Event (step 3): `fn` of call `serial` settled (`ok`: with a value).
    /// `true`: JS hands the value to `onValue`. A failure is swallowed and
    /// ends the call.
    pub fn poll_settled(&mut self, k: Key, serial: u32, ok: bool, now: f64) -> bool {
        match self.polls.recs.get_mut(k) {
            Some(p) if p.stage == Stage::Fn && p.serial == serial => {
                if ok {
                    p.stage = Stage::Value;
                    return true;
                }
                self.poll_finish(k, now, true);
                false
            }
            _ => false,
        }
    }

    /// Event (step 4): `onValue` of call `serial` returned (or its promise
    /// settled; `ok` false: it threw or rejected, which is swallowed).
    pub fn poll_done(&mut self, k: Key, serial: u32, ok: bool, now: f64) {
        if let Some(p) = self.polls.recs.get(k) {
            if p.stage == Stage::Value && p.serial == serial {
                self.poll_finish(k, now, !ok);
            }
        }
    }

    /// The call ended at `now`: arm the next one if still running.
    #[cfg_attr(feature = "tiny", inline(never))] // one copy for its several callers (wasm size)
    fn poll_finish(&mut self, k: Key, now: f64, failed: bool) {
        let Some(p) = self.polls.recs.get_mut(k) else {
            return;
        };
        p.stage = Stage::Idle;
        let step = p.core.finish_call(now, failed);
        self.poll_step(k, step);
    }

    /// The poll's node was cancelled (its signal or its scope aborted): it
    /// dies (invariant #3). The in-flight call's signal was aborted just
    /// before (it is the node's).
    pub(crate) fn poll_cancelled(&mut self, k: Key) {
        let Some(p) = self.polls.recs.get_mut(k) else {
            return;
        };
        if p.stage == Stage::Dead {
            return;
        }
        p.stage = Stage::Dead;
        p.core.kill();
        let s = p.core.status(0.0);
        let (timer, node, link) = (p.timer.take(), p.node, p.link.take());
        self.clear_timer(timer);
        self.remove_node(node);
        if let Some(l) = link {
            self.unlink(l);
        }
        self.fx.push(
            Op::PollEnd,
            k.to_f64(),
            s.poll_count as f64,
            s.last_poll_time.unwrap_or(-1.0),
        );
    }

    /// Event: JS kept a dead poll's final status (after `PollEnd`): the
    /// tombstone goes (invariant #3).
    pub fn poll_free(&mut self, k: Key) {
        if self
            .polls
            .recs
            .get(k)
            .is_some_and(|p| p.stage == Stage::Dead)
        {
            self.polls.recs.remove(k);
        }
    }

    /// The node of poll record `k`, if it has one (none once dead).
    pub(crate) fn poll_node(&self, k: Key) -> Option<NodeId> {
        self.polls
            .recs
            .get(k)
            .filter(|p| p.stage != Stage::Dead)
            .map(|p| p.node)
    }
}

#[cfg(test)]
#[path = "poll_tests.rs"]
mod tests;
