// Type tests for channels, semaphores, race and parallel.
import { Channel, parallel, race, scope, Semaphore } from "go-go-scope-wasm";
import type { Result } from "go-go-scope-wasm";

export async function channels() {
  await using s = scope();
  const ch: Channel<number> = s.channel<number>(10);
  const ok: boolean = await ch.send(1);
  // @ts-expect-error: a string on a Channel<number>
  await ch.send("one");
  const v: number | undefined = await ch.receive();
  for await (const n of ch) {
    const m: number = n;
    void m;
  }
  void ok;
  void v;
  const c2 = new Channel<string>(0, AbortSignal.timeout(10));
  await c2[Symbol.asyncDispose]();
}

export async function combinators() {
  const r: Result<unknown, string> = await race([async (signal) => (signal.aborted ? "a" : "b"), async ({ signal }) => String(signal.aborted)]);
  const rs: Result<unknown, number>[] = await parallel([async () => 1, async () => 2], { concurrency: 1, failFast: true });
  await using s = scope().provide("db", () => ({ q: (x: string) => x.length }));
  const typed = await s.parallel([({ services }) => services.db.q("abc")]);
  const n: number | undefined = typed[0][1];
  const sem = new Semaphore(2);
  const x: number = await sem.acquire(async () => 5);
  void r;
  void rs;
  void n;
  void x;
}
