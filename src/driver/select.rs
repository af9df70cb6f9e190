//! `select` (go-go-scope 2.x's `s.select`, with Go's semantics):
//! [`Scope::select`] and [`Runtime::select`] build a [`Select`] of receive
//! and send cases; awaiting it fires exactly one. Which one, when, and what
//! the others give back are the machine's (`machine/select.rs`): the cases
//! are tried in order (`chan_try`), then queued as channel waiters of one
//! select (`sel_wait`), whose slots live in the channels' stores as any
//! waiter's; the losers' slots are handed back by `sel_forget`.
//!
//! # Invariants
//!
//! 1. The select's cell is in the driver's table from `sel_new` until the
//!    select ends (a case fired, `default`, `SelDone`, or the future's
//!    drop); every end goes through [`Select::end`], which calls
//!    `sel_forget` until it answers -1, emptying each slot it hands out
//!    (a withdrawn send's value is dropped, never delivered), then runs the
//!    effects (the select's timer and node are released).
//! 2. A dropped select that was waiting gives up (its waiters leave their
//!    queues, the next waiter of each has its turn); a receive case that
//!    was handed a value it never returned gives it back
//!    (`chan_give_back`), as a dropped [`Recv`](super::Recv) does.

use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use super::channel::{
    sent, split, ChanShared, Channel, Receiving, SendError, Slot, Store, WaitOut, Waiter,
};
use super::runtime::{Driver, Runtime};
use super::scope::{Scope, ScopeShared};
use super::signal::Reason;
use super::table::key;
use crate::machine::channel::ret;
use crate::machine::select::Made;
use crate::machine::slab::Key;

/// What a select's future and the driver share (`SelDone`).
#[derive(Default)]
pub(crate) struct SelCell {
    reason: Option<Reason>,
    waker: Option<Waker>,
}

/// One case, whatever its channel's value type.
trait Case<'a, R> {
    /// Tries it now (`chan_try`): `true` if it fired.
    fn try_now(&mut self) -> bool;
    /// Queues it as select `g`'s waiter (`sel_wait`'s answer when < 0).
    fn wait(&mut self, g: Key, w: &Waker) -> f64;
    /// Whether its waiter was told (it fired); else it listens to `w`.
    fn told(&mut self, w: &Waker) -> bool;
    /// `sel_forget` handed out `slot`: empties it if it is this case's.
    fn forget(&mut self, slot: u32) -> bool;
    /// The handler's result (after it fired).
    fn finish(self: Box<Self>) -> R;
    /// The select went away after this case fired: a received value goes
    /// back (invariant #2).
    fn give_back(&mut self);
}

type Waiting<T> = Option<(u32, Rc<Waiter<T>>)>;

/// The waiting case's waiter was told: its outcome (the waiter leaves).
fn outcome<T>(wait: &mut Waiting<T>, w: &Waker) -> Option<WaitOut<T>> {
    let (_, waiter) = wait.as_ref()?;
    let out = waiter.out.borrow_mut().take();
    if out.is_none() {
        waiter.listen(w);
    } else {
        *wait = None;
    }
    out
}

/// Empties a withdrawn slot of the store (after its borrow: the value may
/// be a channel whose drop re-enters).
fn forget_slot<T: 'static>(sh: &ChanShared<T>, wait: &mut Waiting<T>, slot: u32) -> bool {
    if !matches!(wait, Some((s, _)) if *s == slot) {
        return false;
    }
    *wait = None;
    let was = sh.store.borrow_mut().take(slot);
    drop(was);
    true
}

struct RecvCase<'a, T: 'static, F> {
    sh: &'a ChanShared<T>,
    f: F,
    out: Option<Option<T>>,
    wait: Waiting<T>,
}

impl<'a, T: 'static, R, F: FnOnce(Option<T>) -> R + 'a> Case<'a, R> for RecvCase<'a, T, F> {
    fn try_now(&mut self) -> bool {
        let sh = self.sh;
        let r = try_case(sh, false);
        if r == ret::BUSY {
            return false;
        }
        self.out = Some(Receiving::took(sh, r));
        true
    }

    fn wait(&mut self, g: Key, w: &Waker) -> f64 {
        let sh = self.sh;
        let r = sh.drv.m.borrow_mut().sel_wait(g, sh.k(), false);
        if r < 0.0 {
            return r;
        }
        let slot = split(r).0;
        let waiter = Store::waiter(&sh.store, w);
        let old = sh
            .store
            .borrow_mut()
            .put(slot, Slot::Receiver(waiter.clone()));
        old.release();
        self.wait = Some((slot, waiter));
        r
    }

    fn told(&mut self, w: &Waker) -> bool {
        match outcome(&mut self.wait, w) {
            Some(WaitOut::Received(v)) => self.out = Some(v),
            Some(_) => self.out = Some(None),
            None => return false,
        }
        true
    }

    fn forget(&mut self, slot: u32) -> bool {
        forget_slot(self.sh, &mut self.wait, slot)
    }

    fn finish(self: Box<Self>) -> R {
        (self.f)(self.out.flatten())
    }

    fn give_back(&mut self) {
        if let Some(Some(v)) = self.out.take() {
            Receiving::give_back(self.sh, v);
        }
    }
}

struct SendCase<'a, T: 'static, F> {
    sh: &'a ChanShared<T>,
    value: Option<T>,
    f: F,
    out: Option<Result<(), SendError<T>>>,
    wait: Waiting<T>,
}

impl<'a, T: 'static, R, F: FnOnce(Result<(), SendError<T>>) -> R + 'a> Case<'a, R>
    for SendCase<'a, T, F>
{
    fn try_now(&mut self) -> bool {
        let sh = self.sh;
        let r = try_case(sh, true);
        if r == ret::BUSY {
            return false;
        }
        if let Some(v) = self.value.take() {
            self.out = Some(sent(sh, r, v));
        }
        true
    }

    fn wait(&mut self, g: Key, w: &Waker) -> f64 {
        let sh = self.sh;
        let r = sh.drv.m.borrow_mut().sel_wait(g, sh.k(), true);
        if r < 0.0 {
            return r;
        }
        let Some(value) = self.value.take() else {
            return r;
        };
        let slot = split(r).0;
        let waiter = Store::waiter(&sh.store, w);
        let old = sh
            .store
            .borrow_mut()
            .put(slot, Slot::Sender(value, waiter.clone()));
        old.release();
        self.wait = Some((slot, waiter));
        r
    }

    fn told(&mut self, w: &Waker) -> bool {
        self.out = Some(match outcome(&mut self.wait, w) {
            Some(WaitOut::Refused(v, true)) => Err(SendError::Closed(v)),
            Some(WaitOut::Refused(v, false)) => Err(SendError::Aborted(v, self.sh.reason())),
            Some(WaitOut::Sent | WaitOut::Received(_)) => Ok(()),
            None => return false,
        });
        true
    }

    fn forget(&mut self, slot: u32) -> bool {
        forget_slot(self.sh, &mut self.wait, slot)
    }

    fn finish(self: Box<Self>) -> R {
        let out = self.out.unwrap_or(Ok(()));
        (self.f)(out)
    }

    fn give_back(&mut self) {}
}

/// `chan_try` (the machine makes room first if it must).
fn try_case<T: 'static>(sh: &ChanShared<T>, send: bool) -> f64 {
    let k = sh.k();
    let mut m = sh.drv.m.borrow_mut();
    let r = m.chan_try(k, send);
    if r == ret::GROW {
        m.chan_reserve(k);
        return m.chan_try(k, send);
    }
    r
}

/// Go's `select` over channel operations (go-go-scope 2.x's `s.select`):
/// add receive and send cases, then await it; exactly one case fires and
/// its handler gives the result.
///
/// Ready cases fire at once, the first in the order they were added (not a
/// random one as in Go); else [`Select::default`], if given; else the
/// first case to become ready. A waiting select ends with `Err(reason)`
/// when its scope is cancelled or its [`Select::timeout`] passes, having
/// taken nothing. A send case that loses never delivers its value (it is
/// dropped). With no case and no default it waits for its timeout or its
/// scope (Go's `select {}`). Dropping a waiting select withdraws its cases.
///
/// ```
/// # use go_go_scope_wasm::{ManualHost, Runtime, ScopeOptions};
/// # use futures::FutureExt;
/// let rt = Runtime::new(ManualHost::new());
/// let s = rt.scope(ScopeOptions::default()).unwrap();
/// let (a, b) = (s.channel::<u32>(1).unwrap(), s.channel::<&str>(1).unwrap());
/// b.send("hi").now_or_never().unwrap().unwrap();
/// let got = s
///     .select()
///     .recv(&a, |v| format!("a: {v:?}"))
///     .recv(&b, |v| format!("b: {v:?}"))
///     .now_or_never();
/// assert_eq!(got, Some(Ok("b: Some(\"hi\")".to_string())));
/// ```
#[must_use = "a select does nothing unless awaited"]
pub struct Select<'a, R> {
    drv: Rc<Driver>,
    /// The scope, or `None` standalone.
    scope: Option<Rc<ScopeShared>>,
    cases: Vec<Box<dyn Case<'a, R> + 'a>>,
    timeout: Option<Duration>,
    default: Option<Box<dyn FnOnce() -> R + 'a>>,
    /// The machine's select while it waits (invariant #1).
    key: Option<Key>,
    cell: Rc<RefCell<SelCell>>,
    done: bool,
}

impl Scope {
    /// A [`Select`] owned by this scope: its cancellation ends a waiting
    /// select with the scope's reason.
    ///
    /// ```
    /// # use go_go_scope_wasm::{ManualHost, Runtime, ScopeOptions};
    /// # use futures::FutureExt;
    /// # let rt = Runtime::new(ManualHost::new());
    /// let s = rt.scope(ScopeOptions::default()).unwrap();
    /// let ch = s.channel::<u32>(0).unwrap();
    /// let mut sel = s.select().recv(&ch, |v| v);
    /// assert!((&mut sel).now_or_never().is_none()); // nothing to receive: waits
    /// let _ = s.dispose();
    /// assert!(sel.now_or_never().unwrap().unwrap_err().is_disposed());
    /// ```
    pub fn select<'a, R>(&self) -> Select<'a, R> {
        Select::new(self.drv().clone(), Some(self.shared().clone()))
    }
}

impl Runtime {
    /// A [`Select`] of no scope (2.x's standalone `select`): only its
    /// [`Select::timeout`] ends it early.
    ///
    /// ```
    /// # use go_go_scope_wasm::{ManualHost, Runtime};
    /// # use futures::FutureExt;
    /// # use std::time::Duration;
    /// let host = ManualHost::new();
    /// let rt = Runtime::new(host.clone());
    /// let ch = rt.channel::<u32>(0).unwrap();
    /// let mut sel = rt.select().recv(&ch, |v| v).timeout(Duration::from_millis(50));
    /// assert!((&mut sel).now_or_never().is_none());
    /// host.advance(50);
    /// assert!(sel.now_or_never().unwrap().unwrap_err().is_timeout());
    /// ```
    pub fn select<'a, R>(&self) -> Select<'a, R> {
        Select::new(self.driver().clone(), None)
    }
}

impl<'a, R> Select<'a, R> {
    fn new(drv: Rc<Driver>, scope: Option<Rc<ScopeShared>>) -> Self {
        Select {
            drv,
            scope,
            cases: Vec::new(),
            timeout: None,
            default: None,
            key: None,
            cell: Rc::new(RefCell::new(SelCell::default())),
            done: false,
        }
    }

    /// A receive case: `f` gets the value, or `None` once the channel is
    /// closed and drained, or aborted.
    ///
    /// ```
    /// # use go_go_scope_wasm::{ManualHost, Runtime, ScopeOptions};
    /// # use futures::FutureExt;
    /// # let rt = Runtime::new(ManualHost::new());
    /// # let s = rt.scope(ScopeOptions::default()).unwrap();
    /// let ch = s.channel::<u32>(1).unwrap();
    /// ch.close();
    /// let got = s.select().recv(&ch, |v| v).now_or_never().unwrap();
    /// assert_eq!(got.unwrap(), None); // closed and drained
    /// ```
    pub fn recv<T: 'static>(
        mut self,
        ch: &'a Channel<T>,
        f: impl FnOnce(Option<T>) -> R + 'a,
    ) -> Self {
        self.cases.push(Box::new(RecvCase {
            sh: ch.sh(),
            f,
            out: None,
            wait: None,
        }));
        self
    }

    /// A send case of `value`: `f` gets what [`Channel::send`] would give
    /// (`Err(SendError::Closed(value))` on a closed channel, the value back).
    /// When another case fires, `value` is dropped, never delivered.
    ///
    /// ```
    /// # use go_go_scope_wasm::{ManualHost, Runtime, ScopeOptions};
    /// # use futures::FutureExt;
    /// # let rt = Runtime::new(ManualHost::new());
    /// # let s = rt.scope(ScopeOptions::default()).unwrap();
    /// let ch = s.channel::<u32>(1).unwrap();
    /// let got = s.select().send(&ch, 7, |r| r.is_ok()).now_or_never().unwrap();
    /// assert_eq!(got.unwrap(), true); // buffered
    /// assert_eq!(ch.recv().now_or_never(), Some(Some(7)));
    /// ```
    pub fn send<T: 'static>(
        mut self,
        ch: &'a Channel<T>,
        value: T,
        f: impl FnOnce(Result<(), SendError<T>>) -> R + 'a,
    ) -> Self {
        self.cases.push(Box::new(SendCase {
            sh: ch.sh(),
            value: Some(value),
            f,
            out: None,
            wait: None,
        }));
        self
    }

    /// Waits at most `d` (`Duration::ZERO`: no limit), then ends with a
    /// timeout reason ("timeout after \<ms\>ms"), having taken nothing.
    ///
    /// ```
    /// # use go_go_scope_wasm::{ManualHost, Runtime, ScopeOptions};
    /// # use futures::FutureExt;
    /// # use std::time::Duration;
    /// let host = ManualHost::new();
    /// let rt = Runtime::new(host.clone());
    /// let s = rt.scope(ScopeOptions::default()).unwrap();
    /// let ch = s.channel::<u32>(0).unwrap();
    /// let mut sel = s.select().recv(&ch, |v| v).timeout(Duration::from_millis(20));
    /// assert!((&mut sel).now_or_never().is_none());
    /// host.advance(20);
    /// let reason = sel.now_or_never().unwrap().unwrap_err();
    /// assert_eq!(reason.to_string(), "timeout after 20ms");
    /// ```
    pub fn timeout(mut self, d: Duration) -> Self {
        self.timeout = Some(d);
        self
    }

    /// Runs `f` for the result when no case is ready at once: the select
    /// never waits (Go's `default:`).
    ///
    /// ```
    /// # use go_go_scope_wasm::{ManualHost, Runtime, ScopeOptions};
    /// # use futures::FutureExt;
    /// # let rt = Runtime::new(ManualHost::new());
    /// # let s = rt.scope(ScopeOptions::default()).unwrap();
    /// let ch = s.channel::<u32>(0).unwrap();
    /// let got = s.select().recv(&ch, |_| "value").default(|| "nothing yet");
    /// assert_eq!(got.now_or_never(), Some(Ok("nothing yet")));
    /// ```
    pub fn default(mut self, f: impl FnOnce() -> R + 'a) -> Self {
        self.default = Some(Box::new(f));
        self
    }

    /// Ends the machine's select (invariant #1).
    fn end(&mut self) {
        self.done = true;
        let Some(g) = self.key.take() else {
            return;
        };
        loop {
            let slot = self.drv.m.borrow_mut().sel_forget(g);
            if slot < 0.0 {
                break;
            }
            let slot = slot as u32;
            for c in self.cases.iter_mut() {
                if c.forget(slot) {
                    break;
                }
            }
        }
        let cell = self.drv.selects.borrow_mut().take(g);
        drop(cell);
        self.drv.run(); // its timer and node
    }

    /// Case `i` fired: the select ends and its handler gives the result.
    fn fire(&mut self, i: usize) -> R {
        self.end();
        let c = self.cases.swap_remove(i);
        c.finish()
    }

    /// The first poll: make the select, try the cases, then wait.
    fn start(&mut self, cx: &Context<'_>) -> Poll<Result<R, Reason>> {
        let scope = self.scope.as_ref().map(|s| s.key);
        let ms = match self.timeout {
            Some(d) if d != Duration::MAX => d.as_secs_f64() * 1000.0,
            _ => 0.0,
        };
        let made = self.drv.m.borrow_mut().sel_new(scope, ms);
        let g = match made {
            Ok(Made::Select(g)) => g,
            // The scope finished disposing (no duration is refused).
            Ok(Made::Gone) | Err(_) => {
                self.done = true;
                let reason = (self.scope.as_ref())
                    .and_then(|s| s.reason())
                    .unwrap_or_else(Reason::scope_disposed);
                return Poll::Ready(Err(reason));
            }
        };
        self.key = Some(g);
        let old = self.drv.selects.borrow_mut().set(g, self.cell.clone());
        drop(old);
        self.drv.run(); // its timer, or (a cancelled scope) its SelDone
        let cancelled = self.cell.borrow_mut().reason.take();
        if let Some(r) = cancelled {
            self.end();
            return Poll::Ready(Err(r));
        }
        // The first ready case, in order, fires.
        for i in 0..self.cases.len() {
            let fired = self.cases.get_mut(i).is_some_and(|c| c.try_now());
            if fired {
                return Poll::Ready(Ok(self.fire(i)));
            }
        }
        if let Some(d) = self.default.take() {
            self.end();
            return Poll::Ready(Ok(d()));
        }
        for c in self.cases.iter_mut() {
            let r = c.wait(g, cx.waker());
            if r == ret::BUSY {
                // Ready after all (not reached: nothing runs between the
                // passes): start over.
                self.end();
                self.done = false;
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
            if r < 0.0 {
                break; // over: its SelDone is kept in the cell
            }
        }
        self.cell.borrow_mut().waker = Some(cx.waker().clone());
        self.poll_wait(cx)
    }

    /// A later poll: did a case fire, or `SelDone` come?
    fn poll_wait(&mut self, cx: &Context<'_>) -> Poll<Result<R, Reason>> {
        for i in 0..self.cases.len() {
            let told = self.cases.get_mut(i).is_some_and(|c| c.told(cx.waker()));
            if told {
                return Poll::Ready(Ok(self.fire(i)));
            }
        }
        let reason = {
            let mut c = self.cell.borrow_mut();
            c.waker = Some(cx.waker().clone());
            c.reason.take()
        };
        if let Some(r) = reason {
            self.end();
            return Poll::Ready(Err(r));
        }
        Poll::Pending
    }
}

impl<R> Unpin for Select<'_, R> {}

impl<R> Future for Select<'_, R> {
    type Output = Result<R, Reason>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if self.done {
            return Poll::Pending; // polled after it finished
        }
        if self.key.is_none() {
            return self.start(cx);
        }
        self.poll_wait(cx)
    }
}

impl<R> Drop for Select<'_, R> {
    fn drop(&mut self) {
        if self.key.is_none() {
            return;
        }
        // A case told before the drop: a received value goes back.
        let w = futures::task::noop_waker();
        for c in self.cases.iter_mut() {
            if c.told(&w) {
                c.give_back();
            }
        }
        self.end();
    }
}

impl<R> fmt::Debug for Select<'_, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Select")
            .field("cases", &self.cases.len())
            .field("waiting", &self.key.is_some())
            .finish()
    }
}

impl Driver {
    /// `SelDone(select, reason)`: the waiting select was cancelled.
    pub(crate) fn on_sel_done(&self, g: f64, r: f64) {
        let Some(cell) = key(g).and_then(|k| self.selects.borrow().get(k).cloned()) else {
            return;
        };
        let reason = self.reason_of(r).unwrap_or_else(Reason::scope_disposed);
        let waker = {
            let mut c = cell.borrow_mut();
            c.reason = Some(reason);
            c.waker.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }
}
