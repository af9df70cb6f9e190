// Additions from go-go-scope 2.x: rate limiting. `TokenBucket` and
// `s.tokenBucket` (refill by the clock, FIFO waiters, timeout and signal per
// acquire, the end with the scope), in both spellings 2.x documents.
import { describe, expect, test } from "vitest";
import { TokenBucket, scope } from "go-go-scope-wasm";
import { expectNothingLive, liveCounts } from "./live";
import { sleep } from "./helpers";

function thrown(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error("did not throw");
}

describe("TokenBucket", () => {
  test("tryAcquire takes tokens that are there, 1 by default, and never waits", () => {
    const b = new TokenBucket({ capacity: 5, refillRate: 0 });
    expect([b.capacity, b.refillRate, b.tokens, b.waiting]).toEqual([5, 0, 5, 0]);
    expect(b.tryAcquire()).toBe(true);
    expect(b.tryAcquire(3)).toBe(true);
    expect(b.tokens).toBe(1);
    expect(b.tryAcquire(2)).toBe(false);
    expect(b.tokens).toBe(1);
    expect(b.tryAcquire(0)).toBe(true);
    b[Symbol.dispose]();
    expectNothingLive();
  });

  test("initialTokens, and the refill up to the capacity", async () => {
    const b = new TokenBucket({ capacity: 3, refillRate: 1000, initialTokens: 0 });
    expect(b.tokens).toBeLessThan(3);
    await sleep(20);
    expect(b.tokens).toBe(3);
    b[Symbol.dispose]();
  });

  test("acquire resolves at once when the tokens are there, else once they came", async () => {
    const b = new TokenBucket({ capacity: 2, refillRate: 100, initialTokens: 1 });
    await expect(b.acquire()).resolves.toBeUndefined();
    const t0 = Date.now();
    await b.acquire(1);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(8); // one token at 100 per second: ~10 ms
    expect(liveCounts().bucketWaiters).toBe(0);
    expect(liveCounts().timers).toBe(0);
    b[Symbol.dispose]();
    expectNothingLive();
  });

  test("waiters are granted in arrival order; a newcomer does not barge", async () => {
    const b = new TokenBucket({ capacity: 4, refillRate: 400, initialTokens: 0 });
    const order: string[] = [];
    const big = b.acquire(4).then(() => order.push("big"));
    const small = b.acquire(1).then(() => order.push("small"));
    expect(b.waiting).toBe(2);
    expect(b.tryAcquire(0)).toBe(false);
    await Promise.all([big, small]);
    expect(order).toEqual(["big", "small"]);
    b[Symbol.dispose]();
    expectNothingLive();
  });

  test("a timeout rejects with Error('timeout after <N>ms') and the next waiter moves up", async () => {
    const b = new TokenBucket({ capacity: 10, refillRate: 10, initialTokens: 2 });
    const big = b.acquire(10, { timeout: 20 });
    const small = b.acquire(2);
    const e = await big.then(() => undefined, (e: unknown) => e);
    expect(e).toBeInstanceOf(Error);
    expect((e as Error).message).toBe("timeout after 20ms");
    await small; // the 2 tokens that were there go to it
    expect(b.waiting).toBe(0);
    b[Symbol.dispose]();
    expectNothingLive();
  });

  test("a signal stops the wait with its reason; an aborted one refuses even with tokens there", async () => {
    const b = new TokenBucket({ capacity: 1, refillRate: 0, initialTokens: 0 });
    const ac = new AbortController();
    const p = b.acquire(1, { signal: ac.signal });
    const why = new Error("stop");
    ac.abort(why);
    await expect(p).rejects.toBe(why);
    expect(liveCounts().links).toBe(0);
    await b.reset();
    await expect(b.acquire(1, { signal: AbortSignal.abort("no") })).rejects.toBe("no");
    expect(b.tokens).toBe(1);
    // A granted acquire keeps nothing of its signal.
    await b.acquire(1, { signal: new AbortController().signal });
    expect(liveCounts().links).toBe(0);
    b[Symbol.dispose]();
    expectNothingLive();
  });

  test("go-go-scope 2.x's forms: acquire(tokens, fn), tryConsume, getTokens, getState, reset", async () => {
    const b = new TokenBucket({ capacity: 2, refillRate: 0 });
    await expect(b.acquire(1, () => 42)).resolves.toBe(42);
    await expect(b.acquire(1, async () => "async")).resolves.toBe("async");
    await expect(b.tryConsume()).resolves.toBe(false);
    await b.reset();
    await expect(b.getTokens()).resolves.toBe(2);
    await expect(b.acquire(2, () => "ok")).resolves.toBe("ok");
    await expect(b.getState()).resolves.toEqual({ tokens: 0, capacity: 2, refillRate: 0 });
    await b.reset();
    await expect(b.acquire(1, () => Promise.reject(new Error("fn failed")))).rejects.toThrow("fn failed");
    b[Symbol.dispose]();
    expectNothingLive();
  });

  test("dispose rejects the waiters with Error('token bucket disposed'), and later acquires too", async () => {
    const b = new TokenBucket({ capacity: 1, refillRate: 1, initialTokens: 0 });
    const p = b.acquire();
    await b[Symbol.asyncDispose]();
    const e = await p.then(() => undefined, (e: unknown) => e);
    expect((e as Error).message).toBe("token bucket disposed");
    await expect(b.acquire()).rejects.toBe(e);
    expect(b.tryAcquire()).toBe(false);
    expect(b.tokens).toBe(0);
    expectNothingLive();
  });

  test("a bucket that is never used leaves nothing behind", () => {
    new TokenBucket({ capacity: 3, refillRate: 1 });
    expectNothingLive();
  });
});

describe("s.tokenBucket", () => {
  test("the scope's end rejects the waiters with its reason, and later acquires too", async () => {
    const s = scope();
    const b = s.tokenBucket({ capacity: 1, refillRate: 1, initialTokens: 0 });
    const w1 = b.acquire(1, { timeout: 10_000 });
    const w2 = b.acquire(1, { signal: new AbortController().signal });
    expect(liveCounts().buckets).toBe(1);
    await s[Symbol.asyncDispose]();
    const reason = s.signal.reason;
    await expect(w1).rejects.toBe(reason);
    await expect(w2).rejects.toBe(reason);
    await expect(b.acquire()).rejects.toBe(reason);
    expect(b.tryAcquire(0)).toBe(false);
    expectNothingLive();
  });

  test("a scope's timeout ends it with the timeout's error", async () => {
    const s = scope({ timeout: 10 });
    const b = s.tokenBucket({ capacity: 1, refillRate: 0, initialTokens: 0 });
    const e = await b.acquire().then(() => undefined, (e: unknown) => e);
    expect((e as Error).message).toBe("timeout after 10ms");
    await s[Symbol.asyncDispose]();
    expectNothingLive();
  });

  test("refused on a disposed scope; a cancelled scope's bucket refuses every acquire", async () => {
    const s = scope();
    await s[Symbol.asyncDispose]();
    const e = thrown(() => s.tokenBucket({ capacity: 1, refillRate: 1 }));
    expect(e.message).toBe("Cannot create token bucket on disposed scope");
    const ac = new AbortController();
    ac.abort("gone");
    const s2 = scope({ signal: ac.signal });
    const b = s2.tokenBucket({ capacity: 1, refillRate: 1 });
    await expect(b.acquire()).rejects.toBe("gone");
    await s2[Symbol.asyncDispose]();
    expectNothingLive();
  });
});

describe("TokenBucket: bad input names the argument", () => {
  const cases: [string, () => unknown, ErrorConstructor, string][] = [
    ["no options", () => new TokenBucket(undefined as never), TypeError, "TokenBucket: options must be an object, got undefined"],
    ["capacity missing", () => new TokenBucket({ refillRate: 1 } as never), TypeError, "TokenBucket: capacity must be a number, got undefined"],
    ["capacity 0", () => new TokenBucket({ capacity: 0, refillRate: 1 }), RangeError, "TokenBucket: capacity must be a number > 0, got 0"],
    ["capacity NaN", () => new TokenBucket({ capacity: NaN, refillRate: 1 }), RangeError, "TokenBucket: capacity must be a number > 0, got NaN"],
    ["refillRate string", () => new TokenBucket({ capacity: 1, refillRate: "1" as never }), TypeError, "TokenBucket: refillRate must be a number, got string"],
    ["refillRate -1", () => new TokenBucket({ capacity: 1, refillRate: -1 }), RangeError, "TokenBucket: refillRate must be a finite number of tokens per second >= 0, got -1"],
    ["refillRate Infinity", () => new TokenBucket({ capacity: 1, refillRate: Infinity }), RangeError, "TokenBucket: refillRate must be a finite number of tokens per second >= 0, got Infinity"],
    ["initialTokens above capacity", () => new TokenBucket({ capacity: 5, refillRate: 1, initialTokens: 6 }), RangeError, "TokenBucket: initialTokens must be a number from 0 to capacity, got 6"],
    ["cache", () => new TokenBucket({ capacity: 5, refillRate: 1, cache: {} } as never), TypeError, "TokenBucket: options.cache (a distributed bucket) is not supported"],
  ];
  test.each(cases)("%s", (_name, f, cls, message) => {
    const e = thrown(f);
    expect(e).toBeInstanceOf(cls);
    expect(e.message).toBe(message);
    expectNothingLive();
  });

  test("tokens, timeout and signal of an acquire", () => {
    const b = new TokenBucket({ capacity: 5, refillRate: 1 });
    const cases: [() => unknown, ErrorConstructor, string][] = [
      [() => b.tryAcquire("1" as never), TypeError, "TokenBucket.tryAcquire: tokens must be a number, got string"],
      [() => b.tryAcquire(6), RangeError, "TokenBucket: tokens must be a number from 0 to capacity, got 6"],
      [() => b.acquire(-1), RangeError, "TokenBucket: tokens must be a number from 0 to capacity, got -1"],
      [() => b.acquire(null as never), TypeError, "TokenBucket.acquire: tokens must be a number, got null"],
      [() => b.acquire(1, { timeout: -5 }), RangeError, "TokenBucket.acquire: timeout must be a number of milliseconds >= 0, got -5"],
      [() => b.acquire(1, { timeout: "5" as never }), TypeError, "TokenBucket.acquire: timeout must be a number, got string"],
      [() => b.acquire(1, { signal: {} as never }), TypeError, "TokenBucket.acquire: options.signal must be an AbortSignal, got object"],
      [() => b.acquire(1, 5 as never), TypeError, "TokenBucket.acquire: options must be an object, got number"],
    ];
    for (const [f, cls, message] of cases) {
      const e = thrown(f);
      expect(e).toBeInstanceOf(cls);
      expect(e.message).toBe(message);
    }
    expect(b.tokens).toBe(5); // nothing was taken
    expect(liveCounts().links).toBe(0);
    b[Symbol.dispose]();
    expectNothingLive();
  });
});

describe("TokenBucket: hostile input", () => {
  test("a throwing getter fails the constructor with its error; nothing is left", () => {
    const boom = new Error("getter");
    const opts = {
      capacity: 1,
      get refillRate(): number {
        throw boom;
      },
    };
    expect(thrown(() => new TokenBucket(opts))).toBe(boom);
    const proxy = new Proxy({}, { get: () => { throw boom; } });
    expect(thrown(() => new TokenBucket(proxy as never))).toBe(boom);
    const s = scope();
    expect(thrown(() => s.tokenBucket(proxy as never))).toBe(boom);
    const b = new TokenBucket({ capacity: 1, refillRate: 1 });
    expect(thrown(() => b.acquire(1, proxy as never))).toBe(boom);
    expect(b.tryAcquire()).toBe(true);
    b[Symbol.dispose]();
    return s[Symbol.asyncDispose]().then(expectNothingLive);
  });

  test("methods called on another object throw a TypeError; use after dispose rejects", async () => {
    const e = thrown(() => TokenBucket.prototype.tryAcquire.call({}));
    expect(e).toBeInstanceOf(TypeError);
    expect(e.message).toBe("TokenBucket method called on an object that is not a TokenBucket");
    expect(thrown(() => Object.getOwnPropertyDescriptor(TokenBucket.prototype, "tokens")!.get!.call(5))).toBeInstanceOf(TypeError);
    const b = new TokenBucket({ capacity: 1, refillRate: 1 });
    b[Symbol.dispose]();
    b[Symbol.dispose](); // twice: nothing more
    await expect(b.acquire()).rejects.toThrow("token bucket disposed");
    await b.reset();
    expect(b.tokens).toBe(0);
    expectNothingLive();
  });

  test("many waiters and aborts leave every table empty", async () => {
    const s = scope();
    const b = s.tokenBucket({ capacity: 3, refillRate: 2000, initialTokens: 0 });
    const ac = new AbortController();
    const all: Promise<unknown>[] = [];
    for (let i = 0; i < 200; i++) {
      const opts = i % 3 === 0 ? { signal: ac.signal } : i % 3 === 1 ? { timeout: 5 } : undefined;
      all.push(b.acquire(1 + (i % 3), opts).then(() => "ok", () => "no"));
    }
    ac.abort();
    const out = await Promise.all(all.slice(0, 20));
    expect(out).toContain("no");
    await s[Symbol.asyncDispose]();
    await Promise.all(all);
    expectNothingLive();
  });
});

describe("s.debounce", () => {
  test("runs once, wait ms after the last call, with its arguments; every joined call gets that Result", async () => {
    const s = scope();
    const seen: string[] = [];
    const search = s.debounce(async (q: string) => {
      seen.push(q);
      return `results for ${q}`;
    }, { wait: 20 });
    const all = await Promise.all([search("h"), search("he"), search("hello")]);
    expect(seen).toEqual(["hello"]);
    expect(all).toEqual([[undefined, "results for hello"], [undefined, "results for hello"], [undefined, "results for hello"]]);
    expect(liveCounts().timers).toBe(0);
    await s[Symbol.asyncDispose]();
    expectNothingLive();
  });

  test("leading runs a call at once; a lone leading call does not run twice", async () => {
    const s = scope();
    let runs = 0;
    const save = s.debounce((x: number) => (runs++, x * 2), { wait: 10, leading: true });
    expect(await save(2)).toEqual([undefined, 4]);
    await sleep(30);
    expect(runs).toBe(1);
    const noTrail = s.debounce(() => ++runs, { wait: 10, leading: true, trailing: false });
    await noTrail();
    expect(await noTrail()).toEqual([undefined, undefined]); // inside the window: not run
    await s[Symbol.asyncDispose]();
    expectNothingLive();
  });

  test("a throwing or rejecting fn gives [error, undefined], the very object", async () => {
    const s = scope();
    const boom = new Error("boom");
    const f = s.debounce(() => {
      throw boom;
    }, { wait: 1 });
    const [e] = await f();
    expect(e).toBe(boom);
    const g = s.debounce(() => Promise.reject(boom), { wait: 1, leading: true });
    expect((await g())[0]).toBe(boom);
    await s[Symbol.asyncDispose]();
  });

  test("the scope's end drops a pending run: its calls give [reason, undefined], and so do later ones", async () => {
    const s = scope();
    let ran = false;
    const f = s.debounce(() => (ran = true), { wait: 10_000 });
    const pending = f();
    await s[Symbol.asyncDispose]();
    const [reason, value] = await pending;
    expect(reason).toBe(s.signal.reason);
    expect(value).toBeUndefined();
    expect(await f()).toEqual([reason, undefined]);
    expect(ran).toBe(false);
    expectNothingLive();
  });
});

describe("s.throttle", () => {
  test("the first call runs at once; calls inside the interval give [undefined, undefined] (2.x's default)", async () => {
    const s = scope();
    const calls: number[] = [];
    const t = s.throttle((n: number) => (calls.push(n), n), { interval: 30 });
    expect(await t(1)).toEqual([undefined, 1]);
    expect(await t(2)).toEqual([undefined, undefined]);
    await sleep(40);
    expect(await t(3)).toEqual([undefined, 3]);
    expect(calls).toEqual([1, 3]);
    await s[Symbol.asyncDispose]();
    expectNothingLive();
  });

  test("with trailing, calls inside the interval join one run at its end, with the latest arguments", async () => {
    const s = scope();
    const calls: number[] = [];
    const t = s.throttle((n: number) => (calls.push(n), n), { interval: 20, trailing: true });
    const first = t(1);
    const joined = [t(2), t(3)];
    expect(await first).toEqual([undefined, 1]);
    expect(await Promise.all(joined)).toEqual([[undefined, 3], [undefined, 3]]);
    expect(calls).toEqual([1, 3]);
    await sleep(30);
    await s[Symbol.asyncDispose]();
    expectNothingLive();
  });

  test("bad input names the option; hostile options throw their own error", async () => {
    const s = scope();
    const cases: [() => unknown, ErrorConstructor, string][] = [
      [() => s.throttle(5 as never), TypeError, "throttle: fn must be a function, got number"],
      [() => s.debounce(() => 1, { wait: -1 }), RangeError, "debounce: wait must be a finite number of milliseconds >= 0, got -1"],
      [() => s.throttle(() => 1, { interval: Infinity }), RangeError, "throttle: interval must be a finite number of milliseconds >= 0, got Infinity"],
      [() => s.debounce(() => 1, { wait: "1" as never }), TypeError, "debounce: wait must be a number, got string"],
      [() => s.debounce(() => 1, { leading: 1 as never }), TypeError, "debounce: leading must be a boolean, got number"],
      [() => s.throttle(() => 1, 5 as never), TypeError, "throttle: options must be an object, got number"],
    ];
    for (const [f, cls, message] of cases) {
      const e = thrown(f);
      expect(e).toBeInstanceOf(cls);
      expect(e.message).toBe(message);
    }
    const boom = new Error("getter");
    expect(thrown(() => s.debounce(() => 1, new Proxy({}, { get: () => { throw boom; } }) as never))).toBe(boom);
    expect(liveCounts().limiters).toBe(0);
    await s[Symbol.asyncDispose]();
    expect(thrown(() => s.debounce(() => 1)).message).toBe("Cannot create debounce or throttle on disposed scope");
    expectNothingLive();
  });
});
