/** The study page's chart options and table order, from a report built by studyReport. */
import { describe, expect, it } from "vitest";
import { categoricalDistribution, floatDistribution, studyReport } from "../../hpo/index.js";
import type { FrozenTrial, TrialState } from "../../store/index.js";
import { historyOption, intermediateOption, parallelOption, sliceOption } from "./StudyCharts.js";
import { sortTrials } from "./StudyTrialOrder.js";

const d = {
  lr: floatDistribution("lr", 1e-3, 1, { log: true }),
  kind: categoricalDistribution("kind", ["a", "b"]),
};

function trial(
  number: number,
  state: TrialState,
  lr: number,
  kind: number,
  value: number | null,
  steps: number[] = [],
): FrozenTrial {
  return {
    trialId: String(number),
    studyId: "1",
    number,
    state,
    values: value === null ? null : [value],
    params: { lr, kind },
    distributions: d,
    intermediate: Object.fromEntries(steps.map((s) => [s, [value ?? 1 - s / 10]])),
    userAttrs: {},
    systemAttrs: {},
    startTime: 0,
    endTime: state === "RUNNING" ? null : 10 * (number + 1),
    heartbeatAt: null,
    runId: null,
  };
}

const report = studyReport(
  {
    studyId: "1",
    name: "s",
    directions: ["maximize"],
    userAttrs: {},
    systemAttrs: {},
    createdTime: 0,
    runId: null,
  },
  [
    trial(0, "COMPLETE", 0.01, 0, 0.5, [0, 1, 2]),
    trial(1, "PRUNED", 0.2, 1, null, [0, 1]),
    trial(2, "COMPLETE", 0.1, 1, 0.8, [0, 1, 2]),
    trial(3, "FAIL", 0.3, 0, null),
    trial(4, "COMPLETE", 0.05, 0, 0.6),
    trial(5, "RUNNING", 0.02, 1, null, [0]),
  ],
);

type Series = Array<{ id?: string; data: unknown[]; type: string; lineStyle?: { type?: string } }>;

describe("study chart options", () => {
  it("history: the values and the best-so-far (max) line", () => {
    const series = historyOption(report, 0).series as Series;
    expect(series.map((s) => s.type)).toEqual(["scatter", "line"]);
    expect(series[0]!.data).toEqual([
      [0, 0.5],
      [2, 0.8],
      [4, 0.6],
    ]);
    expect(series[1]!.data).toEqual([
      [0, 0.5],
      [1, 0.5],
      [2, 0.8],
      [3, 0.8],
      [4, 0.8],
    ]);
  });

  it("parallel: log and category axes, categoricals by label, the objective last", () => {
    const opt = parallelOption(report, 0);
    const axes = opt.parallelAxis as Array<{ type: string; data?: string[] }>;
    expect(axes.map((a) => a.type)).toEqual(["log", "category", "value"]);
    expect(axes[1]!.data).toEqual(["a", "b"]);
    const data = (opt.series as Array<{ data: Array<{ value: unknown[] }> }>)[0]!.data.map((r) => r.value);
    expect(data).toEqual([
      [0.01, "a", 0.5],
      [0.1, "b", 0.8],
      [0.05, "a", 0.6],
    ]);
  });

  it("slices: a log axis for a log param, category labels for a categorical", () => {
    const [lr, kind] = report.slices;
    const lrOpt = sliceOption(lr!, 0, report.study.nTrials);
    expect((lrOpt.xAxis as { type: string }).type).toBe("log");
    const kindOpt = sliceOption(kind!, 0, report.study.nTrials);
    expect((kindOpt.xAxis as { data: string[] }).data).toEqual(["a", "b"]);
    expect((kindOpt.series as Series)[0]!.data).toEqual([
      ["a", 0.5, 0],
      ["b", 0.8, 2],
      ["a", 0.6, 4],
    ]);
  });

  it("intermediate values: a curve per reporting trial, pruned ones dashed with their stop marked", () => {
    const series = intermediateOption(report.intermediate, 0).series as Series;
    expect(series.map((s) => s.id)).toEqual(["trial-0", "trial-1", "trial-2", "trial-5"]);
    const pruned = series[1]!;
    expect(pruned.lineStyle?.type).toBe("dashed");
    expect(pruned.data).toEqual([
      [0, 1],
      { value: [1, 0.9], symbol: "triangle", symbolSize: 9, symbolRotate: 180 },
    ]);
    expect(series[0]!.lineStyle?.type).toBeUndefined();
  });
});

describe("sortTrials", () => {
  it("by value puts trials without one last, either way", () => {
    const asc = sortTrials(report.trials, "value", false, 0).map((t) => t.number);
    expect(asc).toEqual([0, 4, 2, 1, 3, 5]);
    const desc = sortTrials(report.trials, "value", true, 0).map((t) => t.number);
    expect(desc).toEqual([2, 4, 0, 1, 3, 5]);
  });

  it("by duration, running trials (no duration) last", () => {
    expect(sortTrials(report.trials, "duration", true, 0).map((t) => t.number)).toEqual([4, 3, 2, 1, 0, 5]);
    expect(sortTrials(report.trials, "number", true, 0).map((t) => t.number)).toEqual([5, 4, 3, 2, 1, 0]);
  });
});
