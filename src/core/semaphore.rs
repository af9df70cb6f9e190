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
//! 5. An unlimited semaphore (`Infinity` permits) grants every `acquire` at
//!    once, so nobody ever waits on it and `release` hands nothing on.

use crate::core::options::Limit;
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
    total: Limit,
    /// Permits not held; counted only when `total` is finite (invariant #5).
    available: u64,
    waiters: WaitQueue<W>,
    aborted: bool,
}

impl<W> Semaphore<W> {
    pub fn new(total: Limit) -> Self {
        Semaphore {
            total,
            available: match total {
                Limit::Max(n) => n,
                Limit::Unlimited => 0,
            },
            waiters: WaitQueue::new(),
            aborted: false,
        }
    }

    pub fn total(&self) -> Limit {
        self.total
    }

    /// Permits free now (`Unlimited` for an unlimited semaphore).
    pub fn available(&self) -> Limit {
        match self.total {
            Limit::Max(_) => Limit::Max(self.available),
            Limit::Unlimited => Limit::Unlimited,
        }
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
        if self.total == Limit::Unlimited {
            return Ok(Acquire::Granted); // invariant #5
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
        if Limit::Max(self.available) < self.total {
            self.available += 1;
        }
        None
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
