//! The pure core: plain Rust, no `JsValue`, tested natively with
//! `cargo test`. Generic wherever it holds values; the binding
//! (`crate::bindings`) instantiates it with JS values.

pub mod breaker;
pub mod cancel;
pub mod channel;
pub mod options;
pub mod poll;
pub mod retry;
pub mod scope;
pub mod semaphore;
pub mod services;
pub mod task;
pub mod telemetry;
pub mod waitqueue;
