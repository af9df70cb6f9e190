//! Exports of the channel primitive (see `machine/channel.rs`). Keys cross
//! as `f64`; the answers of send, receive and drain are documented there
//! (`ret`, `drained`).

#[cfg(all(target_arch = "wasm32", feature = "tiny"))]
#[allow(unused_imports)]
use crate::prelude::*;

use wasm_bindgen::prelude::*;

use super::{key, made, on_key, with};
use crate::machine::channel::{capacity, drained, ret, Backpressure, ON_DISPOSED};
use crate::machine::Fail;

/// `s.channel(capacity, { backpressure })` (`scope`) or `new
/// Channel(capacity, signal?)` (`link`, or -1); `mode` is the
/// [`Backpressure`] number (0: block). `-1`: refused (`fail_*` tell why).
#[wasm_bindgen]
pub fn chan_new(scope: f64, link: f64, cap: f64, mode: f64) -> f64 {
    with(|st| {
        let mode = Backpressure::from_f64(mode);
        let r = if scope == -1.0 {
            st.m.chan_new_with(None, key(link), cap, mode)
        } else {
            match key(scope) {
                Some(s) => st.m.chan_new_with(Some(s), None, cap, mode),
                None => Err(Fail::error(ON_DISPOSED)),
            }
        };
        made(st, r, link)
    })
}

/// Is `cap` a valid capacity? (`new Channel(capacity)` makes its record on
/// first use.) `0`: refused (`fail_*` tell why).
#[wasm_bindgen]
pub fn chan_valid(cap: f64) -> u32 {
    with(|st| match capacity(cap) {
        Ok(_) => 1,
        Err(f) => {
            st.fail = Some(f);
            0
        }
    })
}

#[wasm_bindgen]
pub fn chan_send(ch: f64) -> f64 {
    with(|st| key(ch).map_or(ret::NONE, |k| st.m.chan_send(k)))
}

#[wasm_bindgen]
pub fn chan_recv(ch: f64, iter: bool) -> f64 {
    with(|st| key(ch).map_or(ret::NONE, |k| st.m.chan_recv(k, iter)))
}

#[wasm_bindgen]
pub fn chan_reserve(ch: f64) {
    on_key(ch, |m, k| m.chan_reserve(k))
}

#[wasm_bindgen]
pub fn chan_woken() -> f64 {
    with(|st| st.m.chan_woken())
}

#[wasm_bindgen]
pub fn chan_close(ch: f64) {
    on_key(ch, |m, k| m.chan_close(k))
}

#[wasm_bindgen]
pub fn chan_dispose(ch: f64) {
    on_key(ch, |m, k| m.chan_dispose(k))
}

#[wasm_bindgen]
pub fn chan_collected(ch: f64) {
    on_key(ch, |m, k| m.chan_collected(k))
}

#[wasm_bindgen]
pub fn chan_drain(ch: f64) -> f64 {
    with(|st| key(ch).map_or(drained::ENDED, |k| st.m.chan_drain(k)))
}

#[wasm_bindgen]
pub fn chan_is_closed(ch: f64) -> bool {
    with(|st| key(ch).is_none_or(|k| st.m.chan_is_closed(k)))
}

#[wasm_bindgen]
pub fn chan_size(ch: f64) -> f64 {
    with(|st| key(ch).map_or(0.0, |k| st.m.chan_size(k) as f64))
}

/// The abort reason's key, `-1` when disposed, `-2` when not aborted.
#[wasm_bindgen]
pub fn chan_reason(ch: f64) -> f64 {
    with(|st| match key(ch).and_then(|k| st.m.chan_reason(k)) {
        Some(Some(r)) => r.to_f64(),
        Some(None) => -1.0,
        None => -2.0,
    })
}
