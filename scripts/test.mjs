// Runs every test suite and ends with one line "N passed, N failed":
//   cargo test (the machine and the Rust face, natively; doc examples) · cargo doc with no warning · clippy and fmt ·
//   wasm-pack test --node and --headless --chrome (the numeric exports,
//   src/wasm/tests.rs, and the Rust face, src/driver/tests.rs and
//   web_tests.rs, with a slow test server for a real fetch) · size budget (gzip wasm + browser.js, bench/size.mjs) ·
//   vitest js-tests against the packed tarball (every example with its
//   output checked) · tsc type tests · attw and publint on the tarball ·
//   tsc consumers (CJS, ESM) of the tarball alone · bench smoke · the
//   runtime matrix
//   (Node 18-24, Bun, Deno, workerd, edge-light, and Chromium: plain page
//   and Vite app).
// Installs what is missing first (scripts/setup.mjs, Debian's chromium too).
import { join } from "node:path";
import { spawn } from "node:child_process";
import { readFileSync, existsSync, rmSync } from "node:fs";
import { capture, root, toolEnv } from "./lib.mjs";
import { setup } from "./setup.mjs";
import { build } from "./build.mjs";
import { pack } from "./pack.mjs";

const totals = { passed: 0, failed: 0 };
const lines = [];
/** Failing vitest tests, named again at the end of the summary. */
const failures = [];

function record(name, passed, failed, note = "") {
  totals.passed += passed;
  totals.failed += failed;
  lines.push(`${failed ? "FAIL" : "ok  "} ${name}: ${passed} passed, ${failed} failed${note ? ` (${note})` : ""}`);
}

function step(name, cmd, args, count, opts = {}) {
  console.log(`\n=== ${name}: ${cmd} ${args.join(" ")}`);
  const t0 = performance.now();
  const r = capture(cmd, args, opts);
  const took = `${((performance.now() - t0) / 1000).toFixed(0)} s`;
  process.stdout.write(r.out);
  const counted = count(r.out, r.status);
  // A runner that failed without any failing test still counts as a failure.
  if (r.status !== 0 && counted.failed === 0) counted.failed = 1;
  record(name, counted.passed, counted.failed, r.status === 0 ? took : `exit ${r.status}, ${took}`);
}

/** Sums libtest's "test result:" lines (cargo test, wasm-pack test). */
function libtest(out) {
  let passed = 0;
  let failed = 0;
  for (const m of out.matchAll(/test result: \w+\. (\d+) passed; (\d+) failed/g)) {
    passed += Number(m[1]);
    failed += Number(m[2]);
  }
  return { passed, failed };
}

/** libtest, and a run that found no test at all is a failure (a lost cfg, a runner that skipped everything). */
function libtestSome(out, status) {
  const r = libtest(out, status);
  if (r.passed + r.failed === 0) r.failed = 1;
  return r;
}

const check = (_out, status) => ({ passed: status === 0 ? 1 : 0, failed: status === 0 ? 0 : 1 });

/** The last "N passed, N failed" line of a script that counts its own checks. */
function ownCount(out) {
  const all = [...out.matchAll(/(\d+) passed, (\d+) failed/g)];
  if (all.length === 0) return { passed: 0, failed: 1 };
  const m = all[all.length - 1];
  return { passed: Number(m[1]), failed: Number(m[2]) };
}

setup({ browser: true });
await build();
const tarball = pack();

step("cargo test (core)", "cargo", ["test", "--lib"], libtest);
// Every public item's example and the README's Rust blocks (lib.rs
// ReadmeDoctests), compiled, and run where they are not `no_run`.
step("cargo test --doc (API examples, README)", "cargo", ["test", "--doc"], libtest);
// The crate's API docs as docs.rs builds them, with no warning (broken
// intra-doc links, stray HTML in prose).
step("cargo doc (no warnings)", "cargo", ["doc", "--no-deps"], check, { env: toolEnv({ RUSTDOCFLAGS: "-D warnings" }) });
step("cargo clippy -D warnings", "cargo", ["clippy", "--all-targets", "--", "-D", "warnings"], check);
step(
  "cargo clippy (wasm32, npm build)",
  "cargo",
  ["clippy", "--target", "wasm32-unknown-unknown", "--no-default-features", "--features", "tiny", "--", "-D", "warnings"],
  check,
);
step(
  "cargo clippy (wasm32, Rust face and exports, tests included)",
  "cargo",
  ["clippy", "--target", "wasm32-unknown-unknown", "--all-targets", "--features", "exports", "--", "-D", "warnings"],
  check,
);
step("cargo fmt --check", "cargo", ["fmt", "--check"], check);
// The wasm tests: the binding's numeric exports (src/wasm/tests.rs, feature
// `exports`) and the Rust face (src/driver/: its behaviour tests again, and
// its web tests against real timers, AbortSignals, promises and a real
// `fetch` to the slow test server started here).
const server = spawn("node", [join(root, "js-tests", "support", "slow-server.mjs"), "47113"], { stdio: ["ignore", "pipe", "inherit"] });
const port = await new Promise((resolve, reject) => {
  server.stdout.once("data", (d) => resolve(JSON.parse(String(d)).port));
  server.once("error", reject);
});
process.on("exit", () => server.kill());
const wasmEnv = { GGS_TEST_SERVER: `http://127.0.0.1:${port}` };
const wasmArgs = ["--", "--features", "exports", "--lib"];
step("wasm-pack test --node (binding and Rust face)", "wasm-pack", ["test", "--node", ...wasmArgs], libtestSome, { env: toolEnv(wasmEnv) });
// The same binding tests in Debian's Chromium through its chromedriver:
// WASM_BINDGEN_USE_BROWSER runs the suite in the browser without a
// run_in_browser in the source (so --node keeps working); webdriver.json in
// the crate root adds the flags for a sandbox-less, offline root session.
step(
  "wasm-pack test --headless --chrome (binding and Rust face)",
  "wasm-pack",
  ["test", "--headless", "--chrome", "--chromedriver", "/usr/bin/chromedriver", ...wasmArgs],
  libtestSome,
  { env: toolEnv({ WASM_BINDGEN_USE_BROWSER: "1", CHROMEDRIVER: "/usr/bin/chromedriver", ...wasmEnv }) },
);
server.kill();

// The size budget: gzip -9 of the wasm + the minified browser entry, at most
// bench/size.mjs's BUDGET
// (bench/size.mjs prints the figure; above budget is a failed test).
step("size budget (gzip wasm + browser.js)", "node", ["bench/size.mjs"], ownCount);

const report = join(root, "build", "vitest.json");
rmSync(report, { force: true });
step(
  "vitest js-tests (packed tarball)",
  join(root, "node_modules", ".bin", "vitest"),
  ["run", "--root", "js-tests", "--reporter=default", "--reporter=json", `--outputFile.json=${report}`],
  (out) => {
    // Errors outside any test (vitest exits 1 with every test passed): named too.
    const plain = out.replace(/\x1b\[[0-9;]*m/g, "");
    for (const m of plain.matchAll(/Unhandled (?:Error|Rejection) ⎯+\n(.*)\n/g)) failures.push(`  an unhandled error (no test failed): ${m[1].slice(0, 400)}`);
    if (!existsSync(report)) return { passed: 0, failed: 1 };
    const j = JSON.parse(readFileSync(report, "utf8"));
    // The failing tests' names and first message lines, repeated in the
    // summary: a CI log is often read from its end only.
    for (const file of j.testResults ?? []) {
      for (const t of file.assertionResults ?? []) {
        if (t.status !== "failed") continue;
        const msg = String(t.failureMessages?.[0] ?? "").split("\n").slice(0, 3).join(" | ");
        failures.push(`  ${file.name.replace(root + "/", "")} > ${t.fullName}: ${msg.slice(0, 400)}`);
      }
    }
    return { passed: j.numPassedTests, failed: j.numFailedTests };
  },
);
step("tsc type tests", join(root, "node_modules", ".bin", "tsc"), ["-p", "js-tests/types"], check);
// The README's TypeScript snippets of the additions beyond 1.0, type-checked
// against the packed tarball (scripts/readme-ts.mjs).
step("tsc README snippets (Beyond 1.0)", "node", ["scripts/readme-ts.mjs"], ownCount);
// The executor's own sources, strict (esbuild only strips their types).
step("tsc executor (pkg-template/src, strict)", join(root, "node_modules", ".bin", "tsc"), ["-p", "pkg-template/src"], check);
// The packed tarball's types as each kind of TypeScript user resolves them:
// arethetypeswrong for node10, node16 from CJS and from ESM, and bundler
// (offline: no @types lookup); publint with warnings as errors; and a CJS
// and an ESM consumer compiled against the tarball installed alone.
step(
  "attw (packed tarball: node10, node16 CJS/ESM, bundler)",
  join(root, "node_modules", ".bin", "attw"),
  [tarball, "--no-definitely-typed", "--format", "ascii", "--no-color"],
  check,
);
step("publint --strict (packed tarball)", join(root, "node_modules", ".bin", "publint"), ["run", tarball, "--strict"], check);
step("tsc consumers of the tarball alone (CJS and ESM, no OpenTelemetry)", "node", ["scripts/types-consumers.mjs", tarball], ownCount);
// The benchmark suite in smoke mode (tiny sizes, no targets), so it never rots;
// its Rust face part (bench/rust.mjs) builds the crate bench/rust/ for wasm32.
step("bench smoke", "node", ["--expose-gc", "bench/run.mjs", "--smoke"], check);

// The runtime matrix: the same smoke program against the packed tarball on
// Node 18/20/22/24 (import and require), Bun, Deno, workerd (a wrangler-style
// bundle in miniflare) and an edge-light bundle, then the browser tests
// (plain page and Vite app in Chromium, which run the smoke program too).
// The runtimes install into a cache on first use (scripts/runtimes.mjs).
step(
  "runtime matrix: Node 18-24, Bun, Deno, workerd, edge-light, Chromium",
  "node",
  ["js-tests/runtimes/run.mjs"],
  ownCount,
);

console.log("\n=== summary");
for (const l of lines) console.log(l);
if (failures.length) console.log(`failing vitest tests and errors:\n${failures.join("\n")}`);
console.log(`npm test took ${(performance.now() / 1000).toFixed(0)} s (set-up and build included)`);
console.log(`${totals.passed} passed, ${totals.failed} failed`);
process.exit(totals.failed ? 1 : 0);
