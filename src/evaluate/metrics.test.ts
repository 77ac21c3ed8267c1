/**
 * Every expected value below was computed with scikit-learn 1.2.1 by test/oracles/evaluate_metrics.py.
 */
import { describe, expect, it } from "vitest";
import { SextantError } from "../core/index.js";
import {
  accuracyScore,
  averagePrecisionScore,
  balancedAccuracyScore,
  bestF1Threshold,
  brierScore,
  calibrationCurve,
  confusionMatrix,
  expectedCalibrationError,
  f1Score,
  fbetaScore,
  LOG_LOSS_EPS,
  logLoss,
  matthewsCorrcoef,
  precisionRecallCurve,
  precisionScore,
  recallScore,
  rocAucScore,
  rocCurve,
  thresholdForTarget,
} from "./metrics.js";

const y = [1, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 0, 1, 0, 1, 1];
const s = [
  0.9, 0.1, 0.8, 0.65, 0.65, 0.3, 0.65, 0.2, 0.55, 0.55, 0.4, 0.95, 0.3, 0.05, 0.7, 0.15, 0.35, 0.45, 0.6,
  0.6,
];
const p = [1, 0, 1, 1, 1, 0, 1, 0, 1, 1, 0, 1, 0, 0, 1, 0, 0, 0, 1, 1];

const close = (a: number[], b: number[]) => {
  expect(a.length).toBe(b.length);
  a.forEach((v, i) => {
    expect(v).toBeCloseTo(b[i]!, 12);
  });
};

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(SextantError);
    return (e as SextantError).code;
  }
  throw new Error("expected a SextantError");
}

describe("label metrics (scikit-learn values)", () => {
  it("matches precision, recall, F1, F-beta, accuracy, balanced accuracy, MCC", () => {
    expect(precisionScore(y, p)).toBeCloseTo(0.7272727272727273, 14);
    expect(recallScore(y, p)).toBeCloseTo(0.8, 14);
    expect(f1Score(y, p)).toBeCloseTo(0.761904761904762, 14);
    expect(fbetaScore(y, p, { beta: 2 })).toBeCloseTo(0.7843137254901963, 14);
    expect(fbetaScore(y, p, { beta: 0.5 })).toBeCloseTo(0.7407407407407408, 14);
    expect(accuracyScore(y, p)).toBeCloseTo(0.75, 14);
    expect(balancedAccuracyScore(y, p)).toBeCloseTo(0.75, 14);
    expect(matthewsCorrcoef(y, p)).toBeCloseTo(0.502518907629606, 14);
    // scikit-learn's confusion_matrix(...).ravel() is tn, fp, fn, tp = [7, 3, 2, 8]
    expect(confusionMatrix(y, p)).toEqual({ tn: 7, fp: 3, fn: 2, tp: 8 });
  });

  it("follows scikit-learn on zero division and degenerate inputs", () => {
    expect(precisionScore([1, 0, 1], [0, 0, 0])).toBe(0.0);
    expect(precisionScore([1, 0, 1], [0, 0, 0], { zeroDivision: 1 })).toBe(1.0);
    expect(f1Score([0, 0, 0], [0, 0, 0], { zeroDivision: 1 })).toBe(1.0);
    expect(matthewsCorrcoef([1, 0, 1], [1, 1, 1])).toBe(0.0);
    expect(balancedAccuracyScore([1, 1, 1, 1], [1, 0, 1, 1])).toBe(0.75);
  });

  it("raises typed errors on bad input", () => {
    expect(code(() => f1Score([1, 0], [1]))).toBe("INVALID_ARGUMENT");
    expect(code(() => f1Score([], []))).toBe("INVALID_ARGUMENT");
    expect(code(() => f1Score([1, 2], [1, 0]))).toBe("INVALID_ARGUMENT");
    expect(code(() => precisionScore([1, 0], [0.7, 0.2]))).toBe("INVALID_ARGUMENT");
    expect(code(() => fbetaScore([1, 0], [1, 0], { beta: 0 }))).toBe("INVALID_ARGUMENT");
  });
});

describe("ranking and probabilistic metrics (scikit-learn values)", () => {
  it("matches ROC AUC (with ties), average precision, log loss and Brier score", () => {
    expect(rocAucScore(y, s)).toBeCloseTo(0.8, 14);
    expect(averagePrecisionScore(y, s)).toBeCloseTo(0.7979256854256854, 14);
    expect(logLoss(y, s)).toBeCloseTo(0.50873014275084, 13);
    expect(brierScore(y, s)).toBeCloseTo(0.17375000000000002, 14);
    expect(rocAucScore([1, 0, 1, 0], [0.5, 0.5, 0.5, 0.5])).toBe(0.5);
    expect(averagePrecisionScore([0, 0, 0], [0.2, 0.5, 0.1])).toBe(0); // scikit-learn: -0.0 with a warning
  });

  it("raises where scikit-learn raises", () => {
    expect(code(() => rocAucScore([1, 1, 1], [0.1, 0.2, 0.3]))).toBe("INVALID_ARGUMENT");
    expect(code(() => logLoss([1, 0], [1.2, 0.1]))).toBe("INVALID_ARGUMENT");
    expect(code(() => brierScore([1, 0], [Number.NaN, 0.1]))).toBe("INVALID_ARGUMENT");
    expect(code(() => rocAucScore([1, 0], [0.3, Number.NaN]))).toBe("INVALID_ARGUMENT");
  });

  it("log loss as scikit-learn 1.2.1: one class (labels=[0, 1]), its clipping, sample weights", () => {
    // scikit-learn 1.2's eps="auto": np.finfo(np.float64).eps
    expect(LOG_LOSS_EPS).toBe(2.220446049250313e-16);
    // y_true with one class: −mean log(1 − p) for all negatives, −mean log p for all positives
    expect(logLoss([0, 0, 0, 0], [0.1, 0.2, 0.3, 0.05])).toBeCloseTo(0.18411807632457977, 15);
    const negatives = [0.1, 0.2, 0.3, 0.05].reduce((a, p) => a - Math.log(1 - p), 0) / 4;
    expect(logLoss([0, 0, 0, 0], [0.1, 0.2, 0.3, 0.05])).toBeCloseTo(negatives, 15);
    expect(logLoss([1, 1, 1], [0.9, 0.6, 0.99])).toBeCloseTo(0.20874549175910617, 15);
    // probabilities 0 and 1 clipped at 2.22e-16, or at the old default 1e-15 when asked
    expect(logLoss([1, 0, 1, 0, 1], [0.0, 1.0, 1.0, 0.0, 0.5])).toBeCloseTo(14.556090791758852, 13);
    expect(logLoss([1, 0, 1, 0, 1], [0.0, 1.0, 1.0, 0.0, 0.5], { eps: 1e-15 })).toBeCloseTo(
      13.9542999135623,
      13,
    );
    expect(logLoss([0, 0], [1.0, 0.25])).toBeCloseTo(18.165667730784467, 13);
    // sample_weight: the weighted mean, zero weights dropping their rows
    const w = [0, 1, 0, 1, 0, 1, 0, 1, 0, 2, 3, 0, 2, 1, 2, 1, 1, 0, 0, 0];
    expect(logLoss(y, s, { sampleWeight: w })).toBeCloseTo(0.6453112347765304, 14);
    expect(logLoss([0, 0, 0], [0.2, 0.7, 1.0], { sampleWeight: [1, 2.5, 0.5] })).toBeCloseTo(
      5.313725564171906,
      14,
    );
    expect(logLoss(y, s, { sampleWeight: new Array(20).fill(3) })).toBeCloseTo(logLoss(y, s), 15);
    expect(code(() => logLoss([1, 0], [0.5, 0.5], { sampleWeight: [1] }))).toBe("INVALID_ARGUMENT");
    expect(code(() => logLoss([1, 0], [0.5, 0.5], { sampleWeight: [1, -1] }))).toBe("INVALID_ARGUMENT");
    expect(code(() => logLoss([1, 0], [0.5, 0.5], { sampleWeight: [0, 0] }))).toBe("INVALID_ARGUMENT");
    expect(code(() => logLoss([1, 0], [0.5, 0.5], { eps: 0.5 }))).toBe("INVALID_ARGUMENT");
  });

  it("draws scikit-learn's ROC and precision-recall curves", () => {
    const roc = rocCurve(y, s);
    close(roc.fpr, [0.0, 0.0, 0.0, 0.1, 0.2, 0.2, 0.3, 0.5, 0.5, 0.6, 1.0]);
    close(roc.tpr, [0.0, 0.1, 0.3, 0.3, 0.5, 0.7, 0.8, 0.8, 0.9, 1.0, 1.0]);
    close(roc.thresholds.slice(1), [0.95, 0.8, 0.7, 0.65, 0.6, 0.55, 0.4, 0.35, 0.3, 0.05]);
    expect(roc.thresholds[0]).toBe(Number.POSITIVE_INFINITY);
    const all = rocCurve(y, s, { dropIntermediate: false });
    close(all.fpr, [0.0, 0.0, 0.0, 0.0, 0.1, 0.2, 0.2, 0.3, 0.4, 0.5, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]);
    close(all.tpr, [0.0, 0.1, 0.2, 0.3, 0.3, 0.5, 0.7, 0.8, 0.8, 0.8, 0.9, 1.0, 1.0, 1.0, 1.0, 1.0]);
    const pr = precisionRecallCurve(y, s);
    close(
      pr.precision,
      [
        0.5, 0.5263157894736842, 0.5555555555555556, 0.5882352941176471, 0.625, 0.6428571428571429,
        0.6153846153846154, 0.6666666666666666, 0.7272727272727273, 0.7777777777777778, 0.7142857142857143,
        0.75, 1.0, 1.0, 1.0, 1.0,
      ],
    );
    close(pr.recall, [1.0, 1.0, 1.0, 1.0, 1.0, 0.9, 0.8, 0.8, 0.8, 0.7, 0.5, 0.3, 0.3, 0.2, 0.1, 0.0]);
    close(pr.thresholds, [0.05, 0.1, 0.15, 0.2, 0.3, 0.35, 0.4, 0.45, 0.55, 0.6, 0.65, 0.7, 0.8, 0.9, 0.95]);
  });

  it("bins calibration like scikit-learn's calibration_curve", () => {
    const u = calibrationCurve(y, s, { nBins: 5 });
    close(u.probTrue, [0.0, 0.5, 0.6, 0.6, 1.0]);
    close(u.probPred, [0.125, 0.3375, 0.55, 0.6900000000000001, 0.925]);
    const q = calibrationCurve(y, s, { nBins: 4, strategy: "quantile" });
    close(q.probTrue, [0.16666666666666666, 0.4, 0.8, 0.75]);
    close(q.probPred, [0.18333333333333335, 0.4600000000000001, 0.6300000000000001, 0.8375000000000001]);
    // ECE from the uniform 5-bin table: Σ (count/n)·|probTrue − probPred|
    const ece = u.counts.reduce((acc, c, b) => acc + (c / 20) * Math.abs(u.probTrue[b]! - u.probPred[b]!), 0);
    expect(expectedCalibrationError(y, s, { nBins: 5 })).toBeCloseTo(ece, 14);
  });

  it("chooses thresholds for the best F1 or a target precision or recall", () => {
    const best = bestF1Threshold(y, s);
    // from precision_recall_curve above: threshold 0.3 has precision 0.625 and recall 1, the best F1
    expect(best.threshold).toBe(0.3);
    expect(best.f1).toBeCloseTo((2 * 0.625) / 1.625, 14);
    expect(thresholdForTarget(y, s, { precision: 0.75 }).threshold).toBe(0.6);
    expect(thresholdForTarget(y, s, { recall: 0.9 }).threshold).toBe(0.35);
    expect(code(() => thresholdForTarget(y, s, { precision: 1.01 }))).toBe("INVALID_ARGUMENT");
  });
});
