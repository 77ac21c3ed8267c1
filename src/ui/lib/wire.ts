/**
 * Decoding the API's JSON numbers: NaN and ±Infinity travel as the strings "NaN", "Infinity" and
 * "-Infinity" in number positions (metric values, summaries, history values).
 */
import type { MetricHistory, MetricSummary, Run } from "./types.js";

/** A wire number as a number; anything unrecognisable becomes NaN. */
export function decodeNumber(v: unknown): number {
  if (typeof v === "number") return v;
  if (v === "NaN") return Number.NaN;
  if (v === "Infinity") return Number.POSITIVE_INFINITY;
  if (v === "-Infinity") return Number.NEGATIVE_INFINITY;
  if (typeof v === "string" && v.trim() !== "") {
    const n = Number(v);
    return n;
  }
  return Number.NaN;
}

/** Like decodeNumber, but null stays null. */
export function decodeNullable(v: unknown): number | null {
  return v === null || v === undefined ? null : decodeNumber(v);
}

interface RawRun extends Omit<Run, "data" | "metricSummaries"> {
  data?: {
    params?: Record<string, string>;
    metrics?: Record<string, unknown>;
    tags?: Record<string, string>;
  };
  metricSummaries?: Array<
    Omit<MetricSummary, "value" | "min" | "max"> & { value: unknown; min: unknown; max: unknown }
  >;
}

/** A run from the API with its metric values decoded. */
export function decodeRun(raw: unknown): Run {
  const r = raw as RawRun;
  const metrics: Record<string, number> = {};
  for (const [k, v] of Object.entries(r.data?.metrics ?? {})) metrics[k] = decodeNumber(v);
  return {
    ...r,
    data: { params: r.data?.params ?? {}, metrics, tags: r.data?.tags ?? {} },
    metricSummaries: (r.metricSummaries ?? []).map((s) => ({
      ...s,
      value: decodeNumber(s.value),
      min: decodeNullable(s.min),
      max: decodeNullable(s.max),
    })),
    datasets: r.datasets ?? [],
    code: r.code ?? null,
    environment: r.environment ?? null,
  };
}

/** A metric history response with its values decoded. */
export function decodeHistory(raw: unknown): MetricHistory {
  const h = raw as { key: string; total: number; steps: number[]; timestamps: number[]; values: unknown[] };
  return {
    key: h.key,
    total: h.total,
    steps: h.steps,
    timestamps: h.timestamps,
    values: h.values.map(decodeNumber),
  };
}
