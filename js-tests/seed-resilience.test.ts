// The seed's "Circuit Breaker" and "Retry" sections, verbatim inside each
// test, with stubbed fetchers that fail on purpose.
import { describe, expect, test } from "vitest";
import { scope } from "go-go-scope-wasm";

class NetworkError extends Error {}

function flaky<T>(failures: number, value: T, error: () => Error = () => new NetworkError("network down")) {
  let calls = 0;
  const fn = async () => {
    calls++;
    if (calls <= failures) throw error();
    return value;
  };
  return { fn, calls: () => calls };
}

describe("seed: Circuit Breaker", () => {
  test("Basic Usage", async () => {
    const { fn: fetchCriticalData, calls } = flaky(0, { critical: true });

    await using s = scope({
      circuitBreaker: {
        failureThreshold: 5,    // Open after 5 failures
        resetTimeout: 30000     // Try again after 30 seconds
      }
    })

    // All tasks automatically use the circuit breaker
    const [err, result] = await s.task(() => fetchCriticalData())

    expect(err).toBeUndefined();
    expect(result).toEqual({ critical: true });
    expect(calls()).toBe(1);
  });

  test("With Fallback", async () => {
    const fetchFromPrimary = async (): Promise<string> => {
      throw new Error("primary down");
    };
    const fetchFromFallback = async () => "from fallback";

    async function example() {
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

    expect(await example()).toBe("from fallback");
  });
});

describe("seed: Retry", () => {
  test("Basic Retry", async () => {
    const { fn, calls } = flaky(2, { name: "Ada" });
    const fetchUser = (_id: number) => fn();
    const id = 1;

    await using s = scope()

    const [err, user] = await s.task(
      () => fetchUser(id),
      { retry: { maxRetries: 3 } }
    )

    expect(err).toBeUndefined();
    expect(user).toEqual({ name: "Ada" });
    expect(calls()).toBe(3);
  });

  test("With Delay", async () => {
    const { fn: fetchData, calls } = flaky(1, "data");
    await using s = scope();
    const started = Date.now();

    const [err, result] = await s.task(
      () => fetchData(),
      {
        retry: {
          maxRetries: 5,
          delay: 1000  // 1 second between retries
        }
      }
    )

    expect(err).toBeUndefined();
    expect(result).toBe("data");
    expect(calls()).toBe(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
  });

  test("Exponential Backoff (schedule checked, waits shortened)", async () => {
    const { fn: fetchData } = flaky(3, "data");
    await using s = scope();
    const delays: number[] = [];
    // Record what the seed's delay function asks for, and wait 1 ms instead.
    const Math = { min: (a: number, b: number) => { delays.push(globalThis.Math.min(a, b)); return 1; } };

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

    expect(err).toBeUndefined();
    expect(result).toBe("data");
    expect(delays).toEqual([2000, 4000, 8000]);
  });

  test("Conditional Retry", async () => {
    let calls = 0;
    const fetchData = async () => {
      calls++;
      if (calls === 1) throw new NetworkError("flaky network");
      throw new TypeError("bad payload");
    };
    const lines: string[] = [];
    const console = { log: (line: string) => lines.push(line) };
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

    expect(err).toBeInstanceOf(TypeError);
    expect(result).toBeUndefined();
    expect(lines).toEqual(["Retry 1 after error: flaky network"]);
    expect(calls).toBe(2);
  });

  test("Retry with Timeout", async () => {
    let calls = 0;
    const fetchData = () =>
      new Promise<string>((resolve) => {
        calls++;
        // The first attempt hangs past its 5 s budget; the retry answers.
        if (calls > 1) resolve("second attempt");
      });
    await using s = scope();
    const started = Date.now();

    const [err, result] = await s.task(
      () => fetchData(),
      {
        timeout: 5000,  // Each attempt has 5 seconds
        retry: {
          maxRetries: 3,
          delay: 1000
        }
      }
    )

    expect(err).toBeUndefined();
    expect(result).toBe("second attempt");
    expect(calls).toBe(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(6000);
  }, 15_000);
});
