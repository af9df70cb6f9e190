// Type tests for go-go-scope 2.x's race options (issue 19): race and s.race
// take requireSuccess, timeout, stagger (and 2.x's staggerDelay,
// staggerMaxConcurrent, concurrency); s.any takes them all but
// requireSuccess; the Result is 1.0's tuple.
import { race, scope } from "go-go-scope-wasm";
import type { RaceOptions, RaceTiming, Result } from "go-go-scope-wasm";

export async function raceOptions() {
  await using s = scope().provide("db", () => ({ url: "db://" }));
  const a: Result<unknown, string> = await race([async () => "a"], { requireSuccess: true, timeout: 100, stagger: 50 });
  const b = await race([async ({ signal }) => String(signal.aborted)], {
    staggerDelay: 50,
    staggerMaxConcurrent: 2,
    signal: AbortSignal.timeout(1_000),
  });
  const c: Result<unknown, number> = await s.race([async ({ services }) => services.db.url.length], { concurrency: 1, requireSuccess: true });
  const d: Result<unknown, string> = await s.any([async () => "x", () => "y"], { timeout: 10, stagger: Infinity });
  // @ts-expect-error: s.any always requires success
  await s.any([async () => 1], { requireSuccess: false });
  // @ts-expect-error: a number of milliseconds
  await race([async () => 1], { timeout: "10ms" });
  const timing: RaceTiming = { stagger: 25 };
  const options: RaceOptions = { ...timing, tracer: undefined };
  return [a, b, c, d, options] as const;
}
