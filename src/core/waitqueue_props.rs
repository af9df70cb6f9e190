//! Model-based property tests of the wait queue: random pushes, pops,
//! removals (by live and stale keys) and drains behave exactly like a
//! `VecDeque` of (key, value) pairs.
use std::collections::VecDeque;

use proptest::prelude::*;

use super::*;

#[derive(Clone, Debug)]
enum Op {
    Push,
    Pop,
    /// Removes the key issued at this position (modulo), possibly stale.
    Remove(usize),
    Drain,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => Just(Op::Push),
        2 => Just(Op::Pop),
        3 => any::<usize>().prop_map(Op::Remove),
        1 => Just(Op::Drain),
    ]
}

proptest! {
    #![proptest_config(crate::core::prop_config())]

    #[test]
    fn behaves_like_a_vecdeque(ops in prop::collection::vec(op(), 0..200)) {
        let mut q = WaitQueue::new();
        let mut model: VecDeque<(WaitKey, u32)> = VecDeque::new();
        let mut issued: Vec<WaitKey> = Vec::new();
        let mut next = 0u32;
        for op in ops {
            match op {
                Op::Push => {
                    let key = q.push_back(next);
                    // A fresh key never names a waiting value (invariant #2).
                    prop_assert!(model.iter().all(|(k, _)| *k != key));
                    model.push_back((key, next));
                    issued.push(key);
                    next += 1;
                }
                Op::Pop => {
                    prop_assert_eq!(q.pop_front(), model.pop_front().map(|(_, v)| v));
                }
                Op::Remove(i) => {
                    if issued.is_empty() {
                        continue;
                    }
                    let key = issued[i % issued.len()];
                    let expected = model.iter().position(|(k, _)| *k == key).and_then(|p| model.remove(p)).map(|(_, v)| v);
                    prop_assert_eq!(q.remove(key), expected);
                }
                Op::Drain => {
                    let expected: Vec<u32> = model.drain(..).map(|(_, v)| v).collect();
                    prop_assert_eq!(q.drain(), expected);
                }
            }
            prop_assert_eq!(q.len(), model.len());
            prop_assert_eq!(q.is_empty(), model.is_empty());
            prop_assert_eq!(q.front(), model.front().map(|(_, v)| v));
        }
    }
}
