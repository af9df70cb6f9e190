// Rust state is released at settle and dispose, without .free() and without
// waiting for a FinalizationRegistry (which never runs in a tight await loop).
import { expect, test } from "vitest";
import { __liveCounts, __wasmMemoryBytes, scope } from "go-go-scope-wasm";

const live = () => Array.from(__liveCounts() as ArrayLike<number>);

test("scope → task → dispose cycles leave no live Rust state and do not grow wasm memory", async () => {
  const cycle = async () => {
    const s = scope();
    await s.task(async ({ signal }) => signal.aborted);
    await s[Symbol.asyncDispose]();
  };
  for (let i = 0; i < 2_000; i++) await cycle();
  const before = __wasmMemoryBytes();
  for (let i = 0; i < 50_000; i++) await cycle();
  expect(live()).toEqual([0, 0, 0, 0]);
  expect(__wasmMemoryBytes() - before).toBeLessThanOrEqual(64 * 1024);
});

test("a long-lived scope keeps constant state per finished task", async () => {
  await using s = scope();
  for (let i = 0; i < 10_000; i++) await s.task(async () => i);
  const [scopes, tasks, tokens] = live();
  expect(scopes).toBeGreaterThanOrEqual(1);
  expect(tasks).toBe(0);
  expect(tokens).toBeLessThanOrEqual(scopes + 2);
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
  expect(live()).toEqual([0, 0, 0, 0]);
});
