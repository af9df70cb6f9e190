// Seed section "Retry": all four variants plus retry with timeout, as the
// seed writes them. fetchData/fetchUser fail a few times before answering;
// the delays are the seed's own (1 s, then 2 s of backoff), with progress on
// a terminal; only "Retry with Timeout" is shortened (50 ms, not 5 s).
import { scope } from "go-go-scope-wasm";
import { elapsed } from "./support/progress.ts";

class NetworkError extends Error {}
let attempts = 0;
let failuresLeft = 0;
/** The next calls of fetchData fail `n` times with a NetworkError, then answer. */
function failTimes(n: number) {
  attempts = 0;
  failuresLeft = n;
}
async function fetchData(): Promise<string> {
  attempts++;
  if (failuresLeft-- > 0) throw new NetworkError(`connection reset (attempt ${attempts})`);
  return `data after ${attempts} attempts`;
}
const fetchUser = async (id: number) => {
  const v = await fetchData();
  return { id, v };
};
const id = 42;
const show = (err: unknown, value: unknown) => console.log(`  → err: ${err === undefined ? "none" : String(err)}, value: ${JSON.stringify(value)}`);

console.log("Basic Retry: fetchUser fails twice, maxRetries 3");
{
  failTimes(2);
  await using s = scope()

  const [err, user] = await s.task(
    () => fetchUser(id),
    { retry: { maxRetries: 3 } }
  )
  show(err, user);
}

console.log("With Delay: fails once, then 1 second before the retry");
{
  failTimes(1);
  await using s = scope();
  const t0 = Date.now();
  const stop = elapsed("waiting out the 1 s delay", 1000);
  const [err, result] = await s.task(
    () => fetchData(),
    {
      retry: {
        maxRetries: 5,
        delay: 1000  // 1 second between retries
      }
    }
  )
  stop();
  show(err, result);
  console.log(`  took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

console.log("Exponential Backoff: fails once, so the first backoff (2 s) applies");
{
  failTimes(1);
  await using s = scope();
  const t0 = Date.now();
  const stop = elapsed("backing off 2 s", 2000);
  const [err, result] = await s.task(
    () => fetchData(),
    {
      retry: {
        maxRetries: 5,
        delay: (attempt) => Math.min(1000 * 2 ** attempt, 30000)
        // Attempt 1: 2000ms
        // Attempt 2: 4000ms
        // Attempt 3: 8000ms
        // ... up to 30000ms
      }
    }
  )
  stop();
  show(err, result);
  console.log(`  took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

console.log("Conditional Retry: network errors are retried…");
{
  failTimes(2);
  await using s = scope();
  const [err, result] = await s.task(
    () => fetchData(),
    {
      retry: {
        maxRetries: 3,
        retryCondition: (error) => {
          // Only retry network errors
          return error instanceof NetworkError
        },
        onRetry: (error, attempt) => {
          console.log(`Retry ${attempt} after error: ${error.message}`)
        }
      }
    }
  )
  show(err, result);
}
console.log("…and anything else is not");
{
  await using s = scope();
  let calls = 0;
  const [err] = await s.task(
    async () => {
      calls++;
      throw new TypeError("bad request");
    },
    { retry: { maxRetries: 3, retryCondition: (error) => error instanceof NetworkError } },
  );
  console.log(`  → ${(err as Error).name}: ${(err as Error).message} after ${calls} call`);
}

console.log("Retry with Timeout: the first attempt hangs and times out, the retry answers");
{
  attempts = 0;
  let hang = true;
  const slowThenFast = () => {
    attempts++;
    if (hang) {
      hang = false;
      return new Promise<string>(() => {});
    }
    return Promise.resolve(`answered on attempt ${attempts}`);
  };
  await using s = scope();
  const [err, result] = await s.task(
    () => slowThenFast(),
    {
      timeout: 50,  // Each attempt has 50 ms (the seed: 5 seconds)
      retry: {
        maxRetries: 3,
        delay: 10
      }
    }
  )
  show(err, result);
}
