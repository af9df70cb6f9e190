// Reliability (issue 13): hostile but realistic input never breaks the
// library for the process. For each class of the issue (a stack overflow in
// user recursion that calls into the library, throwing getters and Proxies
// on every argument the library reads, objects that look like an
// AbortSignal, methods on the wrong object or after disposal, `using` on a
// Channel) the hostile action is repeated far past what exhausted the old
// wasm stack, and then:
// - the hostile call failed with an error (a TypeError where 1.0 threw
//   one), never a wasm trap ("memory access out of bounds", "unreachable")
//   or a borrow error;
// - a fresh scope, task, channel and disposal work (`roundTrip`);
// - once everything is disposed, `liveCounts()` is all zero.
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import * as lib from "go-go-scope-wasm";
import { expectNothingLive, liveCounts, setProbeDepth } from "./live";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;
const { scope, Scope, Task, Channel, Semaphore, AsyncDisposableResource, race, parallel, poll, stream } = lib as Any;

// Tens of thousands of repetitions per case: generous time on a busy machine.
vi.setConfig({ testTimeout: 60_000 });

/** Times each cheap hostile action is repeated (the old wasm stack gave out after a few thousand). */
const N = 20_000;

const NO_ERROR = Symbol("no error");
const TRAP = /memory access out of bounds|unreachable|borrowed|recursive use|null pointer|RuntimeError/i;

/** The primitives a case uses exist (so that "is not a function" never passes for the expected TypeError). */
function needs(...fs: unknown[]): void {
  for (const f of fs) expect(typeof f).toBe("function");
}

/** What a call threw or its promise rejected with (`NO_ERROR` if neither). */
async function failureOf(f: () => unknown): Promise<unknown> {
  try {
    let r = f();
    if (r !== null && typeof r === "object" && typeof (r as Any).next === "function" && !(r instanceof Task)) r = (r as Any).next();
    if (r instanceof Promise) await r;
  } catch (e) {
    return e;
  }
  return NO_ERROR;
}

/** The error of a synchronous call (`NO_ERROR` if it returned). */
function thrownBy(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return NO_ERROR;
}

/** An error that is not a wasm trap or a borrow error. */
function expectClean(e: unknown): void {
  if (e === NO_ERROR) return;
  let text: string;
  try {
    text = `${(e as Error)?.name}: ${(e as Error)?.message}`;
  } catch {
    text = "(unprintable)";
  }
  expect(text).not.toMatch(TRAP);
  expect(e).not.toBeInstanceOf(WebAssembly.RuntimeError);
}

function expectTypeError(e: unknown, what: string): void {
  expectClean(e);
  expect(e, what).toBeInstanceOf(TypeError);
}

/** A fresh scope, a task, a channel, a child scope, and their disposal: all work. */
async function roundTrip(): Promise<void> {
  const s = scope();
  const child = scope({ parent: s, timeout: 5_000 });
  expect(await s.task(() => 41)).toEqual([undefined, 41]);
  expect(await child.task(async ({ signal }: { signal: AbortSignal }) => signal.aborted)).toEqual([undefined, false]);
  const signal = s.signal;
  await child[Symbol.asyncDispose]();
  await s[Symbol.asyncDispose]();
  expect(signal.aborted).toBe(true);
  expect(s.isDisposed).toBe(true);
  // A channel, last: it is a primitive of its own.
  const c = scope();
  const ch = c.channel(1);
  await ch.send("v");
  expect(await ch.receive()).toBe("v");
  await c[Symbol.asyncDispose]();
}

/** `p` settles within `ms` (a disposal that hangs fails the test instead of timing it out). */
async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, rej) => (timer = setTimeout(() => rej(new Error(`${what} did not settle within ${ms} ms`)), ms)));
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Set by a test that leaves the scopes it struck behind on purpose (they may be inconsistent; others may not). */
let struckScopesLeft = false;
/** What those struck scopes left in the tables (it may only shrink later, as kept effects run). */
let struckLeft: Record<string, number> | undefined;

/** No table holds more than in `before` (what others left may shrink meanwhile). */
function expectNoGrowth(before: Record<string, number>): void {
  const now = liveCounts() as Record<string, number>;
  for (const [name, n] of Object.entries(now)) expect([name, n <= before[name]]).toEqual([name, true]);
}
let atStart = liveCounts();

beforeEach(() => {
  atStart = liveCounts();
});

// After every case: a round trip works, and the case left nothing behind
// (compared with its start, so that one leaking case does not fail the
// next ones too; the last check below wants every count at 0).
afterEach(async () => {
  setProbeDepth(1, 10); // the defaults of pkg-template/src/wasm.ts (wasm levels, JS levels)
  await new Promise((r) => setTimeout(r, 5));
  if (struckScopesLeft) {
    // Every other scope, then and later, works and releases what it used.
    struckScopesLeft = false;
    const before = liveCounts();
    await roundTrip();
    expectNoGrowth(before);
    return;
  }
  await roundTrip();
  expect(liveCounts()).toEqual(atStart);
});

afterAll(async () => {
  await new Promise((r) => setTimeout(r, 20));
  if (struckLeft === undefined) expectNothingLive();
  else expectNoGrowth(struckLeft);
});

// ---------------------------------------------------------------------------

describe("a stack overflow in user recursion that calls into the library", () => {
  test("f() { s.task(() => 1); f() } until RangeError, at 100 different depths", async () => {
    const s = scope();
    for (let k = 0; k < 100; k++) {
      // Spread arguments change every frame's size, so the overflow strikes
      // at a different point of the library's own frames each time.
      const pad = new Array(k).fill(0);
      const f = (..._args: number[]): void => {
        s.task(() => 1);
        f(...pad);
      };
      const e = thrownBy(() => f(...pad));
      expectClean(e);
      expect(e).toBeInstanceOf(RangeError);
      // The very next public call works.
      expect(await s.task(() => k)).toEqual([undefined, k]);
    }
    expect(liveCounts().tasks).toBe(0);
    await within(s[Symbol.asyncDispose](), 2_000, "dispose");
  });

  test("recursion through every entry point: scope, options, signal, provide, use, dispose", async () => {
    const s = scope();
    const kids: Any[] = new Array(100_000).fill(null);
    let n = 0;
    for (let k = 0; k < 10; k++) {
      const pad = new Array(3 * k).fill(0);
      const g = (..._args: number[]): void => {
        const c = scope({ parent: s, timeout: 60_000, concurrency: 2 });
        kids[n++] = c;
        c.task(() => 1, { timeout: 60_000, retry: { maxRetries: 1 } });
        void c.signal;
        c.provide("k", () => 1, () => undefined);
        c.use("k");
        void c[Symbol.asyncDispose]();
        g(...pad);
      };
      const e = thrownBy(() => g(...pad));
      expectClean(e);
      expect(e).toBeInstanceOf(RangeError);
    }
    expect(n).toBeGreaterThan(1_000);
    for (let i = 0; i < n; i++) await within(kids[i][Symbol.asyncDispose](), 2_000, `dispose of child ${i}`);
    await within(s[Symbol.asyncDispose](), 2_000, "dispose");
  }, 60_000);

  test("recursion through synchronous tasks: every task settles, the innermost with the RangeError", async () => {
    for (let round = 0; round < 40; round++) {
      const s = scope();
      const pad = new Array(round).fill(0);
      const deep = (..._args: number[]): Any => s.task(() => deep(...pad));
      const top = deep(...pad);
      // The chain of tasks resolves from the inside out: each fn returned the next task.
      let r = await within(top as Promise<Any>, 5_000, "the outermost task");
      let depth = 0;
      while (r[0] === undefined && Array.isArray(r[1])) (r = r[1]), depth++;
      expect(depth).toBeGreaterThan(100);
      expectClean(r[0]);
      expect(r[0]).toBeInstanceOf(RangeError);
      expect(liveCounts().tasks).toBe(0);
      await within(s[Symbol.asyncDispose](), 2_000, "dispose after the runaway recursion");
    }
  });

  test("runaway fire-and-forget recursion from tasks, then disposal resolves", async () => {
    for (let round = 0; round < 40; round++) {
      const s = scope();
      const pad = new Array(round).fill(0);
      let spawned = 0;
      const deep = (..._args: number[]): void => {
        s.task(() => {
          spawned++;
          deep(...pad);
        });
      };
      const e = thrownBy(() => deep(...pad));
      // The overflow struck inside a task's fn: that task failed, the outer calls returned.
      expect(e).toBe(NO_ERROR);
      expect(spawned).toBeGreaterThan(100);
      await within(s[Symbol.asyncDispose](), 2_000, "dispose after the runaway recursion");
    }
  });

  test("runaway recursion through tasks whose fn catches and rethrows: every task settles, disposal resolves", async () => {
    // The RangeError passes up through every level: each task fails with
    // it, its report to the machine made with the stack nearly exhausted.
    for (let round = 0; round < 100; round++) {
      const s = scope();
      const pad = new Array(round).fill(0);
      const tasks: Any[] = [];
      const deep = (..._args: number[]): void => {
        tasks.push(
          s.task(() => {
            try {
              deep(...pad);
            } catch (e) {
              throw e;
            }
          }),
        );
      };
      expectClean(thrownBy(() => deep(...pad)));
      await within(s[Symbol.asyncDispose](), 2_000, `dispose after the runaway recursion (padding ${round})`);
      expect(tasks.every((t) => t.isSettled)).toBe(true);
      expect(liveCounts().tasks).toBe(0);
    }
  });

  test("a disposal begun inside the runaway recursion resolves once it unwinds", async () => {
    for (let round = 0; round < 10; round++) {
      const s = scope();
      const other = scope();
      let disposing: Promise<void> | undefined;
      // The first 50 levels are tasks of `s`, still running when level 50
      // disposes `s`; the recursion goes on in `other` until the stack gives out.
      const deep = (d: number): void => {
        (d < 50 ? s : other).task(() => {
          if (d === 50) disposing = s[Symbol.asyncDispose]();
          deep(d + 1);
        });
      };
      expectClean(thrownBy(() => deep(0)));
      expect(disposing).toBeDefined();
      await within(disposing!, 2_000, "dispose of the scope whose tasks were on the stack");
      await within(other[Symbol.asyncDispose](), 2_000, "dispose of the scope the overflow struck in");
    }
  });

  test("an overflow striking inside the library (stack guard off): the next public call works", async () => {
    // With the guard's probe at its minimum the RangeError strikes wherever
    // the stack runs out: in the executor, in the wasm-bindgen glue, inside
    // a wasm export. The scope it struck in may be left inconsistent (the
    // issue's contract is "for other scopes"), so it is not disposed here.
    setProbeDepth(0, 0);
    struckScopesLeft = true;
    let overflows = 0;
    for (let k = 0; k < 150; k++) {
      const s = scope();
      const pad = new Array(k).fill(0);
      const f = (..._args: number[]): void => {
        const t = s.task(({ signal }: { signal: AbortSignal }) => signal.aborted, { timeout: 60_000 });
        void t.signal;
        f(...pad);
      };
      const e = thrownBy(() => f(...pad));
      expectClean(e);
      if (e instanceof RangeError) overflows++;
      // The very next public call, on a fresh scope: a whole cycle works
      // and releases everything it used.
      const before = liveCounts();
      const fresh = scope();
      expect(await fresh.task(() => "fresh")).toEqual([undefined, "fresh"]);
      expect(await fresh.task(async ({ signal }: { signal: AbortSignal }) => signal.aborted, { timeout: 60_000 })).toEqual([undefined, false]);
      await within(fresh[Symbol.asyncDispose](), 2_000, "dispose of a fresh scope");
      expectNoGrowth(before);
      void s[Symbol.asyncDispose]().catch(() => {});
    }
    expect(overflows).toBe(150);
    await new Promise((r) => setTimeout(r, 20));
    struckLeft = liveCounts();
  });
});

describe("a runaway recursion as the first thing a process does (cold: nothing of the library compiled yet)", () => {
  // In a fresh process even the executor's own report of a failed task is
  // a first call, compiled on the spot, and may be what runs out of stack;
  // no task may be left unsettled by that, or disposal would wait forever.
  const pkgDir = join(__dirname, "node_modules", "go-go-scope-wasm");
  const cases = ["rethrow", "chain", "forget", "beside", "rethrow-probe0", "chain-probe0"].flatMap((shape) => [0, 7].map((pad) => [shape, pad] as const));
  test.each(cases)("%s, padding %i: every task settles, disposal resolves, nothing is left", (shape, pad) => {
    const out = execFileSync("node", [join(__dirname, "fixtures", "cold-recursion.mjs"), pkgDir, shape, String(pad)], { encoding: "utf8", timeout: 30_000 });
    const r = JSON.parse(out.trim().split("\n").pop() as string);
    expect(r.spawned).toBeGreaterThan(100);
    expect({ disposal: r.disposal, unsettled: r.unsettled, roundTrip: r.roundTrip, left: r.left }).toEqual({
      disposal: "resolved",
      unsettled: 0,
      roundTrip: JSON.stringify([null, 42]),
      left: {},
    });
  }, 40_000);
});

// ---------------------------------------------------------------------------

class Boom extends Error {}
const boom = new Boom("boom");
const thrower = () => {
  throw boom;
};
/** An object whose every property read throws `boom`. */
const throwingProxy = () => new Proxy({}, { get: thrower, has: thrower, ownKeys: thrower, getOwnPropertyDescriptor: thrower, getPrototypeOf: thrower });
/** An object with a throwing getter for `name`. */
const getterThrows = (name: string, rest: object = {}) => Object.defineProperty({ ...rest }, name, { get: thrower, enumerable: true });
/** A function whose `length` getter throws. */
const lengthThrows = <F extends (...a: Any[]) => unknown>(f: F): F => Object.defineProperty(f, "length", { get: thrower });
/** A thenable whose own `then` throws; a real promise whose `then` getter throws. */
const thenThrows = () => ({ then: thrower });
const promiseThenGetterThrows = () => Object.defineProperty(Promise.resolve(1), "then", { get: thrower });

/** Repeats a hostile call `times` times: each fails with the user's error (or, where noted, a TypeError). */
async function repeatFails(times: number, call: () => unknown, expected: (e: unknown) => void): Promise<void> {
  for (let i = 0; i < times; i++) {
    const e = await failureOf(call);
    expectClean(e);
    if (i === 0 || i === times - 1) expected(e);
    else if (e === NO_ERROR) expected(e);
  }
}

const isBoom = (e: unknown) => expect(e).toBe(boom);

describe("throwing getters and Proxies on every argument the library reads", () => {
  test("scope options: each getter, a Proxy, a throwing circuitBreaker and parent", async () => {
    for (const name of ["timeout", "signal", "parent", "concurrency", "circuitBreaker", "tracer", "name"]) {
      await repeatFails(N / 10, () => scope(getterThrows(name)), isBoom);
    }
    await repeatFails(N, () => scope(throwingProxy()), isBoom);
    await repeatFails(N / 10, () => scope({ circuitBreaker: getterThrows("failureThreshold") }), isBoom);
    await repeatFails(N / 10, () => scope({ circuitBreaker: getterThrows("resetTimeout") }), isBoom);
    await repeatFails(N / 10, () => scope({ circuitBreaker: throwingProxy() }), isBoom);
    const s = scope();
    // A Proxy of a real scope whose prototype lookup throws.
    await repeatFails(N / 10, () => scope({ parent: new Proxy(s, { getPrototypeOf: thrower }) }), (e) => expect(e).toBeInstanceOf(Error));
    await s[Symbol.asyncDispose]();
  });

  test("task options: each getter, retry's, otel's, a Proxy; the fn itself a throwing Proxy", async () => {
    const s = scope();
    for (const name of ["timeout", "retry", "onCleanup", "otel"]) await repeatFails(N / 10, () => s.task(() => 1, getterThrows(name)), isBoom);
    for (const name of ["maxRetries", "delay", "retryCondition", "onRetry"]) {
      await repeatFails(N / 10, () => s.task(() => 1, { retry: getterThrows(name) }), isBoom);
    }
    await repeatFails(N, () => s.task(() => 1, throwingProxy()), isBoom);
    await repeatFails(N / 10, () => s.task(() => 1, { retry: throwingProxy() }), isBoom);
    // The fn as a Proxy whose every trap but `apply` throws: it is called
    // or the call fails; either way the scope goes on.
    for (let i = 0; i < 1_000; i++) {
      const fn = new Proxy(() => 7, { get: thrower, getPrototypeOf: thrower, has: thrower });
      const e = thrownBy(() => {
        const t = s.task(fn);
        void t;
      });
      expectClean(e);
    }
    await within(s[Symbol.asyncDispose](), 2_000, "dispose");
  });

  test("a fn's or factory's `length` getter throws (task, race, parallel, poll, provide)", async () => {
    needs(race, parallel, poll);
    const s = scope();
    for (let i = 0; i < 2_000; i++) {
      const e = thrownBy(() => void s.task(lengthThrows(() => 1)));
      expectClean(e);
      if (e !== NO_ERROR) isBoom(e);
    }
    for (let i = 0; i < 500; i++) {
      const e1 = await failureOf(() => race([lengthThrows(async () => 1)]));
      expectClean(e1);
      const e2 = await failureOf(() => parallel([lengthThrows(async () => 1), async () => 2]));
      expectClean(e2);
      const e3 = await failureOf(() => s.race([lengthThrows(async () => 1)]));
      expectClean(e3);
      const e4 = thrownBy(() => s.provide("x", lengthThrows(() => 1)));
      expectClean(e4);
    }
    const e = thrownBy(() => poll(lengthThrows(() => 1), () => {}, { interval: 1_000, signal: s.signal }));
    expectClean(e);
    await within(s[Symbol.asyncDispose](), 2_000, "dispose");
  });

  test("arrays of factories: a Proxy, a throwing length, a throwing element getter", async () => {
    needs(race, parallel);
    const s = scope();
    needs(s.race, s.parallel);
    const hostileArrays = () => [
      new Proxy([async () => 1], { get: thrower }),
      new Proxy([async () => 1], { get: (t, k) => (k === "length" ? thrower() : Reflect.get(t, k)) }),
      Object.defineProperty([async () => 1, async () => 2], 1, { get: thrower }),
      throwingProxy(),
    ];
    for (let i = 0; i < N / 40; i++) {
      for (const arr of hostileArrays()) {
        for (const call of [() => race(arr), () => parallel(arr), () => s.race(arr), () => s.parallel(arr), () => parallel(arr, throwingProxy())]) {
          const e = await failureOf(call);
          expectClean(e);
          expect(e).not.toBe(NO_ERROR);
        }
      }
    }
    await within(s[Symbol.asyncDispose](), 2_000, "dispose");
  });

  test("otel: a throwing getter or Proxy in otel.name or otel.attributes throws from the call with its own error (as 1.0), with a real tracer", async () => {
    const exporter = new InMemorySpanExporter();
    const tracer = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }).getTracer("hostile");
    const s = scope({ tracer });
    const hostile = [
      () => ({ name: "t", attributes: getterThrows("user.id", { ok: 1 }) }),
      () => ({ name: "t", attributes: throwingProxy() }),
      () => getterThrows("attributes", { name: "t" }),
      () => getterThrows("name", { attributes: { ok: 1 } }),
    ];
    // 20,000 calls in all: each fails with the thrown error itself, and
    // spawns nothing.
    for (let i = 0; i < N / hostile.length; i++) {
      for (const otel of hostile) {
        const e = thrownBy(() => s.task(() => 1, { otel: otel() }));
        expectClean(e);
        isBoom(e);
      }
    }
    expect(liveCounts().tasks).toBe(0);
    // The scope and its tracer go on: a good call has its span, with its attributes.
    expect(await s.task(() => 2, { otel: { name: "good", attributes: { "user.id": 7 } } })).toEqual([undefined, 2]);
    const good = exporter.getFinishedSpans().filter((sp) => sp.name === "good");
    expect(good).toHaveLength(1);
    expect(good[0].attributes["user.id"]).toBe(7);
    expect(exporter.getFinishedSpans().filter((sp) => sp.name === "t")).toHaveLength(0);
    await within(s[Symbol.asyncDispose](), 2_000, "dispose");
  });

  test("otel without a tracer: `name` is read at every call (a throwing getter throws, as 1.0), `attributes` is not read", async () => {
    const s = scope();
    await repeatFails(N / 10, () => s.task(() => 1, { otel: getterThrows("name") }), isBoom);
    for (let i = 0; i < 1_000; i++) {
      expect(await s.task(() => 3, { otel: { name: "t", attributes: throwingProxy() } })).toEqual([undefined, 3]);
    }
    await within(s[Symbol.asyncDispose](), 2_000, "dispose");
  });

  test("an error whose `message` getter throws reaches the joined disposal message", async () => {
    for (let i = 0; i < 2_000; i++) {
      const bad = Object.defineProperty(new Error("x"), "message", { get: thrower });
      const s = scope();
      s.provide("a", () => 1, () => {
        throw bad;
      });
      s.provide("b", () => 2, () => {
        throw new Error("plain");
      });
      s.provide("c", () => 3, () => {
        throw throwingProxy();
      });
      const e = await within(failureOf(() => s[Symbol.asyncDispose]()), 2_000, "dispose");
      expectClean(e);
      expect(e).toBeInstanceOf(Error);
      expect((e as Error).message).toMatch(/^Multiple errors during scope disposal: /);
      expect((e as Error).message).toContain("plain");
    }
    // The single cleanup error is rethrown as it is, however hostile.
    const bad = Object.defineProperty(new Error("x"), "message", { get: thrower });
    const s = scope();
    s.provide("a", () => 1, () => Promise.reject(bad));
    expect(await failureOf(() => s[Symbol.asyncDispose]())).toBe(bad);
  });

  test("a promise whose own `then` throws: from a task, a cleanup, race, parallel, poll and a resource", async () => {
    needs(race, parallel, AsyncDisposableResource);
    const s = scope();
    needs(s.poll);
    for (let i = 0; i < N / 4; i++) {
      expect(await s.task(thenThrows)).toEqual([boom, undefined]);
      expect(await s.task(promiseThenGetterThrows)).toEqual([boom, undefined]);
    }
    for (let i = 0; i < 500; i++) {
      expect(await race([thenThrows])).toEqual([boom, undefined]);
      expect(await parallel([thenThrows, async () => 2])).toEqual([
        [boom, undefined],
        [undefined, 2],
      ]);
      const c = scope();
      c.provide("a", () => 1, thenThrows);
      expect(await failureOf(() => c[Symbol.asyncDispose]())).toBe(boom);
    }
    let polled = 0;
    const ctl = s.poll(
      () => {
        polled++;
        return thenThrows();
      },
      () => {},
      { interval: 1 },
    );
    await new Promise((r) => setTimeout(r, 20));
    expect(polled).toBeGreaterThan(1);
    ctl.stop();
    for (let i = 0; i < 200; i++) {
      const r = new AsyncDisposableResource(thenThrows, async () => {});
      expectClean(await failureOf(() => r.acquire()));
      await r[Symbol.asyncDispose]();
    }
    await within(s[Symbol.asyncDispose](), 2_000, "dispose");
  });
});

// ---------------------------------------------------------------------------

describe("objects that look like an AbortSignal but are not one", () => {
  const fakes = () => {
    const real = new AbortController().signal;
    return [
      { aborted: false, reason: undefined, addEventListener() {}, removeEventListener() {}, throwIfAborted() {}, onabort: null },
      { aborted: true, reason: new Error("fake"), addEventListener() {}, removeEventListener() {} },
      Object.create(AbortSignal.prototype),
      new Proxy(real, { get: thrower, getPrototypeOf: thrower }),
      new EventTarget(),
      getterThrows("aborted"),
    ];
  };

  test("a transparent Proxy of a real signal: accepted (Node forwards the brand check) or a TypeError, and aborts the scope", async () => {
    for (let i = 0; i < 2_000; i++) {
      const ac = new AbortController();
      let s: Any;
      const e = thrownBy(() => (s = scope({ signal: new Proxy(ac.signal, {}) })));
      expectClean(e);
      if (e !== NO_ERROR) {
        expect(e).toBeInstanceOf(TypeError);
        continue;
      }
      ac.abort("why");
      expect(s.signal.reason).toBe("why");
      await within(s[Symbol.asyncDispose](), 2_000, "dispose");
    }
  });

  test("scope({ signal }) is a TypeError naming the argument, 20,000 times", async () => {
    for (let i = 0; i < N; i++) {
      const fake = fakes()[i % 6];
      const e = thrownBy(() => scope({ signal: fake }));
      expectTypeError(e, "scope signal");
      if (i < 6) expect((e as Error).message).toMatch(/signal/);
    }
  });

  test("every other place a signal is accepted: a TypeError (thrown or rejected)", async () => {
    needs(race, parallel, poll, stream, Channel, Semaphore);
    const s = scope();
    for (let i = 0; i < 500; i++) {
      for (const fake of fakes()) {
        const calls: [string, () => unknown][] = [
          ["race", () => race([async () => 1], { signal: fake })],
          ["parallel", () => parallel([async () => 1], { signal: fake })],
          ["poll", () => poll(() => 1, () => {}, { signal: fake, interval: 1_000 })],
          ["stream", () => stream((async function* () {})(), fake)],
          ["Channel", () => new Channel(1, fake)],
          ["Semaphore", () => new Semaphore(1, fake)],
        ];
        for (const [what, call] of calls) {
          const e = await failureOf(call);
          expectTypeError(e, what);
          expect((e as Error).message, what).toMatch(/AbortSignal/);
        }
      }
    }
    await s[Symbol.asyncDispose]();
  });
});

// ---------------------------------------------------------------------------

/** Every method and getter of a class's prototype, by name. */
function members(proto: object): { name: PropertyKey; call: (self: unknown) => unknown; getter: boolean }[] {
  const out: { name: PropertyKey; call: (self: unknown) => unknown; getter: boolean }[] = [];
  for (const name of Reflect.ownKeys(proto)) {
    if (name === "constructor") continue;
    const d = Object.getOwnPropertyDescriptor(proto, name)!;
    if (typeof d.value === "function") out.push({ name, call: (self) => d.value.call(self, () => 1, undefined), getter: false });
    else if (d.get) out.push({ name, call: (self) => d.get!.call(self), getter: true });
  }
  return out;
}

describe("methods called on the wrong object", () => {
  test("Scope.prototype.task.call({}, …) is a TypeError, 20,000 times", async () => {
    for (let i = 0; i < N; i++) expectTypeError(thrownBy(() => Scope.prototype.task.call({}, () => 1)), "task on {}");
  });

  test("every Scope, Task, Channel, Semaphore and AsyncDisposableResource method on the wrong receiver", async () => {
    needs(Scope, Task, Channel, Semaphore, AsyncDisposableResource);
    const s = scope();
    const classes: [string, object][] = [
      ["Scope", Scope.prototype],
      ["Task", Task.prototype],
      ["Channel", Channel.prototype],
      ["Semaphore", Semaphore.prototype],
      ["AsyncDisposableResource", AsyncDisposableResource.prototype],
    ];
    const strangers = (proto: object) => [{}, Object.create(proto), new Proxy({}, {}), s.task(() => 1), s, null, undefined, 42];
    for (let i = 0; i < 200; i++) {
      for (const [cls, proto] of classes) {
        for (const m of members(proto)) {
          for (const self of strangers(proto)) {
            if (self instanceof (proto as Any).constructor) continue;
            const e = await failureOf(() => m.call(self));
            expectClean(e);
            // A method is a TypeError (thrown or rejected); a getter may
            // answer (1.0's plain fields did) but throws nothing else.
            if (!m.getter) expectTypeError(e, `${cls}.${String(m.name)} on a stranger`);
            else if (e !== NO_ERROR) expectTypeError(e, `${cls} getter ${String(m.name)} on a stranger`);
          }
        }
      }
    }
    await within(s[Symbol.asyncDispose](), 2_000, "dispose");
  });
});

// ---------------------------------------------------------------------------

describe("methods after disposal", () => {
  test("a disposed scope refuses task, provide and use with an Error, 20,000 times; dispose again resolves", async () => {
    const s = scope();
    await s[Symbol.asyncDispose]();
    for (let i = 0; i < N; i++) {
      const e = thrownBy(() => s.task(() => 1));
      expectClean(e);
      expect((e as Error).message).toBe("Cannot spawn task on disposed scope");
    }
    for (let i = 0; i < 1_000; i++) {
      expectClean(thrownBy(() => s.provide("k", () => 1)));
      expect(thrownBy(() => s.provide("k", () => 1))).toBeInstanceOf(Error);
      expect(thrownBy(() => s.use("k"))).toBeInstanceOf(Error);
      await s[Symbol.asyncDispose]();
      expect(s.signal.aborted).toBe(true);
      expect(s.isDisposed).toBe(true);
    }
  });

  test("race, parallel, channel, poll and stream on a disposed scope fail or end, and nothing is kept", async () => {
    const s = scope();
    needs(s.race, s.parallel, s.channel, s.poll, s.stream);
    await s[Symbol.asyncDispose]();
    for (let i = 0; i < 1_000; i++) {
      for (const call of [
        () => s.race([async () => 1]),
        () => s.parallel([async () => 1]),
        () => s.channel(1).send(1),
        () => s.poll(() => 1, () => {}, { interval: 1_000 }),
        () => s.stream((async function* () {})()),
      ]) {
        expectClean(await failureOf(call));
      }
    }
    // What race and parallel give on a disposed scope is a Result, not a hang.
    const r = await within(Promise.resolve(failureOf(() => s.race([async () => 1]))), 2_000, "race on a disposed scope");
    expectClean(r);
  });

  test("a disposed Channel, Semaphore and AsyncDisposableResource: calls fail or end, 20,000 times", async () => {
    needs(Channel, Semaphore, AsyncDisposableResource);
    const ch = new Channel(1);
    await ch[Symbol.asyncDispose]();
    const sem = new Semaphore(1);
    await sem[Symbol.asyncDispose]();
    const res = new AsyncDisposableResource(async () => 1, async () => {});
    await res[Symbol.asyncDispose]();
    for (let i = 0; i < N; i++) {
      expectClean(await failureOf(() => ch.send(i)));
      expect(await ch.receive()).toBeUndefined();
      ch.close();
      expectClean(await failureOf(() => sem.acquire(() => 1)));
      if (i % 20 === 0) expectClean(await failureOf(() => res.acquire()));
    }
  });
});

// ---------------------------------------------------------------------------

describe("`using` on a Channel (no Symbol.dispose, as in 1.0)", () => {
  test("Channel, Semaphore and AsyncDisposableResource have no Symbol.dispose; only an async one", () => {
    needs(Channel, Semaphore, AsyncDisposableResource);
    for (const C of [Channel, Semaphore, AsyncDisposableResource]) {
      expect(Symbol.dispose in C.prototype, C.name).toBe(false);
      expect(typeof C.prototype[Symbol.asyncDispose], C.name).toBe("function");
    }
  });

  test("`using ch = s.channel(4)` is a TypeError, 20,000 times; the channel keeps working until its scope ends", async () => {
    for (let round = 0; round < N / 2_000; round++) {
      const s = scope();
      for (let i = 0; i < 2_000; i++) {
        let kept: Any;
        const e = thrownBy(() => {
          kept = s.channel(4);
          using ch = kept;
          void ch;
        });
        expectTypeError(e, "using a Channel");
        // `using` threw before the block ran: the channel is not closed.
        if (i === 0) {
          expect(kept.isClosed).toBe(false);
          await kept.send(1);
          expect(await kept.receive()).toBe(1);
        }
      }
      await within(s[Symbol.asyncDispose](), 5_000, "dispose of 2,000 channels");
    }
  });

  test("`using` a Semaphore or a resource is a TypeError too", () => {
    needs(Semaphore, AsyncDisposableResource);
    for (let i = 0; i < 2_000; i++) {
      expectTypeError(
        thrownBy(() => {
          using sem = new Semaphore(1);
          void sem;
        }),
        "using a Semaphore",
      );
      expectTypeError(
        thrownBy(() => {
          using r = new AsyncDisposableResource(async () => 1, async () => {});
          void r;
        }),
        "using a resource",
      );
    }
  });
});
