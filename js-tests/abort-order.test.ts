// Abort order (issue 12, item 6; COMPATIBILITY.md): when a scope is
// cancelled, its descendants (tasks, child scopes, recursively) are
// aborted before the scope's own signal. So an `abort` listener on
// `s.signal` finds every task's and child scope's signal already aborted.
import { describe, expect, test } from "vitest";
import { scope } from "go-go-scope-wasm";
import { abortable, sleep } from "./helpers";

describe("abort order: descendants before the scope's own signal", () => {
  test("on disposal, a listener added to s.signal after tasks were created sees their signals aborted", async () => {
    const s = scope();
    const signals: AbortSignal[] = [];
    const tasks = [1, 2, 3].map(() =>
      s.task(({ signal }) => {
        signals.push(signal);
        return abortable(signal);
      }),
    );
    let seen: boolean[] | undefined;
    s.signal.addEventListener("abort", () => {
      seen = signals.map((sig) => sig.aborted);
    });
    await s[Symbol.asyncDispose]();
    expect(seen).toEqual([true, true, true]);
    for (const t of tasks) expect(((await t)[0] as Error).message).toBe("scope disposed");
  });

  test("child scopes, recursively: grandchild, then child, then parent; each sees its tasks aborted", async () => {
    const parent = scope();
    const child = scope({ parent });
    const grandchild = scope({ parent: child });
    const inGrandchild = grandchild.task(({ signal }) => abortable(signal));
    const order: string[] = [];
    const listen = (name: string, sig: AbortSignal, also: () => boolean[]) =>
      sig.addEventListener("abort", () => order.push(`${name}:${also().every(Boolean)}`));
    listen("parent", parent.signal, () => [child.signal.aborted, grandchild.signal.aborted, inGrandchild.signal.aborted]);
    listen("child", child.signal, () => [grandchild.signal.aborted, inGrandchild.signal.aborted]);
    listen("grandchild", grandchild.signal, () => [inGrandchild.signal.aborted]);
    await parent[Symbol.asyncDispose]();
    expect(order).toEqual(["grandchild:true", "child:true", "parent:true"]);
    await grandchild[Symbol.asyncDispose]();
    await child[Symbol.asyncDispose]();
  });

  test("the same rule on a scope timeout and on a user signal abort", async () => {
    {
      const s = scope({ timeout: 10 });
      const t = s.task(({ signal }) => abortable(signal));
      let seen: boolean | undefined;
      s.signal.addEventListener("abort", () => {
        seen = t.signal.aborted;
      });
      await sleep(30);
      expect(seen).toBe(true);
      await s[Symbol.asyncDispose]();
    }
    {
      const ac = new AbortController();
      const s = scope({ signal: ac.signal });
      const child = scope({ parent: s });
      const t = child.task(({ signal }) => abortable(signal));
      let seen: boolean[] | undefined;
      s.signal.addEventListener("abort", () => {
        seen = [child.signal.aborted, t.signal.aborted];
      });
      ac.abort(new Error("user"));
      expect(seen).toEqual([true, true]);
      expect(t.signal.reason).toBe(ac.signal.reason);
      await child[Symbol.asyncDispose]();
      await s[Symbol.asyncDispose]();
    }
  });

  test("even a listener added to s.signal before the tasks existed runs after their signals aborted", async () => {
    const s = scope();
    let seen: boolean | undefined;
    s.signal.addEventListener("abort", () => {
      seen = t.signal.aborted;
    });
    const t = s.task(({ signal }) => abortable(signal));
    await s[Symbol.asyncDispose]();
    expect(seen).toBe(true);
  });
});
