// SPEC "scope(options?)", "provide / use" and "AsyncDisposableResource".
import { describe, expect, test } from "vitest";
import { AsyncDisposableResource, Scope, scope, SpanStatusCode } from "go-go-scope-wasm";
import { abortable, sleep } from "./helpers";

describe("scope(options)", () => {
  test("scope() returns a Scope; new Scope() works too", async () => {
    await using a = scope();
    await using b = new Scope();
    expect(a).toBeInstanceOf(Scope);
    expect(b).toBeInstanceOf(Scope);
  });

  test("timeout aborts the scope with Error('timeout after <N>ms')", async () => {
    await using s = scope({ timeout: 20 });
    const [err] = await s.task(({ signal }) => abortable(signal));
    expect(s.signal.aborted).toBe(true);
    expect(err).toBe(s.signal.reason);
    expect((err as Error).message).toBe("timeout after 20ms");
  });

  test("timeout is not inherited by a child", async () => {
    await using parent = scope({ timeout: 5000 });
    await using child = scope({ parent, timeout: 10 });
    await using other = scope({ parent });
    await sleep(30);
    expect(child.signal.aborted).toBe(true);
    expect(other.signal.aborted).toBe(false);
    expect(parent.signal.aborted).toBe(false);
  });

  test("a signal aborting aborts the scope with the same reason", async () => {
    const ac = new AbortController();
    await using s = scope({ signal: ac.signal });
    const t = s.task(({ signal }) => abortable(signal));
    const reason = { why: "user said so" };
    ac.abort(reason);
    expect(s.signal.aborted).toBe(true);
    expect(s.signal.reason).toBe(reason);
    expect((await t)[0]).toBe(reason);
  });

  test("an already aborted signal aborts the new scope at once", async () => {
    const reason = new Error("before");
    await using s = scope({ signal: AbortSignal.abort(reason) });
    expect(s.signal.aborted).toBe(true);
    expect(s.signal.reason).toBe(reason);
    expect(() => s.task(async () => 1)).toThrow("Cannot spawn task on aborted scope");
  });

  test("parent: child aborts with the parent; services are copied, not shared back", async () => {
    await using parent = scope().provide("db", () => "db-1");
    await using child = scope({ parent }).provide("cache", () => "cache-1");
    expect(child.use("db")).toBe("db-1");
    expect(child.use("cache")).toBe("cache-1");
    expect(parent.use("cache")).toBeUndefined();
    parent.provide("late", () => "late");
    expect(child.use("late")).toBeUndefined();
    const t = child.task(({ signal }) => abortable(signal));
    await parent[Symbol.asyncDispose]();
    expect(child.signal.aborted).toBe(true);
    expect(((await t)[0] as Error).message).toBe("scope disposed");
  });

  test("parent: tracer, concurrency and circuitBreaker are inherited unless given", async () => {
    const tracer = { startSpan: () => undefined };
    await using parent = scope({ concurrency: 3, circuitBreaker: { failureThreshold: 2 }, tracer: tracer as never });
    await using child = scope({ parent });
    expect(child.concurrency).toBe(3);
    expect(child.circuitBreaker).toEqual({ failureThreshold: 2, resetTimeout: 30000 });
    expect(child.tracer).toBe(tracer);
    await using own = scope({ parent, concurrency: 7, circuitBreaker: { resetTimeout: 5 } });
    expect(own.concurrency).toBe(7);
    expect(own.circuitBreaker).toEqual({ failureThreshold: 5, resetTimeout: 5 });
  });

  test("effective options are undefined when never set", async () => {
    await using s = scope();
    expect(s.concurrency).toBeUndefined();
    expect(s.circuitBreaker).toBeUndefined();
    expect(s.tracer).toBeUndefined();
  });

  test("signal can be passed to fetch-like APIs and is the same object on every read", async () => {
    await using s = scope();
    expect(s.signal).toBeInstanceOf(AbortSignal);
    expect(s.signal).toBe(s.signal);
  });

  test("isDisposed turns true when disposal begins", async () => {
    const s = scope();
    expect(s.isDisposed).toBe(false);
    let release!: () => void;
    s.task(() => new Promise<void>((r) => (release = r)));
    const d = s[Symbol.asyncDispose]();
    expect(s.isDisposed).toBe(true);
    release();
    await d;
    expect(s.isDisposed).toBe(true);
  });

  test("task on a disposed scope throws synchronously", async () => {
    const s = scope();
    await s[Symbol.asyncDispose]();
    expect(() => s.task(async () => 1)).toThrow(new Error("Cannot spawn task on disposed scope"));
  });

  test("task on an aborted scope throws synchronously", async () => {
    const ac = new AbortController();
    await using s = scope({ signal: ac.signal });
    ac.abort();
    expect(() => s.task(async () => 1)).toThrow(new Error("Cannot spawn task on aborted scope"));
  });
});

describe("provide / use", () => {
  test("provide calls the factory at once and returns the same scope for chaining", async () => {
    let calls = 0;
    const s = scope();
    const same = s.provide("x", () => ++calls);
    expect(same).toBe(s);
    expect(calls).toBe(1);
    expect(s.use("x")).toBe(1);
    await s[Symbol.asyncDispose]();
  });

  test("cleanup(value) is registered and may be async", async () => {
    const closed: string[] = [];
    const s = scope().provide(
      "db",
      () => ({ id: "conn" }),
      async (db) => {
        await sleep(5);
        closed.push(db.id);
      },
    );
    await s[Symbol.asyncDispose]();
    expect(closed).toEqual(["conn"]);
  });

  test("use of a missing key is undefined", async () => {
    await using s = scope();
    expect(s.use("nope" as never)).toBeUndefined();
  });

  test("services added later are visible to tasks", async () => {
    await using s = scope();
    s.provide("a", () => 1);
    const [, seen] = await s.task(async ({ services }) => (services as Record<string, number>).a);
    expect(seen).toBe(1);
  });

  test("provide and use on a disposed scope throw", async () => {
    const s = scope();
    await s[Symbol.asyncDispose]();
    expect(() => s.provide("x", () => 1)).toThrow("disposed");
    expect(() => s.use("x" as never)).toThrow("disposed");
  });

  test("a throwing factory propagates and registers nothing", async () => {
    const s = scope();
    const boom = new Error("factory");
    expect(() => s.provide("x", () => {
      throw boom;
    })).toThrow(boom);
    expect(s.use("x" as never)).toBeUndefined();
    await s[Symbol.asyncDispose]();
  });
});

describe("AsyncDisposableResource", () => {
  test("acquire, value, dispose once", async () => {
    const disposed: number[] = [];
    const r = new AsyncDisposableResource(async () => 5, async (v: number) => void disposed.push(v));
    expect(r.value).toBeUndefined();
    expect(await r.acquire()).toBe(5);
    expect(r.value).toBe(5);
    await r[Symbol.asyncDispose]();
    await r[Symbol.asyncDispose]();
    expect(disposed).toEqual([5]);
    expect(r.value).toBeUndefined();
  });

  test("a second acquire rejects with 'Resource already acquired'", async () => {
    const r = new AsyncDisposableResource(async () => 1, async () => {});
    await r.acquire();
    await expect(r.acquire()).rejects.toThrow("Resource already acquired");
  });

  test("works with await using", async () => {
    const log: string[] = [];
    {
      await using r = new AsyncDisposableResource(async () => "conn", async (c: string) => void log.push(`close ${c}`));
      await r.acquire();
    }
    expect(log).toEqual(["close conn"]);
  });
});

test("SpanStatusCode is UNSET=0, OK=1, ERROR=2", () => {
  expect(SpanStatusCode.UNSET).toBe(0);
  expect(SpanStatusCode.OK).toBe(1);
  expect(SpanStatusCode.ERROR).toBe(2);
});
