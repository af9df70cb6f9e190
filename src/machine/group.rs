//! race and parallel (SPEC "race", "parallel") and AsyncDisposableResource.

use super::slab::Key;
use super::Machine;
use crate::core::cancel::NodeId;

/// The group records of the machine.
#[derive(Default)]
pub struct Groups {}

impl Machine {
    /// The node owned by group record `k` was cancelled.
    pub(crate) fn group_cancelled(&mut self, _k: Key) {}

    /// The node of group record `k`, if it has one.
    pub(crate) fn group_node(&self, _k: Key) -> Option<NodeId> {
        None
    }
}
