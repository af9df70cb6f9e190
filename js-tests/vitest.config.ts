import { defineConfig } from "vitest/config";

export default defineConfig({
  esbuild: { target: "es2022" }, // lowers `await using` as TypeScript users write it
  test: {
    include: ["**/*.test.ts"],
    exclude: ["**/node_modules/**", "types/**"],
    testTimeout: 20_000,
    pool: "forks",
  },
});
