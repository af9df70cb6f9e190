//! Exports of the semaphore primitive (see `machine/semaphore.rs`).

#[cfg(all(target_arch = "wasm32", feature = "tiny"))]
#[allow(unused_imports)]
use crate::prelude::*;

use wasm_bindgen::prelude::*;

use super::{key, made, on_key, with};
use crate::machine::semaphore::{drained, ret};

/// `new Semaphore(permits, signal?)` (`link`, or -1). `-1`: refused.
#[wasm_bindgen]
pub fn sem_new(link: f64, permits: f64) -> f64 {
    with(|st| {
        let r = st.m.sem_new(key(link), permits);
        made(st, r, link)
    })
}

/// Are `permits` valid? (A semaphore without a signal makes its record on
/// first use.) `0`: refused (`fail_*` tell why).
#[wasm_bindgen]
pub fn sem_valid(permits: f64) -> u32 {
    with(|st| match crate::machine::semaphore::permits(permits) {
        Ok(_) => 1,
        Err(f) => {
            st.fail = Some(f);
            0
        }
    })
}

#[wasm_bindgen]
pub fn sem_acquire(sem: f64) -> f64 {
    with(|st| key(sem).map_or(ret::NONE, |k| st.m.sem_acquire(k)))
}

#[wasm_bindgen]
pub fn sem_reserve(sem: f64) {
    on_key(sem, |m, k| m.sem_reserve(k))
}

#[wasm_bindgen]
pub fn sem_release(sem: f64) -> f64 {
    with(|st| key(sem).map_or(ret::NONE, |k| st.m.sem_release(k)))
}

#[wasm_bindgen]
pub fn sem_dispose(sem: f64) {
    on_key(sem, |m, k| m.sem_dispose(k))
}

#[wasm_bindgen]
pub fn sem_collected(sem: f64) {
    on_key(sem, |m, k| m.sem_collected(k))
}

#[wasm_bindgen]
pub fn sem_drain(sem: f64) -> f64 {
    with(|st| key(sem).map_or(drained::ENDED, |k| st.m.sem_drain(k)))
}

/// The abort reason's key, `-1` when disposed, `-2` when not aborted.
#[wasm_bindgen]
pub fn sem_reason(sem: f64) -> f64 {
    with(|st| match key(sem).and_then(|k| st.m.sem_reason(k)) {
        Some(Some(r)) => r.to_f64(),
        Some(None) => -1.0,
        None => -2.0,
    })
}

/// `which`: 0 available, 1 waiting, 2 total; `-1` once the semaphore ended.
#[wasm_bindgen]
pub fn sem_count(sem: f64, which: u32) -> f64 {
    with(|st| {
        let Some(k) = key(sem) else { return -1.0 };
        match which {
            0 => st.m.sem_available(k).unwrap_or(-1.0),
            1 => st.m.sem_waiting(k) as f64,
            _ => st.m.sem_total(k).unwrap_or(-1.0),
        }
    })
}
