// s.debugTree() (go-go-scope 2.x): the live tree of scopes and tasks.
import { describe, expect, test } from "vitest";
import { scope } from "go-go-scope-wasm";
import { expectNothingLive, liveCounts } from "./live";
import { abortable, sleep } from "./helpers";

const never = ({ signal }: { signal: AbortSignal }) => abortable(signal, 60_000);

describe("s.debugTree", () => {
  test("scopes by name with their tasks' ids and states, child scopes nested; ASCII and Mermaid", async () => {
    const root = scope({ name: "request", concurrency: 1 });
    const t1 = root.task(never);
    const t2 = root.task(never);
    const db = scope({ parent: root, name: 'db "pool"' });
    const t3 = db.task(() => Promise.reject(new Error("x")), { retry: { maxRetries: 1, delay: 60_000 } });
    const cache = scope({ parent: db, name: "cache" });
    const other = scope({ parent: root, name: "other", timeout: 1 });
    await sleep(10);
    const before = liveCounts();
    expect(root.debugTree()).toBe(
      [
        "📦 request",
        `├─ task #${t1.id} running`,
        `├─ task #${t2.id} queued`,
        '├─ 📦 db "pool"',
        `│  ├─ task #${t3.id} retrying`,
        "│  └─ 📦 cache",
        "└─ ⚠️ other (aborted)",
      ].join("\n"),
    );
    expect(root.debugTree({ format: "mermaid" })).toBe(
      [
        "graph TD",
        '    n0["📦 request"]',
        `    n0 --> n1["task #${t1.id} running"]`,
        `    n0 --> n2["task #${t2.id} queued"]`,
        '    n0 --> n3["📦 db #quot;pool#quot;"]',
        `    n3 --> n4["task #${t3.id} retrying"]`,
        '    n3 --> n5["📦 cache"]',
        '    n0 --> n6["⚠️ other (aborted)"]',
      ].join("\n"),
    );
    expect(db.debugTree({ format: "ascii" })).toBe(['📦 db "pool"', `├─ task #${t3.id} retrying`, "└─ 📦 cache"].join("\n"));
    expect(liveCounts()).toEqual(before); // a view: nothing made, nothing kept
    for (const s of [cache, db, other, root]) await s[Symbol.asyncDispose]();
    expect(root.debugTree()).toBe("");
    expectNothingLive();
  });

  test("a disposing scope, an unnamed one, and a deep chain (no recursion in the machine)", async () => {
    const s = scope();
    let release!: () => void;
    s.provide("x", () => 1, () => new Promise<void>((r) => (release = r)));
    const disposing = s[Symbol.asyncDispose]();
    expect(s.debugTree()).toBe("💀 scope (disposing)");
    release();
    await disposing;

    const root = scope({ name: "r" });
    let last = root;
    const chain = [];
    for (let i = 0; i < 2000; i++) chain.push((last = scope({ parent: last })));
    const lines = root.debugTree().split("\n");
    expect(lines.length).toBe(2001);
    expect(lines[2000]).toBe(`${"   ".repeat(1999)}└─ 📦 scope`);
    for (const c of chain.reverse()) await c[Symbol.asyncDispose]();
    await root[Symbol.asyncDispose]();
    expectNothingLive();
  });

  test("bad options: a TypeError or RangeError naming format; wrong this", () => {
    const s = scope();
    expect(() => s.debugTree({ format: "svg" as never })).toThrow(new RangeError('debugTree: format must be "ascii" or "mermaid", got "svg"'));
    expect(() => s.debugTree({ format: 1 as never })).toThrow(TypeError);
    expect(() => s.debugTree(5 as never)).toThrow(TypeError);
    expect(() => Reflect.apply(s.debugTree, {}, [])).toThrow(TypeError);
    const boom = new Error("getter");
    expect(() =>
      s.debugTree({
        get format(): "ascii" {
          throw boom;
        },
      }),
    ).toThrow(boom);
    void s[Symbol.asyncDispose]();
  });
});
