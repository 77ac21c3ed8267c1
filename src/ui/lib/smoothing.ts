/**
 * Exponential moving average smoothing, as TensorBoard does it: the running average starts at 0
 * and is debiased by 1 − weight^n (n = finite points seen so far), so the first points are not
 * pulled towards zero. Non-finite values (NaN, ±Infinity) pass through unsmoothed and do not
 * enter the average. A constant series is returned unchanged.
 */
export function emaSmooth(values: readonly number[], weight: number): number[] {
  const w = Math.min(Math.max(weight, 0), 1);
  if (w === 0 || values.length === 0) return values.slice();
  let first: number | undefined;
  let constant = true;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (first === undefined) first = v;
    else if (v !== first) {
      constant = false;
      break;
    }
  }
  if (constant) return values.slice();
  const out = new Array<number>(values.length);
  let last = 0;
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) {
      out[i] = v;
      continue;
    }
    last = last * w + (1 - w) * v;
    n++;
    const debias = w === 1 ? 1 : 1 - w ** n;
    out[i] = last / debias;
  }
  return out;
}
