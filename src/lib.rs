//! Structured concurrency for Rust code built with wasm-bindgen (browser,
//! Node, Deno, Workers; Leptos, Yew, Dioxus apps): scopes that own their
//! tasks, timeouts that really stop the work, retry, a circuit breaker,
//! Go-style channels, a semaphore, `race`, `parallel`, `poll` and
//! cancellable streams, all mapped onto JavaScript's `AbortSignal`s, timers
//! and promises. The same state machine runs the npm package
//! `go-go-scope-wasm`, a drop-in for the TypeScript library go-go-scope 1.0,
//! so both behave alike.
//!
//! ```no_run
//! use std::time::Duration;
//! use go_go_scope_wasm::{scope, RetryOptions, ScopeOptions, TaskOptions};
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let s = scope(ScopeOptions::default().timeout(Duration::from_secs(5)))?
//!     .provide("base", || String::from("/api"))?;
//! let user = s.task(
//!     |ctx| async move {
//!         let base = ctx.service::<String>("base").ok_or("no base")?;
//!         // ctx.signal() is a web_sys::AbortSignal for fetch: it aborts
//!         // with this task's timeout or its scope's end.
//!         Ok::<_, &str>(format!("{base}/users/1"))
//!     },
//!     TaskOptions::default()
//!         .timeout(Duration::from_secs(2))
//!         .retry(RetryOptions::new().max_retries(3)),
//! )?;
//! match user.await {
//!     Ok(url) => println!("fetched {url}"),
//!     Err(e) if e.is_timeout() => println!("too slow: {e}"),
//!     Err(e) => println!("failed: {e}"),
//! }
//! s.dispose().await?; // abort, cleanups newest first, wait
//! # Ok(()) }
//! ```
//!
//! Start at [`scope`] and [`Scope`]; [`Task`], [`TaskError`], [`Channel`],
//! [`Semaphore`], [`race`], [`parallel`], [`poll`] and [`stream`] follow.
//! Dropping: a [`Task`] handle dropped does not cancel its task (its scope
//! owns it); a task's future is dropped when its signal aborts; the last
//! [`Scope`] handle dropped disposes the scope. Everything is `!Send`, as
//! JavaScript is. On `wasm32-unknown-unknown` a panic aborts the instance;
//! nothing here panics on input. Test deterministically with
//! [`ManualHost`].
//!
//! # Features
//!
//! * `driver` (default): the API above, on futures, wasm-bindgen-futures,
//!   web-sys, js-sys, gloo-timers and serde-wasm-bindgen.
//! * `exports`, `tiny`: the npm package's numeric wasm exports (`tiny`: its
//!   `no_std` build, with `--no-default-features`). Not for crate users.
//!
//! # Inside
//!
//! * [`core`]: plain Rust semantics (token tree, scope life cycle, tasks,
//!   services, option validation), no `JsValue`, tested with `cargo test`.
//! * [`machine`]: the state machine both faces drive with commands and
//!   events; it decides everything and emits effects, and never calls out.
//! * `wasm` (feature `exports`): the numeric wasm-bindgen exports over the
//!   machine, which the npm package's TypeScript executor drives.
//! * [`driver`]: the Rust face, a second driver over the same machine; its
//!   items are re-exported at the crate root.
#![cfg_attr(all(target_arch = "wasm32", feature = "tiny"), no_std)]
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing,
        clippy::unreachable,
        clippy::todo,
        clippy::unimplemented
    )
)]

// The shipped wasm (feature `tiny`, which scripts/build.mjs turns on) is
// `no_std`: its own small panic handler instead of std's formatting
// machinery. Everywhere else (native tests, `wasm-pack test`) `alloc` names
// std.
#[cfg(all(target_arch = "wasm32", feature = "tiny"))]
extern crate alloc;
#[cfg(not(all(target_arch = "wasm32", feature = "tiny")))]
extern crate std as alloc;

/// What std's prelude gives, for the `no_std` build.
#[cfg(all(target_arch = "wasm32", feature = "tiny"))]
#[allow(unused_imports)]
pub(crate) mod prelude {
    pub use crate::F64Ext;
    pub use alloc::borrow::ToOwned;
    pub use alloc::boxed::Box;
    pub use alloc::string::{String, ToString};
    pub use alloc::vec::Vec;
    pub use alloc::{format, vec};
}

/// The `f64` rounding methods std has and `core` lacks (wasm has them as
/// instructions; these forms compile to them or to a conversion).
#[cfg(all(target_arch = "wasm32", feature = "tiny"))]
pub trait F64Ext: Sized {
    fn trunc(self) -> f64;
    fn fract(self) -> f64;
    fn floor(self) -> f64;
    fn ceil(self) -> f64;
    fn round(self) -> f64;
}

#[cfg(all(target_arch = "wasm32", feature = "tiny"))]
impl F64Ext for f64 {
    fn trunc(self) -> f64 {
        // At 2^52 and beyond (and for NaN and infinities) every f64 is
        // already whole.
        if self.abs() < 4_503_599_627_370_496.0 {
            (self as i64) as f64
        } else {
            self
        }
    }
    fn fract(self) -> f64 {
        self - F64Ext::trunc(self)
    }
    fn floor(self) -> f64 {
        let t = F64Ext::trunc(self);
        if t > self {
            t - 1.0
        } else {
            t
        }
    }
    fn ceil(self) -> f64 {
        let t = F64Ext::trunc(self);
        if t < self {
            t + 1.0
        } else {
            t
        }
    }
    fn round(self) -> f64 {
        let t = F64Ext::trunc(self);
        let d = self - t;
        if d >= 0.5 {
            t + 1.0
        } else if d <= -0.5 {
            t - 1.0
        } else {
            t
        }
    }
}

// The state machine both faces drive, and its data structures: public so
// the npm binding and the benches reach them, but not the crate's API (no
// stability promise, hidden from its docs). Rust users use `driver`'s
// items, re-exported at the root.
#[doc(hidden)]
pub mod core;
#[doc(hidden)]
pub mod machine;

#[cfg(all(target_arch = "wasm32", any(feature = "exports", feature = "tiny")))]
mod wasm;

#[cfg(feature = "driver")]
pub mod driver;
#[cfg(feature = "driver")]
pub use driver::*;

#[cfg(all(feature = "tiny", feature = "driver"))]
compile_error!(
    "feature `tiny` is the npm build's no_std wasm: build it with --no-default-features"
);

/// A panic is never reachable from JS input (the crate denies unwrap,
/// expect, indexing and panics); should one happen anyway, the instance
/// traps without formatting a message.
#[cfg(all(target_arch = "wasm32", feature = "tiny"))]
#[panic_handler]
fn panic(_: &::core::panic::PanicInfo) -> ! {
    ::core::arch::wasm32::unreachable()
}

/// The README's Rust examples, compiled as doc tests (`cargo test --doc`).
#[cfg(all(doctest, feature = "driver"))]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
