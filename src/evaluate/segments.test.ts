import { describe, expect, it } from "vitest";
import { SextantError } from "../core/index.js";
import { Table } from "../learn/index.js";
import { bySegment } from "./segments.js";

// Data and expected values from test/oracles/evaluate_segments_backtest.py (scikit-learn 1.2).
const SEG = [
  "trial",
  "trial",
  "trial",
  "trial",
  "trial",
  "casual",
  "casual",
  "free",
  "free",
  "free",
  "free",
  "casual",
  "casual",
  "free",
  "power",
  "casual",
  "free",
  "casual",
  "free",
  "power",
  "casual",
  "free",
  "power",
  "free",
  "casual",
  "free",
  "casual",
  "power",
  "power",
  "power",
  "power",
  "power",
  "power",
  "casual",
  "casual",
  "casual",
  "casual",
  "power",
  "power",
  "casual",
];
const Y = [
  0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 1, 0, 1, 1, 1, 1, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 0, 1, 0, 0, 0,
  1, 1, 1, 0,
];
const S = [
  0.22, 0.28, 0.77, 0.0, 0.77, 1.0, 0.0, 0.46, 0.28, 0.09, 0.75, 0.94, 0.45, 0.27, 0.89, 0.7, 0.92, 0.73,
  0.42, 1.0, 0.08, 0.3, 0.13, 0.28, 0.45, 0.11, 0.2, 0.47, 1.0, 0.42, 0.55, 0.41, 0.25, 0.13, 0.23, 0.56,
  0.92, 0.67, 0.66, 0.19,
];

const ORACLE = {
  overall: {
    rows: 40,
    positives: 16,
    precision: 0.75,
    recall: 0.75,
    f1: 0.75,
    mcc: 0.5833333333333334,
    average_precision: 0.8384850063729374,
    brier: 0.1399275,
    roc_auc: 0.8763020833333334,
    log_loss: 0.42311471192467864,
  },
  casual: {
    rows: 14,
    positives: 7,
    precision: 0.8333333333333334,
    recall: 0.7142857142857143,
    f1: 0.7692307692307692,
    mcc: 0.5773502691896257,
    average_precision: 0.9642857142857142,
    brier: 0.08884285714285715,
    roc_auc: 0.9591836734693878,
    log_loss: 0.29660797635555525,
  },
  free: {
    rows: 10,
    positives: 1,
    precision: 0.5,
    recall: 1.0,
    f1: 0.6666666666666666,
    mcc: 0.6666666666666666,
    average_precision: 1.0,
    brier: 0.12968,
    roc_auc: 1.0,
    log_loss: 0.41698276033741283,
  },
  power: {
    rows: 11,
    positives: 8,
    precision: 1.0,
    recall: 0.75,
    f1: 0.8571428571428571,
    mcc: 0.6708203932499369,
    average_precision: 0.959375,
    brier: 0.15853636363636364,
    roc_auc: 0.875,
    log_loss: 0.46235743984062055,
  },
  trial: {
    rows: 5,
    positives: 0,
    precision: 0,
    recall: 0,
    f1: 0,
    mcc: 0,
    average_precision: 0,
    brier: 0.26252,
    roc_auc: null,
    log_loss: 0.7032634732776839,
  },
} as const;
const NAMES = ["precision", "recall", "f1", "mcc", "average_precision", "brier", "roc_auc", "log_loss"];

function expectRow(
  row: { rows: number; positives: number; metrics: Record<string, number | null> },
  want: (typeof ORACLE)[keyof typeof ORACLE],
) {
  expect(row.rows).toBe(want.rows);
  expect(row.positives).toBe(want.positives);
  for (const m of NAMES) {
    const w = want[m as keyof typeof want] as number | null;
    if (w === null) expect(row.metrics[m]).toBeNull();
    else expect(row.metrics[m]).toBeCloseTo(w, 12);
  }
}

describe("bySegment", () => {
  it("gives every metric per segment with counts, matching scikit-learn", () => {
    const t = bySegment({ yTrue: Y, scores: S, segments: SEG, metrics: NAMES });
    expect(t.segments.map((r) => r.segment)).toEqual(["casual", "free", "power", "trial"]);
    for (const r of t.segments) expectRow(r, ORACLE[r.segment as keyof typeof ORACLE]);
    expectRow(t.overall, ORACLE.overall);
    // a one-class segment: ROC AUC is undefined (null); log loss is scored (labels=[0, 1])
    expect(t.segments[3]!.metrics.roc_auc).toBeNull();
  });

  it("reads the segment from a table column, and the counts add up", () => {
    const data = Table.fromColumns({ segment: SEG, y: Y });
    const t = bySegment({ yTrue: Y, scores: S, segments: "segment", data, metrics: ["roc_auc", "f1"] });
    expect(t.column).toBe("segment");
    expect(t.segments.reduce((s, r) => s + r.rows, 0)).toBe(40);
    expect(t.segments.find((r) => r.segment === "power")!.metrics.roc_auc).toBeCloseTo(0.875, 12);
  });

  it("groups missing segment values last and uses the threshold for label metrics", () => {
    const t = bySegment({
      yTrue: [1, 0, 1, 0],
      scores: [0.6, 0.4, 0.3, 0.2],
      segments: ["a", "a", null, null],
      metrics: ["recall"],
      threshold: 0.25,
    });
    expect(t.segments.map((r) => r.segment)).toEqual(["a", null]);
    expect(t.segments[1]!.metrics.recall).toBe(1); // 0.3 ≥ 0.25
    expect(t.overall.metrics.recall).toBe(1);
  });

  it("rejects unknown metrics, mismatched lengths and NaN scores with typed errors", () => {
    expect(() =>
      bySegment({ yTrue: [1, 0], scores: [0.5, 0.5], segments: ["a", "b"], metrics: ["auc"] }),
    ).toThrow(/unknown metric "auc"/);
    expect(() => bySegment({ yTrue: [1, 0], scores: [0.5], segments: ["a", "b"], metrics: ["f1"] })).toThrow(
      SextantError,
    );
    expect(() => bySegment({ yTrue: [1, 0], scores: [0.5, 0.5], segments: ["a"], metrics: ["f1"] })).toThrow(
      /segments has 1 values/,
    );
    expect(() =>
      bySegment({ yTrue: [1, 0], scores: [0.5, Number.NaN], segments: ["a", "a"], metrics: ["f1"] }),
    ).toThrow(/NaN/);
    expect(() =>
      bySegment({ yTrue: [1, 2], scores: [0.5, 0.5], segments: ["a", "a"], metrics: ["f1"] }),
    ).toThrow(/labels must be 0 or 1/);
  });
});
