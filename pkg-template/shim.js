// The public JS surface of go-go-scope-wasm.
//
// Thin on purpose: every behaviour lives in Rust (src/). This file gives the
// Rust functions their public shape: the Scope and Task classes (plain
// objects holding an id, so no per-task wasm object waits for a
// FinalizationRegistry), Symbol-keyed methods, and argument shapes.
import * as wasm from "./go_go_scope_wasm.js";
import createDebug from "debug";

// Older runtimes: the well-known symbols TypeScript's `using` lowering uses.
if (typeof Symbol.dispose !== "symbol") {
  Object.defineProperty(Symbol, "dispose", { value: Symbol.for("Symbol.dispose") });
}
if (typeof Symbol.asyncDispose !== "symbol") {
  Object.defineProperty(Symbol, "asyncDispose", { value: Symbol.for("Symbol.asyncDispose") });
}

// Debug output: the `debug` loggers whose namespace is enabled are handed to
// Rust once (on first use, after the wasm is ready); a disabled namespace
// costs nothing per call.
let debugSynced = false;
function syncDebug() {
  if (debugSynced) return;
  debugSynced = true;
  const s = createDebug("go-go-scope:scope");
  const t = createDebug("go-go-scope:task");
  wasm.__setDebug(s.enabled ? s : undefined, t.enabled ? t : undefined);
}

export const { SpanStatusCode, AsyncDisposableResource, Channel, Semaphore } = wasm;

AsyncDisposableResource.prototype[Symbol.asyncDispose] = function () {
  return this.dispose();
};
Semaphore.prototype[Symbol.asyncDispose] = function () {
  return this.dispose();
};
Channel.prototype[Symbol.asyncDispose] = function () {
  return this.dispose();
};
let channelDone; // the "closed and drained" sentinel, fetched once the wasm is ready
Channel.prototype[Symbol.asyncIterator] = async function* () {
  channelDone ??= wasm.__channelDone();
  for (;;) {
    const value = await this.__next();
    if (value === channelDone) return;
    yield value;
  }
};

/** The `{ signal, services }` argument a task function receives. */
class TaskContext {
  constructor(task, scopeId) {
    this._t = task;
    this._s = scopeId;
  }
  get signal() {
    // The current attempt's own signal when attempts have one, else the
    // task's (cached on the Task).
    return wasm.__attemptSignal(this._t._id) ?? this._t.signal;
  }
  get services() {
    return wasm.__scopeServices(this._s);
  }
}

/** A running unit of work: awaitable (gives a Result tuple) and disposable. */
export class Task {
  constructor(id) {
    this._id = id;
    this._r = undefined; // the Result tuple, set by Rust at settle
    this._res = undefined; // resolver of `_p`, called by Rust at settle
    this._p = undefined;
    this._sig = undefined;
  }
  get id() {
    return this._id;
  }
  get signal() {
    return (this._sig ??= wasm.__taskSignal(this._id));
  }
  get isStarted() {
    return wasm.__taskIsStarted(this._id);
  }
  get isSettled() {
    return this._r !== undefined;
  }
  then(onfulfilled, onrejected) {
    const r = this._r;
    if (r !== undefined) return Promise.resolve(r).then(onfulfilled, onrejected);
    let p = this._p;
    if (p === undefined) p = this._p = new Promise((resolve) => (this._res = resolve));
    return p.then(onfulfilled, onrejected);
  }
  [Symbol.dispose]() {
    if (this._r === undefined) wasm.__taskDetach(this._id);
  }
}

/** Owns async work; `await using s = scope()` ends it. */
export class Scope {
  constructor(options) {
    if (!debugSynced) syncDebug();
    const parent = options == null ? undefined : options.parent;
    if (parent != null && !(parent instanceof Scope)) {
      throw new TypeError("scope: options.parent must be a Scope");
    }
    this._sig = undefined;
    this._reason = undefined; // set by Rust if released before `signal` was read
    this._id = wasm.__scopeNew(options, parent == null ? undefined : parent._id, this);
  }
  get signal() {
    return (this._sig ??= wasm.__scopeSignal(this._id, this._reason));
  }
  get isDisposed() {
    return wasm.__scopeIsDisposed(this._id);
  }
  get concurrency() {
    return wasm.__scopeConcurrency(this._id);
  }
  get circuitBreaker() {
    return wasm.__scopeCircuitBreaker(this._id);
  }
  get tracer() {
    return wasm.__scopeTracer(this._id);
  }
  task(fn, options) {
    const id = wasm.__nextTaskId();
    const t = new Task(id);
    wasm.__scopeTask(this._id, id, t, new TaskContext(t, this._id), fn, options);
    return t;
  }
  provide(key, factory, cleanup) {
    wasm.__scopeProvide(this._id, key, factory, cleanup);
    return this;
  }
  use(key) {
    return wasm.__scopeUse(this._id, key);
  }
  channel(capacity) {
    return wasm.__scopeChannel(this._id, capacity);
  }
  race(factories) {
    return wasm.__race(factories, undefined, undefined, this._id);
  }
  parallel(factories, options) {
    return wasm.__parallel(factories, { failFast: options == null ? undefined : options.failFast }, this._id);
  }
  [Symbol.asyncDispose]() {
    return wasm.__scopeDispose(this._id);
  }
}

/** Creates a scope: `await using s = scope({ timeout: 5000 })`. */
export function scope(options) {
  return new Scope(options);
}

/** The first factory to settle decides the Result; the others are aborted. */
export function race(factories, options) {
  if (!debugSynced) syncDebug();
  return wasm.__race(factories, options == null ? undefined : options.signal, options == null ? undefined : options.tracer, undefined);
}

/** Runs every factory (at most `concurrency` at once); Results in input order. */
export function parallel(factories, options) {
  if (!debugSynced) syncDebug();
  return wasm.__parallel(factories, options, undefined);
}

/** Internal: sizes of the live Rust tables [scopes, tasks, tokens, links]. */
export function __liveCounts() {
  return wasm.__liveCounts();
}

/** Internal: bytes of WebAssembly memory (for the memory checks). */
export function __wasmMemoryBytes() {
  return wasm.__wasmMemoryBytes();
}

// ---- poll and stream (issue 5) ---------------------------------------------
// The schedule, timers, no-overlap rule and the stream's abort racing and
// cleanup-once logic live in Rust (src/bindings/poll.rs, stream.rs). Here:
// the controller object, the async generator shape, and Scope methods.

/** Controller of a poll: start(), stop(), status(). Holds the poll's id. */
class PollController {
  constructor() {
    this._id = 0;
    this._dead = undefined; // final status, set by Rust when the poll dies
  }
  start() {
    wasm.__pollStart(this._id);
  }
  stop() {
    wasm.__pollStop(this._id);
  }
  status() {
    return wasm.__pollStatus(this._id) ?? { ...this._dead };
  }
}

function createPoll(fn, onValue, options, scopeSignal, services) {
  const c = new PollController();
  c._id = wasm.__pollNew(c, fn, onValue, options, scopeSignal, services);
  wasm.__pollLaunch(c._id); // starts now when immediate, else stays stopped until start()
  return c;
}

/** Calls `fn` every `interval` ms (no overlap) and hands values to `onValue`. */
export function poll(fn, onValue, options) {
  if (!debugSynced) syncDebug();
  return createPoll(fn, onValue, options, undefined, undefined);
}

async function* streamSteps(source, signal) {
  const id = wasm.__streamOpen(source, signal);
  try {
    for (;;) {
      const r = await wasm.__streamNext(id);
      if (r.done) return;
      yield r.value;
    }
  } finally {
    await wasm.__streamClose(id);
  }
}

/** Iterates `source`; ends at once with the abort reason when `signal` aborts. */
export function stream(source, signal) {
  if (!debugSynced) syncDebug();
  wasm.__streamCheck(source, signal);
  return streamSteps(source, signal);
}

Object.defineProperties(Scope.prototype, {
  poll: {
    value: function poll(fn, onValue, options) {
      return createPoll(fn, onValue, options, this.signal, wasm.__scopeServices(this._id));
    },
    writable: true,
    configurable: true,
  },
  stream: {
    value: function stream(source) {
      wasm.__streamCheck(source, undefined);
      return streamSteps(source, this.signal);
    },
    writable: true,
    configurable: true,
  },
});
/** Internal: live Rust polls and streams [polls, streams]. */
export function __livePollStreamCounts() {
  return wasm.__livePollStreamCounts();
}
// ---- end poll and stream ----------------------------------------------------

/** Internal: JS values held by the wasm side (for the leak checks). */
export function __externrefLive() {
  return wasm.__externrefLive();
}
