// Seed section "Circuit Breaker": basic usage and the fallback pattern, as
// the seed writes them, plus a run that trips the breaker.
import { scope } from "go-go-scope-wasm";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let primaryCalls = 0;
const fetchCriticalData = async () => {
  await sleep(5);
  return { status: "ok", at: new Date().toISOString() };
};
const fetchFromPrimary = async (): Promise<string> => {
  primaryCalls++;
  await sleep(5);
  throw new Error("primary unavailable");
};
const fetchFromFallback = async () => {
  await sleep(5);
  return "cached copy from fallback";
};

console.log("Basic Usage");
{
  await using s = scope({
    circuitBreaker: {
      failureThreshold: 5,    // Open after 5 failures
      resetTimeout: 30000     // Try again after 30 seconds
    }
  })

  // All tasks automatically use the circuit breaker
  const [err, result] = await s.task(() => fetchCriticalData())
  console.log("  result:", err, result);
}

console.log("With Fallback");
async function withFallback() {
  await using s = scope({
    circuitBreaker: { failureThreshold: 3, resetTimeout: 10000 }
  })

  const primary = s.task(() => fetchFromPrimary())
  const fallback = s.task(() => fetchFromFallback())

  // Try primary first
  const [err, result] = await primary
  if (err) {
    // Circuit might be open, try fallback
    const [fallbackErr, fallbackResult] = await fallback
    if (fallbackErr) throw fallbackErr
    return fallbackResult
  }
  return result
}
console.log("  got:", await withFallback());

console.log("Tripping the breaker");
{
  await using s = scope({ circuitBreaker: { failureThreshold: 3, resetTimeout: 50 } });
  for (let i = 1; i <= 5; i++) {
    const [err] = await s.task(() => fetchFromPrimary());
    console.log(`  call ${i}: ${(err as Error).message}`);
  }
  console.log(`  primary was called ${primaryCalls - 1} times for 5 requests (the rest failed fast)`);
  await sleep(60);
  const [err, value] = await s.task(() => fetchCriticalData());
  console.log("  after resetTimeout, one trial call goes through:", err ?? "ok", value?.status);
}
