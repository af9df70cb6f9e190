//! A one-shot outcome the driver fills and one future takes: what a
//! `scope.delay`, a token bucket's waiting acquire and a debounced call each
//! wait on, kept in the driver's table under the machine's key until the
//! effect that ends it arrives.
//!
//! # Invariants
//!
//! 1. The outcome is set once (`settle`) and taken once (`poll`); the waker
//!    is woken after the cell's borrow ended, so a woken future may poll at
//!    once.

use std::cell::RefCell;
use std::task::{Context, Poll, Waker};

/// The outcome, when it is there, and the waker of the future waiting for it.
pub(crate) struct Once<T> {
    out: Option<T>,
    waker: Option<Waker>,
}

impl<T> Default for Once<T> {
    fn default() -> Self {
        Once {
            out: None,
            waker: None,
        }
    }
}

impl<T> Once<T> {
    /// An outcome known already.
    pub(crate) fn ready(out: T) -> Once<T> {
        Once {
            out: Some(out),
            waker: None,
        }
    }

    /// Whether the outcome is there (not taken yet).
    pub(crate) fn is_set(&self) -> bool {
        self.out.is_some()
    }

    /// Takes the outcome, or keeps the waker to wake when it comes.
    pub(crate) fn poll(&mut self, cx: &mut Context<'_>) -> Poll<T> {
        match self.out.take() {
            Some(out) => Poll::Ready(out),
            None => {
                self.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

/// Sets the outcome of `cell` and wakes its future (invariant #1).
pub(crate) fn settle<T>(cell: &RefCell<Once<T>>, out: T) {
    let waker = {
        let mut c = cell.borrow_mut();
        c.out = Some(out);
        c.waker.take()
    };
    if let Some(w) = waker {
        w.wake();
    }
}
