// The benchmark suite (issue 8). `npm run bench` builds pkg/ and runs this
// with --expose-gc; it writes bench/RESULTS.md and bench/ratios.svg.
//
//   node --expose-gc bench/run.mjs           full run (several minutes; the
//                                            Rust face's part is bench/rust.mjs)
//   node --expose-gc bench/run.mjs --smoke   a few iterations, tiny sizes, no
//                                            targets, nothing written (< 20 s)
//   node bench/run.mjs --render              rewrite RESULTS.md and the chart
//                                            from bench/results.json
//
// Everything runs in this one process against the built package
// (pkg/index.cjs, or $GGS_PKG/index.cjs; the memory rows read its test hooks
// from the internal subpath, internal.cjs). bench/before.json is the full
// run of the design before issue 13, shown as the "before" column.
// The package of commit e4886b8 (bench/before-pkg.mjs builds it once into
// node_modules/.cache/ggs-e4886b8/) runs beside today's on the task rows it
// has targets on (issue 20); --smoke never builds it (npm test), and a full
// run goes on without it, saying why, when it cannot be built.
// GGS_BEFORE_PKG=<dir> takes another build of it, GGS_BEFORE_PKG=none skips it.
// Channel workloads are timed twice: cold batches (harness.mjs compare, a
// full GC before each batch) and the steady state (compareSteady: a hot
// loop, no forced GC between batches), on which issue 20's channel targets
// are stated. BENCH_ROUNDS (11) and BENCH_STEADY_ROUNDS (= BENCH_ROUNDS) set
// the rounds; --only=<id prefix>[,…] runs a subset and writes nothing.
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { compare, compareSteady, pairedRatio } from "./harness.mjs";
import { BEFORE_COMMIT, BEFORE_LABEL, ensureBeforePkg } from "./before-pkg.mjs";
import { taskWorkloads, channelWorkloads, rateWorkloads } from "./workloads.mjs";
import { cycleGrowth, liveScopes, pendingBytes, sizes } from "./memsize.mjs";
import { TARGET, sizeLine } from "./size.mjs";
import { renderMarkdown, renderSvg } from "./report.mjs";
import { rustTargets } from "./rust-report.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const pkgDir = process.env.GGS_PKG || join(here, "..", "pkg");
const lib = createRequire(import.meta.url)(join(pkgDir, "index.cjs"));
const hooks = createRequire(import.meta.url)(join(pkgDir, "internal.cjs"));
const smoke = process.argv.includes("--smoke");
const only = process.argv.find((a) => a.startsWith("--only="))?.slice(7);

const S = smoke
  ? {
      rounds: 1,
      cycle: 200,
      many: 100,
      manyIters: 2,
      fanSmall: 100,
      fanSmallIters: 2,
      fanLarge: 1000,
      fanLargeIters: 1,
      chanValues: 500,
      chanIters: 1,
      mpscValues: 200,
      mpscIters: 1,
      pingPongs: 100,
      pingIters: 1,
      bucketCalls: 200,
      bucketIters: 1,
      selectRounds: 200,
      selectIters: 1,
      steadyRounds: 1,
      steadyBatches: 1,
      memCycles: 5_000,
      pending: 2_000,
      liveScopes: 5_000,
    }
  : {
      rounds: Number(process.env.BENCH_ROUNDS || 11),
      cycle: 20_000,
      many: 1_000,
      manyIters: 40,
      fanSmall: 1_000,
      fanSmallIters: 40,
      fanLarge: 10_000,
      fanLargeIters: 8,
      chanValues: 10_000,
      chanIters: 6,
      mpscValues: 2_000,
      mpscIters: 20,
      pingPongs: 1_000,
      pingIters: 20,
      bucketCalls: 10_000,
      bucketIters: 10,
      selectRounds: 10_000,
      selectIters: 10,
      steadyRounds: Number(process.env.BENCH_STEADY_ROUNDS || process.env.BENCH_ROUNDS || 11),
      steadyBatches: 4,
      memCycles: 1_000_000,
      pending: 100_000,
      liveScopes: 200_000,
    };

const t0 = performance.now();
const log = (s) => console.log(s);
const want = (id) => !only || only.split(",").some((o) => id.startsWith(o));
const fmt = (x) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));

/** Runs a workload and prints its line (two lines with its steady state). */
async function measure(w) {
  if (smoke || w.variants[BEFORE_LABEL]) await sameResults(w);
  const res = await compare(w, S.rounds);
  res.id = w.id;
  res.n = w.n;
  res.ratios = ratiosOf(w, res);
  log(line(w.name, w, res));
  if (w.steady) {
    // `steady: n` (task rows): n batches per round, not the channels' S.steadyBatches (their batches are long).
    const st = await compareSteady(w, S.steadyRounds, typeof w.steady === "number" ? Math.min(w.steady, S.steadyBatches) : S.steadyBatches);
    st.ratios = ratiosOf(w, st);
    res.steady = { rounds: st.rounds, batches: st.batches, us: st.us, samples: st.samples, ratios: st.ratios };
    log(line(`  steady (${st.rounds} rounds × ${st.batches} batches, no forced GC)`, w, st));
  }
  return res;
}
function ratiosOf(w, res) {
  const ratios = {};
  for (const l of Object.keys(w.variants).slice(1)) ratios[l] = pairedRatio(res, "lib", l);
  return ratios;
}
function line(title, w, res) {
  const parts = Object.keys(w.variants).map((l) => `${l} ${fmt(res.us[l])} µs`);
  return `${title}: ${parts.join(", ")} | ${Object.entries(res.ratios).map(([l, r]) => `×${r.toFixed(2)} ${l}`).join(", ")}`;
}

// --render: rewrite RESULTS.md and the chart from the last full run's
// bench/results.json (e.g. after editing bench/misses.md), measuring nothing.
if (process.argv.includes("--render")) {
  const saved = JSON.parse(readFileSync(join(here, "results.json"), "utf8"));
  writeReport(saved);
  process.exit(0);
}

if (typeof globalThis.gc !== "function") console.warn("warning: run with node --expose-gc for stable figures");
const results = { smoke, machine: machine(), sizes: S };

// Memory first: its high-water marks are not hidden by earlier workloads.
// Live scopes first of all: its per-scope figure is the tables' first growth.
const liveText = (l) => Object.entries(l).map(([k, n]) => `${k} ${n}`).join(", ") || "all 0";
if (want("mem")) {
  results.scopes = await liveScopes(lib, hooks, S.liveScopes);
  const ls = results.scopes;
  log(
    `Live scopes: ${ls.n}: ${ls.wasmPerScope.toFixed(0)} B/scope of wasm memory (JS heap ${ls.heapPerScope.toFixed(0)} B/scope); ` +
      `disposed, then ${ls.rounds} × ${ls.n} more: wasm +${ls.reuseGrowth} B; live ${liveText(ls.live)}`,
  );
  results.growth = await cycleGrowth(lib, hooks, S.memCycles);
  const g = results.growth;
  log(
    `Memory: ${g.cycles} cycles (${g.usPerCycle.toFixed(2)} µs/cycle): wasm +${g.wasmGrowth} B, rss +${(g.rssGrowth / 1048576).toFixed(2)} MB, live ${liveText(g.live)}`,
  );
  results.pending = await pendingBytes(lib, hooks, S.pending);
  const p = results.pending;
  log(
    `Pending: ${p.n} tasks: ${p.totalPerTask.toFixed(0)} B/task (wasm ${p.wasmPerTask.toFixed(0)}, heap ${p.heapPerTask.toFixed(0)}); vanilla ${p.vanillaPerTask.toFixed(0)} B/task`,
  );
}

// The e4886b8 package, side by side (not in --smoke: npm test builds one package).
const BEFORE_ROWS = ["cycle", "two-tasks", "scope-conc8", "fanout-small", "fanout-large"];
let beforeLib;
if (smoke || process.env.GGS_BEFORE_PKG === "none") {
  results.beforePkg = { commit: BEFORE_COMMIT, absent: smoke ? "not in --smoke" : "GGS_BEFORE_PKG=none" };
} else if (BEFORE_ROWS.some(want)) {
  const b = process.env.GGS_BEFORE_PKG ? { dir: process.env.GGS_BEFORE_PKG } : ensureBeforePkg({ log });
  try {
    if (b.error) throw new Error(b.error);
    beforeLib = createRequire(import.meta.url)(join(b.dir, "index.cjs"));
    results.beforePkg = { commit: BEFORE_COMMIT, dir: b.dir, buildSeconds: b.built ? b.seconds : undefined };
  } catch (e) {
    results.beforePkg = { commit: BEFORE_COMMIT, absent: String(e?.message ?? e).split("\n")[0] };
  }
}
if (results.beforePkg?.absent && !smoke) log(`(no ${BEFORE_LABEL} baseline: ${results.beforePkg.absent})`);

const tw = taskWorkloads(lib, S, beforeLib, BEFORE_LABEL);
results.workloads = [];
for (const w of [...tw.simple, ...tw.concurrency, ...tw.fanOut, ...channelWorkloads(lib, S), ...rateWorkloads(lib, S)]) {
  if (want(w.id)) results.workloads.push(await measure(w));
}

// The Rust face (bench/rust.mjs, its own process: its wasm, its builds).
if (want("rust")) results.rust = rustFace();

results.size = sizes(pkgDir);
log(
  `Size: browser (wasm + browser.js) ${results.size.browser.raw} B raw, ${results.size.browser.gz} B gzip (budget ${results.size.budget}); ` +
    `node entry ${results.size.node.raw} B raw, ${results.size.node.gz} B gzip`,
);
log(sizeLine({ files: results.size.browser.files, total: results.size.browser.gz, budget: results.size.budget, target: TARGET, ok: results.size.browser.gz <= results.size.budget }));
log(`bench finished in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

if (!smoke && !only) {
  writeFileSync(join(here, "results.json"), `${JSON.stringify(results, null, 1)}\n`);
  writeReport(results);
}

function writeReport(r) {
  const before = JSON.parse(readFileSync(join(here, "before.json"), "utf8"));
  const md = renderMarkdown(r, before);
  writeFileSync(join(here, "RESULTS.md"), md.text);
  writeFileSync(join(here, "ratios.svg"), renderSvg(md.bars));
  log("wrote bench/RESULTS.md, bench/ratios.svg (data: bench/results.json)");
  for (const t of [...md.targets20.map((t) => ({ ...t, label: `#20 ${t.label}` })), ...md.targets, ...(r.rust ? rustTargets(r.rust) : [])]) log(`${t.met ? "met    " : "NOT MET"} ${t.label}: ${t.shown} (target ${t.targetText})`);
}

/** Runs bench/rust.mjs (same --smoke) in a child process; its results. */
function rustFace() {
  const out = join(here, "..", "build", "rust-bench.json");
  rmSync(out, { force: true });
  const r = spawnSync(process.execPath, ["--expose-gc", "--no-liftoff", join(here, "rust.mjs"), `--json=${out}`, ...(smoke ? ["--smoke"] : [])], {
    stdio: "inherit",
  });
  if (r.status !== 0) throw new Error(`bench/rust.mjs failed with status ${r.status}`);
  return JSON.parse(readFileSync(out, "utf8"));
}

/** Smoke check: the lib and its plain-JS baselines compute the same result. */
async function sameResults(w) {
  const want = JSON.stringify(await w.variants.lib());
  for (const [l, op] of Object.entries(w.variants)) {
    if (l === "effect") continue; // Effect's own Result objects
    if (!smoke && l !== BEFORE_LABEL) continue; // full run: only the e4886b8 package's first run
    const got = JSON.stringify(await op());
    if (got !== want) throw new Error(`${w.name}: ${l} gave ${got.slice(0, 80)}, lib gave ${want.slice(0, 80)}`);
  }
}

function machine() {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model ?? "unknown",
    cores: cpus.length,
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    date: new Date().toISOString(),
  };
}
