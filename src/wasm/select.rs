//! Exports of `select` (see `machine/select.rs`; the answers of `chan_try`
//! and `sel_wait` are the channel's, `machine/channel.rs` `ret`).

#[cfg(all(target_arch = "wasm32", feature = "tiny"))]
#[allow(unused_imports)]
use crate::prelude::*;

use wasm_bindgen::prelude::*;

use super::{failed, key, with};
use crate::machine::channel::ret;
use crate::machine::select::Made;

/// A select on scope `scope`, or (`scope` -1) standalone; `ms`: its timeout (0 or `Infinity`: none). Its
/// key (its `SelDone` may follow at once); `-2`: the scope finished
/// disposing; `-1`: refused (`fail_*` tell why).
#[wasm_bindgen]
pub fn sel_new(scope: f64, ms: f64) -> f64 {
    with(|st| {
        let r = if scope == -1.0 {
            st.m.sel_new(None, ms)
        } else {
            match key(scope) {
                Some(s) => st.m.sel_new(Some(s), ms),
                None => Ok(Made::Gone),
            }
        };
        match r {
            Ok(Made::Gone) => -2.0,
            Ok(Made::Select(k)) => k.to_f64(),
            Err(f) => failed(st, f),
        }
    })
}

/// Tries a case: `send` 1 for a send case, 0 for a receive.
#[wasm_bindgen]
pub fn chan_try(ch: f64, send: u32) -> f64 {
    with(|st| match key(ch) {
        Some(k) => st.m.chan_try(k, send == 1),
        None => ret::NONE,
    })
}

#[wasm_bindgen]
pub fn sel_wait(sel: f64, ch: f64, send: u32) -> f64 {
    with(|st| match (key(sel), key(ch)) {
        (Some(g), Some(k)) => st.m.sel_wait(g, k, send == 1),
        _ => ret::NONE,
    })
}

#[wasm_bindgen]
pub fn sel_forget(sel: f64) -> f64 {
    with(|st| key(sel).map_or(-1.0, |g| st.m.sel_forget(g)))
}
