use super::*;

type Ch = Channel<u32, &'static str, &'static str>;

#[test]
fn buffered_fifo_then_backpressure() {
    let mut c: Ch = Channel::new(Limit::Max(2));
    assert_eq!(c.try_send(1), Ok(Sent::Buffered));
    assert_eq!(c.try_send(2), Ok(Sent::Buffered));
    assert_eq!(c.try_send(3), Err(TrySendError::Full(3)));
    c.wait_send(3, "s3");
    assert_eq!(c.size(), 2);
    // Receiving frees a slot: the waiting sender's value moves in.
    assert_eq!(
        c.try_recv(),
        Ok(Received {
            value: 1,
            unblocked: Some("s3")
        })
    );
    assert_eq!(c.size(), 2);
    assert_eq!(c.try_recv().map(|r| r.value), Ok(2));
    assert_eq!(c.try_recv().map(|r| r.value), Ok(3));
    assert_eq!(c.try_recv(), Err(TryRecvError::Empty));
}

#[test]
fn waiting_receiver_gets_the_value_without_the_buffer() {
    let mut c: Ch = Channel::new(Limit::Max(5));
    assert_eq!(c.try_recv(), Err(TryRecvError::Empty));
    c.wait_recv("r1");
    assert_eq!(c.try_send(9), Ok(Sent::Handed("r1", 9)));
    assert_eq!(c.size(), 0);
}

#[test]
fn rendezvous_whichever_side_comes_first() {
    let mut c: Ch = Channel::new(Limit::Max(0));
    // Sender first.
    assert_eq!(c.try_send(1), Err(TrySendError::Full(1)));
    c.wait_send(1, "s1");
    assert_eq!(
        c.try_recv(),
        Ok(Received {
            value: 1,
            unblocked: Some("s1")
        })
    );
    // Receiver first.
    c.wait_recv("r");
    assert_eq!(c.try_send(2), Ok(Sent::Handed("r", 2)));
}

#[test]
fn close_keeps_buffer_and_wakes_waiters() {
    let mut c: Ch = Channel::new(Limit::Max(1));
    c.try_send(1).unwrap();
    c.wait_send(2, "blocked");
    let woken = c.close();
    assert_eq!(
        woken,
        Woken {
            senders: vec!["blocked"],
            receivers: vec![]
        }
    );
    assert_eq!(c.try_send(3), Err(TrySendError::Closed(3)));
    assert_eq!(c.try_recv().map(|r| r.value), Ok(1));
    assert_eq!(c.try_recv(), Err(TryRecvError::Closed));
    assert!(c.close().senders.is_empty(), "idempotent");
}

#[test]
fn abort_drops_the_buffer_and_rejects_sends() {
    let mut c: Ch = Channel::new(Limit::Max(2));
    c.try_send(1).unwrap();
    let mut d: Ch = Channel::new(Limit::Max(0));
    d.wait_recv("r");
    assert_eq!(
        d.abort(),
        Woken {
            senders: vec![],
            receivers: vec!["r"]
        }
    );
    assert!(c.abort().senders.is_empty());
    assert_eq!(c.size(), 0);
    assert_eq!(c.try_send(5), Err(TrySendError::Aborted(5)));
    assert_eq!(c.try_recv(), Err(TryRecvError::Closed));
    assert!(c.is_closed() && c.is_aborted());
}

#[test]
fn cancelled_waiters_leave_the_queues() {
    let mut c: Ch = Channel::new(Limit::Max(0));
    let k = c.wait_recv("gone");
    c.wait_recv("stays");
    assert_eq!(c.cancel_recv(k), Some("gone"));
    assert_eq!(c.try_send(1), Ok(Sent::Handed("stays", 1)));
    let k = c.wait_send(2, "s");
    assert_eq!(c.cancel_send(k), Some((2, "s")));
    assert_eq!(c.try_recv(), Err(TryRecvError::Empty));
}

/// N producers × M consumers with random interleavings: every accepted value
/// is received exactly once, in FIFO order per producer.
fn exactly_once(cap: u64, producers: u32, consumers: u32, per_producer: u32, seed: u32) {
    let mut c: Channel<(u32, u32), u32, u32> = Channel::new(Limit::Max(cap));
    let mut rng = seed;
    let mut rand = move || {
        rng ^= rng << 13;
        rng ^= rng >> 17;
        rng ^= rng << 5;
        rng
    };
    let mut next_seq = vec![0u32; producers as usize];
    let mut blocked = vec![false; producers as usize];
    let mut waiting_consumer = vec![false; consumers as usize];
    let mut received: Vec<Vec<u32>> = vec![Vec::new(); producers as usize];
    let total = producers * per_producer;
    let mut got = 0u32;
    let mut steps = 0;
    let deliver = |received: &mut Vec<Vec<u32>>, (p, seq): (u32, u32)| {
        if let Some(r) = received.get_mut(p as usize) {
            r.push(seq);
        }
    };
    while got < total {
        steps += 1;
        assert!(steps < 10_000_000, "no progress");
        if rand() % 2 == 0 {
            let p = rand() % producers;
            if blocked[p as usize] || next_seq[p as usize] >= per_producer {
                continue;
            }
            let v = (p, next_seq[p as usize]);
            next_seq[p as usize] += 1;
            match c.try_send(v) {
                Ok(Sent::Handed(r, v)) => {
                    // Handed out now: record in the channel's hand-out order.
                    waiting_consumer[r as usize] = false;
                    deliver(&mut received, v);
                    got += 1;
                }
                Ok(Sent::Buffered) => {}
                Err(TrySendError::Full(v)) => {
                    c.wait_send(v, p);
                    blocked[p as usize] = true;
                }
                Err(e) => panic!("{e}"),
            }
        } else {
            let m = rand() % consumers;
            if waiting_consumer[m as usize] {
                continue;
            }
            match c.try_recv() {
                Ok(Received { value, unblocked }) => {
                    if let Some(p) = unblocked {
                        blocked[p as usize] = false;
                    }
                    deliver(&mut received, value);
                    got += 1;
                }
                Err(TryRecvError::Empty) => {
                    c.wait_recv(m);
                    waiting_consumer[m as usize] = true;
                }
                Err(TryRecvError::Closed) => panic!("closed"),
            }
        }
    }
    for (p, seqs) in received.iter().enumerate() {
        let expected: Vec<u32> = (0..per_producer).collect();
        assert_eq!(seqs, &expected, "producer {p}: exactly once, in order");
    }
}

#[test]
fn exactly_once_at_capacities_0_1_64() {
    for (i, cap) in [0u64, 1, 64].into_iter().enumerate() {
        for seed in 1..4u32 {
            exactly_once(cap, 8, 4, 2_000, seed * 7919 + i as u32);
        }
    }
}

#[test]
fn unlimited_capacity_never_blocks_a_sender() {
    let mut c: Ch = Channel::new(Limit::Unlimited);
    for i in 0..10_000 {
        assert_eq!(c.try_send(i), Ok(Sent::Buffered));
    }
    assert_eq!(c.size(), 10_000);
    assert_eq!(c.cap(), Limit::Unlimited);
    assert_eq!(c.try_recv().map(|r| r.value), Ok(0));
}
