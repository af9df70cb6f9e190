// Type tests for the token bucket (issue 19): `new TokenBucket(options)` and
// `s.tokenBucket(options)`, `acquire(tokens, { signal, timeout })` giving
// `Promise<void>`, and go-go-scope 2.x's `acquire(tokens, fn)` giving fn's
// result.
import { TokenBucket, scope } from "go-go-scope-wasm";
import type { TokenBucketAcquireOptions, TokenBucketOptions } from "go-go-scope-wasm";

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
