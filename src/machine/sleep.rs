//! `s.delay(ms)` (go-go-scope 2.x): a sleep owned by a scope, that ends
//! early, as an abort, when the scope is cancelled.
//!
//! A sleep is a node under its scope's node (so the scope's cancellation
//! reaches it in the tree's order, deepest first) and a timer. Whichever
//! comes first ends it: the timer (`SleepDone` with -1: resolve) or the
//! cancellation (`SleepDone` with the reason: reject with it).
//!
//! The same table holds every other record that is a node and a timer: the
//! `select`s (`select.rs`), the token buckets and their waiting acquires
//! (`token_bucket.rs`), and the debounced and throttled functions
//! (`rate.rs`). A record's [`Kind`] says whose it is; its timer and its
//! node's cancellation are handed to its module (`sleep_timer`,
//! `sleep_cancelled`), so there is one table, one owner in the tree and one
//! owner of timers for all of them (one copy of their code in the wasm).
//! Invariant #1 holds for every kind, each with its own effect.
//!
//! # Invariants
//!
//! 1. `SleepDone` is emitted exactly once per sleep, and the record, its
//!    node and its timer are released in the same step (one owner, one
//!    release: STYLE #8); a waiter that goes away first releases them with
//!    `sleep_drop`, and no `SleepDone` follows.
//! 2. A sleep on a scope that is already cancelled ends at once with the
//!    scope's reason; one on a scope that finished disposing is refused
//!    with [`Begun::Gone`] (JS rejects with the scope's `signal.reason`, the
//!    same object a task would see).
//! 3. `Infinity` sets no timer: the sleep ends only with its scope.

#[cfg(all(target_arch = "wasm32", feature = "tiny"))]
#[allow(unused_imports)]
use crate::prelude::*;

use super::effect::{Op, ReasonKind};
use super::fail::Outcome;
use super::options;
use super::slab::{Key, Slab};
use super::timer::TimerOwner;
use super::{Machine, Owner};
use crate::core::cancel::NodeId;

/// A record of the table: a node (if it has a parent) and a timer (if one
/// is set), and what it is.
pub struct SleepRec {
    pub node: Option<NodeId>,
    pub timer: Option<Key>,
    pub kind: Kind,
}

/// What a record of the sleeps' table is.
pub enum Kind {
    /// An `s.delay(ms)`.
    Sleep,
    /// A `select` (`select.rs`).
    Select(Group),
    /// A token bucket; its timer is the refill (`token_bucket.rs`).
    Bucket(BucketRec),
    /// A token bucket's waiting acquire; its timer is its `timeout`, its
    /// node is under its signal's link.
    Waiter(WaiterRec),
    /// A debounced or throttled function; its timer is the window
    /// (`rate.rs`).
    Rate(RateRec),
}

pub use super::rate::RateRec;
pub use super::select::Group;
pub use super::token_bucket::{BucketRec, WaiterRec};

/// What `sleep_new` did.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Begun {
    /// A sleep under this key; its `SleepDone` may already be among the
    /// effects (a cancelled scope, invariant #2).
    Sleeping(Key),
    /// The scope finished disposing (invariant #2).
    Gone,
}

impl Machine {
    /// Command: `s.delay(ms)`.
    pub fn sleep_new(&mut self, scope: Key, ms: f64) -> Outcome<Begun> {
        let ms = options::any_duration(ms, options::DELAY_MS)?;
        let Some(parent) = self.scopes.get(scope).map(|s| s.node) else {
            return Ok(Begun::Gone);
        };
        let (k, cancelled) = self.timed(Some(parent), ms.is_finite().then_some(ms), Kind::Sleep);
        if let Some(r) = cancelled {
            self.sleep_end(k, r.to_f64());
        }
        Ok(Begun::Sleeping(k))
    }

    /// A new record of the table, of `kind`, under `parent` (if any), with
    /// a timer of `ms` (if any). `Some(reason)`: its node was born
    /// cancelled (no timer then): the caller ends it.
    #[cfg_attr(feature = "tiny", inline(never))]
    pub(super) fn timed(
        &mut self,
        parent: Option<NodeId>,
        ms: Option<f64>,
        kind: Kind,
    ) -> (Key, Option<Key>) {
        let k = self.sleeps.insert(SleepRec {
            node: None,
            timer: None,
            kind,
        });
        if let Some(p) = parent {
            let node = self.new_node(Some(p), Owner::Sleep(k));
            if let Some(rec) = self.sleeps.get_mut(k) {
                rec.node = Some(node);
            }
            if let Some(r) = self.tree.reason(node).copied() {
                return (k, Some(r));
            }
        }
        if let Some(ms) = ms {
            self.retime(k, ms);
        }
        (k, None)
    }

    /// (Re)sets record `k`'s timer to `ms` from now (the one it had is
    /// cleared).
    #[cfg_attr(feature = "tiny", inline(never))]
    pub(super) fn retime(&mut self, k: Key, ms: f64) {
        let old = self.sleeps.get_mut(k).and_then(|r| r.timer.take());
        self.clear_timer(old);
        let t = self.set_timer(TimerOwner::Sleep(k), ms);
        if let Some(rec) = self.sleeps.get_mut(k) {
            rec.timer = t;
        }
    }

    /// Timer event: record `k`'s timer fired (the clock is `self.now`).
    pub(crate) fn sleep_timer(&mut self, k: Key) {
        let Some(rec) = self.sleeps.get_mut(k) else {
            return;
        };
        rec.timer = None;
        let ms = match &rec.kind {
            Kind::Waiter(w) => w.ms,
            _ => 0.0,
        };
        match rec.kind {
            Kind::Sleep => self.sleep_end(k, -1.0),
            Kind::Select(_) => self.sel_timer(k),
            Kind::Bucket(_) => self.bucket_pump(k),
            Kind::Waiter(_) => {
                let r = self.new_reason(ReasonKind::Timeout, ms);
                self.waiter_end(k, Some(r.to_f64()), true);
                self.release_reason(r);
            }
            Kind::Rate(_) => self.rate_timer(k),
        }
    }

    /// Record `k`'s node was cancelled (its scope's, or its signal's): it
    /// ends with the reason.
    pub(crate) fn sleep_cancelled(&mut self, k: Key) {
        let Some(rec) = self.sleeps.get(k) else {
            return;
        };
        let Some(r) = rec.node.and_then(|n| self.tree.reason(n).copied()) else {
            return;
        };
        match rec.kind {
            Kind::Sleep => self.sleep_end(k, r.to_f64()),
            Kind::Select(_) => self.sel_cancel(k, r),
            Kind::Bucket(_) => self.bucket_end(k, Some(r)),
            Kind::Waiter(_) => self.waiter_end(k, Some(r.to_f64()), true),
            Kind::Rate(_) => self.rate_end(k, r.to_f64()),
        }
    }

    /// Removes record `k`, pushing `op` (`k`, `reason`) first if `op` is
    /// given (JS reads the reason before the node's release may free it),
    /// then releasing its timer and node (invariant #1). Its kind, if it
    /// was there.
    #[cfg_attr(feature = "tiny", inline(never))]
    pub(super) fn untime(&mut self, k: Key, op: Option<Op>, reason: f64) -> Option<Kind> {
        let rec = self.sleeps.remove(k)?;
        if let Some(op) = op {
            self.fx.push(op, k.to_f64(), reason, 0.0);
        }
        self.clear_timer(rec.timer);
        if let Some(n) = rec.node {
            self.remove_node(n);
        }
        Some(rec.kind)
    }

    /// Ends sleep `k` (invariant #1): `SleepDone` first, so JS reads the
    /// reason before the node's release may free it.
    fn sleep_end(&mut self, k: Key, reason: f64) {
        self.untime(k, Some(Op::SleepDone), reason);
    }

    /// Command: the sleep's waiter went away before it ended (the Rust
    /// face's dropped future): its record, node and timer are released with
    /// no `SleepDone` (the drop was the release).
    pub fn sleep_drop(&mut self, k: Key) {
        self.untime(k, None, 0.0);
    }

    /// The node of record `k`.
    pub(crate) fn sleep_node(&self, k: Key) -> Option<NodeId> {
        self.sleeps.get(k).and_then(|r| r.node)
    }
}

/// The records that are a node and a timer.
pub type Sleeps = Slab<SleepRec>;

/// How many records of each kind: sleeps, selects, buckets, waiters,
/// limiters (a walk: for leak checks only).
pub(crate) fn census(t: &Sleeps) -> [usize; 5] {
    let mut n = [0; 5];
    for i in 0..t.capacity() {
        if let Some((_, r)) = t.at(i) {
            let j = match r.kind {
                Kind::Sleep => 0,
                Kind::Select(_) => 1,
                Kind::Bucket(_) => 2,
                Kind::Waiter(_) => 3,
                Kind::Rate(_) => 4,
            };
            if let Some(c) = n.get_mut(j) {
                *c += 1;
            }
        }
    }
    n
}

#[cfg(test)]
#[path = "sleep_tests.rs"]
mod tests;
