//! OpenTelemetry span attributes and debug lines (SPEC "OpenTelemetry", "Debug output").

use super::Machine;

/// The telemetry records of the machine.
#[derive(Default)]
pub struct Telemetry {}

impl Machine {}
