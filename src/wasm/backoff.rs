//! Exports of the retry delay strategies (see `machine/backoff.rs` and
//! `core/backoff.rs`). No record: the JS delay function keeps its kind,
//! parameters, random state and last delay as numbers and passes them in.

#[cfg(all(target_arch = "wasm32", feature = "tiny"))]
#[allow(unused_imports)]
use crate::prelude::*;

use wasm_bindgen::prelude::*;

use super::{failed, with};
use crate::core::backoff::Rng;
use crate::machine::backoff::{make, seed, Kind};
use crate::machine::Fail;

/// Checks a strategy's parameters and its seed (`kind`: `Kind`): the first
/// random state, or -1 when refused (`fail_*` tell why).
#[wasm_bindgen]
pub fn backoff_new(kind: u32, a: f64, b: f64, c: f64, d: f64, seed_value: f64) -> f64 {
    with(|st| {
        let r = Kind::from_u32(kind)
            .ok_or(Fail::type_error("backoff: unknown strategy"))
            .and_then(|k| make(k, a, b, c, d).and_then(|_| seed(k, seed_value)));
        match r {
            Ok(rng) => f64::from(rng.0),
            Err(f) => failed(st, f),
        }
    })
}

/// The delay before retry `attempt` (`last`: the previous delay, NaN for
/// none), from the random state `rng`; the next state is `backoff_rng()`.
/// -1 for parameters `backoff_new` would refuse.
// Numbers only cross the boundary: the strategy is its parameters.
#[allow(clippy::too_many_arguments)]
#[wasm_bindgen]
pub fn backoff_delay(
    kind: u32,
    a: f64,
    b: f64,
    c: f64,
    d: f64,
    attempt: f64,
    rng: f64,
    last: f64,
) -> f64 {
    with(|st| {
        let Some(s) = Kind::from_u32(kind).and_then(|k| make(k, a, b, c, d).ok()) else {
            return -1.0;
        };
        let (ms, next) = s.delay(attempt, Rng(rng as u32), last);
        st.rng = next.0;
        ms
    })
}

/// The random state the last `backoff_delay` left.
#[wasm_bindgen]
pub fn backoff_rng() -> f64 {
    with(|st| f64::from(st.rng))
}
