//! A FIFO queue of waiters with O(1) push, pop and removal by key.
//!
//! Used for a semaphore's waiting tasks and a channel's waiting senders and
//! receivers. A waiter that stops waiting (its task timed out, its scope
//! aborted) is removed by the key it was given, without scanning.
//!
//! # Invariants
//!
//! 1. The occupied slots form one doubly linked list from `head` to `tail` in
//!    arrival order; vacant slots are on the free list and hold no value.
//! 2. A `WaitKey` names one waiter only while it waits: slots are reused with
//!    a new generation, so a stale key removes nothing (`remove` gives
//!    `None`).

#[cfg(all(target_arch = "wasm32", feature = "tiny"))]
#[allow(unused_imports)]
use crate::prelude::*;

/// Names a waiter in a [`WaitQueue`] while it waits.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct WaitKey {
    index: u32,
    generation: u32,
}

struct Slot<T> {
    generation: u32,
    value: Option<T>,
    prev: Option<u32>,
    next: Option<u32>,
}

/// FIFO of waiters (invariant #1).
pub struct WaitQueue<T> {
    slots: Vec<Slot<T>>,
    free: Vec<u32>,
    head: Option<u32>,
    tail: Option<u32>,
    len: usize,
}

impl<T> Default for WaitQueue<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> WaitQueue<T> {
    pub fn new() -> Self {
        WaitQueue {
            slots: Vec::new(),
            free: Vec::new(),
            head: None,
            tail: None,
            len: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Adds a waiter at the back.
    pub fn push_back(&mut self, value: T) -> WaitKey {
        let prev = self.tail;
        let index = match self.free.pop() {
            Some(i) => i,
            None => {
                self.slots.push(Slot {
                    generation: 0,
                    value: None,
                    prev: None,
                    next: None,
                });
                (self.slots.len() - 1) as u32
            }
        };
        let generation = match self.slots.get_mut(index as usize) {
            Some(slot) => {
                slot.value = Some(value);
                slot.prev = prev;
                slot.next = None;
                slot.generation
            }
            None => 0, // not reachable: the index was just pushed or freed
        };
        match prev.and_then(|p| self.slots.get_mut(p as usize)) {
            Some(p) => p.next = Some(index),
            None => self.head = Some(index),
        }
        self.tail = Some(index);
        self.len += 1;
        WaitKey { index, generation }
    }

    /// Takes the oldest waiter.
    pub fn pop_front(&mut self) -> Option<T> {
        let head = self.head?;
        let generation = self.slots.get(head as usize)?.generation;
        self.remove(WaitKey {
            index: head,
            generation,
        })
    }

    /// The oldest waiter, without taking it.
    pub fn front(&self) -> Option<&T> {
        self.slots.get(self.head? as usize)?.value.as_ref()
    }

    /// Removes the waiter named by `key`, if it still waits (invariant #2).
    pub fn remove(&mut self, key: WaitKey) -> Option<T> {
        let slot = self.slots.get_mut(key.index as usize)?;
        if slot.generation != key.generation {
            return None;
        }
        let value = slot.value.take()?;
        let (prev, next) = (slot.prev.take(), slot.next.take());
        slot.generation = slot.generation.wrapping_add(1);
        match prev.and_then(|p| self.slots.get_mut(p as usize)) {
            Some(p) => p.next = next,
            None => self.head = next,
        }
        match next.and_then(|n| self.slots.get_mut(n as usize)) {
            Some(n) => n.prev = prev,
            None => self.tail = prev,
        }
        self.free.push(key.index);
        self.len -= 1;
        Some(value)
    }

    /// Takes every waiter, oldest first.
    pub fn drain(&mut self) -> Vec<T> {
        let mut out = Vec::with_capacity(self.len);
        while let Some(v) = self.pop_front() {
            out.push(v);
        }
        out
    }
}

#[cfg(test)]
#[path = "waitqueue_tests.rs"]
mod tests;

#[cfg(all(test, not(target_arch = "wasm32")))]
#[path = "waitqueue_props.rs"]
mod props;
