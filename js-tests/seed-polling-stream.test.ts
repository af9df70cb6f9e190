// The seed's "Polling" and "Stream Processing" sections, verbatim inside each
// test, with stubs. `scope` is shadowed inside some tests so that the test
// can dispose a snippet's scope from outside (Basic Polling waits forever) or
// shorten a 30 s timeout; the snippet text itself is unchanged.
import { describe, expect, test, vi } from "vitest";
import { scope as realScope, scope, Scope } from "go-go-scope-wasm";
import { sleep } from "./helpers";

const calls: Record<string, number> = {};
const hit = (name: string) => void (calls[name] = (calls[name] ?? 0) + 1);
const signals: AbortSignal[] = [];
async function fetchConfig({ signal }: { signal: AbortSignal }) { hit("fetchConfig"); signals.push(signal); await sleep(2); return { theme: "dark" }; }
function updateUI(config: unknown) { hit("updateUI"); return config; }
async function fetchStatus({ signal }: { signal: AbortSignal }) { hit("fetchStatus"); signals.push(signal); await sleep(2); return "ok"; }
async function checkHealth({ signal }: { signal: AbortSignal }) { hit("checkHealth"); signals.push(signal); return false; }
async function fetchUpdates({ signal }: { signal: AbortSignal }) { hit("fetchUpdates"); signals.push(signal); return [1, 2]; }
function mergeIntoLocalState(updates: unknown) { hit("mergeIntoLocalState"); return updates; }
let alerts: string[] = [];
(globalThis as any).alert = (m: string) => alerts.push(m);

function chunks(n: number, delay = 1) {
  let i = 0;
  return new ReadableStream<string>({
    async pull(c) {
      await sleep(delay);
      if (i < n) c.enqueue(`chunk-${++i}`);
      else c.close();
    },
    cancel() { hit("cancel"); },
  });
}
let readableStream: ReadableStream<string>;
const processed: string[] = [];
async function processChunk(chunk: string) { processed.push(chunk); await sleep(1); }
const foundWhatWeNeed = (chunk: string) => chunk === "chunk-3";

describe("seed: Polling", () => {
  test("Basic Polling", async () => {
    const made: Scope[] = [];
    const scope = () => { const s = realScope(); made.push(s); return s; };
    const snippet = async () => {
      await using s = scope()

      s.poll(
        ({ signal }) => fetchConfig({ signal }),
        (config) => updateUI(config),
        { interval: 30000 }  // Every 30 seconds
      )

      // Keep alive somehow, polling stops when scope exits
      await new Promise(() => {})
    };
    void snippet();
    await sleep(20);
    expect(calls.fetchConfig).toBe(1);
    expect(calls.updateUI).toBe(1);
    const sig = signals.at(-1)!;
    await made[0][Symbol.asyncDispose](); // the scope ends from outside
    expect(sig.aborted).toBe(true);
  });

  test("With Control", async () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    let controllerRef: any;
    {
      await using s = scope()

      const controller = s.poll(
        ({ signal }) => fetchStatus({ signal }),
        (status) => console.log(status),
        { interval: 5000, immediate: true }
      )

      // Check status
      const status = controller.status()
      console.log(status.running)        // true
      console.log(status.pollCount)      // Number of polls
      console.log(status.timeUntilNext)  // ms until next poll

      // Stop when needed
      controller.stop()

      // Restart later
      controller.start()
      controllerRef = controller;
    }
    const printed = log.mock.calls.map((c) => c[0]);
    log.mockRestore();
    expect(printed[0]).toBe(true);
    expect(printed[1]).toBe(1);
    expect(printed[2]).toBeGreaterThan(4900);
    expect(calls.fetchStatus).toBe(1); // no overlap: start() while in flight waits
    expect(controllerRef.status().running).toBe(false); // the scope ended it
  });

  test("Use Cases: health checks and syncing data", async () => {
    alerts = [];
    {
      await using s = scope()
      s.poll(
        ({ signal }) => checkHealth({ signal }),
        (healthy) => {
          if (!healthy) alert('Service down!')
        },
        { interval: 10000 }
      )

      s.poll(
        ({ signal }) => fetchUpdates({ signal }),
        (updates) => mergeIntoLocalState(updates),
        { interval: 60000 }
      )
      await sleep(10);
    }
    expect(alerts).toEqual(["Service down!"]);
    expect(calls.mergeIntoLocalState).toBe(1);
  });
});

describe("seed: Stream Processing", () => {
  test("Basic Streaming", async () => {
    processed.length = 0;
    readableStream = chunks(4);
    {
      await using s = scope()

      for await (const chunk of s.stream(readableStream)) {
        await processChunk(chunk)
        // Automatically stops when scope is cancelled
      }
    }
    expect(processed).toEqual(["chunk-1", "chunk-2", "chunk-3", "chunk-4"]);
  });

  test("With Timeout", async () => {
    processed.length = 0;
    readableStream = chunks(1_000_000, 5); // endless in practice
    // 30000 ms in the snippet becomes 30 ms here.
    const scope = (o: { timeout: number }) => realScope({ timeout: o.timeout / 1000 });
    const snippet = async () => {
      await using s = scope({ timeout: 30000 })

      for await (const chunk of s.stream(readableStream)) {
        await processChunk(chunk)
      }
      // Stream stops after 30 seconds
    };
    const t0 = performance.now();
    await expect(snippet()).rejects.toThrow("timeout after 30ms");
    // The source is endless: a bound shows the timeout ended it (loose for a loaded machine).
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(processed.length).toBeGreaterThan(0);
    // The source's return() waits for its read in flight, then cancels.
    await sleep(20);
    expect(readableStream.locked).toBe(false);
  });

  test("Early Break", async () => {
    calls.cancel = 0;
    readableStream = chunks(10);
    const seen: string[] = [];
    {
      await using s = scope()

      for await (const chunk of s.stream(readableStream)) {
        seen.push(chunk);
        if (foundWhatWeNeed(chunk)) {
          break  // Iterator is properly cleaned up
        }
      }
    }
    expect(seen).toEqual(["chunk-1", "chunk-2", "chunk-3"]);
    expect(calls.cancel).toBe(1);
    expect(readableStream.locked).toBe(false);
  });
});
