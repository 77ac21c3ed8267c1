/**
 * numpy.quantile's default method ("linear", Hyndman–Fan type 7) on values sorted ascending: the
 * value at position (n − 1)·q, interpolated between its two neighbours as numpy's _lerp does it,
 * from the nearer end, so that the result is NumPy's to the last bit. NaN for no values. Equal
 * neighbours give that value, infinite ones included (NumPy gives NaN for two equal infinities).
 */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const pos = q * (n - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo]!;
  const b = sorted[hi]!;
  if (lo === hi || a === b) return a;
  const t = pos - lo;
  const diff = b - a;
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}
