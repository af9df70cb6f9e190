//! `Channel`: the JS face of `core::channel` (send, receive, close,
//! iteration, dispose), and `scope.channel(capacity)`.
//!
//! Waiting senders hold their promise's resolve/reject; waiting receivers
//! their resolve. Every wake-up is collected under the channel's borrow and
//! fired after it ends (STYLE #4).

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Function, Object, Promise};
use wasm_bindgen::prelude::*;

use super::dispose::Cleanup;
use super::js;
use super::runtime;
use super::signal::{self, AbortWatch, Listener};
use crate::core::channel::{
    Channel, ClosedWhileWaiting, Received, Sent, TryRecvError, TrySendError, Woken,
};
use crate::core::options::{self, Limit};

/// A sender waiting for room.
pub(crate) struct Sender {
    resolve: Function,
    reject: Function,
}

/// A receiver waiting for a value. `for_iter` receivers end iteration with
/// the done sentinel instead of `undefined`.
pub(crate) struct Receiver {
    resolve: Function,
    for_iter: bool,
}

thread_local! {
    /// What an iteration receive resolves to once the channel is closed and
    /// drained (a channel may carry `undefined`, so that cannot mean "done").
    static DONE: JsValue = Object::new().into();
}

/// The done sentinel of channel iteration (for the shim).
#[wasm_bindgen(js_name = __channelDone)]
pub fn channel_done() -> JsValue {
    DONE.with(|d| d.clone())
}

fn closed_value(for_iter: bool) -> JsValue {
    if for_iter {
        channel_done()
    } else {
        JsValue::UNDEFINED
    }
}

/// A channel's state; shared by the JS object, its scope's cleanup and its
/// abort listener.
pub(crate) struct ChannelCell {
    ch: RefCell<Channel<JsValue, Sender, Receiver>>,
    /// The abort reason, once aborted.
    reason: RefCell<JsValue>,
    /// The watch on a `new Channel(cap, signal)`'s signal, dropped (its
    /// listener released) once the channel aborts.
    watch: RefCell<Option<AbortWatch>>,
}

impl ChannelCell {
    fn borrow(&self) -> Result<std::cell::RefMut<'_, Channel<JsValue, Sender, Receiver>>, JsValue> {
        self.ch
            .try_borrow_mut()
            .map_err(|_| js::internal("channel borrowed re-entrantly"))
    }

    fn wake(woken: Woken<Sender, Receiver>, sender_value: impl Fn(&Sender)) {
        for s in &woken.senders {
            sender_value(s);
        }
        for r in woken.receivers {
            let _ = r
                .resolve
                .call1(&JsValue::UNDEFINED, &closed_value(r.for_iter));
        }
    }

    /// Aborts (scope aborted, or disposed): pending sends reject with the
    /// reason, pending receives resolve `undefined` (invariant #4 of
    /// `core::channel`). Idempotent.
    pub(crate) fn abort(&self, reason: JsValue) {
        let woken = match self.ch.try_borrow_mut() {
            Ok(mut ch) if !ch.is_aborted() => ch.abort(),
            _ => return,
        };
        if let Ok(mut r) = self.reason.try_borrow_mut() {
            *r = reason.clone();
        }
        let watch = self.watch.try_borrow_mut().ok().and_then(|mut w| w.take());
        drop(watch);
        Self::wake(woken, |s| {
            let _ = s.reject.call1(&JsValue::UNDEFINED, &reason);
        });
    }

    fn reason(&self) -> JsValue {
        self.reason
            .try_borrow()
            .map(|r| r.clone())
            .unwrap_or(JsValue::UNDEFINED)
    }

    fn send(self: &Rc<Self>, value: JsValue) -> Result<Promise, JsValue> {
        let tried = self.borrow()?.try_send(value);
        Ok(match tried {
            Ok(Sent::Handed(r, v)) => {
                let _ = r.resolve.call1(&JsValue::UNDEFINED, &v);
                Promise::resolve(&JsValue::TRUE)
            }
            Ok(Sent::Buffered) => Promise::resolve(&JsValue::TRUE),
            Err(TrySendError::Closed(_)) => Promise::resolve(&JsValue::FALSE),
            Err(TrySendError::Aborted(_)) => Promise::reject(&self.reason()),
            Err(TrySendError::Full(v)) => {
                let mut value = Some(v);
                Promise::new(&mut |resolve, reject| {
                    if let (Ok(mut ch), Some(v)) = (self.ch.try_borrow_mut(), value.take()) {
                        ch.wait_send(v, Sender { resolve, reject });
                    }
                })
            }
        })
    }

    fn receive(self: &Rc<Self>, for_iter: bool) -> Result<Promise, JsValue> {
        let tried = self.borrow()?.try_recv();
        Ok(match tried {
            Ok(Received { value, unblocked }) => {
                if let Some(s) = unblocked {
                    let _ = s.resolve.call1(&JsValue::UNDEFINED, &JsValue::TRUE);
                }
                Promise::resolve(&value)
            }
            Err(TryRecvError::Closed) => Promise::resolve(&closed_value(for_iter)),
            Err(TryRecvError::Empty) => Promise::new(&mut |resolve, _reject| {
                if let Ok(mut ch) = self.ch.try_borrow_mut() {
                    ch.wait_recv(Receiver { resolve, for_iter });
                }
            }),
        })
    }

    /// Closes: a sender still waiting is rejected with
    /// `Error("channel closed")`; a send made after this resolves `false`.
    fn close(&self) -> Result<(), JsValue> {
        let woken = self.borrow()?.close();
        Self::wake(woken, |s| {
            let err = js::error(&ClosedWhileWaiting.to_string());
            let _ = s.reject.call1(&JsValue::UNDEFINED, &err);
        });
        Ok(())
    }
}

/// Validates `capacity`: an integer from 0 to 2^32, or `Infinity` (no
/// limit); `undefined` is 0.
fn capacity(v: &JsValue) -> Result<Limit, JsValue> {
    if v.is_undefined() || v.is_null() {
        return Ok(Limit::Max(0));
    }
    let Some(n) = v.as_f64() else {
        return Err(js::type_error(&format!(
            "channel: capacity must be a number, got {}",
            js::type_name(v)
        )));
    };
    options::limit("capacity", n, 0).map_err(|e| js::option_error("channel", &e))
}

/// A Go-style channel with backpressure.
#[wasm_bindgen(js_name = Channel)]
pub struct JsChannel {
    cell: Rc<ChannelCell>,
}

impl JsChannel {
    fn with_capacity(cap: Limit) -> JsChannel {
        JsChannel {
            cell: Rc::new(ChannelCell {
                ch: RefCell::new(Channel::new(cap)),
                reason: RefCell::new(JsValue::UNDEFINED),
                watch: RefCell::new(None),
            }),
        }
    }
}

#[wasm_bindgen(js_class = Channel)]
impl JsChannel {
    /// `new Channel(capacity = 0, signal?)`: aborts when `signal` does.
    #[wasm_bindgen(constructor)]
    pub fn new(cap: JsValue, signal: JsValue) -> Result<JsChannel, JsValue> {
        let ch = JsChannel::with_capacity(capacity(&cap)?);
        if let Some(sig) = js::optional_signal("channel: signal", signal)? {
            // Released when the channel aborts (signal or dispose).
            let weak = Rc::downgrade(&ch.cell);
            let watch = signal::watch_signal(&sig, move |reason| {
                if let Some(cell) = weak.upgrade() {
                    cell.abort(reason);
                }
            })?;
            if let Ok(mut w) = ch.cell.watch.try_borrow_mut() {
                *w = watch;
            }
        }
        Ok(ch)
    }

    /// Resolves `true` once `value` is delivered or buffered, `false` if the
    /// channel was already closed; rejects with `Error("channel closed")` if
    /// it closes while this send waits, and with the abort reason once
    /// aborted.
    pub fn send(&self, value: JsValue) -> Result<Promise, JsValue> {
        self.cell.send(value)
    }

    /// The next value; `undefined` once closed and drained, or aborted.
    pub fn receive(&self) -> Result<Promise, JsValue> {
        self.cell.receive(false)
    }

    /// The next value for `for await`, or the done sentinel.
    #[wasm_bindgen(js_name = __next)]
    pub fn next_for_iteration(&self) -> Result<Promise, JsValue> {
        self.cell.receive(true)
    }

    /// Closes; buffered values stay receivable, waiting sends reject.
    /// Idempotent.
    pub fn close(&self) -> Result<(), JsValue> {
        self.cell.close()
    }

    #[wasm_bindgen(getter, js_name = isClosed)]
    pub fn is_closed(&self) -> bool {
        self.cell.ch.try_borrow().is_ok_and(|c| c.is_closed())
    }

    /// Buffered values.
    #[wasm_bindgen(getter)]
    pub fn size(&self) -> f64 {
        self.cell.ch.try_borrow().map_or(0.0, |c| c.size() as f64)
    }

    /// The capacity (`Infinity` when unlimited).
    #[wasm_bindgen(getter)]
    pub fn cap(&self) -> f64 {
        self.cell.ch.try_borrow().map_or(0.0, |c| c.cap().as_f64())
    }

    /// `[Symbol.asyncDispose]`: closes and rejects pending sends with
    /// `Error("channel disposed")`.
    #[wasm_bindgen(js_name = dispose)]
    pub fn dispose_channel(&self) -> Promise {
        self.cell.abort(js::detached_error("channel disposed"));
        Promise::resolve(&JsValue::UNDEFINED)
    }
}

/// `scope.channel(capacity)`: aborted with the scope, disposed with it.
#[wasm_bindgen(js_name = __scopeChannel)]
pub fn scope_channel(scope: f64, cap: JsValue) -> Result<JsChannel, JsValue> {
    let ch = JsChannel::with_capacity(capacity(&cap)?);
    let scope = scope as u64;
    let token = runtime::with(|rt| -> Result<_, JsValue> {
        let e = rt
            .scopes
            .get_mut(&scope)
            .filter(|e| !e.core.is_disposed())
            .ok_or_else(|| js::error("Cannot create channel on disposed scope"))?;
        let _ = e.core.push_cleanup(Cleanup::Channel(ch.cell.clone()));
        Ok(e.token)
    })??;
    signal::listen(token, Listener::Channel(Rc::downgrade(&ch.cell)))?;
    Ok(ch)
}

/// Disposes a scope's channel (its cleanup).
pub(crate) fn dispose_cell(cell: &ChannelCell) {
    cell.abort(js::detached_error("channel disposed"));
}
