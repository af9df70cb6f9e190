// Beyond 1.0: rate limiting with a token bucket, debounce and throttle
import { TokenBucket, scope } from "go-go-scope-wasm";

{
  await using s = scope();
  // Bursts of 3, then one more token every 100 ms.
  const bucket = s.tokenBucket({ capacity: 3, refillRate: 10 });
  const order: string[] = [];
  const t0 = Date.now();
  await Promise.all(["a", "b", "c", "d", "e"].map((id) => bucket.acquire(1).then(() => order.push(id))));
  const waited = Date.now() - t0;
  const empty = bucket.tryAcquire(); // the last token just went to e
  console.log("granted in arrival order:", order.join(" "), "| the last two waited:", waited >= 190);
  console.log("tryAcquire on an empty bucket:", empty);
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

{
  await using s = scope();
  const runs: string[] = [];
  const search = s.debounce(
    async (q: string) => {
      runs.push(q);
      return q.length;
    },
    { wait: 20 },
  );
  const results = await Promise.all(["h", "he", "hello"].map((q) => search(q)));
  console.log("debounce: one run with", runs.join(" "), "| every call got", results.map(([, n]) => n).join(" "));
  const report = s.throttle(async (pos: number) => pos * 10, { interval: 50 });
  const [first, second] = await Promise.all([report(1), report(2)]);
  console.log("throttle: the first call ran:", first[1], "| the second will not run:", second[1] === undefined);
}

{
  const s = scope();
  const save = s.debounce(async (n: number) => n, { wait: 1_000 });
  const waiting = save(1);
  await s[Symbol.asyncDispose]();
  const [err] = await waiting;
  console.log("the scope's end settles a waiting call:", (err as Error).message);
}
