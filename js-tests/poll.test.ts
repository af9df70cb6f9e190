// poll(fn, onValue, options) and s.poll(...): SPEC "poll" and issue 5.
import { describe, expect, test } from "vitest";
import { poll, scope } from "go-go-scope-wasm";
import { liveCounts } from "./live";
import { sleep, until } from "./helpers";

describe("poll", () => {
  test("interval 20 ms: the calls come one after another, at least 20 ms apart", async () => {
    const ac = new AbortController();
    const at: number[] = [];
    poll(async () => void at.push(performance.now()), () => {}, { interval: 20, signal: ac.signal });
    await until(() => at.length >= 4);
    ac.abort();
    const n = at.length;
    await sleep(40);
    expect(at.length).toBe(n); // nothing after the abort
    // Timers may fire up to a millisecond early against performance.now().
    for (let i = 1; i < at.length; i++) expect(at[i]! - at[i - 1]!).toBeGreaterThanOrEqual(19);
  });

  test("default interval is 5000 ms and the first call is at once (immediate)", async () => {
    const ac = new AbortController();
    let calls = 0;
    const t0 = performance.now();
    const c = poll(() => ++calls, () => {}, { signal: ac.signal });
    expect(calls).toBe(1); // called synchronously, as 1.0 does
    await sleep(10);
    const st = c.status();
    expect(st.running).toBe(true);
    expect(st.pollCount).toBe(1);
    expect(st.timeUntilNext).toBeGreaterThan(5000 - (performance.now() - t0) - 2);
    expect(st.timeUntilNext).toBeLessThanOrEqual(5000);
    expect(typeof st.lastPollTime).toBe("number");
    expect(st.nextPollTime! - st.lastPollTime!).toBeGreaterThanOrEqual(5000);
    ac.abort();
  });

  test("status().nextPollTime counts from the end of the previous call (1.0: from its start)", async () => {
    const ac = new AbortController();
    const starts: number[] = [];
    let ended = false;
    const c = poll(async () => {
      starts.push(performance.now());
      await sleep(40);
      ended = true;
    }, () => {}, { interval: 300, signal: ac.signal });
    await until(() => ended); // the first call (40 ms) has ended
    await sleep(5); // and the next is armed, 300 ms away
    const st = c.status();
    expect(st.pollCount).toBe(1);
    // 1.0 would report lastPollTime + 300; here the end of the call + 300.
    expect(st.nextPollTime! - st.lastPollTime!).toBeGreaterThanOrEqual(339);
    await until(() => starts.length >= 2);
    ac.abort();
    expect(starts.length).toBe(2);
    expect(starts[1] - starts[0]).toBeGreaterThanOrEqual(335); // the call itself is scheduled after its end in 1.0 too
  });

  test("each successful value goes to onValue", async () => {
    const ac = new AbortController();
    const seen: number[] = [];
    let n = 0;
    poll(async () => ++n, (v) => void seen.push(v), { interval: 5, signal: ac.signal });
    await until(() => seen.length >= 3);
    ac.abort();
    expect(seen.slice(0, 3)).toEqual([1, 2, 3]);
  });

  test("fn works as (signal) => … and as ({ signal }) => …, with a real AbortSignal", async () => {
    await using s = scope().provide("db", () => ({ name: "db" }));
    let arg: any;
    s.poll((a) => { arg = a; return 1; }, () => {}, { interval: 1000 });
    expect(arg).toBeInstanceOf(AbortSignal);
    expect(arg.signal).toBe(arg);
    expect(arg.services.db.name).toBe("db");
    let destructured: AbortSignal | undefined;
    s.poll(({ signal }) => { destructured = signal; return 1; }, () => {}, { interval: 1000 });
    expect(destructured).toBeInstanceOf(AbortSignal);
    expect(destructured!.aborted).toBe(false);
    // A real AbortSignal: fetch-style APIs accept it.
    expect(() => AbortSignal.any([arg])).not.toThrow();
  });

  test("failures of fn and throws or rejections from onValue are swallowed; polling goes on", async () => {
    const ac = new AbortController();
    let calls = 0;
    poll(
      () => {
        calls++;
        if (calls === 1) throw new Error("sync fail");
        if (calls === 2) return Promise.reject(new Error("async fail"));
        return calls;
      },
      (v) => {
        if (v === 3) throw new Error("onValue throws");
        if (v === 4) return Promise.reject(new Error("onValue rejects"));
      },
      { interval: 5, signal: ac.signal },
    );
    // Five calls take ~25 ms; wait up to 2 s so a loaded machine's late
    // timers cannot fail it (the assertion is unchanged).
    for (let i = 0; i < 200 && calls < 5; i++) await sleep(10);
    ac.abort();
    expect(calls).toBeGreaterThanOrEqual(5);
  });

  test("no overlap when fn is slower than interval", async () => {
    const ac = new AbortController();
    let active = 0;
    let maxActive = 0;
    let calls = 0;
    poll(
      async () => {
        calls++;
        active++;
        maxActive = Math.max(maxActive, active);
        await sleep(30);
        active--;
      },
      () => {},
      { interval: 5, signal: ac.signal },
    );
    await sleep(120);
    ac.abort();
    expect(maxActive).toBe(1);
    expect(calls).toBeLessThanOrEqual(4); // each call takes 30 ms + 5 ms gap
  });

  test("the next call waits for onValue to finish", async () => {
    const ac = new AbortController();
    const log: string[] = [];
    poll(
      () => { log.push("fn"); return 1; },
      async () => { log.push("onValue start"); await sleep(25); log.push("onValue end"); },
      { interval: 2, signal: ac.signal },
    );
    await until(() => log.length >= 4);
    ac.abort();
    expect(log.slice(0, 4)).toEqual(["fn", "onValue start", "onValue end", "fn"]);
  });

  test("stop() and start() work", async () => {
    const ac = new AbortController();
    let calls = 0;
    const c = poll(() => ++calls, () => {}, { interval: 10, signal: ac.signal });
    await sleep(5);
    c.stop();
    const st = c.status();
    expect(st.running).toBe(false);
    expect(st.timeUntilNext).toBe(0);
    expect(st.nextPollTime).toBeUndefined();
    const stoppedAt = calls;
    await sleep(40);
    expect(calls).toBe(stoppedAt);
    c.start(); // immediate: calls at once
    expect(calls).toBe(stoppedAt + 1);
    expect(c.status().running).toBe(true);
    c.start(); // no-op while running
    expect(calls).toBe(stoppedAt + 1);
    await sleep(35);
    expect(calls).toBeGreaterThan(stoppedAt + 1);
    ac.abort();
  });

  test("stop() then start() while a call is in flight does not overlap", async () => {
    const ac = new AbortController();
    let active = 0;
    let maxActive = 0;
    const c = poll(
      async () => { active++; maxActive = Math.max(maxActive, active); await sleep(20); active--; },
      () => {},
      { interval: 5, signal: ac.signal },
    );
    c.stop();
    c.start();
    await sleep(60);
    ac.abort();
    expect(maxActive).toBe(1);
  });

  test("immediate: false returns a stopped controller; start() makes the first call after interval", async () => {
    const ac = new AbortController();
    let calls = 0;
    const c = poll(() => ++calls, () => {}, { interval: 300, immediate: false, signal: ac.signal });
    expect(c.status()).toEqual({ running: false, pollCount: 0, timeUntilNext: 0, lastPollTime: undefined, nextPollTime: undefined });
    await sleep(60);
    expect(calls).toBe(0); // nothing runs until start()
    expect(c.status().running).toBe(false);
    c.start();
    expect(calls).toBe(0); // not at once: after interval
    const st = c.status();
    expect(st.running).toBe(true);
    expect(st.pollCount).toBe(0);
    expect(st.timeUntilNext).toBeGreaterThan(290);
    expect(st.lastPollTime).toBeUndefined();
    await sleep(10);
    expect(calls).toBe(0);
    await until(() => calls === 1);
    expect(c.status().pollCount).toBe(1);
    ac.abort();
  });

  test("s.poll with immediate: false is stopped too until start()", async () => {
    await using s = scope();
    let calls = 0;
    const c = s.poll(() => ++calls, () => {}, { interval: 10, immediate: false });
    await sleep(40);
    expect(calls).toBe(0);
    expect(c.status()).toMatchObject({ running: false, pollCount: 0 });
    c.start();
    await sleep(40);
    expect(calls).toBeGreaterThanOrEqual(1);
    expect(c.status().running).toBe(true);
  });

  test("scope disposal stops polling for good and aborts the in-flight call's signal", async () => {
    const s = scope();
    let callSignal: AbortSignal | undefined;
    let calls = 0;
    const c = s.poll(({ signal }) => { calls++; callSignal = signal; return new Promise(() => {}); }, () => {}, { interval: 5 });
    expect(calls).toBe(1);
    await s[Symbol.asyncDispose]();
    expect(callSignal!.aborted).toBe(true);
    expect((callSignal!.reason as Error).message).toBe("scope disposed");
    expect(c.status().running).toBe(false);
    c.start();
    await sleep(20);
    expect(calls).toBe(1);
    expect(c.status()).toMatchObject({ running: false, pollCount: 1, timeUntilNext: 0 });
  });

  test("signal abort stops polling for good; start() afterwards does nothing", async () => {
    const ac = new AbortController();
    let calls = 0;
    const reason = new Error("stop now");
    let callSignal!: AbortSignal;
    const c = poll((signal) => { calls++; callSignal = signal; return sleep(50); }, () => {}, { interval: 5, signal: ac.signal });
    ac.abort(reason);
    expect(callSignal.aborted).toBe(true);
    expect(callSignal.reason).toBe(reason); // identity kept
    c.start();
    await sleep(70);
    expect(calls).toBe(1);
    expect(c.status().running).toBe(false);
  });

  test("a scope timeout stops polling", async () => {
    await using s = scope({ timeout: 30 });
    let calls = 0;
    const c = s.poll(() => ++calls, () => {}, { interval: 5 });
    await sleep(60);
    const seen = calls;
    expect(c.status().running).toBe(false);
    await sleep(20);
    expect(calls).toBe(seen);
  });

  test("an already-aborted signal throws its reason (as 1.0)", () => {
    const reason = new Error("already");
    expect(() => poll(() => 1, () => {}, { signal: AbortSignal.abort(reason) })).toThrow(reason);
  });

  test("a poll that died releases its machine record; 50 polls share one abort listener", async () => {
    const { getEventListeners } = await import("node:events");
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on("warning", onWarning);
    const before = liveCounts() as Record<string, number>;
    const ac = new AbortController();
    for (let i = 0; i < 50; i++) poll(() => 1, () => {}, { interval: 1000, signal: ac.signal });
    expect((liveCounts() as Record<string, number>).polls).toBe(before.polls + 50);
    expect(getEventListeners(ac.signal, "abort").length).toBe(1);
    ac.abort();
    expect(liveCounts()).toEqual(before);
    expect(getEventListeners(ac.signal, "abort").length).toBe(0);
    await new Promise((r) => setImmediate(r));
    process.off("warning", onWarning);
    expect(warnings).not.toContain("MaxListenersExceededWarning");
  });

  test("callbacks may re-enter the controller", async () => {
    const ac = new AbortController();
    let calls = 0;
    const c = poll(
      () => { calls++; c?.status(); return calls; },
      (v) => { if (v === 2) c.stop(); },
      { interval: 5, signal: ac.signal },
    );
    await sleep(40);
    expect(calls).toBe(2);
    expect(c.status().running).toBe(false);
    ac.abort();
  });

  describe("bad input", () => {
    const ok = () => 1;
    test.each([
      ["interval 0", () => poll(ok, ok, { interval: 0 }), RangeError, /interval/],
      ["interval -5", () => poll(ok, ok, { interval: -5 }), RangeError, /interval/],
      ["interval NaN", () => poll(ok, ok, { interval: NaN }), RangeError, /interval/],
      ["interval Infinity", () => poll(ok, ok, { interval: Infinity }), RangeError, /interval/],
      ["interval string", () => poll(ok, ok, { interval: "10" as any }), TypeError, /interval/],
      ["fn not a function", () => poll(42 as any, ok), TypeError, /fn must be a function/],
      ["onValue not a function", () => poll(ok, "x" as any), TypeError, /onValue must be a function/],
      ["options not an object", () => poll(ok, ok, 5 as any), TypeError, /options/],
      ["signal not an AbortSignal", () => poll(ok, ok, { signal: {} as any }), TypeError, /signal/],
      ["s.poll interval 0", () => scope().poll(ok, ok, { interval: 0 }), RangeError, /interval/],
      ["s.poll fn undefined", () => scope().poll(undefined as any, ok), TypeError, /fn/],
    ])("%s", (_name, call, type, message) => {
      expect(call).toThrow(type);
      expect(call).toThrow(message);
    });
  });
});
