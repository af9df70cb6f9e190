// Interop, Rust calling JavaScript: a Rust scope runs JavaScript functions as tasks, each called with its task's AbortSignal, so a timeout or the scope's end really stops the JavaScript work.
//
// The JavaScript side here is three functions written as a web page or a
// Node library would write them: they take an AbortSignal, stop their
// timers when it aborts, and reject with its reason. The Rust side gives
// them a timeout, races them, and runs them in parallel; what JavaScript
// throws comes back as the same object.
#[path = "support/rust.rs"]
mod support;

use std::time::Duration;

use go_go_scope_wasm::{scope, ScopeOptions, TaskOptions};
use js_sys::{Function, Object, Reflect};
use support::log;
use wasm_bindgen::prelude::*;

/// A JavaScript function `(signal) => Promise`: answers `value` after `ms`,
/// or rejects with the signal's reason when it aborts (and counts how many
/// of its timers were stopped).
fn js_job(name: &str, ms: u32, value: &str) -> Function {
    Function::new_with_args(
        "signal",
        &format!(
            "globalThis.stopped ??= 0;
             return new Promise((resolve, reject) => {{
               const t = setTimeout(() => resolve('{value}'), {ms});
               signal.addEventListener('abort', () => {{
                 clearTimeout(t);
                 globalThis.stopped++;
                 console.log('  [js] {name} stopped: ' + signal.reason.message);
                 reject(signal.reason);
               }});
             }})"
        ),
    )
}

/// A JavaScript function that fails with its own error class.
fn js_failing() -> Function {
    Function::new_with_args(
        "signal",
        "class QuotaError extends Error { constructor() { super('quota exceeded'); this.name = 'QuotaError'; this.retryAfter = 60 } }
         return Promise.reject(new QuotaError())",
    )
}

fn stopped() -> f64 {
    Reflect::get(&js_sys::global(), &"stopped".into())
        .ok()
        .and_then(|v| v.as_f64())
        .unwrap_or(0.0)
}

#[wasm_bindgen(main)]
async fn main() -> Result<(), JsValue> {
    log("A JavaScript function as a task, with a timeout");
    {
        let s = scope(ScopeOptions::default())?;
        let slow = s.task_js(
            js_job("slowReport", 5_000, "report"),
            TaskOptions::default().timeout(Duration::from_millis(100)),
        )?;
        match slow.await {
            Ok(v) => log(&format!("  got {v:?}")),
            Err(e) => log(&format!(
                "  task failed: {} (timeout: {})",
                e.reason().map(ToString::to_string).unwrap_or_default(),
                e.is_timeout()
            )),
        }
        s.dispose().await.map_err(|e| e.to_js())?;
    }

    log("What JavaScript throws comes back as the same object");
    {
        let s = scope(ScopeOptions::default())?;
        let e = s
            .task_js(js_failing(), TaskOptions::default())?
            .await
            .unwrap_err();
        let thrown = e.into_js();
        let retry_after = Reflect::get(&thrown, &"retryAfter".into())?;
        log(&format!(
            "  {}: {} (retryAfter {:?}, an Error: {})",
            Reflect::get(&thrown, &"name".into())?
                .as_string()
                .unwrap_or_default(),
            Reflect::get(&thrown, &"message".into())?
                .as_string()
                .unwrap_or_default(),
            retry_after.as_f64(),
            thrown.is_instance_of::<js_sys::Error>()
        ));
        s.dispose().await.map_err(|e| e.to_js())?;
    }

    log("A race of JavaScript functions: the losers' signals abort");
    {
        let s = scope(ScopeOptions::default())?;
        let mirrors = [("eu", 120), ("us", 40), ("ap", 300)];
        let fastest = s
            .race(mirrors.map(|(name, ms)| {
                let f = js_job(name, ms, name);
                move |ctx: go_go_scope_wasm::TaskContext| async move { ctx.call_js(&f).await }
            }))
            .await;
        log(&format!(
            "  fastest mirror: {:?}",
            fastest.map(|v| v.as_string())
        ));
        s.dispose().await.map_err(|e| e.to_js())?;
        log(&format!(
            "  JavaScript timers stopped so far: {}",
            stopped()
        ));
    }

    log("The scope's end stops JavaScript work still running");
    {
        let s = scope(ScopeOptions::default().timeout(Duration::from_millis(80)))?;
        let jobs: Vec<_> = ["resize", "upload"]
            .iter()
            .map(|name| s.task_js(js_job(name, 10_000, name), TaskOptions::default()))
            .collect::<Result<_, _>>()?;
        for job in jobs {
            let e = job.await.unwrap_err();
            log(&format!(
                "  a job ended: {}",
                e.reason().map(ToString::to_string).unwrap_or_default()
            ));
        }
        s.dispose().await.map_err(|e| e.to_js())?;
        log(&format!(
            "  JavaScript timers stopped in all: {}",
            stopped()
        ));
    }

    // Options can come from JavaScript too: the object 1.0 takes.
    let options = Object::new();
    Reflect::set(&options, &"timeout".into(), &JsValue::from(-5))?;
    match ScopeOptions::from_js(&options) {
        Ok(_) => log("options accepted"),
        Err(e) => log(&format!("options from JavaScript refused: {e}")),
    }
    Ok(())
}
