// Seed section "Parent-Child Scopes": every example, as the seed writes it.
//
// The Rust twin of parent-child.ts: `scope({ parent })` is
// `ScopeOptions::default().parent(&parent)`, `use(key)` is the typed
// `service::<T>(key)` (`None` where 1.0 gives `undefined`), services are
// shared as `Rc`s, and a task's future is dropped when its scope is
// disposed, so fire-and-forget work keeps its scope alive itself.
#[path = "support/rust.rs"]
mod support;

use std::collections::HashMap;
use std::convert::Infallible;
use std::rc::Rc;
use std::time::Duration;

use go_go_scope_wasm::{scope, ParallelOptions, ScopeOptions, TaskContext, TaskOptions};
use support::{log, sleep};
use wasm_bindgen::prelude::*;

#[derive(Debug)]
#[allow(dead_code)] // printed through Debug
struct Row {
    sql: String,
    rows: u32,
}

struct Db {
    name: Option<&'static str>,
}

impl Db {
    async fn query(&self, sql: &str) -> Vec<Row> {
        sleep(Duration::from_millis(5)).await;
        vec![Row {
            sql: sql.into(),
            rows: 1,
        }]
    }

    fn close(&self) {
        log("  db closed");
    }
}

fn open_database() -> Db {
    Db { name: None }
}

fn open_another_database() -> Db {
    Db {
        name: Some("another"),
    }
}

type Cache = HashMap<String, String>;

fn create_cache() -> Cache {
    HashMap::new()
}

#[derive(Debug)]
#[allow(dead_code)] // printed through Debug
struct User {
    id: u32,
    name: String,
}

async fn fetch_user(id: u32) -> Result<User, Infallible> {
    sleep(Duration::from_millis(5)).await;
    Ok(User {
        id,
        name: format!("user-{id}"),
    })
}

async fn process_large_dataset() -> Result<(), Infallible> {
    sleep(Duration::from_millis(20)).await;
    log("  background dataset processed");
    Ok(())
}

#[wasm_bindgen(main)]
async fn main() -> Result<(), JsValue> {
    let id = 1;
    let urls = ["SELECT a", "SELECT b", "SELECT c", "SELECT d", "SELECT e"];

    log("Basic Parent-Child");
    {
        let parent = scope(ScopeOptions::default())?;

        // Child inherits parent's signal
        let child = scope(ScopeOptions::default().parent(&parent))?;

        // If parent is cancelled, child is too
        let child_aborted = child.aborted();
        parent.dispose().await.map_err(|e| e.to_js())?;
        log(&format!("  child aborted: {}", child_aborted.await));
        child.dispose().await.map_err(|e| e.to_js())?;
    }

    log("Service Inheritance");
    {
        let parent = scope(ScopeOptions::default())?.provide_with_cleanup(
            "db",
            open_database,
            |db: Rc<Db>| async move { db.close() },
        )?;

        // Child can use parent's services
        let child = scope(ScopeOptions::default().parent(&parent))?;

        let result = child
            .task(
                |ctx| async move {
                    let db = ctx.service::<Db>("db").ok_or("no db")?;
                    Ok::<_, &str>(db.query("SELECT 1").await)
                },
                TaskOptions::default(),
            )?
            .await;
        log(&format!("  child task: {result:?}"));
        child.dispose().await.map_err(|e| e.to_js())?;
        parent.dispose().await.map_err(|e| e.to_js())?;
    }

    log("Adding Services in Child");
    {
        let parent = scope(ScopeOptions::default())?.provide("db", open_database)?;

        // Child inherits 'db' and adds 'cache'
        let child =
            scope(ScopeOptions::default().parent(&parent))?.provide("cache", create_cache)?;

        // Child can access both
        child.service::<Db>("db")?; // ✓ From parent
        child.service::<Cache>("cache")?; // ✓ From child

        // Parent can only access 'db'
        parent.service::<Db>("db")?; // ✓ Works
        parent.service::<Cache>("cache")?; // ✗ None
        log(&format!(
            "  child has db: {} cache: {} | parent cache: {:?}",
            child.service::<Db>("db")?.is_some(),
            child.service::<Cache>("cache")?.is_some(),
            parent.service::<Cache>("cache")?
        ));
        child.dispose().await.map_err(|e| e.to_js())?;
        parent.dispose().await.map_err(|e| e.to_js())?;
    }

    log("Selective Inheritance");
    {
        let parent = scope(ScopeOptions::default())?.provide("db", open_database)?;

        // Child only inherits signal, not services
        let child = scope(ScopeOptions::default().signal(parent.signal()))?;

        // Must provide own db
        child.provide("db", open_another_database)?;
        let (own, parents) = (child.service::<Db>("db")?, parent.service::<Db>("db")?);
        if let (Some(own), Some(parents)) = (own, parents) {
            log(&format!(
                "  child db: {} | same as parent's: {}",
                own.name.unwrap_or("default"),
                Rc::ptr_eq(&own, &parents)
            ));
        }
        child.dispose().await.map_err(|e| e.to_js())?;
        parent.dispose().await.map_err(|e| e.to_js())?;
    }

    log("Nested operations with limits");
    {
        let outer = scope(ScopeOptions::default())?.provide("db", open_database)?;

        // Fetch users
        let user = outer
            .task(move |_ctx| fetch_user(id), TaskOptions::default())?
            .await;
        log(&format!("  user: {user:?}"));

        // Process with limited concurrency
        let inner = scope(ScopeOptions::default().parent(&outer).concurrency(3))?;

        let results = inner
            .parallel(
                urls.map(|url| {
                    move |ctx: TaskContext| async move {
                        let db = ctx.service::<Db>("db").ok_or("no db")?;
                        Ok::<_, &str>(db.query(url).await)
                    }
                }),
                ParallelOptions::default(),
            )
            .await
            .map_err(|e| e.to_string())?;
        let (own, outers) = (inner.service::<Db>("db")?, outer.service::<Db>("db")?);
        log(&format!(
            "  inner concurrency: {:?} | inherits db: {}",
            inner.concurrency(),
            own.zip(outers).is_some_and(|(a, b)| Rc::ptr_eq(&a, &b))
        ));
        log(&format!(
            "  {} queries through the inherited db, 3 at a time",
            results.len()
        ));
        inner.dispose().await.map_err(|e| e.to_js())?;
        outer.dispose().await.map_err(|e| e.to_js())?;
    }

    log("Fire-and-forget background tasks");
    {
        let main = scope(ScopeOptions::default())?;

        // Detached child with own timeout
        let background = scope(ScopeOptions::default().timeout(Duration::from_secs(60)))?;

        // Start background work
        let work = background.spawn(process_large_dataset())?;
        // Don't await - it runs independently. Disposing `background` here
        // would drop the work's future, so the scope goes with the work
        // into a future of its own, and ends when the work does (or when
        // its timeout runs out).
        wasm_bindgen_futures::spawn_local(async move {
            let _ = work.await;
            let _ = background.dispose().await;
        });
        log(&format!("  main scope still open: {}", !main.is_disposed()));
        main.dispose().await.map_err(|e| e.to_js())?;
    }
    Ok(())
}
