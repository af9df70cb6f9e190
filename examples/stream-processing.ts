// Seed section "Stream Processing": every example, as the seed writes them.
// `readableStream` is a web ReadableStream producing a chunk every 10 ms; the
// "With Timeout" scope gets 300 ms instead of 30 s so the example ends soon.
import { scope as makeScope } from "go-go-scope-wasm";

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
const processChunk = async (chunk: string) => {
  await sleep(5);
  console.log("  processed", chunk);
};
const foundWhatWeNeed = (chunk: string) => chunk === "chunk-3";
const scope = makeScope;

console.log("Basic Streaming");
{
  await using s = scope()

  for await (const chunk of s.stream(readableStream)) {
    await processChunk(chunk)
    // Automatically stops when scope is cancelled
  }
}

console.log("With Timeout");
readableStream = chunks(1000);
try {
  const scope = (o: { timeout: number }) => makeScope({ timeout: o.timeout / 100 });
  await using s = scope({ timeout: 30000 })

  for await (const chunk of s.stream(readableStream)) {
    await processChunk(chunk)
  }
  // Stream stops after 30 seconds
} catch (e) {
  console.log("  stream stopped:", (e as Error).message);
}
await sleep(30);

console.log("Early Break");
readableStream = chunks(10);
{
  await using s = scope()

  for await (const chunk of s.stream(readableStream)) {
    if (foundWhatWeNeed(chunk)) {
      break  // Iterator is properly cleaned up
    }
  }
}
