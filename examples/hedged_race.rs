// Hedged races (go-go-scope 2.x's race options): stagger, requireSuccess, timeout and s.any
//
// The Rust twin of hedged-race.ts: `{ stagger, requireSuccess, timeout }`
// is `RaceOptions::default().stagger(..).require_success(..).timeout(..)`
// with `Scope::race_with`, `s.any` is `Scope::any`, and every failure of a
// `require_success` race is `TaskError::AllFailed(errors)`, in input order.
// A loser's future is dropped (Rust's drop-to-cancel) as its signal aborts.
#[path = "support/rust.rs"]
mod support;

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

use futures::future::LocalBoxFuture;
use go_go_scope_wasm::{scope, RaceOptions, ScopeOptions, TaskContext};
use support::{log, sleep};
use wasm_bindgen::prelude::*;

type Asked = Rc<RefCell<Vec<&'static str>>>;

/// A replica that answers (or fails) after `ms`; `asked` records who was asked.
fn replica(
    asked: &Asked,
    name: &'static str,
    ms: u64,
    up: bool,
) -> impl FnOnce(TaskContext) -> LocalBoxFuture<'static, Result<&'static str, String>> {
    let asked = asked.clone();
    move |_ctx| {
        asked.borrow_mut().push(name);
        Box::pin(async move {
            sleep(Duration::from_millis(ms)).await;
            if up {
                Ok(name)
            } else {
                Err(format!("{name} is down"))
            }
        })
    }
}

#[wasm_bindgen(main)]
async fn main() -> Result<(), JsValue> {
    log("stagger: ask the next replica only if none answered within 50 ms");
    {
        let s = scope(ScopeOptions::default())?;
        let asked = Asked::default();
        let who = s
            .race_with(
                [
                    replica(&asked, "primary", 400, true),
                    replica(&asked, "replica-a", 20, true),
                    replica(&asked, "replica-b", 20, true),
                ],
                RaceOptions::default().stagger(Duration::from_millis(50)),
            )
            .await
            .map_err(|e| e.to_string())?;
        log(&format!(
            "  answered by {who}; asked {}",
            asked.borrow().join(", ")
        ));
        s.dispose().await.map_err(|e| e.to_js())?;
    }

    log("requireSuccess: a failure asks the next at once; all failed gives every error");
    {
        let s = scope(ScopeOptions::default())?;
        let asked = Asked::default();
        let who = s
            .race_with(
                [
                    replica(&asked, "primary", 5, false),
                    replica(&asked, "replica-a", 10, true),
                ],
                RaceOptions::default()
                    .stagger(Duration::from_secs(1))
                    .require_success(true),
            )
            .await
            .map_err(|e| e.to_string())?;
        log(&format!(
            "  answered by {who}; asked {}",
            asked.borrow().join(", ")
        ));
        let none = Asked::default();
        let err = s
            .any(
                [
                    replica(&none, "a", 10, false),
                    replica(&none, "b", 5, false),
                ],
                RaceOptions::default(),
            )
            .await
            .expect_err("both are down");
        let errors: Vec<String> = err
            .all_failed()
            .unwrap_or_default()
            .iter()
            .map(|e| e.to_string())
            .collect();
        log(&format!("  {err}: {}", errors.join(", ")));
        s.dispose().await.map_err(|e| e.to_js())?;
    }

    log("timeout: nobody answered in time");
    {
        let s = scope(ScopeOptions::default())?;
        let cancelled = Rc::new(Cell::new(false));
        let c = cancelled.clone();
        /// Notes that the request's future was dropped before it finished.
        struct OnDrop(Rc<Cell<bool>>);
        impl Drop for OnDrop {
            fn drop(&mut self) {
                self.0.set(true);
            }
        }
        let err = s
            .race_with(
                [move |_ctx: TaskContext| async move {
                    let _note = OnDrop(c);
                    sleep(Duration::from_secs(1)).await;
                    Ok::<_, String>("too late")
                }],
                RaceOptions::default().timeout(Duration::from_millis(30)),
            )
            .await
            .expect_err("nobody answered");
        let reason = err.reason().map(|r| r.to_string()).unwrap_or_default();
        log(&format!(
            "  {reason}; the slow request was cancelled: {}",
            cancelled.get()
        ));
        s.dispose().await.map_err(|e| e.to_js())?;
    }
    Ok(())
}
