// SPEC "Semaphore(permits, signal?)" and the scope `concurrency` option.
import { describe, expect, test } from "vitest";
import { scope, Semaphore } from "go-go-scope-wasm";
import { abortable, sleep } from "./helpers";

describe("scope({ concurrency })", () => {
  test("at most n task functions run at once; the rest start in creation order", async () => {
    await using s = scope({ concurrency: 3 });
    let running = 0;
    let peak = 0;
    const started: number[] = [];
    const tasks = Array.from({ length: 10 }, (_, i) =>
      s.task(async () => {
        started.push(i);
        running++;
        peak = Math.max(peak, running);
        await sleep(5 + (i % 3));
        running--;
        return i;
      }),
    );
    expect(tasks.map((t) => t.isStarted)).toEqual([true, true, true, false, false, false, false, false, false, false]);
    const results = await Promise.all(tasks);
    expect(results.map((r) => r[1])).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(peak).toBe(3);
    expect(started).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  test("a permit is released when fn throws", async () => {
    await using s = scope({ concurrency: 1 });
    const a = s.task(async () => {
      throw new Error("boom");
    });
    const b = s.task(async () => "after");
    expect((await a)[0]).toBeInstanceOf(Error);
    expect(await b).toEqual([undefined, "after"]);
  });

  test("a task waiting for a permit whose scope aborts settles at once with the reason and never runs", async () => {
    const ac = new AbortController();
    const s = scope({ signal: ac.signal, concurrency: 1 });
    const first = s.task(({ signal }) => abortable(signal));
    let ran = false;
    const waiting = s.task(async () => {
      ran = true;
    });
    expect(waiting.isStarted).toBe(false);
    ac.abort("cancelled");
    expect(await waiting).toEqual(["cancelled", undefined]);
    expect(ran).toBe(false);
    expect((await first)[0]).toBe("cancelled");
    await s[Symbol.asyncDispose]();
  });

  test("a task that times out while queued gives its turn on", async () => {
    await using s = scope({ concurrency: 1 });
    const blocker = s.task(() => sleep(40).then(() => "blocker"));
    const timedOut = s.task(async () => "never", { timeout: 10 });
    const next = s.task(async () => "next");
    expect(((await timedOut)[0] as Error).message).toBe("timeout after 10ms");
    expect(await blocker).toEqual([undefined, "blocker"]);
    expect(await next).toEqual([undefined, "next"]);
  });

  test("child scopes inherit the limit as their own semaphore", async () => {
    await using parent = scope({ concurrency: 1 });
    await using child = scope({ parent });
    expect(child.concurrency).toBe(1);
    let running = 0;
    let peak = 0;
    const work = async () => {
      running++;
      peak = Math.max(peak, running);
      await sleep(5);
      running--;
    };
    // One in the parent and one in the child may run together.
    await Promise.all([parent.task(work), child.task(work), child.task(work)]);
    expect(peak).toBe(2);
  });

  test("1,000 synchronous tasks under a limit do not overflow the stack", async () => {
    await using s = scope({ concurrency: 2 });
    const tasks = Array.from({ length: 1000 }, (_, i) => s.task(() => i));
    const results = await Promise.all(tasks);
    expect(results[999]).toEqual([undefined, 999]);
  });
});

describe("Semaphore", () => {
  test("acquire runs fn with a permit, FIFO, and returns its result", async () => {
    const sem = new Semaphore(2);
    expect(sem.totalPermits).toBe(2);
    expect(sem.available).toBe(2);
    expect(sem.availablePermits).toBe(2);
    const order: number[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const a = sem.acquire(async () => {
      order.push(1);
      await gate;
      return "a";
    });
    const b = sem.execute(async () => {
      order.push(2);
      await gate;
      return "b";
    });
    const c = sem.acquire(async () => {
      order.push(3);
      return "c";
    });
    const d = sem.acquire(async () => {
      order.push(4);
      return "d";
    });
    await sleep(1);
    expect(sem.available).toBe(0);
    expect(sem.waiting).toBe(2);
    expect(sem.waiterCount).toBe(2);
    release();
    expect(await Promise.all([a, b, c, d])).toEqual(["a", "b", "c", "d"]);
    expect(order).toEqual([1, 2, 3, 4]);
    expect(sem.available).toBe(2);
  });

  test("the permit is released even if fn throws", async () => {
    const sem = new Semaphore(1);
    const boom = new Error("boom");
    await expect(sem.acquire(async () => {
      throw boom;
    })).rejects.toBe(boom);
    expect(sem.available).toBe(1);
    expect(await sem.acquire(() => 5)).toBe(5);
  });

  test("waiters reject with the reason when the signal aborts", async () => {
    const ac = new AbortController();
    const sem = new Semaphore(1, ac.signal);
    const holder = sem.acquire(() => sleep(20));
    const waiter = sem.acquire(async () => "never");
    await sleep(1);
    ac.abort("stopped");
    await expect(waiter).rejects.toBe("stopped");
    await holder;
    await expect(sem.acquire(async () => 1)).rejects.toBe("stopped");
  });

  test("disposal rejects waiters", async () => {
    const sem = new Semaphore(1);
    const holder = sem.acquire(() => sleep(10));
    const waiter = sem.acquire(async () => "never");
    await sleep(1);
    await sem[Symbol.asyncDispose]();
    await expect(waiter).rejects.toThrow("semaphore disposed");
    await holder;
  });

  test("a disposed semaphore rejects every waiter and every later acquire with one Error", async () => {
    const sem = new Semaphore(1);
    const holder = sem.acquire(() => sleep(10));
    const w1 = sem.acquire(async () => "never").catch((e: unknown) => e);
    const w2 = sem.acquire(async () => "never").catch((e: unknown) => e);
    await sleep(1);
    await sem[Symbol.asyncDispose]();
    const [a, b] = await Promise.all([w1, w2]);
    expect((a as Error).message).toBe("semaphore disposed");
    expect(b).toBe(a);
    await expect(sem.acquire(() => 1)).rejects.toBe(a);
    await holder;
  });

  test("a scope's timeout reason reaches a semaphore on its signal as the same object", async () => {
    const s = scope({ timeout: 5 });
    const sem = new Semaphore(1, s.signal);
    const holder = sem.acquire(() => sleep(30));
    const waiter = sem.acquire(async () => "never").catch((e: unknown) => e);
    const reason = await waiter;
    expect((reason as Error).message).toBe("timeout after 5ms");
    expect(reason).toBe(s.signal.reason);
    await holder;
    await s[Symbol.asyncDispose]();
  });

  test("permits: 1, 2^32 and Infinity are accepted; 0, 2^32 + 1, 1.5, NaN and -Infinity are RangeErrors", () => {
    for (const n of [1, 7, 2 ** 32, Infinity]) expect(new Semaphore(n).totalPermits).toBe(n);
    for (const n of [0, 2 ** 32 + 1, 1.5, NaN, -Infinity, -1]) {
      expect(() => new Semaphore(n), String(n)).toThrow(/permits must be an integer from 1 to 2\^32, or Infinity/);
    }
  });

  test("after disposal: acquire rejects, counts stay readable, every method on a stranger is a TypeError", async () => {
    const sem = new Semaphore(2);
    await sem[Symbol.asyncDispose]();
    for (let i = 0; i < 1000; i++) {
      await expect(sem.acquire(() => 1)).rejects.toThrow("semaphore disposed");
      expect([sem.available, sem.waiting, sem.totalPermits]).toEqual([2, 0, 2]);
    }
    expect(Symbol.dispose in Semaphore.prototype).toBe(false);
    for (const name of Reflect.ownKeys(Semaphore.prototype)) {
      if (name === "constructor") continue;
      const d = Object.getOwnPropertyDescriptor(Semaphore.prototype, name)!;
      const call = d.get ?? (d.value as (...a: unknown[]) => unknown);
      for (const self of [{}, Object.create(Semaphore.prototype), null, 1]) expect(() => call.call(self, () => 1), String(name)).toThrow(TypeError);
    }
  });

  test("bad input", () => {
    expect(() => new Semaphore(0)).toThrow(RangeError);
    expect(() => new Semaphore(1.5)).toThrow(/permits/);
    expect(() => new Semaphore("2" as never)).toThrow(TypeError);
    expect(() => new Semaphore(1).acquire(3 as never)).toThrow(TypeError);
  });
});
