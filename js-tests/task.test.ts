// SPEC "Result tuples" and "Tasks".
import { describe, expect, test } from "vitest";
import { scope, Task } from "go-go-scope-wasm";
import { abortable, sleep } from "./helpers";

class NetworkError extends Error {
  constructor(message: string, readonly status: number) {
    super(message);
    this.name = "NetworkError";
  }
}

describe("Result tuples", () => {
  test("success is [undefined, value]", async () => {
    await using s = scope();
    const r = await s.task(async () => 42);
    expect(r).toEqual([undefined, 42]);
    expect(Array.isArray(r) && r.length).toBe(2);
  });

  test("failure keeps the very error object, prototype and own properties", async () => {
    await using s = scope();
    const thrown = new NetworkError("down", 503);
    const [err, value] = await s.task(async () => {
      throw thrown;
    });
    expect(err).toBe(thrown);
    expect(err).toBeInstanceOf(NetworkError);
    expect((err as NetworkError).status).toBe(503);
    expect(value).toBeUndefined();
  });

  test("a synchronous throw and a rejected non-Error value are kept as they are", async () => {
    await using s = scope();
    const sym = { reason: "plain object" };
    const [e1] = await s.task(() => {
      throw sym;
    });
    expect(e1).toBe(sym);
    const [e2] = await s.task(() => Promise.reject("a string"));
    expect(e2).toBe("a string");
  });

  test("a task never rejects, also with a rejection handler attached", async () => {
    await using s = scope();
    const t = s.task(async () => {
      throw new Error("x");
    });
    let rejected = false;
    await t.then(undefined, () => {
      rejected = true;
    });
    expect(rejected).toBe(false);
  });

  test("non-promise thenables returned by fn are followed", async () => {
    await using s = scope();
    const thenable = { then: (ok: (v: number) => void) => ok(7) };
    expect(await s.task(() => thenable as unknown as Promise<number>)).toEqual([undefined, 7]);
  });
});

describe("Tasks", () => {
  test("fn is called synchronously inside s.task() with { signal, services }", async () => {
    await using s = scope().provide("db", () => ({ name: "db" }));
    let seen: unknown;
    let called = false;
    s.task(({ signal, services }) => {
      called = true;
      seen = { signal, services };
      return Promise.resolve();
    });
    expect(called).toBe(true);
    const { signal, services } = seen as { signal: AbortSignal; services: { db: { name: string } } };
    expect(signal).toBeInstanceOf(AbortSignal);
    expect(services.db.name).toBe("db");
  });

  test("ids are unique and increasing numbers", async () => {
    await using s = scope();
    const a = s.task(async () => 1);
    const b = s.task(async () => 2);
    await using s2 = scope();
    const c = s2.task(async () => 3);
    expect(typeof a.id).toBe("number");
    expect(b.id).toBeGreaterThan(a.id);
    expect(c.id).toBeGreaterThan(b.id);
  });

  test("a Task is an instance of the exported class, thenable and Disposable", async () => {
    await using s = scope();
    const t = s.task(async () => 1);
    expect(t).toBeInstanceOf(Task);
    expect(typeof t.then).toBe("function");
    expect(typeof t[Symbol.dispose]).toBe("function");
    await t;
  });

  test("isStarted is true at creation; isSettled false until the Result is ready", async () => {
    await using s = scope();
    let release!: () => void;
    const t = s.task(() => new Promise<void>((r) => (release = r)));
    expect(t.isStarted).toBe(true);
    expect(t.isSettled).toBe(false);
    await sleep(5);
    expect(t.isSettled).toBe(false);
    release();
    await t;
    expect(t.isSettled).toBe(true);
  });

  test("a fn returning a plain value settles before s.task() returns; a promise settles later", async () => {
    await using s = scope();
    const sync = s.task(() => 5);
    expect(sync.isSettled).toBe(true);
    const later = s.task(async () => 5);
    expect(later.isSettled).toBe(false);
    expect(await sync).toEqual([undefined, 5]);
    expect(await later).toEqual([undefined, 5]);
  });

  test("the task's signal aborts when the scope is disposed", async () => {
    const s = scope();
    let signal!: AbortSignal;
    const t = s.task(({ signal: sig }) => {
      signal = sig;
      return abortable(sig);
    });
    expect(signal.aborted).toBe(false);
    expect(t.signal).toBe(signal);
    await s[Symbol.asyncDispose]();
    expect(signal.aborted).toBe(true);
    expect((signal.reason as Error).message).toBe("scope disposed");
    const [err] = await t;
    expect(err).toBe(signal.reason);
  });

  test("the task signal is the same object on every read", async () => {
    await using s = scope();
    const t = s.task(() => sleep(1));
    expect(t.signal).toBe(t.signal);
  });

  test("a task whose fn ignores the signal settles with fn's own outcome", async () => {
    const s = scope();
    const t = s.task(async () => {
      await sleep(20);
      return "done anyway";
    });
    await s[Symbol.asyncDispose]();
    expect(t.isSettled).toBe(true);
    expect(await t).toEqual([undefined, "done anyway"]);
  });

  describe("timeout option", () => {
    test("fails the task with Error('timeout after <N>ms')", async () => {
      await using s = scope();
      const [err] = await s.task(() => sleep(1000), { timeout: 20 });
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).message).toBe("timeout after 20ms");
    });

    test("aborts the task's own signal with the timeout error (the work really stops)", async () => {
      await using s = scope();
      let sig!: AbortSignal;
      const t = s.task(({ signal }) => {
        sig = signal;
        return abortable(signal);
      }, { timeout: 15 });
      const [err] = await t;
      expect(sig.aborted).toBe(true);
      expect(sig.reason).toBe(err);
      expect(s.signal.aborted).toBe(false); // only the task, not the scope
    });

    test("a task finishing in time is not affected", async () => {
      await using s = scope();
      expect(await s.task(async () => "fast", { timeout: 1000 })).toEqual([undefined, "fast"]);
    });

    test("timeout 0 means no timeout", async () => {
      await using s = scope();
      expect(await s.task(() => sleep(5).then(() => 1), { timeout: 0 })).toEqual([undefined, 1]);
    });
  });

  test("onCleanup runs at scope disposal, in LIFO order with services", async () => {
    const order: string[] = [];
    const s = scope().provide("a", () => 1, () => void order.push("service a"));
    s.task(async () => 1, { onCleanup: () => void order.push("task 1") });
    s.provide("b", () => 2, () => void order.push("service b"));
    s.task(async () => 2, { onCleanup: () => void order.push("task 2") });
    expect(order).toEqual([]);
    await s[Symbol.asyncDispose]();
    expect(order).toEqual(["task 2", "service b", "task 1", "service a"]);
  });

  test("an onCleanup that throws does not fail the disposal (as in 1.0)", async () => {
    const s = scope();
    s.task(async () => 1, {
      onCleanup: () => {
        throw new Error("ignored");
      },
    });
    await expect(s[Symbol.asyncDispose]()).resolves.toBeUndefined();
  });

  test("retry and otel options are accepted", async () => {
    await using s = scope();
    const r = await s.task(async () => "ok", { retry: { maxRetries: 1 }, otel: { name: "n", attributes: { a: 1 } } });
    expect(r).toEqual([undefined, "ok"]);
  });

  test("[Symbol.dispose] detaches a pending task from the scope's signal", async () => {
    const s = scope();
    let sig!: AbortSignal;
    let finish!: () => void;
    const t = s.task(({ signal }) => {
      sig = signal;
      return new Promise<string>((r) => (finish = () => r("finished")));
    });
    t[Symbol.dispose]();
    const disposing = s[Symbol.asyncDispose]();
    expect(s.signal.aborted).toBe(true);
    expect(sig.aborted).toBe(false);
    finish();
    await disposing;
    expect(await t).toEqual([undefined, "finished"]);
  });

  test("[Symbol.dispose] before the signal was ever read still detaches it", async () => {
    const s = scope();
    let ctx!: { signal: AbortSignal };
    let finish!: () => void;
    const t = s.task((c) => {
      ctx = c; // the signal is not read yet
      return new Promise<string>((r) => (finish = () => r("finished")));
    });
    t[Symbol.dispose]();
    const disposing = s[Symbol.asyncDispose]();
    expect(ctx.signal.aborted).toBe(false);
    expect(t.signal.aborted).toBe(false);
    finish();
    await disposing;
    expect(await t).toEqual([undefined, "finished"]);
  });

  test("a signal first read after the scope aborted is aborted with the scope's reason", async () => {
    const s = scope({ timeout: 5 });
    let ctx!: { signal: AbortSignal };
    let finish!: () => void;
    const t = s.task((c) => {
      ctx = c;
      return new Promise<string>((r) => (finish = () => r("late")));
    });
    await sleep(20);
    expect(s.signal.aborted).toBe(true);
    expect(ctx.signal.aborted).toBe(true);
    expect(ctx.signal).not.toBe(s.signal);
    expect(ctx.signal.reason).toBe(s.signal.reason);
    expect(t.signal).toBe(ctx.signal);
    finish();
    expect(await t).toEqual([undefined, "late"]);
    await s[Symbol.asyncDispose]();
  });

  test("each task's signal is its own, read before or after the scope aborts", async () => {
    const s = scope();
    const sigs: AbortSignal[] = [];
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    const a = s.task(async ({ signal }) => (sigs.push(signal), gate));
    const b = s.task(async () => gate);
    sigs.push(b.signal);
    expect(sigs[0]).not.toBe(sigs[1]);
    expect(sigs[0]).not.toBe(s.signal);
    const disposing = s[Symbol.asyncDispose]();
    expect(sigs.every((x) => x.aborted)).toBe(true);
    open();
    await disposing;
    expect((await a)[0]).toBeUndefined();
    expect((await b)[0]).toBeUndefined();
  });

  test("[Symbol.dispose] on a settled task has no effect", async () => {
    await using s = scope();
    const t = s.task(async () => 5);
    await t;
    t[Symbol.dispose]();
    expect(await t).toEqual([undefined, 5]);
  });

  test("`using t = s.task(...)` works", async () => {
    await using s = scope();
    let value: unknown;
    {
      using t = s.task(async () => 9);
      value = await t;
    }
    expect(value).toEqual([undefined, 9]);
  });
});
