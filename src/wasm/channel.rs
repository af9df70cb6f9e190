//! Exports of the channel primitive (see `machine/channel.rs`).
