//! Semaphores: [`Semaphore`], its [`Permit`] and `acquire`. Who gets a
//! permit, and when, is the machine's (`machine/semaphore.rs`); here are the
//! waiters' wakers, by the slots the machine hands out.
//!
//! # Invariants
//!
//! 1. A permit is held by exactly one [`Permit`] (or an acquire future that
//!    was granted and not yet polled); dropping it gives it back, which
//!    passes it to the oldest waiter (no barging).
//! 2. An acquire future dropped while it waits leaves the queue
//!    (`sem_cancel`); one dropped after it was granted gives the permit
//!    back (STYLE #6).

use std::cell::{Cell, RefCell};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use super::error::Error;
use super::runtime::{Driver, Runtime};
use super::signal::Reason;
use super::table::key;
use crate::machine::semaphore::{drained, ret};
use crate::machine::slab::Key;

/// What a waiting acquire was told.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Told {
    Waiting,
    Granted,
    Refused,
}

/// A waiting acquire (the driver keeps them by slot: `Driver::sem_waiters`).
pub(crate) struct Waiter {
    told: Cell<Told>,
    waker: RefCell<Option<Waker>>,
}

impl Waiter {
    fn tell(&self, t: Told) {
        self.told.set(t);
        let w = self.waker.borrow_mut().take();
        if let Some(w) = w {
            w.wake();
        }
    }
}

/// One semaphore's state, shared by its handles, permits and futures.
struct SemShared {
    drv: Rc<Driver>,
    key: Key,
    total: u32,
    reason: RefCell<Option<Reason>>,
}

/// What the driver's table holds of a semaphore.
pub(crate) trait SemEntry {
    /// `SemAborted(semaphore)`: keep the reason, refuse the waiters.
    fn aborted(&self);
}

impl SemShared {
    fn put(&self, slot: u32, w: Rc<Waiter>) {
        let mut all = self.drv.sem_waiters.borrow_mut();
        let i = slot as usize;
        if all.len() <= i {
            all.resize_with(i + 1, || None);
        }
        if let Some(s) = all.get_mut(i) {
            *s = Some(w);
        }
    }

    fn take(&self, slot: u32) -> Option<Rc<Waiter>> {
        let mut all = self.drv.sem_waiters.borrow_mut();
        all.get_mut(slot as usize).and_then(Option::take)
    }

    fn reason(&self) -> Reason {
        self.drv.kept_reason(
            &self.reason,
            |m| m.sem_reason(self.key),
            Reason::semaphore_disposed,
        )
    }

    /// Gives a permit back: to the oldest waiter, if any (invariant #1).
    fn release(&self) {
        let r = self.drv.m.borrow_mut().sem_release(self.key);
        if r >= 0.0 {
            if let Some(w) = self.take(r as u32) {
                w.tell(Told::Granted);
            }
        }
        self.drv.run(); // the last release after an abort ends the record
    }
}

impl SemEntry for SemShared {
    fn aborted(&self) {
        let _ = self.reason();
        loop {
            let r = self.drv.m.borrow_mut().sem_drain(self.key);
            if r < 0.0 {
                // Nothing more comes for it: the abort is final (the
                // machine's record ends at its last release, if permits
                // are still held).
                let gone = self.drv.semaphores.borrow_mut().take(self.key);
                drop(gone);
                self.drv.after();
                return;
            }
            // `slot * KINDS + kind`, in integers (an `f64` remainder is a
            // libm call in wasm); every kind refuses the waiter.
            let slot = (r as u64 / drained::KINDS as u64) as u32;
            if let Some(w) = self.take(slot) {
                w.tell(Told::Refused);
            }
        }
    }
}

/// The handle users hold: the last one gone ends the semaphore.
struct SemHandle {
    shared: Rc<SemShared>,
}

impl Drop for SemHandle {
    fn drop(&mut self) {
        let sh = &self.shared;
        sh.drv.m.borrow_mut().sem_collected(sh.key);
        sh.drv.run();
    }
}

/// A counting semaphore with FIFO waiters (1.0's `Semaphore(permits,
/// signal?)`): [`Semaphore::acquire`] runs a future under a permit,
/// [`Semaphore::permit`] hands the permit out as a guard.
///
/// Cheap to clone (clones are the same semaphore). When it is disposed or
/// its signal aborts, waiters and later acquires fail with the reason.
///
/// ```
/// # use go_go_scope_wasm::{ManualHost, Runtime};
/// # use futures::FutureExt;
/// # let rt = Runtime::new(ManualHost::new());
/// let sem = rt.semaphore(2).unwrap();
/// let a = sem.permit().now_or_never().unwrap().unwrap();
/// let _b = sem.permit().now_or_never().unwrap().unwrap();
/// assert_eq!(sem.available(), 0);
/// let mut third = sem.permit();
/// assert!((&mut third).now_or_never().is_none()); // waits
/// assert_eq!(sem.waiting(), 1);
/// drop(a); // passed on to the waiter
/// assert!(third.now_or_never().unwrap().is_ok());
/// ```
#[derive(Clone)]
pub struct Semaphore {
    h: Rc<SemHandle>,
}

impl Runtime {
    /// A semaphore on this runtime (see [`Semaphore::new`]).
    ///
    /// ```
    /// # use go_go_scope_wasm::{ManualHost, Runtime};
    /// # let rt = Runtime::new(ManualHost::new());
    /// let sem = rt.semaphore(3).unwrap();
    /// assert_eq!((sem.total(), sem.available()), (3, 3));
    /// assert!(rt.semaphore(0).unwrap_err().is_range()); // 1 or more
    /// ```
    pub fn semaphore(&self, permits: u32) -> Result<Semaphore, Error> {
        Semaphore::make(self.driver(), None, permits)
    }
}

impl Semaphore {
    /// A semaphore of `permits` permits (1 or more) on this thread's runtime.
    ///
    /// ```
    /// # use go_go_scope_wasm::{ManualHost, Runtime, Semaphore};
    /// # Runtime::set_current(Runtime::new(ManualHost::new()));
    /// let sem = Semaphore::new(4).unwrap();
    /// assert_eq!(sem.available(), 4);
    /// ```
    pub fn new(permits: u32) -> Result<Semaphore, Error> {
        Runtime::current().semaphore(permits)
    }

    /// A semaphore aborted by a JavaScript `AbortSignal`.
    ///
    /// ```no_run
    /// # use go_go_scope_wasm::Semaphore;
    /// # fn demo(signal: &web_sys::AbortSignal) {
    /// // Aborting `signal` fails the waiting and later acquires.
    /// let sem = Semaphore::with_signal(2, signal).unwrap();
    /// assert_eq!(sem.total(), 2);
    /// # }
    /// ```
    pub fn with_signal(permits: u32, signal: &web_sys::AbortSignal) -> Result<Semaphore, Error> {
        let rt = Runtime::current();
        let l = rt.driver().link(signal);
        Semaphore::make(rt.driver(), Some(l), permits)
    }

    fn make(drv: &Rc<Driver>, link: Option<Key>, permits: u32) -> Result<Semaphore, Error> {
        let made = drv.m.borrow_mut().sem_new(link, f64::from(permits));
        let k = match made {
            Ok(k) => k,
            Err(f) => {
                if let Some(l) = link {
                    drv.m.borrow_mut().drop_unused_link(l);
                }
                drv.run();
                return Err(f.into());
            }
        };
        let shared = Rc::new(SemShared {
            drv: drv.clone(),
            key: k,
            total: permits,
            reason: RefCell::new(None),
        });
        let old = drv.semaphores.borrow_mut().set(k, shared.clone());
        drop(old);
        drv.run();
        Ok(Semaphore {
            h: Rc::new(SemHandle { shared }),
        })
    }

    /// Waits for a permit (FIFO): the guard gives it back when dropped.
    /// Fails with the reason once the semaphore aborted.
    ///
    /// ```
    /// # use go_go_scope_wasm::{ManualHost, Runtime};
    /// # use futures::FutureExt;
    /// # let rt = Runtime::new(ManualHost::new());
    /// let sem = rt.semaphore(1).unwrap();
    /// let permit = sem.permit().now_or_never().unwrap().unwrap();
    /// assert_eq!(sem.available(), 0);
    /// drop(permit); // given back
    /// assert_eq!(sem.available(), 1);
    /// ```
    pub fn permit(&self) -> Acquire {
        Acquire {
            h: self.h.clone(),
            wait: None,
            done: false,
        }
    }

    /// Waits for a permit, runs `f`'s future, gives the permit back (even
    /// if the future is dropped) and gives the future's output (1.0's
    /// `acquire(fn)` and `execute(fn)`).
    ///
    /// ```
    /// # use go_go_scope_wasm::{ManualHost, Runtime};
    /// # use futures::FutureExt;
    /// # let rt = Runtime::new(ManualHost::new());
    /// let sem = rt.semaphore(1).unwrap();
    /// let out = sem.acquire(|| async { 6 * 7 }).now_or_never().unwrap();
    /// assert_eq!(out, Ok(42));
    /// assert_eq!(sem.available(), 1); // given back
    /// ```
    pub async fn acquire<R, F, Fut>(&self, f: F) -> Result<R, Reason>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = R>,
    {
        let permit = self.permit().await?;
        let out = f().await;
        drop(permit);
        Ok(out)
    }

    /// Free permits (1.0's `available` and `availablePermits`).
    ///
    /// ```
    /// # use go_go_scope_wasm::{ManualHost, Runtime};
    /// # use futures::FutureExt;
    /// # let rt = Runtime::new(ManualHost::new());
    /// let sem = rt.semaphore(2).unwrap();
    /// let _held = sem.permit().now_or_never().unwrap().unwrap();
    /// assert_eq!(sem.available(), 1);
    /// ```
    pub fn available(&self) -> u32 {
        let sh = &self.h.shared;
        let a = sh.drv.m.borrow().sem_available(sh.key);
        a.map_or(sh.total, |a| a.min(f64::from(u32::MAX)) as u32)
    }

    /// Acquires waiting (1.0's `waiting` and `waiterCount`).
    ///
    /// ```
    /// # use go_go_scope_wasm::{ManualHost, Runtime};
    /// # use futures::FutureExt;
    /// # let rt = Runtime::new(ManualHost::new());
    /// let sem = rt.semaphore(1).unwrap();
    /// let _held = sem.permit().now_or_never().unwrap().unwrap();
    /// let mut next = sem.permit();
    /// assert!((&mut next).now_or_never().is_none());
    /// assert_eq!(sem.waiting(), 1);
    /// drop(next); // leaves the queue
    /// assert_eq!(sem.waiting(), 0);
    /// ```
    pub fn waiting(&self) -> usize {
        let sh = &self.h.shared;
        sh.drv.m.borrow().sem_waiting(sh.key)
    }

    /// 1.0's `totalPermits`.
    ///
    /// ```
    /// # use go_go_scope_wasm::{ManualHost, Runtime};
    /// # use futures::FutureExt;
    /// # let rt = Runtime::new(ManualHost::new());
    /// let sem = rt.semaphore(3).unwrap();
    /// let _held = sem.permit().now_or_never().unwrap().unwrap();
    /// assert_eq!((sem.total(), sem.available()), (3, 2));
    /// ```
    pub fn total(&self) -> u32 {
        self.h.shared.total
    }

    /// Fails the waiters and later acquires with "semaphore disposed"
    /// (1.0's `[Symbol.asyncDispose]()`); held permits stay valid.
    ///
    /// ```
    /// # use go_go_scope_wasm::{ManualHost, Runtime};
    /// # use futures::FutureExt;
    /// # let rt = Runtime::new(ManualHost::new());
    /// let sem = rt.semaphore(1).unwrap();
    /// let _held = sem.permit().now_or_never().unwrap().unwrap(); // stays valid
    /// let mut waiter = sem.permit();
    /// assert!((&mut waiter).now_or_never().is_none());
    /// sem.dispose();
    /// assert!(waiter.now_or_never().unwrap().unwrap_err().is_disposed());
    /// assert!(sem.permit().now_or_never().unwrap().is_err());
    /// ```
    pub fn dispose(&self) {
        let sh = &self.h.shared;
        sh.drv.m.borrow_mut().sem_dispose(sh.key);
        sh.drv.run();
    }
}

impl fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Semaphore")
            .field("total", &self.total())
            .field("available", &self.available())
            .field("waiting", &self.waiting())
            .finish()
    }
}

/// A held permit of a [`Semaphore`]: dropping it gives it back.
///
/// ```
/// # use go_go_scope_wasm::{ManualHost, Permit, Runtime};
/// # use futures::FutureExt;
/// # let rt = Runtime::new(ManualHost::new());
/// let sem = rt.semaphore(1).unwrap();
/// {
///     let _permit: Permit = sem.permit().now_or_never().unwrap().unwrap();
///     assert_eq!(sem.available(), 0);
/// } // dropped: given back
/// assert_eq!(sem.available(), 1);
/// ```
pub struct Permit {
    h: Rc<SemHandle>,
}

impl Drop for Permit {
    fn drop(&mut self) {
        self.h.shared.release();
    }
}

impl fmt::Debug for Permit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Permit")
    }
}

/// The future of [`Semaphore::permit`].
///
/// ```
/// # use go_go_scope_wasm::{ManualHost, Reason, Runtime, ScopeOptions};
/// # use futures::FutureExt;
/// # let host = ManualHost::new();
/// # let rt = Runtime::new(host.clone());
/// # let s = rt.scope(ScopeOptions::default()).unwrap();
/// let sem = rt.semaphore(1).unwrap();
/// let held = sem.permit().now_or_never().unwrap().unwrap();
/// let sem2 = sem.clone();
/// let task = s.spawn(async move {
///     let _permit = sem2.permit().await?; // waits for `held`
///     Ok::<_, Reason>(sem2.available())
/// });
/// drop(held);
/// host.run();
/// assert_eq!(task.unwrap().now_or_never(), Some(Ok(0)));
/// ```
#[must_use = "futures do nothing unless polled"]
pub struct Acquire {
    h: Rc<SemHandle>,
    wait: Option<(u32, Rc<Waiter>)>,
    done: bool,
}

impl Future for Acquire {
    type Output = Result<Permit, Reason>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let sh = self.h.shared.clone();
        if self.done {
            return Poll::Ready(Err(sh.reason()));
        }
        if let Some((_, w)) = &self.wait {
            return match w.told.get() {
                Told::Granted => {
                    self.wait = None;
                    self.done = true;
                    Poll::Ready(Ok(Permit { h: self.h.clone() }))
                }
                Told::Refused => {
                    self.wait = None;
                    self.done = true;
                    Poll::Ready(Err(sh.reason()))
                }
                Told::Waiting => {
                    *w.waker.borrow_mut() = Some(cx.waker().clone());
                    Poll::Pending
                }
            };
        }
        let mut r = sh.drv.m.borrow_mut().sem_acquire(sh.key);
        if r == ret::GROW {
            let mut m = sh.drv.m.borrow_mut();
            m.sem_reserve(sh.key);
            r = m.sem_acquire(sh.key);
        }
        if r == ret::GRANTED {
            self.done = true;
            return Poll::Ready(Ok(Permit { h: self.h.clone() }));
        }
        if r < 0.0 {
            self.done = true;
            return Poll::Ready(Err(sh.reason()));
        }
        let w = Rc::new(Waiter {
            told: Cell::new(Told::Waiting),
            waker: RefCell::new(Some(cx.waker().clone())),
        });
        sh.put(r as u32, w.clone());
        self.wait = Some((r as u32, w));
        Poll::Pending
    }
}

impl Drop for Acquire {
    fn drop(&mut self) {
        let Some((slot, w)) = self.wait.take() else {
            return;
        };
        let sh = &self.h.shared;
        match w.told.get() {
            // Granted and never taken: pass the permit on (invariant #2).
            Told::Granted => sh.release(),
            Told::Refused => {}
            Told::Waiting => {
                if sh.drv.m.borrow_mut().sem_cancel(sh.key, slot) {
                    let _ = sh.take(slot);
                }
            }
        }
    }
}

impl Driver {
    /// `SemAborted(semaphore)`.
    pub(crate) fn on_sem_aborted(&self, s: f64) {
        let e = key(s).and_then(|k| self.semaphores.borrow().get(k).cloned());
        if let Some(e) = e {
            e.aborted();
        }
    }
}
