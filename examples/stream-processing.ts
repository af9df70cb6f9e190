// Seed section "Stream Processing": every example, as the seed writes them.
// `readableStream` is a web ReadableStream producing a chunk every 10 ms; the
// "With Timeout" scope gets 300 ms instead of 30 s so the example ends soon.
import { scope as makeScope } from "go-go-scope-wasm";
import { counter } from "./support/progress.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
function chunks(n: number) {
  let i = 0;
  return new ReadableStream<string>({
    async pull(c) {
      await sleep(10);
      if (i < n) c.enqueue(`chunk-${++i}`);
      else c.close();
    },
    cancel() {
      console.log(`  source cancelled after ${i} chunks`);
    },
  });
}
let readableStream = chunks(5);
let processed = counter("processed chunks:");
let last = "";
const processChunk = async (chunk: string) => {
  await sleep(5);
  processed.tick();
  last = chunk;
};
function summary() {
  console.log(`  processed ${processed.done()} chunks, the last ${last}`);
  processed = counter("processed chunks:");
}
const foundWhatWeNeed = (chunk: string) => (last = chunk) === "chunk-3";
const scope = makeScope;

console.log("Basic Streaming: a ReadableStream of 5 chunks");
{
  await using s = scope()

  for await (const chunk of s.stream(readableStream)) {
    await processChunk(chunk)
    // Automatically stops when scope is cancelled
  }
}
summary();

console.log("With Timeout: an endless stream, stopped by the scope's timeout (300 ms here)");
readableStream = chunks(1000);
try {
  const scope = (o: { timeout: number }) => makeScope({ timeout: o.timeout / 100 });
  await using s = scope({ timeout: 30000 })

  for await (const chunk of s.stream(readableStream)) {
    await processChunk(chunk)
  }
  // Stream stops after 30 seconds
} catch (e) {
  summary();
  console.log("  stream stopped:", (e as Error).message);
}
await sleep(30);

console.log("Early Break: stop at chunk-3; the source is cancelled");
readableStream = chunks(10);
{
  await using s = scope()

  for await (const chunk of s.stream(readableStream)) {
    if (foundWhatWeNeed(chunk)) {
      break  // Iterator is properly cleaned up
    }
  }
  console.log("  left the loop at", last);
}
