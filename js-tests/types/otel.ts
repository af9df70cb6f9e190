// The package's own OpenTelemetry types (no import of @opentelemetry/api
// in its declarations) are structurally the API's: a real SDK tracer is a
// `Tracer` here, and the package's types are accepted by the API.
import { BasicTracerProvider } from "@opentelemetry/sdk-trace-base";
import { SpanKind, SpanStatusCode as ApiStatus, context, trace } from "@opentelemetry/api";
import type { Context as ApiContext, Span as ApiSpan, SpanOptions as ApiSpanOptions, Tracer as ApiTracer } from "@opentelemetry/api";
import { SpanStatusCode, parallel, race, scope } from "go-go-scope-wasm";
import type { Context, Span, SpanOptions, Tracer } from "go-go-scope-wasm";

const sdkTracer = new BasicTracerProvider().getTracer("types");

export async function sdkTracerIsATracer() {
  await using s = scope({ tracer: sdkTracer });
  await using child = scope({ parent: s, tracer: trace.getTracer("api") });
  await race([async () => 1], { tracer: sdkTracer });
  await parallel([async () => 1], { tracer: sdkTracer });
  const fromScope: Tracer | undefined = child.tracer;
  void fromScope;
}

// Both directions, member by member.
const ours: Tracer = sdkTracer;
const api: ApiTracer = ours;
const span: Span = sdkTracer.startSpan("a", { kind: SpanKind.CLIENT, attributes: { n: 1 } }, context.active());
const apiSpan: ApiSpan = span;
const ctx: Context = context.active();
const apiCtx: ApiContext = ctx;
const options: SpanOptions = { kind: SpanKind.SERVER, links: [], startTime: Date.now(), root: true };
const apiOptions: ApiSpanOptions = options;
span.setStatus({ code: ApiStatus.ERROR }).setStatus({ code: SpanStatusCode.OK });
const active: number = ours.startActiveSpan("b", (sp) => {
  sp.end();
  return 1;
});
void [api, apiSpan, apiCtx, apiOptions, active, trace.setSpan(ctx, span)];

// @ts-expect-error: a tracer needs startSpan
scope({ tracer: {} });
