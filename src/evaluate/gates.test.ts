import { describe, expect, it } from "vitest";
import { evaluateGate, type GatePolicy } from "./gates.js";
import type { EvaluationContent } from "./record.js";

/** A record as computeEvaluation makes it, with numbers chosen for the conditions below. */
function record(over: Partial<EvaluationContent> = {}): EvaluationContent {
  const win = (i: number, f1: number) => ({
    index: i,
    trainStart: "2024-01-01T00:00:00.000Z",
    trainEnd: "2024-01-01T00:00:00.000Z",
    testPeriod: `2024-0${i + 2}-01T00:00:00.000Z`,
    trainPeriods: i + 1,
    trainRows: 100,
    testRows: 50,
    testPositives: 10,
    metrics: { f1 },
    runId: null,
  });
  return {
    format: 1,
    label: "churned",
    threshold: 0.5,
    rows: 1000,
    positives: 200,
    datasets: [],
    split: null,
    leakage: [],
    bootstrap: { nBoot: 1000, seed: 0, ci: 0.95 },
    metrics: [
      { name: "f1", value: 0.64, ci: [0.6, 0.68], lowerIsBetter: false },
      { name: "brier", value: 0.12, ci: [0.11, 0.13], lowerIsBetter: true },
    ],
    baseline: { name: "rule", metrics: { f1: 0.6, brier: 0.14 } },
    comparisons: [
      {
        metric: "f1",
        test: "paired-bootstrap",
        model: 0.64,
        baseline: 0.6,
        meanDiff: 0.04,
        ci: [0.01, 0.07],
        pValue: 0.003,
        nBoot: 10000,
        method: "cells",
        lowerIsBetter: false,
        histogram: { edges: [], counts: [] },
      },
      {
        metric: "brier",
        test: "paired-bootstrap",
        model: 0.12,
        baseline: 0.14,
        meanDiff: -0.02,
        ci: [-0.03, -0.01],
        pValue: 0.001,
        nBoot: 10000,
        method: "rows",
        lowerIsBetter: true,
        histogram: { edges: [], counts: [] },
      },
    ],
    segments: {
      column: "segment",
      metrics: ["f1"],
      threshold: 0.5,
      segments: [
        { segment: "free", rows: 300, positives: 90, metrics: { f1: 0.52 } },
        { segment: "power", rows: 200, positives: 20, metrics: { f1: 0.81 } },
        { segment: "trial", rows: 5, positives: 0, metrics: { f1: null } },
      ],
      overall: { segment: null, rows: 1000, positives: 200, metrics: { f1: 0.64 } },
    },
    backtest: {
      timeColumn: "snapshot_date",
      mode: "expanding",
      metrics: ["f1"],
      threshold: 0.5,
      windows: [0.66, 0.65, 0.63, 0.64, 0.62].map((v, i) => win(i, v)),
      summary: { f1: { n: 5, mean: 0.64, std: 0.0158, min: 0.62, max: 0.66, trend: -0.009 } },
    },
    curves: { roc: null, pr: null, calibration: null },
    ...over,
  };
}

const POLICY: GatePolicy = {
  metric: "f1",
  mustBeat: "baseline",
  test: "paired-bootstrap",
  alpha: 0.05,
  minBacktestWindows: 5,
  maxWindowStd: 0.05,
  minSegment: { free: 0.5 },
};

describe("evaluateGate", () => {
  it("passes the issue's policy when the evidence is there, listing every condition", () => {
    const r = evaluateGate(POLICY, record());
    expect(r.pass).toBe(true);
    expect(r.reasons.map((x) => x.condition)).toEqual([
      "mustBeat baseline (paired-bootstrap, α = 0.05)",
      "backtest windows ≥ 5",
      "backtest std of f1 ≤ 0.05",
      "segment free: f1 ≥ 0.5",
    ]);
    expect(r.reasons[0]!.detail).toBe(
      'f1 0.64 vs 0.6 for "rule": +0.04 (95% CI [0.01, 0.07]), p = 0.003 < 0.05',
    );
    expect(r.reasons[3]!.detail).toBe("f1 is 0.52 in segment free (300 rows)");
  });

  it("fails mustBeat when p ≥ alpha or the difference goes the wrong way", () => {
    const c = record().comparisons;
    const weak = record({ comparisons: [{ ...c[0]!, pValue: 0.08 }] });
    const r = evaluateGate(POLICY, weak);
    expect(r.pass).toBe(false);
    expect(r.reasons.filter((x) => !x.ok).map((x) => x.detail)).toEqual([
      'f1 0.64 vs 0.6 for "rule": +0.04 (95% CI [0.01, 0.07]), p = 0.08 ≥ 0.05',
    ]);
    const worse = record({ comparisons: [{ ...c[0]!, meanDiff: -0.03, pValue: 0.01 }] });
    expect(evaluateGate(POLICY, worse).reasons[0]!.detail).toMatch(/not an improvement$/);
    expect(evaluateGate({ ...POLICY, alpha: 0.001 }, record()).pass).toBe(false);
    expect(
      evaluateGate({ metric: "f1", mustBeat: "baseline" }, record({ baseline: null, comparisons: [] }))
        .reasons[0],
    ).toEqual({
      condition: "mustBeat baseline",
      ok: false,
      detail: "the evaluation has no baseline",
    });
  });

  it("reads lower-is-better metrics the right way round", () => {
    const r = evaluateGate(
      { metric: "brier", mustBeat: "baseline", minValue: 0.125, minCiLow: 0.135 },
      record(),
    );
    expect(r.reasons.map((x) => [x.condition, x.ok])).toEqual([
      ["brier ≤ 0.125", true],
      ["brier interval upper end ≤ 0.135", true],
      ["mustBeat baseline (paired-bootstrap, α = 0.05)", true],
    ]);
    expect(evaluateGate({ metric: "brier", minValue: 0.1 }, record()).pass).toBe(false);
  });

  it("fails the backtest conditions: too few windows, too much spread, a falling trend, no backtest", () => {
    const base = record();
    const short = record({
      backtest: { ...base.backtest!, summary: { f1: { ...base.backtest!.summary.f1!, n: 3 } } },
    });
    expect(evaluateGate(POLICY, short).reasons.find((x) => !x.ok)).toEqual({
      condition: "backtest windows ≥ 5",
      ok: false,
      detail: "3 backtest windows measure f1",
    });
    const noisy = record({
      backtest: { ...base.backtest!, summary: { f1: { ...base.backtest!.summary.f1!, std: 0.08 } } },
    });
    expect(
      evaluateGate(POLICY, noisy)
        .reasons.filter((x) => !x.ok)
        .map((x) => x.condition),
    ).toEqual(["backtest std of f1 ≤ 0.05"]);
    const trend = evaluateGate({ metric: "f1", minTrend: -0.005 }, base);
    expect(trend.pass).toBe(false);
    expect(trend.reasons[0]!.detail).toBe("f1 changes by -0.009 per period over 5 windows");
    const none = evaluateGate(POLICY, record({ backtest: null }));
    expect(none.reasons.filter((x) => !x.ok).map((x) => x.detail)).toEqual([
      "the evaluation has no backtest",
      "the evaluation has no backtest",
    ]);
  });

  it("fails segment floors for low, missing and undefined segments, and lists every failure", () => {
    const r = evaluateGate(
      { ...POLICY, minSegment: { free: 0.55, power: 0.8, enterprise: 0.5, trial: 0.1 } },
      record({ backtest: null }),
    );
    expect(r.pass).toBe(false);
    expect(r.reasons.filter((x) => !x.ok).map((x) => x.detail)).toEqual([
      "the evaluation has no backtest",
      "the evaluation has no backtest",
      "f1 is 0.52 in segment free (300 rows)",
      'no segment "enterprise" in segment',
      "f1 is undefined in segment trial (5 rows, 0 positive)",
    ]);
    expect(r.reasons.find((x) => x.condition === "segment power: f1 ≥ 0.8")!.ok).toBe(true);
  });

  it("fails a metric the evaluation lacks, and a policy that checks nothing", () => {
    expect(evaluateGate({ metric: "roc_auc", minValue: 0.7 }, record()).reasons).toEqual([
      { condition: "roc_auc measured", ok: false, detail: "the evaluation has no roc_auc" },
    ]);
    expect(evaluateGate({ metric: "f1" }, record())).toEqual({
      pass: false,
      reasons: [{ condition: "policy has conditions", ok: false, detail: "the policy checks nothing" }],
    });
  });

  it("reads the store's record form as well", () => {
    const stored = {
      evaluationId: "e".repeat(32),
      runId: null,
      name: "x",
      createdTime: 1,
      content: { ...record() },
    };
    expect(evaluateGate(POLICY, stored)).toEqual(evaluateGate(POLICY, record()));
    expect(() => evaluateGate(POLICY, { ...stored, content: { format: 2 } })).toThrow(/content format 2/);
  });

  it("rejects a malformed policy", () => {
    expect(() => evaluateGate({ metric: "auc" }, record())).toThrow(/unknown gate metric "auc"/);
    expect(() => evaluateGate({ metric: "f1", alpha: 5 }, record())).toThrow(/alpha must be in/);
    expect(() => evaluateGate({ metric: "f1", test: "t-test" as "paired-bootstrap" }, record())).toThrow(
      /test must be/,
    );
  });
});
