// Numbers and values in error messages print as JavaScript prints them
// (issue 12, item 5): String(n) for numbers, String(e) for thrown
// non-Errors in the joined disposal message, as in 1.0.
import { describe, expect, test } from "vitest";
import { Semaphore, poll, scope } from "go-go-scope-wasm";

const messageOf = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return (e as Error).message;
  }
  return "no throw";
};

describe("numbers in messages print as String(n)", () => {
  const cases: Array<[string, number, () => unknown]> = [
    ["scope concurrency 2^53", 2 ** 53, () => scope({ concurrency: 2 ** 53 })],
    ["channel capacity 1e300", 1e300, () => scope().channel(1e300)],
    ["Semaphore permits 1e21", 1e21, () => new Semaphore(1e21)],
    ["Semaphore permits 0.1 + 0.2", 0.1 + 0.2, () => new Semaphore(0.1 + 0.2)],
    ["maxRetries 2^53 + 2", 2 ** 53 + 2, () => scope().task(() => 1, { retry: { maxRetries: 2 ** 53 + 2 } })],
    ["maxRetries 1.5e-7", 1.5e-7, () => scope().task(() => 1, { retry: { maxRetries: 1.5e-7 } })],
    ["poll interval -1e300", -1e300, () => poll(() => 1, () => {}, { interval: -1e300 })],
    ["scope timeout -123456789012345680000", -123456789012345680000, () => scope({ timeout: -123456789012345680000 })],
  ];
  for (const [name, n, call] of cases) {
    test(`${name}: the message ends with "got ${String(n)}"`, () => {
      expect(messageOf(call).endsWith(`got ${String(n)}`)).toBe(true);
    });
  }

  test("the timeout error of a fractional task timeout prints its ms as String(n)", async () => {
    await using s = scope();
    const [err] = await s.task(() => new Promise(() => {}), { timeout: 1.5e-7 });
    expect((err as Error).message).toBe(`timeout after ${String(1.5e-7)}ms`);
    expect((err as Error).message).toBe("timeout after 1.5e-7ms");
  });

  test("a scope timeout of 0.30000000000000004 ms aborts with that number in the message", async () => {
    const s = scope({ timeout: 0.1 + 0.2 });
    await new Promise((r) => setTimeout(r, 10));
    expect((s.signal.reason as Error).message).toBe("timeout after 0.30000000000000004ms");
    await s[Symbol.asyncDispose]();
  });
});

describe("the joined disposal message", () => {
  test("a thrown symbol appears as Symbol(desc): 'Multiple errors during scope disposal: a, Symbol(x)'", async () => {
    const s = scope()
      .provide("x", () => 1, () => {
        throw Symbol("x");
      })
      .provide("a", () => 2, () => {
        throw new Error("a");
      });
    const err = await s[Symbol.asyncDispose]().then(() => undefined, (e: unknown) => e);
    expect((err as Error).message).toBe("Multiple errors during scope disposal: a, Symbol(x)");
  });

  test("other thrown values print as String(v): objects, numbers, null, undefined", async () => {
    const s = scope()
      .provide("u", () => 0, () => {
        throw undefined;
      })
      .provide("n", () => 0, () => {
        throw null;
      })
      .provide("num", () => 0, () => {
        throw 1e21;
      })
      .provide("obj", () => 0, () => {
        throw { code: 7 };
      })
      .provide("str", () => 0, async () => {
        throw "text";
      });
    const err = await s[Symbol.asyncDispose]().then(() => undefined, (e: unknown) => e);
    expect((err as Error).message).toBe(
      "Multiple errors during scope disposal: text, [object Object], 1e+21, null, undefined",
    );
  });

  test("a value whose String() throws still gives a message, and the scope ends", async () => {
    const hostile = {
      toString() {
        throw new Error("no string for you");
      },
    };
    const s = scope()
      .provide("h", () => 0, () => {
        throw hostile;
      })
      .provide("e", () => 0, () => {
        throw new Error("e");
      });
    const err = await s[Symbol.asyncDispose]().then(() => undefined, (e: unknown) => e);
    expect((err as Error).message).toBe("Multiple errors during scope disposal: e, [object Object]");
    expect(s.isDisposed).toBe(true);
  });
});
