// Seed section "Polling": every example, as the seed writes them. The stubs
// simulate latency with timers; the scope of "Basic Polling" ends from the
// outside after a moment, since the snippet waits forever.
//
// The Rust twin of polling.ts: the options are a `PollOptions` builder
// (`interval` as a `Duration`), a call's future is dropped when its scope
// ends (so the stubs need not check their signal), the values are printed
// with `{:?}`, and `status()` gives `time_until_next` as a `Duration`.
#[path = "support/rust.rs"]
mod support;

use std::convert::Infallible;
use std::time::Duration;

use go_go_scope_wasm::{scope, PollOptions, ScopeOptions};
use support::{log, sleep};
use wasm_bindgen::prelude::*;

#[derive(Debug)]
#[allow(dead_code)] // printed through Debug
struct Config {
    theme: &'static str,
}

async fn fetch_config() -> Result<Config, Infallible> {
    sleep(Duration::from_millis(20)).await;
    Ok(Config { theme: "dark" })
}

fn update_ui(config: Config) {
    log(&format!("  updateUI: {config:?}"));
}

async fn fetch_status() -> Result<&'static str, Infallible> {
    sleep(Duration::from_millis(10)).await;
    Ok("all systems go")
}

async fn check_health() -> Result<bool, Infallible> {
    sleep(Duration::from_millis(5)).await;
    Ok(false)
}

fn alert(msg: &str) {
    log(&format!("  alert: {msg}"));
}

#[derive(Debug)]
#[allow(dead_code)] // printed through Debug
struct Update {
    id: u32,
}

async fn fetch_updates() -> Result<Vec<Update>, Infallible> {
    sleep(Duration::from_millis(5)).await;
    Ok(vec![Update { id: 1 }])
}

fn merge_into_local_state(updates: Vec<Update>) {
    log(&format!("  merged: {updates:?}"));
}

#[wasm_bindgen(main)]
async fn main() -> Result<(), JsValue> {
    log("Basic Polling");
    {
        let s = scope(ScopeOptions::default())?;

        s.poll(
            |_ctx| fetch_config(),
            update_ui,
            PollOptions::default().interval(Duration::from_secs(30)), // Every 30 seconds
        )?;

        // Something else ends the scope: here a timer, after 100 ms.
        let outside = s.clone();
        wasm_bindgen_futures::spawn_local(async move {
            sleep(Duration::from_millis(100)).await;
            let _ = outside.dispose().await;
        });

        // Keep alive somehow, polling stops when scope exits
        s.aborted().await;
        s.dispose().await.map_err(|e| e.to_js())?;
        log("  scope ended from outside: polling stopped");
    }

    log("With Control");
    {
        let s = scope(ScopeOptions::default())?;

        let controller = s.poll(
            |_ctx| fetch_status(),
            log,
            PollOptions::default()
                .interval(Duration::from_secs(5))
                .immediate(true),
        )?;

        // Check status
        let status = controller.status();
        log(&status.running.to_string()); // true
        log(&status.poll_count.to_string()); // Number of polls
        log(&status.time_until_next.as_millis().to_string()); // ms until next poll

        // Stop when needed
        controller.stop();

        // Restart later
        controller.start();
        sleep(Duration::from_millis(50)).await;
        s.dispose().await.map_err(|e| e.to_js())?;
    }

    log("Use Cases");
    {
        let s = scope(ScopeOptions::default())?;

        s.poll(
            |_ctx| check_health(),
            |healthy| {
                if !healthy {
                    alert("Service down!")
                }
            },
            PollOptions::default().interval(Duration::from_secs(10)),
        )?;

        s.poll(
            |_ctx| fetch_updates(),
            merge_into_local_state,
            PollOptions::default().interval(Duration::from_secs(60)),
        )?;
        sleep(Duration::from_millis(50)).await;
        s.dispose().await.map_err(|e| e.to_js())?;
    }
    Ok(())
}
