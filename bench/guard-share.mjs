// How much of the task rows against the e4886b8 package is the stack guard
// (issue 20: "2 tasks ≤ 1.0× e4886b8"). The e4886b8 package (the design
// before the state machine) has no stack guard: it let a stack overflow
// strike anywhere, inside wasm included. SPEC.md forbids that, so every
// public entry of ours runs `guard()` (pkg-template/src/wasm.ts: ten JS
// frames, then one wasm probe) before its machine command: three per simple
// cycle, four with two tasks.
//
// Variants, in one process, interleaved rounds, steady state (a hot loop, no
// forced GC, one scope of each package kept alive as a long-lived program
// has), each row's batch the bench's own workload (bench/workloads.mjs):
//   - ours: go-go-scope-wasm (pkg/) as shipped;
//   - ours, probe at its minimum: the same package with the guard's probe
//     set to its least depth through the test hook (`setProbeDepth(0, 0)`,
//     pkg/internal.cjs): one wasm call left of the guard's cost, and none of
//     its guarantee, so this is a measurement only;
//   - the e4886b8 package (bench/before-pkg.mjs builds it once, cached).
// Usage: node bench/guard-share.mjs [rounds]
import { createRequire } from "node:module";
import { join } from "node:path";
import { BEFORE_LABEL, ensureBeforePkg } from "./before-pkg.mjs";
import { root } from "./instance.mjs";
import { programs } from "./workloads.mjs";

const rounds = Number(process.argv[2] ?? 11);
const require = createRequire(import.meta.url);
const lib = require(join(root, "pkg", "index.cjs"));
const hooks = require(join(root, "pkg", "internal.cjs"));
const b = ensureBeforePkg({ log: () => {} });
if (b.error) throw new Error(`no ${BEFORE_LABEL}: ${b.error}`);
const before = require(join(b.dir, "index.cjs"));

// The bench's own programs (bench/workloads.mjs), for each package.
const ours = programs(lib);
const old = programs(before);
const rows = {
  cycle: { n: 20_000, guards: 3, of: (p) => () => p.cycle() },
  "2 tasks": { n: 20_000, guards: 4, of: (p) => () => p.two() },
  "fan-out 1k": { n: 40, guards: 1002, of: (p) => () => p.fan(1000) },
};

// The shipped depths (`probeDepth`, `jsDepth` in pkg-template/src/wasm.ts).
const SHIPPED = [1, 10];
const keep = [lib.scope(), before.scope()];
const med = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
console.log(`µs per batch item (median of ${rounds} interleaved rounds), and the paired ratio to the ${BEFORE_LABEL}:`);
for (const [name, row] of Object.entries(rows)) {
  const variants = {
    ours: { f: row.of(ours), depth: SHIPPED },
    "ours, probe at its minimum": { f: row.of(ours), depth: [0, 0] },
    [BEFORE_LABEL]: { f: row.of(old), depth: SHIPPED },
  };
  const names = Object.keys(variants);
  const t = Object.fromEntries(names.map((k) => [k, []]));
  for (let r = -1; r < rounds; r++) {
    for (const k of r % 2 ? [...names].reverse() : names) {
      const v = variants[k];
      hooks.setProbeDepth(...v.depth);
      const t0 = performance.now();
      for (let i = 0; i < row.n; i++) await v.f();
      if (r >= 0) t[k].push(((performance.now() - t0) * 1000) / row.n);
    }
  }
  hooks.setProbeDepth(...SHIPPED);
  const ratio = (k, to = BEFORE_LABEL) => med(t[k].map((x, i) => x / t[to][i]));
  console.log(name);
  for (const k of names) console.log(`  ${k.padEnd(28)} ${med(t[k]).toFixed(3)} µs  ${ratio(k).toFixed(2)}×`);
  // Paired per round (a difference of medians taken from different rounds is noise here).
  const share = ratio("ours", "ours, probe at its minimum");
  const each = ((share - 1) * med(t["ours, probe at its minimum"]) * 1000) / row.guards;
  console.log(`  the guard: ours / probe at its minimum ${share.toFixed(2)}× (about ${each.toFixed(0)} ns for each of its ${row.guards} public calls)`);
}
void keep;
