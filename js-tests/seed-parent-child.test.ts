// The seed's "Parent-Child Scopes" section, verbatim inside each test, with
// stubs for openDatabase and friends.
import { describe, expect, test } from "vitest";
import { scope } from "go-go-scope-wasm";
import { sleep } from "./helpers";

const closed: string[] = [];
function openDatabase() {
  return { query: async (sql: string) => { await sleep(1); return [{ sql }]; }, close: () => void closed.push("db") };
}
const openAnotherDatabase = () => ({ ...openDatabase(), another: true });
const createCache = () => new Map<string, unknown>();
const fetchUser = async (id: number) => { await sleep(1); return { id }; };
const id = 7;
const urls = ["a", "b", "c"];
let processed = false;
const processLargeDataset = async () => { await sleep(5); processed = true; };

describe("seed: Parent-Child Scopes", () => {
  test("Basic Parent-Child", async () => {
    let childSignal!: AbortSignal;
    {
      await using parent = scope()

      // Child inherits parent's signal
      await using child = scope({ parent })

      // If parent is cancelled, child is too
      childSignal = child.signal;
      expect(childSignal.aborted).toBe(false);
    }
    expect(childSignal.aborted).toBe(true);
  });

  test("Service Inheritance", async () => {
    closed.length = 0;
    let seen: unknown;
    {
      await using parent = scope()
        .provide('db', () => openDatabase(), (db) => db.close())

      // Child can use parent's services
      await using child = scope({ parent })

      const [err, result] = await child.task(({ services }) => {
        return services.db.query('SELECT 1')
      })
      expect(err).toBeUndefined();
      seen = result;
    }
    expect(seen).toEqual([{ sql: "SELECT 1" }]);
    expect(closed).toEqual(["db"]);
  });

  test("Adding Services in Child", async () => {
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

    expect(child.use('db')).toBe(parent.use('db'));
    expect(child.use('cache')).toBeInstanceOf(Map);
    expect(parent.use('cache' as never)).toBeUndefined();
  });

  test("Selective Inheritance", async () => {
    await using parent = scope()
      .provide('db', () => openDatabase())

    // Child only inherits signal, not services
    await using child = scope({ signal: parent.signal })

    // Must provide own db
    child.provide('db', () => openAnotherDatabase())

    expect(child.use('db')).not.toBe(parent.use('db'));
    expect((child.use('db') as { another?: boolean }).another).toBe(true);
  });

  test("Nested operations with limits", async () => {
    await using outer = scope()
      .provide('db', () => openDatabase())

    // Fetch users
    const [err, user] = await outer.task(() => fetchUser(id))

    expect(err).toBeUndefined();
    expect(user).toEqual({ id: 7 });

    // Process with limited concurrency
    await using inner = scope({ parent: outer, concurrency: 3 })

    const results = await inner.parallel(
      urls.map(url => ({ services }) =>
        services.db.query(url)
      )
    )

    expect(inner.concurrency).toBe(3);
    expect(inner.use('db')).toBe(outer.use('db'));
    expect(results.map((r) => r[1])).toEqual(urls.map((sql) => [{ sql }]));
  });

  test("Fire-and-forget background tasks", async () => {
    processed = false;
    {
      await using main = scope()

      // Detached child with own timeout
      await using background = scope({ timeout: 60000 })

      // Start background work
      background.task(() => processLargeDataset())
      // Don't await - it runs independently
      expect(main.isDisposed).toBe(false);
    }
    // Disposal waited for the straggler.
    expect(processed).toBe(true);
  });
});
