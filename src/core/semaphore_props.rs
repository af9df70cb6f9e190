//! Model-based property tests of the semaphore: random acquires, releases
//! by holders, cancelled waiters and aborts. Permits are never negative or
//! above the total, are conserved (available + held == total), are granted
//! in FIFO order, and a cancelled waiter takes no permit with it.
use proptest::prelude::*;

use super::*;

#[derive(Clone, Debug)]
enum Op {
    Acquire,
    /// A holder releases (if anybody holds a permit).
    Release,
    /// The waiter at this position (modulo) stops waiting.
    Cancel(usize),
    /// A stale key (of a granted or cancelled waiter) is cancelled again.
    CancelStale(usize),
    Abort,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => Just(Op::Acquire),
        5 => Just(Op::Release),
        2 => any::<usize>().prop_map(Op::Cancel),
        1 => any::<usize>().prop_map(Op::CancelStale),
        1 => Just(Op::Abort),
    ]
}

proptest! {
    #![proptest_config(crate::core::prop_config())]

    #[test]
    fn permits_are_conserved_and_granted_fifo(
        total in 1u32..5,
        ops in prop::collection::vec(op(), 0..200),
    ) {
        let mut s: Semaphore<u32> = Semaphore::new(Limit::Max(u64::from(total)));
        let avail = |s: &Semaphore<u32>| match s.available() {
            Limit::Max(n) => n as u32,
            Limit::Unlimited => u32::MAX,
        };
        // Model: holders, FIFO queue of (waiter, key), aborted.
        let mut held = 0u32;
        let mut queue: Vec<(u32, WaitKey)> = Vec::new();
        let mut stale: Vec<WaitKey> = Vec::new();
        let mut aborted = false;
        let mut next = 0u32;
        for op in ops {
            match op {
                Op::Acquire => {
                    let w = next;
                    next += 1;
                    match s.acquire(w) {
                        Ok(Acquire::Granted) => {
                            prop_assert!(!aborted && queue.is_empty() && held < total);
                            held += 1;
                        }
                        Ok(Acquire::Queued(key)) => {
                            prop_assert!(!aborted);
                            prop_assert!(held == total || !queue.is_empty(), "queued with a free permit");
                            queue.push((w, key));
                        }
                        Err(Aborted(back)) => {
                            prop_assert!(aborted);
                            prop_assert_eq!(back, w);
                        }
                    }
                }
                Op::Release => {
                    if held == 0 {
                        continue;
                    }
                    match s.release() {
                        Some(w) => {
                            // The permit passes straight to the oldest waiter.
                            prop_assert!(!aborted && !queue.is_empty());
                            let (want, key) = queue.remove(0);
                            prop_assert_eq!(w, want);
                            stale.push(key);
                        }
                        None => {
                            prop_assert!(aborted || queue.is_empty());
                            held -= 1;
                        }
                    }
                }
                Op::Cancel(i) => {
                    if queue.is_empty() {
                        continue;
                    }
                    let (w, key) = queue.remove(i % queue.len());
                    let before = avail(&s);
                    prop_assert_eq!(s.cancel(key), Some(w));
                    prop_assert_eq!(avail(&s), before, "a cancelled waiter passes no permit");
                    stale.push(key);
                }
                Op::CancelStale(i) => {
                    if stale.is_empty() {
                        continue;
                    }
                    let before = (avail(&s), s.waiting());
                    prop_assert_eq!(s.cancel(stale[i % stale.len()]), None);
                    prop_assert_eq!((avail(&s), s.waiting()), before);
                }
                Op::Abort => {
                    let woken = s.abort();
                    let want: Vec<u32> = queue.drain(..).map(|(w, k)| { stale.push(k); w }).collect();
                    prop_assert_eq!(woken, want, "waiters come back in order");
                    aborted = true;
                }
            }
            prop_assert!(s.available() <= s.total());
            prop_assert_eq!(s.total(), Limit::Max(u64::from(total)));
            prop_assert_eq!(avail(&s) + held, total, "permits conserved");
            prop_assert_eq!(s.waiting(), queue.len());
            prop_assert_eq!(s.is_aborted(), aborted);
            if s.waiting() > 0 {
                prop_assert_eq!(avail(&s), 0, "waiters only while no permit is free");
            }
        }
    }
}
