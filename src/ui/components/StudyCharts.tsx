/**
 * The study page's charts, drawn from the server's study report: optimization history with the
 * best-so-far line, parameter importances (bars), parallel coordinates, one slice plot per
 * parameter, and intermediate values with pruned trials marked. Each chart's box carries
 * data-series / data-points attributes (what it draws) for tests and tools.
 */

import { useState } from "react";
import type { IntermediateSeries, ParallelAxis, SliceData, StudyReport } from "../../api/index.js";
import type { TrialState } from "../../store/index.js";
import { formatNumber } from "../lib/index.js";
import { LazyEChart } from "./LazyEChart.js";

type Option = Record<string, unknown>;

export const STATE_COLORS: Record<TrialState, string> = {
  COMPLETE: "#2563eb",
  PRUNED: "#dc2626",
  FAIL: "#7c3aed",
  RUNNING: "#9aa1b1",
  WAITING: "#cdd2db",
};

const VALUE_COLORS = ["#2563eb", "#16a34a", "#eab308", "#dc2626"];
const axisLabel = { formatter: (v: number) => formatNumber(v), fontSize: 10 };

function objectiveName(report: StudyReport, objective: number): string {
  return report.study.directions.length > 1 ? `objective ${objective}` : "objective";
}

/** Counts an option's series and data points (what the chart box advertises). */
function countOf(option: Option): { series: number; points: number } {
  const series = (option.series as Array<{ data?: unknown[] }> | undefined) ?? [];
  return { series: series.length, points: series.reduce((n, s) => n + (s.data?.length ?? 0), 0) };
}

function ChartBox({
  kind,
  title,
  info,
  option,
  height,
  empty,
}: {
  kind: string;
  title: string;
  info?: string;
  option: Option;
  height: number;
  empty?: string | null;
}) {
  const [drawn, setDrawn] = useState(false);
  const { series, points } = countOf(option);
  return (
    <div
      className="metric-chart study-chart"
      data-testid={`study-chart-${kind}`}
      data-series={series}
      data-points={points}
      data-drawn={drawn ? "1" : "0"}
    >
      <div className="metric-chart-head">
        <span className="metric-chart-title" title={title}>
          {title}
        </span>
        {info && <span className="metric-chart-info">{info}</span>}
      </div>
      <div className="metric-chart-body">
        <LazyEChart option={option} style={{ height }} onDrawn={() => setDrawn(true)} />
        {empty && <div className="chart-empty">{empty}</div>}
      </div>
    </div>
  );
}

// ---------------------------------------------------------------- history

export function historyOption(report: StudyReport, objective: number): Option {
  const direction = report.study.directions[objective] ?? "minimize";
  const values: Array<[number, number]> = [];
  const best: Array<[number, number]> = [];
  for (const h of report.history) {
    const v = h.values?.[objective];
    if (v !== undefined) values.push([h.number, v]);
    const b = h.best[objective];
    if (b !== null && b !== undefined) best.push([h.number, b]);
  }
  return {
    animation: false,
    grid: { left: 56, right: 16, top: 28, bottom: 32 },
    legend: { top: 0, right: 8, textStyle: { fontSize: 11 } },
    tooltip: { trigger: "item", confine: true },
    xAxis: { type: "value", name: "trial", nameLocation: "middle", nameGap: 22, minInterval: 1, axisLabel },
    yAxis: { type: "value", scale: true, axisLabel },
    dataZoom: [{ type: "inside", xAxisIndex: 0 }],
    series: [
      {
        id: "values",
        name: objectiveName(report, objective),
        type: "scatter",
        symbolSize: 7,
        itemStyle: { color: STATE_COLORS.COMPLETE, opacity: 0.8 },
        data: values,
        tooltip: {
          formatter: (p: { value: [number, number] }) => `trial ${p.value[0]}: ${formatNumber(p.value[1])}`,
        },
      },
      {
        id: "best",
        name: `best so far (${direction === "maximize" ? "max" : "min"})`,
        type: "line",
        step: "end",
        showSymbol: false,
        lineStyle: { width: 2, color: "#dc2626" },
        itemStyle: { color: "#dc2626" },
        data: best,
      },
    ],
  };
}

export function HistoryChart({ report, objective }: { report: StudyReport; objective: number }) {
  const option = historyOption(report, objective);
  const n = report.history.filter((h) => h.values !== null).length;
  return (
    <ChartBox
      kind="history"
      title="Optimization history"
      info={`${n} complete of ${report.history.length} finished`}
      option={option}
      height={260}
      empty={n === 0 ? "No completed trial yet" : null}
    />
  );
}

// ---------------------------------------------------------------- importances

export function ImportanceBars({
  report,
  objective,
  method,
  onMethod,
}: {
  report: StudyReport;
  objective: number;
  method: "mdi" | "fanova";
  onMethod: (method: "mdi" | "fanova") => void;
}) {
  const imp = report.importancesByObjective[objective] ?? {};
  const entries = Object.entries(imp).sort((a, b) => b[1] - a[1]);
  const max = entries.reduce((m, [, v]) => Math.max(m, v), 0);
  return (
    <div
      className="metric-chart study-chart"
      data-testid="study-chart-importances"
      data-series={entries.length}
      data-method={report.importanceMethod ?? ""}
    >
      <div className="metric-chart-head">
        <span className="metric-chart-title">Parameter importances</span>
        <select
          className="input input-sm"
          value={method}
          onChange={(e) => onMethod(e.target.value === "fanova" ? "fanova" : "mdi")}
          aria-label="How importances are computed"
          data-testid="importance-method"
        >
          <option value="mdi">random forest (impurity)</option>
          <option value="fanova">fANOVA</option>
        </select>
      </div>
      {entries.length === 0 ? (
        <div className="empty study-empty">Needs two completed trials that share parameters.</div>
      ) : (
        <ul className="importance-list">
          {entries.map(([name, v]) => (
            <li key={name} className="importance-row" data-param={name} data-importance={v}>
              <span className="importance-name" title={name}>
                {name}
              </span>
              <span className="importance-track">
                <span className="importance-bar" style={{ width: `${max > 0 ? (v / max) * 100 : 0}%` }} />
              </span>
              <span className="importance-value num">{(v * 100).toFixed(1)}%</span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

// ---------------------------------------------------------------- parallel coordinates

function axisSpec(a: ParallelAxis, i: number): Option {
  if (a.type === "categorical") {
    return { dim: i, name: a.name, type: "category", data: a.labels ?? [], axisLabel: { fontSize: 10 } };
  }
  if (a.log && a.min > 0) return { dim: i, name: a.name, type: "log", min: a.min, max: a.max, axisLabel };
  return { dim: i, name: a.name, type: "value", min: a.min, max: a.max, axisLabel };
}

export function parallelOption(report: StudyReport, objective: number): Option {
  const axes = report.parallel.axes;
  const rows = report.parallel.rows;
  const last = axes.length;
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const r of rows) {
    const v = r.values[objective]!;
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  return {
    animation: false,
    tooltip: { trigger: "item", confine: true },
    parallel: { left: 48, right: 140, top: 40, bottom: 24, parallelAxisDefault: { nameGap: 12 } },
    parallelAxis: [
      ...axes.map(axisSpec),
      {
        dim: last,
        name: objectiveName(report, objective),
        type: "value",
        scale: true,
        nameTextStyle: { fontWeight: "bold" },
        axisLabel,
      },
    ],
    ...(rows.length > 0
      ? {
          visualMap: {
            type: "continuous",
            dimension: last,
            min: lo,
            max: lo === hi ? lo + 1 : hi,
            calculable: true,
            right: 4,
            top: "middle",
            itemHeight: 110,
            formatter: (v: number) => formatNumber(v),
            textStyle: { fontSize: 10 },
            inRange: {
              color:
                report.study.directions[objective] === "maximize"
                  ? [...VALUE_COLORS].reverse()
                  : VALUE_COLORS,
            },
          },
        }
      : {}),
    series: [
      {
        type: "parallel",
        lineStyle: { width: 1.5, opacity: 0.7 },
        emphasis: { lineStyle: { width: 3, opacity: 1 } },
        data: rows.map((r) => ({
          name: `trial ${r.number}`,
          value: [
            ...r.coords.map((c, i) => {
              const a = axes[i]!;
              if (c === null) return null;
              return a.type === "categorical" ? (a.labels?.[c] ?? null) : c;
            }),
            r.values[objective],
          ],
        })),
      },
    ],
  };
}

export function ParallelChart({ report, objective }: { report: StudyReport; objective: number }) {
  const option = parallelOption(report, objective);
  return (
    <ChartBox
      kind="parallel"
      title="Parallel coordinates"
      info={`${report.parallel.rows.length} complete trials`}
      option={option}
      height={300}
      empty={report.parallel.rows.length === 0 ? "No completed trial yet" : null}
    />
  );
}

// ---------------------------------------------------------------- slices

export function sliceOption(slice: SliceData, objective: number, nTrials: number): Option {
  const categorical = slice.type === "categorical";
  return {
    animation: false,
    grid: { left: 52, right: 12, top: 10, bottom: 30 },
    tooltip: { trigger: "item", confine: true },
    xAxis: categorical
      ? { type: "category", data: slice.labels ?? [], axisLabel: { fontSize: 10 } }
      : { type: slice.log ? "log" : "value", scale: true, axisLabel },
    yAxis: { type: "value", scale: true, axisLabel },
    visualMap: {
      show: false,
      type: "continuous",
      dimension: 2,
      min: 0,
      max: Math.max(1, nTrials - 1),
      inRange: { color: ["#c7d7fb", "#1d4ed8"] },
    },
    series: [
      {
        type: "scatter",
        symbolSize: 7,
        data: slice.points.map((p) => [
          categorical ? (slice.labels?.[p.xi] ?? String(p.x)) : p.x,
          p.values[objective],
          p.number,
        ]),
        tooltip: {
          formatter: (p: { value: [unknown, number, number] }) =>
            `trial ${p.value[2]}: ${slice.param}=${String(p.value[0])} → ${formatNumber(p.value[1])}`,
        },
      },
    ],
  };
}

export function SlicePlots({ report, objective }: { report: StudyReport; objective: number }) {
  if (report.slices.length === 0) return <div className="empty">No parameters yet.</div>;
  return (
    <div className="chart-grid study-slices" data-testid="study-slices">
      {report.slices.map((s) => (
        <ChartBox
          key={s.param}
          kind={`slice-${s.param}`}
          title={s.param}
          info={`${s.type}${s.log ? ", log" : ""} · ${s.points.length} points`}
          option={sliceOption(s, objective, report.study.nTrials)}
          height={200}
          empty={s.points.length === 0 ? "No completed trial has it" : null}
        />
      ))}
    </div>
  );
}

// ---------------------------------------------------------------- intermediate values

/** At most this many trials' curves (the latest ones). */
export const MAX_CURVES = 300;

export function intermediateOption(series: readonly IntermediateSeries[], objective: number): Option {
  return {
    animation: false,
    grid: { left: 56, right: 16, top: 12, bottom: 32 },
    tooltip: { trigger: "item", confine: true },
    xAxis: { type: "value", name: "step", nameLocation: "middle", nameGap: 22, scale: true, axisLabel },
    yAxis: { type: "value", scale: true, axisLabel },
    dataZoom: [{ type: "inside", xAxisIndex: 0 }],
    series: series.map((s) => {
      const color = STATE_COLORS[s.state];
      const pruned = s.state === "PRUNED";
      const n = s.steps.length;
      return {
        id: `trial-${s.number}`,
        name: `trial ${s.number} (${s.state.toLowerCase()})`,
        type: "line",
        symbol: "none",
        z: pruned ? 3 : 2,
        lineStyle: {
          width: pruned ? 1.5 : 1.2,
          color,
          opacity: s.state === "COMPLETE" ? 0.55 : 0.9,
          ...(pruned ? { type: "dashed" } : {}),
        },
        itemStyle: { color },
        data: s.steps.map((step, k) => {
          const value = [step, s.values[k]![objective] ?? s.values[k]![0]!];
          // the last point of a pruned trial: where it was stopped
          return pruned && k === n - 1
            ? { value, symbol: "triangle", symbolSize: 9, symbolRotate: 180 }
            : value;
        }),
      };
    }),
  };
}

export function IntermediateChart({ report, objective }: { report: StudyReport; objective: number }) {
  const series = report.intermediate.slice(-MAX_CURVES);
  const pruned = series.filter((s) => s.state === "PRUNED").length;
  return (
    <div>
      <ChartBox
        kind="intermediate"
        title="Intermediate values"
        info={`${series.length} trials · ${pruned} pruned${report.intermediate.length > MAX_CURVES ? ` · latest ${MAX_CURVES}` : ""}`}
        option={intermediateOption(series, objective)}
        height={260}
        empty={series.length === 0 ? "No trial has reported intermediate values" : null}
      />
      <div className="study-legend">
        {(["COMPLETE", "PRUNED", "RUNNING", "FAIL"] as const).map((s) => (
          <span key={s} className="study-legend-item">
            <span
              className={s === "PRUNED" ? "swatch swatch-dashed" : "swatch"}
              style={{ background: STATE_COLORS[s] }}
            />
            {s.toLowerCase()}
            {s === "PRUNED" ? " (▼ where stopped)" : ""}
          </span>
        ))}
      </div>
    </div>
  );
}
