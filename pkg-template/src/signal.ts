// AbortSignals as views of the machine's token-tree nodes (src/machine/signal.rs).
// An AbortController is made only when a `signal` is read; the machine then
// sends `Abort` for that node (descendants first) and `ForgetNode` when the
// node ends. Abort reasons are made on first use. A user AbortSignal is
// linked once, with one listener, however many scopes use it.
import { Table, W, idx, on, reach, run } from "./wasm";
import { typeName } from "./errors";

/** AbortControllers by node index, with the node key they belong to. */
const C: (AbortController | undefined)[] = [];
const CK: number[] = [];

/**
 * A reason not made yet: the machine's kind and argument. Made on first
 * use and kept here, so every holder (a scope's late signal, a channel, a
 * semaphore) that observes it, before or after the machine frees its key,
 * gets the same object.
 */
class Lazy {
  /** @internal the reason once made */ _m: unknown;
  constructor(
    readonly k: number,
    readonly a: number,
  ) {
    this._m = undefined;
  }
}

/** "scope disposed", not made yet: a disposal nobody observed (one per scope: never kept here). */
export const DISPOSED: unknown = new Lazy(1, 0);

/** Abort reasons by key: the value, or how to make it. */
const R = new Table<unknown>();

/** The reason a kept value stands for: made now if it was not yet. */
export function reasonMade(v: unknown): unknown {
  if (!(v instanceof Lazy)) return v;
  if (v === DISPOSED) return new Error("scope disposed");
  return (v._m ??= v.k === 1 ? new Error("scope disposed") : new Error(`timeout after ${v.a}ms`));
}

/** The reason object for the machine's reason key (made once, then shared). */
export function reasonOf(r: number): unknown {
  const v = R.get(r);
  if (!(v instanceof Lazy)) return v;
  const made = reasonMade(v);
  R.set(r, made);
  return made;
}

/** What a reason is, to keep after the machine frees it (made later, if ever, by `reasonMade`). */
export function reasonKept(r: number): unknown {
  return R.get(r);
}

/** The abort reason a channel or a semaphore keeps (the machine forgets it when the primitive ends). */
export interface KeptReason {
  aborted: boolean;
  reason: unknown;
}

/** "<what> disposed" (the primitive's own reason), not made yet. */
const DISPOSED_OWN = {};

/** Keeps reason key `r` (-1: the primitive was disposed) as the machine has it. */
export function keepReason(b: KeptReason, r: number): void {
  b.reason = r === -1 ? DISPOSED_OWN : reasonKept(r);
  b.aborted = true;
}

/** The kept reason, made on first use (an abort nobody observes costs no Error), then the same object each time. */
export function keptReason(b: KeptReason, what: string): unknown {
  b.reason = b.reason === DISPOSED_OWN ? new Error(`${what} disposed`) : reasonMade(b.reason);
  return b.reason;
}

/** An aborted signal for a kept reason. */
export function abortedWith(kept: unknown): AbortSignal {
  return AbortSignal.abort(reasonMade(kept));
}

/**
 * The signal of `node`: the live controller's signal (made now if needed),
 * an aborted one if the node was cancelled, or `undefined` if it ended.
 */
export function signalOf(node: number): AbortSignal | undefined {
  const i = idx(node);
  const c = C[i];
  if (c !== undefined && CK[i] === node) return c.signal;
  const w = W.watch(node);
  if (w === -1) {
    const made = new AbortController();
    if (i > C.length) {
      reach(C, i);
      reach(CK, i);
    }
    C[i] = made;
    CK[i] = node;
    return made.signal;
  }
  if (w === -2) return undefined;
  return AbortSignal.abort(reasonOf(w));
}

on(3 /* Abort */, (node, r) => {
  const i = idx(node);
  const c = C[i];
  if (c !== undefined && CK[i] === node) c.abort(reasonOf(r));
});
on(4 /* ForgetNode */, (node) => {
  const i = idx(node);
  if (CK[i] === node) C[i] = undefined;
});
on(5 /* Reason */, (r, kind, arg) => {
  R.set(r, kind === 3 ? linkReason(arg) : new Lazy(kind, arg));
});
on(6 /* ReasonFree */, (r) => {
  R.take(r);
});

// ---- user AbortSignals ----------------------------------------------------

const abortedGetter = Object.getOwnPropertyDescriptor(AbortSignal.prototype, "aborted")!.get!;
const reasonGetter = Object.getOwnPropertyDescriptor(AbortSignal.prototype, "reason")!.get!;
const addListener = EventTarget.prototype.addEventListener;
const removeListener = EventTarget.prototype.removeEventListener;

/**
 * Checks that `v` is a real AbortSignal (its brand, not its look: a fake or
 * a Proxy is a TypeError naming the argument) and says whether it is aborted.
 */
export function checkSignal(v: unknown, what: string): boolean {
  try {
    return abortedGetter.call(v) as boolean;
  } catch {
    throw new TypeError(`${what} must be an AbortSignal, got ${typeName(v)}`);
  }
}

/** `signal.reason`, read through the platform's getter (a Proxy or subclass cannot lie). */
export function reasonOfSignal(signal: AbortSignal): unknown {
  return reasonGetter.call(signal);
}

/** Adds a one-shot abort listener (through the platform's method). */
export function addAbortListener(signal: AbortSignal, f: () => void): void {
  addListener.call(signal, "abort", f, { once: true });
}

export function removeAbortListener(signal: AbortSignal, f: () => void): void {
  removeListener.call(signal, "abort", f);
}

interface Linked {
  signal: AbortSignal;
  listener: () => void;
}

/** Linked signals by link key, and the link key of each signal. */
const L = new Table<Linked>();
const byKey = new WeakMap<AbortSignal, number>();
let linking: AbortSignal | undefined;

/** Links a checked AbortSignal for one more user; returns the link key. */
export function link(signal: AbortSignal, aborted: boolean): number {
  linking = signal;
  const k = W.link(byKey.get(signal) ?? -1, aborted);
  run(); // `Link` takes `linking`
  linking = undefined;
  return k;
}

function linkReason(l: number): unknown {
  const e = L.get(l);
  return e === undefined ? undefined : reasonGetter.call(e.signal);
}

on(11 /* Link */, (l) => {
  const signal = linking!;
  const listener = () => {
    W.link_aborted(l);
    run();
  };
  L.set(l, { signal, listener });
  byKey.set(signal, l);
  addListener.call(signal, "abort", listener);
});
on(12 /* Unlink */, (l) => {
  const e = L.take(l);
  if (e === undefined) return;
  byKey.delete(e.signal);
  removeListener.call(e.signal, "abort", e.listener);
});

