/**
 * Parallel coordinates over params → one metric. Numeric params get value axes; a param with any
 * non-numeric value gets a category axis of its distinct values (sorted naturally, a missing value
 * shown as "(none)"). The metric is the last axis; non-finite metric values are left out (null).
 */
import { colorAt } from "./chartOptions.js";
import { formatNumber } from "./format.js";
import { isNumericString, naturalCompare } from "./runValues.js";
import type { Run } from "./types.js";

export const MISSING_CATEGORY = "(none)";

export interface ParallelDim {
  name: string;
  kind: "param" | "metric";
  type: "value" | "category";
  categories?: string[];
}

export interface ParallelRow {
  runId: string;
  name: string;
  values: Array<number | string | null>;
}

export interface ParallelData {
  dims: ParallelDim[];
  rows: ParallelRow[];
  /** Range of the finite metric values, null when there are none. */
  metricRange: [number, number] | null;
}

/** Params worth an axis: those whose values differ across the runs (all params if none differ), at most `max`. */
export function chooseParallelParams(runs: readonly Run[], max = 12): string[] {
  const keys = new Set<string>();
  for (const r of runs) for (const k of Object.keys(r.data.params)) keys.add(k);
  const all = [...keys].sort(naturalCompare);
  const differing = all.filter((k) => {
    const first = runs[0]?.data.params[k];
    return runs.some((r) => r.data.params[k] !== first);
  });
  return (differing.length > 0 ? differing : all).slice(0, max);
}

export function buildParallelData(
  runs: readonly Run[],
  paramKeys: readonly string[],
  metricKey: string,
): ParallelData {
  const dims: ParallelDim[] = paramKeys.map((k) => {
    const present = runs.map((r) => r.data.params[k]).filter((v): v is string => v !== undefined);
    const numeric = present.length > 0 && present.every(isNumericString);
    if (numeric) return { name: k, kind: "param", type: "value" };
    const cats = [...new Set(present)].sort(naturalCompare);
    if (present.length < runs.length) cats.push(MISSING_CATEGORY);
    return { name: k, kind: "param", type: "category", categories: cats };
  });
  dims.push({ name: metricKey, kind: "metric", type: "value" });
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  const rows = runs.map((r) => {
    const values: Array<number | string | null> = paramKeys.map((k, i) => {
      const v = r.data.params[k];
      if (dims[i]!.type === "value") return v === undefined ? null : Number(v);
      return v ?? MISSING_CATEGORY;
    });
    const m = r.data.metrics[metricKey];
    if (m !== undefined && Number.isFinite(m)) {
      values.push(m);
      lo = Math.min(lo, m);
      hi = Math.max(hi, m);
    } else values.push(null);
    return { runId: r.info.runId, name: r.info.runName || r.info.runId.slice(0, 8), values };
  });
  return { dims, rows, metricRange: lo <= hi ? [lo, hi] : null };
}

export function buildParallelOption(data: ParallelData): Record<string, unknown> {
  const last = data.dims.length - 1;
  return {
    animation: false,
    tooltip: { trigger: "item", confine: true },
    parallel: { left: 48, right: 110, top: 48, bottom: 28, parallelAxisDefault: { nameGap: 14 } },
    parallelAxis: data.dims.map((d, i) => ({
      dim: i,
      name: d.name,
      type: d.type,
      ...(d.type === "category" ? { data: d.categories } : { scale: true }),
      nameTextStyle: { fontWeight: d.kind === "metric" ? "bold" : "normal", fontSize: 11 },
      axisLabel:
        d.type === "value" ? { formatter: (v: number) => formatNumber(v), fontSize: 10 } : { fontSize: 10 },
    })),
    ...(data.metricRange
      ? {
          visualMap: {
            type: "continuous",
            dimension: last,
            min: data.metricRange[0],
            max: data.metricRange[0] === data.metricRange[1] ? data.metricRange[0] + 1 : data.metricRange[1],
            calculable: true,
            right: 4,
            top: "middle",
            itemHeight: 120,
            formatter: (v: number) => formatNumber(v),
            textStyle: { fontSize: 10 },
            inRange: { color: ["#2563eb", "#16a34a", "#eab308", "#dc2626"] },
          },
        }
      : {}),
    series: [
      {
        type: "parallel",
        lineStyle: { width: 2, opacity: 0.75 },
        emphasis: { lineStyle: { width: 3, opacity: 1 } },
        ...(data.metricRange ? {} : { color: colorAt(0) }),
        data: data.rows.map((r) => ({ name: r.name, value: r.values })),
      },
    ],
  };
}
