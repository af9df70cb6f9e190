//! `parallel(factories, { concurrency, signal, failFast, tracer })` and
//! `scope.parallel(factories, { failFast })`: every factory runs as a task
//! of an internal scope, at most `concurrency` at once (0 = unlimited),
//! started in input order; the Result tuples come back in input order.
//! `failFast` throws the first error (in input order) instead, and stops
//! starting new factories once one has failed. If the signal aborts
//! mid-run, the factories not started yet get `[reason, undefined]` (1.0's
//! worker pool rejected the whole call with "Cannot spawn task on aborted
//! scope" when a limit was set).

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Array, Function, Promise};
use wasm_bindgen::prelude::*;

use super::js;
use super::race::{settle_after_dispose, tuple, Origin};
use super::runtime;
use super::task;
use crate::core::options::Limit;

struct Run {
    factories: Vec<Function>,
    results: Vec<JsValue>,
    errors: Vec<Option<JsValue>>,
    next: usize,
    running: usize,
    limit: usize,
    fail_fast: bool,
    failed: bool,
    scope: u64,
    /// The internal scope's services (the caller's, for `s.parallel`).
    services: Rc<JsValue>,
    /// The outer promise's resolve and reject, taken when all settled.
    finish: Option<(Function, Function)>,
}

type Shared = Rc<RefCell<Run>>;

/// Starts factories while there is room (no borrow held while spawning:
/// a factory may settle synchronously and come back here).
fn pump(run: &Shared) {
    loop {
        let picked = {
            let Ok(mut r) = run.try_borrow_mut() else {
                return;
            };
            if r.running >= r.limit || r.next >= r.factories.len() || (r.fail_fast && r.failed) {
                None
            } else {
                let i = r.next;
                r.next += 1;
                r.running += 1;
                r.factories
                    .get(i)
                    .cloned()
                    .map(|f| (i, f, r.scope, r.services.clone()))
            }
        };
        let Some((i, f, scope, services)) = picked else {
            break;
        };
        let me = run.clone();
        let spawned = task::spawn_factory(
            scope,
            f,
            &services,
            Rc::new(move |err, value| settled(&me, i, err, value)),
        );
        if let Err(e) = spawned {
            // The signal aborted mid-run: a factory not started yet gets
            // the abort reason, as with a signal aborted before the call.
            let reason = runtime::with(|rt| {
                rt.scopes
                    .get(&scope)
                    .and_then(|s| rt.tree.reason(s.token))
                    .map(|r| r.value())
            })
            .ok()
            .flatten();
            settled(run, i, reason.unwrap_or(e), JsValue::UNDEFINED);
        }
    }
    // All settled: dispose the internal scope, then resolve with the
    // Results (or reject with the first error, for failFast).
    let done = run.try_borrow_mut().ok().and_then(|mut r| {
        let all_started = r.next >= r.factories.len() || (r.fail_fast && r.failed);
        if r.running != 0 || !all_started {
            return None;
        }
        let (resolve, reject) = r.finish.take()?;
        let first_error = if r.fail_fast {
            r.errors.iter().flatten().next().cloned()
        } else {
            None
        };
        let results = std::mem::take(&mut r.results);
        Some((resolve, reject, first_error, results, r.scope))
    });
    if let Some((resolve, reject, first_error, results, scope)) = done {
        match first_error {
            Some(e) => settle_after_dispose(scope, &reject, &e),
            None => {
                let out = Array::new();
                for v in results {
                    out.push(&v);
                }
                settle_after_dispose(scope, &resolve, &out.into());
            }
        }
    }
}

fn settled(run: &Shared, i: usize, err: JsValue, value: JsValue) {
    if let Ok(mut r) = run.try_borrow_mut() {
        r.running = r.running.saturating_sub(1);
        if err.is_truthy() {
            r.failed = true;
            if let Some(slot) = r.errors.get_mut(i) {
                *slot = Some(err.clone());
            }
        }
        if let Some(slot) = r.results.get_mut(i) {
            *slot = tuple(&err, &value);
        }
    }
    pump(run);
}

#[wasm_bindgen(js_name = __parallel)]
pub fn parallel(
    factories: JsValue,
    options: JsValue,
    parent: Option<f64>,
) -> Result<Promise, JsValue> {
    let factories = task::read_factories("parallel", &factories)?;
    let opts = js::options_object("parallel", &options)?;
    let (concurrency, fail_fast, signal, tracer) = match &opts {
        None => (None, false, JsValue::UNDEFINED, JsValue::UNDEFINED),
        Some(o) => (
            js::optional_number(o, "concurrency", "parallel")?,
            js::get(o, "failFast")?.is_truthy(),
            js::get(o, "signal")?,
            js::get(o, "tracer")?,
        ),
    };
    let origin = Origin::read(signal, tracer, parent, "parallel")?;
    let limit = match concurrency {
        Some(n) => {
            crate::core::options::concurrency(n).map_err(|e| js::option_error("parallel", &e))?
        }
        // `s.parallel` uses the scope's concurrency.
        None => match origin.parent {
            Some(p) => runtime::with(|rt| {
                rt.scopes
                    .get(&p)
                    .and_then(|e| e.sem.as_ref().map(|s| s.total()))
            })?,
            None => None,
        },
    };
    let n = factories.len();
    if n == 0 {
        return Ok(Promise::resolve(&JsValue::from(Array::new())));
    }
    if let Some(reason) = origin.aborted()? {
        let all = Array::new();
        for _ in 0..n {
            all.push(&tuple(&reason, &JsValue::UNDEFINED));
        }
        return Ok(Promise::resolve(&JsValue::from(all)));
    }
    let scope = origin.internal_scope()?;
    let run: Shared = Rc::new(RefCell::new(Run {
        factories,
        results: vec![JsValue::UNDEFINED; n],
        errors: vec![None; n],
        next: 0,
        running: 0,
        limit: match limit {
            Some(Limit::Max(l)) => usize::try_from(l).unwrap_or(usize::MAX),
            Some(Limit::Unlimited) | None => usize::MAX,
        },
        fail_fast,
        failed: false,
        scope,
        services: Rc::new(super::scope::scope_services(scope as f64)?),
        finish: None,
    }));
    let outer = {
        let r = run.clone();
        Promise::new(&mut |resolve, reject| {
            if let Ok(mut r) = r.try_borrow_mut() {
                r.finish = Some((resolve, reject));
            }
        })
    };
    pump(&run);
    Ok(outer)
}
