// Semaphores: the `Semaphore` class. Who gets a permit, and when, is the
// machine's (src/machine/semaphore.rs); here are the waiters' promises, in
// arrays indexed by the slots the machine hands out, and the call of `fn`.
import { W, after, failure, guard, idx, on, reach, run } from "./wasm";
import { checkSignal, keepReason, keptReason, link } from "./signal";
import { mustBe } from "./errors";

// Drained slots are `slot * 8 + kind` (machine `semaphore::drained`).

/** Resolvers and rejecters of waiting `acquire`s, by slot. */
const F: ((() => void) | undefined)[] = [];
const J: (((e: unknown) => void) | undefined)[] = [];

/** A semaphore's JS state, by semaphore index until its abort is drained. */
interface Box {
  /** The machine's key; -1 until first used (a semaphore without signal). */
  k: number;
  total: number;
  /** The abort reason is known (kept for later acquires). */
  aborted: boolean;
  reason: unknown;
}
const SM: (Box | undefined)[] = [];

/** A semaphore nobody can reach any more ends. */
const registry =
  typeof FinalizationRegistry === "function"
    ? new FinalizationRegistry<number>((k) => {
        W.sem_collected(k);
        run();
      })
    : undefined;

/** A counting semaphore with FIFO waiters: `new Semaphore(permits, signal?)`. */
export class Semaphore implements AsyncDisposable {
  #b: Box;

  constructor(permits: number, signal?: AbortSignal) {
    guard();
    if (typeof permits !== "number") throw mustBe("Semaphore: permits", "a number", permits);
    let l = -1;
    if (signal !== undefined && signal !== null) l = link(signal, checkSignal(signal, "Semaphore: signal"));
    const b: Box = { k: -1, total: permits, aborted: false, reason: undefined };
    if (l === -1) {
      // Made on first use: one that is never used leaves nothing behind.
      if (W.sem_valid(permits) === 0) throw failure();
      this.#b = b;
      return;
    }
    const k = W.sem_new(l, permits);
    if (k === -1) {
      run(); // the link nobody came to use is unlinked
      throw failure();
    }
    b.k = k;
    this.#b = b;
    const si = idx(k);
    if (si > SM.length) reach(SM, si);
    SM[si] = b;
    registry?.register(this, k, b);
    run();
  }

  /** @internal the receiver's state, or a TypeError. */
  static _box(s: unknown): Box {
    if (typeof s !== "object" || s === null || !(#b in s)) {
      throw new TypeError("Semaphore method called on an object that is not a Semaphore");
    }
    return (s as Semaphore).#b;
  }

  /** Waits for a permit (FIFO), runs `fn`, releases even if it throws, and gives its result. */
  acquire<R>(fn: () => R | PromiseLike<R>): Promise<Awaited<R>> {
    return acquire(this, fn, "Semaphore.acquire: fn");
  }

  /** Same as `acquire`. */
  execute<R>(fn: () => R | PromiseLike<R>): Promise<Awaited<R>> {
    return acquire(this, fn, "Semaphore.execute: fn");
  }

  get available(): number {
    return available(Semaphore._box(this));
  }

  get availablePermits(): number {
    return available(Semaphore._box(this));
  }

  get waiting(): number {
    return waiting(Semaphore._box(this));
  }

  get waiterCount(): number {
    return waiting(Semaphore._box(this));
  }

  get totalPermits(): number {
    return Semaphore._box(this).total;
  }

  /** Rejects the waiters with `Error("semaphore disposed")`; later acquires reject too. */
  [Symbol.asyncDispose](): Promise<void> {
    const b = Semaphore._box(this);
    guard();
    W.sem_dispose(b.k === -1 ? make(this, b) : b.k);
    run();
    return Promise.resolve();
  }
}

/** Free permits; all of them before it was used and once the machine ended it. */
function available(b: Box): number {
  const v = b.k === -1 ? -1 : W.sem_count(b.k, 0);
  return v === -1 ? b.total : v;
}

function waiting(b: Box): number {
  return b.k === -1 ? 0 : W.sem_count(b.k, 1);
}

/** The machine's record of a semaphore made without one (its first use; behind the caller's guard). */
function make(s: Semaphore, b: Box): number {
  const k = W.sem_new(-1, b.total);
  if (k === -1) throw failure(); // (not reached: the permits were checked)
  b.k = k;
  const si = idx(k);
  if (si > SM.length) reach(SM, si);
  SM[si] = b;
  registry?.register(s, k, b);
  return k;
}

function acquire<R>(s: Semaphore, fn: () => R | PromiseLike<R>, what: string): Promise<Awaited<R>> {
  const b = Semaphore._box(s);
  guard();
  if (typeof fn !== "function") throw mustBe(what, "a function", fn);
  if (b.k === -1) make(s, b);
  let r = W.sem_acquire(b.k);
  if (r === -3) {
    W.sem_reserve(b.k); // behind the guard above
    r = W.sem_acquire(b.k);
  }
  if (r === -1) return Promise.reject(reasonFor(b));
  const granted =
    r === -2
      ? Promise.resolve()
      : new Promise<void>((res, rej) => {
          if (r > F.length) reach(F, r);
          if (r > J.length) reach(J, r);
          F[r] = res;
          J[r] = rej;
        });
  // `s` is kept alive by the continuation while the permit is awaited.
  return granted.then(() => hold(s, b, fn));
}

async function hold<R>(_s: Semaphore, b: Box, fn: () => R | PromiseLike<R>): Promise<Awaited<R>> {
  try {
    return await fn();
  } finally {
    release(b);
  }
}

/** Gives the permit back: to the oldest waiter, if any. */
function release(b: Box): void {
  const r = W.sem_release(b.k);
  if (r >= 0) {
    const f = F[r];
    F[r] = J[r] = undefined;
    f?.();
  }
  run(); // the last release after an abort ends the semaphore
}

/** The abort reason, asked once and kept, made when first observed (signal.ts `keptReason`). */
function reasonFor(b: Box): unknown {
  keep(b);
  return keptReason(b, "semaphore");
}

/** Keeps the abort reason before the machine forgets it. */
function keep(b: Box): void {
  if (!b.aborted) keepReason(b, W.sem_reason(b.k));
}

on(21 /* SemAborted */, (k) => {
  const b = SM[idx(k)];
  if (b === undefined || b.k !== k) return;
  keep(b);
  for (;;) {
    const r = W.sem_drain(k);
    if (r < 0) break;
    const kind = r % 8;
    const i = (r - kind) / 8;
    const j = J[i];
    F[i] = J[i] = undefined;
    if (kind === 1) j?.(reasonFor(b));
  }
  SM[idx(k)] = undefined;
  registry?.unregister(b);
  after(); // an ended semaphore frees its reason
});
