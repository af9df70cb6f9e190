use super::*;

#[test]
fn cleanups_come_back_last_registered_first() {
    let mut s = ScopeCore::new();
    s.push_cleanup("service a").unwrap();
    s.push_cleanup("task b").unwrap();
    s.push_cleanup("service c").unwrap();
    assert_eq!(
        s.begin_dispose(),
        Some(vec!["service c", "task b", "service a"])
    );
}

#[test]
fn dispose_is_idempotent_and_closes_the_scope() {
    let mut s: ScopeCore<u8> = ScopeCore::new();
    assert!(!s.is_disposed());
    assert!(s.begin_dispose().is_some());
    assert!(s.is_disposed());
    assert_eq!(s.begin_dispose(), None);
    assert_eq!(s.push_cleanup(1), Err(Disposed(1)));
    assert_eq!(s.task_started(), Err(SpawnError::Disposed));
}

#[test]
fn spawn_checks_report_disposed_before_aborted() {
    let mut s: ScopeCore<u8> = ScopeCore::new();
    assert_eq!(s.check_spawn(false), Ok(()));
    assert_eq!(s.check_spawn(true), Err(SpawnError::Aborted));
    s.begin_dispose();
    assert_eq!(s.check_spawn(true), Err(SpawnError::Disposed));
    assert_eq!(
        SpawnError::Disposed.to_string(),
        "Cannot spawn task on disposed scope"
    );
    assert_eq!(
        SpawnError::Aborted.to_string(),
        "Cannot spawn task on aborted scope"
    );
}

#[test]
fn disposal_waits_for_the_last_running_task() {
    let mut s: ScopeCore<u8> = ScopeCore::new();
    s.task_started().unwrap();
    s.task_started().unwrap();
    assert!(!s.task_settled(), "not disposing yet");
    s.begin_dispose();
    assert!(!s.is_drained());
    assert!(s.task_settled(), "last task wakes the disposal");
    assert!(s.is_drained());
    assert!(!s.task_settled(), "never below zero, never wakes twice");
    s.finish();
    assert_eq!(s.phase(), Phase::Disposed);
}

#[test]
fn no_errors_no_outcome() {
    let e: DisposalErrors<String> = DisposalErrors::new();
    assert_eq!(e.into_outcome(|m| m.clone()), None);
}

#[test]
fn one_error_is_rethrown_as_is() {
    let mut e = DisposalErrors::new();
    e.push("boom".to_string());
    assert_eq!(
        e.into_outcome(|m| m.clone()),
        Some(DisposalOutcome::One("boom".to_string()))
    );
}

#[test]
fn several_errors_are_joined_in_run_order() {
    let mut e = DisposalErrors::new();
    e.push("a");
    e.push("b");
    match e.into_outcome(|m| m.to_string()) {
        Some(DisposalOutcome::Many { message, errors }) => {
            assert_eq!(message, "Multiple errors during scope disposal: a, b");
            assert_eq!(errors, vec!["a", "b"]);
        }
        other => panic!("unexpected {other:?}"),
    }
}
