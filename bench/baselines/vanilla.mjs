// Hand-written vanilla JavaScript equivalents of the benchmarked go-go-scope
// programs: what a careful programmer writes without a library.
//   - one AbortController per scope (tasks share the scope's signal),
//   - each task's outcome caught into a Result tuple [error, value],
//   - the controller aborted when the scope is left ("abort on exit"), with
//     the same reason go-go-scope uses, so reading `signal.reason` works.
// Nothing here is lazy: the AbortController and the abort reason are made on
// every scope, as a hand-written version would.

/** Runs `fn({ signal })` and settles to a Result tuple, never rejecting. */
export async function settle(fn, signal) {
  try {
    return [undefined, await fn({ signal })];
  } catch (e) {
    return [e, undefined];
  }
}

/** scope(); one task; dispose. */
export async function cycle(fn) {
  const ac = new AbortController();
  try {
    return await settle(fn, ac.signal);
  } finally {
    ac.abort(new Error("scope disposed"));
  }
}

/** scope({ timeout: ms }); one task; dispose. */
export async function cycleTimeout(fn, ms) {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(new Error(`timeout after ${ms}ms`)), ms);
  try {
    return await settle(fn, ac.signal);
  } finally {
    clearTimeout(timer);
    if (!ac.signal.aborted) ac.abort(new Error("scope disposed"));
  }
}

/** scope(); one task with retry { maxRetries }; dispose. */
export async function cycleRetry(fn, maxRetries) {
  const ac = new AbortController();
  try {
    let r;
    for (let attempt = 0; attempt <= maxRetries; attempt++) {
      r = await settle(fn, ac.signal);
      if (r[0] === undefined || ac.signal.aborted) break;
    }
    return r;
  } finally {
    ac.abort(new Error("scope disposed"));
  }
}

/** scope(); two tasks awaited together; dispose. */
export async function cycleTwo(f1, f2) {
  const ac = new AbortController();
  try {
    return await Promise.all([settle(f1, ac.signal), settle(f2, ac.signal)]);
  } finally {
    ac.abort(new Error("scope disposed"));
  }
}

/** race(factories): first to settle wins; the rest are aborted and awaited. */
export async function race(factories) {
  const ac = new AbortController();
  const runs = factories.map((f) => settle(f, ac.signal));
  try {
    return await Promise.race(runs);
  } finally {
    ac.abort(new Error("scope disposed"));
    await Promise.all(runs);
  }
}

/**
 * A hedged race with requireSuccess, by hand: the first factory at once, the
 * next after `stagger` ms or at once when one fails; the first success
 * wins; every failure gives an AggregateError in input order; the losers
 * are aborted and awaited.
 */
export function hedgedRace(factories, stagger) {
  const ac = new AbortController();
  const n = factories.length;
  const results = new Array(n);
  const runs = [];
  let next = 0;
  let failed = 0;
  let timer;
  return new Promise((resolve) => {
    let done = false;
    const finish = (r) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      ac.abort(new Error("scope disposed"));
      Promise.all(runs).then(() => resolve(r));
    };
    const start = () => {
      clearTimeout(timer);
      if (done || next >= n) return;
      const i = next++;
      if (next < n) timer = setTimeout(start, stagger);
      runs.push(
        settle(factories[i], ac.signal).then((r) => {
          results[i] = r;
          if (r[0] === undefined) return finish(r);
          if (++failed === n) return finish([new AggregateError(results.map((x) => x[0]), "All race competitors failed"), undefined]);
          start();
        }),
      );
    };
    start();
  });
}

/** n tasks in one scope, all awaited (fan-out). */
export async function fanOut(fn, n) {
  const ac = new AbortController();
  try {
    const runs = new Array(n);
    for (let i = 0; i < n; i++) runs[i] = settle(fn, ac.signal);
    return await Promise.all(runs);
  } finally {
    ac.abort(new Error("scope disposed"));
  }
}

/**
 * n tasks in one scope with at most `limit` running at once (FIFO queue), all
 * awaited: a minimal counting semaphore, as one would write it by hand.
 */
export async function limitedScope(fn, n, limit) {
  const ac = new AbortController();
  const signal = ac.signal;
  let active = 0;
  const queue = [];
  let head = 0;
  const release = () => {
    if (head < queue.length) {
      const next = queue[head];
      queue[head++] = undefined;
      next();
    } else active--;
  };
  const run = async () => {
    if (active < limit) active++;
    else await new Promise((r) => queue.push(r));
    try {
      return await settle(fn, signal);
    } finally {
      release();
    }
  };
  try {
    const runs = new Array(n);
    for (let i = 0; i < n; i++) runs[i] = run();
    return await Promise.all(runs);
  } finally {
    ac.abort(new Error("scope disposed"));
  }
}

/**
 * parallel(factories, { concurrency }): Results in input order, at most
 * `concurrency` factories running, started in input order (worker pool).
 */
export async function parallel(factories, concurrency) {
  const ac = new AbortController();
  const signal = ac.signal;
  const results = new Array(factories.length);
  let next = 0;
  const worker = async () => {
    while (next < factories.length) {
      const i = next++;
      results[i] = await settle(factories[i], signal);
    }
  };
  try {
    const workers = [];
    const n = Math.min(concurrency > 0 ? concurrency : factories.length, factories.length);
    for (let w = 0; w < n; w++) workers.push(worker());
    await Promise.all(workers);
    return results;
  } finally {
    ac.abort(new Error("scope disposed"));
  }
}
