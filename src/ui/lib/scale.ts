/** Values made safe for a chart axis: non-finite values become gaps, and on a log axis so do values ≤ 0. */

export interface SafeValues {
  values: Array<number | null>;
  /** Values dropped because they are ≤ 0 on a log axis. */
  nonPositive: number;
  /** NaN and ±Infinity values dropped. */
  nonFinite: number;
}

export function safeValues(values: readonly number[], log: boolean): SafeValues {
  let nonPositive = 0;
  let nonFinite = 0;
  const out = new Array<number | null>(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) {
      nonFinite++;
      out[i] = null;
    } else if (log && v <= 0) {
      nonPositive++;
      out[i] = null;
    } else out[i] = v;
  }
  return { values: out, nonPositive, nonFinite };
}

/** log10 of a value for axes ECharts cannot draw natively (parallel, scatter); null when ≤ 0 or non-finite. */
export function safeLog10(v: number): number | null {
  return Number.isFinite(v) && v > 0 ? Math.log10(v) : null;
}

/** Whether a log axis can show anything of these values (at least one finite value > 0). */
export function hasPositive(values: readonly number[]): boolean {
  for (const v of values) if (Number.isFinite(v) && v > 0) return true;
  return false;
}
