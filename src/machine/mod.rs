//! The state machine: every rule of SPEC.md, with no I/O and no calls out.
//!
//! JavaScript drives a [`Machine`] with *commands* (a user called `task`,
//! `dispose`, `send`, …) and *events* (a promise settled, a timer fired, a
//! linked AbortSignal aborted, a cleanup finished), and after each call
//! carries out the [`effects`](effect::Op) the machine appended (call a
//! task's `fn`, settle a task, abort an AbortController, set a timer, run a
//! cleanup, …). The shape is quinn-proto's `Connection`: "none of the
//! functions actually perform I/O"; here, none calls JavaScript. JS values
//! never enter: the executor keeps them in tables keyed by the machine's ids.
//!
//! Four kinds of entry points (STYLE #9): getters (`&self`), commands
//! (`scope_new`, `spawn`, `scope_dispose`, …), `handle_*`-style events
//! (`attempt_settled`, `timer_fired`, `link_aborted`, `cleanup_done`, …) and
//! the effect buffer ([`Machine::fx`]).
//!
//! # Invariants
//!
//! 1. A command that fails returns a [`Fail`] and has changed nothing.
//! 2. Every id handed to JS has one owner and one release effect (STYLE #8):
//!    a task's `Settle`, a watched node's `ForgetNode`, a reason's
//!    `ReasonFree`, a timer's `TimerClear` (or its firing), a scope's
//!    `Disposed`, a link's `Unlink`.
//! 3. Events carry the id *and* the serial they were issued with; a stale
//!    event (an attempt that already timed out, a slot reused since) changes
//!    nothing.
//! 4. No recursion: whatever would call user code is an effect, so the
//!    machine's stack depth is bounded whatever the program does.

#[cfg(all(target_arch = "wasm32", feature = "tiny"))]
#[allow(unused_imports)]
use crate::prelude::*;

pub mod backoff;
pub mod channel;
pub mod debug;
pub mod effect;
pub mod fail;
pub mod group;
pub mod options;
pub mod poll;
pub mod rate;
pub mod resource;
pub mod scope;
pub mod select;
pub mod semaphore;
pub mod signal;
pub mod slab;
pub mod sleep;
pub mod stream;
pub mod task;
pub mod telemetry;
pub mod timer;
pub mod token_bucket;

use crate::core::cancel::{NodeId, TokenTree};
use effect::Effects;
use slab::{Key, Slab};

pub use fail::{Fail, FailKind};

/// What a node of the token tree belongs to: told when it is cancelled.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Owner {
    Scope(Key),
    Task(Key),
    /// A task attempt's own node (under the task's), aborted by its timeout.
    Attempt(Key),
    /// A linked user AbortSignal.
    Link(Key),
    Channel(Key),
    Semaphore(Key),
    Poll(Key),
    Stream(Key),
    /// A race or parallel run.
    Group(Key),
    /// A record of the sleeps' table (`sleep.rs`): an `s.delay(ms)`, a
    /// waiting `select`, a token bucket of a scope, a bucket's waiting
    /// `acquire` with a signal, a debounced or throttled function.
    Sleep(Key),
}

/// The whole state of one wasm instance.
#[derive(Default)]
#[allow(dead_code)] // the primitives' tables are filled in by their modules
pub struct Machine {
    /// Effects appended by the current call.
    pub fx: Effects,
    /// Scopes, tasks and attempts, linked signals: one node each. The reason
    /// is a key of [`Machine::reasons`]; the listener is the node's owner.
    pub(crate) tree: TokenTree<Key, Owner>,
    /// Node indices JS made an AbortController for (only those get `Abort`).
    pub(crate) watched: Vec<bool>,
    /// Abort reasons, each with the number of nodes (and holders) using it.
    pub(crate) reasons: Slab<u32>,
    pub(crate) links: Slab<signal::Link>,
    pub(crate) timers: Slab<timer::TimerOwner>,
    pub(crate) scopes: Slab<scope::ScopeRec>,
    pub(crate) tasks: Slab<task::TaskRec>,
    /// Cleanups JS keeps the function of, by key.
    pub(crate) cleanups: Slab<()>,
    /// The public `Task.id` of the last spawned task.
    pub(crate) last_task_id: f64,
    /// Serial of the last attempt started (invariant #3).
    pub(crate) serial: u32,
    /// The latest clock an event brought (ms), for decisions made where no
    /// clock comes with the event (a cancellation).
    pub(crate) now: f64,
    pub(crate) channels: channel::Channels,
    pub(crate) semaphores: semaphore::Semaphores,
    pub(crate) polls: poll::Polls,
    pub(crate) streams: stream::Streams,
    pub(crate) groups: group::Groups,
    pub(crate) telemetry: telemetry::Telemetry,
    /// Sleeps, selects, token buckets and their waiters, debounced and
    /// throttled functions: each a node and a timer (`sleep.rs`).
    pub(crate) sleeps: sleep::Sleeps,
}

/// Sizes of the live tables, for leak checks.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Default)]
pub struct Live {
    pub scopes: usize,
    pub tasks: usize,
    pub nodes: usize,
    pub links: usize,
    pub reasons: usize,
    pub timers: usize,
    pub cleanups: usize,
    /// Races and parallels not over yet.
    pub groups: usize,
    pub polls: usize,
    pub streams: usize,
    pub channels: usize,
    /// Channel values and waiters (JS keeps one entry per slot).
    pub channel_slots: usize,
    pub semaphores: usize,
    /// Semaphore waiters.
    pub semaphore_slots: usize,
    /// `s.delay` sleeps not over.
    pub sleeps: usize,
    /// Token buckets.
    pub buckets: usize,
    /// Token buckets' waiting acquires.
    pub bucket_waiters: usize,
    /// Debounced and throttled functions whose scope is live.
    pub limiters: usize,
    /// `select`s not over (or with slots JS has yet to forget).
    pub selects: usize,
}

impl Machine {
    pub fn new() -> Machine {
        Machine::default()
    }

    /// What is alive now (every count is 0 once every scope was disposed).
    pub fn live(&self) -> Live {
        let [sleeps, _, buckets, bucket_waiters, limiters] = sleep::census(&self.sleeps);
        Live {
            scopes: self.scopes.len(),
            tasks: self.tasks.len(),
            nodes: self.tree.len(),
            links: self.links.len(),
            reasons: self.reasons.len(),
            timers: self.timers.len(),
            cleanups: self.cleanups.len(),
            groups: self.groups.len(),
            polls: self.polls.recs.len(),
            streams: self.streams.recs.len(),
            channels: self.channels.len(),
            channel_slots: self.channels.slots(),
            semaphores: self.semaphores.len(),
            semaphore_slots: self.semaphores.slots(),
            sleeps,
            buckets,
            bucket_waiters,
            limiters,
            selects: self.channels.selects(),
        }
    }

    /// Node ids cross as one number: index + generation · 2^32.
    pub(crate) fn node_f64(node: NodeId) -> f64 {
        let (index, generation) = node.parts();
        Key { index, generation }.to_f64()
    }
}

#[cfg(test)]
#[path = "machine_tests.rs"]
mod tests;

#[cfg(all(test, not(target_arch = "wasm32")))]
#[path = "machine_props.rs"]
mod props;
