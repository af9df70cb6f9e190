//! Exports of the telemetry primitive (see `machine/telemetry.rs`).

#[cfg(all(target_arch = "wasm32", feature = "tiny"))]
#[allow(unused_imports)]
use crate::prelude::*;

use wasm_bindgen::prelude::*;

use super::on_key;

/// Scope `s` has a tracer or enabled debug namespaces (`bits`: see
/// `machine::telemetry::flag`).
#[wasm_bindgen]
pub fn tel_scope(s: f64, bits: u32) {
    on_key(s, |m, k| m.tel_scope(k, bits))
}
