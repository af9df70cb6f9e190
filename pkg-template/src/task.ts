// Tasks: the `Task` class users hold, and the effects that call a task's
// `fn`, store what it gave, ask the retry hooks and settle it. Which attempt
// runs, when, and how it ends are the machine's (src/machine/task.rs).
import { W, after, guard, idx, now, on, run } from "./wasm";
import { reasonOf, signalOf } from "./signal";
import type { Scope } from "./scope";
import * as tel from "./telemetry";

/** Live tasks by slot index. */
export const T: (Task | undefined)[] = [];

/**
 * The retry hooks of the live tasks that have a `retry` option, by full
 * task key. A Map: these are few and their slots far apart (an array
 * written at a high slot alone turns sparse and slow).
 */
const HK = new Map<number, RetryHooks>();

/** Keeps the retry hooks of task `k` (until it settles). */
export function keepHooks(k: number, hooks: RetryHooks): void {
  HK.set(k, hooks);
}

/** The retry hooks of task `k`, if it has a `retry` option (most programs have none: no lookup then). */
function hooksOf(k: number): RetryHooks | undefined {
  return HK.size === 0 ? undefined : HK.get(k);
}

export interface RetryHooks {
  delay?: (attempt: number, error: unknown) => number;
  retryCondition?: (error: unknown) => boolean;
  onRetry?: (error: unknown, attempt: number) => void;
}

/** The `{ signal, services }` a task's `fn` receives. */
export class TaskContext {
  /** @internal */ declare _t: Task;
  /** @internal */ declare _n: number;
  /** @internal */ declare _sig: AbortSignal | undefined;
  constructor(t: Task, node: number) {
    this._t = t;
    this._n = node;
    this._sig = undefined;
  }
  get signal(): AbortSignal {
    // -1: the task has no node of its own yet (the machine makes it when
    // its signal is read: src/machine/task.rs invariant #5).
    return (this._sig ??= (this._n === -1 ? undefined : signalOf(this._n)) ?? this._t.signal);
  }
  get services(): Record<string, unknown> {
    return this._t._scope._services;
  }
}

/** A running unit of work: awaitable (gives a Result tuple) and disposable. */
/** A task's Result tuple (the public, generic types are in index.d.ts). */
export type Result = readonly [unknown, unknown];

export class Task implements PromiseLike<Result> {
  /** @internal the machine's key, set right after `spawn` */ declare _k: number;
  /** @internal */ declare _id: number;
  /** @internal */ declare _scope: Scope;
  /** @internal */ declare _fn: ((ctx: TaskContext) => unknown) | undefined;
  /** @internal the last attempt's value or error */ declare _v: unknown;
  /** @internal the Result, once settled */ declare _r: Result | undefined;
  /** @internal */ declare _res: ((r: Result) => void) | undefined;
  /** @internal */ declare _p: Promise<Result> | undefined;
  /** @internal */ declare _sig: AbortSignal | undefined;
  /**
   * @internal which attempt's `fn` was called: its serial, or `watching(serial)`
   * once its promise is watched (its callbacks report); -1 never. Once
   * settled: 0 if `fn` was ever called, else -1 (`isStarted`).
   */
  declare _ran: number;
  /** @internal an outcome recorded and not yet reported: its serial (-1: none), ok, value */ declare _ps: number;
  /** @internal */ declare _pok: boolean;
  /** @internal */ declare _pv: unknown;

  /** @internal */
  constructor(scope: Scope, fn: (ctx: TaskContext) => unknown) {
    this._k = -1;
    this._id = 0;
    this._scope = scope;
    this._fn = fn;
    this._v = undefined;
    this._r = undefined;
    this._res = undefined;
    this._p = undefined;
    this._sig = undefined;
    this._ran = -1;
    this._ps = -1;
    this._pok = false;
    this._pv = undefined;
  }

  get id(): number {
    return this._id;
  }

  get signal(): AbortSignal {
    if (this._sig !== undefined) return this._sig;
    if (this._r === undefined) {
      guard(); // task_node may make the node
      const s = signalOf(W.task_node(this._k));
      if (s !== undefined) return (this._sig = s);
    }
    // Settled: its node ended; it aborts with its scope, as 1.0's did.
    return (this._sig = this._scope.signal);
  }

  get isStarted(): boolean {
    if (this._r !== undefined) return this._ran !== -1;
    return W.task_is_started(this._k) === 1;
  }

  get isSettled(): boolean {
    return this._r !== undefined;
  }

  then<A = Result, B = never>(
    onfulfilled?: ((value: Result) => A | PromiseLike<A>) | null,
    onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    checkTask(this);
    const r = this._r;
    if (r !== undefined) return Promise.resolve(r).then(onfulfilled, onrejected);
    const p = (this._p ??= new Promise((resolve) => (this._res = resolve)));
    return p.then(onfulfilled, onrejected);
  }

  [Symbol.dispose](): void {
    checkTask(this);
    guard();
    if (this._r === undefined) W.task_detach(this._k);
  }
}

function checkTask(t: unknown): asserts t is Task {
  if (!(t instanceof Task)) throw new TypeError("Task method called on an object that is not a Task");
}

/** Reports attempt `serial`'s outcome; keeps the value only if the machine took it. */
function settled(k: number, serial: number, ok: boolean, v: unknown): void {
  const t = T[idx(k)];
  // The clock is read only where the machine uses it: a breaker's timing,
  // a retry delay's due time.
  const clock = t !== undefined && (t._scope._clock || hooksOf(k) !== undefined) ? now() : 0;
  if (W.attempt_settled(k, serial, ok, clock) && t !== undefined) t._v = v;
}

/** `Task._ran` for an attempt whose promise is watched (never a serial, never -1). */
function watching(serial: number): number {
  return -serial - 2;
}

/**
 * The serial of a task's one attempt, from `_ran`: the serial itself while
 * `then` runs (a thenable may call back at once), `watching(serial)` after.
 * (Once settled, neither: the report is stale.)
 */
function attemptOf(ran: number): number {
  return ran >= 0 ? ran : -ran - 2;
}

/** The watched attempt's promise fulfilled (`this`: its task, which has one attempt). */
function fulfilled(this: Task, v: unknown): void {
  settled(this._k, attemptOf(this._ran), true, v);
  after();
}

function rejected(this: Task, e: unknown): void {
  settled(this._k, attemptOf(this._ran), false, e);
  after();
}

/**
 * Reports the outcome of `fn` recorded in `t._ps/_pok/_pv`. It is recorded
 * with plain stores to fields the task already has (no call, no
 * allocation: nothing that can run out of stack), so if the stack runs out
 * while reporting, the `Start` effect kept for later reports it again
 * instead of calling `fn` a second time.
 */
function report(t: Task, k: number): void {
  settled(k, t._ps, t._pok, t._pv);
  t._ps = -1;
  t._pv = undefined;
  after();
}

on(1 /* Start */, (k, serial, node) => {
  const t = T[idx(k)];
  if (t === undefined || t._k !== k) return;
  if (t._ps === serial) return report(t, k);
  if (t._ran === watching(serial)) return; // its promise reports by itself
  if (t._ran === serial) {
    // `fn` ran, but the stack ran out before its outcome was recorded.
    t._ps = serial;
    t._pok = false;
    t._pv = new RangeError("Maximum call stack size exceeded");
    return report(t, k);
  }
  t._ran = serial;
  let r: unknown;
  try {
    r = t._fn!(new TaskContext(t, node));
  } catch (e) {
    t._ps = serial;
    t._pok = false;
    t._pv = e;
    return report(t, k);
  }
  if (r !== null && (typeof r === "object" || typeof r === "function")) {
    try {
      const then = (r as { then?: unknown }).then;
      if (typeof then === "function") {
        if (hooksOf(k) === undefined) {
          // One attempt only: the callbacks find its serial on the task
          // (bound functions: smaller than two closures and their context).
          then.call(r, fulfilled.bind(t), rejected.bind(t));
        } else {
          // Attempts can overlap (a timed-out one still running): each
          // attempt's callbacks carry its own serial.
          then.call(
            r,
            (v: unknown) => {
              settled(k, serial, true, v);
              after();
            },
            (e: unknown) => {
              settled(k, serial, false, e);
              after();
            },
          );
        }
        t._ran = watching(serial);
        return;
      }
    } catch (e) {
      t._ps = serial;
      t._pok = false;
      t._pv = e;
      return report(t, k);
    }
  }
  t._ps = serial;
  t._pok = true;
  t._pv = r;
  report(t, k);
});

on(2 /* Settle */, (k, how, started) => {
  const i = idx(k);
  const t = T[i];
  if (t === undefined || t._k !== k) return;
  t._ran = started === 1 ? 0 : -1;
  t._fn = undefined;
  if (HK.size !== 0) HK.delete(k);
  const v = t._v;
  const r: Result = how === 0 ? [undefined, v] : [v, undefined];
  t._r = r;
  if (t._scope._tel !== undefined) tel.taskSettled(k);
  const res = t._res;
  if (res !== undefined) res(r);
  t._res = undefined;
  if (T[i] === t) T[i] = undefined;
});

on(15 /* TaskError */, (k, kind, arg) => {
  const t = T[idx(k)];
  if (t === undefined || t._k !== k) return;
  t._v =
    kind === 1
      ? reasonOf(arg)
      : kind === 2
        ? new Error("Circuit breaker is open")
        : new RangeError(`task: retry.delay must be a finite number of milliseconds >= 0, got ${String(arg)}`);
});

on(13 /* RetryAsk */, (k, serial, attempt) => {
  const t = T[idx(k)];
  if (t === undefined || t._k !== k) return;
  // Asked already (the answer is kept in _pok/_pv when the stack ran out
  // while reporting it): report the kept answer.
  if (t._ps !== -serial - 1) {
    let verdict = 1;
    let delay = NaN;
    const h = hooksOf(k)!;
    try {
      if (h.retryCondition !== undefined && !h.retryCondition(t._v)) verdict = 0;
      else if (attempt > 0 && h.delay !== undefined) {
        const d = h.delay(attempt, t._v);
        delay = typeof d === "number" ? d : NaN;
      }
    } catch (e) {
      t._v = e;
      verdict = 2;
    }
    t._ps = -serial - 1;
    t._pok = verdict === 1;
    t._pv = verdict === 1 ? delay : verdict;
  }
  const verdict = t._pok ? 1 : (t._pv as number);
  const delay = t._pok ? (t._pv as number) : NaN;
  W.retry_answer(k, serial, verdict, delay, now());
  t._ps = -1;
  t._pv = undefined;
  after();
});

on(14 /* OnRetry */, (k, attempt) => {
  const t = T[idx(k)];
  if (t === undefined || t._k !== k) return;
  try {
    hooksOf(k)!.onRetry!(t._v, attempt);
  } catch {
    // SPEC: a throwing onRetry is ignored.
  }
});

export { run };
