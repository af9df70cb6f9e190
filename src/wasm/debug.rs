//! Exports of `s.debugTree()` (see `machine/debug.rs`).

#[cfg(all(target_arch = "wasm32", feature = "tiny"))]
#[allow(unused_imports)]
use crate::prelude::*;

use wasm_bindgen::prelude::*;

use super::{key, with};
use crate::machine::debug::WORDS;

/// Makes the rows of the tree under scope `s`; their number (0: it ended).
#[wasm_bindgen]
pub fn debug_tree(s: f64) -> u32 {
    with(|st| {
        let Some(k) = key(s) else {
            st.rows.clear();
            return 0;
        };
        st.m.debug_tree(k, &mut st.rows) as u32
    })
}

/// Row `i` of the last `debug_tree`: `which` 0: `task | last << 1 |
/// state << 2 | depth << 5`; 1: the key; 2: the parent row (-1: none).
#[wasm_bindgen]
pub fn debug_row(i: u32, which: u32) -> f64 {
    with(|st| {
        let at = (i as usize)
            .saturating_mul(WORDS)
            .saturating_add(which.min(2) as usize);
        st.rows.get(at).copied().unwrap_or(-1.0)
    })
}
