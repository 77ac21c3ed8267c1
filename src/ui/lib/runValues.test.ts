import { describe, expect, it } from "vitest";
import { columnId, isNumericString, naturalCompare, parseColumnId, runValue } from "./runValues.js";
import { makeRun } from "./testRuns.js";

describe("column ids", () => {
  it("split at the first dot", () => {
    expect(columnId("metric", "a.b")).toBe("metrics.a.b");
    expect(parseColumnId("metrics.a.b")).toEqual({ kind: "metric", key: "a.b" });
    expect(parseColumnId("attributes.status")).toEqual({ kind: "attribute", key: "status" });
    expect(parseColumnId("nope.x")).toBeNull();
    expect(parseColumnId("metrics.")).toBeNull();
  });
});

describe("runValue", () => {
  const run = makeRun("r", {
    name: "n",
    params: { lr: "0.1" },
    metrics: { f1: 0.5 },
    tags: { team: "x" },
    info: { status: "FAILED", crashed: true, startTime: 100, endTime: null },
  });
  it("reads every kind", () => {
    expect(runValue(run, "params.lr")).toBe("0.1");
    expect(runValue(run, "metrics.f1")).toBe(0.5);
    expect(runValue(run, "metrics.none")).toBeNull();
    expect(runValue(run, "tags.team")).toBe("x");
    expect(runValue(run, "attributes.status")).toBe("CRASHED");
    expect(runValue(run, "attributes.run_name")).toBe("n");
    expect(runValue(run, "attributes.duration", 500)).toBeNull();
    expect(
      runValue(
        makeRun("r2", { info: { status: "RUNNING", endTime: null, startTime: 100 } }),
        "attributes.duration",
        500,
      ),
    ).toBe(400);
  });
  it("recognises numeric strings and sorts naturally", () => {
    expect(isNumericString("1e-3")).toBe(true);
    expect(isNumericString("")).toBe(false);
    expect(isNumericString("adam")).toBe(false);
    expect(["run-10", "run-2", "run-1"].sort(naturalCompare)).toEqual(["run-1", "run-2", "run-10"]);
  });
});
