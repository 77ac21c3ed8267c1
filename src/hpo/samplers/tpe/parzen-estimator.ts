/**
 * The Parzen estimator of TPE: a mixture with one kernel per observation (plus a prior kernel),
 * each kernel a product over the params of a truncated normal (numerical params, in log space for
 * log-scaled ones, integrated over the step for discrete ones) or a smoothed one-hot categorical.
 *
 * Bandwidths follow Optuna: univariate kernels take the larger gap to their sorted neighbours
 * (endpoints included), multivariate ones Scott's rule 0.2·n^(-1/(d+4)) of the range times
 * `bandwidthFactor` (1 here, as Optuna; the sampler narrows it, see TpeSamplerOptions); both are
 * clipped to [range/min(100, 1+K), range] (the "magic clip").
 *
 * Continuous kernels are, by default, truncated normals without the 1/σ factor, as Optuna 3.1
 * evaluates them: every kernel peaks at the same height whatever its bandwidth, so the dense
 * clusters of narrow kernels in g(x) weigh less and the search exploits more. With
 * `scaleKernels` they are proper densities (as later Optuna versions compute them); on the hpo
 * benchmark (bench/hpo.ts) that explores more and ends worse on every continuous function at 100
 * trials, so it is not the default. Discrete kernels are probability masses either way.
 *
 * Hot paths work on typed arrays over all candidates at once; the univariate density is summed in
 * linear space (with a shift) and falls back to log space only where everything underflows.
 */

import type { Rng } from "../../../core/index.js";
import { gaussMass, LOG_SQRT_2PI, logGaussMass } from "../../../core/index.js";
import type { DistributionJSON } from "../../storage.js";
import { truncnormPpf } from "./truncnorm.js";

const EPS = 1e-12;
const SIGMA0_MAGNITUDE = 0.2;

/** How one param looks to the estimator: bounds in the transformed (log for log-scaled) space. */
export type ParamSpec =
  | {
      kind: "numeric";
      /** Kernel bounds in transformed space (widened by half a step for discrete params). */
      low: number;
      high: number;
      /** Step in transformed space for discrete params, 0 when continuous. */
      q: number;
      log: boolean;
      /** The distribution's own bounds and step, for rounding samples back. */
      dLow: number;
      dHigh: number;
      step: number;
      integer: boolean;
    }
  | { kind: "categorical"; n: number };

/** The estimator's view of a distribution, as Optuna's TPE bounds it. */
export function paramSpec(d: DistributionJSON): ParamSpec {
  if (d.type === "categorical") return { kind: "categorical", n: d.choices.length };
  if (d.type === "float") {
    if (d.log) {
      return {
        kind: "numeric",
        low: Math.log(d.low),
        high: Math.log(d.high),
        q: 0,
        log: true,
        dLow: d.low,
        dHigh: d.high,
        step: 0,
        integer: false,
      };
    }
    const q = d.step ?? 0;
    return {
      kind: "numeric",
      low: d.low - 0.5 * q,
      high: d.high + 0.5 * q,
      q,
      log: false,
      dLow: d.low,
      dHigh: d.high,
      step: q,
      integer: false,
    };
  }
  if (d.log) {
    return {
      kind: "numeric",
      low: Math.log(d.low - 0.5),
      high: Math.log(d.high + 0.5),
      q: 0,
      log: true,
      dLow: d.low,
      dHigh: d.high,
      step: 1,
      integer: true,
    };
  }
  return {
    kind: "numeric",
    low: d.low - 0.5 * d.step,
    high: d.high + 0.5 * d.step,
    q: d.step,
    log: false,
    dLow: d.low,
    dHigh: d.high,
    step: d.step,
    integer: true,
  };
}

export interface ParzenOptions {
  considerPrior: boolean;
  priorWeight: number;
  considerMagicClip: boolean;
  considerEndpoints: boolean;
  /** Observation weights, oldest first (see {@link defaultWeights}). */
  weights: (n: number) => ArrayLike<number>;
  multivariate: boolean;
  /** Normalise continuous kernels by their bandwidth (proper densities). Default false (Optuna 3.1). */
  scaleKernels?: boolean;
  /** Multivariate only: multiplies the Scott's-rule bandwidth. Default 1 (Optuna's rule). */
  bandwidthFactor?: number;
}

/** Numerical kernels of one param, in transformed space. */
interface NumericKernels {
  mus: Float64Array;
  sigmas: Float64Array;
  /** log of each kernel's mass inside [low, high] (its truncation normaliser). */
  logZ: Float64Array;
  /** Kernel indices by centre (univariate only). */
  order: Int32Array | null;
}

export class ParzenEstimator {
  /** Normalised mixture weights: one per observation, then the prior's when present. */
  readonly weights: Float64Array;
  readonly logWeights: Float64Array;
  /** Per param: kernel centres/bandwidths (numerical) or null. */
  readonly mus: (Float64Array | null)[];
  readonly sigmas: (Float64Array | null)[];
  /** Per param: row-major K × choices probabilities (categorical) or null. */
  readonly categoricalWeights: (Float64Array | null)[];
  readonly specs: readonly ParamSpec[];
  readonly nKernels: number;
  readonly #numeric: (NumericKernels | null)[];
  readonly #scaled: boolean;
  readonly #hasPrior: boolean;
  #cdf: Float64Array | null = null;

  /**
   * @param observations per param, internal values of the n observations (log not yet applied)
   * @param predeterminedWeights observation weights to use instead of `options.weights` (MOTPE,
   *   or a permutation of the default weights when the observations are given out of order)
   * @param presorted the observations of a single numerical param come in ascending order (ties
   *   in the order they should be broken), so no sorting is needed
   */
  constructor(
    observations: readonly Float64Array[],
    specs: readonly ParamSpec[],
    options: ParzenOptions,
    predeterminedWeights?: ArrayLike<number>,
    presorted = false,
  ) {
    this.specs = specs;
    this.#scaled = options.scaleKernels ?? false;
    const n = observations[0]?.length ?? 0;
    const considerPrior = options.considerPrior || n === 0;
    this.#hasPrior = considerPrior;
    const K = n + (considerPrior ? 1 : 0);
    this.nKernels = K;
    const w = new Float64Array(K);
    const src = predeterminedWeights ?? options.weights(n);
    let total = 0;
    for (let i = 0; i < n; i++) {
      const v = Number(src[i]);
      if (!(v >= 0) || !Number.isFinite(v)) {
        throw new RangeError(`observation weights must be finite and non-negative, got ${v}`);
      }
      w[i] = v;
      total += v;
    }
    if (n > 0 && !(total > 0)) throw new RangeError("observation weights must not all be zero");
    if (considerPrior) {
      w[n] = options.priorWeight;
      total += options.priorWeight;
    }
    const logW = new Float64Array(K);
    for (let k = 0; k < K; k++) {
      w[k] = (w[k] as number) / total;
      logW[k] = Math.log(w[k] as number);
    }
    this.weights = w;
    this.logWeights = logW;

    const sigma0 = options.multivariate ? SIGMA0_MAGNITUDE * Math.max(n, 1) ** (-1 / (specs.length + 4)) : 0;
    this.mus = [];
    this.sigmas = [];
    this.categoricalWeights = [];
    this.#numeric = [];
    for (let p = 0; p < specs.length; p++) {
      const spec = specs[p] as ParamSpec;
      const obs = observations[p] as Float64Array;
      if (spec.kind === "categorical") {
        this.categoricalWeights.push(categoricalKernels(obs, n, spec.n, considerPrior, options.priorWeight));
        this.mus.push(null);
        this.sigmas.push(null);
        this.#numeric.push(null);
      } else {
        const kern = numericKernels(
          obs,
          n,
          spec,
          considerPrior,
          options,
          sigma0,
          presorted && specs.length === 1,
        );
        this.mus.push(kern.mus);
        this.sigmas.push(kern.sigmas);
        this.categoricalWeights.push(null);
        this.#numeric.push(kern);
      }
    }
  }

  /** Draws `size` points; returns per param their internal values (rounded to the distribution). */
  sample(rng: Rng, size: number): Float64Array[] {
    const K = this.nKernels;
    if (!this.#cdf) {
      const cdf = new Float64Array(K);
      let acc = 0;
      for (let k = 0; k < K; k++) {
        acc += this.weights[k] as number;
        cdf[k] = acc;
      }
      this.#cdf = cdf;
    }
    const cdf = this.#cdf;
    const active = new Int32Array(size);
    for (let i = 0; i < size; i++) active[i] = searchRight(cdf, rng.random() * (cdf[K - 1] as number));
    const out: Float64Array[] = [];
    for (let p = 0; p < this.specs.length; p++) {
      const spec = this.specs[p] as ParamSpec;
      const xs = new Float64Array(size);
      if (spec.kind === "categorical") {
        const cw = this.categoricalWeights[p] as Float64Array;
        const C = spec.n;
        for (let i = 0; i < size; i++) {
          const row = (active[i] as number) * C;
          const u = rng.random();
          let acc = 0;
          let c = 0;
          // index of the first cumulative probability >= u (counts those below it)
          for (; c < C - 1; c++) {
            acc += cw[row + c] as number;
            if (acc >= u) break;
          }
          xs[i] = c;
        }
      } else {
        const kern = this.#numeric[p] as NumericKernels;
        for (let i = 0; i < size; i++) {
          const k = active[i] as number;
          const mu = kern.mus[k] as number;
          const s = kern.sigmas[k] as number;
          const z = truncnormPpf(
            rng.random(),
            (spec.low - mu) / s,
            (spec.high - mu) / s,
            kern.logZ[k] as number,
          );
          xs[i] = fromTransformed(spec, z * s + mu);
        }
      }
      out.push(xs);
    }
    return out;
  }

  /** Log density of each of `size` points (per param internal values); written into `out`. */
  logPdf(samples: readonly Float64Array[], size: number, out = new Float64Array(size)): Float64Array {
    if (size === 0) return out;
    if (this.specs.length === 1) {
      const spec = this.specs[0] as ParamSpec;
      const xs = samples[0] as Float64Array;
      if (spec.kind === "categorical") this.#univariateCategorical(xs, size, out);
      else if (spec.q === 0) this.#univariateContinuous(spec, xs, size, out);
      else this.#univariateDiscrete(spec, xs, size, out);
      return out;
    }
    return this.#multivariate(samples, size, out);
  }

  #univariateCategorical(xs: Float64Array, size: number, out: Float64Array): void {
    const cw = this.categoricalWeights[0] as Float64Array;
    const C = (this.specs[0] as { n: number }).n;
    const probs = new Float64Array(C);
    for (let k = 0; k < this.nKernels; k++) {
      const wk = this.weights[k] as number;
      const row = k * C;
      for (let c = 0; c < C; c++) probs[c] = (probs[c] as number) + wk * (cw[row + c] as number);
    }
    for (let i = 0; i < size; i++) out[i] = Math.log(probs[xs[i] as number] as number);
  }

  #univariateContinuous(
    spec: ParamSpec & { kind: "numeric" },
    xs: Float64Array,
    size: number,
    out: Float64Array,
  ) {
    const kern = this.#numeric[0] as NumericKernels;
    const K = this.nKernels;
    const { sigmas, logZ } = kern;
    const order = kern.order ?? sortedOrder(kern.mus);
    const prior = this.#hasPrior ? K - 1 : -1;
    // Coefficients (log) of every kernel, the largest first.
    const logc = new Float64Array(K);
    let cmax = Number.NEGATIVE_INFINITY;
    for (let k = 0; k < K; k++) {
      const v =
        (this.logWeights[k] as number) -
        (this.#scaled ? Math.log(sigmas[k] as number) : 0) -
        (logZ[k] as number);
      logc[k] = v;
      if (v > cmax) cmax = v;
    }
    // Observation kernels sorted by centre, linear coefficients relative to exp(cmax), in
    // segments (see kernelSegments).
    const Kn = prior >= 0 ? K - 1 : K;
    const mu = new Float64Array(Kn);
    const inv = new Float64Array(Kn);
    const c = new Float64Array(Kn);
    let j = 0;
    for (let jj = 0; jj < K; jj++) {
      const k = order[jj] as number;
      if (k === prior) continue;
      mu[j] = kern.mus[k] as number;
      inv[j] = 1 / (sigmas[k] as number);
      c[j] = Math.exp((logc[k] as number) - cmax);
      j++;
    }
    const segs = kernelSegments(mu, inv, c);
    const ns = segs.from.length - 1;
    const pMu = prior >= 0 ? (kern.mus[prior] as number) : 0;
    const pInv = prior >= 0 ? 1 / (sigmas[prior] as number) : 0;
    const pC = prior >= 0 ? Math.exp((logc[prior] as number) - cmax) : 0;
    const base = cmax - LOG_SQRT_2PI;
    for (let i = 0; i < size; i++) {
      const x = spec.log ? Math.log(xs[i] as number) : (xs[i] as number);
      let sum = 0;
      if (prior >= 0) {
        const z = (x - pMu) * pInv;
        sum = pC * Math.exp(-0.5 * z * z);
      }
      // The segment nearest x first (the last one starting at or left of it): its kernels make a
      // lower bound on the sum. Any other segment is skipped when even its closest, widest,
      // heaviest kernel times its size is below 1e-17 of that bound, which leaves the sum as it
      // would be to rounding.
      let near = 0;
      {
        let lo = 0;
        let hi = ns - 1;
        while (lo < hi) {
          const mid = (lo + hi + 1) >> 1;
          if ((segs.lo[mid] as number) <= x) lo = mid;
          else hi = mid - 1;
        }
        near = lo;
      }
      if (ns > 0) sum += segmentSum(segs, near, x, mu, inv, c);
      const cut = 1e-17 * sum;
      // Outwards from the nearest segment; a side ends when all its remaining segments together
      // (their summed bounds, at their common nearest distance with the widest bandwidth) fall
      // below the cut.
      for (let b = near + 1; b < ns; b++) {
        const dist = (segs.lo[b] as number) - x;
        if (cut > 0) {
          const zr = dist / (segs.rightSigma[b] as number);
          if ((segs.rightBound[b] as number) * Math.exp(-0.5 * zr * zr) < cut) break;
          const zb = dist / (segs.sigma[b] as number);
          if ((segs.bound[b] as number) * Math.exp(-0.5 * zb * zb) < cut) continue;
        }
        sum += segmentSum(segs, b, x, mu, inv, c);
      }
      for (let b = near - 1; b >= 0; b--) {
        const hi = segs.hi[b] as number;
        const dist = x > hi ? x - hi : 0;
        if (cut > 0 && dist > 0) {
          const zl = dist / (segs.leftSigma[b] as number);
          if ((segs.leftBound[b] as number) * Math.exp(-0.5 * zl * zl) < cut) break;
          const zb = dist / (segs.sigma[b] as number);
          if ((segs.bound[b] as number) * Math.exp(-0.5 * zb * zb) < cut) continue;
        }
        sum += segmentSum(segs, b, x, mu, inv, c);
      }
      if (sum > 1e-280) {
        out[i] = Math.log(sum) + base;
        continue;
      }
      // Everything underflowed: redo in log space over all kernels.
      let m = Number.NEGATIVE_INFINITY;
      for (let k = 0; k < K; k++) {
        const z = (x - (kern.mus[k] as number)) / (sigmas[k] as number);
        const v = (logc[k] as number) - 0.5 * z * z;
        if (v > m) m = v;
      }
      let acc = 0;
      for (let k = 0; k < K; k++) {
        const z = (x - (kern.mus[k] as number)) / (sigmas[k] as number);
        acc += Math.exp((logc[k] as number) - 0.5 * z * z - m);
      }
      out[i] = Math.log(acc) + m - LOG_SQRT_2PI;
    }
  }

  #univariateDiscrete(
    spec: ParamSpec & { kind: "numeric" },
    xs: Float64Array,
    size: number,
    out: Float64Array,
  ) {
    const kern = this.#numeric[0] as NumericKernels;
    // Kernels with the same centre and bandwidth (common on a grid) are merged.
    const merged = mergeKernels(kern, this.weights, kern.order ?? sortedOrder(kern.mus));
    const { mus, sigmas, logZ } = merged;
    const K = mus.length;
    const wz = new Float64Array(K);
    const inv = new Float64Array(K);
    for (let k = 0; k < K; k++) {
      wz[k] = Math.exp(Math.log(merged.weights[k] as number) - (logZ[k] as number));
      inv[k] = 1 / (sigmas[k] as number);
    }
    const half = 0.5 * spec.q;
    const done = new Map<number, number>();
    for (let i = 0; i < size; i++) {
      const x = xs[i] as number;
      const prev = done.get(x);
      if (prev !== undefined) {
        out[i] = prev;
        continue;
      }
      const lb = Math.max(x - half, spec.low);
      const ub = Math.min(x + half, spec.high);
      // Kernels more than 10 bandwidths from the interval hold less than Φ(−10) < 8e-24 of their
      // mass there and are left out, unless together they could reach 1e-16 of the sum.
      let sum = 0;
      let skipped = 0;
      for (let k = 0; k < K; k++) {
        const mu = mus[k] as number;
        const iv = inv[k] as number;
        const a = (lb - mu) * iv;
        const b = (ub - mu) * iv;
        if (a > 10 || b < -10) {
          skipped += wz[k] as number;
          continue;
        }
        sum += (wz[k] as number) * gaussMass(a, b);
      }
      if (skipped * 8e-24 > 1e-16 * sum) {
        sum = 0;
        for (let k = 0; k < K; k++) {
          const mu = mus[k] as number;
          const iv = inv[k] as number;
          sum += (wz[k] as number) * gaussMass((lb - mu) * iv, (ub - mu) * iv);
        }
      }
      let v: number;
      if (sum > 1e-280) {
        v = Math.log(sum);
      } else {
        let m = Number.NEGATIVE_INFINITY;
        const terms = new Float64Array(K);
        for (let k = 0; k < K; k++) {
          const mu = mus[k] as number;
          const iv = inv[k] as number;
          const t = Math.log(wz[k] as number) + logGaussMass((lb - mu) * iv, (ub - mu) * iv);
          terms[k] = t;
          if (t > m) m = t;
        }
        let s = 0;
        for (let k = 0; k < K; k++) s += Math.exp((terms[k] as number) - m);
        v = Math.log(s) + m;
      }
      done.set(x, v);
      out[i] = v;
    }
  }

  #multivariate(samples: readonly Float64Array[], size: number, out: Float64Array): Float64Array {
    const K = this.nKernels;
    const acc = new Float64Array(size * K);
    for (let i = 0; i < size; i++) acc.set(this.logWeights, i * K);
    for (let p = 0; p < this.specs.length; p++) {
      const spec = this.specs[p] as ParamSpec;
      const xs = samples[p] as Float64Array;
      if (spec.kind === "categorical") {
        const cw = this.categoricalWeights[p] as Float64Array;
        const C = spec.n;
        const logCw = new Float64Array(cw.length);
        for (let j = 0; j < cw.length; j++) logCw[j] = Math.log(cw[j] as number);
        for (let i = 0; i < size; i++) {
          const c = xs[i] as number;
          const base = i * K;
          for (let k = 0; k < K; k++)
            acc[base + k] = (acc[base + k] as number) + (logCw[k * C + c] as number);
        }
        continue;
      }
      const { mus, sigmas, logZ } = this.#numeric[p] as NumericKernels;
      const inv = new Float64Array(K);
      const cst = new Float64Array(K);
      for (let k = 0; k < K; k++) {
        const s = sigmas[k] as number;
        inv[k] = 1 / s;
        cst[k] =
          spec.q === 0
            ? -(this.#scaled ? Math.log(s) : 0) - LOG_SQRT_2PI - (logZ[k] as number)
            : -(logZ[k] as number);
      }
      if (spec.q === 0) {
        for (let i = 0; i < size; i++) {
          const x = spec.log ? Math.log(xs[i] as number) : (xs[i] as number);
          const base = i * K;
          for (let k = 0; k < K; k++) {
            const z = (x - (mus[k] as number)) * (inv[k] as number);
            acc[base + k] = (acc[base + k] as number) + (cst[k] as number) - 0.5 * z * z;
          }
        }
      } else {
        // Observations lie on the grid and the kernels share one bandwidth (but the prior's), so
        // few (centre, bandwidth) pairs are distinct: each cell's mass is computed once per pair.
        const { pair, pairMu, pairInv } = distinctKernels(mus, inv);
        const P = pairMu.length;
        const mass = new Float64Array(P);
        const half = 0.5 * spec.q;
        for (let i = 0; i < size; i++) {
          const x = xs[i] as number;
          const lb = Math.max(x - half, spec.low);
          const ub = Math.min(x + half, spec.high);
          for (let j = 0; j < P; j++) {
            const mu = pairMu[j] as number;
            const iv = pairInv[j] as number;
            mass[j] = logGaussMass((lb - mu) * iv, (ub - mu) * iv);
          }
          const base = i * K;
          for (let k = 0; k < K; k++)
            acc[base + k] =
              (acc[base + k] as number) + (cst[k] as number) + (mass[pair[k] as number] as number);
        }
      }
    }
    for (let i = 0; i < size; i++) {
      const base = i * K;
      let m = Number.NEGATIVE_INFINITY;
      for (let k = 0; k < K; k++) if ((acc[base + k] as number) > m) m = acc[base + k] as number;
      if (m === Number.NEGATIVE_INFINITY) {
        out[i] = m;
        continue;
      }
      let s = 0;
      for (let k = 0; k < K; k++) s += Math.exp((acc[base + k] as number) - m);
      out[i] = Math.log(s) + m;
    }
    return out;
  }
}

/** The distinct (centre, inverse bandwidth) pairs of kernels, and each kernel's pair. */
function distinctKernels(
  mus: Float64Array,
  inv: Float64Array,
): { pair: Int32Array; pairMu: Float64Array; pairInv: Float64Array } {
  const K = mus.length;
  const pair = new Int32Array(K);
  const byMu = new Map<number, number[]>();
  const pairMu: number[] = [];
  const pairInv: number[] = [];
  for (let k = 0; k < K; k++) {
    const mu = mus[k] as number;
    const iv = inv[k] as number;
    let ids = byMu.get(mu);
    if (!ids) {
      ids = [];
      byMu.set(mu, ids);
    }
    let id = -1;
    for (const j of ids) if (pairInv[j] === iv) id = j;
    if (id < 0) {
      id = pairMu.length;
      pairMu.push(mu);
      pairInv.push(iv);
      ids.push(id);
    }
    pair[k] = id;
  }
  return { pair, pairMu: Float64Array.from(pairMu), pairInv: Float64Array.from(pairInv) };
}

/**
 * Kernels of a univariate mixture in runs ("segments") for summing at many points. A run of at
 * least SERIES_MIN kernels with the same bandwidth σ whose centres lie within σ/2 of each other
 * is summed through a series about its centre a: with u = (x − a)/σ and v_k = (μ_k − a)/σ,
 *   Σ c_k exp(−(u − v_k)²/2) = exp(−u²/2) Σ_n u^n/n! · Σ_k c_k exp(−v_k²/2) v_k^n,
 * whose moments are computed once; |v_k| ≤ 1/4, so for |u| ≤ SERIES_MAX_U the first SERIES_TERMS
 * terms agree with the direct sum to ~1e-15 relative (the tail is below e^{|u|/4}·(|u|/4)^N/N!).
 * That is one exp per run instead of one per kernel where observations crowd (TPE's g(x) after
 * hundreds of trials). Other kernels go in plain blocks of up to 16.
 */
const SERIES_MIN = 8;
const SERIES_TERMS = 24;
const SERIES_MAX_U = 9;
const INV_INT = Float64Array.from({ length: SERIES_TERMS + 1 }, (_, n) => (n === 0 ? 0 : 1 / n));

interface KernelSegments {
  /** Kernel index ranges: segment s is [from[s], from[s + 1]). */
  from: Int32Array;
  lo: Float64Array;
  hi: Float64Array;
  /** Largest bandwidth in the segment. */
  sigma: Float64Array;
  /** Largest coefficient × count: a bound on any point's share of the segment. */
  bound: Float64Array;
  /** Over segments s … last: the largest bandwidth and the summed bounds (leftX: over 0 … s). */
  rightSigma: Float64Array;
  rightBound: Float64Array;
  leftSigma: Float64Array;
  leftBound: Float64Array;
  /** Series segments: centre (NaN for plain blocks) and SERIES_TERMS moments (divided by n!). */
  centre: Float64Array;
  moments: Float64Array;
}

function kernelSegments(mu: Float64Array, inv: Float64Array, c: Float64Array): KernelSegments {
  const K = mu.length;
  const from: number[] = [];
  const centres: number[] = [];
  let j = 0;
  let plain = 0; // kernels in the open plain block
  while (j < K) {
    const iv = inv[j] as number;
    const span = 0.5 / iv;
    let e = j + 1;
    while (e < K && inv[e] === iv && (mu[e] as number) - (mu[j] as number) <= span) e++;
    if (e - j >= SERIES_MIN) {
      from.push(j);
      centres.push(0.5 * ((mu[j] as number) + (mu[e - 1] as number)));
      plain = 0;
      j = e;
      continue;
    }
    for (; j < e; j++) {
      if (plain === 0 || plain === 16) {
        from.push(j);
        centres.push(Number.NaN);
        plain = 0;
      }
      plain++;
    }
  }
  const ns = from.length;
  from.push(K);
  const segs: KernelSegments = {
    from: Int32Array.from(from),
    lo: new Float64Array(ns),
    hi: new Float64Array(ns),
    sigma: new Float64Array(ns),
    bound: new Float64Array(ns),
    rightSigma: new Float64Array(ns),
    rightBound: new Float64Array(ns),
    leftSigma: new Float64Array(ns),
    leftBound: new Float64Array(ns),
    centre: Float64Array.from(centres),
    moments: new Float64Array(ns * SERIES_TERMS),
  };
  for (let s = 0; s < ns; s++) {
    const a = from[s] as number;
    const b = from[s + 1] as number;
    segs.lo[s] = mu[a] as number;
    segs.hi[s] = mu[b - 1] as number;
    let sm = 0;
    let cm = 0;
    for (let q = a; q < b; q++) {
      const sg = 1 / (inv[q] as number);
      if (sg > sm) sm = sg;
      if ((c[q] as number) > cm) cm = c[q] as number;
    }
    segs.sigma[s] = sm;
    segs.bound[s] = cm * (b - a);
    const centre = segs.centre[s] as number;
    if (Number.isNaN(centre)) continue;
    const m = s * SERIES_TERMS;
    const iv = inv[a] as number;
    for (let q = a; q < b; q++) {
      const v = ((mu[q] as number) - centre) * iv;
      let term = (c[q] as number) * Math.exp(-0.5 * v * v);
      for (let n = 0; n < SERIES_TERMS; n++) {
        segs.moments[m + n] = (segs.moments[m + n] as number) + term;
        term *= v * (INV_INT[n + 1] as number);
      }
    }
  }
  for (let s = 0; s < ns; s++) {
    const prevS = s > 0 ? (segs.leftSigma[s - 1] as number) : 0;
    segs.leftSigma[s] = Math.max(prevS, segs.sigma[s] as number);
    segs.leftBound[s] = (s > 0 ? (segs.leftBound[s - 1] as number) : 0) + (segs.bound[s] as number);
  }
  for (let s = ns - 1; s >= 0; s--) {
    const nextS = s < ns - 1 ? (segs.rightSigma[s + 1] as number) : 0;
    segs.rightSigma[s] = Math.max(nextS, segs.sigma[s] as number);
    segs.rightBound[s] = (s < ns - 1 ? (segs.rightBound[s + 1] as number) : 0) + (segs.bound[s] as number);
  }
  return segs;
}

/** Σ c_k exp(−((x − μ_k)/σ_k)²/2) over segment s. */
function segmentSum(
  segs: KernelSegments,
  s: number,
  x: number,
  mu: Float64Array,
  inv: Float64Array,
  c: Float64Array,
): number {
  const a = segs.from[s] as number;
  const b = segs.from[s + 1] as number;
  const centre = segs.centre[s] as number;
  if (!Number.isNaN(centre)) {
    const u = (x - centre) * (inv[a] as number);
    if (u <= SERIES_MAX_U && u >= -SERIES_MAX_U) {
      const m = s * SERIES_TERMS;
      let acc = segs.moments[m + SERIES_TERMS - 1] as number;
      for (let n = SERIES_TERMS - 2; n >= 0; n--) acc = acc * u + (segs.moments[m + n] as number);
      return Math.exp(-0.5 * u * u) * acc;
    }
  }
  let sum = 0;
  for (let q = a; q < b; q++) {
    const z = (x - (mu[q] as number)) * (inv[q] as number);
    sum += (c[q] as number) * Math.exp(-0.5 * z * z);
  }
  return sum;
}

/** First index whose cumulative value exceeds u (clamped to the last). */
function searchRight(cdf: Float64Array, u: number): number {
  let lo = 0;
  let hi = cdf.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((cdf[mid] as number) > u) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** A transformed-space value back to the distribution's internal value (rounded, clipped). */
export function fromTransformed(spec: ParamSpec & { kind: "numeric" }, x: number): number {
  let v = spec.log ? Math.exp(x) : x;
  if (spec.integer && spec.log) v = Math.round(v);
  else if (spec.step > 0) v = Math.round((v - spec.dLow) / spec.step) * spec.step + spec.dLow;
  return v < spec.dLow ? spec.dLow : Math.min(v, spec.dHigh);
}

function categoricalKernels(
  obs: Float64Array,
  n: number,
  C: number,
  considerPrior: boolean,
  priorWeight: number,
): Float64Array {
  const K = n + (considerPrior ? 1 : 0);
  const fill = priorWeight / K;
  const cw = new Float64Array(K * C).fill(fill);
  const rowSum = fill * C;
  for (let i = 0; i < n; i++) {
    const c = obs[i] as number;
    cw[i * C + c] = (cw[i * C + c] as number) + 1;
  }
  for (let k = 0; k < K; k++) {
    const total = k < n ? rowSum + 1 : rowSum;
    for (let c = 0; c < C; c++) cw[k * C + c] = (cw[k * C + c] as number) / total;
  }
  return cw;
}

function numericKernels(
  obs: Float64Array,
  n: number,
  spec: ParamSpec & { kind: "numeric" },
  considerPrior: boolean,
  options: ParzenOptions,
  sigma0: number,
  presorted: boolean,
): NumericKernels {
  const { low, high } = spec;
  const range = high - low;
  const K = n + (considerPrior ? 1 : 0);
  const mus = new Float64Array(K);
  for (let i = 0; i < n; i++) mus[i] = spec.log ? Math.log(obs[i] as number) : (obs[i] as number);
  if (considerPrior) mus[n] = 0.5 * (low + high);
  const sigmas = new Float64Array(K);
  let order: Int32Array | null = null;
  if (options.multivariate) {
    sigmas.fill(sigma0 * range * (options.bandwidthFactor ?? 1));
  } else {
    order = presorted ? presortedOrder(mus, n, considerPrior) : sortedOrder(mus);
    // the gap to each sorted neighbour, with low/high as outer neighbours
    for (let j = 0; j < K; j++) {
      const m = mus[order[j] as number] as number;
      const left = j === 0 ? low : (mus[order[j - 1] as number] as number);
      const right = j === K - 1 ? high : (mus[order[j + 1] as number] as number);
      let s = Math.max(m - left, right - m);
      if (!options.considerEndpoints && K >= 2) {
        if (j === 0) s = right - m;
        else if (j === K - 1) s = m - left;
      }
      sigmas[order[j] as number] = s;
    }
  }
  const minSigma = options.considerMagicClip ? range / Math.min(100, 1 + K) : EPS;
  for (let k = 0; k < K; k++) {
    const s = sigmas[k] as number;
    sigmas[k] = s < minSigma ? minSigma : Math.min(s, range);
  }
  if (considerPrior) sigmas[n] = range;
  const logZ = new Float64Array(K);
  for (let k = 0; k < K; k++) {
    const mu = mus[k] as number;
    const s = sigmas[k] as number;
    logZ[k] = logGaussMass((low - mu) / s, (high - mu) / s);
  }
  return { mus, sigmas, logZ, order };
}

/**
 * Indices of `xs` in ascending order of value, ties by index. Sorts a copy natively and places each
 * index by binary search: no comparator calls. NaN-free input.
 */
export function sortedOrder(xs: Float64Array): Int32Array {
  const n = xs.length;
  const sorted = xs.slice().sort();
  const next = new Int32Array(n);
  const idx = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = xs[i] as number;
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((sorted[mid] as number) < v) lo = mid + 1;
      else hi = mid;
    }
    const pos = lo + (next[lo] as number);
    next[lo] = (next[lo] as number) + 1;
    idx[pos] = i;
  }
  return idx;
}

/** The sorted order when the n observations are ascending already: only the prior is placed. */
function presortedOrder(mus: Float64Array, n: number, withPrior: boolean): Int32Array {
  const K = mus.length;
  const order = new Int32Array(K);
  if (!withPrior) {
    for (let i = 0; i < K; i++) order[i] = i;
    return order;
  }
  const p = mus[n] as number;
  // after every observation <= the prior's centre (the prior has the largest index)
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((mus[mid] as number) <= p) lo = mid + 1;
    else hi = mid;
  }
  for (let i = 0; i < lo; i++) order[i] = i;
  order[lo] = n;
  for (let i = lo; i < n; i++) order[i + 1] = i;
  return order;
}

/** Kernels with identical centre and bandwidth merged into one (weights added). */
function mergeKernels(
  kern: NumericKernels,
  weights: Float64Array,
  order: Int32Array,
): { mus: Float64Array; sigmas: Float64Array; logZ: Float64Array; weights: Float64Array } {
  const K = kern.mus.length;
  const mus = new Float64Array(K);
  const sigmas = new Float64Array(K);
  const logZ = new Float64Array(K);
  const w = new Float64Array(K);
  let m = 0;
  let runStart = 0;
  for (let j = 0; j < K; j++) {
    const k = order[j] as number;
    const mu = kern.mus[k] as number;
    const s = kern.sigmas[k] as number;
    if (m > runStart && mus[runStart] !== mu) runStart = m;
    let found = -1;
    for (let r = runStart; r < m; r++) {
      if (sigmas[r] === s) {
        found = r;
        break;
      }
    }
    if (found >= 0) {
      w[found] = (w[found] as number) + (weights[k] as number);
    } else {
      mus[m] = mu;
      sigmas[m] = s;
      logZ[m] = kern.logZ[k] as number;
      w[m] = weights[k] as number;
      m++;
    }
  }
  return {
    mus: mus.subarray(0, m),
    sigmas: sigmas.subarray(0, m),
    logZ: logZ.subarray(0, m),
    weights: w.subarray(0, m),
  };
}

/** Optuna's default gamma: the number of "good" trials among n, min(⌈0.1·n⌉, 25). */
export function defaultGamma(n: number): number {
  return Math.min(Math.ceil(0.1 * n), 25);
}

/** Hyperopt's gamma, min(⌈0.25·√n⌉, 25). */
export function hyperoptDefaultGamma(n: number): number {
  return Math.min(Math.ceil(0.25 * Math.sqrt(n)), 25);
}

/**
 * Optuna's default observation weights, oldest first: 1 for all when n < 25, else a linear ramp
 * from 1/n up to 1 over the n − 25 oldest and 1 for the 25 newest.
 */
export function defaultWeights(n: number): Float64Array {
  const w = new Float64Array(n);
  if (n < 25) return w.fill(1);
  const r = n - 25;
  const start = 1 / n;
  for (let i = 0; i < r; i++) w[i] = r === 1 ? start : start + ((1 - start) * i) / (r - 1);
  w.fill(1, r);
  return w;
}
