// SPEC "Disposal, in this order".
import { describe, expect, test } from "vitest";
import { scope } from "go-go-scope-wasm";
import { abortable, sleep } from "./helpers";

describe("disposal", () => {
  test("a scope nothing observed: its signal read after disposal is aborted with 'scope disposed', the same object every read", async () => {
    const s = scope();
    await s[Symbol.asyncDispose]();
    expect(s.isDisposed).toBe(true);
    expect(s.signal.aborted).toBe(true);
    expect(s.signal.reason).toBeInstanceOf(Error);
    expect((s.signal.reason as Error).message).toBe("scope disposed");
    expect(s.signal).toBe(s.signal);
    expect(s.signal.reason).toBe(s.signal.reason);
    // A child made from it afterwards is born aborted with the same words.
    const child = scope({ parent: s });
    expect(child.signal.aborted).toBe(true);
    expect((child.signal.reason as Error).message).toBe("scope disposed");
    await child[Symbol.asyncDispose]();
  });

  test("a disposal that ends cleanly at once resolves through one shared settled promise; a failing or waiting one has its own", async () => {
    const a = scope();
    const b = scope();
    await a.task(() => 1);
    const pa = a[Symbol.asyncDispose]();
    const pb = b[Symbol.asyncDispose]();
    expect(pa).toBe(pb);
    expect(await pa).toBeUndefined();
    expect(a[Symbol.asyncDispose]()).toBe(pa); // again: the same outcome
    // A cleanup that throws: its own rejected promise, the shared one untouched.
    const boom = new Error("boom");
    const c = scope().provide("x", () => 1, () => {
      throw boom;
    });
    const pc = c[Symbol.asyncDispose]();
    expect(pc).not.toBe(pa);
    await expect(pc).rejects.toBe(boom);
    // A disposal that waits for a task: its own promise, resolved when the task ends.
    const d = scope();
    d.task(() => sleep(5));
    const pd = d[Symbol.asyncDispose]();
    expect(pd).not.toBe(pa);
    expect(await pd).toBeUndefined();
    expect(await pa).toBeUndefined();
  });

  test("order: mark disposed, abort, cleanups LIFO, wait for tasks, resolve", async () => {
    const log: string[] = [];
    const s = scope()
      .provide("first", () => 1, () => void log.push(`cleanup first (disposed=${s.isDisposed}, aborted=${s.signal.aborted})`))
      .provide("second", () => 2, () => void log.push("cleanup second"));
    s.signal.addEventListener("abort", () => log.push("abort"));
    s.task(async ({ signal }) => {
      try {
        await abortable(signal);
      } catch {
        await sleep(10); // a straggler that needs time to wind down
        log.push("task settled");
      }
    });
    await s[Symbol.asyncDispose]();
    log.push("disposed");
    expect(log).toEqual([
      "abort",
      "cleanup second",
      "cleanup first (disposed=true, aborted=true)",
      "task settled",
      "disposed",
    ]);
  });

  test("the abort reason is Error('scope disposed')", async () => {
    const s = scope();
    const sig = s.signal;
    await s[Symbol.asyncDispose]();
    expect(sig.reason).toBeInstanceOf(Error);
    expect((sig.reason as Error).message).toBe("scope disposed");
  });

  test("every observer of one disposal sees the same Error object", async () => {
    const s = scope({ concurrency: 1 });
    const running = s.task(({ signal }) => abortable(signal));
    const queued = s.task(async () => "never");
    const child = scope({ parent: s });
    await s[Symbol.asyncDispose]();
    const [runErr] = await running;
    const [queuedErr] = await queued;
    expect(runErr).toBeInstanceOf(Error);
    expect((runErr as Error).message).toBe("scope disposed");
    expect(queuedErr).toBe(runErr);
    expect(running.signal.reason).toBe(runErr);
    expect(s.signal.reason).toBe(runErr); // read only after disposal finished
    expect(child.signal.reason).toBe(runErr);
    await child[Symbol.asyncDispose]();
  });

  test("an abort reason set earlier is kept", async () => {
    const ac = new AbortController();
    const s = scope({ signal: ac.signal });
    ac.abort("first");
    await s[Symbol.asyncDispose]();
    expect(s.signal.reason).toBe("first");
  });

  test("a second dispose is a no-op", async () => {
    let cleanups = 0;
    const s = scope().provide("x", () => 1, () => void cleanups++);
    await s[Symbol.asyncDispose]();
    await s[Symbol.asyncDispose]();
    expect(cleanups).toBe(1);
  });

  test("the scope timer is cleared", async () => {
    const s = scope({ timeout: 30 });
    const sig = s.signal;
    await s[Symbol.asyncDispose]();
    await sleep(50);
    expect((sig.reason as Error).message).toBe("scope disposed");
  });

  test("a throwing cleanup does not stop the others; its error is rethrown as is", async () => {
    const ran: string[] = [];
    const boom = new Error("boom");
    const s = scope()
      .provide("a", () => 1, () => void ran.push("a"))
      .provide("b", () => 2, () => {
        throw boom;
      })
      .provide("c", () => 3, () => void ran.push("c"));
    await expect(s[Symbol.asyncDispose]()).rejects.toBe(boom);
    expect(ran).toEqual(["c", "a"]);
  });

  test("several failing cleanups give one joined Error, in the order they ran", async () => {
    const s = scope()
      .provide("a", () => 1, async () => {
        throw new Error("a");
      })
      .provide("b", () => 2, () => {
        throw new Error("b");
      });
    await expect(s[Symbol.asyncDispose]()).rejects.toThrow(new Error("Multiple errors during scope disposal: b, a"));
  });

  test("non-Error cleanup failures are joined with String()", async () => {
    const s = scope()
      .provide("a", () => 1, () => Promise.reject("plain"))
      .provide("b", () => 2, () => {
        throw new Error("err");
      });
    await expect(s[Symbol.asyncDispose]()).rejects.toThrow("Multiple errors during scope disposal: err, plain");
  });

  test("child scopes see the parent's disposal", async () => {
    const parent = scope();
    const child = scope({ parent });
    const grandchild = scope({ parent: child });
    await parent[Symbol.asyncDispose]();
    expect(child.signal.aborted).toBe(true);
    expect(grandchild.signal.aborted).toBe(true);
    await grandchild[Symbol.asyncDispose]();
    await child[Symbol.asyncDispose]();
  });

  test("await using disposes at block end", async () => {
    let sig!: AbortSignal;
    {
      await using s = scope();
      sig = s.signal;
      expect(sig.aborted).toBe(false);
    }
    expect(sig.aborted).toBe(true);
  });
});
