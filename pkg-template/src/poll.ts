// Polls: `poll()`, `s.poll()` and the controller. When a call is due, what
// `status()` says, no overlap and death on abort are the machine's
// (src/machine/poll.rs); here are the option reading, the calls of `fn`
// and `onValue` (inside try) and their reports.
import { Table, W, after, failure, guard, idx, on, run } from "./wasm";
import { checkSignal, link, signalOf } from "./signal";
import { mustBe, optionalNumber, optionsObject, thenOf } from "./errors";
import { Scope } from "./scope";

/** 1.0's clock for `lastPollTime` / `nextPollTime`. */
const clock = (): number => performance.now();

export interface PollStatus {
  running: boolean;
  pollCount: number;
  timeUntilNext: number;
  lastPollTime?: number;
  nextPollTime?: number;
}

export interface PollOptionsIn {
  interval?: number;
  immediate?: boolean;
  signal?: AbortSignal;
}

type PollFn = (signal: AbortSignal) => unknown;
type OnValue = (value: unknown) => unknown;

/** What a live poll keeps in JS. */
interface PollEntry {
  fn: PollFn;
  onValue: OnValue;
  services: Record<string, unknown> | undefined;
  /** What `fn` receives: the poll's signal, also carrying `signal` and `services` (made at the first call). */
  arg: AbortSignal | undefined;
  c: PollController;
}

/** Live polls by slot index. */
const P = new Table<PollEntry>();

/** Controller of a poll: `start()`, `stop()`, `status()`. */
export class PollController {
  #k: number;
  /** @internal the final status, once the poll died */ declare _end: PollStatus | undefined;

  /** @internal */
  constructor(k: number) {
    this.#k = k;
    this._end = undefined;
  }

  /** Starts or resumes polling (a no-op while running or once the signal aborted). */
  start(): void {
    checkController(this);
    guard();
    W.poll_start(this.#k, clock());
    run();
  }

  /** Stops polling; a call in flight runs to its end. */
  stop(): void {
    checkController(this);
    guard();
    W.poll_stop(this.#k);
    run();
  }

  status(): PollStatus {
    checkController(this);
    const end = this._end;
    if (end !== undefined) return { ...end };
    const k = this.#k;
    const t = clock();
    const running = W.poll_status(k, t, 0);
    if (running === -1) return { running: false, pollCount: 0, timeUntilNext: 0, lastPollTime: undefined, nextPollTime: undefined };
    const last = W.poll_status(k, t, 3);
    const next = W.poll_status(k, t, 4);
    return {
      running: running === 1,
      pollCount: W.poll_status(k, t, 1),
      timeUntilNext: W.poll_status(k, t, 2),
      lastPollTime: last === -1 ? undefined : last,
      nextPollTime: next === -1 ? undefined : next,
    };
  }
}

function checkController(c: unknown): asserts c is PollController {
  if (!(c instanceof PollController)) throw new TypeError("PollController method called on an object that is not a PollController");
}

function create(fn: unknown, onValue: unknown, options: unknown, scope: Scope | undefined): PollController {
  guard();
  if (typeof fn !== "function") throw mustBe("poll: fn", "a function", fn);
  if (typeof onValue !== "function") throw mustBe("poll: onValue", "a function", onValue);
  const o = optionsObject(options, "poll");
  let flags = 2; // immediate unless told otherwise
  let interval = 0;
  let signal: AbortSignal | undefined;
  if (o !== undefined) {
    const i = optionalNumber(o, "interval", "poll");
    if (i !== undefined) (flags |= 1), (interval = i);
    const im = o.immediate;
    if (im !== undefined && im !== null && !im) flags &= ~2;
    // `s.poll` always uses its scope's signal (1.0 spreads the options and sets it).
    if (scope === undefined) {
      const s = o.signal;
      if (s !== undefined && s !== null) signal = s as AbortSignal;
    }
  }
  let l = -1;
  if (signal !== undefined) l = link(signal, checkSignal(signal, "poll: options.signal"));
  const k = W.poll_new(scope === undefined ? -1 : Scope.key(scope), l, flags, interval, clock());
  if (k === -1) {
    const e = failure();
    run(); // the link nobody came to use is unlinked
    throw e;
  }
  if (k === -2) {
    run();
    // Already aborted: 1.0 throws the signal's reason.
    throw (scope === undefined ? signal! : scope.signal).reason;
  }
  const c = new PollController(k);
  P.set(k, {
    fn: fn as PollFn,
    onValue: onValue as OnValue,
    services: scope === undefined ? undefined : scope._services,
    arg: undefined,
    c,
  });
  run(); // the first call, with `immediate`
  return c;
}

/** Calls `fn` every `interval` ms (no overlap) and hands each value to `onValue`. */
export function poll(fn: PollFn, onValue: OnValue, options?: PollOptionsIn): PollController {
  return create(fn, onValue, options, undefined);
}

declare module "./scope" {
  interface Scope<Services extends Record<string, unknown> = Record<string, never>> {
    /** Polls `fn` every `interval` ms until stopped or the scope ends. */
    poll(fn: PollFn, onValue: OnValue, options?: Omit<PollOptionsIn, "signal">): PollController;
  }
}

Scope.prototype.poll = function (this: Scope, fn: PollFn, onValue: OnValue, options?: PollOptionsIn): PollController {
  if (!(this instanceof Scope)) throw new TypeError("Scope method called on an object that is not a Scope");
  return create(fn, onValue, options, this);
};

/** Watches what a user function returned: `report(ok)` once it is over (at once for a plain value). */
function watch(r: unknown, report: (ok: boolean, v: unknown) => void): boolean {
  try {
    const then = thenOf(r);
    if (then === undefined) return false;
    then.call(
      r,
      (v: unknown) => {
        report(true, v);
        after();
      },
      (e: unknown) => {
        report(false, e);
        after();
      },
    );
  } catch (e) {
    report(false, e);
  }
  return true;
}

/** `fn` of call `serial` gave `v` (ok) or failed: report; hand a value to `onValue` if the machine says so. */
function settled(k: number, serial: number, e: PollEntry, ok: boolean, v: unknown): void {
  if (!W.poll_settled(k, serial, ok, clock())) return;
  const done = (okv: boolean): void => {
    W.poll_done(k, serial, okv, clock());
  };
  let r: unknown;
  try {
    r = e.onValue(v);
  } catch {
    return done(false); // swallowed (SPEC)
  }
  if (!watch(r, done)) done(true);
}

on(30 /* PollCall */, (k, serial, node) => {
  const e = P.get(k);
  if (e === undefined || !W.poll_begin(k, serial, clock())) return;
  let arg = e.arg;
  if (arg === undefined) {
    arg = signalOf(node) ?? AbortSignal.abort();
    // Both `(signal) => fetch(u, { signal })` and `({ signal, services }) => …` work.
    Object.assign(arg, { signal: arg, services: e.services });
    e.arg = arg;
  }
  let r: unknown;
  try {
    r = e.fn(arg);
  } catch {
    W.poll_settled(k, serial, false, clock());
    return after();
  }
  if (!watch(r, (ok, v) => settled(k, serial, e, ok, v))) settled(k, serial, e, true, r);
  after();
});

on(31 /* PollEnd */, (k, count, last) => {
  const i = idx(k);
  const e = P.take(k);
  if (e !== undefined) {
    e.c._end = { running: false, pollCount: count, timeUntilNext: 0, lastPollTime: last === -1 ? undefined : last, nextPollTime: undefined };
  }
  W.poll_free(k);
});
