//! The pure core: plain Rust, no `JsValue`, tested natively with
//! `cargo test`. Generic wherever it holds values; the binding
//! (`crate::bindings`) instantiates it with JS values.

pub mod cancel;
pub mod options;
pub mod poll;
pub mod scope;
pub mod services;
pub mod task;
