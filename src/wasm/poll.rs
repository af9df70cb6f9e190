//! Exports of the poll primitive (see `machine/poll.rs`). Times are the
//! executor's `performance.now()` (1.0's clock for `status()`).

#[cfg(all(target_arch = "wasm32", feature = "tiny"))]
#[allow(unused_imports)]
use crate::prelude::*;

use wasm_bindgen::prelude::*;

use super::{failed, key, on_key, with};
use crate::machine::poll::PollRefused;

/// `poll(...)` / `s.poll(...)`: `scope` is `s.poll`'s scope (or -1), `link`
/// the linked `options.signal` (or -1); `flags`: 1 interval given,
/// 2 immediate. The poll's key; -1 failed (`fail_*` tell why); -2 the
/// signal or scope is aborted already: throw its reason.
#[wasm_bindgen]
pub fn poll_new(scope: f64, link: f64, flags: u32, interval: f64, now: f64) -> f64 {
    let interval = (flags & 1 != 0).then_some(interval);
    with(|st| {
        match st
            .m
            .poll_new(key(scope), key(link), interval, flags & 2 != 0, now)
        {
            Ok(k) => k.to_f64(),
            Err(PollRefused::Fail(f)) => failed(st, f),
            Err(PollRefused::Aborted) => -2.0,
        }
    })
}

#[wasm_bindgen]
pub fn poll_start(p: f64, now: f64) {
    on_key(p, |m, k| m.poll_start(k, now))
}

#[wasm_bindgen]
pub fn poll_stop(p: f64) {
    on_key(p, |m, k| m.poll_stop(k))
}

/// One field of `status()` at `now`: 0 `running` (1/0), 1 `pollCount`,
/// 2 `timeUntilNext`, 3 `lastPollTime`, 4 `nextPollTime` (-1: none). -1 for
/// every field of a poll that is gone.
#[wasm_bindgen]
pub fn poll_status(p: f64, now: f64, field: u32) -> f64 {
    with(|st| {
        let Some(s) = key(p).and_then(|k| st.m.poll_status(k, now)) else {
            return -1.0;
        };
        match field {
            0 => f64::from(u8::from(s.running)),
            1 => s.poll_count as f64,
            2 => s.time_until_next,
            3 => s.last_poll_time.unwrap_or(-1.0),
            _ => s.next_poll_time.unwrap_or(-1.0),
        }
    })
}

#[wasm_bindgen]
pub fn poll_begin(p: f64, serial: u32, now: f64) -> bool {
    with(|st| key(p).is_some_and(|k| st.m.poll_begin(k, serial, now)))
}

#[wasm_bindgen]
pub fn poll_settled(p: f64, serial: u32, ok: bool, now: f64) -> bool {
    with(|st| key(p).is_some_and(|k| st.m.poll_settled(k, serial, ok, now)))
}

#[wasm_bindgen]
pub fn poll_done(p: f64, serial: u32, ok: bool, now: f64) {
    on_key(p, |m, k| m.poll_done(k, serial, ok, now))
}

#[wasm_bindgen]
pub fn poll_free(p: f64) {
    on_key(p, |m, k| m.poll_free(k))
}
