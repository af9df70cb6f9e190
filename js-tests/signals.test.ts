// Lazy AbortSignals and listener hygiene on user signals.
import { getEventListeners } from "node:events";
import { afterEach, describe, expect, test } from "vitest";
import { scope } from "go-go-scope-wasm";

const Original = globalThis.AbortController;
afterEach(() => {
  globalThis.AbortController = Original;
});

function countControllers() {
  const counter = { made: 0 };
  globalThis.AbortController = class extends Original {
    constructor() {
      super();
      counter.made++;
    }
  };
  return counter;
}

describe("lazy signals", () => {
  test("a scope and tasks whose signal nobody reads make no AbortController", async () => {
    const counter = countControllers();
    const s = scope();
    for (let i = 0; i < 100; i++) await s.task(async () => i);
    await s[Symbol.asyncDispose]();
    expect(counter.made).toBe(0);
  });

  test("reading a signal makes exactly one controller", async () => {
    const counter = countControllers();
    const s = scope();
    const t = s.task(({ signal }) => signal.aborted);
    expect(counter.made).toBe(1);
    void t.signal;
    void s.signal;
    void s.signal;
    expect(counter.made).toBe(2);
    await s[Symbol.asyncDispose]();
  });
});

describe("listener hygiene", () => {
  test("1,000 child scopes of one long-lived signal leave no listener behind", async () => {
    const ac = new AbortController();
    const scopes = [];
    for (let i = 0; i < 1000; i++) scopes.push(scope({ signal: ac.signal }));
    expect(getEventListeners(ac.signal, "abort").length).toBe(1);
    for (const s of scopes) await s[Symbol.asyncDispose]();
    expect(getEventListeners(ac.signal, "abort").length).toBe(0);
  });

  test("the shared listener still aborts every live scope", async () => {
    const ac = new AbortController();
    const a = scope({ signal: ac.signal });
    const b = scope({ signal: ac.signal });
    await a[Symbol.asyncDispose]();
    const c = scope({ signal: ac.signal });
    ac.abort("why");
    expect(b.signal.reason).toBe("why");
    expect(c.signal.reason).toBe("why");
    await b[Symbol.asyncDispose]();
    await c[Symbol.asyncDispose]();
    expect(getEventListeners(ac.signal, "abort").length).toBe(0);
  });

  test("a scope signal used as another scope's signal gets one listener, removed at dispose", async () => {
    await using parent = scope();
    const children = Array.from({ length: 20 }, () => scope({ signal: parent.signal }));
    expect(getEventListeners(parent.signal, "abort").length).toBe(1);
    for (const c of children) await c[Symbol.asyncDispose]();
    expect(getEventListeners(parent.signal, "abort").length).toBe(0);
  });

  test("a Semaphore or Channel made with a signal releases its link when it aborts or is disposed", async () => {
    const { Channel, Semaphore } = await import("go-go-scope-wasm");
    const { liveCounts } = await import("go-go-scope-wasm/internal");
    const before = liveCounts();
    const s = scope();
    const sem = new Semaphore(1, s.signal);
    const ch = new Channel<number>(0, s.signal);
    expect(getEventListeners(s.signal, "abort").length).toBe(1);
    await s[Symbol.asyncDispose]();
    await sem[Symbol.asyncDispose]();
    expect(getEventListeners(s.signal, "abort").length).toBe(0);
    expect(liveCounts()).toEqual(before);
    const ac = new AbortController();
    const sem2 = new Semaphore(1, ac.signal);
    await sem2[Symbol.asyncDispose]();
    const ch2 = new Channel<number>(1, ac.signal);
    await ch2[Symbol.asyncDispose]();
    expect(getEventListeners(ac.signal, "abort").length).toBe(0);
    void ch;
  });

  test("10,000 tasks reading their signal raise no MaxListenersExceededWarning", async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on("warning", onWarning);
    const s = scope();
    const tasks = [];
    for (let i = 0; i < 10_000; i++) tasks.push(s.task(({ signal }) => new Promise((r) => signal.addEventListener("abort", r))));
    await s[Symbol.asyncDispose]();
    await Promise.all(tasks);
    await new Promise((r) => setImmediate(r));
    process.off("warning", onWarning);
    expect(warnings).not.toContain("MaxListenersExceededWarning");
    expect(getEventListeners(s.signal, "abort").length).toBe(0);
  });
});
