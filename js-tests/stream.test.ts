// stream(source, signal?) and s.stream(source): SPEC "stream" and issue 5.
import { describe, expect, test } from "vitest";
import { Readable } from "node:stream";
import { scope, stream } from "go-go-scope-wasm";
import { liveCounts, totalLive } from "./live";
import { sleep } from "./helpers";

async function* numbers(n: number, log?: string[]) {
  try {
    for (let i = 1; i <= n; i++) yield i;
  } finally {
    log?.push("finally");
  }
}

/** An AsyncIterable whose next() never settles, counting return() calls. */
function neverYields() {
  const counts = { next: 0, return: 0 };
  const source = {
    [Symbol.asyncIterator]() {
      return {
        next: () => { counts.next++; return new Promise<IteratorResult<number>>(() => {}); },
        return: async () => { counts.return++; return { done: true as const, value: undefined }; },
      };
    },
  };
  return { source, counts };
}

/** An AsyncIterable yielding 1..n, counting return() calls. */
function counted(n: number) {
  const counts = { return: 0 };
  const source = {
    [Symbol.asyncIterator]() {
      let i = 0;
      return {
        next: async () => (i < n ? { done: false as const, value: ++i } : { done: true as const, value: undefined }),
        return: async () => { counts.return++; return { done: true as const, value: undefined }; },
      };
    },
  };
  return { source, counts };
}

describe("stream", () => {
  test("iterates an async generator", async () => {
    const out: number[] = [];
    for await (const x of stream(numbers(3))) out.push(x);
    expect(out).toEqual([1, 2, 3]);
  });

  test("s.stream iterates with the scope's signal", async () => {
    await using s = scope();
    const out: number[] = [];
    for await (const x of s.stream(numbers(3))) out.push(x);
    expect(out).toEqual([1, 2, 3]);
  });

  test("works over a Node Readable", async () => {
    const out: string[] = [];
    for await (const chunk of stream(Readable.from(["a", "b", "c"]))) out.push(chunk as string);
    expect(out).toEqual(["a", "b", "c"]);
  });

  test("break on a Node Readable destroys it", async () => {
    const r = Readable.from(["a", "b", "c"]);
    for await (const _ of stream(r)) break;
    await sleep(1);
    expect(r.destroyed).toBe(true);
  });

  test("works over a web ReadableStream", async () => {
    const rs = new ReadableStream<number>({ start(c) { c.enqueue(1); c.enqueue(2); c.close(); } });
    const out: number[] = [];
    for await (const x of stream(rs)) out.push(x);
    expect(out).toEqual([1, 2]);
  });

  test("works over a ReadableStream without Symbol.asyncIterator (its reader), cancel + releaseLock on break", async () => {
    let cancelled = 0;
    const rs = new ReadableStream<number>({
      pull(c) { c.enqueue(1); },
      cancel() { cancelled++; },
    });
    Object.defineProperty(rs, Symbol.asyncIterator, { value: undefined });
    const out: number[] = [];
    for await (const x of stream(rs)) {
      out.push(x);
      if (out.length === 3) break;
    }
    expect(out).toEqual([1, 1, 1]);
    expect(cancelled).toBe(1);
    expect(rs.locked).toBe(false); // releaseLock() was called
  });

  test("a reader source: abort cancels the reader and releases the lock", async () => {
    let cancelled = 0;
    const rs = new ReadableStream<number>({ cancel() { cancelled++; } }); // never enqueues
    Object.defineProperty(rs, Symbol.asyncIterator, { value: undefined });
    const ac = new AbortController();
    const reason = new Error("abort reader");
    setTimeout(() => ac.abort(reason), 10);
    await expect((async () => { for await (const _ of stream(rs, ac.signal)); })()).rejects.toBe(reason);
    expect(cancelled).toBe(1);
    expect(rs.locked).toBe(false);
  });

  test("works over any AsyncIterable", async () => {
    const { source, counts } = counted(3);
    const out: number[] = [];
    for await (const x of stream(source)) out.push(x);
    expect(out).toEqual([1, 2, 3]);
    expect(counts.return).toBe(1);
  });

  // The source never yields, so ending at all shows the stream does not wait
  // for it; the bound is loose enough for a loaded CI machine.
  test("a source that never yields stops promptly on abort; return() called once", async () => {
    const { source, counts } = neverYields();
    const ac = new AbortController();
    const reason = new Error("stop");
    let abortedAt = 0;
    setTimeout(() => { abortedAt = performance.now(); ac.abort(reason); }, 10);
    let caught: unknown;
    try {
      for await (const _ of stream(source, ac.signal));
    } catch (e) {
      caught = e;
    }
    expect(performance.now() - abortedAt).toBeLessThan(500);
    expect(caught).toBe(reason); // the abort reason itself
    expect(counts.return).toBe(1);
    expect(counts.next).toBe(1);
  });

  test("scope disposal ends a pending next() at once with the scope's reason", async () => {
    const { source, counts } = neverYields();
    const s = scope();
    setTimeout(() => void s[Symbol.asyncDispose](), 5);
    const err = await (async () => { for await (const _ of s.stream(source)); })().catch((e) => e);
    expect((err as Error).message).toBe("scope disposed");
    expect(counts.return).toBe(1);
  });

  test("abort while the loop body runs: the next step throws the reason", async () => {
    const ac = new AbortController();
    const log: string[] = [];
    const reason = new Error("mid-body");
    const seen: number[] = [];
    const run = async () => {
      for await (const x of stream(numbers(10, log), ac.signal)) {
        seen.push(x);
        if (x === 2) ac.abort(reason);
      }
    };
    await expect(run()).rejects.toBe(reason);
    expect(seen).toEqual([1, 2]);
    expect(log).toEqual(["finally"]);
  });

  test("an already-aborted signal throws the reason on the first next()", async () => {
    const reason = new Error("already");
    const { source, counts } = counted(3);
    const it = stream(source, AbortSignal.abort(reason));
    await expect(it.next()).rejects.toBe(reason);
    expect(counts.return).toBe(1);
    await expect(it.next()).resolves.toEqual({ done: true, value: undefined });
  });

  test("return() is called exactly once on break", async () => {
    const { source, counts } = counted(10);
    for await (const x of stream(source)) if (x === 3) break;
    expect(counts.return).toBe(1);
  });

  test("return in the loop body cleans up once", async () => {
    const { source, counts } = counted(10);
    const f = async () => { for await (const x of stream(source)) if (x === 2) return x; };
    expect(await f()).toBe(2);
    expect(counts.return).toBe(1);
  });

  test("a throw in the loop body cleans up once and propagates the same error", async () => {
    const { source, counts } = counted(10);
    const boom = new Error("boom");
    const f = async () => { for await (const x of stream(source)) if (x === 2) throw boom; };
    await expect(f()).rejects.toBe(boom);
    expect(counts.return).toBe(1);
  });

  test("abort after break does not clean up again", async () => {
    const { source, counts } = counted(10);
    const ac = new AbortController();
    for await (const _ of stream(source, ac.signal)) break;
    ac.abort();
    expect(counts.return).toBe(1);
  });

  test("an error from the source propagates with its identity", async () => {
    const bad = new Error("source failed");
    async function* failing() { yield 1; throw bad; }
    const f = async () => { for await (const _ of stream(failing())); };
    await expect(f()).rejects.toBe(bad);
  });

  test("a scope timeout stops the stream", async () => {
    const { source } = neverYields();
    const run = async () => {
      await using s = scope({ timeout: 20 });
      for await (const _ of s.stream(source));
    };
    await expect(run()).rejects.toThrow("timeout after 20ms");
  });

  test("an un-iterated stream holds no machine state; an ended one releases it", async () => {
    const before = liveCounts() as Record<string, number>;
    const total = totalLive();
    stream(numbers(3));
    expect(totalLive()).toBe(total);
    const it = stream(numbers(3));
    await it.next();
    expect((liveCounts() as Record<string, number>).streams).toBe(before.streams + 1);
    await it.return(undefined);
    expect(liveCounts()).toEqual(before);
  });

  describe("bad input", () => {
    test.each([
      ["a number", 42],
      ["null", null],
      ["a plain object", {}],
      ["a sync array", [1, 2]],
    ])("source %s → TypeError", (_name, source) => {
      expect(() => stream(source as any)).toThrow(TypeError);
      expect(() => stream(source as any)).toThrow(/source/);
      expect(() => scope().stream(source as any)).toThrow(TypeError);
    });
    test("signal not an AbortSignal → TypeError", () => {
      expect(() => stream(numbers(1), {} as any)).toThrow(/signal must be an AbortSignal/);
    });
  });
});
