// Beyond 1.0 (issue 19): retry strategies from go-go-scope 2.x,
// exponentialBackoff, jitter, linear, decorrelatedJitter, usable as 1.0's
// `retry.delay`. The delays are the machine's (src/core/backoff.rs); a
// `seed` (ours, not 2.x's) makes a sequence repeatable. COMPATIBILITY.md
// rows A1–A5.
import { describe, expect, test } from "vitest";
import { decorrelatedJitter, exponentialBackoff, jitter, linear, scope } from "go-go-scope-wasm";
import { expectNothingLive } from "./live";

/** The delays for attempts 1..n. */
const seq = (f: (attempt: number, error?: unknown) => number, n: number) => Array.from({ length: n }, (_, i) => f(i + 1, undefined));

/** mulberry32, the reference the machine's generator follows (src/core/backoff.rs `Rng`). */
function mulberry32(a: number): () => number {
  return () => {
    let t = (a = (a + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("schedules (2.x's names, defaults and numbers)", () => {
  test("exponentialBackoff: 2.x's defaults (100, ×2, capped at 30000)", () => {
    expect(seq(exponentialBackoff(), 10)).toEqual([100, 200, 400, 800, 1600, 3200, 6400, 12800, 25600, 30000]);
    expect(seq(exponentialBackoff({ initial: 100, max: 5000 }), 7)).toEqual([100, 200, 400, 800, 1600, 3200, 5000]);
    expect(seq(exponentialBackoff({ initial: 10, multiplier: 3 }), 4)).toEqual([10, 30, 90, 270]);
    // Whole milliseconds (2.x returns 337.5 here).
    expect(exponentialBackoff({ multiplier: 1.5 })(4)).toBe(337);
    // A huge attempt stays at max.
    expect(exponentialBackoff()(1e9)).toBe(30000);
  });

  test("exponentialBackoff with jitter: the delay ± jitter, whole, never above max", () => {
    const f = exponentialBackoff({ initial: 1000, max: 5000, jitter: 0.3 });
    for (let i = 0; i < 500; i++) {
      const d = f(1);
      expect(d).toBeGreaterThanOrEqual(700);
      expect(d).toBeLessThanOrEqual(1300);
      expect(Number.isInteger(d)).toBe(true);
      const capped = f(10);
      expect(capped).toBeGreaterThanOrEqual(3500);
      expect(capped).toBeLessThanOrEqual(5000); // 2.x: up to 6500
    }
  });

  test("exponentialBackoff with fullJitter: from 0 to the delay", () => {
    const f = exponentialBackoff({ initial: 100, max: 1000, fullJitter: true });
    for (let i = 0; i < 300; i++) {
      for (const [a, c] of [[1, 100], [3, 400], [8, 1000]]) {
        const d = f(a!);
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThanOrEqual(c!);
      }
    }
  });

  test("jitter: baseDelay ± jitterFactor (default 0.1); factor 0: exactly baseDelay", () => {
    const f = jitter(1000, 0.2);
    for (let i = 0; i < 300; i++) {
      const d = f(i + 1);
      expect(d).toBeGreaterThanOrEqual(800);
      expect(d).toBeLessThanOrEqual(1200);
    }
    const g = jitter(2000);
    for (let i = 0; i < 300; i++) {
      const d = g(1);
      expect(d).toBeGreaterThanOrEqual(1800);
      expect(d).toBeLessThanOrEqual(2200);
    }
    expect(seq(jitter(1000, 0), 3)).toEqual([1000, 1000, 1000]);
  });

  test("linear: baseDelay + increment × (attempt - 1)", () => {
    expect(seq(linear(100, 50), 5)).toEqual([100, 150, 200, 250, 300]);
    expect(seq(linear(500, 0), 3)).toEqual([500, 500, 500]);
  });

  test("decorrelatedJitter: from initial to 3 × the last delay, capped; starts over at attempt 1", () => {
    const f = decorrelatedJitter({ initial: 100, max: 5000 });
    for (let run = 0; run < 100; run++) {
      let last = 100;
      for (let a = 1; a <= 8; a++) {
        const d = f(a);
        expect(d).toBeGreaterThanOrEqual(100);
        expect(d).toBeLessThanOrEqual(Math.min(5000, 3 * last));
        last = d;
      }
      // Attempt 1 again: back to [100, 300], whatever the last delay was.
      expect(f(1)).toBeLessThanOrEqual(300);
    }
  });

  test("the attempt: a fraction is floored, below 1 counts as 1; a non-number is a TypeError", () => {
    const f = exponentialBackoff();
    expect([f(0), f(-3), f(NaN), f(2.9)]).toEqual([100, 100, 100, 200]);
    expect(() => (f as (a: unknown) => number)("2")).toThrow(new TypeError("exponentialBackoff: attempt must be a number, got string"));
    expect(() => (linear(1, 1) as (a: unknown) => number)(undefined)).toThrow(new TypeError("linear: attempt must be a number, got undefined"));
  });
});

describe("seeds: the same seed, the same sequence", () => {
  test("every random strategy repeats its sequence from a seed, and another seed gives another", () => {
    const makers = [
      (seed: number) => exponentialBackoff({ jitter: 0.5, seed }),
      (seed: number) => exponentialBackoff({ fullJitter: true, seed }),
      (seed: number) => jitter(1000, 0.5, seed),
      (seed: number) => decorrelatedJitter({ seed }),
    ];
    for (const make of makers) {
      expect(seq(make(7), 20)).toEqual(seq(make(7), 20));
      expect(seq(make(7), 20)).not.toEqual(seq(make(8), 20));
    }
  });

  test("the numbers follow mulberry32 from the seed, exactly", () => {
    const r = mulberry32(42);
    const f = jitter(1000, 0.2, 42);
    for (let i = 0; i < 50; i++) expect(f(1)).toBe(Math.floor(800 + r() * 400));
    const r2 = mulberry32(4294967295);
    const g = exponentialBackoff({ initial: 100, max: 1000, fullJitter: true, seed: 4294967295 });
    for (let a = 1; a <= 10; a++) expect(g(a)).toBe(Math.floor(r2() * Math.min(100 * 2 ** (a - 1), 1000)));
  });

  test("without a seed, two functions differ (seeded from Math.random)", () => {
    const a = seq(exponentialBackoff({ fullJitter: true, max: 1e9, initial: 1e6 }), 10);
    const b = seq(exponentialBackoff({ fullJitter: true, max: 1e9, initial: 1e6 }), 10);
    expect(a).not.toEqual(b);
  });
});

describe("bad options: refused when the strategy is made, naming the option", () => {
  const range: Array<[() => unknown, string]> = [
    [() => exponentialBackoff({ initial: -1 }), "exponentialBackoff: initial must be a finite number of milliseconds >= 0, got -1"],
    [() => exponentialBackoff({ max: Infinity }), "exponentialBackoff: max must be a finite number of milliseconds >= 0, got Infinity"],
    [() => exponentialBackoff({ max: NaN }), "exponentialBackoff: max must be a finite number of milliseconds >= 0, got NaN"],
    [() => exponentialBackoff({ multiplier: -2 }), "exponentialBackoff: multiplier must be a finite number >= 0, got -2"],
    [() => exponentialBackoff({ jitter: 1.5 }), "exponentialBackoff: jitter must be a number from 0 to 1, got 1.5"],
    [() => exponentialBackoff({ jitter: -0.1, fullJitter: true }), "exponentialBackoff: jitter must be a number from 0 to 1, got -0.1"],
    [() => exponentialBackoff({ seed: 1.5 }), "exponentialBackoff: seed must be an integer from 0 to 4294967295, got 1.5"],
    [() => exponentialBackoff({ seed: 2 ** 32 }), "exponentialBackoff: seed must be an integer from 0 to 4294967295, got 4294967296"],
    [() => jitter(-5), "jitter: baseDelay must be a finite number of milliseconds >= 0, got -5"],
    [() => jitter(1000, 2), "jitter: jitterFactor must be a number from 0 to 1, got 2"],
    [() => jitter(1000, 0.1, -1), "jitter: seed must be an integer from 0 to 4294967295, got -1"],
    [() => linear(1e21 * -1, 1), "linear: baseDelay must be a finite number of milliseconds >= 0, got -1e+21"],
    [() => linear(100, -50), "linear: increment must be a finite number of milliseconds >= 0, got -50"],
    [() => decorrelatedJitter({ initial: -100 }), "decorrelatedJitter: initial must be a finite number of milliseconds >= 0, got -100"],
    [() => decorrelatedJitter({ max: -Infinity }), "decorrelatedJitter: max must be a finite number of milliseconds >= 0, got -Infinity"],
    [() => decorrelatedJitter({ seed: NaN }), "decorrelatedJitter: seed must be an integer from 0 to 4294967295, got NaN"],
  ];
  test.each(range.map(([f, m]) => [m, f] as const))("RangeError: %s", (message, f) => {
    expect(f).toThrow(new RangeError(message));
  });

  const type: Array<[() => unknown, string]> = [
    [() => exponentialBackoff(5 as never), "exponentialBackoff: options must be an object, got number"],
    [() => exponentialBackoff({ initial: "100" as never }), "exponentialBackoff: initial must be a number, got string"],
    [() => exponentialBackoff({ fullJitter: 1 as never }), "exponentialBackoff: fullJitter must be a boolean, got number"],
    [() => exponentialBackoff({ seed: 1n as never }), "exponentialBackoff: seed must be a number, got bigint"],
    [() => (jitter as () => unknown)(), "jitter: baseDelay must be a number, got undefined"],
    [() => jitter(100, null as never), "jitter: jitterFactor must be a number, got null"],
    [() => jitter(100, 0.1, "1" as never), "jitter: seed must be a number, got string"],
    [() => (linear as (a: number) => unknown)(100), "linear: increment must be a number, got undefined"],
    [() => decorrelatedJitter("x" as never), "decorrelatedJitter: options must be an object, got string"],
    [() => decorrelatedJitter({ max: {} as never }), "decorrelatedJitter: max must be a number, got object"],
  ];
  test.each(type.map(([f, m]) => [m, f] as const))("TypeError: %s", (message, f) => {
    expect(f).toThrow(new TypeError(message));
  });

  test("null and undefined options are 2.x's defaults; 0 is allowed everywhere", () => {
    expect(seq(exponentialBackoff(null as never), 2)).toEqual([100, 200]);
    expect(seq(exponentialBackoff({ initial: undefined, max: null as never }), 2)).toEqual([100, 200]);
    expect(seq(exponentialBackoff({ initial: 0, max: 0, multiplier: 0, jitter: 0, seed: 0 }), 3)).toEqual([0, 0, 0]);
    expect(seq(decorrelatedJitter({ initial: 0, max: 0 }), 3)).toEqual([0, 0, 0]);
  });
});

class Boom extends Error {}
const boom = new Boom("boom");
const thrower = () => {
  throw boom;
};

describe("hostile options", () => {
  test("a throwing getter or Proxy fails that call with the user's error; the library keeps working", () => {
    for (let i = 0; i < 2000; i++) {
      for (const name of ["initial", "max", "multiplier", "jitter", "fullJitter", "seed"]) {
        expect(() => exponentialBackoff(Object.defineProperty({}, name, { get: thrower }))).toThrow(boom);
      }
      expect(() => decorrelatedJitter(new Proxy({}, { get: thrower }))).toThrow(boom);
    }
    // Each option is read once, in order.
    const read: string[] = [];
    const spy = new Proxy({}, { get: (_t, k) => (read.push(String(k)), undefined) });
    exponentialBackoff(spy);
    expect(read).toEqual(["initial", "max", "multiplier", "jitter", "fullJitter", "seed"]);
    expect(seq(exponentialBackoff({ seed: 1 }), 3)).toEqual([100, 200, 400]);
  });

  test("the returned function can be detached, called with any this, and dropped", () => {
    const f = linear(10, 10);
    const detached = f.bind(undefined);
    expect(detached(3)).toBe(30);
    expect(f.call({}, 2, new Error("x"))).toBe(20);
    for (let i = 0; i < 20000; i++) exponentialBackoff({ jitter: 0.5 })(i);
    expectNothingLive();
  });
});

describe("as 1.0's retry.delay", () => {
  test("a task retried with a seeded backoff waits exactly the strategy's delays", async () => {
    const seen: number[] = [];
    const f = exponentialBackoff({ initial: 4, max: 20, jitter: 0.5, seed: 99 });
    const expected = seq(exponentialBackoff({ initial: 4, max: 20, jitter: 0.5, seed: 99 }), 4);
    const times: number[] = [];
    {
      await using s = scope();
      let calls = 0;
      const [err] = await s.task(
        async () => {
          times.push(performance.now());
          calls++;
          throw new Error(`attempt ${calls}`);
        },
        {
          retry: {
            maxRetries: 4,
            delay: (attempt, error) => {
              const d = f(attempt, error);
              seen.push(d);
              return d;
            },
          },
        },
      );
      expect((err as Error).message).toBe("attempt 5");
    }
    expect(seen).toEqual(expected);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(seen[i - 1]! - 1);
    expectNothingLive();
  });

  test("each strategy passed directly as retry.delay", async () => {
    await using s = scope();
    for (const delay of [exponentialBackoff({ initial: 1, max: 4 }), jitter(2, 0.5), linear(1, 1), decorrelatedJitter({ initial: 1, max: 5 })]) {
      let calls = 0;
      const r = await s.task(
        async () => {
          if (++calls < 3) throw new Error("flaky");
          return calls;
        },
        { retry: { maxRetries: 3, delay } },
      );
      expect(r).toEqual([undefined, 3]);
    }
  });

  test("decorrelatedJitter reused by one task after another: each starts from initial", async () => {
    const f = decorrelatedJitter({ initial: 2, max: 1000, seed: 5 });
    const firsts: number[] = [];
    await using s = scope();
    for (let t = 0; t < 3; t++) {
      await s.task(async () => Promise.reject(new Error("x")), {
        retry: {
          maxRetries: 3,
          delay: (a, e) => {
            const d = f(a, e);
            if (a === 1) firsts.push(d);
            return d;
          },
        },
      });
    }
    for (const d of firsts) expect(d).toBeLessThanOrEqual(6);
  });
});
