// Builds pkg/: the publishable npm package.
//   cargo (release, wasm32) → wasm-bindgen (the exports; its JS glue is not
//   used: the executor calls the numeric exports on the instance itself) →
//   the stack pointer exported → wasm-opt (-Oz and more; binaryen from npm) → esbuild
//   bundles the TypeScript executor (pkg-template/src/) into the entries:
//   index.cjs (Node, CommonJS, synchronous init), index.mjs (re-exports it:
//   one wasm instance for import and require), browser.js (one minified ES
//   module, top-level-await init), workerd.js / edge-light.js / deno.js (ES
//   modules whose wasm is a static import), internal.cjs / internal.mjs
//   (test hooks, off the public entry) → package.json with the crate's version.
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { exportStackPointer } from "./export-sp.mjs";
import { shortenExports } from "./short-exports.mjs";
import { must, root, toolEnv } from "./lib.mjs";
import { setup } from "./setup.mjs";

export async function build() {
  const out = join(root, "pkg");
  const web = join(root, "build", "web");
  const stage = join(root, "build", "stage");
  // LLVM inlines less than its default (225) for the shipped wasm: wasm-opt
  // inlines what pays afterwards, and the wasm is ~1 KB gzip smaller.
  const rustflags = `${process.env.RUSTFLAGS ?? ""} -C llvm-args=-inline-threshold=50`.trim();
  must("cargo", ["build", "--release", "--target", "wasm32-unknown-unknown", "--no-default-features", "--features", "tiny"], {
    env: toolEnv({ RUSTFLAGS: rustflags }),
  });
  rmSync(web, { recursive: true, force: true });
  must("wasm-bindgen", [
    "--target", "web", "--out-dir", web, "--out-name", "go_go_scope_wasm",
    "--no-typescript",
    join(root, "target", "wasm32-unknown-unknown", "release", "go_go_scope_wasm.wasm"),
  ]);
  exportStackPointer(join(web, "go_go_scope_wasm_bg.wasm"));
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  // For size (issue 13): gufa and the function merging run before -Oz
  // (merging must see the functions before inlining does); the low 1 KB of
  // memory is the bottom of the 1 MB stack, never addressed; the producers
  // and target-features sections are metadata no runtime reads.
  must(join(root, "node_modules", ".bin", "wasm-opt"), [
    "--low-memory-unused", "--gufa", "--duplicate-function-elimination", "--merge-similar-functions",
    "-Oz", "--converge", "--reorder-functions", "--strip-producers", "--strip-target-features",
    "--enable-bulk-memory", "--enable-nontrapping-float-to-int", "--enable-sign-ext",
    join(web, "go_go_scope_wasm_bg.wasm"), "-o", join(out, "go_go_scope_wasm_bg.wasm"),
  ]);
  // Short export names in the wasm, and the same in the bundles (below).
  const exportNames = shortenExports(join(out, "go_go_scope_wasm_bg.wasm"));
  writeFileSync(join(root, "build", "export-names.json"), `${JSON.stringify(exportNames, null, 2)}\n`);
  // The staging folder: the executor's sources and the entries.
  rmSync(stage, { recursive: true, force: true });
  cpSync(join(root, "pkg-template"), stage, { recursive: true });
  rmSync(join(stage, "package.json")); // its "sideEffects": false is for users, not for these sources
  for (const f of ["index.d.ts", "internal.d.ts"]) cpSync(join(root, "pkg-template", f), join(out, f));
  // The same declarations for `require` (the package is "type": "module",
  // so a .d.ts reads as ESM): CommonJS TypeScript users get CommonJS types.
  cpSync(join(root, "pkg-template", "index.d.ts"), join(out, "index.d.cts"));
  cpSync(join(root, "pkg-template", "internal.d.ts"), join(out, "internal.d.cts"));
  for (const f of ["LICENSE", "README.md", "COMPATIBILITY.md"]) {
    if (existsSync(join(root, f))) cpSync(join(root, f), join(out, f));
  }

  const esbuild = await import("esbuild");
  // `debug` is an optional peer dependency, loaded only when a go-go-scope
  // namespace is enabled (pkg-template/src/telemetry.ts): never bundled.
  // The executor's internal fields are all named `_x`: shortened in every
  // bundle (each is self-contained). `debug` is an optional peer, loaded
  // only when a debug namespace is enabled. The machine's exports (`W.x`)
  // get the short names scripts/short-exports.mjs gave them in the wasm:
  // no other property of the executor has an export's name.
  const common = {
    bundle: true,
    logLevel: "warning",
    legalComments: "none",
    external: ["debug"],
    mangleProps: new RegExp(`^_[a-z]|^(?:${Object.keys(exportNames).join("|")})$`),
    mangleCache: exportNames,
    reserveProps: /^__/,
  };
  await esbuild.build({
    ...common,
    entryPoints: [join(stage, "node-entry.cjs")],
    platform: "node",
    format: "cjs",
    target: "node18",
    outfile: join(out, "index.cjs"),
    // import.meta.url is only used by the async web init, which Node never calls.
    logOverride: { "empty-import-meta": "silent" },
  });
  await esbuild.build({
    ...common,
    entryPoints: [join(stage, "browser.js")],
    platform: "browser",
    format: "esm",
    target: "es2022",
    minify: true,
    outfile: join(out, "browser.js"),
  });
  // Workers, Vercel Edge and Deno: one ES module each (executor and glue
  // bundled in), whose wasm import is left for the platform's bundler.
  for (const f of ["workerd.js", "edge-light.js", "deno.js"]) {
    await esbuild.build({
      ...common,
      entryPoints: [join(stage, f)],
      platform: "neutral",
      format: "esm",
      target: "es2022",
      minify: true,
      external: ["./go_go_scope_wasm_bg.wasm", "./go_go_scope_wasm_bg.wasm?module", "./deno-wasm.js"],
      outfile: join(out, f),
    });
  }
  cpSync(join(root, "pkg-template", "deno-wasm.js"), join(out, "deno-wasm.js"));
  const names = Object.keys(createRequire(import.meta.url)(join(out, "index.cjs"))).filter((n) => n !== "__esModule");
  writeFileSync(
    join(out, "index.mjs"),
    `// ESM entry for Node: the CommonJS build, so import and require share one wasm instance.\n` +
      `import m from "./index.cjs";\nexport const { ${names.join(", ")} } = m;\n`,
  );
  // Test hooks (live table counts, wasm memory): a subpath, not the public entry.
  writeFileSync(
    join(out, "internal.cjs"),
    `// Test hooks of go-go-scope-wasm (live counts, memory): not part of the public API.\n` +
      `module.exports = require("./index.cjs")[Symbol.for("go-go-scope-wasm.internal")];\n`,
  );
  const hooks = Object.keys(createRequire(import.meta.url)(join(out, "internal.cjs")));
  writeFileSync(
    join(out, "internal.mjs"),
    `import m from "./internal.cjs";\nexport const { ${hooks.join(", ")} } = m;\n`,
  );

  const version = readFileSync(join(root, "Cargo.toml"), "utf8").match(/^version = "([^"]+)"/m)[1];
  const pkg = JSON.parse(readFileSync(join(root, "pkg-template", "package.json"), "utf8"));
  pkg.version = version;
  writeFileSync(join(out, "package.json"), `${JSON.stringify(pkg, null, 2)}\n`);
  console.log(`built pkg/ (${readdirSync(out).join(", ")})`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  setup();
  await build();
}
