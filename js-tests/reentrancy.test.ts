// User callbacks re-enter the library: never "recursive use of an object" or
// "already borrowed".
import { describe, expect, test } from "vitest";
import { scope } from "go-go-scope-wasm";
import { abortable, sleep } from "./helpers";

describe("re-entrancy", () => {
  test("a task spawns tasks on its own scope, synchronously and later", async () => {
    await using s = scope();
    const [, inner] = await s.task(async () => {
      const a = s.task(() => 1);
      await sleep(1);
      const b = s.task(async () => 2);
      return [await a, await b];
    });
    expect(inner).toEqual([[undefined, 1], [undefined, 2]]);
  });

  test("a task provides and uses services of its own scope", async () => {
    await using s = scope();
    const [, v] = await s.task(() => {
      s.provide("x", () => 10);
      return s.use("x");
    });
    expect(v).toBe(10);
  });

  test("a task starts disposing its own scope (without awaiting it)", async () => {
    const s = scope();
    let disposing!: Promise<void>;
    const t = s.task(({ signal }) => {
      disposing = s[Symbol.asyncDispose]();
      return signal.aborted ? "saw abort" : "no abort";
    });
    expect(await t).toEqual([undefined, "saw abort"]);
    await disposing;
    expect(s.isDisposed).toBe(true);
  });

  test("an abort listener spawns on another scope and disposes the scope again", async () => {
    const other = scope();
    const s = scope();
    let spawned: unknown;
    s.signal.addEventListener("abort", () => {
      spawned = other.task(async () => "from listener");
      void s[Symbol.asyncDispose]();
    });
    await s[Symbol.asyncDispose]();
    expect(await (spawned as PromiseLike<unknown>)).toEqual([undefined, "from listener"]);
    await other[Symbol.asyncDispose]();
  });

  test("a factory that spawns a task, and a cleanup that creates a scope", async () => {
    const s = scope();
    s.provide("svc", () => {
      s.task(async () => 1);
      return "v";
    }, () => {
      const inner = scope();
      void inner[Symbol.asyncDispose]();
    });
    await s[Symbol.asyncDispose]();
  });

  test("spawning from an abort listener of an aborting scope is refused cleanly", async () => {
    const ac = new AbortController();
    const s = scope({ signal: ac.signal });
    const t = s.task(({ signal }) => abortable(signal));
    let spawnError: unknown;
    s.signal.addEventListener("abort", () => {
      try {
        s.task(async () => 1);
      } catch (e) {
        spawnError = e;
      }
    });
    ac.abort(new Error("stop"));
    expect((spawnError as Error).message).toBe("Cannot spawn task on aborted scope");
    expect(t.signal.aborted).toBe(true);
    expect(((await t)[0] as Error).message).toBe("stop");
    await s[Symbol.asyncDispose]();
  });

  test("a task settling during its own fn call (sync value) and a timeout firing after settle", async () => {
    await using s = scope();
    const t = s.task(() => "sync", { timeout: 5 });
    await sleep(15);
    expect(await t).toEqual([undefined, "sync"]);
  });
});
