//! Semaphores (SPEC "Semaphore").

use super::slab::Key;
use super::Machine;
use crate::core::cancel::NodeId;

/// The semaphore records of the machine.
#[derive(Default)]
pub struct Semaphores {}

impl Machine {
    /// The node owned by semaphore record `k` was cancelled.
    pub(crate) fn semaphore_cancelled(&mut self, _k: Key) {}

    /// The node of semaphore record `k`, if it has one.
    pub(crate) fn semaphore_node(&self, _k: Key) -> Option<NodeId> {
        None
    }
}
