/**
 * ECharts, imported piece by piece: only the charts and components the UI draws, on canvas.
 * Registration happens in initChart (not at module load: the package is marked side-effect free,
 * so a bare top-level `use` call would be dropped by the bundler).
 */
import { LineChart, ParallelChart, ScatterChart } from "echarts/charts";
import {
  DataZoomInsideComponent,
  DataZoomSliderComponent,
  GridComponent,
  LegendScrollComponent,
  ParallelComponent,
  TooltipComponent,
  VisualMapContinuousComponent,
} from "echarts/components";
import { init, use } from "echarts/core";
import { CanvasRenderer } from "echarts/renderers";

let installed = false;

export type EChartsInstance = ReturnType<typeof init>;

/** A canvas chart in `el`. */
export function initChart(el: HTMLElement): EChartsInstance {
  if (!installed) {
    use([
      LineChart,
      ScatterChart,
      ParallelChart,
      GridComponent,
      TooltipComponent,
      LegendScrollComponent,
      DataZoomInsideComponent,
      DataZoomSliderComponent,
      ParallelComponent,
      VisualMapContinuousComponent,
      CanvasRenderer,
    ]);
    installed = true;
  }
  return init(el, undefined, { renderer: "canvas" });
}
