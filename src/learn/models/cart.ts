/**
 * CART classification trees grown depth-first the way scikit-learn's best splitter does: at each
 * node a random subset of `maxFeatures` features (constant ones do not count) is scanned for the
 * threshold, halfway between consecutive distinct values, that most reduces the weighted Gini or
 * entropy. Missing values (NaN) are sent to whichever side is better (scikit-learn ≥ 1.3); when a
 * node saw none for its split feature, a missing value at predict time follows the larger child.
 *
 * Rows are ordered per node by their dense rank in the feature (computed once per fit by
 * `presort`), with a radix sort, so no comparison sort runs inside the tree.
 */
import type { Rng } from "../../core/index.js";
import { type TreeArrays, TreeBuilder } from "./trees.js";

export interface Presorted {
  /** ranks[f][i]: dense rank of row i's value of feature f among the distinct values; -1 for NaN. */
  ranks: Int32Array[];
  /** uniq[f][r]: the distinct values of feature f, ascending. */
  uniq: Float64Array[];
}

export function presort(columns: Float64Array[]): Presorted {
  const ranks: Int32Array[] = [];
  const uniq: Float64Array[] = [];
  for (const col of columns) {
    const n = col.length;
    const vals = new Float64Array(n);
    let m = 0;
    for (let i = 0; i < n; i++) if (!Number.isNaN(col[i])) vals[m++] = col[i]!;
    const sorted = vals.subarray(0, m).sort();
    let k = 0;
    for (let i = 0; i < m; i++) if (k === 0 || sorted[i] !== sorted[k - 1]) sorted[k++] = sorted[i]!;
    const u = sorted.slice(0, k);
    const r = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const x = col[i]!;
      if (Number.isNaN(x)) {
        r[i] = -1;
        continue;
      }
      let lo = 0;
      let hi = k - 1;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (u[mid]! < x) lo = mid + 1;
        else hi = mid;
      }
      r[i] = lo;
    }
    ranks.push(r);
    uniq.push(u);
  }
  return { ranks, uniq };
}

export interface CartParams {
  maxDepth: number;
  minSamplesLeaf: number;
  minSamplesSplit: number;
  /** Features drawn per node (1..nFeatures). */
  maxFeatures: number;
  criterion: "gini" | "entropy";
}

interface Best {
  score: number;
  feature: number;
  /** Rank of the last non-missing value going left (or -2: all non-missing left). */
  rank: number;
  threshold: number;
  missingLeft: boolean;
  /** Whether the node had missing values in the split feature. */
  sawMissing: boolean;
}

const EPS = 2.220446049250313e-16;

/** Weighted impurity × weight for one side (to be minimized): Gini W·(1 − Σp²) or entropy W·H. */
function sideCost(a: number, b: number, gini: boolean): number {
  const W = a + b;
  if (W <= 0) return 0;
  if (gini) return W - (a * a + b * b) / W;
  let h = 0;
  if (a > 0) h -= a * Math.log2(a / W);
  if (b > 0) h -= b * Math.log2(b / W);
  return h;
}

/**
 * Grows one tree on the rows listed in `rows` (each with weight w[row] > 0).
 * The tree's leaf values are the weighted fraction of class 1.
 */
export function growTree(
  ps: Presorted,
  y: Uint8Array,
  w: Float64Array,
  rows: Int32Array,
  p: CartParams,
  rng: Rng,
): TreeArrays {
  const nFeat = ps.ranks.length;
  const n = rows.length;
  const samples = Int32Array.from(rows);
  const keysA = new Int32Array(n);
  const idxA = new Int32Array(n);
  const keysB = new Int32Array(n);
  const idxB = new Int32Array(n);
  const miss = new Int32Array(n);
  const counts = new Int32Array(2049);
  const feats = Int32Array.from({ length: nFeat }, (_, j) => j);
  const gini = p.criterion === "gini";
  const tree = new TreeBuilder(Math.min(1024, 2 * n + 1));
  tree.add(1);
  // stack of (node, start, end, depth)
  const stack: number[] = [0, 0, n, 0];
  const best: Best = { score: 0, feature: -1, rank: 0, threshold: 0, missingLeft: false, sawMissing: false };

  while (stack.length > 0) {
    const depth = stack.pop()!;
    const end = stack.pop()!;
    const start = stack.pop()!;
    const node = stack.pop()!;
    let W0 = 0;
    let W1 = 0;
    for (let k = start; k < end; k++) {
      const s = samples[k]!;
      if (y[s] === 1) W1 += w[s]!;
      else W0 += w[s]!;
    }
    tree.value[node] = W1 / (W0 + W1);
    const m = end - start;
    const impurity = sideCost(W0, W1, gini) / (W0 + W1);
    if (depth >= p.maxDepth || m < p.minSamplesSplit || m < 2 * p.minSamplesLeaf || impurity <= EPS) continue;

    best.feature = -1;
    best.score = Number.POSITIVE_INFINITY;
    let visited = 0;
    for (let k = 0; k < nFeat && visited < p.maxFeatures; k++) {
      const pick = rng.int(k, nFeat - 1);
      const f = feats[pick]!;
      feats[pick] = feats[k]!;
      feats[k] = f;
      const rank = ps.ranks[f]!;
      let nn = 0;
      let nm = 0;
      let mw0 = 0;
      let mw1 = 0;
      for (let q = start; q < end; q++) {
        const s = samples[q]!;
        const r = rank[s]!;
        if (r < 0) {
          miss[nm++] = s;
          if (y[s] === 1) mw1 += w[s]!;
          else mw0 += w[s]!;
        } else {
          keysA[nn] = r;
          idxA[nn++] = s;
        }
      }
      if (nn === 0) continue; // all missing: constant
      const sorted = sortByKey(keysA, idxA, keysB, idxB, nn, ps.uniq[f]!.length, counts);
      const keys = sorted ? keysB : keysA;
      const idx = sorted ? idxB : idxA;
      if (keys[0] === keys[nn - 1] && nm === 0) continue; // constant in this node
      visited++;
      const minLeaf = p.minSamplesLeaf;
      let l0 = 0;
      let l1 = 0;
      for (let q = 0; q < nn; q++) {
        const s = idx[q]!;
        if (y[s] === 1) l1 += w[s]!;
        else l0 += w[s]!;
        const nl = q + 1;
        const atBoundary = q + 1 < nn ? keys[q] !== keys[q + 1] : nm > 0;
        if (!atBoundary) continue;
        // missing → right
        if (nl >= minLeaf && m - nl >= minLeaf) {
          const c = sideCost(l0, l1, gini) + sideCost(W0 - l0, W1 - l1, gini);
          if (c < best.score) setBest(best, c, f, q + 1 < nn ? keys[q]! : -2, false, nm > 0);
        }
        // missing → left
        if (nm > 0 && q + 1 < nn && nl + nm >= minLeaf && m - nl - nm >= minLeaf) {
          const c = sideCost(l0 + mw0, l1 + mw1, gini) + sideCost(W0 - l0 - mw0, W1 - l1 - mw1, gini);
          if (c < best.score) setBest(best, c, f, keys[q]!, true, true);
        }
      }
    }
    if (best.feature < 0) continue; // no valid split: leaf

    // threshold halfway between the distinct values around the cut
    const u = ps.uniq[best.feature]!;
    let thr: number;
    if (best.rank === -2) thr = Number.POSITIVE_INFINITY;
    else {
      const a = u[best.rank]!;
      const b = u[best.rank + 1]!;
      thr = a / 2 + b / 2;
      if (thr >= b || !Number.isFinite(thr)) thr = a;
    }
    // partition samples[start, end) in place: left first
    const rank = ps.ranks[best.feature]!;
    const cut = best.rank === -2 ? 0x7fffffff : best.rank;
    let nl = 0;
    let nr = 0;
    for (let q = start; q < end; q++) {
      const s = samples[q]!;
      const r = rank[s]!;
      const goLeft = r < 0 ? best.missingLeft : r <= cut;
      if (goLeft) samples[start + nl++] = s;
      else keysA[nr++] = s;
    }
    samples.set(keysA.subarray(0, nr), start + nl);
    const missingLeft = best.sawMissing ? best.missingLeft : nl > nr;
    const left = tree.split(node, best.feature, thr, missingLeft);
    const mid = start + nl;
    stack.push(left + 1, mid, end, depth + 1, left, start, mid, depth + 1);
  }
  return tree.finish();
}

function setBest(
  b: Best,
  score: number,
  f: number,
  rank: number,
  missingLeft: boolean,
  sawMissing: boolean,
): void {
  b.score = score;
  b.feature = f;
  b.rank = rank;
  b.missingLeft = missingLeft;
  b.sawMissing = sawMissing;
}

/**
 * Sorts (keys, idx)[0, n) by key, keys in [0, K). Returns true when the result is in
 * (keysOut, idxOut), false when it stayed in (keys, idx).
 */
function sortByKey(
  keys: Int32Array,
  idx: Int32Array,
  keysOut: Int32Array,
  idxOut: Int32Array,
  n: number,
  K: number,
  counts: Int32Array,
): boolean {
  if (n < 48) {
    for (let i = 1; i < n; i++) {
      const k = keys[i]!;
      const v = idx[i]!;
      let j = i - 1;
      while (j >= 0 && keys[j]! > k) {
        keys[j + 1] = keys[j]!;
        idx[j + 1] = idx[j]!;
        j--;
      }
      keys[j + 1] = k;
      idx[j + 1] = v;
    }
    return false;
  }
  let src = keys;
  let srcIdx = idx;
  let dst = keysOut;
  let dstIdx = idxOut;
  let inOut = false;
  for (let shift = 0; (K - 1) >>> shift > 0 || shift === 0; shift += 11) {
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[((src[i]! >>> shift) & 2047) + 1]!++;
    for (let b = 0; b < 2048; b++) counts[b + 1]! += counts[b]!;
    for (let i = 0; i < n; i++) {
      const k = src[i]!;
      const pos = counts[(k >>> shift) & 2047]!++;
      dst[pos] = k;
      dstIdx[pos] = srcIdx[i]!;
    }
    const t = src;
    src = dst;
    dst = t;
    const ti = srcIdx;
    srcIdx = dstIdx;
    dstIdx = ti;
    inOut = !inOut;
    if (shift + 11 >= 31) break;
  }
  return inOut;
}
