//! What tracing and debug output say, independent of how they are emitted:
//! span names, attribute keys, the error reason of a failed task, and the
//! debug lines. The binding (`bindings/otel.rs`, `bindings/debug.rs`) only
//! emits them, and only when a tracer is given or a namespace is enabled.

use crate::core::options::js_number;

/// Why a task failed, as `task.error_reason`.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ErrorReason {
    /// An attempt's `timeout` fired.
    Timeout,
    /// The scope's circuit breaker refused the call.
    CircuitBreakerOpen,
    /// The task's signal was aborted (scope abort or dispose).
    Aborted,
    /// Anything else `fn` threw or rejected with.
    Exception,
}

impl ErrorReason {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorReason::Timeout => "timeout",
            ErrorReason::CircuitBreakerOpen => "circuit_breaker_open",
            ErrorReason::Aborted => "aborted",
            ErrorReason::Exception => "exception",
        }
    }
}

/// Why a scope's token was cancelled, for its span's status.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum CancelCause {
    Timeout,
    Disposed,
    /// The parent scope or the `signal` option aborted.
    Parent,
}

impl CancelCause {
    /// The span status message (none for a plain disposal).
    pub fn status_message(self) -> Option<&'static str> {
        match self {
            CancelCause::Timeout => Some("timeout"),
            CancelCause::Parent => Some("aborted by parent"),
            CancelCause::Disposed => None,
        }
    }
}

/// A span attribute value, turned into a JS value by the binding.
#[derive(Copy, Clone, Debug, PartialEq)]
pub enum AttrValue {
    Bool(bool),
    Number(f64),
    Str(&'static str),
}

/// A span attribute: key and value.
pub type Attr = (&'static str, AttrValue);

/// The task attributes 1.0 sets while a task runs, each at the moment 1.0
/// sets it (read from 1.0's `Scope.task`); dashboards built on 1.0 read
/// them.
pub mod task_attrs {
    use super::{Attr, AttrValue};
    use crate::core::breaker::CircuitState;
    use crate::core::options::Limit;

    /// When the task starts, with a scope circuit breaker: its state (an
    /// open breaker whose `resetTimeout` has passed reports half-open) and
    /// consecutive failure count.
    pub fn breaker_at_start(state: CircuitState, failures: u32) -> [Attr; 2] {
        [
            ("task.circuit_breaker.state", AttrValue::Str(state.as_str())),
            (
                "task.circuit_breaker.failure_count",
                AttrValue::Number(f64::from(failures)),
            ),
        ]
    }

    /// When the task starts, with `retry`: its configuration. `has_delay`
    /// is false for no delay or a delay of 0 (1.0's `!!delay`).
    pub fn retry_at_start(max_retries: u32, has_delay: bool, has_condition: bool) -> [Attr; 3] {
        [
            (
                "task.retry.max_retries",
                AttrValue::Number(f64::from(max_retries)),
            ),
            ("task.retry.has_delay", AttrValue::Bool(has_delay)),
            ("task.retry.has_condition", AttrValue::Bool(has_condition)),
        ]
    }

    /// Before each attempt takes the scope's concurrency permit: what the
    /// permit queue looked like (`Infinity` free permits when unlimited).
    pub fn concurrency_before(available: Limit, waiting: usize) -> [Attr; 2] {
        [
            (
                "task.concurrency.available_before",
                AttrValue::Number(available.as_f64()),
            ),
            (
                "task.concurrency.waiting_before",
                AttrValue::Number(waiting as f64),
            ),
        ]
    }

    /// An open breaker refused the call. (1.0 meant to set it but compared
    /// the error with a lowercase message its breaker never threw.)
    pub fn breaker_rejected() -> [Attr; 1] {
        [("task.circuit_breaker.rejected", AttrValue::Bool(true))]
    }

    /// A retried task succeeded on attempt `attempt` (1-based, > 1).
    pub fn retry_succeeded(attempt: u32) -> [Attr; 1] {
        [(
            "task.retry.succeeded_after",
            AttrValue::Number(f64::from(attempt)),
        )]
    }

    /// `retryCondition` said no: the task fails with that error.
    pub fn retry_condition_rejected() -> [Attr; 1] {
        [("task.retry.condition_rejected", AttrValue::Bool(true))]
    }

    /// Every retry was used up after `attempts` attempts.
    pub fn retries_exhausted(attempts: u32) -> [Attr; 2] {
        [
            ("task.retry.max_retries_exceeded", AttrValue::Bool(true)),
            (
                "task.retry.attempts_made",
                AttrValue::Number(f64::from(attempts)),
            ),
        ]
    }
}

/// Default span names.
pub const SCOPE_SPAN: &str = "scope";
pub const TASK_SPAN: &str = "scope.task";

/// The span status message of a scope whose cleanups failed.
pub fn disposal_errors_message(messages: &[String]) -> String {
    format!("Disposal errors: {}", messages.join(", "))
}

/// Rounds a duration to whole ms, as `task.duration_ms` is reported.
pub fn round_ms(ms: f64) -> f64 {
    ms.round()
}

/// Debug lines (namespace `go-go-scope:scope` / `go-go-scope:task`).
pub mod lines {
    use super::js_number;
    use crate::core::options::Limit;

    pub fn scope_created(
        name: &str,
        timeout: Option<f64>,
        has_parent_signal: bool,
        concurrency: Option<Limit>,
        breaker: bool,
        has_parent: bool,
    ) -> String {
        format!(
            "[{name}] creating scope (timeout: {}, parent signal: {}, concurrency: {}, circuitBreaker: {}, parent: {})",
            timeout.map_or_else(|| "0".to_string(), js_number),
            yes_no(has_parent_signal),
            concurrency.map_or_else(|| "unlimited".to_string(), |c| js_number(c.as_f64())),
            yes_no(breaker),
            yes_no(has_parent),
        )
    }

    pub fn scope_disposing(name: &str, running: usize, cleanups: usize) -> String {
        format!("[{name}] disposing scope (running tasks: {running}, cleanups: {cleanups})")
    }

    pub fn scope_disposed(name: &str, duration_ms: f64, errors: usize) -> String {
        format!(
            "[{name}] scope disposed (duration: {}ms, errors: {errors})",
            js_number(duration_ms.round())
        )
    }

    pub fn scope_timeout(name: &str, ms: f64) -> String {
        format!("[{name}] timeout after {}ms", js_number(ms))
    }

    pub fn scope_aborted(name: &str) -> String {
        format!("[{name}] aborted by parent signal")
    }

    pub fn task_started(task: &str, scope: &str) -> String {
        format!("[{task}] started in [{scope}]")
    }

    pub fn task_settled(task: &str, ok: bool, duration_ms: f64) -> String {
        format!(
            "[{task}] {} in {}ms",
            if ok {
                "completed successfully"
            } else {
                "failed"
            },
            js_number(duration_ms.round())
        )
    }

    pub fn task_retry(task: &str, attempt: u32, delay_ms: f64) -> String {
        format!(
            "[{task}] attempt {attempt} failed, retrying after {}ms",
            js_number(delay_ms)
        )
    }

    pub fn task_timeout(task: &str, ms: f64) -> String {
        format!("[{task}] attempt timed out after {}ms", js_number(ms))
    }

    pub fn breaker_state(scope: &str, state: &str) -> String {
        format!("[{scope}] circuit breaker is now {state}")
    }

    fn yes_no(b: bool) -> &'static str {
        if b {
            "yes"
        } else {
            "no"
        }
    }
}

#[cfg(test)]
#[path = "telemetry_tests.rs"]
mod tests;
