// Timers: the machine says when (src/machine/timer.rs); JS only keeps the
// handle and reports the firing.
import { Table, W, now, on, run } from "./wasm";

const TM = new Table<ReturnType<typeof setTimeout>>();

function fire(k: number): void {
  TM.take(k);
  W.timer_fired(k, now());
  run();
}

on(7 /* TimerSet */, (k, ms) => {
  TM.set(k, setTimeout(fire, ms, k));
});
on(8 /* TimerClear */, (k) => {
  const h = TM.take(k);
  if (h !== undefined) clearTimeout(h);
});
