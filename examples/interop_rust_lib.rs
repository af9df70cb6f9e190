// The Rust library of the interop example examples/interop-js-calls-rust.ts: a Rust function, built with this crate, that JavaScript calls as a go-go-scope task.
//
// `crunch(signal, batches)` runs its batches as tasks of a Rust scope linked
// to the JavaScript task's AbortSignal, two at a time: when the JavaScript
// scope ends (its timeout, its disposal), the Rust scope aborts with the
// same reason, its tasks' futures are dropped, and the promise rejects with
// that reason, the very object JavaScript aborted with.
// (Built as a cdylib: `[[example]] crate-type` in Cargo.toml.)
#[path = "support/rust.rs"]
mod support;

use std::time::Duration;

use go_go_scope_wasm::{run, ParallelOptions, Runtime, ScopeOptions, TaskContext};
use support::{log, sleep};
use wasm_bindgen::prelude::*;

/// Sums `batches` batches of work, 20 ms each, two at a time.
#[wasm_bindgen]
pub fn crunch(signal: web_sys::AbortSignal, batches: u32) -> js_sys::Promise {
    let options = ScopeOptions::default().signal(signal).concurrency(2);
    run(options, move |s| async move {
        let work = (0..batches).map(|b| {
            move |_ctx: TaskContext| async move {
                sleep(Duration::from_millis(20)).await;
                Ok::<_, JsValue>(u64::from(b) * 10)
            }
        });
        let parts = s
            .parallel(work, ParallelOptions::default())
            .await
            .map_err(|e| e.into_js())?;
        let mut total = 0u64;
        for part in parts {
            total += part.map_err(|e| e.into_js())?;
        }
        log(&format!(
            "  [rust] {batches} batches done, {} at a time",
            s.concurrency().unwrap_or(0)
        ));
        Ok::<_, JsValue>(JsValue::from(total as f64))
    })
}

/// Scopes alive in this wasm instance's runtime (0 once every run ended).
#[wasm_bindgen(js_name = liveScopes)]
pub fn live_scopes() -> usize {
    Runtime::current().live().scopes
}
