//! The telemetry decisions: which span attributes (and values) and which
//! debug lines the machine emits, and when, driven through the machine's
//! commands and events.

use super::*;
use crate::machine::scope::ScopeSpec;
use crate::machine::task::{RetrySpec, TaskSpec};

const ALL: u32 = (flag::TRACE | flag::SCOPE_LINES | flag::TASK_LINES) as u32;

fn op(o: Op) -> u8 {
    o as u8
}

/// A root scope with telemetry `bits`; the effects emitted so far cleared.
fn scope_with(m: &mut Machine, spec: ScopeSpec, bits: u32) -> Key {
    let s = m.scope_new(None, None, spec).unwrap();
    m.tel_scope(s, bits);
    m.fx.clear();
    s
}

fn retry(max: Option<f64>) -> TaskSpec {
    TaskSpec {
        retry: Some(RetrySpec {
            max_retries: max,
            ..RetrySpec::default()
        }),
        ..TaskSpec::default()
    }
}

/// Effects with opcode `o` about `key`, as `(b, c)`.
fn of(m: &Machine, o: Op, key: Key) -> Vec<(f64, f64)> {
    m.fx.decoded()
        .into_iter()
        .filter(|e| e.0 == op(o) && e.1 == key.to_f64())
        .map(|e| (e.2, e.3))
        .collect()
}

/// The last value of task attribute `id` emitted for task `k`.
fn attr_of(m: &Machine, k: Key, id: f64) -> Option<f64> {
    of(m, Op::TaskAttr, k)
        .into_iter()
        .filter(|a| a.0 == id)
        .map(|a| a.1)
        .next_back()
}

/// The serial of the last `Start` of task `k`.
fn serial(m: &Machine, k: Key) -> u32 {
    m.fx.decoded()
        .into_iter()
        .filter(|e| e.0 == op(Op::Start) && e.1 == k.to_f64())
        .map(|e| e.2 as u32)
        .next_back()
        .unwrap()
}

/// The key of the last timer set.
fn last_timer(m: &Machine) -> f64 {
    m.fx.decoded()
        .into_iter()
        .filter(|e| e.0 == op(Op::TimerSet))
        .map(|e| e.1)
        .next_back()
        .unwrap()
}

/// Fails attempts of task `k` with an exception, `n` times.
fn fail(m: &mut Machine, k: Key, n: u32) {
    for _ in 0..n {
        let s = serial(m, k);
        assert!(m.attempt_settled(k.to_f64(), s, false, 0.0));
    }
}

fn telemetry_ops(m: &Machine) -> Vec<u8> {
    m.fx.decoded()
        .into_iter()
        .map(|e| e.0)
        .filter(|&o| o >= 50)
        .collect()
}

#[test]
fn without_tracer_or_debug_nothing_is_emitted() {
    let mut m = Machine::new();
    let spec = ScopeSpec {
        timeout: Some(50.0),
        concurrency: Some(1.0),
        breaker: Some((Some(1.0), None)),
    };
    let s = m.scope_new(None, None, spec).unwrap();
    let timer = last_timer(&m);
    let a = m.spawn(s, retry(Some(1.0)), 0.0).unwrap();
    let b = m.spawn(s, TaskSpec::default(), 0.0).unwrap(); // waits
    fail(&mut m, a, 1); // opens the breaker: b is refused, a's retry too
    assert!(
        m.fx.decoded()
            .iter()
            .filter(|e| e.0 == op(Op::Settle))
            .count()
            == 2
    );
    assert_eq!(m.task_is_started(b), None);
    let c = m.spawn(s, TaskSpec::default(), 0.0).unwrap();
    m.timer_fired(timer, 100.0); // the scope's timeout
    m.scope_dispose(s);
    assert_eq!(m.task_is_started(c), None);
    assert!(m.fx.decoded().iter().any(|e| e.0 == op(Op::Disposed)));
    assert_eq!(telemetry_ops(&m), Vec::<u8>::new());
}

#[test]
fn scope_span_attributes_then_start_then_end_before_disposed() {
    let mut m = Machine::new();
    let spec = ScopeSpec {
        timeout: Some(5000.0),
        concurrency: Some(2.0),
        breaker: None,
    };
    let s = m.scope_new(None, None, spec).unwrap();
    m.fx.clear();
    m.tel_scope(s, u32::from(flag::TRACE) | flag::CONCURRENCY);
    let key = s.to_f64();
    assert_eq!(
        m.fx.decoded(),
        vec![
            (op(Op::ScopeAttr), key, attr::SCOPE_TIMEOUT, 5000.0),
            (op(Op::ScopeAttr), key, attr::SCOPE_HAS_PARENT_SIGNAL, 0.0),
            (op(Op::ScopeAttr), key, attr::SCOPE_HAS_PARENT_SCOPE, 0.0),
            (op(Op::ScopeAttr), key, attr::SCOPE_CONCURRENCY, 2.0),
            (op(Op::ScopeSpan), key, 0.0, 0.0),
        ]
    );
    m.fx.clear();
    m.scope_dispose(s);
    let ops: Vec<u8> = m.fx.decoded().iter().map(|e| e.0).collect();
    let end = ops.iter().position(|&o| o == op(Op::ScopeEnd)).unwrap();
    let disposed = ops.iter().position(|&o| o == op(Op::Disposed)).unwrap();
    assert_eq!(end + 1, disposed);
    assert_eq!(
        of(&m, Op::ScopeAttr, s),
        vec![(attr::SCOPE_DURATION_MS, 0.0)]
    );
    assert_eq!(of(&m, Op::ScopeEnd, s), vec![(0.0, 0.0)]); // status OK
}

#[test]
fn a_child_reports_its_parent_and_only_its_own_concurrency() {
    let mut m = Machine::new();
    let spec = ScopeSpec {
        concurrency: Some(3.0),
        ..ScopeSpec::default()
    };
    let p = scope_with(&mut m, spec, u32::from(flag::TRACE) | flag::CONCURRENCY);
    let c = m.scope_new(Some(p), None, ScopeSpec::default()).unwrap();
    m.fx.clear();
    // Inherited concurrency: not reported as the child's option (as 1.0).
    m.tel_scope(c, ALL | flag::PARENT | flag::PARENT_SIGNAL);
    assert_eq!(
        of(&m, Op::ScopeAttr, c),
        vec![
            (attr::SCOPE_HAS_PARENT_SIGNAL, 1.0),
            (attr::SCOPE_HAS_PARENT_SCOPE, 1.0),
        ]
    );
    // The line: timeout 0, concurrency 3 (effective), parent signal and
    // parent, no breaker.
    assert_eq!(
        of(&m, Op::LineScopeCreated, c),
        vec![(0.0, 3.0 * 8.0 + 1.0 + 4.0)]
    );
}

#[test]
fn task_start_attributes_and_retry_options() {
    let mut m = Machine::new();
    let s = scope_with(&mut m, ScopeSpec::default(), ALL);
    let t = m
        .spawn(
            s,
            TaskSpec {
                timeout: Some(250.0),
                retry: Some(RetrySpec {
                    delay_fn: true,
                    condition: true,
                    ..RetrySpec::default()
                }),
                on_cleanup: false,
            },
            0.0,
        )
        .unwrap();
    let key = t.to_f64();
    let fx: Vec<_> = m.fx.decoded().into_iter().filter(|e| e.0 >= 50).collect();
    assert_eq!(
        fx,
        vec![
            (op(Op::TaskAttr), key, attr::TASK_INDEX, 1.0),
            (op(Op::TaskAttr), key, attr::TASK_HAS_RETRY, 1.0),
            (op(Op::TaskAttr), key, attr::TASK_HAS_TIMEOUT, 1.0),
            (op(Op::TaskAttr), key, attr::TASK_HAS_CIRCUIT_BREAKER, 0.0),
            (op(Op::TaskAttr), key, attr::TASK_SCOPE_CONCURRENCY, 0.0),
            (op(Op::TaskAttr), key, attr::TASK_TIMEOUT_MS, 250.0),
            (op(Op::TaskSpan), key, s.to_f64(), 0.0),
            (op(Op::TaskAttr), key, attr::RETRY_MAX_RETRIES, 3.0),
            (op(Op::TaskAttr), key, attr::RETRY_HAS_DELAY, 1.0),
            (op(Op::TaskAttr), key, attr::RETRY_HAS_CONDITION, 1.0),
            (op(Op::LineTaskStarted), key, s.to_f64(), 0.0),
        ]
    );
    // The span starts before `fn` is called.
    let ops: Vec<u8> = m.fx.decoded().iter().map(|e| e.0).collect();
    let span = ops.iter().position(|&o| o == op(Op::TaskSpan)).unwrap();
    let start = ops.iter().position(|&o| o == op(Op::Start)).unwrap();
    assert!(span < start);

    // A fixed delay of 0 is "no delay" (1.0's `!!delay`); the second task
    // of the scope has index 2.
    m.fx.clear();
    let u = m
        .spawn(
            s,
            TaskSpec {
                retry: Some(RetrySpec {
                    max_retries: Some(0.0),
                    delay: Some(0.0),
                    ..RetrySpec::default()
                }),
                ..TaskSpec::default()
            },
            0.0,
        )
        .unwrap();
    assert_eq!(attr_of(&m, u, attr::TASK_INDEX), Some(2.0));
    assert_eq!(attr_of(&m, u, attr::RETRY_MAX_RETRIES), Some(0.0));
    assert_eq!(attr_of(&m, u, attr::RETRY_HAS_DELAY), Some(0.0));
    assert_eq!(attr_of(&m, u, attr::RETRY_HAS_CONDITION), Some(0.0));
    assert_eq!(attr_of(&m, u, attr::TASK_TIMEOUT_MS), None);
}

#[test]
fn success_after_retries_reports_succeeded_after_and_retry_attempts() {
    let mut m = Machine::new();
    let s = scope_with(&mut m, ScopeSpec::default(), ALL);
    let t = m.spawn(s, retry(Some(3.0)), 0.0).unwrap();
    fail(&mut m, t, 2);
    assert!(m.attempt_settled(t.to_f64(), serial(&m, t), true, 0.0));
    assert_eq!(attr_of(&m, t, attr::RETRY_SUCCEEDED_AFTER), Some(3.0));
    assert_eq!(attr_of(&m, t, attr::TASK_RETRY_ATTEMPTS), Some(2.0));
    assert_eq!(attr_of(&m, t, attr::RETRY_MAX_RETRIES_EXCEEDED), None);
    assert_eq!(attr_of(&m, t, attr::TASK_ERROR_REASON), None);
    assert_eq!(of(&m, Op::TaskEnd, t), vec![(0.0, 0.0)]);
    // Two retry lines, "started" once, "completed" once; the end comes
    // right before `Settle`.
    assert_eq!(of(&m, Op::LineTaskRetry, t), vec![(1.0, 0.0), (2.0, 0.0)]);
    assert_eq!(of(&m, Op::LineTaskStarted, t).len(), 1);
    assert_eq!(of(&m, Op::LineTaskDone, t), vec![(1.0, 0.0)]);
    let ops: Vec<u8> = m.fx.decoded().iter().map(|e| e.0).collect();
    let settle = ops.iter().position(|&o| o == op(Op::Settle)).unwrap();
    assert_eq!(ops[settle - 1], op(Op::LineTaskDone));
    assert_eq!(ops[settle - 2], op(Op::TaskEnd));
}

#[test]
fn a_first_try_success_has_no_retry_outcome() {
    let mut m = Machine::new();
    let s = scope_with(&mut m, ScopeSpec::default(), ALL);
    let t = m.spawn(s, retry(None), 0.0).unwrap();
    assert!(m.attempt_settled(t.to_f64(), serial(&m, t), true, 0.0));
    assert_eq!(attr_of(&m, t, attr::RETRY_SUCCEEDED_AFTER), None);
    assert_eq!(attr_of(&m, t, attr::TASK_RETRY_ATTEMPTS), Some(0.0));
}

#[test]
fn retries_running_out_reports_exceeded_and_attempts_made() {
    let mut m = Machine::new();
    let s = scope_with(&mut m, ScopeSpec::default(), ALL);
    let t = m.spawn(s, retry(Some(2.0)), 0.0).unwrap();
    fail(&mut m, t, 3);
    assert_eq!(attr_of(&m, t, attr::RETRY_MAX_RETRIES_EXCEEDED), Some(1.0));
    assert_eq!(attr_of(&m, t, attr::RETRY_ATTEMPTS_MADE), Some(3.0));
    assert_eq!(attr_of(&m, t, attr::TASK_RETRY_ATTEMPTS), Some(2.0));
    assert_eq!(
        attr_of(&m, t, attr::TASK_ERROR_REASON),
        Some(reason_code(ErrorReason::Exception))
    );
    assert_eq!(attr_of(&m, t, attr::RETRY_CONDITION_REJECTED), None);
    assert_eq!(of(&m, Op::TaskEnd, t), vec![(1.0, 0.0)]);
    assert_eq!(of(&m, Op::LineTaskDone, t), vec![(0.0, 0.0)]);

    // maxRetries 0: the first failure exceeds them.
    m.fx.clear();
    let u = m.spawn(s, retry(Some(0.0)), 0.0).unwrap();
    fail(&mut m, u, 1);
    assert_eq!(attr_of(&m, u, attr::RETRY_MAX_RETRIES_EXCEEDED), Some(1.0));
    assert_eq!(attr_of(&m, u, attr::RETRY_ATTEMPTS_MADE), Some(1.0));
}

#[test]
fn a_condition_that_says_no_is_reported_and_is_not_running_out() {
    let mut m = Machine::new();
    let s = scope_with(&mut m, ScopeSpec::default(), ALL);
    let mut spec = retry(Some(5.0));
    if let Some(r) = spec.retry.as_mut() {
        r.condition = true;
    }
    let t = m.spawn(s, spec, 0.0).unwrap();
    let sr = serial(&m, t);
    fail(&mut m, t, 1);
    m.retry_answer(t.to_f64(), sr, 1, f64::NAN, 0.0); // retry
    let sr = serial(&m, t);
    fail(&mut m, t, 1);
    m.fx.clear();
    m.retry_answer(t.to_f64(), sr, 0, f64::NAN, 0.0); // no
    assert_eq!(attr_of(&m, t, attr::RETRY_CONDITION_REJECTED), Some(1.0));
    assert_eq!(attr_of(&m, t, attr::RETRY_MAX_RETRIES_EXCEEDED), None);
    assert_eq!(attr_of(&m, t, attr::TASK_RETRY_ATTEMPTS), Some(1.0));

    // A condition that throws (verdict 2) is neither.
    m.fx.clear();
    let u = m.spawn(s, spec, 0.0).unwrap();
    let su = serial(&m, u);
    fail(&mut m, u, 1);
    m.retry_answer(u.to_f64(), su, 2, f64::NAN, 0.0);
    assert_eq!(attr_of(&m, u, attr::RETRY_CONDITION_REJECTED), None);
    assert_eq!(attr_of(&m, u, attr::RETRY_MAX_RETRIES_EXCEEDED), None);
    assert_eq!(of(&m, Op::TaskEnd, u), vec![(1.0, 0.0)]);
}

#[test]
fn breaker_state_count_rejection_and_lines() {
    let mut m = Machine::new();
    let spec = ScopeSpec {
        breaker: Some((Some(2.0), Some(1000.0))),
        ..ScopeSpec::default()
    };
    let s = scope_with(&mut m, spec, ALL);
    let a = m.spawn(s, TaskSpec::default(), 0.0).unwrap();
    assert_eq!(attr_of(&m, a, attr::TASK_HAS_CIRCUIT_BREAKER), Some(1.0));
    assert_eq!(
        attr_of(&m, a, attr::BREAKER_STATE),
        Some(state_code(CircuitState::Closed))
    );
    assert_eq!(attr_of(&m, a, attr::BREAKER_FAILURE_COUNT), Some(0.0));
    fail(&mut m, a, 1);
    // The count is read when the task is spawned.
    m.fx.clear();
    let b = m.spawn(s, TaskSpec::default(), 10.0).unwrap();
    assert_eq!(attr_of(&m, b, attr::BREAKER_FAILURE_COUNT), Some(1.0));
    assert_eq!(of(&m, Op::LineBreaker, s), vec![]);
    let sb = serial(&m, b);
    assert!(m.attempt_settled(b.to_f64(), sb, false, 10.0));
    assert_eq!(
        of(&m, Op::LineBreaker, s),
        vec![(state_code(CircuitState::Open), 0.0)]
    );
    // Open: the next call is refused.
    m.fx.clear();
    let c = m.spawn(s, TaskSpec::default(), 20.0).unwrap();
    assert_eq!(
        attr_of(&m, c, attr::BREAKER_STATE),
        Some(state_code(CircuitState::Open))
    );
    assert_eq!(attr_of(&m, c, attr::BREAKER_FAILURE_COUNT), Some(2.0));
    assert_eq!(attr_of(&m, c, attr::BREAKER_REJECTED), Some(1.0));
    assert_eq!(
        attr_of(&m, c, attr::TASK_ERROR_REASON),
        Some(reason_code(ErrorReason::CircuitBreakerOpen))
    );
    assert_eq!(of(&m, Op::LineTaskStarted, c), vec![]); // `fn` never ran
                                                        // After resetTimeout: half-open as seen at spawn, the trial closes it.
    m.fx.clear();
    let d = m.spawn(s, TaskSpec::default(), 2000.0).unwrap();
    assert_eq!(
        attr_of(&m, d, attr::BREAKER_STATE),
        Some(state_code(CircuitState::HalfOpen))
    );
    assert_eq!(attr_of(&m, d, attr::BREAKER_REJECTED), None);
    assert!(m.attempt_settled(d.to_f64(), serial(&m, d), true, 2000.0));
    assert_eq!(
        of(&m, Op::LineBreaker, s),
        vec![
            (state_code(CircuitState::HalfOpen), 0.0),
            (state_code(CircuitState::Closed), 0.0)
        ]
    );
}

#[test]
fn a_refused_call_then_a_retry_that_succeeds_keeps_rejected() {
    let mut m = Machine::new();
    let spec = ScopeSpec {
        breaker: Some((Some(1.0), Some(0.0))),
        ..ScopeSpec::default()
    };
    let s = scope_with(&mut m, spec, u32::from(flag::TRACE));
    let a = m.spawn(s, TaskSpec::default(), 0.0).unwrap();
    fail(&mut m, a, 1); // open until 0 + 0: the next call is a trial
    let b = m.spawn(s, TaskSpec::default(), 0.0).unwrap(); // the trial, in flight
    let sb = serial(&m, b);
    let mut spec = retry(Some(1.0));
    if let Some(r) = spec.retry.as_mut() {
        r.delay = Some(5.0);
    }
    m.fx.clear();
    let c = m.spawn(s, spec, 0.0).unwrap(); // refused: the trial is out
    assert_eq!(attr_of(&m, c, attr::BREAKER_REJECTED), Some(1.0));
    assert!(m.attempt_settled(b.to_f64(), sb, true, 1.0)); // closed
    let t = last_timer(&m);
    m.timer_fired(t, 10.0); // the retry delay
    assert!(m.attempt_settled(c.to_f64(), serial(&m, c), true, 10.0));
    assert_eq!(attr_of(&m, c, attr::BREAKER_REJECTED), Some(1.0));
    assert_eq!(attr_of(&m, c, attr::RETRY_SUCCEEDED_AFTER), Some(2.0));
    assert_eq!(of(&m, Op::TaskEnd, c), vec![(0.0, 0.0)]);
}

#[test]
fn concurrency_permits_available_and_waiting_before_each_attempt() {
    let mut m = Machine::new();
    let spec = ScopeSpec {
        concurrency: Some(1.0),
        ..ScopeSpec::default()
    };
    let s = scope_with(&mut m, spec, u32::from(flag::TRACE));
    let before = |m: &Machine, k: Key| {
        (
            attr_of(m, k, attr::CONCURRENCY_AVAILABLE_BEFORE),
            attr_of(m, k, attr::CONCURRENCY_WAITING_BEFORE),
        )
    };
    let a = m.spawn(s, TaskSpec::default(), 0.0).unwrap();
    assert_eq!(attr_of(&m, a, attr::TASK_SCOPE_CONCURRENCY), Some(1.0));
    assert_eq!(before(&m, a), (Some(1.0), Some(0.0)));
    let b = m.spawn(s, retry(Some(1.0)), 0.0).unwrap();
    assert_eq!(before(&m, b), (Some(0.0), Some(0.0)));
    let c = m.spawn(s, TaskSpec::default(), 0.0).unwrap();
    assert_eq!(before(&m, c), (Some(0.0), Some(1.0)));
    // b gets a's permit and fails; its retry asks again: the last
    // attempt's numbers are the ones that remain.
    assert!(m.attempt_settled(a.to_f64(), serial(&m, a), true, 0.0));
    fail(&mut m, b, 1); // queued behind c now
    assert_eq!(before(&m, b), (Some(0.0), Some(0.0)));
}

#[test]
fn error_reasons_timeout_and_aborted() {
    let mut m = Machine::new();
    let s = scope_with(&mut m, ScopeSpec::default(), ALL);
    let t = m
        .spawn(
            s,
            TaskSpec {
                timeout: Some(5.0),
                ..TaskSpec::default()
            },
            0.0,
        )
        .unwrap();
    let timer = last_timer(&m);
    m.timer_fired(timer, 5.0);
    assert_eq!(
        attr_of(&m, t, attr::TASK_ERROR_REASON),
        Some(reason_code(ErrorReason::Timeout))
    );
    assert_eq!(of(&m, Op::LineTaskTimedOut, t), vec![(5.0, 0.0)]);

    // `fn` rejects after the scope aborted its signal: "aborted".
    let u = m.spawn(s, TaskSpec::default(), 0.0).unwrap();
    let su = serial(&m, u);
    m.scope_dispose(s);
    m.fx.clear();
    assert!(m.attempt_settled(u.to_f64(), su, false, 0.0));
    assert_eq!(
        attr_of(&m, u, attr::TASK_ERROR_REASON),
        Some(reason_code(ErrorReason::Aborted))
    );
    // The scope ends after its last task: status OK (a disposal is no
    // error), the lines.
    assert_eq!(of(&m, Op::ScopeEnd, s), vec![(0.0, 0.0)]);
    assert_eq!(of(&m, Op::LineScopeDisposed, s), vec![(0.0, 0.0)]);
}

#[test]
fn scope_timeout_and_parent_abort_are_span_errors() {
    let mut m = Machine::new();
    let spec = ScopeSpec {
        timeout: Some(5.0),
        ..ScopeSpec::default()
    };
    let s = m.scope_new(None, None, spec).unwrap();
    let timer = last_timer(&m);
    m.tel_scope(s, ALL);
    let c = m.scope_new(Some(s), None, ScopeSpec::default()).unwrap();
    m.tel_scope(c, ALL | flag::PARENT | flag::PARENT_SIGNAL);
    m.fx.clear();
    m.timer_fired(timer, 5.0);
    let reason =
        m.fx.decoded()
            .into_iter()
            .find(|e| e.0 == op(Op::Reason))
            .map(|e| e.1)
            .unwrap();
    assert_eq!(of(&m, Op::ScopeError, s), vec![(1.0, reason)]);
    assert_eq!(of(&m, Op::LineScopeTimedOut, s), vec![(5.0, 0.0)]);
    assert_eq!(of(&m, Op::ScopeError, c), vec![(2.0, reason)]);
    assert_eq!(of(&m, Op::LineScopeAborted, c), vec![(0.0, 0.0)]);
    // At the end the ERROR status stays (1); a plain disposal is OK.
    m.fx.clear();
    m.scope_dispose(c);
    m.scope_dispose(s);
    assert_eq!(of(&m, Op::ScopeEnd, c), vec![(1.0, 0.0)]);
    assert_eq!(of(&m, Op::ScopeEnd, s), vec![(1.0, 0.0)]);
    assert_eq!(of(&m, Op::ScopeError, s), vec![]); // not again at dispose
}

#[test]
fn cleanup_errors_end_the_span_with_status_2_and_count_in_the_line() {
    let mut m = Machine::new();
    let s = scope_with(&mut m, ScopeSpec::default(), ALL);
    m.add_cleanup(s, true).unwrap();
    m.add_cleanup(s, true).unwrap();
    m.add_cleanup(s, false).unwrap(); // a task's onCleanup: not counted
    m.scope_dispose(s);
    assert_eq!(of(&m, Op::LineScopeDisposing, s), vec![(0.0, 3.0)]);
    m.cleanup_done(s, false, false);
    m.cleanup_done(s, false, true);
    m.cleanup_done(s, false, true);
    assert_eq!(of(&m, Op::ScopeEnd, s), vec![(2.0, 0.0)]);
    assert_eq!(of(&m, Op::LineScopeDisposed, s), vec![(2.0, 0.0)]);
}

#[test]
fn debug_only_scopes_emit_lines_and_no_span_effects() {
    let mut m = Machine::new();
    let spec = ScopeSpec {
        timeout: Some(1000.0),
        breaker: Some((Some(1.0), None)),
        ..ScopeSpec::default()
    };
    let s = m.scope_new(None, None, spec).unwrap();
    m.fx.clear();
    m.tel_scope(s, u32::from(flag::SCOPE_LINES | flag::TASK_LINES));
    let t = m.spawn(s, retry(Some(1.0)), 0.0).unwrap();
    fail(&mut m, t, 1);
    m.scope_dispose(s);
    let spans = [
        Op::ScopeSpan,
        Op::ScopeAttr,
        Op::ScopeError,
        Op::ScopeEnd,
        Op::TaskSpan,
        Op::TaskAttr,
        Op::TaskEnd,
    ];
    let ops = telemetry_ops(&m);
    assert!(ops.iter().all(|&o| spans.iter().all(|&x| op(x) != o)));
    assert_eq!(
        ops,
        vec![
            op(Op::LineScopeCreated),
            op(Op::LineTaskStarted),
            op(Op::LineBreaker), // opened by the first failure
            op(Op::LineTaskRetry),
            op(Op::LineTaskDone), // the retry was refused by the breaker
            op(Op::LineScopeDisposing),
            op(Op::LineScopeDisposed),
        ]
    );
    assert_eq!(
        of(&m, Op::LineScopeCreated, s),
        vec![(1000.0, 2.0)] // unlimited, breaker
    );
}

#[test]
fn task_lines_alone_leave_the_scope_quiet() {
    let mut m = Machine::new();
    let s = scope_with(&mut m, ScopeSpec::default(), u32::from(flag::TASK_LINES));
    let t = m.spawn(s, TaskSpec::default(), 0.0).unwrap();
    assert!(m.attempt_settled(t.to_f64(), serial(&m, t), true, 0.0));
    m.scope_dispose(s);
    assert_eq!(
        telemetry_ops(&m),
        vec![op(Op::LineTaskStarted), op(Op::LineTaskDone)]
    );
}

#[test]
fn a_reused_scope_slot_starts_without_telemetry() {
    let mut m = Machine::new();
    let s = scope_with(&mut m, ScopeSpec::default(), ALL);
    m.scope_dispose(s);
    let again = m.scope_new(None, None, ScopeSpec::default()).unwrap();
    assert_eq!(again.index, s.index);
    assert_eq!(m.telemetry.flags(again), 0);
    m.fx.clear();
    let t = m.spawn(again, TaskSpec::default(), 0.0).unwrap();
    assert!(m.attempt_settled(t.to_f64(), serial(&m, t), true, 0.0));
    m.scope_dispose(again);
    assert_eq!(telemetry_ops(&m), Vec::<u8>::new());
}

#[test]
fn codes_match_the_js_tables() {
    // telemetry.ts: REASONS and STATES.
    assert_eq!(reason_code(ErrorReason::Timeout), 0.0);
    assert_eq!(reason_code(ErrorReason::CircuitBreakerOpen), 1.0);
    assert_eq!(reason_code(ErrorReason::Aborted), 2.0);
    assert_eq!(reason_code(ErrorReason::Exception), 3.0);
    assert_eq!(state_code(CircuitState::Closed), 0.0);
    assert_eq!(state_code(CircuitState::Open), 1.0);
    assert_eq!(state_code(CircuitState::HalfOpen), 2.0);
}

#[test]
fn attribute_ids_match_the_js_name_table() {
    // telemetry.ts keeps the names in `ATTRS`, by id, with a type mark.
    let ts = include_str!("../../pkg-template/src/telemetry.ts");
    let table = ts
        .split("const ATTRS = (")
        .nth(1)
        .and_then(|rest| rest.split(").split(").next())
        .unwrap();
    let joined: String = table.split('"').skip(1).step_by(2).collect();
    let js: Vec<&str> = joined.split(' ').collect();
    let want = [
        (attr::SCOPE_TIMEOUT, "scope.timeout"),
        (attr::SCOPE_HAS_PARENT_SIGNAL, "!scope.has_parent_signal"),
        (attr::SCOPE_HAS_PARENT_SCOPE, "!scope.has_parent_scope"),
        (attr::SCOPE_CONCURRENCY, "scope.concurrency"),
        (attr::SCOPE_DURATION_MS, "~scope.duration_ms"),
        (attr::TASK_INDEX, "task.index"),
        (attr::TASK_HAS_RETRY, "!task.has_retry"),
        (attr::TASK_HAS_TIMEOUT, "!task.has_timeout"),
        (attr::TASK_HAS_CIRCUIT_BREAKER, "!task.has_circuit_breaker"),
        (attr::TASK_SCOPE_CONCURRENCY, "task.scope_concurrency"),
        (attr::TASK_TIMEOUT_MS, "task.timeout_ms"),
        (attr::TASK_DURATION_MS, "=task.duration_ms"),
        (attr::TASK_RETRY_ATTEMPTS, "task.retry_attempts"),
        (attr::TASK_ERROR_REASON, "@task.error_reason"),
        (attr::RETRY_MAX_RETRIES, "task.retry.max_retries"),
        (attr::RETRY_HAS_DELAY, "!task.retry.has_delay"),
        (attr::RETRY_HAS_CONDITION, "!task.retry.has_condition"),
        (attr::RETRY_SUCCEEDED_AFTER, "task.retry.succeeded_after"),
        (attr::RETRY_ATTEMPTS_MADE, "task.retry.attempts_made"),
        (
            attr::RETRY_MAX_RETRIES_EXCEEDED,
            "!task.retry.max_retries_exceeded",
        ),
        (
            attr::RETRY_CONDITION_REJECTED,
            "!task.retry.condition_rejected",
        ),
        (attr::BREAKER_STATE, "^task.circuit_breaker.state"),
        (
            attr::BREAKER_FAILURE_COUNT,
            "task.circuit_breaker.failure_count",
        ),
        (attr::BREAKER_REJECTED, "!task.circuit_breaker.rejected"),
        (
            attr::CONCURRENCY_AVAILABLE_BEFORE,
            "task.concurrency.available_before",
        ),
        (
            attr::CONCURRENCY_WAITING_BEFORE,
            "task.concurrency.waiting_before",
        ),
    ];
    assert_eq!(js.len(), want.len());
    for (id, name) in want {
        assert_eq!(js.get(id as usize), Some(&name), "attribute id {id}");
    }
}
