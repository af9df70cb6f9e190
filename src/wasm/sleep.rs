//! Exports of `s.delay(ms)` (see `machine/sleep.rs`).

#[cfg(all(target_arch = "wasm32", feature = "tiny"))]
#[allow(unused_imports)]
use crate::prelude::*;

use wasm_bindgen::prelude::*;

use super::{failed, key, with};
use crate::machine::sleep::Begun;

/// `s.delay(ms)` on scope `s`: the sleep's key (its `SleepDone` may follow
/// at once); `-2`: the scope finished disposing (reject with its
/// `signal.reason`); `-1`: refused (`fail_*` tell why).
#[wasm_bindgen]
pub fn sleep_new(s: f64, ms: f64) -> f64 {
    with(|st| {
        let Some(k) = key(s) else { return -2.0 };
        match st.m.sleep_new(k, ms) {
            Ok(Begun::Sleeping(k)) => k.to_f64(),
            Ok(Begun::Gone) => -2.0,
            Err(f) => failed(st, f),
        }
    })
}
