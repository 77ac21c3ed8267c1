/**
 * A seeded synthetic churn-like dataset for the always-on accuracy tests: 10 features of mixed
 * kinds (normal, uniform, skewed, integer counts, a binary flag) and a label drawn from a
 * nonlinear logistic model (interactions, a threshold, a sine). Values are rounded to 6 decimals
 * so the CSV fixtures hold them exactly. `withMissing` blanks ~10% of two features, one of them
 * more often for positives (informative missingness).
 */
import { Rng } from "../../../core/index.js";
import type { Dataset } from "./data.js";

export const SYNTH_NAMES = [
  "tenure",
  "usage",
  "skew",
  "sessions",
  "flag",
  "u1",
  "u2",
  "noise1",
  "noise2",
  "noise3",
];

const round6 = (v: number): number => Math.round(v * 1e6) / 1e6;

export function synth(n: number, seed: number, withMissing = false): Dataset {
  const rng = new Rng(seed);
  const columns = SYNTH_NAMES.map(() => new Float64Array(n));
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const tenure = rng.normal();
    const usage = rng.normal();
    const skew = Math.exp(rng.normal(0, 0.8));
    const sessions = rng.int(0, 12);
    const flag = rng.random() < 0.3 ? 1 : 0;
    const u1 = rng.uniform(-2, 2);
    const u2 = rng.uniform(-2, 2);
    const noise = [rng.normal(), rng.normal(), rng.uniform(0, 1)];
    const z =
      -1.2 +
      1.1 * tenure -
      0.9 * usage +
      1.4 * (skew > 1.5 ? 1 : 0) +
      0.8 * u1 * u2 +
      Math.sin(2 * tenure) +
      0.15 * sessions -
      0.9 * flag * usage;
    const label = rng.random() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
    const row = [tenure, usage, skew, sessions, flag, u1, u2, ...noise];
    row.forEach((v, j) => {
      columns[j]![i] = round6(v);
    });
    y[i] = label;
    if (withMissing) {
      if (rng.random() < 0.1) columns[1]![i] = Number.NaN;
      if (rng.random() < (label ? 0.2 : 0.05)) columns[2]![i] = Number.NaN;
    }
  }
  return { names: [...SYNTH_NAMES], columns, y, nRows: n };
}

/** Rows [from, to) of a dataset. */
export function slice(d: Dataset, from: number, to: number): Dataset {
  return {
    names: d.names,
    columns: d.columns.map((c) => c.slice(from, to)),
    y: d.y.slice(from, to),
    nRows: to - from,
  };
}

/** The dataset as CSV text (features then `target`; NaN as an empty cell). */
export function toCsv(d: Dataset): string {
  const lines = [[...d.names, "target"].join(",")];
  for (let i = 0; i < d.nRows; i++) {
    lines.push(
      [...d.columns.map((c) => (Number.isNaN(c[i]!) ? "" : String(c[i]!))), String(d.y[i])].join(","),
    );
  }
  return `${lines.join("\n")}\n`;
}
