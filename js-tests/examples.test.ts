// Every example in examples/ runs against the packed package and prints what
// its seed section promises. The examples are compiled as `npm run examples`
// compiles them (scripts/examples.mjs), with the package from
// js-tests/node_modules, and each one's stdout is checked line by line.
import { execFile } from "node:child_process";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { compileExample, exampleFiles } from "../scripts/examples.mjs";

const packageDir = join(__dirname, "node_modules", "go-go-scope-wasm");

function run(file: string, env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile("node", [file], { env: { ...process.env, EXAMPLES_PROGRESS: "0", ...env }, timeout: 15_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** Lines (strings exact, regexps matched) that must appear in this order. */
const expected: Record<string, (string | RegExp)[]> = {
  "basic.ts": [
    "task result: undefined { id: 1, name: 'user-1' }",
    "failure keeps its class: true no user 0",
    "task timeout: timeout after 50ms",
    "scope timeout aborted the task: timeout after 50ms | scope aborted: true",
    "disposal order: leaving the block -> task saw abort: scope disposed -> cache cleared -> db closed",
  ],
  "opentelemetry.ts": [
    "Basic Tracing",
    "Custom Span Names",
    "  user: undefined { id: 1, name: 'Ada' }",
    /^\[fetch-user-data\] scope - \d+ms$/,
    /^├── \[scope\.task\] task - \d+ms ✓$/,
    /^└── \[scope\.task\] task - \d+ms ✓$/,
    /^\[profile-page\] scope - \d+ms$/,
    /^└── \[fetch-user\] task - \d+ms ✓ user\.id=1$/,
  ],
  "channels.ts": [
    "Basic Usage: one producer, one consumer, buffer of 100",
    "  processed 12 logs in order: GET /item/0 200 … GET /item/11 200; the loop ended when the producer closed the channel",
    /^ {2}sent a batch of 100 metrics \(first \d+, last \d+\)$/,
    /^ {2}loop ended after the timeout; \d+ metrics left in the last partial batch$/,
    "Channel Properties: cap, size, isClosed (the seed's four console.logs)",
    "10",
    "0",
    "false",
    "true",
  ],
  "circuit-breaker.ts": [
    /^ {2}result: undefined \{ status: 'ok', at: '\d{4}-/,
    "  got: cached copy from fallback",
    "  call 1: primary unavailable",
    "  call 3: primary unavailable",
    "  call 4: Circuit breaker is open",
    "  call 5: Circuit breaker is open",
    "  primary was called 3 times for 5 requests (the rest failed fast)",
    "  after resetTimeout, one trial call goes through: ok ok",
  ],
  "concurrency-limits.ts": [
    "  20 fetches: at most 5 at once",
    /^ {2}30 calls, first result \[null,"response of \/api\/v1\/resource\/0"\]: at most 10 at once$/,
    /^ {2}6 queries, last result \[null,"rows of SELECT 6"\]: at most 3 at once$/,
    /^ {2}\d+ of 15 files processed: leaving the block cancelled the tasks still queued for a permit: at most 5 at once$/,
    "  15 of 15 files processed: at most 5 at once",
  ],
  "parent-child.ts": [
    "  child aborted: scope disposed",
    '  child task: undefined [{"sql":"SELECT 1","rows":1}]',
    "  db closed",
    "  child has db: true cache: true | parent cache: undefined",
    "  child db: another | same as parent's: false",
    "  user: undefined { id: 1, name: 'user-1' }",
    "  inner concurrency: 3 | inherits db: true",
    "  5 queries through the inherited db, 3 at a time",
    "  main scope still open: true",
    "  background dataset processed",
  ],
  "polling.ts": [
    '  updateUI: {"theme":"dark"}',
    "  scope ended from outside: polling stopped",
    "With Control",
    "true",
    "1",
    /^\d+(\.\d+)?$/,
    "all systems go",
    "  alert: Service down!",
    '  merged: [{"id":1}]',
  ],
  "retry.ts": [
    '  → err: none, value: {"id":42,"v":"data after 3 attempts"}',
    '  → err: none, value: "data after 2 attempts"',
    /^ {2}took 1\.\d s$/,
    '  → err: none, value: "data after 2 attempts"',
    /^ {2}took 2\.\d s$/,
    "Retry 1 after error: connection reset (attempt 1)",
    "Retry 2 after error: connection reset (attempt 2)",
    '  → err: none, value: "data after 3 attempts"',
    "  → TypeError: bad request after 1 call",
    '  → err: none, value: "answered on attempt 2"',
  ],
  "stream-processing.ts": [
    "  processed 5 chunks, the last chunk-5",
    "With Timeout: an endless stream, stopped by the scope's timeout (300 ms here)",
    /^ {2}processed \d+ chunks, the last chunk-\d+$/,
    "  stream stopped: timeout after 300ms",
    "Early Break: stop at chunk-3; the source is cancelled",
    "  left the loop at chunk-3",
  ],
};

/** Further checks on an example's whole output. */
const extra: Record<string, (stdout: string) => void> = {
  // The source's cancel() may log before or after the loop's catch block.
  "stream-processing.ts": (stdout) => {
    const withTimeout = stdout.slice(stdout.indexOf("With Timeout"), stdout.indexOf("Early Break"));
    expect(withTimeout).toMatch(/^ {2}source cancelled after \d+ chunks$/m);
    expect(stdout.slice(stdout.indexOf("Early Break"))).toMatch(/^ {2}source cancelled after 3 chunks$/m);
  },
};

/** Checks that `want` appear in `lines` in order; returns the first one missing. */
function missingInOrder(lines: string[], want: (string | RegExp)[]): string | RegExp | undefined {
  let at = 0;
  for (const w of want) {
    const i = lines.findIndex((l, n) => n >= at && (typeof w === "string" ? l === w : w.test(l)));
    if (i < 0) return w;
    at = i + 1;
  }
  return undefined;
}

const files: string[] = exampleFiles();
const compiled = new Map<string, string>();

beforeAll(async () => {
  for (const f of files) compiled.set(f, await compileExample(f, packageDir));
}, 60_000);

describe("examples", () => {
  it("every example has its expected output listed here", () => {
    expect(files.filter((f) => !(f in expected))).toEqual([]);
  });

  for (const file of Object.keys(expected)) {
    it(`${file} runs and prints what its seed section promises`, async () => {
      expect(files).toContain(file);
      const r = await run(compiled.get(file)!);
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      const lines = r.stdout.split("\n");
      expect(missingInOrder(lines, expected[file]), r.stdout).toBeUndefined();
      expect(r.stdout).not.toContain("\r"); // no progress drawing when piped
      extra[file]?.(r.stdout);
    });
  }

  it("on a terminal, retry.ts draws its progress in place", async () => {
    const r = await run(compiled.get("retry.ts")!, { EXAMPLES_PROGRESS: "1" });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\r\x1b\[2K {2}waiting out the 1 s delay \[#*\.*\] \d\.\d s/);
    expect(r.stdout).toMatch(/\r\x1b\[2K {2}backing off 2 s \[#{5,}\.*\] 1\.\d s/);
  });
});
