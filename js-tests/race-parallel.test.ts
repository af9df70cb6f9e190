// SPEC "race(factories, options?)" and "parallel(factories, options?)".
import { describe, expect, test } from "vitest";
import { parallel, race, scope } from "go-go-scope-wasm";
import { liveCounts } from "go-go-scope-wasm/internal";
import { abortable, sleep } from "./helpers";

describe("race", () => {
  test("the first to settle wins; the others see their signal aborted", async () => {
    const signals: AbortSignal[] = [];
    const [err, value] = await race([
      async (signal: AbortSignal) => {
        signals.push(signal);
        await abortable(signal, 50);
        return "slow";
      },
      async (signal: AbortSignal) => {
        signals.push(signal);
        await sleep(5);
        return "fast";
      },
    ]);
    expect(err).toBeUndefined();
    expect(value).toBe("fast");
    // The internal scope was disposed before race returned.
    expect(signals[0].aborted).toBe(true);
  });

  test("a failure that comes first decides too", async () => {
    const boom = new Error("first");
    const [err, value] = await race([
      async () => {
        throw boom;
      },
      () => sleep(20).then(() => "late"),
    ]);
    expect(err).toBe(boom);
    expect(value).toBeUndefined();
  });

  test("an empty list gives the error tuple", async () => {
    const [err] = await race([]);
    expect((err as Error).message).toBe("Cannot race empty array of factories");
  });

  test("an already aborted signal gives [reason] without starting anything", async () => {
    let started = false;
    const [err] = await race([async () => { started = true; }], { signal: AbortSignal.abort("no") });
    expect(err).toBe("no");
    expect(started).toBe(false);
  });

  test("the signal aborting during the race gives [reason]", async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort("mid-race"), 5);
    const [err] = await race([(s: AbortSignal) => abortable(s, 1000), (s: AbortSignal) => abortable(s, 1000)], { signal: ac.signal });
    expect(err).toBe("mid-race");
  });

  test("losers' late failures cause no unhandled rejection", async () => {
    const unhandled: unknown[] = [];
    const on = (e: unknown) => unhandled.push(e);
    process.on("unhandledRejection", on);
    const [, v] = await race([
      async () => "win",
      () => sleep(5).then(() => {
        throw new Error("late loser");
      }),
    ]);
    await sleep(20);
    process.off("unhandledRejection", on);
    expect(v).toBe("win");
    expect(unhandled).toEqual([]);
  });

  test("factories get an argument that works as signal and as { signal, services }", async () => {
    await using s = scope().provide("db", () => "DB");
    const [, v] = await s.race([async ({ signal, services }: { signal: AbortSignal; services: { db: string } }) => `${services.db}:${signal instanceof AbortSignal}`]);
    expect(v).toBe("DB:true");
    const [, w] = await s.race([async (signal: AbortSignal) => signal instanceof AbortSignal && typeof signal.addEventListener]);
    expect(w).toBe("function");
  });

  test("a factory that declares no parameter is called with no argument", async () => {
    const [, n] = await race([function () {
      return Promise.resolve(arguments.length);
    }]);
    expect(n).toBe(0);
    const [, withParam] = await race([async (signal: AbortSignal) => signal instanceof AbortSignal]);
    expect(withParam).toBe(true);
    const counts = await parallel([function () {
      return Promise.resolve(arguments.length);
    }]);
    expect(counts[0]).toEqual([undefined, 0]);
  });

  test("s.race uses the scope's signal", async () => {
    const s = scope();
    const p = s.race([(sig: AbortSignal) => abortable(sig, 1000)]);
    await s[Symbol.asyncDispose]();
    expect(((await p)[0] as Error).message).toBe("scope disposed");
  });

  test("non-array or non-function factories are a TypeError", () => {
    expect(() => race("x" as never)).toThrow(TypeError);
    expect(() => race([1 as never])).toThrow(/factories\[0\]/);
  });
});

describe("parallel", () => {
  test("runs every factory and returns Results in input order", async () => {
    const results = await parallel([
      () => sleep(10).then(() => "a"),
      async () => "b",
      async () => {
        throw new Error("c");
      },
    ]);
    expect(results[0]).toEqual([undefined, "a"]);
    expect(results[1]).toEqual([undefined, "b"]);
    expect((results[2][0] as Error).message).toBe("c");
  });

  test("concurrency bounds how many run at once, started in input order", async () => {
    let running = 0;
    let peak = 0;
    const started: number[] = [];
    const results = await parallel(
      Array.from({ length: 12 }, (_, i) => async () => {
        started.push(i);
        running++;
        peak = Math.max(peak, running);
        await sleep(3);
        running--;
        return i;
      }),
      { concurrency: 4 },
    );
    expect(peak).toBe(4);
    expect(started).toEqual([...Array(12).keys()]);
    expect(results.map((r) => r[1])).toEqual([...Array(12).keys()]);
  });

  test("concurrency 0 or absent is unlimited", async () => {
    let running = 0;
    let peak = 0;
    const f = async () => {
      running++;
      peak = Math.max(peak, running);
      await sleep(3);
      running--;
    };
    await parallel([f, f, f, f], { concurrency: 0 });
    expect(peak).toBe(4);
  });

  test("failFast throws the first error in input order and stops starting new factories", async () => {
    const started: number[] = [];
    const e1 = new Error("one");
    const run = parallel(
      [
        async () => { started.push(0); await sleep(10); throw e1; },
        async () => { started.push(1); await sleep(2); throw new Error("two"); },
        async () => { started.push(2); },
        async () => { started.push(3); },
      ],
      { concurrency: 2, failFast: true },
    );
    await expect(run).rejects.toBe(e1);
    expect(started).toEqual([0, 1]);
  });

  test("an already aborted signal gives [reason] for every factory without starting any", async () => {
    let started = 0;
    const results = await parallel([async () => started++, async () => started++], { signal: AbortSignal.abort("r") });
    expect(results).toEqual([["r", undefined], ["r", undefined]]);
    expect(started).toBe(0);
  });

  test("a signal aborting mid-run under a concurrency limit resolves with tuples (1.0 rejected); unstarted factories get the reason", async () => {
    const ac = new AbortController();
    const reason = new Error("stop");
    const started: number[] = [];
    const factories = [0, 1, 2, 3].map((i) => (signal: AbortSignal) => {
      started.push(i);
      return i === 0 ? Promise.resolve(0) : abortable(signal, 10_000, i);
    });
    const p = parallel(factories, { concurrency: 1, signal: ac.signal });
    await sleep(10);
    ac.abort(reason);
    const results = await p; // resolves: no "Cannot spawn task on aborted scope" rejection
    expect(results).toEqual([[undefined, 0], [reason, undefined], [reason, undefined], [reason, undefined]]);
    expect(results[1][0]).toBe(reason);
    expect(started).toEqual([0, 1]); // nothing started after the abort
  });

  test("an empty list gives []", async () => {
    expect(await parallel([])).toEqual([]);
  });

  test("s.parallel uses the scope's concurrency, signal and services", async () => {
    await using s = scope({ concurrency: 2 }).provide("db", () => ({ query: async (q: string) => q.toUpperCase() }));
    let running = 0;
    let peak = 0;
    const results = await s.parallel(
      ["a", "b", "c", "d"].map((q) => async ({ services }: { services: { db: { query(q: string): Promise<string> } } }) => {
        running++;
        peak = Math.max(peak, running);
        await sleep(3);
        running--;
        return services.db.query(q);
      }),
    );
    expect(results.map((r) => r[1])).toEqual(["A", "B", "C", "D"]);
    expect(peak).toBe(2);
  });

  test("bad concurrency is a RangeError", () => {
    expect(() => parallel([], { concurrency: -1 })).toThrow(RangeError);
    expect(() => parallel([], { concurrency: 1.5 })).toThrow(/concurrency/);
  });
});

describe("race and parallel: hostile input, abort and leftovers", () => {
  test("hostile factory arrays and options: the caller gets the error and nothing is left behind", async () => {
    const before = liveCounts();
    const boom = new Error("trap");
    const hostile: Array<() => unknown> = [
      () => race(new Proxy([() => 1], { get: (t, k) => (k === "0" ? (() => { throw boom; })() : Reflect.get(t, k)) })),
      () => parallel(new Proxy([() => 1], { get: (t, k) => (k === "length" ? (() => { throw boom; })() : Reflect.get(t, k)) })),
      () => race([Object.defineProperty(() => 1, "length", { get: () => { throw boom; } })]),
      () => parallel([new Proxy(() => 1, { get: () => { throw boom; } })]),
      () => parallel([() => 1], { get concurrency(): number { throw boom; } }),
      () => race([() => 1], { get signal(): AbortSignal { throw boom; } }),
    ];
    for (let i = 0; i < 2_000; i++) {
      for (const h of hostile) expect(h).toThrow(boom);
    }
    const s = scope();
    expect(() => s.race.call({} as never, [() => 1])).toThrow(TypeError);
    expect(() => s.parallel.call({} as never, [() => 1])).toThrow(TypeError);
    await s[Symbol.asyncDispose]();
    expect(liveCounts().groups).toBe(0);
    expect(liveCounts().tasks).toBe(before.tasks);
    expect(await race([async () => "still works"])).toEqual([undefined, "still works"]);
  });

  test("every race and parallel, however it ends, leaves no group, task or link behind", async () => {
    const before = liveCounts();
    for (let i = 0; i < 50; i++) {
      await race([async () => 1, (s: AbortSignal) => abortable(s)]);
      const ac = new AbortController();
      const p = race([(s: AbortSignal) => abortable(s)], { signal: ac.signal });
      ac.abort("x");
      await p;
      await parallel([async () => 1, async () => { throw new Error("e"); }, async () => 3], { concurrency: 2 });
      await parallel([async () => { throw new Error("e"); }, async () => 2], { concurrency: 1, failFast: true }).catch(() => {});
      await parallel([async () => 1], { signal: AbortSignal.abort("r") });
    }
    const after = liveCounts();
    expect(after.groups).toBe(0);
    expect([after.scopes, after.tasks, after.nodes, after.links, after.reasons]).toEqual([before.scopes, before.tasks, before.nodes, before.links, before.reasons]);
  });

  test("a parallel whose signal aborts mid-run (with a limit) returns tuples; factories not started get [reason]", async () => {
    const ac = new AbortController();
    const started: number[] = [];
    const p = parallel(
      [0, 1, 2, 3].map((i) => (s: AbortSignal) => {
        started.push(i);
        return abortable(s, 1000, i);
      }),
      { concurrency: 2, signal: ac.signal },
    );
    await sleep(5);
    ac.abort("stop");
    const results = await p;
    expect(started).toEqual([0, 1]);
    expect(results).toEqual([["stop", undefined], ["stop", undefined], ["stop", undefined], ["stop", undefined]]);
  });

  test("failFast stops starting new factories but does not abort the running ones", async () => {
    let seenAborted: boolean | undefined;
    const e = new Error("first");
    const run = parallel(
      [
        async () => { throw e; },
        async (s: AbortSignal) => { await sleep(10); seenAborted = s.aborted; return 1; },
        async () => 2,
      ],
      { concurrency: 2, failFast: true },
    );
    await expect(run).rejects.toBe(e);
    expect(seenAborted).toBe(false);
  });

  test("s.race and s.parallel on an aborted scope give [reason] without starting anything", async () => {
    const ac = new AbortController();
    await using s = scope({ signal: ac.signal });
    ac.abort("gone");
    let started = false;
    const f = async () => { started = true; };
    expect(await s.race([f])).toEqual(["gone", undefined]);
    expect(await s.parallel([f, f])).toEqual([["gone", undefined], ["gone", undefined]]);
    expect(started).toBe(false);
  });

  test("the losers' signals abort with Error('scope disposed') before race returns", async () => {
    let loser: AbortSignal | undefined;
    await race([async () => "win", (s: AbortSignal) => { loser = s; return abortable(s).catch(() => "lost"); }]);
    expect(loser!.aborted).toBe(true);
    expect((loser!.reason as Error).message).toBe("scope disposed");
  });

  test("a factory that settles synchronously still lets every factory start, in order", async () => {
    const started: number[] = [];
    const [, v] = await race([
      () => { started.push(0); return "sync"; },
      () => { started.push(1); return "also sync"; },
    ]);
    expect(v).toBe("sync");
    expect(started).toEqual([0, 1]);
  });

  test("10,000 synchronous factories under concurrency 1 do not grow the stack", async () => {
    const n = 10_000;
    const results = await parallel(Array.from({ length: n }, (_, i) => () => i), { concurrency: 1 });
    expect(results.length).toBe(n);
    expect(results[n - 1]).toEqual([undefined, n - 1]);
  });
});

