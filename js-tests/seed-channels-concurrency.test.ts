// The seed's "Channels" and "Concurrency Limits" sections, verbatim inside
// each test, with stubs (fetch, processLog, sendToAnalytics, …) that
// simulate latency with timers.
import { describe, expect, test } from "vitest";
import { scope as realScope } from "go-go-scope-wasm";
import { sleep } from "./helpers";

describe("seed: Channels", () => {
  test("Basic Usage", async () => {
    const scope = realScope;
    const logs = Array.from({ length: 250 }, (_, i) => `log ${i}`);
    const processed: string[] = [];
    const processLog = async (log: string) => {
      if (processed.length % 50 === 0) await sleep(1);
      processed.push(log);
    };

    await using s = scope()
    const ch = s.channel<string>(100)  // Buffer capacity of 100

    // Producer
    s.task(async () => {
      for (const log of logs) {
        await ch.send(log)  // Blocks if buffer full
      }
      ch.close()
    })

    // Consumer with native async iteration
    for await (const log of ch) {
      await processLog(log)
    }

    expect(processed).toEqual(logs);
  });

  test("Multiple Producers, Single Consumer", async () => {
    // The seed's consumer loop ends when the scope is cancelled; here the
    // scope gets a short timeout so the loop ends on its own.
    const scope = () => realScope({ timeout: 200 });
    const servers = [0, 1, 2].map((n) => ({
      async *metrics() {
        for (let i = 0; i < 100; i++) {
          if (i % 25 === 0) await sleep(1);
          yield n * 1000 + i;
        }
      },
    }));
    const sent: number[][] = [];
    const sendToAnalytics = async (batch: number[]) => {
      await sleep(1);
      sent.push([...batch]);
    };

    await using s = scope()
    const ch = s.channel<number>(10)

    // Multiple producers
    for (const server of servers) {
      s.task(async () => {
        for await (const metric of server.metrics()) {
          await ch.send(metric)
        }
      })
    }

    // Single consumer with batching
    const batch: number[] = []
    for await (const metric of ch) {
      batch.push(metric)
      if (batch.length >= 100) {
        await sendToAnalytics(batch)
        batch.length = 0
      }
    }

    const all = sent.flat().concat(batch).sort((a, b) => a - b);
    expect(all.length).toBe(300);
    expect(new Set(all).size).toBe(300);
    expect(sent.length).toBe(3);
  });

  test("Channel Properties", async () => {
    await using s = realScope();
    const log: unknown[] = [];
    const console = { log: (v: unknown) => log.push(v) };

    const ch = s.channel<string>(10)

    console.log(ch.cap)       // 10 (capacity)
    console.log(ch.size)      // 0 (current size)
    console.log(ch.isClosed)  // false

    ch.close()
    console.log(ch.isClosed)  // true

    expect(log).toEqual([10, 0, false, true]);
  });
});

describe("seed: Concurrency Limits", () => {
  function tracker() {
    const t = { running: 0, peak: 0, calls: 0 };
    const run = async <T>(value: T): Promise<T> => {
      t.calls++;
      t.running++;
      t.peak = Math.max(t.peak, t.running);
      await sleep(2);
      t.running--;
      return value;
    };
    return { t, run };
  }

  test("Basic Usage", async () => {
    const scope = realScope;
    const { t, run } = tracker();
    const urls = Array.from({ length: 20 }, (_, i) => `http://127.0.0.1/item/${i}`);
    const fetch = (url: string) => run({ url, ok: true });

    // All tasks in this scope are limited to 5 concurrent
    await using s = scope({ concurrency: 5 })

    await s.parallel(
      urls.map(url => () => fetch(url))
    )

    expect(t.calls).toBe(20);
    expect(t.peak).toBe(5);
  });

  test("Use case 1: Rate limiting API calls", async () => {
    const scope = realScope;
    const { t, run } = tracker();
    const apiEndpoints = Array.from({ length: 25 }, (_, i) => `/api/${i}`);
    const callApi = (endpoint: string) => run(`called ${endpoint}`);

    await using s = scope({ concurrency: 10 })

    const results = await s.parallel(
      apiEndpoints.map(endpoint => () => callApi(endpoint))
    )

    expect(results.map((r) => r[1])).toEqual(apiEndpoints.map((e) => `called ${e}`));
    expect(t.peak).toBe(10);
  });

  test("Use case 2: Controlling database connections", async () => {
    const scope = realScope;
    const { t, run } = tracker();
    const queries = ["a", "b", "c", "d", "e", "f", "g"];
    const createConnectionPool = (size: number) => ({ size, query: (q: string) => run(`rows for ${q}`) });

    await using s = scope({ concurrency: 3 })
      .provide('db', () => createConnectionPool(3))

    // Only 3 queries at a time
    const results = await s.parallel(
      queries.map(q => ({ services }) => services.db.query(q))
    )

    expect(results.map((r) => r[1])).toEqual(queries.map((q) => `rows for ${q}`));
    expect(t.peak).toBe(3);
  });

  test("Use case 3: Preventing resource exhaustion", async () => {
    const scope = realScope;
    const { t, run } = tracker();
    const files = Array.from({ length: 30 }, (_, i) => `file${i}.txt`);
    const processFile = (file: string) => run(file);

    {
      await using s = scope({ concurrency: 5 })

      for (const file of files) {
        // Even though we create many tasks, only 5 run concurrently
        s.task(() => processFile(file))
      }
    }

    // Leaving the block disposes the scope: the 5 running tasks finish, the
    // 25 still queued for a permit are cancelled and never run (as in 1.0).
    expect(t.calls).toBe(5);
    expect(t.peak).toBe(5);
  });
});
