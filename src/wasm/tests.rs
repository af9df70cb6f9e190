//! Binding tests, run in Node by `wasm-pack test --node` and in Chromium by
//! `wasm-pack test --headless --chrome`: the numeric exports driven as the
//! executor (pkg-template/src/wasm.ts) drives them, on wasm32, reading the
//! effect words through `fx_head` out of linear memory as JS does.
//!
//! All tests share the one instance state (as every scope of a page does),
//! so none assumes which keys it gets, each takes the effects it caused and
//! ends with every table empty again.

use wasm_bindgen_test::*;

use super::*;
use crate::machine::effect::Op;

/// One effect: `[op, a, b, c]`.
type Fx = [f64; 4];

/// Copies the effect words out of wasm memory and clears them (`take` in
/// wasm.ts).
fn take() -> Vec<Fx> {
    let head = fx_head() as usize as *mut u32;
    // SAFETY: `fx_head` is the address of the effect buffer's head: the
    // words' address, then their count; the words stay where they are until
    // the next machine call. Writing 0 to the count hands them over.
    let (p, n) = unsafe { (*head as usize as *const f64, *head.add(1) as usize) };
    if n == 0 {
        return Vec::new(); // (before the first effect, the address is 0)
    }
    let words = unsafe { std::slice::from_raw_parts(p, n) }.to_vec();
    unsafe { *head.add(1) = 0 };
    words
        .chunks_exact(4)
        .map(|w| [w[0], w[1], w[2], w[3]])
        .collect()
}

/// The last failure's message, read from memory as the executor does.
fn fail_message() -> String {
    let (p, n) = (fail_message_ptr(), fail_message_len());
    // SAFETY: the exports point at a static UTF-8 message of that length.
    let bytes = unsafe { std::slice::from_raw_parts(p as usize as *const u8, n as usize) };
    String::from_utf8_lossy(bytes).into_owned()
}

fn op(o: Op) -> f64 {
    f64::from(o as u8)
}

/// The effects of one kind.
fn of(fx: &[Fx], o: Op) -> Vec<Fx> {
    fx.iter().copied().filter(|e| e[0] == op(o)).collect()
}

/// The one effect of kind `o`.
fn one(fx: &[Fx], o: Op) -> Fx {
    let v = of(fx, o);
    assert_eq!(v.len(), 1, "one {o:?} in {fx:?}");
    v[0]
}

/// Every live table (however many the machine has) is empty.
fn assert_nothing_live() {
    for i in 0..64 {
        assert_eq!(live(i), 0.0, "live({i})");
    }
}

fn new_scope() -> f64 {
    let s = scope_new(-1.0, -1.0, 0, 0.0, 0.0, 0.0, 0.0);
    assert!(s >= 0.0, "scope_new failed: {}", fail_message());
    s
}

fn plain_task(s: f64) -> f64 {
    let t = spawn(s, 0, 0.0, 0.0, 0.0, 0.0);
    assert!(t >= 0.0, "spawn failed: {}", fail_message());
    t
}

/// Disposes `s` when nothing is left to wait for: `Disposed(s, outcome)`.
fn dispose_now(s: f64) -> Fx {
    assert!(scope_dispose(s));
    let fx = take();
    let d = one(&fx, Op::Disposed);
    assert_eq!(d[1], s);
    d
}

#[wasm_bindgen_test]
fn a_sync_task_starts_at_spawn_and_settles_ok() {
    take();
    let s = new_scope();
    assert!(take().is_empty(), "a plain scope emits nothing");
    let t = plain_task(s);
    let fx = take();
    let start = one(&fx, Op::Start);
    assert_eq!(start[1], t);
    assert!(!scope_is_disposed(s));
    assert_eq!(task_is_started(t), 1);
    // fn returned a value: JS reports the attempt with its serial.
    assert!(attempt_settled(t, start[2] as u32, true, 0.0));
    let fx = take();
    let settle = one(&fx, Op::Settle);
    assert_eq!(settle[1..], [t, 0.0, 1.0]); // how = OK, started
    assert_eq!(task_is_started(t), -1);
    let d = dispose_now(s);
    assert_eq!(d[2], 0.0, "no cleanup error");
    assert!(scope_is_disposed(s));
    assert_nothing_live();
}

#[wasm_bindgen_test]
fn a_failed_attempt_settles_err_and_a_stale_report_changes_nothing() {
    take();
    let s = new_scope();
    let t = plain_task(s);
    let serial = one(&take(), Op::Start)[2] as u32;
    assert!(attempt_settled(t, serial, false, 0.0));
    assert_eq!(one(&take(), Op::Settle)[1..3], [t, 1.0]);
    // A second report of the same attempt (a thenable calling back twice).
    assert!(!attempt_settled(t, serial, true, 0.0));
    assert!(take().is_empty());
    dispose_now(s);
    assert_nothing_live();
}

#[wasm_bindgen_test]
fn task_ids_increase() {
    take();
    let s = new_scope();
    plain_task(s);
    let id = || unsafe { *(task_id_at() as usize as *const f64) };
    let a = id();
    let t = plain_task(s);
    assert_eq!(id(), a + 1.0);
    let fx = take();
    for st in of(&fx, Op::Start) {
        attempt_settled(st[1], st[2] as u32, true, 0.0);
    }
    assert_eq!(of(&take(), Op::Settle).len(), 2);
    let _ = t;
    dispose_now(s);
    assert_nothing_live();
}

#[wasm_bindgen_test]
fn dispose_aborts_a_watched_task_signal_and_waits_for_the_task() {
    take();
    let s = new_scope();
    let t = plain_task(s);
    let start = one(&take(), Op::Start);
    // JS reads the task's `signal`: its node is made then, and watched.
    assert_eq!(start[3], -1.0, "no node until the signal is read");
    let node = task_node(t);
    assert_eq!(task_node(t), node, "made once");
    assert_eq!(watch(node), -1.0);
    assert!(scope_dispose(s));
    let fx = take();
    let reason = one(&fx, Op::Reason);
    assert_eq!(reason[2], 1.0, "ReasonKind::Disposed");
    let abort = one(&fx, Op::Abort);
    assert_eq!(abort[1..3], [node, reason[1]]);
    assert!(of(&fx, Op::Disposed).is_empty(), "a task still runs");
    assert!(scope_is_disposed(s));
    // A second dispose is a no-op.
    assert!(!scope_dispose(s));
    assert!(take().is_empty());
    // The task's fn sees the abort and ends: now the disposal is over.
    assert!(attempt_settled(t, start[2] as u32, false, 0.0));
    let fx = take();
    one(&fx, Op::Settle);
    one(&fx, Op::ForgetNode);
    let d = one(&fx, Op::Disposed);
    assert_eq!(d[1..], [s, 0.0, reason[1]]);
    // The reason is released once nothing uses it.
    assert_eq!(one(&fx, Op::ReasonFree)[1], reason[1]);
    assert_nothing_live();
}

#[wasm_bindgen_test]
fn cleanups_run_newest_first_one_at_a_time_and_errors_are_counted() {
    for (errors, outcome) in [(0, 0.0), (1, 1.0), (2, 2.0)] {
        take();
        let s = new_scope();
        let a = add_cleanup(s, 0);
        let b = add_cleanup(s, 0);
        assert!(a >= 0.0 && b >= 0.0 && a != b);
        assert!(scope_dispose(s));
        let c = one(&take(), Op::Cleanup);
        assert_eq!(c[1..], [b, s, 1.0]);
        cleanup_done(s, errors < 1, true);
        let fx = take();
        assert_eq!(one(&fx, Op::Cleanup)[1], a);
        assert!(of(&fx, Op::Disposed).is_empty());
        cleanup_done(s, errors < 2, true);
        let d = one(&take(), Op::Disposed);
        assert_eq!(d[1..3], [s, outcome]);
        assert_nothing_live();
    }
}

#[wasm_bindgen_test]
fn refused_commands_fail_with_a_class_and_a_message_and_change_nothing() {
    take();
    // scope({ timeout: -5 })
    assert_eq!(scope_new(-1.0, -1.0, 1, -5.0, 0.0, 0.0, 0.0), -1.0);
    assert_eq!(fail_kind(), 3, "RangeError");
    assert_eq!(fail_number(), -5.0);
    assert!(fail_message().starts_with("scope: timeout must be"));
    assert!(fail_message().contains('\u{1}'), "JS prints the number");
    // scope({ concurrency: 1.5 })
    assert_eq!(scope_new(-1.0, -1.0, 2, 0.0, 1.5, 0.0, 0.0), -1.0);
    assert_eq!(fail_kind(), 3);
    assert!(take().is_empty());
    assert_nothing_live();

    let s = new_scope();
    // task(fn, { timeout: NaN })
    assert_eq!(spawn(s, 1, f64::NAN, 0.0, 0.0, 0.0), -1.0);
    assert_eq!(fail_kind(), 3);
    assert!(fail_number().is_nan());
    assert!(take().is_empty());
    dispose_now(s);
    // Everything on a disposed (released) scope is refused.
    assert_eq!(spawn(s, 0, 0.0, 0.0, 0.0, 0.0), -1.0);
    assert_eq!(fail_kind(), 1, "Error");
    assert_eq!(fail_message(), "Cannot spawn task on disposed scope");
    assert!(!scope_check(s, 0));
    assert!(!scope_check(s, 1));
    assert_eq!(add_cleanup(s, 0), -1.0);
    assert!(!scope_dispose(s));
    // Made-up keys and NaN are "none", not a trap.
    for k in [f64::NAN, -7.0, 1e300, 4_294_967_295.5] {
        assert_eq!(spawn(k, 0, 0.0, 0.0, 0.0, 0.0), -1.0);
        assert!(!scope_dispose(k));
        assert_eq!(task_is_started(k), -1);
        assert!(!attempt_settled(k, 0, true, 0.0));
        timer_fired(k, 0.0);
        link_aborted(k);
        cleanup_done(k, true, true);
    }
    assert!(take().is_empty());
    assert_nothing_live();
}

#[wasm_bindgen_test]
fn a_task_on_an_aborted_scope_is_refused() {
    take();
    let l = link(-1.0, true); // an already-aborted user signal
    let s = scope_new(-1.0, l, 0, 0.0, 0.0, 0.0, 0.0);
    assert!(s >= 0.0);
    let fx = take();
    one(&fx, Op::Link);
    assert_eq!(one(&fx, Op::Reason)[2], 3.0, "ReasonKind::Link");
    assert_eq!(spawn(s, 0, 0.0, 0.0, 0.0, 0.0), -1.0);
    assert_eq!(fail_message(), "Cannot spawn task on aborted scope");
    let d = dispose_now(s);
    assert_eq!(d[2], 0.0);
    let fx = take();
    assert!(fx.is_empty(), "{fx:?}");
    assert_nothing_live();
}

#[wasm_bindgen_test]
fn a_linked_signal_aborts_the_scope_and_is_unlinked_by_its_last_user() {
    take();
    let l = link(-1.0, false);
    assert_eq!(one(&take(), Op::Link)[1], l);
    let a = scope_new(-1.0, l, 0, 0.0, 0.0, 0.0, 0.0);
    // The same signal again: JS passes the link it has.
    assert_eq!(link(l, false), l);
    let b = scope_new(-1.0, l, 0, 0.0, 0.0, 0.0, 0.0);
    assert!(take().is_empty(), "one listener for both");
    let node = scope_node(b);
    assert_eq!(watch(node), -1.0);
    link_aborted(l);
    let fx = take();
    assert_eq!(one(&fx, Op::Abort)[1], node);
    assert_eq!(spawn(a, 0, 0.0, 0.0, 0.0, 0.0), -1.0);
    dispose_now(a);
    assert!(take().is_empty(), "b still uses the link");
    assert!(scope_dispose(b));
    let fx = take();
    one(&fx, Op::Disposed);
    assert_eq!(one(&fx, Op::Unlink)[1], l);
    assert_nothing_live();
    // A link whose command failed is dropped at once.
    let l = link(-1.0, false);
    assert_eq!(scope_new(-1.0, l, 1, -1.0, 0.0, 0.0, 0.0), -1.0);
    let fx = take();
    one(&fx, Op::Link);
    assert_eq!(one(&fx, Op::Unlink)[1], l);
    assert_nothing_live();
}

#[wasm_bindgen_test]
fn a_timeout_is_a_timer_and_its_firing_fails_the_attempt() {
    take();
    let s = new_scope();
    let t = spawn(s, 1, 25.0, 0.0, 0.0, 0.0);
    let fx = take();
    let start = one(&fx, Op::Start);
    let timer = one(&fx, Op::TimerSet);
    assert_eq!(timer[2], 25.0);
    timer_fired(timer[1], 25.0);
    let fx = take();
    let reason = one(&fx, Op::Reason);
    assert_eq!(reason[2..], [2.0, 25.0], "ReasonKind::Timeout, 25 ms");
    assert_eq!(one(&fx, Op::Settle)[1..3], [t, 1.0]);
    // The late outcome of the timed-out attempt changes nothing.
    assert!(!attempt_settled(t, start[2] as u32, true, 30.0));
    // A second firing of the same (released) timer neither.
    timer_fired(timer[1], 30.0);
    assert!(take().is_empty());
    dispose_now(s);
    take();
    assert_nothing_live();
}

#[wasm_bindgen_test]
fn concurrency_one_starts_the_next_task_when_the_first_settles() {
    take();
    let s = scope_new(-1.0, -1.0, 2, 0.0, 1.0, 0.0, 0.0);
    assert_eq!(scope_concurrency(s), 1.0);
    let a = plain_task(s);
    let b = plain_task(s);
    let fx = take();
    let start = one(&fx, Op::Start);
    assert_eq!(start[1], a, "b waits for the permit");
    assert_eq!(task_is_started(b), 0);
    attempt_settled(a, start[2] as u32, true, 0.0);
    let fx = take();
    assert_eq!(one(&fx, Op::Settle)[1], a);
    let start = one(&fx, Op::Start);
    assert_eq!(start[1], b);
    attempt_settled(b, start[2] as u32, true, 0.0);
    one(&take(), Op::Settle);
    dispose_now(s);
    assert_nothing_live();
}

#[wasm_bindgen_test]
fn a_child_inherits_options_and_is_aborted_by_its_parent() {
    take();
    let p = scope_new(-1.0, -1.0, 2 | 4 | 8, 0.0, 3.0, 2.0, 0.0);
    assert_eq!(scope_breaker(p, 0), 2.0);
    assert_eq!(scope_breaker(p, 1), 30_000.0);
    let c = scope_new(p, -1.0, 0, 0.0, 0.0, 0.0, 0.0);
    assert_eq!(scope_concurrency(c), 3.0);
    assert_eq!(scope_breaker(c, 0), 2.0);
    let node = scope_node(c);
    assert_eq!(watch(node), -1.0);
    dispose_now(p);
    // The child's signal aborted with the parent; it ends on its own dispose.
    assert_eq!(spawn(c, 0, 0.0, 0.0, 0.0, 0.0), -1.0);
    assert_eq!(fail_message(), "Cannot spawn task on aborted scope");
    dispose_now(c);
    take();
    assert_nothing_live();
}

#[wasm_bindgen_test]
fn keys_and_memory_are_reused_across_many_cycles() {
    take();
    let cycle = || {
        let s = new_scope();
        let t = plain_task(s);
        let start = one(&take(), Op::Start);
        assert_eq!(watch(task_node(t)), -1.0);
        attempt_settled(t, start[2] as u32, true, 0.0);
        take();
        dispose_now(s);
        s
    };
    let first = cycle();
    for _ in 0..1_000 {
        cycle();
    }
    let pages = core::arch::wasm32::memory_size(0);
    let mut last = first;
    for _ in 0..20_000 {
        last = cycle();
    }
    assert_eq!(core::arch::wasm32::memory_size(0), pages, "no growth");
    // The slot is the same; only its generation moved on.
    assert_eq!(last % 4_294_967_296.0, first % 4_294_967_296.0);
    assert_ne!(last, first);
    assert_nothing_live();
}

#[wasm_bindgen_test]
fn the_probe_uses_stack_and_nothing_else() {
    // Deterministic (the same depth gives the same word) and stateless.
    assert_eq!(probe(0), probe(0));
    assert_eq!(probe(48), probe(48));
    assert_ne!(probe(3), probe(4));
    assert_nothing_live();
}

#[wasm_bindgen_test]
fn backoff_exports_check_once_then_compute_from_the_numbers_js_keeps() {
    use backoff::{backoff_delay, backoff_new, backoff_rng};
    // `exponentialBackoff({ initial: -1 })`: refused, the message names it.
    assert_eq!(backoff_new(0, -1.0, 30000.0, 2.0, 0.0, 1.0), -1.0);
    assert_eq!(fail_kind(), 3);
    assert_eq!(fail_number(), -1.0);
    assert!(fail_message().starts_with("exponentialBackoff: initial must be"));
    assert_eq!(backoff_new(2, 1000.0, 0.1, 0.0, 0.0, 0.5), -1.0);
    assert!(fail_message().starts_with("jitter: seed must be"));
    assert_eq!(backoff_new(9, 0.0, 0.0, 0.0, 0.0, 0.0), -1.0);
    // `jitter(1000, 0.2, 42)`: the seed is the first state; each delay
    // leaves the next state in `backoff_rng`.
    let mut rng = backoff_new(2, 1000.0, 0.2, 0.0, 0.0, 42.0);
    assert_eq!(rng, 42.0);
    let d = backoff_delay(2, 1000.0, 0.2, 0.0, 0.0, 1.0, rng, f64::NAN);
    assert_eq!(d, 1040.0);
    rng = backoff_rng();
    assert_ne!(rng, 42.0);
    assert_eq!(backoff_delay(3, 100.0, 50.0, 0.0, 0.0, 3.0, rng, d), 200.0);
    assert_eq!(backoff_rng(), rng, "linear draws nothing");
    assert_eq!(backoff_delay(3, 100.0, -50.0, 0.0, 0.0, 3.0, rng, d), -1.0);
    assert_nothing_live();
}
