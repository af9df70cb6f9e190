use super::*;

#[test]
fn error_reasons_are_the_spec_strings() {
    let all = [
        ErrorReason::Timeout,
        ErrorReason::CircuitBreakerOpen,
        ErrorReason::Aborted,
        ErrorReason::Exception,
    ];
    let names: Vec<_> = all.iter().map(|r| r.as_str()).collect();
    assert_eq!(
        names,
        vec!["timeout", "circuit_breaker_open", "aborted", "exception"]
    );
}

#[test]
fn cancel_causes_give_span_status_messages() {
    assert_eq!(CancelCause::Timeout.status_message(), Some("timeout"));
    assert_eq!(
        CancelCause::Parent.status_message(),
        Some("aborted by parent")
    );
    assert_eq!(CancelCause::Disposed.status_message(), None);
    assert_eq!(
        disposal_errors_message(&["a".into(), "b".into()]),
        "Disposal errors: a, b"
    );
}

#[test]
fn debug_lines() {
    assert_eq!(
        lines::scope_created("scope-1", Some(5000.0), false, Some(crate::core::options::Limit::Max(3)), true, false),
        "[scope-1] creating scope (timeout: 5000, parent signal: no, concurrency: 3, circuitBreaker: yes, parent: no)"
    );
    assert_eq!(
        lines::task_settled("task-2", true, 12.4),
        "[task-2] completed successfully in 12ms"
    );
    assert_eq!(
        lines::task_retry("t", 1, 2000.0),
        "[t] attempt 1 failed, retrying after 2000ms"
    );
    assert_eq!(
        lines::breaker_state("s", "open"),
        "[s] circuit breaker is now open"
    );
    assert_eq!(round_ms(1.5), 2.0);
}

#[test]
fn task_attributes_have_1_0_keys_and_values() {
    use crate::core::breaker::CircuitState;
    use crate::core::options::Limit;
    use AttrValue::{Bool, Number, Str};
    assert_eq!(
        task_attrs::breaker_at_start(CircuitState::HalfOpen, 3),
        [
            ("task.circuit_breaker.state", Str("half-open")),
            ("task.circuit_breaker.failure_count", Number(3.0)),
        ]
    );
    assert_eq!(
        task_attrs::retry_at_start(2, false, true),
        [
            ("task.retry.max_retries", Number(2.0)),
            ("task.retry.has_delay", Bool(false)),
            ("task.retry.has_condition", Bool(true)),
        ]
    );
    assert_eq!(
        task_attrs::concurrency_before(Limit::Unlimited, 0),
        [
            ("task.concurrency.available_before", Number(f64::INFINITY)),
            ("task.concurrency.waiting_before", Number(0.0)),
        ]
    );
    assert_eq!(
        task_attrs::breaker_rejected(),
        [("task.circuit_breaker.rejected", Bool(true))]
    );
    assert_eq!(
        task_attrs::retry_succeeded(3),
        [("task.retry.succeeded_after", Number(3.0))]
    );
    assert_eq!(
        task_attrs::retry_condition_rejected(),
        [("task.retry.condition_rejected", Bool(true))]
    );
    assert_eq!(
        task_attrs::retries_exhausted(4),
        [
            ("task.retry.max_retries_exceeded", Bool(true)),
            ("task.retry.attempts_made", Number(4.0)),
        ]
    );
}
