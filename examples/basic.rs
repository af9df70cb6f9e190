// Basic scope, task and timeout usage (README quick start).
//
// The Rust twin of basic.ts. Where the Rust face differs: a task's future
// is dropped when its signal aborts (so the stubs take no signal, and a
// task notices the abort in a `Drop`), a task's outcome is a `Result`
// (printed with `{:?}`), and leaving a scope is `dispose().await`.
#[path = "support/rust.rs"]
mod support;

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::rc::Rc;
use std::time::Duration;

use go_go_scope_wasm::{scope, ScopeOptions, TaskContext, TaskError, TaskOptions};
use support::{log, sleep};
use wasm_bindgen::prelude::*;

#[derive(Debug)]
#[allow(dead_code)] // printed through Debug
struct User {
    id: u32,
    name: String,
}

#[derive(Debug)]
struct NotFound(String);

impl fmt::Display for NotFound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

async fn fetch_user(id: u32) -> Result<User, NotFound> {
    sleep(Duration::from_millis(20)).await;
    if id == 0 {
        return Err(NotFound(format!("no user {id}")));
    }
    Ok(User {
        id,
        name: format!("user-{id}"),
    })
}

struct Db {
    log: Rc<RefCell<Vec<String>>>,
}

impl Db {
    fn close(&self) {
        self.log.borrow_mut().push("db closed".into());
    }
}

/// Notes why its task ended early: its future is dropped at the abort.
struct SawAbort {
    ctx: TaskContext,
    log: Rc<RefCell<Vec<String>>>,
}

impl Drop for SawAbort {
    fn drop(&mut self) {
        if let Some(reason) = self.ctx.reason() {
            self.log
                .borrow_mut()
                .push(format!("task saw abort: {reason}"));
        }
    }
}

#[wasm_bindgen(main)]
async fn main() -> Result<(), JsValue> {
    {
        let s = scope(ScopeOptions::default())?;
        let user = s.task(|_ctx| fetch_user(1), TaskOptions::default())?.await;
        log(&format!("task result: {user:?}"));

        let not_found = s.task(|_ctx| fetch_user(0), TaskOptions::default())?.await;
        if let Err(e) = &not_found {
            // The function's own error arrives as is, with its type.
            let is_not_found = matches!(e, TaskError::Failed(NotFound(_)));
            log(&format!("failure keeps its class: {is_not_found} {e}"));
        }

        let timed_out = s
            .task(
                |_ctx| async {
                    sleep(Duration::from_secs(1)).await;
                    Ok::<_, NotFound>(())
                },
                TaskOptions::default().timeout(Duration::from_millis(50)),
            )?
            .await;
        if let Err(e) = timed_out {
            log(&format!("task timeout: {e}"));
        }
        s.dispose().await.map_err(|e| e.to_js())?;
    }

    {
        let s = scope(ScopeOptions::default().timeout(Duration::from_millis(50)))?;
        let slow = s.task(
            |_ctx| async {
                sleep(Duration::from_secs(1)).await;
                Ok::<_, NotFound>("never")
            },
            TaskOptions::default(),
        )?;
        if let Err(e) = slow.await {
            log(&format!(
                "scope timeout aborted the task: {e} | scope aborted: {}",
                s.is_aborted()
            ));
        }
        s.dispose().await.map_err(|e| e.to_js())?;
    }

    {
        let order = Rc::new(RefCell::new(Vec::<String>::new()));
        {
            let db_log = order.clone();
            let cache_log = order.clone();
            let s = scope(ScopeOptions::default())?
                .provide_with_cleanup(
                    "db",
                    || Db { log: db_log },
                    |db: Rc<Db>| async move { db.close() },
                )?
                .provide_with_cleanup(
                    "cache",
                    HashMap::<String, String>::new,
                    move |_| async move {
                        cache_log.borrow_mut().push("cache cleared".into());
                    },
                )?;
            let task_log = order.clone();
            // Not awaited: the scope owns its tasks (dropping the handle
            // does not cancel it).
            let _task = s.task(
                move |ctx| {
                    let saw = SawAbort {
                        ctx,
                        log: task_log.clone(),
                    };
                    async move {
                        let _saw = saw;
                        sleep(Duration::from_millis(5)).await;
                        Ok::<_, NotFound>(())
                    }
                },
                TaskOptions::default(),
            )?;
            order.borrow_mut().push("leaving the block".into());
            // The abort comes first: the task's future is dropped then (its
            // `Drop` notes the abort, as basic.ts's listener does), before
            // the cleanups run, newest first.
            s.dispose().await.map_err(|e| e.to_js())?;
        }
        log(&format!("disposal order: {}", order.borrow().join(" -> ")));
    }
    Ok(())
}
