// Beyond 1.0: onDispose, delay, onAbort, whenAborted, context and parallel progress
//
// The Rust twin of lifecycle.ts: `on_dispose`, `delay`, `on_abort` (a guard
// whose drop removes the listener), `when_aborted`, `set_context` /
// `context`, and `ParallelOptions::on_progress`.
#[path = "support/rust.rs"]
mod support;

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use go_go_scope_wasm::{on_abort, scope, when_aborted, ParallelOptions, ScopeOptions, TaskContext};
use support::{log, now};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(main)]
async fn main() -> Result<(), JsValue> {
    {
        let log_ = Rc::new(RefCell::new(Vec::<String>::new()));
        let s = scope(ScopeOptions::default())?;
        let l = log_.clone();
        s.on_dispose(
            move || async move { l.borrow_mut().push("onDispose: metrics flushed".into()) },
        )?;
        let l = log_.clone();
        s.provide_with_cleanup(
            "db",
            || "db",
            move |_| async move { l.borrow_mut().push("provide cleanup: db closed".into()) },
        )?;
        let (l, s2) = (log_.clone(), s.clone());
        s.on_dispose(move || async move {
            if s2.delay(Duration::ZERO).await.is_err() {
                l.borrow_mut()
                    .push("a delay during disposal is refused".into());
            }
            l.borrow_mut()
                .push("onDispose: last registered, first run".into());
        })?;
        log_.borrow_mut().push("leaving the block".into());
        s.dispose().await?;
        log(&format!("disposal order: {}", log_.borrow().join(" -> ")));
    }

    {
        let s = scope(ScopeOptions::default().timeout(Duration::from_millis(30)))?;
        let t0 = now();
        s.delay(Duration::from_millis(10)).await?;
        log(&format!("delay(10) resolved: {}", now() - t0 >= 5.0));
        let err = s.delay(Duration::from_secs(60)).await.unwrap_err();
        let same = err.to_js() == s.signal().reason();
        log(&format!(
            "delay(60000) ended by the scope's timeout: {err} | same reason: {same}"
        ));
        s.dispose().await?;
    }

    {
        let ac = web_sys::AbortController::new()?;
        let seen = Rc::new(RefCell::new(Vec::<String>::new()));
        let s = seen.clone();
        let sub = on_abort(&ac.signal(), move |reason| {
            s.borrow_mut().push(reason.as_string().unwrap_or_default())
        });
        let s = seen.clone();
        drop(on_abort(&ac.signal(), move |_| {
            s.borrow_mut().push("never".into())
        }));
        let reason = when_aborted(&ac.signal());
        ac.abort_with_reason(&"shutting down".into());
        drop(sub);
        let reason = reason.await.as_string().unwrap_or_default();
        log(&format!(
            "onAbort saw: {} | whenAborted: {reason}",
            seen.borrow().join(", ")
        ));
    }

    {
        let root = scope(ScopeOptions::default())?;
        root.set_context("requestId", "req-1")?;
        let child = root.child(ScopeOptions::default())?;
        root.set_context("user", "ada")?;
        child.set_context("user", "grace")?;
        let get =
            |s: &go_go_scope_wasm::Scope, k: &str| s.context::<&str>(k).map_or("undefined", |v| *v);
        log(&format!(
            "context: {} {} {} | has tenant: {}",
            get(&child, "requestId"),
            get(&child, "user"),
            get(&root, "user"),
            child.has_context("tenant"),
        ));
        child.dispose().await?;
        root.dispose().await?;
    }

    {
        let s = scope(ScopeOptions::default())?;
        let lines = Rc::new(RefCell::new(Vec::<String>::new()));
        let l = lines.clone();
        let results = s
            .parallel(
                [30u64, 10, 20].map(|ms| {
                    let s = s.clone();
                    move |_ctx: TaskContext| async move {
                        s.delay(Duration::from_millis(ms)).await.map(|()| ms)
                    }
                }),
                ParallelOptions::default().on_progress(move |p| {
                    let ms = [30, 10, 20].get(p.index as usize).copied().unwrap_or(0);
                    l.borrow_mut()
                        .push(format!("{}/{} ({ms})", p.completed, p.total));
                }),
            )
            .await
            .map_err(|e| e.to_string())?;
        let values: Vec<String> = results
            .iter()
            .map(|r| r.as_ref().map_or_else(|e| e.to_string(), u64::to_string))
            .collect();
        log(&format!(
            "progress: {} | results in input order: {}",
            lines.borrow().join(" "),
            values.join(",")
        ));
        s.dispose().await?;
    }
    Ok(())
}
