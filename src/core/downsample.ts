/**
 * Downsampling a series for charts: min/max buckets. The steps are cut into buckets of equal
 * point count, and each bucket keeps its lowest and highest value (in step order). A spike
 * survives, however long the series, and the first and last points are always kept. A bucket
 * whose values are all NaN keeps its first point.
 */
export interface Columns {
  steps: Float64Array;
  timestamps: Float64Array;
  values: Float64Array;
}

/** The smallest budget: the first and last point plus one bucket's min and max. */
export const MIN_DOWNSAMPLE_POINTS = 4;

/** Indices of the points to keep so that at most `maxPoints` (≥ 4) remain, in order. */
export function minMaxBucketIndices(values: Float64Array, maxPoints: number): Uint32Array {
  const n = values.length;
  if (n <= maxPoints) return Uint32Array.from({ length: n }, (_, i) => i);
  const inner = Math.floor((Math.max(MIN_DOWNSAMPLE_POINTS, maxPoints) - 2) / 2);
  const out: number[] = [0];
  const size = (n - 2) / inner;
  for (let b = 0; b < inner; b++) {
    const lo = 1 + Math.floor(b * size);
    const hi = 1 + Math.floor((b + 1) * size);
    let iMin = -1;
    let iMax = -1;
    for (let i = lo; i < hi; i++) {
      const v = values[i]!;
      if (Number.isNaN(v)) continue;
      if (iMin < 0 || v < values[iMin]!) iMin = i;
      if (iMax < 0 || v > values[iMax]!) iMax = i;
    }
    if (iMin < 0) {
      if (lo < hi) out.push(lo);
    } else if (iMin === iMax) out.push(iMin);
    else out.push(Math.min(iMin, iMax), Math.max(iMin, iMax));
  }
  out.push(n - 1);
  return Uint32Array.from(out);
}

export function downsample(s: Columns, maxPoints: number): Columns {
  if (s.values.length <= maxPoints) return s;
  const idx = minMaxBucketIndices(s.values, maxPoints);
  const pick = (a: Float64Array) => Float64Array.from(idx, (i) => a[i]!);
  return { steps: pick(s.steps), timestamps: pick(s.timestamps), values: pick(s.values) };
}
