/**
 * A random forest of CART trees (scikit-learn's RandomForestClassifier): each tree sees a bootstrap
 * draw of the rows and `maxFeatures` random features per split; predictProba is the mean over the
 * trees of the leaf's weighted fraction of class 1. Trees are grown on all cores (piscina workers
 * over shared, read-only data); each tree's seed is drawn from `seed` up front, so the forest is
 * the same whatever the thread count.
 */
import { Rng, SextantError } from "../../core/index.js";
import type { Matrix } from "../matrix.js";
import { presort } from "./cart.js";
import { BaseClassifier, type ClassWeight, checkNumber, prepareFit } from "./common.js";
import { Ensemble } from "./ensemble.js";
import { buildForestTree, type ForestTask, type ForestTreeOptions } from "./forest.worker.js";
import { num, readHeader } from "./format.js";
import { pool, resolveThreads, shared } from "./pool.js";
import { cartSettings, checkMaxFeatures, type MaxFeatures, resolveMaxFeatures } from "./tree.js";
import { decodeTree, encodeTree, type TreeArrays } from "./trees.js";
import type { FitInput, ModelJSON } from "./types.js";

export interface RandomForestParams {
  nEstimators?: number;
  maxDepth?: number | null;
  minSamplesLeaf?: number;
  minSamplesSplit?: number;
  /** Default "sqrt" (like scikit-learn's classifier). */
  maxFeatures?: MaxFeatures;
  bootstrap?: boolean;
  /** Rows drawn per tree: a fraction in (0, 1] (so 1 = all) or a count > 1 (default: all rows). */
  maxSamples?: number | null;
  classWeight?: ClassWeight | "balanced_subsample" | null;
  criterion?: "gini" | "entropy";
  seed?: number;
  /** Threads for fitting (default: all cores; 1 fits in the calling thread). */
  threads?: number;
}

const VERSION = 1;
/** Below this many row-trees the worker start-up costs more than it saves. */
const PARALLEL_MIN_WORK = 400_000;

export class RandomForest extends BaseClassifier {
  readonly kind = "random_forest";
  readonly params: RandomForestParams;
  protected readonly missing = "native" as const;
  trees: TreeArrays[] = [];
  #ensemble: Ensemble | null = null;

  constructor(params: RandomForestParams = {}) {
    super();
    cartSettings(params);
    checkMaxFeatures(params.maxFeatures ?? "sqrt");
    checkNumber("nEstimators", params.nEstimators ?? 100, { min: 1, integer: true });
    checkNumber("seed", params.seed ?? 0, { integer: true });
    if (params.maxSamples !== undefined && params.maxSamples !== null) {
      checkNumber("maxSamples", params.maxSamples, { min: 0, exclusiveMin: true });
    }
    resolveThreads(params.threads);
    const cw = params.classWeight;
    if (
      cw !== undefined &&
      cw !== null &&
      cw !== "balanced" &&
      cw !== "balanced_subsample" &&
      typeof cw !== "object"
    ) {
      throw new SextantError(
        "INVALID_ARGUMENT",
        `classWeight must be "balanced", "balanced_subsample" or { 0: w0, 1: w1 }`,
      );
    }
    this.params = { ...params };
  }

  async fit(input: FitInput): Promise<this> {
    const p = this.params;
    const cw = p.classWeight === "balanced_subsample" ? null : (p.classWeight ?? null);
    const d = prepareFit(input, "native", cw);
    const n = d.X.nRows;
    const nEstimators = p.nEstimators ?? 100;
    const bootstrap = p.bootstrap ?? true;
    let maxSamples = n;
    if (bootstrap && p.maxSamples !== undefined && p.maxSamples !== null) {
      const ms = p.maxSamples;
      maxSamples = ms <= 1 ? Math.max(1, Math.round(ms * n)) : ms;
      if (!Number.isInteger(maxSamples) || maxSamples > n) {
        throw new SextantError(
          "INVALID_ARGUMENT",
          `maxSamples ${ms} must be a fraction in (0, 1] or a count <= ${n}`,
        );
      }
    }
    const options: ForestTreeOptions = {
      cart: { ...cartSettings(p), maxFeatures: resolveMaxFeatures(p.maxFeatures ?? "sqrt", d.X.nCols) },
      bootstrap,
      maxSamples,
      balancedSubsample: p.classWeight === "balanced_subsample",
    };
    const rng = new Rng(p.seed ?? 0);
    const seeds = Array.from({ length: nEstimators }, () => rng.int(0, 2 ** 31 - 1));
    const ps = presort(d.X.columns);
    const threads = Math.min(resolveThreads(p.threads), nEstimators);
    let trees: TreeArrays[];
    // workers when the work is large, or when threads were asked for explicitly
    if (threads > 1 && (p.threads !== undefined || maxSamples * nEstimators >= PARALLEL_MIN_WORK)) {
      const base = {
        ranks: ps.ranks.map((r) => shared(r, (b, len) => new Int32Array(b, 0, len))),
        uniq: ps.uniq.map((u) => shared(u, (b, len) => new Float64Array(b, 0, len))),
        y: shared(d.y, (b, len) => new Uint8Array(b, 0, len)),
        w: shared(d.w, (b, len) => new Float64Array(b, 0, len)),
        options,
      };
      const workers = pool("forest.worker", threads);
      const chunks = await Promise.all(
        seeds.map((s) => workers.run({ ...base, seeds: [s] } satisfies ForestTask) as Promise<TreeArrays[]>),
      );
      trees = chunks.flat();
    } else {
      trees = seeds.map((s) => buildForestTree(ps, d.y, d.w, s, options));
    }
    this.#set(trees, d.X.nCols);
    this.bind(d.names, d.X.nCols);
    return this;
  }

  #set(trees: TreeArrays[], nFeatures: number): void {
    this.trees = trees;
    this.#ensemble = new Ensemble(trees, nFeatures);
  }

  protected probaOf(m: Matrix): Float64Array {
    const out = new Float64Array(m.nRows);
    this.#ensemble!.addTo(m, out);
    const k = 1 / this.trees.length;
    for (let i = 0; i < out.length; i++) out[i]! *= k;
    return out;
  }

  toJSON(): ModelJSON {
    if (!this.fitted) throw new SextantError("INVALID_STATE", "this random_forest model is not fitted");
    const { threads: _threads, ...params } = this.params;
    return {
      format: "sextant-model",
      version: VERSION,
      kind: this.kind,
      featureNames: this.featureNames,
      params,
      state: { nFeatures: this.nFeatures, trees: this.trees.map(encodeTree) },
    };
  }

  static fromJSON(json: ModelJSON | string): RandomForest {
    const m = readHeader(json, "random_forest", [VERSION]);
    const s = m.state as Record<string, unknown>;
    const nFeatures = num(s, "nFeatures");
    if (!Array.isArray(s.trees) || s.trees.length === 0) {
      throw new SextantError("INVALID_ARGUMENT", "random_forest state.trees must be a non-empty array");
    }
    const rf = new RandomForest(m.params as RandomForestParams);
    rf.#set(
      s.trees.map((t, k) => decodeTree(t, nFeatures, `random_forest state.trees[${k}]`)),
      nFeatures,
    );
    rf.bind(m.featureNames, nFeatures);
    return rf;
  }
}
