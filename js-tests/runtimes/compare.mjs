// Compares a smoke run's observations with expected.json: returns the list of
// differences as "path: expected X, got Y" (empty when they are equal).
import { readFileSync } from "node:fs";

export const expected = JSON.parse(readFileSync(new URL("./expected.json", import.meta.url), "utf8"));

export function differences(want, got, path = "") {
  if (Object.is(want, got)) return [];
  const bothObjects = want && got && typeof want === "object" && typeof got === "object";
  if (!bothObjects || Array.isArray(want) !== Array.isArray(got)) {
    return [`${path || "(root)"}: expected ${JSON.stringify(want)}, got ${JSON.stringify(got)}`];
  }
  const keys = new Set([...Object.keys(want), ...Object.keys(got)]);
  return [...keys].flatMap((k) => differences(want[k], got[k], path ? `${path}.${k}` : k));
}
