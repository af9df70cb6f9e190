//! The wasm interface: a handful of numeric exports over the one
//! [`Machine`]. Nothing here decides anything; each export decodes numbers,
//! calls the machine and encodes the answer. No export takes or returns a
//! JS object (only `fail_message`'s string), and the machine imports
//! nothing, so no wasm frame is ever on the stack while JavaScript runs.
//!
//! Keys cross as `f64` (`slab::Key::to_f64`); `-1` stands for "none" or
//! "failed" (then `fail_*` tell why). Booleans cross as `0`/`1`. The
//! executor calls these exports directly on the instance (wasm-bindgen's JS
//! glue is not used: with numbers only there is nothing for it to convert).
#![allow(unsafe_code)]

#[cfg(all(target_arch = "wasm32", feature = "tiny"))]
#[allow(unused_imports)]
use crate::prelude::*;

mod alloc;

// One file of exports per primitive, beside the machine's.
mod backoff;
mod channel;
mod debug;
mod group;
mod poll;
mod rate;
mod select;
mod semaphore;
mod sleep;
mod stream;
mod telemetry;
mod token_bucket;

#[cfg(test)]
mod tests;

use core::cell::UnsafeCell;

use wasm_bindgen::prelude::*;

use crate::machine::scope::ScopeSpec;
use crate::machine::signal::Watch;
use crate::machine::slab::Key;
use crate::machine::task::{RetrySpec, TaskSpec};
use crate::machine::{Fail, Machine};

/// The machine and the last failure.
#[derive(Default)]
pub(crate) struct State {
    pub(crate) m: Machine,
    pub(crate) fail: Option<Fail>,
    /// The rows of the last `debug_tree` call.
    pub(crate) rows: Vec<f64>,
    /// The random state the last `backoff_delay` left (`backoff_rng`).
    pub(crate) rng: u32,
}

/// The one state of this instance, without a borrow flag: a call that a
/// stack overflow interrupts (the only JS exception that can strike inside
/// wasm, as no export calls out) leaves no flag set behind.
struct Global(UnsafeCell<Option<State>>);

// SAFETY: wasm32-unknown-unknown without the atomics feature runs on one
// thread, so the cell is never shared across threads.
unsafe impl Sync for Global {}

static GLOBAL: Global = Global(UnsafeCell::new(None));

/// Made once, out of line: inlined into every export it would repeat the
/// construction of every table.
#[inline(never)]
fn fresh() -> State {
    State::default()
}

pub(crate) fn with<R>(f: impl FnOnce(&mut State) -> R) -> R {
    f(state())
}

/// The state, made on first use. Out of line: inlined, every export would
/// carry the check and the state's construction.
#[inline(never)]
fn state() -> &'static mut State {
    // SAFETY: single-threaded (above), and no export calls out to
    // JavaScript, so no export can run while another is on the stack: the
    // reference `with` lends is the only live one.
    let slot = unsafe { &mut *GLOBAL.0.get() };
    slot.get_or_insert_with(fresh)
}

pub(crate) fn key(v: f64) -> Option<Key> {
    Key::from_f64(v)
}

pub(crate) fn failed(st: &mut State, f: Fail) -> f64 {
    st.fail = Some(f);
    -1.0
}

/// Runs `f` on the machine with the record the key `v` names, if it names
/// one (an event or command whose target may have ended: then nothing).
pub(crate) fn on_key(v: f64, f: impl FnOnce(&mut Machine, Key)) {
    with(|st| {
        if let Some(k) = key(v) {
            f(&mut st.m, k)
        }
    })
}

/// The answer of a command that made a record which may use the user
/// signal `link`: its key, or -1 after dropping a link nobody came to use.
pub(crate) fn made(st: &mut State, made: crate::machine::fail::Outcome<Key>, link: f64) -> f64 {
    match made {
        Ok(k) => k.to_f64(),
        Err(f) => {
            if let Some(l) = key(link) {
                st.m.drop_unused_link(l);
            }
            failed(st, f)
        }
    }
}

// ---- effects and failures --------------------------------------------------

/// Where the effect buffer's head is (fixed for the instance): two `u32`s,
/// the address of the effect words and their count. JS reads them after
/// every call and sets the count to 0 once it copied the words (no call:
/// see `Effects`).
#[wasm_bindgen]
pub fn fx_head() -> u32 {
    with(|st| st.m.fx.head_address() as u32)
}

/// Where the id of the task `spawn` made last is (an `f64`, fixed for the
/// instance): JS reads `Task.id` from memory after `spawn`.
#[wasm_bindgen]
pub fn task_id_at() -> u32 {
    with(|st| st.m.last_task_id_address() as u32)
}

/// The last failure's class (`FailKind`), its number, its message.
#[wasm_bindgen]
pub fn fail_kind() -> u32 {
    with(|st| st.fail.map_or(0, |f| f.kind as u32))
}

#[wasm_bindgen]
pub fn fail_number() -> f64 {
    with(|st| st.fail.map_or(0.0, |f| f.number))
}

/// Where the last failure's message (static UTF-8) is, and its length: JS
/// decodes it from memory, so no string is allocated or freed.
#[wasm_bindgen]
pub fn fail_message_ptr() -> u32 {
    with(|st| st.fail.map_or("", |f| f.message).as_ptr() as usize as u32)
}

#[wasm_bindgen]
pub fn fail_message_len() -> u32 {
    with(|st| st.fail.map_or("", |f| f.message).len() as u32)
}

/// Uses more native stack than the deepest export, and changes nothing: JS
/// calls it first at every public entry, so a stack overflow in user
/// recursion strikes here, where it interrupts nothing. Each level keeps
/// sixteen values live across its recursive call (they are used in order
/// after it), so every frame must hold them, whatever the wasm compiler's
/// tier; the work per level is a few arithmetic operations.
#[wasm_bindgen]
pub fn probe(depth: u32) -> u32 {
    let d = u64::from(depth);
    probe_level(depth, [d, d + 1, d + 2, d + 3, d + 4, d + 5, d + 6, d + 7]) as u32
}

#[inline(never)]
fn probe_level(depth: u32, a: [u64; 8]) -> u64 {
    if depth == 0 {
        return a[0];
    }
    let [a0, a1, a2, a3, a4, a5, a6, a7] = a;
    let (b0, b1, b2, b3, b4, b5, b6, b7) = (
        a0 ^ a7,
        a1 ^ a6,
        a2 ^ a5,
        a3 ^ a4,
        a4.rotate_left(3),
        a5.rotate_left(5),
        a6.rotate_left(7),
        a7.rotate_left(9),
    );
    let r = probe_level(depth - 1, [a1, a2, a3, a4, a5, a6, a7, a0]);
    // Each step depends on the call's result and cannot be reordered
    // before it (a rotation between the additions), so all sixteen stay
    // live across the call; adds and rotations are cheaper than a chain of
    // multiplications.
    let mut h = r;
    for x in [
        a0, a1, a2, a3, a4, a5, a6, a7, b0, b1, b2, b3, b4, b5, b6, b7,
    ] {
        h = h.wrapping_add(x).rotate_left(7);
    }
    h
}

/// Live table sizes `[scopes, tasks, nodes, links, reasons, timers,
/// cleanups, groups, polls, streams, channels, channelSlots, semaphores,
/// semaphoreSlots, sleeps, buckets, bucketWaiters, limiters, selects]`,
/// by index.
#[wasm_bindgen]
pub fn live(i: u32) -> f64 {
    with(|st| {
        let l = st.m.live();
        let v = match i {
            0 => l.scopes,
            1 => l.tasks,
            2 => l.nodes,
            3 => l.links,
            4 => l.reasons,
            5 => l.timers,
            6 => l.cleanups,
            7 => l.groups,
            8 => l.polls,
            9 => l.streams,
            10 => l.channels,
            11 => l.channel_slots,
            12 => l.semaphores,
            13 => l.semaphore_slots,
            14 => l.sleeps,
            15 => l.buckets,
            16 => l.bucket_waiters,
            17 => l.limiters,
            18 => l.selects,
            _ => 0,
        };
        v as f64
    })
}

// ---- signals -----------------------------------------------------------------

/// A `signal` is read: `-1` live (now watched), `-2` gone, else the key of
/// the reason it was aborted with.
#[wasm_bindgen]
pub fn watch(node: f64) -> f64 {
    with(|st| match st.m.watch(node) {
        Watch::Live => -1.0,
        Watch::Gone => -2.0,
        Watch::Cancelled(r) => r.to_f64(),
    })
}

/// Links a user AbortSignal (`existing`: its link, or -1).
#[wasm_bindgen]
pub fn link(existing: f64, aborted: bool) -> f64 {
    with(|st| st.m.link(key(existing), aborted).to_f64())
}

#[wasm_bindgen]
pub fn link_aborted(link: f64) {
    with(|st| st.m.link_aborted(link))
}

#[wasm_bindgen]
pub fn timer_fired(timer: f64, now: f64) {
    with(|st| st.m.timer_fired(timer, now))
}

// ---- scopes ------------------------------------------------------------------

/// `flags`: 1 timeout given, 2 concurrency given, 4 circuitBreaker given,
/// 8 failureThreshold given, 16 resetTimeout given.
#[wasm_bindgen]
pub fn scope_new(
    parent: f64,
    link: f64,
    flags: u32,
    timeout: f64,
    concurrency: f64,
    threshold: f64,
    reset: f64,
) -> f64 {
    let given = |bit: u32, v: f64| (flags & bit != 0).then_some(v);
    let spec = ScopeSpec {
        timeout: given(1, timeout),
        concurrency: given(2, concurrency),
        breaker: (flags & 4 != 0).then_some((given(8, threshold), given(16, reset))),
    };
    with(|st| {
        let r = st.m.scope_new(key(parent), key(link), spec);
        made(st, r, link)
    })
}

#[wasm_bindgen]
pub fn scope_node(s: f64) -> f64 {
    with(|st| {
        key(s)
            .and_then(|k| st.m.scope_node(k))
            .map_or(-1.0, Machine::node_f64)
    })
}

#[wasm_bindgen]
pub fn scope_is_disposed(s: f64) -> bool {
    with(|st| key(s).is_none_or(|k| st.m.scope_is_disposed(k)))
}

/// The effective concurrency, 0 for none.
#[wasm_bindgen]
pub fn scope_concurrency(s: f64) -> f64 {
    with(|st| key(s).map_or(0.0, |k| st.m.scope_concurrency(k)))
}

/// The effective breaker's `failureThreshold` (`which` 0) or
/// `resetTimeout` (1), -1 for none.
#[wasm_bindgen]
pub fn scope_breaker(s: f64, which: u32) -> f64 {
    with(|st| match key(s).and_then(|k| st.m.scope_breaker(k)) {
        Some((t, _)) if which == 0 => f64::from(t),
        Some((_, r)) => r,
        None => -1.0,
    })
}

/// May the scope provide (`what` 0) or use (1) a service, or set a
/// context value (2), now?
#[wasm_bindgen]
pub fn scope_check(s: f64, what: u32) -> bool {
    use crate::machine::options as o;
    let message = match what {
        0 => o::PROVIDE_ON_DISPOSED,
        1 => o::USE_ON_DISPOSED,
        _ => o::CONTEXT_ON_DISPOSED,
    };
    with(|st| {
        let r = match key(s) {
            Some(k) => st.m.scope_check_open(k, message),
            None => Err(Fail::error(message)),
        };
        match r {
            Ok(()) => true,
            Err(f) => {
                st.fail = Some(f);
                false
            }
        }
    })
}

#[wasm_bindgen]
pub fn add_cleanup(s: f64, what: u32) -> f64 {
    use crate::machine::options as o;
    let message = if what == 0 {
        o::PROVIDE_ON_DISPOSED
    } else {
        o::ON_DISPOSE_ON_DISPOSED
    };
    with(|st| {
        let r = match key(s) {
            Some(k) => st.m.add_cleanup_or(k, true, message),
            None => Err(Fail::error(message)),
        };
        match r {
            Ok(k) => k.to_f64(),
            Err(f) => failed(st, f),
        }
    })
}

#[wasm_bindgen]
pub fn scope_dispose(s: f64) -> bool {
    with(|st| key(s).is_some_and(|k| st.m.scope_dispose(k)))
}

#[wasm_bindgen]
pub fn cleanup_done(s: f64, ok: bool, counts: bool) {
    with(|st| {
        if let Some(k) = key(s) {
            st.m.cleanup_done(k, ok, counts)
        }
    })
}

// ---- tasks -------------------------------------------------------------------

/// `flags`: 1 timeout given, 2 retry given, 4 maxRetries given, 8 a fixed
/// delay given, 16 delay is a function, 32 retryCondition, 64 onRetry,
/// 128 onCleanup.
#[wasm_bindgen]
pub fn spawn(s: f64, flags: u32, timeout: f64, max_retries: f64, delay: f64, now: f64) -> f64 {
    let on = |bit: u32| flags & bit != 0;
    let spec = TaskSpec {
        timeout: on(1).then_some(timeout),
        retry: on(2).then_some(RetrySpec {
            max_retries: on(4).then_some(max_retries),
            delay: on(8).then_some(delay),
            delay_fn: on(16),
            condition: on(32),
            on_retry: on(64),
        }),
        on_cleanup: on(128),
    };
    with(|st| {
        let r = match key(s) {
            Some(k) => st.m.spawn(k, spec, now),
            None => Err(Fail::error(crate::machine::options::TASK_ON_DISPOSED)),
        };
        match r {
            Ok(k) => k.to_f64(),
            Err(f) => failed(st, f),
        }
    })
}

/// 1 started, 0 not yet, -1 settled.
#[wasm_bindgen]
pub fn task_is_started(t: f64) -> i32 {
    with(|st| match key(t).and_then(|k| st.m.task_is_started(k)) {
        Some(true) => 1,
        Some(false) => 0,
        None => -1,
    })
}

#[wasm_bindgen]
pub fn task_node(t: f64) -> f64 {
    with(|st| {
        key(t)
            .and_then(|k| st.m.task_node(k))
            .map_or(-1.0, Machine::node_f64)
    })
}

#[wasm_bindgen]
pub fn task_detach(t: f64) {
    with(|st| {
        if let Some(k) = key(t) {
            st.m.task_detach(k)
        }
    })
}

#[wasm_bindgen]
pub fn attempt_settled(t: f64, serial: u32, ok: bool, now: f64) -> bool {
    with(|st| st.m.attempt_settled(t, serial, ok, now))
}

#[wasm_bindgen]
pub fn retry_answer(t: f64, serial: u32, verdict: u32, delay: f64, now: f64) {
    with(|st| st.m.retry_answer(t, serial, verdict as u8, delay, now))
}
