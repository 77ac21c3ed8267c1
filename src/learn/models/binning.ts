/**
 * Quantile binning of each feature into at most `maxBins` bins plus a missing-value bin (index
 * `maxBins`), the way scikit-learn's `_BinMapper` does it: with ≤ maxBins distinct values the
 * thresholds are the midpoints between them, otherwise numpy's "midpoint" percentiles at
 * linspace(0, 100, maxBins + 1)[1:-1]; thresholds are computed on at most 200,000 rows.
 * A value x lands in bin i iff thresholds[i - 1] < x <= thresholds[i].
 */
import type { Rng } from "../../core/index.js";

const ALMOST_INF = 1e300;
export const BINNING_SUBSAMPLE = 200_000;

export interface BinMapper {
  maxBins: number;
  /** Per feature, the ascending bin thresholds (length = bins used − 1). */
  thresholds: Float64Array[];
  /** Per feature, 1 when the training data had a missing value. */
  hasMissing: Uint8Array;
}

/** numpy's percentile(values, q · 100, method="midpoint") on sorted values. */
function midpointPercentile(sorted: Float64Array, q: number): number {
  const n = sorted.length;
  const idx = n * q + (1 + q * (1 - 1 - 1)) - 1; // numpy's _compute_virtual_index(n, q, 1, 1), bit for bit
  const lo = Math.floor(idx);
  if (idx === lo) return sorted[lo]!;
  const a = sorted[lo]!;
  const b = sorted[lo + 1]!;
  // numpy's _lerp with t = 0.5 (t >= 0.5 branch)
  return b - (b - a) * 0.5;
}

/** The rows thresholds are computed on: all (null) or a random 200,000 of them. */
export function binningRows(n: number, rng: Rng): Int32Array | null {
  if (n <= BINNING_SUBSAMPLE) return null;
  const all = Int32Array.from({ length: n }, (_, i) => i);
  for (let k = 0; k < BINNING_SUBSAMPLE; k++) {
    const j = rng.int(k, n - 1);
    const t = all[k]!;
    all[k] = all[j]!;
    all[j] = t;
  }
  return all.slice(0, BINNING_SUBSAMPLE);
}

/** One feature's bin thresholds (on `rows` when given) and whether it has a missing value. */
export function featureThresholds(
  col: Float64Array,
  rows: Int32Array | null,
  maxBins: number,
): { thresholds: Float64Array; hasMissing: boolean } {
  const n = col.length;
  let hasMissing = false;
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(col[i])) {
      hasMissing = true;
      break;
    }
  }
  const m = rows ? rows.length : n;
  const vals = new Float64Array(m);
  let k = 0;
  for (let r = 0; r < m; r++) {
    const x = col[rows ? rows[r]! : r]!;
    if (!Number.isNaN(x)) vals[k++] = x;
  }
  const sorted = vals.subarray(0, k).sort();
  let u = 0;
  for (let i = 0; i < k; i++) if (u === 0 || sorted[i] !== sorted[u - 1]) u++;
  let t: Float64Array;
  if (u <= maxBins) {
    const distinct = new Float64Array(u);
    let w = 0;
    for (let i = 0; i < k; i++) if (w === 0 || sorted[i] !== distinct[w - 1]) distinct[w++] = sorted[i]!;
    t = new Float64Array(Math.max(0, u - 1));
    for (let i = 0; i + 1 < u; i++) t[i] = (distinct[i]! + distinct[i + 1]!) * 0.5;
  } else {
    t = new Float64Array(maxBins - 1);
    const step = 100 / maxBins;
    for (let i = 1; i < maxBins; i++) t[i - 1] = midpointPercentile(sorted, (i * step) / 100);
  }
  for (let i = 0; i < t.length; i++) if (t[i]! > ALMOST_INF) t[i] = ALMOST_INF;
  return { thresholds: t, hasMissing };
}

/** The bin of value x for a feature's thresholds (missing → missingBin). */
export function binOf(t: Float64Array, x: number, missingBin: number): number {
  if (Number.isNaN(x)) return missingBin;
  let lo = 0;
  let hi = t.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (x <= t[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Bins columns into one byte array, feature-major: out[f · n + i]. */
export function transform(mapper: BinMapper, columns: Float64Array[], out?: Uint8Array): Uint8Array {
  const n = columns[0]?.length ?? 0;
  const res = out ?? new Uint8Array(n * columns.length);
  const miss = mapper.maxBins;
  columns.forEach((col, f) => {
    const t = mapper.thresholds[f]!;
    const off = f * n;
    for (let i = 0; i < n; i++) res[off + i] = binOf(t, col[i]!, miss);
  });
  return res;
}
