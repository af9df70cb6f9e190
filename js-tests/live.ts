// The test hooks of the `go-go-scope-wasm/internal` subpath, and checks on
// them that hold whatever tables the machine counts (each primitive adds
// its own: scopes, tasks, nodes, links, reasons, timers, cleanups,
// channels, polls, ...): "nothing live" means every value is 0.
import { expect } from "vitest";
import { liveCounts, setProbeDepth, wasmMemoryBytes } from "go-go-scope-wasm/internal";

export { liveCounts, setProbeDepth, wasmMemoryBytes };

export type Counts = Record<string, number>;

/** `c` with every value 0 (what `liveCounts()` is once every scope is disposed). */
export function zeros(c: Counts = liveCounts()): Counts {
  return Object.fromEntries(Object.keys(c).map((k) => [k, 0]));
}

/** The sum of every live table. */
export function totalLive(): number {
  return Object.values(liveCounts() as Counts).reduce((a, b) => a + b, 0);
}

/** Every live table of the machine is empty. */
export function expectNothingLive(): void {
  const c = liveCounts() as Counts;
  expect(Object.keys(c).length).toBeGreaterThanOrEqual(7);
  expect(c).toEqual(zeros(c));
}
