//! `on_abort(signal, f)` and `when_aborted(signal)` (go-go-scope 2.x's
//! `onAbort` and `whenAborted`): one listener on a JavaScript
//! `AbortSignal`, owned by the guard or future returned, and removed when
//! that is dropped (gloo's `EventListener` shape).
//!
//! # Invariants
//!
//! 1. Each guard or future adds at most one listener, and removes it in
//!    `Drop` (STYLE #8); the callback runs at most once.
//! 2. An already aborted signal adds no listener: `on_abort` calls back
//!    before it returns, `when_aborted` is ready at its first poll.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

/// The listener of [`on_abort`]: removed when this guard is dropped, so
/// keep it for as long as the callback should stay armed.
#[must_use = "dropping the guard removes the listener at once"]
pub struct OnAbort {
    listening: Option<(web_sys::AbortSignal, Closure<dyn FnMut()>)>,
}

/// Calls `f(signal.reason)` once when `signal` aborts, or at once (before
/// returning) if it already has. Dropping the returned guard removes the
/// listener; a callback that already ran is not run again.
///
/// ```no_run
/// use go_go_scope_wasm::on_abort;
/// use std::{cell::Cell, rc::Rc};
///
/// let controller = web_sys::AbortController::new().unwrap();
/// let seen = Rc::new(Cell::new(false));
/// let s = seen.clone();
/// let guard = on_abort(&controller.signal(), move |_reason| s.set(true));
/// controller.abort();
/// assert!(seen.get());
/// drop(guard);
/// ```
pub fn on_abort(signal: &web_sys::AbortSignal, f: impl FnOnce(JsValue) + 'static) -> OnAbort {
    if signal.aborted() {
        f(signal.reason());
        return OnAbort { listening: None };
    }
    let once = RefCell::new(Some(f));
    let s = signal.clone();
    let listener = Closure::<dyn FnMut()>::new(move || {
        let f = once.borrow_mut().take();
        if let Some(f) = f {
            f(s.reason());
        }
    });
    add(signal, &listener);
    OnAbort {
        listening: Some((signal.clone(), listener)),
    }
}

impl Drop for OnAbort {
    fn drop(&mut self) {
        if let Some((signal, listener)) = self.listening.take() {
            remove(&signal, &listener);
        }
    }
}

impl std::fmt::Debug for OnAbort {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OnAbort")
            .field("listening", &self.listening.is_some())
            .finish()
    }
}

/// What the listener of [`WhenAborted`] and the future share.
#[derive(Default)]
struct Seen {
    reason: Option<JsValue>,
    waker: Option<Waker>,
}

/// The future of [`when_aborted`].
#[must_use = "futures do nothing unless polled"]
pub struct WhenAborted {
    signal: web_sys::AbortSignal,
    seen: Rc<RefCell<Seen>>,
    listener: Option<Closure<dyn FnMut()>>,
}

/// Resolves with `signal.reason` once `signal` aborts (at once if it has).
/// Its one listener is added at the first poll and removed when the future
/// is dropped.
///
/// ```no_run
/// use go_go_scope_wasm::when_aborted;
///
/// # async fn demo() {
/// let controller = web_sys::AbortController::new().unwrap();
/// let signal = controller.signal();
/// controller.abort_with_reason(&"shutting down".into());
/// assert_eq!(when_aborted(&signal).await, "shutting down");
/// # }
/// ```
pub fn when_aborted(signal: &web_sys::AbortSignal) -> WhenAborted {
    WhenAborted {
        signal: signal.clone(),
        seen: Rc::default(),
        listener: None,
    }
}

impl Future for WhenAborted {
    type Output = JsValue;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<JsValue> {
        if let Some(r) = self.seen.borrow_mut().reason.take() {
            return Poll::Ready(r);
        }
        if self.signal.aborted() {
            return Poll::Ready(self.signal.reason());
        }
        self.seen.borrow_mut().waker = Some(cx.waker().clone());
        if self.listener.is_none() {
            let seen = self.seen.clone();
            let s = self.signal.clone();
            let listener = Closure::<dyn FnMut()>::new(move || {
                let waker = {
                    let mut st = seen.borrow_mut();
                    st.reason = Some(s.reason());
                    st.waker.take()
                };
                if let Some(w) = waker {
                    w.wake();
                }
            });
            add(&self.signal, &listener);
            self.listener = Some(listener);
        }
        Poll::Pending
    }
}

impl Drop for WhenAborted {
    fn drop(&mut self) {
        if let Some(listener) = self.listener.take() {
            remove(&self.signal, &listener);
        }
    }
}

impl std::fmt::Debug for WhenAborted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WhenAborted").finish_non_exhaustive()
    }
}

fn add(signal: &web_sys::AbortSignal, listener: &Closure<dyn FnMut()>) {
    let _ = signal.add_event_listener_with_callback("abort", listener.as_ref().unchecked_ref());
}

fn remove(signal: &web_sys::AbortSignal, listener: &Closure<dyn FnMut()>) {
    let _ = signal.remove_event_listener_with_callback("abort", listener.as_ref().unchecked_ref());
}
