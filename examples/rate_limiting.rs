// Beyond 1.0: rate limiting with a token bucket
//
// The Rust twin of rate-limiting.ts: `Scope::token_bucket`, `acquire`
// futures granted in arrival order, `try_acquire`, `acquire_timeout`, and
// the scope's end failing a waiter with its reason.
#[path = "support/rust.rs"]
mod support;

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use futures::future::join_all;
use go_go_scope_wasm::{scope, ScopeOptions, TokenBucket, TokenBucketOptions};
use support::{log, now};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(main)]
async fn main() -> Result<(), JsValue> {
    {
        let s = scope(ScopeOptions::default())?;
        // Bursts of 3, then one more token every 10 ms.
        let bucket = s.token_bucket(TokenBucketOptions::new(3.0, 100.0))?;
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
        log(&format!(
            "granted in arrival order: {} | the last two waited: {}",
            order.borrow().join(" "),
            now() - t0 >= 15.0
        ));
        log(&format!(
            "tryAcquire on an empty bucket: {}",
            bucket.try_acquire(1.0)?
        ));
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
    Ok(())
}
