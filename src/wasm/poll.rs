//! Exports of the poll primitive (see `machine/poll.rs`).
