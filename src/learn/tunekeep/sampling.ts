/**
 * Small samplers over the seeded Rng for the TuneKeep simulation: each costs one or a few uniform
 * draws, so a month of 20,000 users stays in the low milliseconds.
 */
import type { Rng } from "../../core/index.js";

export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

export function bernoulli(rng: Rng, p: number): boolean {
  return rng.random() < p;
}

/** exp(N(mu, sd)). */
export function logNormal(rng: Rng, mu: number, sd: number): number {
  return Math.exp(mu + sd * rng.normal());
}

/** Poisson(lambda): inversion below 40, a rounded normal above. */
export function poisson(rng: Rng, lambda: number): number {
  if (!(lambda > 0)) return 0;
  if (lambda >= 40) return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * rng.normal()));
  let u = rng.random();
  let k = 0;
  let p = Math.exp(-lambda);
  while (u > p) {
    u -= p;
    k++;
    p *= lambda / k;
    if (k > 200) break;
  }
  return k;
}

/** Failures before the first success with success probability p per day (0 = today). */
export function geometric(rng: Rng, p: number): number {
  if (p >= 1) return 0;
  if (p <= 0) return Number.POSITIVE_INFINITY;
  return Math.floor(Math.log(1 - rng.random()) / Math.log(1 - p));
}

export function round1(x: number): number {
  return Math.round(x * 10) / 10;
}

export function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

export function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}
