// Workloads 5 and 6: memory and size. `hooks` is the package's
// `go-go-scope-wasm/internal` subpath (liveCounts, wasmMemoryBytes).
import { settle } from "./baselines/vanilla.mjs";
import { packageSize } from "./size.mjs";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

const gc = globalThis.gc ?? (() => {});
const settleGc = async () => {
  gc();
  await new Promise((r) => setTimeout(r, 20));
  gc();
};

/** The live tables that are not empty, as `{ name: count }`. */
const nonZero = (counts) => Object.fromEntries(Object.entries(counts).filter(([, n]) => n !== 0));

/** WebAssembly memory and RSS growth over `cycles` scope/task cycles, no .free(). */
export async function cycleGrowth(lib, hooks, cycles) {
  const { scope } = lib;
  const { wasmMemoryBytes, liveCounts } = hooks;
  const one = () => Promise.resolve(42);
  const cycle = async () => {
    const s = scope();
    const t = s.task(one);
    await t;
    await s[Symbol.asyncDispose]();
  };
  for (let i = 0; i < 10_000; i++) await cycle(); // lazily grown tables count as baseline
  await settleGc();
  const wasm0 = wasmMemoryBytes();
  const rss0 = process.memoryUsage().rss;
  const t0 = performance.now();
  for (let i = 0; i < cycles; i++) await cycle();
  const ms = performance.now() - t0;
  await settleGc();
  return {
    cycles,
    usPerCycle: (ms * 1000) / cycles,
    wasmBefore: wasm0,
    wasmGrowth: wasmMemoryBytes() - wasm0,
    rssGrowth: process.memoryUsage().rss - rss0,
    live: nonZero(liveCounts()),
  };
}

/**
 * Memory per live scope, then reuse: `n` scopes kept alive (no task),
 * measured as WebAssembly memory growth and JS heap growth after a full GC;
 * then all disposed, and `n` more made and disposed `rounds` times: wasm
 * memory must not grow again (freed slots are reused). Run it before the
 * other memory workloads, so the tables have not been grown by them.
 */
export async function liveScopes(lib, hooks, n, rounds = 2) {
  const { scope } = lib;
  const { wasmMemoryBytes, liveCounts } = hooks;
  const open = () => {
    const ss = new Array(n);
    for (let i = 0; i < n; i++) ss[i] = scope();
    return ss;
  };
  const close = async (ss) => {
    await Promise.all(ss.map((s) => s[Symbol.asyncDispose]()));
    ss.fill(undefined);
  };
  await settleGc();
  const wasm0 = wasmMemoryBytes();
  const heap0 = process.memoryUsage().heapUsed;
  let ss = open();
  await settleGc();
  const wasmGrowth = wasmMemoryBytes() - wasm0;
  const heapGrowth = process.memoryUsage().heapUsed - heap0;
  await close(ss);
  await settleGc();
  const wasmHigh = wasmMemoryBytes();
  for (let r = 0; r < rounds; r++) {
    ss = open();
    await close(ss);
  }
  ss = undefined;
  await settleGc();
  return {
    n,
    rounds,
    wasmPerScope: wasmGrowth / n,
    heapPerScope: heapGrowth / n,
    wasmHigh,
    reuseGrowth: wasmMemoryBytes() - wasmHigh,
    live: nonZero(liveCounts()),
  };
}

/**
 * Bytes per pending task: `n` tasks in one scope all waiting on one shared
 * promise (so the user's own promise is not counted), measured as WebAssembly
 * memory growth plus JS heap growth after a full GC. The vanilla figure (one
 * pending settle() per task, one AbortController) is given for context.
 */
export async function pendingBytes(lib, hooks, n) {
  const { scope } = lib;
  const { wasmMemoryBytes } = hooks;
  let open;
  const gate = new Promise((r) => (open = r));
  const waiter = () => gate;

  await settleGc();
  const wasm0 = wasmMemoryBytes();
  const heap0 = process.memoryUsage().heapUsed;
  const s = scope();
  const tasks = new Array(n);
  for (let i = 0; i < n; i++) tasks[i] = s.task(waiter);
  await settleGc();
  const wasmGrowth = wasmMemoryBytes() - wasm0;
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

/**
 * Sizes: the browser download (wasm + browser.js, gzip -9 each, the budget
 * of bench/size.mjs) and the Node entry (wasm + index.cjs), for the table.
 */
export function sizes(pkgDir) {
  const browser = packageSize(pkgDir);
  const file = (f) => {
    const b = readFileSync(join(pkgDir, f));
    return { file: f, raw: b.length, gz: gzipSync(b, { level: 9 }).length };
  };
  const sum = (files) => files.reduce((a, f) => ({ raw: a.raw + f.raw, gz: a.gz + f.gz }), { raw: 0, gz: 0 });
  const nodeFiles = [browser.files[0], file("index.cjs")];
  return {
    wasm: browser.files[0],
    budget: browser.budget,
    target: browser.target,
    browser: { files: browser.files, ...sum(browser.files) },
    node: { files: nodeFiles, ...sum(nodeFiles) },
  };
}
