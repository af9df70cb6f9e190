//! Polls (SPEC "poll").

use super::slab::Key;
use super::Machine;
use crate::core::cancel::NodeId;

/// The poll records of the machine.
#[derive(Default)]
pub struct Polls {}

impl Machine {
    /// The node owned by poll record `k` was cancelled.
    pub(crate) fn poll_cancelled(&mut self, _k: Key) {}

    /// Timer event: the poll's next call is due.
    pub(crate) fn poll_timer(&mut self, _k: Key, _serial: u32, _now: f64) {}

    /// The node of poll record `k`, if it has one.
    pub(crate) fn poll_node(&self, _k: Key) -> Option<NodeId> {
        None
    }
}
