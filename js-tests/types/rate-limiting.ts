// Type tests for rate limiting (issue 19): `new TokenBucket(options)` and
// `s.tokenBucket(options)`, `acquire(tokens, { signal, timeout })` giving
// `Promise<void>` and go-go-scope 2.x's `acquire(tokens, fn)` giving fn's
// result; s.debounce and s.throttle keeping fn's argument types and giving
// Result tuples.
import { TokenBucket, scope } from "go-go-scope-wasm";
import type { DebounceOptions, Result, ThrottleOptions, TokenBucketAcquireOptions, TokenBucketOptions } from "go-go-scope-wasm";

export async function buckets() {
  await using s = scope();
  const opts: TokenBucketOptions = { capacity: 10, refillRate: 5, initialTokens: 0 };
  using b = new TokenBucket(opts);
  const scoped: TokenBucket = s.tokenBucket({ capacity: 1, refillRate: 1 });
  const ok: boolean = b.tryAcquire();
  const ok2: boolean = b.tryAcquire(2);
  const waited: void = await b.acquire();
  const w2: void = await b.acquire(3, { signal: AbortSignal.timeout(10), timeout: 50 });
  const ao: TokenBucketAcquireOptions = { timeout: 5 };
  await scoped.acquire(1, ao);
  const n: number = await b.acquire(1, () => 42);
  const str: string = await b.acquire(1, async () => "x");
  const consumed: boolean = await b.tryConsume(1);
  const t: number = b.tokens + b.capacity + b.refillRate + b.waiting + (await b.getTokens());
  const state: { tokens: number; capacity: number; refillRate: number } = await b.getState();
  await b.reset();
  await scoped[Symbol.asyncDispose]();
  // @ts-expect-error: capacity is required
  new TokenBucket({ refillRate: 1 });
  // @ts-expect-error: tokens is a number
  b.tryAcquire("1");
  // @ts-expect-error: timeout is a number
  b.acquire(1, { timeout: "1" });
  // @ts-expect-error: tokens is read-only
  b.tokens = 5;
  return [ok, ok2, waited, w2, n, str, consumed, t, state];
}

export async function limiters() {
  await using s = scope();
  const search = s.debounce(async (q: string, page: number) => [q, page] as const, { wait: 300, leading: false, trailing: true });
  const [err, hits] = await search("go", 1);
  const h: readonly [string, number] | undefined = hits;
  const e: unknown = err;
  const save = s.throttle((data: { id: number }) => data.id, { interval: 1000, trailing: true });
  const r: Result<unknown, number> = await save({ id: 1 });
  const d: DebounceOptions = { wait: 5 };
  const t: ThrottleOptions = { interval: 5, leading: false };
  // @ts-expect-error: arguments keep fn's types
  search(1, 1);
  // @ts-expect-error: a throttle has an interval, not a wait
  s.throttle(() => 1, { wait: 5 });
  return [h, e, r, d, t];
}
