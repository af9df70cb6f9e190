// The TypeScript consumers of js-tests/types-consumers/ against the packed
// tarball, installed alone into an empty folder (no @opentelemetry/api, no
// @types/node): a CommonJS project ("type": "commonjs", `import x =
// require(...)`) and an ESM one, both `module: node16`, `strict`,
// `skipLibCheck: false`. Each must compile. Ends with "N passed, N failed".
//
//   node scripts/types-consumers.mjs [tarball]   (default: build/tarball/*.tgz)
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { capture, root } from "./lib.mjs";

export function typesConsumers(tarball) {
  const dir = mkdtempSync(join(tmpdir(), "ggs-types-consumers-"));
  let passed = 0;
  let failed = 0;
  const check = (name, ok, out = "") => {
    console.log(`${ok ? "ok  " : "FAIL"} ${name}`);
    if (!ok && out) console.log(out);
    if (ok) passed++;
    else failed++;
  };
  try {
    writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "ggs-types-consumers", private: true }));
    const install = capture("npm", ["install", "--no-audit", "--no-fund", tarball], { cwd: dir });
    check("npm install of the tarball alone", install.status === 0, install.out);
    check(
      "no OpenTelemetry package came with it",
      !existsSync(join(dir, "node_modules", "@opentelemetry")),
      `found: ${existsSync(join(dir, "node_modules", "@opentelemetry")) ? readdirSync(join(dir, "node_modules", "@opentelemetry")).join(", ") : ""}`,
    );
    const tsc = join(root, "node_modules", ".bin", "tsc");
    for (const kind of ["cjs", "esm"]) {
      cpSync(join(root, "js-tests", "types-consumers", kind), join(dir, kind), { recursive: true });
      const r = capture(tsc, ["-p", join(dir, kind, "tsconfig.json"), "--traceResolution"], { cwd: dir });
      const resolved = r.out.match(/Module name 'go-go-scope-wasm' was successfully resolved to '([^']+)'/);
      const errors = r.out.split("\n").filter((l) => /error TS\d+/.test(l)).join("\n");
      check(`${kind} consumer compiles (tsc strict, skipLibCheck false)`, r.status === 0, errors || r.out.slice(-2000));
      const want = kind === "cjs" ? /index\.d\.cts$/ : /index\.d\.ts$/;
      check(`${kind} consumer gets ${kind === "cjs" ? "index.d.cts" : "index.d.ts"}`, Boolean(resolved && want.test(resolved[1])), resolved ? resolved[1] : "unresolved");
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`${passed} passed, ${failed} failed`);
  return failed === 0;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  let tarball = process.argv[2];
  if (!tarball) {
    const d = join(root, "build", "tarball");
    const tgz = existsSync(d) ? readdirSync(d).find((f) => f.endsWith(".tgz")) : undefined;
    if (!tgz) throw new Error("no tarball: run node scripts/build.mjs && node scripts/pack.mjs first");
    tarball = join(d, tgz);
  }
  process.exit(typesConsumers(tarball) ? 0 : 1);
}
