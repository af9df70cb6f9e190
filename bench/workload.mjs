// Random programs of scopes, nested scopes, tasks (random delays, failures,
// retry, timeouts), channels with several producers and consumers,
// semaphores, race, parallel, poll and provide, with disposal at random
// points, including from inside callbacks. Shared by the property test
// (js-tests/property.test.ts, 200 programs) and the soak (bench/soak.mjs,
// 10,000 programs and 60 s of load).
//
// `programArb(fc)` is the fast-check arbitrary; `runProgram(lib, program)`
// runs one against the package `lib` and throws an Error naming the first
// broken invariant:
//   - every task settles exactly once, to a 2-tuple (one side undefined);
//   - every send that resolved true is received exactly once, or was still
//     buffered when the channel was aborted (per producer the received values
//     are a prefix of the accepted ones; at most `capacity` are missing);
//   - semaphores never run more than `permits` functions at once; polls never
//     overlap;
//   - after dispose resolves every task is settled; once the program's own
//     promises have settled the live Rust tables are back to baseline (no
//     task, scope, token, link, poll, stream — hence no package timer);
//   - nothing hangs (every await is bounded by a watchdog);
//   - a plain scope/task/channel round trip works afterwards.
// Unhandled rejections are the caller's to watch (process event).

const MAX_DEPTH = 2;

/** The fast-check arbitrary of one program. */
export function programArb(fc) {
  const delay = fc.integer({ min: 0, max: 5 });
  const rare = fc.integer({ min: 0, max: 7 }).map((n) => n === 0);
  const opt = (arb) => fc.option(arb, { nil: undefined, freq: 3 });

  const task = fc.record({
    kind: fc.constant("task"),
    delay,
    outcome: fc.constantFrom("ok", "reject", "syncThrow", "syncValue", "hang"),
    timeout: opt(fc.integer({ min: 1, max: 8 })),
    retry: opt(
      fc.record({
        maxRetries: fc.integer({ min: 0, max: 2 }),
        delay: fc.oneof(fc.integer({ min: 0, max: 2 }), fc.constant("fn")),
        failTimes: fc.integer({ min: 0, max: 3 }),
        condition: fc.constantFrom("always", "never", "dispose"),
        onRetryDisposes: rare,
        delayFnDisposes: rare,
      }),
    ),
    onCleanup: fc.constantFrom("none", "ok", "spawn", "dispose"),
    disposeInside: rare,
  });
  const channel = fc.record({
    kind: fc.constant("channel"),
    cap: fc.integer({ min: 0, max: 3 }),
    producers: fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 3 }),
    consumers: fc.integer({ min: 1, max: 3 }),
    style: fc.constantFrom("forAwait", "receive"),
    close: fc.boolean(),
    disposeAfter: opt(fc.integer({ min: 0, max: 6 })),
  });
  const semaphore = fc.record({
    kind: fc.constant("semaphore"),
    permits: fc.integer({ min: 1, max: 3 }),
    jobs: fc.array(delay, { maxLength: 5 }),
  });
  const factories = fc.array(fc.record({ delay, fail: fc.boolean() }), { maxLength: 4 });
  const race = fc.record({ kind: fc.constant("race"), factories, scoped: fc.boolean() });
  const parallel = fc.record({
    kind: fc.constant("parallel"),
    factories,
    concurrency: fc.integer({ min: 0, max: 3 }),
    failFast: fc.boolean(),
    scoped: fc.boolean(),
  });
  const poll = fc.record({
    kind: fc.constant("poll"),
    interval: fc.integer({ min: 1, max: 4 }),
    stopAfter: fc.integer({ min: 1, max: 3 }),
    fail: fc.boolean(),
    disposeFromOnValue: rare,
  });
  const provide = fc.record({
    kind: fc.constant("provide"),
    cleanup: fc.constantFrom("none", "ok", "async", "throws", "dispose", "spawn"),
  });
  const stream = fc.record({
    kind: fc.constant("stream"),
    items: fc.integer({ min: 0, max: 4 }),
    disposeAt: opt(fc.integer({ min: 0, max: 4 })),
  });
  const sleep = fc.record({ kind: fc.constant("sleep"), ms: delay });
  const dispose = fc.record({ kind: fc.constant("dispose") });

  const { actions } = fc.letrec((tie) => ({
    actions: fc.array(tie("action"), { maxLength: 7 }),
    action: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      { arbitrary: task, weight: 6 },
      { arbitrary: sleep, weight: 2 },
      { arbitrary: channel, weight: 2 },
      { arbitrary: semaphore, weight: 1 },
      { arbitrary: race, weight: 1 },
      { arbitrary: parallel, weight: 1 },
      { arbitrary: poll, weight: 1 },
      { arbitrary: provide, weight: 1 },
      { arbitrary: stream, weight: 1 },
      { arbitrary: dispose, weight: 1 },
      {
        arbitrary: fc.record({
          kind: fc.constant("child"),
          timeout: opt(fc.integer({ min: 1, max: 10 })),
          concurrency: opt(fc.integer({ min: 1, max: 2 })),
          actions: tie("actions"),
          disposeEarly: fc.boolean(),
        }),
        weight: 1,
      },
    ),
  }));
  return fc.record({
    timeout: opt(fc.integer({ min: 1, max: 15 })),
    concurrency: opt(fc.integer({ min: 1, max: 3 })),
    actions,
  });
}

class Violation extends Error {}
const fail = (msg) => {
  throw new Violation(msg);
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Resolves after `ms` or rejects with the reason when `signal` aborts. */
function work(signal, ms, value) {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve(value);
    }, ms);
    function onAbort() {
      clearTimeout(t);
      reject(signal.reason);
    }
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/** Awaits `p` but fails the program if it takes longer than `ms` (a hang). */
async function bounded(p, what, ms = 3000) {
  let timer;
  const watchdog = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Violation(`hang: ${what} did not settle within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, watchdog]);
  } finally {
    clearTimeout(timer);
  }
}

function isTuple(r) {
  // [undefined, value] (value may be undefined) or [error, undefined].
  return Array.isArray(r) && r.length === 2 && (r[0] === undefined || r[1] === undefined);
}

/**
 * Runs one program; throws a Violation naming the broken invariant. `hooks`
 * is the `go-go-scope-wasm/internal` subpath (its `liveCounts()`).
 */
export async function runProgram(lib, program, hooks) {
  const { scope, Semaphore, race, parallel } = lib;
  const { liveCounts } = hooks;
  const baseline = liveCounts();
  const tasks = []; // Task objects
  const pending = []; // promises of the program itself (must all settle)
  const scopes = []; // every scope made, for the final disposal
  const disposals = new Map(); // scope -> first dispose promise
  const channels = [];
  const semaphores = [];
  const cleanupErrors = new Set();
  let serial = 0;

  /** Disposes once; later calls get the first call's promise. */
  function disposeOf(s) {
    let p = disposals.get(s);
    if (p === undefined) {
      p = s[Symbol.asyncDispose]();
      p.catch(() => {}); // cleanup errors are checked at the end
      disposals.set(s, p);
    }
    return p;
  }

  /** Awaits the disposal; it may reject only with this program's cleanup errors. */
  async function finish(s) {
    try {
      await bounded(disposeOf(s), "scope dispose");
    } catch (e) {
      if (e instanceof Violation) throw e;
      const msgs = e?.message?.startsWith("Multiple errors during scope disposal: ")
        ? e.message.slice("Multiple errors during scope disposal: ".length).split(", ")
        : [e?.message];
      for (const m of msgs) if (!cleanupErrors.has(m)) fail(`dispose rejected with ${e?.stack ?? e}`);
    }
    if (!s.isDisposed) fail("isDisposed false after dispose resolved");
  }

  /** Calls that throw synchronously may do so only on a finished scope. */
  function guarded(s, what, f) {
    try {
      return f();
    } catch (e) {
      if (!(s.isDisposed || s.signal.aborted)) fail(`${what} threw on a live scope: ${e?.stack ?? e}`);
      if (!(e instanceof Error)) fail(`${what} threw a non-Error: ${e}`);
      return undefined;
    }
  }

  function spawn(s, fn, options, what = "task") {
    const t = guarded(s, what, () => s.task(fn, options));
    if (t !== undefined) tasks.push(t);
    return t;
  }

  function runTask(s, a) {
    let attempts = 0;
    const fn = ({ signal }) => {
      attempts++;
      if (a.disposeInside) void disposeOf(s);
      const failing = a.retry !== undefined && attempts <= a.retry.failTimes;
      if (failing) return Promise.reject(new Error(`attempt ${attempts} failed`));
      switch (a.outcome) {
        case "ok":
          return work(signal, a.delay, "v");
        case "reject":
          return work(signal, a.delay, "v").then(() => Promise.reject(new Error("boom")));
        case "syncThrow":
          throw new Error("sync boom");
        case "syncValue":
          return "sync";
        case "hang":
          return new Promise((_, reject) => {
            // Never resolves on its own: only abort (dispose/timeout) ends it.
            if (signal.aborted) return reject(signal.reason);
            signal.addEventListener("abort", () => reject(signal.reason), { once: true });
          });
      }
      return "v";
    };
    const options = {};
    if (a.timeout !== undefined) options.timeout = a.timeout;
    if (a.retry !== undefined) {
      const r = a.retry;
      options.retry = {
        maxRetries: r.maxRetries,
        delay:
          r.delay === "fn"
            ? (attempt) => {
                if (r.delayFnDisposes) void disposeOf(s);
                return attempt;
              }
            : r.delay,
        retryCondition:
          r.condition === "always"
            ? () => true
            : r.condition === "never"
              ? () => false
              : () => {
                  void disposeOf(s);
                  return true;
                },
        onRetry: () => {
          if (r.onRetryDisposes) void disposeOf(s);
        },
      };
    }
    if (a.onCleanup !== "none") {
      options.onCleanup = () => {
        if (a.onCleanup === "spawn") {
          // Spawning from a cleanup: the scope is disposed, so this throws.
          try {
            s.task(() => 1);
            fail("spawned a task on a disposing scope");
          } catch (e) {
            if (e instanceof Violation) throw e;
          }
        }
        if (a.onCleanup === "dispose") void disposeOf(s);
      };
    }
    spawn(s, fn, options);
  }

  function runChannel(s, a) {
    const ch = guarded(s, "channel", () => s.channel(a.cap));
    if (ch === undefined) return;
    const id = serial++;
    const record = { cap: a.cap, accepted: a.producers.map(() => []), received: [], id };
    channels.push(record);
    const producers = a.producers.map((count, p) =>
      spawn(s, async () => {
        for (let i = 0; i < count; i++) {
          const ok = await ch.send([id, p, i]);
          if (ok === true) record.accepted[p].push(i);
          else if (ok !== false) fail(`send resolved ${ok}`);
          else break;
        }
      }),
    );
    let done = 0;
    const producersDone = Promise.all(producers.filter((t) => t !== undefined));
    if (a.close) {
      pending.push(
        producersDone.then(() => {
          try {
            ch.close();
          } catch (e) {
            fail(`close threw: ${e}`);
          }
        }),
      );
    }
    const got = (v) => {
      if (!Array.isArray(v) || v[0] !== id) fail(`channel ${id} received a stranger ${JSON.stringify(v)}`);
      record.received.push(v);
      done++;
      if (a.disposeAfter !== undefined && done === a.disposeAfter) void disposeOf(s);
    };
    for (let c = 0; c < a.consumers; c++) {
      spawn(s, async () => {
        if (a.style === "forAwait") {
          for await (const v of ch) got(v);
        } else {
          for (;;) {
            const v = await ch.receive();
            if (v === undefined) break;
            got(v);
          }
        }
      });
    }
  }

  function runSemaphore(s, a) {
    let sem;
    try {
      sem = new Semaphore(a.permits, s.signal);
    } catch (e) {
      fail(`new Semaphore threw: ${e}`);
    }
    semaphores.push(sem);
    let inUse = 0;
    for (const d of a.jobs) {
      spawn(s, ({ signal }) =>
        sem.acquire(async () => {
          inUse++;
          if (inUse > a.permits) fail(`semaphore: ${inUse} > ${a.permits} permits in use`);
          try {
            return await work(signal, d, "ok");
          } finally {
            inUse--;
          }
        }),
      );
    }
  }

  const factoriesOf = (list) =>
    list.map((f, i) => (arg) =>
      work(arg.signal, f.delay, i).then((v) => (f.fail ? Promise.reject(new Error(`factory ${i}`)) : v)),
    );

  function runRace(s, a) {
    const p = guarded(s, "race", () => (a.scoped ? s.race(factoriesOf(a.factories)) : race(factoriesOf(a.factories), { signal: s.signal })));
    if (p === undefined) return;
    pending.push(
      Promise.resolve(p).then((r) => {
        if (!isTuple(r)) fail(`race gave ${JSON.stringify(r)}`);
        if (a.factories.length === 0 && r[0]?.message !== "Cannot race empty array of factories") fail(`empty race gave ${r[0]}`);
      }),
    );
  }

  function runParallel(s, a) {
    const fs = factoriesOf(a.factories);
    const p = guarded(s, "parallel", () =>
      a.scoped ? s.parallel(fs, { failFast: a.failFast }) : parallel(fs, { signal: s.signal, concurrency: a.concurrency, failFast: a.failFast }),
    );
    if (p === undefined) return;
    pending.push(
      Promise.resolve(p).then(
        (rs) => {
          if (!Array.isArray(rs) || rs.length !== a.factories.length || !rs.every(isTuple)) fail(`parallel gave ${rs}`);
        },
        (e) => {
          if (!a.failFast) fail(`parallel without failFast rejected: ${e}`);
          if (!(e instanceof Error)) fail(`parallel failFast rejected with a non-Error: ${e}`);
        },
      ),
    );
  }

  function runPoll(s, a) {
    let inFlight = 0;
    let values = 0;
    let calls = 0;
    const c = guarded(s, "poll", () =>
      s.poll(
        async ({ signal }) => {
          if (inFlight++ !== 0) fail("poll calls overlap");
          try {
            calls++;
            await work(signal, 1, calls);
            if (a.fail && calls % 2 === 0) throw new Error("poll failed");
            return calls;
          } finally {
            inFlight--;
          }
        },
        () => {
          values++;
          if (values === a.stopAfter) {
            if (a.disposeFromOnValue) void disposeOf(s);
            else c.stop();
          }
        },
        { interval: a.interval },
      ),
    );
  }

  function runProvide(s, a) {
    const key = `svc${serial++}`;
    const cleanup =
      a.cleanup === "none"
        ? undefined
        : a.cleanup === "ok"
          ? () => {}
          : a.cleanup === "async"
            ? () => sleep(1)
            : a.cleanup === "throws"
              ? () => {
                  const e = new Error(`cleanup ${key} failed`);
                  cleanupErrors.add(e.message);
                  throw e;
                }
              : a.cleanup === "dispose"
                ? () => void disposeOf(s)
                : () => {
                    try {
                      s.task(() => 1);
                      fail("spawned a task on a disposing scope");
                    } catch (e) {
                      if (e instanceof Violation) throw e;
                    }
                  };
    guarded(s, "provide", () => s.provide(key, () => ({ key }), cleanup));
  }

  function runStream(s, a) {
    let returned = 0;
    async function* source() {
      try {
        for (let i = 0; i < a.items; i++) {
          await sleep(1);
          yield i;
        }
      } finally {
        returned++;
      }
    }
    spawn(s, async () => {
      let n = 0;
      for await (const v of s.stream(source())) {
        if (v !== n) fail(`stream gave ${v}, expected ${n}`);
        if (a.disposeAt === n) void disposeOf(s);
        n++;
      }
      return n;
    });
    pending.push(
      Promise.resolve().then(async () => {
        // The source is cleaned up once, however the loop ended.
        await sleep(0);
        if (returned > 1) fail(`stream source return() ran ${returned} times`);
      }),
    );
  }

  async function runActions(s, actions, depth) {
    for (const a of actions) {
      switch (a.kind) {
        case "task":
          runTask(s, a);
          break;
        case "sleep":
          await sleep(a.ms);
          break;
        case "channel":
          runChannel(s, a);
          break;
        case "semaphore":
          runSemaphore(s, a);
          break;
        case "race":
          runRace(s, a);
          break;
        case "parallel":
          runParallel(s, a);
          break;
        case "poll":
          runPoll(s, a);
          break;
        case "provide":
          runProvide(s, a);
          break;
        case "stream":
          runStream(s, a);
          break;
        case "dispose":
          void disposeOf(s);
          break;
        case "child": {
          if (depth >= MAX_DEPTH) break;
          const opts = { parent: s };
          if (a.timeout !== undefined) opts.timeout = a.timeout;
          if (a.concurrency !== undefined) opts.concurrency = a.concurrency;
          const c = scope(opts);
          scopes.push(c);
          await runActions(c, a.actions, depth + 1);
          if (a.disposeEarly) await finish(c);
          break;
        }
      }
    }
  }

  const rootOpts = {};
  if (program.timeout !== undefined) rootOpts.timeout = program.timeout;
  if (program.concurrency !== undefined) rootOpts.concurrency = program.concurrency;
  const root = scope(rootOpts);
  scopes.push(root);
  await runActions(root, program.actions, 0);

  // Dispose everything, innermost last made first; every dispose resolves
  // (or rejects only with the cleanup errors of this program).
  for (const s of [...scopes].reverse()) await finish(s);
  // After dispose resolved, no task is still running.
  for (const t of tasks) if (!t.isSettled) fail(`task ${t.id} not settled after its scope was disposed`);
  for (const t of tasks) {
    const r1 = await t;
    const r2 = await t;
    if (!isTuple(r1)) fail(`task ${t.id} settled to ${JSON.stringify(r1)}`);
    if (r1 !== r2) fail(`task ${t.id} settled twice (two different Results)`);
  }
  await bounded(Promise.all(pending), "the program's own promises");

  // Channels: exactly once, FIFO per producer, only buffered values lost.
  for (const c of channels) {
    const seen = new Set();
    let missing = 0;
    for (const [, p, i] of c.received) {
      const k = `${p}:${i}`;
      if (seen.has(k)) fail(`channel ${c.id}: value ${k} received twice`);
      seen.add(k);
    }
    c.accepted.forEach((acc, p) => {
      const got = c.received.filter((v) => v[1] === p).map((v) => v[2]);
      for (let j = 0; j < got.length; j++) {
        if (got[j] !== acc[j]) fail(`channel ${c.id}: producer ${p} sent ${acc} (accepted) but ${got} arrived`);
      }
      missing += acc.length - got.length;
    });
    if (missing > c.cap) fail(`channel ${c.id}: ${missing} accepted values lost, capacity ${c.cap}`);
  }

  // A Semaphore made with a signal releases its link to that signal when it
  // aborts (the signal, or dispose): no .free() needed.
  for (const sem of semaphores) {
    await sem[Symbol.asyncDispose]();
  }

  // No live machine state (hence no pending package timer): every table
  // liveCounts() reports is back to its baseline. A settled straggler may
  // need a turn of the event loop to unlink.
  const changed = (now) => Object.keys({ ...now, ...baseline }).some((k) => now[k] !== baseline[k]);
  let now = liveCounts();
  for (let i = 0; i < 3 && changed(now); i++) {
    await sleep(1);
    now = liveCounts();
  }
  if (changed(now)) {
    fail(`live ${JSON.stringify(now)} after the program, baseline ${JSON.stringify(baseline)}`);
  }

  // The module keeps working.
  {
    const s = scope();
    const ch = s.channel(1);
    const [e, v] = await bounded(
      s.task(async () => {
        await ch.send(41);
        return (await ch.receive()) + 1;
      }),
      "round trip",
    );
    await bounded(s[Symbol.asyncDispose](), "round-trip dispose");
    if (e !== undefined || v !== 42) fail(`round trip gave [${e}, ${v}]`);
  }
}
