import { describe, expect, it } from "vitest";
import { buildScatterData, buildScatterOption } from "./scatter.js";
import { makeRun } from "./testRuns.js";

const runs = [
  makeRun("a", {
    name: "A",
    params: { lr: "0.1", opt: "adam" },
    metrics: { f1: 0.5 },
    info: { startTime: 0, endTime: 100 },
  }),
  makeRun("b", {
    name: "B",
    params: { lr: "0.01", opt: "sgd" },
    metrics: { f1: 0.75 },
    info: { startTime: 0, endTime: 300 },
  }),
  makeRun("c", { name: "C", params: { opt: "adam" }, metrics: { f1: Number.POSITIVE_INFINITY } }),
];

describe("buildScatterData", () => {
  it("plots numeric columns and skips missing or non-finite values", () => {
    const d = buildScatterData(runs, "params.lr", "metrics.f1");
    expect(d.x).toEqual({ column: "params.lr", type: "value" });
    expect(d.y).toEqual({ column: "metrics.f1", type: "value" });
    expect(d.points).toEqual([
      { runId: "a", name: "A", x: 0.1, y: 0.5 },
      { runId: "b", name: "B", x: 0.01, y: 0.75 },
    ]);
    expect(d.skipped).toBe(1);
  });
  it("uses a category axis for non-numeric params and attributes", () => {
    const d = buildScatterData(runs, "params.opt", "attributes.duration");
    expect(d.x).toEqual({ column: "params.opt", type: "category", categories: ["adam", "sgd"] });
    expect(d.points.map((p) => [p.x, p.y])).toEqual([
      ["adam", 100],
      ["sgd", 300],
      ["adam", 4000],
    ]);
  });
  it("builds the option", () => {
    const o = buildScatterOption(buildScatterData(runs, "params.opt", "metrics.f1"));
    expect(o.xAxis).toMatchObject({ type: "category", name: "params.opt", data: ["adam", "sgd"] });
    expect(o.yAxis).toMatchObject({ type: "value", name: "metrics.f1", scale: true });
    const series = o.series as Array<{ data: Array<{ value: unknown; runId: string }> }>;
    expect(series[0]!.data.map((p) => [p.runId, p.value])).toEqual([
      ["a", ["adam", 0.5]],
      ["b", ["sgd", 0.75]],
    ]);
  });
});
