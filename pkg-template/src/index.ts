// The public surface of go-go-scope-wasm: go-go-scope 1.0's exports.
import "./timer";
import "./signal";
import "./debug-tree";
export { Scope, scope } from "./scope";
export { Task } from "./task";
export { race, parallel, AsyncDisposableResource } from "./group";
export { poll } from "./poll";
export { stream } from "./stream";
export { SpanStatusCode } from "./telemetry";
export { Channel, ChannelFullError } from "./channel";
export { select } from "./select";
export { Semaphore } from "./semaphore";
export { onAbort, whenAborted } from "./abort";
// Beyond 1.0: additions from go-go-scope 2.x.
export { exponentialBackoff, jitter, linear, decorrelatedJitter } from "./backoff";
export { TokenBucket } from "./token-bucket";
