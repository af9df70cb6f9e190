// Builds pkg/: the publishable npm package.
//   cargo (release, wasm32) → wasm-bindgen --target web → wasm-opt (binaryen
//   from npm) → the shim and entries from pkg-template/ → esbuild bundles the
//   Node CommonJS entry → index.mjs re-exports it (one wasm instance for
//   import and require) → index.d.ts and index.d.cts (ESM and CommonJS
//   types) → package.json with the crate's version.
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { must, root } from "./lib.mjs";
import { setup } from "./setup.mjs";

export async function build() {
  const out = join(root, "pkg");
  const tmp = join(root, "build", "web");
  must("cargo", ["build", "--release", "--target", "wasm32-unknown-unknown"]);
  rmSync(tmp, { recursive: true, force: true });
  must("wasm-bindgen", [
    "--target", "web", "--out-dir", tmp, "--out-name", "go_go_scope_wasm",
    "--no-typescript",
    join(root, "target", "wasm32-unknown-unknown", "release", "go_go_scope_wasm.wasm"),
  ]);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  must(join(root, "node_modules", ".bin", "wasm-opt"), [
    "-O3", join(tmp, "go_go_scope_wasm_bg.wasm"), "-o", join(out, "go_go_scope_wasm_bg.wasm"),
  ]);
  cpSync(join(tmp, "go_go_scope_wasm.js"), join(out, "go_go_scope_wasm.js"));
  if (existsSync(join(tmp, "snippets"))) cpSync(join(tmp, "snippets"), join(out, "snippets"), { recursive: true });
  for (const f of ["shim.js", "index.d.ts", "node-entry.js"]) cpSync(join(root, "pkg-template", f), join(out, f));
  // The same declarations for `require` (the package is "type": "module",
  // so index.d.ts reads as ESM): CommonJS TypeScript users get CJS types.
  cpSync(join(root, "pkg-template", "index.d.ts"), join(out, "index.d.cts"));
  for (const f of ["LICENSE", "README.md", "COMPATIBILITY.md"]) cpSync(join(root, f), join(out, f));

  const esbuild = await import("esbuild");
  await esbuild.build({
    entryPoints: [join(out, "node-entry.js")],
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node18",
    outfile: join(out, "index.cjs"),
    // A real dependency: users' `debug` filters and `debug.enable` apply.
    external: ["debug"],
    logLevel: "warning",
    // import.meta.url is only used by the async web init, which Node never calls.
    logOverride: { "empty-import-meta": "silent", "duplicate-object-key": "silent" },
  });
  rmSync(join(out, "node-entry.js"));
  // Browser entry: one ES module with the glue, the shim and `debug`'s
  // browser build, so a plain <script type="module"> needs no import map.
  cpSync(join(root, "pkg-template", "browser.js"), join(out, "browser-entry.js"));
  await esbuild.build({
    entryPoints: [join(out, "browser-entry.js")],
    bundle: true,
    platform: "browser",
    format: "esm",
    target: "es2022",
    outfile: join(out, "browser.js"),
    logLevel: "warning",
    logOverride: { "duplicate-object-key": "silent" },
  });
  rmSync(join(out, "browser-entry.js"));
  const names = Object.keys(createRequire(import.meta.url)(join(out, "index.cjs"))).filter((n) => n !== "__esModule");
  writeFileSync(
    join(out, "index.mjs"),
    `// ESM entry for Node: the CommonJS build, so import and require share one wasm instance.\n` +
      `import m from "./index.cjs";\nexport const { ${names.join(", ")} } = m;\n`,
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
