// Seed section "Polling": every example, as the seed writes them. The stubs
// simulate latency with timers; the scope of "Basic Polling" ends from the
// outside after a moment, since the snippet waits forever.
import { scope as makeScope, type Scope } from "go-go-scope-wasm";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const fetchConfig = async ({ signal }: { signal: AbortSignal }) => {
  await sleep(20);
  signal.throwIfAborted();
  return { theme: "dark" };
};
const updateUI = (config: unknown) => console.log("  updateUI:", JSON.stringify(config));
const fetchStatus = async ({ signal }: { signal: AbortSignal }) => {
  await sleep(10);
  signal.throwIfAborted();
  return "all systems go";
};
const checkHealth = async (_: { signal: AbortSignal }) => {
  await sleep(5);
  return false;
};
const alert = (msg: string) => console.log("  alert:", msg);
const fetchUpdates = async (_: { signal: AbortSignal }) => {
  await sleep(5);
  return [{ id: 1 }];
};
const mergeIntoLocalState = (updates: unknown) => console.log("  merged:", JSON.stringify(updates));

console.log("Basic Polling");
{
  let made: Scope | undefined;
  const scope = () => (made = makeScope());
  void (async () => {
    await using s = scope()

    s.poll(
      ({ signal }) => fetchConfig({ signal }),
      (config) => updateUI(config),
      { interval: 30000 }  // Every 30 seconds
    )

    // Keep alive somehow, polling stops when scope exits
    await new Promise(() => {})
  })();
  await sleep(100);
  await made?.[Symbol.asyncDispose]();
  console.log("  scope ended from outside: polling stopped");
}

console.log("With Control");
{
  await using s = makeScope()

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
  await sleep(50);
}

console.log("Use Cases");
{
  await using s = makeScope()

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
  await sleep(50);
}
