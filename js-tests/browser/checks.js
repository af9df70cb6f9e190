// The checks the browser pages run against go-go-scope-wasm: the plain page
// (no bundler) and the Vite app import this file and pass it the package.
// Each check reports into the DOM (#results, then #summary with data-done)
// so the Node side (run.mjs) reads the results and a screenshot shows them.
// Then the runtime matrix's smoke program (../runtimes/smoke.mjs) runs and
// leaves its observations in #smoke for run.mjs to compare with expected.json.
import { smoke } from "../runtimes/smoke.mjs";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Rejects with `signal.reason` when `signal` aborts, else resolves after `ms`. */
const abortable = (signal, ms) =>
  new Promise((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(t);
      reject(signal.reason);
    }, { once: true });
  });

function expect(cond, what) {
  if (!cond) throw new Error(`expected ${what}`);
}

class NotFound extends Error {}

const checks = {
  /** A scope runs tasks, hands out services, and on disposal aborts, cleans up (LIFO) and waits. */
  async scope({ scope }) {
    const log = [];
    let taskSignal;
    const s = scope()
      .provide("db", () => ({ q: (x) => x * 2 }), () => void log.push("db"))
      .provide("cache", () => new Map(), () => void log.push("cache"));
    const [err, value] = await s.task(({ services }) => services.db.q(21));
    expect(err === undefined && value === 42, `[undefined, 42], got [${err}, ${value}]`);
    s.task(async ({ signal }) => {
      taskSignal = signal;
      await abortable(signal, 10_000).catch(() => log.push("task aborted"));
    });
    await s[Symbol.asyncDispose]();
    expect(s.isDisposed && s.signal.aborted, "a disposed, aborted scope");
    expect(s.signal.reason.message === "scope disposed", `reason "scope disposed", got ${s.signal.reason?.message}`);
    expect(taskSignal.aborted, "the task's signal aborted");
    expect(log.join(",") === "cache,db,task aborted", `cleanups LIFO then the task, got ${log}`);
    return `[undefined, ${value}]; disposal: ${log.join(" → ")}`;
  },

  /** A failing task gives the thrown object itself; `await using` works natively. */
  async task({ scope }) {
    await using s = scope();
    const thrown = new NotFound("no user 0");
    const [err, v] = await s.task(async () => {
      await sleep(5);
      throw thrown;
    });
    expect(err === thrown && err instanceof NotFound && v === undefined, "the same NotFound object");
    const t = s.task(() => "sync");
    expect(t.isStarted && typeof t.id === "number", "a started task with an id");
    const [, sync] = await t;
    expect(sync === "sync" && t.isSettled, "a settled task");
    return `error identity kept (NotFound: ${err.message}), task #${t.id} settled`;
  },

  /** Producer/consumer over a buffered channel, and a rendezvous channel. */
  async channel({ scope }) {
    await using s = scope();
    const ch = s.channel(2);
    s.task(async () => {
      for (let i = 1; i <= 5; i++) await ch.send(i);
      ch.close();
    });
    const got = [];
    for await (const v of ch) got.push(v);
    expect(got.join(",") === "1,2,3,4,5", `1..5 in order, got ${got}`);
    expect(ch.isClosed && ch.size === 0 && ch.cap === 2, "closed, drained, cap 2");
    const rv = s.channel(0);
    const sent = rv.send("hello");
    const received = await rv.receive();
    expect((await sent) === true && received === "hello", "a rendezvous");
    return `received ${got.join(",")}; rendezvous "${received}"`;
  },

  /** A task timeout aborts the task's own signal; a scope timeout aborts the scope. */
  async timeout({ scope }) {
    await using s = scope();
    let own;
    const t0 = performance.now();
    const [err] = await s.task(({ signal }) => {
      own = signal;
      return abortable(signal, 10_000);
    }, { timeout: 30 });
    const took = performance.now() - t0;
    expect(err?.message === "timeout after 30ms", `"timeout after 30ms", got ${err?.message}`);
    expect(own.aborted && own.reason === err, "the task's own signal aborted with that error");
    expect(took >= 25 && took < 1000, `about 30 ms, took ${took}`);
    await using timed = scope({ timeout: 20 });
    const [scopeErr] = await timed.task(({ signal }) => abortable(signal, 10_000));
    expect(scopeErr?.message === "timeout after 20ms" && timed.signal.aborted, "the scope timed out");
    return `task: "${err.message}" in ${Math.round(took)} ms; scope: "${scopeErr.message}"`;
  },

  /** Polls on an interval without overlap; stop() and scope disposal end it. */
  async poll({ scope }) {
    const seen = [];
    const s = scope();
    const c = s.poll(async ({ signal }) => {
      await sleep(2);
      expect(!signal.aborted, "a live signal");
      return seen.length + 1;
    }, (v) => void seen.push(v), { interval: 20 });
    await sleep(110);
    const st = c.status();
    expect(st.running && st.pollCount >= 3, `running with ≥ 3 polls, got ${JSON.stringify(st)}`);
    c.stop();
    await sleep(10); // a call in flight at stop() runs to its end
    const n = seen.length;
    await sleep(60);
    expect(seen.length === n && !c.status().running, "no call after stop()");
    c.start();
    await sleep(10);
    await s[Symbol.asyncDispose]();
    await sleep(10);
    const m = seen.length;
    await sleep(60);
    expect(seen.length === m && m > n, "restarted, then stopped by disposal");
    return `${m} values (${seen.join(",")}), stopped by stop() and by disposal`;
  },

  /** A fetch body (web ReadableStream) through s.stream: whole, early break, and abort. */
  async stream({ scope }) {
    const decoder = new TextDecoder();
    let text = "";
    {
      await using s = scope();
      const res = await fetch("/stream?n=5&ms=10", { signal: s.signal });
      for await (const chunk of s.stream(res.body)) text += decoder.decode(chunk, { stream: true });
    }
    const lines = text.trim().split("\n");
    expect(lines.join(",") === "chunk-1,chunk-2,chunk-3,chunk-4,chunk-5", `5 chunks, got ${lines}`);

    let body;
    {
      await using s = scope();
      const res = await fetch("/stream?n=50&ms=10", { signal: s.signal });
      body = res.body;
      for await (const chunk of s.stream(body)) {
        if (decoder.decode(chunk).includes("chunk-2")) break;
      }
      expect(!body.locked, "the reader released after break");
    }

    const t0 = performance.now();
    let stopped;
    try {
      await using s = scope({ timeout: 120 });
      const res = await fetch("/endless?id=abort", { signal: s.signal });
      for await (const chunk of s.stream(res.body)) void chunk;
    } catch (e) {
      stopped = e;
    }
    const took = performance.now() - t0;
    expect(stopped?.message === "timeout after 120ms", `"timeout after 120ms", got ${stopped?.message}`);
    expect(took < 1000, `stopped soon, took ${took}`);
    await sleep(100);
    const stats = await (await fetch("/stats")).json();
    expect(stats.closedEarly.includes("abort"), `the server saw the client go, got ${JSON.stringify(stats)}`);
    return `${lines.length} chunks; break released the reader; endless stream stopped by timeout in ${Math.round(took)} ms, server saw the disconnect`;
  },
};

/** Runs every check (or those named in ?only=a,b), reporting into the DOM. */
export async function runChecks(lib, { title = "go-go-scope-wasm", extra = {} } = {}) {
  document.title = title;
  document.body.innerHTML = `<h1>${title}</h1><ul id="results"></ul><p id="summary">running…</p>`;
  const list = document.getElementById("results");
  let passed = 0;
  let failed = 0;
  for (const [name, check] of Object.entries({ ...checks, ...extra })) {
    const li = document.createElement("li");
    li.dataset.check = name;
    try {
      const detail = await check(lib);
      li.dataset.ok = "true";
      li.textContent = `✔ ${name}: ${detail}`;
      passed++;
    } catch (e) {
      li.dataset.ok = "false";
      li.textContent = `✘ ${name}: ${e?.stack ?? e}`;
      failed++;
    }
    list.append(li);
  }
  const pre = document.createElement("pre");
  pre.id = "smoke";
  pre.hidden = true;
  try {
    pre.textContent = JSON.stringify(await smoke(lib));
  } catch (e) {
    pre.textContent = JSON.stringify({ threw: String(e?.stack ?? e) });
  }
  document.body.append(pre);
  const summary = document.getElementById("summary");
  summary.textContent = `${passed} passed, ${failed} failed`;
  summary.dataset.done = "true";
}
