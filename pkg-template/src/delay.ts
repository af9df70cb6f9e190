// `s.delay(ms)` (go-go-scope 2.x): a sleep that ends early, as an abort,
// when its scope is cancelled. When it ends, and with what, is the
// machine's (src/machine/sleep.rs); here are the promise and its table.
import { Table, W, failure, guard, on, run } from "./wasm";
import { reasonOf } from "./signal";
import { mustBe } from "./errors";

/** The pending delays' settle functions, by sleep key. */
const D = new Table<[(v: void) => void, (e: unknown) => void]>();

/**
 * Starts a delay on scope key `k`. `gone` gives the reason of a scope that
 * finished disposing (its `signal.reason`).
 */
export function delay(k: number, ms: unknown, gone: () => unknown): Promise<void> {
  guard();
  if (typeof ms !== "number") throw mustBe("delay: ms", "a number", ms);
  const d = W.sleep_new(k, ms);
  if (d === -1) throw failure();
  if (d === -2) return Promise.reject(gone());
  return new Promise<void>((resolve, reject) => {
    D.set(d, [resolve, reject]);
    run(); // its timer, or (a cancelled scope) its end
  });
}

on(70 /* SleepDone */, (d, r) => {
  const e = D.take(d);
  if (e === undefined) return;
  if (r === -1) e[0]();
  else e[1](reasonOf(r));
});
