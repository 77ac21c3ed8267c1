import { describe, expect, it } from "vitest";
import {
  buildParallelData,
  buildParallelOption,
  chooseParallelParams,
  MISSING_CATEGORY,
} from "./parallel.js";
import { makeRun } from "./testRuns.js";

const runs = [
  makeRun("a", { name: "A", params: { lr: "0.1", model: "rf", seed: "1" }, metrics: { f1: 0.5 } }),
  makeRun("b", { name: "B", params: { lr: "0.01", model: "gbm", seed: "1" }, metrics: { f1: 0.75 } }),
  makeRun("c", { name: "C", params: { lr: "1e-3", seed: "1" }, metrics: { f1: Number.NaN } }),
];

describe("chooseParallelParams", () => {
  it("prefers params that differ", () => {
    expect(chooseParallelParams(runs)).toEqual(["lr", "model"]);
    expect(chooseParallelParams([runs[0]!])).toEqual(["lr", "model", "seed"]);
    expect(chooseParallelParams(runs, 1)).toEqual(["lr"]);
  });
});

describe("buildParallelData", () => {
  it("maps numeric params to values and others to categories", () => {
    const d = buildParallelData(runs, ["lr", "model"], "f1");
    expect(d.dims).toEqual([
      { name: "lr", kind: "param", type: "value" },
      { name: "model", kind: "param", type: "category", categories: ["gbm", "rf", MISSING_CATEGORY] },
      { name: "f1", kind: "metric", type: "value" },
    ]);
    expect(d.rows).toEqual([
      { runId: "a", name: "A", values: [0.1, "rf", 0.5] },
      { runId: "b", name: "B", values: [0.01, "gbm", 0.75] },
      { runId: "c", name: "C", values: [0.001, MISSING_CATEGORY, null] },
    ]);
    expect(d.metricRange).toEqual([0.5, 0.75]);
  });
  it("builds a parallel option coloured by the metric", () => {
    const o = buildParallelOption(buildParallelData(runs, ["lr", "model"], "f1"));
    const axes = o.parallelAxis as Array<Record<string, unknown>>;
    expect(axes.map((a) => [a.dim, a.name, a.type])).toEqual([
      [0, "lr", "value"],
      [1, "model", "category"],
      [2, "f1", "value"],
    ]);
    expect(axes[1]!.data).toEqual(["gbm", "rf", MISSING_CATEGORY]);
    expect(o.visualMap).toMatchObject({ dimension: 2, min: 0.5, max: 0.75 });
    const series = o.series as Array<Record<string, unknown>>;
    expect(series[0]!.type).toBe("parallel");
    expect(series[0]!.data).toEqual([
      { name: "A", value: [0.1, "rf", 0.5] },
      { name: "B", value: [0.01, "gbm", 0.75] },
      { name: "C", value: [0.001, MISSING_CATEGORY, null] },
    ]);
  });
  it("has no colour scale without finite metric values", () => {
    const d = buildParallelData([runs[2]!], ["lr"], "f1");
    expect(d.metricRange).toBeNull();
    expect(buildParallelOption(d).visualMap).toBeUndefined();
  });
});
