//! Cancellation as the driver carries it out (the machine decides it in
//! `machine/signal.rs`): abort [`Reason`]s, one controller per token-tree
//! node something listens to, and user `AbortSignal`s linked in.
//!
//! A node's [`NodeCtl`] is made only when something needs it (a task
//! attempt running Rust code listens to its node; `signal()` asks for a web
//! `AbortSignal`): the driver then `watch`es the node, and the machine emits
//! `Abort` for it (descendants first) and `ForgetNode` when it ends.
//!
//! # Invariants
//!
//! 1. A controller aborts once, with the machine's reason; listeners
//!    registered after that see the reason at once.
//! 2. A listener is removed by the key it was given (O(1), STYLE #7), by
//!    its owner's `Drop`: a controller never keeps a finished attempt's
//!    waker.
//! 3. A linked user `AbortSignal` has one `abort` listener however many
//!    scopes, channels or polls use it, and it is removed (not leaked with
//!    `Closure::forget`) when the machine says `Unlink`.
//! 4. A reason is made once per machine reason and shared by every holder
//!    (`Rc` identity), and its JS value is made once, when first asked for.

use std::cell::{OnceCell, RefCell};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::runtime::Driver;
use super::table::key;
use crate::core::chunks::Chunks;
use crate::machine::effect::ReasonKind;
use crate::machine::signal::Watch;
use crate::machine::slab::Key;
use crate::machine::Machine;

/// Why something was aborted: a scope disposed, a timeout, a linked
/// `AbortSignal`'s own reason, a channel or semaphore disposed.
///
/// Cheap to clone; clones are the same reason ([`Reason::ptr_eq`]): every
/// task, channel and signal aborted by one cancellation holds the same one,
/// as every JavaScript holder sees the same `Error` object.
///
/// ```
/// # use std::time::Duration;
/// # use go_go_scope_wasm::{ManualHost, Runtime, ScopeOptions};
/// # let host = ManualHost::new();
/// # let rt = Runtime::new(host.clone());
/// let s = rt.scope(ScopeOptions::default().timeout(Duration::from_millis(50))).unwrap();
/// host.advance(50);
/// let r = s.reason().unwrap();
/// assert!(r.is_timeout());
/// assert_eq!(r.to_string(), "timeout after 50ms");
/// ```
#[derive(Clone)]
pub struct Reason(Rc<ReasonInner>);

struct ReasonInner {
    kind: Kind,
    /// The JavaScript value, made when first asked for (invariant #4).
    js: OnceCell<JsValue>,
}

#[derive(Clone)]
enum Kind {
    ScopeDisposed,
    ChannelDisposed,
    SemaphoreDisposed,
    BucketDisposed,
    /// A `timeout` of so many ms ran out.
    Timeout(f64),
    /// A linked `AbortSignal`'s `reason`, as is.
    Signal(JsValue),
}

impl Reason {
    fn new(kind: Kind) -> Reason {
        Reason(Rc::new(ReasonInner {
            kind,
            js: OnceCell::new(),
        }))
    }

    /// A JavaScript `AbortSignal`'s own reason.
    pub(crate) fn from_signal(v: JsValue) -> Reason {
        Reason::new(Kind::Signal(v))
    }

    pub(crate) fn scope_disposed() -> Reason {
        Reason::new(Kind::ScopeDisposed)
    }

    pub(crate) fn channel_disposed() -> Reason {
        Reason::new(Kind::ChannelDisposed)
    }

    pub(crate) fn semaphore_disposed() -> Reason {
        Reason::new(Kind::SemaphoreDisposed)
    }

    pub(crate) fn bucket_disposed() -> Reason {
        Reason::new(Kind::BucketDisposed)
    }

    /// A scope, channel or semaphore was disposed (its owner ended it).
    ///
    /// ```
    /// # use go_go_scope_wasm::{ManualHost, Runtime, ScopeOptions};
    /// # let host = ManualHost::new();
    /// # let rt = Runtime::new(host.clone());
    /// let s = rt.scope(ScopeOptions::default()).unwrap();
    /// let _ = s.dispose();
    /// host.run();
    /// let r = s.reason().unwrap();
    /// assert!(r.is_disposed() && !r.is_timeout());
    /// assert_eq!(r.to_string(), "scope disposed");
    /// ```
    pub fn is_disposed(&self) -> bool {
        matches!(
            self.0.kind,
            Kind::ScopeDisposed
                | Kind::ChannelDisposed
                | Kind::SemaphoreDisposed
                | Kind::BucketDisposed
        )
    }

    /// A `timeout` ran out (a scope's or a task's).
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use futures::FutureExt;
    /// # use go_go_scope_wasm::{ManualHost, Runtime, ScopeOptions, TaskOptions};
    /// # let host = ManualHost::new();
    /// # let rt = Runtime::new(host.clone());
    /// # let s = rt.scope(ScopeOptions::default()).unwrap();
    /// let slow = s
    ///     .task(
    ///         |_ctx| futures::future::pending::<Result<(), ()>>(),
    ///         TaskOptions::default().timeout(Duration::from_millis(100)),
    ///     )
    ///     .unwrap();
    /// host.advance(100);
    /// let e = slow.now_or_never().unwrap().unwrap_err();
    /// assert!(e.reason().unwrap().is_timeout());
    /// ```
    pub fn is_timeout(&self) -> bool {
        matches!(self.0.kind, Kind::Timeout(_))
    }

    /// The timeout that ran out, if this is a timeout.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use go_go_scope_wasm::{ManualHost, Runtime, ScopeOptions};
    /// # let host = ManualHost::new();
    /// # let rt = Runtime::new(host.clone());
    /// let s = rt.scope(ScopeOptions::default().timeout(Duration::from_secs(2))).unwrap();
    /// host.advance(2_000);
    /// assert_eq!(s.reason().unwrap().timeout(), Some(Duration::from_secs(2)));
    /// ```
    pub fn timeout(&self) -> Option<Duration> {
        match self.0.kind {
            Kind::Timeout(ms) => Some(Duration::from_secs_f64(ms.max(0.0) / 1000.0)),
            _ => None,
        }
    }

    /// The `reason` of the user `AbortSignal` that aborted, exactly the
    /// JavaScript value it carried (same object).
    ///
    /// ```no_run
    /// # use go_go_scope_wasm::{scope, ScopeOptions};
    /// # use wasm_bindgen::JsValue;
    /// let controller = web_sys::AbortController::new().unwrap();
    /// let s = scope(ScopeOptions::default().signal(controller.signal())).unwrap();
    /// let why = JsValue::from_str("user left the page");
    /// controller.abort_with_reason(&why);
    /// assert_eq!(s.reason().unwrap().signal_reason(), Some(&why));
    /// ```
    pub fn signal_reason(&self) -> Option<&JsValue> {
        match &self.0.kind {
            Kind::Signal(v) => Some(v),
            _ => None,
        }
    }

    /// Whether `self` and `other` are the same reason (one cancellation).
    ///
    /// ```
    /// # use go_go_scope_wasm::{ManualHost, Runtime, ScopeOptions};
    /// # let host = ManualHost::new();
    /// # let rt = Runtime::new(host.clone());
    /// let parent = rt.scope(ScopeOptions::default()).unwrap();
    /// let child = parent.child(ScopeOptions::default()).unwrap();
    /// let _ = parent.dispose();
    /// host.run();
    /// let r = parent.reason().unwrap();
    /// assert!(r.ptr_eq(&child.reason().unwrap())); // one cancellation
    /// ```
    pub fn ptr_eq(&self, other: &Reason) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }

    /// The reason as JavaScript sees it: the linked signal's own value, or
    /// an `Error` with this reason's message (made once, then the same
    /// object each time).
    ///
    /// ```no_run
    /// # use go_go_scope_wasm::Scope;
    /// # fn demo(s: Scope) {
    /// if let Some(r) = s.reason() {
    ///     let js = r.to_js(); // e.g. an `Error` "scope disposed"
    ///     assert_eq!(js, r.to_js()); // the same object each time
    /// }
    /// # }
    /// ```
    pub fn to_js(&self) -> JsValue {
        self.0
            .js
            .get_or_init(|| match &self.0.kind {
                Kind::Signal(v) => v.clone(),
                _ => js_sys::Error::new(&self.message()).into(),
            })
            .clone()
    }

    /// The message JavaScript's `Error` for this reason carries.
    fn message(&self) -> String {
        match &self.0.kind {
            Kind::ScopeDisposed => "scope disposed".into(),
            Kind::ChannelDisposed => "channel disposed".into(),
            Kind::SemaphoreDisposed => "semaphore disposed".into(),
            Kind::BucketDisposed => "token bucket disposed".into(),
            Kind::Timeout(ms) => format!("timeout after {}ms", super::error::js_number(*ms)),
            Kind::Signal(v) => js_text(v),
        }
    }
}

/// What a JavaScript value reads as in a message: an `Error`'s message, a
/// string itself, anything else as JavaScript's `String()` prints it.
pub(crate) fn js_text(v: &JsValue) -> String {
    if let Some(e) = v.dyn_ref::<js_sys::Error>() {
        return String::from(e.message());
    }
    if let Some(s) = v.as_string() {
        return s;
    }
    String::from(js_sys::JsString::from(v.clone()))
}

/// Reasons are equal when they are the same reason ([`Reason::ptr_eq`]).
impl PartialEq for Reason {
    fn eq(&self, other: &Reason) -> bool {
        self.ptr_eq(other)
    }
}

impl Eq for Reason {}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

impl fmt::Debug for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Reason({:?})", self.message())
    }
}

/// A reason is an error (its `Display` is the message), so `?` carries it
/// out of a function that returns `Box<dyn Error>`.
///
/// ```
/// # use go_go_scope_wasm::{ManualHost, Runtime, ScopeOptions};
/// # use futures::FutureExt;
/// # let rt = Runtime::new(ManualHost::new());
/// let s = rt.scope(ScopeOptions::default()).unwrap();
/// let _ = s.dispose();
/// let e: Box<dyn std::error::Error> = s.reason().unwrap().into();
/// assert_eq!(e.to_string(), "scope disposed");
/// ```
impl std::error::Error for Reason {}

/// The JavaScript value of the reason ([`Reason::to_js`]), so `?` carries
/// it out of a `#[wasm_bindgen]` function that returns `Result<_, JsValue>`.
impl From<Reason> for JsValue {
    fn from(r: Reason) -> JsValue {
        r.to_js()
    }
}

/// Who listens to a controller: a waker (an `Aborted` future) or a task
/// whose running attempt is to be dropped at the abort.
enum Listener {
    Wake(Waker),
    Attempt(Key),
}

/// A listener slot: in use, or free (holding the next free slot).
enum Slot {
    Used(Listener),
    Free(usize),
}

/// The listeners of one controller, with O(1) removal (invariant #2), in
/// chunks with an intrusive free list (a controller many tasks wait on
/// costs its high-water mark, reused).
#[derive(Default)]
struct Listeners {
    slots: Chunks<Slot>,
    free: Option<usize>,
}

impl Listeners {
    fn add(&mut self, l: Listener) -> usize {
        if let Some(i) = self.free {
            if let Some(s) = self.slots.get_mut(i) {
                if let Slot::Free(next) = *s {
                    self.free = (next != usize::MAX).then_some(next);
                    *s = Slot::Used(l);
                    return i;
                }
            }
        }
        self.slots.push(Slot::Used(l));
        self.slots.len() - 1
    }

    fn get_mut(&mut self, i: usize) -> Option<&mut Listener> {
        match self.slots.get_mut(i) {
            Some(Slot::Used(l)) => Some(l),
            _ => None,
        }
    }

    fn remove(&mut self, i: usize) -> Option<Listener> {
        let next = self.free.unwrap_or(usize::MAX);
        let s = self.slots.get_mut(i)?;
        if matches!(s, Slot::Free(_)) {
            return None;
        }
        let Slot::Used(l) = std::mem::replace(s, Slot::Free(next)) else {
            return None;
        };
        self.free = Some(i);
        Some(l)
    }

    /// Every listener, taken out (the controller aborted).
    fn take_all(&mut self) -> Vec<Listener> {
        self.free = None;
        std::mem::take(&mut self.slots)
            .into_iter()
            .filter_map(|s| match s {
                Slot::Used(l) => Some(l),
                Slot::Free(_) => None,
            })
            .collect()
    }
}

/// The driver's side of one watched node: its abort reason once aborted,
/// the Rust code listening, and the web `AbortController` if one was asked
/// for.
#[derive(Default)]
pub(crate) struct NodeCtl {
    reason: RefCell<Option<Reason>>,
    listeners: RefCell<Listeners>,
    web: RefCell<Option<web_sys::AbortController>>,
}

impl NodeCtl {
    /// A controller aborted already (a node that was cancelled before it
    /// was watched).
    pub(crate) fn aborted(r: Reason) -> Rc<NodeCtl> {
        let c = NodeCtl::default();
        *c.reason.borrow_mut() = Some(r);
        Rc::new(c)
    }

    pub(crate) fn reason(&self) -> Option<Reason> {
        self.reason.borrow().clone()
    }

    /// Registers (or updates, `id` given) `waker`; answers its id.
    pub(crate) fn listen(&self, id: Option<usize>, waker: &Waker) -> usize {
        let mut l = self.listeners.borrow_mut();
        if let Some(slot) = id.and_then(|i| l.get_mut(i)) {
            match slot {
                Listener::Wake(w) if w.will_wake(waker) => {}
                _ => *slot = Listener::Wake(waker.clone()),
            }
            return id.unwrap_or(0);
        }
        l.add(Listener::Wake(waker.clone()))
    }

    /// Registers task `task`: its running attempt is dropped when this
    /// controller aborts (`Driver::abort_attempt`). Answers the id.
    pub(crate) fn listen_attempt(&self, task: Key) -> usize {
        self.listeners.borrow_mut().add(Listener::Attempt(task))
    }

    pub(crate) fn unlisten(&self, id: usize) {
        let gone = self.listeners.borrow_mut().remove(id);
        drop(gone);
    }

    /// Aborts once (invariant #1): keeps the reason, drops the running
    /// attempts of the tasks that listen (at once, before any cleanup
    /// effect is applied, as JavaScript's abort listeners run before the
    /// cleanups), wakes the other listeners, aborts the web controller.
    fn abort(&self, r: Reason, drv: &Rc<Driver>) {
        if self.reason.borrow().is_some() {
            return;
        }
        *self.reason.borrow_mut() = Some(r.clone());
        let all = self.listeners.borrow_mut().take_all();
        for l in all {
            match l {
                Listener::Wake(w) => w.wake(),
                Listener::Attempt(task) => drv.abort_attempt(task, &r),
            }
        }
        {
            let web = self.web.borrow().clone();
            if let Some(c) = web {
                // JS listeners run here, synchronously, as in JavaScript;
                // no borrow of the driver is held.
                c.abort_with_reason(&r.to_js());
            }
        }
    }

    /// The web `AbortSignal` of this node, made when first asked for.
    pub(crate) fn web_signal(&self) -> web_sys::AbortSignal {
        if let Some(r) = self.reason() {
            return abort_signal_with(&r.to_js());
        }
        let mut web = self.web.borrow_mut();
        if let Some(c) = web.as_ref() {
            return c.signal();
        }
        match web_sys::AbortController::new() {
            Ok(c) => {
                let s = c.signal();
                *web = Some(c);
                s
            }
            // No AbortController in this runtime: a signal that never aborts
            // cannot be made either; an aborted one can.
            Err(_) => abort_signal_with(&JsValue::UNDEFINED),
        }
    }

    /// A future that resolves with the reason once this node aborts.
    pub(crate) fn until_aborted(self: &Rc<Self>) -> Aborted {
        Aborted {
            ctl: Some(self.clone()),
            id: None,
        }
    }
}

/// An `AbortSignal` aborted with `reason` (`AbortSignal.abort(reason)`).
pub(crate) fn abort_signal_with(reason: &JsValue) -> web_sys::AbortSignal {
    #[wasm_bindgen]
    extern "C" {
        #[wasm_bindgen(js_namespace = AbortSignal, js_name = abort)]
        fn abort_signal(reason: &JsValue) -> web_sys::AbortSignal;
    }
    abort_signal(reason)
}

/// Resolves with the [`Reason`] once a scope's or a task's signal aborts
/// (`Scope::aborted`, `TaskContext::aborted`). Never resolves if it never
/// aborts.
///
/// ```
/// # use go_go_scope_wasm::{ManualHost, Runtime, ScopeOptions};
/// # use futures::FutureExt;
/// # let host = ManualHost::new();
/// # let rt = Runtime::new(host.clone());
/// # let s = rt.scope(ScopeOptions::default()).unwrap();
/// let mut aborted = s.aborted();
/// assert!((&mut aborted).now_or_never().is_none()); // not yet
/// let _ = s.dispose();
/// host.run();
/// assert!(aborted.now_or_never().unwrap().is_disposed());
/// ```
pub struct Aborted {
    ctl: Option<Rc<NodeCtl>>,
    id: Option<usize>,
}

impl Aborted {
    /// A future that never resolves (a signal that is gone without
    /// aborting: nothing can abort it any more).
    pub(crate) fn never() -> Aborted {
        Aborted {
            ctl: None,
            id: None,
        }
    }
}

impl Future for Aborted {
    type Output = Reason;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Reason> {
        let Some(ctl) = self.ctl.clone() else {
            return Poll::Pending;
        };
        if let Some(r) = ctl.reason() {
            return Poll::Ready(r);
        }
        self.id = Some(ctl.listen(self.id, cx.waker()));
        Poll::Pending
    }
}

impl Drop for Aborted {
    fn drop(&mut self) {
        if let (Some(ctl), Some(id)) = (&self.ctl, self.id) {
            ctl.unlisten(id);
        }
    }
}

/// A linked user `AbortSignal` and its one listener (invariant #3).
pub(crate) struct Link {
    signal: web_sys::AbortSignal,
    listener: Closure<dyn FnMut()>,
}

impl Drop for Link {
    fn drop(&mut self) {
        let f: &js_sys::Function = self.listener.as_ref().unchecked_ref();
        let _ = self.signal.remove_event_listener_with_callback("abort", f);
    }
}

impl Driver {
    /// The reason the machine names `r`.
    pub(crate) fn reason_of(&self, r: f64) -> Option<Reason> {
        key(r).and_then(|k| self.reasons.borrow().get(k).cloned())
    }

    /// A channel's or semaphore's abort reason, kept in `kept` once known:
    /// the one the machine names (`ask`, called only the first time:
    /// `Some(Some(reason))`), else `fallback` ("… disposed").
    pub(crate) fn kept_reason(
        &self,
        kept: &RefCell<Option<Reason>>,
        ask: impl FnOnce(&Machine) -> Option<Option<Key>>,
        fallback: fn() -> Reason,
    ) -> Reason {
        if let Some(r) = kept.borrow().clone() {
            return r;
        }
        let asked = ask(&self.m.borrow());
        let r = match asked {
            Some(Some(r)) => self.reason_of(r.to_f64()).unwrap_or_else(fallback),
            _ => fallback(),
        };
        *kept.borrow_mut() = Some(r.clone());
        r
    }

    /// The controller of `node`, made (and the node watched) now if needed;
    /// `None` if the node ended.
    pub(crate) fn watch(&self, node: Key) -> Option<Rc<NodeCtl>> {
        if let Some(c) = self.nodes.borrow().get(node) {
            return Some(c.clone());
        }
        let w = self.m.borrow_mut().watch(node.to_f64());
        match w {
            Watch::Live => {
                let c = Rc::new(NodeCtl::default());
                let old = self.nodes.borrow_mut().set(node, c.clone());
                drop(old);
                Some(c)
            }
            Watch::Cancelled(r) => Some(NodeCtl::aborted(
                self.reason_of(r.to_f64())
                    .unwrap_or_else(Reason::scope_disposed),
            )),
            Watch::Gone => None,
        }
    }

    /// Links a user `AbortSignal` (one link per signal, invariant #3):
    /// answers the link's key for the command that uses it.
    pub(crate) fn link(self: &Rc<Self>, signal: &web_sys::AbortSignal) -> Key {
        let existing = self
            .link_keys()
            .get(signal)
            .as_f64()
            .and_then(crate::machine::slab::Key::from_f64);
        *self.linking.borrow_mut() = Some(signal.clone());
        let k = self.m.borrow_mut().link(existing, signal.aborted());
        self.run(); // `Link` takes `linking`
        *self.linking.borrow_mut() = None;
        k
    }

    /// `Abort(node, reason)`.
    pub(crate) fn on_abort(self: &Rc<Self>, node: f64, r: f64) {
        let ctl = key(node).and_then(|n| self.nodes.borrow().get(n).cloned());
        let reason = self.reason_of(r);
        if let (Some(ctl), Some(reason)) = (ctl, reason) {
            ctl.abort(reason, self);
        }
    }

    /// `ForgetNode(node)`: the node ended; its controller goes.
    pub(crate) fn on_forget_node(&self, node: f64) {
        let ctl = key(node).and_then(|n| self.nodes.borrow_mut().take(n));
        drop(ctl);
    }

    /// `Reason(r, kind, arg)`: a new abort reason.
    pub(crate) fn on_reason(&self, r: f64, kind: f64, arg: f64) {
        let Some(k) = key(r) else { return };
        let reason = match kind as u8 {
            k if k == ReasonKind::Timeout as u8 => Reason::new(Kind::Timeout(arg)),
            k if k == ReasonKind::Link as u8 => Reason::from_signal(self.link_reason(arg)),
            _ => Reason::scope_disposed(),
        };
        let old = self.reasons.borrow_mut().set(k, reason);
        drop(old);
    }

    /// The `reason` of the user signal linked as `l`.
    fn link_reason(&self, l: f64) -> JsValue {
        let links = self.links.borrow();
        match key(l).and_then(|k| links.get(k)) {
            Some(link) => link.signal.reason(),
            None => JsValue::UNDEFINED,
        }
    }

    /// `ReasonFree(r)`.
    pub(crate) fn on_reason_free(&self, r: f64) {
        let old = key(r).and_then(|k| self.reasons.borrow_mut().take(k));
        drop(old);
    }

    /// `Link(l)`: add the one listener to the signal being linked.
    pub(crate) fn on_link(self: &Rc<Self>, l: f64) {
        let Some(k) = key(l) else { return };
        let Some(signal) = self.linking.borrow().clone() else {
            return;
        };
        let weak = Rc::downgrade(self);
        let listener = Closure::<dyn FnMut()>::new(move || {
            if let Some(d) = weak.upgrade() {
                d.m.borrow_mut().link_aborted(l);
                d.after();
            }
        });
        let f: &js_sys::Function = listener.as_ref().unchecked_ref();
        let _ = signal.add_event_listener_with_callback("abort", f);
        self.link_keys().set(&signal, &JsValue::from_f64(l));
        let old = self.links.borrow_mut().set(k, Link { signal, listener });
        drop(old);
    }

    /// `Unlink(l)`: the last user let go: remove the listener.
    pub(crate) fn on_unlink(&self, l: f64) {
        let link = key(l).and_then(|k| self.links.borrow_mut().take(k));
        if let Some(link) = link {
            let _ = self.link_keys().delete(&link.signal);
            drop(link); // removes the listener (`Link`'s `Drop`)
        }
    }
}
