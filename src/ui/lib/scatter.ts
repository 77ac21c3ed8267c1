/**
 * Scatter of any two columns (params, metrics, attributes) across runs. A column whose values are
 * all numeric gets a value axis; otherwise a category axis of its distinct values. Runs missing
 * either value (or with a non-finite number) are skipped and counted.
 */
import { colorAt } from "./chartOptions.js";
import { formatNumber } from "./format.js";
import { isNumericString, naturalCompare, runValue } from "./runValues.js";
import type { Run } from "./types.js";

export interface ScatterAxis {
  column: string;
  type: "value" | "category";
  categories?: string[];
}

export interface ScatterPoint {
  runId: string;
  name: string;
  x: number | string;
  y: number | string;
}

export interface ScatterData {
  x: ScatterAxis;
  y: ScatterAxis;
  points: ScatterPoint[];
  skipped: number;
}

function axisFor(column: string, values: Array<number | string | null>): ScatterAxis {
  const present = values.filter((v): v is number | string => v !== null);
  const numeric = present.every((v) => typeof v === "number" || isNumericString(v));
  if (numeric) return { column, type: "value" };
  const cats = [...new Set(present.map(String))].sort(naturalCompare);
  return { column, type: "category", categories: cats };
}

function coerce(v: number | string | null, axis: ScatterAxis): number | string | null {
  if (v === null) return null;
  if (axis.type === "category") return String(v);
  const n = typeof v === "number" ? v : Number(v);
  return Number.isFinite(n) ? n : null;
}

export function buildScatterData(
  runs: readonly Run[],
  xCol: string,
  yCol: string,
  now: number = Date.now(),
): ScatterData {
  const xs = runs.map((r) => runValue(r, xCol, now));
  const ys = runs.map((r) => runValue(r, yCol, now));
  const x = axisFor(xCol, xs);
  const y = axisFor(yCol, ys);
  const points: ScatterPoint[] = [];
  let skipped = 0;
  runs.forEach((r, i) => {
    const xv = coerce(xs[i]!, x);
    const yv = coerce(ys[i]!, y);
    if (xv === null || yv === null) {
      skipped++;
      return;
    }
    points.push({ runId: r.info.runId, name: r.info.runName || r.info.runId.slice(0, 8), x: xv, y: yv });
  });
  return { x, y, points, skipped };
}

function axisOption(a: ScatterAxis, position: "x" | "y"): Record<string, unknown> {
  return {
    type: a.type,
    name: a.column,
    nameLocation: "middle",
    nameGap: position === "x" ? 28 : 48,
    ...(a.type === "category"
      ? { data: a.categories }
      : { scale: true, axisLabel: { formatter: (v: number) => formatNumber(v) } }),
    splitLine: { lineStyle: { color: "#eef0f3" } },
  };
}

/** The scatter option; points coloured by `colorOf(runId)` (palette order by default). */
export function buildScatterOption(
  data: ScatterData,
  colorOf?: (runId: string) => string,
): Record<string, unknown> {
  return {
    animation: false,
    grid: { left: 16, right: 24, top: 16, bottom: 36, outerBoundsMode: "same" },
    tooltip: { trigger: "item", confine: true },
    xAxis: axisOption(data.x, "x"),
    yAxis: axisOption(data.y, "y"),
    series: [
      {
        type: "scatter",
        symbolSize: 10,
        data: data.points.map((p, i) => ({
          name: p.name,
          value: [p.x, p.y],
          runId: p.runId,
          itemStyle: { color: colorOf ? colorOf(p.runId) : colorAt(i) },
        })),
      },
    ],
  };
}
