// Test hooks of go-go-scope-wasm: not part of the public API.
/** Sizes of the machine's live tables (all 0 once every scope was disposed). */
export function liveCounts(): {
  scopes: number;
  tasks: number;
  nodes: number;
  links: number;
  reasons: number;
  timers: number;
  cleanups: number;
  /** Races and parallels not over yet. */
  groups: number;
  polls: number;
  streams: number;
  channels: number;
  channelSlots: number;
  semaphores: number;
  semaphoreSlots: number;
  sleeps: number;
  buckets: number;
  bucketWaiters: number;
  limiters: number;
  /** `select`s not over. */
  selects: number;
};
/** Bytes of WebAssembly memory. */
export function wasmMemoryBytes(): number;
/** How deep the stack guard probes (tests of the guard itself). */
export function setProbeDepth(wasm: number, js?: number): void;
/** `[current, at rest]` wasm stack pointer: equal whenever no call is in progress. */
export function stackPointer(): [number, number];
/** Effects kept for later after a stack overflow interrupted their handler (0 once they ran). */
export function keptEffects(): number;
