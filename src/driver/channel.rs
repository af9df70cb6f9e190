//! Channels: [`Scope::channel`], [`Channel::new`], the [`Send`] and
//! [`Recv`] futures and the `Stream` of received values. The buffer order,
//! the wait queues, who is woken and what each call gives are the machine's
//! (`machine/channel.rs`); here are the values and the wakers, in a store
//! indexed by the slots the machine hands out. A send or a receive is one
//! machine call whose answer says what to do (no effect to apply).
//!
//! # Invariants
//!
//! 1. A slot of the store holds something exactly while the machine has the
//!    slot live: a buffered value, a waiting sender (its value and its
//!    waiter) or a waiting receiver. The driver empties it in the step the
//!    machine frees it (a receive taking it, a hand-off, a drain item, a
//!    cancel).
//! 2. A send or receive future that is dropped while it waits leaves the
//!    queue (`chan_cancel`); a receiver dropped after a value was handed to
//!    it gives the value back (`chan_give_back`): nothing is lost, nothing
//!    is received twice (STYLE #6).
//! 3. Values and waiters are dropped only after the store's borrow ended (a
//!    value may be a channel itself, whose drop re-enters); so is `on_drop`
//!    called, after the machine's call and the store's update, so that it
//!    may use the channel.

use std::any::{Any, TypeId};
use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use futures::Stream;

use super::error::Error;
use super::runtime::{Driver, Runtime};
use super::scope::Scope;
use super::signal::Reason;
use super::table::key;
pub use crate::machine::channel::Backpressure;
use crate::machine::channel::{drained, ret};
use crate::machine::slab::Key;

/// An answer `slot * KINDS + kind` (>= 0) as `(slot, kind)`: integer
/// arithmetic (an `f64` remainder is a libm call in wasm).
#[inline]
pub(super) fn split(r: f64) -> (u32, f64) {
    // Slots stay below 2^26 (machine `Slots`): the answer fits a u32.
    let n = r as u32;
    let kinds = ret::KINDS as u32;
    (n / kinds, f64::from(n % kinds))
}

/// What a waiting operation was told.
pub(super) enum WaitOut<T> {
    Sent,
    /// The value back: the channel closed (`true`) or aborted.
    Refused(T, bool),
    Received(Option<T>),
}

/// A waiting send or receive: its outcome, and who to wake.
pub(super) struct Waiter<T> {
    pub(super) out: RefCell<Option<WaitOut<T>>>,
    waker: RefCell<Option<Waker>>,
}

impl<T> Waiter<T> {
    fn new(w: &Waker) -> Rc<Waiter<T>> {
        Rc::new(Waiter {
            out: RefCell::new(None),
            waker: RefCell::new(Some(w.clone())),
        })
    }

    fn tell(&self, out: WaitOut<T>) {
        let old = self.out.borrow_mut().replace(out);
        drop(old);
        let w = self.waker.borrow_mut().take();
        if let Some(w) = w {
            w.wake();
        }
    }

    /// The outcome of the operation waiting in `wait`: `None` if it does
    /// not wait; pending until it is told (its waiter then goes back to
    /// the store's spares).
    fn outcome(
        wait: &mut Option<(u32, Rc<Waiter<T>>)>,
        store: &RefCell<Store<T>>,
        cx: &Context<'_>,
    ) -> Option<Poll<WaitOut<T>>> {
        let (_, w) = wait.as_ref()?;
        let out = w.out.borrow_mut().take();
        Some(match out {
            Some(o) => {
                if let Some((_, w)) = wait.take() {
                    Store::recycle(store, w);
                }
                Poll::Ready(o)
            }
            None => {
                w.listen(cx.waker());
                Poll::Pending
            }
        })
    }

    pub(super) fn listen(&self, w: &Waker) {
        let mut slot = self.waker.borrow_mut();
        match &*slot {
            Some(old) if old.will_wake(w) => {}
            _ => *slot = Some(w.clone()),
        }
    }
}

/// One slot's contents (invariant #1).
pub(super) enum Slot<T> {
    Free,
    Value(T),
    Sender(T, Rc<Waiter<T>>),
    Receiver(Rc<Waiter<T>>),
}

/// Waiters kept for reuse per store, at most (a wait then costs no
/// allocation in a steady exchange).
const SPARE_WAITERS: usize = 16;

impl<T> Slot<T> {
    /// Drops what a slot held, after the store's borrow (invariant #3); a
    /// free slot (what `put` finds, invariant #1) costs nothing.
    #[inline]
    pub(super) fn release(self) {
        if matches!(self, Slot::Free) {
            std::mem::forget(self); // nothing to drop
        } else {
            drop_slot(self);
        }
    }
}

#[inline(never)]
fn drop_slot<T>(s: Slot<T>) {
    drop(s);
}

/// The slots of every channel of one value type in a runtime.
pub(super) struct Store<T> {
    slots: Vec<Slot<T>>,
    /// Finished waiters, emptied, for the next wait.
    spare: Vec<Rc<Waiter<T>>>,
}

impl<T> Store<T> {
    #[inline]
    pub(super) fn put(&mut self, i: u32, v: Slot<T>) -> Slot<T> {
        let i = i as usize;
        if self.slots.len() <= i {
            self.grow(i);
        }
        match self.slots.get_mut(i) {
            Some(s) => std::mem::replace(s, v),
            None => v,
        }
    }

    #[cold]
    fn grow(&mut self, i: usize) {
        while self.slots.len() <= i {
            self.slots.push(Slot::Free);
        }
    }

    /// A waiter for a new wait: a spare one, or a new one.
    pub(super) fn waiter(store: &RefCell<Store<T>>, w: &Waker) -> Rc<Waiter<T>> {
        let spare = store.borrow_mut().spare.pop();
        match spare {
            Some(x) => {
                *x.waker.borrow_mut() = Some(w.clone());
                x
            }
            None => Waiter::new(w),
        }
    }

    /// A finished wait's waiter (its outcome taken): kept for reuse if no
    /// slot holds it any more. Emptied before the store is borrowed
    /// (invariant #3).
    fn recycle(store: &RefCell<Store<T>>, w: Rc<Waiter<T>>) {
        if Rc::strong_count(&w) != 1 || w.out.borrow().is_some() {
            return;
        }
        let waker = w.waker.borrow_mut().take();
        drop(waker);
        let mut st = store.borrow_mut();
        if st.spare.len() < SPARE_WAITERS {
            st.spare.push(w);
            return;
        }
        drop(st);
        drop(w);
    }

    #[inline]
    pub(super) fn take(&mut self, i: u32) -> Slot<T> {
        match self.slots.get_mut(i as usize) {
            Some(s) => std::mem::replace(s, Slot::Free),
            None => Slot::Free,
        }
    }
}

/// One channel's state, shared by its handles (its futures borrow it).
pub(super) struct ChanShared<T> {
    pub(super) drv: Rc<Driver>,
    key: Key,
    cap: usize,
    pub(super) store: Rc<RefCell<Store<T>>>,
    /// The abort reason, kept once known (the machine forgets it when the
    /// channel ends).
    reason: RefCell<Option<Reason>>,
    /// A standalone channel ends when its last handle goes; a scope's ends
    /// with the scope.
    standalone: bool,
    backpressure: Backpressure,
    /// Given each value the backpressure drops.
    on_drop: Option<OnDropFn<T>>,
}

/// [`ChannelOptions::on_drop`]'s callback.
type OnDropFn<T> = Rc<dyn Fn(T)>;

/// A channel's options (go-go-scope 2.x's `ChannelOptions`), for
/// [`Scope::channel_with`], [`Runtime::channel_with`] and
/// [`Channel::with_options`].
///
/// ```
/// use go_go_scope_wasm::{Backpressure, ChannelOptions};
///
/// let opts = ChannelOptions::<String>::new(100)
///     .backpressure(Backpressure::DropOldest)
///     .on_drop(|old| eprintln!("dropped {old}"));
/// assert_eq!((opts.capacity, opts.backpressure), (100, Backpressure::DropOldest));
/// ```
pub struct ChannelOptions<T> {
    /// Buffered values at most; 0 (the default) is a rendezvous.
    pub capacity: usize,
    /// What a send into a full buffer does when no receiver waits.
    pub backpressure: Backpressure,
    /// Called with each value the backpressure drops (the oldest one under
    /// `DropOldest`, the new one under `DropLatest`), after the channel
    /// changed: it may use the channel.
    pub on_drop: Option<OnDropFn<T>>,
}

impl<T> Default for ChannelOptions<T> {
    fn default() -> Self {
        ChannelOptions {
            capacity: 0,
            backpressure: Backpressure::Block,
            on_drop: None,
        }
    }
}

impl<T> Clone for ChannelOptions<T> {
    fn clone(&self) -> Self {
        ChannelOptions {
            capacity: self.capacity,
            backpressure: self.backpressure,
            on_drop: self.on_drop.clone(),
        }
    }
}

impl<T> fmt::Debug for ChannelOptions<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChannelOptions")
            .field("capacity", &self.capacity)
            .field("backpressure", &self.backpressure)
            .field("on_drop", &self.on_drop.is_some())
            .finish()
    }
}

impl<T> ChannelOptions<T> {
    /// `capacity`, blocking (1.0's channel).
    ///
    /// ```
    /// use go_go_scope_wasm::{Backpressure, ChannelOptions};
    ///
    /// let opts = ChannelOptions::<u8>::new(8);
    /// assert_eq!((opts.capacity, opts.backpressure), (8, Backpressure::Block));
    /// assert!(opts.on_drop.is_none());
    /// ```
    pub fn new(capacity: usize) -> Self {
        ChannelOptions {
            capacity,
            ..ChannelOptions::default()
        }
    }

    /// Sets [`ChannelOptions::backpressure`].
    ///
    /// ```
    /// use go_go_scope_wasm::{Backpressure, ChannelOptions};
    ///
    /// let opts = ChannelOptions::<u8>::new(1).backpressure(Backpressure::Error);
    /// assert_eq!(opts.backpressure, Backpressure::Error);
    /// ```
    pub fn backpressure(mut self, backpressure: Backpressure) -> Self {
        self.backpressure = backpressure;
        self
    }

    /// Sets [`ChannelOptions::on_drop`].
    ///
    /// ```
    /// # use go_go_scope_wasm::{Backpressure, ChannelOptions, ManualHost, Runtime, ScopeOptions};
    /// # use futures::FutureExt;
    /// # let rt = Runtime::new(ManualHost::new());
    /// # let s = rt.scope(ScopeOptions::default()).unwrap();
    /// use std::{cell::RefCell, rc::Rc};
    /// let dropped = Rc::new(RefCell::new(Vec::new()));
    /// let d = dropped.clone();
    /// let opts = ChannelOptions::new(1)
    ///     .backpressure(Backpressure::DropLatest)
    ///     .on_drop(move |v| d.borrow_mut().push(v));
    /// let ch = s.channel_with::<u32>(opts).unwrap();
    /// ch.send(1).now_or_never().unwrap().unwrap();
    /// ch.send(2).now_or_never().unwrap().unwrap(); // full: 2 is dropped
    /// assert_eq!(*dropped.borrow(), [2]);
    /// ```
    pub fn on_drop(mut self, f: impl Fn(T) + 'static) -> Self {
        self.on_drop = Some(Rc::new(f));
        self
    }
}

/// What the driver's table holds of a channel, whatever its value type.
pub(crate) trait ChanEntry {
    /// `ChanAborted(channel)`: keep the reason, then drain.
    fn aborted(&self);
}

impl<T: 'static> ChanShared<T> {
    pub(super) fn k(&self) -> Key {
        self.key
    }

    /// The kept abort reason, asked for once (the machine's, or "channel
    /// disposed").
    pub(super) fn reason(&self) -> Reason {
        self.drv.kept_reason(
            &self.reason,
            |m| m.chan_reason(self.key),
            Reason::channel_disposed,
        )
    }

    fn keep_reason(&self) {
        if self.reason.borrow().is_none() {
            let _ = self.reason();
        }
    }

    /// A value the backpressure dropped goes to `on_drop` (invariant #3).
    fn dropped(&self, v: T) {
        match &self.on_drop {
            Some(f) => f(v),
            None => drop(v),
        }
    }

    /// Carries out the wake-ups of a close or an abort, one slot at a time.
    fn drain(&self) {
        loop {
            let r = self.drv.m.borrow_mut().chan_drain(self.key);
            if r < 0.0 {
                if r == drained::ENDED {
                    let gone = self.drv.channels.borrow_mut().take(self.key);
                    drop(gone);
                    self.drv.after(); // the reason it held may be freed
                }
                return;
            }
            let (slot, kind) = split(r);
            let was = self.store.borrow_mut().take(slot);
            match (kind, was) {
                // FALSE: a select's send case (select.rs) on a closed channel.
                (k, Slot::Sender(v, w)) if k == drained::CLOSED || k == drained::FALSE => {
                    w.tell(WaitOut::Refused(v, true))
                }
                (k, Slot::Sender(v, w)) if k == drained::REASON => {
                    self.keep_reason();
                    w.tell(WaitOut::Refused(v, false))
                }
                (k, Slot::Receiver(w)) if k == drained::UNDEFINED || k == drained::DONE => {
                    w.tell(WaitOut::Received(None))
                }
                // FREE: a dropped value or a collected channel's waiter.
                (_, other) => drop(other),
            }
        }
    }
}

impl<T: 'static> ChanEntry for ChanShared<T> {
    fn aborted(&self) {
        self.keep_reason();
        self.drain();
    }
}

/// What user handles hold: the last one gone ends a standalone channel.
struct ChanHandle<T: 'static> {
    shared: Rc<ChanShared<T>>,
}

impl<T: 'static> Drop for ChanHandle<T> {
    fn drop(&mut self) {
        let sh = &self.shared;
        if sh.standalone {
            sh.drv.m.borrow_mut().chan_collected(sh.key);
            sh.drv.run();
        }
    }
}

/// A Go-style channel with backpressure (1.0's `Channel`): `send` waits
/// while `cap` values are buffered, `recv` waits while none is, FIFO on
/// both sides; capacity 0 is a rendezvous. It is also a [`Stream`] of the
/// received values, ending once closed and drained (1.0's `for await`).
///
/// Cheap to clone: clones are the same channel (each clone used as a
/// `Stream` has its own pending receive). Many producers and consumers:
/// each value is received exactly once.
///
/// A scope's channel ([`Scope::channel`]) is aborted with its scope: sends
/// fail with the reason, receives give `None`, buffered values are dropped.
///
/// ```
/// # use go_go_scope_wasm::{ManualHost, Runtime, ScopeOptions};
/// # use futures::FutureExt;
/// # let host = ManualHost::new();
/// # let rt = Runtime::new(host.clone());
/// # let s = rt.scope(ScopeOptions::default()).unwrap();
/// let ch = s.channel::<String>(10).unwrap();
/// assert_eq!((ch.cap(), ch.len(), ch.is_closed()), (10, 0, false));
/// assert!(ch.send("hi".into()).now_or_never().unwrap().is_ok());
/// ch.close();
/// assert_eq!(ch.recv().now_or_never().unwrap().as_deref(), Some("hi"));
/// assert_eq!(ch.recv().now_or_never().unwrap(), None);
/// ```
pub struct Channel<T: 'static> {
    h: Rc<ChanHandle<T>>,
    /// The pending receive of this handle used as a `Stream`.
    next: Receiving<T>,
}

impl<T: 'static> Clone for Channel<T> {
    fn clone(&self) -> Self {
        Channel {
            h: self.h.clone(),
            next: Receiving::new(),
        }
    }
}

impl Scope {
    /// A channel owned by the scope (1.0's `s.channel(capacity)`): aborted
    /// with it, disposed with it. Fails on a disposed scope.
    ///
    /// ```
    /// # use go_go_scope_wasm::{ManualHost, Runtime, ScopeOptions};
    /// # use futures::FutureExt;
    /// # let host = ManualHost::new();
    /// # let rt = Runtime::new(host.clone());
    /// # let s = rt.scope(ScopeOptions::default()).unwrap();
    /// let ch = s.channel::<u32>(1).unwrap();
    /// assert!(ch.send(7).now_or_never().unwrap().is_ok());
    /// let disposed = s.dispose();
    /// host.run();
    /// assert_eq!(ch.recv().now_or_never(), Some(None)); // aborted with the scope
    /// assert!(disposed.now_or_never().unwrap().is_ok());
    /// ```
    pub fn channel<T: 'static>(&self, capacity: usize) -> Result<Channel<T>, Error> {
        Channel::make(
            self.drv(),
            Some(self.key()),
            None,
            ChannelOptions::new(capacity),
        )
    }

    /// A channel owned by the scope with a backpressure strategy and an
    /// `on_drop` (go-go-scope 2.x's `s.channel(capacity, { backpressure,
    /// onDrop })`; see [`Backpressure`]).
    ///
    /// ```
    /// # use go_go_scope_wasm::{Backpressure, ChannelOptions, ManualHost, Runtime, ScopeOptions};
    /// # use futures::FutureExt;
    /// # let rt = Runtime::new(ManualHost::new());
    /// # let s = rt.scope(ScopeOptions::default()).unwrap();
    /// let ch = s
    ///     .channel_with::<u32>(ChannelOptions::new(1).backpressure(Backpressure::Error))
    ///     .unwrap();
    /// assert_eq!(ch.backpressure(), Backpressure::Error);
    /// ch.send(1).now_or_never().unwrap().unwrap();
    /// let e = ch.send(2).now_or_never().unwrap().unwrap_err(); // full: refused
    /// assert!(e.is_full());
    /// assert_eq!(e.into_inner(), 2);
    /// ```
    pub fn channel_with<T: 'static>(
        &self,
        options: ChannelOptions<T>,
    ) -> Result<Channel<T>, Error> {
        Channel::make(self.drv(), Some(self.key()), None, options)
    }
}

impl Runtime {
    /// A standalone channel on this runtime (see [`Channel::new`]).
    ///
    /// ```
    /// # use go_go_scope_wasm::{ManualHost, Runtime};
    /// # use futures::FutureExt;
    /// # let rt = Runtime::new(ManualHost::new());
    /// let ch = rt.channel::<u8>(4).unwrap();
    /// assert!(ch.send(1).now_or_never().unwrap().is_ok());
    /// assert_eq!(rt.live().channels, 1);
    /// drop(ch); // the last handle: the channel ends
    /// assert_eq!(rt.live().channels, 0);
    /// ```
    pub fn channel<T: 'static>(&self, capacity: usize) -> Result<Channel<T>, Error> {
        Channel::make(self.driver(), None, None, ChannelOptions::new(capacity))
    }

    /// A standalone channel with options (see [`Channel::with_options`]).
    ///
    /// ```
    /// # use go_go_scope_wasm::{Backpressure, ChannelOptions, ManualHost, Runtime};
    /// # use futures::FutureExt;
    /// # let rt = Runtime::new(ManualHost::new());
    /// let ch = rt
    ///     .channel_with::<u8>(ChannelOptions::new(0).backpressure(Backpressure::DropLatest))
    ///     .unwrap();
    /// assert!(ch.send(1).now_or_never().unwrap().is_ok()); // nobody receives: dropped
    /// assert!(ch.is_empty());
    /// ```
    pub fn channel_with<T: 'static>(
        &self,
        options: ChannelOptions<T>,
    ) -> Result<Channel<T>, Error> {
        Channel::make(self.driver(), None, None, options)
    }
}

impl<T: 'static> Channel<T> {
    /// A standalone channel (1.0's `new Channel(capacity)`) on this
    /// thread's runtime; it ends when its last handle is dropped.
    ///
    /// ```
    /// # use go_go_scope_wasm::{Channel, ManualHost, Runtime};
    /// # use futures::FutureExt;
    /// # Runtime::set_current(Runtime::new(ManualHost::new()));
    /// let ch = Channel::<&str>::new(1).unwrap();
    /// assert!(ch.send("x").now_or_never().unwrap().is_ok());
    /// assert_eq!(ch.recv().now_or_never(), Some(Some("x")));
    /// ```
    pub fn new(capacity: usize) -> Result<Channel<T>, Error> {
        Runtime::current().channel(capacity)
    }

    /// A standalone channel with options (go-go-scope 2.x's `new
    /// Channel({ capacity, backpressure, onDrop })`) on this thread's
    /// runtime.
    ///
    /// ```
    /// # use go_go_scope_wasm::{Backpressure, Channel, ChannelOptions, ManualHost, Runtime};
    /// # use futures::FutureExt;
    /// # Runtime::set_current(Runtime::new(ManualHost::new()));
    /// let opts = ChannelOptions::new(1).backpressure(Backpressure::DropOldest);
    /// let ch = Channel::<&str>::with_options(opts).unwrap();
    /// ch.send("old").now_or_never().unwrap().unwrap();
    /// ch.send("new").now_or_never().unwrap().unwrap();
    /// assert_eq!(ch.recv().now_or_never(), Some(Some("new")));
    /// ```
    pub fn with_options(options: ChannelOptions<T>) -> Result<Channel<T>, Error> {
        Runtime::current().channel_with(options)
    }

    /// A standalone channel aborted by a JavaScript `AbortSignal` (1.0's
    /// `new Channel(capacity, signal)`).
    ///
    /// ```no_run
    /// # use go_go_scope_wasm::Channel;
    /// # fn demo(signal: &web_sys::AbortSignal) {
    /// // Aborting `signal` fails the sends and ends the receives.
    /// let ch = Channel::<u32>::with_signal(8, signal).unwrap();
    /// assert_eq!(ch.cap(), 8);
    /// # }
    /// ```
    pub fn with_signal(
        capacity: usize,
        signal: &web_sys::AbortSignal,
    ) -> Result<Channel<T>, Error> {
        let rt = Runtime::current();
        let l = rt.driver().link(signal);
        Channel::make(rt.driver(), None, Some(l), ChannelOptions::new(capacity))
    }

    fn make(
        drv: &Rc<Driver>,
        scope: Option<Key>,
        link: Option<Key>,
        options: ChannelOptions<T>,
    ) -> Result<Channel<T>, Error> {
        let ChannelOptions {
            capacity: cap,
            backpressure,
            on_drop,
        } = options;
        let made = drv.m.borrow_mut().chan_new_with(
            scope,
            link,
            cap.min(u32::MAX as usize) as f64,
            backpressure,
        );
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
        let store = {
            // A few value types per app: a list, not a hash map (whose code
            // every app would carry).
            let mut stores = drv.stores.borrow_mut();
            let id = TypeId::of::<T>();
            let any = match stores.iter().find(|(t, _)| *t == id) {
                Some((_, s)) => s.clone(),
                None => {
                    let s: Rc<dyn Any> = Rc::new(RefCell::new(Store::<T> {
                        slots: Vec::new(),
                        spare: Vec::new(),
                    }));
                    stores.push((id, s.clone()));
                    s
                }
            };
            any.downcast::<RefCell<Store<T>>>().ok()
        };
        let Some(store) = store else {
            // Not reached: the store of `T` is keyed by `T`'s TypeId.
            return Err(Error::State("channel: value store mismatch".into()));
        };
        let shared = Rc::new(ChanShared {
            drv: drv.clone(),
            key: k,
            cap,
            store,
            reason: RefCell::new(None),
            standalone: scope.is_none(),
            backpressure,
            on_drop,
        });
        let old = drv.channels.borrow_mut().set(k, shared.clone());
        drop(old);
        drv.run(); // born under an aborted scope or signal: aborted now
        Ok(Channel {
            h: Rc::new(ChanHandle { shared }),
            next: Receiving::new(),
        })
    }

    pub(super) fn sh(&self) -> &Rc<ChanShared<T>> {
        &self.h.shared
    }

    /// Sends `value`: hands it to a waiting receiver, else buffers it, else
    /// waits for room (FIFO). `Ok` once delivered or buffered;
    /// [`SendError::Closed`] if the channel was closed before or while
    /// waiting, [`SendError::Aborted`] once its scope aborted or it was
    /// disposed. The value comes back in the error. Under a [`Backpressure`]
    /// other than `Block` a full buffer never waits: `Ok` having dropped the
    /// oldest value or this one (to `on_drop`), or [`SendError::Full`].
    ///
    /// ```
    /// # use go_go_scope_wasm::{ManualHost, Runtime, ScopeOptions};
    /// # use futures::FutureExt;
    /// # let host = ManualHost::new();
    /// # let rt = Runtime::new(host.clone());
    /// # let s = rt.scope(ScopeOptions::default()).unwrap();
    /// let ch = s.channel::<u32>(1).unwrap();
    /// assert_eq!(ch.send(1).now_or_never(), Some(Ok(()))); // buffered
    /// let mut second = ch.send(2);
    /// assert!((&mut second).now_or_never().is_none()); // full: waits for room
    /// assert_eq!(ch.recv().now_or_never(), Some(Some(1)));
    /// assert_eq!(second.now_or_never(), Some(Ok(())));
    /// ```
    pub fn send(&self, value: T) -> Send<'_, T> {
        Send {
            sh: &self.h.shared,
            value: Some(value),
            wait: None,
        }
    }

    /// The next value: buffered ones first, then those of waiting senders;
    /// `None` once closed and drained, or aborted.
    ///
    /// ```
    /// # use go_go_scope_wasm::{ManualHost, Runtime, ScopeOptions};
    /// # use futures::FutureExt;
    /// # let host = ManualHost::new();
    /// # let rt = Runtime::new(host.clone());
    /// # let s = rt.scope(ScopeOptions::default()).unwrap();
    /// let ch = s.channel::<u32>(0).unwrap();
    /// let mut next = ch.recv();
    /// assert!((&mut next).now_or_never().is_none()); // nothing sent yet: waits
    /// assert_eq!(ch.send(5).now_or_never(), Some(Ok(()))); // handed over
    /// assert_eq!(next.now_or_never(), Some(Some(5)));
    /// ch.close();
    /// assert_eq!(ch.recv().now_or_never(), Some(None));
    /// ```
    pub fn recv(&self) -> Recv<'_, T> {
        Recv {
            sh: &self.h.shared,
            state: Receiving::new(),
        }
    }

    /// Closes: buffered values stay receivable, waiting senders get
    /// [`SendError::Closed`], later sends too. Idempotent.
    ///
    /// ```
    /// # use go_go_scope_wasm::{ManualHost, Runtime, ScopeOptions};
    /// # use futures::FutureExt;
    /// # let host = ManualHost::new();
    /// # let rt = Runtime::new(host.clone());
    /// # let s = rt.scope(ScopeOptions::default()).unwrap();
    /// let ch = s.channel::<u32>(2).unwrap();
    /// ch.send(1).now_or_never().unwrap().unwrap();
    /// ch.close();
    /// assert!(ch.send(2).now_or_never().unwrap().unwrap_err().is_closed());
    /// assert_eq!(ch.recv().now_or_never(), Some(Some(1))); // still receivable
    /// assert_eq!(ch.recv().now_or_never(), Some(None));
    /// ```
    pub fn close(&self) {
        let sh = self.sh();
        sh.drv.m.borrow_mut().chan_close(sh.k());
        sh.drain();
    }

    /// Whether it is closed (or aborted).
    ///
    /// ```
    /// # use go_go_scope_wasm::{ManualHost, Runtime, ScopeOptions};
    /// # use futures::FutureExt;
    /// # let host = ManualHost::new();
    /// # let rt = Runtime::new(host.clone());
    /// # let s = rt.scope(ScopeOptions::default()).unwrap();
    /// let ch = s.channel::<u32>(1).unwrap();
    /// assert!(!ch.is_closed());
    /// ch.close();
    /// assert!(ch.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        let sh = self.sh();
        sh.drv.m.borrow().chan_is_closed(sh.k())
    }

    /// Values buffered now (1.0's `size`).
    ///
    /// ```
    /// # use go_go_scope_wasm::{ManualHost, Runtime, ScopeOptions};
    /// # use futures::FutureExt;
    /// # let host = ManualHost::new();
    /// # let rt = Runtime::new(host.clone());
    /// # let s = rt.scope(ScopeOptions::default()).unwrap();
    /// let ch = s.channel::<u32>(3).unwrap();
    /// ch.send(1).now_or_never().unwrap().unwrap();
    /// ch.send(2).now_or_never().unwrap().unwrap();
    /// assert_eq!(ch.len(), 2);
    /// ```
    pub fn len(&self) -> usize {
        let sh = self.sh();
        sh.drv.m.borrow().chan_size(sh.k())
    }

    /// No value is buffered.
    ///
    /// ```
    /// # use go_go_scope_wasm::{ManualHost, Runtime, ScopeOptions};
    /// # use futures::FutureExt;
    /// # let host = ManualHost::new();
    /// # let rt = Runtime::new(host.clone());
    /// # let s = rt.scope(ScopeOptions::default()).unwrap();
    /// let ch = s.channel::<u32>(1).unwrap();
    /// assert!(ch.is_empty());
    /// ch.send(1).now_or_never().unwrap().unwrap();
    /// assert!(!ch.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The capacity (1.0's `cap`).
    ///
    /// ```
    /// # use go_go_scope_wasm::{ManualHost, Runtime, ScopeOptions};
    /// # use futures::FutureExt;
    /// # let host = ManualHost::new();
    /// # let rt = Runtime::new(host.clone());
    /// # let s = rt.scope(ScopeOptions::default()).unwrap();
    /// let ch = s.channel::<u32>(16).unwrap();
    /// assert_eq!(ch.cap(), 16);
    /// assert_eq!(s.channel::<u32>(0).unwrap().cap(), 0); // a rendezvous
    /// ```
    pub fn cap(&self) -> usize {
        self.sh().cap
    }

    /// The backpressure strategy (2.x's `strategy`).
    ///
    /// ```
    /// # use go_go_scope_wasm::{Backpressure, ChannelOptions, ManualHost, Runtime, ScopeOptions};
    /// # let rt = Runtime::new(ManualHost::new());
    /// # let s = rt.scope(ScopeOptions::default()).unwrap();
    /// assert_eq!(s.channel::<u8>(1).unwrap().backpressure(), Backpressure::Block);
    /// let opts = ChannelOptions::new(1).backpressure(Backpressure::DropLatest);
    /// assert_eq!(s.channel_with::<u8>(opts).unwrap().backpressure(), Backpressure::DropLatest);
    /// ```
    pub fn backpressure(&self) -> Backpressure {
        self.sh().backpressure
    }

    /// Closes and fails the waiting sends with "channel disposed"; drops the
    /// buffered values (1.0's `[Symbol.asyncDispose]()`).
    ///
    /// ```
    /// # use go_go_scope_wasm::{ManualHost, Runtime, ScopeOptions};
    /// # use futures::FutureExt;
    /// # let host = ManualHost::new();
    /// # let rt = Runtime::new(host.clone());
    /// # let s = rt.scope(ScopeOptions::default()).unwrap();
    /// let ch = s.channel::<u32>(1).unwrap();
    /// ch.send(1).now_or_never().unwrap().unwrap();
    /// let mut waiting = ch.send(2);
    /// assert!((&mut waiting).now_or_never().is_none());
    /// ch.dispose();
    /// let e = waiting.now_or_never().unwrap().unwrap_err();
    /// assert!(e.reason().unwrap().is_disposed());
    /// assert_eq!(ch.recv().now_or_never(), Some(None)); // buffered value dropped
    /// ```
    pub fn dispose(&self) {
        let sh = self.sh();
        sh.drv.m.borrow_mut().chan_dispose(sh.k());
        sh.drv.run();
    }
}

impl<T: 'static> fmt::Debug for Channel<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Channel")
            .field("cap", &self.cap())
            .field("len", &self.len())
            .field("closed", &self.is_closed())
            .finish()
    }
}

/// Why a send failed; the value comes back (async-channel's style).
///
/// ```
/// # use go_go_scope_wasm::{ManualHost, Runtime, ScopeOptions, SendError};
/// # use futures::FutureExt;
/// # let host = ManualHost::new();
/// # let rt = Runtime::new(host.clone());
/// # let s = rt.scope(ScopeOptions::default()).unwrap();
/// let ch = s.channel::<&str>(1).unwrap();
/// ch.close();
/// let e = ch.send("late").now_or_never().unwrap().unwrap_err();
/// assert_eq!(e, SendError::Closed("late"));
/// assert_eq!(e.to_string(), "channel closed");
/// ```
#[derive(Clone, PartialEq)]
pub enum SendError<T> {
    /// The channel was closed (before the send, or while it waited).
    Closed(T),
    /// The channel aborted (its scope or signal) or was disposed.
    Aborted(T, Reason),
    /// The buffer was full, nobody was receiving, and the channel's
    /// backpressure is [`Backpressure::Error`] (2.x's `ChannelFullError`).
    Full(T),
}

impl<T> SendError<T> {
    /// The value that was not sent.
    ///
    /// ```
    /// # use go_go_scope_wasm::{ManualHost, Runtime, ScopeOptions};
    /// # use futures::FutureExt;
    /// # let host = ManualHost::new();
    /// # let rt = Runtime::new(host.clone());
    /// # let s = rt.scope(ScopeOptions::default()).unwrap();
    /// let ch = s.channel::<Vec<u8>>(1).unwrap();
    /// ch.close();
    /// let e = ch.send(vec![1, 2]).now_or_never().unwrap().unwrap_err();
    /// assert_eq!(e.into_inner(), vec![1, 2]); // nothing lost
    /// ```
    pub fn into_inner(self) -> T {
        match self {
            SendError::Closed(v) | SendError::Aborted(v, _) | SendError::Full(v) => v,
        }
    }

    /// Whether the channel was closed ([`SendError::Closed`]).
    ///
    /// ```
    /// # use go_go_scope_wasm::{ManualHost, Runtime, ScopeOptions};
    /// # use futures::FutureExt;
    /// # let host = ManualHost::new();
    /// # let rt = Runtime::new(host.clone());
    /// # let s = rt.scope(ScopeOptions::default()).unwrap();
    /// let ch = s.channel::<u8>(1).unwrap();
    /// ch.close();
    /// let e = ch.send(1).now_or_never().unwrap().unwrap_err();
    /// assert!(e.is_closed() && !e.is_aborted());
    /// ```
    pub fn is_closed(&self) -> bool {
        matches!(self, SendError::Closed(_))
    }

    /// Whether the channel aborted or was disposed ([`SendError::Aborted`]).
    ///
    /// ```
    /// # use go_go_scope_wasm::{ManualHost, Runtime, ScopeOptions};
    /// # use futures::FutureExt;
    /// # let host = ManualHost::new();
    /// # let rt = Runtime::new(host.clone());
    /// # let s = rt.scope(ScopeOptions::default()).unwrap();
    /// let ch = s.channel::<u8>(1).unwrap();
    /// ch.dispose();
    /// let e = ch.send(1).now_or_never().unwrap().unwrap_err();
    /// assert!(e.is_aborted() && !e.is_closed());
    /// ```
    pub fn is_aborted(&self) -> bool {
        matches!(self, SendError::Aborted(..))
    }

    /// Whether the backpressure refused the value ([`SendError::Full`]).
    ///
    /// ```
    /// # use go_go_scope_wasm::{Backpressure, ChannelOptions, ManualHost, Runtime, ScopeOptions};
    /// # use futures::FutureExt;
    /// # let rt = Runtime::new(ManualHost::new());
    /// # let s = rt.scope(ScopeOptions::default()).unwrap();
    /// let opts = ChannelOptions::new(0).backpressure(Backpressure::Error);
    /// let ch = s.channel_with::<u8>(opts).unwrap();
    /// let e = ch.send(1).now_or_never().unwrap().unwrap_err(); // nobody receives
    /// assert!(e.is_full() && !e.is_closed());
    /// assert_eq!(e.to_string(), "channel buffer is full");
    /// ```
    pub fn is_full(&self) -> bool {
        matches!(self, SendError::Full(_))
    }

    /// The abort reason, if it aborted.
    ///
    /// ```
    /// # use go_go_scope_wasm::{ManualHost, Runtime, ScopeOptions};
    /// # use futures::FutureExt;
    /// # let host = ManualHost::new();
    /// # let rt = Runtime::new(host.clone());
    /// # let s = rt.scope(ScopeOptions::default()).unwrap();
    /// let ch = s.channel::<u8>(1).unwrap();
    /// ch.dispose();
    /// let e = ch.send(1).now_or_never().unwrap().unwrap_err();
    /// assert!(e.reason().is_some_and(|r| r.is_disposed()));
    /// ```
    pub fn reason(&self) -> Option<&Reason> {
        match self {
            SendError::Aborted(_, r) => Some(r),
            SendError::Closed(_) | SendError::Full(_) => None,
        }
    }
}

impl<T> fmt::Display for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SendError::Closed(_) => f.write_str("channel closed"),
            SendError::Aborted(_, r) => r.fmt(f),
            SendError::Full(_) => f.write_str("channel buffer is full"),
        }
    }
}

impl<T> fmt::Debug for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SendError::Closed(_) => f.write_str("Closed(..)"),
            SendError::Aborted(_, r) => write!(f, "Aborted(.., {r:?})"),
            SendError::Full(_) => f.write_str("Full(..)"),
        }
    }
}

impl<T> std::error::Error for SendError<T> {}

/// The future of [`Channel::send`] (it borrows the channel).
///
/// ```
/// # use go_go_scope_wasm::{ManualHost, Runtime, ScopeOptions};
/// # use futures::FutureExt;
/// # let host = ManualHost::new();
/// # let rt = Runtime::new(host.clone());
/// # let s = rt.scope(ScopeOptions::default()).unwrap();
/// let ch = s.channel::<u32>(0).unwrap();
/// let tx = ch.clone();
/// let producer = s.spawn(async move { tx.send(1).await }).unwrap(); // waits: a rendezvous
/// assert_eq!(ch.recv().now_or_never(), Some(Some(1)));
/// host.run();
/// assert_eq!(producer.now_or_never(), Some(Ok(())));
/// ```
#[must_use = "futures do nothing unless polled: the value is sent when this is awaited"]
pub struct Send<'a, T: 'static> {
    sh: &'a ChanShared<T>,
    value: Option<T>,
    /// Waiting in this slot.
    wait: Option<(u32, Rc<Waiter<T>>)>,
}

impl<T: 'static> Unpin for Send<'_, T> {}

impl<T: 'static> Future for Send<'_, T> {
    type Output = Result<(), SendError<T>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let sh = self.sh;
        if let Some(told) = Waiter::outcome(&mut self.wait, &sh.store, cx) {
            return told.map(|o| match o {
                WaitOut::Refused(v, true) => Err(SendError::Closed(v)),
                WaitOut::Refused(v, false) => Err(SendError::Aborted(v, sh.reason())),
                WaitOut::Sent | WaitOut::Received(_) => Ok(()),
            });
        }
        let Some(value) = self.value.take() else {
            return Poll::Ready(Ok(())); // polled after it finished
        };
        let k = sh.k();
        let mut r = sh.drv.m.borrow_mut().chan_send(k);
        if r == ret::GROW {
            let mut m = sh.drv.m.borrow_mut();
            m.chan_reserve(k);
            r = m.chan_send(k);
        }
        if r >= 0.0 && split(r).1 == ret::WAIT {
            let w = Store::waiter(&sh.store, cx.waker());
            let slot = split(r).0;
            let old = sh
                .store
                .borrow_mut()
                .put(slot, Slot::Sender(value, w.clone()));
            old.release();
            self.wait = Some((slot, w));
            return Poll::Pending;
        }
        Poll::Ready(sent(sh, r, value))
    }
}

/// What a send that does not wait was answered (`chan_send`, or
/// `chan_try` for a select's case).
pub(super) fn sent<T: 'static>(sh: &ChanShared<T>, r: f64, value: T) -> Result<(), SendError<T>> {
    if r < 0.0 {
        return refused(sh, r, value);
    }
    let (slot, kind) = split(r);
    if kind == ret::HANDED {
        let was = sh.store.borrow_mut().take(slot);
        match was {
            Slot::Receiver(w) => w.tell(WaitOut::Received(Some(value))),
            other => drop(other),
        }
        return Ok(());
    }
    // SLOT: buffered; EVICTED: the slot's old value makes room.
    let old = sh.store.borrow_mut().put(slot, Slot::Value(value));
    if kind == ret::EVICTED {
        if let Slot::Value(v) = old {
            sh.dropped(v);
            return Ok(());
        }
    }
    old.release();
    Ok(())
}

/// A send neither buffered nor handed over: the channel was closed or
/// aborted, or its backpressure dropped the value (`on_drop`, `Ok`) or
/// refused it. (Out of line: the hot send never comes here.)
#[inline(never)]
fn refused<T: 'static>(sh: &ChanShared<T>, r: f64, value: T) -> Result<(), SendError<T>> {
    if r == ret::CLOSED {
        Err(SendError::Closed(value))
    } else if r == ret::DROPPED {
        sh.dropped(value);
        Ok(())
    } else if r == ret::FULL {
        Err(SendError::Full(value))
    } else {
        Err(SendError::Aborted(value, sh.reason()))
    }
}

impl<T: 'static> Drop for Send<'_, T> {
    #[inline]
    fn drop(&mut self) {
        // Dropped while waiting: leave the queue (invariant #2).
        if let Some((slot, w)) = self.wait.take() {
            self.cancel_wait(slot, w);
        }
    }
}

impl<T: 'static> Send<'_, T> {
    #[inline(never)]
    fn cancel_wait(&self, slot: u32, w: Rc<Waiter<T>>) {
        if w.out.borrow().is_some() {
            return; // told already (sent or refused): nothing is queued
        }
        let sh = self.sh;
        let left = sh.drv.m.borrow_mut().chan_cancel(sh.k(), slot, true);
        if left {
            let was = sh.store.borrow_mut().take(slot);
            drop(was);
        }
    }
}

/// A receive in progress: where it waits, once it must (shared by
/// [`Recv`] and the channel's `Stream`).
pub(super) struct Receiving<T> {
    wait: Option<(u32, Rc<Waiter<T>>)>,
}

impl<T: 'static> Receiving<T> {
    fn new() -> Self {
        Receiving { wait: None }
    }

    /// Takes the value of a waiting sender's slot and tells it `Sent`.
    fn from_sender(store: &RefCell<Store<T>>, slot: u32, into_buffer: bool) -> Option<T> {
        let was = store.borrow_mut().take(slot);
        match was {
            Slot::Sender(v, w) => {
                w.tell(WaitOut::Sent);
                if into_buffer {
                    let old = store.borrow_mut().put(slot, Slot::Value(v));
                    old.release();
                    None
                } else {
                    Some(v)
                }
            }
            other => {
                drop(other);
                None
            }
        }
    }

    fn take_value(store: &RefCell<Store<T>>, slot: u32) -> Option<T> {
        let was = store.borrow_mut().take(slot);
        match was {
            Slot::Value(v) => Some(v),
            other => {
                drop(other);
                None
            }
        }
    }

    fn poll(&mut self, sh: &ChanShared<T>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        if let Some(told) = Waiter::outcome(&mut self.wait, &sh.store, cx) {
            return told.map(|o| match o {
                WaitOut::Received(v) => v,
                _ => None,
            });
        }
        let k = sh.k();
        let mut r = sh.drv.m.borrow_mut().chan_recv(k, false);
        if r == ret::GROW {
            let mut m = sh.drv.m.borrow_mut();
            m.chan_reserve(k);
            r = m.chan_recv(k, false);
        }
        if r >= 0.0 && split(r).1 == ret::RECV_WAIT {
            let slot = split(r).0;
            let w = Store::waiter(&sh.store, cx.waker());
            let old = sh.store.borrow_mut().put(slot, Slot::Receiver(w.clone()));
            old.release();
            self.wait = Some((slot, w));
            return Poll::Pending;
        }
        Poll::Ready(Self::took(sh, r))
    }

    /// What a receive that does not wait was answered (`chan_recv`, or
    /// `chan_try` for a select's case).
    pub(super) fn took(sh: &ChanShared<T>, r: f64) -> Option<T> {
        if r <= -ret::PACKED {
            // A buffered value, and the oldest waiting sender's value took
            // its place: -(8 + slot + sender * 8192).
            let x = (-r - ret::PACKED) as u64;
            let pack = ret::PACK as u64;
            let (i, u) = (x % pack, x / pack);
            let v = Self::take_value(&sh.store, i as u32);
            Self::from_sender(&sh.store, u as u32, true);
            return v;
        }
        if r < 0.0 {
            return None;
        }
        let (slot, kind) = split(r);
        if kind == ret::WAIT {
            // Capacity 0: straight from the waiting sender.
            return Self::from_sender(&sh.store, slot, false);
        }
        let v = Self::take_value(&sh.store, slot);
        if kind == ret::HANDED {
            let u = sh.drv.m.borrow().chan_woken() as u32;
            Self::from_sender(&sh.store, u, true);
        }
        v
    }

    /// The receive is dropped: if it waits, it leaves the queue; if it was
    /// handed a value it never took, the value goes back (invariant #2).
    #[inline]
    fn cancel(&mut self, sh: &ChanShared<T>) {
        if let Some((slot, w)) = self.wait.take() {
            Self::cancel_wait(sh, slot, w);
        }
    }

    #[inline(never)]
    fn cancel_wait(sh: &ChanShared<T>, slot: u32, w: Rc<Waiter<T>>) {
        let out = w.out.borrow_mut().take();
        match out {
            None => {
                let left = sh.drv.m.borrow_mut().chan_cancel(sh.k(), slot, false);
                if left {
                    let was = sh.store.borrow_mut().take(slot);
                    drop(was);
                }
            }
            Some(WaitOut::Received(Some(v))) => Self::give_back(sh, v),
            Some(other) => drop(other),
        }
    }

    /// A value handed to a receive that went away goes back: to the next
    /// waiting receiver, or to the buffer's front (invariant #2).
    pub(super) fn give_back(sh: &ChanShared<T>, v: T) {
        let r = sh.drv.m.borrow_mut().chan_give_back(sh.k());
        if r < 0.0 {
            drop(v);
            return;
        }
        let (to, kind) = split(r);
        if kind == ret::HANDED {
            let was = sh.store.borrow_mut().take(to);
            match was {
                Slot::Receiver(w2) => w2.tell(WaitOut::Received(Some(v))),
                other => drop(other),
            }
        } else {
            let old = sh.store.borrow_mut().put(to, Slot::Value(v));
            old.release();
        }
    }
}

/// The future of [`Channel::recv`] (it borrows the channel).
///
/// ```
/// # use go_go_scope_wasm::{ManualHost, Runtime, ScopeOptions};
/// # use futures::FutureExt;
/// # let host = ManualHost::new();
/// # let rt = Runtime::new(host.clone());
/// # let s = rt.scope(ScopeOptions::default()).unwrap();
/// let ch = s.channel::<u32>(1).unwrap();
/// let rx = ch.clone();
/// let consumer = s.spawn(async move { Ok::<_, ()>(rx.recv().await) }).unwrap(); // waits
/// assert_eq!(ch.send(5).now_or_never(), Some(Ok(())));
/// host.run();
/// assert_eq!(consumer.now_or_never(), Some(Ok(Some(5))));
/// ```
#[must_use = "futures do nothing unless polled"]
pub struct Recv<'a, T: 'static> {
    sh: &'a ChanShared<T>,
    state: Receiving<T>,
}

impl<T: 'static> Unpin for Recv<'_, T> {}

impl<T: 'static> Future for Recv<'_, T> {
    type Output = Option<T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let sh = self.sh;
        self.state.poll(sh, cx)
    }
}

impl<T: 'static> Drop for Recv<'_, T> {
    fn drop(&mut self) {
        let sh = self.sh;
        self.state.cancel(sh);
    }
}

impl<T: 'static> Stream for Channel<T> {
    type Item = T;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let this = &mut *self;
        this.next.poll(&this.h.shared, cx)
    }
}

impl<T: 'static> Drop for Channel<T> {
    fn drop(&mut self) {
        let sh = self.h.shared.clone();
        self.next.cancel(&sh);
    }
}

impl<T: 'static> Unpin for Channel<T> {}

impl Driver {
    /// `ChanAborted(channel)`.
    pub(crate) fn on_chan_aborted(&self, c: f64) {
        let e = key(c).and_then(|k| self.channels.borrow().get(k).cloned());
        if let Some(e) = e {
            e.aborted();
        }
    }
}
