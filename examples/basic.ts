// Basic scope, task and timeout usage (README quick start).
import { scope } from "go-go-scope-wasm";

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(t);
      reject(signal.reason);
    });
  });

class NotFound extends Error {}

async function fetchUser(id: number, signal: AbortSignal) {
  await sleep(20, signal);
  if (id === 0) throw new NotFound(`no user ${id}`);
  return { id, name: `user-${id}` };
}

{
  await using s = scope();
  const [err, user] = await s.task(({ signal }) => fetchUser(1, signal));
  console.log("task result:", err, user);

  const [notFound] = await s.task(({ signal }) => fetchUser(0, signal));
  console.log("failure keeps its class:", notFound instanceof NotFound, (notFound as Error).message);

  const [timeoutErr] = await s.task(({ signal }) => sleep(1000, signal), { timeout: 50 });
  console.log("task timeout:", (timeoutErr as Error).message);
}

{
  await using s = scope({ timeout: 50 });
  const slow = s.task(({ signal }) => sleep(1000, signal).then(() => "never"));
  const [err] = await slow;
  console.log("scope timeout aborted the task:", (err as Error).message, "| scope aborted:", s.signal.aborted);
}

{
  const log: string[] = [];
  {
    await using s = scope()
      .provide("db", () => ({ close: () => log.push("db closed") }), (db) => db.close())
      .provide("cache", () => new Map(), () => void log.push("cache cleared"));
    s.task(async ({ signal }) => {
      signal.addEventListener("abort", () => log.push(`task saw abort: ${(signal.reason as Error).message}`));
      await sleep(5);
    });
    log.push("leaving the block");
  }
  console.log("disposal order:", log.join(" -> "));
}
