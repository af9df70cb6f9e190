// SPEC "OpenTelemetry", with the real SDK (BasicTracerProvider +
// InMemorySpanExporter), not a mock.
import { beforeEach, describe, expect, test } from "vitest";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { context, trace } from "@opentelemetry/api";
import { parallel, race, scope, SpanStatusCode } from "go-go-scope-wasm";
import { abortable, sleep } from "./helpers";

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const tracer = provider.getTracer("go-go-scope-wasm-tests");

beforeEach(() => exporter.reset());

const spans = () => exporter.getFinishedSpans();
const byName = (name: string) => spans().filter((s) => s.name === name);
const parentId = (s: ReadableSpan) => s.parentSpanContext?.spanId;
const id = (s: ReadableSpan) => s.spanContext().spanId;

describe("OpenTelemetry", () => {
  test("scope span: name, attributes, status OK, duration; task spans are its children", async () => {
    {
      await using s = scope({ tracer, name: "fetch-user-data", timeout: 5000, concurrency: 2 });
      await s.task(async () => {
        await sleep(15);
        return 1;
      });
      await s.task(async () => 2, { otel: { name: "fetch-posts", attributes: { "user.id": 7 } } });
    }
    const [scopeSpan] = byName("fetch-user-data");
    expect(scopeSpan).toBeDefined();
    expect(scopeSpan.attributes).toMatchObject({
      "scope.timeout": 5000,
      "scope.has_parent_signal": false,
      "scope.has_parent_scope": false,
      "scope.concurrency": 2,
    });
    expect(scopeSpan.attributes["scope.duration_ms"]).toBeGreaterThanOrEqual(15);
    expect(scopeSpan.status.code).toBe(SpanStatusCode.OK);
    const [t1] = byName("scope.task");
    const [t2] = byName("fetch-posts");
    expect(parentId(t1)).toBe(id(scopeSpan));
    expect(parentId(t2)).toBe(id(scopeSpan));
    expect(t1.attributes).toMatchObject({
      "task.index": 1,
      "task.has_retry": false,
      "task.has_timeout": false,
      "task.has_circuit_breaker": false,
      "task.scope_concurrency": 2,
      "task.retry_attempts": 0,
    });
    expect(t1.attributes["task.duration_ms"]).toBeGreaterThanOrEqual(14);
    expect(t2.attributes).toMatchObject({ "task.index": 2, "user.id": 7 });
    expect(t1.status.code).toBe(SpanStatusCode.OK);
    // Durations are plausible: the task lies within the scope.
    const ms = (s: ReadableSpan) => s.duration[0] * 1e3 + s.duration[1] / 1e6;
    expect(ms(t1)).toBeGreaterThanOrEqual(14);
    expect(ms(scopeSpan)).toBeGreaterThanOrEqual(ms(t1));
  });

  test("task error reasons: exception, timeout, circuit_breaker_open, aborted; exceptions recorded", async () => {
    const ac = new AbortController();
    {
      await using s = scope({ tracer, circuitBreaker: { failureThreshold: 1, resetTimeout: 60_000 }, signal: ac.signal });
      await s.task(async () => {
        throw new Error("boom");
      }, { otel: { name: "exception" } });
      await s.task(async () => 1, { otel: { name: "breaker" } });
    }
    {
      await using s = scope({ tracer, signal: ac.signal });
      const aborted = s.task(({ signal }) => abortable(signal), { otel: { name: "aborted" } });
      ac.abort(new Error("user abort"));
      await aborted;
    }
    {
      await using s = scope({ tracer });
      await s.task(({ signal }) => abortable(signal), { timeout: 5, otel: { name: "timeout" } });
    }
    for (const [name, reason] of [["exception", "exception"], ["breaker", "circuit_breaker_open"], ["aborted", "aborted"], ["timeout", "timeout"]]) {
      const [span] = byName(name);
      expect(span.attributes["task.error_reason"], name).toBe(reason);
      expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: "task failed" });
      expect(span.events.some((e) => e.name === "exception"), name).toBe(true);
    }
    expect(byName("timeout")[0].attributes["task.timeout_ms"]).toBe(5);
    expect(byName("breaker")[0].attributes["task.has_circuit_breaker"]).toBe(true);
  });

  test("task.retry_attempts and task.has_retry", async () => {
    {
      await using s = scope({ tracer });
      let calls = 0;
      await s.task(async () => {
        if (++calls < 3) throw new Error("again");
        return "ok";
      }, { retry: { maxRetries: 3 }, otel: { name: "retried" } });
    }
    const [span] = byName("retried");
    expect(span.attributes["task.has_retry"]).toBe(true);
    expect(span.attributes["task.retry_attempts"]).toBe(2);
    expect(span.status.code).toBe(SpanStatusCode.OK);
  });

  test("a child scope's span is a child of its parent's span", async () => {
    {
      await using parent = scope({ tracer, name: "parent" });
      await using child = scope({ parent, name: "child" });
      await child.task(async () => 1, { otel: { name: "in-child" } });
    }
    const [p] = byName("parent");
    const [c] = byName("child");
    const [t] = byName("in-child");
    expect(parentId(c)).toBe(id(p));
    expect(parentId(t)).toBe(id(c));
    expect(c.attributes["scope.has_parent_scope"]).toBe(true);
    expect(c.attributes["scope.has_parent_signal"]).toBe(true);
  });

  test("scope status ERROR on timeout, on parent abort, and on cleanup errors", async () => {
    {
      await using s = scope({ tracer, name: "timed-out", timeout: 5 });
      await sleep(15);
    }
    const ac = new AbortController();
    {
      await using s = scope({ tracer, name: "aborted-by-parent", signal: ac.signal });
      ac.abort(new Error("stop"));
    }
    const s = scope({ tracer, name: "cleanup-errors" }).provide("x", () => 1, () => {
      throw new Error("cleanup failed");
    });
    await expect(s[Symbol.asyncDispose]()).rejects.toThrow("cleanup failed");
    expect(byName("timed-out")[0].status).toEqual({ code: SpanStatusCode.ERROR, message: "timeout" });
    expect(byName("timed-out")[0].events.map((e) => e.name)).toContain("exception");
    expect(byName("aborted-by-parent")[0].status).toEqual({ code: SpanStatusCode.ERROR, message: "aborted by parent" });
    expect(byName("cleanup-errors")[0].status).toEqual({ code: SpanStatusCode.ERROR, message: "Disposal errors: cleanup failed" });
  });

  test("the active context parents a root scope's span", async () => {
    const outer = tracer.startSpan("outer");
    await context.with(trace.setSpan(context.active(), outer), async () => {
      await using s = scope({ tracer, name: "inner-scope" });
      void s;
    });
    outer.end();
    // Without a registered context manager, context.with does not propagate;
    // with none, the scope is a root span. Either way it ends exactly once.
    expect(byName("inner-scope").length).toBe(1);
  });

  test("race and parallel with a tracer open a scope span with task spans", async () => {
    await race([async () => 1, async () => 2], { tracer });
    await parallel([async () => 1, async () => 2], { tracer });
    expect(byName("scope").length).toBe(2);
    expect(byName("scope.task").length).toBe(4);
  });

  test("a tracer that throws never fails the work", async () => {
    const broken = { startSpan: () => { throw new Error("tracer broke"); } };
    await using s = scope({ tracer: broken as never });
    expect(await s.task(async () => "fine")).toEqual([undefined, "fine"]);
  });

  test("no tracer: no span", async () => {
    {
      await using s = scope();
      await s.task(async () => 1);
    }
    expect(spans().length).toBe(0);
  });
});
