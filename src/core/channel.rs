//! A Go-style channel: a bounded FIFO buffer with FIFO queues of waiting
//! senders (holding their values) and waiting receivers. Capacity 0 is a
//! rendezvous: a send completes when a receiver takes the value, whichever
//! side arrives first.
//!
//! Generic over the value `T`, a waiting sender `S` and a waiting receiver
//! `R`; the binding uses JS values and promise resolvers.
//!
//! # Invariants
//!
//! 1. Receivers wait only while the buffer is empty and no sender waits;
//!    senders wait only while the buffer holds `cap` values and no receiver
//!    waits. So a value never sits in the buffer while a receiver waits.
//! 2. A value goes to exactly one place: a waiting receiver, the buffer, or
//!    (with its sender) the sender queue; `try_recv` moves it out of exactly
//!    one of them. Nothing is copied, so nothing is received twice.
//! 3. FIFO everywhere: the buffer, the sender queue and the receiver queue.
//!    When a receive frees a buffer slot, the oldest waiting sender's value
//!    moves to the back of the buffer at once.
//! 4. Once closed, nothing is accepted; once aborted (scope aborted or
//!    channel disposed), the buffer is dropped as well and every waiter is
//!    handed back to be woken.

#[cfg(all(target_arch = "wasm32", feature = "tiny"))]
#[allow(unused_imports)]
use crate::prelude::*;

use alloc::collections::VecDeque;
use core::fmt;

use crate::core::waitqueue::{WaitKey, WaitQueue};

/// Why a value was not taken; the value comes back (async-channel style).
#[derive(Debug, PartialEq, Eq)]
pub enum TrySendError<T> {
    /// The buffer is full and nobody is receiving: wait.
    Full(T),
    /// Closed: the send gives `false`.
    Closed(T),
    /// Aborted: the send rejects with the abort reason.
    Aborted(T),
}

impl<T> fmt::Display for TrySendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TrySendError::Full(_) => "sending into a full channel",
            TrySendError::Closed(_) => "sending into a closed channel",
            TrySendError::Aborted(_) => "sending into an aborted channel",
        })
    }
}

/// Where a sent value went.
#[derive(Debug, PartialEq, Eq)]
pub enum Sent<R, T> {
    /// Straight to this waiting receiver, which must be woken with it.
    Handed(R, T),
    /// Into the buffer.
    Buffered,
}

/// Why nothing was received.
#[derive(Debug, PartialEq, Eq)]
pub enum TryRecvError {
    /// Nothing yet: wait.
    Empty,
    /// Closed (or aborted) and drained: the receive gives `undefined`.
    Closed,
}

impl fmt::Display for TryRecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TryRecvError::Empty => "receiving from an empty channel",
            TryRecvError::Closed => "receiving from a closed channel",
        })
    }
}

/// A received value, and the sender it unblocked (to be told `true`).
#[derive(Debug, PartialEq, Eq)]
pub struct Received<T, S> {
    pub value: T,
    pub unblocked: Option<S>,
}

/// Waiters handed back by `close` or `abort`, to be woken outside borrows.
#[derive(Debug, PartialEq, Eq)]
pub struct Woken<S, R> {
    pub senders: Vec<S>,
    pub receivers: Vec<R>,
}

pub struct Channel<T, S, R> {
    /// Up to 2^32 in JS, so wider than wasm32's `usize`.
    cap: u64,
    buffer: VecDeque<T>,
    senders: WaitQueue<(T, S)>,
    receivers: WaitQueue<R>,
    closed: bool,
    aborted: bool,
}

impl<T, S, R> Channel<T, S, R> {
    pub fn new(cap: u64) -> Self {
        Channel {
            cap,
            buffer: VecDeque::new(),
            senders: WaitQueue::new(),
            receivers: WaitQueue::new(),
            closed: false,
            aborted: false,
        }
    }

    pub fn cap(&self) -> u64 {
        self.cap
    }

    /// Buffered values.
    pub fn size(&self) -> usize {
        self.buffer.len()
    }

    pub fn is_closed(&self) -> bool {
        self.closed
    }

    pub fn is_aborted(&self) -> bool {
        self.aborted
    }

    pub fn waiting_senders(&self) -> usize {
        self.senders.len()
    }

    pub fn waiting_receivers(&self) -> usize {
        self.receivers.len()
    }

    /// Sends without waiting (invariants #1, #2).
    pub fn try_send(&mut self, value: T) -> Result<Sent<R, T>, TrySendError<T>> {
        if self.aborted {
            return Err(TrySendError::Aborted(value));
        }
        if self.closed {
            return Err(TrySendError::Closed(value));
        }
        if let Some(r) = self.receivers.pop_front() {
            return Ok(Sent::Handed(r, value));
        }
        if (self.buffer.len() as u64) < self.cap {
            self.buffer.push_back(value);
            return Ok(Sent::Buffered);
        }
        Err(TrySendError::Full(value))
    }

    /// Queues a sender whose `try_send` gave `Full`.
    pub fn wait_send(&mut self, value: T, sender: S) -> WaitKey {
        self.senders.push_back((value, sender))
    }

    /// Receives without waiting (invariants #2, #3).
    pub fn try_recv(&mut self) -> Result<Received<T, S>, TryRecvError> {
        if let Some(value) = self.buffer.pop_front() {
            let unblocked = self.senders.pop_front().map(|(v, s)| {
                self.buffer.push_back(v);
                s
            });
            return Ok(Received { value, unblocked });
        }
        if let Some((value, s)) = self.senders.pop_front() {
            return Ok(Received {
                value,
                unblocked: Some(s),
            });
        }
        if self.closed || self.aborted {
            return Err(TryRecvError::Closed);
        }
        Err(TryRecvError::Empty)
    }

    /// Queues a receiver whose `try_recv` gave `Empty`.
    pub fn wait_recv(&mut self, receiver: R) -> WaitKey {
        self.receivers.push_back(receiver)
    }

    /// Removes a waiting sender (its value comes back with it).
    pub fn cancel_send(&mut self, key: WaitKey) -> Option<(T, S)> {
        self.senders.remove(key)
    }

    /// Removes a waiting receiver.
    pub fn cancel_recv(&mut self, key: WaitKey) -> Option<R> {
        self.receivers.remove(key)
    }

    /// Closes: buffered values stay receivable; waiting senders are handed
    /// back (their sends give `false`), and so are waiting receivers (there
    /// is nothing left for them: invariant #1). Idempotent.
    pub fn close(&mut self) -> Woken<S, R> {
        self.closed = true;
        Woken {
            senders: self.senders.drain().into_iter().map(|(_, s)| s).collect(),
            receivers: self.receivers.drain(),
        }
    }

    /// Aborts: closes, drops the buffer, hands every waiter back
    /// (invariant #4). Idempotent.
    pub fn abort(&mut self) -> Woken<S, R> {
        self.aborted = true;
        self.buffer.clear();
        self.close()
    }
}

#[cfg(test)]
#[path = "channel_tests.rs"]
mod tests;

#[cfg(all(test, not(target_arch = "wasm32")))]
#[path = "channel_props.rs"]
mod props;
