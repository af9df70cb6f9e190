//! `s.delay(ms)` (go-go-scope 2.x): a sleep owned by a scope, that ends
//! early, as an abort, when the scope is cancelled.
//!
//! A sleep is a node under its scope's node (so the scope's cancellation
//! reaches it in the tree's order, deepest first) and a timer. Whichever
//! comes first ends it: the timer (`SleepDone` with -1: resolve) or the
//! cancellation (`SleepDone` with the reason: reject with it).
//!
//! The same table holds the `select`s (`select.rs`), which are a node and a
//! timer too: a record with `sel` set is a select's, and its timer and
//! cancellation are handed to `select.rs` (`sel_timer`, `sel_cancel`),
//! which ends it with `SelDone` instead. Invariant #1 holds for both.
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

/// A sleep not over yet, or a `select` (`select.rs`): both are a node and
/// a timer, so they share one table (one copy of its code).
pub struct SleepRec {
    pub node: Option<NodeId>,
    pub timer: Option<Key>,
    /// A select's state; `None` for a sleep.
    pub sel: Option<Group>,
}

pub use super::select::Group;

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
        let (k, cancelled) = self.timed(Some(parent), ms.is_finite().then_some(ms), None);
        if let Some(r) = cancelled {
            self.sleep_end(k, r.to_f64());
        }
        Ok(Begun::Sleeping(k))
    }

    /// A new record of the table: a sleep, or a select (`sel`), under
    /// `parent` (if any), with a timer of `ms` (if any). `Some(reason)`:
    /// its node was born cancelled (no timer then): the caller ends it.
    #[cfg_attr(feature = "tiny", inline(never))]
    pub(super) fn timed(
        &mut self,
        parent: Option<NodeId>,
        ms: Option<f64>,
        sel: Option<Group>,
    ) -> (Key, Option<Key>) {
        let k = self.sleeps.insert(SleepRec {
            node: None,
            timer: None,
            sel,
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
            let t = self.set_timer(TimerOwner::Sleep(k), ms);
            if let Some(rec) = self.sleeps.get_mut(k) {
                rec.timer = t;
            }
        }
        (k, None)
    }

    /// Timer event: the sleep is over.
    pub(crate) fn sleep_timer(&mut self, k: Key) {
        if let Some(rec) = self.sleeps.get_mut(k) {
            rec.timer = None;
            if rec.sel.is_some() {
                self.sel_timer(k);
            } else {
                self.sleep_end(k, -1.0);
            }
        }
    }

    /// The scope (or the sleep's node) was cancelled: the sleep ends with
    /// the reason.
    pub(crate) fn sleep_cancelled(&mut self, k: Key) {
        let Some(rec) = self.sleeps.get(k) else {
            return;
        };
        let sel = rec.sel.is_some();
        if let Some(r) = rec.node.and_then(|n| self.tree.reason(n).copied()) {
            if sel {
                self.sel_cancel(k, r);
            } else {
                self.sleep_end(k, r.to_f64());
            }
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
        if let Some(n) = rec.node {
            self.remove_node(n);
        }
    }

    /// Command: the sleep's waiter went away before it ended (the Rust
    /// face's dropped future): its record, node and timer are released with
    /// no `SleepDone` (the drop was the release).
    pub fn sleep_drop(&mut self, k: Key) {
        if let Some(rec) = self.sleeps.remove(k) {
            self.clear_timer(rec.timer);
            if let Some(n) = rec.node {
                self.remove_node(n);
            }
        }
    }

    /// The node of sleep (or select) `k`.
    pub(crate) fn sleep_node(&self, k: Key) -> Option<NodeId> {
        self.sleeps.get(k).and_then(|r| r.node)
    }
}

/// Live sleeps and selects.
pub type Sleeps = Slab<SleepRec>;

#[cfg(test)]
#[path = "sleep_tests.rs"]
mod tests;
