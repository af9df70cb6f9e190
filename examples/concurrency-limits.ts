// Seed section "Concurrency Limits": basic usage and the three use cases,
// as the seed writes them. `fetch` and friends are stubs that take a few ms
// and report how many run at once.
import { scope } from "go-go-scope-wasm";

let running = 0;
let peak = 0;
async function work<T>(value: T): Promise<T> {
  running++;
  peak = Math.max(peak, running);
  await new Promise((r) => setTimeout(r, 5));
  running--;
  return value;
}
function report(label: string) {
  console.log(`  ${label}: at most ${peak} at once`);
  peak = 0;
}
const fetch = (url: string) => work({ url, status: 200 });
const urls = Array.from({ length: 20 }, (_, i) => `http://127.0.0.1:8080/items/${i}`);
const callApi = (endpoint: string) => work(`response of ${endpoint}`);
const apiEndpoints = Array.from({ length: 30 }, (_, i) => `/api/v1/resource/${i}`);
const createConnectionPool = (size: number) => ({ size, query: (q: string) => work(`rows of ${q}`) });
const queries = ["SELECT 1", "SELECT 2", "SELECT 3", "SELECT 4", "SELECT 5", "SELECT 6"];
const files = Array.from({ length: 15 }, (_, i) => `upload-${i}.csv`);
let processedFiles = 0;
const processFile = (file: string) => work(file).then(() => processedFiles++);

console.log("Basic Usage");
{
  // All tasks in this scope are limited to 5 concurrent
  await using s = scope({ concurrency: 5 })

  await s.parallel(
    urls.map(url => () => fetch(url))
  )
  report(`${urls.length} fetches`);
}

console.log("1. Rate limiting API calls");
{
  await using s = scope({ concurrency: 10 })

  const results = await s.parallel(
    apiEndpoints.map(endpoint => () => callApi(endpoint))
  )
  report(`${results.length} calls, first result ${JSON.stringify(results[0])}`);
}

console.log("2. Controlling database connections");
{
  await using s = scope({ concurrency: 3 })
    .provide('db', () => createConnectionPool(3))

  // Only 3 queries at a time
  const results = await s.parallel(
    queries.map(q => ({ services }) => services.db.query(q))
  )
  report(`${results.length} queries, last result ${JSON.stringify(results[results.length - 1])}`);
}

console.log("3. Preventing resource exhaustion");
{
  await using s = scope({ concurrency: 5 })

  for (const file of files) {
    // Even though we create many tasks, only 5 run concurrently
    s.task(() => processFile(file))
  }
}
report(`${processedFiles} of ${files.length} files processed: leaving the block cancelled the tasks still queued for a permit`);

console.log("3b. The same, awaiting the tasks before leaving the block");
processedFiles = 0;
{
  await using s = scope({ concurrency: 5 });
  await Promise.all(files.map((file) => s.task(() => processFile(file))));
}
report(`${processedFiles} of ${files.length} files processed`);
