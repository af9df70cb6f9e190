// Debounce and throttle (go-go-scope 2.x): `s.debounce(fn, options)` and
// `s.throttle(fn, options)`. When a call runs `fn` is the machine's
// (src/machine/rate.rs); here are `fn`, the latest arguments and the
// promises of the calls waiting for the trailing run.
import { Table, W, failure, guard, on, run } from "./wasm";
import { keepReason, keptReason } from "./signal";
import { mustBe, optionsObject, optionalNumber, typeName } from "./errors";

type Result = [unknown, unknown];

interface Entry {
  fn: (...args: unknown[]) => unknown;
  /** The latest arguments of a call that joined the batch. */
  args: unknown[];
  /** Resolvers of the calls waiting for the trailing run. */
  batch: ((r: Result) => void)[];
  aborted: boolean;
  reason: unknown;
}

/** Live limiters by key, until their `RateEnd`. */
const RT = new Table<Entry>();

/** Runs `fn(...args)` into a Result tuple, never rejecting. */
async function invoke(fn: Entry["fn"], args: unknown[]): Promise<Result> {
  try {
    return [undefined, await fn(...args)];
  } catch (e) {
    return [e, undefined];
  }
}

function flagOf(o: Record<string, unknown>, name: string, ctx: string, given: number): number {
  const v = o[name];
  if (v === undefined || v === null) return 0;
  if (typeof v !== "boolean") throw new TypeError(`${ctx}: ${name} must be a boolean, got ${typeName(v)}`);
  return v ? given * 3 : given; // the "given" bit, and the value bit above it
}

/** A debounced (`throttle` false) or throttled `fn` of scope key `k`. */
export function limiter(k: number, fn: unknown, options: unknown, throttle: boolean): (...args: unknown[]) => Promise<Result> {
  guard();
  const ctx = throttle ? "throttle" : "debounce";
  if (typeof fn !== "function") throw mustBe(`${ctx}: fn`, "a function", fn);
  const o = optionsObject(options, ctx);
  let flags = throttle ? 1 : 0;
  let ms = 0;
  if (o !== undefined) {
    const m = optionalNumber(o, throttle ? "interval" : "wait", ctx);
    if (m !== undefined) (flags |= 2), (ms = m);
    flags |= flagOf(o, "leading", ctx, 4) | flagOf(o, "trailing", ctx, 16);
  }
  const r = W.rate_new(k, flags, ms);
  if (r === -1) throw failure();
  const e: Entry = { fn: fn as Entry["fn"], args: [], batch: [], aborted: false, reason: undefined };
  RT.set(r, e);
  run(); // a cancelled scope's limiter ends at once
  return (...args: unknown[]): Promise<Result> => {
    guard();
    const c = W.rate_call(r);
    run(); // its window timer
    if (c === 0) return invoke(e.fn, args);
    if (c === 1) {
      e.args = args;
      return new Promise<Result>((res) => e.batch.push(res));
    }
    return Promise.resolve([c === 2 ? undefined : keptReason(e, "scope"), undefined]);
  };
}

on(82 /* RateFire */, (k) => {
  const e = RT.get(k);
  if (e === undefined) return;
  const batch = e.batch;
  e.batch = [];
  void invoke(e.fn, e.args).then((r) => {
    for (const f of batch) f(r);
  });
});

on(83 /* RateEnd */, (k, r) => {
  const e = RT.take(k);
  if (e === undefined) return;
  keepReason(e, r);
  const reason = keptReason(e, "scope");
  for (const f of e.batch) f([reason, undefined]);
  e.batch = [];
});
