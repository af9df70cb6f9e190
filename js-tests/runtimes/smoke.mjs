// The runtime smoke program: the same checks on every runtime of the matrix
// (Node 18-24 through import and require, Bun, Deno, workerd, an edge-style
// bundle). It uses only the public API, no `await using` (not every runtime
// parses it) and no Node APIs, and returns a JSON-able object of
// observations that must equal expected.json on every runtime. Timings are
// reported as booleans with wide margins (workerd's clock only moves on I/O).
//
// Launchers: main.mjs (import), main.cjs (require), worker.mjs (workerd and
// edge bundles). Each passes the package's exports to `smoke(lib)`.

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Resolves after `ms`, or rejects with `signal.reason` once `signal` aborts. */
function abortable(signal, ms) {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const t = setTimeout(resolve, ms);
    signal.addEventListener(
      "abort",
      () => {
        clearTimeout(t);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}

/** Disposes `s` after `body(s)`, like `await using s = …`. */
async function using(s, body) {
  try {
    return await body(s);
  } finally {
    await s[Symbol.asyncDispose]();
  }
}

class NotFound extends Error {
  constructor(id) {
    super(`no user ${id}`);
    this.name = "NotFound";
    this.id = id;
  }
}

const checks = {
  /** scope({ timeout }) aborts its signal and its tasks with "timeout after Nms". */
  async scopeTimeout({ scope }) {
    const s = scope({ timeout: 30 });
    return using(s, async () => {
      const [err, value] = await s.task(({ signal }) => abortable(signal, 10_000));
      return {
        message: err?.message,
        value: value ?? null,
        scopeAborted: s.signal.aborted,
        reasonIsTaskError: s.signal.reason === err,
      };
    });
  },

  /** A value gives [undefined, v]; a throw gives the very object thrown. */
  async taskResult({ scope }) {
    return using(scope(), async (s) => {
      const ok = await s.task(async () => {
        await sleep(1);
        return 42;
      });
      const thrown = new NotFound(7);
      const bad = await s.task(async () => {
        await sleep(1);
        throw thrown;
      });
      const t = s.task(() => "sync");
      const started = t.isStarted;
      const [, sync] = await t;
      return {
        ok: [ok[0] ?? null, ok[1]],
        isArray: Array.isArray(ok) && ok.length === 2,
        sameError: bad[0] === thrown,
        instanceOfNotFound: bad[0] instanceof NotFound,
        instanceOfError: bad[0] instanceof Error,
        name: bad[0]?.name,
        ownProperty: bad[0]?.id,
        valueOfFailure: bad[1] ?? null,
        sync,
        started,
        settled: t.isSettled,
        idIsNumber: typeof t.id === "number",
      };
    });
  },

  /** A task timeout fails the task and aborts its own signal with the same error. */
  async taskTimeout({ scope }) {
    return using(scope(), async (s) => {
      let own;
      const t0 = Date.now();
      const [err] = await s.task(
        ({ signal }) => {
          own = signal;
          return abortable(signal, 10_000);
        },
        { timeout: 20 },
      );
      return {
        message: err?.message,
        signalAborted: own.aborted,
        reasonIsError: own.reason === err,
        scopeStillLive: !s.signal.aborted,
        fast: Date.now() - t0 < 5_000,
      };
    });
  },

  /** Two producers on one buffered channel, one consumer: each value once, per-producer order kept. */
  async channel({ scope }) {
    return using(scope(), async (s) => {
      const ch = s.channel(2);
      const producer = (name) =>
        s.task(async () => {
          for (let i = 1; i <= 5; i++) {
            await ch.send(`${name}${i}`);
            if (i % 2) await sleep(1);
          }
        });
      const a = producer("a");
      const b = producer("b");
      s.task(async () => {
        await a;
        await b;
        ch.close();
      });
      const got = [];
      for await (const v of ch) got.push(v);
      const sentAfterClose = await ch.send("late");
      return {
        count: got.length,
        sorted: [...got].sort(),
        aOrder: got.filter((v) => v.startsWith("a")),
        bOrder: got.filter((v) => v.startsWith("b")),
        closed: ch.isClosed,
        size: ch.size,
        cap: ch.cap,
        sentAfterClose,
      };
    });
  },

  /** Channel backpressure (issue 19, go-go-scope 2.x): drop-oldest, drop-latest, error, both spellings. */
  async channelBackpressure({ scope, ChannelFullError }) {
    return using(scope(), async (s) => {
      const dropped = [];
      const oldest = s.channel(2, { backpressure: "drop-oldest", onDrop: (v) => dropped.push(v) });
      for (let i = 1; i <= 4; i++) await oldest.send(i);
      const latest = s.channel({ capacity: 1, backpressure: "drop-latest", onDrop: (v) => dropped.push(v) });
      const latestSent = [await latest.send("x"), await latest.send("y")];
      const full = s.channel(1, { backpressure: "error" });
      await full.send(1);
      const err = await full.send(2).then(
        () => null,
        (e) => e,
      );
      return {
        strategies: [s.channel(1).strategy, oldest.strategy, latest.strategy, full.strategy],
        kept: [await oldest.receive(), await oldest.receive()],
        dropped,
        latestSent,
        latestKept: await latest.receive(),
        fullError: {
          isClass: typeof ChannelFullError === "function" && err instanceof ChannelFullError,
          isError: err instanceof Error,
          name: err?.name,
          message: err?.message,
        },
      };
    });
  },

  /** race: the first to settle wins, the others' signals abort. */
  async race({ race, scope }) {
    const aborted = [];
    const factory = (name, ms) => async ({ signal }) => {
      try {
        await abortable(signal, ms);
        return name;
      } catch (e) {
        aborted.push(name);
        throw e;
      }
    };
    const [err, winner] = await race([factory("slow", 2_000), factory("fast", 10), factory("slower", 3_000)]);
    const failFirst = await race([
      async () => {
        await sleep(5);
        throw new NotFound(1);
      },
      factory("late", 2_000),
    ]);
    const inScope = await using(scope(), (s) => s.race([() => sleep(20).then(() => "b"), () => "a"]));
    const empty = await race([]);
    return {
      winner,
      err: err ?? null,
      losersAborted: aborted.sort(),
      failFirst: [failFirst[0] instanceof NotFound, failFirst[1] ?? null],
      inScope: [inScope[0] ?? null, inScope[1]],
      empty: empty[0]?.message,
    };
  },

  /** parallel with a limit of 2: never more than 2 at once, results in input order. */
  async parallel({ parallel }) {
    let active = 0;
    let maxActive = 0;
    const factories = [30, 10, 20, 5, 15].map((ms, i) => async () => {
      active++;
      maxActive = Math.max(maxActive, active);
      await sleep(ms);
      active--;
      if (i === 3) throw new NotFound(i);
      return i * 10;
    });
    const results = await parallel(factories, { concurrency: 2 });
    return {
      maxActive,
      values: results.map((r) => r[1] ?? null),
      errors: results.map((r) => (r[0] instanceof NotFound ? r[0].message : (r[0] ?? null))),
    };
  },

  /** poll runs on an interval and stops for good when its scope is disposed. */
  async poll({ scope }) {
    const seen = [];
    const s = scope();
    let n = 0;
    const controller = s.poll(
      async () => {
        await sleep(1);
        return ++n;
      },
      (v) => void seen.push(v),
      { interval: 10 },
    );
    await sleep(80);
    const runningBefore = controller.status().running;
    await s[Symbol.asyncDispose]();
    await sleep(5); // a call in flight at disposal may still finish
    const atDisposal = seen.length;
    await sleep(60);
    return {
      runningBefore,
      polledSeveral: atDisposal >= 2,
      inOrder: seen.every((v, i) => v === i + 1),
      noneAfterDisposal: seen.length === atDisposal,
      runningAfter: controller.status().running,
    };
  },

  /** stream over an async generator: all values, and break runs the source's finally. */
  async stream({ scope, stream }) {
    const log = [];
    async function* numbers(n) {
      try {
        for (let i = 1; i <= n; i++) {
          await sleep(1);
          yield i;
        }
      } finally {
        log.push(`finally after ${n}`);
      }
    }
    const all = [];
    const early = [];
    await using(scope(), async (s) => {
      for await (const v of s.stream(numbers(4))) all.push(v);
      for await (const v of s.stream(numbers(100))) {
        early.push(v);
        if (v === 3) break;
      }
    });
    const controller = new AbortController();
    const stopped = [];
    let reason;
    try {
      for await (const v of stream(numbers(100), controller.signal)) {
        stopped.push(v);
        if (v === 2) controller.abort(new NotFound("stream"));
      }
    } catch (e) {
      reason = e;
    }
    return {
      all,
      early,
      abortedAfter: stopped,
      abortReason: reason instanceof NotFound ? reason.message : String(reason),
      sourceCleanups: log,
    };
  },

  /** Disposal: the scope's signal aborts, cleanups run LIFO, then running tasks are awaited. */
  async cleanups({ scope }) {
    const cleanups = [];
    const task = [];
    const s = scope()
      .provide("db", () => ({ name: "db" }), (db) => void cleanups.push(`close ${db.name}${s.signal.aborted ? "" : " (live)"}`))
      .provide("cache", () => ({ name: "cache" }), async (c) => {
        await sleep(2);
        cleanups.push(`close ${c.name}${s.signal.aborted ? "" : " (live)"}`);
      });
    const [, service] = await s.task(({ services }) => services.db.name);
    s.task(() => "done", { onCleanup: () => void cleanups.push(`task onCleanup${s.signal.aborted ? "" : " (live)"}`) });
    s.task(async ({ signal }) => {
      await abortable(signal, 10_000).catch((e) => task.push(`saw ${e.message}`));
      await sleep(5);
      task.push("finished");
    });
    await s[Symbol.asyncDispose]();
    let spawnAfter;
    try {
      s.task(() => 1);
    } catch (e) {
      spawnAfter = e.message;
    }
    return {
      service,
      cleanups,
      task,
      disposed: s.isDisposed,
      reason: s.signal.reason?.message,
      spawnAfter,
    };
  },

  /** Beyond 1.0: onDispose, delay, onAbort, whenAborted, context, parallel onProgress. */
  async lifecycle({ scope, onAbort, whenAborted, parallel }) {
    const order = [];
    const s = scope({ context: { requestId: "r1" } });
    const child = scope({ parent: s });
    s.setContext("user", "ada");
    const context = [child.getContext("requestId"), child.getContext("user"), child.hasContext("nope")];
    s.onDispose(() => void order.push("onDispose"));
    s.provide("db", () => 1, () => void order.push("provide cleanup"));
    await s.delay(1);
    const pending = s.delay(60_000).then(
      () => "resolved",
      (e) => (e === s.signal.reason ? `rejected: ${e.message}` : "another reason"),
    );
    const ac = new AbortController();
    const seen = [];
    const sub = onAbort(ac.signal, (r) => seen.push(r));
    const when = whenAborted(ac.signal);
    ac.abort("stop");
    sub[Symbol.dispose]();
    const tree = scope({ name: "tree" });
    const tt = tree.task(({ signal }) => abortable(signal, 10_000).catch(() => "stopped"));
    const treeChild = scope({ parent: tree, name: "child" });
    const debugTree = tree.debugTree().replace(`#${tt.id}`, "#N");
    await treeChild[Symbol.asyncDispose]();
    await tree[Symbol.asyncDispose]();
    const progress = [];
    await parallel([() => sleep(10).then(() => "a"), () => "b"], { onProgress: (done, total, [, v]) => progress.push(`${done}/${total} ${v}`) });
    await child[Symbol.asyncDispose]();
    await s[Symbol.asyncDispose]();
    return { context, order, delay: await pending, onAbort: seen, whenAborted: await when, progress, debugTree };
  },

  /** Retry strategies (beyond 1.0): seeded delays are the same on every runtime; one as retry.delay. */
  async retryStrategies({ scope, exponentialBackoff, jitter, linear, decorrelatedJitter }) {
    const seq = (f) => [1, 2, 3, 4].map((a) => f(a));
    const s = scope();
    return using(s, async () => {
      let calls = 0;
      const [err, value] = await s.task(
        async () => {
          if (++calls < 3) throw new Error("flaky");
          return calls;
        },
        { retry: { maxRetries: 3, delay: exponentialBackoff({ initial: 2, max: 10 }) } },
      );
      let refused;
      try {
        jitter(100, 2);
      } catch (e) {
        refused = `${e.name}: ${e.message}`;
      }
      return {
        exponential: seq(exponentialBackoff({ initial: 100, max: 1000, jitter: 0.3, seed: 42 })),
        jitter: seq(jitter(1000, 0.2, 42)),
        linear: seq(linear(100, 50)),
        decorrelated: seq(decorrelatedJitter({ initial: 100, max: 5000, seed: 42 })),
        task: [err ?? null, value],
        refused,
      };
    });
  },

  /** go-go-scope 2.x's race options: requireSuccess, s.any, stagger, timeout (no timing read). */
  async raceOptions({ race, scope }) {
    const allFailed = await race([() => Promise.reject("a"), () => Promise.reject("b")], { requireSuccess: true });
    const starts = [];
    const chain = await race(
      [0, 1, 2].map((i) => async () => {
        starts.push(i);
        if (i < 2) throw new NotFound(i);
        return "third";
      }),
      { stagger: Infinity, requireSuccess: true },
    );
    const hedged = [];
    const first = await race(
      [0, 1].map((i) => async () => {
        hedged.push(i);
        return i;
      }),
      { staggerDelay: 60_000 },
    );
    let aborted = false;
    const timedOut = await race(
      [
        ({ signal }) =>
          abortable(signal, 60_000).catch((e) => {
            aborted = signal.reason === e;
            throw e;
          }),
      ],
      { timeout: 20 },
    );
    const any = await using(scope(), (s) => s.any([() => Promise.reject(new NotFound(1)), () => "ok"]));
    let bad;
    try {
      race([() => 1], { stagger: -1 });
    } catch (e) {
      bad = `${e.name}: ${e.message}`;
    }
    return {
      allFailed: [allFailed[0] instanceof AggregateError, allFailed[0]?.message, allFailed[0]?.errors, allFailed[1] ?? null],
      chain: [chain[1], starts],
      hedged: [first[1], hedged],
      timeout: [timedOut[0]?.message, aborted],
      any: any[1],
      bad,
    };
  },

  /** Beyond 1.0: TokenBucket and s.tokenBucket (FIFO grants, timeout, the scope's end), s.debounce. */
  async tokenBucket({ scope, TokenBucket }) {
    const fixed = new TokenBucket({ capacity: 2, refillRate: 0 });
    const tries = [fixed.tryAcquire(), fixed.tryAcquire(), fixed.tryAcquire()];
    const timeout = await fixed.acquire(1, { timeout: 10 }).then(() => "granted", (e) => e.message);
    fixed[Symbol.dispose]();
    const refilling = new TokenBucket({ capacity: 2, refillRate: 200, initialTokens: 0 });
    const order = [];
    await Promise.all([refilling.acquire(2).then(() => order.push("big")), refilling.acquire(1).then(() => order.push("small"))]);
    refilling[Symbol.dispose]();
    const s = scope();
    const waiting = s.tokenBucket({ capacity: 1, refillRate: 0, initialTokens: 0 }).acquire().then(
      () => "granted",
      (e) => (e === s.signal.reason ? `rejected: ${e.message}` : "another reason"),
    );
    const debounced = s.debounce((x) => x * 2, { wait: 1 });
    const ran = await Promise.all([debounced(1), debounced(2)]);
    const dropped = s.debounce(() => "never", { wait: 60_000 })();
    await s[Symbol.asyncDispose]();
    const [dropReason] = await dropped;
    return { tries, timeout, order, scopeEnd: await waiting, debounce: ran, debounceScopeEnd: dropReason === s.signal.reason };
  },

  /** Beyond 1.0: s.select and select (first ready case in order, a waiting select fires once, default, timeout, the scope's end, closed channels). */
  async select({ scope, select }) {
    const s = scope();
    const a = s.channel(1);
    const b = s.channel(1);
    await a.send("a1");
    await b.send("b1");
    const [, first] = await s.select([{ receive: b }, { receive: a }]);
    const c = s.channel(0);
    const waiting = s.select([{ receive: c, then: (v) => `c ${v}` }, { send: a, value: "never", then: () => "sent" }]);
    await c.send("c1");
    const [, fired] = await waiting;
    const left = [a.size, await a.receive(), b.size];
    const [, dflt] = await s.select(new Map([[c, (v) => v]]), { default: () => "default" });
    const [timedOut] = await select([{ receive: c }], { timeout: 5 });
    const pending = s.select([{ receive: c }]).then(([e]) => e === s.signal.reason);
    await s[Symbol.asyncDispose]();
    const d = scope();
    const closed = d.channel(0);
    closed.close();
    const [, onClosed] = await d.select([{ send: closed, value: 1 }]);
    const [, recvClosed] = await d.select([{ receive: closed, then: (v) => String(v) }]);
    await d[Symbol.asyncDispose]();
    return { first, fired, left, default: dflt, timeout: timedOut?.message, scopeEnd: await pending, onClosed, recvClosed };
  },
};

/** Runs every check; a check that throws is reported as { threw: "…" }. */
export async function smoke(lib) {
  const out = { exports: ["scope", "race", "parallel", "poll", "stream", "Channel", "Scope", "Task", "Semaphore", "onAbort", "whenAborted", "TokenBucket", "select"].filter((n) => n in lib) };
  for (const [name, check] of Object.entries(checks)) {
    try {
      out[name] = await check(lib);
    } catch (e) {
      out[name] = { threw: String(e?.stack ?? e) };
    }
  }
  return out;
}
