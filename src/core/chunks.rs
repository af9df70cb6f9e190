//! A growable array stored in fixed-size chunks: pushing never moves or
//! copies what is stored, and the memory it takes is its high-water mark
//! rounded up to one chunk. A plain `Vec` doubles instead, and the buffers
//! it leaves behind while growing are never given back to wasm (its memory
//! cannot shrink), so a table of 200,000 records would cost about twice
//! their size.
//!
//! # Invariants
//!
//! 1. Every chunk but the last holds exactly [`Chunks::PER`] items; element
//!    `i` is item `i % PER` of chunk `i / PER`.

#[cfg(all(target_arch = "wasm32", feature = "tiny"))]
#[allow(unused_imports)]
use crate::prelude::*;

/// Bytes per chunk (a size class of the wasm allocator).
const CHUNK_BYTES: usize = 16_384;

/// An append-only array in chunks (invariant #1).
pub struct Chunks<T> {
    chunks: Vec<Vec<T>>,
    len: usize,
}

impl<T> Default for Chunks<T> {
    fn default() -> Self {
        Chunks::new()
    }
}

impl<T> Chunks<T> {
    /// Items per chunk.
    pub const PER: usize = {
        let per = match CHUNK_BYTES.checked_div(core::mem::size_of::<T>()) {
            Some(n) => n,
            None => CHUNK_BYTES,
        };
        // A power of two: an element is found by a shift and a mask (the
        // allocator gives a chunk exactly its size, so nothing is wasted).
        if per == 0 {
            1
        } else {
            1 << (usize::BITS - 1 - per.leading_zeros())
        }
    };

    pub const fn new() -> Self {
        Chunks {
            chunks: Vec::new(),
            len: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn push(&mut self, item: T) {
        if self.len.is_multiple_of(Self::PER) {
            self.chunks.push(Vec::with_capacity(Self::PER));
        }
        if let Some(last) = self.chunks.last_mut() {
            last.push(item);
            self.len += 1;
        }
    }

    #[cfg_attr(feature = "tiny", inline(never))]
    pub fn get(&self, i: usize) -> Option<&T> {
        self.get_inline(i)
    }

    /// [`Chunks::get`] inlined, for [`Slab`](crate::machine::slab::Slab)'s
    /// lookups (one call per lookup, not two).
    #[inline(always)]
    pub fn get_inline(&self, i: usize) -> Option<&T> {
        self.chunks.get(i / Self::PER)?.get(i % Self::PER)
    }

    #[cfg_attr(feature = "tiny", inline(never))]
    pub fn get_mut(&mut self, i: usize) -> Option<&mut T> {
        self.get_mut_inline(i)
    }

    /// [`Chunks::get_mut`] inlined, for the hottest commands only (a
    /// channel's send and receive: one call each from JS).
    #[inline(always)]
    pub fn get_mut_inline(&mut self, i: usize) -> Option<&mut T> {
        self.chunks.get_mut(i / Self::PER)?.get_mut(i % Self::PER)
    }
}

/// The items, in order, by value (the Rust face's listener slots when
/// their controller aborts).
impl<T> IntoIterator for Chunks<T> {
    type Item = T;
    type IntoIter = core::iter::Flatten<alloc::vec::IntoIter<Vec<T>>>;

    fn into_iter(self) -> Self::IntoIter {
        self.chunks.into_iter().flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_stay_where_they_were_pushed_across_chunks() {
        let mut c = Chunks::new();
        let n = Chunks::<u64>::PER * 2 + 3;
        for i in 0..n {
            c.push(i as u64);
        }
        assert_eq!(c.len(), n);
        for i in 0..n {
            assert_eq!(c.get(i), Some(&(i as u64)));
        }
        assert_eq!(c.get(n), None);
        if let Some(x) = c.get_mut(Chunks::<u64>::PER) {
            *x = 7;
        }
        assert_eq!(c.get(Chunks::<u64>::PER), Some(&7));
    }
}
