// The benchmarked programs: go-go-scope-wasm (the built pkg/), each beside
// its baselines (hand-written vanilla JS, Effect, p-limit, a hand-written
// channel). Every variant of a workload does the same work and returns the
// same shape of result.
import { Effect } from "effect";
import pLimit from "p-limit";
import * as van from "./baselines/vanilla.mjs";
import { Channel as JsChannel } from "./baselines/channel.mjs";
import { Channel as Channel10 } from "./baselines/channel-1.0.mjs";
import { TokenBucket as JsTokenBucket } from "./baselines/token-bucket.mjs";
import { SelChannel, select as jsSelect } from "./baselines/select.mjs";

const one = () => Promise.resolve(42);
const two = () => Promise.resolve(2);
const down = () => Promise.reject(new Error("down"));
const hedged = [down, one, two];
const eff = (f) => Effect.result(Effect.tryPromise(() => f()));
const range = (n) => Array.from({ length: n }, (_, i) => i);

const dispose = (s) => s[Symbol.asyncDispose]();

/** The task programs, written against one package's `scope` (today's, or e4886b8's). */
export function programs({ scope }) {
  return {
    async cycle(options, taskOptions) {
      const s = scope(options);
      try {
        return await s.task(one, taskOptions);
      } finally {
        await dispose(s);
      }
    },
    async two() {
      const s = scope();
      try {
        return await Promise.all([s.task(one), s.task(two)]);
      } finally {
        await dispose(s);
      }
    },
    async fan(n, options) {
      const s = scope(options);
      try {
        const ts = new Array(n);
        for (let i = 0; i < n; i++) ts[i] = s.task(one);
        return await Promise.all(ts);
      } finally {
        await dispose(s);
      }
    },
  };
}

/**
 * Workloads 1–3: task cycles, concurrency, fan-out. `S` holds the sizes;
 * `before` (optional) is the e4886b8 package (bench/before-pkg.mjs), run
 * beside today's as the baseline `beforeLabel` on the cycle, 2 tasks,
 * fan-out and concurrency 8 rows.
 */
export function taskWorkloads(lib, S, before, beforeLabel = "e4886b8 package") {
  const { race, parallel } = lib;
  const ggs = programs(lib);
  const ggsCycle = ggs.cycle;
  const ggsFan = ggs.fan;
  const old = before && programs(before);
  const withBefore = (variants, op) => (old ? { ...variants, [beforeLabel]: () => op(old) } : variants);
  const factories = range(S.many).map((i) => () => Promise.resolve(i));
  const items = range(S.many);

  const simple = [
    {
      id: "cycle",
      steady: 2,
      name: "Simple task cycle: scope(), 1 task, dispose",
      iters: S.cycle,
      variants: withBefore(
        {
          lib: () => ggsCycle(undefined, undefined),
          vanilla: () => van.cycle(one),
          effect: () => Effect.runPromise(eff(one)),
        },
        (p) => p.cycle(undefined, undefined),
      ),
    },
    {
      id: "cycle-timeout",
      name: "Simple task cycle, scope({ timeout: 5000 })",
      iters: S.cycle,
      variants: {
        lib: () => ggsCycle({ timeout: 5000 }, undefined),
        vanilla: () => van.cycleTimeout(one, 5000),
        effect: () => Effect.runPromise(Effect.result(Effect.timeout(Effect.tryPromise(() => one()), "5000 millis"))),
      },
    },
    {
      id: "cycle-retry",
      name: "Simple task cycle, task retry { maxRetries: 1 }",
      iters: S.cycle,
      variants: {
        lib: () => ggsCycle(undefined, { retry: { maxRetries: 1 } }),
        vanilla: () => van.cycleRetry(one, 1),
        effect: () => Effect.runPromise(Effect.result(Effect.retry(Effect.tryPromise(() => one()), { times: 1 }))),
      },
    },
    {
      id: "two-tasks",
      steady: 2,
      name: "2 parallel tasks in one scope",
      iters: S.cycle,
      variants: withBefore(
        {
          lib: () => ggs.two(),
          vanilla: () => van.cycleTwo(one, two),
          effect: () => Effect.runPromise(Effect.all([eff(one), eff(two)], { concurrency: "unbounded" })),
        },
        (p) => p.two(),
      ),
    },
    {
      id: "race",
      name: "race of 2",
      iters: S.cycle,
      variants: {
        lib: () => race([one, two]),
        vanilla: () => van.race([one, two]),
        effect: () => Effect.runPromise(Effect.result(Effect.race(Effect.tryPromise(() => one()), Effect.tryPromise(() => two())))),
      },
    },
    {
      // go-go-scope 2.x's hedged race: the first fails, the hedge starts at
      // once (not after the stagger) and wins; the stagger timer is set,
      // then cleared.
      id: "race-hedged",
      name: "hedged race of 3 (requireSuccess, stagger 1000 ms)",
      iters: S.cycle,
      variants: {
        lib: () => race(hedged, { stagger: 1_000, requireSuccess: true }),
        vanilla: () => van.hedgedRace(hedged, 1_000),
      },
    },
  ];

  const concurrency = [
    {
      id: "scope-conc8",
      steady: 2,
      name: `${S.many} tasks under scope({ concurrency: 8 })`,
      iters: S.manyIters,
      variants: withBefore(
        {
          lib: () => ggsFan(S.many, { concurrency: 8 }),
          vanilla: () => van.limitedScope(one, S.many, 8),
          "p-limit": async () => {
            const ac = new AbortController();
            try {
              const limit = pLimit(8);
              return await Promise.all(items.map(() => limit(van.settle, one, ac.signal)));
            } finally {
              ac.abort(new Error("scope disposed"));
            }
          },
          effect: () => Effect.runPromise(Effect.forEach(items, () => eff(one), { concurrency: 8 })),
        },
        (p) => p.fan(S.many, { concurrency: 8 }),
      ),
    },
    {
      id: "parallel10",
      steady: 2,
      name: `parallel() of ${S.many} factories, concurrency: 10`,
      iters: S.manyIters,
      variants: {
        lib: () => parallel(factories, { concurrency: 10 }),
        vanilla: () => van.parallel(factories, 10),
        "p-limit": async () => {
          const ac = new AbortController();
          try {
            const limit = pLimit(10);
            return await Promise.all(factories.map((f) => limit(van.settle, f, ac.signal)));
          } finally {
            ac.abort(new Error("scope disposed"));
          }
        },
        effect: () => Effect.runPromise(Effect.forEach(factories, (f) => eff(f), { concurrency: 10 })),
      },
    },
  ];

  const fanOut = [S.fanSmall, S.fanLarge].map((n, k) => ({
    id: k === 0 ? "fanout-small" : "fanout-large",
    steady: 2,
    name: `Fan-out: ${n} tasks in one scope, all awaited`,
    iters: k === 0 ? S.fanSmallIters : S.fanLargeIters,
    n,
    variants: withBefore(
      {
        lib: () => ggsFan(n, undefined),
        vanilla: () => van.fanOut(one, n),
        effect: () => Effect.runPromise(Effect.forEach(range(n), () => eff(one), { concurrency: "unbounded" })),
      },
      (p) => p.fan(n, undefined),
    ),
  }));

  return { simple, concurrency, fanOut };
}

/**
 * The channel programs of workload 4, on any channel with `send`,
 * `receive` and `close` (`mk(capacity)` makes one): also run by
 * bench/channel-boundary.mjs.
 */
export async function spsc(mk, n, cap) {
  const ch = mk(cap);
  const producer = (async () => {
    for (let i = 0; i < n; i++) await ch.send(i);
    ch.close();
  })();
  let sum = 0;
  for (;;) {
    const v = await ch.receive();
    if (v === undefined) break;
    sum += v;
  }
  await producer;
  return sum;
}
/** `producers` plain async functions sending `n` values into `ch` between them. */
export function sendAll(ch, n, producers) {
  const per = n / producers;
  const ps = [];
  for (let p = 0; p < producers; p++) {
    ps.push(
      (async () => {
        for (let i = 0; i < per; i++) await ch.send(i);
      })(),
    );
  }
  return ps;
}
export async function mpsc(mk, n, producers, cap) {
  const ch = mk(cap);
  const ps = sendAll(ch, n, producers);
  const all = Promise.all(ps).then(() => ch.close());
  let count = 0;
  for (;;) {
    const v = await ch.receive();
    if (v === undefined) break;
    count++;
  }
  await all;
  if (count !== n) throw new Error(`received ${count} of ${n}`);
  return count;
}
export async function pingPong(mk, n) {
  const ping = mk(0);
  const pong = mk(0);
  const echo = (async () => {
    for (;;) {
      const v = await ping.receive();
      if (v === undefined) return;
      await pong.send(v + 1);
    }
  })();
  let v = 0;
  for (let i = 0; i < n; i++) {
    await ping.send(v);
    v = await pong.receive();
  }
  ping.close();
  await echo;
  return v;
}

/** The label of the baseline following go-go-scope 1.0's channel algorithm. */
export const CHANNEL_10 = "go-go-scope 1.0 channel";

/**
 * Workload 4: channels, go-go-scope-wasm's Channel vs the hand-written one
 * and vs one following go-go-scope 1.0's algorithm. `steady: true`: also
 * timed in a hot loop with no forced GC (harness.mjs, compareSteady).
 */
export function channelWorkloads(lib, S) {
  const { scope } = lib;
  // Each program (above) gets a channel factory; the lib side owns its
  // channels through a scope, disposed at the end.
  const withLib = async (body) => {
    const s = scope();
    try {
      return await body((cap) => s.channel(cap));
    } finally {
      await s[Symbol.asyncDispose]();
    }
  };
  const withJs = (body) => body((cap) => new JsChannel(cap));
  const with10 = (body) => body((cap) => new Channel10(cap));
  const all3 = (body) => ({ lib: () => withLib(body), "js channel": () => withJs(body), [CHANNEL_10]: () => with10(body) });

  // As users write it: the producers and the consumer are the scope's tasks
  // (what `await using s = scope()` does, written out: Node 20 has no
  // `using`); the baselines do the same work with plain async functions and
  // their channel. Every producer sends `per` values; once all are done the
  // channel is closed and the consumer's count is the result.
  async function tasksLib(n, producers, cap) {
    const s = scope();
    try {
      const ch = s.channel(cap);
      const per = n / producers;
      const ps = [];
      for (let p = 0; p < producers; p++) {
        ps.push(
          s.task(async () => {
            for (let i = 0; i < per; i++) await ch.send(i);
          }),
        );
      }
      const consumer = s.task(async () => {
        let count = 0;
        for (;;) {
          const v = await ch.receive();
          if (v === undefined) return count;
          count++;
        }
      });
      for (const [err] of await Promise.all(ps)) if (err) throw err;
      ch.close();
      const [err, count] = await consumer;
      if (err) throw err;
      if (count !== n) throw new Error(`received ${count} of ${n}`);
      return count;
    } finally {
      await s[Symbol.asyncDispose]();
    }
  }
  async function tasksPlain(ch, n, producers) {
    const ps = sendAll(ch, n, producers);
    const consumer = (async () => {
      let count = 0;
      for (;;) {
        const v = await ch.receive();
        if (v === undefined) return count;
        count++;
      }
    })();
    await Promise.all(ps);
    ch.close();
    const count = await consumer;
    if (count !== n) throw new Error(`received ${count} of ${n}`);
    return count;
  }
  const asTasks = (cap) => ({
    id: `chan-tasks-${cap}`,
    name: `Channel as scope tasks: ${S.mpscValues} values from 4 producer tasks, 1 consumer task, capacity ${cap}`,
    iters: S.mpscIters,
    steady: true,
    variants: {
      lib: () => tasksLib(S.mpscValues, 4, cap),
      "js channel": () => tasksPlain(new JsChannel(cap), S.mpscValues, 4),
      [CHANNEL_10]: () => tasksPlain(new Channel10(cap), S.mpscValues, 4),
    },
  });
  return [
    {
      id: "chan-spsc",
      name: `Channel: ${S.chanValues} values, 1 producer / 1 consumer, capacity 100`,
      iters: S.chanIters,
      steady: true,
      variants: all3((mk) => spsc(mk, S.chanValues, 100)),
    },
    {
      id: "chan-mpsc",
      name: `Channel: ${S.mpscValues} values from 4 producers, capacity 1`,
      iters: S.mpscIters,
      steady: true,
      variants: all3((mk) => mpsc(mk, S.mpscValues, 4, 1)),
    },
    {
      id: "chan-pingpong",
      name: `Channel: unbuffered ping-pong, ${S.pingPongs} round trips`,
      iters: S.pingIters,
      steady: true,
      variants: all3((mk) => pingPong(mk, S.pingPongs)),
    },
    asTasks(1),
    asTasks(16),
  ];
}

/** Rate limiting: go-go-scope-wasm's TokenBucket vs the hand-written one; select vs a hand-written select. */
export function rateWorkloads(lib, S) {
  // Every acquire is granted at once (a full bucket, no refill): what is
  // measured is the bookkeeping per call, not the waiting.
  async function burst(b, n) {
    let got = 0;
    for (let i = 0; i < n; i++) {
      await b.acquire(1);
      got++;
    }
    for (let i = 0; i < n; i++) if (b.tryAcquire(1)) got++;
    return got;
  }
  const opts = () => ({ capacity: S.bucketCalls, refillRate: 0 });
  return [
    {
      id: "token-bucket",
      name: `Token bucket: ${S.bucketCalls} acquire(1) granted, then ${S.bucketCalls} tryAcquire(1) refused`,
      iters: S.bucketIters,
      variants: {
        lib: async () => {
          const b = new lib.TokenBucket(opts());
          try {
            return await burst(b, S.bucketCalls);
          } finally {
            b[Symbol.dispose]();
          }
        },
        "js bucket": () => burst(new JsTokenBucket(opts()), S.bucketCalls),
      },
    },
    {
      id: "select",
      name: `Select: ${S.selectRounds} selects over two receives, half waiting (the other case withdrawn), half ready at once`,
      iters: S.selectIters,
      variants: {
        lib: async () => {
          const s = lib.scope();
          try {
            const a = s.channel(1);
            const b = s.channel(1);
            const cases = [
              { receive: a, then: (v) => v },
              { receive: b, then: (v) => v },
            ];
            let sum = 0;
            for (let i = 0; i < S.selectRounds; i++) {
              if (i % 2 === 0) {
                const waiting = s.select(cases);
                await (i % 4 === 0 ? a : b).send(i);
                sum += (await waiting)[1];
              } else {
                await b.send(i);
                sum += (await s.select(cases))[1];
              }
            }
            return sum;
          } finally {
            await s[Symbol.asyncDispose]();
          }
        },
        "js select": async () => {
          const a = new SelChannel(1);
          const b = new SelChannel(1);
          const cases = [
            [a, (v) => v],
            [b, (v) => v],
          ];
          let sum = 0;
          for (let i = 0; i < S.selectRounds; i++) {
            if (i % 2 === 0) {
              const waiting = jsSelect(cases);
              await (i % 4 === 0 ? a : b).send(i);
              sum += (await waiting)[1];
            } else {
              await b.send(i);
              sum += (await jsSelect(cases))[1];
            }
          }
          return sum;
        },
      },
    },
  ];
}
