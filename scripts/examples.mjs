// Runs the examples in examples/ (each seed section as the user guide writes
// it) against the package, as a user would: TypeScript with `await using`,
// compiled by esbuild, importing "go-go-scope-wasm". Each one is introduced by
// the first line of its header comment and closed with its run time.
//
//   node scripts/examples.mjs [name…]        install/build what is missing, then run
//   node scripts/examples.mjs --no-build …   run against the existing build
//   GO_GO_SCOPE_PACKAGE=dir                  use that package (e.g. the packed one)
//
// On a terminal, the long demos (retry delays, streams) show progress.
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { root } from "./lib.mjs";

const examplesDir = join(root, "examples");

/** The example files, all or those whose name contains one of `only`. */
export function exampleFiles(only = []) {
  return readdirSync(examplesDir)
    .filter((f) => f.endsWith(".ts") && (only.length === 0 || only.some((o) => f.includes(o))))
    .sort();
}

/** The first line of the example's header comment. */
export function narration(file) {
  const first = readFileSync(join(examplesDir, file), "utf8").split("\n")[0];
  return first.replace(/^\/\/\s*/, "").replace(/:$/, "");
}

/** Compiles one example to build/examples/<name>.mjs and returns that path. */
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
        },
      },
    ],
  });
  return outfile;
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
  const { spawnSync } = await import("node:child_process");
  const files = exampleFiles(only);
  let failed = 0;
  for (const file of files) {
    const outfile = await compileExample(file);
    console.log(`\n▶ examples/${file} — ${narration(file)}`);
    const t0 = Date.now();
    const r = spawnSync("node", [outfile], { stdio: "inherit", cwd: root });
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
