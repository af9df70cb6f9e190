//! The wasm-bindgen layer: adapts `crate::core` to JS.
//!
//! Exported functions are named `__…` and called only by the shim in
//! `pkg-template/`, which gives them the public shape (classes, Symbol
//! methods). Scopes and tasks cross as numeric ids: their Rust state is
//! removed at dispose/settle, never left for a FinalizationRegistry.

mod attempt;
mod channel;
mod debug;
mod dispose;
mod js;
mod otel;
mod parallel;
mod poll;
mod race;
mod resource;
mod runtime;
mod scope;
mod scope_options;
mod semaphore;
mod signal;
mod stream;
mod task;
mod task_options;

#[cfg(test)]
mod tests;

use wasm_bindgen::prelude::*;

/// Runs when the wasm is instantiated: numbers in messages get their digits
/// from JavaScript (`String(n)` exactly, no float formatting in the wasm).
#[wasm_bindgen(start)]
pub fn start() {
    crate::core::options::set_exponential(js::to_exponential);
}

/// OpenTelemetry span status codes (`UNSET = 0, OK = 1, ERROR = 2`).
#[wasm_bindgen]
#[allow(clippy::upper_case_acronyms)]
pub enum SpanStatusCode {
    UNSET = 0,
    OK = 1,
    ERROR = 2,
}
