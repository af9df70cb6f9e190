// Hedged races (go-go-scope 2.x's race options): stagger, requireSuccess, timeout and s.any
//
// `stagger` asks a second replica only when the first has not answered
// within that many ms (and a third, and so on); `requireSuccess` lets a
// failure pass (the next replica is asked at once) and, when every one
// failed, gives an AggregateError with each error in input order; `timeout`
// ends a race nobody won in time, aborting every request; `s.any` is a race
// with requireSuccess. The losers are aborted, as in 1.0's race.
import { scope } from "go-go-scope-wasm";

/** Waits `ms`, or rejects with the signal's reason when it aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => (clearTimeout(t), reject(signal.reason)), { once: true });
  });
}

/** A replica that answers (or fails) after `ms`; `asked` records who was asked. */
function replica(asked: string[], name: string, ms: number, up = true) {
  return async ({ signal }: { signal: AbortSignal }) => {
    asked.push(name);
    await sleep(ms, signal);
    if (!up) throw new Error(`${name} is down`);
    return name;
  };
}

console.log("stagger: ask the next replica only if none answered within 50 ms");
{
  await using s = scope();
  const asked: string[] = [];
  const [, who] = await s.race(
    [replica(asked, "primary", 400), replica(asked, "replica-a", 20), replica(asked, "replica-b", 20)],
    { stagger: 50 },
  );
  console.log(`  answered by ${who}; asked ${asked.join(", ")}`);
}

console.log("requireSuccess: a failure asks the next at once; all failed gives every error");
{
  await using s = scope();
  const asked: string[] = [];
  const [, who] = await s.race([replica(asked, "primary", 5, false), replica(asked, "replica-a", 10)], {
    stagger: 1_000,
    requireSuccess: true,
  });
  console.log(`  answered by ${who}; asked ${asked.join(", ")}`);
  const [err] = await s.any([replica([], "a", 10, false), replica([], "b", 5, false)]);
  const errors = (err as AggregateError).errors.map((e: Error) => e.message);
  console.log(`  ${(err as Error).message}: ${errors.join(", ")}`);
}

console.log("timeout: nobody answered in time");
{
  await using s = scope();
  let cancelled = false;
  const [err] = await s.race(
    [
      async ({ signal }: { signal: AbortSignal }) => {
        signal.addEventListener("abort", () => (cancelled = true));
        await sleep(1_000, signal);
        return "too late";
      },
    ],
    { timeout: 30 },
  );
  console.log(`  ${(err as Error).message}; the slow request was cancelled: ${cancelled}`);
}
