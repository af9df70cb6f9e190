//! What tracing and debug output say, independent of how they are emitted:
//! span names, attribute keys, the error reason of a failed task, and the
//! debug lines. The binding (`bindings/otel.rs`, `bindings/debug.rs`) only
//! emits them, and only when a tracer is given or a namespace is enabled.

#[cfg(target_arch = "wasm32")]
#[allow(unused_imports)]
use crate::prelude::*;

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
    #[cfg(target_arch = "wasm32")]
    #[allow(unused_imports)]
    use crate::prelude::*;

    pub fn scope_created(
        name: &str,
        timeout: Option<f64>,
        has_parent_signal: bool,
        concurrency: Option<u32>,
        breaker: bool,
        has_parent: bool,
    ) -> String {
        format!(
            "[{name}] creating scope (timeout: {}, parent signal: {}, concurrency: {}, circuitBreaker: {}, parent: {})",
            timeout.map_or_else(|| "0".to_string(), js_number),
            yes_no(has_parent_signal),
            concurrency.map_or_else(|| "unlimited".to_string(), |c| c.to_string()),
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
