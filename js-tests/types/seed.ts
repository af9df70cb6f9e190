// Every snippet of the user guide (shared/seed, "Advanced Features"), verbatim,
// each in its own async function, type-checked with tsc: a guide example that
// compiles against go-go-scope 1.0 must compile against this package.
// The stubs they call (fetchUser, logs, servers, …) are `declare`d below.
// The OpenTelemetry snippet's imports stand at the top of the file, as imports
// must; "go-go-scope" maps to this package through tsconfig `paths`, as the
// README's `npm:` alias does for an app.
import { trace } from '@opentelemetry/api'
import { scope } from 'go-go-scope'
import type { Scope } from 'go-go-scope-wasm'

// Stubs for what the snippets call.
declare const logs: string[]
declare function processLog(log: string): Promise<void>
declare const servers: { metrics(): AsyncIterable<number> }[]
declare function sendToAnalytics(batch: number[]): Promise<void>
declare const urls: string[]
declare const apiEndpoints: string[]
declare function callApi(endpoint: string): Promise<{ status: number }>
declare function createConnectionPool(size: number): { query(q: string): Promise<unknown[]> }
declare const queries: string[]
declare const files: string[]
declare function processFile(file: string): Promise<void>
declare function fetchCriticalData(): Promise<{ data: string }>
declare function fetchFromPrimary(): Promise<string>
declare function fetchFromFallback(): Promise<string>
declare function fetchUser(id: number): Promise<{ id: number; name: string }>
declare function fetchPosts(id: number): Promise<string[]>
declare const id: number
declare function fetchData(): Promise<string>
declare class NetworkError extends Error {}
declare function fetchConfig(opts: { signal: AbortSignal }): Promise<{ theme: string }>
declare function updateUI(config: { theme: string }): void
declare function fetchStatus(opts: { signal: AbortSignal }): Promise<string>
declare function checkHealth(opts: { signal: AbortSignal }): Promise<boolean>
declare function fetchUpdates(opts: { signal: AbortSignal }): Promise<string[]>
declare function mergeIntoLocalState(updates: string[]): void
declare const readableStream: ReadableStream<Uint8Array>
declare function processChunk(chunk: Uint8Array): Promise<void>
declare function foundWhatWeNeed(chunk: Uint8Array): boolean
declare function openDatabase(): { query(sql: string): Promise<unknown[]>; close(): void }
declare function openAnotherDatabase(): { query(sql: string): Promise<unknown[]>; close(): void }
declare function createCache(): Map<string, unknown>
declare function processLargeDataset(): Promise<void>
// Snippets that use a scope `s` made by an earlier snippet.
declare const s: Scope

// ## Channels

export async function channelsBasicUsage() {
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

export async function channelsMultipleProducersSingleConsumer() {
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
}

export async function channelProperties() {
const ch = s.channel<string>(10)

console.log(ch.cap)       // 10 (capacity)
console.log(ch.size)      // 0 (current size)
console.log(ch.isClosed)  // false

ch.close()
console.log(ch.isClosed)  // true
}

// ## Concurrency Limits

export async function concurrencyBasicUsage() {
// All tasks in this scope are limited to 5 concurrent
await using s = scope({ concurrency: 5 })

await s.parallel(
  urls.map(url => () => fetch(url))
)
}

export async function rateLimitingApiCalls() {
await using s = scope({ concurrency: 10 })

const results = await s.parallel(
  apiEndpoints.map(endpoint => () => callApi(endpoint))
)
}

export async function controllingDatabaseConnections() {
await using s = scope({ concurrency: 3 })
  .provide('db', () => createConnectionPool(3))

// Only 3 queries at a time
const results = await s.parallel(
  queries.map(q => ({ services }) => services.db.query(q))
)
}

export async function preventingResourceExhaustion() {
await using s = scope({ concurrency: 5 })

for (const file of files) {
  // Even though we create many tasks, only 5 run concurrently
  s.task(() => processFile(file))
}
}

// ## Circuit Breaker

export async function circuitBreakerBasicUsage() {
await using s = scope({
  circuitBreaker: {
    failureThreshold: 5,    // Open after 5 failures
    resetTimeout: 30000     // Try again after 30 seconds
  }
})

// All tasks automatically use the circuit breaker
const [err, result] = await s.task(() => fetchCriticalData())
}

export async function circuitBreakerWithFallback() {
await using s = scope({
  circuitBreaker: { failureThreshold: 3, resetTimeout: 10000 }
})

const primary = s.task(() => fetchFromPrimary())
const fallback = s.task(() => fetchFromFallback())

// Try primary first
const [err, result] = await primary
if (err) {
  // Circuit might be open, try fallback
  const [fallbackErr, fallbackResult] = await fallback
  if (fallbackErr) throw fallbackErr
  return fallbackResult
}
return result
}

// ## Retry

export async function basicRetry() {
await using s = scope()

const [err, user] = await s.task(
  () => fetchUser(id),
  { retry: { maxRetries: 3 } }
)
}

export async function retryWithDelay() {
const [err, result] = await s.task(
  () => fetchData(),
  {
    retry: {
      maxRetries: 5,
      delay: 1000  // 1 second between retries
    }
  }
)
}

export async function exponentialBackoff() {
const [err, result] = await s.task(
  () => fetchData(),
  {
    retry: {
      maxRetries: 5,
      delay: (attempt) => Math.min(1000 * 2 ** attempt, 30000)
      // Attempt 1: 2000ms
      // Attempt 2: 4000ms
      // Attempt 3: 8000ms
      // ... up to 30000ms
    }
  }
)
}

export async function conditionalRetry() {
const [err, result] = await s.task(
  () => fetchData(),
  {
    retry: {
      maxRetries: 3,
      retryCondition: (error) => {
        // Only retry network errors
        return error instanceof NetworkError
      },
      onRetry: (error, attempt) => {
        console.log(`Retry ${attempt} after error: ${error.message}`)
      }
    }
  }
)
}

export async function retryWithTimeout() {
const [err, result] = await s.task(
  () => fetchData(),
  {
    timeout: 5000,  // Each attempt has 5 seconds
    retry: {
      maxRetries: 3,
      delay: 1000
    }
  }
)
}

// ## Polling

export async function basicPolling() {
await using s = scope()

s.poll(
  ({ signal }) => fetchConfig({ signal }),
  (config) => updateUI(config),
  { interval: 30000 }  // Every 30 seconds
)

// Keep alive somehow, polling stops when scope exits
await new Promise(() => {})
}

export async function pollingWithControl() {
await using s = scope()

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
}

export async function healthChecks() {
s.poll(
  ({ signal }) => checkHealth({ signal }),
  (healthy) => {
    if (!healthy) alert('Service down!')
  },
  { interval: 10000 }
)
}

export async function syncingData() {
s.poll(
  ({ signal }) => fetchUpdates({ signal }),
  (updates) => mergeIntoLocalState(updates),
  { interval: 60000 }
)
}

// ## Stream Processing

export async function basicStreaming() {
await using s = scope()

for await (const chunk of s.stream(readableStream)) {
  await processChunk(chunk)
  // Automatically stops when scope is cancelled
}
}

export async function streamWithTimeout() {
await using s = scope({ timeout: 30000 })

for await (const chunk of s.stream(readableStream)) {
  await processChunk(chunk)
}
// Stream stops after 30 seconds
}

export async function streamEarlyBreak() {
await using s = scope()

for await (const chunk of s.stream(readableStream)) {
  if (foundWhatWeNeed(chunk)) {
    break  // Iterator is properly cleaned up
  }
}
}

// ## Parent-Child Scopes

export async function basicParentChild() {
await using parent = scope()

// Child inherits parent's signal
await using child = scope({ parent })

// If parent is cancelled, child is too
}

export async function serviceInheritance() {
await using parent = scope()
  .provide('db', () => openDatabase(), (db) => db.close())

// Child can use parent's services
await using child = scope({ parent })

const [err, result] = await child.task(({ services }) => {
  return services.db.query('SELECT 1')
})
}

export async function addingServicesInChild() {
await using parent = scope()
  .provide('db', () => openDatabase())

// Child inherits 'db' and adds 'cache'
await using child = scope({ parent })
  .provide('cache', () => createCache())

// Child can access both
child.use('db')     // ✓ From parent
child.use('cache')  // ✓ From child

// Parent can only access 'db'
parent.use('db')    // ✓ Works
parent.use('cache') // ✗ undefined
}

export async function selectiveInheritance() {
await using parent = scope()
  .provide('db', () => openDatabase())

// Child only inherits signal, not services
await using child = scope({ signal: parent.signal })

// Must provide own db
child.provide('db', () => openAnotherDatabase())
}

export async function nestedOperationsWithLimits() {
await using outer = scope()
  .provide('db', () => openDatabase())

// Fetch users
const [err, user] = await outer.task(() => fetchUser(id))

// Process with limited concurrency
await using inner = scope({ parent: outer, concurrency: 3 })

await inner.parallel(
  urls.map(url => ({ services }) => 
    services.db.query(url)
  )
)
}

export async function fireAndForgetBackgroundTasks() {
await using main = scope()

// Detached child with own timeout
await using background = scope({ timeout: 60000 })

// Start background work
background.task(() => processLargeDataset())
// Don't await - it runs independently
}

// ## OpenTelemetry Integration

export async function basicTracing() {
const tracer = trace.getTracer('my-app')

await using s = scope({ tracer, name: 'fetch-user-data' })

// Creates spans automatically
const userTask = s.task(() => fetchUser(1))
const postsTask = s.task(() => fetchPosts(1))
}

export async function customSpanNames() {
const [err, user] = await s.task(
  () => fetchUser(id),
  {
    otel: {
      name: 'fetch-user',
      attributes: { 'user.id': id }
    }
  }
)
}

// What the snippets infer, pinned down (these would compile as `any` too).
export async function inferredTypes() {
  await using parent = scope().provide('db', () => openDatabase())
  await using child = scope({ parent }).provide('cache', () => createCache())
  const cache: Map<string, unknown> = child.use('cache')
  const db: { close(): void } = child.use('db')
  const [, rows] = await child.task(({ services }) => services.db.query('SELECT 1'))
  const r: unknown[] | undefined = rows
  const [, users] = await parent.parallel(queries.map(q => ({ services }) => services.db.query(q)))
  const u: unknown[] | undefined = users?.[1]
  const c = s.channel<number>(1)
  // @ts-expect-error: a string on a Channel<number>
  await c.send('one')
  // @ts-expect-error: no such service on a typed scope
  scope<{ db: number }>().use('missing')
  void [cache, db, r, u]
}
