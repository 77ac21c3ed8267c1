/**
 * One random-forest tree: bootstrap draw, optional per-tree class balancing, CART growth. Runs in
 * the calling thread or in a pool worker (the default export), on shared read-only arrays.
 */
import { Rng } from "../../core/index.js";
import { type CartParams, growTree, type Presorted } from "./cart.js";
import type { TreeArrays } from "./trees.js";

export interface ForestTreeOptions {
  cart: CartParams;
  bootstrap: boolean;
  /** Rows drawn per tree when bootstrapping. */
  maxSamples: number;
  balancedSubsample: boolean;
}

export function buildForestTree(
  ps: Presorted,
  y: Uint8Array,
  w: Float64Array,
  seed: number,
  o: ForestTreeOptions,
): TreeArrays {
  const rng = new Rng(seed);
  const n = y.length;
  const wt = new Float64Array(n);
  if (o.bootstrap) {
    const counts = new Int32Array(n);
    for (let k = 0; k < o.maxSamples; k++) counts[rng.int(0, n - 1)]!++;
    let c1 = 0;
    let c0 = 0;
    for (let i = 0; i < n; i++) {
      if (y[i] === 1) c1 += counts[i]!;
      else c0 += counts[i]!;
    }
    // scikit-learn's balanced_subsample: class weights from the bootstrap draw itself
    const f0 = o.balancedSubsample && c0 > 0 ? o.maxSamples / (2 * c0) : 1;
    const f1 = o.balancedSubsample && c1 > 0 ? o.maxSamples / (2 * c1) : 1;
    for (let i = 0; i < n; i++) wt[i] = w[i]! * counts[i]! * (y[i] === 1 ? f1 : f0);
  } else {
    let c1 = 0;
    for (let i = 0; i < n; i++) c1 += y[i]!;
    const f0 = o.balancedSubsample ? n / (2 * (n - c1)) : 1;
    const f1 = o.balancedSubsample ? n / (2 * c1) : 1;
    for (let i = 0; i < n; i++) wt[i] = w[i]! * (y[i] === 1 ? f1 : f0);
  }
  let m = 0;
  for (let i = 0; i < n; i++) if (wt[i]! > 0) m++;
  const rows = new Int32Array(m);
  m = 0;
  for (let i = 0; i < n; i++) if (wt[i]! > 0) rows[m++] = i;
  return growTree(ps, y, wt, rows, o.cart, rng);
}

export interface ForestTask {
  ranks: Int32Array[];
  uniq: Float64Array[];
  y: Uint8Array;
  w: Float64Array;
  seeds: number[];
  options: ForestTreeOptions;
}

export default function run(task: ForestTask): TreeArrays[] {
  const ps: Presorted = { ranks: task.ranks, uniq: task.uniq };
  return task.seeds.map((s) => buildForestTree(ps, task.y, task.w, s, task.options));
}
