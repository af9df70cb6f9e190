//! `AsyncDisposableResource(acquire, dispose)` (SPEC): acquire once, dispose
//! once.
//!
//! The machine keeps no record per resource: a resource is a plain JS
//! object that users may drop without disposing, and a record nobody
//! releases would be a leak (STYLE #8). Instead the JS object keeps its
//! [`ResState`] as a number and asks [`step`] what each call or outcome
//! means: the rules live here, the state and the value in JS.
//!
//! # Invariants
//!
//! 1. `acquire` is called only from `Idle`; any other state refuses a new
//!    `acquire()` with "Resource already acquired" (a second call, one while
//!    the first is pending, or one during disposal).
//! 2. `dispose(value)` is called only from `Held`, and at most once per
//!    acquisition: a `[Symbol.asyncDispose]()` during disposal joins the one
//!    in flight; one before acquiring, or after an `acquire` that gave
//!    `undefined`, does nothing (as in 1.0).
//! 3. A successful disposal returns to `Idle` (JS forgets the value); a
//!    failed one to `Held`, so the caller may try again.
//! 4. An event that does not fit the state (stale) changes nothing.

#[cfg(all(target_arch = "wasm32", feature = "tiny"))]
#[allow(unused_imports)]
use crate::prelude::*;

use super::fail::{Fail, Outcome};

pub const ALREADY_ACQUIRED: &str = "Resource already acquired";

/// Where a resource is.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum ResState {
    Idle = 0,
    /// `acquire` was called; its promise is pending.
    Acquiring = 1,
    /// Acquired: `value` is held.
    Held = 2,
    /// Acquired, and the value is `undefined`: nothing to dispose.
    HeldEmpty = 3,
    /// `dispose(value)` is running.
    Disposing = 4,
}

/// What happened to a resource.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum ResEvent {
    /// `acquire()` was called.
    Acquire = 0,
    /// `acquire`'s promise fulfilled with a value / with `undefined`.
    Acquired = 1,
    AcquiredEmpty = 2,
    /// `acquire` threw or rejected.
    AcquireFailed = 3,
    /// `[Symbol.asyncDispose]()` was called.
    Dispose = 4,
    /// `dispose(value)` settled / threw or rejected.
    Disposed = 5,
    DisposeFailed = 6,
}

/// What JS does next.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum ResAction {
    Nothing = 0,
    /// Call `acquire()` and report its outcome.
    CallAcquire = 1,
    /// Call `dispose(value)` and report its outcome.
    CallDispose = 2,
    /// Give the caller the disposal already in flight.
    JoinDispose = 3,
}

impl ResState {
    pub fn from_u32(v: u32) -> Option<ResState> {
        Some(match v {
            0 => ResState::Idle,
            1 => ResState::Acquiring,
            2 => ResState::Held,
            3 => ResState::HeldEmpty,
            4 => ResState::Disposing,
            _ => return None,
        })
    }
}

impl ResEvent {
    pub fn from_u32(v: u32) -> Option<ResEvent> {
        Some(match v {
            0 => ResEvent::Acquire,
            1 => ResEvent::Acquired,
            2 => ResEvent::AcquiredEmpty,
            3 => ResEvent::AcquireFailed,
            4 => ResEvent::Dispose,
            5 => ResEvent::Disposed,
            6 => ResEvent::DisposeFailed,
            _ => return None,
        })
    }
}

/// The next state and action, or the failure a refused `acquire()`
/// rejects with (invariant #1).
pub fn step(state: ResState, event: ResEvent) -> Outcome<(ResState, ResAction)> {
    use ResAction as A;
    use ResEvent as E;
    use ResState as S;
    Ok(match (state, event) {
        (S::Idle, E::Acquire) => (S::Acquiring, A::CallAcquire),
        (_, E::Acquire) => return Err(Fail::error(ALREADY_ACQUIRED)),
        (S::Acquiring, E::Acquired) => (S::Held, A::Nothing),
        (S::Acquiring, E::AcquiredEmpty) => (S::HeldEmpty, A::Nothing),
        (S::Acquiring, E::AcquireFailed) => (S::Idle, A::Nothing),
        (S::Held, E::Dispose) => (S::Disposing, A::CallDispose),
        (S::Disposing, E::Dispose) => (S::Disposing, A::JoinDispose),
        (S::Disposing, E::Disposed) => (S::Idle, A::Nothing),
        (S::Disposing, E::DisposeFailed) => (S::Held, A::Nothing),
        (s, _) => (s, A::Nothing),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ResAction as A;
    use ResEvent as E;
    use ResState as S;

    fn run(events: &[E]) -> (S, Vec<Result<A, &'static str>>) {
        let mut s = S::Idle;
        let mut out = Vec::new();
        for &e in events {
            match step(s, e) {
                Ok((next, a)) => {
                    s = next;
                    out.push(Ok(a));
                }
                Err(f) => out.push(Err(f.message)),
            }
        }
        (s, out)
    }

    #[test]
    fn acquire_once_then_dispose_once() {
        let (s, out) = run(&[
            E::Acquire,
            E::Acquired,
            E::Acquire,
            E::Dispose,
            E::Dispose,
            E::Disposed,
            E::Dispose,
        ]);
        assert_eq!(s, S::Idle);
        assert_eq!(
            out,
            vec![
                Ok(A::CallAcquire),
                Ok(A::Nothing),
                Err(ALREADY_ACQUIRED),
                Ok(A::CallDispose),
                Ok(A::JoinDispose),
                Ok(A::Nothing),
                Ok(A::Nothing),
            ]
        );
    }

    #[test]
    fn a_second_acquire_while_pending_is_refused_and_a_failed_one_allows_another() {
        let (s, out) = run(&[E::Acquire, E::Acquire, E::AcquireFailed, E::Acquire]);
        assert_eq!(s, S::Acquiring);
        assert_eq!(
            out,
            vec![
                Ok(A::CallAcquire),
                Err(ALREADY_ACQUIRED),
                Ok(A::Nothing),
                Ok(A::CallAcquire)
            ]
        );
    }

    #[test]
    fn dispose_before_acquire_or_of_undefined_does_nothing() {
        assert_eq!(step(S::Idle, E::Dispose), Ok((S::Idle, A::Nothing)));
        assert_eq!(
            step(S::Acquiring, E::Dispose),
            Ok((S::Acquiring, A::Nothing))
        );
        assert_eq!(
            step(S::HeldEmpty, E::Dispose),
            Ok((S::HeldEmpty, A::Nothing))
        );
        assert!(step(S::HeldEmpty, E::Acquire).is_err());
    }

    #[test]
    fn a_failed_dispose_may_be_tried_again_and_stale_events_change_nothing() {
        let (s, out) = run(&[
            E::Acquire,
            E::Acquired,
            E::Dispose,
            E::DisposeFailed,
            E::Dispose,
        ]);
        assert_eq!(s, S::Disposing);
        assert_eq!(out.last(), Some(&Ok(A::CallDispose)));
        for st in [S::Idle, S::Held, S::HeldEmpty] {
            for e in [
                E::Acquired,
                E::AcquiredEmpty,
                E::AcquireFailed,
                E::Disposed,
                E::DisposeFailed,
            ] {
                assert_eq!(step(st, e), Ok((st, A::Nothing)), "{st:?} {e:?}");
            }
        }
    }

    #[test]
    fn numbers_round_trip() {
        for v in 0..5 {
            assert_eq!(ResState::from_u32(v).map(|s| s as u32), Some(v));
        }
        for v in 0..7 {
            assert_eq!(ResEvent::from_u32(v).map(|e| e as u32), Some(v));
        }
        assert_eq!(ResState::from_u32(5), None);
        assert_eq!(ResEvent::from_u32(7), None);
    }
}
