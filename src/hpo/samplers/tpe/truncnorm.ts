/**
 * The standard normal truncated to [a, b]: log density and quantile function, on the log-space
 * normal kernels of src/core/normal.ts (log Φ, the log mass of an interval, the inverse of log Φ).
 */
import { logGaussMass, logNdtr, ndtriExp, normLogPdf } from "../../../core/index.js";

/** log(e^p + e^q). */
export function logAddExp(p: number, q: number): number {
  const m = Math.max(p, q);
  if (m === Number.NEGATIVE_INFINITY) return m;
  return m + Math.log(Math.exp(p - m) + Math.exp(q - m));
}

/**
 * Quantile q ∈ [0, 1] of the standard normal truncated to [a, b]; `logMass` is
 * logGaussMass(a, b) when the caller has it.
 */
export function truncnormPpf(q: number, a: number, b: number, logMass = logGaussMass(a, b)): number {
  if (a === b) return Number.NaN;
  if (q <= 0) return a;
  if (q >= 1) return b;
  let x: number;
  if (a < 0) {
    x = ndtriExp(logAddExp(logNdtr(a), Math.log(q) + logMass));
  } else {
    x = -ndtriExp(logAddExp(logNdtr(-b), Math.log1p(-q) + logMass));
  }
  return x < a ? a : Math.min(x, b);
}

/** log density at x of N(loc, scale²) truncated to [loc + a·scale, loc + b·scale]. */
export function truncnormLogPdf(x: number, a: number, b: number, loc = 0, scale = 1): number {
  if (a === b) return Number.NaN;
  const z = (x - loc) / scale;
  if (z < a || z > b) return Number.NEGATIVE_INFINITY;
  return normLogPdf(z) - logGaussMass(a, b) - Math.log(scale);
}
