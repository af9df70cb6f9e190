//! The Rust face on its real host, in wasm: `wasm-pack test --node` and
//! `wasm-pack test --headless --chrome` (npm test runs both). JavaScript
//! timers, promises, `AbortSignal`s and `fetch`; the behaviour tests with a
//! manual clock are in `tests.rs`.
//!
//! The tests share this wasm instance's runtime (as every scope of a page
//! does); each ends with its scopes disposed.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use js_sys::{Function, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

use super::*;

const MS: fn(u64) -> Duration = Duration::from_millis;

fn js(args: &str, body: &str) -> Function {
    Function::new_with_args(args, body)
}

fn get(o: &JsValue, k: &str) -> JsValue {
    Reflect::get(o, &JsValue::from_str(k)).unwrap_or(JsValue::UNDEFINED)
}

async fn sleep(ms: u32) {
    gloo_timers::future::TimeoutFuture::new(ms).await;
}

/// Waits until the runtime has nothing alive (its disposals finished).
async fn settled_down() {
    for _ in 0..50 {
        if Runtime::current().live().is_empty() {
            return;
        }
        sleep(2).await;
    }
    panic!("still alive: {:?}", Runtime::current().live());
}

#[wasm_bindgen_test]
async fn a_value_thrown_by_a_js_task_reaches_rust_as_the_same_object() {
    let s = scope(ScopeOptions::default()).unwrap();
    let thrower = js(
        "signal",
        "throw (globalThis.__ggsThrown = new TypeError('boom'))",
    );
    let e = s
        .task_js(thrower, TaskOptions::default())
        .unwrap()
        .await
        .unwrap_err();
    let thrown = get(&js_sys::global(), "__ggsThrown");
    let failed = e.failed().cloned().unwrap();
    assert!(Object::is(&failed, &thrown), "same object");
    assert!(failed.is_instance_of::<js_sys::TypeError>());

    let rejecter = js(
        "",
        "return Promise.reject(globalThis.__ggsRejected = { code: 42 })",
    );
    let e = s
        .task_js(rejecter, TaskOptions::default())
        .unwrap()
        .await
        .unwrap_err();
    assert!(Object::is(
        &e.into_js(),
        &get(&js_sys::global(), "__ggsRejected")
    ));
    s.dispose().await.unwrap();
    settled_down().await;
}

#[wasm_bindgen_test]
async fn a_js_task_gets_a_signal_that_aborts_with_the_timeout_reason() {
    let s = scope(ScopeOptions::default()).unwrap();
    let f = js(
        "signal",
        "globalThis.__ggsSignal = signal; \
         return new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)))",
    );
    let e = s
        .task_js(f, TaskOptions::default().timeout(MS(20)))
        .unwrap()
        .await
        .unwrap_err();
    assert!(e.is_timeout(), "{e:?}");
    let signal: web_sys::AbortSignal = get(&js_sys::global(), "__ggsSignal").unchecked_into();
    assert!(signal.aborted(), "the JS side saw the abort");
    assert!(
        Object::is(&get(&signal, "signal"), &signal),
        "({{ signal }}) => … works too"
    );
    assert!(
        Object::is(&signal.reason(), &e.reason().unwrap().to_js()),
        "one reason object"
    );
    assert_eq!(
        get(&signal.reason(), "message").as_string().as_deref(),
        Some("timeout after 20ms")
    );
    s.dispose().await.unwrap();
    settled_down().await;
}

#[wasm_bindgen_test]
async fn a_linked_abort_signal_aborts_the_scope_with_its_own_reason() {
    let c = web_sys::AbortController::new().unwrap();
    let s = scope(ScopeOptions::default().signal(c.signal())).unwrap();
    let t = s
        .task(
            |_| futures::future::pending::<Result<(), ()>>(),
            TaskOptions::default(),
        )
        .unwrap();
    let why = JsValue::from_str("user left");
    c.abort_with_reason(&why);
    let e = t.await.unwrap_err();
    assert!(e.is_aborted());
    assert_eq!(e.reason().unwrap().signal_reason(), Some(&why));
    assert!(
        Object::is(&s.signal().reason(), &why),
        "the scope's signal carries it"
    );
    s.dispose().await.unwrap();

    // An aborted signal aborts a new scope at once.
    let s = scope(ScopeOptions::default().signal(c.signal())).unwrap();
    assert!(s.is_aborted());
    assert!(s
        .task(|_| async { Ok::<_, ()>(()) }, TaskOptions::default())
        .is_err());
    s.dispose().await.unwrap();
    settled_down().await;
}

#[wasm_bindgen_test]
async fn ten_thousand_scopes_linked_to_one_signal_leave_no_listener() {
    let c = web_sys::AbortController::new().unwrap();
    let signal = c.signal();
    let count = js(
        "signal",
        "const add = signal.addEventListener, remove = signal.removeEventListener; \
         const c = { added: 0, removed: 0 }; \
         signal.addEventListener = function (...a) { c.added++; return add.apply(this, a); }; \
         signal.removeEventListener = function (...a) { c.removed++; return remove.apply(this, a); }; \
         return c;",
    )
    .call1(&JsValue::UNDEFINED, &signal)
    .unwrap();
    let n = |k| get(&count, k).as_f64().unwrap_or(-1.0);
    let mut live = Vec::new();
    for i in 0..10_000 {
        let s = scope(ScopeOptions::default().signal(signal.clone())).unwrap();
        if i % 100 == 0 {
            live.push(s); // some overlap
        } else {
            s.dispose().await.unwrap();
        }
    }
    assert!(
        n("added") >= 1.0,
        "the listener is added through the signal"
    );
    assert_eq!(
        n("added") - n("removed"),
        1.0,
        "one listener while scopes use it"
    );
    for s in live {
        s.dispose().await.unwrap();
    }
    assert_eq!(n("added"), n("removed"), "every listener removed");
    assert_eq!(Runtime::current().live().links, 0);
    settled_down().await;
}

#[wasm_bindgen_test]
async fn signals_are_made_when_asked_for_and_abort_with_the_machines_reason() {
    let before = Runtime::current().live().signals;
    let s = scope(ScopeOptions::default()).unwrap();
    let seen = Rc::new(Cell::new(false));
    let t = s
        .task(
            |ctx| {
                let sig = ctx.signal();
                async move {
                    assert!(!sig.aborted());
                    futures::future::pending::<Result<(), ()>>().await
                }
            },
            TaskOptions::default(),
        )
        .unwrap();
    assert!(Runtime::current().live().signals > before);
    let sig = s.signal();
    assert!(Object::is(&sig, &s.signal()), "the same signal each time");
    let saw = seen.clone();
    let on_abort = wasm_bindgen::closure::Closure::<dyn FnMut()>::new(move || saw.set(true));
    sig.add_event_listener_with_callback("abort", on_abort.as_ref().unchecked_ref())
        .unwrap();
    s.dispose().await.unwrap();
    assert!(seen.get());
    assert_eq!(
        get(&sig.reason(), "message").as_string().as_deref(),
        Some("scope disposed")
    );
    assert!(t.await.unwrap_err().is_aborted());
    settled_down().await;
}

#[wasm_bindgen_test]
async fn options_deserialize_from_1_0s_js_objects_and_bad_fields_are_named() {
    let parse = |src: &str| {
        let v = js("", &format!("return {src}"))
            .call0(&JsValue::UNDEFINED)
            .unwrap();
        ScopeOptions::from_js(&v)
    };
    let c = web_sys::AbortController::new().unwrap();
    Reflect::set(&js_sys::global(), &"__ggsSig".into(), &c.signal()).unwrap();
    let o = parse(
        "{ timeout: 5000, concurrency: 3, circuitBreaker: { failureThreshold: 2, resetTimeout: Infinity }, \
          signal: globalThis.__ggsSig, name: 'fetch-user-data', tracer: { ignored: true } }",
    )
    .unwrap();
    assert_eq!(o.timeout, Some(MS(5000)));
    assert_eq!(o.concurrency, Some(3));
    assert_eq!(o.circuit_breaker.unwrap().failure_threshold, 2);
    assert_eq!(o.circuit_breaker.unwrap().reset_timeout, Duration::MAX);
    assert!(o.signal.is_some());
    assert_eq!(o.name.as_deref(), Some("fetch-user-data"));
    assert!(parse("undefined").unwrap().timeout.is_none());
    assert_eq!(
        parse("{ concurrency: Infinity, timeout: Infinity }")
            .unwrap()
            .concurrency,
        Some(0)
    );

    let e = parse("{ timeout: '5' }").unwrap_err();
    assert_eq!(
        e,
        Error::Type("scope: timeout must be a number, got string".into())
    );
    let e = parse("{ timeout: -1 }").unwrap_err();
    assert_eq!(
        e,
        Error::Range("scope: timeout must be a number of milliseconds >= 0, got -1".into())
    );
    let e = parse("{ concurrency: 1.5 }").unwrap_err();
    assert!(
        e.to_string().contains("concurrency") && e.to_string().ends_with("got 1.5"),
        "{e}"
    );
    let e = parse("{ signal: {} }").unwrap_err();
    assert_eq!(
        e.to_string(),
        "scope: options.signal must be an AbortSignal, got object"
    );
    let e = parse("{ circuitBreaker: 5 }").unwrap_err();
    assert_eq!(
        e.to_string(),
        "scope: circuitBreaker: options must be an object, got number"
    );
    assert!(parse("7").unwrap_err().is_type());

    let t = |src: &str| {
        let v = js("", &format!("return {src}"))
            .call0(&JsValue::UNDEFINED)
            .unwrap();
        TaskOptions::<()>::from_js(&v)
    };
    let o = t("{ timeout: 250, retry: { maxRetries: 5, delay: 1000 } }").unwrap();
    assert_eq!(o.timeout, Some(MS(250)));
    let r = o.retry.unwrap();
    assert_eq!(r.max_retries, Some(5));
    assert!(matches!(r.delay, Delay::Fixed(d) if d == MS(1000)));
    let e = t("{ retry: { maxRetries: -1 } }").unwrap_err();
    assert_eq!(
        e.to_string(),
        "task: retry.maxRetries must be a whole number >= 0, got -1"
    );
    let e = t("{ retry: { delay: (a) => a * 100 } }").unwrap_err();
    assert!(
        e.is_type() && e.to_string().starts_with("task: retry.delay"),
        "{e}"
    );
    let e = t("{ retry: { delay: NaN } }").unwrap_err();
    assert!(e.is_range(), "{e}");

    let v = js("", "return { interval: 30000, immediate: 0 }")
        .call0(&JsValue::UNDEFINED)
        .unwrap();
    let p = PollOptions::from_js(&v).unwrap();
    assert_eq!((p.interval, p.immediate), (Some(MS(30000)), false));
    let v = js("", "return { interval: -5 }")
        .call0(&JsValue::UNDEFINED)
        .unwrap();
    assert!(PollOptions::from_js(&v).unwrap_err().is_range());
    let v = js("", "return { concurrency: 10, failFast: true }")
        .call0(&JsValue::UNDEFINED)
        .unwrap();
    let p = ParallelOptions::from_js(&v).unwrap();
    assert_eq!((p.concurrency, p.fail_fast), (Some(10), true));

    // Through serde itself (a struct field).
    #[derive(serde::Deserialize)]
    struct Call {
        options: ScopeOptions,
    }
    let v = js("", "return { options: { timeout: 10 } }")
        .call0(&JsValue::UNDEFINED)
        .unwrap();
    let call: Call = serde_wasm_bindgen::from_value(v).unwrap();
    assert_eq!(call.options.timeout, Some(MS(10)));
}

#[wasm_bindgen_test]
async fn tasks_and_runs_go_back_to_javascript_as_promises() {
    let s = scope(ScopeOptions::default()).unwrap();
    let ok = s
        .task(
            |_| async { Ok::<_, JsValue>(JsValue::from(5)) },
            TaskOptions::default(),
        )
        .unwrap();
    assert_eq!(JsFuture::from(ok.into_promise()).await.unwrap(), 5);
    let boom = JsValue::from(js_sys::Error::new("boom"));
    let b = boom.clone();
    let bad = s
        .task(
            move |_| {
                let b = b.clone();
                async move { Err::<JsValue, _>(b) }
            },
            TaskOptions::default(),
        )
        .unwrap();
    let e = JsFuture::from(bad.into_promise()).await.unwrap_err();
    assert!(Object::is(&e, &boom));
    s.dispose().await.unwrap();

    let c = web_sys::AbortController::new().unwrap();
    let p = run(ScopeOptions::default().signal(c.signal()), |s| async move {
        let t = s.task(
            |_| futures::future::pending::<Result<u32, JsValue>>(),
            TaskOptions::default(),
        )?;
        t.await.map_err(|e| e.into_js())
    });
    sleep(5).await;
    c.abort_with_reason(&JsValue::from_str("caller's scope ended"));
    let e = JsFuture::from(p).await.unwrap_err();
    assert_eq!(e.as_string().as_deref(), Some("caller's scope ended"));
    let tuple = result_tuple::<u32, JsValue>(Err(TaskError::CircuitOpen));
    assert_eq!(
        get(&tuple.get(0), "message").as_string().as_deref(),
        Some("Circuit breaker is open")
    );
    assert!(tuple.get(1).is_undefined());
    settled_down().await;
}

#[wasm_bindgen_test]
async fn real_timers_drive_retry_poll_and_channels() {
    let s = scope(ScopeOptions::default()).unwrap();
    let n = Rc::new(Cell::new(0));
    let n2 = n.clone();
    let t = s
        .task(
            move |_| {
                n2.set(n2.get() + 1);
                let k = n2.get();
                async move {
                    if k < 3 {
                        Err(k)
                    } else {
                        Ok(k)
                    }
                }
            },
            TaskOptions::default().retry(RetryOptions::new().delay(MS(5))),
        )
        .unwrap();
    assert_eq!(t.await, Ok(3));

    let polls = Rc::new(Cell::new(0));
    let p2 = polls.clone();
    let c = s
        .poll(
            |_| async { Ok::<_, ()>(()) },
            move |_| p2.set(p2.get() + 1),
            PollOptions::default().interval(MS(5)),
        )
        .unwrap();
    sleep(40).await;
    c.stop();
    assert!(polls.get() >= 3, "{}", polls.get());

    let ch = s.channel::<u32>(1).unwrap();
    let tx = ch.clone();
    let producer = s
        .task(
            move |_| {
                let tx = tx.clone();
                async move {
                    for i in 0..100 {
                        tx.send(i).await?;
                    }
                    tx.close();
                    Ok::<_, SendError<u32>>(())
                }
            },
            TaskOptions::default(),
        )
        .unwrap();
    let mut sum = 0;
    while let Some(v) = ch.recv().await {
        sum += v;
    }
    assert_eq!(sum, 4950);
    assert!(producer.await.is_ok());
    s.dispose().await.unwrap();
    settled_down().await;
}

/// The slow endpoint of the test server npm test starts
/// (`js-tests/support/slow-server.mjs`), given at build time.
fn test_server() -> &'static str {
    match option_env!("GGS_TEST_SERVER") {
        Some(url) => url,
        None => panic!(
            "GGS_TEST_SERVER is not set: run through `npm test`, which starts the test server"
        ),
    }
}

#[wasm_bindgen_test]
async fn a_real_fetch_is_aborted_when_its_scope_times_out() {
    let base = test_server();
    let stats = || async move {
        let f: Function = get(&js_sys::global(), "fetch").unchecked_into();
        let r = JsFuture::from(
            f.call1(&JsValue::UNDEFINED, &format!("{base}/stats").into())
                .unwrap()
                .unchecked_into::<js_sys::Promise>(),
        )
        .await
        .unwrap();
        let json = JsFuture::from(
            get(&r, "json")
                .unchecked_into::<Function>()
                .call0(&r)
                .unwrap()
                .unchecked_into::<js_sys::Promise>(),
        )
        .await
        .unwrap();
        get(&json, "aborted").as_f64().unwrap_or(-1.0)
    };
    let aborted_before = stats().await;
    let s = scope(ScopeOptions::default().timeout(MS(100))).unwrap();
    let url = format!("{base}/slow");
    let t = s
        .task(
            move |ctx| {
                let url = url.clone();
                async move {
                    let fetch: Function = get(&js_sys::global(), "fetch").unchecked_into();
                    let init = Object::new();
                    Reflect::set(&init, &"signal".into(), &ctx.signal()).unwrap();
                    let p: js_sys::Promise = fetch
                        .call2(&JsValue::UNDEFINED, &url.into(), &init)?
                        .unchecked_into();
                    JsFuture::from(p).await
                }
            },
            TaskOptions::default(),
        )
        .unwrap();
    let e = t.await.unwrap_err();
    assert!(e.is_timeout(), "{e:?}");
    s.dispose().await.unwrap();
    // The server saw the request go away: the fetch really stopped.
    let mut aborted = aborted_before;
    for _ in 0..100 {
        aborted = stats().await;
        if aborted > aborted_before {
            break;
        }
        sleep(10).await;
    }
    assert_eq!(
        aborted,
        aborted_before + 1.0,
        "the server saw the connection close"
    );
    settled_down().await;
}
