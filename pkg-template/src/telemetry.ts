// OpenTelemetry spans and debug lines. What a span or a line says, and
// when, is the machine's (src/machine/telemetry.rs): it sends attribute ids
// and numbers; this file turns them into tracer calls and texts from the
// small tables below, and reads the clock for durations. None of it runs for
// a scope without a tracer and with debug output off: the scope's `_tel`
// stays undefined, and the machine emits nothing for it or its tasks.
//
// - The tracer is duck-typed (`startSpan`, and `setAttributes`, `setStatus`,
//   `recordException`, `end` on spans), every call inside `try`: a throwing
//   tracer never fails the work. The parent context comes from the
//   OpenTelemetry API's global registry if something registered one, so
//   `@opentelemetry/api` is never imported.
// - Debug output uses the `debug` package (an optional peer dependency) only
//   when a go-go-scope namespace is enabled (Node: DEBUG; browsers:
//   localStorage.debug), loading it then; without it, lines go to
//   console.debug as "<namespace> <text>".
import { Table, W, idx, on } from "./wasm";
import { reasonOf } from "./signal";
import { messageOf } from "./errors";
import { T, type Task } from "./task";
import type { Scope } from "./scope";

/** OpenTelemetry span status codes (1.0's `SpanStatusCode`). */
export const SpanStatusCode = Object.freeze({ UNSET: 0, OK: 1, ERROR: 2 } as const);

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Span = any;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyScope = Scope<any>;

/** What JS keeps of a scope or task with telemetry, by its key's slot. */
interface Rec {
  /** The scope (its tracer, name and cleanup errors) or the task's scope. */
  s: AnyScope;
  /** performance.now() when opened: durations. */
  t: number;
  /** Debug label. */
  l: string;
  /** Start attributes, until the span starts. */
  a?: Record<string, unknown>;
  /** The span, once started. */
  p?: Span;
  /** A scope's context: its parent's until its span starts, then with its span (its children's parent). */
  c?: Span;
  /** A task's `otel` option. */
  o?: { name?: string; attributes?: Record<string, unknown> };
}

const TS = new Table<Rec>();
const TT = new Table<Rec>();
let scopes = 0;

/**
 * Scope `k` (just made) has a tracer or a debug namespace is on: keep its
 * record and tell the machine (src/machine/telemetry.rs `flag`). `flags`
 * are `scope_new`'s (2: concurrency given) plus 32 for a `signal` given.
 */
export function scopeOpened(s: AnyScope, parent: AnyScope | undefined, k: number, flags: number): void {
  const r: Rec = { s, t: performance.now(), l: s._name ?? `scope-${++scopes}`, a: {}, c: (parent?._tel as Rec | undefined)?.c };
  TS.set(k, r);
  s._tel = r;
  const p = parent === undefined ? 0 : 24; // a parent is also a parent signal
  const debug = debugOn() ? lines : 0;
  W.tel_scope(k, (s._tracer === undefined ? 0 : 1) | debug | (flags & 32 ? 8 : 0) | p | (flags & 2 ? 32 : 0));
}

/** Scope `k`'s disposal ended: its last telemetry effect is applied. */
export function scopeClosed(k: number): void {
  TS.take(k);
}

/** Task `k` of a scope with telemetry was spawned (before its effects run). */
export function taskOpened(t: Task, k: number, otel: unknown): void {
  TT.set(k, { s: t._scope, t: performance.now(), l: `task-${t.id}`, a: {}, o: otel as Rec["o"] });
}

/** Task `k` settled: its last telemetry effect is applied. */
export function taskSettled(k: number): void {
  TT.take(k);
}

// ---- OpenTelemetry ----------------------------------------------------------

const SPAN = Symbol.for("OpenTelemetry Context Key SPAN");

/** A context like the API's ROOT_CONTEXT, for when no API registered a context manager. */
class Ctx {
  constructor(readonly m = new Map<unknown, unknown>()) {}
  getValue(k: unknown): unknown {
    return this.m.get(k);
  }
  setValue(k: unknown, v: unknown): Ctx {
    return new Ctx(new Map(this.m).set(k, v));
  }
  deleteValue(k: unknown): Ctx {
    const m = new Map(this.m);
    m.delete(k);
    return new Ctx(m);
  }
}
let root: Ctx | undefined;

/** The active context of the OpenTelemetry API's global registry, or a root. May throw (user code). */
function active(): Span {
  return (globalThis as Span)[Symbol.for("opentelemetry.js.api.1")]?.context?.active() ?? (root ??= new Ctx());
}

/** Attribute names by the machine's ids; a first character `!` boolean, `~` ms since the span started, `=` the same rounded, `@` error reason, `^` breaker state. */
const ATTRS = (
  "scope.timeout !scope.has_parent_signal !scope.has_parent_scope scope.concurrency ~scope.duration_ms " +
  "task.index !task.has_retry !task.has_timeout !task.has_circuit_breaker task.scope_concurrency task.timeout_ms " +
  "=task.duration_ms task.retry_attempts @task.error_reason task.retry.max_retries !task.retry.has_delay " +
  "!task.retry.has_condition task.retry.succeeded_after task.retry.attempts_made !task.retry.max_retries_exceeded " +
  "!task.retry.condition_rejected ^task.circuit_breaker.state task.circuit_breaker.failure_count " +
  "!task.circuit_breaker.rejected task.concurrency.available_before task.concurrency.waiting_before"
).split(" ");
const REASONS = ["timeout", "circuit_breaker_open", "aborted", "exception"];
const STATES = ["closed", "open", "half-open"];

function call(r: Rec, method: string, arg?: unknown): void {
  try {
    r.p[method](arg);
  } catch {
    // No span (no `startSpan`, or it threw) or a span method threw.
  }
}

function exception(r: Rec, e: unknown): void {
  try {
    r.p.recordException(e instanceof Error ? e : new Error(String(e)));
  } catch {
    // as in `call`
  }
}

function attr(r: Rec | undefined, id: number, v: number): void {
  if (r === undefined) return;
  let n = ATTRS[id];
  const kind = "!~=@^".indexOf(n[0]);
  if (kind >= 0) n = n.slice(1);
  const ms = performance.now() - r.t;
  const x = [v === 1, ms, Math.round(ms), REASONS[v], STATES[v]][kind] ?? v;
  if (r.a !== undefined) r.a[n] = x;
  else call(r, "setAttributes", { [n]: x });
}

function start(r: Rec, name: string, ctx: Span): void {
  const attributes = r.a;
  r.a = undefined;
  r.p = (r.s._tracer as Span).startSpan(name, { attributes }, ctx);
}

on(50 /* ScopeSpan */, (k) => {
  const r = TS.get(k)!;
  try {
    const ctx = (r.c ??= active());
    start(r, r.s._name ?? "scope", ctx);
    r.c = ctx.setValue(SPAN, r.p);
  } catch {
    r.a = undefined;
  }
});
on(51 /* ScopeAttr */, (k, id, v) => attr(TS.get(k), id, v));
on(52 /* ScopeError */, (k, cause, reason) => {
  const r = TS.get(k)!;
  exception(r, reasonOf(reason));
  call(r, "setStatus", { code: 2, message: cause === 1 ? "timeout" : "aborted by parent" });
});
on(53 /* ScopeEnd */, (k, status) => {
  const r = TS.get(k)!;
  if (status === 2) {
    const errs = r.s._errs ?? [];
    call(r, "setStatus", { code: 2, message: `Disposal errors: ${errs.map(messageOf).join(", ")}` });
    for (const e of errs) exception(r, e);
  } else if (status === 0) call(r, "setStatus", { code: 1 });
  call(r, "end");
});
on(54 /* TaskSpan */, (k, s) => {
  const r = TT.get(k);
  if (r === undefined) return;
  try {
    const o = r.o;
    Object.assign(r.a!, o?.attributes);
    start(r, o?.name ?? "scope.task", TS.get(s)?.c ?? active());
  } catch {
    r.a = undefined;
  }
});
on(55 /* TaskAttr */, (k, id, v) => attr(TT.get(k), id, v));
on(56 /* TaskEnd */, (k, failed) => {
  const r = TT.get(k);
  if (r === undefined) return;
  if (failed === 1) {
    exception(r, T[idx(k)]?._v);
    call(r, "setStatus", { code: 2, message: "task failed" });
  } else call(r, "setStatus", { code: 1 });
  call(r, "end");
});

// ---- debug output -----------------------------------------------------------

const NS = ["go-go-scope:scope", "go-go-scope:task"];

/** The machine's flags for enabled namespaces (2 scope, 4 task); -1 until first asked. */
let lines = -1;
/** Printers by namespace, once decided. */
let print: ((s: string) => void)[] = [];
/** Lines waiting for the `debug` package to load (browsers). */
let waiting: [number, string][] | undefined;

/** Whether a go-go-scope debug namespace is enabled (decided once). */
export function debugOn(): boolean {
  if (lines < 0) lines = setup();
  return lines !== 0;
}

/** `debug`'s rule: names split by commas or spaces, `*` any text, a leading `-` excludes. */
function enabled(spec: string, name: string): boolean {
  let yes = false;
  for (const p of spec.split(/[\s,]+/)) {
    const skip = p[0] === "-";
    if (p !== "" && new RegExp(`^${(skip ? p.slice(1) : p).replace(/\*/g, ".*?")}$`).test(name)) {
      if (skip) return false;
      yes = true;
    }
  }
  return yes;
}

declare const module: { require(id: string): unknown } | undefined;
const DEBUG_PACKAGE = "debug";
type Debug = (ns: string) => ((f: string, s: string) => void) & { enabled: boolean };

function use(d: Debug): void {
  print = NS.map((n) => {
    const log = d(n);
    return (s: string) => log("%s", s);
  });
}

function setup(): number {
  const g = globalThis as Span;
  let spec: unknown;
  let node = false;
  try {
    node = g.process?.versions?.node !== undefined;
    spec = node ? g.process.env.DEBUG : g.localStorage?.getItem("debug");
    // Most programs that set DEBUG mean other libraries: decide without loading `debug`.
    if (typeof spec !== "string" || !/go-go-scope|\*/.test(spec)) return 0;
    const on = (enabled(spec, NS[0]) ? 2 : 0) | (enabled(spec, NS[1]) ? 4 : 0);
    if (on === 0) return 0;
    print = NS.map((n) => (s: string) => console.debug(`${n} ${s}`));
    if (node) {
      try {
        // Through `module` and a variable: only Node's CommonJS entry runs
        // this, and no bundler of the ES module entries sees a `require`.
        const d = module!.require(DEBUG_PACKAGE) as Debug;
        use(d);
        return (d(NS[0]).enabled ? 2 : 0) | (d(NS[1]).enabled ? 4 : 0);
      } catch {
        return on; // not installed: console.debug
      }
    }
    waiting = [];
    const flush = () => {
      const w = waiting!;
      waiting = undefined;
      for (const [i, s] of w) print[i](s);
    };
    try {
      // Inside `try`: a bundler that cannot resolve it warns instead of failing.
      import("debug" as string).then((m) => use((m.default ?? m) as Debug)).then(flush, flush);
    } catch {
      flush();
    }
    return on;
  } catch {
    return 0;
  }
}

function line(ns: number, r: Rec | undefined, text: string): void {
  if (r === undefined) return;
  const s = `[${r.l}] ${text}`;
  if (waiting !== undefined) waiting.push([ns, s]);
  else print[ns]?.(s);
}

const yn = (b: number) => (b ? "yes" : "no");
const since = (r: Rec | undefined) => (r === undefined ? 0 : Math.round(performance.now() - r.t));

on(60 /* LineScopeCreated */, (k, t, p) =>
  line(0, TS.get(k), `creating scope (timeout: ${t}, parent signal: ${yn(p & 1)}, concurrency: ${p >= 8 ? Math.floor(p / 8) : "unlimited"}, circuitBreaker: ${yn(p & 2)}, parent: ${yn(p & 4)})`),
);
on(61 /* LineScopeDisposing */, (k, n, c) => line(0, TS.get(k), `disposing scope (running tasks: ${n}, cleanups: ${c})`));
on(62 /* LineScopeDisposed */, (k, e) => line(0, TS.get(k), `scope disposed (duration: ${since(TS.get(k))}ms, errors: ${e})`));
on(63 /* LineScopeTimedOut */, (k, ms) => line(0, TS.get(k), `timeout after ${ms}ms`));
on(64 /* LineScopeAborted */, (k) => line(0, TS.get(k), "aborted by parent signal"));
on(65 /* LineBreaker */, (k, st) => line(0, TS.get(k), `circuit breaker is now ${STATES[st]}`));
on(66 /* LineTaskStarted */, (k, s) => line(1, TT.get(k), `started in [${TS.get(s)?.l}]`));
on(67 /* LineTaskDone */, (k, ok) => line(1, TT.get(k), `${ok ? "completed successfully" : "failed"} in ${since(TT.get(k))}ms`));
on(68 /* LineTaskRetry */, (k, n, ms) => line(1, TT.get(k), `attempt ${n} failed, retrying after ${ms}ms`));
on(69 /* LineTaskTimedOut */, (k, ms) => line(1, TT.get(k), `attempt timed out after ${ms}ms`));
