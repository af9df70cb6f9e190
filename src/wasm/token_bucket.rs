//! Exports of the token bucket (see `machine/token_bucket.rs`).

#[cfg(all(target_arch = "wasm32", feature = "tiny"))]
#[allow(unused_imports)]
use crate::prelude::*;

use wasm_bindgen::prelude::*;

use super::{failed, key, made, on_key, with};
use crate::machine::slab::Key;
use crate::machine::token_bucket::{spec, Acquired};

/// `new TokenBucket(options)` (`scope` -1) or `s.tokenBucket(options)`,
/// at clock `now`: the bucket's key (its `BucketEnd` may follow at once,
/// a cancelled scope's); `-1`: refused (`fail_*` tell why). `scope` -2
/// only checks the options (a bucket without a scope makes its record on
/// first use): `0` valid.
#[wasm_bindgen]
pub fn tb_new(
    scope: f64,
    capacity: f64,
    rate: f64,
    initial: f64,
    has_initial: bool,
    now: f64,
) -> f64 {
    with(|st| {
        let initial = has_initial.then_some(initial);
        let r = if scope == -2.0 {
            spec(capacity, rate, initial).map(|_| Key::default())
        } else {
            st.m.tb_new(key(scope), capacity, rate, initial, now)
        };
        made(st, r, -1.0)
    })
}

/// `tryAcquire(tokens)`: `1` taken, `0` not (or the bucket ended), `-1`
/// refused.
#[wasm_bindgen]
pub fn tb_try(b: f64, tokens: f64, now: f64) -> f64 {
    with(|st| {
        let Some(k) = key(b) else { return 0.0 };
        match st.m.tb_try(k, tokens, now) {
            Ok(ok) => f64::from(u8::from(ok)),
            Err(f) => failed(st, f),
        }
    })
}

/// `acquire(tokens, { signal, timeout })` (`link`: the signal's, or -1):
/// the waiter's key (its `BucketDone` may follow at once), `-2` granted
/// now, `-3` the bucket ended (reject with its reason), `-1` refused.
#[wasm_bindgen]
pub fn tb_acquire(b: f64, tokens: f64, timeout: f64, link: f64, now: f64) -> f64 {
    with(|st| {
        let Some(k) = key(b) else { return -3.0 };
        match st.m.tb_acquire(k, tokens, timeout, key(link), now) {
            Ok(Acquired::Granted) => -2.0,
            Ok(Acquired::Waiting(w)) => w.to_f64(),
            Ok(Acquired::Gone) => -3.0,
            Err(f) => failed(st, f),
        }
    })
}

#[wasm_bindgen]
pub fn tb_reset(b: f64, now: f64) {
    on_key(b, |m, k| m.tb_reset(k, now))
}

/// Disposed, or its JS object collected.
#[wasm_bindgen]
pub fn tb_dispose(b: f64) {
    on_key(b, |m, k| m.tb_dispose(k))
}

/// Tokens at `now` (`-1` once the bucket ended), or with `waiting` the
/// acquires waiting (`0` once ended).
#[wasm_bindgen]
pub fn tb_tokens(b: f64, now: f64, waiting: bool) -> f64 {
    with(|st| {
        let Some(k) = key(b) else { return -1.0 };
        if waiting {
            st.m.tb_waiting(k) as f64
        } else {
            st.m.tb_tokens(k, now).unwrap_or(-1.0)
        }
    })
}
