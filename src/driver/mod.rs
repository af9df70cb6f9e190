//! The Rust face: scopes, tasks, channels, semaphores, `race`, `parallel`,
//! `poll` and `stream` for Rust code built with wasm-bindgen, driven over
//! the same [`Machine`](crate::machine::Machine) the npm package's
//! TypeScript executor drives (as quinn drives quinn-proto).
//!
//! Every rule (disposal order, retry, the breaker, channel order, poll
//! schedule, validation) is the machine's; this driver carries out its
//! effects with futures, wakers, timers and `AbortController`s kept in
//! tables by the machine's ids, one file per primitive like the TypeScript
//! executor's: [`runtime`](self) (the effect loop), `host.rs` (clock,
//! timers, executor), `signal.rs`, `scope.rs`, `task.rs`, `backoff.rs`
//! (retry delay strategies), `channel.rs`,
//! `semaphore.rs`, `group.rs` (race, parallel), `poll.rs`, `stream.rs`,
//! `token_bucket.rs`, `rate.rs` (debounce, throttle),
//! `options.rs` (option objects from JavaScript), `js.rs` (JavaScript
//! interop).
//!
//! Single-threaded: every type here is `!Send`, as JavaScript is; each
//! thread (wasm instance, Worker) has its own [`Runtime`].

mod abort;
mod backoff;
mod channel;
mod debug_tree;
mod delay;
mod error;
mod group;
mod host;
mod js;
mod once;
mod options;
mod poll;
mod rate;
mod runtime;
mod scope;
mod select;
mod semaphore;
mod signal;
mod stream;
mod table;
mod task;
mod telemetry;
mod token_bucket;

pub use abort::{on_abort, when_aborted, OnAbort, WhenAborted};
pub use backoff::{Backoff, ExponentialOptions};
pub use channel::{Backpressure, Channel, ChannelOptions, Recv, Send, SendError};
pub use debug_tree::TreeFormat;
pub use delay::Sleep;
pub use error::{CleanupError, DisposeError, Error};
pub use group::{
    parallel, race, OnProgress, Parallel, ParallelOptions, Progress, Race, RaceOptions,
};
pub use host::{Host, ManualHost, TimerGuard, WebHost};
pub use js::{result_tuple, run};
pub use poll::{poll, PollController, PollOptions, PollStatus};
pub use rate::{DebounceOptions, Debounced, RateCall, ThrottleOptions, Throttled};
pub use runtime::{Live, Runtime};
pub use scope::{
    scope, CircuitBreakerOptions, CleanupOutput, Dispose, Scope, ScopeOptions, Services,
};
pub use select::Select;
pub use semaphore::{Acquire, Permit, Semaphore};
pub use signal::{Aborted, Reason};
pub use stream::{stream, Scoped};
pub use task::{Delay, RetryOptions, Task, TaskContext, TaskError, TaskOptions};
pub use telemetry::{AttributeValue, OtelOptions, Span, SpanStatus, Tracer};
pub use token_bucket::{TokenAcquire, TokenBucket, TokenBucketOptions};

// The behaviour tests run natively (`cargo test`) and in wasm
// (`wasm-pack test`); the web tests only in wasm.
#[cfg(test)]
mod tests;
#[cfg(all(test, target_arch = "wasm32"))]
mod web_tests;
