//! Exports of the telemetry primitive (see `machine/telemetry.rs`).
