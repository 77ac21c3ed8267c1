import { describe, expect, it } from "vitest";
import {
  chartBudget,
  gridChartWidth,
  pointBudget,
  spliceDetail,
  stepWindow,
  timeWindowToSteps,
} from "./zoom.js";

const overview = {
  steps: [0, 10, 20, 30, 40],
  timestamps: [100, 110, 120, 130, 140],
  values: [1, 2, 3, 4, 5],
};

describe("spliceDetail", () => {
  it("replaces the window with the detail points", () => {
    const detail = { steps: [10, 11, 12, 20], timestamps: [110, 111, 112, 120], values: [2, 2.1, 2.2, 3] };
    expect(spliceDetail(overview, detail, 10, 20)).toEqual({
      steps: [0, 10, 11, 12, 20, 30, 40],
      timestamps: [100, 110, 111, 112, 120, 130, 140],
      values: [1, 2, 2.1, 2.2, 3, 4, 5],
    });
  });
  it("ignores detail points outside the window", () => {
    const detail = { steps: [5, 25, 35], timestamps: [105, 125, 135], values: [9, 9, 9] };
    expect(spliceDetail(overview, detail, 21, 29)).toEqual({
      steps: [0, 10, 20, 25, 30, 40],
      timestamps: [100, 110, 120, 125, 130, 140],
      values: [1, 2, 3, 9, 4, 5],
    });
  });
});

describe("timeWindowToSteps", () => {
  it("covers the window with the neighbouring points", () => {
    expect(timeWindowToSteps(overview, 115, 125)).toEqual([10, 30]);
    expect(timeWindowToSteps(overview, 110, 130)).toEqual([10, 30]);
    expect(timeWindowToSteps(overview, 50, 500)).toEqual([0, 40]);
    expect(timeWindowToSteps({ steps: [], timestamps: [], values: [] }, 0, 1)).toBeNull();
  });
});

describe("stepWindow", () => {
  it("rounds outwards and clamps to the extent", () => {
    expect(stepWindow(10.4, 20.2, [0, 100])).toEqual([10, 21]);
    expect(stepWindow(-5, 50, [0, 100])).toEqual([0, 50]);
    expect(stepWindow(0, 100, [0, 100])).toBeNull();
    expect(stepWindow(30, 10, [0, 100])).toEqual([10, 30]);
  });
});

describe("pointBudget", () => {
  it("is about two points per pixel", () => {
    expect(pointBudget(700)).toBe(1400);
    expect(pointBudget(1)).toBe(4);
    expect(pointBudget(50_000)).toBe(20_000);
  });
});

describe("chartBudget", () => {
  it("rounds up to multiples of 256", () => {
    expect(chartBudget(430)).toBe(1024);
    expect(chartBudget(513)).toBe(1280);
    expect(chartBudget(1)).toBe(256);
  });
});

describe("gridChartWidth", () => {
  it("follows the grid's columns", () => {
    expect(gridChartWidth(1400)).toBe(430);
    expect(gridChartWidth(1385)).toBe(425);
    expect(gridChartWidth(1000)).toBe(390);
    expect(gridChartWidth(1920)).toBe(445);
  });
});
