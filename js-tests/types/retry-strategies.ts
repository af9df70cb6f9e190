// Type tests for the retry strategies (additions from go-go-scope 2.x):
// each returns a function that fits 1.0's `retry.delay` and 2.x's
// `RetryDelayFn`, callable directly.
import { decorrelatedJitter, exponentialBackoff, jitter, linear, scope } from "go-go-scope-wasm";
import type { DecorrelatedJitterOptions, ExponentialBackoffOptions, RetryDelayFn, TaskOptions } from "go-go-scope-wasm";

/** 2.x's `RetryDelayFn`. */
type TwoX = (attempt: number, error: unknown) => number;

export async function strategies() {
  const e: RetryDelayFn = exponentialBackoff({ initial: 100, max: 5000, multiplier: 2, jitter: 0.3, fullJitter: false, seed: 1 });
  const j: TwoX = jitter(1000, 0.2);
  const l: NonNullable<NonNullable<TaskOptions["retry"]>["delay"]> = linear(100, 50);
  const d = decorrelatedJitter({ initial: 100, max: 30_000, seed: 7 });
  const ms: number = d(1) + e(2, new Error("x")) + j(3, null) + jitter(5, undefined, 42)(1);
  await using s = scope();
  await s.task(async () => 1, { retry: { maxRetries: 3, delay: exponentialBackoff() } });
  await s.task(async () => 1, { retry: { delay: decorrelatedJitter() } });
  const eo: ExponentialBackoffOptions = {};
  const dO: DecorrelatedJitterOptions = { seed: 3 };
  // @ts-expect-error: fullJitter is a boolean
  exponentialBackoff({ fullJitter: "yes" });
  // @ts-expect-error: linear needs its increment
  linear(100);
  // @ts-expect-error: decorrelatedJitter has no multiplier
  decorrelatedJitter({ multiplier: 2 });
  // @ts-expect-error: jitter's delay is a number
  jitter("1000");
  void [ms, l, eo, dO];
}
