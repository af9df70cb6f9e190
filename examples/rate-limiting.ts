// Beyond 1.0: rate limiting with a token bucket
import { TokenBucket, scope } from "go-go-scope-wasm";

{
  await using s = scope();
  // Bursts of 3, then one more token every 10 ms.
  const bucket = s.tokenBucket({ capacity: 3, refillRate: 100 });
  const order: string[] = [];
  const t0 = Date.now();
  await Promise.all(["a", "b", "c", "d", "e"].map((id) => bucket.acquire(1).then(() => order.push(id))));
  console.log("granted in arrival order:", order.join(" "), "| the last two waited:", Date.now() - t0 >= 15);
  console.log("tryAcquire on an empty bucket:", bucket.tryAcquire());
}

{
  const bucket = new TokenBucket({ capacity: 10, refillRate: 1, initialTokens: 0 });
  const message = await bucket.acquire(5, { timeout: 20 }).then(
    () => "granted",
    (e: Error) => e.message,
  );
  console.log("acquire(5, { timeout: 20 }):", message);
  bucket[Symbol.dispose]();
}

{
  const s = scope();
  const bucket = s.tokenBucket({ capacity: 1, refillRate: 0, initialTokens: 0 });
  const waiting = bucket.acquire().then(
    () => "granted",
    (e: Error) => e.message,
  );
  await s[Symbol.asyncDispose]();
  console.log("the scope's end releases the waiter:", await waiting);
}
