// The package of commit e4886b8 (the design before the state machine, issue
// 20), built once into a cache outside git so bench/run.mjs can run it as a
// baseline in the same process as today's package:
//
//   node bench/before-pkg.mjs          build it if it is not there yet
//   node bench/before-pkg.mjs --force  rebuild it
//
// Cache: node_modules/.cache/ggs-e4886b8/ (or $GGS_BEFORE_CACHE):
//   pkg/     the built package (pkg/index.cjs is what the bench loads)
//   target/  that commit's own cargo target dir, kept, so a rebuild is quick
//   build.log  the last build's output
// The commit's tree is exported with `git archive` into src/ (no worktree is
// registered), its node_modules/ is a link to ours (esbuild, wasm-opt) and
// its target/ a link to the cached one; its own scripts/build.mjs builds
// pkg/ exactly as it did then (cargo release wasm32, wasm-bindgen, wasm-opt
// -O3, esbuild); src/ is removed afterwards. Building takes a few minutes
// the first time (cargo compiles that commit's dependencies for
// wasm32), seconds after that, nothing once pkg/ is there.
// When anything fails (no git history, no toolchain) the bench runs without
// this baseline and says why.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const BEFORE_COMMIT = "e4886b8";
export const BEFORE_LABEL = "e4886b8 package";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");
const cache = process.env.GGS_BEFORE_CACHE || join(root, "node_modules", ".cache", `ggs-${BEFORE_COMMIT}`);

/**
 * The cached package's directory, building it first if needed.
 * @returns {{ dir?: string, error?: string, seconds: number, built: boolean }}
 */
export function ensureBeforePkg({ force = false, log = console.log } = {}) {
  const pkg = join(cache, "pkg");
  const stamp = join(pkg, ".built-from");
  if (!force && existsSync(join(pkg, "index.cjs")) && existsSync(stamp)) return { dir: pkg, seconds: 0, built: false };
  const t0 = performance.now();
  const src = join(cache, "src");
  const logFile = join(cache, "build.log");
  const seconds = () => (performance.now() - t0) / 1000;
  try {
    mkdirSync(join(cache, "target"), { recursive: true });
    rmSync(src, { recursive: true, force: true });
    mkdirSync(src, { recursive: true });
    const commit = sh("git", ["-C", root, "rev-parse", "--verify", `${BEFORE_COMMIT}^{commit}`]).trim();
    log(`building the ${BEFORE_COMMIT} package (${commit}) into ${pkg} (log: ${logFile}) ...`);
    const tar = join(cache, "src.tar");
    sh("git", ["-C", root, "archive", "--format=tar", "-o", tar, commit]);
    sh("tar", ["-xf", tar, "-C", src]);
    rmSync(tar, { force: true });
    symlinkSync(join(root, "node_modules"), join(src, "node_modules"));
    symlinkSync(join(cache, "target"), join(src, "target"));
    // Its own build script (the one that built its package then).
    const r = spawnSync(process.execPath, ["-e", 'import("./scripts/build.mjs").then((m) => m.build())'], {
      cwd: src,
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
    });
    writeFileSync(logFile, `${r.stdout ?? ""}${r.stderr ?? ""}`);
    if (r.status !== 0) throw new Error(`its scripts/build.mjs failed with status ${r.status} (see ${logFile})`);
    rmSync(pkg, { recursive: true, force: true });
    renameSync(join(src, "pkg"), pkg);
    writeFileSync(stamp, `${commit}\n`);
    rmSync(src, { recursive: true, force: true });
    log(`built the ${BEFORE_COMMIT} package in ${seconds().toFixed(0)} s`);
    return { dir: pkg, seconds: seconds(), built: true };
  } catch (e) {
    try {
      rmSync(src, { recursive: true, force: true });
    } catch {
      // nothing to clean
    }
    return { error: String(e?.message ?? e).split("\n")[0], seconds: seconds(), built: false };
  }
}

function sh(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")}: ${(r.stderr || "").trim().split("\n")[0]}`);
  return r.stdout;
}

/** The commit a cached package was built from, or undefined. */
export function builtFrom() {
  const stamp = join(cache, "pkg", ".built-from");
  return existsSync(stamp) ? readFileSync(stamp, "utf8").trim() : undefined;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = ensureBeforePkg({ force: process.argv.includes("--force") });
  if (r.error) {
    console.error(`the ${BEFORE_COMMIT} package could not be built: ${r.error}`);
    process.exit(1);
  }
  console.log(r.built ? `${r.dir} (built in ${r.seconds.toFixed(0)} s)` : `${r.dir} (cached)`);
}
