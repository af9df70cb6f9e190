// The packed tarball installs into an empty folder and works with both
// `import` and `require`, with no init call.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "vitest";

const tarballDir = join(__dirname, "..", "build", "tarball");

test("npm install of the tarball, then import and require", () => {
  const tgz = readdirSync(tarballDir).find((f) => f.endsWith(".tgz"));
  expect(tgz).toBeDefined();
  const dir = mkdtempSync(join(tmpdir(), "ggs-consumer-"));
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "consumer", private: true }));
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", join(tarballDir, tgz!)], { cwd: dir, stdio: "pipe" });

  const program = `
    const s = scope();
    const r = await s.task(async ({ signal }) => signal instanceof AbortSignal ? 42 : 0);
    await s[Symbol.asyncDispose]();
    console.log(JSON.stringify({ r, disposed: s.isDisposed }));`;
  writeFileSync(join(dir, "esm.mjs"), `import { scope } from "go-go-scope-wasm";\n${program}`);
  writeFileSync(join(dir, "cjs.cjs"), `const { scope } = require("go-go-scope-wasm");\n(async () => {${program}})();`);
  const expected = { r: [null, 42], disposed: true };
  for (const file of ["esm.mjs", "cjs.cjs"]) {
    const out = execFileSync("node", [file], { cwd: dir, encoding: "utf8" });
    expect(JSON.parse(out)).toEqual(expected);
  }
  const both = `import { scope as a } from "go-go-scope-wasm"; import { createRequire } from "node:module";
    const { scope: b } = createRequire(import.meta.url)("go-go-scope-wasm"); console.log(a === b);`;
  writeFileSync(join(dir, "both.mjs"), both);
  expect(execFileSync("node", ["both.mjs"], { cwd: dir, encoding: "utf8" }).trim()).toBe("true");
});

test("COMPATIBILITY.md is in the tarball and every relative link of the README resolves inside the package", () => {
  const tgz = readdirSync(tarballDir).find((f) => f.endsWith(".tgz"));
  expect(tgz).toBeDefined();
  const listed = execFileSync("tar", ["tzf", join(tarballDir, tgz!)], { encoding: "utf8" }).split("\n");
  expect(listed).toContain("package/COMPATIBILITY.md");
  expect(listed).toContain("package/README.md");
  const pkg = join(__dirname, "node_modules", "go-go-scope-wasm"); // the unpacked tarball
  const readme = readFileSync(join(pkg, "README.md"), "utf8");
  expect(readme).toMatch(/\]\(COMPATIBILITY\.md\)/);
  // Links to files of the package (not URLs, not anchors) must exist in it;
  // links into the repository (examples/, bench/) are not part of it.
  const local = [...readme.matchAll(/\]\(([^)#\s]+)\)/g)]
    .map((m) => m[1])
    .filter((href) => !/^[a-z]+:/.test(href) && !href.includes("/"));
  expect(local).toContain("COMPATIBILITY.md");
  for (const href of local) expect(existsSync(join(pkg, href)), href).toBe(true);
  const compat = readFileSync(join(pkg, "COMPATIBILITY.md"), "utf8");
  expect(compat).toMatch(/^# Compatibility with go-go-scope 1\.0/);
});
