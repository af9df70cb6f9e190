// Retry strategies (beyond 1.0, from go-go-scope 2.x): exponentialBackoff, jitter, linear and decorrelatedJitter as retry.delay
//
// The Rust twin of retry-strategies.ts: a `Backoff` (exponential, jitter,
// linear, decorrelated_jitter) computes the same delays as the npm
// package's functions (the same seed prints the same numbers), and
// `RetryOptions::backoff` uses it as the retry delay.
#[path = "support/rust.rs"]
mod support;

use std::time::Duration;

use go_go_scope_wasm::{Backoff, ExponentialOptions, RetryOptions, ScopeOptions, TaskOptions};
use support::{log, now};
use wasm_bindgen::prelude::*;

const MS: fn(u64) -> Duration = Duration::from_millis;

fn show(label: &str, b: &Backoff) {
    let delays: Vec<String> = (1..=6)
        .map(|a| b.delay(a).as_millis().to_string())
        .collect();
    log(&format!("  {label}: {}", delays.join(", ")));
}

#[wasm_bindgen(main)]
async fn main() -> Result<(), JsValue> {
    let exp = ExponentialOptions::default;
    log("The delays before retries 1 to 6");
    show(
        "exponential (100 ms, x2, max 30 s)",
        &Backoff::exponential(exp())?,
    );
    show(
        "exponential, 30% jitter, max 1 s, seed 42",
        &Backoff::exponential(exp().max(MS(1000)).jitter(0.3))?.seed(42),
    );
    show(
        "exponential, full jitter, max 1 s, seed 42",
        &Backoff::exponential(exp().max(MS(1000)).full_jitter(true))?.seed(42),
    );
    show(
        "jitter 1000 ms +-20%, seed 42",
        &Backoff::jitter(MS(1000), 0.2)?.seed(42),
    );
    show("linear 100 ms + 50 ms", &Backoff::linear(MS(100), MS(50)));
    show(
        "decorrelated jitter 100 ms to 5 s, seed 42",
        &Backoff::decorrelated_jitter(MS(100), MS(5000)).seed(42),
    );

    log("As retry.delay: a call that fails 3 times, retried with backoff from 10 ms");
    {
        let s = go_go_scope_wasm::scope(ScopeOptions::default())?;
        let calls = std::rc::Rc::new(std::cell::Cell::new(0));
        let c = calls.clone();
        let t0 = now();
        let backoff = Backoff::exponential(exp().initial(MS(10)).max(MS(100)))?;
        let result = s
            .task(
                move |_ctx| {
                    c.set(c.get() + 1);
                    let n = c.get();
                    async move {
                        if n < 4 {
                            Err(format!("flaky {n}"))
                        } else {
                            Ok(format!("ok after {n} calls"))
                        }
                    }
                },
                TaskOptions::default().retry(RetryOptions::new().max_retries(5).backoff(backoff)),
            )?
            .await;
        match result {
            Ok(value) => log(&format!("  → err: none, value: {value}")),
            Err(e) => log(&format!("  → err: {e}")),
        }
        log(&format!("  waited 10 + 20 + 40 ms: {}", now() - t0 >= 70.0));
        s.dispose().await.map_err(|e| e.to_js())?;
    }

    log("Bad options are refused when the strategy is made");
    if let Err(e) = Backoff::exponential(exp().jitter(1.5)) {
        log(&format!("  {e:?}"));
    }
    Ok(())
}
