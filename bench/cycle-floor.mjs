// Where the simple cycle's time goes (issue 20: the cycle against Effect).
// The cycle is `scope()`, one task of `() => Promise.resolve(42)` awaited,
// dispose. Each variant below adds one of the costs ours pays, in one
// process, interleaved rounds, steady state (a hot loop, no forced GC, one
// scope kept alive as a long-lived program has):
//   - effect: Effect 4's fiber over one `tryPromise` (the bench's baseline);
//   - shape: the least JS with go-go-scope's public shape (a scope object, a
//     task whose `then` gives a Result tuple, an async dispose): no library;
//   - + guard: the same, running the stack guard SPEC requires at each of
//     the three public calls, as the executor does (`guard()` in
//     pkg-template/src/wasm.ts: ten JS frames, then one wasm probe);
//   - + machine: the same again, making the machine's calls of a cycle into
//     a second instance of the shipped wasm (scope_new, scope_breaker,
//     spawn, attempt_settled with the serial read from the Start effect,
//     scope_dispose), and reading the effects each emits, with no effect
//     handlers;
//   - ours: go-go-scope-wasm (pkg/).
// What ours costs beyond "+ machine" is the executor's JS.
// Usage: node bench/cycle-floor.mjs [rounds] [pkgDir]
import { createRequire } from "node:module";
import { join } from "node:path";
import { Effect } from "effect";
import { root, shippedInstance } from "./instance.mjs";

const rounds = Number(process.argv[2] ?? 15);
const pkg = process.argv[3] || join(root, "pkg");
const lib = createRequire(import.meta.url)(join(pkg, "index.cjs"));
const { X, fn } = shippedInstance(pkg);
const M = {
  probe: fn("probe"),
  scopeNew: fn("scope_new"),
  breaker: fn("scope_breaker"),
  spawn: fn("spawn"),
  settled: fn("attempt_settled"),
  dispose: fn("scope_dispose"),
};
const headAt = (fn("fx_head")() >>> 0) / 4;
let u32 = new Uint32Array(X.memory.buffer);
let f64 = new Float64Array(X.memory.buffer);
/** Takes the effects the last call emitted; returns the serial of a Start effect among them (or -1). */
function effects() {
  if (u32.length === 0) (u32 = new Uint32Array(X.memory.buffer)), (f64 = new Float64Array(X.memory.buffer));
  const n = u32[headAt + 1];
  if (n === 0) return -1;
  u32[headAt + 1] = 0;
  const p = u32[headAt] / 8;
  let serial = -1;
  for (let i = 0; i < n; i += 4) if (f64[p + i] === 1) serial = f64[p + i + 2];
  return serial;
}

// The executor's guard, as it is (pkg-template/src/wasm.ts).
function probeJs(n, a, b, c, d, e, f, g, h) {
  return n === 0 ? M.probe(1) : probeJs(n - 1, b, c, d, e, f, g, h, a) + a;
}
function guard() {
  probeJs(10, 1, 2, 3, 4, 5, 6, 7, 8);
}

const DONE = Promise.resolve();
/** The least code with the public shape; `g` guards, `m` makes the machine's calls. */
function shape(g, m) {
  class Task {
    constructor(scope, f) {
      this.s = scope;
      this.r = undefined;
      this.res = undefined;
      this.p = undefined;
      this.k = -1;
      this.serial = -1;
      if (m) {
        this.k = M.spawn(scope.k, 0, 0, 0, 0, 0);
        this.serial = effects();
      }
      let r;
      try {
        r = f({ signal: undefined, services: scope.services });
      } catch (e) {
        this.done(false, e);
        return;
      }
      if (r !== null && typeof r === "object" && typeof r.then === "function")
        r.then(
          (v) => this.done(true, v),
          (e) => this.done(false, e),
        );
      else this.done(true, r);
    }
    done(ok, v) {
      if (m) {
        M.settled(this.k, this.serial, ok, 0);
        effects();
      }
      const r = ok ? [undefined, v] : [v, undefined];
      this.r = r;
      this.s.n--;
      if (this.res !== undefined) this.res(r);
    }
    then(a, b) {
      if (this.r !== undefined) return Promise.resolve(this.r).then(a, b);
      this.p ??= new Promise((res) => (this.res = res));
      return this.p.then(a, b);
    }
  }
  class Scope {
    constructor() {
      if (g) guard();
      this.n = 0;
      this.services = {};
      this.k = -1;
      if (m) {
        this.k = M.scopeNew(-1, -1, 0, 0, 0, 0, 0);
        M.breaker(this.k, 0);
        effects();
      }
    }
    task(f) {
      if (g) guard();
      this.n++;
      return new Task(this, f);
    }
    [Symbol.asyncDispose]() {
      if (g) guard();
      if (m) {
        M.dispose(this.k);
        effects();
      }
      return this.n === 0 ? DONE : Promise.resolve();
    }
  }
  return { scope: () => new Scope() };
}

const one = () => Promise.resolve(42);
const cycleOf = (l) =>
  async function cycle() {
    const s = l.scope();
    try {
      return await s.task(one);
    } finally {
      await s[Symbol.asyncDispose]();
    }
  };
const variants = {
  effect: () => Effect.runPromise(Effect.result(Effect.tryPromise(() => one()))),
  shape: cycleOf(shape(false, false)),
  "+ guard": cycleOf(shape(true, false)),
  "+ guard + machine": cycleOf(shape(true, true)),
  ours: cycleOf(lib),
};
const keep = lib.scope();
const N = 20_000;
const t = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
for (let r = 0; r < rounds; r++) {
  for (const [k, v] of Object.entries(variants)) {
    const t0 = performance.now();
    for (let i = 0; i < N; i++) await v();
    t[k].push(((performance.now() - t0) * 1000) / N);
  }
}
const med = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
const e = med(t.effect);
console.log(`simple cycle, µs per cycle (median of ${rounds} rounds of ${N}), and against Effect:`);
for (const [k, a] of Object.entries(t)) console.log(`  ${k.padEnd(20)} ${med(a).toFixed(3)} µs  ${(med(a) / e).toFixed(2)}×`);
void keep;
