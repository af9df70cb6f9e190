//! Semaphores (SPEC "Semaphore"): `new Semaphore(permits, signal?)`, waiters
//! named by slots. (`core::semaphore` counts in `u32`; permits go up to 2^32
//! here, as channel capacities and `concurrency` do, so the count is kept
//! here in `u64`.)
//!
//! `acquire(fn)` is one call: granted now, or queued in a slot where JS keeps
//! the waiter's resolvers. `release` answers the slot the permit passes to
//! (FIFO, no barging). JS runs `fn` once granted and releases when it
//! settles, even if it throws.
//!
//! # Invariants
//!
//! 1. A slot is live from the `acquire` that queues it until the `release`
//!    that grants it or the drain item that rejects it (or forgets it, for a
//!    collected semaphore); so the JS arrays and the slots empty together.
//! 2. Waiters never leave one by one (an `acquire` takes no signal of its
//!    own), so a granted permit is never lost: it is used by `fn` and given
//!    back by `release`, which passes it to the next waiter (STYLE #6).
//! 3. Abort (signal, dispose, collection) is final: it emits `SemAborted`
//!    once, nothing is granted after it, and the waiters are drained by JS
//!    (rejected with the reason). The record ends once it is drained and no
//!    permit is held, releasing its key, reason, node and link.
//! 4. `Infinity` permits is no limit: every `acquire` is granted at once.
//! 5. `acquire` and `release` emit no effect, allocate nothing and call
//!    nothing (as a channel's send and receive): a full queue answers
//!    [`ret::GROW`] unchanged, and JS calls [`Machine::sem_reserve`].

#[cfg(all(target_arch = "wasm32", feature = "tiny"))]
#[allow(unused_imports)]
use crate::prelude::*;

use crate::core::ring::Ring;

use super::channel::{reserve_one, Slots};
use super::effect::Op;
use super::fail::Outcome;
use super::options;
use super::slab::{Key, Slab};
use super::{Machine, Owner};
use crate::core::cancel::NodeId;

pub const PERMITS: &str =
    "Semaphore: permits must be an integer from 1 to 2^32, or Infinity, got \u{1}";

/// Validates `permits`: an integer from 1 to 2^32, or `Infinity` for no
/// limit (`None`): the range of `concurrency` and channel capacities.
pub fn permits(value: f64) -> Outcome<Option<u64>> {
    let n = options::limit(value, 1.0, PERMITS)?;
    Ok((n != f64::INFINITY).then_some(n as u64))
}

/// Permits and FIFO waiters (slots). A released permit goes straight to the
/// oldest waiter, so no newcomer overtakes one (no barging).
pub struct Counter {
    total: u64,
    available: u64,
    waiters: Ring,
}

/// Return values of `sem_acquire` / `sem_release`.
pub mod ret {
    #[cfg(all(target_arch = "wasm32", feature = "tiny"))]
    #[allow(unused_imports)]
    use crate::prelude::*;
    /// acquire: aborted (reject with the reason); release: nobody to wake.
    pub const NONE: f64 = -1.0;
    /// acquire: a permit is held now.
    pub const GRANTED: f64 = -2.0;
    /// acquire: nothing changed; call `sem_reserve`, then ask again
    /// (invariant #5).
    pub const GROW: f64 = -3.0;
}

/// What JS does with a drained slot (`sem_drain`): `slot * KINDS + kind`.
pub mod drained {
    #[cfg(all(target_arch = "wasm32", feature = "tiny"))]
    #[allow(unused_imports)]
    use crate::prelude::*;
    pub const KINDS: f64 = 8.0;
    /// Forget the waiter (a collected semaphore).
    pub const FREE: f64 = 0.0;
    /// Reject the waiter with the semaphore's reason.
    pub const REASON: f64 = 1.0;
    /// Nothing left; permits are still held (the record lives on).
    pub const EMPTY: f64 = -1.0;
    /// Nothing left, and the semaphore ended (its key is stale).
    pub const ENDED: f64 = -2.0;
}

/// One semaphore.
pub struct SemRec {
    /// `None`: no limit (invariant #4).
    sem: Option<Counter>,
    /// Under the linked signal's node, if any.
    node: Option<NodeId>,
    link: Option<Key>,
    aborted: bool,
    /// `None` when disposed (or collected).
    reason: Option<Key>,
    /// Collected: drained waiters are only forgotten.
    forget: bool,
}

impl SemRec {
    /// Every permit is back (or there are none to count).
    fn idle(&self) -> bool {
        self.sem.as_ref().is_none_or(|s| s.available == s.total)
    }
}

/// The semaphore records of the machine.
#[derive(Default)]
pub struct Semaphores {
    table: Slab<SemRec>,
    slots: Slots,
}

impl Semaphores {
    /// Live semaphores.
    pub fn len(&self) -> usize {
        self.table.len()
    }

    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }

    /// Live waiter slots.
    pub fn slots(&self) -> usize {
        self.slots.len()
    }
}

impl Machine {
    /// Command: `new Semaphore(permits, signal?)` (`link`: the signal's).
    pub fn sem_new(&mut self, link: Option<Key>, permits_in: f64) -> Outcome<Key> {
        let total = permits(permits_in)?;
        let link = link.and_then(|l| self.link_node(l).map(|n| (l, n)));
        let k = self.semaphores.table.insert(SemRec {
            sem: total.map(|total| Counter {
                total,
                available: total,
                waiters: Ring::new(),
            }),
            node: None,
            link: link.map(|(l, _)| l),
            aborted: false,
            reason: None,
            forget: false,
        });
        if let Some((l, n)) = link {
            self.use_link(l);
            let node = self.new_node(Some(n), Owner::Semaphore(k));
            if let Some(rec) = self.semaphores.table.get_mut(k) {
                rec.node = Some(node);
            }
            if let Some(r) = self.tree.reason(node).copied() {
                // The signal was aborted already.
                self.semaphore_abort(k, Some(r));
            }
        }
        Ok(k)
    }

    /// Command: `acquire(fn)`: [`ret::GRANTED`], [`ret::NONE`] (aborted),
    /// or the slot the waiter waits in.
    pub fn sem_acquire(&mut self, k: Key) -> f64 {
        let Some(rec) = self.semaphores.table.get_mut(k) else {
            return ret::NONE;
        };
        if rec.aborted {
            return ret::NONE;
        }
        let Some(sem) = rec.sem.as_mut() else {
            return ret::GRANTED;
        };
        if sem.available > 0 && sem.waiters.is_empty() {
            sem.available -= 1;
            return ret::GRANTED;
        }
        let slots = &mut self.semaphores.slots;
        if sem.waiters.len() == sem.waiters.capacity() || !slots.has_room() {
            return ret::GROW;
        }
        let slot = slots.alloc();
        sem.waiters.push_back(slot);
        f64::from(slot)
    }

    /// Command: an `acquire` answered [`ret::GROW`]: make room.
    pub fn sem_reserve(&mut self, k: Key) {
        self.semaphores.slots.reserve();
        if let Some(sem) = self
            .semaphores
            .table
            .get_mut(k)
            .and_then(|r| r.sem.as_mut())
        {
            reserve_one(&mut sem.waiters);
        }
    }

    /// Command: `fn` settled: give the permit back. Answers the waiter's
    /// slot it passes to, or [`ret::NONE`]. After an abort, the last release
    /// ends the record (invariant #3).
    pub fn sem_release(&mut self, k: Key) -> f64 {
        let Some(rec) = self.semaphores.table.get_mut(k) else {
            return ret::NONE;
        };
        let Some(sem) = rec.sem.as_mut() else {
            return ret::NONE;
        };
        // After an abort the waiters left are JS's to reject, never granted.
        if !rec.aborted {
            if let Some(slot) = sem.waiters.pop_front() {
                self.semaphores.slots.free(slot);
                return f64::from(slot);
            }
        }
        sem.available = (sem.available + 1).min(sem.total);
        let drained = sem.waiters.is_empty();
        if rec.aborted && drained && rec.idle() {
            self.semaphore_end(k);
        }
        ret::NONE
    }

    /// Command (Rust face): a waiting `acquire` whose future was dropped
    /// leaves the queue, and its slot is freed. `false`: it was not queued
    /// any more (granted or drained already: a granted permit is given back
    /// with [`Machine::sem_release`], STYLE #6). Scans the queue: only the
    /// Rust face cancels (invariant #2 holds for JavaScript).
    pub fn sem_cancel(&mut self, k: Key, slot: u32) -> bool {
        let Some(sem) = self
            .semaphores
            .table
            .get_mut(k)
            .and_then(|r| r.sem.as_mut())
        else {
            return false;
        };
        match sem.waiters.position(|s| s == slot) {
            Some(i) => {
                sem.waiters.remove(i);
                self.semaphores.slots.free(slot);
                true
            }
            None => false,
        }
    }

    /// Command: `[Symbol.asyncDispose]()`: abort with "semaphore disposed".
    pub fn sem_dispose(&mut self, k: Key) {
        self.semaphore_abort(k, None);
    }

    /// Event: the semaphore's JS object was garbage-collected: forget its
    /// waiters; the record ends once drained.
    pub fn sem_collected(&mut self, k: Key) {
        self.semaphore_abort(k, None);
        if let Some(rec) = self.semaphores.table.get_mut(k) {
            rec.forget = true;
            // Nobody can release a collected semaphore's permits.
            if let Some(s) = rec.sem.as_mut() {
                s.available = s.total;
            }
        }
    }

    /// Command: the next waiter to reject after an abort (see [`drained`]);
    /// its slot is freed now (invariant #1).
    pub fn sem_drain(&mut self, k: Key) -> f64 {
        let Some(rec) = self.semaphores.table.get_mut(k) else {
            return drained::ENDED;
        };
        let next = if rec.aborted {
            rec.sem.as_mut().and_then(|s| s.waiters.pop_front())
        } else {
            None
        };
        if let Some(slot) = next {
            let kind = if rec.forget {
                drained::FREE
            } else {
                drained::REASON
            };
            self.semaphores.slots.free(slot);
            return f64::from(slot) * drained::KINDS + kind;
        }
        if rec.aborted && rec.idle() {
            self.semaphore_end(k);
            return drained::ENDED;
        }
        drained::EMPTY
    }

    /// Why the semaphore aborted: `Some(Some(reason))`, `Some(None)` when
    /// disposed, `None` if it did not abort (or ended).
    pub fn sem_reason(&self, k: Key) -> Option<Option<Key>> {
        self.semaphores
            .table
            .get(k)
            .filter(|r| r.aborted)
            .map(|r| r.reason)
    }

    /// `available`: free permits (`Infinity` with no limit); `None` once
    /// the record ended (every permit is back).
    pub fn sem_available(&self, k: Key) -> Option<f64> {
        self.semaphores
            .table
            .get(k)
            .map(|r| r.sem.as_ref().map_or(f64::INFINITY, |s| s.available as f64))
    }

    /// `waiting`: queued `acquire`s.
    pub fn sem_waiting(&self, k: Key) -> usize {
        self.semaphores
            .table
            .get(k)
            .and_then(|r| r.sem.as_ref())
            .map_or(0, |s| s.waiters.len())
    }

    /// `totalPermits` (`Infinity` with no limit); `None` once ended.
    pub fn sem_total(&self, k: Key) -> Option<f64> {
        self.semaphores
            .table
            .get(k)
            .map(|r| r.sem.as_ref().map_or(f64::INFINITY, |s| s.total as f64))
    }

    /// Aborts (invariant #3); reason `None` is "semaphore disposed". The
    /// waiters stay queued for `sem_drain`. (Out of line: four callers.)
    #[cfg_attr(feature = "tiny", inline(never))]
    fn semaphore_abort(&mut self, k: Key, reason: Option<Key>) {
        let Some(rec) = self.semaphores.table.get_mut(k) else {
            return;
        };
        if rec.aborted {
            return;
        }
        rec.aborted = true;
        rec.reason = reason;
        let (node, link) = (rec.node.take(), rec.link.take());
        self.let_go(reason, node, link);
        self.fx.push(Op::SemAborted, k.to_f64(), 0.0, 0.0);
    }

    /// Removes an aborted, drained, idle record.
    fn semaphore_end(&mut self, k: Key) {
        if let Some(rec) = self.semaphores.table.remove(k) {
            if let Some(r) = rec.reason {
                self.release_reason(r);
            }
        }
    }

    /// The node owned by semaphore record `k` was cancelled (its signal
    /// aborted).
    pub(crate) fn semaphore_cancelled(&mut self, k: Key) {
        let reason = self
            .semaphore_node(k)
            .and_then(|n| self.tree.reason(n).copied());
        if reason.is_some() {
            self.semaphore_abort(k, reason);
        }
    }

    /// The node of semaphore record `k`, if it has one.
    pub(crate) fn semaphore_node(&self, k: Key) -> Option<NodeId> {
        self.semaphores.table.get(k).and_then(|r| r.node)
    }
}

#[cfg(test)]
#[path = "semaphore_tests.rs"]
mod tests;
