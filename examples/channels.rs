// Seed section "Channels": basic usage, multiple producers with a batching
// consumer, and channel properties — as the seed writes them.
//
// The Rust twin of channels.ts: `for await (const v of ch)` is
// `while let Some(v) = ch.recv().await`, the servers' async generators are
// futures `Stream`s, and leaving a scope is `dispose().await`.
#[path = "support/rust.rs"]
mod support;

use std::cell::RefCell;
use std::time::Duration;

use futures::{Stream, StreamExt};
use go_go_scope_wasm::{scope, ScopeOptions, SendError};
use support::{log, sleep, Counter};
use wasm_bindgen::prelude::*;

thread_local! {
    static PROCESSED: Counter = const { Counter::new("processed logs:") };
    static SEEN: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

fn logs() -> Vec<String> {
    (0..12).map(|i| format!("GET /item/{i} 200")).collect()
}

async fn process_log(log: String) {
    sleep(Duration::from_millis(2)).await;
    PROCESSED.with(Counter::tick);
    SEEN.with(|seen| seen.borrow_mut().push(log));
}

struct Server {
    n: u32,
}

impl Server {
    /// 70 metrics, a short wait before every tenth.
    fn metrics(&self) -> impl Stream<Item = u32> {
        let n = self.n;
        futures::stream::iter(0..70).then(move |i| async move {
            if i % 10 == 0 {
                sleep(Duration::from_millis(1)).await;
            }
            n * 100 + i
        })
    }
}

fn servers() -> Vec<Server> {
    (0..3).map(|n| Server { n }).collect()
}

async fn send_to_analytics(batch: &[u32]) {
    sleep(Duration::from_millis(5)).await;
    if let (Some(first), Some(last)) = (batch.first(), batch.last()) {
        log(&format!(
            "  sent a batch of {} metrics (first {first}, last {last})",
            batch.len()
        ));
    }
}

#[wasm_bindgen(main)]
async fn main() -> Result<(), JsValue> {
    let logs = logs();
    let servers = servers();

    log("Basic Usage: one producer, one consumer, buffer of 100");
    {
        let s = scope(ScopeOptions::default())?;
        let ch = s.channel::<String>(100)?; // Buffer capacity of 100

        // Producer
        let tx = ch.clone();
        let _producer = s.spawn(async move {
            for log in logs {
                tx.send(log).await?; // Waits while the buffer is full
            }
            tx.close();
            Ok::<_, SendError<String>>(())
        })?;

        // Consumer: `recv()` until the channel is closed and drained (a
        // Channel is also a `Stream`, for `StreamExt`'s combinators)
        while let Some(log) = ch.recv().await {
            process_log(log).await;
        }
        s.dispose().await.map_err(|e| e.to_js())?;
    }
    let processed = PROCESSED.with(Counter::done);
    SEEN.with(|seen| {
        let seen = seen.borrow();
        log(&format!(
            "  processed {processed} logs in order: {} … {}; the loop ended when the producer closed the channel",
            seen.first().map_or("", String::as_str),
            seen.last().map_or("", String::as_str),
        ));
    });

    log("Multiple Producers, Single Consumer (the producers never close the channel: a 300 ms scope timeout ends the loop)");
    {
        let s = scope(ScopeOptions::default().timeout(Duration::from_millis(300)))?;
        let ch = s.channel::<u32>(10)?;

        // Multiple producers
        for server in &servers {
            let mut metrics = Box::pin(server.metrics());
            let tx = ch.clone();
            let _producer = s.spawn(async move {
                while let Some(metric) = metrics.next().await {
                    tx.send(metric).await?;
                }
                Ok::<_, SendError<u32>>(())
            })?;
        }

        // Single consumer with batching
        let mut batch = Vec::new();
        while let Some(metric) = ch.recv().await {
            batch.push(metric);
            if batch.len() >= 100 {
                send_to_analytics(&batch).await;
                batch.clear();
            }
        }
        log(&format!(
            "  loop ended after the timeout; {} metrics left in the last partial batch",
            batch.len()
        ));
        s.dispose().await.map_err(|e| e.to_js())?;
    }

    log("Channel Properties: cap, len, is_closed (the seed's four console.logs)");
    {
        let s = scope(ScopeOptions::default())?;
        let ch = s.channel::<String>(10)?;

        log(&ch.cap().to_string()); // 10 (capacity)
        log(&ch.len().to_string()); // 0 (current size)
        log(&ch.is_closed().to_string()); // false

        ch.close();
        log(&ch.is_closed().to_string()); // true
        s.dispose().await.map_err(|e| e.to_js())?;
    }
    Ok(())
}
