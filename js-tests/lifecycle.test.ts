// Additions from go-go-scope 2.x: s.onDispose, s.delay, onAbort, whenAborted,
// and the context (setContext / getContext / hasContext / removeContext).
import { describe, expect, test } from "vitest";
import { onAbort, parallel, scope, whenAborted } from "go-go-scope-wasm";
import { expectNothingLive, liveCounts } from "./live";
import { sleep } from "./helpers";

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
}

describe("s.onDispose", () => {
  test("runs with provide's cleanups, newest first, awaiting each", async () => {
    const order: string[] = [];
    const s = scope();
    s.onDispose(() => void order.push("first"));
    s.provide("db", () => "db", () => void order.push("db"));
    s.onDispose(async () => {
      await sleep(5);
      order.push("last (async)");
    });
    await s[Symbol.asyncDispose]();
    expect(order).toEqual(["last (async)", "db", "first"]);
    expectNothingLive();
  });

  test("its error fails the disposal with that very error; the others still run", async () => {
    const boom = new Error("boom");
    let ran = false;
    const s = scope();
    s.onDispose(() => void (ran = true));
    s.onDispose(() => {
      throw boom;
    });
    await expect(s[Symbol.asyncDispose]()).rejects.toBe(boom);
    expect(ran).toBe(true);
    expectNothingLive();
  });

  test("runs after the tasks' signals abort", async () => {
    const s = scope();
    let sawAborted: boolean | undefined;
    const t = s.task(({ signal }) => new Promise((r) => signal.addEventListener("abort", r)));
    s.onDispose(() => void (sawAborted = s.signal.aborted));
    await s[Symbol.asyncDispose]();
    await t;
    expect(sawAborted).toBe(true);
  });

  test("refused on a disposing or disposed scope, and for a non-function", async () => {
    const s = scope();
    expect(thrown(() => s.onDispose(5 as never))).toBeInstanceOf(TypeError);
    expect((thrown(() => s.onDispose(5 as never)) as Error).message).toBe("onDispose: fn must be a function, got number");
    const d = s[Symbol.asyncDispose]();
    const e = thrown(() => s.onDispose(() => {}));
    expect(e).toBeInstanceOf(Error);
    expect((e as Error).message).toBe("Cannot register onDispose on disposed scope");
    await d;
    expect((thrown(() => s.onDispose(() => {})) as Error).message).toBe("Cannot register onDispose on disposed scope");
    expect(thrown(() => Reflect.apply(s.onDispose, {}, [() => {}]))).toBeInstanceOf(TypeError);
    expectNothingLive();
  });
});

describe("s.delay", () => {
  test("resolves after ms", async () => {
    await using s = scope();
    const t0 = Date.now();
    await s.delay(20);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(15);
    expect(liveCounts().sleeps).toBe(0);
  });

  test("rejects with the scope's abort reason as soon as the scope is disposed", async () => {
    const s = scope();
    const d = s.delay(60_000);
    expect(liveCounts().sleeps).toBe(1);
    expect(liveCounts().timers).toBe(1);
    const t0 = Date.now();
    const disposed = s[Symbol.asyncDispose]();
    const e = await d.then(
      () => "resolved",
      (e: unknown) => e,
    );
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(e).toBe(s.signal.reason);
    expect((e as Error).message).toBe("scope disposed");
    await disposed;
    expectNothingLive();
  });

  test("a scope timeout and a parent's abort end it with their reasons", async () => {
    const s = scope({ timeout: 10 });
    const e = await s.delay(60_000).catch((e: unknown) => e);
    expect(e).toBe(s.signal.reason);
    expect((e as Error).message).toBe("timeout after 10ms");
    await s[Symbol.asyncDispose]();

    const ac = new AbortController();
    const parent = scope({ signal: ac.signal });
    const child = scope({ parent });
    const d = child.delay(Infinity);
    const why = { why: "user" };
    ac.abort(why);
    expect(await d.catch((e: unknown) => e)).toBe(why);
    await child[Symbol.asyncDispose]();
    await parent[Symbol.asyncDispose]();
    expectNothingLive();
  });

  test("on an aborted scope it rejects at once; on a disposed one with its reason", async () => {
    const s = scope({ timeout: 1 });
    await sleep(10);
    await expect(s.delay(5)).rejects.toBe(s.signal.reason);
    await s[Symbol.asyncDispose]();
    await expect(s.delay(5)).rejects.toBe(s.signal.reason);
    expectNothingLive();
  });

  test("bad ms: TypeError or RangeError at the call, printed as JS prints it", async () => {
    await using s = scope();
    expect((thrown(() => s.delay("5" as never)) as Error).message).toBe("delay: ms must be a number, got string");
    for (const [ms, shown] of [
      [-1, "-1"],
      [NaN, "NaN"],
      [-Infinity, "-Infinity"],
    ] as const) {
      const e = thrown(() => s.delay(ms));
      expect(e).toBeInstanceOf(RangeError);
      expect((e as Error).message).toBe(`delay: ms must be a number of milliseconds >= 0, got ${shown}`);
    }
    expect(liveCounts().sleeps).toBe(0);
  });

  test("10,000 delays ended by disposal leave nothing behind", async () => {
    const s = scope();
    const all = Array.from({ length: 10_000 }, () => s.delay(60_000).catch(() => "aborted"));
    await s[Symbol.asyncDispose]();
    expect(new Set(await Promise.all(all))).toEqual(new Set(["aborted"]));
    expectNothingLive();
  });
});

describe("onAbort / whenAborted", () => {
  test("onAbort calls back once with the reason; disposing removes the listener", () => {
    const ac = new AbortController();
    const seen: unknown[] = [];
    const sub = onAbort(ac.signal, (r) => seen.push(r));
    const gone = onAbort(ac.signal, (r) => seen.push(["removed", r]));
    gone[Symbol.dispose]();
    gone[Symbol.dispose]();
    ac.abort("why");
    ac.signal.dispatchEvent(new Event("abort"));
    sub[Symbol.dispose]();
    expect(seen).toEqual(["why"]);
  });

  test("onAbort on an aborted signal calls back at once", () => {
    const seen: unknown[] = [];
    const reason = new Error("r");
    onAbort(AbortSignal.abort(reason), (r) => seen.push(r))[Symbol.dispose]();
    expect(seen).toEqual([reason]);
  });

  test("whenAborted resolves with the reason", async () => {
    const ac = new AbortController();
    const p = whenAborted(ac.signal);
    ac.abort("late");
    expect(await p).toBe("late");
    expect(await whenAborted(AbortSignal.abort("early"))).toBe("early");
  });

  test("fake signals and non-function callbacks are TypeErrors naming the argument", () => {
    const fake = { aborted: false, addEventListener() {}, removeEventListener() {} };
    expect((thrown(() => onAbort(fake as never, () => {})) as Error).message).toBe("onAbort: signal must be an AbortSignal, got object");
    expect((thrown(() => onAbort(new AbortController().signal, 1 as never)) as Error).message).toBe("onAbort: callback must be a function, got number");
    expect((thrown(() => whenAborted(fake as never)) as Error).message).toBe("whenAborted: signal must be an AbortSignal, got object");
  });
});

describe("context", () => {
  test("child scopes see their parents' values, created before or after; a child's own shadows", async () => {
    await using root = scope({ context: { requestId: "abc", user: 1 } });
    const child = scope({ parent: root });
    root.setContext("tenant", "t1");
    child.setContext("user", 2);
    expect(child.getContext("requestId")).toBe("abc");
    expect(child.getContext("tenant")).toBe("t1");
    expect(child.getContext("user")).toBe(2);
    expect(root.getContext("user")).toBe(1);
    expect(child.hasContext("tenant")).toBe(true);
    expect(child.hasContext("nope")).toBe(false);
    expect(child.getContext("nope")).toBeUndefined();
    child.setContext("u", undefined);
    expect(child.hasContext("u")).toBe(true);
    expect(child.removeContext("user")).toBe(true);
    expect(child.removeContext("user")).toBe(false);
    expect(child.getContext("user")).toBe(1);
    expect(root.setContext("a", 1).setContext("b", 2)).toBe(root);
    await child[Symbol.asyncDispose]();
  });

  test("keys are plain: __proto__ and constructor are ordinary keys", async () => {
    await using s = scope();
    expect(s.hasContext("constructor")).toBe(false);
    expect(s.hasContext("__proto__")).toBe(false);
    s.setContext("__proto__", 5);
    expect(s.getContext("__proto__")).toBe(5);
  });

  test("setContext is refused once disposing; reading still works", async () => {
    const s = scope();
    s.setContext("k", "v");
    await s[Symbol.asyncDispose]();
    const e = thrown(() => s.setContext("k", 1));
    expect((e as Error).message).toBe("Cannot set context on disposed scope");
    expect(s.getContext("k")).toBe("v");
  });

  test("bad keys and a hostile context option throw from the call, nothing left behind", () => {
    const s = scope();
    for (const f of [() => s.setContext(1 as never, 1), () => s.getContext(Symbol() as never), () => s.hasContext({} as never)]) {
      expect(thrown(f)).toBeInstanceOf(TypeError);
    }
    expect((thrown(() => scope({ context: 5 as never })) as Error).message).toBe("scope: context must be an object, got number");
    const boom = new Error("getter");
    const hostile = {
      get context() {
        return {
          get x() {
            throw boom;
          },
        };
      },
    };
    const before = liveCounts().scopes;
    expect(thrown(() => scope(hostile as never))).toBe(boom);
    expect(liveCounts().scopes).toBe(before);
    void s[Symbol.asyncDispose]();
  });
});

describe("parallel onProgress", () => {
  test("called as each factory settles, with the count, the total and its Result; 1.0's result unchanged", async () => {
    const seen: unknown[] = [];
    const boom = new Error("ten");
    const results = await parallel(
      [30, 10, 20].map((ms) => async () => {
        await sleep(ms);
        if (ms === 10) throw boom;
        return ms;
      }),
      { onProgress: (completed, total, result) => seen.push([completed, total, result]) },
    );
    expect(results).toEqual([
      [undefined, 30],
      [boom, undefined],
      [undefined, 20],
    ]);
    expect(seen).toEqual([
      [1, 3, [boom, undefined]],
      [2, 3, [undefined, 20]],
      [3, 3, [undefined, 30]],
    ]);
    expect((seen[0] as unknown[])[2]).toBe(results[1]);
    expectNothingLive();
  });

  test("s.parallel too; a throwing onProgress is ignored; a non-function is a TypeError", async () => {
    await using s = scope();
    let calls = 0;
    const r = await s.parallel([() => 1, () => 2], {
      onProgress: () => {
        calls++;
        throw new Error("ignored");
      },
    });
    expect(r).toEqual([
      [undefined, 1],
      [undefined, 2],
    ]);
    expect(calls).toBe(2);
    expect((thrown(() => parallel([], { onProgress: 1 as never })) as Error).message).toBe("parallel: onProgress must be a function, got number");
    expect(thrown(() => s.parallel([], { onProgress: "x" as never }))).toBeInstanceOf(TypeError);
  });

  test("a throwing onProgress getter throws from the call, before any factory runs or anything is made", async () => {
    await using s = scope();
    const boom = new Error("getter");
    let ran = 0;
    const hostile = {
      get onProgress() {
        throw boom;
      },
    };
    const before = liveCounts();
    for (let i = 0; i < 1000; i++) {
      expect(thrown(() => parallel([() => ran++], hostile as never))).toBe(boom);
      expect(thrown(() => s.parallel([() => ran++], hostile as never))).toBe(boom);
    }
    expect(ran).toBe(0);
    expect(liveCounts()).toEqual(before);
  });
});
