// Runs the examples in examples/ (each seed section as the user guide writes
// it) against the package, as a user would: TypeScript with `await using`,
// compiled by esbuild, importing "go-go-scope-wasm"; and the Rust examples,
// Cargo examples of the crate's Rust face built for wasm32-unknown-unknown
// and bound by wasm-bindgen for Node (build/rust-examples/<name>/). Each
// seed section's TypeScript example has a Rust twin (basic.ts → basic.rs,
// concurrency-limits.ts → concurrency_limits.rs, …), run right after it;
// Rust programs without a twin run last. Each one is introduced by the first
// line of its header comment and closed with its run time.
//
//   node scripts/examples.mjs [name…]        install/build what is missing, then run
//   node scripts/examples.mjs --no-build …   run against the existing package
//                                            build (the Rust examples are still
//                                            built: cargo skips what is up to date)
//   GO_GO_SCOPE_PACKAGE=dir                  use that package (e.g. the packed one)
//
// A name selects both twins ("concurrency-limits" and "concurrency_limits"
// are the same name). A Rust example built as a library (`crate-type =
// ["cdylib"]` in Cargo.toml) is not run: a TypeScript example imports its
// wasm-bindgen module under the name `rustModules` gives it. On a terminal,
// the long demos (retry delays, streams) show progress.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { captureAsync, must, root, toolEnv } from "./lib.mjs";

const examplesDir = join(root, "examples");
const rustOutDir = join(root, "build", "rust-examples");
// A target directory of their own: the npm build (scripts/build.mjs) builds
// the same package with other features into target/, and sharing that
// directory would make each build recompile (and relink) after the other.
const rustTargetDir = join(root, "target", "rust-examples");
const rustWasmDir = join(rustTargetDir, "wasm32-unknown-unknown", "release", "examples");

/** The Rust library examples TypeScript examples import, by import name. */
export const rustModules = { "go-go-scope-wasm-interop": "interop_rust_lib.rs" };

/** A name as both twins spell it: `-` and `_` are the same. */
const norm = (name) => name.replace(/-/g, "_");

function listed(ext, only) {
  return readdirSync(examplesDir)
    .filter((f) => f.endsWith(ext) && (only.length === 0 || only.some((o) => norm(f).includes(norm(o)))))
    .sort();
}

/** The TypeScript example files, all or those whose name contains one of `only`. */
export function exampleFiles(only = []) {
  return listed(".ts", only);
}

/** The Rust example files (Cargo examples of the crate), all or those whose name contains one of `only`. */
export function rustExampleFiles(only = []) {
  return listed(".rs", only);
}

let libraries;

/**
 * Whether a Rust example is a library (`crate-type = ["cdylib"]` in
 * Cargo.toml: JavaScript imports it) rather than a program `node` runs.
 */
export function isRustLibrary(file) {
  if (!libraries) {
    const r = spawnSync("cargo", ["metadata", "--no-deps", "--format-version", "1"], { cwd: root, env: toolEnv(), encoding: "utf8" });
    if (r.status !== 0) throw new Error(`cargo metadata failed:\n${r.stderr}`);
    libraries = new Set(
      JSON.parse(r.stdout)
        .packages.flatMap((p) => p.targets)
        .filter((t) => t.kind.includes("example") && !t.crate_types.includes("bin"))
        .map((t) => t.name),
    );
  }
  return libraries.has(file.replace(/\.rs$/, ""));
}

/** The Rust twin of a TypeScript example (`concurrency-limits.ts` → `concurrency_limits.rs`), if there is one. */
export function rustTwin(file) {
  const twin = `${norm(file.replace(/\.ts$/, ""))}.rs`;
  return existsSync(join(examplesDir, twin)) ? twin : undefined;
}

/** The first line of the example's header comment. */
export function narration(file) {
  const first = readFileSync(join(examplesDir, file), "utf8").split("\n")[0];
  return first.replace(/^\/\/\s*/, "").replace(/:$/, "");
}

/** Where the wasm-bindgen module of a Rust example is (made by `buildRustExamples`). */
export function rustModulePath(file) {
  const name = file.replace(/\.rs$/, "");
  return join(rustOutDir, name, `${name}.js`);
}

/**
 * Compiles one example to build/examples/<name>.mjs and returns that path.
 * Its imports of `rustModules` load their wasm-bindgen modules (build them
 * with `buildRustExamples` before running it).
 */
export async function compileExample(file, packageDir = process.env.GO_GO_SCOPE_PACKAGE || join(root, "pkg")) {
  const esbuild = await import("esbuild");
  const pkgEntry = pathToFileURL(join(packageDir, "index.mjs")).href;
  const outfile = join(root, "build", "examples", file.replace(/\.ts$/, ".mjs"));
  await esbuild.build({
    entryPoints: [join(examplesDir, file)],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "es2022",
    outfile,
    // Dependencies load from node_modules as in a user's project.
    packages: "external",
    logLevel: "warning",
    plugins: [
      {
        name: "package",
        setup(b) {
          b.onResolve({ filter: /^go-go-scope-wasm$/ }, () => ({ path: pkgEntry, external: true }));
          for (const [name, lib] of Object.entries(rustModules)) {
            const filter = new RegExp(`^${name.replace(/\W/g, "\\$&")}$`);
            b.onResolve({ filter }, () => ({ path: pathToFileURL(rustModulePath(lib)).href, external: true }));
          }
        },
      },
    ],
  });
  return outfile;
}

/**
 * Builds the Rust examples (one `cargo build --release --target
 * wasm32-unknown-unknown --examples`, into target/rust-examples/), binds
 * each of `files` that changed with `wasm-bindgen --target nodejs` into
 * build/rust-examples/<name>/ (with a package.json saying CommonJS, since
 * the repository's says "module"), and returns { "<name>.rs": its JS
 * module } (a program's is what `node` runs). Fast when nothing changed:
 * cargo skips what is up to date, and wasm-bindgen runs only for a wasm
 * newer than its bindings. `quiet`: cargo's output only if it fails.
 */
export async function buildRustExamples(files = rustExampleFiles(), { quiet = false } = {}) {
  const runnable = {};
  if (files.length === 0) return runnable;
  const cargo = ["build", "--release", "--target", "wasm32-unknown-unknown", "--examples", "--target-dir", rustTargetDir];
  if (quiet) {
    // Asynchronous: a first build takes minutes, and a test worker must keep answering its runner meanwhile.
    const r = await captureAsync("cargo", cargo);
    if (r.status !== 0) throw new Error(`cargo ${cargo.join(" ")} failed:\n${r.out}`);
  } else {
    must("cargo", cargo);
  }
  const all = new Set(rustExampleFiles().map((f) => f.replace(/\.rs$/, "")));
  if (existsSync(rustOutDir)) {
    // Bindings of examples that are gone.
    for (const d of readdirSync(rustOutDir)) if (!all.has(d)) rmSync(join(rustOutDir, d), { recursive: true, force: true });
  }
  for (const file of files) {
    const name = file.replace(/\.rs$/, "");
    const wasm = join(rustWasmDir, `${name}.wasm`);
    const outDir = join(rustOutDir, name);
    const js = rustModulePath(file);
    if (!existsSync(wasm)) throw new Error(`cargo made no ${wasm}`);
    if (!existsSync(js) || statSync(js).mtimeMs < statSync(wasm).mtimeMs) {
      rmSync(outDir, { recursive: true, force: true });
      const r = await captureAsync("wasm-bindgen", ["--target", "nodejs", "--no-typescript", "--out-dir", outDir, wasm]);
      if (r.status !== 0) throw new Error(`wasm-bindgen ${wasm} failed:\n${r.out}`);
      writeFileSync(join(outDir, "package.json"), `${JSON.stringify({ type: "commonjs" })}\n`);
    }
    runnable[file] = js;
  }
  return runnable;
}

/**
 * The examples in running order: each TypeScript one, then its Rust twin
 * (then any Rust program without a twin; Rust libraries are not run).
 */
export function runOrder(only = []) {
  const rust = new Set(rustExampleFiles(only).filter((f) => !isRustLibrary(f)));
  const order = [];
  for (const ts of exampleFiles(only)) {
    order.push(ts);
    const twin = rustTwin(ts);
    if (twin && rust.delete(twin)) order.push(twin);
  }
  return [...order, ...rust];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const noBuild = args.includes("--no-build");
  const only = args.filter((a) => !a.startsWith("--"));
  if (!noBuild) {
    const { setup } = await import("./setup.mjs");
    const { build } = await import("./build.mjs");
    setup();
    await build();
  }
  const files = runOrder(only);
  // The selected Rust examples, and every library (TypeScript may import one).
  const rust = await buildRustExamples([...new Set([...rustExampleFiles(only), ...rustExampleFiles().filter(isRustLibrary)])]);
  let failed = 0;
  for (const file of files) {
    const runnable = file.endsWith(".rs") ? rust[file] : await compileExample(file);
    console.log(`\n▶ examples/${file} — ${narration(file)}`);
    const t0 = Date.now();
    const r = spawnSync("node", [runnable], { stdio: "inherit", cwd: root });
    const secs = ((Date.now() - t0) / 1000).toFixed(1);
    if (r.status === 0) console.log(`✓ ${file} (${secs} s)`);
    else {
      failed++;
      console.log(`✗ ${file} exited with ${r.status ?? r.signal} (${secs} s)`);
    }
  }
  console.log(`\n${files.length - failed} of ${files.length} examples ran`);
  process.exit(failed ? 1 : 0);
}
