//! The words tracing uses for why things ended: a failed task's error
//! reason and a cancelled scope's cause. The machine's telemetry
//! (`machine/telemetry.rs`) decides when each applies.

#[cfg(all(target_arch = "wasm32", feature = "tiny"))]
#[allow(unused_imports)]
use crate::prelude::*;

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

#[cfg(test)]
#[path = "telemetry_tests.rs"]
mod tests;
