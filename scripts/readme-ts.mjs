// The README's TypeScript snippets of "Beyond 1.0: additions from
// go-go-scope 2.x", type-checked against the package installed in
// js-tests/node_modules (the packed tarball): each snippet becomes the body
// of a function after js-tests/readme/given.ts (the names the snippets
// call), compiled `strict`. A snippet that does not compile is a failure.
// Ends with "N passed, N failed".
//
//   node scripts/readme-ts.mjs
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { capture, root } from "./lib.mjs";

const readme = readFileSync(join(root, "README.md"), "utf8");
const start = readme.indexOf("## Beyond 1.0");
const end = readme.indexOf("\n## ", start + 1);
const blocks = [...readme.slice(start, end).matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);

const dir = join(root, "build", "readme-ts");
rmSync(dir, { recursive: true, force: true });
mkdirSync(join(dir, "node_modules"), { recursive: true });
symlinkSync(join(root, "js-tests", "node_modules", "go-go-scope-wasm"), join(dir, "node_modules", "go-go-scope-wasm"));
const given = readFileSync(join(root, "js-tests", "readme", "given.ts"), "utf8");
const options = {
  strict: true,
  target: "es2022",
  module: "nodenext",
  moduleResolution: "nodenext",
  lib: ["es2022", "esnext.disposable", "dom"],
  noEmit: true,
};
let passed = 0;
let failed = 0;
blocks.forEach((block, i) => {
  const body = block
    .split("\n")
    .filter((l) => !l.startsWith("import "))
    .join("\n");
  const file = `snippet${i}.ts`;
  writeFileSync(join(dir, file), `${given}\nexport async function snippet${i}() {\n${body}\n}\n`);
  writeFileSync(join(dir, `tsconfig.${i}.json`), JSON.stringify({ compilerOptions: options, files: [file] }));
  const r = capture(join(root, "node_modules", ".bin", "tsc"), ["-p", join(dir, `tsconfig.${i}.json`)], { cwd: dir });
  const first = block.split("\n").find((l) => l.trim() && !l.startsWith("import ")) ?? "";
  if (r.status === 0) {
    passed++;
    console.log(`ok   snippet ${i + 1}: ${first.slice(0, 70)}`);
  } else {
    failed++;
    console.log(`FAIL snippet ${i + 1}: ${first.slice(0, 70)}\n${r.out}`);
  }
});
if (blocks.length === 0) failed++;
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
