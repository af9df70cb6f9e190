use super::*;

#[test]
fn settles_once_and_hands_late_outcomes_back() {
    let mut t: TaskCore<i32, &str> = TaskCore::new(1);
    assert!(!t.is_settled());
    assert_eq!(t.take_outcome(), None);
    assert!(!t.is_settled(), "taking nothing keeps it pending");
    t.settle(Outcome::Err("timeout")).unwrap();
    assert!(t.is_settled());
    assert_eq!(
        t.settle(Outcome::Ok(42)),
        Err(AlreadySettled(Outcome::Ok(42)))
    );
    assert_eq!(t.take_outcome(), Some(Outcome::Err("timeout")));
    assert_eq!(t.take_outcome(), None);
    assert!(t.is_settled());
}

#[test]
fn ids_are_unique_and_increasing() {
    let mut ids = TaskIds::default();
    let a = ids.next_id();
    let b = ids.next_id();
    assert!(b > a && a >= 1);
}
