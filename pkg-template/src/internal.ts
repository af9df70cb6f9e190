// Test hooks (live table sizes, wasm memory), reachable only through the
// `go-go-scope-wasm/internal` subpath: the public entry does not list them.
import { W, memoryBytes, keptEffects, setProbeDepth, stackPointer } from "./wasm";

const NAMES = ["scopes", "tasks", "nodes", "links", "reasons", "timers", "cleanups", "groups", "polls", "streams", "channels", "channelSlots", "semaphores", "semaphoreSlots", "sleeps", "buckets", "bucketWaiters", "limiters", "selects"] as const;

/** Sizes of the machine's live tables. */
export function liveCounts(): Record<(typeof NAMES)[number], number> {
  const out = {} as Record<(typeof NAMES)[number], number>;
  NAMES.forEach((n, i) => (out[n] = W.live(i)));
  return out;
}

export const internal = { liveCounts, wasmMemoryBytes: memoryBytes, setProbeDepth, stackPointer, keptEffects };
