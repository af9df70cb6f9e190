// Property-based tests of the JS API (fast-check): random programs of
// scopes, nested scopes, tasks (delays, failures, retry, timeouts), channels
// with several producers and consumers, semaphores, race, parallel, poll,
// stream and provide, disposed at random points (also from inside
// callbacks). The program generator and the invariants live in
// bench/workload.mjs, shared with `npm run soak`.
//
// PROPERTY_RUNS scales the number of programs (default 200);
// PROPERTY_SEED replays a run.
import fc from "fast-check";
import { afterAll, beforeAll, expect, test } from "vitest";
import * as lib from "go-go-scope-wasm";
import * as hooks from "go-go-scope-wasm/internal";
// @ts-expect-error: plain ESM without types
import { programArb, runProgram } from "../bench/workload.mjs";

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
beforeAll(() => {
  process.on("unhandledRejection", onUnhandled);
});
afterAll(() => {
  process.off("unhandledRejection", onUnhandled);
});

const runs = Number(process.env.PROPERTY_RUNS ?? 200);
const seed = process.env.PROPERTY_SEED === undefined ? undefined : Number(process.env.PROPERTY_SEED);

test(`${runs} random programs keep every invariant`, async () => {
  await fc.assert(
    fc.asyncProperty(programArb(fc), async (program: unknown) => {
      await runProgram(lib, program, hooks);
      // Let a stray rejection surface before the next program.
      await new Promise((r) => setImmediate(r));
      if (unhandled.length) {
        const r = unhandled.splice(0);
        throw new Error(`unhandled rejection: ${(r[0] as Error)?.stack ?? String(r[0])}`);
      }
    }),
    { numRuns: runs, verbose: true, seed, endOnFailure: false },
  );
  expect(unhandled).toEqual([]);
}, 600_000);
