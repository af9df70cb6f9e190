// SPEC "Channel (s.channel(capacity = 0))".
import { describe, expect, test } from "vitest";
import { Channel, scope } from "go-go-scope-wasm";
import { liveCounts } from "go-go-scope-wasm/internal";
import { sleep } from "./helpers";

/** Nothing more is live than before (the collector may end earlier tests' channels meanwhile). */
function noMoreThan(before: Record<string, number>): void {
  const now = liveCounts() as Record<string, number>;
  for (const k of Object.keys(before)) expect(now[k], k).toBeLessThanOrEqual(before[k]);
}

describe("Channel", () => {
  test("send buffers up to capacity, then waits (backpressure) in FIFO order", async () => {
    await using s = scope();
    const ch = s.channel<number>(2);
    expect(await ch.send(1)).toBe(true);
    expect(await ch.send(2)).toBe(true);
    expect(ch.size).toBe(2);
    const order: number[] = [];
    const p3 = ch.send(3).then((ok) => order.push(3) && ok);
    const p4 = ch.send(4).then((ok) => order.push(4) && ok);
    await sleep(5);
    expect(order).toEqual([]); // both blocked
    expect(await ch.receive()).toBe(1);
    expect(await p3).toBe(true);
    expect(await ch.receive()).toBe(2);
    expect(await p4).toBe(true);
    expect(order).toEqual([3, 4]);
    expect(await ch.receive()).toBe(3);
    expect(await ch.receive()).toBe(4);
  });

  test("a value goes straight to a waiting receiver", async () => {
    await using s = scope();
    const ch = s.channel<string>(5);
    const r = ch.receive();
    expect(await ch.send("x")).toBe(true);
    expect(ch.size).toBe(0);
    expect(await r).toBe("x");
  });

  test("a send that does not wait resolves true through one shared settled promise; a waiting send gets its own", async () => {
    await using s = scope();
    const ch = s.channel<number>(2);
    const a = ch.send(1); // buffered
    const b = ch.send(2); // buffered
    expect(a).toBe(b);
    expect(a).toBeInstanceOf(Promise);
    const c = ch.send(3); // waits: its own promise
    expect(c).not.toBe(a);
    const r = s.channel<number>(0);
    const got = r.receive();
    const d = r.send(9); // handed to the waiting receiver
    expect(d).toBe(a);
    expect([await a, await b, await d, await got]).toEqual([true, true, true, 9]);
    expect(await ch.receive()).toBe(1);
    expect(await c).toBe(true);
    // A handler attached to the shared promise runs once per attachment, as on any promise.
    let n = 0;
    await Promise.all([a.then(() => n++), b.then(() => n++)]);
    expect(n).toBe(2);
  });

  test("receivers are served in FIFO order", async () => {
    await using s = scope();
    const ch = s.channel<number>();
    const a = ch.receive();
    const b = ch.receive();
    void ch.send(1);
    void ch.send(2);
    expect([await a, await b]).toEqual([1, 2]);
  });

  test("capacity 0 is a rendezvous whichever side comes first", async () => {
    await using s = scope();
    const ch = s.channel<number>(0);
    // Sender first (1.0 deadlocked here).
    let delivered = false;
    const sent = ch.send(1).then((ok) => (delivered = ok));
    await sleep(5);
    expect(delivered).toBe(false);
    expect(await ch.receive()).toBe(1);
    expect(await sent).toBe(true);
    // Receiver first.
    const got = ch.receive();
    expect(await ch.send(2)).toBe(true);
    expect(await got).toBe(2);
    expect(ch.cap).toBe(0);
  });

  test("close is idempotent; buffered values stay receivable; then undefined", async () => {
    await using s = scope();
    const ch = s.channel<number>(3);
    await ch.send(1);
    await ch.send(2);
    ch.close();
    ch.close();
    expect(ch.isClosed).toBe(true);
    expect(await ch.send(3)).toBe(false);
    expect(await ch.receive()).toBe(1);
    expect(await ch.receive()).toBe(2);
    expect(await ch.receive()).toBeUndefined();
  });

  test("a pending receive resolves undefined on close", async () => {
    await using s = scope();
    const ch = s.channel<number>();
    const r = ch.receive();
    ch.close();
    expect(await r).toBeUndefined();
  });

  test("a sender still waiting when the channel closes is rejected with an Error saying so", async () => {
    await using s = scope();
    const ch = s.channel<number>(0);
    const blocked = ch.send(1);
    ch.close();
    const err = await blocked.then(() => "resolved", (e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/channel closed/);
    // A send called on the already closed channel still resolves false.
    expect(await ch.send(2)).toBe(false);
    expect(await ch.receive()).toBeUndefined(); // the rejected value was not delivered
  });

  test("a full buffered channel: every waiting sender is rejected on close, buffered values stay", async () => {
    await using s = scope();
    const ch = s.channel<number>(1);
    expect(await ch.send(1)).toBe(true);
    const waiting = [ch.send(2), ch.send(3)];
    ch.close();
    await expect(waiting[0]).rejects.toThrow("channel closed");
    await expect(waiting[1]).rejects.toThrow("channel closed");
    expect(await ch.receive()).toBe(1);
    expect(await ch.receive()).toBeUndefined();
  });

  test("for await receives until closed and drained", async () => {
    await using s = scope();
    const ch = s.channel<number>(2);
    s.task(async () => {
      for (let i = 0; i < 5; i++) await ch.send(i);
      ch.close();
    });
    const got: number[] = [];
    for await (const v of ch) got.push(v);
    expect(got).toEqual([0, 1, 2, 3, 4]);
  });

  test("undefined is a legal value: iteration ends on close, not on undefined", async () => {
    await using s = scope();
    const ch = s.channel<number | undefined>(4);
    await ch.send(1);
    await ch.send(undefined);
    await ch.send(3);
    ch.close();
    const got: Array<number | undefined> = [];
    for await (const v of ch) got.push(v);
    expect(got).toEqual([1, undefined, 3]);
  });

  test("after scope abort: send rejects with the reason; pending and new receives resolve undefined", async () => {
    const ac = new AbortController();
    const s = scope({ signal: ac.signal });
    const ch = s.channel<number>(0);
    const pendingReceive = ch.receive();
    const ch2 = s.channel<number>(0);
    const pendingSend = ch2.send(1);
    const reason = new Error("stop");
    ac.abort(reason);
    expect(await pendingReceive).toBeUndefined();
    await expect(pendingSend).rejects.toBe(reason);
    await expect(ch.send(2)).rejects.toBe(reason);
    expect(await ch.receive()).toBeUndefined();
    const seen: number[] = [];
    for await (const v of ch) seen.push(v);
    expect(seen).toEqual([]);
    await s[Symbol.asyncDispose]();
  });

  test("the scope disposes its channels: pending sends reject", async () => {
    const s = scope();
    const ch = s.channel<number>(0);
    const pending = ch.send(1);
    await s[Symbol.asyncDispose]();
    await expect(pending).rejects.toThrow("scope disposed");
    expect(ch.isClosed).toBe(true);
  });

  test("the disposal reason a channel rejects with is the scope's signal.reason, read before or after, every time", async () => {
    for (const readFirst of [false, true]) {
      const s = scope();
      if (readFirst) void s.signal;
      const idle = s.channel<number>(0); // nothing waits on it when the scope ends
      const busy = s.channel<number>(0);
      const pending = busy.send(1);
      await s[Symbol.asyncDispose]();
      const reason = s.signal.reason;
      expect(reason).toBeInstanceOf(Error);
      expect((reason as Error).message).toBe("scope disposed");
      await expect(pending).rejects.toBe(reason);
      await expect(idle.send(2)).rejects.toBe(reason);
      await expect(idle.send(3)).rejects.toBe(reason);
      await expect(busy.send(4)).rejects.toBe(reason);
    }
  });

  test("a disposed channel's own reason is one Error, made when first observed", async () => {
    const ch = new Channel<number>(0);
    await ch[Symbol.asyncDispose]();
    const a = await ch.send(1).catch((e: unknown) => e);
    const b = await ch.send(2).catch((e: unknown) => e);
    expect((a as Error).message).toBe("channel disposed");
    expect(b).toBe(a);
  });

  test("[Symbol.asyncDispose] closes and rejects pending sends", async () => {
    const ch = new Channel<number>(0);
    const pending = ch.send(1);
    const r = ch.receive();
    expect(await r).toBe(1);
    const blocked = ch.send(2);
    await ch[Symbol.asyncDispose]();
    await expect(blocked).rejects.toThrow("channel disposed");
    expect(ch.isClosed).toBe(true);
    expect(await pending).toBe(true);
  });

  test("properties: cap, size, isClosed (seed)", async () => {
    await using s = scope();
    const ch = s.channel<string>(10);
    expect(ch.cap).toBe(10);
    expect(ch.size).toBe(0);
    expect(ch.isClosed).toBe(false);
    ch.close();
    expect(ch.isClosed).toBe(true);
  });

  test("new Channel(capacity, signal) aborts with the signal", async () => {
    const ac = new AbortController();
    const ch = new Channel<number>(0, ac.signal);
    const blocked = ch.send(1);
    ac.abort("bye");
    await expect(blocked).rejects.toBe("bye");
  });

  for (const cap of [0, 1, 64]) {
    test(`8 producers × 4 consumers × 10,000 values at capacity ${cap}: each received exactly once`, async () => {
      await using s = scope();
      const ch = s.channel<number>(cap);
      const producers = 8;
      const perProducer = 10_000 / producers;
      const confirmed: number[] = [];
      const prods = Array.from({ length: producers }, (_, p) =>
        s.task(async () => {
          for (let i = 0; i < perProducer; i++) {
            const v = p * perProducer + i;
            if (await ch.send(v)) confirmed.push(v);
          }
        }),
      );
      const received: number[][] = [[], [], [], []];
      const cons = received.map((bucket) =>
        s.task(async () => {
          for await (const v of ch) bucket.push(v);
        }),
      );
      await Promise.all(prods);
      ch.close();
      await Promise.all(cons);
      const all = received.flat().sort((a, b) => a - b);
      expect(all.length).toBe(10_000);
      expect(new Set(all).size).toBe(10_000);
      expect(confirmed.length).toBe(10_000);
      // FIFO per producer within each consumer's view.
      for (const bucket of received) {
        const last = new Map<number, number>();
        for (const v of bucket) {
          const p = Math.floor(v / perProducer);
          expect(v).toBeGreaterThan(last.get(p) ?? -1);
          last.set(p, v);
        }
      }
    });
  }

  test("capacity: 0, 1, 2^32 and Infinity are accepted; 2^32 + 1, 1.5, NaN, -1 and -Infinity are RangeErrors", async () => {
    await using s = scope();
    for (const n of [0, 1, 7, 2 ** 32, Infinity]) expect(s.channel(n).cap).toBe(n);
    for (const n of [2 ** 32 + 1, 2 ** 53, 1.5, NaN, -Infinity, -1]) {
      expect(() => s.channel(n), String(n)).toThrow(RangeError);
      expect(() => s.channel(n), String(n)).toThrow(/from 0 to 2\^32, or Infinity/);
    }
  });

  test("a channel made on an aborted scope or with an aborted signal is born aborted", async () => {
    const ac = new AbortController();
    ac.abort("early");
    const s = scope({ signal: ac.signal });
    const ch = s.channel<number>(1);
    await expect(ch.send(1)).rejects.toBe("early");
    expect(await ch.receive()).toBeUndefined();
    const standalone = new Channel<number>(1, ac.signal);
    await expect(standalone.send(1)).rejects.toBe("early");
    await s[Symbol.asyncDispose]();
    const disposed = scope();
    await disposed[Symbol.asyncDispose]();
    expect(() => disposed.channel(1)).toThrow("Cannot create channel on disposed scope");
  });

  test("every method and getter on the wrong receiver is a TypeError; there is no Symbol.dispose", async () => {
    expect(Symbol.dispose in Channel.prototype).toBe(false);
    const ch = new Channel<number>(1);
    for (const name of Reflect.ownKeys(Channel.prototype)) {
      if (name === "constructor") continue;
      const d = Object.getOwnPropertyDescriptor(Channel.prototype, name)!;
      const call = d.get ?? (d.value as (...a: unknown[]) => unknown);
      for (const self of [{}, Object.create(Channel.prototype), scope(), null, undefined, 1]) {
        expect(() => call.call(self, 1), String(name)).toThrow(TypeError);
      }
      void ch;
    }
    expect(() => (Object.getPrototypeOf(scope()) as { channel: (c: number) => unknown }).channel.call({}, 1)).toThrow(TypeError);
    expect(() => {
      using c = new Channel<number>(1) as never;
      void c;
    }).toThrow(TypeError);
  });

  test("a disposed channel: sends reject, receives end, 10,000 times, and nothing is kept", async () => {
    const before = liveCounts();
    const ch = new Channel<number>(1);
    await ch.send(1);
    await ch[Symbol.asyncDispose]();
    for (let i = 0; i < 10_000; i++) {
      await expect(ch.send(i)).rejects.toThrow("channel disposed");
      expect(await ch.receive()).toBeUndefined();
      ch.close();
      expect(ch.isClosed).toBe(true);
      expect(ch.size).toBe(0);
      await ch[Symbol.asyncDispose]();
    }
    noMoreThan(before);
  });

  test("a stack overflow in user recursion through send and receive: the channel stays whole", async () => {
    const before = liveCounts();
    const s = scope();
    const ch = s.channel<number>(Infinity);
    for (let k = 0; k < 50; k++) {
      // Padding changes every frame's size, so the overflow strikes at a
      // different point each time.
      const pad = new Array(k).fill(0);
      const f = (..._args: number[]): void => {
        void ch.send(k);
        void ch.receive();
        f(...pad);
      };
      expect(() => f(...pad)).toThrow(RangeError);
      await sleep(0);
      // The overflow may strike between a level's send and its receive.
      expect(ch.size).toBeLessThanOrEqual(1);
      if (ch.size === 1) expect(await ch.receive()).toBe(k);
      expect(await ch.send(-1)).toBe(true);
      expect(await ch.receive()).toBe(-1);
      expect(ch.size).toBe(0);
    }
    await s[Symbol.asyncDispose]();
    noMoreThan(before);
  });

  const bad: Array<[string, unknown, ErrorConstructor]> = [
    ["negative", -1, RangeError],
    ["NaN", NaN, RangeError],
    ["non-integer", 1.5, RangeError],
    ["above 2^32", 2 ** 32 + 1, RangeError],
    ["a string", "3", TypeError],
  ];
  for (const [name, cap, type] of bad) {
    test(`capacity ${name} → ${type.name} naming capacity`, async () => {
      await using s = scope();
      expect(() => s.channel(cap as number)).toThrow(type);
      expect(() => s.channel(cap as number)).toThrow(/capacity/);
    });
  }
});
