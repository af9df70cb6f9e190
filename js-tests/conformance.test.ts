// The two faces agree: the same programs, written once with the npm package
// here and once with the Rust face (src/driver/web_tests.rs, faces_agree_*),
// must print the same traces, kept in conformance/expected.json. Both drive
// the same machine, so a rule that differed would show here.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { ChannelFullError, Scope, parallel, poll, race, scope } from "go-go-scope-wasm";

const expected = JSON.parse(readFileSync(join(__dirname, "conformance", "expected.json"), "utf8")) as Record<string, string[]>;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const message = (e: unknown) => (e instanceof Error ? e.message : String(e));
/** Waits for the signal's abort: the JS counterpart of a Rust future that never ends by itself. */
const forever = (signal: AbortSignal) =>
  new Promise((_, reject) => signal.addEventListener("abort", () => reject(signal.reason)));

const programs: Record<string, () => Promise<string[]>> = {
  async disposal() {
    const out: string[] = [];
    const s = scope()
      .provide("db", () => "db", () => void out.push("cleanup db"))
      .provide("cache", () => "cache", () => void out.push("cleanup cache"));
    const t = s.task(({ signal }) => forever(signal));
    await s[Symbol.asyncDispose]();
    const [err] = await t;
    out.unshift(`task ended: ${message(err)}`);
    out.push("disposed: ok");
    return out;
  },

  async "cleanup-errors"() {
    const s = scope()
      .provide("a", () => 1, () => Promise.reject(new Error("a failed")))
      .provide("b", () => 2, () => {
        throw new Error("b failed");
      });
    try {
      await s[Symbol.asyncDispose]();
      return ["disposed: ok"];
    } catch (e) {
      return [`disposal failed: ${message(e)}`];
    }
  },

  async timeouts() {
    const out: string[] = [];
    await using s = scope();
    const [e1] = await s.task(({ signal }) => forever(signal), { timeout: 30 });
    out.push(`task: ${message(e1)}`);
    const t = scope({ timeout: 40 });
    const [e2] = await t.task(({ signal }) => forever(signal));
    out.push(`scope: ${message(e2)}`, `scope aborted: ${t.signal.aborted}`);
    await t[Symbol.asyncDispose]();
    return out;
  },

  async retry() {
    const out: string[] = [];
    await using s = scope();
    let n = 0;
    const [err, v] = await s.task(
      async () => {
        n++;
        out.push(`attempt ${n}`);
        if (n < 3) throw new Error(`fail ${n}`);
        return n;
      },
      { retry: { maxRetries: 3, delay: (attempt) => attempt * 10, onRetry: (e, attempt) => void out.push(`retry ${attempt} after ${message(e)}`) } },
    );
    out.push(`result: ${err === undefined ? v : message(err)}`);
    return out;
  },

  async "retry-condition"() {
    const out: string[] = [];
    await using s = scope();
    let n = 0;
    const [err] = await s.task(
      async () => {
        out.push(`attempt ${++n}`);
        throw new Error("fatal");
      },
      { retry: { retryCondition: (e) => message(e) !== "fatal" } },
    );
    out.push(`result: ${message(err)}`);
    return out;
  },

  async breaker() {
    const out: string[] = [];
    await using s = scope({ circuitBreaker: { failureThreshold: 2, resetTimeout: 10_000 } });
    let calls = 0;
    for (let i = 1; i <= 3; i++) {
      const [err] = await s.task(async () => {
        calls++;
        throw new Error("down");
      });
      out.push(`call ${i}: ${message(err)}`);
    }
    out.push(`calls made: ${calls}`);
    return out;
  },

  async channel() {
    const out: string[] = [];
    await using s = scope();
    const ch = s.channel<number>(1);
    s.task(async () => {
      for (let i = 1; i <= 5; i++) await ch.send(i);
      ch.close();
    });
    for await (const v of ch) out.push(`received ${v}`);
    out.push("end");
    out.push(`send after close: ${(await ch.send(9)) ? "sent" : "closed"}`);
    return out;
  },

  async "channel-backpressure"() {
    const out: string[] = [];
    await using s = scope();
    for (const backpressure of ["drop-oldest", "drop-latest", "error"] as const) {
      const ch = s.channel<number>(2, { backpressure, onDrop: (v) => void out.push(`${backpressure}: dropped ${v}`) });
      for (let i = 1; i <= 4; i++) {
        try {
          await ch.send(i);
        } catch (e) {
          out.push(`${backpressure}: ${i} refused (full: ${e instanceof ChannelFullError})`);
        }
      }
      ch.close();
      const kept: number[] = [];
      for await (const v of ch) kept.push(v);
      out.push(`${backpressure}: kept ${kept.join(" ")}`);
    }
    const r = s.channel<number>(0, { backpressure: "error" });
    const waiting = r.receive();
    await r.send(7);
    out.push(`rendezvous: a waiting receiver got ${await waiting}`);
    return out;
  },

  async concurrency() {
    const out: string[] = [];
    await using s = scope({ concurrency: 2 });
    let running = 0;
    let most = 0;
    const tasks = [0, 1, 2, 3].map((i) =>
      s.task(async () => {
        out.push(`start ${i}`);
        most = Math.max(most, ++running);
        await sleep(20 + i * 15);
        out.push(`end ${i}`);
        running--;
      }),
    );
    await Promise.all(tasks);
    out.push(`most at once: ${most}`);
    return out;
  },

  async race() {
    await using s = scope();
    const make = (ms: number, ok: boolean) => async () => {
      await sleep(ms);
      if (!ok) throw new Error(`e${ms}`);
      return `v${ms}`;
    };
    const [err, v] = await s.race([make(60, true), make(10, false), make(40, true)]);
    return [`winner: ${err === undefined ? `value ${v}` : `error ${message(err)}`}`];
  },

  async parallel() {
    let running = 0;
    let most = 0;
    const results = await parallel(
      [0, 1, 2, 3].map((i) => async () => {
        most = Math.max(most, ++running);
        await sleep(10 + (3 - i) * 5);
        running--;
        if (i === 2) throw new Error(`e${i}`);
        return i;
      }),
      { concurrency: 2 },
    );
    const shown = results.map(([e, v]) => (e === undefined ? `ok ${v}` : `error ${message(e)}`)).join(", ");
    return [`results: ${shown}`, `most at once: ${most}`];
  },

  async refusals() {
    const out: string[] = [];
    const refused = (f: () => unknown) => {
      try {
        f();
        out.push("accepted");
      } catch (e) {
        out.push(message(e));
      }
    };
    refused(() => scope({ timeout: -1 }));
    refused(() => scope({ concurrency: 1.5 }));
    refused(() => scope({ circuitBreaker: { failureThreshold: 0 } }));
    refused(() => poll(async () => 1, () => {}, { interval: 0 }));
    const s = new Scope();
    await s[Symbol.asyncDispose]();
    refused(() => s.task(async () => 1));
    const [err] = await race([]);
    out.push(message(err));
    return out;
  },
};

describe("the two faces agree (conformance/expected.json)", () => {
  test("every program of the file has a JavaScript version and back", () => {
    expect(Object.keys(programs).sort()).toEqual(Object.keys(expected).filter((k) => !k.startsWith("_")).sort());
  });
  for (const [name, program] of Object.entries(programs)) {
    test(name, async () => {
      expect(await program()).toEqual(expected[name]);
    });
  }
});
