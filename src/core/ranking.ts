/**
 * ROC AUC and average precision, the one implementation every caller uses: the metrics on the full
 * data (unit weights), the paired bootstrap's resamples (weights = how many times each row was
 * drawn), and the learners' tests. Rows are sorted once by descending score ({@link rankRows});
 * each metric is then a weighted walk over that order, O(n) per weight vector. Tied scores form
 * groups that enter the curve together, as in scikit-learn's ROC and precision-recall curves; a
 * row with weight 0 is absent, as scikit-learn drops zero-weight samples. With integer weights
 * every sum but the last division is exact.
 *
 * A walk reads the weight of position i as w[gather[i]], or w[i] without `gather`: the bootstrap
 * keeps one weight vector in model A's order and walks model B's order through it. (One loop that
 * always gathers, through the identity for A, costs about 5% against a loop of its own per case.)
 */

/** A typed-array constructor (for layouts in shared memory). */
export type TypedArrayCtor<T> = {
  new (n: number): T;
  new (buf: SharedArrayBuffer): T;
  BYTES_PER_ELEMENT: number;
};
/** Allocates the layout's arrays: plain ones by default, or in shared memory for worker threads. */
export type Alloc = <T>(Ctor: TypedArrayCtor<T>, n: number) => T;

const plain: Alloc = (Ctor, n) => new Ctor(n);

/** Rows in descending score order, with what the walks read. */
export interface RankedRows {
  n: number;
  /** Label (0/1) at each position. */
  y: Uint8Array;
  /** 1 where a position ends a group of tied scores. */
  last: Uint8Array;
  /** Whether any two scores tie. */
  ties: boolean;
  /** The positions of the positives, and where each one's tie group ends (for average precision). */
  posAt: Uint32Array;
  posEnd: Uint32Array;
}

/** Indices of `s` by descending score, ties by index (stable). */
export function descendingOrder(s: ArrayLike<number>): Uint32Array {
  const idx = new Uint32Array(s.length);
  for (let i = 0; i < idx.length; i++) idx[i] = i;
  idx.sort((x, y) => s[y]! - s[x]! || x - y);
  return idx;
}

/** The layout of rows with 0/1 labels `y` and scores `s` (both by row), in the order given. */
export function rankRows(
  y: ArrayLike<number>,
  s: ArrayLike<number>,
  order: Uint32Array = descendingOrder(s),
  alloc: Alloc = plain,
): RankedRows {
  const n = order.length;
  const ys = alloc(Uint8Array, n);
  const last = alloc(Uint8Array, n);
  let ties = false;
  let m = 0;
  for (let i = 0; i < n; i++) {
    const r = order[i]!;
    ys[i] = y[r]!;
    m += ys[i]!;
    const end = i === n - 1 || s[order[i + 1]!] !== s[r];
    last[i] = end ? 1 : 0;
    if (!end) ties = true;
  }
  const posAt = alloc(Uint32Array, m);
  const posEnd = alloc(Uint32Array, m);
  let k = 0;
  let groupStart = 0;
  for (let i = 0; i < n; i++) {
    if (last[i] !== 1) continue;
    for (let j = groupStart; j <= i; j++) {
      if (ys[j] === 1) {
        posAt[k] = j;
        posEnd[k] = i;
        k++;
      }
    }
    groupStart = i + 1;
  }
  return { n, y: ys, last, ties, posAt, posEnd };
}

/**
 * The ROC AUC walk: Σ over negatives of weight × (positive weight above + half the tied positive
 * weight), the area before dividing by (positive weight)·(negative weight), which it leaves in
 * `tot` [pos, neg].
 */
export function aucWalk(r: RankedRows, w: Int32Array, gather: Uint32Array | null, tot: Float64Array): number {
  // branchless: the labels in score order are too irregular for the branch predictor
  const y = r.y;
  const n = r.n;
  const g = gather ?? identity(n);
  let above = 0;
  let all = 0;
  let sum = 0;
  if (!r.ties) {
    for (let i = 0; i < n; i++) {
      const wi = w[g[i]!]!;
      const pw = wi * y[i]!;
      all += wi;
      sum += (wi - pw) * above;
      above += pw;
    }
  } else {
    const last = r.last;
    let gp = 0;
    let gn = 0;
    for (let i = 0; i < n; i++) {
      const wi = w[g[i]!]!;
      const pw = wi * y[i]!;
      gp += pw;
      gn += wi - pw;
      all += wi;
      const l = last[i]!;
      sum += l * gn * (above + gp * 0.5);
      above += l * gp;
      gp *= 1 - l;
      gn *= 1 - l;
    }
  }
  tot[0] = above;
  tot[1] = all - above;
  return sum;
}

/** Weighted ROC AUC; NaN when a class has no weight (scikit-learn raises there). */
export function weightedAuc(r: RankedRows, w: Int32Array, gather: Uint32Array | null = null): number {
  const tot = new Float64Array(2);
  const sum = aucWalk(r, w, gather, tot);
  return sum / (tot[0]! * tot[1]!);
}

/** Positions 0..n−1: the walk of a weight vector in its own order gathers through these. */
let identityPositions = new Uint32Array(0);

function identity(n: number): Uint32Array {
  if (identityPositions.length < n) {
    identityPositions = new Uint32Array(n);
    for (let i = 0; i < n; i++) identityPositions[i] = i;
  }
  return identityPositions;
}

/** Per-thread scratch: prefix sums of all and of positive weight (integers), and 1/k up to the total weight. */
let cumAll = new Int32Array(0);
let cumPos = new Int32Array(0);
let inverse = new Float64Array(1);

function scratchFor(n: number): void {
  if (cumAll.length < n) {
    cumAll = new Int32Array(n);
    cumPos = new Int32Array(n);
  }
}

/** The reciprocals 1/k for k ≤ total (a bootstrap's weights add up to n; sample weights may add up to more). */
function inverseUpTo(total: number): Float64Array {
  if (inverse.length <= total) {
    inverse = new Float64Array(Math.max(total + 1, 2 * inverse.length));
    for (let k = 1; k < inverse.length; k++) inverse[k] = 1 / k;
  }
  return inverse;
}

/*
 * Weighted average precision as scikit-learn sums it — Σ over tie groups from the top of
 * (Rₖ − Rₖ₋₁)·Pₖ — in two passes: prefix sums of all and positive weight along the order, then
 * each positive adds its weight times the precision where its tie group ends. The weights are
 * integers, so the precision's denominator (the weight so far) is too, and its reciprocal comes
 * from a table: no division and no branch on the labels. A group reached with no weight yet adds
 * nothing (its positives weigh 0; 1/0 is stored as 0). Each pass is its own function with one
 * loop, so that each is optimized with its own type feedback.
 */

/** Prefix sums of all and of positive weight along the order; returns the positive weight. */
function prefix(
  n: number,
  y: Uint8Array,
  w: Int32Array,
  g: Uint32Array,
  ca: Int32Array,
  cp: Int32Array,
): number {
  let all = 0;
  let tp = 0;
  for (let i = 0; i < n; i++) {
    const wi = w[g[i]!]!;
    all = (all + wi) | 0;
    tp = (tp + wi * y[i]!) | 0;
    ca[i] = all;
    cp[i] = tp;
  }
  return tp;
}

/** Σ over positives of weight × the precision where its tie group ends (its own row when untied). */
function positives(
  at: Uint32Array,
  end: Uint32Array,
  w: Int32Array,
  g: Uint32Array,
  ca: Int32Array,
  cp: Int32Array,
  inv: Float64Array,
): number {
  let ap = 0;
  for (let k = 0; k < at.length; k++) {
    const i = at[k]!;
    const e = end[k]!;
    const wi = w[g[i]!]!;
    ap += wi * cp[e]! * inv[ca[e]!]!;
  }
  return ap;
}

/**
 * The average-precision walk: Σ over positives of weight × precision at its tie group's end,
 * before dividing by the positive weight, which it leaves in `tot[0]`.
 */
export function apWalk(r: RankedRows, w: Int32Array, gather: Uint32Array | null, tot: Float64Array): number {
  scratchFor(r.n);
  const g = gather ?? identity(r.n);
  tot[0] = prefix(r.n, r.y, w, g, cumAll, cumPos);
  const inv = inverseUpTo(r.n === 0 ? 0 : cumAll[r.n - 1]!);
  return positives(r.posAt, r.posEnd, w, g, cumAll, cumPos, inv);
}

/** Weighted average precision; 0 without positive weight, as scikit-learn. */
export function weightedAp(r: RankedRows, w: Int32Array, gather: Uint32Array | null = null): number {
  const tot = new Float64Array(1);
  const sum = apWalk(r, w, gather, tot);
  return tot[0] === 0 ? 0 : sum / tot[0]!;
}

/** Unit weights for n rows. */
export function unitWeights(n: number): Int32Array {
  return new Int32Array(n).fill(1);
}

/** ROC AUC of 0/1 labels against scores (NaN with one class). */
export function rocAuc(y: ArrayLike<number>, s: ArrayLike<number>): number {
  return weightedAuc(rankRows(y, s), unitWeights(y.length));
}

/** Average precision of 0/1 labels against scores (0 without positives). */
export function averagePrecision(y: ArrayLike<number>, s: ArrayLike<number>): number {
  return weightedAp(rankRows(y, s), unitWeights(y.length));
}
