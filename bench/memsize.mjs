// Workloads 5 and 6: memory and size.
import { readFileSync, readdirSync, existsSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { settle } from "./baselines/vanilla.mjs";

const gc = globalThis.gc ?? (() => {});
const settleGc = async () => {
  gc();
  await new Promise((r) => setTimeout(r, 20));
  gc();
};

/** WebAssembly memory and RSS growth over `cycles` scope/task cycles, no .free(). */
export async function cycleGrowth(lib, cycles) {
  const { scope, __wasmMemoryBytes, __liveCounts } = lib;
  const one = () => Promise.resolve(42);
  const cycle = async () => {
    const s = scope();
    const t = s.task(one);
    await t;
    await s[Symbol.asyncDispose]();
  };
  for (let i = 0; i < 10_000; i++) await cycle(); // lazily grown tables count as baseline
  await settleGc();
  const wasm0 = __wasmMemoryBytes();
  const rss0 = process.memoryUsage().rss;
  const t0 = performance.now();
  for (let i = 0; i < cycles; i++) await cycle();
  const ms = performance.now() - t0;
  await settleGc();
  return {
    cycles,
    usPerCycle: (ms * 1000) / cycles,
    wasmBefore: wasm0,
    wasmGrowth: __wasmMemoryBytes() - wasm0,
    rssGrowth: process.memoryUsage().rss - rss0,
    live: Array.from(__liveCounts()),
  };
}

/**
 * Bytes per pending task: `n` tasks in one scope all waiting on one shared
 * promise (so the user's own promise is not counted), measured as WebAssembly
 * memory growth plus JS heap growth after a full GC. The vanilla figure (one
 * pending settle() per task, one AbortController) is given for context.
 */
export async function pendingBytes(lib, n) {
  const { scope, __wasmMemoryBytes } = lib;
  let open;
  const gate = new Promise((r) => (open = r));
  const waiter = () => gate;

  await settleGc();
  const wasm0 = __wasmMemoryBytes();
  const heap0 = process.memoryUsage().heapUsed;
  const s = scope();
  const tasks = new Array(n);
  for (let i = 0; i < n; i++) tasks[i] = s.task(waiter);
  await settleGc();
  const wasmGrowth = __wasmMemoryBytes() - wasm0;
  const heapGrowth = process.memoryUsage().heapUsed - heap0;
  open(1);
  await Promise.all(tasks);
  await s[Symbol.asyncDispose]();
  tasks.fill(undefined);

  // Vanilla, for context.
  let openV;
  const gateV = new Promise((r) => (openV = r));
  await settleGc();
  const vheap0 = process.memoryUsage().heapUsed;
  const ac = new AbortController();
  const runs = new Array(n);
  for (let i = 0; i < n; i++) runs[i] = settle(() => gateV, ac.signal);
  await settleGc();
  const vheapGrowth = process.memoryUsage().heapUsed - vheap0;
  openV(1);
  await Promise.all(runs);
  ac.abort(new Error("scope disposed"));

  return {
    n,
    wasmPerTask: wasmGrowth / n,
    heapPerTask: heapGrowth / n,
    totalPerTask: (wasmGrowth + heapGrowth) / n,
    vanillaPerTask: vheapGrowth / n,
  };
}

/** Raw and gzipped sizes of what each entry point loads. */
export function sizes(pkgDir) {
  const file = (f) => {
    const b = readFileSync(join(pkgDir, f));
    return { file: f, raw: b.length, gz: gzipSync(b, { level: 9 }).length };
  };
  const snippets = [];
  const walk = (d) => {
    if (!existsSync(join(pkgDir, d))) return;
    for (const e of readdirSync(join(pkgDir, d), { withFileTypes: true })) {
      const p = `${d}/${e.name}`;
      if (e.isDirectory()) walk(p);
      else if (p.endsWith(".js")) snippets.push(p);
    }
  };
  walk("snippets");
  const sum = (files) => files.reduce((a, f) => ({ raw: a.raw + f.raw, gz: a.gz + f.gz }), { raw: 0, gz: 0 });
  const wasm = file("go_go_scope_wasm_bg.wasm");
  // browser.js is one bundle (glue, shim and `debug`): it imports nothing
  // else from the package; older layouts imported the pieces.
  const bundled = !/from\s*["']\.\/(shim|go_go_scope_wasm)\.js["']/.test(readFileSync(join(pkgDir, "browser.js"), "utf8"));
  const browserJs = bundled ? ["browser.js"] : ["browser.js", "shim.js", "go_go_scope_wasm.js", ...snippets];
  const browserFiles = [wasm, ...browserJs.map(file)];
  const nodeFiles = [wasm, file("index.cjs")];
  return { wasm, browser: { files: browserFiles, ...sum(browserFiles) }, node: { files: nodeFiles, ...sum(nodeFiles) } };
}
