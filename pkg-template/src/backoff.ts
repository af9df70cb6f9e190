// Retry delay strategies (go-go-scope 2.x's retry-strategies): functions
// `(attempt, error) => ms` for 1.0's `retry.delay`. The delays are the
// machine's (src/core/backoff.rs) and so is the judgement of the options,
// once, when a function is made (src/machine/backoff.rs). Each function
// keeps its strategy's numbers, its random state and its last delay in its
// closure: no machine record, so users drop these functions freely.
import { W, failure, guard } from "./wasm";
import { mustBe, optionalNumber, optionsObject, typeName } from "./errors";

/** `Kind` of src/machine/backoff.rs. */
const enum Kind {
  Exponential = 0,
  FullJitter = 1,
  Jitter = 2,
  Linear = 3,
  Decorrelated = 4,
}

type Delay = (attempt: number, error?: unknown) => number;

/** A delay function over the strategy `kind` (judged here, once), seeded with `seed` or from `Math.random`. */
function make(kind: Kind, name: string, a: number, b: number, c: number, d: number, seed: number | undefined): Delay {
  guard();
  let rng = W.backoff_new(kind, a, b, c, d, seed ?? Math.floor(Math.random() * 4294967296));
  if (rng === -1) throw failure();
  let last = NaN;
  return (attempt: number, _error?: unknown): number => {
    num(attempt, `${name}: attempt`);
    guard();
    last = W.backoff_delay(kind, a, b, c, d, attempt, rng, last);
    rng = W.backoff_rng();
    return last;
  };
}

/** A number argument, else a TypeError naming it. */
function num(v: unknown, what: string): number {
  if (typeof v !== "number") throw mustBe(what, "a number", v);
  return v;
}

/** `exponentialBackoff({ initial = 100, max = 30000, multiplier = 2, jitter = 0, fullJitter = false, seed })`. */
export function exponentialBackoff(options?: {
  initial?: number;
  max?: number;
  multiplier?: number;
  jitter?: number;
  fullJitter?: boolean;
  seed?: number;
}): Delay {
  const n = "exponentialBackoff";
  const o = optionsObject(options, n) ?? {};
  const initial = optionalNumber(o, "initial", n) ?? 100;
  const max = optionalNumber(o, "max", n) ?? 30000;
  const multiplier = optionalNumber(o, "multiplier", n) ?? 2;
  const jitter = optionalNumber(o, "jitter", n) ?? 0;
  const full = o.fullJitter;
  if (full != null && typeof full !== "boolean") throw new TypeError(`${n}: fullJitter must be a boolean, got ${typeName(full)}`);
  const seed = optionalNumber(o, "seed", n);
  return make(full ? Kind.FullJitter : Kind.Exponential, n, initial, max, multiplier, jitter, seed);
}

/** `jitter(baseDelay, jitterFactor = 0.1, seed?)`: `baseDelay` ± `jitterFactor` × `baseDelay`. */
export function jitter(baseDelay: number, jitterFactor?: number, seed?: number): Delay {
  const base = num(baseDelay, "jitter: baseDelay");
  const factor = jitterFactor === undefined ? 0.1 : num(jitterFactor, "jitter: jitterFactor");
  return make(Kind.Jitter, "jitter", base, factor, 0, 0, seed == null ? undefined : num(seed, "jitter: seed"));
}

/** `linear(baseDelay, increment)`: `baseDelay + increment × (attempt - 1)`. */
export function linear(baseDelay: number, increment: number): Delay {
  const base = num(baseDelay, "linear: baseDelay");
  return make(Kind.Linear, "linear", base, num(increment, "linear: increment"), 0, 0, 0);
}

/** `decorrelatedJitter({ initial = 100, max = 30000, seed })`. */
export function decorrelatedJitter(options?: { initial?: number; max?: number; seed?: number }): Delay {
  const n = "decorrelatedJitter";
  const o = optionsObject(options, n) ?? {};
  const initial = optionalNumber(o, "initial", n) ?? 100;
  const max = optionalNumber(o, "max", n) ?? 30000;
  return make(Kind.Decorrelated, n, initial, max, 0, 0, optionalNumber(o, "seed", n));
}
