// Channel backpressure strategies (issue 19, go-go-scope 2.x's
// `backpressure`): s.channel(capacity, { backpressure, onDrop }) and
// s.channel({ capacity, backpressure, onDrop }). The rule is the machine's
// (src/machine/channel.rs invariant #6); COMPATIBILITY.md rows A6-A10.
import { describe, expect, test } from "vitest";
import { Channel, ChannelFullError, scope } from "go-go-scope-wasm";
import type { BackpressureStrategy } from "go-go-scope-wasm";
import { expectNothingLive, liveCounts } from "./live";
import { sleep } from "./helpers";

const STRATEGIES: BackpressureStrategy[] = ["block", "drop-oldest", "drop-latest", "error"];

/** What the send resolved to, or the error it rejected with. */
async function outcome(p: Promise<boolean>): Promise<boolean | unknown> {
  try {
    return await p;
  } catch (e) {
    return e;
  }
}

describe("backpressure: block (1.0's, the default)", () => {
  test("every spelling without a strategy is block, and a full send waits", async () => {
    await using s = scope();
    for (const ch of [s.channel(1), s.channel(1, {}), s.channel({ capacity: 1 }), s.channel(1, { backpressure: "block" }), new Channel(1)]) {
      expect(ch.strategy).toBe("block");
      expect(await ch.send(1)).toBe(true);
      let done = false;
      const p = ch.send(2).then((ok) => (done = ok));
      await sleep(2);
      expect(done).toBe(false);
      expect(await ch.receive()).toBe(1);
      await p;
      expect(done).toBe(true);
      expect(await ch.receive()).toBe(2);
      await ch[Symbol.asyncDispose]();
    }
  });
});

describe("backpressure: drop-oldest", () => {
  test("both spellings: a full send evicts the oldest value to onDrop and resolves true", async () => {
    await using s = scope();
    for (const make of [
      (onDrop: (v: number) => void) => s.channel<number>(2, { backpressure: "drop-oldest", onDrop }),
      (onDrop: (v: number) => void) => s.channel<number>({ capacity: 2, backpressure: "drop-oldest", onDrop }),
      (onDrop: (v: number) => void) => new Channel<number>({ capacity: 2, backpressure: "drop-oldest", onDrop }),
    ]) {
      const dropped: number[] = [];
      const ch = make((v) => dropped.push(v));
      expect(ch.strategy).toBe("drop-oldest");
      for (let i = 1; i <= 5; i++) expect(await ch.send(i)).toBe(true);
      expect(dropped).toEqual([1, 2, 3]);
      expect(ch.size).toBe(2);
      expect(await ch.receive()).toBe(4);
      expect(await ch.receive()).toBe(5);
      ch.close();
      expect(await ch.receive()).toBeUndefined();
      await ch[Symbol.asyncDispose]();
    }
  });

  test("undefined values are evicted to onDrop too", async () => {
    await using s = scope();
    const dropped: unknown[] = [];
    const ch = s.channel<number | undefined>(1, { backpressure: "drop-oldest", onDrop: (v) => dropped.push(v) });
    await ch.send(undefined);
    await ch.send(1);
    expect(dropped).toEqual([undefined]);
    expect(await ch.receive()).toBe(1);
  });

  test("a fast producer and a slow consumer: the consumer sees the latest values, FIFO", async () => {
    await using s = scope();
    const ch = s.channel<number>(3, { backpressure: "drop-oldest" });
    for (let i = 0; i < 1000; i++) await ch.send(i);
    ch.close();
    const got: number[] = [];
    for await (const v of ch) got.push(v);
    expect(got).toEqual([997, 998, 999]);
  });
});

describe("backpressure: drop-latest", () => {
  test("a full send drops the new value to onDrop and resolves true; the buffer keeps its values", async () => {
    await using s = scope();
    const dropped: number[] = [];
    const ch = s.channel<number>(2, { backpressure: "drop-latest", onDrop: (v) => dropped.push(v) });
    for (let i = 1; i <= 4; i++) expect(await ch.send(i)).toBe(true);
    expect(dropped).toEqual([3, 4]);
    expect(ch.size).toBe(2);
    expect(await ch.receive()).toBe(1);
    expect(await ch.send(5)).toBe(true); // room again
    expect(dropped).toEqual([3, 4]);
    expect(await ch.receive()).toBe(2);
    expect(await ch.receive()).toBe(5);
  });
});

describe("backpressure: error", () => {
  test("a full send rejects with ChannelFullError (2.x's class, name and message); the buffer is untouched", async () => {
    await using s = scope();
    const ch = s.channel<number>(1, { backpressure: "error" });
    expect(await ch.send(1)).toBe(true);
    const e = await outcome(ch.send(2));
    expect(e).toBeInstanceOf(ChannelFullError);
    expect(e).toBeInstanceOf(Error);
    expect((e as ChannelFullError).name).toBe("ChannelFullError");
    expect((e as ChannelFullError).message).toBe("Channel buffer is full");
    expect((e as ChannelFullError)._tag).toBe("ChannelFullError");
    expect(ch.size).toBe(1);
    expect(await ch.receive()).toBe(1);
    expect(await ch.send(3)).toBe(true);
    expect(await ch.receive()).toBe(3);
  });

  test("ChannelFullError is constructible, with 2.x's default message", () => {
    expect(new ChannelFullError().message).toBe("Channel buffer is full");
    expect(new ChannelFullError("busy").message).toBe("busy");
    expect(String(new ChannelFullError())).toBe("ChannelFullError: Channel buffer is full");
  });

  test("no onDrop call for a refused value", async () => {
    await using s = scope();
    const dropped: number[] = [];
    const ch = s.channel<number>({ capacity: 1, backpressure: "error", onDrop: (v) => dropped.push(v) });
    await ch.send(1);
    await expect(ch.send(2)).rejects.toBeInstanceOf(ChannelFullError);
    expect(dropped).toEqual([]);
  });
});

describe("every strategy", () => {
  test("a waiting receiver takes the value directly, whatever the strategy and capacity", async () => {
    await using s = scope();
    for (const backpressure of STRATEGIES) {
      for (const capacity of [0, 1]) {
        const dropped: number[] = [];
        const ch = s.channel<number>(capacity, { backpressure, onDrop: (v) => dropped.push(v) });
        const r = ch.receive();
        expect(await ch.send(7)).toBe(true);
        expect(await r).toBe(7);
        expect(dropped).toEqual([]);
      }
    }
  });

  test("capacity 0 with nobody receiving: drop-oldest and drop-latest drop the value (true, onDrop), error rejects", async () => {
    await using s = scope();
    for (const backpressure of ["drop-oldest", "drop-latest"] as const) {
      const dropped: number[] = [];
      const ch = s.channel<number>(0, { backpressure, onDrop: (v) => dropped.push(v) });
      expect(await ch.send(1)).toBe(true);
      expect(dropped).toEqual([1]);
      expect(ch.size).toBe(0);
    }
    const ch = s.channel<number>({ backpressure: "error" }); // capacity 0 by default
    await expect(ch.send(1)).rejects.toBeInstanceOf(ChannelFullError);
  });

  test("Infinity capacity is never full: no strategy ever applies", async () => {
    await using s = scope();
    for (const backpressure of STRATEGIES) {
      const ch = s.channel<number>(Infinity, { backpressure, onDrop: () => expect.unreachable() });
      for (let i = 0; i < 100; i++) expect(await ch.send(i)).toBe(true);
      expect(ch.size).toBe(100);
    }
  });

  test("close as in 1.0: a later send gives false (no onDrop), buffered values stay receivable", async () => {
    await using s = scope();
    for (const backpressure of STRATEGIES) {
      const dropped: number[] = [];
      const ch = s.channel<number>(1, { backpressure, onDrop: (v) => dropped.push(v) });
      await ch.send(1);
      ch.close();
      expect(await ch.send(2)).toBe(false);
      expect(dropped).toEqual([]);
      expect(await ch.receive()).toBe(1);
      expect(await ch.receive()).toBeUndefined();
    }
  });

  test("abort as in 1.0: sends reject with the reason, buffered values are dropped without onDrop", async () => {
    for (const backpressure of STRATEGIES) {
      const dropped: number[] = [];
      const ac = new AbortController();
      const s = scope({ signal: ac.signal });
      const ch = s.channel<number>(1, { backpressure, onDrop: (v) => dropped.push(v) });
      await ch.send(1);
      const reason = new Error("stop");
      ac.abort(reason);
      await expect(ch.send(2)).rejects.toBe(reason);
      expect(await ch.receive()).toBeUndefined();
      expect(dropped).toEqual([]);
      await s[Symbol.asyncDispose]();
    }
    const ch = new Channel<number>({ capacity: 1, backpressure: "drop-oldest" });
    await ch.send(1);
    await ch[Symbol.asyncDispose]();
    await expect(ch.send(2)).rejects.toThrow("channel disposed");
  });

  test("a throwing onDrop is ignored (as onRetry's): the send resolves true and the channel goes on", async () => {
    await using s = scope();
    const ch = s.channel<number>(1, {
      backpressure: "drop-oldest",
      onDrop: () => {
        throw new Error("metrics down");
      },
    });
    await ch.send(1);
    expect(await ch.send(2)).toBe(true);
    expect(await ch.send(3)).toBe(true);
    expect(await ch.receive()).toBe(3);
    const latest = s.channel<number>(0, {
      backpressure: "drop-latest",
      onDrop: () => {
        throw "not even an Error";
      },
    });
    expect(await latest.send(1)).toBe(true);
  });

  test("onDrop may re-enter the channel: it runs after the channel changed", async () => {
    await using s = scope();
    const seen: number[] = [];
    const ch: Channel<number> = s.channel<number>(1, {
      backpressure: "drop-oldest",
      onDrop: (v) => {
        seen.push(v, ch.size);
        if (v === 1) void ch.receive().then((x) => seen.push(x as number));
      },
    });
    await ch.send(1);
    await ch.send(2); // evicts 1; onDrop receives 2 at once
    await sleep(0);
    expect(seen).toEqual([1, 1, 2]);
    expect(ch.size).toBe(0);
  });

  test("positional capacity wins; options.capacity fills an absent one", async () => {
    await using s = scope();
    expect(s.channel(3, { capacity: 5 }).cap).toBe(3);
    expect(s.channel(undefined, { capacity: 5 }).cap).toBe(5);
    expect(s.channel({ capacity: 5 }).cap).toBe(5);
    expect(s.channel({}).cap).toBe(0);
    expect(new Channel({ capacity: Infinity }).cap).toBe(Infinity);
  });

  test("new Channel(options, signal): 2.x's constructor, aborted by the signal", async () => {
    const ac = new AbortController();
    const dropped: number[] = [];
    const ch = new Channel<number>({ capacity: 1, backpressure: "drop-latest", onDrop: (v) => dropped.push(v) }, ac.signal);
    await ch.send(1);
    await ch.send(2);
    expect(dropped).toEqual([2]);
    ac.abort(new Error("gone"));
    await expect(ch.send(3)).rejects.toThrow("gone");
  });

  test("with every scope disposed, nothing is left in the machine", async () => {
    for (const backpressure of STRATEGIES) {
      const s = scope();
      const ch = s.channel<number>(2, { backpressure });
      for (let i = 0; i < 10; i++) void ch.send(i).catch(() => {});
      void ch.receive();
      await s[Symbol.asyncDispose]();
    }
    expectNothingLive();
  });
});

describe("bad input", () => {
  test("an unknown strategy is a RangeError naming backpressure and the accepted values; a non-string a TypeError", () => {
    const s = scope();
    const list = '"block", "drop-oldest", "drop-latest", "error"';
    expect(() => s.channel(1, { backpressure: "sample" as never })).toThrow(new RangeError(`channel: backpressure must be one of ${list}, got "sample"`));
    expect(() => s.channel({ backpressure: "Block" as never })).toThrow(RangeError);
    expect(() => new Channel({ backpressure: "" as never })).toThrow(/got ""/);
    expect(() => s.channel(1, { backpressure: 1 as never })).toThrow(new TypeError(`channel: backpressure must be one of ${list}, got number`));
    expect(() => s.channel(1, { backpressure: {} as never })).toThrow(TypeError);
    // null and undefined: the default.
    expect(s.channel(1, { backpressure: null as never }).strategy).toBe("block");
  });

  test("a non-function onDrop is a TypeError; options must be an object", () => {
    const s = scope();
    expect(() => s.channel(1, { onDrop: 1 as never })).toThrow(new TypeError("channel: onDrop must be a function, got number"));
    expect(() => s.channel({ onDrop: "f" as never })).toThrow(TypeError);
    expect(() => s.channel(1, 5 as never)).toThrow(new TypeError("channel: options must be an object, got number"));
    expect(() => s.channel({ capacity: "3" as never })).toThrow(new TypeError("channel: capacity must be a number, got string"));
    expect(() => s.channel({ capacity: -1 })).toThrow(RangeError);
  });

  test("throwing getters and Proxies throw from the call with the user's error, nothing left behind", async () => {
    const boom = new Error("boom");
    const thrower = () => {
      throw boom;
    };
    const getter = (name: string) => Object.defineProperty({}, name, { get: thrower, enumerable: true });
    const proxy = () => new Proxy({}, { get: thrower, has: thrower, ownKeys: thrower });
    const s = scope();
    const before = JSON.stringify(liveCounts());
    for (let i = 0; i < 2000; i++) {
      for (const name of ["capacity", "backpressure", "onDrop"]) {
        expect(() => s.channel(getter(name) as never)).toThrow(boom);
        expect(() => s.channel(undefined, getter(name) as never)).toThrow(boom);
        expect(() => new Channel(getter(name) as never)).toThrow(boom);
        expect(() => new Channel(getter(name) as never, new AbortController().signal)).toThrow(boom);
      }
      expect(() => s.channel(1, proxy() as never)).toThrow(boom);
      expect(() => s.channel(proxy() as never)).toThrow(boom);
    }
    expect(JSON.stringify(liveCounts())).toBe(before);
    // Each option is read once, in order.
    const reads: string[] = [];
    const spy = new Proxy({ capacity: 1, backpressure: "drop-oldest", onDrop: () => {} }, {
      get: (t, k, r) => (reads.push(String(k)), Reflect.get(t, k, r)),
    });
    s.channel(spy as never);
    expect(reads).toEqual(["capacity", "backpressure", "onDrop"]);
    // The scope and a plain channel still work.
    const ch = s.channel<number>(1, { backpressure: "error" });
    await ch.send(1);
    expect(await ch.receive()).toBe(1);
    await s[Symbol.asyncDispose]();
  });

  test("strategy checks its receiver", () => {
    const get = Object.getOwnPropertyDescriptor(Channel.prototype, "strategy")?.get;
    expect(() => get?.call({})).toThrow(TypeError);
  });
});
