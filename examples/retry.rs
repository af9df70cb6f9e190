// Seed section "Retry": all four variants plus retry with timeout, as the
// seed writes them. fetchData/fetchUser fail a few times before answering;
// the delays are the seed's own (1 s, then 2 s of backoff), with progress on
// a terminal; only "Retry with Timeout" is shortened (50 ms, not 5 s).
//
// The Rust twin of retry.ts: `retry` is a `RetryOptions` builder (delays
// as `Duration`, `delay_fn` for a computed backoff), `retryCondition` sees
// a `TaskError` (match the function's own error type in it), and an
// attempt that times out has its future dropped before the retry.
#[path = "support/rust.rs"]
mod support;

use std::cell::Cell;
use std::fmt;
use std::rc::Rc;
use std::time::Duration;

use go_go_scope_wasm::{scope, RetryOptions, ScopeOptions, TaskError, TaskOptions};
use support::{elapsed, log, now};
use wasm_bindgen::prelude::*;

#[derive(Debug)]
enum FetchError {
    /// A network error: worth retrying.
    Network(String),
    /// Anything else.
    BadRequest(String),
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FetchError::Network(m) | FetchError::BadRequest(m) => f.write_str(m),
        }
    }
}

thread_local! {
    static ATTEMPTS: Cell<u32> = const { Cell::new(0) };
    static FAILURES_LEFT: Cell<u32> = const { Cell::new(0) };
}

/// The next calls of `fetch_data` fail `n` times with a network error, then answer.
fn fail_times(n: u32) {
    ATTEMPTS.with(|a| a.set(0));
    FAILURES_LEFT.with(|f| f.set(n));
}

async fn fetch_data() -> Result<String, FetchError> {
    let attempts = ATTEMPTS.with(|a| a.get() + 1);
    ATTEMPTS.with(|a| a.set(attempts));
    if FAILURES_LEFT.with(|f| f.replace(f.get().saturating_sub(1))) > 0 {
        return Err(FetchError::Network(format!(
            "connection reset (attempt {attempts})"
        )));
    }
    Ok(format!("data after {attempts} attempts"))
}

#[derive(Debug)]
#[allow(dead_code)] // printed through Debug
struct User {
    id: u32,
    v: String,
}

async fn fetch_user(id: u32) -> Result<User, FetchError> {
    let v = fetch_data().await?;
    Ok(User { id, v })
}

fn show<T: fmt::Debug>(result: &Result<T, TaskError<FetchError>>) {
    match result {
        Ok(value) => log(&format!("  → err: none, value: {value:?}")),
        Err(e) => log(&format!("  → err: {e}")),
    }
}

fn took(t0: f64) {
    log(&format!("  took {:.1} s", (now() - t0) / 1000.0));
}

#[wasm_bindgen(main)]
async fn main() -> Result<(), JsValue> {
    let id = 42;

    log("Basic Retry: fetchUser fails twice, maxRetries 3");
    {
        fail_times(2);
        let s = scope(ScopeOptions::default())?;

        let user = s
            .task(
                move |_ctx| fetch_user(id),
                TaskOptions::default().retry(RetryOptions::new().max_retries(3)),
            )?
            .await;
        show(&user);
        s.dispose().await.map_err(|e| e.to_js())?;
    }

    log("With Delay: fails once, then 1 second before the retry");
    {
        fail_times(1);
        let s = scope(ScopeOptions::default())?;
        let t0 = now();
        let progress = elapsed("waiting out the 1 s delay", Duration::from_secs(1));
        let result = s
            .task(
                |_ctx| fetch_data(),
                TaskOptions::default().retry(
                    RetryOptions::new()
                        .max_retries(5)
                        .delay(Duration::from_secs(1)), // 1 second between retries
                ),
            )?
            .await;
        drop(progress);
        show(&result);
        took(t0);
        s.dispose().await.map_err(|e| e.to_js())?;
    }

    log("Exponential Backoff: fails once, so the first backoff (2 s) applies");
    {
        fail_times(1);
        let s = scope(ScopeOptions::default())?;
        let t0 = now();
        let progress = elapsed("backing off 2 s", Duration::from_secs(2));
        let result = s
            .task(
                |_ctx| fetch_data(),
                TaskOptions::default().retry(
                    RetryOptions::new()
                        .max_retries(5)
                        .delay_fn(|attempt, _err| {
                            Duration::from_millis(1000 * 2u64.pow(attempt))
                                .min(Duration::from_secs(30))
                        }),
                    // Attempt 1: 2000ms
                    // Attempt 2: 4000ms
                    // Attempt 3: 8000ms
                    // ... up to 30000ms
                ),
            )?
            .await;
        drop(progress);
        show(&result);
        took(t0);
        s.dispose().await.map_err(|e| e.to_js())?;
    }

    log("Conditional Retry: network errors are retried…");
    {
        fail_times(2);
        let s = scope(ScopeOptions::default())?;
        let result = s
            .task(
                |_ctx| fetch_data(),
                TaskOptions::default().retry(
                    RetryOptions::new()
                        .max_retries(3)
                        .retry_condition(|error| {
                            // Only retry network errors
                            matches!(error, TaskError::Failed(FetchError::Network(_)))
                        })
                        .on_retry(|error, attempt| {
                            log(&format!("Retry {attempt} after error: {error}"));
                        }),
                ),
            )?
            .await;
        show(&result);
        s.dispose().await.map_err(|e| e.to_js())?;
    }
    log("…and anything else is not");
    {
        let s = scope(ScopeOptions::default())?;
        let calls = Rc::new(Cell::new(0));
        let counted = calls.clone();
        let result = s
            .task(
                move |_ctx| {
                    counted.set(counted.get() + 1);
                    async { Err::<(), _>(FetchError::BadRequest("bad request".into())) }
                },
                TaskOptions::default().retry(RetryOptions::new().max_retries(3).retry_condition(
                    |error| matches!(error, TaskError::Failed(FetchError::Network(_))),
                )),
            )?
            .await;
        if let Err(e) = result {
            log(&format!("  → {e:?} after {} call", calls.get()));
        }
        s.dispose().await.map_err(|e| e.to_js())?;
    }

    log("Retry with Timeout: the first attempt hangs and times out, the retry answers");
    {
        let attempts = Rc::new(Cell::new(0));
        let hang = Rc::new(Cell::new(true));
        let slow_then_fast = move || {
            attempts.set(attempts.get() + 1);
            let (attempt, hang) = (attempts.get(), hang.replace(false));
            async move {
                if hang {
                    futures::future::pending::<()>().await;
                }
                Ok::<_, FetchError>(format!("answered on attempt {attempt}"))
            }
        };
        let s = scope(ScopeOptions::default())?;
        let result = s
            .task(
                move |_ctx| slow_then_fast(),
                TaskOptions::default()
                    .timeout(Duration::from_millis(50)) // Each attempt has 50 ms (the seed: 5 seconds)
                    .retry(
                        RetryOptions::new()
                            .max_retries(3)
                            .delay(Duration::from_millis(10)),
                    ),
            )?
            .await;
        show(&result);
        s.dispose().await.map_err(|e| e.to_js())?;
    }
    Ok(())
}
