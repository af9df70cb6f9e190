// Additions from go-go-scope 2.x: race options `requireSuccess`, `timeout`,
// `stagger` (and 2.x's `staggerDelay`, `staggerMaxConcurrent`,
// `concurrency`), and `s.any`. The rules are the machine's
// (src/machine/group.rs); these check the executor with real short timers.
import { afterEach, describe, expect, test } from "vitest";
import { race, scope } from "go-go-scope-wasm";
import { expectNothingLive } from "./live";
import { abortable, sleep } from "./helpers";

afterEach(() => expectNothingLive());

/** A factory that fails after `ms` (or at once when its signal aborts). */
const failAfter = (ms: number, e: unknown) => (signal: AbortSignal) => abortable(signal, ms).then(() => Promise.reject(e));
/** A factory that succeeds with `v` after `ms` (or rejects when aborted). */
const okAfter = <T>(ms: number, v: T) => (signal: AbortSignal) => abortable(signal, ms, v);

describe("requireSuccess", () => {
  test("failures let the race go on; the first success wins; the others are aborted", async () => {
    const signals: AbortSignal[] = [];
    const [err, v] = await race(
      [
        async () => {
          throw new Error("fast failure");
        },
        (s: AbortSignal) => (signals.push(s), okAfter(15, "slow success")(s)),
        (s: AbortSignal) => (signals.push(s), okAfter(500, "slower")(s)),
      ],
      { requireSuccess: true },
    );
    expect(err).toBeUndefined();
    expect(v).toBe("slow success");
    expect(signals[1].aborted).toBe(true);
  });

  test("all failed: [AggregateError(errors in input order), undefined]", async () => {
    const e0 = new Error("zero");
    const e1 = "one";
    const e2 = new TypeError("two");
    // They fail in the order 2, 0, 1: the errors still come in input order.
    const [err, v] = await race([failAfter(10, e0), failAfter(20, e1), failAfter(1, e2)], { requireSuccess: true });
    expect(v).toBeUndefined();
    expect(err).toBeInstanceOf(AggregateError);
    expect((err as AggregateError).message).toBe("All race competitors failed");
    expect((err as AggregateError).errors).toEqual([e0, e1, e2]);
    expect((err as AggregateError).errors[0]).toBe(e0);
  });

  test("without it a failure that comes first still decides (1.0)", async () => {
    const boom = new Error("first");
    const [err] = await race([failAfter(1, boom), okAfter(20, "late")], { requireSuccess: false });
    expect(err).toBe(boom);
  });

  test("s.any is the first success; all failed gives the AggregateError", async () => {
    await using s = scope().provide("db", () => "DB");
    const [err, v] = await s.any([
      async () => {
        throw new Error("down");
      },
      async ({ services }: { services: { db: string } }) => `${services.db} ok`,
    ]);
    expect(err).toBeUndefined();
    expect(v).toBe("DB ok");
    const [all] = await s.any([async () => Promise.reject(1), async () => Promise.reject(2)]);
    expect((all as AggregateError).errors).toEqual([1, 2]);
    // `requireSuccess: false` does not turn s.any into a plain race.
    const [, w] = await s.any([async () => Promise.reject(1), async () => "yes"], { requireSuccess: false } as never);
    expect(w).toBe("yes");
    const [empty] = await s.any([]);
    expect((empty as Error).message).toBe("Cannot race empty array of factories");
  });
});

describe("timeout", () => {
  test("no winner in time: [Error('timeout after <ms>ms')], and every signal aborts with it", async () => {
    const signals: AbortSignal[] = [];
    const t0 = Date.now();
    const [err, v] = await race(
      [(s: AbortSignal) => (signals.push(s), abortable(s, 5_000)), (s: AbortSignal) => (signals.push(s), abortable(s, 5_000))],
      { timeout: 20 },
    );
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect(v).toBeUndefined();
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toBe("timeout after 20ms");
    expect(signals.map((s) => s.reason)).toEqual([err, err]);
  });

  test("a winner before the timeout clears it; 0 and Infinity mean none", async () => {
    for (const timeout of [0, Infinity, 1_000]) {
      const [, v] = await race([okAfter(5, "won")], { timeout });
      expect(v).toBe("won");
    }
  });

  test("with requireSuccess, failures then the timeout give the timeout", async () => {
    const [err] = await race([failAfter(1, "a"), okAfter(5_000, "late")], { requireSuccess: true, timeout: 20 });
    expect((err as Error).message).toBe("timeout after 20ms");
  });

  test("s.race's timeout aborts its members, not the scope", async () => {
    await using s = scope();
    const [err] = await s.race([(sig: AbortSignal) => abortable(sig, 5_000)], { timeout: 10 });
    expect((err as Error).message).toBe("timeout after 10ms");
    expect(s.signal.aborted).toBe(false);
    const [, v] = await s.task(async () => "still open");
    expect(v).toBe("still open");
  });
});

describe("stagger (hedged requests)", () => {
  test("the next starts only when none settled within stagger ms", async () => {
    const starts: number[] = [];
    const t0 = Date.now();
    const [, v] = await race(
      [0, 1, 2].map((i) => (s: AbortSignal) => {
        starts.push(i);
        return okAfter(i === 1 ? 10 : 1_000, `r${i}`)(s);
      }),
      { stagger: 40 },
    );
    expect(v).toBe("r1");
    expect(starts).toEqual([0, 1]); // r1 settled before the third was due
    expect(Date.now() - t0).toBeGreaterThanOrEqual(45);
  });

  test("a fast first factory means nothing else starts", async () => {
    const starts: number[] = [];
    const [, v] = await race(
      [0, 1].map((i) => async () => {
        starts.push(i);
        return i;
      }),
      { staggerDelay: 30 }, // 2.x's name
    );
    expect(v).toBe(0);
    await sleep(50);
    expect(starts).toEqual([0]);
  });

  test("with requireSuccess a failure starts the next at once; Infinity is a fallback chain", async () => {
    const starts: number[] = [];
    const [err, v] = await race(
      [0, 1, 2].map((i) => async () => {
        starts.push(i);
        if (i < 2) throw new Error(`down ${i}`);
        return "third";
      }),
      { stagger: Infinity, requireSuccess: true },
    );
    expect([err, v]).toEqual([undefined, "third"]);
    expect(starts).toEqual([0, 1, 2]);
  });

  test("staggerMaxConcurrent holds starts until one fails", async () => {
    let running = 0;
    let most = 0;
    const [, v] = await race(
      [0, 1, 2, 3].map((i) => async (s: AbortSignal) => {
        running++;
        most = Math.max(most, running);
        try {
          await abortable(s, 15);
          if (i < 3) throw new Error(`down ${i}`);
          return i;
        } finally {
          running--;
        }
      }),
      { stagger: 1, staggerMaxConcurrent: 2, requireSuccess: true },
    );
    expect(v).toBe(3);
    expect(most).toBe(2);
  });

  test("concurrency (2.x's s.race option) limits a race too", async () => {
    await using s = scope();
    const starts: number[] = [];
    const [, v] = await s.race(
      [0, 1, 2].map((i) => async () => {
        starts.push(i);
        await sleep(5);
        if (i === 0) throw new Error("down");
        return i;
      }),
      { concurrency: 1, requireSuccess: true },
    );
    expect(v).toBe(1);
    expect(starts).toEqual([0, 1]);
  });

  test("aborted from outside mid-stagger: the reason, and nothing more starts", async () => {
    const ac = new AbortController();
    const starts: number[] = [];
    setTimeout(() => ac.abort("stop"), 10);
    const [err] = await race(
      [0, 1, 2].map((i) => (s: AbortSignal) => {
        starts.push(i);
        return abortable(s, 5_000);
      }),
      { stagger: 30, signal: ac.signal },
    );
    expect(err).toBe("stop");
    await sleep(40);
    expect(starts).toEqual([0]);
  });
});

describe("bad input", () => {
  const f = [async () => 1];
  test.each([
    [{ timeout: -1 }, RangeError, "race: timeout must be a number of milliseconds >= 0, got -1"],
    [{ timeout: NaN }, RangeError, "race: timeout must be a number of milliseconds >= 0, got NaN"],
    [{ stagger: -0.5 }, RangeError, "race: stagger must be a number of milliseconds >= 0, got -0.5"],
    [{ staggerDelay: -1 }, RangeError, "race: staggerDelay must be a number of milliseconds >= 0, got -1"],
    [{ staggerMaxConcurrent: 1.5 }, RangeError, "race: staggerMaxConcurrent must be an integer from 1 to 2^32, or Infinity, got 1.5"],
    [{ concurrency: -1 }, RangeError, "race: concurrency must be an integer from 1 to 2^32, or Infinity, got -1"],
    [{ timeout: "10" }, TypeError, "race: timeout must be a number, got string"],
    [{ stagger: {} }, TypeError, "race: stagger must be a number, got object"],
  ])("race(%o) throws", (options, type, message) => {
    let started = false;
    const g = [async () => void (started = true)];
    expect(() => race(g, options as never)).toThrow(type);
    expect(() => race(f, options as never)).toThrow(message);
    expect(started).toBe(false);
  });

  test("s.race and s.any check the same, naming their call for types", async () => {
    await using s = scope();
    expect(() => s.race(f, { timeout: -1 })).toThrow("race: timeout must be a number of milliseconds >= 0, got -1");
    expect(() => s.any(f, { stagger: "x" } as never)).toThrow("any: stagger must be a number, got string");
    expect(() => s.any("nope" as never)).toThrow("any: factories must be an array, got string");
    expect(() => s.any(f, 5 as never)).toThrow("any: options must be an object, got number");
    expect(() => Reflect.apply(s.any, {}, [f])).toThrow(TypeError);
  });
});

describe("hostile input", () => {
  test("a throwing getter fails that call with its error; nothing is started or left", async () => {
    const boom = new Error("getter");
    for (const name of ["requireSuccess", "timeout", "stagger", "staggerDelay", "staggerMaxConcurrent", "concurrency"]) {
      let started = false;
      const options = Object.defineProperty({}, name, {
        get() {
          throw boom;
        },
      });
      let thrown: unknown;
      try {
        void race([async () => void (started = true)], options);
      } catch (e) {
        thrown = e;
      }
      expect(thrown).toBe(boom);
      expect(started).toBe(false);
      await using s = scope();
      // s.any never reads requireSuccess.
      if (name !== "requireSuccess") expect(() => s.any([async () => 1], options)).toThrow(boom);
    }
  });

  test("a Proxy that throws on every trap", async () => {
    const p = new Proxy({}, {
      get() {
        throw new Error("trap");
      },
    });
    expect(() => race([async () => 1], p)).toThrow("trap");
    await using s = scope();
    expect(() => s.race([async () => 1], p)).toThrow("trap");
    // The library still works.
    const [, v] = await s.any([async () => "fine"], { timeout: 1_000, stagger: 5 });
    expect(v).toBe("fine");
  });
});
