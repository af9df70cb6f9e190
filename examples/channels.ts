// Seed section "Channels": basic usage, multiple producers with a batching
// consumer, and channel properties — as the seed writes them.
import { scope as createScope } from "go-go-scope-wasm";
import { counter } from "./support/progress.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const logs = Array.from({ length: 12 }, (_, i) => `GET /item/${i} 200`);
let processed = counter("processed logs:");
const seen: string[] = [];
const processLog = async (log: string) => {
  await sleep(2);
  processed.tick();
  seen.push(log);
};
const servers = ["eu", "us", "ap"].map((region, n) => ({
  region,
  async *metrics() {
    for (let i = 0; i < 70; i++) {
      if (i % 10 === 0) await sleep(1);
      yield n * 100 + i;
    }
  },
}));
const sendToAnalytics = async (batch: number[]) => {
  await sleep(5);
  console.log(`  sent a batch of ${batch.length} metrics (first ${batch[0]}, last ${batch[batch.length - 1]})`);
};

console.log("Basic Usage: one producer, one consumer, buffer of 100");
{
  const scope = createScope;
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
}
console.log(`  processed ${processed.done()} logs in order: ${seen[0]} … ${seen[seen.length - 1]}; the loop ended when the producer closed the channel`);

console.log("Multiple Producers, Single Consumer (the producers never close the channel: a 300 ms scope timeout ends the loop)");
{
  const scope = () => createScope({ timeout: 300 });
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
  console.log(`  loop ended after the timeout; ${batch.length} metrics left in the last partial batch`);
}

console.log("Channel Properties: cap, size, isClosed (the seed's four console.logs)");
{
  await using s = createScope();
  const ch = s.channel<string>(10)

  console.log(ch.cap)       // 10 (capacity)
  console.log(ch.size)      // 0 (current size)
  console.log(ch.isClosed)  // false

  ch.close()
  console.log(ch.isClosed)  // true
}
