// Tasks: the `Task` class users hold, and the effects that call a task's
// `fn`, store what it gave, ask the retry hooks and settle it. Which attempt
// runs, when, and how it ends are the machine's (src/machine/task.rs).
import { W, after, guard, idx, now, on, run } from "./wasm";
import { reasonOf, signalOf } from "./signal";
import type { Scope } from "./scope";
import * as tel from "./telemetry";

/** Live tasks by slot index. */
export const T: (Task | undefined)[] = [];

export interface RetryHooks {
  delay?: (attempt: number, error: unknown) => number;
  retryCondition?: (error: unknown) => boolean;
  onRetry?: (error: unknown, attempt: number) => void;
}

/** The `{ signal, services }` a task's `fn` receives. */
export class TaskContext {
  /** @internal */ _t: Task;
  /** @internal */ _n: number;
  /** @internal */ _sig: AbortSignal | undefined;
  constructor(t: Task, node: number) {
    this._t = t;
    this._n = node;
    this._sig = undefined;
  }
  get signal(): AbortSignal {
    return (this._sig ??= this._n === this._t._node ? this._t.signal : (signalOf(this._n) ?? this._t.signal));
  }
  get services(): Record<string, unknown> {
    return this._t._scope._services;
  }
}

/** A running unit of work: awaitable (gives a Result tuple) and disposable. */
export class Task<T = unknown> implements PromiseLike<readonly [unknown, T | undefined]> {
  #k: number;
  /** @internal */ _id: number;
  /** @internal */ _scope: Scope;
  /** @internal */ _fn: ((ctx: TaskContext) => unknown) | undefined;
  /** @internal */ _hooks: RetryHooks | undefined;
  /** @internal */ _node: number;
  /** @internal the last attempt's value or error */ _v: unknown;
  /** @internal the Result, once settled */ _r: readonly [unknown, T | undefined] | undefined;
  /** @internal */ _started: boolean;
  /** @internal */ _res: ((r: readonly [unknown, T | undefined]) => void) | undefined;
  /** @internal */ _p: Promise<readonly [unknown, T | undefined]> | undefined;
  /** @internal */ _sig: AbortSignal | undefined;

  /** @internal */
  constructor(k: number, id: number, scope: Scope, fn: (ctx: TaskContext) => unknown, hooks: RetryHooks | undefined) {
    this.#k = k;
    this._id = id;
    this._scope = scope;
    this._fn = fn;
    this._hooks = hooks;
    this._node = -1;
    this._v = undefined;
    this._r = undefined;
    this._started = false;
    this._res = undefined;
    this._p = undefined;
    this._sig = undefined;
  }

  /** @internal */
  static key(t: Task): number {
    return t.#k;
  }

  get id(): number {
    return this._id;
  }

  get signal(): AbortSignal {
    if (this._sig !== undefined) return this._sig;
    if (this._r === undefined) {
      const s = signalOf(W.task_node(this.#k));
      if (s !== undefined) return (this._sig = s);
    }
    // Settled: its node ended; it aborts with its scope, as 1.0's did.
    return (this._sig = this._scope.signal);
  }

  get isStarted(): boolean {
    if (this._r !== undefined) return this._started;
    return W.task_is_started(this.#k) === 1;
  }

  get isSettled(): boolean {
    return this._r !== undefined;
  }

  then<A = readonly [unknown, T | undefined], B = never>(
    onfulfilled?: ((value: readonly [unknown, T | undefined]) => A | PromiseLike<A>) | null,
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
    if (this._r === undefined) W.task_detach(this.#k);
  }
}

function checkTask(t: unknown): asserts t is Task {
  if (!(t instanceof Task)) throw new TypeError("Task method called on an object that is not a Task");
}

/** Reports attempt `serial`'s outcome; keeps the value only if the machine took it. */
function settled(k: number, serial: number, ok: boolean, v: unknown): void {
  if (W.attempt_settled(k, serial, ok, now())) {
    const t = T[idx(k)];
    if (t !== undefined) t._v = v;
  }
}

function isObjectLike(v: unknown): v is object {
  return v !== null && (typeof v === "object" || typeof v === "function");
}

on(1 /* Start */, (k, serial, node) => {
  const t = T[idx(k)]!;
  t._started = true;
  if (t._node === -1) t._node = node;
  let r: unknown;
  try {
    r = t._fn!(new TaskContext(t, node));
  } catch (e) {
    settled(k, serial, false, e);
    return after();
  }
  if (isObjectLike(r)) {
    let then: unknown;
    try {
      then = (r as { then?: unknown }).then;
      if (typeof then === "function") {
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
        return;
      }
    } catch (e) {
      settled(k, serial, false, e);
      return after();
    }
  }
  settled(k, serial, true, r);
  after();
});

on(2 /* Settle */, (k, how, started) => {
  const i = idx(k);
  const t = T[i]!;
  T[i] = undefined;
  t._started = started === 1;
  t._fn = undefined;
  t._hooks = undefined;
  const v = t._v;
  t._v = undefined;
  const r = (how === 0 ? [undefined, v] : [v, undefined]) as const;
  t._r = r as readonly [unknown, never];
  if (t._scope._tel !== undefined) tel.taskSettled(k);
  const res = t._res;
  if (res !== undefined) {
    t._res = undefined;
    res(r as readonly [unknown, never]);
  }
});

on(15 /* TaskError */, (k, kind, arg) => {
  const t = T[idx(k)]!;
  t._v =
    kind === 1
      ? reasonOf(arg)
      : kind === 2
        ? new Error("Circuit breaker is open")
        : new RangeError(`task: retry.delay must be a finite number of milliseconds >= 0, got ${String(arg)}`);
});

on(13 /* RetryAsk */, (k, serial, attempt) => {
  const t = T[idx(k)]!;
  const h = t._hooks!;
  let verdict = 1;
  let delay = NaN;
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
  W.retry_answer(k, serial, verdict, delay, now());
  after();
});

on(14 /* OnRetry */, (k, attempt) => {
  const t = T[idx(k)]!;
  try {
    t._hooks!.onRetry!(t._v, attempt);
  } catch {
    // SPEC: a throwing onRetry is ignored.
  }
});

export { run };
