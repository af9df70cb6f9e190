//! The services a scope provides (`provide`/`use`), by key.
//!
//! # Invariants
//!
//! 1. Keys are unique; providing a key again replaces its value in place, so
//!    the order of first registration is kept.
//! 2. A child scope starts with a *copy* of its parent's services: later
//!    additions on either side are not seen by the other.

#[cfg(target_arch = "wasm32")]
#[allow(unused_imports)]
use crate::prelude::*;

/// Insertion-ordered map from service key to value. Small (a scope has a
/// handful of services), so a vector beats hashing.
#[derive(Clone, Debug)]
pub struct Services<V> {
    entries: Vec<(String, V)>,
}

impl<V> Default for Services<V> {
    fn default() -> Self {
        Services {
            entries: Vec::new(),
        }
    }
}

impl<V> Services<V> {
    pub fn new() -> Self {
        Self::default()
    }

    /// The service under `key`, if any.
    pub fn get(&self, key: &str) -> Option<&V> {
        self.entries.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// Stores `value` under `key`, replacing an earlier one (invariant #1).
    pub fn insert(&mut self, key: String, value: V) {
        match self.entries.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => self.entries.push((key, value)),
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &V)> {
        self.entries.iter().map(|(k, v)| (k.as_str(), v))
    }
}

#[cfg(test)]
#[path = "services_tests.rs"]
mod tests;
