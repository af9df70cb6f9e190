// The public surface of go-go-scope-wasm: go-go-scope 1.0's exports.
import "./timer";
import "./signal";
export { Scope, scope } from "./scope";
export { Task } from "./task";
export { SpanStatusCode } from "./telemetry";
