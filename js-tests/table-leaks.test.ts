// No feature leaves anything behind in the machine's tables or the
// executor's: each feature, run 200 times with every scope disposed (in a
// fresh process of its own, after a warm-up), leaves liveCounts() all
// zero, whatever tables the machine counts, and wasm memory exactly as it
// was (freed slots are reused). This replaces the old externref-table
// check: no JS value enters wasm any more, so the tables to watch are the
// machine's.
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { expect, test } from "vitest";

const pkg = join(__dirname, "node_modules", "go-go-scope-wasm", "index.cjs");
const fixture = join(__dirname, "fixtures", "table-leaks.mjs");
const child = (...args: string[]) =>
  JSON.parse(execFileSync("node", ["--expose-gc", fixture, pkg, ...args], { encoding: "utf8", timeout: 30_000 }).trim().split("\n").pop() as string);
const features = child() as string[];

test("there is a case for every feature", () => {
  expect(features.length).toBeGreaterThan(20);
});

test.each(features)("%s, run 200 times, leaves every live table empty and wasm memory unchanged", (feature) => {
  expect(child(feature)).toEqual({ left: {}, growth: 0 });
}, 40_000);
