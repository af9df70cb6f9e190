// Infinity means "no limit" wherever 1.0 accepted it (issue 12, item 4):
// scope concurrency, channel capacity, Semaphore permits (one accepted range
// for all three), and timeouts.
import { describe, expect, test } from "vitest";
import { Channel, Semaphore, parallel, scope } from "go-go-scope-wasm";
import { sleep } from "./helpers";

describe("Infinity is no limit", () => {
  test("scope({ concurrency: Infinity }) runs every task at once and reports Infinity", async () => {
    await using s = scope({ concurrency: Infinity });
    expect(s.concurrency).toBe(Infinity);
    let running = 0;
    let peak = 0;
    const tasks = Array.from({ length: 200 }, () =>
      s.task(async () => {
        running++;
        peak = Math.max(peak, running);
        await sleep(5);
        running--;
      }),
    );
    expect(tasks.every((t) => t.isStarted)).toBe(true); // none queued
    await Promise.all(tasks);
    expect(peak).toBe(200);
  });

  test("a child scope inherits concurrency Infinity; s.parallel under it runs all at once", async () => {
    await using parent = scope({ concurrency: Infinity });
    await using child = scope({ parent });
    expect(child.concurrency).toBe(Infinity);
    let running = 0;
    let peak = 0;
    const results = await child.parallel(
      Array.from({ length: 50 }, (_, i) => async () => {
        running++;
        peak = Math.max(peak, running);
        await sleep(5);
        running--;
        return i;
      }),
    );
    expect(peak).toBe(50);
    expect(results.map((r) => r[1])).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  test("parallel({ concurrency: Infinity }) starts every factory at once", async () => {
    let started = 0;
    const p = parallel(
      Array.from({ length: 30 }, () => async () => {
        started++;
        await sleep(5);
      }),
      { concurrency: Infinity },
    );
    expect(started).toBe(30);
    expect((await p).length).toBe(30);
  });

  test("channel(Infinity): sends never wait, values come out in order, cap is Infinity", async () => {
    await using s = scope();
    const ch = s.channel<number>(Infinity);
    expect(ch.cap).toBe(Infinity);
    const sends = Array.from({ length: 10_000 }, (_, i) => ch.send(i));
    expect(ch.size).toBe(10_000);
    expect(await Promise.all(sends)).toEqual(Array(10_000).fill(true));
    ch.close();
    let n = 0;
    for await (const v of ch) expect(v).toBe(n++);
    expect(n).toBe(10_000);
    const standalone = new Channel<number>(Infinity);
    expect(standalone.cap).toBe(Infinity);
  });

  test("new Semaphore(Infinity): acquire never waits; available and totalPermits are Infinity", async () => {
    const sem = new Semaphore(Infinity);
    expect(sem.totalPermits).toBe(Infinity);
    expect(sem.available).toBe(Infinity);
    expect(sem.availablePermits).toBe(Infinity);
    let running = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 100 }, () =>
        sem.acquire(async () => {
          running++;
          peak = Math.max(peak, running);
          expect(sem.available).toBe(Infinity);
          expect(sem.waiting).toBe(0);
          await sleep(2);
          running--;
        }),
      ),
    );
    expect(peak).toBe(100);
    expect(sem.waiterCount).toBe(0);
  });

  describe("concurrency, capacity and permits accept the same range", () => {
    const makers: Array<[string, (n: number) => number | undefined]> = [
      ["scope concurrency", (n) => scope({ concurrency: n }).concurrency],
      ["channel capacity", (n) => scope().channel(n).cap],
      ["Semaphore permits", (n) => new Semaphore(n).totalPermits],
    ];
    for (const [what, make] of makers) {
      test(`${what}: 1, 2^32 and Infinity are accepted; 2^32 + 1, 1.5, NaN and -Infinity are RangeErrors`, () => {
        for (const n of [1, 7, 2 ** 32, Infinity]) expect(make(n)).toBe(n);
        for (const n of [2 ** 32 + 1, 2 ** 53, 1.5, NaN, -Infinity, -1]) {
          expect(() => make(n), String(n)).toThrow(RangeError);
          expect(() => make(n), String(n)).toThrow(/from [01] to 2\^32, or Infinity/);
        }
      });
    }
  });

  test("timeout: Infinity is no timeout, for a scope and for a task", async () => {
    await using s = scope({ timeout: Infinity });
    const t = s.task(({ signal }) => new Promise((r) => signal.addEventListener("abort", () => r("aborted"))), { timeout: Infinity });
    await sleep(30);
    expect(s.signal.aborted).toBe(false);
    expect(t.isSettled).toBe(false);
    const fast = await s.task(async () => "done", { timeout: Infinity });
    expect(fast).toEqual([undefined, "done"]);
  });

  test("circuitBreaker resetTimeout: Infinity keeps the breaker open", async () => {
    await using s = scope({ circuitBreaker: { failureThreshold: 1, resetTimeout: Infinity } });
    expect(s.circuitBreaker).toEqual({ failureThreshold: 1, resetTimeout: Infinity });
    await s.task(async () => {
      throw new Error("boom");
    });
    let called = false;
    const [err] = await s.task(async () => {
      called = true;
    });
    expect((err as Error).message).toBe("Circuit breaker is open");
    expect(called).toBe(false);
  });
});
