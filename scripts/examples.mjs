// Runs every example in examples/ against the built package (pkg/), as a
// user would: TypeScript with `await using`, compiled by esbuild, importing
// "go-go-scope-wasm". Installs and builds what is missing first.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { must, root } from "./lib.mjs";
import { setup } from "./setup.mjs";
import { build } from "./build.mjs";

setup();
await build();
const esbuild = await import("esbuild");
const pkgEntry = pathToFileURL(join(root, "pkg", "index.mjs")).href;
const only = process.argv.slice(2);
const files = readdirSync(join(root, "examples"))
  .filter((f) => f.endsWith(".ts") && (only.length === 0 || only.some((o) => f.includes(o))))
  .sort();
for (const file of files) {
  const outfile = join(root, "build", "examples", file.replace(/\.ts$/, ".mjs"));
  await esbuild.build({
    entryPoints: [join(root, "examples", file)],
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
  console.log(`\n### examples/${file}`);
  must("node", [outfile]);
}
console.log(`\n${files.length} examples ran`);
