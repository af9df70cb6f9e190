// The public surface of go-go-scope-wasm: go-go-scope 1.0's exports.
import "./timer";
import "./signal";
export { Scope, scope } from "./scope";
export { Task } from "./task";
export { race, parallel, AsyncDisposableResource } from "./group";
export { poll } from "./poll";
export { stream } from "./stream";
export { SpanStatusCode } from "./telemetry";
export { Channel } from "./channel";
export { Semaphore } from "./semaphore";
// Beyond 1.0: additions from go-go-scope 2.x.
export { exponentialBackoff, jitter, linear, decorrelatedJitter } from "./backoff";
