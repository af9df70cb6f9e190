// race and parallel: the public functions, the Scope methods, and the
// effects that start a group's members and end it. Which factory starts
// when, who wins, when a parallel stops and what a group resolves to are
// the machine's (src/machine/group.rs); here are the argument reading, the
// factories, the internal scope object and the promise.
import { Table, W, after, failure, guard, idx, lastTaskId, on, reach, run } from "./wasm";
import { checkSignal, reasonOf } from "./signal";
import { optionalFunction, optionalNumber, optionsObject } from "./errors";
import { Scope } from "./scope";
import { T, Task, type TaskContext } from "./task";
import * as tel from "./telemetry";

export { AsyncDisposableResource } from "./resource";

type Factory = (arg?: unknown) => unknown;
type Result = readonly [unknown, unknown];

declare module "./scope" {
  interface Scope<Services extends Record<string, unknown> = Record<string, never>> {
    /** The first factory to settle decides; uses this scope's signal, tracer and services. */
    race(factories: readonly Factory[], options?: RaceOptionsIn): Promise<Result>;
    /** The first factory to succeed decides (a race with `requireSuccess`). */
    any(factories: readonly Factory[], options?: RaceOptionsIn): Promise<Result>;
    /** Runs every factory under this scope's concurrency; Results in input order. */
    parallel(factories: readonly Factory[], options?: { failFast?: boolean; onProgress?: Progress }): Promise<Result[]>;
  }
}

type Progress = (completed: number, total: number, result: Result) => void;

/**
 * A race or parallel in flight. A class, not an object literal: V8 may
 * decide that a literal's allocation site makes long-lived objects (after a
 * burst of long races, say) and allocate every later one straight in the
 * old generation. A finished group there keeps its members, their promises
 * and values alive through every minor GC until the next full one: 1,000
 * factories at 10 ran 1.7× slower, a third of it in GC (bench/misses.md).
 * Class instances are always allocated young.
 */
class Group {
  constructor(
    readonly fs: Factory[],
    /** Which factories declare a parameter (and so get their signal). */
    readonly arg: boolean[],
    /** The internal scope the members run in. */
    readonly scope: Scope,
    /** The member task of each factory, once started. */
    readonly members: (Member | undefined)[],
    /** `onProgress`, if given (parallel). */
    readonly progress: Progress | undefined,
    readonly res: (v: unknown) => void,
    readonly rej: (e: unknown) => void,
  ) {}
}

/** Groups by slot index. */
const G = new Table<Group>();

/** A task running one factory: its `fn` is `callMember`. */
class Member extends Task {
  // `declare`: set once in the constructor, not defined first as undefined.
  /** @internal */ declare _f: Factory;
  /** @internal */ declare _a: boolean;
  constructor(scope: Scope, f: Factory, a: boolean) {
    super(scope, callMember as (ctx: TaskContext) => unknown);
    this._f = f;
    this._a = a;
  }
}

/**
 * A member's `fn`, called as its method: the factory, with no argument if
 * it declares none, else its AbortSignal carrying `signal` (itself) and
 * `services`, so `(signal) => fetch(url, { signal })` and
 * `({ signal, services }) => …` both work.
 */
function callMember(this: Member, ctx: TaskContext): unknown {
  const f = this._f;
  if (!this._a) return f();
  const s = ctx.signal as AbortSignal & { signal?: AbortSignal; services?: unknown };
  s.signal = s;
  s.services = ctx.services;
  return f(s);
}

/**
 * Reads a list of factories, and whether each declares a parameter. Every
 * read is user code that may throw (a getter, a Proxy, a `length`): that
 * is the caller's error, and nothing is made yet.
 */
function readFactories(v: unknown, what: string): [Factory[], boolean[]] {
  // Messages print `typeof` (null is "object"), as 1.0's binding did.
  if (!Array.isArray(v)) throw new TypeError(`${what}: factories must be an array, got ${typeof v}`);
  const fs: Factory[] = [];
  const arg: boolean[] = [];
  const n = v.length >>> 0;
  for (let i = 0; i < n; i++) {
    const f: unknown = v[i];
    if (typeof f !== "function") throw new TypeError(`${what}: factories[${i}] must be a function, got ${typeof f}`);
    fs.push(f as Factory);
    arg.push(f.length !== 0);
  }
  return [fs, arg];
}

/**
 * Everything is read: ask the machine, make the internal scope (under
 * `parent`, or linked to `signal`), hand it to the group, run.
 */
function start(
  race: boolean,
  fs: Factory[],
  arg: boolean[],
  parent: Scope | undefined,
  signal: AbortSignal | undefined,
  tracer: unknown,
  hasLimit: boolean,
  limit: number,
  flags: number,
  progress?: Progress,
  timing: number[] = NO_TIMING,
): Promise<unknown> {
  const n = fs.length;
  const [timeout, stagger, max] = timing;
  const plan = W.group_plan(race, n, hasLimit, limit, flags, timeout, stagger, max);
  if (plan === -1) throw failure();
  if (plan === 0) return Promise.resolve(race ? [failure(), undefined] : []);
  const inner =
    parent !== undefined
      ? new Scope({ parent })
      : signal !== undefined || tracer !== undefined
        ? new Scope({ signal, tracer })
        : new Scope();
  const g = W.group_new(Scope.key(inner), race, n, hasLimit, limit, flags | (progress === undefined ? 0 : 2), timeout, stagger, max);
  if (g === -1) {
    const e = failure();
    void inner[Symbol.asyncDispose]();
    throw e;
  }
  let res!: (v: unknown) => void;
  let rej!: (e: unknown) => void;
  const p = new Promise<unknown>((a, b) => ((res = a), (rej = b)));
  G.set(g, new Group(fs, arg, inner, new Array<Member | undefined>(n), progress, res, rej));
  run();
  return p;
}

/** The options a standalone race or parallel reads: `signal` and `tracer`. */
function origin(o: Record<string, unknown> | undefined, what: string): [AbortSignal | undefined, unknown] {
  if (o === undefined) return [undefined, undefined];
  const sig = o.signal;
  let signal: AbortSignal | undefined;
  if (sig !== undefined && sig !== null) {
    checkSignal(sig, `${what}: options.signal`);
    signal = sig as AbortSignal;
  }
  return [signal, o.tracer ?? undefined];
}

/** No race timing: `[timeout, stagger, max]` all 0 (shared, never written). */
const NO_TIMING: number[] = [0, 0, 0];

/** go-go-scope 2.x's race options (the machine judges the numbers). */
export interface RaceOptionsIn {
  requireSuccess?: boolean;
  timeout?: number;
  stagger?: number;
  staggerDelay?: number;
  staggerMaxConcurrent?: number;
  concurrency?: number;
}

/**
 * Reads a race's options into `[flags, hasLimit, concurrency, [timeout,
 * stagger, max]]`, every number 0 when not given. `stagger` wins over
 * 2.x's `staggerDelay` (flag 8: the error names the one given). Each read
 * is user code that may throw: that is the caller's error, nothing is made.
 */
function raceOptions(o: Record<string, unknown> | undefined, what: string, any: boolean): [number, boolean, number, number[]] {
  if (o === undefined) return [any ? 4 : 0, false, 0, NO_TIMING];
  let flags = any || Boolean(o.requireSuccess) ? 4 : 0;
  const timeout = optionalNumber(o, "timeout", what) ?? 0;
  let stagger = optionalNumber(o, "stagger", what);
  if (stagger === undefined) {
    stagger = optionalNumber(o, "staggerDelay", what);
    if (stagger !== undefined) flags |= 8;
  }
  const max = optionalNumber(o, "staggerMaxConcurrent", what) ?? 0;
  const limit = optionalNumber(o, "concurrency", what);
  return [flags, limit !== undefined, limit ?? 0, [timeout, stagger ?? 0, max]];
}

/**
 * The first factory to settle, success or failure, decides the Result; the
 * others are aborted. go-go-scope 2.x's options: `requireSuccess` (the
 * first success), `timeout`, `stagger`/`staggerDelay` (hedged starts),
 * `staggerMaxConcurrent`/`concurrency`.
 */
export function race(factories: readonly Factory[], options?: RaceOptionsIn & { signal?: AbortSignal; tracer?: unknown }): Promise<Result> {
  guard();
  const [fs, arg] = readFactories(factories, "race");
  const o = optionsObject(options, "race");
  const [flags, hasLimit, limit, timing] = raceOptions(o, "race", false);
  const [signal, tracer] = origin(o, "race");
  return start(true, fs, arg, undefined, signal, tracer, hasLimit, limit, flags, undefined, timing) as Promise<Result>;
}

export interface ParallelOptionsIn {
  concurrency?: number;
  signal?: AbortSignal;
  failFast?: boolean;
  tracer?: unknown;
  onProgress?: Progress;
}

/** `options.onProgress`, checked. */
function progressOf(o: Record<string, unknown> | undefined): Progress | undefined {
  return o === undefined ? undefined : (optionalFunction(o.onProgress, "parallel: onProgress") as Progress | undefined);
}

/** Runs every factory (at most `concurrency` at once); the Results come back in input order. */
export function parallel(factories: readonly Factory[], options?: ParallelOptionsIn): Promise<Result[]> {
  guard();
  const [fs, arg] = readFactories(factories, "parallel");
  const o = optionsObject(options, "parallel");
  let limit: number | undefined;
  let failFast = false;
  if (o !== undefined) {
    limit = optionalNumber(o, "concurrency", "parallel");
    failFast = Boolean(o.failFast);
  }
  const progress = progressOf(o);
  const [signal, tracer] = origin(o, "parallel");
  return start(false, fs, arg, undefined, signal, tracer, limit !== undefined, limit ?? 0, failFast ? 1 : 0, progress) as Promise<Result[]>;
}

function check(s: unknown): asserts s is Scope {
  if (!(s instanceof Scope)) throw new TypeError("Scope method called on an object that is not a Scope");
}

/** `s.race` and `s.any` (a race with `requireSuccess`). */
function scopeRace(s: Scope, factories: readonly Factory[], options: unknown, any: boolean): Promise<Result> {
  check(s);
  guard();
  const what = any ? "any" : "race";
  const [fs, arg] = readFactories(factories, what);
  const [flags, hasLimit, limit, timing] = raceOptions(optionsObject(options, what), what, any);
  return start(true, fs, arg, s, undefined, undefined, hasLimit, limit, flags, undefined, timing) as Promise<Result>;
}

Scope.prototype.race = function (this: Scope, factories: readonly Factory[], options?: RaceOptionsIn): Promise<Result> {
  return scopeRace(this, factories, options, false);
};

Scope.prototype.any = function (this: Scope, factories: readonly Factory[], options?: RaceOptionsIn): Promise<Result> {
  return scopeRace(this, factories, options, true);
};

Scope.prototype.parallel = function (
  this: Scope,
  factories: readonly Factory[],
  options?: { failFast?: boolean; onProgress?: Progress },
): Promise<Result[]> {
  check(this);
  guard();
  const [fs, arg] = readFactories(factories, "parallel");
  const o = optionsObject(options, "parallel");
  const failFast = o !== undefined && Boolean(o.failFast);
  return start(false, fs, arg, this, undefined, undefined, false, 0, failFast ? 1 : 0, progressOf(o)) as Promise<Result[]>;
};

on(40 /* GroupStart */, (g, from, count) => {
  const gr = G.get(g)!;
  const scope = gr.scope;
  const traced = scope._tel !== undefined;
  for (let i = from; i < from + count; i++) {
    const m = new Member(scope, gr.fs[i], gr.arg[i]);
    // No clock: a member has no breaker and no retry (the machine's time is unused).
    const k = W.group_spawn(g, i, 0);
    if (k === -1) continue;
    // Plain stores until the member is in the table.
    const ti = k % 4294967296;
    if (ti > T.length) reach(T, ti);
    T[ti] = m;
    m._k = k;
    gr.members[i] = m;
    // A member's id is seen only by telemetry and debug lines.
    if (traced) m._id = lastTaskId();
    if (traced) tel.taskOpened(m, k, undefined);
  }
  after();
});

on(71 /* GroupProgress */, (g, i, completed) => {
  const gr = G.get(g);
  const m = gr?.members[i];
  if (gr === undefined || m === undefined) return;
  try {
    gr.progress!(completed, gr.fs.length, m._r!);
  } catch {
    // A throwing onProgress is ignored (as 1.0 ignores onRetry's): it must
    // not fail the run nor skip the next report.
  }
});

on(41 /* GroupDone */, (g, how, arg) => {
  const i = idx(g);
  const gr = G.take(g);
  if (gr === undefined) return;
  const ms = gr.members;
  if (how === 0 /* WINNER */) gr.res(ms[arg]!._r);
  else if (how === 1 /* ABORTED */) gr.res([reasonOf(arg), undefined]);
  else if (how === 3 /* REJECT */) gr.rej(ms[arg]!._r![0]);
  else if (how === 4 /* ALL_FAILED */) {
    // requireSuccess: every factory failed; their errors in input order.
    const errors: unknown[] = [];
    for (const m of ms) if (m !== undefined) errors.push(m._r![0]);
    gr.res([new AggregateError(errors, "All race competitors failed"), undefined]);
  } else {
    // RESULTS: a factory that never started has the abort reason.
    const reason = arg === -1 ? undefined : reasonOf(arg);
    const out: Result[] = new Array(ms.length);
    for (let j = 0; j < ms.length; j++) out[j] = ms[j]?._r ?? [reason, undefined];
    gr.res(out);
  }
});
