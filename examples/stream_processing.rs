// Seed section "Stream Processing": every example, as the seed writes them.
// `readableStream` is a web ReadableStream producing a chunk every 10 ms; the
// "With Timeout" scope gets 300 ms instead of 30 s so the example ends soon.
//
// The Rust twin of stream-processing.ts: the source is a futures `Stream`
// (`stream::unfold` over a timer) instead of a web ReadableStream, and
// `s.stream(source)` yields `Ok(chunk)` until the scope aborts, then one
// `Err(reason)` (the Rust form of the loop throwing). Cancelling the source
// is dropping it: its state logs "source cancelled" from `Drop`.
#[path = "support/rust.rs"]
mod support;

use std::cell::RefCell;
use std::time::Duration;

use futures::{Stream, StreamExt};
use go_go_scope_wasm::{scope, Reason, ScopeOptions};
use support::{log, sleep, Counter};
use wasm_bindgen::prelude::*;

thread_local! {
    static PROCESSED: Counter = const { Counter::new("processed chunks:") };
    static LAST: RefCell<String> = const { RefCell::new(String::new()) };
}

/// The source's state: dropped before its end, it was cancelled.
struct Source {
    sent: usize,
    total: usize,
}

impl Drop for Source {
    fn drop(&mut self) {
        if self.sent < self.total {
            log(&format!("  source cancelled after {} chunks", self.sent));
        }
    }
}

/// `total` chunks, one every 10 ms.
fn chunks(total: usize) -> impl Stream<Item = String> {
    futures::stream::unfold(Source { sent: 0, total }, |mut source| async move {
        sleep(Duration::from_millis(10)).await;
        if source.sent == source.total {
            return None;
        }
        source.sent += 1;
        Some((format!("chunk-{}", source.sent), source))
    })
}

async fn process_chunk(chunk: String) {
    sleep(Duration::from_millis(5)).await;
    PROCESSED.with(Counter::tick);
    LAST.with(|last| *last.borrow_mut() = chunk);
}

fn summary() {
    log(&format!(
        "  processed {} chunks, the last {}",
        PROCESSED.with(Counter::done),
        LAST.with(|last| last.borrow().clone())
    ));
}

fn found_what_we_need(chunk: &str) -> bool {
    LAST.with(|last| *last.borrow_mut() = chunk.to_owned());
    chunk == "chunk-3"
}

#[wasm_bindgen(main)]
async fn main() -> Result<(), JsValue> {
    log("Basic Streaming: a Stream of 5 chunks");
    let readable_stream = chunks(5);
    {
        let s = scope(ScopeOptions::default())?;

        let mut chunks = s.stream(readable_stream);
        while let Some(Ok(chunk)) = chunks.next().await {
            process_chunk(chunk).await;
            // Automatically stops when scope is cancelled
        }
        s.dispose().await.map_err(|e| e.to_js())?;
    }
    summary();

    log("With Timeout: an endless stream, stopped by the scope's timeout (300 ms here)");
    let readable_stream = chunks(1000);
    {
        // The seed's 30 s, shortened to 300 ms
        let s = scope(ScopeOptions::default().timeout(Duration::from_secs(30) / 100))?;

        let processed: Result<(), Reason> = async {
            let mut chunks = s.stream(readable_stream);
            while let Some(chunk) = chunks.next().await {
                process_chunk(chunk?).await;
            }
            Ok(())
        }
        .await;
        // Stream stops after 30 seconds
        if let Err(reason) = processed {
            summary();
            log(&format!("  stream stopped: {reason}"));
        }
        s.dispose().await.map_err(|e| e.to_js())?;
    }
    sleep(Duration::from_millis(30)).await;

    log("Early Break: stop at chunk-3; the source is cancelled");
    let readable_stream = chunks(10);
    {
        let s = scope(ScopeOptions::default())?;

        let mut chunks = s.stream(readable_stream);
        while let Some(Ok(chunk)) = chunks.next().await {
            if found_what_we_need(&chunk) {
                break; // The source is dropped with `chunks`
            }
        }
        drop(chunks);
        log(&format!(
            "  left the loop at {}",
            LAST.with(|last| last.borrow().clone())
        ));
        s.dispose().await.map_err(|e| e.to_js())?;
    }
    Ok(())
}
