//! go-go-scope-wasm: structured concurrency for JavaScript, with a Rust core.
//!
//! * [`core`]: plain Rust semantics (token tree, scope life cycle, tasks,
//!   services, option validation), no `JsValue`, tested with `cargo test`.
//! * `bindings`: the wasm-bindgen layer that adapts the core to JS.
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

pub mod core;

#[cfg(target_arch = "wasm32")]
mod bindings;
