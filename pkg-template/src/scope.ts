// Scopes: the `Scope` class and `scope()`, services, cleanups and the
// disposal promise. Creation, inheritance, disposal order and outcome are
// the machine's (src/machine/scope.rs); here are the option reading, the
// service objects and the promise.
import { Table, W, failure, guard, idx, lastTaskId, now, on, reach, run, after } from "./wasm";
import { DISPOSED, abortedWith, checkSignal, link, reasonKept, signalOf } from "./signal";
import { messageOf, mustBe, optionalFunction, optionalNumber, optionsObject, typeName } from "./errors";
import { T, Task, keepHooks, type RetryHooks, type TaskContext } from "./task";
import * as tel from "./telemetry";
import { delay } from "./delay";
import { limiter } from "./rate";
import { tokenBucket, type TokenBucket, type TokenBucketOptionsIn } from "./token-bucket";

/** Live scopes by slot index (until their disposal ends). */
export const S = new Table<Scope>();

/**
 * A cleanup: the function and what to call it with. A class, not an object
 * literal, so that it is always allocated young (a literal's allocation
 * site can be switched to the old generation by V8, and a finished record
 * there keeps its scope alive until a full GC: see `Group` in group.ts).
 */
class CleanupFn {
  /** Called already; its outcome, kept until reported (see `cleanupDone`). */
  declare out: [boolean, unknown] | undefined;
  constructor(
    public fn: (v?: unknown) => unknown,
    readonly arg: unknown,
    readonly scope: Scope,
  ) {
    this.out = undefined;
  }
}
const CL = new Table<CleanupFn>();

export interface ScopeOptionsIn {
  timeout?: number;
  signal?: AbortSignal;
  parent?: Scope;
  concurrency?: number;
  circuitBreaker?: { failureThreshold?: number; resetTimeout?: number };
  tracer?: unknown;
  name?: string;
  context?: Record<string, unknown>;
}

/** Owns async work; `await using s = scope()` ends it. */
/** The public, generic types are in index.d.ts. */
export class Scope {
  #k: number;
  /** @internal */ declare _services: Record<string, unknown>;
  /** @internal */ declare _sig: AbortSignal | undefined;
  /** @internal what the scope's reason was, kept when its node ended unread */ declare _late: unknown;
  /** @internal */ declare _tracer: unknown;
  /** @internal */ declare _name: string | undefined;
  /** @internal cleanup errors that fail the disposal */ declare _errs: unknown[] | undefined;
  /** @internal the disposal's end: [outcome] once over */ declare _out: number | undefined;
  /** @internal */ declare _disp: Promise<void> | undefined;
  /** @internal */ declare _done: [(v: void) => void, (e: unknown) => void] | undefined;
  /** @internal telemetry of this scope (span, debug label), if any */ declare _tel: unknown;
  /** @internal the machine reads the clock for this scope's tasks (it has a breaker) */ declare _clock: boolean;
  /** @internal own context values (`setContext`), made on first use */ declare _ctx: Map<string, unknown> | undefined;
  /** @internal where context lookups go next */ declare _up: Scope | undefined;

  constructor(options?: ScopeOptionsIn) {
    guard();
    const o = optionsObject(options, "scope");
    let flags = 0;
    let timeout = 0;
    let concurrency = 0;
    let threshold = 0;
    let reset = 0;
    let parent: Scope | undefined;
    let signal: AbortSignal | undefined;
    let tracer: unknown;
    let name: string | undefined;
    let context: unknown;
    if (o !== undefined) {
      const t = optionalNumber(o, "timeout", "scope");
      if (t !== undefined) (flags |= 1), (timeout = t);
      const sig = o.signal;
      if (sig !== undefined && sig !== null) signal = sig as AbortSignal;
      const c = optionalNumber(o, "concurrency", "scope");
      if (c !== undefined) (flags |= 2), (concurrency = c);
      const cb = o.circuitBreaker;
      if (cb !== undefined && cb !== null) {
        if (typeof cb !== "object") throw new TypeError(`scope: circuitBreaker: options must be an object, got ${typeName(cb)}`);
        flags |= 4;
        const th = optionalNumber(cb as Record<string, unknown>, "failureThreshold", "scope");
        if (th !== undefined) (flags |= 8), (threshold = th);
        const r = optionalNumber(cb as Record<string, unknown>, "resetTimeout", "scope");
        if (r !== undefined) (flags |= 16), (reset = r);
      }
      const n = o.name;
      if (n !== undefined && n !== null) {
        if (typeof n !== "string") throw mustBe("scope: options.name", "a string", n);
        name = n;
      }
      tracer = o.tracer ?? undefined;
      context = o.context;
      if (context !== undefined && context !== null) {
        if (typeof context !== "object") throw new TypeError(`scope: context must be an object, got ${typeName(context)}`);
        context = { ...context }; // read now: a throwing getter throws from this call
      }
      const p = o.parent;
      if (p !== undefined && p !== null) {
        if (!(p instanceof Scope)) throw new TypeError("scope: options.parent must be a Scope");
        parent = p;
      }
    }
    let aborted = false;
    if (signal !== undefined) aborted = checkSignal(signal, "scope: options.signal");
    this._services = parent === undefined ? {} : { ...parent._services };
    this.#k = -1;
    const linkKey = signal !== undefined && parent === undefined ? link(signal, aborted) : -1;
    const k = W.scope_new(parent === undefined ? -1 : parent.#k, linkKey, flags, timeout, concurrency, threshold, reset);
    if (k === -1) {
      run(); // the link nobody came to use is unlinked
      throw failure();
    }
    // Plain stores until the scope is in the table: nothing here can throw.
    S.set(k, this);
    this.#k = k;
    this._sig = undefined;
    this._late = undefined;
    this._tracer = tracer ?? parent?._tracer;
    this._name = name;
    this._errs = undefined;
    this._out = undefined;
    this._disp = undefined;
    this._done = undefined;
    this._tel = undefined;
    this._clock = false;
    this._ctx = undefined;
    this._up = parent;
    if (context !== undefined && context !== null) this._ctx = new Map(Object.entries(context as object));
    this._clock = W.scope_breaker(k, 0) !== -1;
    if (this._tracer !== undefined || tel.debugOn()) tel.scopeOpened(this, parent, k, flags | (signal === undefined ? 0 : 32));
    run();
  }

  /** @internal */
  static key(s: Scope): number {
    return s.#k;
  }

  get signal(): AbortSignal {
    check(this);
    if (this._sig !== undefined) return this._sig;
    const node = W.scope_node(this.#k);
    const s = node === -1 ? undefined : signalOf(node);
    return (this._sig = s ?? abortedWith(this._late));
  }

  get isDisposed(): boolean {
    check(this);
    return W.scope_is_disposed(this.#k) !== 0;
  }

  get concurrency(): number | undefined {
    check(this);
    const c = W.scope_concurrency(this.#k);
    return c === 0 ? undefined : c;
  }

  get circuitBreaker(): { failureThreshold: number; resetTimeout: number } | undefined {
    check(this);
    const t = W.scope_breaker(this.#k, 0);
    return t === -1 ? undefined : { failureThreshold: t, resetTimeout: W.scope_breaker(this.#k, 1) };
  }

  get tracer(): unknown {
    check(this);
    return this._tracer;
  }

  task(fn: (ctx: TaskContext) => unknown, options?: TaskOptionsIn): Task {
    check(this);
    guard();
    if (typeof fn !== "function") throw mustBe("task: fn", "a function", fn);
    const o = optionsObject(options, "task");
    let flags = 0;
    let timeout = 0;
    let maxRetries = 0;
    let delay = 0;
    let hooks: RetryHooks | undefined;
    let onCleanup: (() => unknown) | undefined;
    let otel: unknown;
    if (o !== undefined) {
      const t = optionalNumber(o, "timeout", "task");
      if (t !== undefined) (flags |= 1), (timeout = t);
      const r = o.retry;
      if (r !== undefined && r !== null) {
        if (typeof r !== "object") throw new TypeError(`task: retry: options must be an object, got ${typeName(r)}`);
        const ro = r as Record<string, unknown>;
        flags |= 2;
        const m = optionalNumber(ro, "maxRetries", "task: retry");
        if (m !== undefined) (flags |= 4), (maxRetries = m);
        const d = ro.delay;
        hooks = {};
        if (typeof d === "function") (flags |= 16), (hooks.delay = d as RetryHooks["delay"]);
        else if (d !== undefined && d !== null) {
          // A RangeError, as for a delay function's non-number result.
          if (typeof d !== "number") throw new RangeError(`task: retry.delay must be a number or a function, got ${typeName(d)}`);
          (flags |= 8), (delay = d);
        }
        const c = optionalFunction(ro.retryCondition, "task: retry.retryCondition");
        if (c !== undefined) (flags |= 32), (hooks.retryCondition = c as RetryHooks["retryCondition"]);
        const on = optionalFunction(ro.onRetry, "task: retry.onRetry");
        if (on !== undefined) (flags |= 64), (hooks.onRetry = on as RetryHooks["onRetry"]);
      }
      onCleanup = optionalFunction(o.onCleanup, "task: onCleanup") as (() => unknown) | undefined;
      if (onCleanup !== undefined) flags |= 128;
      otel = o.otel;
      if (otel !== undefined && otel !== null) {
        if (typeof otel !== "object") throw new TypeError(`task: otel: options must be an object, got ${typeName(otel)}`);
        // Read now, as 1.0 did: `name` at every call, `attributes` spread
        // when a tracer is set. A throwing getter or Proxy trap throws from
        // this call with its own error, before anything is spawned.
        const oo = otel as { name?: unknown; attributes?: unknown };
        const name = oo.name as string | undefined;
        otel = { name, attributes: this._tracer === undefined ? undefined : { ...(oo.attributes as object) } };
      }
    }
    const t = new Task(this, fn);
    pendingCleanup = onCleanup === undefined ? undefined : new CleanupFn(onCleanup, undefined, this);
    const k = W.spawn(this.#k, flags, timeout, maxRetries, delay, this._clock ? now() : 0);
    if (k === -1) throw failure();
    // Plain stores until the task is in the table: nothing here can throw.
    const ti = k % 4294967296;
    if (ti > T.length) reach(T, ti);
    T[ti] = t;
    t._k = k;
    if (hooks !== undefined) keepHooks(k, hooks);
    t._id = lastTaskId();
    if (this._tel !== undefined) tel.taskOpened(t, k, otel);
    run();
    return t;
  }

  provide(key: string, factory: () => unknown, cleanup?: (value: unknown) => unknown): Scope {
    check(this);
    guard();
    if (typeof key !== "string") throw mustBe("provide: key", "a string", key);
    if (typeof factory !== "function") throw mustBe("provide: factory", "a function", factory);
    if (cleanup !== undefined && cleanup !== null && typeof cleanup !== "function") throw mustBe("provide: cleanup", "a function", cleanup);
    if (!W.scope_check(this.#k, 0)) throw failure();
    const value = factory();
    if (typeof cleanup === "function") {
      const c = W.add_cleanup(this.#k, true);
      if (c === -1) throw failure();
      CL.set(c, new CleanupFn(cleanup as (v?: unknown) => unknown, value, this));
    }
    this._services[key] = value;
    return this;
  }

  use(key: string): unknown {
    check(this);
    if (!W.scope_check(this.#k, 1)) throw failure();
    return this._services[key];
  }

  /** Runs `fn` at disposal, with `provide`'s cleanups (newest first); its error fails the disposal. */
  onDispose(fn: () => unknown): void {
    check(this);
    guard();
    if (typeof fn !== "function") throw mustBe("onDispose: fn", "a function", fn);
    const c = W.add_cleanup(this.#k, 1);
    if (c === -1) throw failure();
    CL.set(c, new CleanupFn(fn, undefined, this));
  }

  /** Resolves after `ms`; rejects with the scope's abort reason as soon as the scope is cancelled. */
  delay(ms: number): Promise<void> {
    check(this);
    return delay(this.#k, ms, () => this.signal.reason);
  }

  /** A token bucket that ends with this scope: its waiters reject with the scope's abort reason. */
  tokenBucket(options: TokenBucketOptionsIn): TokenBucket {
    check(this);
    return tokenBucket(this.#k, options);
  }

  /** `fn` run `wait` ms after the last call (go-go-scope 2.x); each call gives the Result of the run it joined. */
  debounce(fn: (...args: never[]) => unknown, options?: unknown): (...args: unknown[]) => Promise<[unknown, unknown]> {
    check(this);
    return limiter(this.#k, fn, options, false);
  }

  /** `fn` run at most once per `interval` ms (go-go-scope 2.x). */
  throttle(fn: (...args: never[]) => unknown, options?: unknown): (...args: unknown[]) => Promise<[unknown, unknown]> {
    check(this);
    return limiter(this.#k, fn, options, true);
  }

  /** Sets a context value that this scope and its child scopes (created before or after) see. */
  setContext(key: string, value: unknown): this {
    check(this);
    if (typeof key !== "string") throw mustBe("setContext: key", "a string", key);
    if (!W.scope_check(this.#k, 2)) throw failure();
    (this._ctx ??= new Map()).set(key, value);
    return this;
  }

  /** The value of `key` set on this scope, else on the nearest parent that has it. */
  getContext(key: string): unknown {
    check(this);
    if (typeof key !== "string") throw mustBe("getContext: key", "a string", key);
    const m = holder(this, key);
    return m === undefined ? undefined : m.get(key);
  }

  hasContext(key: string): boolean {
    check(this);
    if (typeof key !== "string") throw mustBe("hasContext: key", "a string", key);
    return holder(this, key) !== undefined;
  }

  /** Removes this scope's own value of `key` (a parent's is kept); whether there was one. */
  removeContext(key: string): boolean {
    check(this);
    if (typeof key !== "string") throw mustBe("removeContext: key", "a string", key);
    return this._ctx?.delete(key) ?? false;
  }

  [Symbol.asyncDispose](): Promise<void> {
    check(this);
    guard();
    if (!W.scope_dispose(this.#k)) return this._disp ?? Promise.resolve();
    run();
    if (this._out !== undefined) return (this._disp = outcome(this));
    return (this._disp = new Promise<void>((res, rej) => (this._done = [res, rej])));
  }
}

export interface TaskOptionsIn {
  timeout?: number;
  retry?: {
    maxRetries?: number;
    delay?: number | ((attempt: number, error: unknown) => number);
    retryCondition?: (error: unknown) => boolean;
    onRetry?: (error: unknown, attempt: number) => void;
  };
  onCleanup?: () => unknown;
  otel?: { name?: string; attributes?: Record<string, unknown> };
}

/** The context map of the nearest scope up the chain that has `key`. */
function holder(s: Scope | undefined, key: string): Map<string, unknown> | undefined {
  for (; s !== undefined; s = s._up) if (s._ctx?.has(key)) return s._ctx;
  return undefined;
}

function check(s: unknown): asserts s is Scope {
  if (!(s instanceof Scope)) throw new TypeError("Scope method called on an object that is not a Scope");
}

/**
 * What every disposal that ended cleanly resolves with: one settled promise,
 * shared (COMPATIBILITY row 37). Made when the module loads, outside any
 * request of a server runtime (workerd ties a promise to the request that
 * made it).
 */
const clean: Promise<void> = Promise.resolve();

/** The disposal promise for a finished disposal. */
function outcome(s: Scope): Promise<void> {
  const out = s._out!;
  const errs = s._errs ?? [];
  s._errs = undefined;
  if (out === 0) return clean;
  if (out === 1) return Promise.reject(errs[0]);
  return Promise.reject(new Error(`Multiple errors during scope disposal: ${errs.map(messageOf).join(", ")}`));
}

/** The `onCleanup` of the task being spawned, keyed when `CleanupKey` arrives. */
let pendingCleanup: CleanupFn | undefined;

on(16 /* CleanupKey */, (_t, c) => {
  if (pendingCleanup !== undefined) CL.set(c, pendingCleanup);
  pendingCleanup = undefined;
});

/**
 * Reports a cleanup's outcome. The outcome is kept on the entry until the
 * report went through, so a `Cleanup` effect kept after a stack overflow
 * reports it again rather than running the cleanup twice.
 */
function cleanupDone(c: number, entry: CleanupFn, s: number, ok: boolean, counts: boolean, e: unknown): void {
  if (entry.out === undefined) {
    entry.out = [ok, e];
    if (!ok && counts) (entry.scope._errs ??= []).push(e);
  }
  W.cleanup_done(s, ok, counts);
  CL.take(c);
}

on(9 /* Cleanup */, (c, s, counts) => {
  const entry = CL.get(c);
  if (entry === undefined) return;
  const cnt = counts === 1;
  if (entry.out !== undefined) {
    cleanupDone(c, entry, s, entry.out[0], cnt, entry.out[1]);
    return after();
  }
  let r: unknown;
  const fn = entry.fn;
  entry.fn = noop; // never called twice
  try {
    r = fn(entry.arg);
  } catch (e) {
    cleanupDone(c, entry, s, false, cnt, e);
    return after();
  }
  if (r !== null && (typeof r === "object" || typeof r === "function")) {
    try {
      const then = (r as { then?: unknown }).then;
      if (typeof then === "function") {
        CL.take(c); // the promise reports at a shallow stack
        then.call(
          r,
          () => {
            W.cleanup_done(s, true, cnt);
            run();
          },
          (e: unknown) => {
            if (cnt) (entry.scope._errs ??= []).push(e);
            W.cleanup_done(s, false, cnt);
            run();
          },
        );
        return;
      }
    } catch (e) {
      cleanupDone(c, entry, s, false, cnt, e);
      return after();
    }
  }
  cleanupDone(c, entry, s, true, cnt, undefined);
  after();
});

function noop(): void {}

on(10 /* Disposed */, (k, out, r) => {
  const s = S.get(k);
  if (s === undefined) return;
  s._late = r === -2 ? DISPOSED : reasonKept(r);
  s._out = out;
  if (s._tel !== undefined) tel.scopeClosed(k);
  const done = s._done;
  if (done !== undefined) outcome(s).then(done[0], done[1]);
  s._done = undefined;
  S.take(k);
});

/** Creates a scope: `await using s = scope({ timeout: 5000 })`. */
export function scope(options?: ScopeOptionsIn): Scope {
  return new Scope(options);
}
