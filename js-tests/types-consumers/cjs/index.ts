// A CommonJS TypeScript consumer ("type": "commonjs", module node16) that
// installed only the go-go-scope-wasm tarball: no @opentelemetry/api.
// It must compile with skipLibCheck false: the package's CommonJS types
// (index.d.cts) resolve and need nothing else.
import gg = require("go-go-scope-wasm");
import type { Context, PollController, Result, Span, SpanOptions, Tracer } from "go-go-scope-wasm";

async function main(): Promise<void> {
  await using s = gg.scope({ timeout: 1000, concurrency: Infinity }).provide("db", () => ({ query: (q: string) => q.length }));
  const r: Result<unknown, number> = await s.task(({ services, signal }) => {
    void signal.aborted;
    return services.db.query("select 1");
  });
  const [err, n] = r;
  if (err === undefined && n !== undefined) console.log(n.toFixed(0));

  const ch = s.channel<string>(Infinity);
  await ch.send("x");
  const got: string | undefined = await ch.receive();
  void got;

  const sem = new gg.Semaphore(2);
  const v: number = await sem.acquire(async () => 3);
  void v;

  const c: PollController = s.poll(({ signal }) => (signal.aborted ? 0 : 1), (x: number) => void x, { interval: 1000, immediate: false });
  c.start();
  c.stop();

  const winner = await gg.race([async (signal) => (signal.aborted ? "a" : "b")]);
  const all = await gg.parallel([async () => 1, async () => 2], { concurrency: 1 });
  void [winner, all, gg.SpanStatusCode.ERROR];
}

// The OpenTelemetry types are the package's own.
declare const tracer: Tracer;
declare const ctx: Context;
const opts: SpanOptions = { attributes: { "app.id": 7 }, root: true };
const span: Span = tracer.startSpan("work", opts, ctx).setAttribute("k", "v");
span.end();
const traced = gg.scope({ tracer, name: "traced" });
const t: Tracer | undefined = traced.tracer;
void [t, main];
