// Seed section "OpenTelemetry Integration": basic tracing and custom span
// names, as the seed writes them, with a real SDK (BasicTracerProvider +
// InMemorySpanExporter) registered globally; then the span tree is printed
// like the seed's "Viewing Traces" picture.
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { trace } from '@opentelemetry/api'
import { scope } from 'go-go-scope-wasm'

const exporter = new InMemorySpanExporter();
trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const fetchUser = async (id: number) => {
  await sleep(150);
  return { id, name: "Ada" };
};
const fetchPosts = async (userId: number) => {
  await sleep(80);
  return [{ userId, title: "Hello" }];
};
const id = 1;

console.log("Basic Tracing");
{
  const tracer = trace.getTracer('my-app')

  await using s = scope({ tracer, name: 'fetch-user-data' })

  // Creates spans automatically
  const userTask = s.task(() => fetchUser(1))
  const postsTask = s.task(() => fetchPosts(1))
  // (leaving the block waits for both tasks, then ends the scope span)
  void userTask, postsTask
}

console.log("Custom Span Names");
{
  const tracer = trace.getTracer('my-app')
  await using s = scope({ tracer, name: 'profile-page' })

  const [err, user] = await s.task(
    () => fetchUser(id),
    {
      otel: {
        name: 'fetch-user',
        attributes: { 'user.id': id }
      }
    }
  )
  console.log("  user:", err, user);
}

// "Viewing Traces": print each scope span with its task spans.
const spans = exporter.getFinishedSpans();
const ms = (s: ReadableSpan) => Math.round(s.duration[0] * 1e3 + s.duration[1] / 1e6);
for (const root of spans.filter((s) => s.attributes["scope.has_parent_scope"] === false)) {
  console.log(`\n[${root.name}] scope - ${ms(root)}ms`);
  const children = spans.filter((s) => s.parentSpanContext?.spanId === root.spanContext().spanId);
  children.forEach((c, i) => {
    const branch = i === children.length - 1 ? "└──" : "├──";
    const ok = c.status.code === 1 ? " ✓" : ` ✗ ${c.attributes["task.error_reason"] ?? ""}`;
    const attrs = c.attributes["user.id"] !== undefined ? ` user.id=${c.attributes["user.id"]}` : "";
    console.log(`${branch} [${c.name}] task - ${ms(c)}ms${ok}${attrs}`);
  });
}
