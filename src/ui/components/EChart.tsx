/**
 * An ECharts canvas in a div. Options are plain objects (built by src/ui/lib); a new option is
 * merged in with its series replaced, so a user's zoom window survives data updates. `onDrawn`
 * fires once the option has been painted on the canvas.
 */
import { type CSSProperties, useEffect, useRef } from "react";
import { type EChartsInstance, initChart } from "../echarts.js";

export interface EChartProps {
  option: Record<string, unknown>;
  style?: CSSProperties;
  className?: string;
  /** Called after the option has been drawn. */
  onDrawn?: () => void;
  /** The x zoom window changed (axis units), debounced. */
  onZoom?: (window: { start: number; end: number } | null, chart: EChartsInstance) => void;
  /** A data item was clicked. */
  onItemClick?: (params: { name?: string; data?: unknown; seriesId?: string }) => void;
}

export function EChart({ option, style, className, onDrawn, onZoom, onItemClick }: EChartProps) {
  const ref = useRef<HTMLDivElement>(null);
  const chartRef = useRef<EChartsInstance | null>(null);
  const handlers = useRef({ onDrawn, onZoom, onItemClick });
  handlers.current = { onDrawn, onZoom, onItemClick };

  useEffect(() => {
    const el = ref.current!;
    const chart = initChart(el);
    chartRef.current = chart;
    let zoomTimer: ReturnType<typeof setTimeout> | undefined;
    chart.on("datazoom", () => {
      clearTimeout(zoomTimer);
      zoomTimer = setTimeout(() => {
        const cb = handlers.current.onZoom;
        if (!cb) return;
        cb(readZoomWindow(chart), chart);
      }, 180);
    });
    chart.on("click", (p) =>
      handlers.current.onItemClick?.(p as { name?: string; data?: unknown; seriesId?: string }),
    );
    const ro = new ResizeObserver(() => chart.resize());
    ro.observe(el);
    return () => {
      clearTimeout(zoomTimer);
      ro.disconnect();
      chart.dispose();
      chartRef.current = null;
    };
  }, []);

  useEffect(() => {
    const chart = chartRef.current;
    if (!chart) return;
    // setOption renders and flushes the canvas synchronously (no animation, no progressive rendering).
    chart.setOption(option, { replaceMerge: ["series", "visualMap", "parallelAxis"] });
    handlers.current.onDrawn?.();
  }, [option]);

  return <div ref={ref} className={className} style={style} />;
}

/** The x axis window of the first dataZoom, in axis units; null when the whole axis shows. */
function readZoomWindow(chart: EChartsInstance): { start: number; end: number } | null {
  const opt = chart.getOption() as {
    dataZoom?: Array<{ start?: number; end?: number; startValue?: number; endValue?: number }>;
  };
  const dz = opt.dataZoom?.[0];
  if (!dz) return null;
  if ((dz.start ?? 0) <= 0 && (dz.end ?? 100) >= 100) return null;
  if (typeof dz.startValue === "number" && typeof dz.endValue === "number")
    return { start: dz.startValue, end: dz.endValue };
  return null;
}
