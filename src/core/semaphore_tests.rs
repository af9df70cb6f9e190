use super::*;

fn count(l: Limit) -> u64 {
    match l {
        Limit::Max(n) => n,
        Limit::Unlimited => panic!("unlimited"),
    }
}

#[test]
fn unlimited_grants_everything_and_never_queues() {
    let mut s = Semaphore::new(Limit::Unlimited);
    for i in 0..10_000 {
        assert_eq!(s.acquire(i), Ok(Acquire::Granted));
    }
    assert_eq!(s.waiting(), 0);
    assert_eq!(s.available(), Limit::Unlimited);
    assert_eq!(s.release(), None);
    assert_eq!(s.total(), Limit::Unlimited);
    assert!(s.abort().is_empty());
    assert_eq!(
        s.acquire(0),
        Err(Aborted(0)),
        "aborted refuses, limit or not"
    );
}

#[test]
fn grants_up_to_total_then_queues_fifo() {
    let mut s = Semaphore::new(Limit::Max(2));
    assert_eq!(s.acquire("a"), Ok(Acquire::Granted));
    assert_eq!(s.acquire("b"), Ok(Acquire::Granted));
    assert!(matches!(s.acquire("c"), Ok(Acquire::Queued(_))));
    assert!(matches!(s.acquire("d"), Ok(Acquire::Queued(_))));
    assert_eq!(s.available(), Limit::Max(0));
    assert_eq!(s.waiting(), 2);
    assert_eq!(s.release(), Some("c"));
    assert_eq!(s.release(), Some("d"));
    assert_eq!(s.release(), None);
    assert_eq!(s.release(), None);
    assert_eq!(s.available(), Limit::Max(2));
    assert_eq!(s.release(), None);
    assert_eq!(s.available(), Limit::Max(2), "never above total");
}

#[test]
fn a_cancelled_waiter_takes_no_permit_and_keeps_order() {
    let mut s = Semaphore::new(Limit::Max(1));
    s.acquire(0).unwrap();
    let Ok(Acquire::Queued(k1)) = s.acquire(1) else {
        panic!()
    };
    s.acquire(2).unwrap();
    assert_eq!(s.cancel(k1), Some(1));
    assert_eq!(s.cancel(k1), None);
    assert_eq!(s.release(), Some(2));
}

#[test]
fn abort_hands_back_waiters_and_refuses_more() {
    let mut s = Semaphore::new(Limit::Max(1));
    s.acquire(0).unwrap();
    s.acquire(1).unwrap();
    s.acquire(2).unwrap();
    assert_eq!(s.abort(), vec![1, 2]);
    assert_eq!(s.acquire(3), Err(Aborted(3)));
    assert_eq!(s.release(), None);
    assert_eq!(s.available(), Limit::Max(1));
}

#[test]
fn permits_stay_within_bounds_under_random_use() {
    let mut s = Semaphore::new(Limit::Max(3));
    let mut held = 0u64;
    let mut queued = std::collections::VecDeque::new();
    let mut rng = 0x9e37_79b9_u32;
    for i in 0..20_000u32 {
        rng ^= rng << 13;
        rng ^= rng >> 17;
        rng ^= rng << 5;
        if rng.is_multiple_of(2) {
            match s.acquire(i).unwrap() {
                Acquire::Granted => held += 1,
                Acquire::Queued(k) => queued.push_back(k),
            }
        } else if held > 0 {
            match s.release() {
                Some(_) => {
                    queued.pop_front();
                }
                None => held -= 1,
            }
        }
        assert!(s.available() <= s.total());
        assert_eq!(Limit::Max(held + count(s.available())), s.total());
        assert_eq!(s.waiting(), queued.len());
    }
}
