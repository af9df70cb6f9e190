// Wrong arguments throw a TypeError or RangeError naming the argument, and
// the wasm instance keeps working afterwards (no trap).
import { describe, expect, test } from "vitest";
import { scope } from "go-go-scope-wasm";

describe("bad input", () => {
  const cases: Array<[string, () => unknown, ErrorConstructor, RegExp]> = [
    ["non-function fn", () => scope().task(42 as never), TypeError, /fn must be a function/],
    ["null fn", () => scope().task(null as never), TypeError, /fn must be a function/],
    ["task options not an object", () => scope().task(async () => 1, 5 as never), TypeError, /options must be an object/],
    ["scope options not an object", () => scope("x" as never), TypeError, /options must be an object/],
    ["negative task timeout", () => scope().task(async () => 1, { timeout: -1 }), RangeError, /timeout/],
    ["-Infinity task timeout", () => scope().task(async () => 1, { timeout: -Infinity }), RangeError, /timeout/],
    ["NaN task timeout", () => scope().task(async () => 1, { timeout: NaN }), RangeError, /timeout/],
    ["string task timeout", () => scope().task(async () => 1, { timeout: "5" as never }), TypeError, /timeout/],
    ["negative scope timeout", () => scope({ timeout: -5 }), RangeError, /timeout/],
    ["-Infinity scope timeout", () => scope({ timeout: -Infinity }), RangeError, /timeout/],
    ["NaN scope timeout", () => scope({ timeout: NaN }), RangeError, /timeout/],
    ["non-string provide key", () => scope().provide(1 as never, () => 1), TypeError, /key/],
    ["non-function factory", () => scope().provide("k", 1 as never), TypeError, /factory/],
    ["non-function cleanup", () => scope().provide("k", () => 1, "x" as never), TypeError, /cleanup/],
    ["non-function onCleanup", () => scope().task(async () => 1, { onCleanup: 3 as never }), TypeError, /onCleanup/],
    ["non-integer concurrency", () => scope({ concurrency: 1.5 }), RangeError, /concurrency/],
    ["negative concurrency", () => scope({ concurrency: -1 }), RangeError, /concurrency/],
    ["non-signal signal", () => scope({ signal: {} as never }), TypeError, /signal/],
    ["non-scope parent", () => scope({ parent: {} as never }), TypeError, /parent/],
    ["zero failureThreshold", () => scope({ circuitBreaker: { failureThreshold: 0 } }), RangeError, /failureThreshold/],
    ["NaN resetTimeout", () => scope({ circuitBreaker: { resetTimeout: NaN } }), RangeError, /resetTimeout/],
  ];

  for (const [name, call, type, message] of cases) {
    test(name, () => {
      let caught: unknown;
      try {
        call();
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(type);
      expect((caught as Error).message).toMatch(message);
    });
  }

  test("the module keeps working after every bad call", async () => {
    for (const [, call] of cases) {
      try {
        call();
      } catch {
        // expected
      }
    }
    await using s = scope();
    expect(await s.task(async () => "still fine")).toEqual([undefined, "still fine"]);
  });

  test("a getter that throws inside options propagates without trapping", async () => {
    const opts = {
      get timeout(): number {
        throw new Error("getter");
      },
    };
    expect(() => scope(opts)).toThrow("getter");
    await using s = scope();
    expect(await s.task(async () => 1)).toEqual([undefined, 1]);
  });
});
