// Seed section "Retry": all four variants plus retry with timeout, as the
// seed writes them. fetchData/fetchUser fail a few times before answering;
// delays are real but short where the seed's would take minutes.
import { scope } from "go-go-scope-wasm";

class NetworkError extends Error {}
let attempts = 0;
function failTimes(n: number) {
  attempts = 0;
  return n;
}
let failuresLeft = 0;
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

console.log("Basic Retry");
{
  failuresLeft = failTimes(2);
  await using s = scope()

  const [err, user] = await s.task(
    () => fetchUser(id),
    { retry: { maxRetries: 3 } }
  )
  console.log("  ", err, user);
}

console.log("With Delay (1 second between retries)");
{
  failuresLeft = failTimes(1);
  await using s = scope();
  const t0 = Date.now();
  const [err, result] = await s.task(
    () => fetchData(),
    {
      retry: {
        maxRetries: 5,
        delay: 1000  // 1 second between retries
      }
    }
  )
  console.log("  ", err, result, `in ${Date.now() - t0} ms`);
}

console.log("Exponential Backoff (the schedule; this run fails once, so waits 2 s)");
{
  failuresLeft = failTimes(1);
  await using s = scope();
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
  console.log("  ", err, result);
}

console.log("Conditional Retry");
{
  failuresLeft = failTimes(2);
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
  console.log("  ", err, result);
}

console.log("Retry with Timeout (each attempt has its own budget; shortened to 50 ms here)");
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
  console.log("  ", err, result);
}
