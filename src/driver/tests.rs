//! Behaviour tests of the Rust face, natively, on a [`ManualHost`]: time
//! moves only when a test says so, so every ordering below is exact. The
//! same behaviours run on wasm (Node and Chromium) in `tests/web.rs`.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::rc::Rc;
use std::time::Duration;

use futures::future::{pending, FutureExt};
use futures::StreamExt;

use super::*;

// In wasm, `wasm-pack test` runs these same tests (STYLE #11).
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

fn rt() -> (ManualHost, Runtime) {
    let host = ManualHost::new();
    let rt = Runtime::new(host.clone());
    (host, rt)
}

fn ready<F: Future + Unpin>(f: &mut F) -> Option<F::Output> {
    f.now_or_never()
}

const MS: fn(u64) -> Duration = Duration::from_millis;

/// Sets its flag when dropped: shows a future was dropped (its work stopped).
struct DropFlag(Rc<Cell<bool>>);

impl Drop for DropFlag {
    fn drop(&mut self) {
        self.0.set(true);
    }
}

fn opts<E>() -> TaskOptions<E> {
    TaskOptions::default()
}

/// Disposes `s` and runs until it is over.
fn dispose(host: &ManualHost, s: &Scope) -> Result<(), DisposeError> {
    let mut d = s.dispose();
    host.run();
    ready(&mut d).expect("disposal finished")
}

#[test]
fn a_task_starts_at_once_and_settles_with_its_value_or_its_own_error() {
    let (host, rt) = rt();
    let s = rt.scope(ScopeOptions::default()).unwrap();
    let calls = Rc::new(Cell::new(0));
    let c = calls.clone();
    let mut t = s
        .task(
            move |_| {
                c.set(c.get() + 1);
                async { Ok::<_, ()>(7) }
            },
            opts(),
        )
        .unwrap();
    assert_eq!(calls.get(), 1, "fn is called inside task()");
    assert!(t.is_started() && t.is_settled());
    assert_eq!(ready(&mut t), Some(Ok(7)));

    // The error is the very value the future gave (same allocation).
    let e = Rc::new(String::from("no user"));
    let e2 = e.clone();
    let mut t = s
        .task(
            move |_| {
                let e = e2.clone();
                async move { Err::<(), _>(e) }
            },
            opts(),
        )
        .unwrap();
    let got = ready(&mut t).unwrap().unwrap_err().into_failed().unwrap();
    assert!(Rc::ptr_eq(&got, &e));
    assert!(t.id() > 0);
    assert!(dispose(&host, &s).is_ok());
    assert!(rt.live().is_empty(), "{:?}", rt.live());
}

#[test]
fn task_ids_increase_and_spawn_runs_a_plain_future() {
    let (host, rt) = rt();
    let s = rt.scope(ScopeOptions::default()).unwrap();
    let a = s.spawn(async { Ok::<_, ()>(1) }).unwrap();
    let b = s.spawn(async { Ok::<_, ()>(2) }).unwrap();
    assert!(b.id() > a.id());
    assert_eq!(a.now_or_never(), Some(Ok(1)));
    dispose(&host, &s).unwrap();
}

#[test]
fn a_task_timeout_drops_the_future_and_fails_with_timeout() {
    let (host, rt) = rt();
    let s = rt.scope(ScopeOptions::default()).unwrap();
    let dropped = Rc::new(Cell::new(false));
    let d = dropped.clone();
    let mut t = s
        .task(
            move |_| {
                let guard = DropFlag(d.clone());
                async move {
                    let _g = guard;
                    pending::<()>().await;
                    Ok::<(), ()>(())
                }
            },
            opts().timeout(MS(50)),
        )
        .unwrap();
    host.advance(49);
    assert!(!t.is_settled());
    assert!(!dropped.get());
    host.advance(1);
    let e = ready(&mut t).unwrap().unwrap_err();
    assert!(e.is_timeout(), "{e:?}");
    assert_eq!(e.reason().unwrap().to_string(), "timeout after 50ms");
    assert_eq!(e.reason().unwrap().timeout(), Some(MS(50)));
    assert!(dropped.get(), "the work stopped");
    dispose(&host, &s).unwrap();
    assert!(rt.live().is_empty(), "{:?}", rt.live());
}

#[test]
fn a_scope_timeout_aborts_its_tasks_with_the_same_reason() {
    let (host, rt) = rt();
    let s = rt.scope(ScopeOptions::default().timeout(MS(100))).unwrap();
    let mut a = s.task(|_| pending::<Result<(), ()>>(), opts()).unwrap();
    let mut b = s.task(|_| pending::<Result<(), ()>>(), opts()).unwrap();
    host.advance(100);
    let ea = ready(&mut a).unwrap().unwrap_err();
    let eb = ready(&mut b).unwrap().unwrap_err();
    assert!(ea.is_timeout());
    assert_eq!(ea.reason(), eb.reason(), "one cancellation, one reason");
    assert!(s.is_aborted() && !s.is_disposed());
    assert_eq!(s.reason().as_ref(), ea.reason());
    assert_eq!(s.reason().unwrap().to_string(), "timeout after 100ms");
    let e = s.task(|_| async { Ok::<_, ()>(()) }, opts()).unwrap_err();
    assert_eq!(e.to_string(), "Cannot spawn task on aborted scope");
    dispose(&host, &s).unwrap();
    let e = s.task(|_| async { Ok::<_, ()>(()) }, opts()).unwrap_err();
    assert_eq!(
        e,
        Error::State("Cannot spawn task on disposed scope".into())
    );
    assert!(rt.live().is_empty(), "{:?}", rt.live());
}

#[test]
fn disposal_aborts_then_runs_cleanups_newest_first_then_waits_for_tasks() {
    let (host, rt) = rt();
    let log = Rc::new(RefCell::new(Vec::<String>::new()));
    let l = log.clone();
    let s = rt
        .scope(ScopeOptions::default())
        .unwrap()
        .provide_with_cleanup("db", || "db", {
            let l = l.clone();
            move |_| async move { l.borrow_mut().push("db closed".into()) }
        })
        .unwrap()
        .provide_with_cleanup("cache", || "cache", {
            let l = l.clone();
            move |_| async move { l.borrow_mut().push("cache cleared".into()) }
        })
        .unwrap();
    /// Logs the abort reason when the task's future is dropped.
    struct Noted(Rc<RefCell<Vec<String>>>, TaskContext);
    impl Drop for Noted {
        fn drop(&mut self) {
            let r = self.1.reason().map(|r| r.to_string()).unwrap_or_default();
            self.0.borrow_mut().push(format!("task dropped: {r}"));
        }
    }
    let l2 = l.clone();
    let _t = s
        .task(
            move |ctx| {
                let noted = Noted(l2.clone(), ctx);
                async move {
                    let _noted = noted;
                    pending::<Result<(), ()>>().await
                }
            },
            opts(),
        )
        .unwrap();
    host.run();
    let mut d = s.dispose();
    assert!(s.is_disposed());
    // The abort dropped the task's future before the cleanups ran, all
    // within the call (as JavaScript's abort listeners run first).
    assert_eq!(
        *log.borrow(),
        ["task dropped: scope disposed", "cache cleared", "db closed"]
    );
    host.run();
    assert!(ready(&mut d).unwrap().is_ok());
    assert!(rt.live().is_empty(), "{:?}", rt.live());
}

#[test]
fn an_async_cleanup_is_awaited_before_the_next_and_errors_are_collected() {
    let (host, rt) = rt();
    let order = Rc::new(RefCell::new(Vec::new()));
    let (o1, o2, o3) = (order.clone(), order.clone(), order.clone());
    let s = rt.scope(ScopeOptions::default()).unwrap();
    let s = s
        .provide_with_cleanup(
            "a",
            || 1,
            move |_| async move {
                o1.borrow_mut().push("a");
                Err::<(), _>("a failed")
            },
        )
        .unwrap();
    let slow = host.clone();
    let s = s
        .provide_with_cleanup(
            "b",
            || 2,
            move |_| {
                let o2 = o2.clone();
                let host = slow.clone();
                async move {
                    let (tx, rx) = futures::channel::oneshot::channel::<()>();
                    let _g = host.set_timeout(
                        30,
                        Box::new(move || {
                            let _ = tx.send(());
                        }),
                    );
                    let _ = rx.await;
                    o2.borrow_mut().push("b");
                    Ok::<(), CleanupError>(())
                }
            },
        )
        .unwrap();
    let s = s
        .provide_with_cleanup(
            "c",
            || 3,
            move |_| async move {
                o3.borrow_mut().push("c");
                Err::<(), _>(CleanupError::new("c failed"))
            },
        )
        .unwrap();
    let mut d = s.dispose();
    host.run();
    assert_eq!(*order.borrow(), ["c"], "b is awaited before a runs");
    host.advance(30);
    assert_eq!(*order.borrow(), ["c", "b", "a"]);
    let e = ready(&mut d).unwrap().unwrap_err();
    assert_eq!(
        e.to_string(),
        "Multiple errors during scope disposal: c failed, a failed"
    );
    assert_eq!(e.errors().len(), 2);
    // A second dispose is the same disposal.
    assert_eq!(
        ready(&mut s.dispose()).unwrap().unwrap_err().errors().len(),
        2
    );
    assert!(rt.live().is_empty(), "{:?}", rt.live());
}

#[test]
fn dropping_the_last_handle_disposes_and_cleanups_finish_on_the_executor() {
    let (host, rt) = rt();
    let closed = Rc::new(Cell::new(false));
    let c = closed.clone();
    let dropped = Rc::new(Cell::new(false));
    {
        let s = rt
            .scope(ScopeOptions::default())
            .unwrap()
            .provide_with_cleanup("db", || (), move |_| async move { c.set(true) })
            .unwrap();
        let d = dropped.clone();
        let _t = s
            .task(
                move |_| {
                    let g = DropFlag(d.clone());
                    async move {
                        let _g = g;
                        pending::<Result<(), ()>>().await
                    }
                },
                opts(),
            )
            .unwrap();
        let clone = s.clone();
        drop(s);
        assert!(!clone.is_disposed(), "a clone keeps it");
    }
    host.run();
    assert!(dropped.get(), "the abort dropped the task's future");
    assert!(closed.get(), "the cleanup ran");
    assert!(rt.live().is_empty(), "{:?}", rt.live());
}

#[test]
fn a_child_is_aborted_by_its_parent_and_inherits_services_and_options() {
    let (host, rt) = rt();
    let parent = rt
        .scope(
            ScopeOptions::default()
                .concurrency(2)
                .circuit_breaker(CircuitBreakerOptions::default().failure_threshold(3)),
        )
        .unwrap()
        .provide("db", || "pg")
        .unwrap();
    let child = parent
        .child(ScopeOptions::default())
        .unwrap()
        .provide("cache", || "redis")
        .unwrap();
    assert_eq!(*child.service::<&str>("db").unwrap().unwrap(), "pg");
    assert!(child.service::<&str>("cache").unwrap().is_some());
    assert!(parent.service::<&str>("cache").unwrap().is_none());
    assert_eq!(child.concurrency(), Some(2));
    assert_eq!(child.circuit_breaker().unwrap().failure_threshold, 3);
    let own = parent
        .child(ScopeOptions::default().concurrency(0))
        .unwrap();
    assert_eq!(own.concurrency(), None, "0 overrides: no limit");
    let mut aborted = child.aborted();
    assert!(ready(&mut aborted).is_none());
    dispose(&host, &parent).unwrap();
    let r = ready(&mut aborted).unwrap();
    assert!(r.is_disposed());
    assert_eq!(r.to_string(), "scope disposed");
    assert!(child.is_aborted());
    assert!(child.service::<&str>("db").is_ok(), "aborted, not disposed");
    dispose(&host, &child).unwrap();
    assert!(child.service::<&str>("db").is_err());
    drop((own, child));
    host.run();
    assert!(rt.live().is_empty(), "{:?}", rt.live());
}

#[test]
fn a_concurrency_limit_runs_at_most_n_in_fifo_order() {
    let (host, rt) = rt();
    let s = rt.scope(ScopeOptions::default().concurrency(2)).unwrap();
    let running = Rc::new(Cell::new(0));
    let most = Rc::new(Cell::new(0));
    let order = Rc::new(RefCell::new(Vec::new()));
    let mut tasks = Vec::new();
    for i in 0..6u64 {
        let (r, m, o, h) = (running.clone(), most.clone(), order.clone(), host.clone());
        tasks.push(
            s.task(
                move |_| {
                    let (r, m, o, h) = (r.clone(), m.clone(), o.clone(), h.clone());
                    async move {
                        o.borrow_mut().push(i);
                        r.set(r.get() + 1);
                        m.set(m.get().max(r.get()));
                        sleep(&h, 10 + i).await;
                        r.set(r.get() - 1);
                        Ok::<_, ()>(i)
                    }
                },
                opts(),
            )
            .unwrap(),
        );
    }
    assert_eq!(*order.borrow(), [0, 1]);
    host.advance(1000);
    assert_eq!(*order.borrow(), [0, 1, 2, 3, 4, 5]);
    assert_eq!(most.get(), 2);
    for (i, t) in tasks.iter_mut().enumerate() {
        assert_eq!(ready(t), Some(Ok(i as u64)));
    }
    dispose(&host, &s).unwrap();
    assert!(rt.live().is_empty(), "{:?}", rt.live());
}

/// A future that ends `ms` later on `host`'s clock.
fn sleep(host: &ManualHost, ms: u64) -> impl Future<Output = ()> {
    let (tx, rx) = futures::channel::oneshot::channel::<()>();
    let guard = host.set_timeout(
        ms as u32,
        Box::new(move || {
            let _ = tx.send(());
        }),
    );
    async move {
        let _g = guard;
        let _ = rx.await;
    }
}

#[test]
fn leaving_cancels_the_tasks_still_queued_for_a_permit() {
    let (host, rt) = rt();
    let s = rt.scope(ScopeOptions::default().concurrency(1)).unwrap();
    let started = Rc::new(Cell::new(0));
    let mut tasks = Vec::new();
    for _ in 0..3 {
        let st = started.clone();
        tasks.push(
            s.task(
                move |_| {
                    st.set(st.get() + 1);
                    pending::<Result<(), ()>>()
                },
                opts(),
            )
            .unwrap(),
        );
    }
    assert_eq!(started.get(), 1);
    assert!(!tasks[1].is_started());
    dispose(&host, &s).unwrap();
    assert_eq!(started.get(), 1, "queued tasks never ran");
    for t in &mut tasks {
        assert!(ready(t).unwrap().unwrap_err().is_aborted());
    }
    assert!(rt.live().is_empty(), "{:?}", rt.live());
}

#[test]
fn retry_calls_again_with_delays_and_hooks_and_stops_when_told() {
    let (host, rt) = rt();
    let s = rt.scope(ScopeOptions::default()).unwrap();
    let calls = Rc::new(RefCell::new(Vec::<u64>::new()));
    let seen = Rc::new(RefCell::new(Vec::<u32>::new()));
    let (c, h, sn) = (calls.clone(), host.clone(), seen.clone());
    let mut t = s
        .task(
            move |_| {
                let now = h.now() as u64;
                c.borrow_mut().push(now);
                let n = c.borrow().len();
                async move {
                    if n < 4 {
                        Err(format!("fail {n}"))
                    } else {
                        Ok(n)
                    }
                }
            },
            opts().retry(
                RetryOptions::new()
                    .max_retries(5)
                    .delay_fn(|attempt, _| Duration::from_millis(100 * u64::from(attempt)))
                    .on_retry(move |e, attempt| {
                        assert!(e.is_failed());
                        sn.borrow_mut().push(attempt)
                    }),
            ),
        )
        .unwrap();
    host.advance(1000);
    assert_eq!(ready(&mut t), Some(Ok(4)));
    assert_eq!(
        *calls.borrow(),
        [0, 100, 300, 600],
        "delays 100, 200, 300 ms"
    );
    assert_eq!(*seen.borrow(), [1, 2, 3]);

    // maxRetries honoured; the last error is the result.
    let n = Rc::new(Cell::new(0));
    let n2 = n.clone();
    let mut t = s
        .task(
            move |_| {
                n2.set(n2.get() + 1);
                let k = n2.get();
                async move { Err::<(), _>(k) }
            },
            opts().retry(RetryOptions::new().max_retries(2)),
        )
        .unwrap();
    host.run();
    assert_eq!(ready(&mut t).unwrap().unwrap_err().into_failed(), Some(3));

    // retryCondition false ends retrying with that error.
    let n3 = Rc::new(Cell::new(0));
    let n4 = n3.clone();
    let mut t = s
        .task(
            move |_| {
                n4.set(n4.get() + 1);
                async { Err::<(), _>("fatal") }
            },
            opts().retry(RetryOptions::new().retry_condition(|e| e.failed() != Some(&"fatal"))),
        )
        .unwrap();
    host.run();
    assert_eq!(n3.get(), 1);
    assert!(ready(&mut t).unwrap().is_err());
    dispose(&host, &s).unwrap();
    assert!(rt.live().is_empty(), "{:?}", rt.live());
}

#[test]
fn a_task_retried_with_a_seeded_backoff_waits_exactly_its_delays() {
    let (host, rt) = rt();
    let s = rt.scope(ScopeOptions::default()).unwrap();
    let options = ExponentialOptions::default()
        .initial(MS(40))
        .max(MS(500))
        .jitter(0.5);
    let backoff = Backoff::exponential(options.clone()).unwrap().seed(2024);
    // The same seed again: the delays the machine will compute.
    let twin = Backoff::exponential(options).unwrap().seed(2024);
    let expected: Vec<u64> = (1..=4).map(|a| twin.delay(a).as_millis() as u64).collect();
    assert!(
        expected.iter().all(|d| (20..=500).contains(d)),
        "{expected:?}"
    );
    let starts = Rc::new(RefCell::new(Vec::<u64>::new()));
    let (st, h) = (starts.clone(), host.clone());
    let mut t = s
        .task(
            move |_| {
                st.borrow_mut().push(h.now() as u64);
                async { Err::<(), _>("flaky") }
            },
            opts().retry(RetryOptions::new().max_retries(4).backoff(backoff)),
        )
        .unwrap();
    host.advance(10_000);
    assert!(ready(&mut t).unwrap().is_err());
    let waits: Vec<u64> = starts.borrow().windows(2).map(|w| w[1] - w[0]).collect();
    assert_eq!(waits, expected);

    // Decorrelated jitter reused by a second task starts over from `initial`.
    let dec = Backoff::decorrelated_jitter(MS(10), MS(10_000)).seed(3);
    let firsts = Rc::new(RefCell::new(Vec::<u32>::new()));
    for _ in 0..2 {
        let (d, f) = (dec.clone(), firsts.clone());
        let _ = dec.delay(5); // moves the shared state along
        let mut t = s
            .task(
                |_| async { Err::<(), _>("x") },
                opts().retry(RetryOptions::new().max_retries(3).delay_fn(move |a, _| {
                    let ms = d.delay(a);
                    if a == 1 {
                        f.borrow_mut().push(ms.as_millis() as u32);
                    }
                    ms
                })),
            )
            .unwrap();
        host.advance(100_000);
        assert!(ready(&mut t).unwrap().is_err());
    }
    assert!(
        firsts.borrow().iter().all(|d| (10..=30).contains(d)),
        "{:?}",
        firsts.borrow()
    );
    // The npm package's `jitter(1000, 0.2, 42)(1)` gives the same.
    let j = Backoff::jitter(MS(1000), 0.2).unwrap().seed(42);
    assert_eq!(j.delay(1), MS(1040));
    dispose(&host, &s).unwrap();
    assert!(rt.live().is_empty(), "{:?}", rt.live());
}

#[test]
fn a_timed_out_attempt_is_retried_with_a_fresh_signal_and_a_scope_abort_ends_the_delay() {
    let (host, rt) = rt();
    let s = rt.scope(ScopeOptions::default()).unwrap();
    let attempts = Rc::new(Cell::new(0));
    let a = attempts.clone();
    let mut t = s
        .task(
            move |ctx| {
                a.set(a.get() + 1);
                assert!(!ctx.is_aborted(), "each attempt starts with a live signal");
                pending::<Result<(), ()>>()
            },
            opts()
                .timeout(MS(10))
                .retry(RetryOptions::new().max_retries(2).delay(MS(5))),
        )
        .unwrap();
    host.advance(10 + 5 + 10 + 5 + 10);
    assert_eq!(attempts.get(), 3);
    assert!(ready(&mut t).unwrap().unwrap_err().is_timeout());

    let mut t = s
        .task(
            |_| async { Err::<(), _>("x") },
            opts().retry(RetryOptions::new().delay(MS(1000))),
        )
        .unwrap();
    host.advance(10);
    let mut d = s.dispose();
    host.run();
    let e = ready(&mut t).unwrap().unwrap_err();
    assert!(
        e.is_aborted(),
        "the delay ended at once with the abort reason: {e:?}"
    );
    assert!(ready(&mut d).unwrap().is_ok());
    assert!(rt.live().is_empty(), "{:?}", rt.live());
}

#[test]
fn the_circuit_breaker_opens_fails_fast_and_lets_one_trial_through() {
    let (host, rt) = rt();
    let s = rt
        .scope(
            ScopeOptions::default().circuit_breaker(CircuitBreakerOptions {
                failure_threshold: 2,
                reset_timeout: MS(1000),
            }),
        )
        .unwrap();
    let calls = Rc::new(Cell::new(0));
    let call = |ok: bool| {
        let c = calls.clone();
        s.task(
            move |_| {
                c.set(c.get() + 1);
                async move {
                    if ok {
                        Ok(())
                    } else {
                        Err("down")
                    }
                }
            },
            opts(),
        )
        .unwrap()
    };
    for _ in 0..2 {
        assert!(call(false).now_or_never().unwrap().is_err());
    }
    let e = call(true).now_or_never().unwrap().unwrap_err();
    assert!(e.is_circuit_open());
    assert_eq!(e.to_string(), "Circuit breaker is open");
    assert_eq!(calls.get(), 2);
    host.advance(1000);
    assert!(
        call(true).now_or_never().unwrap().is_ok(),
        "half-open trial"
    );
    assert!(call(true).now_or_never().unwrap().is_ok(), "closed again");
    assert_eq!(calls.get(), 4);
    dispose(&host, &s).unwrap();
}

#[test]
fn channels_buffer_wait_close_and_end_iteration() {
    let (host, rt) = rt();
    let s = rt.scope(ScopeOptions::default()).unwrap();
    let ch = s.channel::<u32>(2).unwrap();
    assert_eq!((ch.cap(), ch.len(), ch.is_closed()), (2, 0, false));
    let tx = ch.clone();
    let mut producer = s
        .task(
            move |_| {
                let tx = tx.clone();
                async move {
                    for i in 0..5 {
                        tx.send(i).await?;
                    }
                    tx.close();
                    Ok::<_, SendError<u32>>(())
                }
            },
            opts(),
        )
        .unwrap();
    assert_eq!(ch.len(), 2, "backpressure: the third send waits");
    let got: Vec<u32> = {
        let mut rx = ch.clone();
        let mut all = Vec::new();
        loop {
            host.run();
            match ready(&mut rx.next()) {
                Some(Some(v)) => all.push(v),
                Some(None) => break,
                None => {}
            }
        }
        all
    };
    assert_eq!(got, [0, 1, 2, 3, 4]);
    assert!(ready(&mut producer).unwrap().is_ok());
    assert!(ch.is_closed());
    let e = ready(&mut ch.send(9)).unwrap().unwrap_err();
    assert!(e.is_closed());
    assert_eq!(e.into_inner(), 9);
    dispose(&host, &s).unwrap();
    assert!(rt.live().is_empty(), "{:?}", rt.live());
}

/// A channel of `u32` with `bp`, recording what `on_drop` is given.
fn dropping(s: &Scope, cap: usize, bp: Backpressure) -> (Channel<u32>, Rc<RefCell<Vec<u32>>>) {
    let dropped = Rc::new(RefCell::new(Vec::new()));
    let d = dropped.clone();
    let opts = ChannelOptions::new(cap)
        .backpressure(bp)
        .on_drop(move |v| d.borrow_mut().push(v));
    (s.channel_with(opts).unwrap(), dropped)
}

#[test]
fn backpressure_drops_the_oldest_or_the_newest_or_refuses_and_never_waits() {
    let (host, rt) = rt();
    let s = rt.scope(ScopeOptions::default()).unwrap();
    assert_eq!(
        s.channel::<u8>(1).unwrap().backpressure(),
        Backpressure::Block
    );

    let (ch, dropped) = dropping(&s, 2, Backpressure::DropOldest);
    assert_eq!(ch.backpressure(), Backpressure::DropOldest);
    for i in 1..=5 {
        assert_eq!(ready(&mut ch.send(i)), Some(Ok(())));
    }
    assert_eq!(*dropped.borrow(), [1, 2, 3]);
    assert_eq!(ch.len(), 2);
    assert_eq!(ready(&mut ch.recv()), Some(Some(4)));
    assert_eq!(ready(&mut ch.recv()), Some(Some(5)));

    let (ch, dropped) = dropping(&s, 2, Backpressure::DropLatest);
    for i in 1..=4 {
        assert_eq!(ready(&mut ch.send(i)), Some(Ok(())));
    }
    assert_eq!(*dropped.borrow(), [3, 4]);
    assert_eq!(ready(&mut ch.recv()), Some(Some(1)));
    assert_eq!(ready(&mut ch.recv()), Some(Some(2)));

    let (ch, dropped) = dropping(&s, 1, Backpressure::Error);
    assert_eq!(ready(&mut ch.send(1)), Some(Ok(())));
    let e = ready(&mut ch.send(2)).unwrap().unwrap_err();
    assert_eq!(e, SendError::Full(2));
    assert!(e.is_full() && e.reason().is_none());
    assert_eq!(e.to_string(), "channel buffer is full");
    assert!(dropped.borrow().is_empty());
    assert_eq!(ready(&mut ch.recv()), Some(Some(1)));
    assert_eq!(ready(&mut ch.send(3)), Some(Ok(())), "room again");

    dispose(&host, &s).unwrap();
    assert!(rt.live().is_empty(), "{:?}", rt.live());
}

#[test]
fn backpressure_lets_a_waiting_receiver_take_the_value_and_drops_at_capacity_zero() {
    let (host, rt) = rt();
    let s = rt.scope(ScopeOptions::default()).unwrap();
    for bp in [
        Backpressure::DropOldest,
        Backpressure::DropLatest,
        Backpressure::Error,
    ] {
        for cap in [0, 1] {
            let (ch, dropped) = dropping(&s, cap, bp);
            let mut r = ch.recv();
            assert!(ready(&mut r).is_none());
            assert_eq!(ready(&mut ch.send(7)), Some(Ok(())));
            assert_eq!(ready(&mut r), Some(Some(7)));
            assert!(dropped.borrow().is_empty());
        }
        // Capacity 0, nobody receiving: the value itself is dropped or refused.
        let (ch, dropped) = dropping(&s, 0, bp);
        let r = ready(&mut ch.send(8)).unwrap();
        if bp == Backpressure::Error {
            assert_eq!(r, Err(SendError::Full(8)));
            assert!(dropped.borrow().is_empty());
        } else {
            assert_eq!(r, Ok(()));
            assert_eq!(*dropped.borrow(), [8]);
        }
        assert!(ch.is_empty());
    }
    dispose(&host, &s).unwrap();
    assert!(rt.live().is_empty(), "{:?}", rt.live());
}

#[test]
fn backpressure_keeps_close_and_abort_as_they_were_and_on_drop_may_reenter() {
    let (host, rt) = rt();
    let s = rt.scope(ScopeOptions::default()).unwrap();
    let (ch, dropped) = dropping(&s, 1, Backpressure::DropOldest);
    assert_eq!(ready(&mut ch.send(1)), Some(Ok(())));
    ch.close();
    assert!(ready(&mut ch.send(2)).unwrap().unwrap_err().is_closed());
    assert!(
        dropped.borrow().is_empty(),
        "a closed channel drops nothing"
    );
    assert_eq!(ready(&mut ch.recv()), Some(Some(1)));

    // on_drop runs after the channel changed: it may use the channel.
    let seen = Rc::new(RefCell::new(Vec::new()));
    let slot: Rc<RefCell<Option<Channel<u32>>>> = Rc::new(RefCell::new(None));
    let (sn, sl) = (seen.clone(), slot.clone());
    let opts = ChannelOptions::new(1)
        .backpressure(Backpressure::DropOldest)
        .on_drop(move |v| {
            let ch = sl.borrow().clone();
            if let Some(ch) = ch {
                sn.borrow_mut().push((v, ch.len()));
                let got = ready(&mut ch.recv());
                sn.borrow_mut().push((got.flatten().unwrap_or(0), ch.len()));
            }
        });
    let ch = s.channel_with::<u32>(opts).unwrap();
    *slot.borrow_mut() = Some(ch.clone());
    assert_eq!(ready(&mut ch.send(1)), Some(Ok(())));
    assert_eq!(ready(&mut ch.send(2)), Some(Ok(())));
    assert_eq!(*seen.borrow(), [(1, 1), (2, 0)]);
    slot.borrow_mut().take();

    // Abort: buffered values are dropped without on_drop, sends fail.
    let (ch, dropped) = dropping(&s, 1, Backpressure::DropLatest);
    assert_eq!(ready(&mut ch.send(1)), Some(Ok(())));
    let mut d = s.dispose();
    host.run();
    assert!(ready(&mut ch.send(2)).unwrap().unwrap_err().is_aborted());
    assert_eq!(ready(&mut ch.recv()), Some(None));
    assert!(dropped.borrow().is_empty());
    assert!(ready(&mut d).unwrap().is_ok());
    assert!(rt.live().is_empty(), "{:?}", rt.live());

    // Standalone, on the runtime.
    let ch = rt
        .channel_with::<u32>(ChannelOptions::new(1).backpressure(Backpressure::DropOldest))
        .unwrap();
    assert_eq!(ready(&mut ch.send(1)), Some(Ok(())));
    assert_eq!(ready(&mut ch.send(2)), Some(Ok(())));
    assert_eq!(ready(&mut ch.recv()), Some(Some(2)));
    drop(ch);
    assert!(rt.live().is_empty(), "{:?}", rt.live());
}

#[test]
fn a_rendezvous_channel_works_whichever_side_comes_first() {
    let (host, rt) = rt();
    let s = rt.scope(ScopeOptions::default()).unwrap();
    let ch = s.channel::<&str>(0).unwrap();
    let mut send = ch.send("a");
    assert!(ready(&mut send).is_none(), "no receiver yet");
    assert_eq!(ready(&mut ch.recv()), Some(Some("a")));
    assert_eq!(ready(&mut send), Some(Ok(())));
    let mut recv = ch.recv();
    assert!(ready(&mut recv).is_none());
    assert_eq!(ready(&mut ch.send("b")), Some(Ok(())));
    assert_eq!(ready(&mut recv), Some(Some("b")));
    dispose(&host, &s).unwrap();
    assert!(rt.live().is_empty(), "{:?}", rt.live());
}

#[test]
fn a_waiting_sender_is_refused_at_close_and_aborted_ones_get_the_reason() {
    let (host, rt) = rt();
    let s = rt.scope(ScopeOptions::default()).unwrap();
    let ch = s.channel::<u8>(0).unwrap();
    let mut send = ch.send(1);
    assert!(ready(&mut send).is_none());
    ch.close();
    assert_eq!(ready(&mut send), Some(Err(SendError::Closed(1))));

    let ch = s.channel::<u8>(1).unwrap();
    assert!(ready(&mut ch.send(1)).unwrap().is_ok());
    let mut waiting = ch.send(2);
    assert!(ready(&mut waiting).is_none());
    let mut d = s.dispose();
    host.run();
    let e = ready(&mut waiting).unwrap().unwrap_err();
    assert!(e.is_aborted());
    assert!(e.reason().unwrap().is_disposed());
    assert_eq!(ready(&mut ch.recv()), Some(None), "buffered values dropped");
    assert!(ready(&mut d).unwrap().is_ok());
    assert!(rt.live().is_empty(), "{:?}", rt.live());
}

#[test]
fn a_dropped_waiter_passes_its_turn_on_and_a_handed_value_is_never_lost() {
    let (host, rt) = rt();
    let s = rt.scope(ScopeOptions::default()).unwrap();
    let ch = s.channel::<u32>(0).unwrap();
    // Two receivers wait; the first is dropped before any value comes.
    let mut r1 = ch.recv();
    let mut r2 = ch.recv();
    assert!(ready(&mut r1).is_none() && ready(&mut r2).is_none());
    drop(r1);
    assert_eq!(ready(&mut ch.send(10)), Some(Ok(())));
    assert_eq!(ready(&mut r2), Some(Some(10)));

    // A value handed to a receiver that is dropped before it looks goes to
    // the next receiver.
    let mut r3 = ch.recv();
    let mut r4 = ch.recv();
    assert!(ready(&mut r3).is_none() && ready(&mut r4).is_none());
    assert_eq!(ready(&mut ch.send(20)), Some(Ok(())));
    drop(r3);
    assert_eq!(ready(&mut r4), Some(Some(20)));

    // With no receiver left, it goes back to the buffer.
    let mut r5 = ch.recv();
    assert!(ready(&mut r5).is_none());
    assert_eq!(ready(&mut ch.send(30)), Some(Ok(())));
    drop(r5);
    assert_eq!(ch.len(), 1);
    assert_eq!(ready(&mut ch.recv()), Some(Some(30)));

    // A dropped waiting sender leaves: its value is not received.
    let mut s1 = ch.send(40);
    let mut s2 = ch.send(41);
    assert!(ready(&mut s1).is_none() && ready(&mut s2).is_none());
    drop(s1);
    assert_eq!(ready(&mut ch.recv()), Some(Some(41)));
    assert_eq!(ready(&mut s2), Some(Ok(())));
    dispose(&host, &s).unwrap();
    assert!(rt.live().is_empty(), "{:?}", rt.live());
}

#[test]
fn many_producers_many_consumers_each_value_once() {
    let (host, rt) = rt();
    let s = rt.scope(ScopeOptions::default()).unwrap();
    let ch = s.channel::<u32>(1).unwrap();
    let got = Rc::new(RefCell::new(Vec::new()));
    for p in 0..4u32 {
        let tx = ch.clone();
        let h = host.clone();
        let _t = s
            .spawn(async move {
                for i in 0..50 {
                    if i % 7 == 0 {
                        sleep(&h, 1).await;
                    }
                    tx.send(p * 100 + i).await?;
                }
                Ok::<_, SendError<u32>>(())
            })
            .unwrap();
    }
    for _ in 0..3 {
        let rx = ch.clone();
        let g = got.clone();
        let _t = s
            .spawn(async move {
                while let Some(v) = rx.recv().await {
                    g.borrow_mut().push(v);
                }
                Ok::<_, ()>(())
            })
            .unwrap();
    }
    host.advance(100);
    let mut all = got.borrow().clone();
    all.sort_unstable();
    let want: Vec<u32> = (0..4)
        .flat_map(|p| (0..50).map(move |i| p * 100 + i))
        .collect();
    assert_eq!(all, want);
    dispose(&host, &s).unwrap();
    assert!(rt.live().is_empty(), "{:?}", rt.live());
}

#[test]
fn a_standalone_channel_ends_with_its_last_handle() {
    let (host, rt) = rt();
    let ch = rt.channel::<Vec<u8>>(4).unwrap();
    assert!(ready(&mut ch.send(vec![1])).unwrap().is_ok());
    assert_eq!(rt.live().channels, 1);
    let clone = ch.clone();
    drop(ch);
    assert_eq!(rt.live().channels, 1);
    drop(clone);
    host.run();
    assert!(rt.live().is_empty(), "{:?}", rt.live());
    assert!(
        rt.channel::<u8>(usize::MAX).is_ok(),
        "clamped to the machine's range"
    );
    let e = Runtime::new(ManualHost::new()).semaphore(0).unwrap_err();
    assert!(e.is_range());
    assert_eq!(
        e.to_string(),
        "Semaphore: permits must be an integer from 1 to 2^32, or Infinity, got 0"
    );
}

#[test]
fn semaphores_grant_fifo_pass_dropped_turns_on_and_reject_after_dispose() {
    let (host, rt) = rt();
    let sem = rt.semaphore(1).unwrap();
    let p = ready(&mut sem.permit()).unwrap().unwrap();
    let mut a = sem.permit();
    let mut b = sem.permit();
    let mut c = sem.permit();
    assert!(ready(&mut a).is_none() && ready(&mut b).is_none() && ready(&mut c).is_none());
    assert_eq!(sem.waiting(), 3);
    drop(a); // left the queue
    assert_eq!(sem.waiting(), 2);
    drop(p); // to b
    assert_eq!(sem.waiting(), 1);
    drop(b); // granted but never taken: passed on to c
    let pc = ready(&mut c).unwrap().unwrap();
    assert_eq!(sem.available(), 0);
    let mut d = sem.permit();
    assert!(ready(&mut d).is_none());
    sem.dispose();
    assert!(ready(&mut d).unwrap().unwrap_err().is_disposed());
    assert!(ready(&mut sem.permit()).unwrap().is_err());
    drop(pc);
    let out = ready(&mut Box::pin(sem.acquire(|| async { 5 })));
    assert!(out.unwrap().is_err());
    drop(sem);
    host.run();
    assert!(rt.live().is_empty(), "{:?}", rt.live());
}

#[test]
fn acquire_runs_under_a_permit_and_gives_it_back() {
    let (host, rt) = rt();
    let sem = rt.semaphore(2).unwrap();
    let s = rt.scope(ScopeOptions::default()).unwrap();
    let inside = Rc::new(Cell::new(0));
    let most = Rc::new(Cell::new(0));
    for _ in 0..5 {
        let (sem, inside, most, h) = (sem.clone(), inside.clone(), most.clone(), host.clone());
        let _t = s
            .spawn(async move {
                sem.acquire(|| async {
                    inside.set(inside.get() + 1);
                    most.set(most.get().max(inside.get()));
                    sleep(&h, 10).await;
                    inside.set(inside.get() - 1);
                })
                .await
                .map_err(|_| ())
            })
            .unwrap();
    }
    host.advance(100);
    assert_eq!(most.get(), 2);
    assert_eq!(sem.available(), 2);
    dispose(&host, &s).unwrap();
    drop(sem);
    host.run();
    assert!(rt.live().is_empty(), "{:?}", rt.live());
}

#[test]
fn race_takes_the_first_to_settle_and_aborts_the_losers() {
    let (host, rt) = rt();
    let s = rt.scope(ScopeOptions::default()).unwrap();
    let dropped = Rc::new(Cell::new(0));
    let mk = |ms: u64, ok: bool| {
        let (h, d) = (host.clone(), dropped.clone());
        move |_ctx: TaskContext| {
            let g = DropFlag(Rc::new(Cell::new(false)));
            let d = d.clone();
            async move {
                struct Count(Rc<Cell<u32>>, DropFlag);
                impl Drop for Count {
                    fn drop(&mut self) {
                        if !self.1 .0.get() {
                            self.0.set(self.0.get() + 1);
                        }
                    }
                }
                let c = Count(d, g);
                sleep(&h, ms).await;
                c.1 .0.set(true); // finished: not counted as dropped
                if ok {
                    Ok(ms)
                } else {
                    Err(ms)
                }
            }
        }
    };
    let mut r = s.race([mk(30, true), mk(10, false), mk(20, true)]);
    host.advance(10);
    host.run();
    let e = ready(&mut r).unwrap().unwrap_err();
    assert_eq!(e.into_failed(), Some(10), "a failure can win");
    assert_eq!(dropped.get(), 2, "the losers were dropped at once");

    let mut empty = s.race(Vec::<fn(TaskContext) -> std::future::Ready<Result<(), ()>>>::new());
    let e = ready(&mut empty).unwrap().unwrap_err();
    assert!(
        matches!(&e, TaskError::Refused(r) if r.to_string() == "Cannot race empty array of factories")
    );
    dispose(&host, &s).unwrap();
    assert!(rt.live().is_empty(), "{:?}", rt.live());
}

#[test]
fn parallel_keeps_input_order_holds_its_limit_and_fails_fast() {
    let (host, rt) = rt();
    let running = Rc::new(Cell::new(0));
    let most = Rc::new(Cell::new(0));
    let factories = (0..6u64).map(|i| {
        let (r, m, h) = (running.clone(), most.clone(), host.clone());
        move |_ctx: TaskContext| async move {
            r.set(r.get() + 1);
            m.set(m.get().max(r.get()));
            sleep(&h, 60 - i * 10).await;
            r.set(r.get() - 1);
            if i == 3 {
                Err(i)
            } else {
                Ok(i)
            }
        }
    });
    let s = rt.scope(ScopeOptions::default().concurrency(2)).unwrap();
    let mut p = s.parallel(factories, ParallelOptions::default());
    host.advance(1000);
    let all = ready(&mut p).unwrap().unwrap();
    assert_eq!(most.get(), 2, "the scope's limit");
    assert_eq!(all.len(), 6);
    assert_eq!(all[0], Ok(0));
    assert_eq!(all[3].clone().unwrap_err().into_failed(), Some(3));
    assert_eq!(all[5], Ok(5));

    let started = Rc::new(Cell::new(0));
    let f2 = (0..5u64).map(|i| {
        let st = started.clone();
        move |_ctx: TaskContext| {
            st.set(st.get() + 1);
            async move {
                if i == 1 {
                    Err(i)
                } else {
                    Ok(i)
                }
            }
        }
    });
    let one = rt.scope(ScopeOptions::default().concurrency(1)).unwrap();
    let mut p = one.parallel(f2, ParallelOptions::default().fail_fast(true));
    host.run();
    let e = ready(&mut p).unwrap().unwrap_err();
    assert_eq!(e.clone().into_failed(), Some(1), "{e:?}");
    assert_eq!(started.get(), 2, "no factory started after the failure");
    dispose(&host, &one).unwrap();
    dispose(&host, &s).unwrap();
    assert!(rt.live().is_empty(), "{:?}", rt.live());
}

#[test]
fn a_dropped_race_aborts_its_members() {
    let (host, rt) = rt();
    let s = rt.scope(ScopeOptions::default()).unwrap();
    let dropped = Rc::new(Cell::new(false));
    let d = dropped.clone();
    let r = s.race([move |_ctx: TaskContext| {
        let g = DropFlag(d.clone());
        async move {
            let _g = g;
            pending::<Result<(), ()>>().await
        }
    }]);
    host.run();
    assert!(!dropped.get());
    drop(r);
    host.run();
    assert!(dropped.get());
    dispose(&host, &s).unwrap();
    assert!(rt.live().is_empty(), "{:?}", rt.live());
}

#[test]
fn poll_calls_without_overlap_stops_and_restarts_and_dies_with_its_scope() {
    let (host, rt) = rt();
    let s = rt.scope(ScopeOptions::default()).unwrap();
    let values = Rc::new(RefCell::new(Vec::new()));
    let n = Rc::new(Cell::new(0u32));
    let (v, n2, h) = (values.clone(), n.clone(), host.clone());
    let c = s
        .poll(
            move |_ctx| {
                n2.set(n2.get() + 1);
                let (k, h) = (n2.get(), h.clone());
                async move {
                    sleep(&h, 5).await; // a call takes 5 ms: no overlap
                    if k == 2 {
                        Err("flaky")
                    } else {
                        Ok(k)
                    }
                }
            },
            move |k| v.borrow_mut().push(k),
            PollOptions::default().interval(MS(100)),
        )
        .unwrap();
    assert!(c.status().running);
    host.advance(5);
    assert_eq!(*values.borrow(), [1]);
    host.advance(210);
    assert_eq!(*values.borrow(), [1, 3], "call 2 failed and was skipped");
    assert_eq!(c.status().poll_count, 3);
    c.stop();
    assert!(!c.status().running);
    host.advance(1000);
    assert_eq!(n.get(), 3);
    c.start();
    host.advance(5);
    assert_eq!(n.get(), 4, "start() calls at once (immediate)");
    dispose(&host, &s).unwrap();
    let end = c.status();
    assert!(!end.running);
    host.advance(1000);
    assert_eq!(n.get(), 4, "no call after the scope ended");
    assert!(rt.live().is_empty(), "{:?}", rt.live());

    let s = rt.scope(ScopeOptions::default()).unwrap();
    let c = s
        .poll(
            |_| async { Ok::<_, ()>(1) },
            |_| {},
            PollOptions::default().immediate(false),
        )
        .unwrap();
    host.run();
    assert_eq!(c.status().poll_count, 0, "created stopped");
    assert!(!c.status().running);
    let e = s
        .poll(
            |_| async { Ok::<_, ()>(1) },
            |_| {},
            PollOptions::default().interval(Duration::ZERO),
        )
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "poll: interval must be a finite number of milliseconds > 0, got 0"
    );
    dispose(&host, &s).unwrap();
    let e = s
        .poll(|_| async { Ok::<_, ()>(1) }, |_| {}, PollOptions::default())
        .unwrap_err();
    assert!(e.is_aborted());
    assert!(rt.live().is_empty(), "{:?}", rt.live());
}

#[test]
fn a_stream_yields_items_and_a_pending_next_ends_at_once_with_the_abort() {
    let (host, rt) = rt();
    let s = rt.scope(ScopeOptions::default()).unwrap();
    let items: Vec<_> =
        ready(&mut s.stream(futures::stream::iter(0..3)).collect::<Vec<_>>()).unwrap();
    assert_eq!(items, [Ok(0), Ok(1), Ok(2)]);

    let dropped = Rc::new(Cell::new(false));
    let d = dropped.clone();
    let source = futures::stream::once(async { 1 }).chain(futures::stream::once(async move {
        let _g = DropFlag(d);
        pending::<i32>().await
    }));
    let mut st = s.stream(source);
    assert_eq!(ready(&mut st.next()), Some(Some(Ok(1))));
    let mut next = st.next();
    assert!(ready(&mut next).is_none(), "the source waits");
    let mut d = s.dispose();
    host.run();
    let r = ready(&mut next).unwrap().unwrap().unwrap_err();
    assert!(r.is_disposed());
    assert!(dropped.get(), "the source was dropped at the abort");
    assert_eq!(ready(&mut st.next()), Some(None));
    drop(st);
    host.run();
    assert!(ready(&mut d).unwrap().is_ok());
    assert!(rt.live().is_empty(), "{:?}", rt.live());
}

#[test]
fn breaking_out_of_a_stream_drops_its_source() {
    let (host, rt) = rt();
    let s = rt.scope(ScopeOptions::default()).unwrap();
    let dropped = Rc::new(Cell::new(false));
    let d = dropped.clone();
    let guard = DropFlag(d);
    let source = futures::stream::iter(0..100).map(move |i| {
        let _ = &guard;
        i
    });
    {
        let mut st = s.stream(source);
        while let Some(Ok(i)) = ready(&mut st.next()).flatten() {
            if i == 2 {
                break;
            }
        }
    }
    assert!(dropped.get());
    dispose(&host, &s).unwrap();
    assert!(rt.live().is_empty(), "{:?}", rt.live());
}

#[test]
fn a_task_that_re_enters_the_library_works() {
    let (host, rt) = rt();
    let s = rt.scope(ScopeOptions::default()).unwrap();
    let s2 = s.clone();
    let log = Rc::new(RefCell::new(Vec::new()));
    let l = log.clone();
    let mut outer = s
        .task(
            move |_| {
                // Spawning from inside a task's fn (the effect loop is
                // applying this task's Start).
                let inner = s2
                    .task(|_| async { Ok::<_, ()>("inner") }, TaskOptions::default())
                    .unwrap();
                let ch = s2.channel::<u8>(1).unwrap();
                let l = l.clone();
                async move {
                    let v = inner.await.unwrap();
                    l.borrow_mut().push(v);
                    ch.send(1).await.unwrap();
                    l.borrow_mut().push("sent");
                    Ok::<_, ()>(())
                }
            },
            opts(),
        )
        .unwrap();
    host.run();
    assert!(ready(&mut outer).unwrap().is_ok());
    assert_eq!(*log.borrow(), ["inner", "sent"]);
    // A task that disposes its own scope.
    let s3 = s.clone();
    let _t = s
        .task(
            move |_| {
                let d = s3.dispose();
                async move { d.await.map_err(|_| ()) }
            },
            opts(),
        )
        .unwrap();
    host.run();
    assert!(s.is_disposed());
    drop(s);
    host.run();
    assert!(rt.live().is_empty(), "{:?}", rt.live());
}

#[test]
fn detach_keeps_a_task_running_past_its_scope_abort() {
    let (host, rt) = rt();
    let s = rt.scope(ScopeOptions::default()).unwrap();
    let h = host.clone();
    let mut t = s
        .task(
            move |_| {
                let h = h.clone();
                async move {
                    sleep(&h, 50).await;
                    Ok::<_, ()>("done")
                }
            },
            opts(),
        )
        .unwrap();
    t.detach();
    let mut d = s.dispose();
    host.run();
    assert!(
        ready(&mut d).is_none(),
        "disposal waits for the detached task"
    );
    host.advance(50);
    assert_eq!(ready(&mut t), Some(Ok("done")));
    assert!(ready(&mut d).unwrap().is_ok());
    assert!(rt.live().is_empty(), "{:?}", rt.live());
}

#[test]
fn bad_options_fail_with_the_machines_message_and_change_nothing() {
    let (_host, rt) = rt();
    let e = rt
        .scope(
            ScopeOptions::default()
                .circuit_breaker(CircuitBreakerOptions::default().failure_threshold(0)),
        )
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "scope: failureThreshold must be a positive integer, got 0"
    );
    assert!(e.is_range());
    let s = rt.scope(ScopeOptions::default()).unwrap();
    let e = s
        .task(
            |_| async { Err::<(), _>(()) },
            opts().retry(RetryOptions::new().delay_fn(|_, _| Duration::MAX)),
        )
        .map(|_| ());
    assert!(e.is_ok(), "a huge delay is legal: it never fires");
    let other = Runtime::new(ManualHost::new());
    let e = other.scope(ScopeOptions::default().parent(&s)).unwrap_err();
    assert!(e.is_state());
}

/// A tracer that records what it is told, for the span tests.
#[derive(Default)]
struct Spans(RefCell<Vec<String>>);

struct RecSpan {
    name: String,
    log: Rc<Spans>,
}

impl Span for RecSpan {
    fn set_attribute(&self, key: &str, value: AttributeValue) {
        self.log
            .0
            .borrow_mut()
            .push(format!("{} {key}={value:?}", self.name));
    }
    fn set_status(&self, status: SpanStatus) {
        self.log
            .0
            .borrow_mut()
            .push(format!("{} status {status:?}", self.name));
    }
    fn record_exception(&self, message: &str) {
        self.log
            .0
            .borrow_mut()
            .push(format!("{} exception {message}", self.name));
    }
    fn end(&self) {
        self.log.0.borrow_mut().push(format!("{} end", self.name));
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

struct RecTracer(Rc<Spans>);

impl Tracer for RecTracer {
    fn start_span(
        &self,
        name: &str,
        attributes: Vec<(String, AttributeValue)>,
        parent: Option<&dyn Span>,
    ) -> Rc<dyn Span> {
        let parent = parent
            .and_then(|p| p.as_any().downcast_ref::<RecSpan>())
            .map_or("-".to_string(), |p| p.name.clone());
        let attrs: Vec<String> = attributes
            .iter()
            .map(|(k, v)| format!("{k}={v:?}"))
            .collect();
        self.0 .0.borrow_mut().push(format!(
            "start {name} under {parent} [{}]",
            attrs.join(", ")
        ));
        Rc::new(RecSpan {
            name: name.into(),
            log: self.0.clone(),
        })
    }
}

#[test]
fn a_tracer_gets_1_0s_spans_and_attributes_from_the_machine() {
    let (host, rt) = rt();
    let log = Rc::new(Spans::default());
    let s = rt
        .scope(
            ScopeOptions::default()
                .name("fetch-user-data")
                .timeout(MS(1000))
                .tracer(Rc::new(RecTracer(log.clone()))),
        )
        .unwrap();
    let child = s.child(ScopeOptions::default().name("inner")).unwrap();
    assert!(child.tracer().is_some(), "inherited");
    let ok = s
        .task(
            |_| async { Ok::<_, String>(1) },
            opts().otel("fetch-user", [("user.id", 1i64)]),
        )
        .unwrap();
    let bad = child
        .task(|_| async { Err::<(), _>(String::from("no user")) }, opts())
        .unwrap();
    assert!(ok.now_or_never().is_some() && bad.now_or_never().is_some());
    dispose(&host, &s).unwrap();
    let log = log.0.borrow().join("\n");
    for want in [
        "start fetch-user-data under - [scope.timeout=Number(1000.0), scope.has_parent_signal=Bool(false), scope.has_parent_scope=Bool(false)]",
        "start inner under fetch-user-data [scope.has_parent_signal=Bool(true), scope.has_parent_scope=Bool(true)]",
        "start fetch-user under fetch-user-data [task.index=Number(1.0)",
        "user.id=Number(1.0)]",
        "start scope.task under inner [task.index=Number(1.0)",
        "scope.task exception no user",
        "scope.task task.error_reason=String(\"exception\")",
        "scope.task status Error(\"task failed\")",
        "fetch-user status Ok",
        "inner exception scope disposed",
        "inner status Error(\"aborted by parent\")",
        "fetch-user-data status Ok",
        "fetch-user-data end",
    ] {
        assert!(log.contains(want), "missing {want:?} in\n{log}");
    }
    dispose(&host, &child).unwrap();
    assert!(rt.live().is_empty(), "{:?}", rt.live());
}

#[test]
fn many_cycles_leave_nothing_behind() {
    let (host, rt) = rt();
    for i in 0..2000u32 {
        let s = rt
            .scope(ScopeOptions::default().timeout(MS(1000)))
            .unwrap()
            .provide("n", move || i)
            .unwrap();
        let t = s
            .task(
                |ctx| async move { Ok::<_, ()>(*ctx.service::<u32>("n").unwrap()) },
                opts(),
            )
            .unwrap();
        let ch = s.channel::<u32>(1).unwrap();
        let _ = ch.send(i).now_or_never();
        let _ = s.task(|_| pending::<Result<(), ()>>(), opts().timeout(MS(5)));
        assert_eq!(t.now_or_never(), Some(Ok(i)));
        if i % 2 == 0 {
            dispose(&host, &s).unwrap();
        }
    }
    host.run();
    assert!(rt.live().is_empty(), "{:?}", rt.live());
    assert_eq!(host.pending_timers(), 0);
}

/// A pending future that keeps its waker where the test can reach it and
/// counts its polls.
struct Parked(Rc<RefCell<Option<std::task::Waker>>>, Rc<Cell<u32>>);

impl Future for Parked {
    type Output = Result<(), ()>;
    fn poll(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Self::Output> {
        self.1.set(self.1.get() + 1);
        *self.0.borrow_mut() = Some(cx.waker().clone());
        std::task::Poll::Pending
    }
}

#[test]
fn a_waker_that_outlives_its_runtime_wakes_nothing_in_the_next_one() {
    let stale = Rc::new(RefCell::new(None));
    {
        let (host, rt) = rt();
        let s = rt.scope(ScopeOptions::default()).unwrap();
        let _t = s
            .spawn(Parked(stale.clone(), Rc::new(Cell::new(0))))
            .unwrap();
        dispose(&host, &s).unwrap();
        drop(s);
        host.run();
    }
    let stale = stale
        .borrow_mut()
        .take()
        .expect("the first runtime's task waited");
    // The next runtime takes the freed place (a new generation).
    let (host, rt) = rt();
    let s = rt.scope(ScopeOptions::default()).unwrap();
    let (waker, polls) = (Rc::new(RefCell::new(None)), Rc::new(Cell::new(0)));
    let _t = s.spawn(Parked(waker.clone(), polls.clone())).unwrap();
    host.run();
    let before = polls.get();
    stale.wake_by_ref();
    host.run();
    assert_eq!(
        polls.get(),
        before,
        "a stale waker polled another runtime's task"
    );
    // Its own waker still works.
    waker.borrow_mut().take().unwrap().wake();
    host.run();
    assert_eq!(polls.get(), before + 1);
    dispose(&host, &s).unwrap();
    assert_eq!(rt.live(), Live::default());
}

// ---- additions from go-go-scope 2.x: delay, on_dispose, context ------------

#[test]
fn delay_ends_with_its_time_or_at_once_with_the_scope_s_reason() {
    let (host, rt) = rt();
    let s = rt.scope(ScopeOptions::default()).unwrap();
    let mut short = s.delay(MS(10));
    let mut long = s.delay(Duration::MAX);
    assert_eq!(rt.live().sleeps, 2);
    host.advance(9);
    assert!(ready(&mut short).is_none());
    host.advance(1);
    assert_eq!(ready(&mut short), Some(Ok(())));
    assert!(ready(&mut long).is_none());
    let done = s.dispose();
    let reason = ready(&mut long)
        .expect("ended by the disposal")
        .unwrap_err();
    assert!(reason.is_disposed());
    // After the scope: at once, with its reason.
    drop(done);
    host.run();
    let mut late = s.delay(MS(1));
    assert!(ready(&mut late)
        .expect("at once")
        .unwrap_err()
        .is_disposed());
    assert!(rt.live().is_empty(), "{:?}", rt.live());
}

#[test]
fn delay_on_a_timed_out_scope_fails_with_the_timeout_and_a_dropped_delay_releases_its_timer() {
    let (host, rt) = rt();
    let s = rt.scope(ScopeOptions::default().timeout(MS(5))).unwrap();
    let pending_delay = s.delay(MS(1_000));
    assert_eq!(rt.live().timers, 2, "the scope's timeout and the delay's");
    drop(pending_delay);
    assert_eq!(rt.live().timers, 1);
    assert_eq!(rt.live().sleeps, 0);
    host.advance(5);
    let mut d = s.delay(MS(1));
    let r = ready(&mut d).expect("at once").unwrap_err();
    assert!(r.is_timeout());
    assert_eq!(r.to_string(), "timeout after 5ms");
    dispose(&host, &s).unwrap();
    assert!(rt.live().is_empty(), "{:?}", rt.live());
}

#[test]
fn on_dispose_runs_with_provide_s_cleanups_newest_first_and_its_error_fails_the_disposal() {
    let (host, rt) = rt();
    let s = rt.scope(ScopeOptions::default()).unwrap();
    let order = Rc::new(RefCell::new(Vec::new()));
    let o = order.clone();
    s.on_dispose(move || async move { o.borrow_mut().push("on_dispose 1") })
        .unwrap();
    let o = order.clone();
    s.provide_with_cleanup(
        "db",
        || "db",
        move |_| async move { o.borrow_mut().push("db") },
    )
    .unwrap();
    let o = order.clone();
    s.on_dispose(move || async move {
        o.borrow_mut().push("on_dispose 2");
        Err::<(), _>(CleanupError::new(std::io::Error::other("flush failed")))
    })
    .unwrap();
    let err = dispose(&host, &s).unwrap_err();
    assert_eq!(err.to_string(), "flush failed");
    assert_eq!(*order.borrow(), ["on_dispose 2", "db", "on_dispose 1"]);
    let refused = s.on_dispose(|| async {}).unwrap_err();
    assert_eq!(
        refused.to_string(),
        "Cannot register onDispose on disposed scope"
    );
    assert!(rt.live().is_empty(), "{:?}", rt.live());
}

#[test]
fn context_is_seen_by_children_made_before_or_after_and_a_child_s_own_shadows() {
    let (host, rt) = rt();
    let root = rt.scope(ScopeOptions::default()).unwrap();
    let early = root.child(ScopeOptions::default()).unwrap();
    root.set_context("request_id", "abc").unwrap();
    let late = root.child(ScopeOptions::default()).unwrap();
    let grandchild = late.child(ScopeOptions::default()).unwrap();
    late.set_context("request_id", "override").unwrap();
    assert_eq!(early.context::<&str>("request_id").as_deref(), Some(&"abc"));
    assert_eq!(
        grandchild.context::<&str>("request_id").as_deref(),
        Some(&"override")
    );
    assert_eq!(root.context::<&str>("request_id").as_deref(), Some(&"abc"));
    assert!(grandchild.has_context("request_id"));
    // The nearest holder decides, whatever its type.
    assert!(grandchild.context::<u32>("request_id").is_none());
    assert!(late.remove_context("request_id"));
    assert_eq!(
        grandchild.context::<&str>("request_id").as_deref(),
        Some(&"abc")
    );
    for s in [&grandchild, &late, &early, &root] {
        dispose(&host, s).unwrap();
    }
    let refused = root.set_context("k", 1u8).unwrap_err();
    assert_eq!(refused.to_string(), "Cannot set context on disposed scope");
    assert_eq!(root.context::<&str>("request_id").as_deref(), Some(&"abc"));
    assert!(rt.live().is_empty(), "{:?}", rt.live());
}

#[test]
fn parallel_on_progress_reports_each_factory_as_it_settles() {
    let (host, rt) = rt();
    let s = rt.scope(ScopeOptions::default()).unwrap();
    let seen = Rc::new(RefCell::new(Vec::new()));
    let log = seen.clone();
    let mut all = s.parallel(
        [30u64, 10, 20].map(|ms| {
            let s = s.clone();
            move |_ctx: TaskContext| async move {
                s.delay(MS(ms)).await.map_err(|_| "aborted")?;
                if ms == 10 {
                    Err("ten")
                } else {
                    Ok(ms)
                }
            }
        }),
        ParallelOptions::default().on_progress(move |p| log.borrow_mut().push(p)),
    );
    host.advance(30);
    let results = ready(&mut all).expect("over").unwrap();
    assert_eq!(results.len(), 3);
    let seen: Vec<(u32, u32, u32, bool)> = seen
        .borrow()
        .iter()
        .map(|p| (p.completed, p.total, p.index, p.ok))
        .collect();
    assert_eq!(seen, [(1, 3, 1, false), (2, 3, 2, true), (3, 3, 0, true)]);
    dispose(&host, &s).unwrap();
    assert!(rt.live().is_empty(), "{:?}", rt.live());
}

#[test]
fn debug_tree_shows_scopes_tasks_and_states_as_the_typescript_executor_does() {
    let (host, rt) = rt();
    let root = rt
        .scope(ScopeOptions::default().name("request").concurrency(1))
        .unwrap();
    let t1 = root.task(|_| pending::<Result<(), ()>>(), opts()).unwrap();
    let t2 = root.task(|_| pending::<Result<(), ()>>(), opts()).unwrap();
    let db = root
        .child(ScopeOptions::default().name("db \"pool\""))
        .unwrap();
    let t3 = db
        .task(
            |_| async { Err::<(), _>("x") },
            TaskOptions::default().retry(RetryOptions::new().max_retries(1).delay(MS(60_000))),
        )
        .unwrap();
    let cache = db.child(ScopeOptions::default().name("cache")).unwrap();
    let other = root
        .child(ScopeOptions::default().name("other").timeout(MS(1)))
        .unwrap();
    host.advance(10);
    let (a, b, c) = (t1.id(), t2.id(), t3.id());
    assert_eq!(
        root.debug_tree(TreeFormat::Ascii),
        [
            "📦 request".to_string(),
            format!("├─ task #{a} running"),
            format!("├─ task #{b} queued"),
            "├─ 📦 db \"pool\"".into(),
            format!("│  ├─ task #{c} retrying"),
            "│  └─ 📦 cache".into(),
            "└─ ⚠️ other (aborted)".into(),
        ]
        .join("\n")
    );
    assert_eq!(
        db.debug_tree(TreeFormat::Mermaid),
        format!("graph TD\n    n0[\"📦 db #quot;pool#quot;\"]\n    n0 --> n1[\"task #{c} retrying\"]\n    n0 --> n2[\"📦 cache\"]")
    );
    for s in [&cache, &db, &other, &root] {
        drop(s.dispose());
    }
    host.run();
    assert_eq!(root.debug_tree(TreeFormat::Ascii), "");
    assert!(rt.live().is_empty(), "{:?}", rt.live());
}

/// A factory's future in the race-option tests.
type HedgeFut = std::pin::Pin<Box<dyn Future<Output = Result<u32, u32>>>>;

/// Factories for the race-option tests: each records `(index, now)` when it
/// starts, then settles after `ms` with `Ok(index)` or `Err(index)`.
fn hedge_factories(
    host: &ManualHost,
    starts: &Rc<RefCell<Vec<(u32, f64)>>>,
    plan: &[(u64, bool)],
) -> Vec<impl FnOnce(TaskContext) -> HedgeFut> {
    plan.iter()
        .enumerate()
        .map(|(i, &(ms, ok))| {
            let (h, starts) = (host.clone(), starts.clone());
            let i = i as u32;
            move |_ctx: TaskContext| {
                starts.borrow_mut().push((i, h.now()));
                let b: HedgeFut = Box::pin(async move {
                    sleep(&h, ms).await;
                    if ok {
                        Ok(i)
                    } else {
                        Err(i)
                    }
                });
                b
            }
        })
        .collect()
}

#[test]
fn a_hedged_race_starts_the_next_after_stagger_ms_and_the_first_to_settle_wins() {
    let (host, rt) = rt();
    let s = rt.scope(ScopeOptions::default()).unwrap();
    let starts = Rc::new(RefCell::new(Vec::new()));
    // The primary is slow (100 ms); the hedge started at 30 ms answers in 20.
    let fs = hedge_factories(&host, &starts, &[(100, true), (20, true), (5, true)]);
    let mut r = s.race_with(fs, RaceOptions::default().stagger(MS(30)));
    host.run();
    assert_eq!(*starts.borrow(), [(0, 0.0)]);
    host.advance(29);
    assert_eq!(starts.borrow().len(), 1);
    host.advance(1);
    assert_eq!(*starts.borrow(), [(0, 0.0), (1, 30.0)]);
    host.advance(20);
    assert_eq!(ready(&mut r), Some(Ok(1)));
    assert_eq!(starts.borrow().len(), 2, "the third was never due");
    assert_eq!(
        host.pending_timers(),
        0,
        "the stagger timer and the primary's sleep are gone"
    );
    dispose(&host, &s).unwrap();
    assert!(rt.live().is_empty(), "{:?}", rt.live());
}

#[test]
fn with_require_success_a_failed_hedge_starts_the_next_at_once_and_all_failed_gives_every_error() {
    let (host, rt) = rt();
    let s = rt.scope(ScopeOptions::default()).unwrap();
    let starts = Rc::new(RefCell::new(Vec::new()));
    let fs = hedge_factories(&host, &starts, &[(10, false), (100, false), (5, false)]);
    let opts = RaceOptions::default().stagger(MS(50)).require_success(true);
    let mut r = s.race_with(fs, opts);
    host.advance(10); // the first fails: the second starts now, not at 50
    assert_eq!(*starts.borrow(), [(0, 0.0), (1, 10.0)]);
    host.advance(50); // none settled within 50 ms of the last start
    assert_eq!(starts.borrow()[2], (2, 60.0));
    host.advance(5);
    assert_eq!(ready(&mut r), None, "the second is still running");
    host.advance(45);
    let e = ready(&mut r).unwrap().unwrap_err();
    let errors: Vec<u32> = e
        .all_failed()
        .unwrap()
        .iter()
        .map(|e| *e.failed().unwrap())
        .collect();
    assert_eq!(
        errors,
        [0, 1, 2],
        "in input order, not the order they failed"
    );
    assert_eq!(e.to_string(), "All race competitors failed");
    dispose(&host, &s).unwrap();
    assert!(rt.live().is_empty(), "{:?}", rt.live());
}

#[test]
fn a_race_timeout_aborts_the_members_and_ends_with_timeout_after_ms() {
    let (host, rt) = rt();
    let s = rt.scope(ScopeOptions::default()).unwrap();
    let dropped = Rc::new(Cell::new(false));
    let d = dropped.clone();
    let mut r = s.race_with(
        [move |_ctx: TaskContext| {
            let g = DropFlag(d.clone());
            async move {
                let _g = g;
                pending::<Result<(), ()>>().await
            }
        }],
        RaceOptions::default().timeout(MS(40)).require_success(true),
    );
    host.advance(39);
    assert!(ready(&mut r).is_none());
    host.advance(1);
    let e = ready(&mut r).unwrap().unwrap_err();
    assert!(e.is_timeout());
    assert_eq!(e.reason().unwrap().timeout(), Some(MS(40)));
    assert_eq!(e.reason().unwrap().to_string(), "timeout after 40ms");
    assert!(dropped.get(), "the member was aborted and dropped");
    assert!(
        s.reason().is_none(),
        "the scope is not aborted by its race's timeout"
    );
    dispose(&host, &s).unwrap();
    assert!(rt.live().is_empty(), "{:?}", rt.live());
}

// ---- token buckets (go-go-scope 2.x) -----------------------------------------

#[test]
fn token_bucket_grants_at_the_exact_refill_time_in_arrival_order() {
    let (host, rt) = rt();
    // 4 tokens at most, 10 per second (one per 100 ms), starting with 1.
    let b = rt
        .token_bucket(TokenBucketOptions::new(4.0, 10.0).initial_tokens(1.0))
        .unwrap();
    let mut three = b.acquire(3.0).unwrap();
    let mut one = b.acquire(1.0).unwrap();
    assert_eq!(b.try_acquire(0.0), Ok(false), "nobody barges past waiters");
    host.advance(199);
    assert!(ready(&mut three).is_none());
    host.advance(1);
    assert_eq!(ready(&mut three), Some(Ok(())));
    assert!(ready(&mut one).is_none());
    host.advance(100);
    assert_eq!(ready(&mut one), Some(Ok(())));
    assert_eq!(rt.live().timers, 0, "no timer once nobody waits");
    assert_eq!(b.tokens(), 0.0);
    host.advance(1000);
    assert_eq!(b.tokens(), 4.0, "refilled up to the capacity");
    // The last handle (a future holds one too) ends the bucket.
    drop((b, three));
    assert_eq!(rt.live().buckets, 1);
    drop(one);
    assert!(rt.live().is_empty(), "{:?}", rt.live());
}

#[test]
fn token_bucket_timeout_and_a_dropped_waiter_pass_the_turn_on() {
    let (host, rt) = rt();
    let b = rt
        .token_bucket(TokenBucketOptions::new(10.0, 1.0).initial_tokens(2.0))
        .unwrap();
    let mut big = b.acquire_timeout(10.0, MS(30)).unwrap();
    let mut small = b.acquire(2.0).unwrap();
    let other = b.acquire(5.0).unwrap();
    host.advance(29);
    assert!(ready(&mut small).is_none());
    host.advance(1);
    let e = ready(&mut big).unwrap().unwrap_err();
    assert!(e.is_timeout());
    assert_eq!(e.to_string(), "timeout after 30ms");
    assert_eq!(
        ready(&mut small),
        Some(Ok(())),
        "the 2 tokens go to the next one"
    );
    assert_eq!(b.waiting(), 1);
    drop(other);
    assert_eq!(b.waiting(), 0);
    assert_eq!(rt.live().timers, 0);
    drop((b, big, small));
    assert!(rt.live().is_empty(), "{:?}", rt.live());
}

#[test]
fn any_is_the_first_success_and_bad_race_options_are_refused() {
    let (host, rt) = rt();
    let s = rt.scope(ScopeOptions::default()).unwrap();
    let starts = Rc::new(RefCell::new(Vec::new()));
    let fs = hedge_factories(&host, &starts, &[(1, false), (10, true), (5, true)]);
    let mut r = s.any(fs, RaceOptions::default().concurrency(1));
    host.advance(1);
    assert_eq!(*starts.borrow(), [(0, 0.0), (1, 1.0)], "one at a time");
    host.advance(10);
    assert_eq!(ready(&mut r), Some(Ok(1)));
    assert_eq!(starts.borrow().len(), 2);
    // A stagger a Duration cannot hold wrong is impossible; a timeout of
    // zero means none, as 0 does in JavaScript.
    let mut r = s.any(
        [|_ctx: TaskContext| async { Ok::<_, ()>(7) }],
        RaceOptions::default().timeout(Duration::ZERO),
    );
    assert_eq!(ready(&mut r), Some(Ok(7)));
    dispose(&host, &s).unwrap();
    assert!(rt.live().is_empty(), "{:?}", rt.live());
}

#[test]
fn token_bucket_ends_with_its_scope_and_refuses_bad_input() {
    let (_host, rt) = rt();
    let s = rt.scope(ScopeOptions::default()).unwrap();
    let b = s
        .token_bucket(TokenBucketOptions::new(1.0, 1.0).initial_tokens(0.0))
        .unwrap();
    let mut w = b.acquire(1.0).unwrap();
    assert!(b.acquire(2.0).unwrap_err().is_range());
    assert!(b.acquire(f64::NAN).unwrap_err().is_range());
    assert_eq!(
        rt.token_bucket(TokenBucketOptions::new(1.0, -1.0))
            .unwrap_err()
            .to_string(),
        "TokenBucket: refillRate must be a finite number of tokens per second >= 0, got -1"
    );
    drop(s.dispose());
    let reason = ready(&mut w).unwrap().unwrap_err();
    assert!(reason.is_disposed());
    assert!(
        reason.ptr_eq(&s.reason().unwrap()),
        "the scope's own reason"
    );
    let mut later = b.acquire(1.0).unwrap();
    assert!(ready(&mut later).unwrap().unwrap_err().ptr_eq(&reason));
    assert_eq!(b.try_acquire(1.0), Ok(false));
    assert!(s.token_bucket(TokenBucketOptions::new(1.0, 1.0)).is_err());
    drop((b, w, later));
    assert!(rt.live().is_empty(), "{:?}", rt.live());
}

/// `(time, argument)` of each run of a rate-limited `f`, which gives
/// `argument * 10`.
type Runs = Rc<RefCell<Vec<(f64, u32)>>>;

fn times_ten(host: &ManualHost, runs: &Runs) -> impl Fn(u32) -> std::future::Ready<u32> {
    let (host, runs) = (host.clone(), runs.clone());
    move |n| {
        runs.borrow_mut().push((host.now(), n));
        std::future::ready(n * 10)
    }
}

#[test]
fn debounce_runs_once_with_the_last_arguments_after_wait_of_quiet() {
    let (host, rt) = rt();
    let s = rt.scope(ScopeOptions::default()).unwrap();
    let runs = Runs::default();
    let o = DebounceOptions::default().wait(MS(100));
    let d = s.debounce(times_ten(&host, &runs), o).unwrap();
    assert_eq!(rt.live().limiters, 1);
    let mut a = d.call(1);
    host.advance(50);
    let mut b = d.call(2); // restarts the wait
    let dropped = d.call(3);
    drop(dropped); // does not leave the batch's run
    host.advance(99);
    assert!(runs.borrow().is_empty());
    assert!(ready(&mut a).is_none());
    assert_eq!(d.waiting(), 3);
    host.advance(1);
    assert_eq!(*runs.borrow(), [(150.0, 3)], "one run, the last arguments");
    assert_eq!(ready(&mut a), Some(Ok(Some(30))));
    assert_eq!(ready(&mut b), Some(Ok(Some(30))));
    assert_eq!((d.waiting(), rt.live().timers), (0, 0));
    // A later call: a new quiet time.
    host.advance(50);
    let mut c = d.call(4);
    host.advance(100);
    assert_eq!(*runs.borrow(), [(150.0, 3), (300.0, 4)]);
    assert_eq!(ready(&mut c), Some(Ok(Some(40))));
    // With neither edge, no call runs.
    let none = DebounceOptions::default().trailing(false);
    let n = s.debounce(times_ten(&host, &runs), none).unwrap();
    let mut x = n.call(9);
    assert_eq!(ready(&mut x), Some(Ok(None)));
    assert!(dispose(&host, &s).is_ok());
    assert!(rt.live().is_empty(), "{:?}", rt.live());
    assert_eq!(runs.borrow().len(), 2);
}

#[test]
fn debounce_leading_runs_at_once_and_trails_only_for_a_later_call() {
    let (host, rt) = rt();
    let s = rt.scope(ScopeOptions::default()).unwrap();
    let runs = Runs::default();
    let o = DebounceOptions::default().wait(MS(100)).leading(true);
    let d = s.debounce(times_ten(&host, &runs), o).unwrap();
    let mut a = d.call(1);
    assert_eq!(*runs.borrow(), [(0.0, 1)], "f is called at once");
    host.run();
    assert_eq!(ready(&mut a), Some(Ok(Some(10))));
    host.advance(50);
    let mut b = d.call(2);
    host.advance(30);
    let mut c = d.call(3);
    host.advance(99);
    assert_eq!(runs.borrow().len(), 1);
    host.advance(1);
    assert_eq!(*runs.borrow(), [(0.0, 1), (180.0, 3)]);
    assert_eq!(ready(&mut b), Some(Ok(Some(30))));
    assert_eq!(ready(&mut c), Some(Ok(Some(30))));
    // A lone call into a quiet time runs once, not twice.
    host.advance(320);
    let mut e = d.call(4);
    host.advance(1_000);
    assert_eq!(*runs.borrow(), [(0.0, 1), (180.0, 3), (500.0, 4)]);
    assert_eq!(ready(&mut e), Some(Ok(Some(40))));
    // Leading only: the calls in the wait will not run.
    let lead = DebounceOptions::default()
        .wait(MS(100))
        .leading(true)
        .trailing(false);
    let l = s.debounce(times_ten(&host, &runs), lead).unwrap();
    let (mut f, mut g) = (l.call(5), l.call(6));
    host.advance(100);
    assert_eq!(ready(&mut f), Some(Ok(Some(50))));
    assert_eq!(ready(&mut g), Some(Ok(None)));
    assert_eq!(runs.borrow().len(), 4);
    assert!(dispose(&host, &s).is_ok());
    assert!(rt.live().is_empty(), "{:?}", rt.live());
}

#[test]
fn select_fires_the_first_ready_case_in_order_and_the_losers_take_nothing() {
    let (host, rt) = rt();
    let s = rt.scope(ScopeOptions::default()).unwrap();
    let (a, b) = (s.channel::<u32>(1).unwrap(), s.channel::<u32>(1).unwrap());
    // Both ready: the first case in order fires; b keeps its value.
    assert_eq!(ready(&mut a.send(1)), Some(Ok(())));
    assert_eq!(ready(&mut b.send(2)), Some(Ok(())));
    let got = ready(&mut s.select().recv(&a, |v| ('a', v)).recv(&b, |v| ('b', v)));
    assert_eq!(got, Some(Ok(('a', Some(1)))));
    assert_eq!(b.len(), 1);
    // None ready: it waits on both; a send to b fires it, and the receive
    // case on a and the send case on c (capacity 0) are withdrawn.
    let c = s.channel::<&str>(0).unwrap();
    assert_eq!(ready(&mut b.recv()), Some(Some(2)));
    let mut sel = s
        .select()
        .recv(&a, |v| format!("a {v:?}"))
        .recv(&b, |v| format!("b {v:?}"))
        .send(&c, "never", |r| format!("c {r:?}"));
    assert!(ready(&mut sel).is_none());
    assert_eq!(rt.live().selects, 1);
    assert_eq!(ready(&mut b.send(3)), Some(Ok(())));
    host.run();
    assert_eq!(ready(&mut sel), Some(Ok("b Some(3)".to_string())));
    drop(sel);
    // The losers took nothing: a's next value and c's next receiver go to
    // plain operations; the withdrawn send's value is never delivered.
    assert_eq!(ready(&mut a.send(4)), Some(Ok(())));
    assert_eq!(ready(&mut a.recv()), Some(Some(4)));
    let mut rc = c.recv();
    assert!(ready(&mut rc).is_none());
    assert_eq!(ready(&mut c.send("later")), Some(Ok(())));
    assert_eq!(ready(&mut rc), Some(Some("later")));
    // A send case fires when a receiver comes; on a closed channel it gets
    // the value back.
    let mut sel = s.select().send(&c, "hi", |r| r.is_ok());
    assert!(ready(&mut sel).is_none());
    assert_eq!(ready(&mut c.recv()), Some(Some("hi")));
    assert_eq!(ready(&mut sel), Some(Ok(true)));
    let mut sel = s
        .select()
        .send(&c, "late", |r| r.map_err(|e| e.into_inner()));
    assert!(ready(&mut sel).is_none());
    c.close();
    assert_eq!(ready(&mut sel), Some(Ok(Err("late"))));
    dispose(&host, &s).unwrap();
    assert!(rt.live().is_empty(), "{:?}", rt.live());
}

#[test]
fn throttle_runs_the_leading_call_and_the_window_s_last_at_its_end() {
    let (host, rt) = rt();
    let s = rt.scope(ScopeOptions::default()).unwrap();
    let runs = Runs::default();
    let o = ThrottleOptions::default().interval(MS(100)).trailing(true);
    let t = s.throttle(times_ten(&host, &runs), o).unwrap();
    let mut a = t.call(1);
    host.advance(10);
    let mut b = t.call(2);
    host.advance(10);
    let mut c = t.call(3);
    assert_eq!(ready(&mut a), Some(Ok(Some(10))));
    host.advance(79);
    assert!(ready(&mut b).is_none());
    host.advance(1);
    assert_eq!(*runs.borrow(), [(0.0, 1), (100.0, 3)]);
    assert_eq!(ready(&mut b), Some(Ok(Some(30))));
    assert_eq!(ready(&mut c), Some(Ok(Some(30))));
    // The trailing run opened a window: a call in it waits for its end.
    host.advance(50);
    let mut d = t.call(4);
    host.advance(50);
    assert_eq!(runs.borrow().last(), Some(&(200.0, 4)));
    assert_eq!(ready(&mut d), Some(Ok(Some(40))));
    // Once a window passed with no call, the next call runs at once.
    host.advance(150);
    let mut e = t.call(5);
    assert_eq!(runs.borrow().last(), Some(&(350.0, 5)));
    host.run();
    assert_eq!(ready(&mut e), Some(Ok(Some(50))));
    // 2.x's default (leading only): a call in the window will not run.
    let lead = ThrottleOptions::default().interval(MS(100));
    let l = s.throttle(times_ten(&host, &runs), lead).unwrap();
    let (mut f, mut g) = (l.call(6), l.call(7));
    host.advance(100);
    assert_eq!(
        (ready(&mut f), ready(&mut g)),
        (Some(Ok(Some(60))), Some(Ok(None)))
    );
    let mut h = l.call(8);
    host.run();
    assert_eq!(ready(&mut h), Some(Ok(Some(80))));
    assert_eq!(runs.borrow().len(), 6);
    assert!(dispose(&host, &s).is_ok());
    assert!(rt.live().is_empty(), "{:?}", rt.live());
}

#[test]
fn the_scope_s_end_settles_waiting_and_later_calls_with_its_reason() {
    let (host, rt) = rt();
    let s = rt.scope(ScopeOptions::default().timeout(MS(50))).unwrap();
    let runs = Runs::default();
    let d = s
        .debounce(times_ten(&host, &runs), DebounceOptions::default())
        .unwrap();
    let o = ThrottleOptions::default().trailing(true);
    let t = s.throttle(times_ten(&host, &runs), o).unwrap();
    let (mut a, mut b) = (d.call(1), d.call(2));
    let (mut c, mut w) = (t.call(3), t.call(4));
    assert_eq!(rt.live().limiters, 2);
    host.advance(50); // the scope's timeout, before any trailing run
    let r = ready(&mut a).unwrap().unwrap_err();
    assert!(r.is_timeout(), "{r}");
    assert!(ready(&mut b).unwrap().unwrap_err().ptr_eq(&r));
    assert_eq!(ready(&mut c), Some(Ok(Some(30))), "it ran before the end");
    assert!(ready(&mut w).unwrap().unwrap_err().ptr_eq(&r));
    assert_eq!(rt.live().limiters, 0);
    assert_eq!(rt.live().timers, 0, "the windows were cleared");
    let mut later = d.call(5);
    assert!(ready(&mut later).unwrap().unwrap_err().ptr_eq(&r));
    host.advance(1_000);
    assert_eq!(*runs.borrow(), [(0.0, 3)], "no trailing run after the end");
    // One made on the aborted scope ends at once; a disposed scope refuses.
    let late = s
        .debounce(times_ten(&host, &runs), DebounceOptions::default())
        .unwrap();
    assert!(ready(&mut late.call(6)).unwrap().unwrap_err().ptr_eq(&r));
    assert!(dispose(&host, &s).is_ok());
    let e = s
        .throttle(times_ten(&host, &runs), ThrottleOptions::default())
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "Cannot create debounce or throttle on disposed scope"
    );
    assert!(rt.live().is_empty(), "{:?}", rt.live());
}

#[test]
fn select_timeout_and_default_take_nothing() {
    let (host, rt) = rt();
    let s = rt.scope(ScopeOptions::default()).unwrap();
    let ch = s.channel::<u32>(0).unwrap();
    // default: nothing ready, the select never waits.
    let got = ready(&mut s.select().recv(&ch, |_| 1).default(|| 2));
    assert_eq!(got, Some(Ok(2)));
    // A ready case wins over default.
    let mut tx = ch.send(5);
    assert!(ready(&mut tx).is_none());
    assert_eq!(
        ready(&mut s.select().recv(&ch, |v| v.unwrap_or(0)).default(|| 0)),
        Some(Ok(5))
    );
    assert_eq!(ready(&mut tx), Some(Ok(())));
    // timeout: exact, with the timeout reason; the case is withdrawn.
    let mut sel = s.select().recv(&ch, |v| v).timeout(MS(30));
    assert!(ready(&mut sel).is_none());
    host.advance(29);
    assert!(ready(&mut sel).is_none());
    host.advance(1);
    let reason = ready(&mut sel).unwrap().unwrap_err();
    assert!(reason.is_timeout());
    assert_eq!(reason.to_string(), "timeout after 30ms");
    let mut tx = ch.send(6);
    assert!(
        ready(&mut tx).is_none(),
        "the timed-out receive took nothing"
    );
    drop(tx);
    // Standalone, with no case: it waits for its timeout (Go's `select {}`).
    let mut sel = rt.select::<()>().timeout(MS(10));
    assert!(ready(&mut sel).is_none());
    host.advance(10);
    assert!(ready(&mut sel).unwrap().unwrap_err().is_timeout());
    drop(sel);
    dispose(&host, &s).unwrap();
    assert!(rt.live().is_empty(), "{:?}", rt.live());
}

#[test]
fn a_run_under_way_when_the_scope_ends_still_gives_its_output() {
    let (host, rt) = rt();
    let s = rt.scope(ScopeOptions::default()).unwrap();
    let t = s
        .throttle(
            |rx: futures::channel::oneshot::Receiver<u32>| async move { rx.await.ok() },
            ThrottleOptions::default(),
        )
        .unwrap();
    let (tx, rx) = futures::channel::oneshot::channel();
    let mut a = t.call(rx);
    host.run();
    assert!(ready(&mut a).is_none());
    assert!(dispose(&host, &s).is_ok());
    assert!(rt.live().is_empty(), "{:?}", rt.live());
    tx.send(7).unwrap();
    host.run();
    assert_eq!(ready(&mut a), Some(Ok(Some(Some(7)))));
}

#[test]
fn a_dropped_handle_releases_its_limiter_once_no_call_waits() {
    let (host, rt) = rt();
    let s = rt.scope(ScopeOptions::default()).unwrap();
    let runs = Runs::default();
    let o = DebounceOptions::default().wait(MS(100));
    let d = s.debounce(times_ten(&host, &runs), o.clone()).unwrap();
    let d2 = d.clone();
    drop(d);
    assert_eq!(rt.live().limiters, 1, "a clone holds it");
    drop(d2);
    assert_eq!(rt.live().limiters, 0);
    // A waiting call keeps it until its run.
    let d = s.debounce(times_ten(&host, &runs), o).unwrap();
    let mut a = d.call(1);
    drop(d);
    assert_eq!((rt.live().limiters, rt.live().timers), (1, 1));
    host.advance(100);
    assert_eq!(*runs.borrow(), [(100.0, 1)]);
    assert_eq!(ready(&mut a), Some(Ok(Some(10))));
    assert_eq!((rt.live().limiters, rt.live().timers), (0, 0));
    // Dropped while a call waits (its future dropped too): no run.
    let t = s
        .throttle(
            times_ten(&host, &runs),
            ThrottleOptions::default().interval(MS(100)).trailing(true),
        )
        .unwrap();
    let (b, c) = (t.call(2), t.call(3)); // 2 runs at once, 3 waits
    drop((t, b, c));
    assert_eq!((rt.live().limiters, rt.live().timers), (0, 0));
    host.advance(1_000);
    assert_eq!(*runs.borrow(), [(100.0, 1), (100.0, 2)], "3 never runs");
    assert!(dispose(&host, &s).is_ok());
    assert!(rt.live().is_empty(), "{:?}", rt.live());
}

#[test]
fn select_ends_with_its_scope_s_abort_and_a_dropped_select_passes_turns_on() {
    let (host, rt) = rt();
    let outer = rt.scope(ScopeOptions::default()).unwrap();
    let ch = outer.channel::<u32>(0).unwrap();
    // The scope's abort ends a waiting select with its reason.
    let s = outer.child(ScopeOptions::default()).unwrap();
    let mut sel = s.select().recv(&ch, |v| v).send(&ch, 9, |_| None);
    assert!(ready(&mut sel).is_none());
    dispose(&host, &s).unwrap();
    assert!(ready(&mut sel).unwrap().unwrap_err().is_disposed());
    drop(sel);
    // On a scope that ended: its reason at once.
    let got = ready(&mut s.select().recv(&ch, |v| v)).unwrap();
    assert!(got.unwrap_err().is_disposed());
    // A dropped waiting select withdraws its waiters: the receiver queued
    // behind it gets the value.
    let mut sel = outer.select().recv(&ch, |v| v);
    assert!(ready(&mut sel).is_none());
    let mut r2 = ch.recv();
    assert!(ready(&mut r2).is_none());
    drop(sel);
    assert_eq!(ready(&mut ch.send(7)), Some(Ok(())));
    assert_eq!(ready(&mut r2), Some(Some(7)));
    // Dropped after a value was handed to it, before it looked: the value
    // goes back (here to the buffer-less channel's next receiver).
    let mut sel = outer.select().recv(&ch, |v| v);
    assert!(ready(&mut sel).is_none());
    let mut r3 = ch.recv();
    assert!(ready(&mut r3).is_none());
    assert_eq!(ready(&mut ch.send(8)), Some(Ok(())));
    drop(sel);
    assert_eq!(ready(&mut r3), Some(Some(8)));
    // A dropped select's send case is never delivered.
    let mut sel = outer.select().send(&ch, 11, |r| r.is_ok());
    assert!(ready(&mut sel).is_none());
    drop(sel);
    let mut r4 = ch.recv();
    assert!(ready(&mut r4).is_none());
    drop(r4);
    assert_eq!(rt.live().selects, 0);
    dispose(&host, &outer).unwrap();
    assert!(rt.live().is_empty(), "{:?}", rt.live());
}
