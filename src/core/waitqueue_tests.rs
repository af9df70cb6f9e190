use super::*;

#[test]
fn fifo_order() {
    let mut q = WaitQueue::new();
    for i in 0..5 {
        q.push_back(i);
    }
    assert_eq!(q.drain(), vec![0, 1, 2, 3, 4]);
    assert!(q.is_empty());
}

#[test]
fn remove_from_the_middle_keeps_order_and_is_o1() {
    let mut q = WaitQueue::new();
    let keys: Vec<_> = (0..5).map(|i| q.push_back(i)).collect();
    assert_eq!(q.remove(keys[2]), Some(2));
    assert_eq!(q.remove(keys[0]), Some(0));
    assert_eq!(q.remove(keys[4]), Some(4));
    assert_eq!(q.len(), 2);
    assert_eq!(q.front(), Some(&1));
    assert_eq!(q.drain(), vec![1, 3]);
}

#[test]
fn stale_keys_remove_nothing() {
    let mut q = WaitQueue::new();
    let a = q.push_back("a");
    assert_eq!(q.pop_front(), Some("a"));
    let b = q.push_back("b"); // reuses the slot
    assert_eq!(q.remove(a), None);
    assert_eq!(q.remove(b), Some("b"));
    assert_eq!(q.remove(b), None);
}

#[test]
fn slots_are_reused() {
    let mut q = WaitQueue::new();
    for i in 0..1000 {
        let k = q.push_back(i);
        q.remove(k);
    }
    assert_eq!(q.slots.len(), 1);
}

#[test]
fn randomized_against_a_vec_model() {
    let mut q = WaitQueue::new();
    let mut model: Vec<(WaitKey, u32)> = Vec::new();
    let mut rng = 0x2545_f491_u32;
    let mut next = || {
        rng ^= rng << 13;
        rng ^= rng >> 17;
        rng ^= rng << 5;
        rng
    };
    for i in 0..10_000u32 {
        match next() % 3 {
            0 => model.push((q.push_back(i), i)),
            1 => {
                let expected = if model.is_empty() {
                    None
                } else {
                    Some(model.remove(0).1)
                };
                assert_eq!(q.pop_front(), expected);
            }
            _ if !model.is_empty() => {
                let at = next() as usize % model.len();
                let (k, v) = model.remove(at);
                assert_eq!(q.remove(k), Some(v));
            }
            _ => {}
        }
        assert_eq!(q.len(), model.len());
    }
}
