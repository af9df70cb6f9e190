// Seed section "Circuit Breaker": basic usage and the fallback pattern, as
// the seed writes them, plus a run that trips the breaker.
//
// The Rust twin of circuit-breaker.ts: the breaker's options are a struct
// (`CircuitBreakerOptions`, durations as `Duration`), a task's outcome is a
// `Result` (printed with `{:?}`), and an open circuit is
// `TaskError::CircuitOpen`.
#[path = "support/rust.rs"]
mod support;

use std::cell::Cell;
use std::time::Duration;

use go_go_scope_wasm::{scope, CircuitBreakerOptions, ScopeOptions, TaskError, TaskOptions};
use support::{log, sleep};
use wasm_bindgen::prelude::*;

thread_local! {
    static PRIMARY_CALLS: Cell<u32> = const { Cell::new(0) };
}

#[derive(Debug)]
#[allow(dead_code)] // printed through Debug
struct Data {
    status: &'static str,
    at: String,
}

async fn fetch_critical_data() -> Result<Data, String> {
    sleep(Duration::from_millis(5)).await;
    Ok(Data {
        status: "ok",
        at: js_sys::Date::new_0().to_iso_string().into(),
    })
}

async fn fetch_from_primary() -> Result<String, String> {
    PRIMARY_CALLS.with(|n| n.set(n.get() + 1));
    sleep(Duration::from_millis(5)).await;
    Err("primary unavailable".into())
}

async fn fetch_from_fallback() -> Result<String, String> {
    sleep(Duration::from_millis(5)).await;
    Ok("cached copy from fallback".into())
}

async fn with_fallback() -> Result<String, JsValue> {
    let s = scope(
        ScopeOptions::default().circuit_breaker(CircuitBreakerOptions {
            failure_threshold: 3,
            reset_timeout: Duration::from_secs(10),
        }),
    )?;

    let primary = s.task(|_ctx| fetch_from_primary(), TaskOptions::default())?;
    let fallback = s.task(|_ctx| fetch_from_fallback(), TaskOptions::default())?;

    // Try primary first
    let result = match primary.await {
        Ok(result) => Ok(result),
        // Circuit might be open, try fallback
        Err(_) => fallback.await.map_err(TaskError::into_js),
    };
    s.dispose().await.map_err(|e| e.to_js())?;
    result
}

#[wasm_bindgen(main)]
async fn main() -> Result<(), JsValue> {
    log("Basic Usage");
    {
        let s = scope(
            ScopeOptions::default().circuit_breaker(CircuitBreakerOptions {
                failure_threshold: 5,                   // Open after 5 failures
                reset_timeout: Duration::from_secs(30), // Try again after 30 seconds
            }),
        )?;

        // All tasks automatically use the circuit breaker
        let result = s
            .task(|_ctx| fetch_critical_data(), TaskOptions::default())?
            .await;
        log(&format!("  result: {result:?}"));
        s.dispose().await.map_err(|e| e.to_js())?;
    }

    log("With Fallback");
    log(&format!("  got: {}", with_fallback().await?));

    log("Tripping the breaker");
    {
        let s = scope(
            ScopeOptions::default().circuit_breaker(
                CircuitBreakerOptions::default()
                    .failure_threshold(3)
                    .reset_timeout(Duration::from_millis(50)),
            ),
        )?;
        for i in 1..=5 {
            let result = s
                .task(|_ctx| fetch_from_primary(), TaskOptions::default())?
                .await;
            if let Err(e) = result {
                log(&format!("  call {i}: {e}"));
            }
        }
        log(&format!(
            "  primary was called {} times for 5 requests (the rest failed fast)",
            PRIMARY_CALLS.with(Cell::get) - 1
        ));
        sleep(Duration::from_millis(60)).await;
        match s
            .task(|_ctx| fetch_critical_data(), TaskOptions::default())?
            .await
        {
            Ok(value) => log(&format!(
                "  after resetTimeout, one trial call goes through: ok {}",
                value.status
            )),
            Err(e) => log(&format!("  after resetTimeout, the trial call failed: {e}")),
        }
        s.dispose().await.map_err(|e| e.to_js())?;
    }
    Ok(())
}
