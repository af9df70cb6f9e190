// SPEC "AsyncDisposableResource(acquire, dispose)": acquire once, dispose once.
import { describe, expect, test } from "vitest";
import { AsyncDisposableResource } from "go-go-scope-wasm";
import { sleep } from "./helpers";

describe("AsyncDisposableResource", () => {
  test("two [Symbol.asyncDispose]() at once call dispose once; both wait for it", async () => {
    let calls = 0;
    let done = false;
    const r = new AsyncDisposableResource(async () => "conn", async () => {
      calls++;
      await sleep(5);
      done = true;
    });
    await r.acquire();
    const a = r[Symbol.asyncDispose]();
    const b = r[Symbol.asyncDispose]();
    await b;
    expect(done).toBe(true);
    await a;
    expect(calls).toBe(1);
  });

  test("acquire() while the first is pending rejects; a failed acquire allows another", async () => {
    let n = 0;
    const r = new AsyncDisposableResource(async () => {
      await sleep(2);
      if (n++ === 0) throw new Error("no connection");
      return "conn";
    }, async () => {});
    const first = r.acquire();
    await expect(r.acquire()).rejects.toThrow("Resource already acquired");
    await expect(first).rejects.toThrow("no connection");
    expect(await r.acquire()).toBe("conn");
  });

  test("a failed dispose keeps the value, and may be tried again", async () => {
    let fail = true;
    const r = new AsyncDisposableResource(async () => 7, async () => {
      if (fail) throw new Error("busy");
    });
    await r.acquire();
    await expect(r[Symbol.asyncDispose]()).rejects.toThrow("busy");
    expect(r.value).toBe(7);
    fail = false;
    await r[Symbol.asyncDispose]();
    expect(r.value).toBeUndefined();
  });

  test("an acquire that gives undefined: nothing to dispose, and no second acquire", async () => {
    let disposed = 0;
    const r = new AsyncDisposableResource(async () => undefined, async () => void disposed++);
    expect(await r.acquire()).toBeUndefined();
    await r[Symbol.asyncDispose]();
    expect(disposed).toBe(0);
    await expect(r.acquire()).rejects.toThrow("Resource already acquired");
  });

  test("methods check their receiver; there is no Symbol.dispose", () => {
    const r = new AsyncDisposableResource(async () => 1, async () => {});
    expect((r as unknown as Record<symbol, unknown>)[Symbol.dispose]).toBeUndefined();
    expect(() => AsyncDisposableResource.prototype.acquire.call({} as never)).toThrow(TypeError);
    expect(() => AsyncDisposableResource.prototype[Symbol.asyncDispose].call({} as never)).toThrow(TypeError);
    const value = Object.getOwnPropertyDescriptor(AsyncDisposableResource.prototype, "value")!.get!;
    expect(() => value.call({})).toThrow(TypeError);
    expect(() => (AsyncDisposableResource as unknown as () => unknown)()).toThrow(TypeError);
  });
});
