// The floor under a channel message (issue 20): what one send and one
// receive cost at the wasm boundary alone, with no promise and no JS
// executor around them. It instantiates the shipped wasm (`pkg/`) on its own
// and calls the exports by their names in `build/export-names.json`
// (written by scripts/build.mjs):
//   - an export that does nothing but read one number (`chan_woken`): the
//     price of crossing the boundary and back;
//   - `chan_send` then `chan_recv` on a capacity-100 channel, 50 of each in
//     turn: what the machine's decision for one operation adds to it.
// Prints the best of 30 rounds (ns per call). Usage: node bench/channel-floor.mjs [pkgDir]
import { join } from "node:path";
import { root, shippedInstance } from "./instance.mjs";

const pkg = process.argv[2] || join(root, "pkg");
const { fn } = shippedInstance(pkg);
const send = fn("chan_send");
const recv = fn("chan_recv");
const reserve = fn("chan_reserve");
const woken = fn("chan_woken");
const k = fn("chan_new")(-1, -1, 100, 0);

function pairs(n) {
  let s = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < 50; j++) {
      let r = send(k);
      if (r === -3) (reserve(k), (r = send(k)));
      s += r;
    }
    for (let j = 0; j < 50; j++) {
      let r = recv(k, 0);
      if (r === -3) (reserve(k), (r = recv(k, 0)));
      s += r;
    }
  }
  return s;
}
function empty(n) {
  let s = 0;
  for (let i = 0; i < n * 100; i++) s += woken();
  return s;
}
const best = { empty: Infinity, "send or receive": Infinity };
for (let round = 0; round < 30; round++) {
  for (const [label, f] of [
    ["empty", empty],
    ["send or receive", pairs],
  ]) {
    const t0 = performance.now();
    f(5000);
    best[label] = Math.min(best[label], ((performance.now() - t0) * 1e6) / 5e5);
  }
}
console.log(`an export that only reads a number: ${best.empty.toFixed(1)} ns per call`);
console.log(`chan_send or chan_recv (capacity 100, 50 of each in turn): ${best["send or receive"].toFixed(1)} ns per call`);
