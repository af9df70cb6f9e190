//! Exports of the semaphore primitive (see `machine/semaphore.rs`).
