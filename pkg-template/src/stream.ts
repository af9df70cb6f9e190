// Streams: `stream()` and `s.stream()`, an async generator over an
// AsyncIterable or a ReadableStream's reader. The race between the abort and
// the next item, and who cleans the source up, are the machine's
// (src/machine/stream.rs); here are the source's objects and the calls of
// its methods (inside try).
import { Table, W, guard, idx, on, run } from "./wasm";
import { checkSignal, link, reasonOf } from "./signal";
import { isObjectLike, thenOf, typeName } from "./errors";
import { Scope } from "./scope";

/** What an iterated stream keeps in JS. */
interface Src {
  /** The async iterator and its `next` (read once, as `for await` does), or the reader. */
  it: object | undefined;
  next: (() => unknown) | undefined;
  reader: object | undefined;
  /** The pending `next()`'s promise functions. */
  res: ((r: IteratorResult<unknown>) => void) | undefined;
  rej: ((e: unknown) => void) | undefined;
  /** What the source's `return()` gave at the close, for the generator to await. */
  out: unknown;
}

/** Iterated streams by slot index. */
const ST = new Table<Src>();

const DONE: IteratorResult<unknown> = Object.freeze({ done: true, value: undefined }) as IteratorResult<unknown>;

function method(o: object, name: PropertyKey): ((...a: unknown[]) => unknown) | undefined {
  const f = (o as Record<PropertyKey, unknown>)[name];
  return typeof f === "function" ? (f as (...a: unknown[]) => unknown) : undefined;
}

/** Bad input throws at the call, not at the first `next()`. */
function checkSource(source: unknown): void {
  if (isObjectLike(source) && (method(source, Symbol.asyncIterator) !== undefined || method(source, "getReader") !== undefined)) return;
  throw new TypeError(`stream: source must be an AsyncIterable or a ReadableStream, got ${typeName(source)}`);
}

/** Swallows a rejection nobody awaits. */
function quiet(v: unknown): void {
  try {
    thenOf(v)?.call(v, undefined, () => {});
  } catch {
    // nothing awaits it
  }
}

/** The first `next()`: the source's iterator (or reader), then the machine's record. */
function open(source: object, signal: AbortSignal | undefined, scope: Scope | undefined): [number, Src] {
  const e: Src = { it: undefined, next: undefined, reader: undefined, res: undefined, rej: undefined, out: undefined };
  const f = method(source, Symbol.asyncIterator);
  if (f !== undefined) {
    const it = f.call(source);
    if (!isObjectLike(it)) throw new TypeError("stream: source[Symbol.asyncIterator]() must return an object");
    const next = method(it, "next");
    if (next === undefined) throw new TypeError("stream: the source's iterator has no next() method");
    e.it = it;
    e.next = next;
  } else {
    const g = method(source, "getReader");
    if (g === undefined) throw new TypeError("stream: source must be an AsyncIterable or a ReadableStream");
    const reader = g.call(source);
    if (!isObjectLike(reader)) throw new TypeError("stream: source.getReader() must return an object");
    e.reader = reader;
  }
  let k: number;
  if (scope !== undefined) {
    k = W.stream_open(Scope.key(scope), -1);
    if (k === -2) {
      // The scope finished disposing: use its (aborted) signal.
      const sig = scope.signal;
      k = W.stream_open(-1, link(sig, checkSignal(sig, "stream: signal")));
    }
  } else {
    k = W.stream_open(-1, signal === undefined ? -1 : link(signal, checkSignal(signal, "stream: signal")));
  }
  ST.set(k, e);
  run(); // a stream born aborted cleans its source up now
  return [k, e];
}

/** The source's next `{ done, value }`, or a rejection with the abort reason as soon as it aborts. */
function step(k: number, e: Src): Promise<IteratorResult<unknown>> {
  guard();
  const serial = W.stream_next(k);
  if (serial === -1) return Promise.resolve(DONE);
  if (serial === -2) return Promise.reject(reasonOf(W.stream_reason(k)));
  return new Promise<IteratorResult<unknown>>((res, rej) => {
    // Registered before the source runs: an abort from inside it rejects at once.
    e.res = res;
    e.rej = rej;
    const answer = (ok: boolean, v: unknown) => {
      if (!W.stream_item(k, serial)) return; // abandoned: the abort won
      const settle = ok ? e.res! : e.rej!;
      e.res = e.rej = undefined;
      settle(v as IteratorResult<unknown>);
    };
    let item: unknown;
    try {
      if (e.reader !== undefined) {
        const read = method(e.reader, "read");
        if (read === undefined) throw new TypeError("stream: the reader has no read() method");
        item = read.call(e.reader);
      } else {
        item = e.next!.call(e.it);
      }
    } catch (err) {
      return answer(false, err);
    }
    try {
      const then = thenOf(item);
      if (then !== undefined) {
        then.call(
          item,
          (v: unknown) => answer(true, v),
          (x: unknown) => answer(false, x),
        );
        return;
      }
    } catch (err) {
      return answer(false, err);
    }
    answer(true, item);
  });
}

async function* iterate(source: object, signal: AbortSignal | undefined, scope: Scope | undefined): AsyncGenerator<unknown> {
  const [k, e] = open(source, signal, scope); // a failed open leaves nothing to close
  try {
    for (;;) {
      const r = await step(k, e);
      if (r.done) return;
      yield r.value;
    }
  } finally {
    W.stream_close(k);
    run();
    const out = e.out;
    e.out = undefined;
    await out; // as 1.0 awaits the source's return()
  }
}

/** Iterates `source`; throws the abort reason as soon as `signal` aborts. */
export function stream(source: unknown, signal?: AbortSignal): AsyncGenerator<unknown> {
  guard();
  const sig = signal === null ? undefined : signal;
  if (sig !== undefined) checkSignal(sig, "stream: signal");
  checkSource(source);
  return iterate(source as object, sig, undefined);
}

declare module "./scope" {
  interface Scope<Services extends Record<string, unknown> = Record<string, never>> {
    /** Iterates `source` with this scope's cancellation. */
    stream(source: unknown): AsyncGenerator<unknown>;
  }
}

Scope.prototype.stream = function (this: Scope, source: unknown): AsyncGenerator<unknown> {
  if (!(this instanceof Scope)) throw new TypeError("Scope method called on an object that is not a Scope");
  guard();
  checkSource(source);
  return iterate(source as object, undefined, this);
};

/** Cleans the source up: `return()`, or the reader's `cancel(reason)` + `releaseLock()`. */
function cleanup(e: Src, reason: unknown): unknown {
  let out: unknown;
  if (e.reader !== undefined) {
    const reader = e.reader;
    try {
      const cancel = method(reader, "cancel");
      if (cancel !== undefined) quiet(cancel.call(reader, reason));
    } catch {
      // the reader's own failure; its lock is still released below
    }
    try {
      method(reader, "releaseLock")?.call(reader);
    } catch {
      // nothing more to do
    }
    return undefined;
  }
  try {
    const ret = method(e.it!, "return");
    if (ret !== undefined) out = ret.call(e.it);
  } catch (err) {
    out = Promise.reject(err);
  }
  return out;
}

on(32 /* StreamAbandon */, (k, r) => {
  const e = ST.get(k);
  if (e === undefined) return;
  const res = e.res;
  const rej = e.rej;
  e.res = e.rej = undefined;
  if (r === -1) res?.(DONE);
  else rej?.(reasonOf(r));
});

on(33 /* StreamCleanup */, (k, r) => {
  const e = ST.get(k);
  if (e === undefined) return;
  if (r === -1) e.out = cleanup(e, undefined);
  else quiet(cleanup(e, reasonOf(r))); // nothing awaits an abort's cleanup
});

on(34 /* StreamEnd */, (k) => {
  ST.take(k);
});
