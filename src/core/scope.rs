//! A scope's life cycle: open → disposing → disposed, its LIFO cleanup
//! stack, its count of running tasks, and how disposal errors are reported.
//!
//! The binding drives disposal in SPEC's order:
//! 1. [`ScopeCore::begin_dispose`] marks the scope disposed (a second call
//!    gets `None`: dispose is idempotent) and hands back the cleanups, last
//!    registered first;
//! 2. the binding cancels the scope's token (`cancel/`), then runs the
//!    cleanups outside any borrow, collecting their errors;
//! 3. it waits until [`ScopeCore::is_drained`] (every task settled),
//!    told by [`ScopeCore::task_settled`] returning `true`;
//! 4. [`DisposalErrors::into_outcome`] turns the collected errors into what
//!    the dispose promise rejects with.
//!
//! # Invariants
//!
//! 1. The phase only moves forward: `Open` → `Disposing` → `Disposed`.
//! 2. Once the phase has left `Open` no task can start and no cleanup can be
//!    registered, so the cleanups handed out by `begin_dispose` are all there
//!    will ever be, and `running` can only fall.
//! 3. `running` counts tasks started and not yet settled; `task_settled`
//!    never takes it below zero.

#[cfg(all(target_arch = "wasm32", feature = "tiny"))]
#[allow(unused_imports)]
use crate::prelude::*;

use core::fmt;

/// Where a scope is in its life.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Phase {
    Open,
    /// `[Symbol.asyncDispose]` has begun; cleanups run, tasks drain.
    Disposing,
    /// Every cleanup ran and every task settled.
    Disposed,
}

/// Why a task could not be spawned.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum SpawnError {
    Disposed,
    Aborted,
}

impl fmt::Display for SpawnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SpawnError::Disposed => f.write_str("Cannot spawn task on disposed scope"),
            SpawnError::Aborted => f.write_str("Cannot spawn task on aborted scope"),
        }
    }
}

impl core::error::Error for SpawnError {}

/// The scope is disposed (or disposing): the cleanup, service or lookup is
/// refused. Hands the rejected value back.
#[derive(Debug, PartialEq, Eq)]
pub struct Disposed<T>(pub T);

impl<T> fmt::Display for Disposed<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Scope is disposed")
    }
}

/// The part of a scope that is plain bookkeeping. `C` is a cleanup.
#[derive(Debug)]
pub struct ScopeCore<C> {
    phase: Phase,
    /// Registered cleanups, oldest first; run newest first.
    cleanups: Vec<C>,
    /// Tasks started and not yet settled (invariant #3).
    running: usize,
}

impl<C> Default for ScopeCore<C> {
    fn default() -> Self {
        Self::new()
    }
}

impl<C> ScopeCore<C> {
    pub fn new() -> Self {
        ScopeCore {
            phase: Phase::Open,
            cleanups: Vec::new(),
            running: 0,
        }
    }

    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// `isDisposed`: true from the moment disposal begins.
    pub fn is_disposed(&self) -> bool {
        self.phase != Phase::Open
    }

    pub fn running(&self) -> usize {
        self.running
    }

    /// Checks that a task may be spawned now; `cancelled` is whether the
    /// scope's token is cancelled. Disposal is reported before abort.
    pub fn check_spawn(&self, cancelled: bool) -> Result<(), SpawnError> {
        if self.is_disposed() {
            Err(SpawnError::Disposed)
        } else if cancelled {
            Err(SpawnError::Aborted)
        } else {
            Ok(())
        }
    }

    /// Counts a task as running (invariant #2: only while open).
    pub fn task_started(&mut self) -> Result<(), SpawnError> {
        self.check_spawn(false)?;
        self.running += 1;
        Ok(())
    }

    /// Counts a task as settled. Returns `true` when this was the last task
    /// a disposal was waiting for.
    pub fn task_settled(&mut self) -> bool {
        if self.running == 0 {
            return false; // invariant #3: a stray settle changes nothing
        }
        self.running -= 1;
        self.phase == Phase::Disposing && self.running == 0
    }

    /// Registers a cleanup to run at disposal.
    pub fn push_cleanup(&mut self, cleanup: C) -> Result<(), Disposed<C>> {
        if self.is_disposed() {
            return Err(Disposed(cleanup));
        }
        self.cleanups.push(cleanup);
        Ok(())
    }

    pub fn cleanup_count(&self) -> usize {
        self.cleanups.len()
    }

    /// Starts disposal: returns the cleanups in the order to run them (last
    /// registered first), or `None` if disposal had already begun.
    pub fn begin_dispose(&mut self) -> Option<Vec<C>> {
        if self.phase != Phase::Open {
            return None;
        }
        self.phase = Phase::Disposing;
        let mut cleanups = core::mem::take(&mut self.cleanups);
        cleanups.reverse();
        Some(cleanups)
    }

    /// Whether no task is running any more.
    pub fn is_drained(&self) -> bool {
        self.running == 0
    }

    /// Ends disposal.
    pub fn finish(&mut self) {
        self.phase = Phase::Disposed;
    }
}

/// Errors thrown by cleanups during one disposal, in the order they ran.
#[derive(Debug)]
pub struct DisposalErrors<E> {
    errors: Vec<E>,
}

impl<E> Default for DisposalErrors<E> {
    fn default() -> Self {
        DisposalErrors { errors: Vec::new() }
    }
}

/// What a disposal with failing cleanups rethrows.
#[derive(Debug, PartialEq, Eq)]
pub enum DisposalOutcome<E> {
    /// Exactly one cleanup threw: rethrow that very error.
    One(E),
    /// Several threw: one new error with this message, joining theirs.
    Many { message: String, errors: Vec<E> },
}

impl<E> DisposalErrors<E> {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, error: E) {
        self.errors.push(error);
    }

    pub fn len(&self) -> usize {
        self.errors.len()
    }

    /// The errors so far, in the order the cleanups ran.
    pub fn errors(&self) -> &[E] {
        &self.errors
    }

    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// `None` if every cleanup succeeded. `message_of` gives an error's
    /// message for the joined text ("Multiple errors during scope disposal:
    /// a, b").
    pub fn into_outcome(self, message_of: impl Fn(&E) -> String) -> Option<DisposalOutcome<E>> {
        let mut errors = self.errors;
        match errors.len() {
            0 => None,
            1 => errors.pop().map(DisposalOutcome::One),
            _ => {
                let joined: Vec<String> = errors.iter().map(message_of).collect();
                Some(DisposalOutcome::Many {
                    message: format!(
                        "Multiple errors during scope disposal: {}",
                        joined.join(", ")
                    ),
                    errors,
                })
            }
        }
    }
}

#[cfg(test)]
#[path = "scope_tests.rs"]
mod tests;
