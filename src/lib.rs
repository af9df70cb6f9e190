//! go-go-scope-wasm: structured concurrency for JavaScript, with a Rust core.
//!
//! * [`core`]: plain Rust semantics (token tree, scope life cycle, tasks,
//!   services, option validation), no `JsValue`, tested with `cargo test`.
//! * [`machine`]: the state machine JS drives with commands and events;
//!   it decides everything and emits effects, and never calls JavaScript.
//! * `wasm` (feature `exports`): the numeric wasm-bindgen exports over the
//!   machine, which the npm package's TypeScript executor drives.
//! * [`driver`] (feature `driver`, on by default): the Rust face, a second
//!   driver over the same machine for Rust code built with wasm-bindgen. Its
//!   items are re-exported here: start at [`scope`].
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

pub mod core;
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
