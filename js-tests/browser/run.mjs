// The package in a real browser: Debian's /usr/bin/chromium, headless,
// driven by playwright-core (which downloads no browser).
//   1. plain.html imports node_modules/go-go-scope-wasm/browser.js with no
//      bundler and no init call;
//   2. vite-app/ imports the package by name and is built with `vite build`,
//      then served from its output.
// Both pages run checks.js (scope, task, channel, timeout, poll, stream over
// a fetch body, then the runtime matrix's smoke program) and report into the DOM; this script reads the report, saves
// a screenshot of each page to build/browser/, and ends with
// "browser: N passed, N failed" (exit 1 on any failure).
// Needs the packed package in js-tests/node_modules (scripts/pack.mjs).
import { existsSync, mkdirSync, readFileSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { serve } from "./server.mjs";
import { differences, expected } from "../runtimes/compare.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const nodeModules = join(here, "..", "node_modules");
const out = join(root, "build", "browser");
mkdirSync(out, { recursive: true });

const EXPECTED = ["scope", "task", "channel", "timeout", "poll", "stream"];
const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
// Offline, as root, in a container: no sandbox, no GPU, nothing that phones home.
const FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-dev-shm-usage",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

let passed = 0;
let failed = 0;
function result(ok, name, detail = "") {
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? "ok  " : "FAIL"} ${name}${detail ? `: ${detail}` : ""}`);
}

const pkgJson = join(nodeModules, "go-go-scope-wasm", "package.json");
if (!existsSync(pkgJson)) {
  console.log("the packed package is missing from js-tests/node_modules: run node scripts/pack.mjs first");
  console.log("browser: 0 passed, 1 failed");
  process.exit(1);
}
const pkg = JSON.parse(readFileSync(pkgJson, "utf8"));

/**
 * Opens `url`, waits for the page's summary, records one result per check,
 * and saves a screenshot. Returns the console messages.
 */
async function runPage(browser, label, url, { localStorageDebug } = {}) {
  // A fresh context per page: an empty profile, no cache, no storage.
  const context = await browser.newContext({ viewport: { width: 1100, height: 560 } });
  const page = await context.newPage();
  const consoleLines = [];
  const problems = [];
  page.on("console", (m) => consoleLines.push(m.text()));
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("requestfailed", (r) => {
    // The page aborts its own endless fetch on purpose (scope timeout).
    if (!r.url().includes("/endless") && !r.url().includes("/stream")) problems.push(`request failed: ${r.url()}`);
  });
  if (localStorageDebug) {
    await page.addInitScript((ns) => localStorage.setItem("debug", ns), localStorageDebug);
  }
  try {
    await page.goto(url);
    await page.waitForSelector("#summary[data-done]", { timeout: 30_000 });
    const checks = await page.$$eval("#results li", (lis) =>
      lis.map((li) => ({ name: li.dataset.check, ok: li.dataset.ok === "true", text: li.textContent })),
    );
    for (const name of EXPECTED) {
      const c = checks.find((x) => x.name === name);
      if (!c) result(false, `${label} › ${name}`, "not reported by the page");
      else result(c.ok, `${label} › ${name}`, c.text.replace(/^[✔✘] [^:]+: /, ""));
    }
    const summary = await page.textContent("#summary");
    result(summary === `${checks.length} passed, 0 failed`, `${label} › page summary`, summary);
    // The runtime matrix's smoke program, compared with the other runtimes'.
    const smoke = JSON.parse((await page.textContent("#smoke")) || "null");
    const diff = differences(expected, smoke);
    result(diff.length === 0, `${label} › runtime smoke program`, diff.length ? diff.join("; ") : "same observations as expected.json");
  } catch (e) {
    result(false, `${label} › page finished`, `${e.message}\n${consoleLines.join("\n")}`);
  }
  result(problems.length === 0, `${label} › no page errors or failed requests`, problems.join("; "));
  const shot = join(out, `${label}.png`);
  await page.screenshot({ path: shot, fullPage: true });
  console.log(`     screenshot: ${shot}`);
  await context.close();
  return consoleLines;
}

/** `vite build` of vite-app/ into build/browser/vite-dist; returns its warnings. */
async function viteBuild(outDir) {
  const { build, createLogger } = await import("vite");
  const logger = createLogger("warn");
  const warnings = [];
  const warn = logger.warn;
  logger.warn = (msg, opts) => {
    warnings.push(msg);
    warn(msg, opts);
  };
  logger.warnOnce = logger.warn;
  await build({
    root: join(here, "vite-app"),
    configFile: false,
    logLevel: "warn",
    customLogger: logger,
    build: { outDir, emptyOutDir: true },
  });
  return warnings;
}

const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
console.log(`chromium ${browser.version()} (${CHROMIUM})`);

// 1. A plain page: no bundler, no init call.
{
  const server = await serve(here, nodeModules);
  await runPage(browser, "plain", `${server.url}/plain.html`);
  await server.close();
}

// 2. A Vite app that imports the package by name.
const dist = join(out, "vite-dist");
let built = false;
try {
  const warnings = await viteBuild(dist);
  built = true;
  const nodeWarnings = warnings.filter((w) => /externalized for browser compatibility|node:/.test(w));
  result(nodeWarnings.length === 0, "vite › build pulls in no Node built-in", nodeWarnings.join("; "));
} catch (e) {
  result(false, "vite › vite build", e.stack ?? String(e));
}
if (built) {
  const assets = readdirSync(join(dist, "assets"));
  const js = assets.filter((f) => f.endsWith(".js")).map((f) => readFileSync(join(dist, "assets", f), "utf8")).join("\n");
  const nodeRefs = js.match(/["'`]node:[a-z_/]+["'`]|\brequire\(["'`](fs|path|module|url)["'`]\)|\b__dirname\b/g) ?? [];
  result(nodeRefs.length === 0, "vite › bundle references no Node API", nodeRefs.join(", "));
  result(assets.some((f) => f.endsWith(".wasm")), "vite › the wasm is emitted as an asset", assets.join(", "));

  const server = await serve(dist, join(dist, "no-node-modules"));
  await runPage(browser, "vite", `${server.url}/`);

  // `debug` via localStorage, once the package depends on it.
  // TODO(debug): the `debug` dependency and the go-go-scope:* namespaces are
  // being added in another branch; until the packed package depends on
  // `debug`, this check is reported as skipped and not counted.
  if (pkg.dependencies?.debug) {
    const lines = await runPage(browser, "vite-debug", `${server.url}/`, { localStorageDebug: "go-go-scope:*" });
    const scopeLines = lines.filter((l) => l.includes("go-go-scope:scope"));
    const taskLines = lines.filter((l) => l.includes("go-go-scope:task"));
    result(scopeLines.length > 0 && taskLines.length > 0, "vite-debug › localStorage.debug turns on go-go-scope:scope and :task",
      `${scopeLines.length} scope and ${taskLines.length} task lines`);
  } else {
    console.log("skip vite-debug › localStorage.debug (TODO: the package has no `debug` dependency yet)");
  }
  await server.close();
}

await browser.close();
console.log(`browser: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
