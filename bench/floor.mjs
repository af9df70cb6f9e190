// What the API's shape costs in plain JS, with no library: the floor under
// the fan-out targets (bench/misses.md). One process, alternating, median.
//   node bench/floor.mjs
// - vanilla: the baseline's task (bench/baselines/vanilla.mjs): an async
//   function that awaits `fn()` and returns a Result tuple;
// - thenable: the least a go-go-scope task is: an object whose `then` gives
//   the Result tuple (SPEC "Tasks"), made when `fn` is called, settled by
//   `fn`'s promise. No scope, id, signal or disposal bookkeeping.
// Both are run 1,000 at a time and awaited with Promise.all, as the fan-out
// workload does.
import { settle } from "./baselines/vanilla.mjs";

const one = () => Promise.resolve(42);

class Thenable {
  constructor(fn) {
    this.r = undefined;
    this.p = undefined;
    this.res = undefined;
    fn().then(
      (v) => this.done([undefined, v]),
      (e) => this.done([e, undefined]),
    );
  }
  done(r) {
    this.r = r;
    if (this.res !== undefined) this.res(r);
  }
  then(a, b) {
    if (this.r !== undefined) return Promise.resolve(this.r).then(a, b);
    this.p ??= new Promise((res) => (this.res = res));
    return this.p.then(a, b);
  }
}

const N = 1000;
const variants = {
  vanilla: () => {
    const ts = new Array(N);
    for (let i = 0; i < N; i++) ts[i] = settle(one, undefined);
    return Promise.all(ts);
  },
  thenable: () => {
    const ts = new Array(N);
    for (let i = 0; i < N; i++) ts[i] = new Thenable(one);
    return Promise.all(ts);
  },
};

const times = { vanilla: [], thenable: [] };
for (let round = 0; round < 12; round++) {
  const order = round % 2 ? ["thenable", "vanilla"] : ["vanilla", "thenable"];
  for (const name of order) {
    const t0 = performance.now();
    for (let r = 0; r < 200; r++) await variants[name]();
    if (round > 0) times[name].push(((performance.now() - t0) / (200 * N)) * 1e6);
  }
}
const med = (x) => [...x].sort((a, b) => a - b)[x.length >> 1];
const v = med(times.vanilla);
const t = med(times.thenable);
console.log(`per task: vanilla ${v.toFixed(0)} ns, bare thenable ${t.toFixed(0)} ns: ${(t / v).toFixed(2)}× vanilla`);
