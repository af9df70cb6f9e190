//! A counting semaphore with a FIFO wait queue: the scope `concurrency`
//! limit and the exported `Semaphore`.
//!
//! # Invariants
//!
//! 1. `0 <= available <= total`, and waiters exist only while
//!    `available == 0`.
//! 2. A released permit goes straight to the oldest waiter (FIFO); only when
//!    nobody waits does `available` grow. So a waiter can never be overtaken
//!    by a newcomer.
//! 3. A waiter removed before it was granted takes no permit with it; one
//!    that was granted and will not use its permit must `release` it, which
//!    passes the turn on (STYLE #6).
//! 4. Once aborted, nothing more is granted: `acquire` fails and the waiters
//!    are handed back to be failed with the reason.

#[cfg(all(target_arch = "wasm32", feature = "tiny"))]
#[allow(unused_imports)]
use crate::prelude::*;

use crate::core::waitqueue::{WaitKey, WaitQueue};

/// What `acquire` gave.
#[derive(Debug, PartialEq, Eq)]
pub enum Acquire {
    /// A permit is held now.
    Granted,
    /// Queued; wait for `release` to hand this waiter a permit.
    Queued(WaitKey),
}

/// The semaphore was aborted (disposed, or its signal aborted); the waiter
/// comes back.
#[derive(Debug, PartialEq, Eq)]
pub struct Aborted<W>(pub W);

/// Permits plus waiters `W`.
pub struct Semaphore<W> {
    total: u32,
    available: u32,
    waiters: WaitQueue<W>,
    aborted: bool,
}

impl<W> Semaphore<W> {
    pub fn new(total: u32) -> Self {
        Semaphore {
            total,
            available: total,
            waiters: WaitQueue::new(),
            aborted: false,
        }
    }

    pub fn total(&self) -> u32 {
        self.total
    }

    pub fn available(&self) -> u32 {
        self.available
    }

    pub fn waiting(&self) -> usize {
        self.waiters.len()
    }

    pub fn is_aborted(&self) -> bool {
        self.aborted
    }

    /// Takes a permit now, or queues `waiter` (invariant #2).
    pub fn acquire(&mut self, waiter: W) -> Result<Acquire, Aborted<W>> {
        if self.aborted {
            return Err(Aborted(waiter));
        }
        if self.available > 0 && self.waiters.is_empty() {
            self.available -= 1;
            return Ok(Acquire::Granted);
        }
        Ok(Acquire::Queued(self.waiters.push_back(waiter)))
    }

    /// Returns a permit: the oldest waiter gets it (and is returned, to be
    /// woken outside any borrow), else it becomes available.
    pub fn release(&mut self) -> Option<W> {
        if !self.aborted {
            if let Some(w) = self.waiters.pop_front() {
                return Some(w);
            }
        }
        if self.available < self.total {
            self.available += 1;
        }
        None
    }

    /// The oldest waiter, still queued.
    pub fn first_waiter(&self) -> Option<W>
    where
        W: Copy,
    {
        self.waiters.front().copied()
    }

    /// Stops waiting: the waiter leaves the queue without a permit
    /// (invariant #3). `None` if it was no longer queued.
    pub fn cancel(&mut self, key: WaitKey) -> Option<W> {
        self.waiters.remove(key)
    }

    /// Aborts: no more grants; every waiter comes back (invariant #4).
    pub fn abort(&mut self) -> Vec<W> {
        self.aborted = true;
        self.waiters.drain()
    }
}

#[cfg(test)]
#[path = "semaphore_tests.rs"]
mod tests;

#[cfg(all(test, not(target_arch = "wasm32")))]
#[path = "semaphore_props.rs"]
mod props;
