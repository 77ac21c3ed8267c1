/**
 * Histogram-based gradient boosting for binary classification, like scikit-learn's
 * HistGradientBoostingClassifier: binary log-loss, features binned into ≤ maxBins quantile bins
 * plus a missing-value bin (missing values go to the side learned at each split), trees grown
 * leaf-wise (or depth-wise) from gradient/hessian histograms with the subtraction trick,
 * shrinkage, L2 on leaf values, optional row subsampling, and early stopping on a validation set.
 * The hot loops (histograms, row partitions, binning, score updates) are WebAssembly kernels
 * (kernels.ts) on one shared memory, and run on all cores: piscina workers join each histogram
 * and gradient step and claim chunks of it (team.ts, boosting.worker.ts). Results do not depend on
 * the thread count. Fitted trees are stored in flat typed arrays and predicted by a WebAssembly
 * kernel (ensemble.ts).
 */
import { Rng, SextantError } from "../../core/index.js";
import { type FeatureInput, isTableLike, type Matrix, toLabels, toMatrix } from "../matrix.js";
import { Arena } from "./arena.js";
import { binningRows, transform } from "./binning.js";
import {
  BaseClassifier,
  type ClassWeight,
  checkNumber,
  checkValues,
  classWeightFactors,
  type FitData,
  prepareFit,
  sigmoid,
} from "./common.js";
import { Ensemble } from "./ensemble.js";
import { num, readHeader } from "./format.js";
import { addBinned, type GrowContext, growTree } from "./grower.js";
import type { FeatureBins } from "./hist.js";
import { pool, resolveThreads } from "./pool.js";
import { Team } from "./team.js";
import { decodeTree, encodeTree, type TreeArrays } from "./trees.js";
import type { FitInput, ModelJSON } from "./types.js";

export interface EarlyStopping {
  /** Fraction of the training rows held out (stratified) when FitInput.validation is absent (default 0.1). */
  validationFraction?: number;
  /** Stop when none of the last nIterNoChange iterations improved the validation loss by more than tol (default 10). */
  nIterNoChange?: number;
  /** Default 1e-7. */
  tol?: number;
}

export interface GradientBoostingParams {
  /** Maximum number of boosting iterations (trees), default 100. */
  nEstimators?: number;
  /** Default none. */
  maxDepth?: number | null;
  /** Default 31 (null: unlimited). */
  maxLeafNodes?: number | null;
  learningRate?: number;
  /** Fraction of the rows each tree is grown on (default 1). */
  subsample?: number;
  minSamplesLeaf?: number;
  l2Regularization?: number;
  /** 2..255 (default 255); one more bin holds missing values. */
  maxBins?: number;
  /** Off by default; `true` means the defaults. Uses FitInput.validation when given. */
  earlyStopping?: boolean | EarlyStopping;
  growth?: "leafwise" | "depthwise";
  classWeight?: ClassWeight | null;
  seed?: number;
  /** Threads for fitting (default: all cores; 1 = the calling thread only). */
  threads?: number;
}

const VERSION = 1;
const MIN_HESSIAN_TO_SPLIT = 1e-3;
/** Below this many (row × feature) cells fitting stays in the calling thread. */
const PARALLEL_MIN_CELLS = 400_000;

export class GradientBoosting extends BaseClassifier {
  readonly kind = "gradient_boosting";
  readonly params: GradientBoostingParams;
  protected readonly missing = "native" as const;
  trees: TreeArrays[] = [];
  /** Raw score before the first tree: log-odds of the (weighted) positive rate. */
  baseline = 0;
  /** Iterations run (trees). */
  nIter = 0;
  /** With early stopping: the iteration count (1-based) with the lowest validation loss; else null. */
  bestIteration: number | null = null;
  /** With early stopping: validation log-loss before the first tree and after each iteration. */
  validationLoss: number[] = [];
  /** Where the last fit spent its time (ms): binning, gradients, growing trees, updating scores. */
  fitTimings: { binning: number; gradients: number; trees: number; update: number } | null = null;
  #ensemble: Ensemble | null = null;

  constructor(params: GradientBoostingParams = {}) {
    super();
    const p = params;
    checkNumber("nEstimators", p.nEstimators ?? 100, { min: 1, integer: true });
    if (p.maxDepth != null) checkNumber("maxDepth", p.maxDepth, { min: 1, integer: true });
    if (p.maxLeafNodes != null) checkNumber("maxLeafNodes", p.maxLeafNodes, { min: 2, integer: true });
    checkNumber("learningRate", p.learningRate ?? 0.1, { min: 0, exclusiveMin: true });
    checkNumber("subsample", p.subsample ?? 1, { min: 0, max: 1, exclusiveMin: true });
    checkNumber("minSamplesLeaf", p.minSamplesLeaf ?? 20, { min: 1, integer: true });
    checkNumber("l2Regularization", p.l2Regularization ?? 0, { min: 0 });
    checkNumber("maxBins", p.maxBins ?? 255, { min: 2, max: 255, integer: true });
    checkNumber("seed", p.seed ?? 0, { integer: true });
    resolveThreads(p.threads);
    if (p.growth !== undefined && p.growth !== "leafwise" && p.growth !== "depthwise") {
      throw new SextantError(
        "INVALID_ARGUMENT",
        `growth must be "leafwise" or "depthwise", got ${String(p.growth)}`,
      );
    }
    const es = earlyStoppingOf(p.earlyStopping);
    if (es) {
      checkNumber("earlyStopping.validationFraction", es.validationFraction, {
        min: 0,
        max: 1,
        exclusiveMin: true,
      });
      checkNumber("earlyStopping.nIterNoChange", es.nIterNoChange, { min: 1, integer: true });
      checkNumber("earlyStopping.tol", es.tol, { min: 0 });
    }
    this.params = { ...p };
  }

  async fit(input: FitInput): Promise<this> {
    const p = this.params;
    const rng = new Rng(p.seed ?? 0);
    const all = prepareFit(input, "native", p.classWeight);
    const es = earlyStoppingOf(p.earlyStopping);
    let train = all;
    let val: { X: Matrix; y: Uint8Array; w: Float64Array } | null = null;
    if (es && input.validation) {
      val = validationOf(input.validation, all, p.classWeight ?? null);
    } else if (es) {
      [train, val] = stratifiedSplit(all, es.validationFraction, rng);
    }
    const n = train.X.nRows;
    const nF = train.X.nCols;
    const maxBins = p.maxBins ?? 255;
    const threads = Math.min(resolveThreads(p.threads), nF);
    // workers when the data is large, or when threads were asked for explicitly
    const parallel = threads > 1 && (p.threads !== undefined || n * nF >= PARALLEL_MIN_CELLS);
    const maxLeaves = p.maxLeafNodes === null ? Number.POSITIVE_INFINITY : (p.maxLeafNodes ?? 31);
    const timings = { binning: 0, gradients: 0, trees: 0, update: 0 };
    let t0 = performance.now();
    const arena = new Arena(n, nF, maxBins + 1, parallel ? threads : 1, Math.min(maxLeaves + 3, 64));
    const workers = parallel ? pool("boosting.worker", threads - 1) : null;
    const mapper = await Team.bin(arena, workers, threads, train.X.columns, binningRows(n, rng), maxBins);
    const bins: FeatureBins = {
      nBins: maxBins + 1,
      nBinsNonMissing: Int32Array.from(mapper.thresholds, (t) => t.length + 1),
      hasMissing: mapper.hasMissing,
    };
    const { part } = arena;
    arena.y.set(train.y);
    arena.w.set(train.w);
    let sw = 0;
    let swy = 0;
    for (let i = 0; i < n; i++) {
      sw += train.w[i]!;
      swy += train.w[i]! * train.y[i]!;
    }
    const eps = 2.220446049250313e-16;
    const prior = Math.min(1 - eps, Math.max(eps, swy / sw));
    this.baseline = Math.log(prior / (1 - prior));
    // the loop keeps exp(−raw score) per row, not the score: the gradients need only σ(raw) = 1 / (1 + exp(−raw))
    arena.e.fill(Math.exp(-this.baseline));
    timings.binning = performance.now() - t0;

    const splitParams = {
      minSamplesLeaf: p.minSamplesLeaf ?? 20,
      minHessianToSplit: MIN_HESSIAN_TO_SPLIT,
      l2: p.l2Regularization ?? 0,
    };
    const team = new Team(arena, threads, workers, bins, splitParams);
    const ctx: GrowContext = {
      arena,
      bins,
      thresholds: mapper.thresholds,
      team,
      p: {
        ...splitParams,
        maxLeafNodes: maxLeaves,
        maxDepth: p.maxDepth == null ? Number.POSITIVE_INFINITY : p.maxDepth,
        learningRate: p.learningRate ?? 0.1,
        depthwise: p.growth === "depthwise",
      },
    };
    let valBinned: Uint8Array | null = null;
    let valRaw: Float64Array | null = null;
    const losses: number[] = [];
    if (val) {
      valBinned = transform(
        { maxBins, thresholds: mapper.thresholds, hasMissing: mapper.hasMissing },
        val.X.columns,
      );
      valRaw = new Float64Array(val.X.nRows).fill(this.baseline);
      losses.push(logLoss(val.y, val.w, valRaw));
    }

    const subsample = p.subsample ?? 1;
    const nSub = subsample < 1 ? Math.max(1, Math.round(subsample * n)) : n;
    const perm = subsample < 1 ? Int32Array.from({ length: n }, (_, i) => i) : null;
    const identity = Uint32Array.from({ length: n }, (_, i) => i);
    const trees: TreeArrays[] = [];
    const maxIter = p.nEstimators ?? 100;
    await team.start();
    try {
      for (let it = 0; it < maxIter; it++) {
        if (it > 0) await team.yield();
        t0 = performance.now();
        let [G, H] = team.gradients();
        if (perm) {
          // stochastic boosting: a fresh random subset of the rows per tree
          const gh = arena.gh;
          G = 0;
          H = 0;
          for (let k = 0; k < nSub; k++) {
            const j = rng.int(k, n - 1);
            const t = perm[k]!;
            perm[k] = perm[j]!;
            perm[j] = t;
            part[k] = perm[k]!;
            G += gh[2 * perm[k]!]!;
            H += gh[2 * perm[k]! + 1]!;
          }
        } else part.set(identity);
        const t1 = performance.now();
        timings.gradients += t1 - t0;
        const grown = growTree(ctx, nSub, perm === null, G, H);
        const t2 = performance.now();
        timings.trees += t2 - t1;
        trees.push(grown.tree);
        if (perm) addBinned(grown, arena.binned, n, maxBins, arena.e, true);
        else for (const { start, end, value } of grown.leaves) arena.scaleRows(start, end, Math.exp(-value));
        if (val && valBinned && valRaw && es) {
          addBinned(grown, valBinned, val.X.nRows, maxBins, valRaw);
          losses.push(logLoss(val.y, val.w, valRaw));
        }
        timings.update += performance.now() - t2;
        if (val && es && shouldStop(losses, es.nIterNoChange, es.tol)) break;
      }
    } finally {
      await team.stop();
    }
    this.fitTimings = timings;
    this.nIter = trees.length;
    this.validationLoss = losses;
    this.bestIteration = val ? argmin(losses) : null;
    this.#set(trees, nF);
    this.bind(all.names, nF);
    return this;
  }

  #set(trees: TreeArrays[], nFeatures: number): void {
    this.trees = trees;
    this.#ensemble = new Ensemble(trees, nFeatures);
  }

  /** The raw score (log-odds) per row. @throws like predictProba */
  decisionFunction(X: FeatureInput): Float64Array {
    return this.#raw(this.matrixFor(X));
  }

  #raw(m: Matrix): Float64Array {
    const out = new Float64Array(m.nRows).fill(this.baseline);
    this.#ensemble!.addTo(m, out);
    return out;
  }

  protected probaOf(m: Matrix): Float64Array {
    const z = this.#raw(m);
    for (let i = 0; i < z.length; i++) z[i] = sigmoid(z[i]!);
    return z;
  }

  toJSON(): ModelJSON {
    if (!this.fitted) throw new SextantError("INVALID_STATE", "this gradient_boosting model is not fitted");
    const { threads: _threads, ...params } = this.params;
    return {
      format: "sextant-model",
      version: VERSION,
      kind: this.kind,
      featureNames: this.featureNames,
      params,
      state: {
        nFeatures: this.nFeatures,
        baseline: this.baseline,
        nIter: this.nIter,
        bestIteration: this.bestIteration,
        validationLoss: this.validationLoss,
        trees: this.trees.map(encodeTree),
      },
    };
  }

  static fromJSON(json: ModelJSON | string): GradientBoosting {
    const m = readHeader(json, "gradient_boosting", [VERSION]);
    const s = m.state as Record<string, unknown>;
    const nFeatures = num(s, "nFeatures");
    if (!Array.isArray(s.trees))
      throw new SextantError("INVALID_ARGUMENT", "gradient_boosting state.trees must be an array");
    const gb = new GradientBoosting(m.params as GradientBoostingParams);
    gb.baseline = num(s, "baseline");
    gb.#set(
      s.trees.map((t, k) => decodeTree(t, nFeatures, `gradient_boosting state.trees[${k}]`)),
      nFeatures,
    );
    gb.nIter = gb.trees.length;
    gb.bestIteration = typeof s.bestIteration === "number" ? s.bestIteration : null;
    gb.validationLoss = Array.isArray(s.validationLoss) ? (s.validationLoss as number[]) : [];
    gb.bind(m.featureNames, nFeatures);
    return gb;
  }
}

function earlyStoppingOf(es: GradientBoostingParams["earlyStopping"]): Required<EarlyStopping> | null {
  if (es === undefined || es === false || es === null) return null;
  const o = es === true ? {} : es;
  if (typeof o !== "object")
    throw new SextantError("INVALID_ARGUMENT", "earlyStopping must be a boolean or an object");
  return {
    validationFraction: o.validationFraction ?? 0.1,
    nIterNoChange: o.nIterNoChange ?? 10,
    tol: o.tol ?? 1e-7,
  };
}

/** Weighted mean binary log-loss of raw scores. */
function logLoss(y: Uint8Array, w: Float64Array, raw: Float64Array): number {
  let s = 0;
  let sw = 0;
  for (let i = 0; i < y.length; i++) {
    const z = raw[i]!;
    // log(1 + exp(z)) − y·z, stably
    const l = (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z))) - y[i]! * z;
    s += w[i]! * l;
    sw += w[i]!;
  }
  return s / sw;
}

/** scikit-learn's rule: stop when none of the last n scores beats the one before them by more than tol. */
function shouldStop(losses: number[], n: number, tol: number): boolean {
  if (losses.length < n + 1) return false;
  const ref = -losses[losses.length - n - 1]! + tol;
  for (let k = losses.length - n; k < losses.length; k++) if (-losses[k]! > ref) return false;
  return true;
}

function argmin(xs: number[]): number {
  let b = 0;
  for (let k = 1; k < xs.length; k++) if (xs[k]! < xs[b]!) b = k;
  return b;
}

function validationOf(
  v: NonNullable<FitInput["validation"]>,
  train: FitData,
  cw: ClassWeight | null,
): { X: Matrix; y: Uint8Array; w: Float64Array } {
  const X = isTableLike(v.X) ? toMatrix(v.X, train.names ?? undefined) : toMatrix(v.X);
  if (X.nCols !== train.X.nCols) {
    throw new SextantError(
      "INVALID_ARGUMENT",
      `validation X has ${X.nCols} features; training X has ${train.X.nCols}`,
    );
  }
  checkValues(X, "native");
  const y = toLabels(v.y, X.nRows);
  const [a, b] = classWeightFactors(train.y, cw);
  return { X, y, w: Float64Array.from(y, (l) => (l === 1 ? b : a)) };
}

function subset(d: FitData, rows: number[]): { X: Matrix; y: Uint8Array; w: Float64Array } {
  return {
    X: { ...d.X, nRows: rows.length, columns: d.X.columns.map((c) => Float64Array.from(rows, (i) => c[i]!)) },
    y: Uint8Array.from(rows, (i) => d.y[i]!),
    w: Float64Array.from(rows, (i) => d.w[i]!),
  };
}

/** A stratified train/validation split (validation share per class rounded, at least one row). */
function stratifiedSplit(
  d: FitData,
  frac: number,
  rng: Rng,
): [FitData, { X: Matrix; y: Uint8Array; w: Float64Array }] {
  const trainRows: number[] = [];
  const valRows: number[] = [];
  for (const cls of [0, 1]) {
    const idx: number[] = [];
    for (let i = 0; i < d.y.length; i++) if (d.y[i] === cls) idx.push(i);
    rng.shuffle(idx);
    const nVal = Math.min(idx.length - 1, Math.max(1, Math.round(frac * idx.length)));
    valRows.push(...idx.slice(0, nVal));
    trainRows.push(...idx.slice(nVal));
  }
  trainRows.sort((a, b) => a - b);
  valRows.sort((a, b) => a - b);
  return [{ ...subset(d, trainRows), names: d.names }, subset(d, valRows)];
}
