/**
 * fANOVA parameter importances (Hutter, Hoos and Leyton-Brown, "An Efficient Approach for
 * Assessing Hyperparameter Importance", ICML 2014), computed on the trees of a seeded regression
 * forest (forest.ts) as Optuna's FanovaImportanceEvaluator does:
 *
 * - each tree is a piecewise-constant function over the search-space box (`bounds`, one interval
 *   per encoded column); a leaf weighs the volume of its cell;
 * - the tree's total variance is the volume-weighted variance of its leaf values;
 * - a parameter (a group of encoded columns: one, or a categorical's one-hot columns) splits the
 *   box along its columns at every threshold the tree uses on them; its marginal at a cell of that
 *   grid is the tree's mean over all other columns, and its variance contribution is the
 *   cell-size-weighted variance of those marginals;
 * - the parameter's importance is that contribution over the total variance, averaged over the
 *   trees whose variance is positive, then normalized so the parameters sum to 1.
 */
import { type ForestOptions, fitForest, type RegressionTree } from "./forest.js";

/** Per tree: node cells' statistics and where each column is split. */
class FanovaTree {
  readonly tree: RegressionTree;
  /** Volume-weighted mean of the leaves under each node. */
  readonly nodeValue: Float64Array;
  /** Volume of each node's cell. */
  readonly nodeWeight: Float64Array;
  /** Per node, per column: whether some split in the node's subtree uses the column. */
  readonly active: Uint8Array[];
  /** Sorted distinct thresholds per column. */
  readonly splits: number[][];
  readonly variance: number;
  readonly #bounds: ReadonlyArray<readonly [number, number]>;

  constructor(tree: RegressionTree, bounds: ReadonlyArray<readonly [number, number]>) {
    this.tree = tree;
    this.#bounds = bounds;
    const nNodes = tree.feature.length;
    const nCols = bounds.length;
    this.nodeValue = new Float64Array(nNodes);
    this.nodeWeight = new Float64Array(nNodes);
    // cells top-down (children come after their parent)
    const lo: Float64Array[] = new Array(nNodes);
    const hi: Float64Array[] = new Array(nNodes);
    lo[0] = Float64Array.from(bounds, (b) => b[0]);
    hi[0] = Float64Array.from(bounds, (b) => b[1]);
    const splitSets = Array.from({ length: nCols }, () => new Set<number>());
    for (let i = 0; i < nNodes; i++) {
      const f = tree.feature[i]!;
      if (f < 0) continue;
      const t = tree.threshold[i]!;
      splitSets[f]!.add(t);
      const l = tree.left[i]!;
      const r = tree.right[i]!;
      lo[l] = lo[i]!.slice();
      hi[l] = hi[i]!.slice();
      hi[l][f] = t;
      lo[r] = lo[i]!.slice();
      hi[r] = hi[i]!.slice();
      lo[r][f] = t;
    }
    this.splits = splitSets.map((s) => [...s].sort((a, b) => a - b));
    this.active = Array.from({ length: nNodes }, () => new Uint8Array(nCols));
    // statistics bottom-up
    for (let i = nNodes - 1; i >= 0; i--) {
      const f = tree.feature[i]!;
      if (f < 0) {
        let v = 1;
        for (let c = 0; c < nCols; c++) v *= hi[i]![c]! - lo[i]![c]!;
        this.nodeWeight[i] = v;
        this.nodeValue[i] = tree.value[i]!;
        continue;
      }
      const l = tree.left[i]!;
      const r = tree.right[i]!;
      const w = this.nodeWeight[l]! + this.nodeWeight[r]!;
      this.nodeWeight[i] = w;
      this.nodeValue[i] =
        w > 0
          ? (this.nodeValue[l]! * this.nodeWeight[l]! + this.nodeValue[r]! * this.nodeWeight[r]!) / w
          : (this.nodeValue[l]! + this.nodeValue[r]!) / 2;
      const a = this.active[i]!;
      a[f] = 1;
      for (let c = 0; c < nCols; c++) if (this.active[l]![c] || this.active[r]![c]) a[c] = 1;
    }
    const leaves: number[] = [];
    for (let i = 0; i < nNodes; i++) if (tree.feature[i]! < 0) leaves.push(i);
    this.variance = weightedVariance(
      leaves.map((i) => this.nodeValue[i]!),
      leaves.map((i) => this.nodeWeight[i]!),
    );
  }

  /** The variance of the tree's marginal over the columns `group` (the rest averaged out). */
  marginalVariance(group: readonly number[]): number {
    // the grid: per column, the intervals between its bounds and its thresholds
    const mids: number[][] = [];
    const sizes: number[][] = [];
    for (const c of group) {
      const edges = [this.#bounds[c]![0], ...this.splits[c]!, this.#bounds[c]![1]];
      const m: number[] = [];
      const s: number[] = [];
      for (let k = 0; k + 1 < edges.length; k++) {
        m.push((edges[k]! + edges[k + 1]!) / 2);
        s.push(edges[k + 1]! - edges[k]!);
      }
      mids.push(m);
      sizes.push(s);
    }
    const values: number[] = [];
    const weights: number[] = [];
    const index = new Array<number>(group.length).fill(0);
    const point = new Float64Array(this.#bounds.length);
    for (;;) {
      let size = 1;
      for (let g = 0; g < group.length; g++) {
        point[group[g]!] = mids[g]![index[g]!]!;
        size *= sizes[g]![index[g]!]!;
      }
      const [value, weight] = this.#marginal(group, point);
      values.push(value);
      weights.push(weight * size);
      // next cell of the grid (odometer order)
      let g = 0;
      while (g < group.length && ++index[g]! >= mids[g]!.length) index[g++] = 0;
      if (g === group.length) break;
    }
    return Math.max(0, weightedVariance(values, weights));
  }

  /**
   * The tree's mean at `point` on the `group` columns, averaged over the other columns: the cells
   * reached by following the point on group splits and both sides on other splits (stopping
   * where no group split lies below), each weighing its volume outside the group's columns.
   */
  #marginal(group: readonly number[], point: Float64Array): [number, number] {
    const t = this.tree;
    const inGroup = new Set(group);
    let sumV = 0;
    let sumW = 0;
    // stack of (node, volume of the path's cell on the group columns)
    const nodes: number[] = [0];
    let groupVolume = 1;
    for (const c of group) groupVolume *= this.#bounds[c]![1] - this.#bounds[c]![0];
    const spans: Array<Map<number, [number, number]>> = [
      new Map(group.map((c) => [c, [this.#bounds[c]![0], this.#bounds[c]![1]] as [number, number]])),
    ];
    const volumes: number[] = [groupVolume];
    while (nodes.length > 0) {
      const i = nodes.pop()!;
      const span = spans.pop()!;
      const volume = volumes.pop()!;
      const f = t.feature[i]!;
      if (f >= 0 && inGroup.has(f)) {
        const th = t.threshold[i]!;
        const [a, b] = span.get(f)!;
        const goLeft = point[f]! <= th;
        const next = new Map(span);
        next.set(f, goLeft ? [a, th] : [th, b]);
        nodes.push(goLeft ? t.left[i]! : t.right[i]!);
        spans.push(next);
        volumes.push(b > a ? (volume / (b - a)) * (goLeft ? th - a : b - th) : volume);
        continue;
      }
      if (f >= 0 && group.some((c) => this.active[i]![c])) {
        nodes.push(t.left[i]!, t.right[i]!);
        spans.push(span, span);
        volumes.push(volume, volume);
        continue;
      }
      const w = volume > 0 ? this.nodeWeight[i]! / volume : 0;
      sumV += this.nodeValue[i]! * w;
      sumW += w;
    }
    return [sumW > 0 ? sumV / sumW : 0, sumW];
  }
}

function weightedVariance(values: readonly number[], weights: readonly number[]): number {
  let sw = 0;
  let sv = 0;
  for (let k = 0; k < values.length; k++) {
    sw += weights[k]!;
    sv += weights[k]! * values[k]!;
  }
  if (!(sw > 0)) return 0;
  const mean = sv / sw;
  let acc = 0;
  for (let k = 0; k < values.length; k++) acc += weights[k]! * (values[k]! - mean) ** 2;
  return acc / sw;
}

/**
 * fANOVA importance of each group of encoded columns (a parameter), summing to 1 (all 0 when no
 * tree varies). `bounds` gives each encoded column's range; every range must be non-empty.
 */
export function fanovaImportances(
  x: readonly (readonly number[])[],
  y: readonly number[],
  bounds: ReadonlyArray<readonly [number, number]>,
  groups: readonly (readonly number[])[],
  options: ForestOptions = {},
): number[] {
  const { trees } = fitForest(x, y, options);
  const fanovaTrees = trees.map((t) => new FanovaTree(t, bounds)).filter((t) => t.variance > 0);
  const out = groups.map(() => 0);
  if (fanovaTrees.length === 0) return out;
  groups.forEach((group, p) => {
    let sum = 0;
    for (const t of fanovaTrees) sum += t.marginalVariance(group) / t.variance;
    out[p] = sum / fanovaTrees.length;
  });
  const total = out.reduce((a, b) => a + b, 0);
  return total > 0 ? out.map((v) => v / total) : out;
}
