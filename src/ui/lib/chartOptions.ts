/**
 * Metric series → ECharts options, as plain objects. No animation (large series draw in one
 * frame), no symbols beyond a few dozen points, gaps for NaN/±Infinity (and for values ≤ 0 on a
 * log axis), optional EMA smoothing drawn over the faint raw line.
 */
import { formatInt, formatNumber, formatTimestamp } from "./format.js";
import { safeValues } from "./scale.js";
import { emaSmooth } from "./smoothing.js";

/** Distinct colours for up to 20 runs, then repeating. */
export const PALETTE = [
  "#2563eb",
  "#dc2626",
  "#16a34a",
  "#d97706",
  "#7c3aed",
  "#0891b2",
  "#db2777",
  "#65a30d",
  "#ea580c",
  "#4f46e5",
  "#0d9488",
  "#9333ea",
  "#ca8a04",
  "#e11d48",
  "#0284c7",
  "#059669",
  "#c026d3",
  "#78716c",
  "#b45309",
  "#475569",
];

export function colorAt(i: number): string {
  return PALETTE[((i % PALETTE.length) + PALETTE.length) % PALETTE.length]!;
}

export type ChartOption = Record<string, unknown>;

export interface LineSeriesInput {
  /** Stable id (run id, or metric key). */
  id: string;
  /** Legend / tooltip label. */
  name: string;
  steps: readonly number[];
  timestamps: readonly number[];
  values: readonly number[];
  color?: string;
}

export interface LineChartConfig {
  x: "step" | "time";
  /** EMA weight, 0 (off) to 0.99. */
  smoothing: number;
  log: boolean;
  legend?: boolean;
  /** Add dataZoom (inside + slider). */
  zoom?: boolean;
  /** Current zoom window in axis units, kept across option rebuilds. */
  zoomWindow?: { start: number; end: number } | null;
  /** Small multiple: tighter grid, wheel zoom only with shift. */
  compact?: boolean;
}

export interface LineChartResult {
  option: ChartOption;
  /** Points drawn per series (before smoothing duplicates). */
  points: number;
  nonPositive: number;
  nonFinite: number;
}

/** [x, y] pairs with null y for gaps. */
export function toPairs(
  xs: readonly number[],
  ys: ReadonlyArray<number | null>,
): Array<[number, number | null]> {
  const n = Math.min(xs.length, ys.length);
  const out = new Array<[number, number | null]>(n);
  for (let i = 0; i < n; i++) out[i] = [xs[i]!, ys[i]!];
  return out;
}

const SYMBOL_LIMIT = 60;

export interface LineSeriesResult {
  series: ChartOption[];
  points: number;
  nonPositive: number;
  nonFinite: number;
}

/** The series entries alone (for updating data without touching axes or zoom). */
export function buildLineSeries(inputs: readonly LineSeriesInput[], cfg: LineChartConfig): LineSeriesResult {
  const series: ChartOption[] = [];
  let points = 0;
  let nonPositive = 0;
  let nonFinite = 0;
  inputs.forEach((s, i) => {
    const color = s.color ?? colorAt(i);
    const xs = cfg.x === "time" ? s.timestamps : s.steps;
    const raw = safeValues(s.values, cfg.log);
    nonPositive += raw.nonPositive;
    nonFinite += raw.nonFinite;
    points += raw.values.length;
    const showSymbol = raw.values.length <= SYMBOL_LIMIT;
    const base = {
      type: "line",
      name: s.name,
      color,
      showSymbol,
      symbolSize: 4,
      connectNulls: false,
      animation: false,
      progressive: 0,
      emphasis: { disabled: true },
    };
    if (cfg.smoothing > 0) {
      const smoothed = safeValues(emaSmooth(s.values, cfg.smoothing), cfg.log);
      series.push({
        ...base,
        id: `${s.id}:raw`,
        data: toPairs(xs, raw.values),
        showSymbol: false,
        silent: true,
        lineStyle: { width: 1, opacity: 0.25 },
        tooltip: { show: false },
        z: 1,
      });
      series.push({ ...base, id: s.id, data: toPairs(xs, smoothed.values), lineStyle: { width: 1.5 }, z: 2 });
    } else {
      series.push({ ...base, id: s.id, data: toPairs(xs, raw.values), lineStyle: { width: 1.5 }, z: 2 });
    }
  });
  return { series, points, nonPositive, nonFinite };
}

/** The x value in tooltips: "step 1,234" or the full timestamp. */
export function pointerLabel(v: number, x: "step" | "time"): string {
  return x === "time" ? formatTimestamp(v) : `step ${formatInt(v)}`;
}

function axisLabel(x: "step" | "time"): (v: number) => string {
  return x === "time" ? (v) => formatTimestamp(v).slice(11) : (v) => formatNumber(v);
}

export function buildLineOption(inputs: readonly LineSeriesInput[], cfg: LineChartConfig): LineChartResult {
  const { series, points, nonPositive, nonFinite } = buildLineSeries(inputs, cfg);
  const compact = cfg.compact ?? false;
  const zoom = cfg.zoom ?? false;
  const legend = cfg.legend ?? false;
  const win = cfg.zoomWindow ?? null;
  const windowProps = win ? { startValue: win.start, endValue: win.end } : { start: 0, end: 100 };
  // Tight x bounds, unless every point shares one x (then let the axis pad around it).
  const ext = xExtent(inputs, cfg.x);
  const tight = ext !== null && ext[0] < ext[1];
  const option: ChartOption = {
    animation: false,
    grid: {
      left: compact ? 8 : 12,
      right: compact ? 12 : 20,
      top: legend ? 34 : compact ? 10 : 16,
      bottom: zoom ? (compact ? 34 : 44) : 8,
      outerBoundsMode: "same",
    },
    tooltip: {
      trigger: "axis",
      confine: true,
      axisPointer: { type: "line", animation: false },
      valueFormatter: (v: unknown) => (typeof v === "number" ? formatNumber(v) : "—"),
    },
    legend: legend
      ? { type: "scroll", top: 0, left: 8, right: 8, icon: "roundRect", itemHeight: 8 }
      : { show: false },
    xAxis: {
      type: cfg.x === "time" ? "time" : "value",
      ...(tight ? { min: "dataMin", max: "dataMax" } : ext ? padSingle(ext[0], cfg.x) : {}),
      ...(cfg.x === "step" ? { minInterval: 1 } : {}),
      axisLabel: { hideOverlap: true, formatter: axisLabel(cfg.x) },
      axisPointer: { label: { formatter: (p: { value: number }) => pointerLabel(p.value, cfg.x) } },
      axisLine: { onZero: false },
      splitLine: { show: false },
    },
    yAxis: {
      type: cfg.log ? "log" : "value",
      scale: true,
      axisLine: { show: true, onZero: false },
      axisLabel: { formatter: (v: number) => formatNumber(v) },
      splitLine: { lineStyle: { color: "#eef0f3" } },
    },
    dataZoom: zoom
      ? [
          {
            type: "inside",
            xAxisIndex: 0,
            filterMode: "none",
            zoomOnMouseWheel: compact ? "shift" : true,
            moveOnMouseWheel: false,
            ...windowProps,
          },
          {
            type: "slider",
            xAxisIndex: 0,
            filterMode: "none",
            height: compact ? 14 : 18,
            bottom: 6,
            showDetail: false,
            brushSelect: !compact,
            ...windowProps,
          },
        ]
      : [],
    series,
  };
  return { option, points, nonPositive, nonFinite };
}

/** Bounds that centre a lone x value (one step either side, or a minute of wall time). */
function padSingle(x: number, axis: "step" | "time"): { min: number; max: number } {
  const d = axis === "time" ? 60_000 : 1;
  return { min: x - d, max: x + d };
}

/** Smallest and largest x over all series; null when there are no points. */
export function xExtent(inputs: readonly LineSeriesInput[], x: "step" | "time"): [number, number] | null {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const s of inputs) {
    for (const v of x === "time" ? s.timestamps : s.steps) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  return lo <= hi ? [lo, hi] : null;
}
