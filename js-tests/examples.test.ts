// Every example in examples/ runs against the packed package and prints what
// its seed section promises. The examples are compiled as `npm run examples`
// compiles them (scripts/examples.mjs), with the package from
// js-tests/node_modules, and each one's stdout is checked line by line.
// The Rust examples (examples/*.rs, on the crate's Rust face, built by
// cargo for wasm32 and bound by wasm-bindgen for Node, as `npm run
// examples` builds them; the tarball plays no part) run too: each seed
// section's Rust twin is checked against its TypeScript twin's lines, but for
// those it prints the Rust way; a Rust program without a twin against its
// own lines.
import { execFile } from "node:child_process";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import {
  buildRustExamples,
  compileExample,
  exampleFiles,
  isRustLibrary,
  narration,
  rustExampleFiles,
  rustTwin,
} from "../scripts/examples.mjs";

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
  "channel-backpressure.ts": [
    "drop-oldest: a dashboard keeps the latest 3 readings",
    "  kept 8, 9, 10; dropped 7, the oldest first: 1, 2, 3, 4, 5, 6, 7",
    "drop-latest: updates that come while the buffer is full are dropped",
    "  buffered 2, dropped c, d",
    "  received a, b",
    "error: load shedding with ChannelFullError",
    "  1 accepted; 2 accepted; 3 refused (503); 4 refused (503)",
    "a waiting receiver always takes the value directly",
    "  sent: true, received: hello",
    "  a rendezvous with nobody receiving: refused true",
  ],
  "hedged-race.ts": [
    "stagger: ask the next replica only if none answered within 50 ms",
    "  answered by replica-a; asked primary, replica-a",
    "requireSuccess: a failure asks the next at once; all failed gives every error",
    "  answered by replica-a; asked primary, replica-a",
    "  All race competitors failed: a is down, b is down",
    "timeout: nobody answered in time",
    "  timeout after 30ms; the slow request was cancelled: true",
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
  "retry-strategies.ts": [
    "The delays before retries 1 to 6",
    "  exponential (100 ms, x2, max 30 s): 100, 200, 400, 800, 1600, 3200",
    "  exponential, 30% jitter, max 1 s, seed 42: 106, 193, 484, 854, 752, 857",
    "  exponential, full jitter, max 1 s, seed 42: 60, 89, 340, 535, 174, 526",
    "  jitter 1000 ms +-20%, seed 42: 1040, 979, 1140, 1067, 869, 1010",
    "  linear 100 ms + 50 ms: 100, 150, 200, 250, 300, 350",
    "  decorrelated jitter 100 ms to 5 s, seed 42: 220, 351, 912, 1865, 956, 1557",
    "As retry.delay: a call that fails 3 times, retried with backoff from 10 ms",
    "  → err: none, value: ok after 4 calls",
    "  waited 10 + 20 + 40 ms: true",
    "Bad options are refused when the strategy is made",
    "  RangeError: exponentialBackoff: jitter must be a number from 0 to 1, got 1.5",
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
  "interop-js-calls-rust.ts": [
    "A Rust function as a task, given the task's signal",
    "  [rust] 6 batches done, 2 at a time",
    "  total: undefined 150",
    "The JavaScript scope's timeout ends the Rust scope",
    "  task failed: timeout after 50ms | the JavaScript scope's own reason: true",
    "  Rust scopes still alive: 0",
  ],
  "stream-processing.ts": [
    "  processed 5 chunks, the last chunk-5",
    "With Timeout: an endless stream, stopped by the scope's timeout (300 ms here)",
    /^ {2}processed \d+ chunks, the last chunk-\d+$/,
    "  stream stopped: timeout after 300ms",
    "Early Break: stop at chunk-3; the source is cancelled",
    "  left the loop at chunk-3",
  ],
  // Beyond 1.0 (additions from go-go-scope 2.x).
  "lifecycle.ts": [
    "disposal order: leaving the block -> a delay during disposal is refused -> onDispose: last registered, first run -> provide cleanup: db closed -> onDispose: metrics flushed",
    "delay(10) resolved: true",
    "delay(60000) ended by the scope's timeout: timeout after 30ms | same reason: true",
    "onAbort saw: shutting down | whenAborted: shutting down",
    "context: req-1 grace ada | has tenant: false",
    "progress: 1/3 (10) 2/3 (20) 3/3 (30) | results in input order: 30,10,20",
  ],
  "select.ts": [
    "both ready, the first case wins: urgent: page on-call | jobs still buffered: 1",
    "one case fires: quit: shutdown",
    "the losing send delivered: nothing",
    "waiting too long: timeout after 20ms",
    "closed channel: received undefined | send gives false",
  ],
  "rate-limiting.ts": [
    "granted in arrival order: a b c d e | the last two waited: true",
    "tryAcquire on an empty bucket: false",
    "acquire(5, { timeout: 20 }): timeout after 20ms",
    "the scope's end releases the waiter: scope disposed",
    "debounce: one run with hello | every call got 5 5 5",
    "throttle: the first call ran: 10 | the second will not run: true",
    "the scope's end settles a waiting call: scope disposed",
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

/**
 * The lines a Rust twin must print: its TypeScript twin's, but for those
 * `differ` replaces (keyed by the TypeScript line, a RegExp by its
 * source) because the Rust face prints them its own way (a `Result` with
 * `{:?}`, `None` for `undefined`, Rust names) or behaves its own way (a
 * task's future is dropped at the abort).
 */
function rustLines(ts: string, differ: [string | RegExp, string | RegExp][] = []): (string | RegExp)[] {
  const key = (w: string | RegExp) => (typeof w === "string" ? w : `/${w.source}/`);
  for (const [from] of differ) {
    if (!expected[ts].some((w) => key(w) === key(from))) throw new Error(`${ts} expects no ${key(from)}`);
  }
  return expected[ts].map((w) => differ.find(([from]) => key(from) === key(w))?.[1] ?? w);
}

/** The TypeScript examples of the seed's sections, each with a Rust twin. */
const seedExamples = [
  "basic.ts",
  "opentelemetry.ts",
  "channels.ts",
  "concurrency-limits.ts",
  "circuit-breaker.ts",
  "retry.ts",
  "polling.ts",
  "stream-processing.ts",
  "parent-child.ts",
];

/**
 * The examples of issue 19's additions from go-go-scope 2.x (not seed
 * sections), each with a Rust twin too.
 */
const additionExamples = ["retry-strategies.ts", "channel-backpressure.ts", "lifecycle.ts", "hedged-race.ts", "rate-limiting.ts", "select.ts"];

const rustExpected: Record<string, (string | RegExp)[]> = {
  "channel_backpressure.rs": rustLines("channel-backpressure.ts"),
  // The task's future is dropped (its Drop notes the abort) at the abort,
  // before the cleanups: the same order as JavaScript's.
  "basic.rs": rustLines("basic.ts", [
    ["task result: undefined { id: 1, name: 'user-1' }", 'task result: Ok(User { id: 1, name: "user-1" })'],
  ]),
  "channels.rs": rustLines("channels.ts", [
    [
      "Channel Properties: cap, size, isClosed (the seed's four console.logs)",
      "Channel Properties: cap, len, is_closed (the seed's four console.logs)",
    ],
  ]),
  "circuit_breaker.rs": rustLines("circuit-breaker.ts", [
    [/^ {2}result: undefined \{ status: 'ok', at: '\d{4}-/, /^ {2}result: Ok\(Data \{ status: "ok", at: "\d{4}-\d\d-\d\dT[\d:.]+Z" \}\)$/],
  ]),
  "concurrency_limits.rs": rustLines("concurrency-limits.ts", [
    [
      /^ {2}30 calls, first result \[null,"response of \/api\/v1\/resource\/0"\]: at most 10 at once$/,
      '  30 calls, first result Ok("response of /api/v1/resource/0"): at most 10 at once',
    ],
    [/^ {2}6 queries, last result \[null,"rows of SELECT 6"\]: at most 3 at once$/, '  6 queries, last result Ok("rows of SELECT 6"): at most 3 at once'],
    // Leaving the block drops the running tasks' futures too: none finishes.
    [
      /^ {2}\d+ of 15 files processed: leaving the block cancelled the tasks still queued for a permit: at most 5 at once$/,
      "  0 of 15 files processed: leaving the block cancelled the tasks still queued for a permit: at most 5 at once",
    ],
  ]),
  "parent_child.rs": rustLines("parent-child.ts", [
    ['  child task: undefined [{"sql":"SELECT 1","rows":1}]', '  child task: Ok([Row { sql: "SELECT 1", rows: 1 }])'],
    ["  child has db: true cache: true | parent cache: undefined", "  child has db: true cache: true | parent cache: None"],
    ["  user: undefined { id: 1, name: 'user-1' }", '  user: Ok(User { id: 1, name: "user-1" })'],
    ["  inner concurrency: 3 | inherits db: true", "  inner concurrency: Some(3) | inherits db: true"],
  ]),
  "polling.rs": rustLines("polling.ts", [
    ['  updateUI: {"theme":"dark"}', '  updateUI: Config { theme: "dark" }'],
    ['  merged: [{"id":1}]', "  merged: [Update { id: 1 }]"],
  ]),
  "retry.rs": rustLines("retry.ts", [
    ['  → err: none, value: {"id":42,"v":"data after 3 attempts"}', '  → err: none, value: User { id: 42, v: "data after 3 attempts" }'],
    ["  → TypeError: bad request after 1 call", '  → Failed(BadRequest("bad request")) after 1 call'],
  ]),
  "stream_processing.rs": rustLines("stream-processing.ts"),
  // The same seeds print the same delays in both faces.
  "retry_strategies.rs": rustLines("retry-strategies.ts", [
    [
      "  RangeError: exponentialBackoff: jitter must be a number from 0 to 1, got 1.5",
      '  Range("exponentialBackoff: jitter must be a number from 0 to 1, got 1.5")',
    ],
  ]),
  "opentelemetry.rs": rustLines("opentelemetry.ts", [["  user: undefined { id: 1, name: 'Ada' }", '  user: undefined User { id: 1, name: "Ada" }']]),
  // The additions beyond 1.0 print the same lines in both faces.
  "lifecycle.rs": rustLines("lifecycle.ts"),
  "select.rs": rustLines("select.ts"),
  "hedged_race.rs": rustLines("hedged-race.ts"),
  "rate_limiting.rs": rustLines("rate-limiting.ts"),
};

/** The lines of the Rust programs that have no TypeScript twin. */
const rustOwnExpected: Record<string, (string | RegExp)[]> = {
  "interop_rust_runs_js.rs": [
    "A JavaScript function as a task, with a timeout",
    "  [js] slowReport stopped: timeout after 100ms",
    "  task failed: timeout after 100ms (timeout: true)",
    "  QuotaError: quota exceeded (retryAfter Some(60.0), an Error: true)",
    '  fastest mirror: Ok(Some("us"))',
    "  JavaScript timers stopped so far: 3",
    "  a job ended: timeout after 80ms",
    "  a job ended: timeout after 80ms",
    "  JavaScript timers stopped in all: 5",
    "options from JavaScript refused: scope: timeout must be a number of milliseconds >= 0, got -5",
  ],
};

/** Further checks on a Rust example's whole output (a twin's TypeScript `extra` runs too). */
const rustExtra: Record<string, (stdout: string) => void> = {
  // A futures Stream is pulled on demand (no read-ahead): the source is
  // cancelled right after the last chunk the loop took, and before the loop
  // sees the abort.
  "stream_processing.rs": (stdout) => {
    const m = stdout.match(/^ {2}source cancelled after (\d+) chunks\n {2}processed (\d+) chunks, the last chunk-(\d+)$/m);
    expect(m, stdout).not.toBeNull();
    expect(new Set(m!.slice(1))).toEqual(new Set([m![1]]));
    const early = stdout.slice(stdout.indexOf("Early Break"));
    expect(early.indexOf("  source cancelled after 3 chunks")).toBeGreaterThan(-1);
    expect(early.indexOf("  source cancelled after 3 chunks")).toBeLessThan(early.indexOf("  left the loop at chunk-3"));
  },
  // The race's two losers were stopped before the winner was known.
  "interop_rust_runs_js.rs": (stdout) => {
    const race = stdout.slice(stdout.indexOf("A race"), stdout.indexOf("  fastest mirror"));
    for (const loser of ["ap", "eu"]) expect(race).toContain(`  [js] ${loser} stopped: scope disposed`);
  },
  // The background work outlives the main scope, and ends the output.
  "parent_child.rs": (stdout) => {
    expect(stdout.trimEnd().split("\n").slice(-2)).toEqual(["  main scope still open: true", "  background dataset processed"]);
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
const rustFiles: string[] = rustExampleFiles();
let rustRunnable: Record<string, string> = {};

beforeAll(async () => {
  // The Rust examples first (one cargo build, quick when up to date, then
  // wasm-bindgen for those that changed): a TypeScript example may import
  // a Rust library's module.
  rustRunnable = await buildRustExamples(rustFiles, { quiet: true });
  for (const f of files) compiled.set(f, await compileExample(f, packageDir));
}, 600_000);

/** Checks one example's run: a clean exit, no stderr, the lines in order, no progress drawing. */
async function check(file: string, want: (string | RegExp)[], ...extras: (((stdout: string) => void) | undefined)[]) {
  const r = await run(file);
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  const lines = r.stdout.split("\n");
  expect(missingInOrder(lines, want), r.stdout).toBeUndefined();
  expect(r.stdout).not.toContain("\r"); // no progress drawing when piped
  for (const extraCheck of extras) extraCheck?.(r.stdout);
}

describe("examples", () => {
  it("every example has its expected output listed here", () => {
    expect(files.filter((f) => !(f in expected))).toEqual([]);
  });

  for (const file of Object.keys(expected)) {
    it(`${file} runs and prints what its seed section promises`, async () => {
      expect(files).toContain(file);
      await check(compiled.get(file)!, expected[file], extra[file]);
    });
  }

  it("on a terminal, retry.ts draws its progress in place", async () => {
    const r = await run(compiled.get("retry.ts")!, { EXAMPLES_PROGRESS: "1" });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\r\x1b\[2K {2}waiting out the 1 s delay \[#*\.*\] \d\.\d s/);
    expect(r.stdout).toMatch(/\r\x1b\[2K {2}backing off 2 s \[#{5,}\.*\] 1\.\d s/);
  });
});

describe("Rust examples", () => {
  it("every seed section's (and addition's) TypeScript example has a Rust twin with the same narration, whose lines are listed here", () => {
    const twins = [...seedExamples, ...additionExamples].map((ts) => [ts, rustTwin(ts)]);
    expect(files).toEqual(expect.arrayContaining([...seedExamples, ...additionExamples]));
    expect(twins.filter(([, rs]) => rs === undefined)).toEqual([]);
    for (const [ts, rs] of twins) expect(narration(rs!), rs).toBe(narration(ts!));
    expect(Object.keys(rustExpected).sort()).toEqual(twins.map(([, rs]) => rs).sort());
    expect(Object.keys(rustExpected).filter((rs) => !(rs in rustRunnable))).toEqual([]);
  });

  it("every Rust program without a TypeScript twin has its expected output listed here", () => {
    const twins = new Set(files.map(rustTwin));
    const own = rustFiles.filter((f) => !twins.has(f) && !isRustLibrary(f));
    expect(own.filter((f) => !(f in rustOwnExpected))).toEqual([]);
  });

  for (const [file, want] of Object.entries(rustOwnExpected)) {
    it(`${file} runs and prints what it promises`, async () => {
      expect(rustFiles).toContain(file);
      await check(rustRunnable[file], want, rustExtra[file]);
    });
  }

  it("every Rust twin has its expected lines listed", () => {
    const twins = files.map(rustTwin).filter((rs): rs is string => rs !== undefined);
    expect(twins.filter((rs) => !(rs in rustExpected))).toEqual([]);
  });

  for (const [file, want] of Object.entries(rustExpected)) {
    const ts = files.find((f) => rustTwin(f) === file);
    it(`${file} runs and prints what ${ts} prints, the Rust way`, async () => {
      expect(rustFiles).toContain(file);
      await check(rustRunnable[file], want, ts ? extra[ts] : undefined, rustExtra[file]);
    });
  }

  it("on a terminal, retry.rs draws its progress in place", async () => {
    const r = await run(rustRunnable["retry.rs"], { EXAMPLES_PROGRESS: "1" });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\r\x1b\[2K {2}waiting out the 1 s delay \[#*\.*\] \d\.\d s/);
    expect(r.stdout).toMatch(/\r\x1b\[2K {2}backing off 2 s \[#{5,}\.*\] 1\.\d s/);
  });
});
