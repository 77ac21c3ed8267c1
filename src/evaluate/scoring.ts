/**
 * Metrics by name, for the callers that take a list of them (segments, backtests, evaluation
 * records). Label metrics turn scores into 0/1 predictions with a threshold (1 when score ≥
 * threshold); rank and probabilistic metrics take the scores as they are. A metric that is not
 * defined on the given rows (ROC AUC with one class present) scores null instead of failing the
 * whole table; log loss is defined there (scikit-learn's labels=[0, 1]).
 */
import { SextantError } from "../core/index.js";
import {
  averagePrecisionScore,
  brierScore,
  CELL_METRICS,
  confusionMatrix,
  type Labels,
  logLoss,
  rocAucScore,
  type Scores,
} from "./metrics.js";

/** The metric names every list-taking API accepts. */
export const METRIC_NAMES = [
  "precision",
  "recall",
  "f1",
  "accuracy",
  "balanced_accuracy",
  "mcc",
  "roc_auc",
  "average_precision",
  "log_loss",
  "brier",
] as const;
export type MetricName = (typeof METRIC_NAMES)[number];

/** Metrics where lower is better; the rest are higher-is-better. */
export const LOWER_IS_BETTER: ReadonlySet<MetricName> = new Set(["log_loss", "brier"]);

export const DEFAULT_THRESHOLD = 0.5;

/** @throws INVALID_ARGUMENT naming the unknown metric and the known ones */
export function checkMetricNames(names: readonly string[]): MetricName[] {
  if (names.length === 0) throw new SextantError("INVALID_ARGUMENT", "give at least one metric");
  for (const n of names) {
    if (!(METRIC_NAMES as readonly string[]).includes(n)) {
      throw new SextantError(
        "INVALID_ARGUMENT",
        `unknown metric "${n}"; known metrics: ${METRIC_NAMES.join(", ")}`,
        { metric: n, known: [...METRIC_NAMES] },
      );
    }
  }
  return [...new Set(names)] as MetricName[];
}

/** 0/1 predictions: 1 where score ≥ threshold. */
export function predictAt(scores: Scores, threshold: number): Uint8Array {
  const out = new Uint8Array(scores.length);
  for (let i = 0; i < scores.length; i++) out[i] = scores[i]! >= threshold ? 1 : 0;
  return out;
}

/**
 * One metric of labels against scores. Returns null where the metric is undefined on these rows
 * (one class only, for ROC AUC); bad input (lengths, labels, NaN) still throws.
 */
export function scoreMetric(
  name: MetricName,
  yTrue: Labels,
  scores: Scores,
  threshold = DEFAULT_THRESHOLD,
): number | null {
  switch (name) {
    case "roc_auc": {
      if (!bothClassesPresent(yTrue)) {
        // still validate the input, so a NaN or a bad label is not hidden behind the null
        averagePrecisionScore(yTrue, scores);
        return null;
      }
      return rocAucScore(yTrue, scores);
    }
    case "log_loss":
      return logLoss(yTrue, scores);
    case "average_precision":
      return averagePrecisionScore(yTrue, scores);
    case "brier":
      return brierScore(yTrue, scores);
    default: {
      checkScores(scores);
      const cells = confusionMatrix(yTrue, predictAt(scores, threshold));
      return CELL_METRICS[name](cells, 0);
    }
  }
}

/** Every named metric, keyed by name. */
export function scoreMetrics(
  names: readonly MetricName[],
  yTrue: Labels,
  scores: Scores,
  threshold = DEFAULT_THRESHOLD,
): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const n of names) out[n] = scoreMetric(n, yTrue, scores, threshold);
  return out;
}

function bothClassesPresent(y: Labels): boolean {
  let pos = false;
  let neg = false;
  for (let i = 0; i < y.length && !(pos && neg); i++) {
    const v = y[i];
    if (v === 1 || v === true) pos = true;
    else neg = true;
  }
  return pos && neg;
}

function checkScores(scores: Scores): void {
  for (let i = 0; i < scores.length; i++) {
    const v = scores[i];
    if (typeof v !== "number" || Number.isNaN(v)) {
      throw new SextantError(
        "INVALID_ARGUMENT",
        `scores[${i}] is ${String(v)}: scores must be numbers, not NaN`,
        {
          name: "scores",
          index: i,
        },
      );
    }
  }
}
