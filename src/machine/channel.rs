//! Channels (SPEC "Channel").

use super::slab::Key;
use super::Machine;
use crate::core::cancel::NodeId;

/// The channel records of the machine.
#[derive(Default)]
pub struct Channels {}

impl Machine {
    /// The node owned by channel record `k` was cancelled.
    pub(crate) fn channel_cancelled(&mut self, _k: Key) {}

    /// The channel's scope is disposing: close it and reject what waits.
    pub(crate) fn channel_dispose(&mut self, _k: Key) {}

    /// The node of channel record `k`, if it has one.
    pub(crate) fn channel_node(&self, _k: Key) -> Option<NodeId> {
        None
    }
}
