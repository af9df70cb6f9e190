// Type tests for poll and stream (tsc --noEmit).
import { poll, scope, stream } from "go-go-scope-wasm";
import type { PollController, PollOptions } from "go-go-scope-wasm";

declare function fetchConfig(opts: { signal: AbortSignal }): Promise<{ theme: string }>;

export async function pollTypes() {
  await using s = scope().provide("db", () => ({ n: 1 }));
  // Both argument shapes.
  const c: PollController = s.poll(
    ({ signal, services }) => {
      void services?.db.n;
      return fetchConfig({ signal });
    },
    (config) => void config.theme.toUpperCase(),
    { interval: 30000, immediate: false },
  );
  poll((signal) => fetch("https://example.invalid", { signal }), async (r) => void r.status);
  const st = c.status();
  const running: boolean = st.running;
  const count: number = st.pollCount;
  const next: number | undefined = st.nextPollTime;
  void [running, count, next];
  c.stop();
  c.start();
  const opts: PollOptions = { interval: 10, signal: s.signal, immediate: true };
  void opts;
  // @ts-expect-error: s.poll takes its scope's signal
  s.poll(() => 1, () => {}, { signal: s.signal });
  // @ts-expect-error: onValue is required
  poll(() => 1);
}

export async function streamTypes() {
  await using s = scope();
  async function* numbers() {
    yield 1;
    yield 2;
  }
  for await (const n of s.stream(numbers())) {
    const x: number = n;
    void x;
  }
  const rs = new ReadableStream<string>();
  for await (const chunk of stream(rs, s.signal)) {
    const x: string = chunk;
    void x;
  }
  // @ts-expect-error: not iterable
  stream(42);
}
