//! The size comparison's app: a small wasm-bindgen program on
//! wasm-bindgen-futures, web-sys and gloo-timers (spawned futures, timers,
//! a timeout by `select`, results through oneshots, console output). With
//! feature `ggs` it also runs the same kind of work through
//! go-go-scope-wasm: a scope, a task with timeout and retry, a channel, a
//! race. bench/rust.mjs builds both and reports the difference.

use std::time::Duration;

use futures::channel::oneshot;
use futures::future::{select, Either};
use gloo_timers::future::TimeoutFuture;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::spawn_local;

fn log(s: &str) {
    web_sys::console::log_1(&JsValue::from_str(s));
}

/// The app without the crate: a few timed jobs, one with a timeout.
async fn plain(n: u32) -> u32 {
    let mut rxs = Vec::new();
    for i in 0..n {
        let (tx, rx) = oneshot::channel();
        spawn_local(async move {
            TimeoutFuture::new(i).await;
            let _ = tx.send(i * 2);
        });
        rxs.push(rx);
    }
    let mut sum = 0;
    for rx in rxs {
        sum += rx.await.unwrap_or(0);
    }
    let slow = Box::pin(TimeoutFuture::new(50));
    let limit = Box::pin(TimeoutFuture::new(5));
    match select(slow, limit).await {
        Either::Left(_) => log("slow job finished"),
        Either::Right(_) => log("slow job timed out"),
    }
    if let Some(w) = web_sys::window() {
        if let Some(d) = w.document() {
            if let Ok(el) = d.create_element("p") {
                el.set_text_content(Some(&format!("sum {sum}")));
            }
        }
    }
    sum
}

/// The same kind of work through go-go-scope-wasm.
#[cfg(feature = "ggs")]
async fn scoped(n: u32) -> Result<u32, String> {
    use go_go_scope_wasm::{scope, RetryOptions, ScopeOptions, TaskContext, TaskOptions};

    let s = scope(ScopeOptions::default().timeout(Duration::from_secs(5)))
        .map_err(|e| e.to_string())?;
    let flaky = s
        .task(
            move |_ctx| async move {
                TimeoutFuture::new(1).await;
                if n % 2 == 0 {
                    Err(String::from("flaky"))
                } else {
                    Ok(n)
                }
            },
            TaskOptions::default()
                .timeout(Duration::from_millis(100))
                .retry(
                    RetryOptions::new()
                        .max_retries(2)
                        .delay(Duration::from_millis(2)),
                ),
        )
        .map_err(|e| e.to_string())?;
    let first = flaky.await.unwrap_or_else(|e| {
        log(&format!("task failed: {e}"));
        0
    });

    let ch = s.channel::<u32>(4).map_err(|e| e.to_string())?;
    let tx = ch.clone();
    let producer = s
        .spawn(async move {
            for i in 0..n {
                tx.send(i).await.map_err(|e| e.to_string())?;
            }
            tx.close();
            Ok::<(), String>(())
        })
        .map_err(|e| e.to_string())?;
    let mut got = 0;
    while let Some(v) = ch.recv().await {
        got += v;
    }
    let _ = producer.await;

    let racer = |ms: u32| {
        move |_ctx: TaskContext| async move {
            TimeoutFuture::new(ms).await;
            Ok::<u32, String>(ms)
        }
    };
    let fastest = s.race([racer(3), racer(7)]).await.unwrap_or(0);
    s.dispose().await.map_err(|e| e.to_string())?;
    Ok(first + got + fastest)
}

#[wasm_bindgen]
pub async fn run(n: u32) -> u32 {
    let a = plain(n).await;
    #[cfg(feature = "ggs")]
    let a = a + scoped(n).await.unwrap_or_else(|e| {
        log(&e);
        0
    });
    let _ = Duration::ZERO;
    a
}
