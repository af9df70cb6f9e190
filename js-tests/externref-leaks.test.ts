// No feature leaves JS values behind on the wasm side. An Error kept by
// Rust (a root of the externref table) must not hold its creation frames'
// receivers, or the object that keeps it (a channel, a semaphore) can never
// be collected: the disposal and timeout errors are made with their stacks
// formatted at once.
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { expect, test } from "vitest";

test("every feature, run 200 times, leaves the externref table as it found it", () => {
  const pkg = join(__dirname, "node_modules", "go-go-scope-wasm", "index.cjs");
  const out = execFileSync("node", ["--expose-gc", join(__dirname, "fixtures", "externref-leaks.mjs"), pkg], { encoding: "utf8", timeout: 60_000 });
  const deltas = JSON.parse(out.trim().split("\n").pop() as string) as Record<string, number>;
  expect(Object.keys(deltas).length).toBeGreaterThan(15);
  for (const [feature, delta] of Object.entries(deltas)) expect({ feature, delta }).toEqual({ feature, delta: 0 });
}, 90_000);
