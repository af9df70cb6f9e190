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
    let o = t("{ timeout: 250, retry: { maxRetries: 5, delay: 1000 }, otel: { name: 'fetch-user', attributes: { 'user.id': 1, cached: false, skipped: {} } } }").unwrap();
    let otel = o.otel.clone().unwrap();
    assert_eq!(otel.name.as_deref(), Some("fetch-user"));
    assert_eq!(
        otel.attributes,
        vec![
            ("user.id".into(), AttributeValue::Number(1.0)),
            ("cached".into(), AttributeValue::Bool(false))
        ]
    );
    assert!(t("{ otel: { name: 5 } }").unwrap_err().is_type());
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

// ---- the two faces agree -----------------------------------------------------
//
// The programs of js-tests/conformance.test.ts, written with the Rust face:
// each must print the trace js-tests/conformance/expected.json gives, which
// the npm package's run of the same program prints too.

const EXPECTED: &str = include_str!("../../js-tests/conformance/expected.json");

fn expected(name: &str) -> Vec<String> {
    let all = js_sys::JSON::parse(EXPECTED).unwrap();
    let list: js_sys::Array = get(&all, name).unchecked_into();
    list.iter().map(|v| v.as_string().unwrap()).collect()
}

/// Runs program `name` and checks its trace against the shared file.
async fn agree<F: std::future::Future<Output = Vec<String>>>(name: &str, program: F) {
    let got = program.await;
    assert_eq!(got, expected(name), "program {name:?}");
    settled_down().await;
}

fn msg<E: std::fmt::Display>(e: E) -> String {
    e.to_string()
}

#[wasm_bindgen_test]
async fn faces_agree_disposal() {
    agree("disposal", async {
        let out = Rc::new(std::cell::RefCell::new(Vec::<String>::new()));
        let (a, b) = (out.clone(), out.clone());
        let s = scope(ScopeOptions::default())
            .unwrap()
            .provide_with_cleanup(
                "db",
                || "db",
                move |_| async move { a.borrow_mut().push("cleanup db".into()) },
            )
            .unwrap()
            .provide_with_cleanup(
                "cache",
                || "cache",
                move |_| async move { b.borrow_mut().push("cleanup cache".into()) },
            )
            .unwrap();
        let t = s
            .task(
                |_| futures::future::pending::<Result<(), String>>(),
                TaskOptions::default(),
            )
            .unwrap();
        s.dispose().await.unwrap();
        let e = t.await.unwrap_err();
        let mut trace = vec![format!("task ended: {}", msg(e))];
        trace.extend(out.borrow().iter().cloned());
        trace.push("disposed: ok".into());
        trace
    })
    .await;
}

#[wasm_bindgen_test]
async fn faces_agree_cleanup_errors() {
    agree("cleanup-errors", async {
        let s = scope(ScopeOptions::default())
            .unwrap()
            .provide_with_cleanup("a", || 1, |_| async { Err::<(), _>("a failed") })
            .unwrap()
            .provide_with_cleanup("b", || 2, |_| async { Err::<(), _>("b failed") })
            .unwrap();
        match s.dispose().await {
            Ok(()) => vec!["disposed: ok".into()],
            Err(e) => vec![format!("disposal failed: {e}")],
        }
    })
    .await;
}

#[wasm_bindgen_test]
async fn faces_agree_timeouts() {
    agree("timeouts", async {
        let s = scope(ScopeOptions::default()).unwrap();
        let e1 = s
            .task(
                |_| futures::future::pending::<Result<(), String>>(),
                TaskOptions::default().timeout(MS(30)),
            )
            .unwrap()
            .await
            .unwrap_err();
        s.dispose().await.unwrap();
        let t = scope(ScopeOptions::default().timeout(MS(40))).unwrap();
        let e2 = t
            .task(
                |_| futures::future::pending::<Result<(), String>>(),
                TaskOptions::default(),
            )
            .unwrap()
            .await
            .unwrap_err();
        let trace = vec![
            format!("task: {}", msg(e1)),
            format!("scope: {}", msg(e2)),
            format!("scope aborted: {}", t.is_aborted()),
        ];
        t.dispose().await.unwrap();
        trace
    })
    .await;
}

#[wasm_bindgen_test]
async fn faces_agree_retry() {
    agree("retry", async {
        let out = Rc::new(std::cell::RefCell::new(Vec::<String>::new()));
        let s = scope(ScopeOptions::default()).unwrap();
        let (o1, o2) = (out.clone(), out.clone());
        let n = Rc::new(Cell::new(0));
        let r = s
            .task(
                move |_| {
                    n.set(n.get() + 1);
                    let k = n.get();
                    o1.borrow_mut().push(format!("attempt {k}"));
                    async move {
                        if k < 3 {
                            Err(format!("fail {k}"))
                        } else {
                            Ok(k)
                        }
                    }
                },
                TaskOptions::default().retry(
                    RetryOptions::new()
                        .max_retries(3)
                        .delay_fn(|attempt, _| MS(u64::from(attempt) * 10))
                        .on_retry(move |e, attempt| {
                            o2.borrow_mut().push(format!("retry {attempt} after {e}"))
                        }),
                ),
            )
            .unwrap()
            .await;
        s.dispose().await.unwrap();
        let mut trace = out.borrow().clone();
        trace.push(format!(
            "result: {}",
            r.map(|v| v.to_string()).unwrap_or_else(msg)
        ));
        trace
    })
    .await;
}

#[wasm_bindgen_test]
async fn faces_agree_retry_condition() {
    agree("retry-condition", async {
        let out = Rc::new(std::cell::RefCell::new(Vec::<String>::new()));
        let s = scope(ScopeOptions::default()).unwrap();
        let o = out.clone();
        let n = Rc::new(Cell::new(0));
        let r = s
            .task(
                move |_| {
                    n.set(n.get() + 1);
                    o.borrow_mut().push(format!("attempt {}", n.get()));
                    async { Err::<(), _>("fatal") }
                },
                TaskOptions::default()
                    .retry(RetryOptions::new().retry_condition(|e| e.failed() != Some(&"fatal"))),
            )
            .unwrap()
            .await;
        s.dispose().await.unwrap();
        let mut trace = out.borrow().clone();
        trace.push(format!("result: {}", msg(r.unwrap_err())));
        trace
    })
    .await;
}

#[wasm_bindgen_test]
async fn faces_agree_breaker() {
    agree("breaker", async {
        let s = scope(
            ScopeOptions::default().circuit_breaker(CircuitBreakerOptions {
                failure_threshold: 2,
                reset_timeout: MS(10_000),
            }),
        )
        .unwrap();
        let calls = Rc::new(Cell::new(0));
        let mut trace = Vec::new();
        for i in 1..=3 {
            let c = calls.clone();
            let e = s
                .task(
                    move |_| {
                        c.set(c.get() + 1);
                        async { Err::<(), _>("down") }
                    },
                    TaskOptions::default(),
                )
                .unwrap()
                .await
                .unwrap_err();
            trace.push(format!("call {i}: {e}"));
        }
        trace.push(format!("calls made: {}", calls.get()));
        s.dispose().await.unwrap();
        trace
    })
    .await;
}

#[wasm_bindgen_test]
async fn faces_agree_channel() {
    agree("channel", async {
        let s = scope(ScopeOptions::default()).unwrap();
        let ch = s.channel::<u32>(1).unwrap();
        let tx = ch.clone();
        let _producer = s
            .spawn(async move {
                for i in 1..=5 {
                    tx.send(i).await?;
                }
                tx.close();
                Ok::<_, SendError<u32>>(())
            })
            .unwrap();
        let mut trace = Vec::new();
        while let Some(v) = ch.recv().await {
            trace.push(format!("received {v}"));
        }
        trace.push("end".into());
        let sent = ch.send(9).await;
        trace.push(format!(
            "send after close: {}",
            if sent.is_ok() { "sent" } else { "closed" }
        ));
        s.dispose().await.unwrap();
        trace
    })
    .await;
}

#[wasm_bindgen_test]
async fn faces_agree_channel_backpressure() {
    agree("channel-backpressure", async {
        let out = Rc::new(std::cell::RefCell::new(Vec::<String>::new()));
        let s = scope(ScopeOptions::default()).unwrap();
        for (bp, name) in [
            (Backpressure::DropOldest, "drop-oldest"),
            (Backpressure::DropLatest, "drop-latest"),
            (Backpressure::Error, "error"),
        ] {
            let o = out.clone();
            let ch = s
                .channel_with::<u32>(
                    ChannelOptions::new(2)
                        .backpressure(bp)
                        .on_drop(move |v| o.borrow_mut().push(format!("{name}: dropped {v}"))),
                )
                .unwrap();
            for i in 1..=4 {
                if let Err(e) = ch.send(i).await {
                    let full = e.is_full();
                    out.borrow_mut()
                        .push(format!("{name}: {i} refused (full: {full})"));
                }
            }
            ch.close();
            let mut kept = Vec::new();
            while let Some(v) = ch.recv().await {
                kept.push(v.to_string());
            }
            out.borrow_mut()
                .push(format!("{name}: kept {}", kept.join(" ")));
        }
        let r = s
            .channel_with::<u32>(ChannelOptions::new(0).backpressure(Backpressure::Error))
            .unwrap();
        let rx = r.clone();
        let waiting = s
            .spawn(async move { Ok::<_, ()>(rx.recv().await) })
            .unwrap();
        r.send(7).await.unwrap();
        let got = waiting.await.ok().flatten().unwrap_or_default();
        out.borrow_mut()
            .push(format!("rendezvous: a waiting receiver got {got}"));
        s.dispose().await.unwrap();
        let trace = out.borrow().clone();
        trace
    })
    .await;
}

#[wasm_bindgen_test]
async fn faces_agree_concurrency() {
    agree("concurrency", async {
        let out = Rc::new(std::cell::RefCell::new(Vec::<String>::new()));
        let s = scope(ScopeOptions::default().concurrency(2)).unwrap();
        let running = Rc::new(Cell::new(0));
        let most = Rc::new(Cell::new(0));
        let tasks: Vec<_> = (0..4u32)
            .map(|i| {
                let (o, r, m) = (out.clone(), running.clone(), most.clone());
                s.spawn(async move {
                    o.borrow_mut().push(format!("start {i}"));
                    r.set(r.get() + 1);
                    m.set(m.get().max(r.get()));
                    sleep(20 + i * 15).await;
                    o.borrow_mut().push(format!("end {i}"));
                    r.set(r.get() - 1);
                    Ok::<_, ()>(())
                })
                .unwrap()
            })
            .collect();
        futures::future::join_all(tasks).await;
        let mut trace = out.borrow().clone();
        trace.push(format!("most at once: {}", most.get()));
        s.dispose().await.unwrap();
        trace
    })
    .await;
}

#[wasm_bindgen_test]
async fn faces_agree_race() {
    agree("race", async {
        let s = scope(ScopeOptions::default()).unwrap();
        let make = |ms: u32, ok: bool| {
            move |_ctx: TaskContext| async move {
                sleep(ms).await;
                if ok {
                    Ok(format!("v{ms}"))
                } else {
                    Err(format!("e{ms}"))
                }
            }
        };
        let r = s
            .race([make(60, true), make(10, false), make(40, true)])
            .await;
        s.dispose().await.unwrap();
        vec![format!(
            "winner: {}",
            match r {
                Ok(v) => format!("value {v}"),
                Err(e) => format!("error {e}"),
            }
        )]
    })
    .await;
}

#[wasm_bindgen_test]
async fn faces_agree_parallel() {
    agree("parallel", async {
        let running = Rc::new(Cell::new(0));
        let most = Rc::new(Cell::new(0));
        let results = parallel(
            (0..4u32).map(|i| {
                let (r, m) = (running.clone(), most.clone());
                move |_ctx: TaskContext| async move {
                    r.set(r.get() + 1);
                    m.set(m.get().max(r.get()));
                    sleep(10 + (3 - i) * 5).await;
                    r.set(r.get() - 1);
                    if i == 2 {
                        Err(format!("e{i}"))
                    } else {
                        Ok(i)
                    }
                }
            }),
            ParallelOptions::default().concurrency(2),
        )
        .await
        .unwrap();
        let shown: Vec<String> = results
            .into_iter()
            .map(|r| match r {
                Ok(v) => format!("ok {v}"),
                Err(e) => format!("error {e}"),
            })
            .collect();
        vec![
            format!("results: {}", shown.join(", ")),
            format!("most at once: {}", most.get()),
        ]
    })
    .await;
}

#[wasm_bindgen_test]
async fn faces_agree_refusals() {
    agree("refusals", async {
        let mut out = Vec::new();
        let mut refused =
            |r: Result<(), Error>| out.push(r.map_or_else(msg, |_| "accepted".into()));
        refused(
            scope(ScopeOptions::default().timeout(Duration::from_secs(1)))
                .map(drop)
                .and(
                    // A negative timeout cannot be a Duration: it comes from JavaScript.
                    ScopeOptions::from_js(
                        &js("", "return { timeout: -1 }")
                            .call0(&JsValue::UNDEFINED)
                            .unwrap(),
                    )
                    .map(drop),
                ),
        );
        refused(
            ScopeOptions::from_js(
                &js("", "return { concurrency: 1.5 }")
                    .call0(&JsValue::UNDEFINED)
                    .unwrap(),
            )
            .map(drop),
        );
        refused(
            scope(
                ScopeOptions::default()
                    .circuit_breaker(CircuitBreakerOptions::default().failure_threshold(0)),
            )
            .map(drop),
        );
        refused(
            poll(
                |_| async { Ok::<_, ()>(1) },
                |_| {},
                PollOptions::default().interval(Duration::ZERO),
            )
            .map(drop),
        );
        let s = scope(ScopeOptions::default()).unwrap();
        s.dispose().await.unwrap();
        refused(
            s.task(|_| async { Ok::<_, ()>(1) }, TaskOptions::default())
                .map(drop),
        );
        let e = race(
            Vec::<fn(TaskContext) -> std::future::Ready<Result<(), ()>>>::new(),
            RaceOptions::default(),
        )
        .await
        .unwrap_err();
        out.push(match e {
            TaskError::Refused(e) => e.to_string(),
            other => format!("{other:?}"),
        });
        out
    })
    .await;
}

// ---- additions from go-go-scope 2.x: delay, on_abort, when_aborted ---------

#[wasm_bindgen_test]
async fn delay_sleeps_on_real_timers_and_a_disposal_ends_it_with_the_scope_s_reason() {
    let s = scope(ScopeOptions::default()).unwrap();
    let t0 = js_sys::Date::now();
    s.delay(MS(20)).await.unwrap();
    assert!(js_sys::Date::now() - t0 >= 15.0);
    let long = s.delay(Duration::from_secs(60));
    let disposing = s.dispose();
    let reason = long.await.unwrap_err();
    assert!(reason.is_disposed());
    assert_eq!(
        reason.to_js(),
        s.signal().reason(),
        "the very reason of the scope's signal"
    );
    disposing.await.unwrap();
    settled_down().await;
}

#[wasm_bindgen_test]
async fn on_abort_calls_back_once_and_its_guard_removes_the_listener() {
    let c = web_sys::AbortController::new().unwrap();
    let seen = Rc::new(std::cell::RefCell::new(Vec::<JsValue>::new()));
    let s = seen.clone();
    let kept = on_abort(&c.signal(), move |r| s.borrow_mut().push(r));
    let s = seen.clone();
    drop(on_abort(&c.signal(), move |_| {
        s.borrow_mut().push("removed".into())
    }));
    c.abort_with_reason(&"why".into());
    drop(kept);
    assert_eq!(*seen.borrow(), [JsValue::from("why")]);
    // Already aborted: at once.
    let s = seen.clone();
    let _g = on_abort(&c.signal(), move |r| s.borrow_mut().push(r));
    assert_eq!(seen.borrow().len(), 2);
}

#[wasm_bindgen_test]
async fn when_aborted_resolves_with_the_reason() {
    let c = web_sys::AbortController::new().unwrap();
    let signal = c.signal();
    let c2 = c.clone();
    wasm_bindgen_futures::spawn_local(async move {
        sleep(5).await;
        c2.abort_with_reason(&"late".into());
    });
    assert_eq!(when_aborted(&signal).await, "late");
    assert_eq!(when_aborted(&signal).await, "late");
}
