// Machine state is released at settle and dispose, without .free() and
// without waiting for a FinalizationRegistry (which never runs in a tight
// await loop); freed slots are reused, so wasm memory does not grow.
import { expect, test } from "vitest";
import { scope } from "go-go-scope-wasm";
import { expectNothingLive, liveCounts, wasmMemoryBytes } from "./live";

test("scope → task → dispose cycles leave no live state and do not grow wasm memory", async () => {
  const cycle = async () => {
    const s = scope();
    await s.task(async ({ signal }) => signal.aborted);
    await s[Symbol.asyncDispose]();
  };
  for (let i = 0; i < 2_000; i++) await cycle();
  const before = wasmMemoryBytes();
  for (let i = 0; i < 50_000; i++) await cycle();
  expectNothingLive();
  expect(wasmMemoryBytes() - before).toBe(0);
});

test("a long-lived scope keeps constant state per finished task", async () => {
  await using s = scope();
  for (let i = 0; i < 10_000; i++) await s.task(async () => i);
  const { scopes, tasks, nodes } = liveCounts();
  expect(scopes).toBe(1);
  expect(tasks).toBe(0);
  expect(nodes).toBeLessThanOrEqual(scopes + 2);
});

test("timeouts, user signals and child scopes are all released", async () => {
  const ac = new AbortController();
  for (let i = 0; i < 500; i++) {
    const parent = scope({ signal: ac.signal, timeout: 10_000 });
    const child = scope({ parent });
    child.task(async () => 1, { timeout: 1000 });
    await child[Symbol.asyncDispose]();
    await parent[Symbol.asyncDispose]();
  }
  expectNothingLive();
});

test("20,000 live scopes, disposed: the next 20,000 reuse their memory", async () => {
  const open = (n: number) => Array.from({ length: n }, () => scope());
  const close = (ss: ReturnType<typeof scope>[]) => Promise.all(ss.map((s) => s[Symbol.asyncDispose]()));
  await close(open(20_000)); // the high-water mark
  expectNothingLive();
  const before = wasmMemoryBytes();
  for (let round = 0; round < 3; round++) {
    const ss = open(20_000);
    expect(liveCounts().scopes).toBe(20_000);
    await close(ss);
  }
  expectNothingLive();
  expect(wasmMemoryBytes()).toBe(before);
});
