// Beyond 1.0: rate limiting with a token bucket, debounce and throttle
//
// The Rust twin of rate-limiting.ts: `Scope::token_bucket`, `acquire`
// futures granted in arrival order, `try_acquire`, `acquire_timeout`, and
// the scope's end failing a waiter with its reason; `Scope::debounce` and
// `Scope::throttle`, whose calls give `Ok(Some(output))`, `Ok(None)` (will
// not run) or `Err(reason)` (the scope ended).
#[path = "support/rust.rs"]
mod support;

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use futures::future::join_all;
use go_go_scope_wasm::{
    scope, DebounceOptions, ScopeOptions, ThrottleOptions, TokenBucket, TokenBucketOptions,
};
use support::{log, now};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(main)]
async fn main() -> Result<(), JsValue> {
    {
        let s = scope(ScopeOptions::default())?;
        // Bursts of 3, then one more token every 100 ms.
        let bucket = s.token_bucket(TokenBucketOptions::new(3.0, 10.0))?;
        let order = Rc::new(RefCell::new(Vec::<&str>::new()));
        let t0 = now();
        let mut waits = Vec::new();
        for id in ["a", "b", "c", "d", "e"] {
            let acquire = bucket.acquire(1.0)?;
            let order = order.clone();
            waits.push(async move {
                if acquire.await.is_ok() {
                    order.borrow_mut().push(id);
                }
            });
        }
        join_all(waits).await;
        let waited = now() - t0;
        let empty = bucket.try_acquire(1.0)?; // the last token just went to e
        log(&format!(
            "granted in arrival order: {} | the last two waited: {}",
            order.borrow().join(" "),
            waited >= 190.0
        ));
        log(&format!("tryAcquire on an empty bucket: {empty}"));
        s.dispose().await?;
    }

    {
        let bucket = TokenBucket::new(TokenBucketOptions::new(10.0, 1.0).initial_tokens(0.0))?;
        let message = match bucket
            .acquire_timeout(5.0, Duration::from_millis(20))?
            .await
        {
            Ok(()) => "granted".to_string(),
            Err(reason) => reason.to_string(),
        };
        log(&format!("acquire(5, {{ timeout: 20 }}): {message}"));
        bucket.dispose();
    }

    {
        let s = scope(ScopeOptions::default())?;
        let bucket = s.token_bucket(TokenBucketOptions::new(1.0, 0.0).initial_tokens(0.0))?;
        let waiting = bucket.acquire(1.0)?;
        s.dispose().await?;
        let message = match waiting.await {
            Ok(()) => "granted".to_string(),
            Err(reason) => reason.to_string(),
        };
        log(&format!("the scope's end releases the waiter: {message}"));
    }

    {
        let s = scope(ScopeOptions::default())?;
        let runs = Rc::new(RefCell::new(Vec::<&str>::new()));
        let r = runs.clone();
        let search = s.debounce(
            move |q: &'static str| {
                r.borrow_mut().push(q);
                async move { q.len() }
            },
            DebounceOptions::default().wait(Duration::from_millis(20)),
        )?;
        let results = join_all(["h", "he", "hello"].map(|q| search.call(q))).await;
        let got: Vec<String> = results
            .iter()
            .map(|r| match r {
                Ok(Some(n)) => n.to_string(),
                _ => "-".to_string(),
            })
            .collect();
        log(&format!(
            "debounce: one run with {} | every call got {}",
            runs.borrow().join(" "),
            got.join(" ")
        ));
        let report = s.throttle(
            |pos: u32| async move { pos * 10 },
            ThrottleOptions::default().interval(Duration::from_millis(50)),
        )?;
        let (first, second) = futures::future::join(report.call(1), report.call(2)).await;
        log(&format!(
            "throttle: the first call ran: {} | the second will not run: {}",
            first.ok().flatten().unwrap_or(0),
            second == Ok(None)
        ));
        s.dispose().await?;
    }

    {
        let s = scope(ScopeOptions::default())?;
        let save = s.debounce(
            |n: u32| async move { n },
            DebounceOptions::default().wait(Duration::from_secs(1)),
        )?;
        let waiting = save.call(1);
        s.dispose().await?;
        let message = match waiting.await {
            Ok(_) => "ran".to_string(),
            Err(reason) => reason.to_string(),
        };
        log(&format!(
            "the scope's end settles a waiting call: {message}"
        ));
    }
    Ok(())
}
