//! The tree `debugTree` shows: scopes, their tasks and child scopes, states.

use crate::machine::debug::{Row, State};
use crate::machine::scope::ScopeSpec;
use crate::machine::task::TaskSpec;
use crate::machine::Machine;

fn shape(rows: &[Row]) -> Vec<(bool, u32, bool, State, Option<u32>)> {
    rows.iter()
        .map(|r| (r.task, r.depth, r.last, r.state, r.parent))
        .collect()
}

#[test]
fn scopes_tasks_and_children_depth_first_with_their_states() {
    let mut m = Machine::new();
    let root = m
        .scope_new(
            None,
            None,
            ScopeSpec {
                concurrency: Some(1.0),
                ..ScopeSpec::default()
            },
        )
        .unwrap();
    let t1 = m.spawn(root, TaskSpec::default(), 0.0).unwrap();
    let t2 = m.spawn(root, TaskSpec::default(), 0.0).unwrap();
    let child = m.scope_new(Some(root), None, ScopeSpec::default()).unwrap();
    let t3 = m.spawn(child, TaskSpec::default(), 0.0).unwrap();
    let grandchild = m
        .scope_new(Some(child), None, ScopeSpec::default())
        .unwrap();
    m.fx.clear();
    let rows = m.debug_rows(root);
    assert_eq!(
        shape(&rows),
        [
            (false, 0, true, State::Open, None),
            (true, 1, false, State::Running, Some(0)),
            (true, 1, false, State::Queued, Some(0)),
            (false, 1, true, State::Open, Some(0)),
            (true, 2, false, State::Running, Some(3)),
            (false, 2, true, State::Open, Some(3)),
        ]
    );
    let keys: Vec<_> = rows.iter().map(|r| r.key).collect();
    assert_eq!(keys, [root, t1, t2, child, t3, grandchild]);
    // A subtree, and the states of an aborted and a disposing scope.
    assert!(m.scope_dispose(grandchild));
    assert!(m.scope_dispose(child));
    let rows = m.debug_rows(child);
    assert_eq!(
        shape(&rows),
        [
            (false, 0, true, State::Disposing, None),
            (true, 1, true, State::Running, Some(0))
        ]
    );
    let rows = m.debug_rows(root);
    assert_eq!(rows.len(), 5, "the grandchild is gone: {rows:?}");
    assert_eq!(rows[3].state, State::Disposing);
}

#[test]
fn an_ended_scope_has_no_rows_and_the_call_changes_nothing() {
    let mut m = Machine::new();
    let s = m.scope_new(None, None, ScopeSpec::default()).unwrap();
    m.fx.clear();
    let before = m.live();
    assert_eq!(m.debug_rows(s).len(), 1);
    assert_eq!(m.live(), before);
    assert!(m.fx.is_empty());
    assert!(m.scope_dispose(s));
    assert!(m.debug_rows(s).is_empty());
}

#[test]
fn an_aborted_scope_shows_aborted_until_its_disposal_begins() {
    let mut m = Machine::new();
    let s = m
        .scope_new(
            None,
            None,
            ScopeSpec {
                timeout: Some(5.0),
                ..ScopeSpec::default()
            },
        )
        .unwrap();
    let timer =
        m.fx.decoded()
            .iter()
            .find(|e| e.0 == crate::machine::effect::Op::TimerSet as u8)
            .unwrap()
            .1;
    m.fx.clear();
    m.timer_fired(timer, 5.0);
    assert_eq!(m.debug_rows(s)[0].state, State::Aborted);
}
