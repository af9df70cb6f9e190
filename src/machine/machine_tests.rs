//! The machine driven by command and event sequences, asserting effects.

use super::effect::Op;
use super::scope::ScopeSpec;
use super::slab::Key;
use super::task::{RetrySpec, TaskSpec};
use super::Machine;

fn ops(m: &Machine) -> Vec<u8> {
    m.fx.decoded().iter().map(|e| e.0).collect()
}

fn take(m: &mut Machine) -> Vec<(u8, f64, f64, f64)> {
    let v = m.fx.decoded();
    m.fx.clear();
    v
}

fn first(fx: &[(u8, f64, f64, f64)], op: Op) -> Option<(f64, f64, f64)> {
    fx.iter().find(|e| e.0 == op as u8).map(|e| (e.1, e.2, e.3))
}

/// A scope with `concurrency: 1`, its set-up effects cleared.
fn limited_scope(m: &mut Machine) -> Key {
    let spec = ScopeSpec {
        concurrency: Some(1.0),
        ..ScopeSpec::default()
    };
    let s = m.scope_new(None, None, spec).unwrap();
    m.fx.clear();
    s
}

fn scope(m: &mut Machine) -> Key {
    let s = m.scope_new(None, None, ScopeSpec::default()).unwrap();
    m.fx.clear();
    s
}

#[test]
fn a_task_starts_at_spawn_and_settles_once() {
    let mut m = Machine::new();
    let s = scope(&mut m);
    let t = m.spawn(s, TaskSpec::default(), 0.0).unwrap();
    let fx = take(&mut m);
    let (k, serial, _) = first(&fx, Op::Start).unwrap();
    assert_eq!(k, t.to_f64());
    assert!(m.attempt_settled(k, serial as u32, true, 0.0));
    let fx = take(&mut m);
    assert_eq!(first(&fx, Op::Settle).map(|e| e.1), Some(0.0));
    // A second report of the same attempt is stale.
    assert!(!m.attempt_settled(k, serial as u32, true, 0.0));
    assert!(m.fx.is_empty());
    assert!(m.scope_dispose(s));
    let fx = take(&mut m);
    assert_eq!(first(&fx, Op::Disposed).map(|e| e.1), Some(0.0));
    assert_eq!(m.live(), super::Live::default());
}

#[test]
fn disposal_aborts_runs_cleanups_newest_first_then_waits_for_tasks() {
    let mut m = Machine::new();
    let s = scope(&mut m);
    let c1 = m.add_cleanup(s, true).unwrap();
    let c2 = m.add_cleanup(s, true).unwrap();
    let t = m.spawn(s, TaskSpec::default(), 0.0).unwrap();
    let (_, serial, node) = first(&take(&mut m), Op::Start).unwrap();
    assert_eq!(node, -1.0, "no node until the signal is read");
    let node = Machine::node_f64(m.task_node(t).unwrap());
    assert_eq!(m.watch(node), super::signal::Watch::Live);
    assert!(m.scope_dispose(s));
    assert!(!m.scope_dispose(s), "a second dispose is a no-op");
    let fx = take(&mut m);
    let abort = fx.iter().position(|e| e.0 == Op::Abort as u8).unwrap();
    let cleanup = fx.iter().position(|e| e.0 == Op::Cleanup as u8).unwrap();
    assert!(abort < cleanup, "abort before cleanups: {fx:?}");
    assert_eq!(first(&fx, Op::Cleanup).map(|e| e.0), Some(c2.to_f64()));
    assert!(first(&fx, Op::Disposed).is_none());
    m.cleanup_done(s, false, true);
    let fx = take(&mut m);
    assert_eq!(first(&fx, Op::Cleanup).map(|e| e.0), Some(c1.to_f64()));
    m.cleanup_done(s, true, true);
    assert!(
        first(&take(&mut m), Op::Disposed).is_none(),
        "the task still runs"
    );
    assert!(m.attempt_settled(t.to_f64(), serial as u32, true, 0.0));
    let fx = take(&mut m);
    // One cleanup failed: outcome 1 (reject with that error).
    assert_eq!(first(&fx, Op::Disposed).map(|e| e.1), Some(1.0));
    assert_eq!(m.live(), super::Live::default());
}

#[test]
fn descendants_abort_before_the_scope_itself() {
    let mut m = Machine::new();
    let s = scope(&mut m);
    let child = m.scope_new(Some(s), None, ScopeSpec::default()).unwrap();
    let t = m.spawn(child, TaskSpec::default(), 0.0).unwrap();
    m.fx.clear();
    let nodes = [
        m.scope_node(s).unwrap(),
        m.scope_node(child).unwrap(),
        m.task_node(t).unwrap(),
    ];
    for n in nodes {
        m.watch(Machine::node_f64(n));
    }
    m.scope_dispose(s);
    let aborted: Vec<f64> = take(&mut m)
        .iter()
        .filter(|e| e.0 == Op::Abort as u8)
        .map(|e| e.1)
        .collect();
    let want: Vec<f64> = nodes.iter().rev().map(|n| Machine::node_f64(*n)).collect();
    assert_eq!(aborted, want);
}

#[test]
fn an_attempt_timeout_aborts_its_own_signal_and_a_retry_gets_a_fresh_one() {
    let mut m = Machine::new();
    let s = scope(&mut m);
    let spec = TaskSpec {
        timeout: Some(10.0),
        retry: Some(RetrySpec {
            max_retries: Some(1.0),
            ..RetrySpec::default()
        }),
        on_cleanup: false,
    };
    let t = m.spawn(s, spec, 0.0).unwrap();
    let fx = take(&mut m);
    let (_, serial1, node1) = first(&fx, Op::Start).unwrap();
    let (timer, ms, _) = first(&fx, Op::TimerSet).unwrap();
    assert_eq!(ms, 10.0);
    m.watch(node1);
    m.timer_fired(timer, 10.0);
    let fx = take(&mut m);
    assert_eq!(first(&fx, Op::Abort).map(|e| e.0), Some(node1));
    let (_, serial2, node2) = first(&fx, Op::Start).unwrap();
    assert_ne!(node1, node2);
    assert_ne!(serial1, serial2);
    // The first attempt's late outcome changes nothing.
    assert!(!m.attempt_settled(t.to_f64(), serial1 as u32, true, 0.0));
    assert!(m.attempt_settled(t.to_f64(), serial2 as u32, true, 0.0));
    assert_eq!(first(&take(&mut m), Op::Settle).map(|e| e.1), Some(0.0));
}

#[test]
fn a_refused_command_changes_nothing() {
    let mut m = Machine::new();
    let before = m.live();
    let bad = ScopeSpec {
        concurrency: Some(1.5),
        ..ScopeSpec::default()
    };
    assert!(m.scope_new(None, None, bad).is_err());
    assert_eq!(m.live(), before);
    assert!(m.fx.is_empty());
    let s = scope(&mut m);
    let bad = TaskSpec {
        timeout: Some(-1.0),
        ..TaskSpec::default()
    };
    assert_eq!(
        m.spawn(s, bad, 0.0).unwrap_err().message,
        super::options::TASK_TIMEOUT
    );
    assert_eq!(m.live().tasks, 0);
    assert!(ops(&m).is_empty());
}

#[test]
fn queued_tasks_start_in_order_and_an_aborted_waiter_passes_its_turn() {
    let mut m = Machine::new();
    let s = limited_scope(&mut m);
    let a = m.spawn(s, TaskSpec::default(), 0.0).unwrap();
    let b = m.spawn(s, TaskSpec::default(), 0.0).unwrap();
    let c = m.spawn(s, TaskSpec::default(), 0.0).unwrap();
    let fx = take(&mut m);
    let starts: Vec<f64> = fx
        .iter()
        .filter(|e| e.0 == Op::Start as u8)
        .map(|e| e.1)
        .collect();
    assert_eq!(starts, vec![a.to_f64()]);
    assert_eq!(m.task_is_started(b), Some(false));
    // b leaves the queue (its node is detached and aborted through a link-less
    // path: dispose the scope aborts every waiter at once instead).
    let serial_a = fx[0].2 as u32;
    assert!(m.attempt_settled(a.to_f64(), serial_a, true, 0.0));
    let fx = take(&mut m);
    assert_eq!(first(&fx, Op::Start).map(|e| e.0), Some(b.to_f64()));
    let _ = c;
}

#[test]
fn a_task_gets_its_own_node_only_when_its_signal_is_read() {
    let mut m = Machine::new();
    let s = scope(&mut m);
    let nodes = m.live().nodes;
    let t = m.spawn(s, TaskSpec::default(), 0.0).unwrap();
    let (_, serial, node) = first(&take(&mut m), Op::Start).unwrap();
    assert_eq!(node, -1.0);
    assert_eq!(m.live().nodes, nodes, "a plain task makes no node");
    // The scope aborts first: the node made afterwards is born cancelled,
    // holding the scope's reason.
    let r = m.new_reason(super::effect::ReasonKind::Disposed, 0.0);
    let scope_node = m.scope_node(s).unwrap();
    m.cancel(scope_node, r);
    let n = m.task_node(t).unwrap();
    assert_eq!(m.task_node(t), Some(n), "made once");
    assert_eq!(m.tree.reason(n).copied(), Some(r));
    assert_eq!(m.live().nodes, nodes + 1);
    assert!(m.attempt_settled(t.to_f64(), serial as u32, true, 0.0));
    assert_eq!(m.live().nodes, nodes, "the own node ends with the task");
    assert_eq!(m.task_node(t), None, "settled: no node");
    m.scope_dispose(s);
    take(&mut m);
    assert_eq!(m.live(), super::Live::default());
}

#[test]
fn a_detached_task_without_a_node_stops_hearing_its_scope() {
    let mut m = Machine::new();
    let s = scope(&mut m);
    let t = m.spawn(s, TaskSpec::default(), 0.0).unwrap();
    let (_, serial, _) = first(&take(&mut m), Op::Start).unwrap();
    m.task_detach(t);
    let n = m.task_node(t).unwrap();
    m.watch(Machine::node_f64(n));
    m.scope_dispose(s);
    let fx = take(&mut m);
    assert!(
        !fx.iter()
            .any(|e| e.0 == Op::Abort as u8 && e.1 == Machine::node_f64(n)),
        "{fx:?}"
    );
    assert!(m.tree.reason(n).is_none());
    assert!(m.attempt_settled(t.to_f64(), serial as u32, true, 0.0));
    take(&mut m);
    assert_eq!(m.live(), super::Live::default());
}

#[test]
fn tasks_that_can_wait_have_a_node_from_the_start() {
    for spec in [
        TaskSpec {
            timeout: Some(10.0),
            ..TaskSpec::default()
        },
        TaskSpec {
            retry: Some(RetrySpec::default()),
            ..TaskSpec::default()
        },
    ] {
        let mut m = Machine::new();
        let s = scope(&mut m);
        m.spawn(s, spec, 0.0).unwrap();
        let (_, _, node) = first(&take(&mut m), Op::Start).unwrap();
        assert_ne!(node, -1.0, "{spec:?}");
    }
    let mut m = Machine::new();
    let s = m
        .scope_new(
            None,
            None,
            ScopeSpec {
                concurrency: Some(1.0),
                ..ScopeSpec::default()
            },
        )
        .unwrap();
    m.fx.clear();
    m.spawn(s, TaskSpec::default(), 0.0).unwrap();
    let (_, _, node) = first(&take(&mut m), Op::Start).unwrap();
    assert_eq!(node, -1.0, "under a concurrency limit: no node of its own");
}

#[test]
fn a_cancelled_scope_ends_its_queued_tasks_oldest_first_with_its_reason() {
    let mut m = Machine::new();
    let s = limited_scope(&mut m);
    let a = m.spawn(s, TaskSpec::default(), 0.0).unwrap();
    let b = m.spawn(s, TaskSpec::default(), 0.0).unwrap();
    // c waits on a timer too: it has a node of its own, and ends once.
    let timed = TaskSpec {
        timeout: Some(50.0),
        ..TaskSpec::default()
    };
    let c = m.spawn(s, timed, 0.0).unwrap();
    let d = m.spawn(s, TaskSpec::default(), 0.0).unwrap();
    let serial_a = first(&take(&mut m), Op::Start).unwrap().1 as u32;
    assert!(m.scope_dispose(s));
    let fx = take(&mut m);
    let settled: Vec<(f64, f64)> = fx
        .iter()
        .filter(|e| e.0 == Op::Settle as u8)
        .map(|e| (e.1, e.2))
        .collect();
    let err = crate::machine::task::how::ERR;
    assert_eq!(
        settled,
        vec![(b.to_f64(), err), (c.to_f64(), err), (d.to_f64(), err)]
    );
    // Each queued task failed with the scope's reason, the one its signal would carry.
    let reasons: Vec<f64> = fx
        .iter()
        .filter(|e| e.0 == Op::TaskError as u8)
        .map(|e| e.3)
        .collect();
    assert_eq!(reasons.len(), 3);
    assert!(reasons.iter().all(|r| *r == reasons[0]));
    assert_eq!(
        fx.iter().filter(|e| e.0 == Op::Start as u8).count(),
        0,
        "no queued task started"
    );
    // The running task is left to its fn; when it ends, the scope finishes.
    assert_eq!(m.task_is_started(a), Some(true));
    assert!(m.attempt_settled(a.to_f64(), serial_a, true, 0.0));
    let fx = take(&mut m);
    assert_eq!(first(&fx, Op::Settle).map(|e| e.0), Some(a.to_f64()));
    assert_eq!(first(&fx, Op::Start), None);
    assert_eq!(m.live(), super::Live::default());
}
