// The "Rust face" section of bench/RESULTS.md (and bench/rust.mjs's closing
// table) from bench/rust.mjs's results. No dependencies.

const KB = 1024;
const fmtNs = (x) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
const fmtR = (x) => `${x.toFixed(2)}×`;
const range = (lo, hi, f) => `${f(lo)}–${f(hi)}`;

// Targets: time ratio ours / baseline at most `max`, or throughput
// (baseline time / ours) at least `min`.
const TARGETS = {
  "fan-small": [{ base: "join_all", max: 1.5 }],
  "fan-large": [{ base: "join_all", max: 1.5 }],
  cycle: [{ base: "spawn_local", max: 1.5 }],
  "chan-spsc": [
    { base: "mpsc", min: 1.0 },
    { base: "async-channel", min: 0.8 },
  ],
  "chan-mpsc4": [
    { base: "mpsc", min: 1.0 },
    { base: "async-channel", min: 0.8 },
  ],
};
export const PENDING_MAX = 300;
export const SIZE_MAX = 30 * KB;

/** Every target the results speak to: { label, met, shown, targetText }. */
export function rustTargets(r) {
  const out = [];
  for (const w of r.workloads ?? []) {
    for (const t of TARGETS[w.id] ?? []) {
      const q = w.ratios[t.base];
      if (!q) continue;
      if (t.max !== undefined) {
        out.push({
          label: `Rust: ${w.name}, ours vs ${t.base} (time)`,
          met: q.ratio <= t.max,
          shown: `${fmtR(q.ratio)} (rounds ${range(q.min, q.max, fmtR)})`,
          targetText: `≤ ${t.max}×`,
        });
      } else {
        // Throughput: baseline time / ours; its range from the ratio's.
        out.push({
          label: `Rust: ${w.name}, ours vs ${t.base} (throughput)`,
          met: 1 / q.ratio >= t.min,
          shown: `${fmtR(1 / q.ratio)} (rounds ${range(1 / q.max, 1 / q.min, fmtR)})`,
          targetText: `≥ ${t.min}×`,
        });
      }
    }
  }
  if (r.pending) {
    const p = r.pending.ours;
    out.push({
      label: `Rust: heap bytes per pending task, ${r.pending.n.toLocaleString("en")} pending (first time, tables grown from empty)`,
      met: p.cold.live <= PENDING_MAX,
      shown: `${p.cold.live.toFixed(0)} B (warm ${p.warm.live.toFixed(0)} B)`,
      targetText: `≤ ${PENDING_MAX} B`,
    });
  }
  if (r.cycles) {
    const c = r.cycles;
    out.push({
      label: `Rust: ${c.cycles.toLocaleString("en")} scope cycles, live heap and WebAssembly memory growth`,
      met: c.liveGrowth <= 0 && c.wasmGrowth === 0,
      shown: `${c.liveGrowth} B heap, ${c.wasmGrowth} B memory`,
      targetText: "0 B (flat)",
    });
  }
  if (r.size) {
    const d = r.size.z.delta;
    out.push({
      label: "Rust: what the crate adds to a wasm-bindgen app (opt-level z, wasm-opt -Oz, gzip -9, wasm + JS glue)",
      met: d.gz <= SIZE_MAX,
      shown: `${(d.gz / KB).toFixed(1)} KB (${d.gz} B)`,
      targetText: `≤ ${SIZE_MAX / KB} KB`,
    });
  }
  return out;
}

/** The section's markdown lines (also printed by bench/rust.mjs). */
export function renderRustText(r) {
  const L = [];
  const targets = rustTargets(r);
  const met = targets.filter((t) => t.met).length;
  L.push(`## Rust face (\`bench/rust.mjs\`): ${met} of ${targets.length} targets met`);
  L.push("");
  L.push(
    "The Rust API (`go_go_scope_wasm::{scope, Scope, Channel, …}`, src/driver/) in wasm under Node on its default runtime " +
      "(wasm-bindgen-futures' `spawn_local`, gloo-timers), against hand-written Rust on the same crates, all in one wasm built " +
      "from `bench/rust/` (`--release`, the crate's profile: opt-level 3, LTO, one codegen unit). One Node process, one warm-up round, " +
      `then ${r.sizes.rounds} timed rounds; each round runs one batch of every variant (order alternating), each after a full GC. ` +
      "Figures are the median over rounds, in brackets the range over rounds; a ratio is the median of the per-round " +
      "ratios (ours / baseline time) with their range. Allocations are counted by the bench's global allocator over one batch. " +
      "V8 runs the wasm optimized from the start (`--no-liftoff`): its baseline tier, replaced at random rounds on busy cores, " +
      "made ranges several times wider.",
  );
  if (r.source) {
    L.push("");
    L.push(`Sources measured: commit ${r.source.commit}${r.source.dirty ? ` with uncommitted changes (src/ sha256 ${r.source.src}…)` : ""}; ${r.machine.cpu} × ${r.machine.cores}, Node ${r.machine.node}, ${r.machine.date}.`);
  }
  L.push("");
  if (targets.length) {
    L.push("| target | measured | target | met |");
    L.push("| --- | --- | --- | --- |");
    for (const t of targets) L.push(`| ${t.label.replace(/^Rust: /, "")} | ${t.shown} | ${t.targetText} | ${t.met ? "met" : "**not met**"} |`);
    L.push("");
  }
  if (r.workloads?.length) {
    L.push("| workload | variant | ns per unit (median) | range over rounds | ours / this (time) | allocations per unit |");
    L.push("| --- | --- | --- | --- | --- | --- |");
    for (const w of r.workloads) {
      const labels = Object.keys(w.variants);
      labels.forEach((l, i) => {
        const v = w.variants[l];
        const q = w.ratios[l];
        const a = w.allocs[l];
        L.push(
          `| ${i === 0 ? `${w.name} (per ${w.unit})` : ""} | ${l} | ${fmtNs(v.ns)} | ${range(v.min, v.max, fmtNs)} | ${q ? `${fmtR(q.ratio)} (${range(q.min, q.max, fmtR)})` : ""} | ${a.count.toFixed(2)} (${a.bytes.toFixed(0)} B) |`,
        );
      });
    }
    L.push("");
    L.push(
      "Variants: *ours* uses scope tasks (`s.task(|ctx| async { … }, TaskOptions::default())`, `s.spawn(…)` for the channel " +
        "producers and consumer) and awaits each task handle in order; *join_all* is `spawn_local` + a `futures::channel::oneshot` " +
        "per task and `futures::future::join_all` of the receivers; *in order* is the same with the receivers awaited one by one " +
        "(no `join_all`); *ours (spawn_local)* is our channel driven by plain `spawn_local` futures, to separate the channel's " +
        "cost from the task wrapper's; *async-channel* is `async_channel::bounded(cap)`, *mpsc* `futures::channel::mpsc::channel(cap)` " +
        "(which also gives each sender one slot), both with `spawn_local` futures. A fan-out task returns its index at once (our task " +
        "then completes inside `s.task`, never reaching the executor) or, in the *yields once* rows, after one trip through the executor.",
    );
    L.push("");
  }
  if (r.pending) {
    const { n, ours, base } = r.pending;
    const row = (name, p) =>
      `| ${name} | ${p.cold.live.toFixed(1)} | ${p.cold.blocks.toFixed(2)} | ${p.cold.wasm.toFixed(1)} | ${p.cold.heap.toFixed(1)} | ${p.warm.live.toFixed(1)} | ${p.warm.blocks.toFixed(2)} | ${p.warm.leftBytes} |`;
    L.push(`Pending tasks: ${n.toLocaleString("en")} tasks, each awaiting one shared gate future (one waker slot each, in both variants), held until all are counted, in a fresh wasm instance:`);
    L.push("");
    L.push("| | heap B/task, first time | blocks/task | wasm memory growth B/task | JS heap B/task | heap B/task, again | blocks/task | heap left after (B) |");
    L.push("| --- | --- | --- | --- | --- | --- | --- | --- |");
    L.push(row("ours (scope tasks)", ours));
    L.push(row("spawn_local + oneshot", base));
    L.push("");
    L.push(
      "Heap bytes are the live bytes the program's allocations asked for, counted by the bench's global allocator around dlmalloc " +
        "(dlmalloc's own 4–8 B header and 8 B rounding per block come on top: about blocks/task × 8 B more), taken after the executor " +
        "polled every task; *first time* starts from an instance whose runtime exists but whose tables and queues are small, " +
        "so their growth (with its doubling slack) is counted; *again* is a second batch in the same instance. The handles' `Vec` " +
        `(4 B/task) and the gate's waker slot (8 B/task) are in both. One more task, made while the others wait and polled by the executor, ` +
        `allocates blocks of [${ours.warm.trace.join(", ")}] B (ours) and [${base.warm.trace.join(", ")}] B (baseline). Runtime after: ${ours.live}.`,
    );
    L.push("");
  }
  if (r.cycles) {
    const c = r.cycles;
    L.push(
      `Scope cycles: ${c.cycles.toLocaleString("en")} cycles (scope, one task, its result, \`dispose().await\`) after 10,000 to warm, ${c.usPerCycle.toFixed(2)} µs/cycle; ` +
        `live heap growth ${c.liveGrowth} B (${c.blocksGrowth} blocks), WebAssembly memory ${c.checkpoints[0].wasm} → ${c.checkpoints[c.checkpoints.length - 1].wasm} B; runtime after: ${c.live}. ` +
        `One cycle allocates blocks of [${(c.trace ?? []).join(", ")}] B.`,
    );
    L.push("");
    L.push(`| cycles | ${c.checkpoints.map((k) => k.cycles.toLocaleString("en")).join(" | ")} |`);
    L.push(`| --- | ${c.checkpoints.map(() => "---").join(" | ")} |`);
    L.push(`| live heap (B) | ${c.checkpoints.map((k) => k.live).join(" | ")} |`);
    L.push(`| WebAssembly memory (B) | ${c.checkpoints.map((k) => k.wasm).join(" | ")} |`);
    L.push("");
  }
  if (r.size) {
    L.push(
      "Size: `bench/rust/size-app`, a wasm-bindgen app on wasm-bindgen-futures, web-sys and gloo-timers, built without and with " +
        "feature `ggs` (the same app also using go-go-scope-wasm: a scope with a timeout, a task with timeout and retry, a channel, " +
        "a race); `cargo build --release` for wasm32-unknown-unknown (LTO, one codegen unit, panic abort) at opt-level z and 3, " +
        "`wasm-bindgen --target web`, then `wasm-opt` with scripts/build.mjs's flags (-Oz …); each file gzip -9 on its own.",
    );
    L.push("");
    L.push("| opt-level | app wasm (raw / gzip) | app glue (raw / gzip) | with the crate: wasm | glue | added, gzip (wasm + glue) | added, raw |");
    L.push("| --- | --- | --- | --- | --- | --- | --- |");
    for (const opt of ["z", "3"].filter((o) => r.size[o])) {
      const s = r.size[opt];
      L.push(
        `| ${opt} | ${s.base.wasm.raw} / ${s.base.wasm.gz} | ${s.base.js.raw} / ${s.base.js.gz} | ${s.ggs.wasm.raw} / ${s.ggs.wasm.gz} | ${s.ggs.js.raw} / ${s.ggs.js.gz} | **${s.delta.gz} B** (${s.delta.wasmGz} + ${s.delta.jsGz}) | ${s.delta.raw} B |`,
      );
    }
    L.push("");
  }
  return L;
}
