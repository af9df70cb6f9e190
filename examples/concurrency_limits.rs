// Seed section "Concurrency Limits": basic usage and the three use cases,
// as the seed writes them. `fetch` and friends are stubs that take a few ms
// and report how many run at once.
//
// The Rust twin of concurrency-limits.ts. `parallel` takes an iterator of
// factories (`FnOnce(TaskContext) -> Future`) and gives each one's
// `Result` in input order (printed with `{:?}`). A task's future is dropped
// when its scope is disposed, so leaving use case 3 without awaiting the
// tasks stops the running ones too, not only the queued ones.
#[path = "support/rust.rs"]
mod support;

use std::cell::Cell;
use std::convert::Infallible;
use std::time::Duration;

use go_go_scope_wasm::{scope, ParallelOptions, ScopeOptions, TaskContext};
use support::{log, sleep};
use wasm_bindgen::prelude::*;

thread_local! {
    static RUNNING: Cell<u32> = const { Cell::new(0) };
    static PEAK: Cell<u32> = const { Cell::new(0) };
    static PROCESSED_FILES: Cell<u32> = const { Cell::new(0) };
}

/// Counts itself as running while it lives (a dropped future stops running).
struct Running;

impl Running {
    fn start() -> Running {
        let n = RUNNING.with(|r| r.get() + 1);
        RUNNING.with(|r| r.set(n));
        PEAK.with(|p| p.set(p.get().max(n)));
        Running
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        RUNNING.with(|r| r.set(r.get() - 1));
    }
}

async fn work<T>(value: T) -> T {
    let _running = Running::start();
    sleep(Duration::from_millis(5)).await;
    value
}

fn report(label: &str) {
    let peak = PEAK.with(|p| p.replace(0));
    log(&format!("  {label}: at most {peak} at once"));
}

#[derive(Debug)]
#[allow(dead_code)] // printed through Debug
struct Response {
    url: String,
    status: u16,
}

async fn fetch(url: String) -> Result<Response, Infallible> {
    Ok(work(Response { url, status: 200 }).await)
}

async fn call_api(endpoint: String) -> Result<String, Infallible> {
    Ok(work(format!("response of {endpoint}")).await)
}

struct ConnectionPool {
    #[allow(dead_code)] // a real pool would open this many connections
    size: usize,
}

impl ConnectionPool {
    async fn query(&self, q: &str) -> String {
        work(format!("rows of {q}")).await
    }
}

fn create_connection_pool(size: usize) -> ConnectionPool {
    ConnectionPool { size }
}

async fn process_file(file: String) -> Result<(), Infallible> {
    work(file).await;
    PROCESSED_FILES.with(|n| n.set(n.get() + 1));
    Ok(())
}

#[wasm_bindgen(main)]
async fn main() -> Result<(), JsValue> {
    let urls: Vec<String> = (0..20)
        .map(|i| format!("http://127.0.0.1:8080/items/{i}"))
        .collect();
    let api_endpoints: Vec<String> = (0..30).map(|i| format!("/api/v1/resource/{i}")).collect();
    let queries = [
        "SELECT 1", "SELECT 2", "SELECT 3", "SELECT 4", "SELECT 5", "SELECT 6",
    ];
    let files: Vec<String> = (0..15).map(|i| format!("upload-{i}.csv")).collect();

    log("Basic Usage");
    {
        // All tasks in this scope are limited to 5 concurrent
        let s = scope(ScopeOptions::default().concurrency(5))?;

        s.parallel(
            urls.iter().cloned().map(|url| move |_ctx| fetch(url)),
            ParallelOptions::default(),
        )
        .await
        .map_err(|e| e.to_string())?;
        report(&format!("{} fetches", urls.len()));
        s.dispose().await.map_err(|e| e.to_js())?;
    }

    log("1. Rate limiting API calls");
    {
        let s = scope(ScopeOptions::default().concurrency(10))?;

        let results = s
            .parallel(
                api_endpoints
                    .into_iter()
                    .map(|endpoint| move |_ctx| call_api(endpoint)),
                ParallelOptions::default(),
            )
            .await
            .map_err(|e| e.to_string())?;
        report(&format!(
            "{} calls, first result {:?}",
            results.len(),
            results[0]
        ));
        s.dispose().await.map_err(|e| e.to_js())?;
    }

    log("2. Controlling database connections");
    {
        let s = scope(ScopeOptions::default().concurrency(3))?
            .provide("db", || create_connection_pool(3))?;

        // Only 3 queries at a time
        let results = s
            .parallel(
                queries.map(|q| {
                    move |ctx: TaskContext| async move {
                        let db = ctx.service::<ConnectionPool>("db").ok_or("no db")?;
                        Ok::<_, &str>(db.query(q).await)
                    }
                }),
                ParallelOptions::default(),
            )
            .await
            .map_err(|e| e.to_string())?;
        report(&format!(
            "{} queries, last result {:?}",
            results.len(),
            results[results.len() - 1]
        ));
        s.dispose().await.map_err(|e| e.to_js())?;
    }

    log("3. Preventing resource exhaustion");
    {
        let s = scope(ScopeOptions::default().concurrency(5))?;

        for file in &files {
            // Even though we create many tasks, only 5 run concurrently
            let _task = s.spawn(process_file(file.clone()))?;
        }
        s.dispose().await.map_err(|e| e.to_js())?;
    }
    report(&format!(
        "{} of {} files processed: leaving the block cancelled the tasks still queued for a permit",
        PROCESSED_FILES.with(Cell::get),
        files.len()
    ));

    log("3b. The same, awaiting the tasks before leaving the block");
    PROCESSED_FILES.with(|n| n.set(0));
    {
        let s = scope(ScopeOptions::default().concurrency(5))?;
        let tasks = files
            .iter()
            .map(|file| s.spawn(process_file(file.clone())))
            .collect::<Result<Vec<_>, _>>()?;
        futures::future::join_all(tasks).await;
        s.dispose().await.map_err(|e| e.to_js())?;
    }
    report(&format!(
        "{} of {} files processed",
        PROCESSED_FILES.with(Cell::get),
        files.len()
    ));
    Ok(())
}
