//! The driver's tables: Rust things (futures' cells, timers, controllers,
//! closures) kept by the machine's keys, as the TypeScript executor keeps JS
//! things in its `Table`s.
//!
//! # Invariants
//!
//! 1. An entry is found by its whole key (index and generation). The
//!    machine may hand a slot out again before the driver applied the
//!    effect that releases the old key (an event reported inside an effect
//!    handler frees and reuses it at once), so a slot can hold two entries
//!    for a while: the newer one in place, the older one aside, until its
//!    release effect takes it. Neither is ever touched through the other's
//!    key.
//! 2. Taking an entry moves it out: whatever it owns is dropped by the
//!    caller, after the table's borrow ended (user `Drop`s may re-enter).
//! 3. Slots live in fixed-size chunks (the machine's `Chunks`): a table
//!    costs its high-water mark, not twice it as a doubling `Vec` would.

use crate::core::chunks::Chunks;
use crate::machine::slab::Key;

/// Entries by slot index, each with its full key (invariant #1).
pub(crate) struct Table<V> {
    slots: Chunks<Option<(Key, V)>>,
    /// Entries whose slot was reused before their release (invariant #1):
    /// few, and short-lived.
    aside: Vec<(Key, V)>,
    len: usize,
}

impl<V> Default for Table<V> {
    fn default() -> Self {
        Table {
            slots: Chunks::new(),
            aside: Vec::new(),
            len: 0,
        }
    }
}

impl<V> Table<V> {
    /// Stores `value` under `key`; gives back what `key` itself held.
    pub(crate) fn set(&mut self, key: Key, value: V) -> Option<V> {
        let i = key.index as usize;
        while self.slots.len() <= i {
            self.slots.push(None);
        }
        let Some(slot) = self.slots.get_mut(i) else {
            return Some(value);
        };
        match slot.replace((key, value)) {
            Some((k, old)) if k == key => Some(old),
            Some(other) => {
                self.aside.push(other);
                self.len += 1;
                None
            }
            None => {
                self.len += 1;
                None
            }
        }
    }

    pub(crate) fn get(&self, key: Key) -> Option<&V> {
        match self.slots.get(key.index as usize) {
            Some(Some((k, v))) if *k == key => Some(v),
            _ if self.aside.is_empty() => None,
            _ => self.aside.iter().find(|(k, _)| *k == key).map(|(_, v)| v),
        }
    }

    /// Removes the entry of `key` (invariant #2).
    pub(crate) fn take(&mut self, key: Key) -> Option<V> {
        if let Some(slot) = self.slots.get_mut(key.index as usize) {
            if matches!(slot, Some((k, _)) if *k == key) {
                self.len -= 1;
                return slot.take().map(|(_, v)| v);
            }
        }
        let at = self.aside.iter().position(|(k, _)| *k == key)?;
        self.len -= 1;
        Some(self.aside.swap_remove(at).1)
    }

    /// Live entries (the leak checks compare them with the machine's).
    pub(crate) fn len(&self) -> usize {
        self.len
    }
}

/// A key from an effect word (`None`: "none", -1, or junk).
pub(crate) fn key(v: f64) -> Option<Key> {
    Key::from_f64(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reused_slot_keeps_both_entries_apart() {
        let old = Key {
            index: 3,
            generation: 1,
        };
        let new = Key {
            index: 3,
            generation: 2,
        };
        let mut t = Table::default();
        assert_eq!(t.set(old, "old"), None);
        assert_eq!(t.set(new, "new"), None);
        assert_eq!(t.len(), 2);
        assert_eq!(t.get(old), Some(&"old"));
        assert_eq!(t.get(new), Some(&"new"));
        assert_eq!(t.take(old), Some("old"));
        assert_eq!(t.take(old), None);
        assert_eq!(t.get(new), Some(&"new"));
        assert_eq!(t.set(new, "newer"), Some("new"));
        assert_eq!(t.take(new), Some("newer"));
        assert_eq!(t.len(), 0);
    }
}
