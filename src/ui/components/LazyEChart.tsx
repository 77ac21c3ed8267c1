/**
 * The chart component, loaded on demand: ECharts is a large chunk, so pages render (and start
 * fetching their series) while it loads. `preloadECharts` starts the download early.
 */
import type { EChartProps } from "./EChart.js";
import { lazyModule, useLazyModule } from "./lazyModule.js";
import { ErrorPanel, Spinner } from "./States.js";

const echartModule = lazyModule(() => import("./EChart.js"));

export function preloadECharts(): void {
  echartModule.preload();
}

export function LazyEChart(props: EChartProps) {
  const { value, error } = useLazyModule(echartModule);
  if (error) return <ErrorPanel error={error} title="Cannot load the charts" />;
  if (!value) {
    return (
      <div className="chart-placeholder" style={props.style}>
        <Spinner label="" />
      </div>
    );
  }
  const Chart = value.EChart;
  return <Chart {...props} />;
}
