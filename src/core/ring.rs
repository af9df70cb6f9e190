//! A FIFO of `u32`s in a ring whose capacity is a power of two: the
//! channel's queues of slots (`machine/channel.rs`). The subset of
//! `VecDeque<u32>`'s methods those queues use, with the hot ones (push at
//! the back, pop at the front) inlined into their callers as a mask and a
//! store: a channel's send and receive are one such push and one such pop,
//! and `VecDeque`'s general versions, called out of line, were a fifth of
//! the time a message spent in wasm.
//!
//! # Invariants
//!
//! 1. `buf.len()` is the capacity: 0 or a power of two. The items are
//!    `buf[(head + i) & (cap - 1)]` for `i < len`, oldest first.
//! 2. Only [`Ring::reserve`] (and a push into a full ring, which calls it)
//!    allocates (a capacity beyond `usize` is refused, and that push
//!    changes nothing); pushes below the capacity and pops never do, so the
//!    channel can check [`Ring::len`] against [`Ring::capacity`] before a
//!    change and keep its hot path free of allocation.

#[cfg(all(target_arch = "wasm32", feature = "tiny"))]
#[allow(unused_imports)]
use crate::prelude::*;

use alloc::vec::Vec;

/// A ring of `u32`s (invariant #1).
#[derive(Debug, Default)]
pub struct Ring {
    buf: Vec<u32>,
    head: usize,
    len: usize,
}

impl Ring {
    pub const fn new() -> Self {
        Ring {
            buf: Vec::new(),
            head: 0,
            len: 0,
        }
    }

    #[inline(always)]
    pub fn len(&self) -> usize {
        self.len
    }

    #[inline(always)]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Items it holds before a push allocates.
    #[inline(always)]
    pub fn capacity(&self) -> usize {
        self.buf.len()
    }

    #[cfg_attr(feature = "tiny", inline(never))]
    pub fn push_back(&mut self, v: u32) {
        self.push_back_inline(v)
    }

    /// [`Ring::push_back`] inlined, for the channel's send and receive.
    #[inline(always)]
    pub fn push_back_inline(&mut self, v: u32) {
        if self.len == self.buf.len() && !self.grow() {
            return;
        }
        let i = (self.head + self.len) & (self.buf.len().wrapping_sub(1));
        if let Some(x) = self.buf.get_mut(i) {
            *x = v;
            self.len += 1;
        }
    }

    pub fn push_front(&mut self, v: u32) {
        if self.len == self.buf.len() && !self.grow() {
            return;
        }
        let i = self.head.wrapping_sub(1) & (self.buf.len().wrapping_sub(1));
        if let Some(x) = self.buf.get_mut(i) {
            *x = v;
            self.head = i;
            self.len += 1;
        }
    }

    #[cfg_attr(feature = "tiny", inline(never))]
    pub fn pop_front(&mut self) -> Option<u32> {
        self.pop_front_inline()
    }

    /// [`Ring::pop_front`] inlined, for the channel's send and receive.
    #[inline(always)]
    pub fn pop_front_inline(&mut self) -> Option<u32> {
        if self.len == 0 {
            return None;
        }
        let v = *self.buf.get(self.head)?;
        self.head = (self.head + 1) & (self.buf.len() - 1);
        self.len -= 1;
        Some(v)
    }

    /// A push into a full ring: doubles it; `false` if it could not grow
    /// (the push then changes nothing, so the ring stays consistent).
    #[inline(never)]
    fn grow(&mut self) -> bool {
        self.reserve(self.len.max(4));
        self.len < self.buf.len()
    }

    /// The items, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = &u32> + '_ {
        let mask = self.buf.len().wrapping_sub(1);
        (0..self.len).filter_map(move |i| self.buf.get((self.head + i) & mask))
    }

    /// The position of the oldest item `f` accepts.
    pub fn position(&self, f: impl Fn(u32) -> bool) -> Option<usize> {
        self.iter().position(|&v| f(v))
    }

    /// Takes out the item at position `i` (0: the oldest); the others keep
    /// their order.
    pub fn remove(&mut self, i: usize) -> Option<u32> {
        if i >= self.len {
            return None;
        }
        let mask = self.buf.len() - 1;
        let v = *self.buf.get((self.head + i) & mask)?;
        for j in i..self.len - 1 {
            let next = *self.buf.get((self.head + j + 1) & mask)?;
            *self.buf.get_mut((self.head + j) & mask)? = next;
        }
        self.len -= 1;
        Some(v)
    }

    /// Makes room for at least `additional` more items (invariant #2): the
    /// capacity becomes the next power of two, the items laid out from 0.
    #[inline(never)]
    pub fn reserve(&mut self, additional: usize) {
        let want = self.len.saturating_add(additional);
        if want <= self.buf.len() {
            return;
        }
        let Some(cap) = want.checked_next_power_of_two() else {
            return; // (beyond any memory: a push then finds no room)
        };
        let mut buf = alloc::vec![0; cap];
        let len = self.len;
        for x in buf.iter_mut().take(len) {
            *x = self.pop_front().unwrap_or(0);
        }
        self.buf = buf;
        self.head = 0;
        self.len = len;
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::VecDeque;

    #[derive(Debug, Clone)]
    enum Op {
        Back(u32),
        Front(u32),
        Pop,
        Reserve(u8),
        Remove(u8),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            4 => any::<u32>().prop_map(Op::Back),
            1 => any::<u32>().prop_map(Op::Front),
            4 => Just(Op::Pop),
            1 => any::<u8>().prop_map(Op::Reserve),
            1 => any::<u8>().prop_map(Op::Remove),
        ]
    }

    proptest! {
        #![proptest_config(crate::core::prop_config())]

        /// The ring is a `VecDeque` for every sequence of its operations,
        /// and its capacity stays a power of two at least its length.
        #[test]
        fn behaves_as_a_vecdeque(ops in proptest::collection::vec(op(), 0..300)) {
            let mut r = Ring::new();
            let mut m = VecDeque::new();
            for o in ops {
                match o {
                    Op::Back(v) => { r.push_back(v); m.push_back(v); }
                    Op::Front(v) => { r.push_front(v); m.push_front(v); }
                    Op::Pop => prop_assert_eq!(r.pop_front(), m.pop_front()),
                    Op::Reserve(n) => {
                        r.reserve(usize::from(n));
                        prop_assert!(r.capacity() >= r.len() + usize::from(n));
                    }
                    Op::Remove(i) => {
                        let i = usize::from(i) % (m.len() + 1);
                        prop_assert_eq!(r.remove(i), m.remove(i));
                    }
                }
                prop_assert_eq!(r.len(), m.len());
                prop_assert_eq!(r.is_empty(), m.is_empty());
                prop_assert!(r.capacity() == 0 || r.capacity().is_power_of_two());
                prop_assert!(r.capacity() >= r.len());
                prop_assert!(r.iter().copied().eq(m.iter().copied()));
            }
            let mut rest = Vec::new();
            while let Some(v) = r.pop_front() {
                rest.push(v);
            }
            prop_assert_eq!(rest, m.into_iter().collect::<Vec<_>>());
        }
    }

    #[test]
    fn pushes_below_capacity_do_not_allocate() {
        let mut r = Ring::new();
        r.reserve(5);
        assert_eq!(r.capacity(), 8);
        let p = r.buf.as_ptr();
        for i in 0..8 {
            r.push_back(i);
        }
        assert_eq!(r.buf.as_ptr(), p);
        assert_eq!(r.pop_front(), Some(0));
        r.push_front(9);
        assert_eq!(r.buf.as_ptr(), p);
        assert_eq!(r.len(), 8);
    }
}
