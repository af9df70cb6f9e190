// Timers: the machine says when (src/machine/timer.rs); JS only keeps the
// handle and reports the firing.
import { W, idx, now, on, run } from "./wasm";

const TM: (ReturnType<typeof setTimeout> | undefined)[] = [];

function fire(k: number): void {
  TM[idx(k)] = undefined;
  W.timer_fired(k, now());
  run();
}

on(7 /* TimerSet */, (k, ms) => {
  TM[idx(k)] = setTimeout(fire, ms, k);
});
on(8 /* TimerClear */, (k) => {
  const i = idx(k);
  const h = TM[i];
  if (h !== undefined) {
    TM[i] = undefined;
    clearTimeout(h);
  }
});
