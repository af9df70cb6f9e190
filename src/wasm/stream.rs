//! Exports of the stream primitive (see `machine/stream.rs`).
