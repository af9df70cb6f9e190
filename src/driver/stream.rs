//! Streams: [`stream`] and [`Scope::stream`], a cancellable adapter over
//! any [`Stream`]. The race between the abort and the next item, and who
//! cleans the source up, are the machine's (`machine/stream.rs`); here are
//! the source, the pending `next` and its waker.
//!
//! # Invariants
//!
//! 1. The source is dropped once: when the machine says `StreamCleanup`
//!    (the abort, or the adapter's end), or with the adapter. It is never
//!    borrowed while it is polled (it is taken out), so a source that
//!    re-enters the library cannot find it half-used.
//! 2. An abort ends a pending `next` at once: the adapter yields the
//!    reason, then ends, without waiting for the source's next item.
//! 3. The machine's record lives from the first poll to the end (source
//!    done, abort, or the adapter dropped), which closes it.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use futures::Stream;

use super::runtime::{Driver, Runtime};
use super::scope::{Scope, ScopeShared};
use super::signal::Reason;
use super::table::key;
use crate::machine::slab::Key;
use crate::machine::stream::Next;

/// The state the driver shares with one adapter.
struct StreamShared<S> {
    drv: Rc<Driver>,
    key: Cell<Option<Key>>,
    source: RefCell<Option<Pin<Box<S>>>>,
    /// The source is being polled (taken out).
    polling: Cell<bool>,
    /// The machine asked for the cleanup while it was being polled.
    cleanup: Cell<bool>,
    /// The pending `next` was abandoned: with this reason (`Some`), or as
    /// the end (`None`).
    abandoned: RefCell<Option<Option<Reason>>>,
    waker: RefCell<Option<Waker>>,
}

/// What the driver's table holds of a stream.
pub(crate) trait StreamEntry {
    /// `StreamAbandon(stream, reason)`.
    fn abandon(&self, reason: Option<Reason>);
    /// `StreamCleanup(stream, reason)`: drop the source (invariant #1).
    fn cleanup(&self);
}

impl<S> StreamEntry for StreamShared<S> {
    fn abandon(&self, reason: Option<Reason>) {
        *self.abandoned.borrow_mut() = Some(reason);
        let w = self.waker.borrow_mut().take();
        if let Some(w) = w {
            w.wake();
        }
    }

    fn cleanup(&self) {
        if self.polling.get() {
            self.cleanup.set(true);
            return;
        }
        let src = self.source.borrow_mut().take();
        drop(src);
    }
}

/// Where an adapter is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Not polled yet: the record is made at the first poll.
    New,
    Open,
    /// Yielded the abort reason or the end: only `None` from now on.
    Done,
}

/// A cancellable stream (1.0's `stream(source, signal)`): the source's
/// items as `Ok`, until its signal (or scope) aborts; then one
/// `Err(reason)`, at once, even while the source is waiting, and the end.
/// Dropping it (a `break` out of the loop) drops the source.
///
/// ```
/// # use go_go_scope_wasm::{ManualHost, Runtime, ScopeOptions};
/// # use futures::{stream, FutureExt, StreamExt};
/// # let host = ManualHost::new();
/// # let rt = Runtime::new(host.clone());
/// # let s = rt.scope(ScopeOptions::default()).unwrap();
/// let mut items = s.stream(stream::iter([1]).chain(stream::pending()));
/// assert_eq!(items.next().now_or_never(), Some(Some(Ok(1))));
/// assert_eq!(items.next().now_or_never(), None); // the source waits
/// let _ = s.dispose();
/// host.run();
/// let r = items.next().now_or_never().unwrap().unwrap().unwrap_err();
/// assert!(r.is_disposed());
/// assert_eq!(items.next().now_or_never(), Some(None)); // then the end
/// ```
#[must_use = "streams do nothing unless polled"]
pub struct Scoped<S> {
    shared: Rc<StreamShared<S>>,
    phase: Phase,
    /// `stream_open`'s arguments.
    scope: Option<Rc<ScopeShared>>,
    link: Option<Key>,
    /// The serial of the pending `next`.
    serial: Option<u32>,
}

impl<S> Unpin for Scoped<S> {}

fn adapter<S>(
    drv: &Rc<Driver>,
    source: S,
    scope: Option<Rc<ScopeShared>>,
    link: Option<Key>,
) -> Scoped<S> {
    Scoped {
        shared: Rc::new(StreamShared {
            drv: drv.clone(),
            key: Cell::new(None),
            source: RefCell::new(Some(Box::pin(source))),
            polling: Cell::new(false),
            cleanup: Cell::new(false),
            abandoned: RefCell::new(None),
            waker: RefCell::new(None),
        }),
        phase: Phase::New,
        scope,
        link,
        serial: None,
    }
}

/// Iterates `source`, ending at once with the signal's reason when it
/// aborts (1.0's `stream(source, signal)`), on this thread's runtime.
///
/// ```
/// # use go_go_scope_wasm::{stream, ManualHost, Runtime};
/// # use futures::{stream as s, StreamExt, FutureExt};
/// # Runtime::set_current(Runtime::new(ManualHost::new()));
/// let items: Vec<_> = stream(s::iter([1, 2, 3]), None)
///     .collect::<Vec<_>>()
///     .now_or_never()
///     .unwrap();
/// assert_eq!(items.len(), 3);
/// assert!(items.iter().all(Result::is_ok));
/// ```
pub fn stream<S: Stream + 'static>(source: S, signal: Option<web_sys::AbortSignal>) -> Scoped<S> {
    let rt = Runtime::current();
    let drv = rt.driver();
    let link = signal.as_ref().map(|s| drv.link(s));
    adapter(drv, source, None, link)
}

impl Scope {
    /// [`stream`] with this scope's cancellation (1.0's `s.stream(source)`).
    ///
    /// ```
    /// # use go_go_scope_wasm::{ManualHost, Runtime, ScopeOptions};
    /// # use futures::{stream, FutureExt, StreamExt};
    /// # let host = ManualHost::new();
    /// # let rt = Runtime::new(host.clone());
    /// # let s = rt.scope(ScopeOptions::default()).unwrap();
    /// let words: Vec<_> = s.stream(stream::iter(["a", "b"])).collect::<Vec<_>>().now_or_never().unwrap();
    /// assert_eq!(words, [Ok("a"), Ok("b")]);
    /// let _ = s.dispose();
    /// host.run();
    /// let late = s.stream(stream::iter(["c"])).next().now_or_never().unwrap().unwrap();
    /// assert!(late.unwrap_err().is_disposed());
    /// ```
    pub fn stream<S: Stream + 'static>(&self, source: S) -> Scoped<S> {
        adapter(self.drv(), source, Some(self.shared().clone()), None)
    }
}

impl<S: Stream + 'static> Scoped<S> {
    /// Makes the machine's record (invariant #3).
    fn open(&mut self) {
        self.phase = Phase::Open;
        let drv = self.shared.drv.clone();
        let scope = self.scope.take();
        let k = {
            let mut m = drv.m.borrow_mut();
            match &scope {
                Some(s) => m.stream_open(Some(s.key), None),
                None => m.stream_open(None, self.link.take()),
            }
        };
        match k {
            Some(k) => {
                self.shared.key.set(Some(k));
                let old = drv.streams.borrow_mut().set(k, self.shared.clone());
                drop(old);
            }
            None => {
                // The scope finished disposing: aborted with its reason.
                let r = scope
                    .and_then(|s| s.reason())
                    .unwrap_or_else(Reason::scope_disposed);
                self.shared.abandon(Some(r));
            }
        }
        drv.run(); // a stream born aborted cleans its source up now
    }

    /// The end: close the record (invariant #3).
    fn close(&mut self) {
        self.phase = Phase::Done;
        if let Some(k) = self.shared.key.take() {
            let drv = self.shared.drv.clone();
            drv.m.borrow_mut().stream_close(k);
            drv.run();
        }
    }
}

impl<S: Stream + 'static> Stream for Scoped<S> {
    type Item = Result<S::Item, Reason>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.phase == Phase::Done {
            return Poll::Ready(None);
        }
        if self.phase == Phase::New {
            self.open();
        }
        let abandoned = self.shared.abandoned.borrow_mut().take();
        if let Some(a) = abandoned {
            self.close();
            return Poll::Ready(a.map(Err));
        }
        let Some(k) = self.shared.key.get() else {
            self.close();
            return Poll::Ready(None);
        };
        let serial = match self.serial {
            Some(s) => s,
            None => {
                let next = self.shared.drv.m.borrow_mut().stream_next(k);
                match next {
                    Next::Go(s) => {
                        self.serial = Some(s);
                        s
                    }
                    Next::Done => {
                        self.close();
                        return Poll::Ready(None);
                    }
                    Next::Aborted(r) => {
                        let r = self.shared.drv.reason_of(r.to_f64());
                        self.close();
                        return Poll::Ready(Some(Err(r.unwrap_or_else(Reason::scope_disposed))));
                    }
                }
            }
        };
        // Polled with no borrow held (invariant #1).
        let src = self.shared.source.borrow_mut().take();
        let Some(mut src) = src else {
            self.close();
            return Poll::Ready(None);
        };
        self.shared.polling.set(true);
        let item = src.as_mut().poll_next(cx);
        self.shared.polling.set(false);
        if self.shared.cleanup.get() {
            drop(src);
        } else {
            *self.shared.source.borrow_mut() = Some(src);
        }
        match item {
            Poll::Pending => {
                *self.shared.waker.borrow_mut() = Some(cx.waker().clone());
                // An abort from inside the source's poll ended it already.
                let abandoned = self.shared.abandoned.borrow_mut().take();
                if let Some(a) = abandoned {
                    self.close();
                    return Poll::Ready(a.map(Err));
                }
                Poll::Pending
            }
            Poll::Ready(item) => {
                self.serial = None;
                let took = self.shared.drv.m.borrow_mut().stream_item(k, serial);
                if !took {
                    // The abort won (invariant #2).
                    let abandoned = self.shared.abandoned.borrow_mut().take().flatten();
                    self.close();
                    return Poll::Ready(abandoned.map(Err));
                }
                match item {
                    Some(v) => Poll::Ready(Some(Ok(v))),
                    None => {
                        self.close();
                        Poll::Ready(None)
                    }
                }
            }
        }
    }
}

impl<S> Drop for Scoped<S> {
    fn drop(&mut self) {
        if let Some(k) = self.shared.key.take() {
            let drv = self.shared.drv.clone();
            drv.m.borrow_mut().stream_close(k);
            drv.run();
        } else if let Some(l) = self.link.take() {
            // Never polled: the link it took goes unused.
            let drv = self.shared.drv.clone();
            drv.m.borrow_mut().drop_unused_link(l);
            drv.run();
        }
    }
}

impl<S> fmt::Debug for Scoped<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scoped")
            .field("open", &self.shared.key.get().is_some())
            .finish()
    }
}

impl Driver {
    fn stream_entry(&self, s: f64) -> Option<Rc<dyn StreamEntry>> {
        key(s).and_then(|k| self.streams.borrow().get(k).cloned())
    }

    /// `StreamAbandon(stream, reason)`.
    pub(crate) fn on_stream_abandon(&self, s: f64, r: f64) {
        if let Some(e) = self.stream_entry(s) {
            e.abandon(if r < 0.0 { None } else { self.reason_of(r) });
        }
    }

    /// `StreamCleanup(stream, reason)`.
    pub(crate) fn on_stream_cleanup(&self, s: f64, _r: f64) {
        if let Some(e) = self.stream_entry(s) {
            e.cleanup();
        }
    }

    /// `StreamEnd(stream)`.
    pub(crate) fn on_stream_end(&self, s: f64) {
        let e = key(s).and_then(|k| self.streams.borrow_mut().take(k));
        drop(e);
    }
}
