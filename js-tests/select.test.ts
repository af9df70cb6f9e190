// `select` (issue 19, go-go-scope 2.x's `s.select` with Go's semantics):
// one case fires; the others take nothing; a timeout or the scope's abort
// cancels a waiting select. The rule is the machine's (src/machine/select.rs).
import { describe, expect, test } from "vitest";
import { Channel, Scope, scope, select } from "go-go-scope-wasm";
import { expectNothingLive, liveCounts } from "./live";
import { sleep } from "./helpers";

describe("select", () => {
  test("the first ready case in order fires; the others take nothing", async () => {
    {
      await using s = scope();
      const a = s.channel<number>(1);
      const b = s.channel<string>(1);
      await a.send(1);
      await b.send("x");
      const r = await s.select([
        { receive: b, then: (v) => `b:${v}` },
        { receive: a, then: (v) => `a:${v}` },
      ]);
      expect(r).toEqual([undefined, "b:x"]);
      expect(a.size).toBe(1);
      expect(liveCounts().channelSlots).toBe(1);
    }
    expectNothingLive();
  });

  test("2.x's Map form receives; default fires when nothing is ready", async () => {
    {
      await using s = scope();
      const a = s.channel<number>(0);
      expect(await s.select(new Map([[a, async (v: number) => v * 2]]), { default: () => "idle" })).toEqual([undefined, "idle"]);
      const p = s.select(new Map([[a, async (v: number) => v * 2]]));
      expect(await a.send(21)).toBe(true);
      expect(await p).toEqual([undefined, 42]);
    }
    expectNothingLive();
  });

  test("a waiting select fires once; a withdrawn send's value is never delivered", async () => {
    {
      await using s = scope();
      const a = s.channel<number>(0);
      const b = s.channel<string>(0);
      const p = s.select([
        { receive: a, then: (v) => ["a", v] },
        { send: b, value: "never", then: (ok) => ["b", ok] },
      ]);
      await sleep(1);
      expect(liveCounts().selects).toBe(1);
      await a.send(7);
      expect(await p).toEqual([undefined, ["a", 7]]);
      expect(liveCounts().channelSlots).toBe(0);
      let got: unknown = "none";
      void b.receive().then((v) => (got = v));
      await sleep(1);
      expect(got).toBe("none");
      await b.send("later");
      await sleep(1);
      expect(got).toBe("later");
    }
    expectNothingLive();
  });

  test("send cases: delivered gives true; a closed channel gives false; receive on closed gives undefined", async () => {
    {
      await using s = scope();
      const a = s.channel<number>(0);
      const got = a.receive();
      expect(await s.select([{ send: a, value: 5 }])).toEqual([undefined, true]);
      expect(await got).toBe(5);
      // Two selects meet: a waiting send case, then a receive case.
      const waiting = s.select([{ send: a, value: 6, then: (ok) => ok }]);
      expect(await s.select([{ receive: a }])).toEqual([undefined, 6]);
      expect(await waiting).toEqual([undefined, true]);
      const refused = s.select([{ send: a, value: 7 }]);
      const receiving = s.select([{ receive: s.channel<number>(0) }]);
      a.close();
      expect(await refused).toEqual([undefined, false]);
      expect(await s.select([{ receive: s.channel<number>(0) }, { receive: a }])).toEqual([undefined, undefined]);
      expect(await s.select([{ send: a, value: 8 }])).toEqual([undefined, false]);
      void receiving;
    }
    expectNothingLive();
  });

  test("timeout: timeout after <ms>ms, nothing taken", async () => {
    {
      await using s = scope();
      const a = s.channel<number>(0);
      const [e, v] = await s.select([{ receive: a }, { send: a, value: 1 }], { timeout: 5 });
      expect(v).toBeUndefined();
      expect((e as Error).message).toBe("timeout after 5ms");
      expect(liveCounts().channelSlots).toBe(0);
      expect(liveCounts().timers).toBe(0);
      const [e2] = await select([{ receive: s.channel<number>(0) }], { timeout: 3 });
      expect((e2 as Error).message).toBe("timeout after 3ms");
    }
    expectNothingLive();
  });

  test("the scope's abort cancels a waiting select with the very reason, and a then that throws gives its error", async () => {
    const s = scope();
    const a = new Channel<number>(0);
    const p = s.select([{ receive: a }]);
    await sleep(1);
    await s[Symbol.asyncDispose]();
    const [e] = await p;
    expect(e).toBe(s.signal.reason);
    expect(liveCounts().channelSlots).toBe(0); // it took nothing
    await a[Symbol.asyncDispose]();
    const boom = new Error("boom");
    await using s2 = scope();
    const b = s2.channel<number>(1);
    await b.send(1);
    expect(await s2.select([{ receive: b, then: () => { throw boom; } }])).toEqual([boom, undefined]);
    expect(await s.select([{ receive: b }])).toEqual([s.signal.reason, undefined]);
  });

  test("bad and hostile input fail the call and break nothing", async () => {
    {
      await using s = scope();
      const a = s.channel<number>(1);
      const sel = s.select.bind(s) as (c: unknown, o?: unknown) => Promise<unknown>;
      expect(() => sel(42)).toThrow(new TypeError("select: cases must be a Map or an array, got number"));
      expect(() => sel([{}])).toThrow(new TypeError("select: cases[0] must have one of receive or send"));
      expect(() => sel([{ receive: a, send: a }])).toThrow(TypeError);
      expect(() => sel([{ receive: {} }])).toThrow(new TypeError("select: cases[0].receive must be a Channel, got object"));
      expect(() => sel([{ receive: a, then: 1 }])).toThrow(TypeError);
      expect(() => sel(new Map([[a, 1]]))).toThrow(TypeError);
      expect(() => sel([{ receive: a }], { timeout: "1" })).toThrow(TypeError);
      expect(() => sel([{ receive: a }], { timeout: -1 })).toThrow(RangeError);
      expect(() => sel([{ receive: a }], { default: 3 })).toThrow(TypeError);
      const hostile = { get receive() { throw new Error("getter"); } };
      expect(() => sel([hostile])).toThrow("getter");
      expect(() => sel(new Proxy([], { get() { throw new Error("proxy"); } }))).toThrow("proxy");
      expect(() => (Scope_select as (c: unknown) => unknown).call({}, [])).toThrow(TypeError);
      expect(await sel([])).toEqual([new Error("select called with no cases"), undefined]);
      await a.send(3);
      expect(await s.select([{ receive: a }])).toEqual([undefined, 3]);
    }
    expectNothingLive();
  });
});

const Scope_select = Scope.prototype.select;
