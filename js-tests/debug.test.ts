// SPEC "Debug output": life-cycle lines under go-go-scope:scope and
// go-go-scope:task with the `debug` package's DEBUG filter (Node).
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";

const pkg = join(__dirname, "node_modules", "go-go-scope-wasm", "index.cjs");
const program = `
const { scope } = require(${JSON.stringify(pkg)});
(async () => {
  const s = scope({ name: "demo", timeout: 1000 });
  await s.task(async () => 1);
  await s.task(async () => { throw new Error("x"); }, { retry: { maxRetries: 1 } });
  await s.task(() => new Promise(() => {}), { timeout: 5 });
  await s[Symbol.asyncDispose]();
  const b = scope({ name: "guarded", circuitBreaker: { failureThreshold: 1, resetTimeout: 60000 } });
  await b.task(async () => { throw new Error("trip"); });
  await b[Symbol.asyncDispose]();
})();`;

function run(debug: string | undefined, source = program): { stdout: string; stderr: string } {
  const dir = mkdtempSync(join(tmpdir(), "ggs-debug-"));
  const file = join(dir, "p.cjs");
  writeFileSync(file, source);
  const env = { ...process.env, DEBUG_COLORS: "0" } as Record<string, string>;
  if (debug === undefined) delete env.DEBUG;
  else env.DEBUG = debug;
  // debug writes to stderr; capture it through a shell-free spawn.
  return spawnSync("node", [file], { env, encoding: "utf8" });
}

function stderrOf(debug: string | undefined): string {
  return run(debug).stderr;
}

describe("debug output", () => {
  test("DEBUG=go-go-scope:* prints scope and task life-cycle lines", () => {
    const out = stderrOf("go-go-scope:*");
    expect(out).toMatch(/go-go-scope:scope \[demo\] creating scope \(timeout: 1000/);
    expect(out).toMatch(/go-go-scope:task \[task-\d+\] started in \[demo\]/);
    expect(out).toMatch(/go-go-scope:task \[task-\d+\] completed successfully in \d+ms/);
    expect(out).toMatch(/go-go-scope:task \[task-\d+\] attempt 1 failed, retrying after 0ms/);
    expect(out).toMatch(/go-go-scope:scope \[guarded\] circuit breaker is now open/);
    expect(out).toMatch(/go-go-scope:task \[task-\d+\] attempt timed out after 5ms/);
    expect(out).toMatch(/go-go-scope:task \[task-\d+\] failed in \d+ms/);
    expect(out).toMatch(/go-go-scope:scope \[demo\] scope disposed \(duration: \d+ms, errors: 0\)/);
  });

  test("a namespace filter selects lines: only go-go-scope:task", () => {
    const out = stderrOf("go-go-scope:task");
    expect(out).toMatch(/go-go-scope:task/);
    expect(out).not.toMatch(/go-go-scope:scope/);
  });

  test("off by default: nothing is printed", () => {
    expect(stderrOf(undefined)).toBe("");
  });

  test("a DEBUG for other libraries prints nothing; an exclusion wins", () => {
    expect(stderrOf("express:*,vite")).toBe("");
    expect(stderrOf("go-go-scope:*,-go-go-scope:*")).toBe("");
    const out = stderrOf("*,-go-go-scope:task");
    expect(out).toMatch(/go-go-scope:scope \[demo\] creating scope/);
    expect(out).not.toMatch(/go-go-scope:task/);
  });

  test("without the debug package installed, lines go to console.debug in the same format", () => {
    // A copy of the package where no node_modules above it has `debug`.
    const dir = mkdtempSync(join(tmpdir(), "ggs-nodebug-"));
    cpSync(join(__dirname, "node_modules", "go-go-scope-wasm"), join(dir, "go-go-scope-wasm"), { recursive: true });
    const copy = program.replace(JSON.stringify(pkg), JSON.stringify(join(dir, "go-go-scope-wasm", "index.cjs")));
    const r = run("go-go-scope:*", copy);
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(/^go-go-scope:scope \[demo\] creating scope \(timeout: 1000, parent signal: no, concurrency: unlimited, circuitBreaker: no, parent: no\)$/m);
    expect(r.stdout).toMatch(/^go-go-scope:task \[task-\d+\] attempt 1 failed, retrying after 0ms$/m);
    expect(r.stdout).toMatch(/^go-go-scope:scope \[guarded\] circuit breaker is now open$/m);
    expect(run("other", copy).stdout).toBe("");
    // The same DEBUG rules without the package: commas or spaces, `*`, `-`.
    const scopeOnly = run("*  -go-go-scope:task", copy).stdout;
    expect(scopeOnly).toMatch(/^go-go-scope:scope \[demo\]/m);
    expect(scopeOnly).not.toMatch(/go-go-scope:task/);
    expect(run("go-go-*,-go-go-scope:scope", copy).stdout).toMatch(/^go-go-scope:task \[task-\d+\] started in \[demo\]$/m);
  });
});
