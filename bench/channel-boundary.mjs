// Where the channel gap goes (issue 20): the hand-written JS channel
// (bench/baselines/channel.mjs) run as is, and run again with the machine's
// decision added to every operation, as ours pays it: one `chan_send` per
// send and one `chan_recv` per receive, into a second instance of the
// shipped wasm (its own capacity-1024 channel, so every call does the work
// of a real buffered operation). Beside them, go-go-scope-wasm's own
// channel. The three workloads of `npm run bench`, steady state (a hot loop,
// no forced GC), interleaved rounds; prints µs per batch (best and median)
// and the ratios. If ours is about "js + machine calls", the calls are
// the gap. Usage: node bench/channel-boundary.mjs [rounds] [pkgDir]
import { createRequire } from "node:module";
import { join } from "node:path";
import { Channel as JsChannel } from "./baselines/channel.mjs";
import { root, shippedInstance } from "./instance.mjs";
import { mpsc, pingPong, spsc } from "./workloads.mjs";

const rounds = Number(process.argv[2] ?? 15);
const pkg = process.argv[3] || join(root, "pkg");
const lib = createRequire(import.meta.url)(join(pkg, "index.cjs"));
const { fn } = shippedInstance(pkg);
const msend = fn("chan_send");
const mrecv = fn("chan_recv");
const mreserve = fn("chan_reserve");
const mk = fn("chan_new")(-1, -1, 1024, 0);
let sink = 0;
function machineSend() {
  let r = msend(mk);
  if (r === -3) (mreserve(mk), (r = msend(mk)));
  sink += r;
}
function machineRecv() {
  let r = mrecv(mk, 0);
  if (r === -3) (mreserve(mk), (r = mrecv(mk, 0)));
  sink += r;
}

/** The JS channel, paying one machine call per operation. */
class PaidChannel extends JsChannel {
  send(v) {
    machineSend();
    return super.send(v);
  }
  receive() {
    machineRecv();
    return super.receive();
  }
}

async function withScope(body) {
  const s = lib.scope();
  try {
    return await body((cap) => s.channel(cap));
  } finally {
    await s[Symbol.asyncDispose]();
  }
}
// The programs of `npm run bench`'s channel workloads (bench/workloads.mjs).
const workloads = {
  "cap 100, 1 producer, 10,000 values": (make) => spsc(make, 10_000, 100),
  "cap 1, 4 producers, 2,000 values": (make) => mpsc(make, 2_000, 4, 1),
  "unbuffered ping-pong, 1,000 round trips": (make) => pingPong(make, 1_000),
};
const variants = {
  ours: (w) => withScope(w),
  js: (w) => w((cap) => new JsChannel(cap)),
  "js + machine calls": (w) => w((cap) => new PaidChannel(cap)),
};
const per = 20; // batches per timing
for (const [wname, w] of Object.entries(workloads)) {
  const t = Object.fromEntries(Object.keys(variants).map((v) => [v, []]));
  for (let r = 0; r < rounds; r++) {
    for (const [vname, v] of Object.entries(variants)) {
      const t0 = performance.now();
      for (let i = 0; i < per; i++) await v(w);
      t[vname].push(((performance.now() - t0) * 1000) / per);
    }
  }
  const stat = (a) => {
    const s = [...a].sort((x, y) => x - y);
    return { best: s[0], median: s[s.length >> 1] };
  };
  const st = Object.fromEntries(Object.entries(t).map(([k, a]) => [k, stat(a)]));
  console.log(wname);
  for (const [k, s] of Object.entries(st)) console.log(`  ${k.padEnd(20)} best ${s.best.toFixed(0).padStart(6)} µs  median ${s.median.toFixed(0).padStart(6)} µs`);
  const ratio = (a, b) => `${(st[a].median / st[b].median).toFixed(2)}×`;
  console.log(`  ours / js ${ratio("ours", "js")}; ours / (js + machine calls) ${ratio("ours", "js + machine calls")}; (js + machine calls) / js ${ratio("js + machine calls", "js")}`);
}
if (sink === 0.5) console.log(sink);
