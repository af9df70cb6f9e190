// An ESM TypeScript consumer ("type": "module", module node16) that
// installed only the go-go-scope-wasm tarball: no @opentelemetry/api.
// It must compile with skipLibCheck false.
import { Channel, Semaphore, SpanStatusCode, parallel, poll, race, scope, stream } from "go-go-scope-wasm";
import type { Context, Failure, Result, Span, SpanOptions, Success, Task, Tracer } from "go-go-scope-wasm";

export async function main(): Promise<void> {
  await using s = scope<{ cache: Map<string, number> }>({ concurrency: 2 }).provide("cache", () => new Map<string, number>());
  const task: Task<Result<unknown, number>> = s.task(async ({ services }) => services.cache.size);
  const [err, size] = await task;
  if (!err) console.log(size);
  const ok: Success<number> = [undefined, 1];
  const bad: Failure<Error> = [new Error("x"), undefined];
  void [ok, bad];

  const ch = new Channel<number>(1);
  await ch.send(1);
  for await (const v of ch) if (v > 0) break;
  await using sem = new Semaphore(Infinity);
  void sem.available;

  async function* nums() {
    yield 1;
  }
  for await (const x of stream(nums(), s.signal)) void (x satisfies number);

  const c = poll(() => 1, () => {}, { immediate: false });
  c.stop();
  const raced: Result<unknown, string> = await race([async () => "a"]);
  const results = await parallel([async ({ signal }) => signal.aborted], { failFast: true });
  void [raced, results, SpanStatusCode.OK];
}

declare const tracer: Tracer;
declare const ctx: Context;
const opts: SpanOptions = { attributes: { "app.id": 7 } };
const span: Span = tracer.startSpan("work", opts, ctx);
span.setStatus({ code: SpanStatusCode.ERROR, message: "failed" }).end();
scope({ tracer });
