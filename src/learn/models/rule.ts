/**
 * A one-feature rule as a classifier: "no listening in 14 days → churn" is
 * `{ feature: "days_since_listen", direction: ">=", threshold: 14 }`. It is the baseline every
 * learned model should beat. `fit` learns nothing: it validates the data and binds the feature
 * name to a column; `RuleClassifier.bestThreshold` scans thresholds when you want one chosen.
 */
import { SextantError } from "../../core/index.js";
import { type FeatureInput, type Matrix, toLabels } from "../matrix.js";
import { BaseClassifier, checkValues, prepareFit, sampleWeights } from "./common.js";
import { readHeader } from "./format.js";
import type { FitInput, ModelJSON } from "./types.js";

export type Direction = ">" | ">=" | "<" | "<=";

export interface RuleParams {
  /** Column name (needs named input: a table or `featureNames`) or index. */
  feature: string | number;
  threshold: number;
  direction: Direction;
}

export type RuleMetric = "f1" | "accuracy" | "balanced_accuracy";

export interface BestThreshold extends RuleParams {
  metric: RuleMetric;
  /** The metric at the chosen threshold (on the data scanned). */
  score: number;
}

const DIRECTIONS: readonly Direction[] = [">", ">=", "<", "<="];
const VERSION = 1;

function checkParams(p: RuleParams): RuleParams {
  if (typeof p !== "object" || p === null) {
    throw new SextantError("INVALID_ARGUMENT", "RuleClassifier takes { feature, threshold, direction }");
  }
  const { feature, threshold, direction } = p;
  if (
    !(
      typeof feature === "string" ||
      (typeof feature === "number" && Number.isInteger(feature) && feature >= 0)
    )
  ) {
    throw new SextantError(
      "INVALID_ARGUMENT",
      `rule feature must be a column name or index, got ${String(feature)}`,
    );
  }
  if (typeof threshold !== "number" || Number.isNaN(threshold)) {
    throw new SextantError("INVALID_ARGUMENT", `rule threshold must be a number, got ${String(threshold)}`);
  }
  if (!DIRECTIONS.includes(direction)) {
    throw new SextantError(
      "INVALID_ARGUMENT",
      `rule direction must be one of ${DIRECTIONS.join(" ")}, got ${String(direction)}`,
    );
  }
  return { feature, threshold, direction };
}

function resolveFeature(feature: string | number, names: string[] | null, nCols: number): number {
  if (typeof feature === "number") {
    if (feature >= nCols) {
      throw new SextantError(
        "INVALID_ARGUMENT",
        `rule feature index ${feature} is out of range: X has ${nCols} columns`,
      );
    }
    return feature;
  }
  if (names === null) {
    throw new SextantError(
      "INVALID_ARGUMENT",
      `rule feature "${feature}" is a name but X has no column names: pass a table or featureNames`,
    );
  }
  const j = names.indexOf(feature);
  if (j < 0) {
    throw new SextantError(
      "INVALID_ARGUMENT",
      `rule feature "${feature}" is not a column of X (${names.join(", ")})`,
    );
  }
  return j;
}

export class RuleClassifier extends BaseClassifier {
  readonly kind = "rule";
  readonly params: RuleParams;
  protected readonly missing = "reject" as const;
  /** The column the rule reads, once bound by fit (or known from an index). */
  featureIndex = -1;

  constructor(params: RuleParams) {
    super();
    this.params = checkParams(params);
  }

  async fit(input: FitInput): Promise<this> {
    const d = prepareFit(input, "reject");
    this.featureIndex = resolveFeature(this.params.feature, d.names, d.X.nCols);
    this.bind(d.names, d.X.nCols);
    return this;
  }

  protected probaOf(m: Matrix): Float64Array {
    const col = m.columns[this.featureIndex]!;
    const t = this.params.threshold;
    const out = new Float64Array(m.nRows);
    const dir = this.params.direction;
    for (let i = 0; i < m.nRows; i++) {
      const x = col[i]!;
      const hit = dir === ">" ? x > t : dir === ">=" ? x >= t : dir === "<" ? x < t : x <= t;
      out[i] = hit ? 1 : 0;
    }
    return out;
  }

  toJSON(): ModelJSON {
    if (!this.fitted)
      throw new SextantError("INVALID_STATE", "this rule model is not fitted: call fit() first");
    return {
      format: "sextant-model",
      version: VERSION,
      kind: this.kind,
      featureNames: this.featureNames,
      params: { ...this.params },
      state: { featureIndex: this.featureIndex, nFeatures: this.nFeatures },
    };
  }

  static fromJSON(json: ModelJSON | string): RuleClassifier {
    const m = readHeader(json, "rule", [VERSION]);
    const r = new RuleClassifier(m.params as unknown as RuleParams);
    const s = m.state as { featureIndex?: unknown; nFeatures?: unknown };
    const n = s.nFeatures;
    const j = s.featureIndex;
    if (typeof n !== "number" || typeof j !== "number" || !(j >= 0 && j < n)) {
      throw new SextantError("INVALID_ARGUMENT", "rule model state is malformed");
    }
    r.featureIndex = j;
    r.bind(m.featureNames, n);
    return r;
  }

  /**
   * Scans every threshold between distinct values of one feature and returns the rule that
   * maximizes the metric on (X, y). Without `direction`, both ">=" and "<=" are tried.
   * @throws INVALID_ARGUMENT on bad input or a NaN in the feature
   */
  static bestThreshold(
    X: FeatureInput,
    y: ArrayLike<number | boolean>,
    feature: string | number,
    options: {
      metric?: RuleMetric;
      direction?: Direction;
      sampleWeight?: ArrayLike<number>;
      featureNames?: string[];
    } = {},
  ): BestThreshold {
    const metric = options.metric ?? "f1";
    if (!["f1", "accuracy", "balanced_accuracy"].includes(metric)) {
      throw new SextantError(
        "INVALID_ARGUMENT",
        `metric must be f1, accuracy or balanced_accuracy, got ${String(metric)}`,
      );
    }
    const input: FitInput = { X, y };
    if (options.featureNames) input.featureNames = options.featureNames;
    const d = prepareFit(input, "native");
    const j = resolveFeature(feature, d.names, d.X.nCols);
    const col = d.X.columns[j]!;
    checkValues({ nRows: d.X.nRows, nCols: 1, columns: [col], names: [d.names?.[j] ?? String(j)] }, "reject");
    const labels = toLabels(y, d.X.nRows);
    const w = sampleWeights(options.sampleWeight, d.X.nRows);
    return scan(col, labels, w, metric, options.direction, feature);
  }
}

function scan(
  col: Float64Array,
  y: Uint8Array,
  w: Float64Array,
  metric: RuleMetric,
  direction: Direction | undefined,
  feature: string | number,
): BestThreshold {
  const n = col.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => col[a]! - col[b]!);
  // groups of equal values, ascending: value, positive weight, negative weight
  const vals: number[] = [];
  const pos: number[] = [];
  const neg: number[] = [];
  let P = 0;
  let N = 0;
  for (const i of order) {
    const v = col[i]!;
    if (vals.length === 0 || vals[vals.length - 1] !== v) {
      vals.push(v);
      pos.push(0);
      neg.push(0);
    }
    const k = vals.length - 1;
    if (y[i] === 1) {
      pos[k]! += w[i]!;
      P += w[i]!;
    } else {
      neg[k]! += w[i]!;
      N += w[i]!;
    }
  }
  const score = (tp: number, fp: number): number => {
    const fn = P - tp;
    const tn = N - fp;
    if (metric === "accuracy") return (tp + tn) / (P + N);
    if (metric === "balanced_accuracy") return 0.5 * ((P > 0 ? tp / P : 0) + (N > 0 ? tn / N : 0));
    return tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
  };
  const K = vals.length;
  // prefix sums: before[k] = weight of groups < k
  const pBefore = new Float64Array(K + 1);
  const nBefore = new Float64Array(K + 1);
  for (let k = 0; k < K; k++) {
    pBefore[k + 1] = pBefore[k]! + pos[k]!;
    nBefore[k + 1] = nBefore[k]! + neg[k]!;
  }
  let best: BestThreshold = { feature, threshold: vals[0]!, direction: ">=", metric, score: -1 };
  const dirs: Direction[] = direction ? [direction] : [">=", "<="];
  for (const dir of dirs) {
    for (let k = 0; k < K; k++) {
      // positives predicted: ">=" v_k → groups >= k; ">" v_k → groups > k; "<=" → <= k; "<" → < k
      let tp: number;
      let fp: number;
      if (dir === ">=" || dir === ">") {
        const from = dir === ">=" ? k : k + 1;
        tp = P - pBefore[from]!;
        fp = N - nBefore[from]!;
      } else {
        const to = dir === "<=" ? k + 1 : k;
        tp = pBefore[to]!;
        fp = nBefore[to]!;
      }
      const s = score(tp, fp);
      if (s > best.score) best = { feature, threshold: vals[k]!, direction: dir, metric, score: s };
    }
  }
  return best;
}
