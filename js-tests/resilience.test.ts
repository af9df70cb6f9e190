// SPEC "Tasks" (retry, timeout, their order) and "Circuit breaker".
import { describe, expect, test } from "vitest";
import { scope } from "go-go-scope-wasm";
import { abortable, sleep } from "./helpers";

class NetworkError extends Error {}

describe("retry", () => {
  test("up to maxRetries further attempts after the first (default 3)", async () => {
    await using s = scope();
    let calls = 0;
    const [err] = await s.task(async () => {
      calls++;
      throw new Error(`attempt ${calls}`);
    }, { retry: {} });
    expect(calls).toBe(4);
    expect((err as Error).message).toBe("attempt 4");
  });

  test("succeeds on a later attempt", async () => {
    await using s = scope();
    let calls = 0;
    const r = await s.task(async () => {
      if (++calls < 3) throw new Error("flaky");
      return "ok";
    }, { retry: { maxRetries: 5 } });
    expect(r).toEqual([undefined, "ok"]);
    expect(calls).toBe(3);
  });

  test("delay function gets the attempt (from 1) and the error; the seed's backoff gives 2000, 4000, 8000…", async () => {
    await using s = scope();
    const seen: Array<[number, string]> = [];
    const computed: number[] = [];
    await s.task(async () => {
      throw new Error("e");
    }, {
      retry: {
        maxRetries: 4,
        delay: (attempt, error) => {
          seen.push([attempt, (error as Error).message]);
          computed.push(Math.min(1000 * 2 ** attempt, 30000));
          return 1; // keep the test fast; the schedule is what matters
        },
      },
    });
    expect(seen).toEqual([[1, "e"], [2, "e"], [3, "e"], [4, "e"]]);
    expect(computed).toEqual([2000, 4000, 8000, 16000]);
  });

  test("a fixed delay waits between attempts", async () => {
    await using s = scope();
    const times: number[] = [];
    await s.task(async () => {
      times.push(Date.now());
      throw new Error("x");
    }, { retry: { maxRetries: 2, delay: 30 } });
    expect(times.length).toBe(3);
    expect(times[1] - times[0]).toBeGreaterThanOrEqual(30);
    expect(times[2] - times[1]).toBeGreaterThanOrEqual(30);
  });

  test("retryCondition false ends retrying with that error", async () => {
    await using s = scope();
    let calls = 0;
    const fatal = new Error("fatal");
    const [err] = await s.task(async () => {
      calls++;
      throw calls === 1 ? new NetworkError("net") : fatal;
    }, { retry: { maxRetries: 5, retryCondition: (e) => e instanceof NetworkError } });
    expect(err).toBe(fatal);
    expect(calls).toBe(2);
  });

  test("onRetry(error, attempt) is called before each retry; a throw in it is ignored", async () => {
    await using s = scope();
    const log: Array<[string, number]> = [];
    const [err] = await s.task(async () => {
      throw new Error("boom");
    }, {
      retry: {
        maxRetries: 2,
        onRetry: (e, attempt) => {
          log.push([(e as Error).message, attempt]);
          throw new Error("ignored");
        },
      },
    });
    expect(log).toEqual([["boom", 1], ["boom", 2]]);
    expect((err as Error).message).toBe("boom");
  });

  test("scope cancellation during a delay ends the task at once with the reason", async () => {
    const ac = new AbortController();
    const s = scope({ signal: ac.signal });
    const t = s.task(async () => {
      throw new Error("x");
    }, { retry: { maxRetries: 3, delay: 10_000 } });
    await sleep(5);
    const started = Date.now();
    ac.abort("cancelled");
    expect(await t).toEqual(["cancelled", undefined]);
    expect(Date.now() - started).toBeLessThan(1000);
    await s[Symbol.asyncDispose]();
  });

  test("a bad delay from the delay function fails the task with a RangeError naming retry.delay", async () => {
    await using s = scope();
    for (const bad of [-5, NaN, "soon"]) {
      const [err] = await s.task(async () => {
        throw new Error("x");
      }, { retry: { maxRetries: 2, delay: () => bad as number } });
      expect(err).toBeInstanceOf(RangeError);
      expect((err as Error).message).toMatch(/retry\.delay/);
    }
  });

  test("a bad fixed delay or maxRetries is refused when the task is created", async () => {
    await using s = scope();
    expect(() => s.task(async () => 1, { retry: { delay: -1 } })).toThrow(RangeError);
    expect(() => s.task(async () => 1, { retry: { maxRetries: 1.5 } })).toThrow(RangeError);
  });
});

describe("per-attempt timeout", () => {
  test("each attempt gets `timeout` ms; its signal aborts with the timeout error; retry tries again", async () => {
    await using s = scope();
    const signals: AbortSignal[] = [];
    let calls = 0;
    const [err, value] = await s.task(async ({ signal }) => {
      signals.push(signal);
      if (++calls < 3) return abortable(signal, 1000);
      return "third time";
    }, { timeout: 15, retry: { maxRetries: 3 } });
    expect(value).toBe("third time");
    expect(err).toBeUndefined();
    expect(signals.length).toBe(3);
    expect(signals[0].aborted && signals[1].aborted).toBe(true);
    expect((signals[0].reason as Error).message).toBe("timeout after 15ms");
    expect(signals[2].aborted).toBe(false);
    expect(signals[0]).not.toBe(signals[1]);
  });

  test("a timed-out attempt that settles later changes nothing: not the next attempt's result, not a settled task's", async () => {
    await using s = scope();
    // Two attempts: the first ignores its signal and fulfils while the second runs.
    let calls = 0;
    const retried = s.task(async () => {
      calls++;
      if (calls === 1) return sleep(45).then(() => "first, late"); // times out at 30
      await sleep(25); // from ~30 to ~55: the first fulfils meanwhile
      return "second";
    }, { timeout: 30, retry: { maxRetries: 1 } });
    expect(await retried).toEqual([undefined, "second"]);
    // One attempt: it fulfils after the timeout settled the task.
    let late!: (v: string) => void;
    const once = s.task(() => new Promise<string>((r) => (late = r)), { timeout: 5 });
    const [err] = await once;
    expect((err as Error).message).toBe("timeout after 5ms");
    late("too late");
    await sleep(1);
    expect(await once).toEqual([err, undefined]);
  });

  test("when every attempt times out the task fails with the timeout error", async () => {
    await using s = scope();
    const [err] = await s.task(({ signal }) => abortable(signal, 1000), { timeout: 5, retry: { maxRetries: 1 } });
    expect((err as Error).message).toBe("timeout after 5ms");
  });

  test("each attempt re-acquires the scope's permit", async () => {
    await using s = scope({ concurrency: 1 });
    const order: string[] = [];
    let calls = 0;
    const a = s.task(async () => {
      order.push(`a${++calls}`);
      if (calls === 1) {
        await sleep(5);
        throw new Error("retry me");
      }
      return "a";
    }, { retry: { maxRetries: 1, delay: 5 } });
    const b = s.task(async () => {
      order.push("b");
      return "b";
    });
    await Promise.all([a, b]);
    expect(order).toEqual(["a1", "b", "a2"]);
  });
});

describe("circuit breaker", () => {
  test("opens after failureThreshold consecutive failures; then fails fast without calling fn", async () => {
    await using s = scope({ circuitBreaker: { failureThreshold: 3, resetTimeout: 10_000 } });
    let calls = 0;
    const failing = async () => {
      calls++;
      throw new Error("down");
    };
    for (let i = 0; i < 3; i++) expect(((await s.task(failing))[0] as Error).message).toBe("down");
    const [err] = await s.task(failing);
    expect((err as Error).message).toBe("Circuit breaker is open");
    expect(calls).toBe(3);
  });

  test("a success resets the count", async () => {
    await using s = scope({ circuitBreaker: { failureThreshold: 2 } });
    await s.task(async () => { throw new Error("1"); });
    await s.task(async () => "ok");
    await s.task(async () => { throw new Error("2"); });
    expect(await s.task(async () => "still closed")).toEqual([undefined, "still closed"]);
  });

  test("half-open admits one of 5 concurrent calls; its success closes the breaker", async () => {
    await using s = scope({ circuitBreaker: { failureThreshold: 1, resetTimeout: 20 } });
    await s.task(async () => { throw new Error("trip"); });
    expect(((await s.task(async () => 1))[0] as Error).message).toBe("Circuit breaker is open");
    await sleep(30);
    let calls = 0;
    const five = Array.from({ length: 5 }, (_, i) => s.task(async () => {
      calls++;
      await sleep(5);
      return i;
    }));
    const results = await Promise.all(five);
    expect(calls).toBe(1);
    expect(results[0]).toEqual([undefined, 0]);
    for (const r of results.slice(1)) expect((r[0] as Error).message).toBe("Circuit breaker is open");
    expect(await s.task(async () => "closed again")).toEqual([undefined, "closed again"]);
  });

  test("a failed trial reopens it", async () => {
    await using s = scope({ circuitBreaker: { failureThreshold: 1, resetTimeout: 10 } });
    await s.task(async () => { throw new Error("trip"); });
    await sleep(15);
    let calls = 0;
    await s.task(async () => { calls++; throw new Error("still down"); });
    expect(((await s.task(async () => { calls++; }))[0] as Error).message).toBe("Circuit breaker is open");
    expect(calls).toBe(1);
  });

  test("one breaker per scope; a child scope gets its own with the parent's options", async () => {
    await using parent = scope({ circuitBreaker: { failureThreshold: 1, resetTimeout: 10_000 } });
    await using child = scope({ parent });
    await parent.task(async () => { throw new Error("trip parent"); });
    expect(((await parent.task(async () => 1))[0] as Error).message).toBe("Circuit breaker is open");
    expect(await child.task(async () => "child ok")).toEqual([undefined, "child ok"]);
    expect(child.circuitBreaker).toEqual({ failureThreshold: 1, resetTimeout: 10_000 });
  });

  test("bad options are RangeErrors", () => {
    expect(() => scope({ circuitBreaker: { failureThreshold: 0 } })).toThrow(RangeError);
    expect(() => scope({ circuitBreaker: { failureThreshold: 2.5 } })).toThrow(/failureThreshold/);
    expect(() => scope({ circuitBreaker: { resetTimeout: -1 } })).toThrow(/resetTimeout/);
    expect(() => scope({ circuitBreaker: { resetTimeout: NaN } })).toThrow(RangeError);
  });
});
