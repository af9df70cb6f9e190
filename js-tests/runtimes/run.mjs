// The runtime matrix: the smoke program (smoke.mjs) against the packed
// package, on every runtime the README lists, each run's observations
// compared with expected.json and the entry file it loaded compared with the
// one the package means for it. The tarball (build/tarball, from
// scripts/pack.mjs) is installed with npm into a fresh consumer folder,
// build/runtimes/consumer, next to copies of the launchers, so each runtime
// resolves the package and its dependencies as a user's project would.
//
//   Node 18, 20, 22, 24   main.mjs (import) and main.cjs (require)
//   Bun                   main.mjs and main.cjs
//   Deno                  deno run main.mjs (no permissions)
//   Deno 2.5              the deno entry's fallback for Deno without
//                         `import source`: --allow-read
//   workerd (miniflare)   worker.mjs bundled by esbuild as wrangler bundles it
//   edge-light            worker.mjs bundled as Vercel's Edge bundler resolves
//                         it (`.wasm?module` imports), run in workerd (no Node APIs)
//   Chromium              ../browser/run.mjs: a plain page and a Vite app
//
// Runtimes come from scripts/runtimes.mjs (installed once into a cache).
// Prints a table and ends with "N passed, N failed" (exit 1 on a failure).
//   --no-browser   skip the Chromium rows (quick runs while developing)
//   --only=TEXT    only the rows whose name contains TEXT
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { ensureRuntimes, runtimeVersions } from "../../scripts/runtimes.mjs";
import { differences, expected } from "./compare.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const jsTests = join(here, "..");
const root = join(jsTests, "..");
const buildDir = join(root, "build", "runtimes");
const consumer = join(buildDir, "consumer");
const pkgDir = join(consumer, "node_modules", "go-go-scope-wasm");
const args = process.argv.slice(2);
const only = args.find((a) => a.startsWith("--only="))?.slice("--only=".length);
const withBrowser = !args.includes("--no-browser");

const t0 = performance.now();
const tarballs = join(root, "build", "tarball");
const tgz = existsSync(tarballs) && readdirSync(tarballs).find((f) => f.endsWith(".tgz"));
if (!tgz) {
  console.log("no tarball in build/tarball: run node scripts/build.mjs && node scripts/pack.mjs first");
  console.log("runtimes: 0 passed, 1 failed");
  process.exit(1);
}
const install = ensureRuntimes();

// The consumer project: the tarball installed as a dependency, the launchers beside it.
{
  const t = performance.now();
  rmSync(consumer, { recursive: true, force: true });
  mkdirSync(consumer, { recursive: true });
  writeFileSync(join(consumer, "package.json"), `${JSON.stringify({ name: "ggs-runtime-consumer", private: true }, null, 2)}\n`);
  const r = spawnSync("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error", join(tarballs, tgz)], {
    cwd: consumer,
    encoding: "utf8",
  });
  if (r.status !== 0) {
    console.log(`npm install of ${tgz} failed:\n${r.stdout}${r.stderr}`);
    console.log("runtimes: 0 passed, 1 failed");
    process.exit(1);
  }
  for (const f of ["smoke.mjs", "main.mjs", "main.cjs", "worker.mjs"]) cpSync(join(here, f), join(consumer, f));
  console.log(`${tgz} installed into ${relative(root, consumer)} in ${((performance.now() - t) / 1000).toFixed(1)} s`);
}
const paths = install.paths;
const versions = runtimeVersions(paths);
console.log(`runtimes ${install.installed ? "installed" : "cached"} in ${install.seconds.toFixed(1)} s (${paths.dir})`);

/** The package file a resolved path or URL points at ("index.mjs"), or the path itself. */
function entryOf(resolved) {
  const p = resolved.startsWith("file:") ? fileURLToPath(resolved) : resolved;
  return p.startsWith(pkgDir) ? relative(pkgDir, p) : p;
}

/** The last stdout line that parses as JSON. */
function lastJson(stdout) {
  const lines = stdout.trim().split("\n").reverse();
  for (const l of lines) {
    try {
      return JSON.parse(l);
    } catch {}
  }
  return undefined;
}

/** Runs a launcher; returns { runtime, entry, observations } or { error }. */
function exec(cmd, argv, env = {}) {
  const r = spawnSync(cmd, argv, {
    cwd: consumer,
    encoding: "utf8",
    timeout: 120_000,
    env: { ...process.env, ...env },
  });
  const out = r.status === 0 ? lastJson(r.stdout) : undefined;
  if (!out) {
    return { error: `exit ${r.status ?? r.signal ?? r.error?.code}\n${r.stdout}${r.stderr}`.trim() };
  }
  return { runtime: out.runtime, entry: out.entry && entryOf(out.entry), observations: out.observations };
}

/**
 * Bundles worker.mjs with esbuild as a platform's bundler does, then runs it
 * in workerd through miniflare. Both keep `.wasm` imports out of the bundle
 * as modules of their own, which the importer receives as a
 * WebAssembly.Module (uploaded as "CompiledWasm", named
 * `./<sha1>-<name>.wasm`):
 *  - "wrangler": conditions workerd, worker, browser; a `.wasm` import path
 *    is read as written (so `?module` is not understood: ENOENT);
 *  - "vercel-edge": conditions edge-light, worker, browser; only
 *    `.wasm?module` imports are wasm modules (a plain `.wasm` has no loader).
 */
async function worker(kind) {
  const { build } = await import("esbuild");
  const conditions = kind === "wrangler" ? ["workerd", "worker", "browser"] : ["edge-light", "worker", "browser"];
  const out = join(buildDir, kind);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const modules = [{ type: "ESModule", name: "worker.js" }];
  const wasmModules = {
    name: "wasm-modules",
    setup(b) {
      const filter = kind === "wrangler" ? /\.wasm(\?module)?$/ : /\.wasm\?module$/;
      b.onResolve({ filter }, (a) => {
        const file = join(a.resolveDir, kind === "wrangler" ? a.path : a.path.replace(/\?module$/, ""));
        const bytes = readFileSync(file);
        const name = `${createHash("sha1").update(bytes).digest("hex")}-${basename(file)}`;
        if (!modules.some((m) => m.name === name)) {
          writeFileSync(join(out, name), bytes);
          modules.push({ type: "CompiledWasm", name });
        }
        return { path: `./${name}`, external: true };
      });
    },
  };
  const result = await build({
    entryPoints: [join(consumer, "worker.mjs")],
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    conditions,
    outfile: join(out, "worker.js"),
    metafile: true,
    logLevel: "silent",
    plugins: [wasmModules],
  });
  writeFileSync(join(out, "modules.json"), JSON.stringify(modules, null, 2));
  const inputs = Object.keys(result.metafile.inputs).map((p) => join(process.cwd(), p));
  const entry = inputs
    .filter((p) => p.startsWith(pkgDir) && /\.m?js$/.test(p))
    .map((p) => relative(pkgDir, p))
    .find((p) => !["go_go_scope_wasm.js", "shim.js"].includes(p) && !p.startsWith("snippets"));
  const nodeRefs = readFileSync(join(out, "worker.js"), "utf8").match(/\bfrom\s*["']node:[^"']+["']|\brequire\(["'][a-z:_/]+["']\)/g) ?? [];
  const ran = exec(paths.node[24], [join(here, "workerd.mjs"), out], {
    GGS_RUNTIMES_DIR: paths.dir,
    MINIFLARE_WORKERD_PATH: paths.workerd,
  });
  if (ran.error) return ran;
  const bytes = readFileSync(join(out, "worker.js")).length;
  const note = `bundle ${bytes} B + ${modules.length - 1} CompiledWasm module${nodeRefs.length ? `; Node refs: ${nodeRefs.join(", ")}` : ""}`;
  return { ...ran, entry, note, problem: nodeRefs.length ? `the bundle references Node APIs: ${nodeRefs.join(", ")}` : undefined };
}

const deno = (bin, extra) => [bin, ["run", ...extra, join(consumer, "main.mjs")], { DENO_NO_UPDATE_CHECK: "1", DENO_DIR: join(paths.dir, "deno-dir") }];
const rows = [
  ...[18, 20, 22, 24].flatMap((v) => [
    { name: `Node ${v}, import`, version: versions[`node${v}`], entry: "index.mjs", run: () => exec(paths.node[v], [join(consumer, "main.mjs")]) },
    { name: `Node ${v}, require`, version: versions[`node${v}`], entry: "index.cjs", run: () => exec(paths.node[v], [join(consumer, "main.cjs")]) },
  ]),
  { name: "Bun, import", version: versions.bun, entry: "index.mjs", run: () => exec(paths.bun, [join(consumer, "main.mjs")]) },
  { name: "Bun, require", version: versions.bun, entry: "index.cjs", run: () => exec(paths.bun, [join(consumer, "main.cjs")]) },
  // No permission at all: the wasm is a module import, and reading DEBUG is tried, not required.
  { name: "Deno, import (no permissions)", version: versions.deno.replace(/ \(.*/, ""), entry: "deno.js", run: () => exec(...deno(paths.deno, [])) },
  // Deno before 2.6 cannot parse `import source`: deno.js falls back to reading the file.
  {
    name: "Deno 2.5, import (--allow-read)",
    version: versions.deno25.replace(/ \(.*/, ""),
    entry: "deno.js",
    run: () => exec(...deno(paths.deno25, ["--allow-read"])),
  },
  {
    name: "workerd via miniflare (wrangler-style bundle)",
    version: `${versions.workerd}, miniflare ${versions.miniflare}`,
    entry: "workerd.js",
    run: () => worker("wrangler"),
  },
  {
    name: "edge-light bundle (Vercel Edge style) in workerd",
    version: versions.workerd,
    entry: "edge-light.js",
    run: () => worker("vercel-edge"),
  },
];

const table = [];
let passed = 0;
let failed = 0;
function record(row, ok, seconds, detail) {
  if (ok) passed++;
  else failed++;
  table.push({ name: row.name, version: row.version, entry: row.entryShown ?? row.entry, ok, seconds });
  console.log(`${ok ? "ok  " : "FAIL"} ${row.name} (${row.version}) → ${row.entryShown ?? row.entry} in ${seconds.toFixed(1)} s${detail ? `\n     ${detail.replace(/\n/g, "\n     ")}` : ""}`);
}

for (const row of rows) {
  if (only && !row.name.includes(only)) continue;
  const t = performance.now();
  let res;
  try {
    res = await row.run();
  } catch (e) {
    res = { error: e.stack ?? String(e) };
  }
  const seconds = (performance.now() - t) / 1000;
  if (res.error) {
    record(row, false, seconds, res.error);
    continue;
  }
  const problems = differences(expected, res.observations);
  if (res.entry !== row.entry) problems.unshift(`entry: expected ${row.entry}, loaded ${res.entry}`);
  if (res.problem) problems.push(res.problem);
  row.entryShown = res.entry;
  record(row, problems.length === 0, seconds, [res.note, ...problems].filter(Boolean).join("\n"));
}

// Chromium: the browser tests' plain page (browser.js, no bundler) and Vite
// app (the "browser" condition) run the same smoke program; their rows are
// read from ../browser/run.mjs's output.
if (withBrowser && (!only || "Chromium".includes(only))) {
  const t = performance.now();
  console.log("\n--- js-tests/browser/run.mjs");
  const r = spawnSync(process.execPath, [join(jsTests, "browser", "run.mjs")], { cwd: root, encoding: "utf8", timeout: 600_000 });
  process.stdout.write(r.stdout + r.stderr);
  console.log("---");
  const seconds = (performance.now() - t) / 1000;
  const version = r.stdout.match(/^chromium (\S+)/m)?.[1] ?? "?";
  for (const [label, name, entry] of [
    ["plain", "Chromium, plain page (no bundler)", "browser.js"],
    ["vite", "Chromium, Vite app", "browser.js"],
  ]) {
    const lines = r.stdout.split("\n").filter((l) => new RegExp(`^(ok  |FAIL) ${label} › `).test(l));
    const smoke = lines.find((l) => l.includes("› runtime smoke program"));
    const ok = r.status === 0 && lines.length > 0 && !!smoke && lines.every((l) => l.startsWith("ok"));
    const detail = ok ? `${lines.length} checks, smoke program included` : lines.filter((l) => l.startsWith("FAIL")).join("\n") || `exit ${r.status}; ${smoke ? "" : "no smoke program result"}`;
    record({ name, version: `Chromium ${version}`, entry }, ok, seconds / 2, detail);
  }
}

const total = (performance.now() - t0) / 1000;
console.log("\n| runtime | version | entry loaded | result | time |");
console.log("| --- | --- | --- | --- | --- |");
for (const r of table) console.log(`| ${r.name} | ${r.version} | ${r.entry} | ${r.ok ? "pass" : "FAIL"} | ${r.seconds.toFixed(1)} s |`);
console.log(`\nmatrix: ${total.toFixed(1)} s (runtimes install: ${install.seconds.toFixed(1)} s, ${install.installed ? "fresh" : "cached"})`);
console.log(`runtimes: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
