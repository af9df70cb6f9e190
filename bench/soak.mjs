// The soak report (`npm run soak`): not a timed test, a report with a
// PASS/FAIL line per check; exits non-zero on any FAIL.
//
//   1. 1,000,000 scope/task cycles: WebAssembly memory growth <= 2 MB, RSS
//      after GC flat, every live machine table empty (liveCounts() of the
//      go-go-scope-wasm/internal subpath).
//   2. 10,000 random programs (bench/workload.mjs) keep every invariant.
//   3. 60 s of the random workload: heap, RSS and wasm memory sampled every
//      second, printed as a table, with a least-squares slope that must be
//      flat.
//   4. 1,000 child scopes of one long-lived AbortSignal, disposed: 0
//      listeners left on it.
//   5. 10,000 tasks in one scope, each reading its signal: no
//      MaxListenersExceededWarning.
//
// Builds pkg/ first (as scripts/examples.mjs does). Scale with env:
//   SOAK_CYCLES (1000000), SOAK_PROGRAMS (10000), SOAK_SECONDS (60).
// Run as: node --expose-gc bench/soak.mjs
import { getEventListeners } from "node:events";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import fc from "fast-check";
import { root } from "../scripts/lib.mjs";
import { setup } from "../scripts/setup.mjs";
import { build } from "../scripts/build.mjs";
import { programArb, runProgram } from "./workload.mjs";

const CYCLES = Number(process.env.SOAK_CYCLES ?? 1_000_000);
const PROGRAMS = Number(process.env.SOAK_PROGRAMS ?? 10_000);
const SECONDS = Number(process.env.SOAK_SECONDS ?? 60);

if (process.env.GGS_PKG === undefined) {
  setup();
  await build();
}
const pkgDir = process.env.GGS_PKG ?? join(root, "pkg");
const lib = await import(pathToFileURL(join(pkgDir, "index.mjs")).href);
const hooks = await import(pathToFileURL(join(pkgDir, "internal.mjs")).href);
const { scope } = lib;
const { liveCounts, wasmMemoryBytes } = hooks;

const gc = globalThis.gc;
if (typeof gc !== "function") {
  console.error("run with node --expose-gc (npm run soak does)");
  process.exit(2);
}
const MB = 1024 * 1024;
const mb = (b) => (b / MB).toFixed(2);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** The non-zero live tables, e.g. "scopes 1, tasks 2" ("" when nothing is live). */
const live = () =>
  Object.entries(liveCounts())
    .filter(([, v]) => v !== 0)
    .map(([k, v]) => `${k} ${v}`)
    .join(", ");
async function settleGc() {
  for (let i = 0; i < 3; i++) {
    gc();
    await sleep(20);
  }
}

const results = [];
function check(name, ok, detail) {
  results.push({ name, ok });
  console.log(`${ok ? "PASS" : "FAIL"}  ${name}${detail ? `: ${detail}` : ""}`);
}

const unhandled = [];
process.on("unhandledRejection", (r) => unhandled.push(r));
const warnings = [];
process.on("warning", (w) => warnings.push(w));

/** Least-squares slope of ys over xs. */
function slope(xs, ys) {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i] - mx) * (ys[i] - my);
    den += (xs[i] - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

// ---- 1. scope/task cycles --------------------------------------------------
{
  console.log(`\n## 1. ${CYCLES.toLocaleString("en")} scope/task cycles`);
  const cycle = async () => {
    const s = scope();
    await s.task(async () => 42);
    await s[Symbol.asyncDispose]();
  };
  for (let i = 0; i < 10_000; i++) await cycle(); // lazily grown tables are baseline
  await settleGc();
  const wasm0 = wasmMemoryBytes();
  const rss0 = process.memoryUsage().rss;
  const t0 = performance.now();
  let rssMid = rss0;
  for (let i = 0; i < CYCLES; i++) {
    await cycle();
    if (i === Math.floor(CYCLES / 2)) {
      await settleGc();
      rssMid = process.memoryUsage().rss;
    }
  }
  const ms = performance.now() - t0;
  await settleGc();
  const wasm1 = wasmMemoryBytes();
  const rss1 = process.memoryUsage().rss;
  console.log(`${(ms / 1000).toFixed(1)} s, ${((ms * 1000) / CYCLES).toFixed(2)} µs/cycle`);
  console.log(`wasm memory ${mb(wasm0)} -> ${mb(wasm1)} MB; RSS after GC ${mb(rss0)} -> ${mb(rssMid)} (half) -> ${mb(rss1)} MB`);
  check("wasm memory growth <= 2 MB", wasm1 - wasm0 <= 2 * MB, `${mb(wasm1 - wasm0)} MB`);
  // Flat: the second half of the run adds no more than a little (allocator
  // noise), rather than growing in proportion to the cycles.
  check("RSS after GC flat (second half grows <= 8 MB)", rss1 - rssMid <= 8 * MB, `${mb(rss1 - rssMid)} MB in the second half, ${mb(rss1 - rss0)} MB overall`);
  check("nothing live in the machine's tables", live() === "", live() || "all 0");
}

// ---- 2. random programs ----------------------------------------------------
{
  console.log(`\n## 2. ${PROGRAMS.toLocaleString("en")} random programs (invariants of bench/workload.mjs)`);
  const t0 = performance.now();
  let failure;
  try {
    await fc.assert(
      fc.asyncProperty(programArb(fc), async (p) => {
        await runProgram(lib, p, hooks);
        await new Promise((r) => setImmediate(r));
        if (unhandled.length) throw new Error(`unhandled rejection: ${unhandled.splice(0)[0]}`);
      }),
      { numRuns: PROGRAMS, verbose: true },
    );
  } catch (e) {
    failure = e;
    console.log(String(e?.message ?? e));
  }
  check(`${PROGRAMS} programs keep every invariant`, failure === undefined, `${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

// ---- 3. 60 s of random workload --------------------------------------------
{
  console.log(`\n## 3. ${SECONDS} s of random workload, sampled every second`);
  const programs = fc.sample(programArb(fc), 2000);
  let next = 0;
  let ran = 0;
  let failure;
  const samples = [];
  await settleGc();
  const start = performance.now();
  let nextSample = start + 1000;
  while (performance.now() - start < SECONDS * 1000 && failure === undefined) {
    try {
      await runProgram(lib, programs[next], hooks);
    } catch (e) {
      failure = e;
      console.log(`program failed: ${e?.message}\n${JSON.stringify(programs[next])}`);
    }
    next = (next + 1) % programs.length;
    ran++;
    if (performance.now() >= nextSample) {
      gc();
      const m = process.memoryUsage();
      samples.push({ t: Math.round((performance.now() - start) / 1000), heap: m.heapUsed, rss: m.rss, wasm: wasmMemoryBytes(), ran });
      nextSample += 1000;
    }
  }
  console.log("  t(s)  heap MB   RSS MB  wasm MB  programs");
  for (const s of samples) {
    console.log(`${String(s.t).padStart(6)} ${mb(s.heap).padStart(8)} ${mb(s.rss).padStart(8)} ${mb(s.wasm).padStart(8)} ${String(s.ran).padStart(9)}`);
  }
  // Slopes over the second half (the first seconds warm up JIT and tables).
  const tail = samples.slice(Math.floor(samples.length / 2));
  const xs = tail.map((s) => s.t);
  const perMin = (key) => slope(xs, tail.map((s) => s[key])) * 60;
  const heapSlope = perMin("heap");
  const rssSlope = perMin("rss");
  const wasmSlope = perMin("wasm");
  console.log(`slope (second half), MB per minute: heap ${mb(heapSlope)}, RSS ${mb(rssSlope)}, wasm ${mb(wasmSlope)}; ${ran} programs`);
  check("random workload kept every invariant", failure === undefined && unhandled.length === 0);
  check("heap slope flat (< 2 MB/min)", Math.abs(heapSlope) < 2 * MB, `${mb(heapSlope)} MB/min`);
  check("RSS slope flat (< 4 MB/min)", Math.abs(rssSlope) < 4 * MB, `${mb(rssSlope)} MB/min`);
  check("wasm memory slope flat (0 growth in second half)", wasmSlope <= 0.01 * MB, `${mb(wasmSlope)} MB/min`);
}

// ---- 4. child scopes of one long-lived AbortSignal ---------------------------
{
  console.log("\n## 4. 1,000 child scopes of one long-lived AbortSignal");
  const ac = new AbortController();
  const scopes = [];
  for (let i = 0; i < 1000; i++) {
    const s = scope({ signal: ac.signal });
    s.task(async ({ signal }) => signal.aborted);
    scopes.push(s);
  }
  const during = getEventListeners(ac.signal, "abort").length;
  for (const s of scopes) await s[Symbol.asyncDispose]();
  const after = getEventListeners(ac.signal, "abort").length;
  console.log(`abort listeners on the signal: ${during} while 1,000 scopes live, ${after} after disposal`);
  check("0 listeners remain on the long-lived signal", after === 0, `${after}`);
}

// ---- 5. 10,000 tasks each reading its signal -------------------------------
{
  console.log("\n## 5. 10,000 tasks in one scope, each reading its signal");
  const before = warnings.length;
  const s = scope();
  const tasks = [];
  for (let i = 0; i < 10_000; i++) tasks.push(s.task(async ({ signal }) => (await sleep(0), signal.aborted)));
  await Promise.all(tasks);
  await s[Symbol.asyncDispose]();
  await sleep(10);
  const maxListeners = warnings.slice(before).filter((w) => w.name === "MaxListenersExceededWarning");
  check("no MaxListenersExceededWarning", maxListeners.length === 0, `${maxListeners.length} warnings`);
}

console.log(`\nlive tables at the end: ${live() || "all 0"}`);
const failed = results.filter((r) => !r.ok).length;
console.log(`soak: ${results.length - failed} PASS, ${failed} FAIL`);
process.exit(failed ? 1 : 0);
