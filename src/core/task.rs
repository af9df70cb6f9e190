//! A task's life: pending until its first outcome, then settled for good.
//!
//! # Invariants
//!
//! 1. A task settles exactly once. Later outcomes (a promise resolving after
//!    the timeout already failed the attempt, say) are handed back as
//!    [`AlreadySettled`] for the caller to drop, never applied.
//! 2. Ids are unique and increasing for the life of the wasm instance.

#[cfg(target_arch = "wasm32")]
#[allow(unused_imports)]
use crate::prelude::*;

use core::fmt;

/// How a task ended: the value, or the error (kept as the very value that
/// was thrown or rejected).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome<V, E> {
    Ok(V),
    Err(E),
}

/// The task had settled already; the late outcome comes back.
#[derive(Debug, PartialEq, Eq)]
pub struct AlreadySettled<V, E>(pub Outcome<V, E>);

impl<V, E> fmt::Display for AlreadySettled<V, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("task already settled")
    }
}

/// Pending or settled, with the outcome kept until taken.
#[derive(Debug)]
pub struct TaskCore<V, E> {
    id: u64,
    state: State<V, E>,
}

#[derive(Debug)]
enum State<V, E> {
    Pending,
    Settled,
    /// Settled, outcome not yet taken by the binding.
    Ready(Outcome<V, E>),
}

impl<V, E> TaskCore<V, E> {
    pub fn new(id: u64) -> Self {
        TaskCore {
            id,
            state: State::Pending,
        }
    }

    pub fn id(&self) -> u64 {
        self.id
    }

    pub fn is_settled(&self) -> bool {
        !matches!(self.state, State::Pending)
    }

    /// Records the outcome (invariant #1).
    pub fn settle(&mut self, outcome: Outcome<V, E>) -> Result<(), AlreadySettled<V, E>> {
        match self.state {
            State::Pending => {
                self.state = State::Ready(outcome);
                Ok(())
            }
            _ => Err(AlreadySettled(outcome)),
        }
    }

    /// Takes the recorded outcome out (once).
    pub fn take_outcome(&mut self) -> Option<Outcome<V, E>> {
        match core::mem::replace(&mut self.state, State::Settled) {
            State::Ready(o) => Some(o),
            State::Pending => {
                self.state = State::Pending;
                None
            }
            State::Settled => None,
        }
    }
}

/// Hands out task ids: 1, 2, 3, … (invariant #2).
#[derive(Debug, Default)]
pub struct TaskIds {
    last: u64,
}

impl TaskIds {
    pub fn next_id(&mut self) -> u64 {
        self.last += 1;
        self.last
    }
}

#[cfg(test)]
#[path = "task_tests.rs"]
mod tests;
