// Beyond 1.0: onDispose, delay, onAbort, whenAborted, context and parallel progress
import { onAbort, scope, whenAborted } from "go-go-scope-wasm";

{
  const log: string[] = [];
  {
    await using s = scope();
    s.onDispose(() => void log.push("onDispose: metrics flushed"));
    s.provide("db", () => "db", () => void log.push("provide cleanup: db closed"));
    s.onDispose(async () => {
      await s.delay(0).catch(() => log.push("a delay during disposal is refused"));
      log.push("onDispose: last registered, first run");
    });
    log.push("leaving the block");
  }
  console.log("disposal order:", log.join(" -> "));
}

{
  const s = scope({ timeout: 30 });
  const t0 = Date.now();
  await s.delay(10);
  console.log("delay(10) resolved:", Date.now() - t0 >= 5);
  const [err] = await s.delay(60_000).then(
    () => [undefined],
    (e: unknown) => [e],
  );
  console.log("delay(60000) ended by the scope's timeout:", (err as Error).message, "| same reason:", err === s.signal.reason);
  await s[Symbol.asyncDispose]();
}

{
  const ac = new AbortController();
  const seen: unknown[] = [];
  const sub = onAbort(ac.signal, (reason) => seen.push(reason));
  const removed = onAbort(ac.signal, () => seen.push("never"));
  removed[Symbol.dispose]();
  const reason = whenAborted(ac.signal);
  ac.abort("shutting down");
  sub[Symbol.dispose]();
  console.log("onAbort saw:", seen.join(", "), "| whenAborted:", await reason);
}

{
  await using root = scope({ context: { requestId: "req-1" } });
  const child = scope({ parent: root });
  root.setContext("user", "ada");
  child.setContext("user", "grace");
  console.log(
    "context:",
    child.getContext("requestId"),
    child.getContext("user"),
    root.getContext("user"),
    "| has tenant:",
    child.hasContext("tenant"),
  );
  await child[Symbol.asyncDispose]();
}

{
  await using s = scope();
  const lines: string[] = [];
  const results = await s.parallel(
    [30, 10, 20].map((ms) => () => s.delay(ms).then(() => ms)),
    { onProgress: (completed, total, [, value]) => lines.push(`${completed}/${total} (${value})`) },
  );
  console.log("progress:", lines.join(" "), "| results in input order:", results.map(([, v]) => v).join(","));
}
