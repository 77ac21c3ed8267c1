/**
 * Search-space distributions and the internal representation samplers work in: floats and ints
 * as numbers, categoricals as the index of the choice.
 */
import { SextantError } from "../core/index.js";
import type { CategoricalChoice, DistributionJSON } from "./storage.js";

export type { CategoricalChoice, DistributionJSON } from "./storage.js";

function bad(name: string, message: string): SextantError {
  return new SextantError("INVALID_ARGUMENT", `parameter '${name}': ${message}`, { name });
}

export function floatDistribution(
  name: string,
  low: number,
  high: number,
  opts: { log?: boolean; step?: number } = {},
): DistributionJSON {
  const log = opts.log ?? false;
  const step = opts.step ?? null;
  if (!Number.isFinite(low) || !Number.isFinite(high))
    throw bad(name, `the range [${low}, ${high}] must be finite`);
  if (low > high) throw bad(name, `low ${low} is above high ${high}`);
  if (log && low <= 0) throw bad(name, `a log scale needs low > 0, got ${low}`);
  if (log && step !== null) throw bad(name, "step and log cannot be combined");
  if (step !== null && !(step > 0 && Number.isFinite(step)))
    throw bad(name, `step must be positive, got ${step}`);
  // As Optuna does, a stepped range is narrowed to the last reachable point.
  const h = step === null ? high : low + Math.floor((high - low) / step + 1e-12) * step;
  return { type: "float", low, high: h, log, step };
}

export function intDistribution(
  name: string,
  low: number,
  high: number,
  opts: { log?: boolean; step?: number } = {},
): DistributionJSON {
  const log = opts.log ?? false;
  const step = opts.step ?? 1;
  if (!Number.isSafeInteger(low) || !Number.isSafeInteger(high))
    throw bad(name, `the range [${low}, ${high}] must be integers`);
  if (low > high) throw bad(name, `low ${low} is above high ${high}`);
  if (log && low < 1) throw bad(name, `a log scale needs low >= 1, got ${low}`);
  if (!Number.isSafeInteger(step) || step < 1)
    throw bad(name, `step must be a positive integer, got ${step}`);
  if (log && step !== 1) throw bad(name, "step and log cannot be combined");
  const h = low + Math.floor((high - low) / step) * step;
  return { type: "int", low, high: h, log, step };
}

export function categoricalDistribution(
  name: string,
  choices: readonly CategoricalChoice[],
): DistributionJSON {
  if (!Array.isArray(choices) || choices.length === 0) throw bad(name, "needs at least one choice");
  for (const c of choices) {
    if (c !== null && typeof c !== "string" && typeof c !== "number" && typeof c !== "boolean") {
      throw bad(name, `choices must be strings, numbers, booleans or null, got ${typeof c}`);
    }
  }
  return { type: "categorical", choices: [...choices] };
}

/** Same distribution (a param suggested twice must use the same one). */
export function sameDistribution(a: DistributionJSON, b: DistributionJSON): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** True when only one value is possible. */
export function isSingle(d: DistributionJSON): boolean {
  if (d.type === "categorical") return d.choices.length === 1;
  return d.low === d.high;
}

/** Whether an internal value lies in the distribution. */
export function contains(d: DistributionJSON, v: number): boolean {
  if (!Number.isFinite(v)) return false;
  if (d.type === "categorical") return Number.isInteger(v) && v >= 0 && v < d.choices.length;
  if (v < d.low || v > d.high) return false;
  if (d.type === "int") return Number.isInteger(v) && (v - d.low) % d.step === 0;
  if (d.step !== null) {
    const k = (v - d.low) / d.step;
    return Math.abs(k - Math.round(k)) < 1e-8;
  }
  return true;
}

/** The value the objective sees for an internal value. */
export function toExternal(d: DistributionJSON, v: number): number | CategoricalChoice {
  return d.type === "categorical" ? (d.choices[v] as CategoricalChoice) : v;
}

/** The internal value of an external one. @throws INVALID_ARGUMENT when it is not in the distribution */
export function toInternal(name: string, d: DistributionJSON, v: unknown): number {
  if (d.type === "categorical") {
    const i = d.choices.findIndex(
      (c) =>
        c === v || (typeof c === "number" && typeof v === "number" && Number.isNaN(c) && Number.isNaN(v)),
    );
    if (i < 0) throw bad(name, `${JSON.stringify(v)} is not one of the choices`);
    return i;
  }
  if (typeof v !== "number" || !contains(d, v))
    throw bad(name, `${String(v)} is outside ${JSON.stringify(d)}`);
  return v;
}
