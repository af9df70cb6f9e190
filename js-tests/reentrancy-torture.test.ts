// Re-entrancy torture (issue 9): the scope is disposed from inside every
// kind of callback, and tasks are spawned from inside cleanups. Every case
// ends (each test has a short timeout) with its documented result, never a
// "recursive use of an object" or "already borrowed" error, and leaves no
// live Rust state behind.
import { afterEach, describe, expect, test } from "vitest";
import { Semaphore, scope } from "go-go-scope-wasm";
import { liveCounts } from "go-go-scope-wasm/internal";
import { abortable, sleep } from "./helpers";

const T = 3000; // ms: every case must end well before this
/** The machine's tables that are not empty (none should be, after each case). */
const live = () => Object.entries(liveCounts()).filter(([, n]) => n !== 0);
const message = (r: readonly [unknown, unknown]) => (r[0] as Error | undefined)?.message;
const noBorrowErrors = (e: unknown) => expect(String((e as Error)?.message ?? e)).not.toMatch(/recursive use|already borrowed|borrowed re-entrantly|unreachable/);

afterEach(async () => {
  await sleep(5);
  expect(live()).toEqual([]);
});

describe("dispose from inside", () => {
  test("a task (sync, before its fn returns)", async () => {
    const s = scope();
    let disposing!: Promise<void>;
    const t = s.task(({ signal }) => {
      disposing = s[Symbol.asyncDispose]();
      return abortable(signal, 1000, "late");
    });
    await disposing;
    expect(t.isSettled).toBe(true);
    expect(message(await t)).toBe("scope disposed");
  }, T);

  test("a task (async, after an await) whose dispose it awaits elsewhere", async () => {
    const s = scope();
    let disposing!: Promise<void>;
    const other = s.task(({ signal }) => abortable(signal, 1000, "other"));
    const t = s.task(async () => {
      await sleep(1);
      disposing = s[Symbol.asyncDispose]();
      return "done";
    });
    expect(await t).toEqual([undefined, "done"]);
    await disposing;
    expect(message(await other)).toBe("scope disposed");
    expect(s.isDisposed).toBe(true);
  }, T);

  test("an onCleanup (a second dispose during disposal is a no-op)", async () => {
    const s = scope();
    let inner: unknown = "not called";
    s.task(() => 1, {
      onCleanup: async () => {
        inner = await s[Symbol.asyncDispose]();
      },
    });
    await s[Symbol.asyncDispose]();
    expect(inner).toBeUndefined();
  }, T);

  test("a provide cleanup, which also spawns on the disposing scope (refused) and on another scope", async () => {
    const other = scope();
    const s = scope();
    let spawnError: unknown;
    let fromOther: unknown;
    s.provide("db", () => ({ open: true }), async (db) => {
      db.open = false;
      void s[Symbol.asyncDispose]();
      try {
        s.task(() => 1);
      } catch (e) {
        spawnError = e;
      }
      fromOther = await other.task(async () => "other scope");
    });
    await s[Symbol.asyncDispose]();
    expect((spawnError as Error).message).toBe("Cannot spawn task on disposed scope");
    expect(fromOther).toEqual([undefined, "other scope"]);
    await other[Symbol.asyncDispose]();
  }, T);

  test("retryCondition: the task ends with the abort reason, no further attempt", async () => {
    const s = scope();
    let attempts = 0;
    const t = s.task(
      () => {
        attempts++;
        throw new Error("flaky");
      },
      {
        retry: {
          maxRetries: 5,
          delay: 5,
          retryCondition: () => {
            void s[Symbol.asyncDispose]();
            return true;
          },
        },
      },
    );
    const r = await t;
    expect(attempts).toBe(1);
    expect(["scope disposed", "flaky"]).toContain(message(r));
    await s[Symbol.asyncDispose]();
  }, T);

  test("onRetry: the task ends with the abort reason", async () => {
    const s = scope();
    let attempts = 0;
    const t = s.task(
      () => {
        attempts++;
        throw new Error("flaky");
      },
      { retry: { maxRetries: 5, delay: 5, onRetry: () => void s[Symbol.asyncDispose]() } },
    );
    const r = await t;
    expect(attempts).toBe(1);
    expect(message(r)).toBe("scope disposed");
    await s[Symbol.asyncDispose]();
  }, T);

  test("a retry delay function: the task ends with the abort reason", async () => {
    const s = scope();
    let attempts = 0;
    const t = s.task(
      () => {
        attempts++;
        throw new Error("flaky");
      },
      {
        retry: {
          maxRetries: 5,
          delay: () => {
            void s[Symbol.asyncDispose]();
            return 5;
          },
        },
      },
    );
    const r = await t;
    expect(attempts).toBe(1);
    expect(message(r)).toBe("scope disposed");
    await s[Symbol.asyncDispose]();
  }, T);

  test("a poll's onValue: polling stops for good", async () => {
    const s = scope();
    let calls = 0;
    let disposing!: Promise<void>;
    const c = s.poll(
      async () => ++calls,
      (v) => {
        if (v === 2) disposing = s[Symbol.asyncDispose]();
      },
      { interval: 2 },
    );
    await sleep(30);
    await disposing;
    expect(calls).toBe(2);
    expect(c.status().running).toBe(false);
    c.start(); // no-op once the scope aborted
    await sleep(10);
    expect(calls).toBe(2);
  }, T);

  test("a channel for-await loop: the loop ends quietly, blocked senders reject", async () => {
    const s = scope();
    const ch = s.channel<number>(0);
    let disposing!: Promise<void>;
    const got: number[] = [];
    const consumer = s.task(async () => {
      for await (const v of ch) {
        got.push(v);
        if (v === 2) disposing = s[Symbol.asyncDispose]();
      }
      return "loop ended";
    });
    const producer = s.task(async () => {
      for (let i = 0; i < 10; i++) await ch.send(i);
      return "sent all";
    });
    expect(await consumer).toEqual([undefined, "loop ended"]);
    await disposing;
    expect(got).toEqual([0, 1, 2]);
    expect(message(await producer)).toBe("scope disposed");
  }, T);

  test("a channel receive continuation sends, closes and disposes", async () => {
    const s = scope();
    const ch = s.channel<number>(1);
    const r = ch.receive().then(async (v) => {
      const sent = await ch.send((v as number) + 1);
      ch.close();
      ch.close();
      void s[Symbol.asyncDispose]();
      return sent;
    });
    await ch.send(1);
    expect(await r).toBe(true);
    await s[Symbol.asyncDispose]();
    expect(ch.isClosed).toBe(true);
  }, T);

  test("a stream loop: the next step throws the abort reason and the source is returned once", async () => {
    const s = scope();
    let returned = 0;
    async function* source() {
      try {
        for (let i = 0; ; i++) {
          await sleep(1);
          yield i;
        }
      } finally {
        returned++;
      }
    }
    const t = s.task(async () => {
      const seen: number[] = [];
      try {
        for await (const v of s.stream(source())) {
          seen.push(v);
          if (v === 1) void s[Symbol.asyncDispose]();
        }
      } catch (e) {
        return [seen, (e as Error).message];
      }
      return [seen, "ended"];
    });
    expect(await t).toEqual([undefined, [[0, 1], "scope disposed"]]);
    await s[Symbol.asyncDispose]();
    expect(returned).toBe(1);
  }, T);

  test("a semaphore fn disposes its scope (the semaphore's signal): waiters reject", async () => {
    const s = scope();
    const sem = new Semaphore(1, s.signal);
    const first = s.task(() =>
      sem.acquire(async () => {
        void s[Symbol.asyncDispose]();
        return "first";
      }),
    );
    const second = s.task(() => sem.acquire(async () => "second"));
    expect(await first).toEqual([undefined, "first"]);
    expect(message(await second)).toBe("scope disposed");
    await s[Symbol.asyncDispose]();
  }, T);

  test("a child scope's task disposes the parent; the parent's cleanup disposes the child", async () => {
    const parent = scope();
    const child = scope({ parent });
    parent.provide("x", () => 1, () => child[Symbol.asyncDispose]());
    const t = child.task(({ signal }) => {
      void parent[Symbol.asyncDispose]();
      return abortable(signal, 1000, "late");
    });
    expect(message(await t)).toBe("scope disposed");
    await parent[Symbol.asyncDispose]();
    await child[Symbol.asyncDispose]();
    expect(child.isDisposed).toBe(true);
  }, T);
});

describe("spawn from inside cleanups", () => {
  test("onCleanup spawns on its disposing scope (refused) and on a fresh scope (runs)", async () => {
    const s = scope();
    const outcomes: unknown[] = [];
    s.task(() => 1, {
      onCleanup: async () => {
        try {
          s.task(() => 2);
        } catch (e) {
          outcomes.push((e as Error).message);
        }
        await using fresh = scope();
        outcomes.push(await fresh.task(async () => 3));
      },
    });
    await s[Symbol.asyncDispose]();
    expect(outcomes).toEqual(["Cannot spawn task on disposed scope", [undefined, 3]]);
  }, T);

  test("cleanups run LIFO even when each spawns and disposes more scopes", async () => {
    const s = scope();
    const order: string[] = [];
    for (const name of ["a", "b", "c"]) {
      s.provide(name, () => name, async () => {
        const inner = scope();
        inner.provide("inner", () => 0, () => void order.push(`${name}.inner`));
        order.push((await inner.task(async () => name))[1] as string);
        await inner[Symbol.asyncDispose]();
      });
    }
    await s[Symbol.asyncDispose]();
    expect(order).toEqual(["c", "c.inner", "b", "b.inner", "a", "a.inner"]);
  }, T);

  test("an abort listener disposes, spawns elsewhere and reads every signal", async () => {
    const other = scope();
    const s = scope();
    const t = s.task(({ signal }) => abortable(signal, 1000));
    let spawned: PromiseLike<unknown> | undefined;
    s.signal.addEventListener("abort", () => {
      void s[Symbol.asyncDispose]();
      void t.signal.aborted;
      spawned = other.task(async () => "ok");
    });
    await s[Symbol.asyncDispose]();
    expect(await spawned).toEqual([undefined, "ok"]);
    expect(message(await t)).toBe("scope disposed");
    await other[Symbol.asyncDispose]();
  }, T);
});

test("no error anywhere above was a borrow error (spot check across a burst)", async () => {
  const errors: unknown[] = [];
  for (let i = 0; i < 200; i++) {
    const s = scope();
    s.provide(`k${i}`, () => i, () => {
      try {
        s.task(() => 1);
      } catch (e) {
        errors.push(e);
      }
    });
    // fn runs synchronously inside s.task(): the scope is disposing after it.
    s.task(() => void s[Symbol.asyncDispose](), { onCleanup: () => void s[Symbol.asyncDispose]() });
    await s[Symbol.asyncDispose]().catch((e) => errors.push(e));
  }
  for (const e of errors) noBorrowErrors(e);
  expect(errors.length).toBe(200);
}, T);
