// Channels: the `Channel` class and `s.channel()`. The buffer order, the
// wait queues, who is woken and what each call resolves to are the
// machine's (src/machine/channel.rs); here are the values and the promises,
// in arrays indexed by the slots the machine hands out. A send or a receive
// is one call whose answer says what to do (no effect to apply).
//
// Send and receive skip the stack guard: their machine call allocates and
// calls nothing (src/machine/channel.rs invariant #5), so a stack overflow
// can only strike at its entry, before any change. When the machine needs
// room it says so (-3) having changed nothing, and the room is made behind
// the guard.
import { W, after, failure, guard, idx, on, reach, run } from "./wasm";
import { checkSignal, keepReason, keptReason, link } from "./signal";
import { Scope } from "./scope";
import { mustBe, oneOf, optionalFunction, optionsObject } from "./errors";

// Answers name a slot as `slot * 8 + kind` (machine `channel::ret`,
// `channel::drained`): small integers, which the engine keeps unboxed.

/** Values by slot: a buffered value, or a waiting sender's. */
const V: unknown[] = [];
/** Resolvers of waiting senders and receivers, by slot. */
const F: (((v: unknown) => void) | undefined)[] = [];
/** Rejecters of waiting senders, by slot. */
const J: (((e: unknown) => void) | undefined)[] = [];

/** A channel's JS state, by channel index while the machine has it. */
interface Box {
  /** The machine's key; -1 until first used (a `new Channel(capacity)` without signal). */
  k: number;
  cap: number;
  /** The backpressure strategy's number (machine `Backpressure`; index in STRATEGIES). */
  m: number;
  /** `onDrop`, if given. */
  d: ((v: unknown) => void) | undefined;
  /** The abort reason is known (kept for later sends). */
  aborted: boolean;
  reason: unknown;
}
const CH: (Box | undefined)[] = [];

/** The slot a promise being made waits in: its executor stores its resolvers there (no closure per promise). */
let waiting = 0;
function waitSend(res: (ok: boolean) => void, rej: (e: unknown) => void): void {
  if (waiting > J.length) reach(J, waiting);
  if (waiting > F.length) reach(F, waiting);
  F[waiting] = res as (v: unknown) => void;
  J[waiting] = rej;
}
function waitRecv(res: (v: unknown) => void): void {
  if (waiting > F.length) reach(F, waiting);
  F[waiting] = res;
}

/**
 * What every send that did not wait resolves to: one settled promise,
 * shared (a send allocates no promise of its own; awaiting it costs the
 * same turn as a fresh one). Made when the module loads, outside any
 * request of a server runtime (workerd ties a promise to the request that
 * made it).
 */
const sent: Promise<boolean> = Promise.resolve(true);

/** What an iteration step gets once the channel is closed and drained. */
const DONE = {};

/** Set by `s.channel()` for the constructor it calls: the scope's key, and its options argument. */
let making = -1;
let makingOptions: unknown;

/** go-go-scope 2.x's backpressure strategies, by the machine's number (`Backpressure`). */
const STRATEGIES = ["block", "drop-oldest", "drop-latest", "error"] as const;

/**
 * Reads `s.channel(capacity?, options?)`, `s.channel(options)` and `new
 * Channel(capacityOrOptions?, signal?)` into `b` (its capacity, strategy
 * number and onDrop): each option read once, in order (capacity,
 * backpressure, onDrop); a throwing getter throws from the call before
 * anything is made. A positional capacity wins over `options.capacity`.
 */
function parse(b: Box, capacity: unknown, options: unknown): void {
  let o: Record<string, unknown> | undefined;
  if (typeof capacity === "object" && capacity !== null) {
    o = capacity as Record<string, unknown>; // 2.x's `{ capacity, backpressure, onDrop }`
    capacity = o.capacity;
  } else {
    o = optionsObject(options, "channel");
    if ((capacity === undefined || capacity === null) && o !== undefined) capacity = o.capacity;
  }
  if (capacity !== undefined && capacity !== null) {
    if (typeof capacity !== "number") throw mustBe("channel: capacity", "a number", capacity);
    b.cap = capacity;
  }
  if (o === undefined) return;
  const bp = o.backpressure;
  if (bp !== undefined && bp !== null) b.m = oneOf("channel: backpressure", STRATEGIES, bp);
  b.d = optionalFunction(o.onDrop, "channel: onDrop") as Box["d"];
}

/**
 * Thrown (as a rejection) by `send` on a channel with `backpressure:
 * "error"` whose buffer is full and nobody is receiving (go-go-scope 2.x's
 * class, name and message).
 */
export class ChannelFullError extends Error {
  // Quoted: the build mangles `_x` property names, and 2.x users read this one.
  readonly "_tag" = "ChannelFullError" as const;
  constructor(message = "Channel buffer is full") {
    super(message);
    this.name = "ChannelFullError";
  }
}

/** Standalone channels end when collected (a scope's end with the scope). */
const registry =
  typeof FinalizationRegistry === "function"
    ? new FinalizationRegistry<number>((k) => {
        W.chan_collected(k);
        run();
      })
    : undefined;

const NOT_A_CHANNEL = "Channel method called on an object that is not a Channel";

/** A Go-style channel with backpressure: `s.channel(capacity)` or `new Channel(capacity, signal?)`. */
export class Channel<T = unknown> implements AsyncIterable<T>, AsyncDisposable {
  #b: Box;

  constructor(capacity?: number | ChannelOptions<T>, signal?: AbortSignal) {
    const scope = making;
    const options = makingOptions;
    making = -1;
    makingOptions = undefined;
    guard();
    const b: Box = { k: -1, cap: 0, m: 0, d: undefined, aborted: false, reason: undefined };
    parse(b, capacity, options);
    const cap = b.cap;
    let l = -1;
    if (scope === -1 && signal !== undefined && signal !== null) l = link(signal, checkSignal(signal, "channel: signal"));
    if (scope === -1 && l === -1) {
      // Made on first use: one that is never used leaves nothing behind.
      if (W.chan_valid(cap) === 0) throw failure();
      this.#b = b;
      return;
    }
    const k = W.chan_new(scope, l, cap, b.m);
    if (k === -1) {
      run(); // the link nobody came to use is unlinked
      throw failure();
    }
    b.k = k;
    this.#b = b;
    const ci = idx(k);
    if (ci > CH.length) reach(CH, ci);
    CH[ci] = b;
    if (scope === -1) registry?.register(this, k, b);
    run();
  }

  /** @internal the receiver's state, or a TypeError. */
  static _box(c: unknown): Box {
    try {
      return (c as Channel).#b; // the private field is the brand
    } catch {
      throw new TypeError(NOT_A_CHANNEL);
    }
  }

  /**
   * Resolves `true` once `value` is delivered or buffered, `false` if the
   * channel was already closed; a sender still waiting when it closes is
   * rejected with `Error("channel closed")`, and after an abort every send
   * rejects with the reason. A full buffer with nobody receiving waits
   * (`block`), evicts the oldest value (`drop-oldest`), drops this one
   * (`drop-latest`: both resolve `true` and hand the dropped value to
   * `onDrop`) or rejects with `ChannelFullError` (`error`).
   */
  send(value: T): Promise<boolean> {
    // `_box` inlined (send and receive are the hot calls).
    let b: Box;
    try {
      b = this.#b;
    } catch {
      throw new TypeError(NOT_A_CHANNEL);
    }
    let r = W.chan_send(b.k === -1 ? make(this, b) : b.k);
    if (r === -3) r = grow(b, 0, 0);
    if (r >= 0) {
      const kind = r % 8;
      const i = (r - kind) / 8;
      if (kind === 0) {
        // Buffered.
        if (i > V.length) reach(V, i);
        V[i] = value;
        return sent;
      }
      if (kind === 1) {
        // Handed to a waiting receiver.
        const f = F[i];
        F[i] = undefined;
        f?.(value);
        return sent;
      }
      if (kind === 4) return evicted(b, i, value);
      // Waiting for room (or a receiver).
      if (i > V.length) reach(V, i);
      V[i] = value;
      waiting = i;
      return new Promise<boolean>(waitSend);
    }
    return refused(b, r, value);
  }

  /** The next value; `undefined` once closed and drained, or aborted. */
  receive(): Promise<T | undefined> {
    let b: Box;
    try {
      b = this.#b;
    } catch {
      throw new TypeError(NOT_A_CHANNEL);
    }
    return recv(this, b, 0) as Promise<T | undefined>;
  }

  /** Closes; buffered values stay receivable, waiting sends reject. Idempotent. */
  close(): void {
    const b = Channel._box(this);
    guard();
    W.chan_close(b.k === -1 ? make(this, b) : b.k);
    drain(b);
  }

  get isClosed(): boolean {
    const k = Channel._box(this).k;
    return k !== -1 && W.chan_is_closed(k) !== 0;
  }

  /** Buffered values. */
  get size(): number {
    return W.chan_size(Channel._box(this).k);
  }

  /** The capacity (`Infinity`: no limit). */
  get cap(): number {
    return Channel._box(this).cap;
  }

  /** The backpressure strategy (`"block"` unless given). */
  get strategy(): BackpressureStrategy {
    return STRATEGIES[Channel._box(this).m] ?? "block";
  }

  /** `for await (const v of ch)`: receives until closed and drained (or aborted). */
  [Symbol.asyncIterator](): AsyncIterator<T> {
    const b = Channel._box(this);
    return iterate(this as Channel<unknown>, b) as AsyncIterator<T>;
  }

  /** Closes and rejects pending sends with `Error("channel disposed")`; drops buffered values. */
  [Symbol.asyncDispose](): Promise<void> {
    const b = Channel._box(this);
    guard();
    W.chan_dispose(b.k === -1 ? make(this, b) : b.k);
    run();
    return Promise.resolve();
  }
}

/** The machine's record of a channel made without one (its first use). */
function make(ch: Channel<unknown>, b: Box): number {
  guard();
  const k = W.chan_new(-1, -1, b.cap, b.m);
  if (k === -1) throw failure(); // (not reached: the capacity was checked)
  b.k = k;
  const ci = idx(k);
  if (ci > CH.length) reach(CH, ci);
  CH[ci] = b;
  registry?.register(ch, k, b);
  return k;
}

// The rare paths of send and receive, out of line: the hot ones stay small
// (cheaper to run unoptimized, to optimize, and to inline).

/** The machine needs room (-3): made behind the guard, then the same call again (`recv` 1: a receive). */
function grow(b: Box, recv: number, iter: number): number {
  guard();
  W.chan_reserve(b.k);
  return recv === 1 ? W.chan_recv(b.k, iter) : W.chan_send(b.k);
}

/**
 * A send not buffered nor handed: the channel was closed (-2: `false`), its
 * backpressure dropped the value (-4: `onDrop`, `true`) or refused it (-5:
 * `ChannelFullError`), or it aborted (its reason).
 */
function refused(b: Box, r: number, value: unknown): Promise<boolean> {
  if (r === -2) return Promise.resolve(false);
  if (r === -4) return dropped(b, value);
  return Promise.reject(r === -5 ? new ChannelFullError() : reasonFor(b));
}

/** `drop-oldest` (kind 4): the slot's value was evicted, the new one takes its place. */
function evicted(b: Box, i: number, value: unknown): Promise<boolean> {
  const old = V[i];
  V[i] = value;
  return dropped(b, old);
}

/** A value dropped by the backpressure goes to `onDrop`; what it throws is ignored (as `onRetry`'s), the channel goes on. */
function dropped(b: Box, v: unknown): Promise<boolean> {
  const d = b.d;
  if (d !== undefined) {
    try {
      d(v);
    } catch {
      // ignored
    }
  }
  return Promise.resolve(true);
}

/** A receive; `iter` 1 for a `for await` step (ends with DONE rather than `undefined`). */
function recv(ch: Channel<unknown>, b: Box, iter: number): Promise<unknown> {
  let r = W.chan_recv(b.k === -1 ? make(ch, b) : b.k, iter);
  if (r === -3) r = grow(b, 1, iter);
  return took(b, r, iter);
}

/** What a receive answered (`chan_recv`, or `chan_try` for a select's case). */
function took(b: Box, r: number, iter: number): Promise<unknown> {
  if (r >= 0) {
    const kind = r % 8;
    const i = (r - kind) / 8;
    if (kind === 3) {
      // Waiting for a value.
      waiting = i;
      return new Promise(waitRecv);
    }
    const v = V[i];
    V[i] = undefined;
    if (kind !== 0) {
      // 2: straight from a waiting sender (its slot); 1: a buffered value,
      // and the sender `chan_woken` names moved its value into the buffer
      // (only for slots too large to pack, below).
      const u = kind === 2 ? i : W.chan_woken();
      const f = F[u];
      F[u] = J[u] = undefined;
      f?.(true);
    }
    return Promise.resolve(v);
  }
  if (r <= -8) {
    // A buffered value, and the oldest waiting sender's value took its
    // place: both slots in the answer, -(8 + slot + sender * 8192).
    const x = -r - 8;
    const i = x % 8192;
    const u = (x - i) / 8192;
    const v = V[i];
    V[i] = undefined;
    const f = F[u];
    F[u] = J[u] = undefined;
    f?.(true);
    return Promise.resolve(v);
  }
  return Promise.resolve(iter === 1 ? DONE : undefined);
}

// The channel is an argument so that it stays alive while iterated.
async function* iterate(ch: Channel<unknown>, b: Box): AsyncGenerator<unknown, void, undefined> {
  for (;;) {
    const v = await recv(ch, b, 1);
    if (v === DONE) return;
    yield v;
  }
}

/** The abort reason, asked once and kept, made when first observed (signal.ts `keptReason`). */
function reasonFor(b: Box): unknown {
  keep(b);
  return keptReason(b, "channel");
}

/** Keeps the abort reason before the machine forgets it. */
function keep(b: Box): void {
  if (!b.aborted) keepReason(b, W.chan_reason(b.k));
}

/** Carries out the wake-ups of a close or an abort, one slot at a time. */
function drain(b: Box): void {
  for (;;) {
    const r = W.chan_drain(b.k);
    if (r < 0) {
      if (r === -2) end(b);
      return;
    }
    const kind = r % 8;
    const i = (r - kind) / 8;
    const f = F[i];
    const j = J[i];
    V[i] = F[i] = J[i] = undefined;
    // (A resolver is missing only if a stack overflow struck right after
    // the machine answered the call that made it.)
    if (kind === 1) j?.(new Error("channel closed"));
    else if (kind === 2) j?.(reasonFor(b));
    else if (kind === 3) f?.(undefined);
    else if (kind === 4) f?.(DONE);
    else if (kind === 5) f?.(false); // a select's send case on a closed channel
  }
}

/** The machine ended the channel: its key is stale now. */
function end(b: Box): void {
  const i = idx(b.k);
  if (CH[i] === b) CH[i] = undefined;
  registry?.unregister(b);
  after(); // the reason it held may be freed
}

// A select's cases (select.ts): the same slots and answers as send and
// receive, with the select's resolvers in F and J.

/**
 * Tries a select's case on `ch` (`send` 1: a send of `value`): the
 * outcome of the send (`true`/`false`, or a rejection) or the receive if it
 * goes now, else `undefined` (it would wait; nothing changed).
 */
export function tryCase(ch: Channel<unknown>, send: number, value: unknown): Promise<unknown> | undefined {
  const b = Channel._box(ch);
  const k = b.k === -1 ? make(ch, b) : b.k;
  let r = W.chan_try(k, send);
  if (r === -3) {
    guard();
    W.chan_reserve(k);
    r = W.chan_try(k, send);
  }
  if (r === -6) return undefined;
  if (send === 0) return took(b, r, 0);
  if (r < 0) return refused(b, r, value);
  const kind = r % 8;
  const i = (r - kind) / 8;
  if (kind === 1) {
    const f = F[i];
    F[i] = undefined;
    f?.(value);
    return Promise.resolve(true);
  }
  if (kind === 4) return evicted(b, i, value);
  if (i > V.length) reach(V, i);
  V[i] = value;
  return Promise.resolve(true);
}

/**
 * Queues a waiting select's case on `ch` (tried before): its slot, whose
 * resolvers are `res` (the value received, or the send's `true`/`false`)
 * and `rej` (the channel's abort reason); -6 if it is ready after all, -1
 * if the select is over.
 */
export function waitCase(g: number, ch: Channel<unknown>, send: number, value: unknown, res: (v: unknown) => void, rej: (e: unknown) => void): number {
  const r = W.sel_wait(g, Channel._box(ch).k, send);
  if (r < 0) return r;
  const i = (r - (r % 8)) / 8;
  if (i > F.length) reach(F, i);
  if (i > J.length) reach(J, i);
  if (send === 1) {
    if (i > V.length) reach(V, i);
    V[i] = value;
  }
  F[i] = res;
  J[i] = rej;
  return i;
}

/** A slot a select left behind (`sel_forget`): forget its value and resolvers. */
export function forgetSlot(i: number): void {
  V[i] = F[i] = J[i] = undefined;
}

on(20 /* ChanAborted */, (k) => {
  const b = CH[idx(k)];
  if (b === undefined || b.k !== k) return;
  keep(b);
  drain(b);
});

/** What a send does when the buffer is full and nobody is receiving. */
export type BackpressureStrategy = (typeof STRATEGIES)[number];

/** go-go-scope 2.x's channel options. */
export interface ChannelOptions<T> {
  capacity?: number;
  backpressure?: BackpressureStrategy;
  onDrop?: (value: T) => void;
}

declare module "./scope" {
  interface Scope<Services extends Record<string, unknown> = Record<string, never>> {
    /** A channel owned by the scope: aborted with it, disposed with it. */
    channel<T = unknown>(capacity?: number, options?: ChannelOptions<T>): Channel<T>;
    channel<T = unknown>(options: ChannelOptions<T>): Channel<T>;
  }
}

Scope.prototype.channel = function <T>(this: Scope, capacity?: number | ChannelOptions<T>, options?: ChannelOptions<T>): Channel<T> {
  if (!(this instanceof Scope)) throw new TypeError("Scope method called on an object that is not a Scope");
  const k = Scope.key(this);
  making = k;
  makingOptions = options;
  return new Channel<T>(capacity);
};
