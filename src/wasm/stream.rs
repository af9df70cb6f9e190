//! Exports of the stream primitive (see `machine/stream.rs`).

#[cfg(all(target_arch = "wasm32", feature = "tiny"))]
#[allow(unused_imports)]
use crate::prelude::*;

use wasm_bindgen::prelude::*;

use super::{key, on_key, with};
use crate::machine::stream::Next;

/// The generator's first `next()`: `scope` is `s.stream`'s scope (or -1),
/// `link` the linked `signal` (or -1). The stream's key, or -2 when the
/// scope finished disposing (JS then links the scope's aborted signal).
#[wasm_bindgen]
pub fn stream_open(scope: f64, link: f64) -> f64 {
    with(|st| {
        st.m.stream_open(key(scope), key(link))
            .map_or(-2.0, |k| k.to_f64())
    })
}

/// Before a step: the serial to report the source's answer with (>= 0),
/// -1 done, -2 aborted (`stream_reason` gives the reason).
#[wasm_bindgen]
pub fn stream_next(s: f64) -> f64 {
    with(|st| match key(s).map(|k| st.m.stream_next(k)) {
        Some(Next::Go(serial)) => f64::from(serial),
        Some(Next::Aborted(_)) => -2.0,
        Some(Next::Done) | None => -1.0,
    })
}

/// The abort reason's key, -1 for none.
#[wasm_bindgen]
pub fn stream_reason(s: f64) -> f64 {
    with(|st| {
        key(s)
            .and_then(|k| st.m.stream_reason(k))
            .map_or(-1.0, |r| r.to_f64())
    })
}

#[wasm_bindgen]
pub fn stream_item(s: f64, serial: u32) -> bool {
    with(|st| key(s).is_some_and(|k| st.m.stream_item(k, serial)))
}

#[wasm_bindgen]
pub fn stream_close(s: f64) {
    on_key(s, |m, k| m.stream_close(k))
}
