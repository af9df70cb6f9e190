//! Streams (SPEC "stream").

use super::slab::Key;
use super::Machine;
use crate::core::cancel::NodeId;

/// The stream records of the machine.
#[derive(Default)]
pub struct Streams {}

impl Machine {
    /// The node owned by stream record `k` was cancelled.
    pub(crate) fn stream_cancelled(&mut self, _k: Key) {}

    /// The node of stream record `k`, if it has one.
    pub(crate) fn stream_node(&self, _k: Key) -> Option<NodeId> {
        None
    }
}
