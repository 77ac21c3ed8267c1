import { describe, expect, it } from "vitest";
import {
  buildLineOption,
  buildLineSeries,
  colorAt,
  PALETTE,
  pointerLabel,
  toPairs,
  xExtent,
} from "./chartOptions.js";
import { formatTimestamp } from "./format.js";

const s = {
  id: "r1",
  name: "run one",
  steps: [0, 1, 2, 3],
  timestamps: [1000, 2000, 3000, 4000],
  values: [4, Number.NaN, 0, 2],
};

describe("toPairs", () => {
  it("zips x and y", () => {
    expect(toPairs([1, 2], [3, null])).toEqual([
      [1, 3],
      [2, null],
    ]);
  });
});

describe("buildLineSeries", () => {
  it("draws raw values against steps with gaps for NaN", () => {
    const r = buildLineSeries([s], { x: "step", smoothing: 0, log: false });
    expect(r.points).toBe(4);
    expect(r.nonFinite).toBe(1);
    expect(r.nonPositive).toBe(0);
    expect(r.series).toHaveLength(1);
    expect(r.series[0]).toMatchObject({
      type: "line",
      id: "r1",
      name: "run one",
      color: PALETTE[0],
      showSymbol: true,
      animation: false,
      data: [
        [0, 4],
        [1, null],
        [2, 0],
        [3, 2],
      ],
    });
  });

  it("uses wall time and hides non-positive values on a log axis", () => {
    const r = buildLineSeries([s], { x: "time", smoothing: 0, log: true });
    expect(r.nonPositive).toBe(1);
    expect(r.series[0]!.data).toEqual([
      [1000, 4],
      [2000, null],
      [3000, null],
      [4000, 2],
    ]);
  });

  it("adds a smoothed line over the faint raw one", () => {
    const r = buildLineSeries([{ ...s, values: [0, 4, 0, 4] }], { x: "step", smoothing: 0.5, log: false });
    expect(r.series.map((x) => x.id)).toEqual(["r1:raw", "r1"]);
    expect(r.series[0]).toMatchObject({ silent: true, lineStyle: { width: 1, opacity: 0.25 } });
    expect(r.series[1]!.data).toEqual([
      [0, 0],
      [1, 2 / 0.75],
      [2, 1 / 0.875],
      [3, 2.5 / 0.9375],
    ]);
  });

  it("colours runs in palette order and hides symbols on long series", () => {
    const long = {
      ...s,
      id: "r2",
      steps: [...Array(100).keys()],
      timestamps: [...Array(100).keys()],
      values: Array(100).fill(1),
    };
    const r = buildLineSeries([s, long], { x: "step", smoothing: 0, log: false });
    expect(r.series[1]).toMatchObject({ color: PALETTE[1], showSymbol: false });
    expect(colorAt(20)).toBe(PALETTE[0]);
    expect(colorAt(-1)).toBe(PALETTE[19]);
  });
});

describe("buildLineOption", () => {
  it("builds axes, zoom and legend", () => {
    const { option } = buildLineOption([s], { x: "step", smoothing: 0, log: true, legend: true, zoom: true });
    expect(option.animation).toBe(false);
    expect(option.xAxis).toMatchObject({ type: "value", min: "dataMin", max: "dataMax", minInterval: 1 });
    expect(option.yAxis).toMatchObject({ type: "log", scale: true });
    expect(option.legend).toMatchObject({ type: "scroll" });
    const dz = option.dataZoom as Array<Record<string, unknown>>;
    expect(dz.map((d) => [d.type, d.filterMode, d.start, d.end])).toEqual([
      ["inside", "none", 0, 100],
      ["slider", "none", 0, 100],
    ]);
  });
  it("keeps a zoom window and uses a time axis", () => {
    const { option } = buildLineOption([s], {
      x: "time",
      smoothing: 0,
      log: false,
      zoom: true,
      zoomWindow: { start: 1500, end: 3500 },
      compact: true,
    });
    expect(option.xAxis).toMatchObject({ type: "time" });
    expect((option.xAxis as Record<string, unknown>).minInterval).toBeUndefined();
    expect(option.yAxis).toMatchObject({ type: "value" });
    const dz = option.dataZoom as Array<Record<string, unknown>>;
    expect(dz[0]).toMatchObject({ startValue: 1500, endValue: 3500, zoomOnMouseWheel: "shift" });
    expect(option.legend).toEqual({ show: false });
  });
  it("omits zoom when not asked", () => {
    const { option } = buildLineOption([s], { x: "step", smoothing: 0, log: false });
    expect(option.dataZoom).toEqual([]);
  });
});

describe("x extent", () => {
  it("spans all series", () => {
    expect(xExtent([s, { ...s, steps: [5, 9] }], "step")).toEqual([0, 9]);
    expect(xExtent([s], "time")).toEqual([1000, 4000]);
    expect(xExtent([], "step")).toBeNull();
  });
  it("centres a single x", () => {
    const one = { ...s, steps: [0], timestamps: [1], values: [0.5] };
    const { option } = buildLineOption([one, { ...one, id: "r2" }], { x: "step", smoothing: 0, log: false });
    expect(option.xAxis).toMatchObject({ min: -1, max: 1 });
    const t = buildLineOption([one], { x: "time", smoothing: 0, log: false }).option;
    expect(t.xAxis).toMatchObject({ min: 1 - 60_000, max: 1 + 60_000 });
  });
});

describe("pointerLabel", () => {
  it("names the step or the time", () => {
    expect(pointerLabel(798357, "step")).toBe("step 798,357");
    const t = Date.UTC(2024, 0, 1, 12, 30);
    expect(pointerLabel(t, "time")).toBe(formatTimestamp(t));
  });
});
