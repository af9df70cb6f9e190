// Seed section "Parent-Child Scopes": every example, as the seed writes it.
import { scope } from "go-go-scope-wasm";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
function openDatabase() {
  return {
    query: async (sql: string) => {
      await sleep(5);
      return [{ sql, rows: 1 }];
    },
    close: () => console.log("  db closed"),
  };
}
const openAnotherDatabase = () => ({ ...openDatabase(), name: "another" });
const createCache = () => new Map<string, unknown>();
const fetchUser = async (id: number) => {
  await sleep(5);
  return { id, name: `user-${id}` };
};
const processLargeDataset = async () => {
  await sleep(20);
  console.log("  background dataset processed");
};
const id = 1;
const urls = ['SELECT a', 'SELECT b', 'SELECT c', 'SELECT d', 'SELECT e'];

console.log("Basic Parent-Child");
{
  await using parent = scope()

  // Child inherits parent's signal
  await using child = scope({ parent })

  // If parent is cancelled, child is too
  child.signal.addEventListener("abort", () => console.log("  child aborted:", (child.signal.reason as Error).message));
}

console.log("Service Inheritance");
{
  await using parent = scope()
    .provide('db', () => openDatabase(), (db) => db.close())

  // Child can use parent's services
  await using child = scope({ parent })

  const [err, result] = await child.task(({ services }) => {
    return services.db.query('SELECT 1')
  })
  console.log("  child task:", err, JSON.stringify(result));
}

console.log("Adding Services in Child");
{
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
  console.log("  child has db:", !!child.use('db'), "cache:", !!child.use('cache'), "| parent cache:", parent.use('cache'));
}

console.log("Selective Inheritance");
{
  await using parent = scope()
    .provide('db', () => openDatabase())

  // Child only inherits signal, not services
  await using child = scope({ signal: parent.signal })

  // Must provide own db
  child.provide('db', () => openAnotherDatabase())
  console.log("  child db:", (child.use('db') as { name?: string }).name, "| same as parent's:", child.use('db') === parent.use('db'));
}

console.log("Nested operations with limits");
{
  await using outer = scope()
    .provide('db', () => openDatabase())

  // Fetch users
  const [err, user] = await outer.task(() => fetchUser(id))
  console.log("  user:", err, user);

  // Process with limited concurrency
  await using inner = scope({ parent: outer, concurrency: 3 })

  const results = await inner.parallel(
    urls.map(url => ({ services }) =>
      services.db.query(url)
    )
  )
  console.log("  inner concurrency:", inner.concurrency, "| inherits db:", inner.use('db') === outer.use('db'));
  console.log(`  ${results.length} queries through the inherited db, 3 at a time`);
}

console.log("Fire-and-forget background tasks");
{
  await using main = scope()

  // Detached child with own timeout
  await using background = scope({ timeout: 60000 })

  // Start background work
  background.task(() => processLargeDataset())
  // Don't await - it runs independently
  console.log("  main scope still open:", !main.isDisposed);
}
