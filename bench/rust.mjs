// The Rust face's benchmark: go-go-scope-wasm's Rust API (src/driver/)
// against hand-written Rust baselines on the same crates, in wasm under
// Node, side by side in one process (interleaved rounds, bench/harness.mjs).
// The workloads are the async exports of the crate bench/rust/ (built here:
// cargo --release for wasm32, wasm-bindgen --target nodejs into
// bench/rust/pkg/).
//
//   node bench/rust.mjs            full run: tasks, channels, memory, size
//                                  (about a minute, plus the size apps' builds)
//   node bench/rust.mjs --smoke    tiny sizes, one round, no targets, no size
//                                  (about a second once built)
//   options: --only=tasks,channels,memory,size  --no-build  --json=FILE
//            BENCH_ROUNDS=n (timed rounds, default 11)
//
// bench/run.mjs (`npm run bench`, and its --smoke in `npm test`) runs this
// as a child process and puts its results in bench/RESULTS.md ("Rust face").
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { createHash } from "node:crypto";
import os from "node:os";
import { compare, median, pairedRatio } from "./harness.mjs";
import { renderRustText, rustTargets } from "./rust-report.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");
const crate = join(here, "rust");
const pkg = join(crate, "pkg");
const glue = join(pkg, "ggs_rust_bench.js");
const args = process.argv.slice(2);
const smoke = args.includes("--smoke");
const noBuild = args.includes("--no-build");
const jsonOut = args.find((a) => a.startsWith("--json="))?.slice(7);
const only = args.find((a) => a.startsWith("--only="))?.slice(7);
const want = (part) => (only ? only.split(",").includes(part) : part !== "size" || !smoke);
const require = createRequire(import.meta.url);

// V8 compiles wasm with its baseline compiler (Liftoff) first and tiers hot
// functions up in the background, which on two busy cores lands at random
// rounds: the bench runs on optimized code from the start (--no-liftoff),
// in a child process of its own when not started so (--liftoff: as is).
if (!process.execArgv.includes("--no-liftoff") && !args.includes("--liftoff")) {
  const r = spawnSync(process.execPath, ["--expose-gc", "--no-liftoff", ...process.execArgv, fileURLToPath(import.meta.url), ...args], { stdio: "inherit" });
  process.exit(r.status ?? 1);
}
const gc = globalThis.gc ?? (() => {});
const log = (s) => console.log(s);

/** PATH with node_modules/.bin (wasm-opt) and cargo's bin first (scripts/lib.mjs). */
const { toolEnv } = await import("../scripts/lib.mjs");

function must(cmd, argv, opts = {}) {
  const r = spawnSync(cmd, argv, { stdio: ["ignore", "inherit", "inherit"], cwd: crate, env: toolEnv(), ...opts });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(" ")} failed with status ${r.status}`);
}

const mtime = (f) => (existsSync(f) ? statSync(f).mtimeMs : 0);

/** cargo build --release (wasm32), then wasm-bindgen --target nodejs when the wasm changed. */
function build() {
  must("cargo", ["build", "--release", "--target", "wasm32-unknown-unknown", "-p", "ggs-rust-bench", "--quiet"]);
  const wasm = join(crate, "target", "wasm32-unknown-unknown", "release", "ggs_rust_bench.wasm");
  if (mtime(wasm) > mtime(glue)) {
    rmSync(pkg, { recursive: true, force: true });
    must("wasm-bindgen", ["--target", "nodejs", "--out-dir", pkg, "--no-typescript", wasm]);
  }
  // The repository is "type": "module"; wasm-bindgen's nodejs glue is CommonJS.
  writeFileSync(join(pkg, "package.json"), '{ "type": "commonjs" }\n');
}

/** A fresh wasm instance (the glue instantiates its module when required). */
function fresh() {
  delete require.cache[require.resolve(glue)];
  return require(glue);
}

const S = smoke
  ? { rounds: 1, fanSmall: 100, fanSmallReps: 2, fanLarge: 1_000, fanLargeReps: 1, cycles: 500, chanValues: 1_000, chanReps: 1, pending: 1_000, memCycles: 5_000, memStep: 1_000 }
  : {
      rounds: Number(process.env.BENCH_ROUNDS || 11),
      fanSmall: 1_000,
      fanSmallReps: 100,
      fanLarge: 10_000,
      fanLargeReps: 10,
      cycles: 50_000,
      chanValues: 10_000,
      chanReps: 40,
      chanReps4: 10,
      pending: 10_000,
      memCycles: 1_000_000,
      memStep: 100_000,
    };

const t0 = performance.now();
if (!noBuild) build();
const w = fresh();
const results = { smoke, machine: machine(), source: source(), sizes: S, workloads: [] };
log(`Rust face bench: source ${results.source.commit}${results.source.dirty ? ` + uncommitted changes (src/ sha256 ${results.source.src})` : ""}`);

// ---- timing ---------------------------------------------------------------

const fmtNs = (x) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));

/**
 * One workload: `variants` label → () => Promise<checksum> (one batch of
 * `units` tasks, cycles or messages). The first label is ours. Every
 * variant must give the same checksum (checked in every run, on the
 * warm-up batch).
 */
async function measure(spec) {
  const labels = Object.keys(spec.variants);
  // Same results, and allocations per unit, outside the timed rounds.
  const sums = {};
  const allocs = {};
  for (const l of labels) {
    await spec.variants[l](); // warm
    gc();
    const a = w.mem_stats();
    sums[l] = await spec.variants[l]();
    const b = w.mem_stats();
    allocs[l] = { count: (b[2] - a[2]) / spec.units, bytes: (b[3] - a[3]) / spec.units };
  }
  for (const l of labels) {
    if (sums[l] !== sums[labels[0]]) throw new Error(`${spec.name}: ${l} gave ${sums[l]}, ${labels[0]} gave ${sums[labels[0]]}`);
  }
  const res = await compare({ name: spec.name, iters: 1, variants: spec.variants }, S.rounds);
  const out = { id: spec.id, name: spec.name, unit: spec.unit, units: spec.units, variants: {}, ratios: {}, allocs, checksum: sums[labels[0]] };
  const perUnit = (us) => (us * 1000) / spec.units; // ns per unit
  for (const l of labels) {
    const xs = res.samples[l].map(perUnit);
    out.variants[l] = { ns: median(xs), min: Math.min(...xs), max: Math.max(...xs) };
  }
  const ours = labels[0];
  for (const l of labels.slice(1)) {
    const rs = res.samples[ours].map((x, i) => x / res.samples[l][i]);
    out.ratios[l] = { ratio: pairedRatio(res, ours, l), min: Math.min(...rs), max: Math.max(...rs) };
  }
  const parts = labels.map((l) => `${l} ${fmtNs(out.variants[l].ns)} ns [${fmtNs(out.variants[l].min)}–${fmtNs(out.variants[l].max)}]`);
  const rparts = labels.slice(1).map((l) => `×${out.ratios[l].ratio.toFixed(2)} [${out.ratios[l].min.toFixed(2)}–${out.ratios[l].max.toFixed(2)}] vs ${l}`);
  log(`${spec.name} (ns/${spec.unit}): ${parts.join(", ")} | ours ${rparts.join(", ")}`);
  log(`  allocations/${spec.unit}: ${labels.map((l) => `${l} ${allocs[l].count.toFixed(2)} (${allocs[l].bytes.toFixed(0)} B)`).join(", ")}`);
  results.workloads.push(out);
}

if (want("tasks")) {
  for (const [n, reps, id] of [
    [S.fanSmall, S.fanSmallReps, "fan-small"],
    [S.fanLarge, S.fanLargeReps, "fan-large"],
  ]) {
    for (const yields of [false, true]) {
      await measure({
        id: yields ? `${id}-yield` : id,
        name: `Fan-out of ${n.toLocaleString("en")} tasks${yields ? ", each yields once first" : ""}`,
        unit: "task",
        units: n * reps,
        variants: {
          ours: () => w.fan_ours(n, reps, yields),
          join_all: () => w.fan_base(n, reps, yields),
          "in order": () => w.fan_base_seq(n, reps, yields),
        },
      });
    }
  }
  await measure({
    id: "cycle",
    name: "Scope cycle: scope, 1 task, its result, dispose().await",
    unit: "cycle",
    units: S.cycles,
    variants: { ours: () => w.cycle_ours(S.cycles), spawn_local: () => w.cycle_base(S.cycles) },
  });
}

if (want("channels")) {
  for (const [producers, cap, id] of [
    [1, 100, "chan-spsc"],
    [4, 1, "chan-mpsc4"],
  ]) {
    const n = S.chanValues;
    const reps = producers > 1 ? (S.chanReps4 ?? S.chanReps) : S.chanReps;
    await measure({
      id,
      name: `Channel, capacity ${cap}: ${producers} producer${producers > 1 ? "s" : ""}, 1 consumer, ${n.toLocaleString("en")} values`,
      unit: "message",
      units: n * reps,
      variants: {
        ours: () => w.chan_ours(producers, n, cap, reps),
        "ours (spawn_local)": () => w.chan_ours_local(producers, n, cap, reps),
        "async-channel": () => w.chan_async_channel(producers, n, cap, reps),
        mpsc: () => w.chan_mpsc(producers, n, cap, reps),
      },
    });
  }
}

// ---- memory ---------------------------------------------------------------

const tick = () => new Promise((r) => setTimeout(r, 0));
const settle = async () => {
  gc();
  await tick();
  gc();
};

/** `n` pending tasks, ours or the baseline's, in a fresh instance: bytes per task, cold then warm. */
async function pending(ours, n) {
  const m = fresh();
  // The runtime and the executor exist before the first reading.
  m.pending_start(ours, 16);
  await tick();
  await m.pending_finish();
  const once = async () => {
    await settle();
    const a = m.mem_stats();
    const heap0 = process.memoryUsage().heapUsed;
    m.pending_start(ours, n);
    await tick(); // the executor polls every spawned future
    await tick();
    gc();
    const b = m.mem_stats();
    const heap1 = process.memoryUsage().heapUsed;
    // One more task while the others wait: the sizes of its allocations.
    m.trace_begin(ours);
    await tick();
    const trace = [...m.trace_end()];
    const sum = await m.pending_finish();
    if (sum !== (n * (n - 1)) / 2) throw new Error(`pending: sum ${sum}`);
    await settle();
    const c = m.mem_stats();
    return {
      live: (b[0] - a[0]) / n,
      blocks: (b[1] - a[1]) / n,
      wasm: (b[4] - a[4]) / n,
      heap: (heap1 - heap0) / n,
      leftBytes: c[0] - a[0],
      leftBlocks: c[1] - a[1],
      trace,
    };
  };
  const cold = await once();
  const warm = await once();
  return { n, cold, warm, live: m.ggs_live() };
}

if (want("memory")) {
  const n = S.pending;
  const ours = await pending(true, n);
  const base = await pending(false, n);
  results.pending = { n, ours, base };
  const line = (p) =>
    `cold ${p.cold.live.toFixed(1)} B/task in ${p.cold.blocks.toFixed(2)} blocks (wasm memory growth ${p.cold.wasm.toFixed(1)} B/task, JS heap ${p.cold.heap.toFixed(1)}), ` +
    `warm ${p.warm.live.toFixed(1)} B/task in ${p.warm.blocks.toFixed(2)} blocks; left after: ${p.warm.leftBytes} B; one more task allocates [${p.warm.trace.join(", ")}] B`;
  log(`Pending tasks, ${n.toLocaleString("en")} awaiting one gate: ours ${line(ours)}; runtime live ${ours.live}`);
  log(`  baseline (spawn_local + oneshot): ${line(base)}`);

  // Scope cycles with flat memory: checkpoints every memStep cycles.
  const m = fresh();
  await m.cycle_ours(10_000); // tables and the executor's queue at their working size
  await settle();
  const first = m.mem_stats();
  const checkpoints = [{ cycles: 0, live: first[0], blocks: first[1], wasm: first[4] }];
  const t = performance.now();
  for (let done = 0; done < S.memCycles; ) {
    await m.cycle_ours(S.memStep);
    done += S.memStep;
    const s = m.mem_stats();
    checkpoints.push({ cycles: done, live: s[0], blocks: s[1], wasm: s[4] });
  }
  const usPerCycle = ((performance.now() - t) * 1000) / S.memCycles;
  const trace = [...(await m.trace_cycle())];
  const last = checkpoints[checkpoints.length - 1];
  results.cycles = {
    cycles: S.memCycles,
    usPerCycle,
    checkpoints,
    liveGrowth: last.live - first[0],
    blocksGrowth: last.blocks - first[1],
    wasmGrowth: last.wasm - first[4],
    maxLive: Math.max(...checkpoints.map((c) => c.live)),
    trace,
    live: m.ggs_live(),
  };
  const c = results.cycles;
  log(
    `Scope cycles: ${c.cycles.toLocaleString("en")} (${usPerCycle.toFixed(2)} µs/cycle): live heap ${first[0]} B → ${last.live} B (growth ${c.liveGrowth} B, ${c.blocksGrowth} blocks), ` +
      `wasm memory ${first[4]} → ${last.wasm} B; checkpoints (live B): ${checkpoints.map((k) => k.live).join(", ")}; runtime live ${c.live}; one cycle allocates [${trace.join(", ")}] B`,
  );
}

// ---- size -----------------------------------------------------------------

/** The size app built without and with the crate, at each opt-level: wasm and glue, raw and gzip -9. */
function sizes() {
  const out = join(crate, "size-out");
  const wasmOpt = join(root, "node_modules", ".bin", "wasm-opt");
  const res = {};
  for (const opt of ["z", "3"]) {
    res[opt] = {};
    for (const ggs of [false, true]) {
      const name = `${ggs ? "ggs" : "base"}-O${opt}`;
      const targetDir = join(crate, "target", `size-O${opt}`);
      const env = toolEnv({ CARGO_PROFILE_RELEASE_OPT_LEVEL: opt, CARGO_TARGET_DIR: targetDir });
      must("cargo", ["build", "--release", "--target", "wasm32-unknown-unknown", "-p", "size-app", "--quiet", ...(ggs ? ["--features", "ggs"] : [])], { env });
      const dir = join(out, name);
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      must("wasm-bindgen", ["--target", "web", "--out-dir", dir, "--no-typescript", join(targetDir, "wasm32-unknown-unknown", "release", "size_app.wasm")]);
      const bg = join(dir, "size_app_bg.wasm");
      const opted = join(dir, "size_app_opt.wasm");
      // scripts/build.mjs's flags for the npm wasm.
      must(wasmOpt, [
        "--low-memory-unused", "--gufa", "--duplicate-function-elimination", "--merge-similar-functions",
        "-Oz", "--converge", "--strip-producers", "--strip-target-features",
        "--enable-bulk-memory", "--enable-nontrapping-float-to-int", "--enable-sign-ext",
        "--enable-reference-types", "--enable-multivalue",
        bg, "-o", opted,
      ]);
      const file = (f) => {
        const b = readFileSync(f);
        return { raw: b.length, gz: gzipSync(b, { level: 9 }).length };
      };
      const wasm = file(opted);
      const js = file(join(dir, "size_app.js"));
      res[opt][ggs ? "ggs" : "base"] = { wasmBindgen: file(bg).raw, wasm, js, gz: wasm.gz + js.gz, raw: wasm.raw + js.raw };
    }
    const r = res[opt];
    r.delta = { gz: r.ggs.gz - r.base.gz, raw: r.ggs.raw - r.base.raw, wasmGz: r.ggs.wasm.gz - r.base.wasm.gz, jsGz: r.ggs.js.gz - r.base.js.gz };
    log(
      `Size (opt-level ${opt}, wasm-opt -Oz, gzip -9 each file): app ${r.base.wasm.gz} + ${r.base.js.gz} B, with go-go-scope-wasm ${r.ggs.wasm.gz} + ${r.ggs.js.gz} B ` +
        `(wasm + JS glue): +${r.delta.gz} B gzip (wasm +${r.delta.wasmGz}, glue +${r.delta.jsGz}; raw +${r.delta.raw} B)`,
    );
  }
  return res;
}

if (want("size")) results.size = sizes();

log(`Rust face bench finished in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
if (!smoke) {
  log("");
  log(renderRustText(results).join("\n"));
  for (const t of rustTargets(results)) log(`${t.met ? "met    " : "NOT MET"} ${t.label}: ${t.shown} (target ${t.targetText})`);
}
if (jsonOut) {
  mkdirSync(dirname(jsonOut), { recursive: true });
  writeFileSync(jsonOut, `${JSON.stringify(results, null, 1)}\n`);
}

/** Which sources were measured: HEAD, and a hash of src/ when it differs from HEAD. */
function source() {
  const git = (...a) => spawnSync("git", a, { cwd: root, encoding: "utf8" }).stdout?.trim() ?? "";
  const dirty = git("status", "--porcelain", "--", "src", "Cargo.toml") !== "";
  const h = createHash("sha256");
  for (const f of git("ls-files", "--cached", "--others", "--exclude-standard", "--", "src").split("\n").filter(Boolean).sort()) {
    if (existsSync(join(root, f))) h.update(f).update(readFileSync(join(root, f)));
  }
  return { commit: git("rev-parse", "--short", "HEAD"), dirty, src: h.digest("hex").slice(0, 12) };
}

function machine() {
  const cpus = os.cpus();
  return { cpu: cpus[0]?.model ?? "unknown", cores: cpus.length, node: process.version, date: new Date().toISOString() };
}
