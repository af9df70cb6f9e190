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
}
