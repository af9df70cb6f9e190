//! `scope.delay(d)` (go-go-scope 2.x's `s.delay(ms)`): a sleep that ends
//! early, with the scope's abort reason, when the scope is cancelled.
//!
//! The machine decides when and how it ends (`machine/sleep.rs`); here is
//! the future and its cell, kept by the sleep's key until `SleepDone`.
//!
//! # Invariants
//!
//! 1. The cell is in the driver's table from `sleep_new` until `SleepDone`
//!    or the future's drop, whichever comes first; a drop before the end
//!    tells the machine (`sleep_drop`), which then releases the timer and
//!    node with no `SleepDone`.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use super::once::{settle, Once};
use super::runtime::Driver;
use super::scope::Scope;
use super::signal::Reason;
use super::table::key;
use crate::machine::slab::Key;
use crate::machine::sleep::Begun;

/// What a sleep's future and the driver share.
pub(crate) type SleepCell = Once<Result<(), Reason>>;

/// The future of [`Scope::delay`]: `Ok(())` when the time is up,
/// `Err(reason)` as soon as the scope is cancelled. Dropping it early
/// releases its timer.
#[must_use = "a delay does nothing unless awaited"]
pub struct Sleep {
    drv: Rc<Driver>,
    /// The machine's sleep, while it runs (invariant #1).
    key: Option<Key>,
    cell: Rc<RefCell<SleepCell>>,
}

impl Scope {
    /// Sleeps for `d` (go-go-scope 2.x's `s.delay(ms)`); ends early with
    /// `Err(reason)` as soon as the scope is cancelled (disposal, timeout,
    /// parent, linked signal), or at once if it already was. `Duration::MAX`
    /// sleeps until the scope ends. Fails only for a duration JavaScript
    /// cannot hold as a number of ms (none: every `Duration` is accepted).
    ///
    /// ```
    /// # use go_go_scope_wasm::{ManualHost, Runtime, ScopeOptions};
    /// # use futures::FutureExt;
    /// # use std::time::Duration;
    /// let host = ManualHost::new();
    /// let rt = Runtime::new(host.clone());
    /// let s = rt.scope(ScopeOptions::default()).unwrap();
    /// let mut short = s.delay(Duration::from_millis(10));
    /// let long = s.delay(Duration::from_secs(60));
    /// host.advance(9);
    /// assert!((&mut short).now_or_never().is_none());
    /// host.advance(1);
    /// assert_eq!(short.now_or_never(), Some(Ok(())));
    /// let _ = s.dispose();
    /// let reason = long.now_or_never().unwrap().unwrap_err();
    /// assert!(reason.is_disposed());
    /// ```
    pub fn delay(&self, d: Duration) -> Sleep {
        let drv = self.drv().clone();
        let cell = Rc::new(RefCell::new(SleepCell::default()));
        let ms = d.as_secs_f64() * 1000.0;
        let begun = drv.m.borrow_mut().sleep_new(self.key(), ms);
        let key = match begun {
            Ok(Begun::Sleeping(k)) => {
                let old = drv.sleeps.borrow_mut().set(k, cell.clone());
                drop(old);
                Some(k)
            }
            // A scope that ended: its reason. (No duration is refused.)
            Ok(Begun::Gone) | Err(_) => {
                *cell.borrow_mut() =
                    Once::ready(Err(self.reason().unwrap_or_else(Reason::scope_disposed)));
                None
            }
        };
        drv.run();
        Sleep { drv, key, cell }
    }
}

impl Future for Sleep {
    type Output = Result<(), Reason>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let out = self.cell.borrow_mut().poll(cx);
        if out.is_ready() {
            self.key = None;
        }
        out
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        if let Some(k) = self.key.take() {
            let cell = self.drv.sleeps.borrow_mut().take(k);
            if cell.is_some() {
                self.drv.m.borrow_mut().sleep_drop(k);
                self.drv.run();
            }
            drop(cell);
        }
    }
}

impl std::fmt::Debug for Sleep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sleep")
            .field("running", &self.key.is_some())
            .finish()
    }
}

impl Driver {
    /// `SleepDone(sleep, reason)`.
    pub(crate) fn on_sleep_done(&self, s: f64, r: f64) {
        let Some(cell) = key(s).and_then(|k| self.sleeps.borrow_mut().take(k)) else {
            return;
        };
        let out = if r < 0.0 {
            Ok(())
        } else {
            Err(self.reason_of(r).unwrap_or_else(Reason::scope_disposed))
        };
        settle(&cell, out);
    }
}
