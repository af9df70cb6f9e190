// Type tests for channel backpressure (issue 19): both spellings go-go-scope
// 2.x documents, s.channel(capacity, { backpressure }) and
// s.channel({ capacity, backpressure, onDrop }), plus 2.x's constructor.
import { Channel, ChannelFullError, scope } from "go-go-scope-wasm";
import type { BackpressureStrategy, ChannelOptions } from "go-go-scope-wasm";

export async function backpressure() {
  await using s = scope();
  // 2.x's positional spelling.
  const a: Channel<number> = s.channel<number>(10, { backpressure: "drop-oldest", onDrop: (v) => void (v satisfies number) });
  // 2.x's options-object spelling.
  const b: Channel<string> = s.channel<string>({ capacity: 5, backpressure: "drop-latest", onDrop: (v: string) => void v.length });
  const c = s.channel<number>(100, { backpressure: "error" });
  const d = s.channel({ capacity: 1 });
  const e = s.channel(1, {});
  const f = new Channel<number>({ capacity: 2, backpressure: "block" }, AbortSignal.timeout(10));
  const opts: ChannelOptions<number> = { capacity: 100, backpressure: "drop-oldest", onDrop: (v) => void (v + 1) };
  const g = s.channel<number>(opts);
  const strategy: BackpressureStrategy = a.strategy;
  // @ts-expect-error: "sample" is 2.x's time-window strategy, not supported
  s.channel(1, { backpressure: "sample" });
  // @ts-expect-error: not a strategy
  s.channel({ backpressure: "drop" });
  // @ts-expect-error: onDrop gets the channel's value type
  s.channel<number>(1, { onDrop: (v: string) => void v });
  // @ts-expect-error: capacity is a number
  s.channel({ capacity: "1" });
  // @ts-expect-error: strategy is read-only
  a.strategy = "error";
  try {
    await c.send(1);
  } catch (err) {
    if (err instanceof ChannelFullError) {
      const tag: "ChannelFullError" = err._tag;
      const m: string = err.message;
      void tag;
      void m;
    }
  }
  const full: Error = new ChannelFullError("busy");
  void [b, d, e, f, g, strategy, full];
}
