/**
 * A CART decision tree (scikit-learn's DecisionTreeClassifier with the best splitter). predictProba
 * is the weighted fraction of class 1 in the leaf a row reaches. NaN in X is handled natively.
 */
import { Rng, SextantError } from "../../core/index.js";
import type { Matrix } from "../matrix.js";
import { type CartParams, growTree, presort } from "./cart.js";
import { BaseClassifier, type ClassWeight, checkNumber, prepareFit } from "./common.js";
import { Ensemble } from "./ensemble.js";
import { num, readHeader } from "./format.js";
import { decodeTree, encodeTree, type TreeArrays } from "./trees.js";
import type { FitInput, ModelJSON } from "./types.js";

/** Features per split: all (default), "sqrt", "log2", an integer count ≥ 1, or a fraction in (0, 1). */
export type MaxFeatures = "all" | "sqrt" | "log2" | number | null;

export interface DecisionTreeParams {
  /** Default: unlimited. */
  maxDepth?: number | null;
  minSamplesLeaf?: number;
  minSamplesSplit?: number;
  maxFeatures?: MaxFeatures;
  classWeight?: ClassWeight | null;
  criterion?: "gini" | "entropy";
  seed?: number;
}

const VERSION = 1;

/** The number of features a `maxFeatures` setting means for `d` features. @throws INVALID_ARGUMENT */
export function resolveMaxFeatures(v: MaxFeatures | undefined, d: number): number {
  if (v === undefined || v === null || v === "all") return d;
  if (v === "sqrt") return Math.max(1, Math.floor(Math.sqrt(d)));
  if (v === "log2") return Math.max(1, Math.floor(Math.log2(d)));
  if (typeof v === "number" && Number.isInteger(v) && v >= 1) {
    if (v > d) throw new SextantError("INVALID_ARGUMENT", `maxFeatures ${v} is more than the ${d} features`);
    return v;
  }
  if (typeof v === "number" && v > 0 && v < 1) return Math.max(1, Math.floor(v * d));
  throw new SextantError(
    "INVALID_ARGUMENT",
    `maxFeatures must be "all", "sqrt", "log2", an integer >= 1 or a fraction in (0, 1), got ${String(v)}`,
  );
}

export function checkMaxFeatures(v: MaxFeatures | undefined): void {
  resolveMaxFeatures(v, Number.MAX_SAFE_INTEGER);
}

/** Validated CART settings (maxFeatures still symbolic). */
export function cartSettings(
  p: Pick<DecisionTreeParams, "criterion" | "maxDepth" | "minSamplesLeaf" | "minSamplesSplit">,
): Omit<CartParams, "maxFeatures"> {
  const criterion = p.criterion ?? "gini";
  if (criterion !== "gini" && criterion !== "entropy") {
    throw new SextantError(
      "INVALID_ARGUMENT",
      `criterion must be "gini" or "entropy", got ${String(criterion)}`,
    );
  }
  return {
    maxDepth:
      p.maxDepth === undefined || p.maxDepth === null
        ? Number.POSITIVE_INFINITY
        : checkNumber("maxDepth", p.maxDepth, { min: 1, integer: true }),
    minSamplesLeaf: checkNumber("minSamplesLeaf", p.minSamplesLeaf ?? 1, { min: 1, integer: true }),
    minSamplesSplit: checkNumber("minSamplesSplit", p.minSamplesSplit ?? 2, { min: 2, integer: true }),
    criterion,
  };
}

export class DecisionTree extends BaseClassifier {
  readonly kind = "decision_tree";
  readonly params: DecisionTreeParams;
  protected readonly missing = "native" as const;
  tree: TreeArrays | null = null;
  #ensemble: Ensemble | null = null;

  constructor(params: DecisionTreeParams = {}) {
    super();
    cartSettings(params);
    checkMaxFeatures(params.maxFeatures);
    checkNumber("seed", params.seed ?? 0, { integer: true });
    this.params = { ...params };
  }

  async fit(input: FitInput): Promise<this> {
    const d = prepareFit(input, "native", this.params.classWeight);
    const settings = cartSettings(this.params);
    const maxFeatures = resolveMaxFeatures(this.params.maxFeatures, d.X.nCols);
    const rows: number[] = [];
    for (let i = 0; i < d.X.nRows; i++) if (d.w[i]! > 0) rows.push(i);
    const tree = growTree(
      presort(d.X.columns),
      d.y,
      d.w,
      Int32Array.from(rows),
      { ...settings, maxFeatures },
      new Rng(this.params.seed ?? 0),
    );
    this.#set(tree, d.X.nCols);
    this.bind(d.names, d.X.nCols);
    return this;
  }

  #set(tree: TreeArrays, nFeatures: number): void {
    this.tree = tree;
    this.#ensemble = new Ensemble([tree], nFeatures);
  }

  /** Number of nodes and depth of the fitted tree. */
  get nodeCount(): number {
    return this.tree?.feature.length ?? 0;
  }

  protected probaOf(m: Matrix): Float64Array {
    const out = new Float64Array(m.nRows);
    this.#ensemble!.addTo(m, out);
    return out;
  }

  toJSON(): ModelJSON {
    if (!this.tree) throw new SextantError("INVALID_STATE", "this decision_tree model is not fitted");
    return {
      format: "sextant-model",
      version: VERSION,
      kind: this.kind,
      featureNames: this.featureNames,
      params: { ...this.params },
      state: { nFeatures: this.nFeatures, tree: encodeTree(this.tree) },
    };
  }

  static fromJSON(json: ModelJSON | string): DecisionTree {
    const m = readHeader(json, "decision_tree", [VERSION]);
    const s = m.state as Record<string, unknown>;
    const nFeatures = num(s, "nFeatures");
    const dt = new DecisionTree(m.params as DecisionTreeParams);
    dt.#set(decodeTree(s.tree, nFeatures, "decision_tree state.tree"), nFeatures);
    dt.bind(m.featureNames, nFeatures);
    return dt;
  }
}
