//! Exports of debounce and throttle (see `machine/rate.rs`).

#[cfg(all(target_arch = "wasm32", feature = "tiny"))]
#[allow(unused_imports)]
use crate::prelude::*;

use wasm_bindgen::prelude::*;

use super::{failed, key, made, with};
use crate::machine::rate::{call, ON_DISPOSED};
use crate::machine::Fail;

/// `s.debounce` / `s.throttle` on scope `s` (`flags`: `rate::flag`): the
/// limiter's key (its `RateEnd` may follow at once); `-1`: refused.
#[wasm_bindgen]
pub fn rate_new(s: f64, flags: u32, ms: f64) -> f64 {
    with(|st| {
        let Some(k) = key(s) else {
            return failed(st, Fail::error(ON_DISPOSED));
        };
        let r = st.m.rate_new(k, flags, ms);
        made(st, r, -1.0)
    })
}

/// A call: what JS does with it (`rate::call`).
#[wasm_bindgen]
pub fn rate_call(k: f64) -> f64 {
    with(|st| key(k).map_or(call::GONE, |k| st.m.rate_call(k)))
}
