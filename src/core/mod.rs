//! Generic building blocks of the machine (`crate::machine`): the token
//! tree, the O(1) wait queue, the channel buffer, the semaphore, the
//! breaker, the retry and poll schedules, the ring of slots, the retry delay strategies,
//! chunked storage. No ids of their own and no JS; tested natively with
//! `cargo test`.

#[cfg(all(target_arch = "wasm32", feature = "tiny"))]
#[allow(unused_imports)]
use crate::prelude::*;

pub mod backoff;
pub mod breaker;
pub mod cancel;
pub mod channel;
pub mod chunks;
pub mod options;
pub mod poll;
pub mod retry;
pub mod ring;
pub mod scope;
pub mod semaphore;
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
