// Profiling aid: counts WebAssembly boundary crossings per operation.
// Loads pkg/index.cjs with every wasm export and every import wrapped in a
// counter, then runs N operations of a workload and prints calls per
// operation by name (JS→wasm exports, by their names in the sources: see
// build/export-names.json; wasm→JS imports).
// Usage: node bench/crossings.mjs [cycle|timeout|retry|two|race|fan|conc|parallel|chan] [N]
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

const here = dirname(fileURLToPath(import.meta.url));
const pkgDir = process.env.GGS_PKG || join(here, "..", "pkg");
const namesFile = join(here, "..", "build", "export-names.json");
const longName = Object.fromEntries(
  Object.entries(existsSync(namesFile) ? JSON.parse(readFileSync(namesFile, "utf8")) : {}).map(([long, short]) => [short, long]),
);
const counts = new Map();
const bump = (k) => counts.set(k, (counts.get(k) ?? 0) + 1);
let counting = false;

const RealInstance = WebAssembly.Instance;
WebAssembly.Instance = function (module, imports) {
  const wrapped = {};
  for (const [ns, obj] of Object.entries(imports)) {
    wrapped[ns] = {};
    for (const [name, f] of Object.entries(obj)) {
      wrapped[ns][name] =
        typeof f === "function"
          ? function (...a) {
              if (counting) bump(`wasm→JS ${name.replace(/_[0-9a-f]{16}$/, "")}`);
              return f.apply(this, a);
            }
          : f;
    }
  }
  const inst = new RealInstance(module, wrapped);
  const ex = {};
  for (const [name, v] of Object.entries(inst.exports)) {
    ex[name] =
      typeof v === "function"
        ? (...a) => {
            if (counting) bump(`JS→wasm ${longName[name] ?? name}`);
            return v(...a);
          }
        : v;
  }
  return { exports: ex };
};

const lib = createRequire(import.meta.url)(join(pkgDir, "index.cjs"));
const { scope, race, parallel } = lib;

const one = () => Promise.resolve(42);
const two = () => Promise.resolve(2);
const ops = {
  cycle: async () => {
    const s = scope();
    await s.task(one);
    await s[Symbol.asyncDispose]();
  },
  timeout: async () => {
    const s = scope({ timeout: 5000 });
    await s.task(one);
    await s[Symbol.asyncDispose]();
  },
  retry: async () => {
    const s = scope();
    await s.task(one, { retry: { maxRetries: 1 } });
    await s[Symbol.asyncDispose]();
  },
  two: async () => {
    const s = scope();
    await Promise.all([s.task(one), s.task(two)]);
    await s[Symbol.asyncDispose]();
  },
  race: () => race([one, two]),
  fan: async () => {
    const s = scope();
    const ts = [];
    for (let i = 0; i < 1000; i++) ts.push(s.task(one));
    await Promise.all(ts);
    await s[Symbol.asyncDispose]();
  },
  conc: async () => {
    const s = scope({ concurrency: 8 });
    const ts = [];
    for (let i = 0; i < 1000; i++) ts.push(s.task(one));
    await Promise.all(ts);
    await s[Symbol.asyncDispose]();
  },
  parallel: () => parallel(Array.from({ length: 1000 }, () => one), { concurrency: 10 }),
  chan: async () => {
    const s = scope();
    const ch = s.channel(100);
    const p = (async () => {
      for (let i = 0; i < 1000; i++) await ch.send(i);
      ch.close();
    })();
    while ((await ch.receive()) !== undefined);
    await p;
    await s[Symbol.asyncDispose]();
  },
};
const which = process.argv[2] ?? "cycle";
const n = Number(process.argv[3] ?? 1000);
for (let i = 0; i < 100; i++) await ops[which]();
counting = true;
for (let i = 0; i < n; i++) await ops[which]();
counting = false;
let total = 0;
const rows = [...counts].sort((a, b) => b[1] - a[1]);
for (const [k, c] of rows) {
  total += c;
  console.log(`${(c / n).toFixed(2).padStart(9)}  ${k}`);
}
console.log(`${(total / n).toFixed(2).padStart(9)}  total crossings per ${which} op`);
