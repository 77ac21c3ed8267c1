/**
 * Quasi-Monte Carlo sampling on a Sobol sequence (Optuna's QMCSampler with qmc_type="sobol").
 *
 * The first trial is sampled independently; its params fix the search space. Trial number k after
 * that takes Sobol point k − first − 1, so processes sharing a study walk the same sequence
 * without coordination. Points are Gray-code Sobol points on 30 bits (direction numbers of Joe &
 * Kuo, up to 1024 dimensions), mapped into each param's transformed box (log scale, half-step
 * widening for integers and steps, choices for categoricals). With `scramble` (default) each
 * dimension gets a seeded linear matrix scramble and digital shift, which keeps the
 * low-discrepancy structure and removes the all-zero first point; the same seed gives the same
 * points in every process.
 */
import { entropySeed, Rng } from "../../core/index.js";
import type { Sampler, StudyView } from "../sampler.js";
import type { DistributionJSON, FrozenTrial, TrialState } from "../storage.js";
import { RandomSampler } from "./random.js";
import { withoutSingles } from "./search-space.js";
import { SOBOL_MINIT, SOBOL_POLY } from "./sobol-directions.js";
import { fromBox, transformedBounds } from "./transform.js";

const BITS = 30;
const SCALE = 2 ** -BITS;
const MAX_DIM = SOBOL_POLY.length;

/** Unscrambled direction numbers of every dimension, built on first use. */
const directionCache: Uint32Array[] = [];

function directions(d: number): Uint32Array {
  let v = directionCache[d];
  if (v) return v;
  v = new Uint32Array(BITS);
  if (d === 0) {
    for (let j = 0; j < BITS; j++) v[j] = 1 << (BITS - 1 - j);
  } else {
    const poly = SOBOL_POLY[d] as number;
    const s = 31 - Math.clz32(poly);
    let offset = 1; // dimension 0 has one (unused) entry in the table
    for (let i = 1; i < d; i++) offset += Math.max(31 - Math.clz32(SOBOL_POLY[i] as number), 1);
    for (let j = 0; j < BITS; j++) {
      if (j < s) {
        v[j] = ((SOBOL_MINIT[offset + j] as number) << (BITS - 1 - j)) >>> 0;
        continue;
      }
      let x = (v[j - s] as number) ^ ((v[j - s] as number) >>> s);
      for (let k = 1; k < s; k++) if ((poly >>> (s - k)) & 1) x ^= v[j - k] as number;
      v[j] = x >>> 0;
    }
  }
  directionCache[d] = v;
  return v;
}

function parity(x: number): number {
  let y = x ^ (x >>> 16);
  y ^= y >>> 8;
  y ^= y >>> 4;
  y ^= y >>> 2;
  y ^= y >>> 1;
  return y & 1;
}

/** A Sobol sequence in `dim` dimensions, optionally scrambled (seeded). */
export class Sobol {
  readonly dim: number;
  readonly #v: Uint32Array[];
  readonly #shift: Uint32Array;

  constructor(dim: number, options: { scramble?: boolean; seed?: number } = {}) {
    if (!Number.isInteger(dim) || dim < 1 || dim > MAX_DIM) {
      throw new RangeError(`Sobol dimension must be an integer in [1, ${MAX_DIM}], got ${dim}`);
    }
    this.dim = dim;
    this.#shift = new Uint32Array(dim);
    this.#v = [];
    const rng = options.scramble ? new Rng(options.seed ?? 0) : null;
    for (let d = 0; d < dim; d++) {
      const base = directions(d);
      if (!rng) {
        this.#v.push(base);
        continue;
      }
      // Lower-triangular random binary matrix with unit diagonal, rows as bit masks (MSB first).
      const rows = new Uint32Array(BITS);
      for (let i = 0; i < BITS; i++) {
        let row = 1 << (BITS - 1 - i);
        for (let k = 0; k < i; k++) if (rng.random() < 0.5) row |= 1 << (BITS - 1 - k);
        rows[i] = row >>> 0;
      }
      const v = new Uint32Array(BITS);
      for (let j = 0; j < BITS; j++) {
        let out = 0;
        for (let i = 0; i < BITS; i++)
          if (parity((rows[i] as number) & (base[j] as number))) out |= 1 << (BITS - 1 - i);
        v[j] = out >>> 0;
      }
      this.#v.push(v);
      let shift = 0;
      for (let i = 0; i < BITS; i++) if (rng.random() < 0.5) shift |= 1 << i;
      this.#shift[d] = shift >>> 0;
    }
  }

  /** The point with index `i` (0-based) in [0, 1)^dim. */
  point(i: number, out = new Float64Array(this.dim)): Float64Array {
    if (!Number.isSafeInteger(i) || i < 0 || i >= 2 ** BITS)
      throw new RangeError(`Sobol index out of range: ${i}`);
    const gray = i ^ Math.floor(i / 2);
    for (let d = 0; d < this.dim; d++) {
      const v = this.#v[d] as Uint32Array;
      let x = this.#shift[d] as number;
      for (let b = 0; b < BITS; b++) if (Math.floor(gray / 2 ** b) % 2) x ^= v[b] as number;
      out[d] = (x >>> 0) * SCALE;
    }
    return out;
  }
}

export interface QmcSamplerOptions {
  seed?: number;
  /** Scramble the sequence (seeded). Default true. */
  scramble?: boolean;
  /** Samples what the sequence does not cover (first trial, params outside the space). Default random. */
  independentSampler?: Sampler;
}

const SUGGESTED: readonly TrialState[] = ["COMPLETE", "PRUNED"];

export class QmcSampler implements Sampler {
  readonly #seed: number;
  readonly #scramble: boolean;
  readonly #independent: Sampler;
  #space: Record<string, DistributionJSON> | null = null;
  #firstNumber = 0;
  #sobol: Sobol | null = null;

  constructor(options: QmcSamplerOptions = {}) {
    this.#seed = options.seed ?? entropySeed();
    this.#scramble = options.scramble ?? true;
    this.#independent = options.independentSampler ?? new RandomSampler({ seed: this.#seed });
  }

  reseedRng(seed: number): void {
    // The sequence's own seed must stay: workers share it. Only the independent sampler reseeds.
    this.#independent.reseedRng?.(seed);
  }

  inferRelativeSearchSpace(study: StudyView): Record<string, DistributionJSON> {
    if (this.#space) return this.#space;
    const past = study.trials(SUGGESTED);
    if (past.length === 0) return {};
    let first = past[0] as FrozenTrial;
    for (const t of past) if (t.number < first.number) first = t;
    const space = withoutSingles(first.distributions);
    const names = Object.keys(space).sort();
    this.#space = Object.fromEntries(names.map((n) => [n, space[n] as DistributionJSON]));
    this.#firstNumber = first.number;
    return this.#space;
  }

  sampleRelative(
    _study: StudyView,
    trial: FrozenTrial,
    space: Record<string, DistributionJSON>,
  ): Record<string, number> {
    const names = Object.keys(space);
    if (names.length === 0) return {};
    const id = trial.number - this.#firstNumber - 1;
    if (id < 0) return {};
    const all = Object.keys(this.#space ?? space);
    if (!this.#sobol || this.#sobol.dim !== all.length) {
      this.#sobol = new Sobol(all.length, { scramble: this.#scramble, seed: this.#seed });
    }
    const u = this.#sobol.point(id);
    const out: Record<string, number> = {};
    all.forEach((name, d) => {
      const dist = space[name];
      if (!dist) return;
      const [lo, hi] = transformedBounds(dist);
      out[name] = fromBox(dist, lo + (hi - lo) * (u[d] as number));
    });
    return out;
  }

  sampleIndependent(
    study: StudyView,
    trial: FrozenTrial,
    name: string,
    distribution: DistributionJSON,
  ): number {
    return this.#independent.sampleIndependent(study, trial, name, distribution);
  }

  afterTrial(study: StudyView, trial: FrozenTrial, state: TrialState, values: number[] | null): void {
    this.#independent.afterTrial?.(study, trial, state, values);
  }
}
