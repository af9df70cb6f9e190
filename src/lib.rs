//! go-go-scope-wasm: structured concurrency for JavaScript, with a Rust core.
//!
//! * [`core`]: plain Rust semantics (token tree, scope life cycle, tasks,
//!   services, option validation), no `JsValue`, tested with `cargo test`.
//! * [`machine`]: the state machine JS drives with commands and events;
//!   it decides everything and emits effects, and never calls JavaScript.
//! * `wasm`: the numeric wasm-bindgen exports over the machine.
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
pub mod machine;

#[cfg(target_arch = "wasm32")]
mod wasm;
