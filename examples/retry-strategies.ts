// Retry strategies (beyond 1.0, from go-go-scope 2.x): exponentialBackoff, jitter, linear and decorrelatedJitter as retry.delay
// Each makes a delay function `(attempt, error) => ms` for 1.0's
// `retry.delay`. A `seed` (our own option) makes the jittered ones print the
// same numbers on every run, and the same as their Rust twin.
import { decorrelatedJitter, exponentialBackoff, jitter, linear, scope } from "go-go-scope-wasm";

const show = (label: string, delay: (attempt: number) => number) =>
  console.log(`  ${label}: ${[1, 2, 3, 4, 5, 6].map((attempt) => delay(attempt)).join(", ")}`);

console.log("The delays before retries 1 to 6");
show("exponential (100 ms, x2, max 30 s)", exponentialBackoff());
show("exponential, 30% jitter, max 1 s, seed 42", exponentialBackoff({ initial: 100, max: 1000, jitter: 0.3, seed: 42 }));
show("exponential, full jitter, max 1 s, seed 42", exponentialBackoff({ initial: 100, max: 1000, fullJitter: true, seed: 42 }));
show("jitter 1000 ms +-20%, seed 42", jitter(1000, 0.2, 42));
show("linear 100 ms + 50 ms", linear(100, 50));
show("decorrelated jitter 100 ms to 5 s, seed 42", decorrelatedJitter({ initial: 100, max: 5000, seed: 42 }));

console.log("As retry.delay: a call that fails 3 times, retried with backoff from 10 ms");
{
  await using s = scope();
  let calls = 0;
  const t0 = Date.now();
  const [err, value] = await s.task(
    async () => {
      if (++calls < 4) throw new Error(`flaky ${calls}`);
      return `ok after ${calls} calls`;
    },
    { retry: { maxRetries: 5, delay: exponentialBackoff({ initial: 10, max: 100 }) } },
  );
  console.log(`  → err: ${err === undefined ? "none" : String(err)}, value: ${value}`);
  console.log(`  waited 10 + 20 + 40 ms: ${Date.now() - t0 >= 70}`);
}

console.log("Bad options are refused when the strategy is made");
try {
  exponentialBackoff({ jitter: 1.5 });
} catch (e) {
  console.log(`  ${(e as Error).name}: ${(e as Error).message}`);
}
