/**
 * Writes the synthetic fixtures from the seeded TypeScript generator (run once; the tests check
 * the generator still reproduces them):
 *
 *     npx tsx test/oracles/export-synth.ts
 *
 * then compute the sklearn facts with `/usr/bin/python3 test/oracles/synth.py`.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { FIXTURES, slice, synth, toCsv } from "../../src/learn/testing/index.js";

for (const [name, missing] of [
  ["synth", false],
  ["synth-missing", true],
] as const) {
  const d = synth(5000, 2024, missing);
  writeFileSync(join(FIXTURES, `${name}-train.csv`), toCsv(slice(d, 0, 4000)));
  writeFileSync(join(FIXTURES, `${name}-test.csv`), toCsv(slice(d, 4000, 5000)));
}
