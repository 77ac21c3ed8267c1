/**
 * One metric series of one run. The server downsamples it to about twice the chart's width; a zoom
 * (drag the slider, shift+wheel on small charts) fetches the visible step range again with the same
 * budget, so a zoomed view shows the exact points. Drawn only once scrolled into view.
 */
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { type ReactNode, type RefObject, useEffect, useLayoutEffect, useMemo, useRef, useState } from "react";
import type { MetricSummary } from "../lib/index.js";
import {
  buildLineOption,
  chartBudget,
  formatInt,
  hasPositive,
  type SeriesColumns,
  spliceDetail,
  stepWindow,
  timeWindowToSteps,
} from "../lib/index.js";
import { historyQuery, queryClient } from "../queries.js";
import type { ChartSettings } from "./ChartControls.js";
import { LazyEChart, preloadECharts } from "./LazyEChart.js";
import { ErrorPanel, Spinner } from "./States.js";

export interface MetricChartProps {
  runId: string;
  metric: string;
  summary?: MetricSummary;
  settings: ChartSettings;
  height?: number;
  compact?: boolean;
  /** Wait until scrolled into view before fetching. */
  lazy?: boolean;
  title?: ReactNode;
}

export function useElementWidth(ref: RefObject<HTMLElement | null>): number {
  const [width, setWidth] = useState(0);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    setWidth(Math.round(el.clientWidth));
    const ro = new ResizeObserver((entries) => {
      const w = entries[0]?.contentRect.width;
      if (w !== undefined) setWidth(Math.round(w));
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, [ref]);
  return width;
}

const VIEW_MARGIN = 300;

export function useInView(ref: RefObject<HTMLElement | null>, enabled: boolean): boolean {
  const [seen, setSeen] = useState(!enabled);
  // Already on screen at mount: no need to wait for the observer's first (asynchronous) report.
  useLayoutEffect(() => {
    const el = ref.current;
    if (seen || !el) return;
    const r = el.getBoundingClientRect();
    if (r.top < window.innerHeight + VIEW_MARGIN && r.bottom > -VIEW_MARGIN) setSeen(true);
  }, [ref, seen]);
  useEffect(() => {
    if (seen) return;
    const el = ref.current;
    if (!el) return;
    const io = new IntersectionObserver(
      (entries) => {
        if (entries.some((e) => e.isIntersecting)) {
          setSeen(true);
          io.disconnect();
        }
      },
      { rootMargin: `${VIEW_MARGIN}px 0px` },
    );
    io.observe(el);
    return () => io.disconnect();
  }, [ref, seen]);
  return seen;
}

export function MetricChart({
  runId,
  metric,
  summary,
  settings,
  height = 200,
  compact = true,
  lazy = true,
  title,
}: MetricChartProps) {
  const ref = useRef<HTMLDivElement>(null);
  const width = useElementWidth(ref);
  const visible = useInView(ref, lazy);
  const budget = width > 0 ? chartBudget(width) : 0;
  // A series of one point is its summary: no need to ask for it.
  const single = summary !== undefined && summary.count <= 1;
  const base = useQuery({
    ...historyQuery(runId, metric, { maxPoints: budget }),
    enabled: visible && budget > 0 && !single,
  });
  // Start the request during layout rather than after the next paint (when useQuery would).
  useLayoutEffect(() => {
    if (visible && budget > 0 && !single)
      void queryClient.prefetchQuery(historyQuery(runId, metric, { maxPoints: budget }));
  }, [visible, budget, single, runId, metric]);
  const overview: SeriesColumns | null = useMemo(() => {
    if (single) {
      return summary.count === 0
        ? { steps: [], timestamps: [], values: [] }
        : { steps: [summary.step], timestamps: [summary.timestamp], values: [summary.value] };
    }
    return base.data ?? null;
  }, [single, summary, base.data]);
  // Load the chart code while the series is on its way (not before: evaluating it blocks the page).
  useEffect(() => {
    if (visible) preloadECharts();
  }, [visible]);
  const total = single ? (summary?.count ?? 0) : (base.data?.total ?? 0);
  const downsampled = base.data !== undefined && base.data.total > base.data.steps.length;

  const [zoom, setZoom] = useState<{ start: number; end: number } | null>(null);
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new x axis has other units; the window no longer applies
  useEffect(() => setZoom(null), [settings.x]);

  const range = useMemo((): [number, number] | null => {
    if (!zoom || !overview || overview.steps.length === 0) return null;
    if (settings.x === "time") return timeWindowToSteps(overview, zoom.start, zoom.end);
    const extent: [number, number] = [overview.steps[0]!, overview.steps[overview.steps.length - 1]!];
    return stepWindow(zoom.start, zoom.end, extent);
  }, [zoom, overview, settings.x]);

  const detail = useQuery({
    ...historyQuery(runId, metric, { minStep: range?.[0], maxStep: range?.[1], maxPoints: budget }),
    enabled: range !== null && downsampled,
    placeholderData: keepPreviousData,
  });

  const series = useMemo(() => {
    if (!overview) return null;
    if (range && detail.data && !detail.isPlaceholderData)
      return spliceDetail(overview, detail.data, range[0], range[1]);
    return overview;
  }, [overview, range, detail.data, detail.isPlaceholderData]);

  const logOk = settings.log && series !== null && hasPositive(series.values);
  const built = useMemo(() => {
    if (!series) return null;
    return buildLineOption([{ id: metric, name: metric, ...series }], {
      x: settings.x,
      smoothing: settings.smoothing,
      log: logOk,
      zoom: true,
      zoomWindow: zoom,
      compact,
    });
  }, [series, metric, settings.x, settings.smoothing, logOk, zoom, compact]);

  const [ready, setReady] = useState(false);
  const error = base.error ?? detail.error;
  const info: string[] = [];
  if (series) {
    info.push(`${formatInt(total)} pts`);
    if (series.steps.length < total) info.push(`${formatInt(series.steps.length)} drawn`);
    if (range && detail.isFetching) info.push("refining…");
    if (built && built.nonFinite > 0) info.push(`${built.nonFinite} NaN/Inf`);
    if (settings.log && !logOk) info.push("no positive values: linear");
    else if (built && built.nonPositive > 0) info.push(`${built.nonPositive} ≤ 0 hidden`);
  }

  return (
    <div
      ref={ref}
      className={compact ? "metric-chart compact" : "metric-chart"}
      data-testid="metric-chart"
      data-metric={metric}
      data-ready={ready ? "true" : "false"}
    >
      <div className="metric-chart-head">
        <span className="metric-chart-title" title={metric}>
          {title ?? metric}
        </span>
        <span className="metric-chart-info">{info.join(" · ")}</span>
      </div>
      <div className="metric-chart-body" style={{ height }}>
        {error ? (
          <ErrorPanel error={error} title="Cannot load the series" />
        ) : built && visible ? (
          <LazyEChart
            option={built.option}
            style={{ width: "100%", height: "100%" }}
            onDrawn={() => setReady(true)}
            onZoom={(w) => setZoom(w)}
          />
        ) : (
          <div className="chart-placeholder">{visible ? <Spinner /> : null}</div>
        )}
        {series && series.steps.length === 0 && <div className="chart-empty">No points</div>}
      </div>
    </div>
  );
}
