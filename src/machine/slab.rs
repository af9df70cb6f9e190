//! A table of records with O(1) insert, lookup and removal, whose keys carry
//! a generation so that a key kept by JS after its record ended names
//! nothing rather than the record that reused the slot.
//!
//! # Invariants
//!
//! 1. A [`Key`] names one record for that record's life only: removing a
//!    record bumps its slot's generation, so a stale key misses.
//! 2. Vacant slots are on the free list exactly once and hold no value; they
//!    are reused before the table grows (wasm memory never shrinks, so the
//!    table's high-water mark is what it costs).
//! 3. A key crosses to JS as one `f64`: `index + generation * 2^32`, exact
//!    because generations wrap below 2^20.

#[cfg(all(target_arch = "wasm32", feature = "tiny"))]
#[allow(unused_imports)]
use crate::prelude::*;

use crate::core::chunks::Chunks;

/// Names one record of a [`Slab`] (invariant #1).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct Key {
    pub index: u32,
    pub generation: u32,
}

const GENERATIONS: u32 = 1 << 20;

impl Key {
    /// The number JS holds (invariant #3).
    pub fn to_f64(self) -> f64 {
        ((u64::from(self.generation) << 32) | u64::from(self.index)) as f64
    }

    /// The key a number from JS names; `None` for anything no key encodes
    /// (negative, fractional, NaN, too large).
    pub fn from_f64(v: f64) -> Option<Key> {
        // `as` saturates (NaN → 0); the round trip rejects anything that
        // was not a whole number in range.
        let bits = v as u64;
        if bits as f64 != v || bits >> 32 >= u64::from(GENERATIONS) {
            return None;
        }
        Some(Key {
            index: bits as u32,
            generation: (bits >> 32) as u32,
        })
    }
}

struct Slot<T> {
    generation: u32,
    value: Option<T>,
}

/// Records keyed by generational [`Key`]s.
pub struct Slab<T> {
    slots: Chunks<Slot<T>>,
    free: Vec<u32>,
    len: usize,
}

impl<T> Default for Slab<T> {
    fn default() -> Self {
        Slab {
            slots: Chunks::new(),
            free: Vec::new(),
            len: 0,
        }
    }
}

impl<T> Slab<T> {
    /// Live records: what a leak check looks at.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Slots ever made (live or free): the table's high-water mark.
    pub fn capacity(&self) -> usize {
        self.slots.len()
    }

    /// Stores `value`, reusing a free slot first (invariant #2).
    pub fn insert(&mut self, value: T) -> Key {
        self.len += 1;
        if let Some(index) = self.free.pop() {
            if let Some(slot) = self.slots.get_mut(index as usize) {
                slot.value = Some(value);
                return Key {
                    index,
                    generation: slot.generation,
                };
            }
        }
        let index = self.slots.len() as u32;
        self.slots.push(Slot {
            generation: 0,
            value: Some(value),
        });
        Key {
            index,
            generation: 0,
        }
    }

    #[cfg_attr(feature = "tiny", inline(never))]
    pub fn get(&self, key: Key) -> Option<&T> {
        match self.slots.get_inline(key.index as usize) {
            Some(s) if s.generation == key.generation => s.value.as_ref(),
            _ => None,
        }
    }

    #[cfg_attr(feature = "tiny", inline(never))]
    pub fn get_mut(&mut self, key: Key) -> Option<&mut T> {
        match self.slots.get_mut_inline(key.index as usize) {
            Some(s) if s.generation == key.generation => s.value.as_mut(),
            _ => None,
        }
    }

    /// [`Slab::get_mut`] inlined, for the hottest commands only (a
    /// channel's send and receive: one call each from JS, where the
    /// lookup's nested calls were a third of the time spent in wasm).
    #[inline(always)]
    pub fn get_mut_inline(&mut self, key: Key) -> Option<&mut T> {
        match self.slots.get_mut_inline(key.index as usize) {
            Some(s) if s.generation == key.generation => s.value.as_mut(),
            _ => None,
        }
    }

    pub fn contains(&self, key: Key) -> bool {
        self.get(key).is_some()
    }

    /// The live record in slot `i`, with its key (for `debugTree`'s
    /// walks over every slot, never on a hot path).
    pub fn at(&self, i: usize) -> Option<(Key, &T)> {
        let s = self.slots.get(i)?;
        let v = s.value.as_ref()?;
        Some((
            Key {
                index: i as u32,
                generation: s.generation,
            },
            v,
        ))
    }

    /// Removes the record; its key (and every copy of it) goes stale.
    pub fn remove(&mut self, key: Key) -> Option<T> {
        let slot = self.slots.get_mut(key.index as usize)?;
        if slot.generation != key.generation {
            return None;
        }
        let value = slot.value.take()?;
        slot.generation = (slot.generation + 1) % GENERATIONS;
        self.free.push(key.index);
        self.len -= 1;
        Some(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stale_key_misses_the_record_that_reused_its_slot() {
        let mut s = Slab::default();
        let a = s.insert(1);
        assert_eq!(s.remove(a), Some(1));
        let b = s.insert(2);
        assert_eq!(a.index, b.index, "the slot is reused");
        assert_eq!(s.get(a), None);
        assert_eq!(s.remove(a), None);
        assert_eq!(s.get(b), Some(&2));
        assert_eq!(s.capacity(), 1);
    }

    #[test]
    fn keys_round_trip_through_f64_and_junk_names_nothing() {
        let k = Key {
            index: 7,
            generation: 12345,
        };
        assert_eq!(Key::from_f64(k.to_f64()), Some(k));
        for junk in [-1.0, 0.5, f64::NAN, f64::INFINITY, 1e300] {
            assert_eq!(Key::from_f64(junk), None);
        }
    }
}
