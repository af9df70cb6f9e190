// Type declarations of go-go-scope-wasm, mirroring go-go-scope 1.0.
// Self-contained: nothing here imports another package, so the types
// resolve whether or not `@opentelemetry/api` is installed.

// ---- OpenTelemetry types -------------------------------------------------
// 1.0 re-exported `Tracer`, `Span`, `SpanOptions` and `Context` from
// `@opentelemetry/api` (a dependency). These are structural copies of the
// API's 1.x interfaces, so a tracer of the real SDK is a `Tracer` here, and
// a `Tracer` here is one to the API.

/** An OpenTelemetry context (immutable key-value store). */
export interface Context {
  getValue(key: symbol): unknown;
  setValue(key: symbol, value: unknown): Context;
  deleteValue(key: symbol): Context;
}

type OtelAttributeValue =
  | string
  | number
  | boolean
  | Array<null | undefined | string>
  | Array<null | undefined | number>
  | Array<null | undefined | boolean>;

interface OtelAttributes {
  [attributeKey: string]: OtelAttributeValue | undefined;
}

type OtelHrTime = [number, number];
type OtelTimeInput = OtelHrTime | number | Date;

type OtelException =
  | { code: string | number; name?: string; message?: string; stack?: string }
  | { code?: string | number; message: string; name?: string; stack?: string }
  | { code?: string | number; message?: string; name: string; stack?: string }
  | string;

interface OtelTraceState {
  set(key: string, value: string): OtelTraceState;
  unset(key: string): OtelTraceState;
  get(key: string): string | undefined;
  serialize(): string;
}

interface OtelSpanContext {
  traceId: string;
  spanId: string;
  isRemote?: boolean;
  traceFlags: number;
  traceState?: OtelTraceState;
}

interface OtelLink {
  context: OtelSpanContext;
  attributes?: OtelAttributes;
  droppedAttributesCount?: number;
}

interface OtelSpanStatus {
  code: SpanStatusCode;
  message?: string;
}

declare enum SpanKind {
  INTERNAL = 0,
  SERVER = 1,
  CLIENT = 2,
  PRODUCER = 3,
  CONSUMER = 4,
}

/** Options of `Tracer.startSpan`. */
export interface SpanOptions {
  kind?: SpanKind;
  attributes?: OtelAttributes;
  links?: OtelLink[];
  startTime?: OtelTimeInput;
  root?: boolean;
}

/** An OpenTelemetry span. */
export interface Span {
  spanContext(): OtelSpanContext;
  setAttribute(key: string, value: OtelAttributeValue): this;
  setAttributes(attributes: OtelAttributes): this;
  addEvent(name: string, attributesOrStartTime?: OtelAttributes | OtelTimeInput, startTime?: OtelTimeInput): this;
  addLink(link: OtelLink): this;
  addLinks(links: OtelLink[]): this;
  setStatus(status: OtelSpanStatus): this;
  updateName(name: string): this;
  end(endTime?: OtelTimeInput): void;
  isRecording(): boolean;
  recordException(exception: OtelException, time?: OtelTimeInput): void;
}

/** An OpenTelemetry tracer, e.g. `trace.getTracer("my-app")`. */
export interface Tracer {
  startSpan(name: string, options?: SpanOptions, context?: Context): Span;
  startActiveSpan<F extends (span: Span) => unknown>(name: string, fn: F): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(name: string, options: SpanOptions, fn: F): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(
    name: string,
    options: SpanOptions,
    context: Context,
    fn: F,
  ): ReturnType<F>;
}
// ---- end OpenTelemetry types ---------------------------------------------

/** `[undefined, value]` on success, `[error, undefined]` on failure. */
export type Result<E, T> = readonly [E | undefined, T | undefined];
export type Success<T> = readonly [undefined, T];
export type Failure<E> = readonly [E, undefined];

/** OpenTelemetry span status codes. */
export declare enum SpanStatusCode {
  UNSET = 0,
  OK = 1,
  ERROR = 2,
}

export type CircuitState = "closed" | "open" | "half-open";

export interface CircuitBreakerOptions {
  /** Consecutive failures before opening. Default 5. */
  failureThreshold?: number;
  /** Milliseconds before a trial call (half-open). Default 30000; `Infinity`: never. */
  resetTimeout?: number;
}

export interface TaskOptions {
  /** Span name and extra attributes. */
  otel?: {
    name?: string;
    attributes?: Record<string, unknown>;
  };
  /** Retry with backoff. */
  retry?: {
    maxRetries?: number;
    delay?: number | ((attempt: number, error: unknown) => number);
    retryCondition?: (error: unknown) => boolean;
    onRetry?: (error: any, attempt: number) => void;
  };
  /**
   * Per-attempt timeout in ms: the attempt fails with Error("timeout after <N>ms")
   * and its signal aborts. `0` or `Infinity`: none.
   */
  timeout?: number;
  /** Runs at scope disposal (LIFO with the other cleanups). */
  onCleanup?: () => void | Promise<void>;
}

export interface ScopeOptions<ParentServices extends Record<string, unknown> = Record<string, never>> {
  /** The scope aborts itself after this many ms with Error("timeout after <N>ms"). `0` or `Infinity`: none. */
  timeout?: number;
  /** When it aborts, the scope aborts with the same reason. */
  signal?: AbortSignal;
  /** OpenTelemetry tracer. */
  tracer?: Tracer;
  /** Span name (default "scope"). */
  name?: string;
  /**
   * At most this many task functions of the scope run at once: an integer
   * up to 2^32, or `Infinity` (no limit); `0` sets none.
   */
  concurrency?: number;
  /** Every task runs through one breaker with these options. */
  circuitBreaker?: CircuitBreakerOptions;
  /** Inherit signal, services, tracer, concurrency and circuitBreaker. */
  parent?: Scope<ParentServices>;
  /** Initial context values (`getContext`), copied at creation (go-go-scope 2.x). */
  context?: Record<string, unknown>;
}

/** What a task function receives. */
export interface TaskContext<Services> {
  readonly signal: AbortSignal;
  readonly services: Services;
}

/** A unit of work of a scope: awaitable (gives a Result) and disposable. */
export declare class Task<T> implements PromiseLike<T>, Disposable {
  private constructor();
  /** Unique, increasing id. */
  readonly id: number;
  /** Aborts when the scope is cancelled or the task times out. */
  readonly signal: AbortSignal;
  readonly isStarted: boolean;
  readonly isSettled: boolean;
  then<TResult1 = T, TResult2 = never>(
    onfulfilled?: ((value: T) => TResult1 | PromiseLike<TResult1>) | null,
    onrejected?: ((reason: unknown) => TResult2 | PromiseLike<TResult2>) | null,
  ): Promise<TResult1 | TResult2>;
  /** Detaches a pending task from its scope's signal. */
  [Symbol.dispose](): void;
}

/** Owns async work; `await using s = scope()` ends it. */
export declare class Scope<Services extends Record<string, unknown> = Record<string, never>> implements AsyncDisposable {
  constructor(options?: ScopeOptions<Record<string, unknown>>);
  readonly signal: AbortSignal;
  readonly isDisposed: boolean;
  readonly tracer: Tracer | undefined;
  readonly concurrency: number | undefined;
  readonly circuitBreaker: CircuitBreakerOptions | undefined;
  task<T>(
    fn: (ctx: TaskContext<Services>) => T | PromiseLike<T>,
    options?: TaskOptions,
  ): Task<Result<unknown, Awaited<T>>>;
  provide<K extends string, T>(
    key: K,
    factory: () => T,
    cleanup?: (service: T) => void | Promise<void>,
  ): Scope<Services & Record<K, T>>;
  use<K extends keyof Services>(key: K): Services[K];
  /**
   * A channel of this scope: aborted with it, disposed with it. `capacity`:
   * an integer from 0 (rendezvous, the default) to 2^32, or `Infinity`.
   * `options.backpressure` (go-go-scope 2.x): what a send into a full buffer
   * does when nobody is receiving; `"block"` (1.0's) by default.
   */
  channel<T>(capacity?: number, options?: ChannelOptions<T>): Channel<T>;
  /** go-go-scope 2.x's spelling: `s.channel({ capacity, backpressure, onDrop })`. */
  channel<T>(options: ChannelOptions<T>): Channel<T>;
  /**
   * The first factory to settle decides; uses this scope's signal, tracer
   * and services. `options` (go-go-scope 2.x): `requireSuccess`, `timeout`,
   * `stagger` (hedged starts), `concurrency`; see {@link RaceTiming}.
   */
  race<T>(factories: readonly Factory<T, Services>[], options?: RaceTiming): Promise<Result<unknown, T>>;
  /**
   * The first factory to succeed decides (go-go-scope 2.x; a race with
   * `requireSuccess`): when every one failed, `[AggregateError(their errors
   * in input order), undefined]`. The others are aborted once one succeeds.
   */
  any<T>(factories: readonly Factory<T, Services>[], options?: Omit<RaceTiming, "requireSuccess">): Promise<Result<unknown, T>>;
  /** Runs every factory under this scope's concurrency; Results in input order. */
  parallel<T>(
    factories: readonly Factory<T, Services>[],
    options?: { failFast?: boolean; onProgress?: ParallelOptions["onProgress"] },
  ): Promise<Result<unknown, T>[]>;
  /** Wraps `source` with this scope's cancellation. */
  stream<S extends AsyncIterable<unknown> | ReadableStreamLike>(source: S): AsyncGenerator<StreamItem<S>>;
  /** Polls `fn` every `interval` ms until stopped or the scope ends. */
  poll<T>(
    fn: (signal: PollSignal<Services>) => Promise<T> | T,
    onValue: (value: T) => void | Promise<void>,
    options?: Omit<PollOptions, "signal">,
  ): PollController;
  /**
   * Runs `fn` at disposal with the cleanups of `provide` (newest first); a
   * thrown or rejected error fails the disposal as theirs do. Refused
   * (`Error`) once the scope is disposing. (go-go-scope 2.x)
   */
  onDispose(fn: () => void | Promise<void>): void;
  /**
   * Resolves after `ms` (`Infinity`: never); rejects with the scope's abort
   * reason as soon as the scope is cancelled (disposal, timeout, parent or
   * signal). (go-go-scope 2.x)
   */
  delay(ms: number): Promise<void>;
  /**
   * Go's `select` over channel operations (go-go-scope 2.x's `s.select`):
   * exactly one case fires. Ready cases fire at once, the first in order;
   * else `default`, if given; else the first case to become ready. A
   * waiting select is cancelled by this scope's abort (`[reason]`, the
   * scope's `signal.reason`) or its `timeout` (`[Error("timeout after
   * <ms>ms")]`) and then takes nothing. 2.x's `Map` of channel → handler
   * makes receive cases.
   */
  select<T, R>(cases: Map<Channel<T>, (value: T) => R | PromiseLike<R>>, options?: SelectOptions<R>): Promise<Result<unknown, R>>;
  select<T extends readonly unknown[], R = unknown>(
    cases: readonly [...{ [K in keyof T]: SelectCase<T[K], R> }],
    options?: SelectOptions<NoInfer<R>>,
  ): Promise<Result<unknown, R>>;
  /**
   * Sets a context value, seen by this scope and by its child scopes
   * (created before or after), unless a child sets its own. Refused
   * (`Error`) once the scope is disposing. (go-go-scope 2.x)
   */
  setContext(key: string, value: unknown): this;
  /** This scope's value of `key`, else the nearest parent's; `undefined` if none has one. */
  getContext<T = unknown>(key: string): T | undefined;
  /** Whether this scope or a parent has a value of `key`. */
  hasContext(key: string): boolean;
  /** Removes this scope's own value of `key` (a parent's stays visible); whether it had one. */
  removeContext(key: string): boolean;
  /**
   * The live tree of this scope: its tasks (with their ids and states:
   * running, queued, retrying) and its child scopes (their names; aborted
   * or disposing), recursively, as indented ASCII (the default) or a
   * Mermaid `graph TD`. (go-go-scope 2.x)
   */
  debugTree(options?: { format?: "ascii" | "mermaid" }): string;
  /**
   * A token bucket that ends with this scope: its waiting acquires reject
   * with the scope's abort reason, later ones too. Refused (`Error`) once
   * the scope is disposed. (go-go-scope 2.x)
   */
  tokenBucket(options: TokenBucketOptions): TokenBucket;
  /**
   * `fn` debounced (go-go-scope 2.x): it runs `wait` ms (default 300) after
   * the last call, with that call's arguments; with `leading`, a call after
   * a quiet period runs at once. Each call gives the Result of the run it
   * joined; a call that will not run gives `[undefined, undefined]`. When
   * the scope ends, a pending run is dropped and its calls give
   * `[reason, undefined]` (the scope's reason), as later calls do.
   */
  debounce<Args extends unknown[], T>(
    fn: (...args: Args) => T | PromiseLike<T>,
    options?: DebounceOptions,
  ): (...args: Args) => Promise<Result<unknown, Awaited<T>>>;
  /**
   * `fn` throttled (go-go-scope 2.x): at most one run per `interval` ms
   * (default 300); the first call runs at once (`leading`, default true);
   * with `trailing`, calls inside the interval join one run at its end.
   * Results and the scope's end as for `debounce`.
   */
  throttle<Args extends unknown[], T>(
    fn: (...args: Args) => T | PromiseLike<T>,
    options?: ThrottleOptions,
  ): (...args: Args) => Promise<Result<unknown, Awaited<T>>>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Options of `s.debounce`. (go-go-scope 2.x) */
export interface DebounceOptions {
  /** Quiet time before the run, ms (default 300). */
  wait?: number;
  /** Run a call at once when no window is open (default false). */
  leading?: boolean;
  /** Run once the window ends, with the latest arguments (default true). */
  trailing?: boolean;
}

/** Options of `s.throttle`. (go-go-scope 2.x) */
export interface ThrottleOptions {
  /** Least time between runs, ms (default 300). */
  interval?: number;
  /** Run a call at once when no window is open (default true). */
  leading?: boolean;
  /** Run the calls made inside a window once it ends (default false). */
  trailing?: boolean;
}

/**
 * Calls `callback(signal.reason)` once when `signal` aborts (at once, before
 * returning, if it already has). Disposing the result removes the listener.
 * (go-go-scope 2.x)
 */
export declare function onAbort(signal: AbortSignal, callback: (reason: unknown) => void): Disposable;

/** Resolves with `signal.reason` once `signal` aborts (at once if it has). (go-go-scope 2.x) */
export declare function whenAborted(signal: AbortSignal): Promise<unknown>;

/**
 * A web `ReadableStream` (also one without `Symbol.asyncIterator`, read
 * through its reader), typed structurally so no DOM types are needed.
 */
export interface ReadableStreamLike {
  getReader(): unknown;
  readonly locked: boolean;
}

/** The item type of a `stream` source. */
export type StreamItem<S> = S extends AsyncIterable<infer T>
  ? T
  : S extends { pipeTo(destination: { getWriter(): { write(chunk?: infer T): unknown } }, ...rest: never[]): unknown }
    ? T
    : unknown;

/** Options of `poll`. */
export interface PollOptions {
  /** Interval in ms (> 0). Default 5000. */
  interval?: number;
  /** Stops polling for good when it aborts. */
  signal?: AbortSignal;
  /**
   * Start at once with a first call now (default true). With `false` the
   * controller starts stopped: nothing runs until `start()`, whose first
   * call comes after `interval`.
   */
  immediate?: boolean;
}

/** Controller of a poll. */
export interface PollController {
  /** Starts or resumes polling (no-op once the signal aborted). */
  start(): void;
  /** Stops polling; a call in flight runs to its end. */
  stop(): void;
  status(): {
    running: boolean;
    pollCount: number;
    /** ms until the next call (0 when stopped). */
    timeUntilNext: number;
    /** `performance.now()` of the last call's start. */
    lastPollTime?: number;
    /** `performance.now()` of the next call. */
    nextPollTime?: number;
  };
}

/**
 * What a poll function receives: an AbortSignal that is also
 * `{ signal, services }`, so both `(signal) => …` and `({ signal }) => …` work.
 */
export type PollSignal<Services = Record<string, unknown>> = AbortSignal & {
  readonly signal: AbortSignal;
  readonly services: Services | undefined;
};

/** Calls `fn` every `interval` ms (no overlap) and hands each value to `onValue`. */
export declare function poll<T>(
  fn: (signal: PollSignal) => Promise<T> | T,
  onValue: (value: T) => void | Promise<void>,
  options?: PollOptions,
): PollController;

/** Iterates `source`; throws the abort reason as soon as `signal` aborts. */
export declare function stream<S extends AsyncIterable<unknown> | ReadableStreamLike>(
  source: S,
  signal?: AbortSignal,
): AsyncGenerator<StreamItem<S>>;

/**
 * What `race`, `parallel` and `poll` pass to a factory: its AbortSignal,
 * which also carries `signal` (itself) and `services`, so both
 * `(signal) => fetch(url, { signal })` and `({ signal, services }) => …` work.
 */
export type FactoryArg<Services = Record<string, unknown>> = AbortSignal & {
  readonly signal: AbortSignal;
  readonly services: Services;
};

/** A unit of work for `race` and `parallel`. */
export type Factory<T, Services = Record<string, unknown>> = (arg: FactoryArg<Services>) => T | PromiseLike<T>;

/**
 * go-go-scope 2.x's race options, for `race` and `s.race` (`s.any` takes
 * all but `requireSuccess`).
 */
export interface RaceTiming {
  /**
   * Only a success wins; failures let the race go on. When every factory
   * failed: `[AggregateError(their errors in input order), undefined]`
   * (message "All race competitors failed").
   */
  requireSuccess?: boolean;
  /**
   * Milliseconds (0 or `Infinity`: none). When no factory has won by then,
   * the race resolves `[Error("timeout after <ms>ms"), undefined]` and every
   * factory's signal aborts with that error (the race resolves once they
   * have settled, as on any abort).
   */
  timeout?: number;
  /**
   * Hedged requests: start the first factory at once and each next one
   * only if none settled within `stagger` ms of the last start (with
   * `requireSuccess`, a failure starts the next at once). 0: all start at
   * once; `Infinity`: the next starts only when one fails (a fallback chain).
   */
  stagger?: number;
  /** go-go-scope 2.x's name for `stagger` (`stagger` wins when both are given). */
  staggerDelay?: number;
  /** At most this many factories at once (0 or `Infinity`: no limit). */
  staggerMaxConcurrent?: number;
  /** Same as `staggerMaxConcurrent` (2.x's `s.race` option); the smaller of the two applies. */
  concurrency?: number;
}

export interface RaceOptions extends RaceTiming {
  signal?: AbortSignal;
  tracer?: Tracer;
}

export interface ParallelOptions {
  /** At most this many at once (`Infinity`, 0 or absent: unlimited). */
  concurrency?: number;
  signal?: AbortSignal;
  /** Throw the first error (input order) instead of returning Results. */
  failFast?: boolean;
  tracer?: Tracer;
  /**
   * Called as each factory settles, in the order they settle: how many have
   * settled so far, how many there are, and that one's Result. A throw is
   * ignored. (go-go-scope 2.x)
   */
  onProgress?: (completed: number, total: number, result: Result<unknown, unknown>) => void;
}

/**
 * The first factory to settle, success or failure, decides the Result (with
 * `requireSuccess`, the first success); the others are aborted.
 */
export declare function race<T>(factories: readonly Factory<T>[], options?: RaceOptions): Promise<Result<unknown, T>>;

/** Runs every factory; the Results come back in input order. */
export declare function parallel<T>(factories: readonly Factory<T>[], options?: ParallelOptions): Promise<Result<unknown, T>[]>;

/**
 * What a send does when the channel's buffer is full and nobody is
 * receiving (go-go-scope 2.x): wait for room (`"block"`, 1.0's), evict the
 * oldest buffered value (`"drop-oldest"`), drop the new one
 * (`"drop-latest"`), or reject with {@link ChannelFullError} (`"error"`). A
 * waiting receiver always takes the value directly.
 */
export type BackpressureStrategy = "block" | "drop-oldest" | "drop-latest" | "error";

/** Options of a channel (go-go-scope 2.x's `ChannelOptions`). */
export interface ChannelOptions<T> {
  /** An integer from 0 (rendezvous, the default) to 2^32, or `Infinity`. A positional capacity wins. */
  capacity?: number;
  /** Default `"block"`. */
  backpressure?: BackpressureStrategy;
  /** Called with each value `drop-oldest` evicts or `drop-latest` drops; what it throws is ignored. */
  onDrop?: (value: T) => void;
}

/** The rejection of a send under `backpressure: "error"` into a full channel. */
export declare class ChannelFullError extends Error {
  readonly _tag: "ChannelFullError";
  /** `message` defaults to `"Channel buffer is full"`. */
  constructor(message?: string);
}

/** A Go-style channel with backpressure. */
export declare class Channel<T> implements AsyncIterable<T>, AsyncDisposable {
  /** `capacity` as `s.channel`'s, or go-go-scope 2.x's options object. */
  constructor(capacity?: number | ChannelOptions<T>, signal?: AbortSignal);
  /**
   * `true` once delivered or buffered, `false` if the channel was already
   * closed; rejects with `Error("channel closed")` if it closes while this
   * send waits, and with the abort reason once aborted. With a full buffer
   * and nobody receiving: waits (`block`), resolves `true` having evicted
   * the oldest value (`drop-oldest`) or dropped this one (`drop-latest`),
   * or rejects with {@link ChannelFullError} (`error`).
   */
  send(value: T): Promise<boolean>;
  /** The next value, or `undefined` once closed and drained. */
  receive(): Promise<T | undefined>;
  close(): void;
  readonly isClosed: boolean;
  /** Buffered values. */
  readonly size: number;
  /** The capacity (`Infinity` when unlimited). */
  readonly cap: number;
  /** The backpressure strategy. */
  readonly strategy: BackpressureStrategy;
  [Symbol.asyncIterator](): AsyncIterator<T>;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * A receive case of `select`: fires with the value received (`undefined`
 * once the channel is closed and drained, or aborted); the case's result is
 * `then(value)`, or the value itself.
 */
export interface ReceiveCase<T, R = unknown> {
  receive: Channel<T>;
  send?: undefined;
  then?: (value: T | undefined) => R | PromiseLike<R>;
}

/**
 * A send case of `select`: fires with `true` once `value` is delivered or
 * buffered, `false` if the channel is closed (a channel's abort gives the
 * Result its reason); the case's result is `then(sent)`, or `sent`. When
 * another case fires, `value` is never delivered.
 */
export interface SendCase<T, R = unknown> {
  send: Channel<T>;
  receive?: undefined;
  value: T;
  then?: (sent: boolean) => R | PromiseLike<R>;
}

/** One case of `select`. */
export type SelectCase<T = unknown, R = unknown> = ReceiveCase<T, R> | SendCase<T, R>;

/** Options of `s.select`. */
export interface SelectOptions<R = unknown> {
  /** Ms a waiting select waits at most (0 or `Infinity`: no limit). */
  timeout?: number;
  /** Runs (and gives the Result) when no case is ready at once: the select never waits. */
  default?: () => R | PromiseLike<R>;
}

/** `select` without a scope (see `Scope.select`): only its `timeout` cancels it. */
export declare function select<T, R>(
  cases: Map<Channel<T>, (value: T) => R | PromiseLike<R>>,
  options?: SelectOptions<R>,
): Promise<Result<unknown, R>>;
export declare function select<T extends readonly unknown[], R = unknown>(
  cases: readonly [...{ [K in keyof T]: SelectCase<T[K], R> }],
  options?: SelectOptions<NoInfer<R>>,
): Promise<Result<unknown, R>>;

/** A counting semaphore with FIFO waiters. */
export declare class Semaphore implements AsyncDisposable {
  /** `permits`: an integer from 1 to 2^32, or `Infinity` (never waits). */
  constructor(permits: number, signal?: AbortSignal);
  acquire<T>(fn: () => T | PromiseLike<T>): Promise<Awaited<T>>;
  execute<T>(fn: () => T | PromiseLike<T>): Promise<Awaited<T>>;
  readonly available: number;
  readonly availablePermits: number;
  readonly waiting: number;
  readonly waiterCount: number;
  readonly totalPermits: number;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Options of a {@link TokenBucket}. (go-go-scope 2.x) */
export interface TokenBucketOptions {
  /** Tokens it holds at most (its burst), a number > 0 (`Infinity`: no limit). */
  capacity: number;
  /** Tokens added per second, a finite number >= 0. */
  refillRate: number;
  /** Tokens at the start, from 0 to `capacity` (default: `capacity`). */
  initialTokens?: number;
}

/** Options of {@link TokenBucket.acquire}. */
export interface TokenBucketAcquireOptions {
  /** Stops waiting when it aborts: the acquire rejects with its reason and takes nothing. */
  signal?: AbortSignal;
  /** Stops waiting after that many ms with `Error("timeout after <N>ms")` (0 or `Infinity`: none). */
  timeout?: number;
}

/**
 * A token bucket rate limiter (go-go-scope 2.x): up to `capacity` tokens,
 * `refillRate` more per second. Waiting acquires are granted in arrival
 * order; one that stops waiting (timeout, signal) passes its turn on.
 * `tokens` is a finite number from 0 to `capacity` (default 1).
 */
export declare class TokenBucket implements AsyncDisposable, Disposable {
  constructor(options: TokenBucketOptions);
  /** Takes `tokens` now if they are there and nobody waits; never waits. */
  tryAcquire(tokens?: number): boolean;
  /** Resolves once `tokens` are taken; rejects with the signal's reason, a timeout, or the bucket's end. */
  acquire(tokens?: number, options?: TokenBucketAcquireOptions): Promise<void>;
  /** go-go-scope 2.x's form: waits for `tokens`, then runs `fn` and gives its result. */
  acquire<T>(tokens: number, fn: () => T | PromiseLike<T>): Promise<Awaited<T>>;
  /** go-go-scope 2.x: `tryAcquire` as a promise. */
  tryConsume(tokens?: number): Promise<boolean>;
  /** Tokens there now (0 once the bucket ended). */
  readonly tokens: number;
  readonly capacity: number;
  readonly refillRate: number;
  /** Acquires waiting. */
  readonly waiting: number;
  /** go-go-scope 2.x: `tokens` as a promise. */
  getTokens(): Promise<number>;
  /** go-go-scope 2.x: `{ tokens, capacity, refillRate }`. */
  getState(): Promise<{ tokens: number; capacity: number; refillRate: number }>;
  /** Fills the bucket; waiters are granted what they can be. */
  reset(): Promise<void>;
  /** Ends the bucket: waiting and later acquires reject with `Error("token bucket disposed")`. */
  [Symbol.dispose](): void;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Creates a scope. */
export declare function scope<TServices extends Record<string, unknown> = Record<string, unknown>>(
  options?: ScopeOptions<TServices>,
): Scope<TServices>;

/** A resource with an async acquire and a dispose that runs once. */
export declare class AsyncDisposableResource<T> implements AsyncDisposable {
  constructor(acquire: () => Promise<T>, dispose: (resource: T) => Promise<void>);
  acquire(): Promise<T>;
  readonly value: T | undefined;
  [Symbol.asyncDispose](): Promise<void>;
}

// ---- Beyond 1.0: additions from go-go-scope 2.x ----

/**
 * A retry delay function: 1.0's `retry.delay`, `(attempt, error) => ms`,
 * `attempt` counted from 1 for the first retry. Also callable directly.
 */
export type RetryDelayFn = (attempt: number, error?: unknown) => number;

export interface ExponentialBackoffOptions {
  /** Delay before the first retry, ms. Default 100. */
  initial?: number;
  /** Largest delay, ms (jitter included). Default 30000. */
  max?: number;
  /** Factor per retry. Default 2. */
  multiplier?: number;
  /** Spread from 0 to 1: the delay ± `jitter` × delay, never above `max`. Default 0. */
  jitter?: number;
  /** AWS-style full jitter: a delay from 0 to the computed one. Default false. */
  fullJitter?: boolean;
  /** go-go-scope-wasm's own: an integer from 0 to 2^32 - 1 for a repeatable sequence (default: from `Math.random`). */
  seed?: number;
}

export interface DecorrelatedJitterOptions {
  /** Smallest delay, ms. Default 100. */
  initial?: number;
  /** Largest delay, ms. Default 30000. */
  max?: number;
  /** go-go-scope-wasm's own: an integer from 0 to 2^32 - 1 for a repeatable sequence (default: from `Math.random`). */
  seed?: number;
}

/** Exponential backoff: `min(initial × multiplier^(attempt-1), max)`, optionally jittered; whole ms. */
export declare function exponentialBackoff(options?: ExponentialBackoffOptions): RetryDelayFn;

/** A fixed delay with jitter: `baseDelay` ± `jitterFactor` × `baseDelay` (default factor 0.1); `seed` is go-go-scope-wasm's own. */
export declare function jitter(baseDelay: number, jitterFactor?: number, seed?: number): RetryDelayFn;

/** A linearly growing delay: `baseDelay + increment × (attempt - 1)`. */
export declare function linear(baseDelay: number, increment: number): RetryDelayFn;

/** Decorrelated jitter: a delay from `initial` to `min(max, 3 × the last delay)`, starting over at attempt 1. */
export declare function decorrelatedJitter(options?: DecorrelatedJitterOptions): RetryDelayFn;

// Only the declarations marked `export` above are the package's.
export {};
