/**
 * A compact regression forest for parameter importances: CART trees grown on squared error
 * (sklearn's DecisionTreeRegressor rules: thresholds halfway between distinct sorted values, all
 * features considered at every split, minimum 2 samples to split and 1 per leaf; a threshold
 * only between values more than 1e-7 apart), bootstrapped and
 * seeded. Feature importance is the mean decrease in impurity: each split credits its feature
 * with n·impurity − n_left·impurity_left − n_right·impurity_right (sample counts as weights), each
 * tree's importances normalized to sum 1, averaged over the trees that split at all, normalized
 * again — what sklearn's RandomForestRegressor.feature_importances_ computes. One tree without
 * bootstrap is sklearn's DecisionTreeRegressor (exactly, when no two splits tie).
 */
import { Rng } from "../../core/index.js";

export interface ForestOptions {
  /** Default 64 (Optuna's mean-decrease-impurity evaluator uses 64). */
  nTrees?: number;
  /** Default 64. */
  maxDepth?: number;
  /** Default 2. */
  minSamplesSplit?: number;
  /** Default 1. */
  minSamplesLeaf?: number;
  /** Draw each tree's rows with replacement. Default true. */
  bootstrap?: boolean;
  /** Default 0. */
  seed?: number;
}

/** sklearn treats feature values closer than this as equal when it looks for thresholds. */
const FEATURE_THRESHOLD = 1e-7;
const EPSILON = 2.220446049250313e-16;

/**
 * One fitted tree as flat node arrays (node 0 is the root; children come after their parent).
 * A leaf has feature −1. A row goes left when its value is ≤ the threshold. `value` is the
 * (bootstrap-weighted) mean of the targets in the node.
 */
export interface RegressionTree {
  feature: number[];
  threshold: number[];
  left: number[];
  right: number[];
  value: number[];
}

/** Mean-decrease-impurity importance of each column of `x` (rows × features) for predicting `y`. */
export function forestImportances(
  x: readonly (readonly number[])[],
  y: readonly number[],
  options: ForestOptions = {},
): number[] {
  return fitForest(x, y, options).importances;
}

/** The forest's trees (every one, split or not) and its impurity importances. */
export function fitForest(
  x: readonly (readonly number[])[],
  y: readonly number[],
  options: ForestOptions = {},
): { trees: RegressionTree[]; importances: number[] } {
  const n = y.length;
  const nFeatures = x[0]?.length ?? 0;
  const nTrees = options.nTrees ?? 64;
  const maxDepth = options.maxDepth ?? 64;
  const minSplit = Math.max(2, options.minSamplesSplit ?? 2);
  const minLeaf = Math.max(1, options.minSamplesLeaf ?? 1);
  const bootstrap = options.bootstrap ?? true;
  const rng = new Rng(options.seed ?? 0);
  const total = new Array<number>(nFeatures).fill(0);
  const trees: RegressionTree[] = [];
  let used = 0;
  if (n === 0 || nFeatures === 0) return { trees, importances: total };
  const cols = Array.from({ length: nFeatures }, (_, f) => Float64Array.from(x, (row) => row[f]!));
  const ys = Float64Array.from(y);
  // every row sorted once per feature; nodes partition these lists, keeping the order
  const presorted = cols.map((col) =>
    Array.from({ length: n }, (_, i) => i).sort((a, b) => col[a]! - col[b]! || a - b),
  );
  const weight = new Float64Array(n);
  const side = new Uint8Array(n);
  for (let tree = 0; tree < nTrees; tree++) {
    weight.fill(0);
    if (bootstrap) for (let i = 0; i < n; i++) weight[rng.int(0, n - 1)]! += 1;
    else weight.fill(1);
    const imp = new Array<number>(nFeatures).fill(0);
    const tree: RegressionTree = { feature: [], threshold: [], left: [], right: [], value: [] };
    trees.push(tree);
    const rootLists = presorted.map((order) => order.filter((i) => weight[i]! > 0));
    if (!grow(rootLists, 0)) continue;
    let s = 0;
    for (const v of imp) s += v;
    if (s > 0) {
      for (let f = 0; f < nFeatures; f++) total[f]! += imp[f]! / s;
    }
    used++;

    function nodeStats(rows: readonly number[]): { w: number; sum: number; impurity: number } {
      let w = 0;
      let sum = 0;
      let sq = 0;
      for (const i of rows) {
        const wi = weight[i]!;
        w += wi;
        sum += wi * ys[i]!;
        sq += wi * ys[i]! * ys[i]!;
      }
      return { w, sum, impurity: Math.max(0, sq / w - (sum / w) ** 2) };
    }

    /** Grows the node whose rows are `lists[f]` (sorted by feature f); returns whether it split. */
    function grow(lists: number[][], depth: number): boolean {
      const rows = lists[0]!;
      const stats = nodeStats(rows);
      const { w, sum } = stats;
      const node = tree.feature.length;
      tree.feature.push(-1);
      tree.threshold.push(Number.NaN);
      tree.left.push(-1);
      tree.right.push(-1);
      tree.value.push(sum / w);
      if (
        depth >= maxDepth ||
        rows.length < minSplit ||
        rows.length < 2 * minLeaf ||
        stats.impurity <= EPSILON
      ) {
        return false;
      }
      // best split: the largest sumL²/wL + sumR²/wR (ordered as the impurity decrease)
      let bestProxy = Number.NEGATIVE_INFINITY;
      let bestF = -1;
      let bestPos = -1;
      for (let f = 0; f < nFeatures; f++) {
        const col = cols[f]!;
        const sorted = lists[f]!;
        let wl = 0;
        let sl = 0;
        for (let k = 0; k < sorted.length - 1; k++) {
          const i = sorted[k]!;
          wl += weight[i]!;
          sl += weight[i]! * ys[i]!;
          const a = col[i]!;
          const b = col[sorted[k + 1]!]!;
          if (b <= a + FEATURE_THRESHOLD) continue;
          if (k + 1 < minLeaf || sorted.length - k - 1 < minLeaf) continue;
          const wr = w - wl;
          const sr = sum - sl;
          const proxy = (sl * sl) / wl + (sr * sr) / wr;
          if (proxy > bestProxy) {
            bestProxy = proxy;
            bestF = f;
            bestPos = k + 1;
          }
        }
      }
      if (bestF < 0) return false;
      const chosen = lists[bestF]!;
      // as sklearn: halfway between the two values (the lower one if rounding reaches the upper)
      const lo = cols[bestF]![chosen[bestPos - 1]!]!;
      const hi = cols[bestF]![chosen[bestPos]!]!;
      let threshold = lo / 2 + hi / 2;
      if (threshold === hi || !Number.isFinite(threshold)) threshold = lo;
      tree.feature[node] = bestF;
      tree.threshold[node] = threshold;
      for (let k = 0; k < chosen.length; k++) side[chosen[k]!] = k < bestPos ? 0 : 1;
      const left: number[][] = [];
      const right: number[][] = [];
      for (const list of lists) {
        const l: number[] = [];
        const r: number[] = [];
        for (const i of list) (side[i] === 0 ? l : r).push(i);
        left.push(l);
        right.push(r);
      }
      const sL = nodeStats(left[0]!);
      const sR = nodeStats(right[0]!);
      imp[bestF]! += w * stats.impurity - sL.w * sL.impurity - sR.w * sR.impurity;
      tree.left[node] = tree.feature.length;
      grow(left, depth + 1);
      tree.right[node] = tree.feature.length;
      grow(right, depth + 1);
      return true;
    }
  }
  if (used === 0) return { trees, importances: total };
  let s = 0;
  for (let f = 0; f < nFeatures; f++) {
    total[f]! /= used;
    s += total[f]!;
  }
  if (s > 0) for (let f = 0; f < nFeatures; f++) total[f]! /= s;
  return { trees, importances: total };
}
