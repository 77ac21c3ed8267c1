/**
 * `/compare?runs=id1,id2,…&metric=…&x=…&y=…`: 2–20 runs side by side. Params (differing rows
 * highlighted; only=1 hides the rest), latest metrics (best value marked), one metric's series
 * overlaid (xaxis=step|time, smooth, log), a parallel-coordinates plot of params → metric and a
 * scatter of any two columns (x, y).
 */
import { useQueries, useQuery } from "@tanstack/react-query";
import { type ReactNode, useMemo, useRef, useState } from "react";
import { ApiError } from "../api.js";
import {
  ChartControls,
  Empty,
  ErrorPanel,
  LazyEChart,
  readChartSettings,
  Skeleton,
  Spinner,
  StatusBadge,
  useElementWidth,
} from "../components/index.js";
import type { Run } from "../lib/index.js";
import {
  ATTRIBUTE_COLUMNS,
  bestIndex,
  buildLineOption,
  buildParallelData,
  buildParallelOption,
  buildScatterData,
  buildScatterOption,
  chartBudget,
  chooseParallelParams,
  colorAt,
  columnId,
  defaultMetric,
  diffRows,
  formatDuration,
  formatNumber,
  hasPositive,
  higherIsBetter,
  type LineSeriesInput,
  naturalCompare,
  parseColumnId,
  parseRunIds,
  paths,
  queryString,
  runDuration,
  uniqueNames,
} from "../lib/index.js";
import { historyQuery, runsByIdsQuery } from "../queries.js";
import { Link, navigate, useSearchParams, useSetQuery } from "../router.js";

const MIN_RUNS = 2;
const MAX_RUNS = 20;

export function ComparePage() {
  const q = useSearchParams();
  const setQuery = useSetQuery();
  const ids = useMemo(() => parseRunIds(q.get("runs"), MAX_RUNS), [q]);
  const requested = (q.get("runs") ?? "").split(",").filter((s) => s.trim() !== "").length;

  const runsQ = useQuery({ ...runsByIdsQuery(ids), enabled: ids.length > 0 });

  if (ids.length < MIN_RUNS) {
    return (
      <div className="page">
        <h1>Compare runs</h1>
        <Empty>
          Pick {MIN_RUNS} to {MAX_RUNS} runs: tick them in an experiment's runs table and press Compare.{" "}
          <Link href="/">Go to the experiments</Link>.
        </Empty>
      </div>
    );
  }
  if (runsQ.isPending) {
    return (
      <div className="page">
        <Skeleton rows={4} height={20} />
        <Skeleton rows={10} />
      </div>
    );
  }
  if (runsQ.isError)
    return (
      <div className="page">
        <ErrorPanel error={runsQ.error} title="Cannot load the runs" />
      </div>
    );

  const runs = runsQ.data.filter((r): r is Run => !(r instanceof ApiError));
  const failures = runsQ.data
    .map((r, i) => [ids[i]!, r] as const)
    .filter((p): p is readonly [string, ApiError] => p[1] instanceof ApiError);

  return (
    <CompareView runs={runs} failures={failures} truncated={requested > MAX_RUNS} q={q} setQuery={setQuery} />
  );
}

type SetQuery = (patch: Record<string, string | number | null>, o?: { replace?: boolean }) => void;

function CompareView({
  runs,
  failures,
  truncated,
  q,
  setQuery,
}: {
  runs: Run[];
  failures: ReadonlyArray<readonly [string, ApiError]>;
  truncated: boolean;
  q: URLSearchParams;
  setQuery: SetQuery;
}) {
  const names = useMemo(() => uniqueNames(runs.map((r) => r.info)), [runs]);
  const colorOf = useMemo(() => {
    const m = new Map(runs.map((r, i) => [r.info.runId, colorAt(i)]));
    return (id: string) => m.get(id) ?? colorAt(0);
  }, [runs]);
  const metricKeys = useMemo(() => {
    const s = new Set<string>();
    for (const r of runs) for (const k of Object.keys(r.data.metrics)) s.add(k);
    return [...s].sort(naturalCompare);
  }, [runs]);
  const metric = useMemo(() => {
    const m = q.get("metric");
    if (m && metricKeys.includes(m)) return m;
    return defaultMetric(runs.map((r) => Object.keys(r.data.metrics)));
  }, [q, metricKeys, runs]);
  const onlyDiff = q.get("only") === "1";
  const removeHref = (id: string) => {
    const rest = runs.map((r) => r.info.runId).filter((x) => x !== id);
    const n = new URLSearchParams(q);
    n.set("runs", rest.join(","));
    return `/compare?${queryString(n)}`;
  };

  return (
    <div className="page compare-page">
      <div className="page-head">
        <h1>Compare {runs.length} runs</h1>
      </div>
      {failures.length > 0 && (
        <div className="notice">
          {failures.map(([id, e]) => (
            <div key={id}>
              <span className="mono">{id.slice(0, 8)}</span>: {e.message}
            </div>
          ))}
        </div>
      )}
      {truncated && <div className="notice">Only the first {MAX_RUNS} runs are compared.</div>}
      {runs.length < MIN_RUNS && <Empty>At least two runs are needed to compare.</Empty>}
      <div className="run-chips">
        {runs.map((r, i) => (
          <span key={r.info.runId} className="run-chip">
            <span className="swatch" style={{ background: colorAt(i) }} />
            <Link href={paths.run(r.info.runId)}>{names[i]}</Link>
            <StatusBadge info={r.info} />
            {runs.length > MIN_RUNS && (
              <Link
                href={removeHref(r.info.runId)}
                className="chip-remove"
                title="Remove from the comparison"
              >
                ×
              </Link>
            )}
          </span>
        ))}
      </div>

      <section className="panel">
        <div className="section-head">
          <h2>Params</h2>
          <label className="toggle">
            <input
              type="checkbox"
              checked={onlyDiff}
              onChange={(e) => setQuery({ only: e.target.checked ? "1" : null }, { replace: true })}
            />
            Only differences
          </label>
        </div>
        <ParamsTable runs={runs} names={names} onlyDiff={onlyDiff} />
      </section>

      <section className="panel">
        <div className="section-head">
          <h2>Latest metrics</h2>
        </div>
        <MetricsCompare runs={runs} names={names} onlyDiff={onlyDiff} metric={metric} setQuery={setQuery} />
      </section>

      <section className="panel">
        <div className="section-head">
          <h2>Series</h2>
          <MetricPicker keys={metricKeys} value={metric} onChange={(m) => setQuery({ metric: m })} />
          <ChartControls
            settings={readChartSettings(q, "xaxis")}
            xKey="xaxis"
            onChange={(p) => setQuery(p, { replace: true })}
          />
        </div>
        {metric ? (
          <OverlayChart runs={runs} names={names} metric={metric} q={q} />
        ) : (
          <Empty>These runs have logged no metrics.</Empty>
        )}
      </section>

      <div className="compare-plots">
        <section className="panel">
          <div className="section-head">
            <h2>Params → {metric ?? "metric"}</h2>
          </div>
          <ParallelPlot runs={runs} metric={metric} />
        </section>
        <section className="panel">
          <ScatterSection runs={runs} metric={metric} q={q} setQuery={setQuery} colorOf={colorOf} />
        </section>
      </div>
    </div>
  );
}

function RunHeaderCells({ runs, names }: { runs: Run[]; names: string[] }) {
  return (
    <>
      {runs.map((r, i) => (
        <th key={r.info.runId} className="run-col" title={r.info.runId}>
          <span className="swatch" style={{ background: colorAt(i) }} />
          <Link href={paths.run(r.info.runId)}>{names[i]}</Link>
          <div className="muted small">
            {formatDuration(
              runDuration(r.info.startTime, r.info.endTime, r.info.status === "RUNNING", Date.now()),
            )}
          </div>
        </th>
      ))}
    </>
  );
}

function ParamsTable({ runs, names, onlyDiff }: { runs: Run[]; names: string[]; onlyDiff: boolean }) {
  const rows = useMemo(() => diffRows(runs.map((r) => r.data.params)), [runs]);
  const shown = onlyDiff ? rows.filter((r) => r.differs) : rows;
  const nDiff = rows.filter((r) => r.differs).length;
  return (
    <div className="compare-scroll">
      <table className="table compare-table" data-testid="compare-params">
        <thead>
          <tr>
            <th className="key-col">
              Param{" "}
              <span className="muted small">
                {nDiff} of {rows.length} differ
              </span>
            </th>
            <RunHeaderCells runs={runs} names={names} />
          </tr>
        </thead>
        <tbody>
          {shown.length === 0 && (
            <tr>
              <td colSpan={runs.length + 1} className="empty-cell">
                {rows.length === 0 ? "No params logged." : "All params are equal."}
              </td>
            </tr>
          )}
          {shown.map((row) => (
            <tr key={row.key} className={row.differs ? "differs" : undefined} data-differs={row.differs}>
              <th scope="row" className="key-col" title={row.key}>
                {row.key}
              </th>
              {row.values.map((v, i) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: one cell per run, by position
                <td key={i} title={v}>
                  {v === undefined ? <span className="missing">—</span> : v}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function MetricsCompare({
  runs,
  names,
  onlyDiff,
  metric,
  setQuery,
}: {
  runs: Run[];
  names: string[];
  onlyDiff: boolean;
  metric: string | null;
  setQuery: SetQuery;
}) {
  const rows = useMemo(() => diffRows(runs.map((r) => r.data.metrics)), [runs]);
  const shown = onlyDiff ? rows.filter((r) => r.differs) : rows;
  return (
    <div className="compare-scroll">
      <table className="table compare-table" data-testid="compare-metrics">
        <thead>
          <tr>
            <th className="key-col">Metric</th>
            <RunHeaderCells runs={runs} names={names} />
          </tr>
        </thead>
        <tbody>
          {shown.length === 0 && (
            <tr>
              <td colSpan={runs.length + 1} className="empty-cell">
                {rows.length === 0 ? "No metrics logged." : "All metrics are equal."}
              </td>
            </tr>
          )}
          {shown.map((row) => {
            const best = bestIndex(row.values, higherIsBetter(row.key));
            return (
              <tr key={row.key} className={row.key === metric ? "current" : undefined}>
                <th scope="row" className="key-col" title={row.key}>
                  <button type="button" className="link-button" onClick={() => setQuery({ metric: row.key })}>
                    {row.key}
                  </button>
                </th>
                {row.values.map((v, i) => (
                  // biome-ignore lint/suspicious/noArrayIndexKey: one cell per run, by position
                  <td key={i} className={`num${i === best ? " best" : ""}`}>
                    {v === undefined ? <span className="missing">—</span> : formatNumber(v)}
                  </td>
                ))}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function MetricPicker({
  keys,
  value,
  onChange,
}: {
  keys: string[];
  value: string | null;
  onChange: (m: string) => void;
}) {
  return (
    <label className="control">
      <span>Metric</span>
      <select className="input input-sm" value={value ?? ""} onChange={(e) => onChange(e.target.value)}>
        {keys.map((k) => (
          <option key={k} value={k}>
            {k}
          </option>
        ))}
      </select>
    </label>
  );
}

function OverlayChart({
  runs,
  names,
  metric,
  q,
}: {
  runs: Run[];
  names: string[];
  metric: string;
  q: URLSearchParams;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const width = useElementWidth(ref);
  const budget = width > 0 ? chartBudget(width) : 0;
  const settings = readChartSettings(q, "xaxis");
  const summaries = runs.map((r) => r.metricSummaries.find((s) => s.key === metric));
  // One-point series come from the summary; the others from the (downsampled) history.
  const histories = useQueries({
    queries: runs.map((r, i) => {
      const s = summaries[i];
      return {
        ...historyQuery(r.info.runId, metric, { maxPoints: budget }),
        enabled: budget > 0 && s !== undefined && s.count > 1,
      };
    }),
  });
  const sig = histories.map((h) => `${h.status}:${h.dataUpdatedAt}`).join("|");
  const pending = histories.some(
    (h, i) => summaries[i] !== undefined && summaries[i]!.count > 1 && h.isPending,
  );
  const failed = histories.find((h) => h.isError)?.error ?? null;

  // biome-ignore lint/correctness/useExhaustiveDependencies: histories is a new array every render; sig says when it changed
  const inputs = useMemo((): LineSeriesInput[] | null => {
    if (budget === 0 || pending) return null;
    const out: LineSeriesInput[] = [];
    runs.forEach((r, i) => {
      const s = summaries[i];
      if (!s) return;
      const base = { id: r.info.runId, name: names[i]!, color: colorAt(i) };
      if (s.count <= 1) out.push({ ...base, steps: [s.step], timestamps: [s.timestamp], values: [s.value] });
      else {
        const h = histories[i]?.data;
        if (h) out.push({ ...base, steps: h.steps, timestamps: h.timestamps, values: h.values });
      }
    });
    return out;
  }, [runs, names, metric, budget, pending, sig]);

  const option = useMemo(() => {
    if (!inputs) return null;
    const log = settings.log && inputs.some((s) => hasPositive(s.values));
    return buildLineOption(inputs, {
      x: settings.x,
      smoothing: settings.smoothing,
      log,
      legend: true,
      zoom: true,
    }).option;
  }, [inputs, settings.x, settings.smoothing, settings.log]);

  const [drawn, setDrawn] = useState<object | null>(null);
  const missing = runs.length - summaries.filter(Boolean).length;
  return (
    <div
      ref={ref}
      className="compare-chart"
      data-testid="compare-chart"
      data-metric={metric}
      data-ready={option !== null && drawn === option ? "true" : "false"}
    >
      {failed ? (
        <ErrorPanel error={failed} title="Cannot load a series" />
      ) : option ? (
        <LazyEChart option={option} style={{ width: "100%", height: 380 }} onDrawn={() => setDrawn(option)} />
      ) : (
        <div className="chart-placeholder" style={{ height: 380 }}>
          <Spinner />
        </div>
      )}
      {missing > 0 && (
        <div className="muted small">
          {missing} run{missing === 1 ? " has" : "s have"} not logged {metric}.
        </div>
      )}
    </div>
  );
}

function ParallelPlot({ runs, metric }: { runs: Run[]; metric: string | null }) {
  const params = useMemo(() => chooseParallelParams(runs), [runs]);
  const option = useMemo(
    () => (metric && params.length > 0 ? buildParallelOption(buildParallelData(runs, params, metric)) : null),
    [runs, params, metric],
  );
  const [drawn, setDrawn] = useState(false);
  if (!metric) return <Empty>No metric to plot.</Empty>;
  if (params.length === 0) return <Empty>These runs have no params.</Empty>;
  return (
    <div className="parallel-plot" data-testid="parallel-plot" data-ready={drawn ? "true" : "false"}>
      <LazyEChart option={option!} style={{ width: "100%", height: 340 }} onDrawn={() => setDrawn(true)} />
      <div className="muted small">
        Axes:{" "}
        {params.length < Object.keys(runs[0]?.data.params ?? {}).length ? "params that differ" : "params"} (
        {params.join(", ")}), then {metric}.
      </div>
    </div>
  );
}

function ColumnSelect({
  value,
  onChange,
  runs,
  label,
}: {
  value: string;
  onChange: (v: string) => void;
  runs: Run[];
  label: string;
}) {
  const groups = useMemo(() => {
    const p = new Set<string>();
    const m = new Set<string>();
    for (const r of runs) {
      for (const k of Object.keys(r.data.params)) p.add(k);
      for (const k of Object.keys(r.data.metrics)) m.add(k);
    }
    return {
      attributes: ATTRIBUTE_COLUMNS.filter((c) =>
        ["start_time", "end_time", "duration", "status", "user_id"].includes(c.key),
      ),
      params: [...p].sort(naturalCompare),
      metrics: [...m].sort(naturalCompare),
    };
  }, [runs]);
  return (
    <label className="control">
      <span>{label}</span>
      <select className="input input-sm" value={value} onChange={(e) => onChange(e.target.value)}>
        <optgroup label="Metrics">
          {groups.metrics.map((k) => (
            <option key={k} value={columnId("metric", k)}>
              {k}
            </option>
          ))}
        </optgroup>
        <optgroup label="Params">
          {groups.params.map((k) => (
            <option key={k} value={columnId("param", k)}>
              {k}
            </option>
          ))}
        </optgroup>
        <optgroup label="Attributes">
          {groups.attributes.map((c) => (
            <option key={c.id} value={c.id}>
              {c.label}
            </option>
          ))}
        </optgroup>
      </select>
    </label>
  );
}

function ScatterSection({
  runs,
  metric,
  q,
  setQuery,
  colorOf,
}: {
  runs: Run[];
  metric: string | null;
  q: URLSearchParams;
  setQuery: SetQuery;
  colorOf: (id: string) => string;
}) {
  const defaults = useMemo(() => {
    const differing = chooseParallelParams(runs, 1)[0];
    return {
      x: differing ? columnId("param", differing) : "attributes.duration",
      y: metric ? columnId("metric", metric) : "attributes.duration",
    };
  }, [runs, metric]);
  const valid = (v: string | null) => (v && parseColumnId(v) ? v : null);
  const x = valid(q.get("x")) ?? defaults.x;
  const y = valid(q.get("y")) ?? defaults.y;
  const data = useMemo(() => buildScatterData(runs, x, y), [runs, x, y]);
  const option = useMemo(() => buildScatterOption(data, colorOf), [data, colorOf]);
  const [drawn, setDrawn] = useState(false);
  const label = (id: string): ReactNode => {
    const c = parseColumnId(id);
    return c ? c.key : id;
  };
  return (
    <>
      <div className="section-head">
        <h2>
          {label(y)} vs {label(x)}
        </h2>
        <ColumnSelect
          label="X"
          value={x}
          runs={runs}
          onChange={(v) => setQuery({ x: v }, { replace: true })}
        />
        <ColumnSelect
          label="Y"
          value={y}
          runs={runs}
          onChange={(v) => setQuery({ y: v }, { replace: true })}
        />
      </div>
      <div className="scatter-plot" data-testid="scatter-plot" data-ready={drawn ? "true" : "false"}>
        <LazyEChart
          option={option}
          style={{ width: "100%", height: 340 }}
          onDrawn={() => setDrawn(true)}
          onItemClick={(p) => {
            const id = (p.data as { runId?: string } | undefined)?.runId;
            if (id) navigate(paths.run(id));
          }}
        />
        {data.skipped > 0 && (
          <div className="muted small">
            {data.skipped} run{data.skipped === 1 ? "" : "s"} without both values left out.
          </div>
        )}
      </div>
    </>
  );
}
