// SPEC "OpenTelemetry", with the real SDK (BasicTracerProvider +
// InMemorySpanExporter), not a mock.
import { beforeEach, describe, expect, test } from "vitest";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { context, ROOT_CONTEXT, trace, type Context } from "@opentelemetry/api";
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

  // Issue 12 item 3: the task attributes 1.0 sets, set when 1.0 sets them.
  test("1.0's retry attributes: the options at start, then succeeded_after, max_retries_exceeded + attempts_made, or condition_rejected", async () => {
    {
      await using s = scope({ tracer });
      let calls = 0;
      const flaky = async () => {
        if (++calls < 3) throw new Error("again");
        return "ok";
      };
      const broken = async () => {
        throw new Error("always");
      };
      await s.task(flaky, { retry: { maxRetries: 3, delay: 1 }, otel: { name: "succeeded" } });
      await s.task(broken, { retry: { maxRetries: 2 }, otel: { name: "exceeded" } });
      await s.task(broken, { retry: { maxRetries: 5, delay: () => 0, retryCondition: () => false }, otel: { name: "rejected" } });
      await s.task(async () => 1, { retry: {}, otel: { name: "first-try" } });
      await s.task(async () => 1, { otel: { name: "no-retry" } });
    }
    const [succeeded] = byName("succeeded");
    expect(succeeded.attributes).toMatchObject({
      "task.retry.max_retries": 3,
      "task.retry.has_delay": true,
      "task.retry.has_condition": false,
      "task.retry.succeeded_after": 3,
      "task.retry_attempts": 2,
    });
    expect(succeeded.attributes).not.toHaveProperty("task.retry.max_retries_exceeded");
    expect(succeeded.attributes).not.toHaveProperty("task.retry.attempts_made");
    const [exceeded] = byName("exceeded");
    expect(exceeded.attributes).toMatchObject({
      "task.retry.max_retries": 2,
      "task.retry.has_delay": false,
      "task.retry.max_retries_exceeded": true,
      "task.retry.attempts_made": 3,
      "task.retry_attempts": 2,
      "task.error_reason": "exception",
    });
    expect(exceeded.attributes).not.toHaveProperty("task.retry.succeeded_after");
    expect(exceeded.status.code).toBe(SpanStatusCode.ERROR);
    const [rejected] = byName("rejected");
    expect(rejected.attributes).toMatchObject({
      "task.retry.max_retries": 5,
      "task.retry.has_delay": true,
      "task.retry.has_condition": true,
      "task.retry.condition_rejected": true,
      "task.retry_attempts": 0,
    });
    expect(rejected.attributes).not.toHaveProperty("task.retry.max_retries_exceeded");
    const [firstTry] = byName("first-try");
    expect(firstTry.attributes).toMatchObject({ "task.retry.max_retries": 3, "task.retry.has_delay": false, "task.retry_attempts": 0 });
    expect(firstTry.attributes).not.toHaveProperty("task.retry.succeeded_after");
    const keys = Object.keys(byName("no-retry")[0].attributes);
    expect(keys.filter((k) => k.startsWith("task.retry."))).toEqual([]);
  });

  test("1.0's circuit breaker attributes: state and failure count when the task starts, rejected on a refused call", async () => {
    {
      await using s = scope({ tracer, circuitBreaker: { failureThreshold: 2, resetTimeout: 60_000 } });
      const broken = async () => {
        throw new Error("down");
      };
      await s.task(broken, { otel: { name: "cb-1" } });
      await s.task(broken, { otel: { name: "cb-2" } });
      await s.task(async () => "never called", { otel: { name: "cb-3" } });
    }
    {
      await using s = scope({ tracer });
      await s.task(async () => 1, { otel: { name: "no-breaker" } });
    }
    expect(byName("cb-1")[0].attributes).toMatchObject({ "task.circuit_breaker.state": "closed", "task.circuit_breaker.failure_count": 0 });
    expect(byName("cb-2")[0].attributes).toMatchObject({ "task.circuit_breaker.state": "closed", "task.circuit_breaker.failure_count": 1 });
    expect(byName("cb-2")[0].attributes).not.toHaveProperty("task.circuit_breaker.rejected");
    expect(byName("cb-3")[0].attributes).toMatchObject({
      "task.circuit_breaker.state": "open",
      "task.circuit_breaker.failure_count": 2,
      "task.circuit_breaker.rejected": true,
      "task.error_reason": "circuit_breaker_open",
    });
    const keys = Object.keys(byName("no-breaker")[0].attributes);
    expect(keys.filter((k) => k.startsWith("task.circuit_breaker."))).toEqual([]);
  });

  test("1.0's concurrency attributes: permits available and waiting before the task asks for one", async () => {
    {
      await using s = scope({ tracer, concurrency: 1 });
      const work = () => sleep(5);
      await Promise.all([
        s.task(work, { otel: { name: "c-1" } }),
        s.task(work, { otel: { name: "c-2" } }),
        s.task(work, { otel: { name: "c-3" } }),
      ]);
    }
    {
      await using s = scope({ tracer });
      await s.task(async () => 1, { otel: { name: "unlimited" } });
    }
    const before = (name: string) => {
      const a = byName(name)[0].attributes;
      return [a["task.concurrency.available_before"], a["task.concurrency.waiting_before"]];
    };
    expect(before("c-1")).toEqual([1, 0]);
    expect(before("c-2")).toEqual([0, 0]);
    expect(before("c-3")).toEqual([0, 1]);
    expect(byName("c-3")[0].attributes["task.scope_concurrency"]).toBe(1);
    expect(before("unlimited")).toEqual([undefined, undefined]);
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

  test("with a context manager registered, the active span parents a root scope's span", async () => {
    let current = ROOT_CONTEXT;
    const manager = {
      active: () => current,
      with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(ctx: Context, fn: F, thisArg?: ThisParameterType<F>, ...args: A) {
        const previous = current;
        current = ctx;
        try {
          return fn.call(thisArg, ...args);
        } finally {
          current = previous;
        }
      },
      bind: <T>(_ctx: Context, target: T) => target,
      enable() {
        return this;
      },
      disable() {
        return this;
      },
    };
    context.setGlobalContextManager(manager);
    try {
      const outer = tracer.startSpan("outer-active");
      const s = context.with(trace.setSpan(context.active(), outer), () => scope({ tracer, name: "under-outer" }));
      await s.task(async () => 1, { otel: { name: "under-outer-task" } });
      await s[Symbol.asyncDispose]();
      outer.end();
      expect(parentId(byName("under-outer")[0])).toBe(id(byName("outer-active")[0]));
      expect(parentId(byName("under-outer-task")[0])).toBe(id(byName("under-outer")[0]));
    } finally {
      context.disable();
    }
  });

  test("spans whose methods throw, or no span at all, never fail the work", async () => {
    const boom = () => {
      throw new Error("span broke");
    };
    const throwing = { startSpan: () => ({ setAttributes: boom, setStatus: boom, recordException: boom, end: boom }) };
    const none = { startSpan: () => undefined };
    for (const t of [throwing, none]) {
      const s = scope({ tracer: t as never, timeout: 1000, concurrency: 1, circuitBreaker: { failureThreshold: 10 } });
      expect(await s.task(async () => "fine")).toEqual([undefined, "fine"]);
      const [err] = await s.task(async () => {
        throw new Error("boom");
      }, { retry: { maxRetries: 1 } });
      expect((err as Error).message).toBe("boom");
      s.provide("x", () => 1, () => {
        throw new Error("cleanup failed");
      });
      await expect(s[Symbol.asyncDispose]()).rejects.toThrow("cleanup failed");
    }
  });

  describe("1.0's task attributes, set when 1.0 sets them", () => {
    const keys = [
      "task.retry.max_retries",
      "task.retry.has_delay",
      "task.retry.has_condition",
      "task.retry.succeeded_after",
      "task.retry.attempts_made",
      "task.retry.max_retries_exceeded",
      "task.retry.condition_rejected",
      "task.circuit_breaker.state",
      "task.circuit_breaker.failure_count",
      "task.circuit_breaker.rejected",
      "task.concurrency.available_before",
      "task.concurrency.waiting_before",
    ];
    const present = (span: ReadableSpan) => keys.filter((k) => k in span.attributes);

    test("retry: configuration at start; succeeded_after only when a later attempt succeeds", async () => {
      {
        await using s = scope({ tracer });
        let calls = 0;
        await s.task(async () => {
          if (++calls < 3) throw new Error("again");
          return "ok";
        }, { retry: { maxRetries: 3 }, otel: { name: "third-time" } });
        await s.task(async () => "first", { retry: { maxRetries: 2, delay: 1, retryCondition: () => true }, otel: { name: "first-time" } });
        await s.task(async () => "fn-delay", { retry: { delay: () => 5 }, otel: { name: "fn-delay" } });
      }
      const [third] = byName("third-time");
      expect(third.attributes).toMatchObject({
        "task.retry.max_retries": 3,
        "task.retry.has_delay": false,
        "task.retry.has_condition": false,
        "task.retry.succeeded_after": 3,
      });
      expect(present(third).sort()).toEqual(["task.retry.has_condition", "task.retry.has_delay", "task.retry.max_retries", "task.retry.succeeded_after"]);
      const [first] = byName("first-time");
      expect(first.attributes).toMatchObject({ "task.retry.max_retries": 2, "task.retry.has_delay": true, "task.retry.has_condition": true });
      expect("task.retry.succeeded_after" in first.attributes).toBe(false);
      expect(byName("fn-delay")[0].attributes).toMatchObject({ "task.retry.max_retries": 3, "task.retry.has_delay": true });
    });

    test("retry: max_retries_exceeded and attempts_made when retries run out; condition_rejected when retryCondition says no", async () => {
      {
        await using s = scope({ tracer });
        await s.task(async () => {
          throw new Error("always");
        }, { retry: { maxRetries: 2 }, otel: { name: "exhausted" } });
        let calls = 0;
        await s.task(async () => {
          throw new Error(++calls === 1 ? "retryable" : "fatal");
        }, { retry: { maxRetries: 5, retryCondition: (e) => (e as Error).message === "retryable" }, otel: { name: "rejected" } });
      }
      const [exhausted] = byName("exhausted");
      expect(exhausted.attributes).toMatchObject({
        "task.retry.max_retries": 2,
        "task.retry.max_retries_exceeded": true,
        "task.retry.attempts_made": 3,
        "task.retry_attempts": 2,
      });
      expect("task.retry.condition_rejected" in exhausted.attributes).toBe(false);
      const [rejected] = byName("rejected");
      expect(rejected.attributes).toMatchObject({ "task.retry.condition_rejected": true, "task.retry_attempts": 1 });
      expect("task.retry.max_retries_exceeded" in rejected.attributes).toBe(false);
      expect("task.retry.attempts_made" in rejected.attributes).toBe(false);
    });

    test("circuit breaker: state and failure_count as the task starts; rejected on a refused call", async () => {
      {
        await using s = scope({ tracer, circuitBreaker: { failureThreshold: 2, resetTimeout: 30 } });
        for (const name of ["cb-1", "cb-2"]) {
          await s.task(async () => {
            throw new Error("down");
          }, { otel: { name } });
        }
        await s.task(async () => "never called", { otel: { name: "cb-refused" } });
        await sleep(40);
        await s.task(async () => "trial", { otel: { name: "cb-trial" } });
      }
      expect(byName("cb-1")[0].attributes).toMatchObject({ "task.circuit_breaker.state": "closed", "task.circuit_breaker.failure_count": 0 });
      expect(byName("cb-2")[0].attributes).toMatchObject({ "task.circuit_breaker.state": "closed", "task.circuit_breaker.failure_count": 1 });
      const [refused] = byName("cb-refused");
      expect(refused.attributes).toMatchObject({
        "task.circuit_breaker.state": "open",
        "task.circuit_breaker.failure_count": 2,
        "task.circuit_breaker.rejected": true,
        "task.error_reason": "circuit_breaker_open",
      });
      const [trial] = byName("cb-trial");
      expect(trial.attributes).toMatchObject({ "task.circuit_breaker.state": "half-open", "task.circuit_breaker.failure_count": 2 });
      expect("task.circuit_breaker.rejected" in trial.attributes).toBe(false);
      expect("task.circuit_breaker.rejected" in byName("cb-1")[0].attributes).toBe(false);
    });

    test("concurrency: available_before and waiting_before as each task asks for its permit", async () => {
      {
        await using s = scope({ tracer, concurrency: 2 });
        const tasks = [1, 2, 3, 4].map((i) => s.task(() => sleep(10), { otel: { name: `c-${i}` } }));
        await Promise.all(tasks);
      }
      const at = (i: number) => {
        const a = byName(`c-${i}`)[0].attributes;
        return [a["task.concurrency.available_before"], a["task.concurrency.waiting_before"]];
      };
      expect([at(1), at(2), at(3), at(4)]).toEqual([[2, 0], [1, 0], [0, 0], [0, 1]]);
      {
        await using s = scope({ tracer, concurrency: Infinity });
        await s.task(async () => 1, { otel: { name: "c-inf" } });
      }
      expect(byName("c-inf")[0].attributes).toMatchObject({
        "task.scope_concurrency": Infinity,
        "task.concurrency.available_before": Infinity,
        "task.concurrency.waiting_before": 0,
      });
    });

    test("with retry under a concurrency limit, each attempt records the queue it found", async () => {
      {
        await using s = scope({ tracer, concurrency: 1 });
        const blocker = s.task(() => sleep(20), { otel: { name: "blocker" } });
        let calls = 0;
        const retried = s.task(async () => {
          if (++calls === 1) throw new Error("once");
          return "ok";
        }, { retry: { maxRetries: 1 }, otel: { name: "retried-under-limit" } });
        const third = s.task(() => sleep(1), { otel: { name: "third" } });
        await Promise.all([blocker, retried, third]);
      }
      // First attempt: 0 free, 0 waiting; after it failed, "third" held
      // the permit and the retry found 0 free again.
      expect(byName("retried-under-limit")[0].attributes).toMatchObject({
        "task.concurrency.available_before": 0,
        "task.retry.succeeded_after": 2,
      });
      expect(byName("third")[0].attributes["task.concurrency.waiting_before"]).toBe(1);
    });

    test("a plain task (no retry, breaker or limit) carries none of them", async () => {
      {
        await using s = scope({ tracer });
        await s.task(async () => 1, { otel: { name: "plain" } });
        await s.task(async () => {
          throw new Error("x");
        }, { otel: { name: "plain-failed" } });
      }
      expect(present(byName("plain")[0])).toEqual([]);
      expect(present(byName("plain-failed")[0])).toEqual([]);
    });
  });

  test("a failed task's span status is ERROR 'task failed' (1.0 set OK: its Result never rejects)", async () => {
    {
      await using s = scope({ tracer });
      await s.task(async () => {
        throw new Error("fails");
      }, { otel: { name: "failed-task" } });
      await s.task(async () => "fine", { otel: { name: "fine-task" } });
    }
    expect(byName("failed-task")[0].status).toEqual({ code: SpanStatusCode.ERROR, message: "task failed" });
    expect(byName("fine-task")[0].status.code).toBe(SpanStatusCode.OK);
  });

  test("s.race and s.parallel spans are children of the calling scope's span (1.0: new roots)", async () => {
    {
      await using s = scope({ tracer, name: "caller" });
      await s.race([async () => 1, async () => 2]);
      await s.parallel([async () => 1, async () => 2]);
    }
    const [caller] = byName("caller");
    const internal = byName("scope");
    expect(internal.length).toBe(2);
    for (const span of internal) {
      expect(parentId(span)).toBe(id(caller));
      expect(span.spanContext().traceId).toBe(caller.spanContext().traceId);
    }
    const tasks = byName("scope.task");
    expect(tasks.length).toBe(4);
    for (const t of tasks) expect(internal.map(id)).toContain(parentId(t));
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
