//! Exports of the group primitive (see `machine/group.rs`).
