// Token buckets (go-go-scope 2.x): `new TokenBucket(options)` and
// `s.tokenBucket(options)`. How many tokens there are, who waits, who is
// granted and when, are the machine's (src/machine/token_bucket.rs); here
// are the option reading, the waiters' promises and the calls of `fn`.
import { Table, W, failure, guard, now, on, run } from "./wasm";
import { checkSignal, keepReason, keptReason, link, reasonOf } from "./signal";
import { mustBe, optionalNumber, optionsObject, typeName } from "./errors";

/** A bucket's JS state. */
interface Box {
  /** The machine's key; -1 until first used (a bucket without a scope). */
  k: number;
  capacity: number;
  refillRate: number;
  /** `initialTokens`, if given. */
  init: number | undefined;
  /** When it was made (a bucket made on first use starts from then). */
  born: number;
  /** The end's reason is known (kept for later acquires). */
  aborted: boolean;
  reason: unknown;
}

/** Live buckets by key, until their `BucketEnd`. */
const B = new Table<Box>();
/** Waiting acquires by waiter key: settle functions, the bucket (kept alive while waited on). */
const D = new Table<[() => void, (e: unknown) => void, Box, TokenBucket]>();

/** A bucket nobody can reach any more ends. */
const registry =
  typeof FinalizationRegistry === "function"
    ? new FinalizationRegistry<number>((k) => {
        W.tb_dispose(k);
        run();
      })
    : undefined;

/** The scope key `s.tokenBucket` passes to the constructor (-1: none). */
let scopeKey = -1;

export interface TokenBucketOptionsIn {
  capacity: number;
  refillRate: number;
  initialTokens?: number;
}

/** A token bucket: `capacity` tokens at most, `refillRate` more per second. */
export class TokenBucket implements AsyncDisposable, Disposable {
  #b: Box;

  constructor(options: TokenBucketOptionsIn) {
    const s = scopeKey;
    scopeKey = -1;
    guard();
    const o = optionsObject(options, "TokenBucket");
    if (o === undefined) throw new TypeError(`TokenBucket: options must be an object, got ${typeName(options)}`);
    const capacity = o.capacity;
    if (typeof capacity !== "number") throw mustBe("TokenBucket: capacity", "a number", capacity);
    const rate = o.refillRate;
    if (typeof rate !== "number") throw mustBe("TokenBucket: refillRate", "a number", rate);
    const init = optionalNumber(o, "initialTokens", "TokenBucket");
    if (o.cache !== undefined && o.cache !== null) throw new TypeError("TokenBucket: options.cache (a distributed bucket) is not supported");
    const b: Box = { k: -1, capacity, refillRate: rate, init, born: now(), aborted: false, reason: undefined };
    this.#b = b;
    // Without a scope, only the options are checked: made on first use, one
    // that is never used leaves nothing behind.
    make(this, b, s === -1 ? -2 : s);
    if (s !== -1) run(); // a cancelled scope's bucket ends at once
  }

  /** @internal the receiver's state, or a TypeError. */
  static _box(t: unknown): Box {
    if (typeof t !== "object" || t === null || !(#b in t)) {
      throw new TypeError("TokenBucket method called on an object that is not a TokenBucket");
    }
    return (t as TokenBucket).#b;
  }

  /** Takes `tokens` (default 1) now if they are there and nobody waits. */
  tryAcquire(tokens?: number): boolean {
    const b = TokenBucket._box(this);
    guard();
    const r = W.tb_try(key(this, b), count(tokens, "TokenBucket.tryAcquire"), now());
    if (r === -1) throw failure();
    return r === 1;
  }

  /** go-go-scope 2.x: `tryAcquire`, as a promise. */
  tryConsume(tokens?: number): Promise<boolean> {
    return Promise.resolve(this.tryAcquire(tokens));
  }

  /**
   * Waits (FIFO) until `tokens` (default 1) are taken. With `{ signal,
   * timeout }`: rejects with the signal's reason, or `Error("timeout after
   * <N>ms")`. With a function (2.x's form), runs it once they are taken.
   */
  acquire(tokens?: number, options?: unknown): Promise<unknown> {
    const b = TokenBucket._box(this);
    const n = count(tokens, "TokenBucket.acquire");
    if (typeof options === "function") return wait(this, b, n, 0, undefined).then(() => options());
    const o = optionsObject(options, "TokenBucket.acquire");
    const t = o === undefined ? undefined : optionalNumber(o, "timeout", "TokenBucket.acquire");
    return wait(this, b, n, t ?? 0, o?.signal);
  }

  /** Tokens there now (0 once the bucket ended). */
  get tokens(): number {
    const b = TokenBucket._box(this);
    guard();
    return Math.max(0, W.tb_tokens(key(this, b), now(), 0));
  }

  get capacity(): number {
    return TokenBucket._box(this).capacity;
  }

  get refillRate(): number {
    return TokenBucket._box(this).refillRate;
  }

  /** Acquires waiting. */
  get waiting(): number {
    const b = TokenBucket._box(this);
    return b.k === -1 ? 0 : W.tb_tokens(b.k, 0, 1);
  }

  /** go-go-scope 2.x: `tokens`, as a promise. */
  getTokens(): Promise<number> {
    return Promise.resolve(this.tokens);
  }

  /** go-go-scope 2.x: `{ tokens, capacity, refillRate }`, as a promise. */
  getState(): Promise<{ tokens: number; capacity: number; refillRate: number }> {
    const b = TokenBucket._box(this);
    return Promise.resolve({ tokens: this.tokens, capacity: b.capacity, refillRate: b.refillRate });
  }

  /** Fills the bucket; waiters are granted what they can be. */
  reset(): Promise<void> {
    const b = TokenBucket._box(this);
    guard();
    W.tb_reset(key(this, b), now());
    run();
    return Promise.resolve();
  }

  /** Ends the bucket: waiters reject with `Error("token bucket disposed")`, and so do later acquires. */
  [Symbol.dispose](): void {
    const b = TokenBucket._box(this);
    guard();
    W.tb_dispose(key(this, b));
    run();
  }

  [Symbol.asyncDispose](): Promise<void> {
    this[Symbol.dispose]();
    return Promise.resolve();
  }
}

/** `s.tokenBucket(options)`: a bucket that ends with scope `k`. */
export function tokenBucket(k: number, options: TokenBucketOptionsIn): TokenBucket {
  scopeKey = k;
  try {
    return new TokenBucket(options);
  } finally {
    scopeKey = -1;
  }
}

/** A `tokens` argument: 1 when absent, else a number (its range is the machine's). */
function count(v: unknown, what: string): number {
  if (v === undefined) return 1;
  if (typeof v !== "number") throw mustBe(`${what}: tokens`, "a number", v);
  return v;
}

/** The machine's record (made now for a bucket without a scope: its first use). */
function key(t: TokenBucket, b: Box): number {
  return b.k === -1 ? make(t, b, -1) : b.k;
}

/** The record of `b` under scope `s` (-1: none); `s` -2 only checks the options. */
function make(t: TokenBucket, b: Box, s: number): number {
  const k = W.tb_new(s, b.capacity, b.refillRate, b.init ?? 0, b.init !== undefined, b.born);
  if (k === -1) throw failure(); // refused options, or a disposed scope
  if (s !== -2) {
    b.k = k;
    B.set(k, b);
    registry?.register(t, k, b);
  }
  return k;
}

/** The end's reason, made on first use, then the same object each time. */
function reasonFor(b: Box): unknown {
  return keptReason(b, "token bucket");
}

/** A waiting acquire: resolves once the tokens are taken. */
function wait(t: TokenBucket, b: Box, n: number, timeout: number, signal: unknown): Promise<void> {
  guard();
  let l = -1;
  if (signal !== undefined && signal !== null) l = link(signal as AbortSignal, checkSignal(signal, "TokenBucket.acquire: options.signal"));
  const r = W.tb_acquire(key(t, b), n, timeout, l, now());
  if (r === -1) {
    const e = failure();
    run(); // the link nobody came to use is unlinked
    throw e;
  }
  if (r === -2) {
    run();
    return Promise.resolve();
  }
  if (r === -3) return Promise.reject(reasonFor(b));
  return new Promise<void>((res, rej) => {
    D.set(r, [res, rej, b, t]);
    run(); // its timers, or (an aborted signal) its end
  });
}

on(80 /* BucketDone */, (w, r) => {
  const e = D.take(w);
  if (e === undefined) return;
  if (r === -1) e[0]();
  else e[1](r === -2 ? reasonFor(e[2]) : reasonOf(r));
});

on(81 /* BucketEnd */, (k, r) => {
  const b = B.take(k);
  if (b === undefined) return;
  keepReason(b, r);
  registry?.unregister(b);
});
