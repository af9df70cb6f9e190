//! `s.delay(ms)` (go-go-scope 2.x): a sleep owned by a scope, that ends
//! early, as an abort, when the scope is cancelled.
//!
//! A sleep is a node under its scope's node (so the scope's cancellation
//! reaches it in the tree's order, deepest first) and a timer. Whichever
//! comes first ends it: the timer (`SleepDone` with -1: resolve) or the
//! cancellation (`SleepDone` with the reason: reject with it).
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

use super::effect::Op;
use super::fail::Outcome;
use super::options;
use super::slab::{Key, Slab};
use super::timer::TimerOwner;
use super::{Machine, Owner};
use crate::core::cancel::NodeId;

/// A sleep not over yet.
pub struct SleepRec {
    pub node: NodeId,
    pub timer: Option<Key>,
}

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
        let k = self.sleeps.insert(SleepRec {
            node: parent,
            timer: None,
        });
        let node = self.new_node(Some(parent), Owner::Sleep(k));
        if let Some(rec) = self.sleeps.get_mut(k) {
            rec.node = node;
        }
        if let Some(r) = self.tree.reason(node).copied() {
            self.sleep_end(k, r.to_f64());
            return Ok(Begun::Sleeping(k));
        }
        if ms.is_finite() {
            let t = self.set_timer(TimerOwner::Sleep(k), ms);
            if let Some(rec) = self.sleeps.get_mut(k) {
                rec.timer = t;
            }
        }
        Ok(Begun::Sleeping(k))
    }

    /// Timer event: the sleep is over.
    pub(crate) fn sleep_timer(&mut self, k: Key) {
        if let Some(rec) = self.sleeps.get_mut(k) {
            rec.timer = None;
            self.sleep_end(k, -1.0);
        }
    }

    /// The scope (or the sleep's node) was cancelled: the sleep ends with
    /// the reason.
    pub(crate) fn sleep_cancelled(&mut self, k: Key) {
        let Some(node) = self.sleeps.get(k).map(|r| r.node) else {
            return;
        };
        if let Some(r) = self.tree.reason(node).copied() {
            self.sleep_end(k, r.to_f64());
        }
    }

    /// Ends sleep `k` (invariant #1): `SleepDone` first, so JS reads the
    /// reason before the node's release may free it.
    fn sleep_end(&mut self, k: Key, reason: f64) {
        let Some(rec) = self.sleeps.remove(k) else {
            return;
        };
        self.fx.push(Op::SleepDone, k.to_f64(), reason, 0.0);
        self.clear_timer(rec.timer);
        self.remove_node(rec.node);
    }

    /// Command: the sleep's waiter went away before it ended (the Rust
    /// face's dropped future): its record, node and timer are released with
    /// no `SleepDone` (the drop was the release).
    pub fn sleep_drop(&mut self, k: Key) {
        if let Some(rec) = self.sleeps.remove(k) {
            self.clear_timer(rec.timer);
            self.remove_node(rec.node);
        }
    }

    /// The node of sleep `k`.
    pub(crate) fn sleep_node(&self, k: Key) -> Option<NodeId> {
        self.sleeps.get(k).map(|r| r.node)
    }
}

/// Live sleeps.
pub type Sleeps = Slab<SleepRec>;

#[cfg(test)]
#[path = "sleep_tests.rs"]
mod tests;
