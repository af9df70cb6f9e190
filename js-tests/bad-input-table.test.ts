// The bad-input table (issue 9): every bad argument of every exported
// function and option (wrong types, negatives, NaN, Infinity, huge numbers,
// null, missing arguments, a thenable that never settles, a fn that throws
// synchronously, a fn returning a non-promise) gives its documented error or
// behaviour, and after every row a plain scope/task/channel round trip still
// works: no wasm trap poisoned the instance.
//
// bad-input.test.ts has the first rows (task fn, scope and task timeout,
// provide, onCleanup, concurrency, signal, parent, circuitBreaker); this
// table covers the rest without repeating them.
//
// A never-settling thenable ends only by a timeout: task `timeout` (a row
// below) or poll's swallowing. race/parallel have no per-factory timeout and
// (SPEC "Disposal" step 4) wait for every task of their internal scope, so a
// factory that ignores its signal and never settles keeps them waiting, as
// in 1.0; no row for that.
import { describe, expect, test } from "vitest";
import {
  AsyncDisposableResource,
  Channel,
  Semaphore,
  parallel,
  poll,
  race,
  scope,
  stream,
} from "go-go-scope-wasm";
import { sleep } from "./helpers";
import { liveCounts } from "./live";

type Row =
  | { name: string; call: () => unknown; throws: ErrorConstructor; message: RegExp }
  | { name: string; call: () => unknown; check: (value: unknown) => void | Promise<void> };

const never: PromiseLike<never> = { then: () => undefined as never };
const fails = () => {
  throw new Error("sync boom");
};
const noop = () => {};
const T = TypeError as ErrorConstructor;
const R = RangeError as ErrorConstructor;
const bad = (name: string, call: () => unknown, throws: ErrorConstructor, message: RegExp): Row => ({ name, call, throws, message });
const ok = (name: string, call: () => unknown, check: (value: unknown) => void | Promise<void>): Row => ({ name, call, check });
const tuple = (v: unknown) => v as readonly [unknown, unknown];
const errorOf = (v: unknown) => tuple(v)[0] as Error;

/** Disposes a scope the row made so it leaves nothing behind. */
async function disposed<T>(s: { [Symbol.asyncDispose](): Promise<void> }, v: T): Promise<T> {
  await s[Symbol.asyncDispose]();
  return v;
}

const rows: Row[] = [
  // ---- scope(options) ------------------------------------------------------
  ok("scope(null) is scope()", () => disposed(scope(null as never), 1), (v) => expect(v).toBe(1)),
  bad("scope: options a number", () => scope(5 as never), T, /scope: options must be an object, got number/),
  bad("scope: string timeout", () => scope({ timeout: "5" as never }), T, /timeout must be a number/),
  ok("scope: huge timeout never fires early", async () => {
    const s = scope({ timeout: 1e300 });
    await sleep(20);
    return disposed(s, s.signal.aborted);
  }, (v) => expect(v).toBe(false)),
  ok("scope: timeout 2^32 never fires early", async () => {
    const s = scope({ timeout: 2 ** 32 });
    await sleep(20);
    return disposed(s, s.signal.aborted);
  }, (v) => expect(v).toBe(false)),
  ok("scope: concurrency 0 is unlimited", () => {
    const s = scope({ concurrency: 0 });
    return disposed(s, s.concurrency);
  }, (v) => expect(v).toBeUndefined()),
  bad("scope: NaN concurrency", () => scope({ concurrency: NaN }), R, /concurrency must be an integer from 1 to 2\^32, or Infinity, got NaN/),
  ok("scope: infinite concurrency is no limit", () => {
    const s = scope({ concurrency: Infinity });
    return disposed(s, s.concurrency);
  }, (v) => expect(v).toBe(Infinity)),
  bad("scope: -Infinity concurrency", () => scope({ concurrency: -Infinity }), R, /concurrency .* got -Infinity/),
  bad("scope: huge concurrency", () => scope({ concurrency: 2 ** 40 }), R, /concurrency must be an integer from 1 to 2\^32, or Infinity, got 1099511627776/),
  bad("scope: string concurrency", () => scope({ concurrency: "2" as never }), T, /concurrency must be a number/),
  ok("scope: circuitBreaker null is none", () => {
    const s = scope({ circuitBreaker: null as never });
    return disposed(s, s.circuitBreaker);
  }, (v) => expect(v).toBeUndefined()),
  bad("scope: circuitBreaker a number", () => scope({ circuitBreaker: 5 as never }), T, /circuitBreaker: options must be an object, got number/),
  bad("scope: negative failureThreshold", () => scope({ circuitBreaker: { failureThreshold: -1 } }), R, /failureThreshold must be a positive integer, got -1/),
  bad("scope: fractional failureThreshold", () => scope({ circuitBreaker: { failureThreshold: 1.5 } }), R, /failureThreshold must be a positive integer, got 1.5/),
  bad("scope: string failureThreshold", () => scope({ circuitBreaker: { failureThreshold: "3" as never } }), T, /failureThreshold must be a number/),
  bad("scope: negative resetTimeout", () => scope({ circuitBreaker: { resetTimeout: -1 } }), R, /resetTimeout must be a number of milliseconds >= 0 \(Infinity: never\), got -1/),
  ok("scope: infinite resetTimeout is kept (never half-open)", () => {
    const s = scope({ circuitBreaker: { resetTimeout: Infinity } });
    return disposed(s, s.circuitBreaker);
  }, (v) => expect(v).toEqual({ failureThreshold: 5, resetTimeout: Infinity })),
  bad("scope: string resetTimeout", () => scope({ circuitBreaker: { resetTimeout: "x" as never } }), T, /resetTimeout must be a number/),
  ok("scope: signal null is none", () => disposed(scope({ signal: null as never }), 1), (v) => expect(v).toBe(1)),
  ok("scope: parent null is none", () => disposed(scope({ parent: null as never }), 1), (v) => expect(v).toBe(1)),
  bad("scope: name a number", () => scope({ name: 5 as never }), T, /scope: options.name must be a string, got number/),

  // ---- s.task(fn, options) --------------------------------------------------
  bad("task: fn missing", () => scope().task(undefined as never), T, /task: fn must be a function, got undefined/),
  ok("task: options null is none", () => scope().task(() => 1, null as never), (v) => expect(v).toEqual([undefined, 1])),
  ok("task: fn throwing synchronously gives [error, undefined]", () => scope().task(fails), (v) => expect(errorOf(v).message).toBe("sync boom")),
  ok("task: fn throwing a string gives [string, undefined]", () => scope().task(() => {
    throw "str";
  }), (v) => expect(v).toEqual(["str", undefined])),
  ok("task: fn returning a non-promise gives [undefined, value]", () => scope().task(() => 7), (v) => expect(v).toEqual([undefined, 7])),
  ok("task: a thenable that never settles ends by its timeout", () => scope().task(() => never, { timeout: 20 }), (v) => {
    expect(errorOf(v).message).toBe("timeout after 20ms");
  }),
  ok("task: a thenable whose then() throws gives that error", () => scope().task(() => ({
    then() {
      throw new Error("then threw");
    },
  }) as never), (v) => expect(errorOf(v).message).toBe("then threw")),
  ok("task: huge timeout never fires early", async () => {
    const s = scope();
    const t = s.task(({ signal }) => new Promise((r) => signal.addEventListener("abort", r)), { timeout: 1e300 });
    await sleep(20);
    return disposed(s, t.isSettled);
  }, (v) => expect(v).toBe(false)),
  ok("task: retry null is none", () => scope().task(() => 1, { retry: null as never }), (v) => expect(v).toEqual([undefined, 1])),
  bad("task: retry a number", () => scope().task(() => 1, { retry: 5 as never }), T, /task: retry: options must be an object, got number/),
  bad("task: negative maxRetries", () => scope().task(() => 1, { retry: { maxRetries: -1 } }), R, /retry.maxRetries must be a whole number >= 0, got -1/),
  bad("task: fractional maxRetries", () => scope().task(() => 1, { retry: { maxRetries: 1.5 } }), R, /retry.maxRetries .* got 1.5/),
  bad("task: NaN maxRetries", () => scope().task(() => 1, { retry: { maxRetries: NaN } }), R, /retry.maxRetries .* got NaN/),
  bad("task: infinite maxRetries", () => scope().task(() => 1, { retry: { maxRetries: Infinity } }), R, /retry.maxRetries .* got Infinity/),
  bad("task: huge maxRetries", () => scope().task(() => 1, { retry: { maxRetries: 2 ** 40 } }), R, /retry.maxRetries/),
  bad("task: string maxRetries", () => scope().task(() => 1, { retry: { maxRetries: "3" as never } }), T, /maxRetries must be a number/),
  bad("task: negative retry delay", () => scope().task(() => 1, { retry: { delay: -1 } }), R, /retry.delay must be a finite number of milliseconds >= 0, got -1/),
  bad("task: NaN retry delay", () => scope().task(() => 1, { retry: { delay: NaN } }), R, /retry.delay .* got NaN/),
  bad("task: infinite retry delay", () => scope().task(() => 1, { retry: { delay: Infinity } }), R, /retry.delay .* got Infinity/),
  bad("task: string retry delay", () => scope().task(() => 1, { retry: { delay: "x" as never } }), R, /retry.delay must be a number/),
  ok("task: delay fn returning NaN fails the task with a RangeError", () => scope().task(fails, { retry: { maxRetries: 1, delay: () => NaN } }), (v) => {
    expect(errorOf(v)).toBeInstanceOf(RangeError);
    expect(errorOf(v).message).toMatch(/retry.delay/);
  }),
  ok("task: delay fn returning a string fails the task with a RangeError", () => scope().task(fails, { retry: { maxRetries: 1, delay: () => "5" as never } }), (v) => {
    expect(errorOf(v)).toBeInstanceOf(RangeError);
  }),
  ok("task: delay fn throwing fails the task with that error", () => scope().task(fails, { retry: { maxRetries: 1, delay: () => {
    throw new Error("delay threw");
  } } }), (v) => expect(errorOf(v).message).toBe("delay threw")),
  ok("task: huge retry delay does not fire early", async () => {
    const s = scope();
    const t = s.task(fails, { retry: { maxRetries: 1, delay: 2 ** 32 } });
    await sleep(20);
    return disposed(s, t.isSettled);
  }, (v) => expect(v).toBe(false)),
  bad("task: retryCondition not a function", () => scope().task(() => 1, { retry: { retryCondition: 5 as never } }), T, /retry.retryCondition must be a function, got number/),
  ok("task: retryCondition throwing fails the task with that error", () => scope().task(fails, { retry: { maxRetries: 1, retryCondition: () => {
    throw new Error("condition threw");
  } } }), (v) => expect(errorOf(v).message).toBe("condition threw")),
  bad("task: onRetry not a function", () => scope().task(() => 1, { retry: { onRetry: 5 as never } }), T, /retry.onRetry must be a function, got number/),
  ok("task: onRetry throwing is ignored", () => {
    let calls = 0;
    return scope().task(() => (++calls < 2 ? fails() : calls), { retry: { maxRetries: 1, onRetry: () => {
      throw new Error("onRetry threw");
    } } });
  }, (v) => expect(v).toEqual([undefined, 2])),
  bad("task: otel a number", () => scope().task(() => 1, { otel: 5 as never }), T, /task: otel: options must be an object, got number/),
  ok("task: otel name/attributes of the wrong type are harmless without a tracer", () => scope().task(() => 1, { otel: { name: 5 as never, attributes: 5 as never } }), (v) => expect(v).toEqual([undefined, 1])),
  ok("task: onCleanup throwing is swallowed (as in 1.0)", async () => {
    const s = scope();
    await s.task(() => 1, { onCleanup: fails });
    return s[Symbol.asyncDispose]().then(() => "resolved", (e: Error) => e.message);
  }, (v) => expect(v).toBe("resolved")),

  // ---- provide / use ---------------------------------------------------------
  bad("provide: arguments missing", () => (scope().provide as (...a: unknown[]) => unknown)(), T, /provide: key must be a string, got undefined/),
  bad("provide: null key", () => scope().provide(null as never, () => 1), T, /provide: key must be a string/),
  bad("provide: factory missing", () => scope().provide("k", undefined as never), T, /provide: factory must be a function/),
  ok("provide: a throwing factory throws its error at provide()", () => {
    try {
      scope().provide("k", fails);
      return "no throw";
    } catch (e) {
      return (e as Error).message;
    }
  }, (v) => expect(v).toBe("sync boom")),
  ok("provide: a factory returning a never-settling thenable stores it as is", () => scope().provide("k", () => never).use("k") === never, (v) => expect(v).toBe(true)),
  ok("provide: a throwing cleanup makes dispose reject with it", () => {
    const s = scope().provide("k", () => 1, fails);
    return s[Symbol.asyncDispose]().then(() => "resolved", (e: Error) => e.message);
  }, (v) => expect(v).toBe("sync boom")),
  ok("use: missing key gives undefined", () => (scope().use as (...a: unknown[]) => unknown)(), (v) => expect(v).toBeUndefined()),
  ok("use: a number key gives undefined", () => scope().use(5 as never), (v) => expect(v).toBeUndefined()),
  bad("use: on a disposed scope throws", () => {
    const s = scope();
    void s[Symbol.asyncDispose]();
    return s.use("k" as never);
  }, Error as ErrorConstructor, /disposed/),

  // ---- channel -----------------------------------------------------------------
  bad("channel: negative capacity", () => scope().channel(-1), R, /channel: capacity must be an integer from 0 to 2\^32, or Infinity, got -1/),
  bad("channel: fractional capacity", () => scope().channel(1.5), R, /capacity .* got 1.5/),
  bad("channel: NaN capacity", () => scope().channel(NaN), R, /capacity .* got NaN/),
  ok("channel: infinite capacity is no limit", () => scope().channel(Infinity).cap, (v) => expect(v).toBe(Infinity)),
  bad("channel: -Infinity capacity", () => scope().channel(-Infinity), R, /capacity .* got -Infinity/),
  bad("channel: huge capacity", () => scope().channel(2 ** 33), R, /capacity .* got 8589934592/),
  bad("channel: string capacity", () => scope().channel("3" as never), T, /channel: capacity must be a number, got string/),
  ok("channel: null capacity is 0", () => scope().channel(null as never).cap, (v) => expect(v).toBe(0)),
  ok("channel: capacity 2^32 is accepted", () => scope().channel(2 ** 32).cap, (v) => expect(v).toBe(2 ** 32)),
  bad("new Channel: negative capacity", () => new Channel(-1), R, /capacity/),
  bad("new Channel: signal not an AbortSignal", () => new Channel(1, {} as never), T, /channel: signal must be an AbortSignal, got object/),

  // ---- Semaphore ---------------------------------------------------------------
  bad("Semaphore: permits missing", () => new (Semaphore as never as new () => unknown)(), T, /Semaphore: permits must be a number, got undefined/),
  bad("Semaphore: 0 permits", () => new Semaphore(0), R, /Semaphore: permits must be an integer from 1 to 2\^32, or Infinity, got 0/),
  bad("Semaphore: negative permits", () => new Semaphore(-1), R, /permits .* got -1/),
  bad("Semaphore: fractional permits", () => new Semaphore(1.5), R, /permits .* got 1.5/),
  bad("Semaphore: NaN permits", () => new Semaphore(NaN), R, /permits .* got NaN/),
  ok("Semaphore: infinite permits is no limit", () => new Semaphore(Infinity).totalPermits, (v) => expect(v).toBe(Infinity)),
  bad("Semaphore: huge permits", () => new Semaphore(2 ** 40), R, /permits/),
  bad("Semaphore: string permits", () => new Semaphore("2" as never), T, /permits must be a number, got string/),
  bad("Semaphore: signal not an AbortSignal", () => new Semaphore(1, {} as never), T, /Semaphore: signal must be an AbortSignal, got object/),
  bad("Semaphore.acquire: fn missing", () => (new Semaphore(1).acquire as (...a: unknown[]) => unknown)(), T, /Semaphore.acquire: fn must be a function, got undefined/),
  bad("Semaphore.execute: fn a number", () => new Semaphore(1).execute(5 as never), T, /fn must be a function, got number/),
  ok("Semaphore.acquire: a throwing fn rejects and releases", async () => {
    const sem = new Semaphore(1);
    const e = await sem.acquire(fails).catch((x: Error) => x.message);
    return [e, sem.available];
  }, (v) => expect(v).toEqual(["sync boom", 1])),
  ok("Semaphore.acquire: a fn returning a non-promise resolves its value", () => new Semaphore(1).acquire(() => 3), (v) => expect(v).toBe(3)),

  // ---- race --------------------------------------------------------------------
  bad("race: factories missing", () => (race as (...a: unknown[]) => unknown)(), T, /race: factories must be an array, got undefined/),
  bad("race: factories null", () => race(null as never), T, /race: factories must be an array/),
  bad("race: factories a number", () => race(5 as never), T, /race: factories must be an array, got number/),
  bad("race: a factory not a function", () => race([5 as never]), T, /race: factories\[0\] must be a function, got number/),
  bad("race: signal not an AbortSignal", () => race([() => 1], { signal: {} as never }), T, /race: options.signal must be an AbortSignal, got object/),
  bad("s.race: factories a number", () => scope().race(5 as never), T, /race: factories must be an array/),
  ok("race: empty array", () => race([]), (v) => expect(errorOf(v).message).toBe("Cannot race empty array of factories")),
  ok("race: a factory throwing synchronously decides the race", () => race([fails, () => sleep(50)]), (v) => expect(errorOf(v).message).toBe("sync boom")),
  ok("race: a factory returning a non-promise", () => race([() => 5]), (v) => expect(v).toEqual([undefined, 5])),

  // ---- parallel ----------------------------------------------------------------
  bad("parallel: factories a number", () => parallel(5 as never), T, /parallel: factories must be an array, got number/),
  bad("parallel: a factory null", () => parallel([null as never]), T, /parallel: factories\[0\] must be a function, got object/),
  bad("parallel: options a number", () => parallel([() => 1], 5 as never), T, /parallel: options must be an object, got number/),
  bad("parallel: negative concurrency", () => parallel([() => 1], { concurrency: -1 }), R, /parallel: concurrency must be an integer from 1 to 2\^32, or Infinity, got -1/),
  ok("parallel: infinite concurrency is no limit", () => parallel([() => 1, () => 2], { concurrency: Infinity }), (v) => expect(v).toEqual([[undefined, 1], [undefined, 2]])),
  bad("parallel: fractional concurrency", () => parallel([() => 1], { concurrency: 1.5 }), R, /concurrency .* got 1.5/),
  bad("parallel: NaN concurrency", () => parallel([() => 1], { concurrency: NaN }), R, /concurrency .* got NaN/),
  bad("parallel: string concurrency", () => parallel([() => 1], { concurrency: "2" as never }), T, /concurrency must be a number/),
  bad("parallel: signal not an AbortSignal", () => parallel([() => 1], { signal: {} as never }), T, /parallel: options.signal must be an AbortSignal/),
  bad("s.parallel: a factory a number", () => scope().parallel([5 as never]), T, /parallel: factories\[0\] must be a function, got number/),
  ok("parallel: a throwing and a non-promise factory", () => parallel([fails, () => 2]), (v) => {
    const [a, b] = v as Array<readonly [unknown, unknown]>;
    expect((a[0] as Error).message).toBe("sync boom");
    expect(b).toEqual([undefined, 2]);
  }),
  ok("parallel failFast: a throwing factory rejects with its error", () => parallel([fails, () => 2], { failFast: true }).then(() => "resolved", (e: Error) => e.message), (v) => expect(v).toBe("sync boom")),

  // ---- poll --------------------------------------------------------------------
  bad("poll: arguments missing", () => (poll as (...a: unknown[]) => unknown)(), T, /poll: fn must be a function, got undefined/),
  bad("poll: fn a number", () => poll(5 as never, noop), T, /poll: fn must be a function, got number/),
  bad("poll: onValue a number", () => poll(() => 1, 5 as never), T, /poll: onValue must be a function, got number/),
  bad("poll: options a number", () => poll(() => 1, noop, 5 as never), T, /poll: options must be an object, got number/),
  bad("poll: interval 0", () => poll(() => 1, noop, { interval: 0 }), R, /poll: interval must be a finite number of milliseconds > 0, got 0/),
  bad("poll: negative interval", () => poll(() => 1, noop, { interval: -1 }), R, /interval .* got -1/),
  bad("poll: NaN interval", () => poll(() => 1, noop, { interval: NaN }), R, /interval .* got NaN/),
  bad("poll: infinite interval", () => poll(() => 1, noop, { interval: Infinity }), R, /interval .* got Infinity/),
  bad("poll: string interval", () => poll(() => 1, noop, { interval: "5" as never }), T, /interval must be a number/),
  bad("poll: signal not an AbortSignal", () => poll(() => 1, noop, { signal: {} as never }), T, /poll: options.signal must be an AbortSignal/),
  bad("s.poll: fn a number", () => scope().poll(5 as never, noop), T, /poll: fn must be a function/),
  ok("poll: huge interval never fires early", async () => {
    let calls = 0;
    const c = poll(() => ++calls, noop, { interval: 1e300, immediate: false });
    c.start(); // immediate: false stays stopped until start()
    await sleep(20);
    c.stop();
    return calls;
  }, (v) => expect(v).toBe(0)),
  ok("poll: a throwing fn and a never-settling fn are swallowed; stop() ends it", async () => {
    const ac = new AbortController();
    let calls = 0;
    const c = poll(() => (++calls === 1 ? fails() : never), noop, { interval: 5, signal: ac.signal });
    await sleep(30);
    const st = c.status();
    ac.abort();
    return [calls, st.pollCount >= 2, c.status().running];
  }, (v) => expect(v).toEqual([2, true, false])),
  ok("poll: a fn returning a non-promise reaches onValue", async () => {
    const values: unknown[] = [];
    const c = poll(() => 9, (x) => void values.push(x), { interval: 1000 });
    await sleep(10);
    c.stop();
    return values;
  }, (v) => expect(v).toEqual([9])),

  // ---- stream ------------------------------------------------------------------
  bad("stream: source missing", () => (stream as (...a: unknown[]) => unknown)(), T, /stream: source must be an AsyncIterable or a ReadableStream, got undefined/),
  bad("stream: source null", () => stream(null as never), T, /stream: source must be an AsyncIterable or a ReadableStream/),
  bad("stream: source a number", () => stream(5 as never), T, /got number/),
  bad("stream: source a plain object", () => stream({} as never), T, /got object/),
  bad("stream: signal not an AbortSignal", () => stream((async function* () {})(), {} as never), T, /stream: signal must be an AbortSignal, got object/),
  bad("s.stream: source a number", () => scope().stream(5 as never), T, /stream: source must be/),
  ok("stream: a source whose next() throws synchronously rethrows in the loop", async () => {
    const source = { [Symbol.asyncIterator]: () => ({ next: fails }) };
    try {
      for await (const _ of stream(source as never)) void _;
      return "ended";
    } catch (e) {
      return (e as Error).message;
    }
  }, (v) => expect(v).toBe("sync boom")),
  ok("stream: a source that never yields ends by the signal", async () => {
    const source = { [Symbol.asyncIterator]: () => ({ next: () => never, return: async () => ({ done: true, value: undefined }) }) };
    try {
      for await (const _ of stream(source as never, AbortSignal.timeout(20))) void _;
      return "ended";
    } catch (e) {
      return (e as Error).name;
    }
  }, (v) => expect(v).toBe("TimeoutError")),

  // ---- AsyncDisposableResource ---------------------------------------------------
  bad("AsyncDisposableResource: arguments missing", () => new (AsyncDisposableResource as never as new () => unknown)(), T, /AsyncDisposableResource: acquire must be a function, got undefined/),
  bad("AsyncDisposableResource: acquire a number", () => new AsyncDisposableResource(5 as never, async () => {}), T, /acquire must be a function, got number/),
  bad("AsyncDisposableResource: dispose a number", () => new AsyncDisposableResource(async () => 1, 5 as never), T, /dispose must be a function, got number/),
  ok("AsyncDisposableResource: acquire throwing synchronously rejects", () => new AsyncDisposableResource(fails as never, async () => {}).acquire().then(() => "resolved", (e: Error) => e.message), (v) => expect(v).toBe("sync boom")),
  ok("AsyncDisposableResource: acquire returning a non-promise", () => new AsyncDisposableResource((() => 5) as never, async () => {}).acquire(), (v) => expect(v).toBe(5)),
  ok("AsyncDisposableResource: a second acquire rejects", async () => {
    const r = new AsyncDisposableResource(async () => 1, async () => {});
    await r.acquire();
    return r.acquire().then(() => "resolved", (e: Error) => e.message);
  }, (v) => expect(v).toBe("Resource already acquired")),
  ok("AsyncDisposableResource: dispose throwing rejects with it", async () => {
    const r = new AsyncDisposableResource(async () => 1, fails as never);
    await r.acquire();
    return r[Symbol.asyncDispose]().then(() => "resolved", (e: Error) => e.message);
  }, (v) => expect(v).toBe("sync boom")),
  ok("AsyncDisposableResource: dispose before acquire is a no-op", () => new AsyncDisposableResource(async () => 1, fails as never)[Symbol.asyncDispose](), (v) => expect(v).toBeUndefined()),
];

/** A plain scope/task/channel round trip: proves the instance still works. */
async function roundTrip() {
  const s = scope();
  const ch = s.channel(1);
  const r = await s.task(async () => {
    await ch.send(41);
    return ((await ch.receive()) as number) + 1;
  });
  await s[Symbol.asyncDispose]();
  expect(r).toEqual([undefined, 42]);
}

describe("bad-input table", () => {
  for (const row of rows) {
    test(row.name, async () => {
      if ("throws" in row) {
        let caught: unknown;
        try {
          row.call();
        } catch (e) {
          caught = e;
        }
        expect(caught, "should throw synchronously").toBeInstanceOf(row.throws);
        expect((caught as Error).message).toMatch(row.message);
      } else {
        await row.check(await row.call());
      }
      await roundTrip();
    });
  }

  test("every row again in one go, then a round trip and nothing left live", async () => {
    for (const row of rows) {
      try {
        await row.call();
      } catch {
        // expected for the error rows
      }
    }
    await sleep(30);
    await roundTrip();
    const { tasks } = liveCounts();
    // Rows that leave a scope undisposed (as a user's bad call would) may
    // keep scopes, but no task is left running.
    expect(tasks).toBeLessThanOrEqual(2);
  });
});
