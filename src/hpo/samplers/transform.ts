/**
 * The continuous box every sampler works in: log-scaled params in log space, integer and stepped
 * params widened by half a step so that rounding gives every grid point the same share. A point of
 * the box maps back to an internal value by exponentiating, rounding to the grid and clipping.
 * Categoricals map the unit interval onto their choices.
 */
import type { Rng } from "../../core/index.js";
import type { DistributionJSON } from "../storage.js";

/** [lo, hi] of the distribution in the transformed box. */
export function transformedBounds(d: DistributionJSON): [number, number] {
  if (d.type === "categorical") return [0, d.choices.length];
  if (d.type === "float") {
    if (d.log) return [Math.log(d.low), Math.log(d.high)];
    const h = d.step === null ? 0 : 0.5 * d.step;
    return [d.low - h, d.high + h];
  }
  if (d.log) return [Math.log(d.low - 0.5), Math.log(d.high + 0.5)];
  return [d.low - 0.5 * d.step, d.high + 0.5 * d.step];
}

/** The internal value of a point x in the transformed box (inverse of {@link toTransformed} up to rounding). */
export function fromBox(d: DistributionJSON, x: number): number {
  if (d.type === "categorical") {
    const n = d.choices.length;
    const i = Math.floor(x);
    return i < 0 ? 0 : i >= n ? n - 1 : i;
  }
  if (d.low === d.high) return d.low;
  let v: number;
  if (d.type === "float") {
    if (d.log) v = Math.exp(x);
    else if (d.step !== null) v = Math.round((x - d.low) / d.step) * d.step + d.low;
    else v = x;
  } else if (d.log) {
    v = Math.round(Math.exp(x));
  } else {
    v = Math.round((x - d.low) / d.step) * d.step + d.low;
  }
  if (v < d.low) return d.low;
  if (v > d.high) return d.high;
  return v;
}

/** An internal value's position in the transformed box. */
export function toTransformed(d: DistributionJSON, v: number): number {
  if (d.type === "categorical") return v + 0.5;
  return d.log ? Math.log(v) : v;
}

/** A uniform draw over the distribution (Optuna's RandomSampler: uniform in the transformed box). */
export function sampleUniform(rng: Rng, d: DistributionJSON): number {
  if (d.type === "categorical") return d.choices.length === 1 ? 0 : rng.int(0, d.choices.length - 1);
  if (d.low === d.high) return d.low;
  const [lo, hi] = transformedBounds(d);
  const v = fromBox(d, lo + (hi - lo) * rng.random());
  // A continuous float never returns `high` itself (as Optuna), though `high` is in range.
  if (d.type === "float" && d.step === null && v >= d.high) return prevFloat(d.high);
  return v;
}

/** The largest double below x (x finite, not the smallest subnormal). */
export function prevFloat(x: number): number {
  if (x === 0) return -Number.MIN_VALUE;
  const buf = new Float64Array([x]);
  const bits = new BigInt64Array(buf.buffer);
  bits[0] = (bits[0] as bigint) + (x > 0 ? -1n : 1n);
  return buf[0] as number;
}
