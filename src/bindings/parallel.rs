//! `parallel(factories, { concurrency, signal, failFast, tracer })` and
//! `scope.parallel(factories, { failFast })`: every factory runs as a task
//! of an internal scope, at most `concurrency` at once (0 = unlimited),
//! started in input order; the Result tuples come back in input order.
//! `failFast` throws the first error (in input order) instead, and stops
//! starting new factories once one has failed.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Array, Function, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{future_to_promise, JsFuture};

use super::js;
use super::race::{dispose, tuple, Origin};
use super::runtime;
use super::task;

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
    finish: Option<Function>,
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
                r.factories.get(i).cloned().map(|f| (i, f, r.scope))
            }
        };
        let Some((i, f, scope)) = picked else { break };
        let me = run.clone();
        let spawned = task::spawn_factory(
            scope,
            f,
            Rc::new(move |err, value| settled(&me, i, err, value)),
        );
        if let Err(e) = spawned {
            settled(run, i, e, JsValue::UNDEFINED);
        }
    }
    let done = run.try_borrow_mut().ok().and_then(|mut r| {
        let all_started = r.next >= r.factories.len() || (r.fail_fast && r.failed);
        if r.running == 0 && all_started {
            r.finish.take()
        } else {
            None
        }
    });
    if let Some(f) = done {
        let _ = f.call0(&JsValue::UNDEFINED);
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
        Some(n) => crate::core::options::positive_integer("concurrency", n, true)
            .map_err(|e| js::option_error("parallel", &e))?,
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
        limit: limit.map_or(usize::MAX, |l| l as usize),
        fail_fast,
        failed: false,
        scope,
        finish: None,
    }));
    let finished = {
        let r = run.clone();
        Promise::new(&mut |resolve, _reject| {
            if let Ok(mut r) = r.try_borrow_mut() {
                r.finish = Some(resolve);
            }
        })
    };
    pump(&run);
    Ok(future_to_promise(async move {
        JsFuture::from(finished).await?;
        dispose(scope).await;
        let (results, first_error) = match run.try_borrow_mut() {
            Ok(mut r) => (
                std::mem::take(&mut r.results),
                if r.fail_fast {
                    r.errors.iter().flatten().next().cloned()
                } else {
                    None
                },
            ),
            Err(_) => return Err(js::internal("parallel state borrowed")),
        };
        if let Some(e) = first_error {
            return Err(e);
        }
        let out = Array::new();
        for v in results {
            out.push(&v);
        }
        Ok(out.into())
    }))
}
