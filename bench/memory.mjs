// Memory reclaim check (issue: "memory does not wait for the GC"):
// N scope → task → dispose cycles in a tight await loop, no .free().
// Prints WebAssembly memory and RSS growth; exits 1 if wasm memory grows by
// more than 2 MB. Usage: node --expose-gc bench/memory.mjs [cycles]
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const pkgDir = process.env.GGS_PKG || join(here, "..", "pkg");
const { scope } = require(join(pkgDir, "index.cjs"));
const { liveCounts, wasmMemoryBytes } = require(join(pkgDir, "internal.cjs"));

const cycles = Number(process.argv[2] ?? 1_000_000);
const gc = globalThis.gc ?? (() => {});
const mb = (b) => (b / 1024 / 1024).toFixed(2);

async function cycle() {
  const s = scope();
  const t = s.task(async () => 42);
  await t;
  await s[Symbol.asyncDispose]();
}

// Warm up, so lazily grown tables count as baseline.
for (let i = 0; i < 10_000; i++) await cycle();
gc();
const wasm0 = wasmMemoryBytes();
const rss0 = process.memoryUsage().rss;
const t0 = performance.now();
for (let i = 0; i < cycles; i++) await cycle();
const ms = performance.now() - t0;
gc();
await new Promise((r) => setTimeout(r, 50));
gc();
const wasm1 = wasmMemoryBytes();
const rss1 = process.memoryUsage().rss;
const live = liveCounts();
const nonZero = Object.entries(live).filter(([, n]) => n !== 0);
console.log(`cycles: ${cycles} in ${(ms / 1000).toFixed(1)} s (${((ms * 1000) / cycles).toFixed(2)} µs/cycle)`);
console.log(`wasm memory: ${mb(wasm0)} MB -> ${mb(wasm1)} MB (growth ${mb(wasm1 - wasm0)} MB)`);
console.log(`rss: ${mb(rss0)} MB -> ${mb(rss1)} MB (growth ${mb(rss1 - rss0)} MB)`);
console.log(`live tables after: ${Object.entries(live).map(([k, n]) => `${k} ${n}`).join(", ")}`);
const ok = wasm1 - wasm0 <= 2 * 1024 * 1024 && nonZero.length === 0;
console.log(ok ? "memory: OK" : "memory: FAILED");
process.exit(ok ? 0 : 1);
