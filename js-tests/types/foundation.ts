// Type tests (tsc --noEmit): inference as in go-go-scope 1.0, and wrong
// usages that must not compile.
import { AsyncDisposableResource, scope, Scope, SpanStatusCode, Task } from "go-go-scope-wasm";
import type { Failure, Result, ScopeOptions, Success, TaskOptions } from "go-go-scope-wasm";

declare function openDatabase(): { query(sql: string): Promise<number[]>; close(): void };
declare function createCache(): Map<string, string>;

export async function inference() {
  await using s = scope().provide("db", () => openDatabase(), (db) => db.close());
  const t = s.task(({ services, signal }) => {
    const aborted: boolean = signal.aborted;
    return services.db.query(aborted ? "a" : "b");
  });
  const task: Task<Result<unknown, number[]>> = t;
  const [err, rows] = await task;
  if (!err && rows) rows.map((n) => n + 1);

  // Child scopes see the parent's services, typed.
  await using child = scope({ parent: s }).provide("cache", () => createCache());
  const cache: Map<string, string> = child.use("cache");
  const db = child.use("db");
  db.close();
  cache.clear();

  // @ts-expect-error: no such service on a typed scope
  scope<{ db: number }>().use("missing");
  const n: number = scope<{ db: number }>().use("db");
  void n;

  // @ts-expect-error: a task function must be a function
  s.task(42);

  const opts: TaskOptions = { timeout: 5, onCleanup: () => {}, retry: { maxRetries: 1, delay: (a) => a * 2 } };
  const sopts: ScopeOptions = { timeout: 10, signal: AbortSignal.abort(), name: "n", concurrency: 2 };
  const s2: Scope = new Scope(sopts);
  void s2.task(async () => 1, opts);

  const ok: Success<number> = [undefined, 1];
  const bad: Failure<Error> = [new Error("x"), undefined];
  void ok;
  void bad;
  const code: number = SpanStatusCode.ERROR;
  void code;

  await using r = new AsyncDisposableResource(async () => 5, async () => {});
  const v: number = await r.acquire();
  void v;
}
