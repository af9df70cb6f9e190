//! AbortSignals as views of cancellation tokens, and user AbortSignals
//! mapped onto tokens.
//!
//! * A scope's or task's `signal` is made only when JS reads it: an
//!   `AbortController` registered as a [`Listener`] on the token's node. A
//!   task that never reads its signal costs no controller.
//! * A user `AbortSignal` (`options.signal`) becomes one root node with one
//!   `abort` listener, shared by every scope linked to it and counted; the
//!   listener is removed when the last such scope is disposed ([`Link`] owns
//!   it and removes it on drop).

use js_sys::{Function, WeakMap};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{AbortController, AbortSignal};

use super::runtime::{self, Runtime};
use crate::core::cancel::{AddListenerError, NodeId};

/// An abort reason as the token tree keeps it. A scope's own disposal
/// reason, `Error("scope disposed")`, is made only when something observes
/// it (a signal view, a waiting task, a later read), and then once: every
/// clone shares the cell, so all observers see the same Error object.
#[derive(Clone)]
pub(crate) enum Reason {
    Js(JsValue),
    Disposed(std::rc::Rc<std::cell::OnceCell<JsValue>>),
}

impl Reason {
    pub(crate) fn disposed() -> Reason {
        Reason::Disposed(std::rc::Rc::default())
    }

    /// The JS value, unless it is a disposal reason not made yet.
    pub(crate) fn value_if_made(&self) -> Option<JsValue> {
        match self {
            Reason::Js(v) => Some(v.clone()),
            Reason::Disposed(cell) => cell.get().cloned(),
        }
    }

    /// The JS value of the reason (made on first use for a disposal).
    pub(crate) fn value(&self) -> JsValue {
        match self {
            Reason::Js(v) => v.clone(),
            Reason::Disposed(cell) => cell
                .get_or_init(|| super::js::detached_error(crate::core::options::SCOPE_DISPOSED))
                .clone(),
        }
    }
}

/// What waits on a token node.
pub(crate) enum Listener {
    /// The lazily made AbortSignal view of the node.
    Abort(AbortController),
    /// A task that waits (for a permit or a retry delay) on this node.
    Task(u64),
    /// A channel of the scope owning this node: aborts with the reason.
    Channel(std::rc::Weak<super::channel::ChannelCell>),
    /// Internal code told of the abort (race ends at once).
    Notify(std::rc::Rc<dyn Fn(&JsValue)>),
}

/// Fires listeners returned by a cancel. Call with no runtime borrow held:
/// `abort()` runs the user's `abort` event listeners.
pub(crate) fn fire(fired: Vec<(Listener, Reason)>) {
    for (listener, reason) in fired {
        let reason = reason.value();
        match listener {
            Listener::Abort(c) => c.abort_with_reason(&reason),
            Listener::Task(id) => super::attempt::on_cancelled(id, reason),
            Listener::Channel(ch) => {
                if let Some(ch) = ch.upgrade() {
                    ch.abort(reason);
                }
            }
            Listener::Notify(f) => f(&reason),
        }
    }
}

/// Cancels `node` with `reason` and fires what that wakes.
pub(crate) fn cancel(node: NodeId, reason: JsValue) -> Result<(), JsValue> {
    let fired = runtime::with(|rt| rt.tree.cancel(node, Reason::Js(reason)).unwrap_or_default())?;
    fire(fired);
    Ok(())
}

/// Registers `listener` on `node`; if the node is already cancelled it
/// fires at once (no borrow may be held).
pub(crate) fn listen(node: NodeId, listener: Listener) -> Result<(), JsValue> {
    let refused = runtime::with(|rt| rt.tree.add_listener(node, listener))?;
    if let Err(AddListenerError::Cancelled(l, reason)) = refused {
        fire(vec![(l, reason)]);
    }
    Ok(())
}

/// Makes the AbortSignal view of `node`. The caller stores the controller so
/// that later reads give the same signal. No borrow may be held.
pub(crate) fn make_view(node: NodeId) -> Result<AbortController, JsValue> {
    let controller = AbortController::new()?;
    let refused = runtime::with(|rt| {
        rt.tree
            .add_listener(node, Listener::Abort(controller.clone()))
    })?;
    match refused {
        Ok(()) => {}
        // Already cancelled: the view starts aborted with the same reason.
        Err(AddListenerError::Cancelled(l, reason)) => fire(vec![(l, reason)]),
        // The node is gone (its owner was released): a detached signal.
        Err(AddListenerError::Unknown(_)) => {}
    }
    Ok(controller)
}

/// A user AbortSignal mapped onto a root node, shared by `refs` scopes.
pub(crate) struct Link {
    pub node: NodeId,
    refs: u32,
    /// Removes the `abort` listener when the link is dropped.
    listener: ListenerGuard,
}

/// Owns an `abort` listener on a user signal (gloo-style RAII: removing it
/// on drop).
struct ListenerGuard {
    signal: AbortSignal,
    closure: Closure<dyn FnMut()>,
}

impl Drop for ListenerGuard {
    fn drop(&mut self) {
        let f: &Function = self.closure.as_ref().unchecked_ref();
        let _ = self.signal.remove_event_listener_with_callback("abort", f);
    }
}

thread_local! {
    /// User signal → link id (a JS number), so that one signal gets one
    /// listener however many scopes link to it.
    static LINKS_BY_SIGNAL: WeakMap = WeakMap::new();
}

/// How a new scope hangs off a user signal.
pub(crate) enum Linked {
    /// Under this node; `link` must be released with [`unlink`].
    Node { node: NodeId, link: u64 },
    /// The signal had already aborted with this reason.
    Aborted(JsValue),
}

/// Maps `signal` onto a node (made once per signal) and takes a reference.
pub(crate) fn link(signal: &AbortSignal) -> Result<Linked, JsValue> {
    if signal.aborted() {
        return Ok(Linked::Aborted(signal.reason()));
    }
    let known = LINKS_BY_SIGNAL
        .with(|m| m.get(signal))
        .as_f64()
        .map(|f| f as u64);
    if let Some(id) = known {
        let found = runtime::with(|rt| {
            rt.links.get_mut(&id).map(|l| {
                l.refs += 1;
                l.node
            })
        })?;
        if let Some(node) = found {
            return Ok(Linked::Node { node, link: id });
        }
    }
    let (id, node) = runtime::with(|rt| {
        rt.last_link_id += 1;
        (rt.last_link_id, rt.tree.new_root())
    })?;
    let owned = signal.clone();
    let closure = Closure::<dyn FnMut()>::new(move || {
        let reason = owned.reason();
        let _ = cancel(node, reason);
    });
    signal.add_event_listener_with_callback("abort", closure.as_ref().unchecked_ref())?;
    let guard = ListenerGuard {
        signal: signal.clone(),
        closure,
    };
    runtime::with(|rt| {
        rt.links.insert(
            id,
            Link {
                node,
                refs: 1,
                listener: guard,
            },
        )
    })?;
    LINKS_BY_SIGNAL.with(|m| m.set(signal, &JsValue::from_f64(id as f64)));
    Ok(Linked::Node { node, link: id })
}

/// Drops one reference to a link; the last one removes the listener and the
/// node. Returns the link to drop once the borrow has ended.
pub(crate) fn unlink_in(rt: &mut Runtime, id: u64) -> Option<Link> {
    let last = match rt.links.get_mut(&id) {
        Some(l) => {
            l.refs = l.refs.saturating_sub(1);
            l.refs == 0
        }
        None => false,
    };
    if !last {
        return None;
    }
    let link = rt.links.remove(&id)?;
    let _ = rt.tree.remove(link.node);
    Some(link)
}

/// Forgets the signal → link mapping of a dropped link.
pub(crate) fn forget_link(link: Link) {
    LINKS_BY_SIGNAL.with(|m| m.delete(&link.listener.signal));
    drop(link);
}

/// Watches any AbortSignal (a user's, or a scope's view) for polls and
/// streams: a node under the signal's shared link node, so however many
/// watch one signal, it has one `abort` listener. Dropping the watch removes
/// the node and its reference on the link (STYLE #8).
pub(crate) struct AbortWatch {
    node: Option<NodeId>,
    link: Option<u64>,
}

impl AbortWatch {
    /// Calls `on_abort(reason)` when `signal` aborts (callers handle an
    /// already aborted signal themselves). Dropping the watch, even from
    /// inside `on_abort`, is fine.
    pub(crate) fn new(
        signal: &AbortSignal,
        on_abort: impl FnMut(JsValue) + 'static,
    ) -> Result<AbortWatch, JsValue> {
        let Linked::Node {
            node,
            link: link_id,
        } = link(signal)?
        else {
            return Ok(AbortWatch {
                node: None,
                link: None,
            });
        };
        let cb = std::cell::RefCell::new(on_abort);
        let notify = Listener::Notify(std::rc::Rc::new(move |reason: &JsValue| {
            if let Ok(mut f) = cb.try_borrow_mut() {
                f(reason.clone());
            }
        }));
        let child = runtime::with(|rt| rt.tree.new_child(node).ok())?;
        let watch = AbortWatch {
            node: child,
            link: Some(link_id),
        };
        if let Some(c) = child {
            listen(c, notify)?;
        }
        Ok(watch)
    }
}

/// Calls `on_abort(reason)` when `signal` aborts, or at once if it already
/// has; the watch (kept by the caller, dropped to let go) is `None` then.
pub(crate) fn watch_signal(
    signal: &AbortSignal,
    mut on_abort: impl FnMut(JsValue) + 'static,
) -> Result<Option<AbortWatch>, JsValue> {
    if signal.aborted() {
        on_abort(signal.reason());
        return Ok(None);
    }
    AbortWatch::new(signal, on_abort).map(Some)
}

impl Drop for AbortWatch {
    fn drop(&mut self) {
        let node = self.node.take();
        let link = self.link.take();
        let released = runtime::with(|rt| {
            if let Some(n) = node {
                let _ = rt.tree.remove(n);
            }
            link.and_then(|l| unlink_in(rt, l))
        });
        if let Ok(Some(l)) = released {
            forget_link(l);
        }
    }
}
