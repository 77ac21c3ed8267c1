import { describe, expect, it } from "vitest";
import { decodeHistory, decodeNumber, decodeRun } from "./wire.js";

describe("decodeNumber", () => {
  it("decodes the spelled non-finite values", () => {
    expect(decodeNumber("NaN")).toBeNaN();
    expect(decodeNumber("Infinity")).toBe(Number.POSITIVE_INFINITY);
    expect(decodeNumber("-Infinity")).toBe(Number.NEGATIVE_INFINITY);
    expect(decodeNumber(1.5)).toBe(1.5);
    expect(decodeNumber("2.5")).toBe(2.5);
    expect(decodeNumber(null)).toBeNaN();
  });
});

describe("decodeRun", () => {
  it("decodes latest metrics and summaries", () => {
    const run = decodeRun({
      info: { runId: "a" },
      data: { params: { lr: "0.1" }, metrics: { loss: "NaN", acc: 0.5 }, tags: {} },
      metricSummaries: [
        { key: "loss", value: "Infinity", step: 3, timestamp: 1, min: "-Infinity", max: null, count: 4 },
      ],
      datasets: [],
      code: null,
      environment: null,
    });
    expect(run.data.metrics.loss).toBeNaN();
    expect(run.data.metrics.acc).toBe(0.5);
    expect(run.metricSummaries[0]).toEqual({
      key: "loss",
      value: Number.POSITIVE_INFINITY,
      step: 3,
      timestamp: 1,
      min: Number.NEGATIVE_INFINITY,
      max: null,
      count: 4,
    });
  });

  it("fills missing sections", () => {
    const run = decodeRun({ info: { runId: "b" } });
    expect(run.data).toEqual({ params: {}, metrics: {}, tags: {} });
    expect(run.metricSummaries).toEqual([]);
    expect(run.datasets).toEqual([]);
    expect(run.code).toBeNull();
  });
});

describe("decodeHistory", () => {
  it("decodes values, keeps steps", () => {
    const h = decodeHistory({
      key: "x",
      total: 3,
      steps: [0, 1, 2],
      timestamps: [5, 6, 7],
      values: [1, "NaN", "-Infinity"],
    });
    expect(h.steps).toEqual([0, 1, 2]);
    expect(h.values[0]).toBe(1);
    expect(h.values[1]).toBeNaN();
    expect(h.values[2]).toBe(Number.NEGATIVE_INFINITY);
  });
});
