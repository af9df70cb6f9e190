//! Effects: what the machine decided and JS must carry out, written into one
//! buffer of `f64` words that JS reads through a `Float64Array` after each
//! call (quinn-proto's `poll_transmit`, without the polling).
//!
//! Every effect is four words: `[op, a, b, c]`. The meaning of `a`, `b`, `c`
//! is given per [`Op`]. Ids are [`Key`](super::slab::Key)s as `f64`.
//!
//! # Invariants
//!
//! 1. The machine only appends during a call; JS copies the words out and
//!    clears the buffer before it runs any user code, so a user callback that
//!    re-enters the library starts with an empty buffer.
//! 2. Effects that release an id (`SETTLE`, `FORGET_NODE`, `REASON_FREE`,
//!    `TIMER_CLEAR`, `DISPOSED`, `UNLINK`, …) are emitted exactly once per id
//!    (STYLE #8), so the JS tables empty together with the Rust ones.

#[cfg(all(target_arch = "wasm32", feature = "tiny"))]
#[allow(unused_imports)]
use crate::prelude::*;

/// Effect opcodes. The JS executor's `apply` switch mirrors this list.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Op {
    /// `(task, serial, node)`: call the task's `fn` for a new attempt whose
    /// `signal` is a view of `node` (-1: the task has no node yet, ask
    /// `task_node` when it is read); report with `attempt_settled(task, serial, …)`.
    Start = 1,
    /// `(task, how, started)`: settle the task with its Result (`how`: see
    /// `task::how`) and forget its JS state.
    Settle = 2,
    /// `(node, reason)`: abort the AbortController made for `node`.
    Abort = 3,
    /// `(node)`: `node` ended; drop its AbortController.
    ForgetNode = 4,
    /// `(reason, kind, arg)`: a new abort reason (see [`ReasonKind`]).
    Reason = 5,
    /// `(reason)`: nothing refers to this reason any more.
    ReasonFree = 6,
    /// `(timer, ms)`: `setTimeout`; report with `timer_fired(timer, now)`.
    TimerSet = 7,
    /// `(timer)`: `clearTimeout`.
    TimerClear = 8,
    /// `(cleanup, scope)`: run a cleanup; report with `cleanup_done(scope, ok)`
    /// (at once, or when the promise it returned settles).
    Cleanup = 9,
    /// `(scope, outcome, reason)`: the disposal of `scope` is over: resolve
    /// (`outcome` 0) or reject with the one cleanup error (1) or with one
    /// Error joining the messages (2); keep `reason` for a late `signal`
    /// (-2: "scope disposed", never made).
    Disposed = 10,
    /// `(link, …)`: a user AbortSignal is now linked: add its one listener.
    Link = 11,
    /// `(link)`: the last user of a linked AbortSignal ended: remove the
    /// listener.
    Unlink = 12,
    /// `(task, serial, attempt)`: ask the task's `retryCondition(error)` and
    /// `delay(attempt, error)` (those that are functions); report with
    /// `retry_answer(task, serial, …)`.
    RetryAsk = 13,
    /// `(task, attempt)`: call `onRetry(error, attempt)`, ignoring throws.
    OnRetry = 14,
    /// `(task, kind, arg)`: the task's current error is one the machine made
    /// (see `task::err`): JS stores it before the `Settle` or retry that
    /// follows.
    TaskError = 15,
    /// `(task, cleanup)`: the task's `onCleanup` is kept under `cleanup`.
    CleanupKey = 16,
    /// `(channel)`: the channel aborted (its scope or signal aborted, or it
    /// was disposed or collected): JS keeps its reason (`chan_reason`) for
    /// later sends, then takes the wake-ups with `chan_drain` until it
    /// answers "ended" (see `channel.rs`).
    ChanAborted = 20,
    /// `(semaphore)`: the semaphore aborted (its signal aborted, or it was
    /// disposed or collected): JS keeps its reason (`sem_reason`), then
    /// rejects the waiters `sem_drain` names until it answers "none".
    SemAborted = 21,
    /// `(poll, serial, node)`: a call of the poll is due: report
    /// `poll_begin(poll, serial, now)` and, if it says so, call `fn` with
    /// the signal of `node` (which also carries `signal` and `services`).
    PollCall = 30,
    /// `(poll, pollCount, lastPollTime)`: the poll died (its signal or scope
    /// aborted): keep its final status (`lastPollTime` -1: none), forget
    /// its JS state and report `poll_free(poll)`.
    PollEnd = 31,
    /// `(stream, reason)`: settle the pending `next()` at once: reject it
    /// with `reason`, or (`reason` -1) resolve it `{ done: true }`.
    StreamAbandon = 32,
    /// `(stream, reason)`: clean the source up: `return()`, or the reader's
    /// `cancel()` + `releaseLock()`. `reason` -1: the generator closes and
    /// awaits what `return()` gave; else the stream aborted with `reason`
    /// (passed to `cancel`), nothing awaits it.
    StreamCleanup = 33,
    /// `(stream)`: the stream ended: forget its JS state.
    StreamEnd = 34,
    /// `(group, from, count)`: start factories `from..from + count` of a
    /// race or parallel, in order: for each `i`, `group_spawn(group, i)`
    /// gives the member task (or none, if it is not to start after all),
    /// whose `Start` follows.
    GroupStart = 40,
    /// `(group, how, arg)`: the race or parallel is over, its internal scope
    /// disposed: resolve or reject its promise as `group::how` says, and
    /// forget its JS state.
    GroupDone = 41,
    /// `(group, index, completed)`: member `index` of a parallel made with
    /// `flag::PROGRESS` settled (its `Settle` came first), the
    /// `completed`-th to: call `onProgress(completed, total, its Result)`.
    GroupProgress = 71,
    /// `(sleep, reason)`: an `s.delay(ms)` is over: resolve it (`reason`
    /// -1) or reject it with `reason` (its scope was cancelled).
    SleepDone = 70,
    /// `(waiter, reason)`: a token bucket's waiting `acquire` is over:
    /// resolve it (`reason` -1), reject it with the reason its bucket's
    /// `BucketEnd` gave (-2), or with `reason` (its timeout's or its
    /// signal's).
    BucketDone = 80,
    /// `(bucket, reason)`: the token bucket ended (its scope was cancelled,
    /// or it was disposed or collected): keep `reason` (-1: "token bucket
    /// disposed") for later acquires and forget its JS state.
    BucketEnd = 81,
    /// `(limiter)`: a debounce's or throttle's trailing run: call `fn`
    /// with the latest arguments and give its Result to every call that
    /// joined the batch.
    RateFire = 82,
    /// `(limiter, reason)`: the scope ended: resolve the calls waiting for
    /// the trailing run with `[reason, undefined]`, keep `reason` for later
    /// calls, forget `fn`. `reason` -1: the Rust face's last handle was
    /// dropped (`rate_dispose`): nobody waits or calls any more.
    RateEnd = 83,
    /// `(select, reason)`: a waiting `select` was cancelled (its scope or
    /// signal aborted, or its timeout fired): take the slots to forget with
    /// `sel_forget(select)` until it answers -1, then resolve it with
    /// `reason` as its Result's error (see `select.rs`).
    SelDone = 76,

    // ---- telemetry (src/machine/telemetry.rs): spans and debug lines. A
    // scope or task key names JS's telemetry record of it (kept until its
    // `Disposed` / `Settle`). Attribute ids and number codes: see
    // `telemetry::attr`, `reason_code`, `state_code`.
    /// `(scope)`: `tracer.startSpan(name, { attributes }, parent context)`
    /// with the attributes given so far; its context parents the spans of
    /// the scope's tasks and child scopes.
    ScopeSpan = 50,
    /// `(scope, attr, value)`: a span attribute (a start attribute before
    /// `ScopeSpan`).
    ScopeAttr = 51,
    /// `(scope, cause, reason)`: cancelled by its timeout (cause 1) or its
    /// parent (2): record the abort reason as an exception, status ERROR
    /// with "timeout" / "aborted by parent".
    ScopeError = 52,
    /// `(scope, status)`: status OK (0), or keep the ERROR set already (1),
    /// or ERROR "Disposal errors: …" with each cleanup error recorded (2);
    /// end the span.
    ScopeEnd = 53,
    /// `(task, scope)`: start the task's span (name and extra attributes
    /// from its `otel` option) under the scope's context.
    TaskSpan = 54,
    /// `(task, attr, value)`: a span attribute (a start attribute before
    /// `TaskSpan`).
    TaskAttr = 55,
    /// `(task, failed)`: status OK, or record the task's error and status
    /// ERROR "task failed"; end the span.
    TaskEnd = 56,
    /// Debug lines, one op per template (JS prints numbers with `String`).
    /// `(scope, timeout, packed)`: "creating scope"; `packed` is
    /// `concurrency · 8 + parent signal + 2 · breaker + 4 · parent`.
    LineScopeCreated = 60,
    /// `(scope, running, cleanups)`: "disposing scope".
    LineScopeDisposing = 61,
    /// `(scope, errors)`: "scope disposed" (JS adds the duration).
    LineScopeDisposed = 62,
    /// `(scope, ms)`: `"timeout after <ms>ms"`.
    LineScopeTimedOut = 63,
    /// `(scope)`: "aborted by parent signal".
    LineScopeAborted = 64,
    /// `(scope, state)`: `"circuit breaker is now <state>"`.
    LineBreaker = 65,
    /// `(task, scope)`: `"started in [<scope>]"`.
    LineTaskStarted = 66,
    /// `(task, ok)`: "completed successfully" / "failed" (JS adds the
    /// duration).
    LineTaskDone = 67,
    /// `(task, attempt, ms)`: `"attempt <n> failed, retrying after <ms>ms"`.
    LineTaskRetry = 68,
    /// `(task, ms)`: `"attempt timed out after <ms>ms"`.
    LineTaskTimedOut = 69,
}

/// What an abort reason is (`Op::Reason`'s `kind`); JS makes the object on
/// first use.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum ReasonKind {
    /// `new Error("scope disposed")`.
    Disposed = 1,
    /// `new Error("timeout after <arg>ms")`.
    Timeout = 2,
    /// The `reason` of the user AbortSignal linked as `arg`.
    Link = 3,
}

/// The effect buffer, handed to JS without a call: `head` holds the
/// address of the words (`f64`s, 4 per effect) and their count. After each
/// call JS reads both from memory, copies the words, and writes 0 to the
/// count; the next push starts the buffer over. (The machine lives in a
/// static, so `head` never moves: see [`Effects::head_address`].)
#[derive(Default)]
#[repr(C)]
pub struct Effects {
    head: [u32; 2],
    words: Vec<f64>,
}

impl Effects {
    #[cfg_attr(feature = "tiny", inline(never))]
    pub fn push(&mut self, op: Op, a: f64, b: f64, c: f64) {
        // JS took what the count no longer covers.
        self.words.truncate(self.head[1] as usize);
        self.words
            .extend_from_slice(&[f64::from(op as u8), a, b, c]);
        self.head = [self.words.as_ptr() as usize as u32, self.words.len() as u32];
    }

    /// Number of effects waiting.
    pub fn len(&self) -> usize {
        self.words().len() / 4
    }

    pub fn is_empty(&self) -> bool {
        self.words().is_empty()
    }

    /// The words not taken yet.
    pub fn words(&self) -> &[f64] {
        self.words.get(..self.head[1] as usize).unwrap_or(&[])
    }

    pub fn clear(&mut self) {
        self.head[1] = 0;
        self.words.clear();
    }

    /// Where `head` is: `[address of the words, their count]` as two `u32`s.
    pub fn head_address(&self) -> usize {
        self.head.as_ptr() as usize
    }

    /// The effects as `(op, a, b, c)`, for tests.
    pub fn decoded(&self) -> Vec<(u8, f64, f64, f64)> {
        self.words()
            .chunks_exact(4)
            .map(|w| match w {
                [op, a, b, c] => (*op as u8, *a, *b, *c),
                _ => (0, 0.0, 0.0, 0.0),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// JS takes the words by reading the count from memory and writing 0
    /// to it (pkg-template/src/wasm.ts `fxTake`); the next push starts over.
    #[test]
    #[allow(unsafe_code)]
    fn js_takes_the_effects_by_zeroing_the_count() {
        let mut fx = Effects::default();
        fx.push(Op::Start, 1.0, 2.0, 3.0);
        fx.push(Op::Settle, 1.0, 0.0, 1.0);
        let head = fx.head_address() as *mut u32;
        // SAFETY: `head` points at `fx.head`, two u32s, and no reference
        // to `fx` is live while they are read and written here.
        let n = unsafe { *head.add(1) };
        assert_eq!(n, 8, "two effects, four words each");
        unsafe { *head.add(1) = 0 };
        assert!(fx.is_empty());
        fx.push(Op::Abort, 5.0, 6.0, 0.0);
        assert_eq!(fx.decoded(), vec![(Op::Abort as u8, 5.0, 6.0, 0.0)]);
        assert_eq!(fx.len(), 1);
    }
}
