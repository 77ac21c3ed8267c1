/**
 * Zoomed charts: the server downsamples a whole series to about twice the chart's pixel width
 * (the overview); on zoom the visible step range is fetched again with the same budget (the
 * detail) and spliced into the overview, so the zoomed window shows exact points while the rest
 * of the axis (and the zoom slider) keep their shape.
 */

export interface SeriesColumns {
  steps: number[];
  timestamps: number[];
  values: number[];
}

/** Overview points before `lo` and after `hi` (steps), with every detail point in between. */
export function spliceDetail(
  overview: SeriesColumns,
  detail: SeriesColumns,
  lo: number,
  hi: number,
): SeriesColumns {
  const out: SeriesColumns = { steps: [], timestamps: [], values: [] };
  const push = (s: SeriesColumns, i: number) => {
    out.steps.push(s.steps[i]!);
    out.timestamps.push(s.timestamps[i]!);
    out.values.push(s.values[i]!);
  };
  let i = 0;
  while (i < overview.steps.length && overview.steps[i]! < lo) push(overview, i++);
  for (let j = 0; j < detail.steps.length; j++) {
    const st = detail.steps[j]!;
    if (st >= lo && st <= hi) push(detail, j);
  }
  while (i < overview.steps.length && overview.steps[i]! <= hi) i++;
  while (i < overview.steps.length) push(overview, i++);
  return out;
}

/**
 * The step range to fetch for a wall-time window [tLo, tHi]: from the last point at or before tLo
 * to the first point at or after tHi (so the window is covered even between sampled points).
 */
export function timeWindowToSteps(s: SeriesColumns, tLo: number, tHi: number): [number, number] | null {
  const n = s.steps.length;
  if (n === 0) return null;
  let lo = s.steps[0]!;
  let hi = s.steps[n - 1]!;
  for (let i = 0; i < n; i++) {
    if (s.timestamps[i]! <= tLo) lo = s.steps[i]!;
    else break;
  }
  for (let i = n - 1; i >= 0; i--) {
    if (s.timestamps[i]! >= tHi) hi = s.steps[i]!;
    else break;
  }
  return lo <= hi ? [Math.floor(lo), Math.ceil(hi)] : null;
}

/** A step window as whole steps; null when it covers the whole extent (no detail needed). */
export function stepWindow(
  startValue: number,
  endValue: number,
  extent: [number, number],
): [number, number] | null {
  const lo = Math.max(Math.floor(Math.min(startValue, endValue)), extent[0]);
  const hi = Math.min(Math.ceil(Math.max(startValue, endValue)), extent[1]);
  if (lo <= extent[0] && hi >= extent[1]) return null;
  return [lo, hi];
}

/** maxPoints for a chart of this pixel width: about two points per pixel, at least 4, at most 20,000. */
export function pointBudget(widthPx: number): number {
  return Math.min(20_000, Math.max(4, Math.round(widthPx * 2)));
}

/** A point budget rounded up to a multiple of 256, so that small resizes reuse a cached fetch. */
export function chartBudget(widthPx: number): number {
  return Math.max(4, Math.ceil(pointBudget(widthPx) / 256) * 256);
}

/**
 * The plot width of a chart in the run page's grid for a viewport width, mirroring styles.css
 * (.page padding 18px, .chart-grid columns minmax(400px, 1fr) with a 10px gap, 18px of chart
 * padding and border; the body is at least 1280px wide). Lets the first series be requested
 * before the page has been laid out.
 */
export function gridChartWidth(viewportWidth: number): number {
  const w = Math.max(1280, viewportWidth) - 36;
  const cols = Math.max(1, Math.floor((w + 10) / 410));
  return Math.floor((w - 10 * (cols - 1)) / cols) - 18;
}
