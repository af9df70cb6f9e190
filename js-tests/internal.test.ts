// The test hooks live in the `go-go-scope-wasm/internal` subpath only: the
// public entry (import and require) exports 1.0's names and no hook.
import { createRequire } from "node:module";
import { expect, test } from "vitest";
import * as m from "go-go-scope-wasm";
import * as internal from "go-go-scope-wasm/internal";

const HOOKS = [
  "__liveCounts",
  "__wasmMemoryBytes",
  "__externrefLive",
  "__livePollStreamCounts",
  "liveCounts",
  "wasmMemoryBytes",
  "setProbeDepth",
  "internal",
];

test("the public entry does not export the test hooks", () => {
  const cjs = createRequire(import.meta.url)("go-go-scope-wasm") as Record<string, unknown>;
  for (const entry of [m as Record<string, unknown>, cjs]) {
    for (const h of HOOKS) expect(entry[h], h).toBeUndefined();
    expect(Object.keys(entry).filter((k) => k.startsWith("_"))).toEqual([]);
  }
  expect("scope" in m && typeof m.scope).toBe("function");
});

test("the internal subpath gives live counts, wasm memory and the probe depth, on the same instance", async () => {
  expect(Object.keys(internal).sort()).toEqual(["keptEffects", "liveCounts", "setProbeDepth", "stackPointer", "wasmMemoryBytes"]);
  const before = internal.liveCounts() as Record<string, number>;
  for (const [k, v] of Object.entries(before)) expect({ k, v: typeof v }).toEqual({ k, v: "number" });
  expect(internal.wasmMemoryBytes()).toBeGreaterThan(0);
  expect(internal.wasmMemoryBytes() % 65536).toBe(0);
  const s = m.scope();
  expect(internal.liveCounts().scopes).toBe(before.scopes + 1);
  await s[Symbol.asyncDispose]();
  expect(internal.liveCounts()).toEqual(before);
  const cjs = createRequire(import.meta.url)("go-go-scope-wasm/internal") as typeof internal;
  expect(cjs.liveCounts).toBe(internal.liveCounts);
});
