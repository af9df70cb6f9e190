//! The pure core: plain Rust, no `JsValue`, tested natively with
//! `cargo test`. Generic wherever it holds values; the binding
//! (`crate::bindings`) instantiates it with JS values.

#[cfg(target_arch = "wasm32")]
#[allow(unused_imports)]
use crate::prelude::*;

pub mod breaker;
pub mod cancel;
pub mod channel;
pub mod chunks;
pub mod options;
pub mod poll;
pub mod retry;
pub mod scope;
pub mod semaphore;
pub mod services;
pub mod task;
pub mod telemetry;
pub mod waitqueue;

/// The proptest configuration of the `*_props.rs` model tests: a modest
/// case count so `cargo test` stays quick, unless `PROPTEST_CASES` is set.
#[cfg(all(test, not(target_arch = "wasm32")))]
pub(crate) fn prop_config() -> proptest::test_runner::Config {
    let mut config = proptest::test_runner::Config::default();
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = 96;
    }
    config
}
